// A plugin's tests import PluginTesting (and the plugin): the SDK comes with it.
@_exported import PluginAPI
