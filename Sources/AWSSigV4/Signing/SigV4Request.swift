import AWSCore

/// An HTTP request as the signer sees it, independent of any HTTP library: the transport and the service clients
/// convert to and from it.
///
/// - `path` is the path *as it goes on the wire*, already percent-encoded (build it with
///   ``URIEncoding/encodePath(_:)``). For non-S3 services the signer encodes it once more, as the SigV4 spec and
///   botocore do; for S3 it is signed as is.
/// - `queryItems` hold *decoded* names and values, in the order they will be sent; repeated names are allowed.
/// - `headers` keep their order, case and duplicates; the signer only adds, or replaces, its own.
/// - `host` is the authority (`host` or `host:port` when the port is not the scheme's default); it is signed
///   unless `headers` already carry a `Host` header, which then wins (as in botocore).
public struct SigV4Request: Sendable, Hashable {
    public var method: String
    public var host: String
    public var path: String
    public var queryItems: [QueryItem]
    public var headers: [Header]
    public var payload: PayloadHash

    public init(
        method: String, host: String, path: String = "/", queryItems: [QueryItem] = [],
        headers: [Header] = [],
        payload: PayloadHash = .emptySHA256
    ) {
        self.method = method
        self.host = host
        self.path = path
        self.queryItems = queryItems
        self.headers = headers
        self.payload = payload
    }

    /// AWSCore's header, shared with ``AWSSigningRequest``.
    public typealias Header = AWSHeader
    /// AWSCore's decoded query item, shared with ``AWSSigningRequest``.
    public typealias QueryItem = AWSQueryItem
}

extension SigV4Request {
    /// The query string as sent (`a=1&b=2`, RFC 3986-encoded, in `queryItems` order), without the `?`.
    public var encodedQuery: String {
        var out: [UInt8] = []
        for (index, item) in queryItems.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "&")) }
            URIEncoding.append(item.name, to: &out, keepingSlash: false)
            out.append(UInt8(ascii: "="))
            URIEncoding.append(item.value, to: &out, keepingSlash: false)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `path?query` (no `?` when there is no query), as in an HTTP/1.1 request line.
    public var pathAndQuery: String {
        queryItems.isEmpty ? path : path + "?" + encodedQuery
    }

    /// The absolute URL, e.g. `https://kinesisvideo.us-east-1.amazonaws.com/getDataEndpoint`.
    public func url(scheme: String = "https") -> String {
        scheme + "://" + host + pathAndQuery
    }

    /// Values of every header named `name` (case-insensitive), in order.
    public func headerValues(named name: String) -> [String] {
        headers.filter { $0.name.asciiCaseInsensitiveEquals(name) }.map(\.value)
    }

    /// Removes every header named `name` (case-insensitive).
    public mutating func removeHeaders(named name: String) {
        headers.removeAll { $0.name.asciiCaseInsensitiveEquals(name) }
    }

    /// Replaces every header named `name` with a single one appended at the end.
    public mutating func setHeader(_ name: String, _ value: String) {
        removeHeaders(named: name)
        headers.append(Header(name, value))
    }
}

extension String {
    /// Header names are ASCII in practice; non-ASCII names fall back to full Unicode lower-casing.
    func asciiCaseInsensitiveEquals(_ other: String) -> Bool {
        let lhs = utf8
        let rhs = other.utf8
        if lhs.count == rhs.count,
            zip(lhs, rhs).allSatisfy({ $0 < 0x80 && asciiLower($0) == asciiLower($1) })
        {
            return true
        }
        if lhs.contains(where: { $0 >= 0x80 }) || rhs.contains(where: { $0 >= 0x80 }) {
            return lowercased() == other.lowercased()
        }
        return false
    }

    /// Lower-cased like Python's `str.lower()` for ASCII, with a Unicode fallback for anything else.
    var headerNameLowercased: String {
        if utf8.allSatisfy({ $0 < 0x80 && !($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) }) {
            return self
        }
        if utf8.allSatisfy({ $0 < 0x80 }) {
            return String(decoding: utf8.map(asciiLower), as: UTF8.self)
        }
        return lowercased()
    }
}

@inline(__always)
private func asciiLower(_ byte: UInt8) -> UInt8 {
    byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
}
