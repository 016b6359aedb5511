/// RFC 3986 percent-encoding as SigV4 (and botocore's `quote(…, safe='-_.~')`) does it: every byte of the UTF-8 form
/// that is not unreserved (`A-Z a-z 0-9 - _ . ~`) becomes `%XX` with upper-case hex digits.
///
/// Kept free of Foundation's `addingPercentEncoding`, whose allowed sets differ between platforms and releases.
public enum URIEncoding {
    /// Encodes `text` for a query name or value (everything but the unreserved characters is escaped).
    public static func encodeQueryComponent(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        append(text, to: &out, keepingSlash: false)
        return String(decoding: out, as: UTF8.self)
    }

    /// Encodes a decoded path (e.g. `/my bucket/a+b.txt`) for the wire: each segment is escaped, `/` is kept.
    ///
    /// This is how botocore's serializers build request paths. A `/` inside one segment (an S3 key with slashes is
    /// *meant* to keep them) cannot be told apart here; encode such a segment with ``encodePathSegment(_:)``.
    public static func encodePath(_ decodedPath: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(decodedPath.utf8.count)
        append(decodedPath, to: &out, keepingSlash: true)
        return String(decoding: out, as: UTF8.self)
    }

    /// Encodes one path segment, escaping `/` too.
    public static func encodePathSegment(_ segment: String) -> String {
        encodeQueryComponent(segment)
    }

    /// Decodes `%XX` escapes. Returns `nil` for a malformed escape or bytes that are not UTF-8.
    /// `+` is left alone: SigV4 query strings never use form encoding.
    public static func decode(_ text: String) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue),
                let low = iterator.next().flatMap(hexValue)
            else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        // `String(validating:)` needs macOS 15; a lossless round trip proves the bytes were UTF-8.
        let decoded = String(decoding: bytes, as: UTF8.self)
        return decoded.utf8.elementsEqual(bytes) ? decoded : nil
    }

    // MARK: - Internals shared with the signer

    /// Appends the encoded form of `text`; `keepingSlash` leaves `/` as is (paths).
    package static func append(_ text: some StringProtocol, to out: inout [UInt8], keepingSlash: Bool) {
        for byte in text.utf8 {
            if isUnreserved(byte) || (keepingSlash && byte == UInt8(ascii: "/")) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(upperHexDigits[Int(byte >> 4)])
                out.append(upperHexDigits[Int(byte & 0x0F)])
            }
        }
    }

    @inline(__always)
    package static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
            UInt8(ascii: "."),
            UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static let upperHexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
