import AWSCore
import Crypto
import Foundation

/// AWS Signature Version 4, pure and deterministic: the date and the credentials are parameters, so the same input
/// always gives the same bytes. It owns the canonical request, the string to sign, the signing key and the two ways
/// of attaching the signature (an `Authorization` header, or a presigned query string), and follows botocore's
/// `SigV4Auth` / `S3SigV4Auth` / `SigV4QueryAuth` / `S3SigV4QueryAuth` byte for byte (the tests compare with it).
///
/// The two rule sets differ only where botocore's do:
/// - ``Rules/standard``: the wire path has its dot segments and repeated slashes removed and is then URI-encoded
///   once more (so `%2F` on the wire is signed as `%252F`); `x-amz-content-sha256` is sent only for
///   `UNSIGNED-PAYLOAD`.
/// - ``Rules/s3``: the wire path is signed exactly as sent, `x-amz-content-sha256` is always sent with the payload
///   hash, and presigned URLs always sign `UNSIGNED-PAYLOAD`.
///
/// Deliberate differences from botocore, all in corners no client of this project reaches: a caller's `Date` header
/// is signed like any other header (botocore rewrites it and drops `X-Amz-Date`), a stale `Authorization` header is
/// never signed in presigned URLs either, and presigning keeps repeated query names (botocore keeps only the first).
public struct SigV4Signer: Sendable {
    /// The SigV4 signing name (`kinesisvideo`, `s3`, `sagemaker`, `monitoring`, …), not the endpoint prefix.
    public var service: String
    public var region: String
    public var rules: Rules
    /// `false` adds `X-Amz-Security-Token` *after* signing, unsigned, as a few services (IoT) require.
    public var signsSessionToken: Bool
    /// Derived keys, shared by copies of this signer; `nil` derives the key for every signature.
    public var keyCache: SigningKeyCache?

    public init(
        service: String, region: String, rules: Rules = .standard, signsSessionToken: Bool = true,
        keyCache: SigningKeyCache? = SigningKeyCache()
    ) {
        self.service = service
        self.region = region
        self.rules = rules
        self.signsSessionToken = signsSessionToken
        self.keyCache = keyCache
    }

    /// Which service family's canonicalisation rules apply (AWSCore's, shared with ``AWSSigningRequest``).
    public typealias Rules = AWSSigningRules

    static let algorithm = "AWS4-HMAC-SHA256"

    // MARK: - Header signing

    /// Signs `request` with an `Authorization` header. Adds (replacing any stale copies) `X-Amz-Date`,
    /// `X-Amz-Security-Token` for temporary credentials and `X-Amz-Content-SHA256` where the rules ask for it.
    public func sign(_ request: SigV4Request, credentials: Credentials, date: Date)
        -> SigV4SignedRequest
    {
        let timestamp = AWSTimestamp.sigV4DateTime(date)
        var signed = request
        signed.removeHeaders(named: "Authorization")
        signed.setHeader("X-Amz-Date", timestamp)
        if let token = credentials.sessionToken {
            // Even when the token is added after signing, a stale copy must not be signed.
            signed.removeHeaders(named: "X-Amz-Security-Token")
            if signsSessionToken { signed.headers.append(.init("X-Amz-Security-Token", token)) }
        }
        if rules.isS3 || request.payload == .unsigned {
            signed.setHeader("X-Amz-Content-SHA256", request.payload.value)
        }

        let payloadHash =
            signed.headerValues(named: "X-Amz-Content-SHA256").first ?? request.payload.value
        let canonical = canonicalRequest(for: signed, payloadHash: payloadHash)
        let scope = credentialScope(timestamp: timestamp)
        let stringToSign = Self.stringToSign(
            timestamp: timestamp, scope: scope, canonicalRequest: canonical.bytes)
        let signature = self.signature(
            stringToSign: stringToSign, secret: credentials.secretAccessKey, timestamp)

        if let token = credentials.sessionToken, !signsSessionToken {
            signed.headers.append(.init("X-Amz-Security-Token", token))
        }
        signed.headers.append(
            .init(
                "Authorization",
                "\(Self.algorithm) Credential=\(credentials.accessKeyId)/\(scope), "
                    + "SignedHeaders=\(canonical.signedHeaders), Signature=\(signature)"))
        return SigV4SignedRequest(
            request: signed, canonicalRequest: String(decoding: canonical.bytes, as: UTF8.self),
            stringToSign: stringToSign, signature: signature, signedHeaders: canonical.signedHeaders,
            credentialScope: scope, timestamp: timestamp)
    }

