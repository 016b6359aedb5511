/// Every failure the transport reports: a `Sendable` struct with an opaque ``Code``, so adding a kind of failure
/// breaks no caller's `switch`.
///
/// AWS-level errors (the service's error code and request id) belong to the layer above; for ``Code/httpStatus``
/// the error keeps the whole ``HTTPResponse`` so that layer can parse the body it arrived with.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. Compare with the static values (`error.code == .timedOut`).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Hashable, Sendable {
            case connectFailed, resolveFailed, timedOut, tls, cancelled, bodyTooLarge, protocolError
            case connectionLost, httpStatus, invalidRequest, shutdown, bodyNotReplayable, internalError
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// TCP connect refused or unreachable.
        public static let connectFailed = Code(.connectFailed)
        /// The host name did not resolve.
        public static let resolveFailed = Code(.resolveFailed)
        /// The connect timeout, the idle timeout or the request's deadline passed.
        public static let timedOut = Code(.timedOut)
        /// TLS handshake or certificate verification failed.
        public static let tls = Code(.tls)
        /// The caller's task was cancelled or the response body was dropped.
        public static let cancelled = Code(.cancelled)
        /// A buffered response exceeded its maximum body size.
        public static let bodyTooLarge = Code(.bodyTooLarge)
        /// The peer did not speak HTTP as expected.
        public static let protocolError = Code(.protocolError)
        /// The connection closed or reset before the exchange completed (including mid-body).
        public static let connectionLost = Code(.connectionLost)
        /// The server answered with a status the caller treats as failure; see ``HTTPError/response``.
        public static let httpStatus = Code(.httpStatus)
        /// The request itself is unusable (malformed URL, header with CR/LF, body read twice concurrently, …).
        public static let invalidRequest = Code(.invalidRequest)
        /// The client was shut down.
        public static let shutdown = Code(.shutdown)
        /// A streaming request body was already consumed and cannot be sent again.
        public static let bodyNotReplayable = Code(.bodyNotReplayable)
        /// libcurl or the OS failed in a way that is not about the peer (out of memory, thread creation, …).
        public static let internalError = Code(.internalError)

        public var description: String { value.rawValue }
    }

    public let code: Code
    /// Human-readable detail: curl's own message where there is one.
    public let message: String
    /// The HTTP status, when the failure is about one.
    public let status: Int?
    /// For ``Code/httpStatus``: the response as it arrived (headers and, where read, the body).
    public let response: HTTPResponse?
    /// The raw `CURLcode`/`CURLMcode` value, when libcurl reported the failure.
    public let curlCode: Int?
    /// The libcurl function (and option) that failed, or `nil` if the failure did not come from a curl call.
    public let curlFunction: String?

    public init(
        code: Code, message: String, status: Int? = nil, response: HTTPResponse? = nil,
        curlCode: Int? = nil,
        curlFunction: String? = nil
    ) {
        self.code = code
        self.message = message
        self.status = status ?? response?.status
        self.response = response
        self.curlCode = curlCode
        self.curlFunction = curlFunction
    }

    /// Whether repeating the same request could succeed: transient network failures, timeouts, throttling (429)
    /// and server errors (5xx). Whether a request *may* be repeated is the ``RetryPolicy``'s decision.
    public var isRetryable: Bool {
        switch code {
        case .connectFailed, .resolveFailed, .timedOut, .connectionLost: return true
        case .httpStatus: return status.map(RetryPolicy.isTransientStatus) ?? false
        default: return false
        }
    }

    public var description: String {
        var text = "HTTPError(\(code)"
        if let status { text += ", status \(status)" }
        if let curlFunction, let curlCode { text += ", \(curlFunction) → \(curlCode)" }
        return text + "): \(message)"
    }
}

extension HTTPError {
    package static func cancelled(_ message: String = "cancelled") -> HTTPError {
        HTTPError(code: .cancelled, message: message)
    }
    package static func shutdown() -> HTTPError {
        HTTPError(code: .shutdown, message: "HTTP client is shut down")
    }
    package static func invalidRequest(_ message: String) -> HTTPError {
        HTTPError(code: .invalidRequest, message: message)
    }
    package static func timedOut(_ message: String) -> HTTPError {
        HTTPError(code: .timedOut, message: message)
    }
}
