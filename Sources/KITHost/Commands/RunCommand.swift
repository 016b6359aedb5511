import AWSClients
import AWSSigV4
import AWSSigning
import ArgumentParser
import CKITHostSupport
import Foundation
import HTTPTransport
import KITEngine
import Logging
import Metrics
import Prometheus

#if canImport(Glibc)
    import Glibc
#endif

/// `kithost run`: the daemon. Configuration: defaults < `--config` file < `KIT_*` environment < flags (any key as
/// `--kebab-case value`). Logging and metrics backends are chosen here and nowhere else.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Read Kinesis Video streams, infer on sampled key frames, publish results and dispatch to plugins.",
        discussion: """
            Every configuration key is also a flag (--stream-names a,b --inference-url http://...) and an
            environment variable (KIT_STREAM_NAMES). See the README's configuration table.
            """)

    @Option(help: "A JSON or YAML configuration file.")
    var config: String?

    @Flag(help: "Print the effective configuration as JSON and exit.")
    var printConfig = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String?

    @Argument(parsing: .allUnrecognized, help: "Configuration keys as flags: --stream-names a,b …")
    var keyFlags: [String] = []

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let configuration: HostConfiguration
        do {
            configuration = try HostConfiguration.load(
                file: config, environment: environment, flags: try Self.parse(flags: keyFlags))
        } catch {
            FileHandle.standardError.write(Data("kithost: configuration error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        if printConfig {
            print(configuration.printable.json)
            return
        }
        if kit_signals_unblocked() == 0 {
            FileHandle.standardError.write(Data("kithost: warning: could not unblock SIGTERM/SIGINT\n".utf8))
        }
        let level = Logger.Level(rawValue: (logLevel ?? environment["KIT_LOG_LEVEL"] ?? "info").lowercased()) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "kithost")
        let transport = try HostRunner.makeTransport(logger: Logger(label: "kit.http"))
        // The region is resolved here, once, for every client of the process.
        let aws: AWSClientFactory
        do {
            aws = try AWSClientFactory(
                region: configuration.region, transport: transport,
                credentials: RefreshingCredentialProvider.standard(transport: transport, environment: environment),
                environment: environment, logger: logger)
        } catch {
            await transport.shutdown()
            FileHandle.standardError.write(Data("kithost: configuration error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let prometheus = PrometheusCollectorRegistry()
        var prometheusFactory = PrometheusMetricsFactory(registry: prometheus)
        prometheusFactory.nameAndLabelSanitizer = { name, labels in (MetricName.prometheusName(name), labels) }
        let cloudWatch = try HostRunner.makeCloudWatch(configuration: configuration, aws: aws, logger: logger)
        if let cloudWatch {
            MetricsSystem.bootstrap(MultiplexMetricsHandler(factories: [prometheusFactory, cloudWatch]))
        } else {
            MetricsSystem.bootstrap(prometheusFactory)
        }
        do {
            try await HostRunner.run(
                configuration: configuration, transport: transport, aws: aws,
                backends: .init(prometheus: prometheus, cloudWatch: cloudWatch), logger: logger,
                onListening: { url in writeLine("kithost listening on \(url)", to: 1) })
        } catch let error as PluginStartError {
            FileHandle.standardError.write(Data("kithost: not starting: \(error)\n".utf8))
            throw ExitCode(2)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("kithost: configuration error: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }

    /// `--stream-names a,b --skip-when-behind=false` → ["stream-names": "a,b", "skip-when-behind": "false"].
    static func parse(flags: [String]) throws(ConfigurationError) -> [String: String] {
        var result: [String: String] = [:]
        var index = 0
        while index < flags.count {
            let flag = flags[index]
            guard flag.hasPrefix("--"), flag.count > 2 else {
                throw ConfigurationError(key: flag, message: "expected --key value")
            }
            let body = flag.dropFirst(2)
            if let equals = body.firstIndex(of: "=") {
                result[String(body[..<equals])] = String(body[body.index(after: equals)...])
                index += 1
            } else {
                guard index + 1 < flags.count else {
                    throw ConfigurationError(key: flag, message: "missing value")
                }
                result[String(body)] = flags[index + 1]
                index += 2
            }
        }
        return result
    }
}
