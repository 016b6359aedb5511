import AWSCore
import AWSSigning
import CKITPlugin
import Foundation
import KITPluginPairs

/// `aws_sign` (ABI 2): signs a plugin's AWS request with the host's credentials (AWSSigning's SigV4 signer over
/// the host's credential chain), so plugins carry no crypto and hold no secret. The plugin sends the signed request
/// itself (through `http_send`); a signature carries its time, so each attempt is signed afresh.
let hostAWSSign:
    @convention(c) (
        UnsafeMutableRawPointer?, UnsafePointer<kit_aws_request>?, kit_aws_sign_completion?, UnsafeMutableRawPointer?
    ) -> Void = { host, request, completion, completionContext in
        guard let completion else { return }
        guard let context = PluginHostContext.from(host), let request else {
            completion(completionContext, nil, "aws_sign: NULL host or request")
            return
        }
        guard let signingRequest = AWSSigningRequest(request.pointee, defaultRegion: context.services.region) else {
            completion(completionContext, nil, "aws_sign: the request lacks a signing name, method or authority")
            return
        }
        guard let provider = context.services.credentials(signingRequest.signingName, signingRequest.region) else {
            completion(
                completionContext, nil,
                "the host has no AWS credentials for \(signingRequest.signingName) in \(signingRequest.region)")
            return
        }
        let callback = CCallback(function: completion, context: completionContext)
        // Asynchronous by contract (credentials may need fetching): the signing runs in its own task that ends in
        // the plugin's callback, exactly once. There is nothing structured to attach it to — the caller is C.
        Task {
            let signed: AWSSignedRequest
            do {
                signed = try await SigV4RequestSigner(credentialProvider: provider).sign(signingRequest)
            } catch {
                callback.function(callback.context, nil, "signing for \(signingRequest.signingName): \(error)")
                return
            }
            withCPairs(signed.headers.map { ($0.name, $0.value) }) { pairs, count in
                signed.pathAndQuery.withCString { pathAndQuery in
                    var answer = kit_aws_signed_request(
                        path_and_query: pathAndQuery, headers: pairs, header_count: count)
                    callback.function(callback.context, &answer, nil)
                }
            }
        }
    }

extension AWSSigningRequest {
    /// The borrowed C request as Swift values (ABI rule 1: copied before the call returns).
    init?(_ fields: kit_aws_request, defaultRegion: String) {
        guard let signingName = fields.signing_name, let method = fields.method, let authority = fields.authority
        else { return nil }
        let body = copyBytes(fields.body, count: fields.body_length)
        let millis = fields.date_epoch_ms
        self.init(
            method: String(cString: method), scheme: fields.scheme.map { String(cString: $0) } ?? "https",
            authority: String(cString: authority), path: fields.path.map { String(cString: $0) } ?? "/",
            queryItems: copyPairs(fields.query, count: fields.query_count).map { AWSQueryItem($0.0, $0.1) },
            headers: copyPairs(fields.headers, count: fields.header_count).map { AWSHeader($0.0, $0.1) },
            payload: fields.payload_hash.map { .literal(String(cString: $0)) } ?? .sha256(of: body),
            signingName: String(cString: signingName),
            region: fields.region.map { String(cString: $0) } ?? defaultRegion,
            rules: fields.s3_rules != 0 ? .s3 : .standard,
            date: millis > 0 ? Date(timeIntervalSince1970: Double(millis) / 1000) : Date())
    }
}
