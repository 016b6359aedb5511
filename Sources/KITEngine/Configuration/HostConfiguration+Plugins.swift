import Foundation
import KITPlugins

extension HostConfiguration {
    /// Each entry under `plugins` split into the plugin's own configuration and the host's keys (`optional`,
    /// `rawCredentials`), which the plugin never sees.
    public func pluginSettings() throws(ConfigurationError) -> [String: PluginSettings] {
        var settings: [String: PluginSettings] = [:]
        for (name, value) in plugins {
            guard case .object(var entry) = value else {
                throw ConfigurationError(
                    key: "plugins.\(name)",
                    message: "expected an object (the plugin's configuration), not \(value.kindName)")
            }
            func flag(_ key: String) throws(ConfigurationError) -> Bool {
                switch entry.removeValue(forKey: key) {
                case nil, .null?: return false
                case .bool(let set)?: return set
                case let other?:
                    throw ConfigurationError(
                        key: "plugins.\(name).\(key)", message: "expected true or false, not \(other.kindName)")
                }
            }
            let optional = try flag("optional")
            let rawCredentials = try flag("rawCredentials")
            settings[name] = PluginSettings(
                configuration: Array(ConfigValue.object(entry).json.utf8), optional: optional,
                rawCredentials: rawCredentials)
        }
        return settings
    }

    /// The dispatcher settings from `pluginDir`, `plugins`, `pluginAllowedDigests`, `pluginBatchSize`,
    /// `pluginBatchWindowMillis`, `pluginDeadlineMillis`, `pluginMaxRetries` and `deadLetter` (default: a
    /// `dead-letter` directory beside the working directory).
    public func pluginDispatcherConfiguration() throws(ConfigurationError) -> PluginDispatcher.Configuration {
        let deadLetter: DeadLetterDestination =
            switch self.deadLetter {
            case .directory(let path)?: .directory(path)
            case .s3(let bucket, let prefix)?: .s3(bucket: bucket, prefix: prefix)
            case nil: .directory("dead-letter")
            }
        return PluginDispatcher.Configuration(
            registry: .init(
                directory: pluginDir, settings: try pluginSettings(), allowedDigests: Set(pluginAllowedDigests)),
            batchSize: pluginBatchSize, batchWindow: .milliseconds(pluginBatchWindowMillis),
            deadline: .milliseconds(pluginDeadlineMillis), maxRetries: pluginMaxRetries, deadLetter: deadLetter)
    }
}
