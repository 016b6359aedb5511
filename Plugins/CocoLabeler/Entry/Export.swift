import CocoLabeler
import PluginAPI

/// The plugin's C entry point: the one line every plugin library has.
@c(kit_plugin_entry) public func kitPluginEntry(_ abi: UInt32) -> KITPluginEntry { CocoLabelerHandler.export(abi) }
