/// Signs AWS requests: what ``AWSClient`` (AWSClients) calls before every attempt, so the client itself holds no
/// credentials and computes no hash.
///
/// The host's implementation (AWSSigning's `SigV4RequestSigner`) fetches credentials from a provider and signs with
/// AWSSigV4. Because the input and output are plain values, a signer can also be *remote*: a plugin's signer can
/// hand the ``AWSSigningRequest`` to the host through the C ABI and get the ``AWSSignedRequest`` back, so plugins
/// carry no crypto and never see credentials.
public protocol AWSRequestSigner: Sendable {
    /// Signs `request`. Throws when no credentials can be had (the client reports that as a credentials error and
    /// does not send the request).
    func sign(_ request: AWSSigningRequest) async throws -> AWSSignedRequest

    /// The service rejected a request this signer signed because its credentials had expired (`ExpiredToken`,
    /// `RequestExpired`, …). Drop any cached credentials so the next signature uses fresh ones, and return whether
    /// that is worth an immediate retry; the client asks at most once per call. Signers with nothing to renew
    /// return `false`.
    func renewExpiredCredentials() async -> Bool
}

extension AWSRequestSigner {
    public func renewExpiredCredentials() async -> Bool { false }
}

/// A signed request, as it must be sent: the client builds the URL from ``pathAndQuery`` (so the URL is exactly
/// what was signed) and sends ``headers`` and nothing else.
public struct AWSSignedRequest: Sendable, Hashable, CustomStringConvertible {
    /// `path?query`, encoded as signed (no `?` when there is no query).
    public var pathAndQuery: String
    /// Every header to send, in order: the request's own plus `Authorization`, `X-Amz-Date` and the others the
    /// signer added.
    public var headers: [AWSHeader]

    public init(pathAndQuery: String, headers: [AWSHeader]) {
        self.pathAndQuery = pathAndQuery
        self.headers = headers
    }

    /// The session token is redacted (the signature and the access key id are not secrets).
    public var description: String {
        let fields = headers.map { header in
            let secret = header.name.lowercased() == "x-amz-security-token"
            return "\(header.name): \(secret ? "<redacted>" : header.value)"
        }
        return "\(pathAndQuery) [\(fields.joined(separator: ", "))]"
    }
}
