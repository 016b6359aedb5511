import AWSClients
import AWSSigV4
import AWSSigning
import Foundation
import HTTPTransport
import KITPlugins
import Logging
import Prometheus
import ServiceLifecycle
import UnixSignals

/// Assembles `kithost run` once `main` has chosen the logging and metrics backends: the shared transport and
/// credentials, the daemon, the metrics/health/status server, process metrics and (when configured) the CloudWatch
/// exporter, all in one ServiceGroup that SIGTERM and SIGINT shut down gracefully.
public enum HostRunner {
    public struct Backends: Sendable {
        public var prometheus: PrometheusCollectorRegistry
        public var cloudWatch: CloudWatchMetrics?
        public init(prometheus: PrometheusCollectorRegistry, cloudWatch: CloudWatchMetrics?) {
            self.prometheus = prometheus
            self.cloudWatch = cloudWatch
        }
    }

    /// The shared transport and credentials `main` needs before choosing backends (CloudWatch uses them too).
    public static func makeTransport(logger: Logger) throws -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.requestTimeout = .seconds(120)
        return try HTTPClient(configuration: configuration, logger: logger)
    }

    public static func makeCloudWatch(
        configuration: HostConfiguration, transport: any HTTPExecuting, credentials: any CredentialProvider,
        environment: [String: String], logger: Logger
    ) throws -> CloudWatchMetrics? {
        guard let namespace = configuration.cloudWatchNamespace else { return nil }
        let client = CloudWatchClient(
            client: try AWSClient(
                service: .cloudWatch, region: configuration.region, credentialProvider: credentials,
                transport: transport, environment: environment, logger: logger))
        return CloudWatchMetrics(
            namespace: namespace, client: client, interval: .milliseconds(configuration.cloudWatchIntervalMillis),
            logger: logger)
    }

    /// Runs until SIGTERM/SIGINT; `onListening` gets the status server's URL once it is bound.
    public static func run(
        configuration: HostConfiguration, transport: HTTPClient, credentials: any CredentialProvider,
        environment: [String: String], backends: Backends, logger: Logger,
        onListening: @escaping @Sendable (String) -> Void
    ) async throws {
        var plugins: PluginDispatcher?
        if configuration.pluginDir != nil {
            let region = configuration.region ?? RegionResolver.resolve(environment: environment) ?? "us-east-1"
            let dispatcher = PluginDispatcher(
                configuration: configuration.pluginDispatcherConfiguration,
                services: HostServices(
                    transport: transport, credentialProvider: credentials, region: region,
                    logger: Logger(label: "kit.plugins")))
            for report in dispatcher.loadPlugins() { logger.info("plugin: \(report)") }
            plugins = dispatcher
        }
        let dispatcher = plugins.map { PluginResultDispatcher(dispatcher: $0) }
        let daemon = HostDaemon(
            configuration: configuration,
            dependencies: .init(
                transport: transport, credentials: credentials, environment: environment, dispatcher: dispatcher),
            logger: logger)
        var services: [any Service] = []
        if let cloudWatch = backends.cloudWatch { services.append(cloudWatch) }
        if let port = configuration.metricsPort {
            let host = configuration.metricsHost
            let server = ObservabilityServer(
                host: host, port: port, registry: backends.prometheus,
                status: { await daemon.status() }, latestImage: { daemon.latestImage(stream: $0) },
                healthy: { daemon.isHealthy },
                onBound: { bound in
                    let shown = host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host
                    onListening("http://\(shown):\(bound)")
                },
                logger: logger)
            services.append(server.makeService())
        }
        services.append(ProcessMetrics(workerId: configuration.workerId))
        if let plugins { services.append(PluginReloader(dispatcher: plugins, logger: logger)) }
        services.append(daemon)
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint],
                cancellationSignals: [], logger: logger))
        do {
            try await group.run()
        } catch {
            await plugins?.shutdown()
            await transport.shutdown()
            throw error
        }
        await plugins?.shutdown()
        await transport.shutdown()
    }
}

/// SIGHUP loads plugin files added to the plugin directory since start (plugins are never unloaded).
struct PluginReloader: Service {
    let dispatcher: PluginDispatcher
    let logger: Logger

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        try? await cancelWhenGracefulShutdown {
            for await _ in hangups {
                logger.info("SIGHUP: looking for new plugins")
                for report in dispatcher.reload() { logger.info("plugin: \(report)") }
            }
        }
    }
}
