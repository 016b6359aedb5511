import AWSClients
import AWSCore
import Foundation
import HTTPTransportCore
import Logging

/// What a handler is made with: its configuration and the host's services.
public struct PluginInitContext: Sendable {
    public var logger: Logger
    public var configuration: PluginConfiguration
    public var services: PluginServices

    public init(logger: Logger, configuration: PluginConfiguration, services: PluginServices) {
        self.logger = logger
        self.configuration = configuration
        self.services = services
    }
}

/// Per invocation, as Lambda's context: a logger (with the invocation id in its metadata), the deadline, the
/// plugin's configuration and the host's services (AWS clients, metrics, the records' frame images).
public struct PluginContext: Sendable {
    public var logger: Logger
    /// When the host gives up on this invocation and cancels it.
    public var deadline: ContinuousClock.Instant
    public var invocationID: UInt64
    public var configuration: PluginConfiguration
    public var services: PluginServices

    public init(
        logger: Logger, deadline: ContinuousClock.Instant, invocationID: UInt64 = 0,
        configuration: PluginConfiguration = PluginConfiguration(), services: PluginServices
    ) {
        self.logger = logger
        self.deadline = deadline
        self.invocationID = invocationID
        self.configuration = configuration
        self.services = services
    }

    /// Time left before the deadline (Lambda's `getRemainingTimeInMillis`).
    public var remainingTime: Duration { deadline - ContinuousClock.now }

    /// AWS clients that sign with the host's credentials and send through the host's transport.
    public var aws: PluginAWS { services.aws }

    /// The encoded frame (JPEG/PNG) the endpoint was sent for `record`, while its batch is being handled.
    public func image(for record: KinesisEvent.Record) -> FrameImage? { services.image(record.eventID) }
}

/// An encoded frame and its media type (`image/jpeg`, `image/png`).
public struct FrameImage: Sendable {
    public var bytes: [UInt8]
    public var contentType: String

    public init(bytes: [UInt8], contentType: String) {
        self.bytes = bytes
        self.contentType = contentType
    }
}

/// The host's services as Swift values: normally backed by the host-services table of the C ABI, or by anything
/// else in a plugin's own tests (``init(aws:metric:image:)``).
public struct PluginServices: Sendable {
    public var aws: PluginAWS
    let metricSink: @Sendable (PluginMetricKind, String, Double, [(String, String)]) -> Void
    let imageLookup: @Sendable (String) -> FrameImage?

    public init(
        aws: PluginAWS,
        metric: @escaping @Sendable (PluginMetricKind, String, Double, [(String, String)]) -> Void = { _, _, _, _ in },
        image: @escaping @Sendable (String) -> FrameImage? = { _ in nil }
    ) {
        self.aws = aws
        metricSink = metric
        imageLookup = image
    }

    /// Adds `value` to the counter `name` (the host adds the `plugin` dimension).
    public func increment(_ name: String, by value: Int = 1, dimensions: [(String, String)] = []) {
        metricSink(.counter, name, Double(value), dimensions)
    }

    public func record(_ name: String, duration: Duration, dimensions: [(String, String)] = []) {
        let (seconds, attoseconds) = duration.components
        metricSink(.timerNanoseconds, name, Double(seconds) * 1e9 + Double(attoseconds) / 1e9, dimensions)
    }

    public func gauge(_ name: String, _ value: Double, dimensions: [(String, String)] = []) {
        metricSink(.gauge, name, value, dimensions)
    }

    /// The frame behind the record with Lambda `eventID` `recordID`.
    public func image(_ recordID: String) -> FrameImage? { imageLookup(recordID) }
}

public enum PluginMetricKind: Int32, Sendable {
    case counter = 0
    case timerNanoseconds = 1
    case gauge = 2
}

/// Makes the AWS clients of AWSClients on the host's transport, with every request signed by the host (`aws_sign`):
/// the plugin needs no crypto and never holds a secret. Endpoints resolve as the AWS CLI does
/// (`AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, the shared config) unless given.
public struct PluginAWS: Sendable {
    public var transport: any HTTPExecuting
    /// Signs each request (the host, in a loaded plugin; a local SigV4 signer in `PluginTesting`).
    public var signer: (any AWSRequestSigner)?
    public var region: String
    public var environment: [String: String]
    let rawCredentials: @Sendable (_ signingName: String, _ region: String) async throws -> Credentials

    public init(
        transport: any HTTPExecuting, signer: (any AWSRequestSigner)?, region: String,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        rawCredentials: @escaping @Sendable (_ signingName: String, _ region: String) async throws -> Credentials = {
            _, _ in throw HostServiceError(message: "no raw credentials here")
        }
    ) {
        self.transport = transport
        self.signer = signer
        self.region = region
        self.environment = environment
        self.rawCredentials = rawCredentials
    }

    /// The host's AWS credentials themselves, for code that must sign on its own (a presigned URL, another SDK).
    /// Least privilege: the host answers only when the plugin's entry under `plugins` grants
    /// `"rawCredentials": true`; prefer the clients, which never see them.
    public func credentials(for signingName: String, region: String? = nil) async throws -> Credentials {
        try await rawCredentials(signingName, region ?? self.region)
    }

    public func client(_ service: AWSService, region: String? = nil, endpoint: String? = nil) throws(AWSError)
        -> AWSClient
    {
        try AWSClient(
            service: service, region: region ?? self.region, endpoint: endpoint, signer: signer,
            transport: transport, environment: environment)
    }

    public func s3(region: String? = nil, endpoint: String? = nil, addressingStyle: S3AddressingStyle = .automatic)
        throws(AWSError) -> S3Client
    {
        S3Client(client: try client(.s3, region: region, endpoint: endpoint), addressingStyle: addressingStyle)
    }

    public func kinesisVideo(region: String? = nil, endpoint: String? = nil) throws(AWSError) -> KinesisVideoClient {
        KinesisVideoClient(client: try client(.kinesisVideo, region: region, endpoint: endpoint))
    }

    /// `GetDataEndpoint(GET_MEDIA_FOR_FRAGMENT_LIST)` for `stream`, and an archived-media client there.
    public func archivedMedia(
        for stream: String, region: String? = nil, endpoint: String? = nil, deadline: ContinuousClock.Instant? = nil
    ) async throws(AWSError) -> KinesisVideoArchivedMediaClient {
        try await kinesisVideo(region: region, endpoint: endpoint).archivedMediaClient(
            for: .name(stream), api: .getMediaForFragmentList, deadline: deadline)
    }
}
