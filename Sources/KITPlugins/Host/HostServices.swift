import AWSSigV4
import HTTPTransport
import Logging
import Metrics

/// What the host lends every plugin through the `kit_host_services` table: its HTTP transport (one connection pool
/// and TLS setup for the whole process), its AWS credentials, its region and its logger. Metrics go to whatever
/// backend `main` bootstrapped (swift-metrics).
public struct HostServices: Sendable {
    /// Sends the plugins' HTTP requests (give it the plain libcurl ``HTTPClient``; the plugins' AWS clients retry).
    public var transport: any HTTPExecuting
    /// Credentials for a SigV4 signing name and region; `nil` when the host has none (plugins then fail their AWS
    /// calls with a clear error rather than signing with nothing).
    public var credentials: @Sendable (_ service: String, _ region: String) -> (any CredentialProvider)?
    /// The host's AWS region, handed to plugins as their default.
    public var region: String
    /// Parent of each plugin's logger (which adds `plugin` metadata).
    public var logger: Logger
    /// Where the plugin metrics go; `nil` uses the bootstrapped `MetricsSystem.factory`. Tests pass a
    /// `TestMetrics` here rather than bootstrapping the process-wide system.
    public var metricsFactory: (any MetricsFactory)?

    var metrics: any MetricsFactory { metricsFactory ?? MetricsSystem.factory }

    public init(
        transport: any HTTPExecuting,
        credentials: @escaping @Sendable (_ service: String, _ region: String) -> (any CredentialProvider)?,
        region: String, logger: Logger, metricsFactory: (any MetricsFactory)? = nil
    ) {
        self.transport = transport
        self.credentials = credentials
        self.region = region
        self.logger = logger
        self.metricsFactory = metricsFactory
    }

    /// One credential provider for every service and region (the usual case: the host's refreshing chain).
    public init(
        transport: any HTTPExecuting, credentialProvider: (any CredentialProvider)?, region: String, logger: Logger,
        metricsFactory: (any MetricsFactory)? = nil
    ) {
        self.init(
            transport: transport, credentials: { _, _ in credentialProvider }, region: region, logger: logger,
            metricsFactory: metricsFactory)
    }
}
