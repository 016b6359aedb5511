import HTTPTransportCore

/// A successful (2xx) response, buffered.
public struct AWSResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: Int, headers: HTTPHeaders, body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// `x-amzn-RequestId` or `x-amz-request-id`.
    public var requestId: String? { headers.awsRequestId }
}

/// A successful (2xx) response whose body is still arriving.
public struct AWSStreamingResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: AWSByteStream

    public var requestId: String? { headers.awsRequestId }
}

/// A response body as an `AsyncSequence` of byte chunks in arrival order, with the transport's back-pressure: a
/// slow reader pauses the download rather than growing a buffer. One reader at a time. Cancelling the reading
/// task, calling ``cancel()`` or dropping the stream ends the transfer.
public struct AWSByteStream: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    public typealias Failure = AWSError

    let body: HTTPResponseBody
    let operation: String

    public init(_ body: HTTPResponseBody, operation: String) {
        self.body = body
        self.operation = operation
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        public typealias Element = [UInt8]
        public typealias Failure = AWSError
        var base: HTTPResponseBody.AsyncIterator
        let operation: String

        /// The next chunk, `nil` at the end; a transfer failure is thrown after the chunks that came before it.
        public mutating func next() async throws(AWSError) -> [UInt8]? {
            do {
                return try await base.next()
            } catch {
                throw AWSError.from(error, operation: operation)
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: body.makeAsyncIterator(), operation: operation)
    }

    /// Reads the rest into one array; throws ``AWSError/Code/invalidResponse`` beyond `maxBytes`.
    public func collect(upTo maxBytes: Int) async throws(AWSError) -> [UInt8] {
        do {
            return try await body.collect(upTo: maxBytes)
        } catch {
            if error.code == .bodyTooLarge {
                throw AWSError(.invalidResponse, operation: operation, "response body exceeds \(maxBytes) bytes")
            }
            throw AWSError.from(error, operation: operation)
        }
    }

    /// Stops the transfer.
    public func cancel() { body.cancel() }
}

extension HTTPHeaders {
    var awsRequestId: String? {
        self["x-amzn-RequestId"] ?? self["x-amz-request-id"] ?? self["x-amzn-request-id"]
    }
}
