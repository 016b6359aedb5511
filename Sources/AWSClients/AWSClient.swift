import AWSCore
import Foundation
import HTTPTransportCore
import Logging

/// The one door every AWS call of this module goes through. It owns, for one service in one region: where
/// requests go (the endpoint, resolved like the AWS CLI does from `AWS_ENDPOINT_URL_<SERVICE>` /
/// `AWS_ENDPOINT_URL` / the shared config), signing (through an ``AWSRequestSigner``, asked afresh for every
/// attempt, so a refreshing credential provider behind it renews them under long sessions), sending (any
/// ``HTTPExecuting``, normally HTTPTransport's libcurl `HTTPClient` — give it the plain client, not a
/// ``RetryingHTTPClient``: retries happen here, re-signed), the mapping of failures to ``AWSError``, retries with
/// full-jitter backoff, and per-call deadlines.
///
/// It holds no credentials and computes no hash: the signer does both. The host's signer is AWSSigning's
/// SigV4 signer over a credential provider (AWSSigning also has initialisers taking a `credentialProvider:`); a
/// plugin's may sign remotely, in the host.
///
/// The protocol layers (`AWSClient+JSONRPC`, `+RESTJSON`, `+Query`, `+RESTXML`) build ``AWSRequest``s on top, and
/// the service clients (`DynamoDBClient`, `KinesisVideoClient`, …) are thin typed façades over those.
public struct AWSClient: Sendable {
    public let service: AWSService
    public let region: String
    public let endpoint: AWSEndpoint
    /// `nil` sends every request unsigned (self-hosted model servers, local stand-ins that ignore auth).
    public let signer: (any AWSRequestSigner)?
    public let transport: any HTTPExecuting
    public var configuration: Configuration
    public var logger: Logger

    /// - Parameters:
    ///   - region: `nil` resolves `AWS_REGION`, `AWS_DEFAULT_REGION`, then the profile's `region` from
    ///     `environment`.
    ///   - endpoint: an explicit URL; `nil` resolves the configured endpoint for `service`, else the default
    ///     `https://{prefix}.{region}.amazonaws.com`.
    ///   - environment: where region, endpoint overrides and the shared config files are looked up (injected so
    ///     tests do not depend on the machine).
    public init(
        service: AWSService, region: String? = nil, endpoint: String? = nil,
        signer: (any AWSRequestSigner)?, transport: any HTTPExecuting,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        configuration: Configuration = Configuration(), logger: Logger = Logger(label: "kit.aws")
    ) throws(AWSError) {
        guard let region = region ?? RegionResolver.resolve(environment: environment), !region.isEmpty else {
            throw AWSError(
                .configuration, operation: service.serviceId,
                "no region: set AWS_REGION or a profile region, or pass one")
        }
        let url =
            endpoint ?? EndpointResolver.resolve(service: service, region: region, environment: environment)?.url
        guard let url else {
            throw AWSError(.configuration, operation: service.serviceId, "no endpoint for \(service) in \(region)")
        }
        self.init(
            service: service, region: region, endpoint: try AWSEndpoint(url: url), signer: signer,
            transport: transport, configuration: configuration, logger: logger)
    }

    /// With everything already resolved.
    public init(
        service: AWSService, region: String, endpoint: AWSEndpoint, signer: (any AWSRequestSigner)?,
        transport: any HTTPExecuting, configuration: Configuration = Configuration(),
        logger: Logger = Logger(label: "kit.aws")
    ) {
        self.service = service
        self.region = region
        self.endpoint = endpoint
        self.signer = signer
        self.transport = transport
        self.configuration = configuration
        self.logger = logger
    }

    /// The same signer, transport and settings against another endpoint, optionally for another service:
    /// the data endpoints `GetDataEndpoint` returns for Kinesis Video media and archived media.
    public func withEndpoint(_ url: String, service: AWSService? = nil) throws(AWSError) -> AWSClient {
        AWSClient(
            service: service ?? self.service, region: region, endpoint: try AWSEndpoint(url: url), signer: signer,
            transport: transport, configuration: configuration, logger: logger)
    }
}

extension AWSClient {
    /// Settings shared by every call of one client.
    public struct Configuration: Sendable {
        public var retry: AWSRetryPolicy
        /// Deadline for a buffered call (all attempts and backoff included) when the caller gives none. Streaming
        /// calls have no default deadline: a GetMedia session legitimately lasts hours, and the transport's idle
        /// timeout catches a dead one.
        public var timeout: Duration?
        /// The signing date source.
        public var clock: any WallClock

        public init(
            retry: AWSRetryPolicy = .default, timeout: Duration? = .seconds(60),
            clock: any WallClock = SystemWallClock()
        ) {
            self.retry = retry
            self.timeout = timeout
            self.clock = clock
        }
    }
}
