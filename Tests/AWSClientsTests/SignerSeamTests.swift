import AWSCore
import AWSSigV4
import AWSSigning
import Foundation
import HTTPTransport
import Testing

@testable import AWSClients

/// A signer that does what a remote one (the host, through the C ABI) would: it sees only plain values, answers
/// with a path and query and a header list, and keeps what it was asked.
private final class RecordingSigner: AWSRequestSigner, @unchecked Sendable {
    // @unchecked: all mutable state is guarded by `lock`.
    private let lock = NSLock()
    private var asked: [AWSSigningRequest] = []
    private var renewals = 0
    let renews: Bool

    init(renews: Bool = true) { self.renews = renews }

    var requests: [AWSSigningRequest] { lock.withLock { asked } }
    var renewalCount: Int { lock.withLock { renewals } }

    func sign(_ request: AWSSigningRequest) async throws -> AWSSignedRequest {
        let attempt = lock.withLock {
            asked.append(request)
            return asked.count
        }
        return AWSSignedRequest(
            pathAndQuery: request.path + "?signed=\(attempt)",
            headers: request.headers + [AWSHeader("Authorization", "Remote \(attempt)")])
    }

    func renewExpiredCredentials() async -> Bool {
        lock.withLock { renewals += 1 }
        return renews
    }
}

@Suite("The signer seam")
struct SignerSeamTests {
    static let ok = FakeTransport.Outcome.response(status: 200, body: "{}".bytes)
    static let expired = FakeTransport.Outcome.response(
        status: 400, body: #"{"__type":"ExpiredTokenException","message":"expired"}"#.bytes)

    static func client(_ service: AWSService, _ transport: FakeTransport, signer: any AWSRequestSigner) throws
        -> AWSClient
    {
        AWSClient(
            service: service, region: "eu-west-1", endpoint: try AWSEndpoint(url: "https://example.test:8443/base"),
            signer: signer, transport: transport, configuration: AWSClient.Configuration(retry: instantRetries))
    }

    @Test("The signer gets plain values and its answer is sent exactly: URL from its path and query, its headers")
    func signedAnswerIsSentVerbatim() async throws {
        let signer = RecordingSigner()
        let transport = FakeTransport([Self.ok])
        let request = AWSRequest(
            operation: "S3.PutObject", method: .put, path: "/bucket/a%20b", queryItems: [.init("x-id", "PutObject")],
            headers: ["Content-Type": "text/plain"], body: .bytes("hello".bytes), isIdempotent: true)
        _ = try await Self.client(.s3, transport, signer: signer).send(request)

        let asked = try #require(signer.requests.first)
        #expect(asked.method == "PUT" && asked.scheme == "https" && asked.authority == "example.test:8443")
        #expect(asked.path == "/base/bucket/a%20b" && asked.queryItems == [AWSQueryItem("x-id", "PutObject")])
        #expect(asked.headers == [AWSHeader("Content-Type", "text/plain")])
        #expect(asked.payload.bodyToHash == "hello".bytes, "the signer, not the client, hashes the body")
        #expect(asked.signingName == "s3" && asked.region == "eu-west-1" && asked.rules == .s3)

        let sent = try #require(transport.requests.first)
        #expect(sent.url == "https://example.test:8443/base/bucket/a%20b?signed=1")
        #expect(
            sent.headers.map { "\($0.name): \($0.value)" } == ["Content-Type: text/plain", "Authorization: Remote 1"])
    }

    @Test("Payload modes reach the signer as literals; unsigned requests skip it")
    func payloadModes() async throws {
        let signer = RecordingSigner()
        let transport = FakeTransport([Self.ok])
        let client = try Self.client(.kinesisVideo, transport, signer: signer)
        _ = try await client.send(
            AWSRequest(operation: "T.Unsigned", method: .get, isIdempotent: true, payloadSigning: .unsigned))
        _ = try await client.send(
            AWSRequest(
                operation: "T.Empty", method: .post, body: .bytes([1]), isIdempotent: true, payloadSigning: .emptyHash))
        _ = try await client.send(
            AWSRequest(
                operation: "T.Skip", method: .get, queryItems: [.init("a b", "c/d")], isIdempotent: true,
                isSigned: false))
        #expect(signer.requests.map(\.payload) == [.unsigned, .emptySHA256])
        #expect(signer.requests.allSatisfy { $0.rules == .standard && $0.signingName == "kinesisvideo" })
        #expect(transport.requests[2].url == "https://example.test:8443/base/?a%20b=c%2Fd")
        #expect(transport.requests[2].headers["Authorization"] == nil)
    }

    @Test("An expired-token error asks the signer to renew once, then repeats at once if it did")
    func renewalHook() async throws {
        let renewing = RecordingSigner()
        let transport = FakeTransport([Self.expired, Self.ok])
        var client = try Self.client(.kinesisVideo, transport, signer: renewing)
        client.configuration.retry = .never
        _ = try await client.send(AWSRequest(operation: "T.Op", method: .post, isIdempotent: false))
        #expect(renewing.renewalCount == 1 && renewing.requests.count == 2)

        let declining = RecordingSigner(renews: false)
        let again = FakeTransport([Self.expired, Self.ok])
        var declined = try Self.client(.kinesisVideo, again, signer: declining)
        declined.configuration.retry = .never
        let error = await #expect(throws: AWSError.self) {
            try await declined.send(AWSRequest(operation: "T.Op", method: .post, isIdempotent: false))
        }
        #expect(error?.serviceCode == "ExpiredTokenException")
        #expect(declining.renewalCount == 1 && again.requests.count == 1)
    }

    @Test("The SigV4 signer over an AWSSigningRequest signs what the SigV4Request path signs")
    func sigV4SignerAgrees() async throws {
        let credentials = Credentials(
            accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: "SESSIONTOKEN42")
        let date = Date(timeIntervalSince1970: 1_440_938_160)
        let body = #"{"StreamName":"door"}"#.bytes
        let request = AWSSigningRequest(
            method: "POST", scheme: "https", authority: "kinesisvideo.us-east-1.amazonaws.com",
            path: "/getDataEndpoint", queryItems: [.init("a", "1")],
            headers: [.init("Content-Type", "application/json")],
            payload: .sha256(of: body), signingName: "kinesisvideo", region: "us-east-1", date: date)
        let signed = try await SigV4RequestSigner(credentialProvider: StaticCredentialProvider(credentials))
            .sign(request)
        let direct = SigV4Signer(service: "kinesisvideo", region: "us-east-1").sign(
            SigV4Request(
                method: "POST", host: request.authority, path: request.path, queryItems: request.queryItems,
                headers: request.headers, payload: .sha256(of: body)),
            credentials: credentials, date: date
        ).request
        #expect(signed.pathAndQuery == direct.pathAndQuery && signed.headers == direct.headers)
        #expect(!String(describing: signed).contains("SESSIONTOKEN42"), "the session token is redacted")
    }
}
