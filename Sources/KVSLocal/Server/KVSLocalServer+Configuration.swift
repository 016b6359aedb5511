import Foundation

extension KVSLocalServer {
    /// Everything the server needs to start. Only `dataDirectory` has no default.
    public struct Configuration: Sendable {
        /// Interface to listen on (loopback by default: this is a development server).
        public var host: String
        /// 0 picks a free port; read it back with ``KVSLocalServer/listeningURL()``.
        public var port: Int
        /// Streams, fragments and their index live here; a server started again on the same directory serves what
        /// it had.
        public var dataDirectory: String
        /// What `GetDataEndpoint` answers; nil answers the bound URL (`http://127.0.0.1:PORT`).
        public var advertisedURL: String?
        /// The account in every ARN.
        public var accountID: String
        /// How often fragments older than their stream's `DataRetentionInHours` are deleted.
        public var retentionEnforcementInterval: Duration
        /// How long fragments of a stream with `DataRetentionInHours` 0 stay readable (KVS keeps them briefly for
        /// live consumers; here it is a setting).
        public var unretainedFragmentLifetime: Duration
        public var limits: Limits
        /// Off by default; can also be changed while running (``KVSLocalServer/setFaultRule(_:stream:)`` or
        /// `POST /_kvslocal/faults`).
        public var faults: FaultInjection
        public var authorization: Authorization
        /// `fsync` every fragment and index record before acknowledging it `PERSISTED` (turn off for benchmarks of
        /// the rest of the server).
        public var syncWrites: Bool
        /// The wall clock for server timestamps, retention and `MILLIS_BEHIND_NOW` (injected so tests can move
        /// time).
        public var clock: KVSLocalClock

        public init(
            dataDirectory: String, host: String = "127.0.0.1", port: Int = 0, advertisedURL: String? = nil,
            accountID: String = "123456789012", retentionEnforcementInterval: Duration = .seconds(60),
            unretainedFragmentLifetime: Duration = .seconds(3600), limits: Limits = Limits(),
            faults: FaultInjection = FaultInjection(), authorization: Authorization = .sigV4Form,
            syncWrites: Bool = true, clock: KVSLocalClock = .system
        ) {
            self.dataDirectory = dataDirectory
            self.host = host
            self.port = port
            self.advertisedURL = advertisedURL
            self.accountID = accountID
            self.retentionEnforcementInterval = retentionEnforcementInterval
            self.unretainedFragmentLifetime = unretainedFragmentLifetime
            self.limits = limits
            self.faults = faults
            self.authorization = authorization
            self.syncWrites = syncWrites
            self.clock = clock
        }
    }

    /// KVS's service quotas and session rules. A nil rate or connection limit means unlimited.
    public struct Limits: Sendable {
        /// GetMedia calls per second per stream (KVS: 5); more are answered `ClientLimitExceededException`.
        public var getMediaCallsPerSecond: Int?
        /// Concurrent GetMedia sessions per stream (KVS: 3); more are answered
        /// `ConnectionLimitExceededException`.
        public var getMediaConnectionsPerStream: Int?
        /// PutMedia calls per second per stream (KVS: 5).
        public var putMediaCallsPerSecond: Int?
        /// Concurrent PutMedia sessions per stream (KVS allows one; unlimited by default so that a producer
        /// reconnecting before its old connection is noticed closed is not refused).
        public var putMediaConnectionsPerStream: Int?
        /// ListFragments / GetMediaForFragmentList calls per second per stream (unlimited by default).
        public var archivedMediaCallsPerSecond: Int?
        /// Largest fragment (KVS: 50 MB); a bigger Cluster ends the PutMedia session with error 4001.
        public var maxFragmentBytes: Int
        /// Longest fragment (KVS: 20 s); a longer Cluster is refused with error 4002.
        public var maxFragmentDuration: Duration
        /// Largest element other than a Cluster (Tracks, Tags, …) and largest Cluster child.
        public var maxElementBytes: Int
        /// A GetMedia session that has sent everything ends after waiting this long for a new fragment.
        public var getMediaIdleTimeout: Duration
        /// GetMedia sends at most this many bytes per second per session (KVS: 25 MB/s); nil: unlimited.
        public var getMediaBytesPerSecond: Int?
        /// A PutMedia session open this long gets a `MAX_CONNECTION_DURATION_REACHED` (4003) acknowledgement and is
        /// closed; nil: no limit. (KVS ends long sessions with that error; producers reconnect.)
        public var putMediaMaxConnectionDuration: Duration?
        /// A PutMedia session that receives no bytes for this long is closed (KVS: 30 s).
        public var putMediaIdleTimeout: Duration
        /// While a PutMedia body is silent, an `IDLE` acknowledgement is sent this often (nil: never).
        public var putMediaIdleAckInterval: Duration?
        /// Streams per region (KVS's account quota is 10 000).
        public var maxStreams: Int
        /// Largest control-plane or archived-media request body.
        public var maxRequestBodyBytes: Int

