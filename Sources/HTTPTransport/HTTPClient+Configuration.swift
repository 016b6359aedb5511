import HTTPTransportCore

extension HTTPClient {
    /// Transport settings shared by every request of one client.
    public struct Configuration: Sendable {
        /// TCP (and TLS) connect timeout.
        public var connectTimeout: Duration = .seconds(10)
        /// Fails a transfer when no byte moves in either direction for this long. The clock stops while the
        /// transfer is paused for back-pressure or for a streaming upload waiting on its writer.
        /// `nil` disables it (not recommended for long-lived streams).
        public var idleTimeout: Duration? = .seconds(30)
        /// Total time for one ``HTTPClient/execute(_:deadline:)`` call (the earlier of this and the call's
        /// deadline applies). Streaming calls are bounded only by their deadline and the idle timeout, because a
        /// GetMedia stream legitimately lasts hours.
        public var requestTimeout: Duration? = .seconds(60)
        /// Largest body ``HTTPClient/execute(_:deadline:)`` buffers before failing with `bodyTooLarge`.
        public var maxResponseBodyBytes: Int = 64 << 20
        /// Per streaming response: bytes buffered for a slow consumer before the transfer is paused.
        public var streamBufferCapacity: Int = 2 << 20
        /// `CURLOPT_BUFFERSIZE`: libcurl's receive buffer per transfer (memory per connection vs. callbacks per MB).
        public var receiveBufferSize: Int = 64 * 1024
        /// `CURLMOPT_MAX_HOST_CONNECTIONS` (0 = unlimited). Transfers beyond it wait for a free connection,
        /// so it must exceed the number of long-lived streams to one host.
        public var maxConnectionsPerHost: Int = 1024
        /// `CURLMOPT_MAX_TOTAL_CONNECTIONS` (0 = unlimited).
        public var maxTotalConnections: Int = 2048
        /// `CURLMOPT_MAXCONNECTS`: idle keep-alive connections kept for reuse.
        public var maxIdleConnections: Int = 64
        /// CA bundle (`CURLOPT_CAINFO`); `nil` uses libcurl's built-in default. Peer and host verification are
        /// always on.
        public var caBundlePath: String?
        /// TCP keep-alive probe interval for idle connections; `nil` disables.
        public var tcpKeepAlive: Duration? = .seconds(30)
        /// Sent unless the request has its own User-Agent.
        public var userAgent: String? = "kit-swift"

        public init() {}
    }
}
