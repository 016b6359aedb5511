import AWSCore
import AWSSigV4

/// The host's ``AWSRequestSigner``: Signature Version 4 (AWSSigV4) with credentials fetched from `credentialProvider`
/// for every request, so a ``RefreshingCredentialProvider`` renews them under long sessions. Derived signing keys are
/// cached per signer (and shared by its copies).
public struct SigV4RequestSigner: AWSRequestSigner {
    public let credentialProvider: any CredentialProvider
    public let keyCache: SigningKeyCache?

    public init(credentialProvider: any CredentialProvider, keyCache: SigningKeyCache? = SigningKeyCache()) {
        self.credentialProvider = credentialProvider
        self.keyCache = keyCache
    }

    public func sign(_ request: AWSSigningRequest) async throws -> AWSSignedRequest {
        let credentials = try await credentialProvider.credentials()
        // Service, region and rules come with each request; the key cache is the signer's own.
        let signer = SigV4Signer(
            service: request.signingName, region: request.region, rules: request.rules, keyCache: keyCache)
        return signer.sign(request, credentials: credentials)
    }

    /// A ``RefreshingCredentialProvider`` drops its cached credentials (the next signature fetches new ones); any
    /// other provider has nothing to renew.
    public func renewExpiredCredentials() async -> Bool {
        guard let refreshing = credentialProvider as? RefreshingCredentialProvider else { return false }
        await refreshing.invalidate()
        return true
    }
}
