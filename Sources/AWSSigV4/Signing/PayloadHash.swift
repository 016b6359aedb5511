import Crypto

/// The last line of the canonical request: the hex SHA-256 of the body, or one of the literal markers S3 and
/// streaming uploads use instead. Which one to send is the caller's choice.
public struct PayloadHash: Sendable, Hashable, CustomStringConvertible {
    /// The exact text that goes into the canonical request (and into `x-amz-content-sha256` when that is sent).
    public let value: String

    /// A precomputed lower-case hex SHA-256 (or any other literal the service documents).
    public init(literal value: String) {
        self.value = value
    }

    /// Hashes `body` now.
    public static func sha256<Bytes: Sequence>(of body: Bytes) -> PayloadHash
    where Bytes.Element == UInt8 {
        var hasher = SHA256()
        let hashedInPlace =
            body.withContiguousStorageIfAvailable {
                hasher.update(bufferPointer: UnsafeRawBufferPointer($0))
            } != nil
        if !hashedInPlace {
            hasher.update(data: Array(body))
        }
        return PayloadHash(literal: Hex.encode(hasher.finalize()))
    }

    /// SHA-256 of the empty body.
    public static let emptySHA256 = PayloadHash(
        literal: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    /// The body is not signed (S3 over TLS, presigned URLs, streaming uploads of unknown length).
    public static let unsigned = PayloadHash(literal: "UNSIGNED-PAYLOAD")
    /// Unsigned streaming body with a trailing checksum (aws-chunked encoding, botocore's `in: trailer`).
    public static let streamingUnsignedPayloadTrailer = PayloadHash(
        literal: "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
    /// Chunk-signed streaming body. Only the seed signature is produced here; chunk signatures are the caller's job.
    public static let streamingSignedPayload = PayloadHash(
        literal: "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")

    public var description: String { value }
}

/// Lower-case hex, the only encoding SigV4 uses.
enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func append<Bytes: Sequence>(_ bytes: Bytes, to out: inout [UInt8])
    where Bytes.Element == UInt8 {
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
    }
}
