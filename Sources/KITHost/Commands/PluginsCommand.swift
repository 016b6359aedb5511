import AWSClients
import AWSSigV4
import AWSSigning
import ArgumentParser
import Foundation
import HTTPTransport
import KITPlugins
import Logging

/// `kithost plugins …`: operations on a plugin directory.
struct PluginsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins", abstract: "Inspect a plugin directory.", subcommands: [Check.self])

    /// `kithost plugins check DIR`: loads each `lib*.so` exactly as the host would (permission checks, digest
    /// allow-list, ABI version, `create` with its configuration) and prints what it found or why it refused it.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load every plugin of DIR as the host would; exit non-zero if any is refused.")

        @Argument(help: "The plugin directory (lib*.so files, optional lib*.json manifests).")
        var directory: String

        @Option(name: .customLong("allow-digest"), help: "A SHA-256 (hex) allowed to load; repeat for several.")
        var allowedDigests: [String] = []

        @Option(name: .customLong("config"), help: "NAME=FILE: JSON configuration for plugin NAME.")
        var configs: [String] = []

        func run() async throws {
            var pluginConfigs: [String: [UInt8]] = [:]
            for entry in configs {
                guard let equals = entry.firstIndex(of: "=") else {
                    throw ValidationError("--config takes NAME=FILE, not \(entry)")
                }
                let file = String(entry[entry.index(after: equals)...])
                guard let bytes = FileManager.default.contents(atPath: file) else {
                    throw ValidationError("cannot read \(file)")
                }
                pluginConfigs[String(entry[..<equals])] = Array(bytes)
            }
            var logger = Logger(label: "kithost.plugins")
            // Everything the check finds is printed below; the loader's own log lines would only repeat it.
            logger.logLevel = .critical
            let transport: HTTPClient
            do {
                transport = try HTTPClient(logger: logger)
            } catch {
                printError("kithost plugins check: \(error)")
                throw ExitCode(2)
            }
            let services = HostServices(
                transport: transport,
                credentialProvider: RefreshingCredentialProvider.standard(transport: transport),
                region: RegionResolver.resolve(environment: ProcessInfo.processInfo.environment) ?? "us-east-1",
                logger: logger)
            let dispatcher = PluginDispatcher(
                configuration: .init(
                    pluginDirectory: directory, pluginConfigs: pluginConfigs,
                    allowedDigests: Set(allowedDigests.map { $0.lowercased() })),
                services: services)
            let reports = dispatcher.loadPlugins()
            for report in reports {
                if let refusal = report.refusal {
                    print("REFUSED \(report.path)\n  \(refusal.code): \(refusal.message)")
                    if let digest = report.sha256 { print("  sha256 \(digest)") }
                } else {
                    print(
                        "OK      \(report.path)\n  name \(report.name ?? "?"), version \(report.version ?? "?")\n"
                            + "  sha256 \(report.sha256 ?? "?")")
                }
            }
            let refused = reports.filter { !$0.isLoaded }.count
            print("\(reports.count - refused) loaded, \(refused) refused")
            await dispatcher.shutdown()
            await transport.shutdown()
            if refused > 0 { throw ExitCode(1) }
        }
    }
}
