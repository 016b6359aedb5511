import AWSCore
import Crypto

/// Signs the chunks of an `aws-chunked` body sent with `x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD`
/// (S3's "signed payload in multiple chunks"): each chunk's signature chains the previous one, starting from the
/// request's seed signature, and the body ends with an empty chunk.
///
/// Get one from ``SigV4Signer/chunkSigner(for:credentials:)`` after signing the request with
/// ``PayloadHash/streamingSignedPayload``. A value type: keep it in one place and feed it the chunks in order.
public struct SigV4ChunkSigner: Sendable {
    /// The signature of the last chunk signed (the seed signature before the first).
    public private(set) var previousSignature: String
    /// Raw bytes: `SymmetricKey` is not `Sendable` in swift-crypto 3.
    private let signingKey: [UInt8]
    private let timestamp: String
    private let scope: String

    init(seedSignature: String, signingKey: SymmetricKey, timestamp: String, scope: String) {
        previousSignature = seedSignature
        self.signingKey = signingKey.withUnsafeBytes { Array($0) }
        self.timestamp = timestamp
        self.scope = scope
    }

    /// The signature of the next chunk (pass an empty chunk for the final one).
    public mutating func signature<Chunk: Collection>(forChunk chunk: Chunk) -> String where Chunk.Element == UInt8 {
        let chunkHash = Hex.encode(SHA256.hash(data: Array(chunk)))
        let stringToSign =
            "AWS4-HMAC-SHA256-PAYLOAD\n\(timestamp)\n\(scope)\n\(previousSignature)\n"
            + "\(PayloadHash.emptySHA256.value)\n\(chunkHash)"
        previousSignature = Hex.encode(
            HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: SymmetricKey(data: signingKey)))
        return previousSignature
    }

    /// The chunk framed for the wire: `hex-size;chunk-signature=…\r\n<bytes>\r\n`.
    public mutating func frame<Chunk: Collection>(_ chunk: Chunk) -> [UInt8] where Chunk.Element == UInt8 {
        let signature = signature(forChunk: chunk)
        var out = Array("\(String(chunk.count, radix: 16));chunk-signature=\(signature)\r\n".utf8)
        out.append(contentsOf: chunk)
        out.append(contentsOf: [UInt8(ascii: "\r"), UInt8(ascii: "\n")])
        return out
    }

    /// Length of the framed body for `decodedLength` bytes cut into `chunkSize` chunks plus the final empty chunk
    /// (the `Content-Length` to send; `x-amz-decoded-content-length` is `decodedLength`).
    public static func encodedLength(decodedLength: Int, chunkSize: Int) -> Int {
        func framed(_ size: Int) -> Int {
            String(size, radix: 16).utf8.count + ";chunk-signature=".utf8.count + 64 + 2 + size + 2
        }
        guard chunkSize > 0 else { return framed(0) }
        let full = decodedLength / chunkSize
        let rest = decodedLength % chunkSize
        return full * framed(chunkSize) + (rest > 0 ? framed(rest) : 0) + framed(0)
    }
}

extension SigV4Signer {
    /// The chunk signer continuing `signed` (which must have been signed by this signer with
    /// ``PayloadHash/streamingSignedPayload``).
    public func chunkSigner(for signed: SigV4SignedRequest, credentials: Credentials) -> SigV4ChunkSigner {
        let key = SigningKeyCache.Key(
            secret: credentials.secretAccessKey, day: String(signed.timestamp.prefix(8)), region: region,
            service: service)
        return SigV4ChunkSigner(
            seedSignature: signed.signature, signingKey: keyCache?.key(for: key) ?? SigningKeyCache.derive(key),
            timestamp: signed.timestamp, scope: signed.credentialScope)
    }
}
