import AWSCore

/// The canonical request, built straight into bytes (it is hashed, never sent).
extension SigV4Signer {
    /// Headers botocore never signs: hop-by-hop headers a proxy may rewrite, and ones the transport may change.
    static let unsignedHeaderNames: Set<String> = [
        "authorization", "connection", "expect", "keep-alive", "proxy-authenticate",
        "proxy-authorization", "te",
        "trailer", "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
    ]

    struct CanonicalHeaders {
        /// `name:value\n` lines, sorted.
        var bytes: [UInt8]
        var signedHeaders: String
    }

    struct CanonicalRequest {
        var bytes: [UInt8]
        var signedHeaders: String
    }

    /// The canonical request for `request` as it will be sent (the signer's own headers already added).
    func canonicalRequest(for request: SigV4Request, payloadHash: String) -> CanonicalRequest {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        out.append(contentsOf: request.method.uppercased().utf8)
        out.append(UInt8(ascii: "\n"))
        appendCanonicalURI(request.path, to: &out)
        out.append(UInt8(ascii: "\n"))
        Self.appendCanonicalQuery(request.queryItems, to: &out)
        out.append(UInt8(ascii: "\n"))
        let headers = canonicalHeaders(for: request)
        out.append(contentsOf: headers.bytes)
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: headers.signedHeaders.utf8)
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: payloadHash.utf8)
        return CanonicalRequest(bytes: out, signedHeaders: headers.signedHeaders)
    }

    // MARK: URI

    func appendCanonicalURI(_ path: String, to out: inout [UInt8]) {
        if rules.isS3 {
            out.append(contentsOf: path.utf8)
        } else {
            URIEncoding.append(Self.removingDotSegments(path), to: &out, keepingSlash: true)
        }
    }

    /// RFC 3986 §5.2.4 plus the collapsing of empty segments AWS asks for; botocore's `normalize_url_path`.
    /// Works on the wire form, so an encoded `%2E%2E` is a name, not a dot segment.
    static func removingDotSegments(_ path: String) -> String {
        guard !path.isEmpty else { return "/" }
        var output: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) where segment != "." {
            if segment == ".." {
                if !output.isEmpty { output.removeLast() }
            } else {
                output.append(segment)
            }
        }
        let first = path.hasPrefix("/") ? "/" : ""
        let last = path.hasSuffix("/") && !output.isEmpty ? "/" : ""
        return first + output.joined(separator: "/") + last
    }

    // MARK: Query

    static func appendCanonicalQuery(_ items: [SigV4Request.QueryItem], to out: inout [UInt8]) {
        guard !items.isEmpty else { return }
        var encoded: [(name: [UInt8], value: [UInt8])] = []
        encoded.reserveCapacity(items.count)
        for item in items {
            var name: [UInt8] = []
            var value: [UInt8] = []
            URIEncoding.append(item.name, to: &name, keepingSlash: false)
            URIEncoding.append(item.value, to: &value, keepingSlash: false)
            encoded.append((name, value))
        }
        // Sorted by encoded name, then by encoded value for repeated names (byte order).
        encoded.sort { lhs, rhs in
            lhs.name == rhs.name
                ? lhs.value.lexicographicallyPrecedes(rhs.value)
                : lhs.name.lexicographicallyPrecedes(rhs.name)
        }
        for (index, pair) in encoded.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "&")) }
            out.append(contentsOf: pair.name)
            out.append(UInt8(ascii: "="))
            out.append(contentsOf: pair.value)
        }
    }

    // MARK: Headers

    /// Lower-cased names in byte order; repeated names joined with `,` in the order sent; values trimmed with
    /// runs of whitespace collapsed to one space (Python's `' '.join(value.split())`).
    func canonicalHeaders(for request: SigV4Request) -> CanonicalHeaders {
        var entries: [(name: [UInt8], order: Int, value: String)] = []
        entries.reserveCapacity(request.headers.count + 1)
        var hasHost = false
        for (order, header) in request.headers.enumerated() {
            let name = header.name.headerNameLowercased
            if Self.unsignedHeaderNames.contains(name) { continue }
            if name == "host" { hasHost = true }
            entries.append((Array(name.utf8), order, header.value))
        }
        if !hasHost {
            entries.append((Array("host".utf8), entries.count, request.host))
        }
        entries.sort { lhs, rhs in
            lhs.name == rhs.name ? lhs.order < rhs.order : lhs.name.lexicographicallyPrecedes(rhs.name)
        }

        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        var signed: [UInt8] = []
        var index = 0
        while index < entries.count {
            let name = entries[index].name
            if !signed.isEmpty { signed.append(UInt8(ascii: ";")) }
            signed.append(contentsOf: name)
            bytes.append(contentsOf: name)
            bytes.append(UInt8(ascii: ":"))
            var first = true
            while index < entries.count, entries[index].name == name {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                Self.appendTrimmingAll(entries[index].value, to: &bytes)
                index += 1
            }
            bytes.append(UInt8(ascii: "\n"))
        }
        return CanonicalHeaders(bytes: bytes, signedHeaders: String(decoding: signed, as: UTF8.self))
    }

    /// Appends `value` with leading and trailing whitespace removed and inner runs collapsed to one space, where
    /// whitespace is what Python's `str.isspace()` accepts (ASCII controls 9–13 and 28–32 plus Unicode spaces).
    static func appendTrimmingAll(_ value: String, to out: inout [UInt8]) {
        var pendingSpace = false
        var wroteAny = false
        if value.utf8.allSatisfy({ $0 < 0x80 }) {
            for byte in value.utf8 {
                if isPythonWhitespace(UInt32(byte)) {
                    pendingSpace = wroteAny
                } else {
                    if pendingSpace { out.append(UInt8(ascii: " ")) }
                    pendingSpace = false
                    wroteAny = true
                    out.append(byte)
                }
            }
            return
        }
        for scalar in value.unicodeScalars {
            if isPythonWhitespace(scalar.value) {
                pendingSpace = wroteAny
            } else {
                if pendingSpace { out.append(UInt8(ascii: " ")) }
                pendingSpace = false
                wroteAny = true
                UTF8.encode(scalar) { out.append($0) }
            }
        }
    }

    @inline(__always)
    static func isPythonWhitespace(_ scalar: UInt32) -> Bool {
        switch scalar {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F,
            0x205F, 0x3000:
            return true
        default:
            return false
        }
    }
}
