import AWSClients
import AWSSigV4
import AWSSigning
import Foundation
import HTTPTransport
import Logging

/// An in-memory ``HTTPExecuting``: answers each request with the next scripted outcome (the last repeats) and
/// records what it was sent.
final class FakeTransport: HTTPExecuting, @unchecked Sendable {
    // @unchecked: all mutable state is guarded by `lock`.
    enum Outcome: Sendable {
        case response(status: Int, headers: HTTPHeaders = [:], body: [UInt8] = [])
        case chunks(status: Int, headers: HTTPHeaders = [:], chunks: [[UInt8]])
        case failure(HTTPError)
    }

    private let lock = NSLock()
    private var outcomes: [Outcome]
    private var sent: [HTTPRequest] = []
    private var deadlines: [ContinuousClock.Instant?] = []

    init(_ outcomes: [Outcome]) {
        self.outcomes = outcomes
    }

    var requests: [HTTPRequest] { lock.withLock { sent } }
    var receivedDeadlines: [ContinuousClock.Instant?] { lock.withLock { deadlines } }

    private func next(_ request: HTTPRequest, _ deadline: ContinuousClock.Instant?) -> Outcome {
        lock.withLock {
            sent.append(request)
            deadlines.append(deadline)
            return outcomes.count > 1 ? outcomes.removeFirst() : outcomes[0]
        }
    }

    func execute(_ request: HTTPRequest, deadline: ContinuousClock.Instant?) async throws(HTTPError) -> HTTPResponse {
        switch next(request, deadline) {
        case .response(let status, let headers, let body):
            return HTTPResponse(head: HTTPResponseHead(status: status, headers: headers), body: body)
        case .chunks(let status, let headers, let chunks):
            return HTTPResponse(head: HTTPResponseHead(status: status, headers: headers), body: chunks.flatMap { $0 })
        case .failure(let error):
            throw error
        }
    }

    func stream(_ request: HTTPRequest, deadline: ContinuousClock.Instant?) async throws(HTTPError)
        -> HTTPStreamingResponse
    {
        switch next(request, deadline) {
        case .response(let status, let headers, let body):
            return .fixed(head: HTTPResponseHead(status: status, headers: headers), chunks: body.isEmpty ? [] : [body])
        case .chunks(let status, let headers, let chunks):
            return .fixed(head: HTTPResponseHead(status: status, headers: headers), chunks: chunks)
        case .failure(let error):
            throw error
        }
    }
}

/// Hands out numbered credentials (`AKID1`, `AKID2`, …), one per call, so tests can see each attempt fetched its own.
final class CountingCredentialProvider: CredentialProvider, @unchecked Sendable {
    // @unchecked: guarded by `lock`.
    private let lock = NSLock()
    private var count = 0
    let expiresIn: TimeInterval?

    init(expiresIn: TimeInterval? = nil) {
        self.expiresIn = expiresIn
    }

    var calls: Int { lock.withLock { count } }

    func credentials() async throws -> Credentials {
        let number = lock.withLock {
            count += 1
            return count
        }
        return Credentials(
            accessKeyId: "AKID\(number)", secretAccessKey: "secret-\(number)", sessionToken: "token-\(number)",
            expiration: expiresIn.map { Date().addingTimeInterval($0) })
    }
}

/// Retry settings that never wait.
let instantRetries = AWSRetryPolicy(maxAttempts: 3, unitRandom: { 0.5 }, sleep: { _ in })

func testClient(
    _ service: AWSService, transport: any HTTPExecuting, credentials: (any CredentialProvider)? = nil,
    endpoint: String = "http://127.0.0.1:9", retry: AWSRetryPolicy = instantRetries, region: String = "us-east-1"
) throws -> AWSClient {
    AWSClient(
        service: service, region: region, endpoint: try AWSEndpoint(url: endpoint),
        credentialProvider: credentials
            ?? StaticCredentialProvider(Credentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret")),
        transport: transport, configuration: AWSClient.Configuration(retry: retry))
}

extension String {
    var bytes: [UInt8] { Array(utf8) }
}

/// Keeps every log record (level, message, metadata rendered as text) for assertions.
final class RecordingLogHandler: LogHandler, @unchecked Sendable {
    // @unchecked: `lines` is guarded by `lock`; the LogHandler properties are set before use.
    private let lock = NSLock()
    private var lines: [String] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    var records: [String] { lock.withLock { lines } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        lock.withLock { lines.append("\(event.level) \(event.message) \(merged)") }
    }
}
