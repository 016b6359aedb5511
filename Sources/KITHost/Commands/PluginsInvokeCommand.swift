import ArgumentParser
import Foundation
import HTTPTransport
import KITPlugins

extension PluginsCommand {
    /// `kithost plugins invoke PLUGIN.so|DIR --event EVENT.json [--config JSON]`: runs one Lambda Kinesis event
    /// through a plugin, loaded as the host would load it, and prints the outcome as JSON — what
    /// `sam local invoke` is for a Lambda function. The event may also be a dead-letter file: its `event` is
    /// replayed.
    struct Invoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Run one Lambda Kinesis event (or a dead-letter file) through a plugin; print the outcome as JSON.",
            discussion: "Exit status: 0 when every record succeeded, 1 otherwise, 2 when the plugin does not load.")

        @Argument(help: "A plugin file (libName.so), or a plugin directory holding one plugin (or use --plugin).")
        var plugin: String

        @Option(help: "The event: a Lambda Kinesis event JSON file ({\"Records\":[…]}) or a dead-letter file.")
        var event: String

        @Option(help: "The plugin's configuration: JSON text, or a JSON file (default: its manifest, else {}).")
        var config: String?

        @Option(name: .customLong("plugin"), help: "In a directory, the plugin to invoke, by name.")
        var name: String?

        @Option(help: "Milliseconds before the invocation is cancelled.")
        var deadlineMillis = 60_000

        @Option(help: "AWS region lent to the plugin (default: AWS_REGION, then the profile's).")
        var region: String?

        func run() async throws {
            let eventBytes = try Self.event(at: event)
            var settings: [String: PluginSettings] = [:]
            let configuration = try config.map(Self.configuration(from:))
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: plugin, isDirectory: &isDirectory) else {
                printError("kithost plugins invoke: no such plugin file or directory: \(plugin)")
                throw ExitCode(2)
            }
            let (services, transport) = try await PluginsCommand.hostServices(
                region: region, logger: PluginsCommand.quietLogger)
            // The configuration is keyed by plugin name, needed before `create`: `--plugin`, else the file's name
            // (`libName.so` holds plugin Name by convention), else the directory's only plugin file.
            let directory = isDirectory.boolValue ? plugin : nil
            let files =
                directory.map { (try? FileManager.default.contentsOfDirectory(atPath: $0)) ?? [] }?
                .filter { $0.hasPrefix("lib") && $0.hasSuffix(".so") } ?? [
                    URL(fileURLWithPath: plugin).lastPathComponent
                ]
            let target = name ?? (files.count == 1 ? String(files[0].dropFirst(3).dropLast(3)) : nil)
            if let configuration, let target { settings[target] = PluginSettings(configuration: configuration) }
            let dispatcher = PluginDispatcher(
                configuration: .init(pluginDirectory: directory, settings: settings), services: services)
            let reports: [PluginLoadReport] =
                isDirectory.boolValue
                ? await dispatcher.registry.load().reports : [await dispatcher.registry.load(file: plugin)]
            let loaded = dispatcher.pluginNames
            let chosen = name ?? (loaded.count == 1 ? loaded.first : nil)
            guard let chosen, loaded.contains(chosen) else {
                for report in reports where !report.isLoaded { printError("kithost plugins invoke: \(report)") }
                printError(
                    "kithost plugins invoke: "
                        + (loaded.isEmpty
                            ? "no plugin loaded" : "choose one of \(loaded.joined(separator: ", ")) with --plugin"))
                try await dispatcher.withRunning {}
                await transport.shutdown()
                throw ExitCode(2)
            }
            let result = try await dispatcher.withRunning {
                await dispatcher.registry.invoke(
                    plugin: chosen, event: eventBytes, deadline: .milliseconds(deadlineMillis))
            }
            await transport.shutdown()
            guard let result else { throw ExitCode(2) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
            if !result.succeeded { throw ExitCode(1) }
        }

        /// The event JSON: the file itself, or the `event` of a dead-letter file.
        static func event(at path: String) throws -> [UInt8] {
            guard let data = FileManager.default.contents(atPath: path) else {
                printError("kithost plugins invoke: cannot read the event file \(path)")
                throw ExitCode(2)
            }
            guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                printError("kithost plugins invoke: \(path) is not a JSON object")
                throw ExitCode(2)
            }
            if object["Records"] is [Any] { return Array(data) }
            if let event = object["event"] as? [String: Any], event["Records"] is [Any] {
                return Array(try JSONSerialization.data(withJSONObject: event))
            }
            printError("kithost plugins invoke: \(path) is neither a Lambda Kinesis event nor a dead-letter file")
            throw ExitCode(2)
        }

        static func configuration(from text: String) throws -> [UInt8] {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            let bytes: [UInt8]
            if trimmed.hasPrefix("{") {
                bytes = Array(trimmed.utf8)
            } else if let data = FileManager.default.contents(atPath: text) {
                bytes = Array(data)
            } else {
                printError("kithost plugins invoke: --config is neither JSON nor a readable file: \(text)")
                throw ExitCode(2)
            }
            guard (try? JSONSerialization.jsonObject(with: Data(bytes))) is [String: Any] else {
                printError("kithost plugins invoke: --config is not a JSON object")
                throw ExitCode(2)
            }
            return bytes
        }
    }
}
