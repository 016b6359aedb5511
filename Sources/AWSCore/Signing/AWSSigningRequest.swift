import Foundation

/// One header field as signed and sent: order, case and duplicates are kept.
public struct AWSHeader: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// One query parameter, *decoded*; encoding happens when the query string is built (and signed).
public struct AWSQueryItem: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String = "") {
        self.name = name
        self.value = value
    }
}

/// Which service family's SigV4 canonicalisation rules apply.
public struct AWSSigningRules: Sendable, Hashable, CustomStringConvertible {
    private enum Kind: Hashable {
        case standard
        case s3
    }
    private let kind: Kind

    /// Every service except S3: the path is normalised and encoded once more; `x-amz-content-sha256` only for
    /// `UNSIGNED-PAYLOAD`.
    public static let standard = AWSSigningRules(kind: .standard)
    /// Amazon S3: the path is signed as sent, and `x-amz-content-sha256` is always sent.
    public static let s3 = AWSSigningRules(kind: .s3)

    public var isS3: Bool { kind == .s3 }
    public var description: String { isS3 ? "s3" : "standard" }
}

/// Everything needed to sign one AWS request with Signature Version 4, and nothing that needs a secret: an
/// ``AWSRequestSigner`` adds the credentials. Plain values only, so the request can cross a process or C boundary
/// to a signer that holds the credentials (the host signing for its plugins).
public struct AWSSigningRequest: Sendable, Hashable {
    public var method: String
    /// `https` or `http`. Not signed; a remote signer may check it.
    public var scheme: String
    /// `host` or `host:port` (no port when it is the scheme's default), signed as the `Host` header.
    public var authority: String
    /// The path as it goes on the wire, already percent-encoded (``URIEncoding/encodePath(_:)``).
    public var path: String
    /// Decoded names and values in sending order; repeated names are allowed.
    public var queryItems: [AWSQueryItem]
    /// The request's own headers; the signer adds or replaces only its own (`Authorization`, `X-Amz-*`).
    public var headers: [AWSHeader]
    public var payload: Payload
    /// The SigV4 service name (`kinesisvideo`, `s3`, `sagemaker`, `monitoring`, …), not the endpoint prefix.
    public var signingName: String
    public var region: String
    public var rules: AWSSigningRules
    /// The signing time: the caller's clock, so signatures are deterministic in tests.
    public var date: Date

    public init(
        method: String, scheme: String, authority: String, path: String = "/", queryItems: [AWSQueryItem] = [],
        headers: [AWSHeader] = [], payload: Payload = .emptySHA256, signingName: String, region: String,
        rules: AWSSigningRules = .standard, date: Date
    ) {
        self.method = method
        self.scheme = scheme
        self.authority = authority
        self.path = path
        self.queryItems = queryItems
        self.headers = headers
        self.payload = payload
        self.signingName = signingName
        self.region = region
        self.rules = rules
        self.date = date
    }

    /// What stands for the body in the canonical request: the body itself, for the signer to hash (so the caller
    /// needs no SHA-256), or a literal the service documents (`UNSIGNED-PAYLOAD`, the empty-body hash).
    public struct Payload: Sendable, Hashable, CustomStringConvertible {
        private enum Storage: Hashable {
            case body([UInt8])
            case literal(String)
        }
        private let storage: Storage

        /// The SHA-256 of `body`, computed by the signer.
        public static func sha256(of body: [UInt8]) -> Payload { Payload(storage: .body(body)) }
        /// `text` as is: a precomputed lower-case hex SHA-256 or a marker.
        public static func literal(_ text: String) -> Payload { Payload(storage: .literal(text)) }
        /// `UNSIGNED-PAYLOAD` (S3 over TLS, presigned URLs), sent in `x-amz-content-sha256`.
        public static let unsigned = literal("UNSIGNED-PAYLOAD")
        /// The SHA-256 of the empty body; also what a streaming body that cannot be hashed first is signed with
        /// (as the Kinesis Video producer SDK signs PutMedia).
        public static let emptySHA256 = literal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")

        /// The bytes whose SHA-256 is to be signed, or `nil` when ``literalText`` is.
        public var bodyToHash: [UInt8]? {
            if case .body(let bytes) = storage { return bytes }
            return nil
        }

        /// The literal to sign, or `nil` when the body is to be hashed.
        public var literalText: String? {
            if case .literal(let text) = storage { return text }
            return nil
        }

        public var description: String {
            switch storage {
            case .body(let bytes): "sha256 of \(bytes.count) bytes"
            case .literal(let text): text
            }
        }
    }
}
