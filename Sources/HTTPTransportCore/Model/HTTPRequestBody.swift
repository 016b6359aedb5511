/// A request body: nothing, a byte array, or a stream written while the request runs.
///
/// Streaming bodies are push-based: ``makeStream(length:bufferCapacity:)`` returns the body and an
/// ``HTTPBodyWriter`` the caller feeds from its own task. That keeps every task structured (the transport never
/// spawns one to pull from a sequence) and lets the upload outlive `stream(_:)` returning — PutMedia sends
/// fragments while it reads acknowledgements from the same exchange.
public struct HTTPRequestBody: Sendable {
    package enum Storage: Sendable {
        case none
        case bytes([UInt8])
        case stream(UploadChannel)
    }

    package let storage: Storage

    public static let none = HTTPRequestBody(storage: .none)

    public static func bytes(_ bytes: [UInt8]) -> HTTPRequestBody {
        HTTPRequestBody(storage: .bytes(bytes))
    }

    public static func string(_ text: String) -> HTTPRequestBody { .bytes(Array(text.utf8)) }

    /// A body produced while the request runs. With `length == nil` it is sent with chunked transfer encoding.
    /// `bufferCapacity` bounds what the writer may queue ahead of the network: beyond it `write` suspends.
    /// The body can be sent once; a second attempt fails with ``HTTPError/Code/bodyNotReplayable``.
    public static func makeStream(
        length: Int? = nil, bufferCapacity: Int = 1 << 20
    ) -> (body: HTTPRequestBody, writer: HTTPBodyWriter) {
        let channel = UploadChannel(length: length, capacity: max(1, bufferCapacity))
        return (HTTPRequestBody(storage: .stream(channel)), HTTPBodyWriter(channel: channel))
    }

    /// Whether sending this body again sends the same bytes (false for streams).
    public var isReplayable: Bool {
        if case .stream = storage { return false }
        return true
    }

    /// Byte count if known before sending.
    public var knownLength: Int? {
        switch storage {
        case .none: return 0
        case .bytes(let bytes): return bytes.count
        case .stream(let channel): return channel.length
        }
    }

    /// The bytes of a body held in memory (empty for ``none``); `nil` for a stream, which can only be read by
    /// sending it. Lets a transport that is not libcurl (the plugin boundary's host-services table) carry the body.
    public var bufferedBytes: [UInt8]? {
        switch storage {
        case .none: return []
        case .bytes(let bytes): return bytes
        case .stream: return nil
        }
    }

    var isEmptyBody: Bool {
        if case .none = storage { return true }
        return false
    }
}

/// Feeds a streaming request body. `write` suspends while the upload buffer is full (back-pressure from the
/// network); ``finish()`` ends the body; ``fail(_:)`` aborts the request. Use from one task at a time.
public struct HTTPBodyWriter: Sendable {
    private let channel: UploadChannel

    init(channel: UploadChannel) { self.channel = channel }

    /// Queues `bytes` for sending, suspending until the buffer has room. Throws if the request already ended
    /// (the error it ended with) or the calling task is cancelled.
    public func write(_ bytes: [UInt8]) async throws(HTTPError) {
        try await channel.write(bytes)
    }

    /// Ends the body after everything written so far.
    public func finish() {
        channel.finish()
    }

    /// Aborts the upload: the request fails (curl sees a read abort) instead of sending a truncated body.
    public func fail(_ message: String = "request body aborted by its writer") {
        channel.fail(HTTPError(code: .cancelled, message: message))
    }
}
