/// The body of an ``HTTPStreamingResponse``: an `AsyncSequence` of byte chunks in arrival order.
///
/// The transport buffers at most the configured stream buffer capacity per response; beyond that the transfer is
/// paused in libcurl (the TCP window closes and the server's writes block) until the consumer catches up. A
/// single consumer is supported. Cancelling the reading task, calling ``cancel()`` or dropping every copy of
/// the body removes the transfer promptly.
public struct HTTPResponseBody: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    public typealias Failure = HTTPError

    let reader: BodyReader

    package init(reader: BodyReader) { self.reader = reader }

    public struct AsyncIterator: AsyncIteratorProtocol, Sendable {
        public typealias Element = [UInt8]
        public typealias Failure = HTTPError
        let reader: BodyReader

        /// The next chunk, `nil` at the end. A transfer failure is thrown after the chunks that arrived before it.
        public mutating func next() async throws(HTTPError) -> [UInt8]? {
            try await reader.exchange.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(reader: reader) }

    /// Reads the rest of the body into one array. Throws ``HTTPError/Code/bodyTooLarge`` past `maxBytes`
    /// (cancelling the transfer), or with `truncating: true` returns the first `maxBytes` bytes.
    public func collect(upTo maxBytes: Int, truncating: Bool = false) async throws(HTTPError)
        -> [UInt8]
    {
        var bytes: [UInt8] = []
        while let chunk = try await reader.exchange.next() {
            if bytes.count + chunk.count > maxBytes {
                cancel()
                if truncating {
                    bytes.append(contentsOf: chunk.prefix(maxBytes - bytes.count))
                    return bytes
                }
                throw HTTPError(code: .bodyTooLarge, message: "response body exceeds \(maxBytes) bytes")
            }
            bytes.append(contentsOf: chunk)
        }
        return bytes
    }

    /// Stops the transfer; later reads return `nil` after a ``HTTPError/Code/cancelled`` error.
    public func cancel() {
        reader.exchange.cancel(.cancelled("response body cancelled"))
    }
}

/// Owned by the body and its iterators: when the last of them goes away, the transfer is cancelled so an
/// abandoned response does not keep a connection (and a buffer) alive.
package final class BodyReader: Sendable {
    let exchange: StreamingExchange

    package init(exchange: StreamingExchange) { self.exchange = exchange }

    deinit {
        exchange.cancel(.cancelled("response body dropped"))
    }
}
