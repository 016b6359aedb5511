import AWSCore
import CKITPlugin
import Foundation
import KITPluginPairs

/// ``AWSRequestSigner`` over the host's `aws_sign` (ABI 2): the request goes to the host as plain values and comes
/// back signed, so the plugin carries no SigV4 code and no credentials.
struct HostSigner: AWSRequestSigner {
    let host: HostTable

    func sign(_ request: AWSSigningRequest) async throws -> AWSSignedRequest {
        guard let sign = host.table.pointee.aws_sign else {
            throw HostServiceError(
                message: "the host offers no aws_sign (it speaks ABI \(host.table.pointee.abi_version))")
        }
        let table = host.table
        let query = request.queryItems.map { ($0.name, $0.value) }
        let headers = request.headers.map { ($0.name, $0.value) }
        let body = request.payload.bodyToHash ?? []
        let millis = Int64((request.date.timeIntervalSince1970 * 1000).rounded())
        let result: Result<AWSSignedRequest, HostServiceError> = await withCheckedContinuation { continuation in
            let box = Unmanaged.passRetained(SignContinuation(continuation)).toOpaque()
            withCPairs(query) { queryPairs, queryCount in
                withCPairs(headers) { headerPairs, headerCount in
                    withCStrings(
                        request.signingName, request.region, request.method, request.scheme, request.authority,
                        request.path, request.payload.literalText
                    ) { strings in
                        body.withUnsafeBufferPointer { bytes in
                            var wire = kit_aws_request(
                                signing_name: strings[0], region: strings[1], method: strings[2], scheme: strings[3],
                                authority: strings[4], path: strings[5], query: queryPairs, query_count: queryCount,
                                headers: headerPairs, header_count: headerCount, body: bytes.baseAddress,
                                body_length: bytes.count, payload_hash: strings[6],
                                s3_rules: request.rules.isS3 ? 1 : 0, date_epoch_ms: millis)
                            sign(table.pointee.host, &wire, signCompletion, box)
                        }
                    }
                }
            }
        }
        return try result.get()
    }
}

/// The host's raw credentials (`credentials`), which it answers only when granted.
struct HostCredentials {
    let host: HostTable

    func credentials(service: String, region: String) async throws -> Credentials {
        guard let lookup = host.table.pointee.credentials else {
            throw HostServiceError(message: "the host offers no credentials service")
        }
        let table = host.table
        let result: Result<Credentials, HostServiceError> = await withCheckedContinuation { continuation in
            let box = Unmanaged.passRetained(CredentialsContinuation(continuation)).toOpaque()
            service.withCString { service in
                region.withCString { region in lookup(table.pointee.host, service, region, credentialsCompletion, box) }
            }
        }
        return try result.get()
    }
}

/// Lends up to eight optional strings to C at once (`nil` stays NULL), for the duration of `body`.
func withCStrings<Result>(_ strings: String?..., body: ([UnsafePointer<CChar>?]) -> Result) -> Result {
    let copies = strings.map { $0.map { strdup($0) } ?? nil }
    defer { copies.forEach { free($0) } }
    return body(copies.map { $0.map { UnsafePointer($0) } })
}

private final class SignContinuation: Sendable {
    let continuation: CheckedContinuation<Result<AWSSignedRequest, HostServiceError>, Never>
    init(_ continuation: CheckedContinuation<Result<AWSSignedRequest, HostServiceError>, Never>) {
        self.continuation = continuation
    }
}

private let signCompletion:
    @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<kit_aws_signed_request>?, UnsafePointer<CChar>?) -> Void =
        { context, signed, error in
            guard let context else { return }
            let box = Unmanaged<SignContinuation>.fromOpaque(context).takeRetainedValue()
            guard let signed, let pathAndQuery = signed.pointee.path_and_query else {
                let message = error.map { String(cString: $0) } ?? "the host did not sign the request"
                box.continuation.resume(returning: .failure(HostServiceError(message: message)))
                return
            }
            let headers = copyPairs(signed.pointee.headers, count: signed.pointee.header_count)
            box.continuation.resume(
                returning: .success(
                    AWSSignedRequest(
                        pathAndQuery: String(cString: pathAndQuery), headers: headers.map { AWSHeader($0.0, $0.1) })))
        }

private final class CredentialsContinuation: Sendable {
    let continuation: CheckedContinuation<Result<Credentials, HostServiceError>, Never>
    init(_ continuation: CheckedContinuation<Result<Credentials, HostServiceError>, Never>) {
        self.continuation = continuation
    }
}

private let credentialsCompletion:
    @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<kit_credentials>?, UnsafePointer<CChar>?) -> Void = {
        context, credentials, error in
        guard let context else { return }
        let box = Unmanaged<CredentialsContinuation>.fromOpaque(context).takeRetainedValue()
        guard let credentials, let keyID = credentials.pointee.access_key_id,
            let secret = credentials.pointee.secret_access_key
        else {
            box.continuation.resume(
                returning: .failure(
                    HostServiceError(message: error.map { String(cString: $0) } ?? "the host has no credentials")))
            return
        }
        let expiration = credentials.pointee.expiration_epoch_seconds
        box.continuation.resume(
            returning: .success(
                Credentials(
                    accessKeyId: String(cString: keyID), secretAccessKey: String(cString: secret),
                    sessionToken: credentials.pointee.session_token.map { String(cString: $0) },
                    expiration: expiration > 0 ? Date(timeIntervalSince1970: expiration) : nil)))
    }
