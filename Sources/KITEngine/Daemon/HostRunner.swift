import Foundation
import HTTPTransport
import KITPlugins
import Logging
import Prometheus
import ServiceLifecycle
import UnixSignals

/// Assembles `kithost run` once `main` has chosen the logging and metrics backends and resolved the
/// ``AWSClientFactory`` (region, shared transport and credentials): the daemon, the metrics/health/status server,
/// process metrics, the plugins and (when configured) the CloudWatch exporter, all in one ServiceGroup that SIGTERM
/// and SIGINT shut down gracefully.
public enum HostRunner {
    public struct Backends: Sendable {
        public var prometheus: PrometheusCollectorRegistry
        public var cloudWatch: CloudWatchMetrics?
        public init(prometheus: PrometheusCollectorRegistry, cloudWatch: CloudWatchMetrics?) {
            self.prometheus = prometheus
            self.cloudWatch = cloudWatch
        }
    }

    /// The shared transport `main` needs before choosing backends (the CloudWatch exporter sends through it too).
    public static func makeTransport(logger: Logger) throws -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.requestTimeout = .seconds(120)
        return try HTTPClient(configuration: configuration, logger: logger)
    }

    /// The CloudWatch exporter when `cloudWatchNamespace` is set, in the host's region.
    public static func makeCloudWatch(
        configuration: HostConfiguration, aws: AWSClientFactory, logger: Logger
    ) throws -> CloudWatchMetrics? {
        guard let namespace = configuration.cloudWatchNamespace else { return nil }
        return CloudWatchMetrics(
            namespace: namespace, client: try aws.cloudWatch(),
            interval: .milliseconds(configuration.cloudWatchIntervalMillis), logger: logger)
    }

    /// Runs until SIGTERM/SIGINT; `onListening` gets the status server's URL once it is bound. `transport` is the
    /// client `aws` sends through, shut down last. Throws ``PluginStartError`` before any stream is read when a
    /// configured plugin does not load.
    public static func run(
        configuration: HostConfiguration, transport: HTTPClient, aws: AWSClientFactory, backends: Backends,
        logger: Logger, onListening: @escaping @Sendable (String) -> Void
    ) async throws {
        let plugins = try await loadPlugins(configuration: configuration, aws: aws, logger: logger)
        let daemon = HostDaemon(
            configuration: configuration, dependencies: .init(aws: aws, dispatcher: plugins), logger: logger)
        // Stopped in reverse order: the daemon drains first (its pipelines wait on plugin deliveries while the
        // dispatcher still runs), the transport last (the CloudWatch exporter's final flush needs it).
        var services: [any Service] = [TransportService(client: transport)]
        if let cloudWatch = backends.cloudWatch { services.append(cloudWatch) }
        if let port = configuration.metricsPort {
            let host = configuration.metricsHost
            let server = ObservabilityServer(
                host: host, port: port, registry: backends.prometheus,
                status: {
                    var status = await daemon.status()
                    status.plugins = plugins?.status ?? []
                    return status
                }, latestImage: { daemon.latestImage(stream: $0) },
                health: { Health(draining: !daemon.isHealthy, plugins: plugins?.status ?? []) },
                onBound: { bound in
                    let shown = host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host
                    onListening("http://\(shown):\(bound)")
                },
                logger: logger)
            services.append(server.makeService())
        }
        services.append(ProcessMetrics(workerId: configuration.workerId))
        if let plugins {
            services.append(plugins)
            services.append(PluginReloader(dispatcher: plugins, logger: logger))
        }
        services.append(daemon)
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint],
                cancellationSignals: [], logger: logger))
        try await group.run()
    }

    /// The plugin dispatcher with every plugin loaded, or `nil` when no plugin is configured.
    static func loadPlugins(
        configuration: HostConfiguration, aws: AWSClientFactory, logger: Logger
    ) async throws -> PluginDispatcher? {
        guard configuration.pluginDir != nil || !configuration.plugins.isEmpty else { return nil }
        let dispatcher = PluginDispatcher(
            configuration: try configuration.pluginDispatcherConfiguration(),
            services: aws.hostServices(logger: Logger(label: "kit.plugins")))
        let summary = await dispatcher.registry.load()
        for report in summary.reports { logger.info("plugin: \(report)") }
        guard summary.fatal.isEmpty else { throw PluginStartError(problems: summary.fatal) }
        return dispatcher
    }
}

/// A configured plugin did not load, so the host does not start (exit status 2): better no archive at all than
/// fragments checkpointed and never archived. Mark a plugin `"optional": true` to run without it.
public struct PluginStartError: Error, Sendable, CustomStringConvertible {
    public var problems: [PluginProblem]

    public var description: String {
        problems.map(\.description).joined(separator: "; ")
            + " (a plugin named under `plugins` must load; mark it \"optional\": true to run without it)"
    }
}

/// The shared HTTP transport as a service: shut down when the group stops it, after everything that sends.
struct TransportService: Service {
    let client: HTTPClient

    func run() async throws {
        try? await gracefulShutdown()
        await client.shutdown()
    }
}

/// SIGHUP loads plugin files added to the plugin directory since start (plugins are never unloaded), and tries
/// the optional plugins that are down again.
struct PluginReloader: Service {
    let dispatcher: PluginDispatcher
    let logger: Logger

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        try? await cancelWhenGracefulShutdown {
            for await _ in hangups {
                logger.info("SIGHUP: looking for new plugins")
                let summary = await dispatcher.registry.load()
                for report in summary.reports { logger.info("plugin: \(report)") }
            }
        }
    }
}
