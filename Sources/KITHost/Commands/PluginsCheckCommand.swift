import ArgumentParser
import Foundation
import HTTPTransport
import KITEngine
import KITPlugins

extension PluginsCommand {
    /// `kithost plugins check DIR [--config kit.yaml]`: loads each `lib*.so` exactly as `kithost run` would with
    /// that configuration (permission checks, digest allow-list, ABI version, `create` with the plugin's entry
    /// under `plugins`, required and optional plugins, misspelled names) and prints what it found.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Load every plugin of DIR as `kithost run` would; exit 1 if any is refused or a configured one is missing."
        )

        @Argument(help: "The plugin directory (lib*.so files, optional lib*.json manifests).")
        var directory: String

        @Option(
            help:
                "The kithost configuration (JSON or YAML) whose `plugins`, `pluginAllowedDigests` and `region` apply; or NAME=FILE for one plugin's JSON configuration (repeatable)."
        )
        var config: [String] = []

        @Option(name: .customLong("allow-digest"), help: "A SHA-256 (hex) allowed to load; repeat for several.")
        var allowedDigests: [String] = []

        func run() async throws {
            var settings: [String: PluginSettings] = [:]
            var digests = Set(allowedDigests.map { $0.lowercased() })
            var region: String?
            for entry in config {
                if let equals = entry.firstIndex(of: "="), !FileManager.default.fileExists(atPath: entry) {
                    let file = String(entry[entry.index(after: equals)...])
                    guard let bytes = FileManager.default.contents(atPath: file) else {
                        throw ValidationError("cannot read \(file)")
                    }
                    settings[String(entry[..<equals])] = PluginSettings(configuration: Array(bytes))
                    continue
                }
                let host: HostConfiguration
                do {
                    host = try HostConfiguration.load(file: entry, validate: false)
                    settings.merge(try host.pluginSettings()) { _, new in new }
                } catch {
                    printError("kithost plugins check: configuration error: \(error)")
                    throw ExitCode(2)
                }
                digests.formUnion(host.pluginAllowedDigests.map { $0.lowercased() })
                region = host.region ?? region
            }
            let (services, transport) = try await PluginsCommand.hostServices(
                region: region, logger: PluginsCommand.quietLogger)
            let dispatcher = PluginDispatcher(
                configuration: .init(pluginDirectory: directory, settings: settings, allowedDigests: digests),
                services: services)
            let summary = await dispatcher.registry.load()
            for report in summary.reports {
                if let refusal = report.refusal {
                    print("REFUSED \(report.path)\n  \(refusal.code): \(refusal.message)")
                    if let digest = report.sha256 { print("  sha256 \(digest)") }
                } else {
                    print(
                        "OK      \(report.path)\n  name \(report.name ?? "?"), version \(report.version ?? "?"), "
                            + "ABI \(report.abiVersion.map(String.init) ?? "?")\n  sha256 \(report.sha256 ?? "?")")
                }
            }
            for problem in summary.problems {
                print("\(problem.optional ? "DOWN   " : "MISSING") \(problem.plugin)\n  \(problem.reason)")
            }
            let refused = summary.reports.filter { !$0.isLoaded }.count
            print(
                "\(summary.reports.count - refused) loaded, \(refused) refused, "
                    + "\(summary.fatal.count) configured plugin(s) missing")
            try await dispatcher.withRunning {}
            await transport.shutdown()
            if refused > 0 || !summary.fatal.isEmpty { throw ExitCode(1) }
        }
    }
}
