import AWSSigning
import Foundation
import HTTPTransport
import PluginAPI

/// The host services a ``PluginHarness`` lends its plugin: a real HTTP transport (libcurl, as the host's), AWS
/// requests signed with SigV4 by static test credentials (what local stand-ins such as moto and `kithost
/// kvs-local` accept), endpoints pointed at local servers, and the frame images of the records under test.
public struct TestServices: Sendable {
    public var region: String
    /// Where the plugin's AWS clients go: `AWS_ENDPOINT_URL` for every service (`nil` key) or
    /// `AWS_ENDPOINT_URL_<SERVICE>` per service, exactly as the host's environment would set them.
    public var endpoints: [AWSService?: String]
    public var credentials: Credentials
    /// Answers ``PluginContext/image(for:)`` by `eventID`.
    public var images: [String: FrameImage]
    public var transport: any HTTPExecuting

    public init(
        region: String = "us-east-1", endpoints: [AWSService?: String] = [:],
        credentials: Credentials = Credentials(accessKeyId: "AKIDPLUGINTEST", secretAccessKey: "plugin-test-secret"),
        images: [String: FrameImage] = [:], transport: (any HTTPExecuting)? = nil
    ) {
        self.region = region
        self.endpoints = endpoints
        self.credentials = credentials
        self.images = images
        self.transport = transport ?? TestServices.sharedTransport
    }

    /// Every AWS service at one local endpoint (moto answers S3, DynamoDB, Kinesis, … on one port).
    public static func local(endpoint: String, region: String = "us-east-1") -> TestServices {
        TestServices(region: region, endpoints: [nil: endpoint])
    }

    /// One libcurl client for all harnesses of a test process (it is never shut down: the process ends first).
    static let sharedTransport: any HTTPExecuting = {
        do { return try HTTPClient() } catch { return UnavailableTransport(reason: "\(error)") }
    }()

    /// The environment the plugin's AWS clients resolve endpoints from: only the endpoints given here, so a
    /// developer's own AWS configuration never leaks into a test.
    var environment: [String: String] {
        var environment = [
            "AWS_REGION": region, "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        ]
        for (service, url) in endpoints {
            environment[service.map { "AWS_ENDPOINT_URL_\($0.environmentVariableSuffix)" } ?? "AWS_ENDPOINT_URL"] = url
        }
        return environment
    }

    func pluginServices(metrics: TestMetrics) -> PluginServices {
        let credentials = self.credentials
        let images = self.images
        let aws = PluginAWS(
            transport: transport, signer: SigV4RequestSigner(credentialProvider: StaticCredentialProvider(credentials)),
            region: region, environment: environment, rawCredentials: { _, _ in credentials })
        return PluginServices(
            aws: aws, metric: { kind, name, value, dimensions in metrics.record(kind, name, value, dimensions) },
            image: { images[$0] })
    }
}

/// Stands in when libcurl cannot start: every request fails with why.
private struct UnavailableTransport: HTTPExecuting {
    let reason: String

    func execute(_ request: HTTPRequest, deadline: ContinuousClock.Instant?) async throws(HTTPError) -> HTTPResponse {
        throw HTTPError(code: .internalError, message: "no HTTP transport: \(reason)")
    }

    func stream(_ request: HTTPRequest, deadline: ContinuousClock.Instant?) async throws(HTTPError)
        -> HTTPStreamingResponse
    {
        throw HTTPError(code: .internalError, message: "no HTTP transport: \(reason)")
    }
}
