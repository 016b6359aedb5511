import Foundation

/// Where a client sends its requests: scheme, host, optional port and an optional base path (a custom endpoint
/// such as `http://127.0.0.1:5000/prefix`). Parsed once, so request paths are joined rather than re-parsed.
public struct AWSEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// `http` or `https`.
    public var scheme: String
    /// The host name or IP address (IPv6 in brackets), without the port.
    public var host: String
    /// `nil` for the scheme's default port.
    public var port: Int?
    /// Prepended to every request path; empty or starting with `/`, never ending with one.
    public var basePath: String

    /// Parses `https://host[:port][/path]`. A port equal to the scheme's default is dropped, as SigV4 signs the
    /// `Host` header without it.
    public init(url: String) throws(AWSError) {
        let invalid = AWSError(.configuration, operation: "endpoint", "not an http(s) endpoint URL: \(url)")
        let text = url.trimmingSuffix("/")
        guard let separator = text.range(of: "://") else { throw invalid }
        let scheme = text[..<separator.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { throw invalid }
        let rest = text[separator.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let path = String(rest[authorityEnd...])
        guard !authority.isEmpty, !authority.contains("@"), !path.contains("?"), !path.contains("#") else {
            throw invalid
        }
        var host = String(authority)
        var port: Int?
        if let colon = authority.lastIndex(of: ":"), !authority[colon...].contains("]") {
            guard let number = Int(authority[authority.index(after: colon)...]), (1...65535).contains(number) else {
                throw invalid
            }
            host = String(authority[..<colon])
            port = number
        }
        guard !host.isEmpty, host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { throw invalid }
        self.scheme = scheme
        self.host = host.lowercased()
        self.port = port == (scheme == "https" ? 443 : 80) ? nil : port
        self.basePath = path
    }

    /// `host` or `host:port`, as signed and sent in the `Host` header.
    public var authority: String {
        port.map { "\(host):\($0)" } ?? host
    }

    /// The same endpoint with another host (S3 virtual-hosted style: `bucket.s3.us-east-1.amazonaws.com`).
    public func withHost(_ newHost: String) -> AWSEndpoint {
        var copy = self
        copy.host = newHost
        return copy
    }

    /// Whether the host is an IPv4 or IPv6 literal (S3 then has to use path-style addressing).
    public var hostIsIPAddress: Bool {
        host.hasPrefix("[") || Self.isIPv4(host)
    }

    static func isIPv4(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil }
    }

    public var description: String { "\(scheme)://\(authority)\(basePath)" }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var text = self
        while text.hasSuffix(suffix) { text.removeLast(suffix.count) }
        return text
    }
}
