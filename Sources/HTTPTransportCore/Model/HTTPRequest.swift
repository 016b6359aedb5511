/// An HTTP method. Any token is allowed; the common ones are static values.
public struct HTTPMethod: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }

    public static let get = HTTPMethod(rawValue: "GET")
    public static let head = HTTPMethod(rawValue: "HEAD")
    public static let post = HTTPMethod(rawValue: "POST")
    public static let put = HTTPMethod(rawValue: "PUT")
    public static let delete = HTTPMethod(rawValue: "DELETE")
    public static let patch = HTTPMethod(rawValue: "PATCH")
    public static let options = HTTPMethod(rawValue: "OPTIONS")

    /// RFC 9110 §9.2.2: repeating the request has the same effect as sending it once.
    public var isIdempotent: Bool {
        ["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"].contains(rawValue)
    }

    public var description: String { rawValue }
}

/// One request as the transport sends it: no signing, no retries (those are layers above).
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    /// Absolute `http://` or `https://` URL, already percent-encoded.
    public var url: String
    public var headers: HTTPHeaders
    public var body: HTTPRequestBody
    /// Whether the retry layer may send this request again. Defaults to the method's idempotency; set it to `true`
    /// for requests that are safe to repeat although their method is not (most AWS JSON APIs are POSTs that are).
    /// A streaming body is never replayed, whatever this says.
    public var isIdempotent: Bool

    public init(
        method: HTTPMethod = .get, url: String, headers: HTTPHeaders = [:],
        body: HTTPRequestBody = .none,
        isIdempotent: Bool? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.isIdempotent = isIdempotent ?? method.isIdempotent
    }

    /// Rejects what would be unsafe or meaningless to hand to an engine: header injection, non-HTTP schemes.
    package func validate() throws(HTTPError) {
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw .invalidRequest("URL must be absolute http:// or https://: \(url)")
        }
        guard !url.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) else {
            throw .invalidRequest("URL contains whitespace or control characters")
        }
        guard !method.rawValue.isEmpty, method.rawValue.utf8.allSatisfy(Self.isTokenByte) else {
            throw .invalidRequest("invalid method \(method.rawValue)")
        }
        for field in headers {
            guard !field.name.isEmpty, field.name.utf8.allSatisfy(Self.isTokenByte) else {
                throw .invalidRequest("invalid header name \(field.name)")
            }
            guard !field.value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) else {
                throw .invalidRequest("header \(field.name) contains CR, LF or NUL")
            }
        }
        if method == .head, !body.isEmptyBody {
            throw .invalidRequest("HEAD requests cannot have a body")
        }
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
