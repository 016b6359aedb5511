import AWSSigV4
import AWSSigning
import Foundation
import HTTPTransport
import Logging
import Testing

@testable import AWSClients

@Suite("Signing, retries and deadlines")
struct RetryTests {
    static let throttled = FakeTransport.Outcome.response(
        status: 400, body: #"{"__type":"ThrottlingException","message":"slow down"}"#.bytes)
    static let serverError = FakeTransport.Outcome.response(status: 500, body: #"{"message":"boom"}"#.bytes)
    static let ok = FakeTransport.Outcome.response(
        status: 200, headers: ["x-amzn-RequestId": "OK1"],
        body: #"{"DataEndpoint":"https://b-1234.kinesisvideo.us-east-1.amazonaws.com"}"#.bytes)

    static func post(idempotent: Bool, body: AWSRequest.Body = .bytes("{}".bytes)) -> AWSRequest {
        AWSRequest(operation: "Test.Op", method: .post, path: "/op", body: body, isIdempotent: idempotent)
    }

    @Test("Every attempt is signed with freshly fetched credentials")
    func freshCredentialsPerAttempt() async throws {
        let transport = FakeTransport([Self.serverError, Self.serverError, Self.ok])
        let credentials = CountingCredentialProvider()
        let client = try testClient(.kinesisVideo, transport: transport, credentials: credentials)
        let response = try await client.send(Self.post(idempotent: true))
        #expect(response.requestId == "OK1")
        #expect(credentials.calls == 3)
        let authorizations = transport.requests.map { $0.headers["Authorization"] ?? "" }
        #expect(authorizations[0].contains("Credential=AKID1/"))
        #expect(authorizations[2].contains("Credential=AKID3/"))
        #expect(transport.requests.allSatisfy { $0.headers["X-Amz-Security-Token"] != nil })
        #expect(transport.requests.allSatisfy { $0.headers["X-Amz-Date"] != nil })
        #expect(transport.requests.allSatisfy { !$0.isIdempotent }, "the transport must not retry on its own")
    }

    @Test("A non-idempotent call is not repeated after a 5xx but is after throttling")
    func idempotency() async throws {
        let afterServerError = FakeTransport([Self.serverError, Self.ok])
        let client = try testClient(.kinesisVideo, transport: afterServerError)
        let error = await #expect(throws: AWSError.self) { try await client.send(Self.post(idempotent: false)) }
        #expect(error?.status == 500)
        #expect(afterServerError.requests.count == 1)

        let afterThrottle = FakeTransport([Self.throttled, Self.ok])
        let throttledClient = try testClient(.kinesisVideo, transport: afterThrottle)
        _ = try await throttledClient.send(Self.post(idempotent: false))
        #expect(afterThrottle.requests.count == 2)

        let refused = FakeTransport([.failure(HTTPError(code: .connectFailed, message: "refused")), Self.ok])
        _ = try await testClient(.kinesisVideo, transport: refused).send(Self.post(idempotent: false))
        #expect(refused.requests.count == 2)

        let lost = FakeTransport([.failure(HTTPError(code: .connectionLost, message: "reset")), Self.ok])
        await #expect(throws: AWSError.self) {
            try await testClient(.kinesisVideo, transport: lost).send(Self.post(idempotent: false))
        }
        #expect(lost.requests.count == 1)
    }

    @Test("Attempts stop at maxAttempts and the last error is thrown with its code")
    func attemptsExhausted() async throws {
        let transport = FakeTransport([Self.throttled])
        let client = try testClient(.dynamoDB, transport: transport)
        let error = await #expect(throws: AWSError.self) { try await client.send(Self.post(idempotent: true)) }
        #expect(error?.serviceCode == "ThrottlingException")
        #expect(transport.requests.count == 3)
    }

    @Test("Backoff is full jitter under an exponential ceiling")
    func backoff() async throws {
        let delays = DelayRecorder()
        let policy = AWSRetryPolicy(
            maxAttempts: 5, baseDelay: .milliseconds(100), maxDelay: .milliseconds(500), unitRandom: { 0.5 },
            sleep: { await delays.record($0) })
        let transport = FakeTransport([Self.serverError])
        let client = try testClient(.dynamoDB, transport: transport, retry: policy)
        _ = await #expect(throws: AWSError.self) { try await client.send(Self.post(idempotent: true)) }
        #expect(await delays.all == [.milliseconds(50), .milliseconds(100), .milliseconds(200), .milliseconds(250)])
        #expect(policy.backoffCeiling(retry: 10) == .milliseconds(500))
    }

    @Test("A streaming body is never sent twice")
    func streamingBodyNotRetried() async throws {
        let transport = FakeTransport([Self.throttled, Self.ok])
        let client = try testClient(.kinesisVideoMedia, transport: transport)
        let (body, writer) = HTTPRequestBody.makeStream()
        writer.finish()
        await #expect(throws: AWSError.self) {
            try await client.send(Self.post(idempotent: true, body: .stream(body)))
        }
        #expect(transport.requests.count == 1)
    }

    @Test("No backoff past the deadline; the deadline reaches the transport")
    func deadline() async throws {
        let policy = AWSRetryPolicy(
            maxAttempts: 5, baseDelay: .seconds(10), maxDelay: .seconds(10), unitRandom: { 1 }, sleep: { _ in })
        let transport = FakeTransport([Self.serverError])
        let client = try testClient(.dynamoDB, transport: transport, retry: policy)
        let deadline = ContinuousClock.now + .seconds(5)
        _ = await #expect(throws: AWSError.self) {
            try await client.send(Self.post(idempotent: true), deadline: deadline)
        }
        #expect(transport.requests.count == 1)
        #expect(transport.receivedDeadlines.first == deadline)

        let past = await #expect(throws: AWSError.self) {
            try await client.send(Self.post(idempotent: true), deadline: .now - .seconds(1))
        }
        #expect(past?.code == .timedOut)
    }

    @Test("ExpiredToken renews a refreshing provider's credentials and repeats at once")
    func expiredTokenRenews() async throws {
        let base = CountingCredentialProvider(expiresIn: 3600)
        let refreshing = RefreshingCredentialProvider(wrapping: base)
        let transport = FakeTransport([
            .response(status: 400, body: #"{"__type":"ExpiredTokenException","message":"expired"}"#.bytes), Self.ok,
        ])
        let client = try testClient(.kinesisVideo, transport: transport, credentials: refreshing, retry: .never)
        _ = try await client.send(Self.post(idempotent: false))
        #expect(base.calls == 2)
        #expect(transport.requests[1].headers["Authorization"]?.contains("Credential=AKID2/") == true)
    }

    @Test("Secrets never reach logs or errors, even across retries")
    func noSecretsInLogs() async throws {
        let handler = RecordingLogHandler()
        let transport = FakeTransport([Self.throttled, Self.serverError])
        var client = try testClient(.kinesisVideo, transport: transport, credentials: CountingCredentialProvider())
        client.logger = Logger(label: "test") { _ in handler }
        let error = await #expect(throws: AWSError.self) { try await client.send(Self.post(idempotent: true)) }
        #expect(handler.records.count >= 2, "retries are logged")
        let texts = handler.records + [String(describing: error), String(reflecting: error)]
        for text in texts {
            #expect(!text.contains("secret-"), "\(text)")
            #expect(!text.contains("token-"), "\(text)")
            #expect(!text.contains("Signature="), "\(text)")
        }
    }

    @Test("Credential failures surface as .credentials without touching the network")
    func credentialFailure() async throws {
        struct Broken: CredentialProvider {
            func credentials() async throws -> Credentials {
                throw CredentialsError(.notConfigured, provider: "test", "nothing here")
            }
        }
        let transport = FakeTransport([Self.ok])
        let client = try testClient(.kinesisVideo, transport: transport, credentials: Broken())
        let error = await #expect(throws: AWSError.self) { try await client.send(Self.post(idempotent: true)) }
        #expect(error?.code == .credentials)
        #expect(transport.requests.isEmpty)
    }

    @Test("Endpoint and region resolve from the injected environment")
    func resolution() throws {
        let transport = FakeTransport([Self.ok])
        let environment = [
            "AWS_REGION": "eu-west-1", "AWS_ENDPOINT_URL_KINESIS_VIDEO": "http://127.0.0.1:4566/",
            "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        ]
        let client = try AWSClient(
            service: .kinesisVideo, credentialProvider: nil, transport: transport, environment: environment)
        #expect(client.region == "eu-west-1")
        #expect(client.endpoint.description == "http://127.0.0.1:4566")
        let dynamo = try AWSClient(
            service: .dynamoDB, credentialProvider: nil, transport: transport, environment: environment)
        #expect(dynamo.endpoint.description == "https://dynamodb.eu-west-1.amazonaws.com")
        #expect(throws: AWSError.self) {
            try AWSClient(
                service: .dynamoDB, credentialProvider: nil, transport: transport,
                environment: ["AWS_CONFIG_FILE": "/nonexistent"])
        }
    }

    @Test("The credential HTTP adapter sends through the transport and returns any status")
    func credentialAdapter() async throws {
        let transport = FakeTransport([.response(status: 404, body: "nope".bytes)])
        let adapter = TransportCredentialHTTPClient(transport: transport)
        let response = try await adapter.send(
            CredentialHTTPRequest(
                method: "PUT", url: "http://169.254.169.254/latest/api/token",
                headers: [.init("X-aws-ec2-metadata-token-ttl-seconds", "21600")]))
        #expect(response.status == 404)
        #expect(response.body == "nope".bytes)
        let sent = try #require(transport.requests.first)
        #expect(sent.method == .put)
        #expect(sent.headers["X-aws-ec2-metadata-token-ttl-seconds"] == "21600")
    }
}

actor DelayRecorder {
    private(set) var all: [Duration] = []
    func record(_ delay: Duration) { all.append(delay) }
}
