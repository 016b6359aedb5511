import PluginAPI

/// The plugin's C entry point: the one line every plugin library has.
@_cdecl("kit_plugin_entry")
public func kitPluginEntry(_ abi: UInt32) -> UnsafeRawPointer? { KITPluginExport.entry(S3ArchiveHandler.self, abi) }
