import AWSCore

extension SigV4Signer {
    /// Signs an ``AWSSigningRequest`` (the input of AWSCore's signer protocol) with `credentials` at the request's
    /// date, hashing its body if it carries one. The request names the signing name, region and rules; this
    /// signer contributes its key cache and session-token setting. The answer is the path and query and every
    /// header exactly as signed.
    public func sign(_ request: AWSSigningRequest, credentials: Credentials) -> AWSSignedRequest {
        var signer = self
        signer.service = request.signingName
        signer.region = request.region
        signer.rules = request.rules
        let payload =
            request.payload.bodyToHash.map { PayloadHash.sha256(of: $0) }
            ?? PayloadHash(literal: request.payload.literalText ?? PayloadHash.emptySHA256.value)
        let signable = SigV4Request(
            method: request.method, host: request.authority, path: request.path, queryItems: request.queryItems,
            headers: request.headers, payload: payload)
        let signed = signer.sign(signable, credentials: credentials, date: request.date).request
        return AWSSignedRequest(pathAndQuery: signed.pathAndQuery, headers: signed.headers)
    }
}
