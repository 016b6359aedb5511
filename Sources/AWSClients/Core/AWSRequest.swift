import AWSCore
import HTTPTransportCore

/// One AWS call before signing, independent of the protocol that built it: the protocol layers (JSON, REST-JSON,
/// query, REST-XML) fill it in, ``AWSClient`` signs and sends it.
public struct AWSRequest: Sendable {
    /// `Service.Operation` name used in logs and errors, e.g. `DynamoDB.PutItem`.
    public var operation: String
    public var method: HTTPMethod
    /// The path below the endpoint's base path, already percent-encoded, starting with `/`.
    public var path: String
    /// Decoded names and values, in sending order.
    public var queryItems: [AWSQueryItem]
    public var headers: HTTPHeaders
    public var body: Body
    /// Whether sending this request twice has the same effect as sending it once. Only such requests are retried
    /// after a 5xx, a lost connection or a timeout; any request with a replayable body is retried after throttling
    /// or a refused connection, because the service never acted on it.
    public var isIdempotent: Bool
    /// How the body is hashed for signing.
    public var payloadSigning: PayloadSigning
    /// Overrides the endpoint's host (S3 virtual-hosted style).
    public var hostOverride: String?
    /// `false` sends the request unsigned, whatever the client's credentials.
    public var isSigned: Bool

    public init(
        operation: String, method: HTTPMethod, path: String = "/", queryItems: [AWSQueryItem] = [],
        headers: HTTPHeaders = [:], body: Body = .empty, isIdempotent: Bool, payloadSigning: PayloadSigning = .sha256,
        hostOverride: String? = nil, isSigned: Bool = true
    ) {
        self.operation = operation
        self.method = method
        self.path = path
        self.queryItems = queryItems
        self.headers = headers
        self.body = body
        self.isIdempotent = isIdempotent
        self.payloadSigning = payloadSigning
        self.hostOverride = hostOverride
        self.isSigned = isSigned
    }

    /// A request body: nothing, bytes (replayable), or a stream written while the request runs (sent once).
    public struct Body: Sendable {
        enum Storage: Sendable {
            case empty
            case bytes([UInt8])
            case stream(HTTPRequestBody)
        }
        let storage: Storage

        public static let empty = Body(storage: .empty)
        public static func bytes(_ bytes: [UInt8]) -> Body { Body(storage: .bytes(bytes)) }
        /// A streaming body from ``HTTPRequestBody/makeStream(length:bufferCapacity:)``; never retried.
        public static func stream(_ body: HTTPRequestBody) -> Body { Body(storage: .stream(body)) }

        var isReplayable: Bool {
            if case .stream = storage { return false }
            return true
        }

        var httpBody: HTTPRequestBody {
            switch storage {
            case .empty: return .none
            case .bytes(let bytes): return bytes.isEmpty ? .none : .bytes(bytes)
            case .stream(let body): return body
            }
        }
    }

    /// What goes into the canonical request in place of the body.
    public struct PayloadSigning: Sendable, Hashable {
        enum Kind: Hashable {
            case sha256, unsigned, emptyHash
        }
        let kind: Kind
        /// The SHA-256 of the body (bytes bodies; streams fall back to ``emptyHash``).
        public static let sha256 = PayloadSigning(kind: .sha256)
        /// `UNSIGNED-PAYLOAD`, sent in `x-amz-content-sha256`.
        public static let unsigned = PayloadSigning(kind: .unsigned)
        /// The hash of the empty string, as the Kinesis Video producer SDK signs its streaming PutMedia body.
        public static let emptyHash = PayloadSigning(kind: .emptyHash)
    }
}
