/// Status line and headers of a response, available as soon as the header block has arrived.
public struct HTTPResponseHead: Sendable, Equatable {
    public var status: Int
    /// Reason phrase as sent (may be empty).
    public var reason: String
    public var headers: HTTPHeaders

    public init(status: Int, reason: String = "", headers: HTTPHeaders = [:]) {
        self.status = status
        self.reason = reason
        self.headers = headers
    }

    public var isSuccess: Bool { (200..<300).contains(status) }
}

/// A fully buffered response from ``HTTPClient/execute(_:deadline:)``.
public struct HTTPResponse: Sendable, Equatable {
    public var head: HTTPResponseHead
    public var body: [UInt8]

    public init(head: HTTPResponseHead, body: [UInt8] = []) {
        self.head = head
        self.body = body
    }

    public var status: Int { head.status }
    public var headers: HTTPHeaders { head.headers }

    /// Returns `self` for a 2xx status, else throws ``HTTPError/Code/httpStatus`` carrying this response.
    public func requireSuccess() throws(HTTPError) -> HTTPResponse {
        guard head.isSuccess else {
            throw HTTPError(code: .httpStatus, message: "HTTP \(status) \(head.reason)", response: self)
        }
        return self
    }
}

/// A response whose body is read incrementally; returned by ``HTTPClient/stream(_:deadline:)`` once the headers
/// have arrived. Dropping it (or its ``body``) before the end cancels the transfer.
public struct HTTPStreamingResponse: Sendable {
    public let head: HTTPResponseHead
    public let body: HTTPResponseBody

    package init(head: HTTPResponseHead, body: HTTPResponseBody) {
        self.head = head
        self.body = body
    }

    public var status: Int { head.status }
    public var headers: HTTPHeaders { head.headers }

    /// A response held in memory, for fakes of ``HTTPExecuting`` in tests of the layers above: the body yields
    /// `chunks` in order and then ends, or throws `error` after them.
    public static func fixed(
        head: HTTPResponseHead, chunks: [[UInt8]], error: HTTPError? = nil
    ) -> HTTPStreamingResponse {
        let exchange = StreamingExchange(id: 0, driver: nil, capacity: Int.max)
        exchange.deliverHead(head)
        exchange.preload(chunks, error: error)
        return HTTPStreamingResponse(
            head: head, body: HTTPResponseBody(reader: BodyReader(exchange: exchange)))
    }

    /// Returns `self` for a 2xx status; otherwise reads up to `maxErrorBodyBytes` of the body (AWS error documents
    /// are small) and throws ``HTTPError/Code/httpStatus`` carrying it.
    public func requireSuccess(maxErrorBodyBytes: Int = 64 * 1024) async throws(HTTPError)
        -> HTTPStreamingResponse
    {
        guard !head.isSuccess else { return self }
        let errorBody = (try? await body.collect(upTo: maxErrorBodyBytes, truncating: true)) ?? []
        body.cancel()
        throw HTTPError(
            code: .httpStatus, message: "HTTP \(status) \(head.reason)",
            response: HTTPResponse(head: head, body: errorBody))
    }
}
