import AWSClients
import AWSSigV4
import AWSSigning
import ArgumentParser
import Foundation
import HTTPTransport
import KITEngine
import KITPlugins
import Logging

/// `kithost plugins …`: operations on plugins without running the host.
struct PluginsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins", abstract: "Check a plugin directory, or run one event through a plugin.",
        subcommands: [Check.self, Invoke.self])

    /// What both subcommands need: the host's services, as `kithost run` would lend them.
    static func hostServices(region configured: String?, logger: Logger) async throws -> (HostServices, HTTPClient) {
        let environment = ProcessInfo.processInfo.environment
        let transport: HTTPClient
        do {
            transport = try HTTPClient(logger: logger)
        } catch {
            printError("kithost plugins: \(error)")
            throw ExitCode(2)
        }
        do {
            let aws = try AWSClientFactory(
                region: configured, transport: transport,
                credentials: RefreshingCredentialProvider.standard(transport: transport, environment: environment),
                environment: environment, logger: logger)
            return (aws.hostServices(logger: logger), transport)
        } catch {
            await transport.shutdown()
            printError("kithost plugins: \(error)")
            throw ExitCode(2)
        }
    }

    static var quietLogger: Logger {
        var logger = Logger(label: "kithost.plugins")
        // Everything the commands find is printed; the loader's own log lines would only repeat it.
        logger.logLevel = .critical
        return logger
    }
}
