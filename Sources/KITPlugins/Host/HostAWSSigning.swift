import AWSSigV4
import CKITPlugin
import Foundation

/// `aws_sign` (ABI 2): signs a plugin's AWS request with the host's credentials, so plugins carry no crypto and
/// hold no secret. The plugin sends the signed request itself (through `http_send`); a signature carries its time,
/// so each attempt is signed afresh.
let hostAWSSign:
    @convention(c) (
        UnsafeMutableRawPointer?, UnsafePointer<kit_aws_request>?, kit_aws_sign_completion?, UnsafeMutableRawPointer?
    ) -> Void = { host, request, completion, completionContext in
        guard let completion else { return }
        guard let context = PluginHostContext.from(host), let request, let signingName = request.pointee.signing_name,
            let method = request.pointee.method, let authority = request.pointee.authority
        else {
            completion(completionContext, nil, "aws_sign: NULL host, request, signing name, method or authority")
            return
        }
        let fields = request.pointee
        let service = String(cString: signingName)
        let region = fields.region.map { String(cString: $0) } ?? context.services.region
        let body = copyBytes(fields.body, count: fields.body_length)
        let payload: PayloadHash =
            switch fields.payload {
            case Int32(KIT_PAYLOAD_UNSIGNED.rawValue): .unsigned
            case Int32(KIT_PAYLOAD_EMPTY.rawValue): .emptySHA256
            default: .sha256(of: body)
            }
        let signable = SigV4Request(
            method: String(cString: method), host: String(cString: authority),
            path: fields.path.map { String(cString: $0) } ?? "/",
            queryItems: copyPairs(fields.query, count: fields.query_count).map { SigV4Request.QueryItem($0.0, $0.1) },
            headers: copyPairs(fields.headers, count: fields.header_count).map { SigV4Request.Header($0.0, $0.1) },
            payload: payload)
        let callback = CCallback(function: completion, context: completionContext)
        guard let provider = context.services.credentials(service, region) else {
            completion(completionContext, nil, "the host has no AWS credentials for \(service) in \(region)")
            return
        }
        // Asynchronous by contract (credentials may need fetching): the signing runs in its own task that ends in
        // the plugin's callback, exactly once. There is nothing structured to attach it to — the caller is C.
        Task {
            let signed: SigV4Request
            do {
                let credentials = try await provider.credentials()
                let signer = SigV4Signer(service: service, region: region, rules: service == "s3" ? .s3 : .standard)
                signed = signer.sign(signable, credentials: credentials, date: Date()).request
            } catch {
                callback.function(callback.context, nil, "signing for \(service): credentials: \(error)")
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
