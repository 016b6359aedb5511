import HTTPTransportCore
import Logging

/// One async HTTP/1.1 client over libcurl's multi interface.
///
/// It owns one event-loop thread (``CurlEventLoop``) that drives every transfer with `curl_multi_poll` and
/// `curl_multi_perform`, and one multi handle whose connection cache gives keep-alive reuse across requests.
/// ``execute(_:deadline:)`` buffers a response (bounded by ``Configuration/maxResponseBodyBytes``);
/// ``stream(_:deadline:)`` returns at the headers and streams the body with back-pressure (a slow consumer
/// pauses the transfer instead of growing a buffer). Streaming uploads are fed through an ``HTTPBodyWriter``.
/// Cancelling the calling task, or dropping a streaming body, removes the transfer promptly. Retries are not
/// done here but by ``RetryingHTTPClient``; signing and AWS error parsing are layers above.
///
/// Call ``shutdown()`` when done; dropping the client also stops its thread, without waiting.
public final class HTTPClient: HTTPExecuting {
    public let configuration: Configuration
    let loop: CurlEventLoop
    private let logger: Logger

    public init(
        configuration: Configuration = Configuration(), logger: Logger = Logger(label: "kit.http")
    ) throws(HTTPError) {
        self.configuration = configuration
        self.logger = logger
        loop = try CurlEventLoop(configuration: configuration, logger: logger)
    }

    deinit {
        loop.requestShutdown()
    }

    /// Fails in-flight transfers with ``HTTPError/Code/shutdown`` and waits for the loop thread to finish.
    public func shutdown() async {
        await loop.shutdown()
    }

    public func execute(_ request: HTTPRequest, deadline: ContinuousClock.Instant? = nil)
        async throws(HTTPError)
        -> HTTPResponse
    {
        try request.validate()
        if Task.isCancelled { throw .cancelled("request task cancelled") }
        let id = loop.makeTransferID()
        let exchange = BufferedExchange(id: id, loop: loop)
        var effectiveDeadline = deadline
        if let timeout = configuration.requestTimeout {
            let limit = ContinuousClock.now + timeout
            effectiveDeadline = effectiveDeadline.map { min($0, limit) } ?? limit
        }
        let spec = TransferSpec(
            id: id, request: request,
            sink: .buffered(exchange, maxBodyBytes: configuration.maxResponseBodyBytes),
            deadline: effectiveDeadline)
        try submit(spec)
        return try await exchange.response()
    }

    public func stream(_ request: HTTPRequest, deadline: ContinuousClock.Instant? = nil)
        async throws(HTTPError)
        -> HTTPStreamingResponse
    {
        try request.validate()
        if Task.isCancelled { throw .cancelled("request task cancelled") }
        let id = loop.makeTransferID()
        let exchange = StreamingExchange(
            id: id, driver: loop, capacity: configuration.streamBufferCapacity)
        // Created before the transfer starts so that any way out of this call cancels an unclaimed transfer.
        let reader = BodyReader(exchange: exchange)
        try submit(
            TransferSpec(id: id, request: request, sink: .streaming(exchange), deadline: deadline))
        let head = try await exchange.head()
        return HTTPStreamingResponse(head: head, body: HTTPResponseBody(reader: reader))
    }

    private func submit(_ spec: TransferSpec) throws(HTTPError) {
        if case .stream(let upload) = spec.request.body.storage {
            guard upload.claim(driver: loop, transferID: spec.id) else {
                throw HTTPError(
                    code: .bodyNotReplayable, message: "a streaming request body can be sent only once")
            }
        }
        guard loop.submit(.start(spec)) else {
            let error = HTTPError.shutdown()
            spec.fail(error)
            throw error
        }
    }
}
