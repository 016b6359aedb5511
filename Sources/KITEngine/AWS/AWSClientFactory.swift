import AWSClients
import AWSSigV4
import AWSSigning
import Foundation
import HTTPTransport
import KITLeases
import KITPlugins
import Logging

/// The AWS side of one `kithost` process, resolved once at start, and the one place its clients are made: the
/// region, the shared transport and credentials, the environment (endpoint overrides, shared config files), the
/// default client settings and the logger. The daemon (Kinesis Video, tagging, SageMaker or a container model,
/// Kinesis, the lease store), the plugins' host services, the CloudWatch exporter and the `kithost` commands all
/// take their clients from here, so they agree on the region and send through the same transport.
public struct AWSClientFactory: Sendable {
    public let region: String
    public let transport: any HTTPExecuting
    public let credentials: any CredentialProvider
    public let environment: [String: String]
    /// What every client gets unless it asks for another (``singleAttempt`` for inference).
    public var clientConfiguration: AWSClient.Configuration
    public let logger: Logger

    /// Resolves the region once: `configured` (the `region` key), else `AWS_REGION`, `AWS_DEFAULT_REGION` or the
    /// profile's region in `environment`. There is no default: a host that does not know its region says so
    /// (``ConfigurationError`` on `region`; `kithost` exits 2) rather than talking to one it guessed.
    public init(
        region configured: String?, transport: any HTTPExecuting, credentials: any CredentialProvider,
        environment: [String: String], clientConfiguration: AWSClient.Configuration = Self.defaultConfiguration,
        logger: Logger
    ) throws(ConfigurationError) {
        let region = configured ?? RegionResolver.resolve(environment: environment)
        guard let region, !region.isEmpty else {
            throw ConfigurationError(
                key: "region", message: "no region: set `region`, AWS_REGION, AWS_DEFAULT_REGION or a profile region")
        }
        self.region = region
        self.transport = transport
        self.credentials = credentials
        self.environment = environment
        self.clientConfiguration = clientConfiguration
        self.logger = logger
    }

    /// Buffered calls get 30 s, all attempts included; the clients' own full-jitter retries apply.
    public static var defaultConfiguration: AWSClient.Configuration {
        var configuration = AWSClient.Configuration()
        configuration.timeout = .seconds(30)
        return configuration
    }

    /// One attempt and no deadline of its own: for inference, whose scheduler owns retries and timeouts.
    public var singleAttempt: AWSClient.Configuration {
        var configuration = AWSClient.Configuration(retry: .never, timeout: nil)
        configuration.clock = clientConfiguration.clock
        return configuration
    }

    /// A client for `service` in ``region``, its endpoint resolved from ``environment`` (overrides, shared config)
    /// or AWS's default.
    public func client(_ service: AWSService, configuration: AWSClient.Configuration? = nil) throws(AWSError)
        -> AWSClient
    {
        try AWSClient(
            service: service, region: region, credentialProvider: credentials, transport: transport,
            environment: environment, configuration: configuration ?? clientConfiguration, logger: logger)
    }

    public func kinesisVideo() throws(AWSError) -> KinesisVideoClient {
        KinesisVideoClient(client: try client(.kinesisVideo))
    }

    public func tagging() throws(AWSError) -> ResourceGroupsTaggingClient {
        ResourceGroupsTaggingClient(client: try client(.resourceGroupsTaggingAPI))
    }

    public func kinesis() throws(AWSError) -> KinesisClient { KinesisClient(client: try client(.kinesis)) }

    public func cloudWatch() throws(AWSError) -> CloudWatchClient { CloudWatchClient(client: try client(.cloudWatch)) }

    /// Where sampled frames go: a model server speaking the SageMaker container contract at `url` (unsigned), or
    /// the SageMaker endpoint `endpoint`; both make one attempt per call.
    public func inferenceTarget(url: String?, endpoint: String?) throws -> any InferenceTarget {
        if let url {
            return ContainerEndpointTarget(
                url: url,
                client: try ContainerModelClient(baseURL: url, transport: transport, configuration: singleAttempt))
        }
        guard let endpoint else {
            throw ConfigurationError(key: "sageMakerEndpoint", message: "set sageMakerEndpoint or inferenceUrl")
        }
        return SageMakerEndpointTarget(
            endpointName: endpoint,
            client: SageMakerRuntimeClient(client: try client(.sageMakerRuntime, configuration: singleAttempt)))
    }

    /// The configured lease store: a SQLite file needs nothing of AWS; a DynamoDB table is reached in ``region``
    /// with these credentials.
    public func leaseStore(_ store: HostConfiguration.LeaseStore) throws(LeaseStoreError) -> any LeaseStore {
        try LeaseStoreFactory.makeStore(
            store.location, region: region, transport: transport, credentialProvider: credentials,
            environment: environment)
    }

    /// What the plugins are lent: this transport, these credentials, this region.
    public func hostServices(logger: Logger) -> HostServices {
        HostServices(transport: transport, credentialProvider: credentials, region: region, logger: logger)
    }
}

extension HostConfiguration.LeaseStore {
    /// The store `leaseStore` names, as KITLeases spells it.
    public var location: LeaseStoreLocation {
        switch self {
        case .sqlite(let path): .sqlite(path: path)
        case .dynamoDB(let table): .dynamoDB(table: table)
        }
    }
}