    // MARK: - Query signing

    /// Presigns `request` for `expires` seconds (AWS accepts 1…604800): the signature and the `X-Amz-*`
    /// parameters go into the query string, after the request's own items; no header is added.
    public func presign(_ request: SigV4Request, credentials: Credentials, date: Date, expires: Int)
        -> SigV4SignedRequest
    {
        let timestamp = AWSTimestamp.sigV4DateTime(date)
        let scope = credentialScope(timestamp: timestamp)
        var signed = request
        signed.removeHeaders(named: "Authorization")
        signed.queryItems.removeAll { Self.presignParameterNames.contains($0.name) }

        let signedHeaders = canonicalHeaders(for: signed).signedHeaders
        signed.queryItems.append(contentsOf: [
            .init("X-Amz-Algorithm", Self.algorithm),
            .init("X-Amz-Credential", "\(credentials.accessKeyId)/\(scope)"),
            .init("X-Amz-Date", timestamp),
            .init("X-Amz-Expires", String(expires)),
            .init("X-Amz-SignedHeaders", signedHeaders),
        ])
        if let token = credentials.sessionToken, signsSessionToken {
            signed.queryItems.append(.init("X-Amz-Security-Token", token))
        }

        let payloadHash =
            signed.headerValues(named: "X-Amz-Content-SHA256").first
            ?? (rules.isS3 ? PayloadHash.unsigned.value : request.payload.value)
        let canonical = canonicalRequest(for: signed, payloadHash: payloadHash)
        let stringToSign = Self.stringToSign(
            timestamp: timestamp, scope: scope, canonicalRequest: canonical.bytes)
        let signature = self.signature(
            stringToSign: stringToSign, secret: credentials.secretAccessKey, timestamp)

        signed.queryItems.append(.init("X-Amz-Signature", signature))
        if let token = credentials.sessionToken, !signsSessionToken {
            signed.queryItems.append(.init("X-Amz-Security-Token", token))
        }
        return SigV4SignedRequest(
            request: signed, canonicalRequest: String(decoding: canonical.bytes, as: UTF8.self),
            stringToSign: stringToSign, signature: signature, signedHeaders: canonical.signedHeaders,
            credentialScope: scope, timestamp: timestamp)
    }

    static let presignParameterNames: Set<String> = [
        "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders",
        "X-Amz-Security-Token", "X-Amz-Signature",
    ]

    // MARK: - Steps

    /// `20150830/us-east-1/service/aws4_request`
    public func credentialScope(timestamp: String) -> String {
        "\(timestamp.prefix(8))/\(region)/\(service)/aws4_request"
    }

    static func stringToSign(timestamp: String, scope: String, canonicalRequest: [UInt8]) -> String {
        "\(algorithm)\n\(timestamp)\n\(scope)\n\(Hex.encode(SHA256.hash(data: canonicalRequest)))"
    }

    func signature(stringToSign: String, secret: String, _ timestamp: String) -> String {
        let key = SigningKeyCache.Key(
            secret: secret, day: String(timestamp.prefix(8)), region: region, service: service)
        let signingKey = keyCache?.key(for: key) ?? SigningKeyCache.derive(key)
        return Hex.encode(
            HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: signingKey))
    }
}

/// The outcome of signing: the request to send and every intermediate value, for tests and debugging. None of
/// these contain the secret key (the canonical request does contain a session token when one is signed).
public struct SigV4SignedRequest: Sendable, Hashable {
    /// The request to send, with the signature attached.
    public var request: SigV4Request
    public var canonicalRequest: String
    public var stringToSign: String
    /// Lower-case hex.
    public var signature: String
    /// `host;x-amz-date`
    public var signedHeaders: String
    /// `20150830/us-east-1/service/aws4_request`
    public var credentialScope: String
    /// `20150830T123600Z`, the signing time.
    public var timestamp: String
}
