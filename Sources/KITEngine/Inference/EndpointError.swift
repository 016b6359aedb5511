import AWSClients
import HTTPTransport
import Synchronization

/// One failed endpoint call: the ``AWSError`` (code, HTTP status, service code, whether to retry) and the body of
/// the endpoint's error answer, which `AWSError` reads its message and details from but does not keep. A record of
/// a frame whose inference failed carries both, so a plugin sees what the model said: a container's plain-text
/// 500, SageMaker's `ModelError` document, a validation message.
public struct EndpointError: Error, Sendable, CustomStringConvertible {
    /// How much of an error answer's body is kept (the record keeps less, see `KITRecord.Inference.Failure`).
    public static let maxKeptBodyBytes = 16 * 1024

    public var error: AWSError
    /// The error answer's body (at most ``maxKeptBodyBytes``); `nil` when no answer arrived.
    public var body: [UInt8]?

    public init(_ error: AWSError, body: [UInt8]? = nil) {
        self.error = error
        self.body = body.map { Array($0.prefix(Self.maxKeptBodyBytes)) }
    }

    /// The HTTP status of the answer, when one arrived.
    public var status: Int? { error.status }
    public var description: String { error.description }
}

/// Runs one endpoint call through a client made by ``AWSClient/keepingErrorBodies()`` and returns its answer, or
/// its ``AWSError`` together with the body of the failed answer.
///
/// Why a task-local: `AWSClient.send` turns a non-2xx answer into an `AWSError` inside AWSClients and drops the
/// bytes; the transport below it is the last place that sees them. The transport hands them to the sink of the
/// call in progress (the task that awaits it), so concurrent calls through one client never mix bodies.
enum EndpointCall {
    static func run<T: Sendable>(_ call: () async throws(AWSError) -> T) async throws(EndpointError) -> T {
        let sink = ErrorBodySink()
        let result: Result<T, AWSError> = await ErrorBodyKeepingTransport.$sink.withValue(sink) {
            do throws(AWSError) {
                return .success(try await call())
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(let value): return value
        case .failure(let error):
            // Only a failure that is an answer has a body; a later timeout must not borrow an earlier answer's.
            throw EndpointError(error, body: error.status == nil ? nil : sink.body)
        }
    }
}

/// Forwards to another transport and gives the body of every non-2xx buffered answer to the current
/// ``EndpointCall`` (if any).
struct ErrorBodyKeepingTransport: HTTPExecuting {
    @TaskLocal static var sink: ErrorBodySink?

    let base: any HTTPExecuting

    func execute(_ request: HTTPRequest, deadline: ContinuousClock.Instant?) async throws(HTTPError) -> HTTPResponse {
        let response = try await base.execute(request, deadline: deadline)
        if !response.head.isSuccess { Self.sink?.keep(response.body) }
        return response
    }

    func stream(_ request: HTTPRequest, deadline: ContinuousClock.Instant?) async throws(HTTPError)
        -> HTTPStreamingResponse
    {
        try await base.stream(request, deadline: deadline)
    }
}

final class ErrorBodySink: Sendable {
    private let kept = Mutex<[UInt8]?>(nil)

    func keep(_ body: [UInt8]) { kept.withLock { $0 = Array(body.prefix(EndpointError.maxKeptBodyBytes)) } }
    var body: [UInt8]? { kept.withLock { $0 } }
}

extension AWSClient {
    /// The same client (endpoint, signer, settings) sending through an ``ErrorBodyKeepingTransport``.
    func keepingErrorBodies() -> AWSClient {
        if transport is ErrorBodyKeepingTransport { return self }
        return AWSClient(
            service: service, region: region, endpoint: endpoint, signer: signer,
            transport: ErrorBodyKeepingTransport(base: transport), configuration: configuration, logger: logger)
    }
}
