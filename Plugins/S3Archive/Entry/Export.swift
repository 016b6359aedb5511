import PluginAPI
import S3Archive

/// The plugin's C entry point: the one line every plugin library has.
@c(kit_plugin_entry) public func kitPluginEntry(_ abi: UInt32) -> KITPluginEntry { S3ArchiveHandler.export(abi) }