        public init(
            getMediaCallsPerSecond: Int? = 5, getMediaConnectionsPerStream: Int? = 3, putMediaCallsPerSecond: Int? = 5,
            putMediaConnectionsPerStream: Int? = nil, archivedMediaCallsPerSecond: Int? = nil,
            maxFragmentBytes: Int = 50 << 20, maxFragmentDuration: Duration = .seconds(20),
            maxElementBytes: Int = 16 << 20, getMediaIdleTimeout: Duration = .seconds(30),
            getMediaBytesPerSecond: Int? = 25_000_000, putMediaMaxConnectionDuration: Duration? = nil,
            putMediaIdleTimeout: Duration = .seconds(30), putMediaIdleAckInterval: Duration? = .seconds(5),
            maxStreams: Int = 10_000, maxRequestBodyBytes: Int = 1 << 20
        ) {
            self.getMediaCallsPerSecond = getMediaCallsPerSecond
            self.getMediaConnectionsPerStream = getMediaConnectionsPerStream
            self.putMediaCallsPerSecond = putMediaCallsPerSecond
            self.putMediaConnectionsPerStream = putMediaConnectionsPerStream
            self.archivedMediaCallsPerSecond = archivedMediaCallsPerSecond
            self.maxFragmentBytes = maxFragmentBytes
            self.maxFragmentDuration = maxFragmentDuration
            self.maxElementBytes = maxElementBytes
            self.getMediaIdleTimeout = getMediaIdleTimeout
            self.getMediaBytesPerSecond = getMediaBytesPerSecond
            self.putMediaMaxConnectionDuration = putMediaMaxConnectionDuration
            self.putMediaIdleTimeout = putMediaIdleTimeout
            self.putMediaIdleAckInterval = putMediaIdleAckInterval
            self.maxStreams = maxStreams
            self.maxRequestBodyBytes = maxRequestBodyBytes
        }

        /// No rate, bandwidth or connection limits (load tests, benchmarks).
        public static var unlimited: Limits {
            Limits(
                getMediaCallsPerSecond: nil, getMediaConnectionsPerStream: nil, putMediaCallsPerSecond: nil,
                getMediaBytesPerSecond: nil)
        }
    }

    /// How requests must be signed.
    public struct Authorization: Sendable {
        enum Mode: Sendable {
            case unsigned
            case form
            case verify([String: String])
        }
        let mode: Mode

        /// Every request must carry a well-formed SigV4 `Authorization` header and `X-Amz-Date`; the signature
        /// itself is not checked (any credentials work, as with moto). The region comes from the credential scope.
        public static let sigV4Form = Authorization(mode: .form)
        /// Unsigned requests are accepted too (region `us-east-1` unless signed); handy for curl.
        public static let allowUnsigned = Authorization(mode: .unsigned)
        /// Signatures are verified against these secrets (access key id → secret access key).
        public static func verifySignatures(secrets: [String: String]) -> Authorization {
            Authorization(mode: .verify(secrets))
        }
    }
}

/// The server's wall clock.
public struct KVSLocalClock: Sendable {
    public var now: @Sendable () -> Date
    public init(now: @escaping @Sendable () -> Date) { self.now = now }
    public static let system = KVSLocalClock { Date() }
}
