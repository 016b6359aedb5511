import AWSCore
import HTTPTransportCore

extension AWSClient {
    /// Signs and sends `request`, retrying as ``AWSRetryPolicy`` and ``AWSRequest/isIdempotent`` allow, and returns
    /// the buffered 2xx response; any other status is thrown as ``AWSError`` with the service's error code.
    /// `deadline` bounds every attempt and backoff together (default: now + ``Configuration/timeout``).
    public func send(_ request: AWSRequest, deadline: ContinuousClock.Instant? = nil) async throws(AWSError)
        -> AWSResponse
    {
        let deadline = deadline ?? configuration.timeout.map { ContinuousClock.now + $0 }
        return try await withRetries(request, deadline: deadline) { (http, deadline) async throws(AWSError) in
            let response: HTTPResponse
            do throws(HTTPError) {
                response = try await transport.execute(http, deadline: deadline)
            } catch {
                throw AWSError.from(error, operation: request.operation)
            }
            guard response.head.isSuccess else {
                throw AWSError.fromResponse(
                    status: response.status, headers: response.headers, body: response.body,
                    operation: request.operation)
            }
            return AWSResponse(status: response.status, headers: response.headers, body: response.body)
        }
    }

    /// Like ``send(_:deadline:)`` but returns at the response headers; the body streams with back-pressure.
    /// Retries happen only before a 2xx head arrives. `deadline`, if given, bounds the whole exchange including
    /// reading the body.
    public func stream(_ request: AWSRequest, deadline: ContinuousClock.Instant? = nil) async throws(AWSError)
        -> AWSStreamingResponse
    {
        try await withRetries(request, deadline: deadline) { (http, deadline) async throws(AWSError) in
            let response: HTTPStreamingResponse
            do throws(HTTPError) {
                response = try await transport.stream(http, deadline: deadline)
            } catch {
                throw AWSError.from(error, operation: request.operation)
            }
            guard response.head.isSuccess else {
                // AWS error documents are small; a truncated one still yields its code from the headers.
                let body = (try? await response.body.collect(upTo: 64 * 1024, truncating: true)) ?? []
                response.body.cancel()
                throw AWSError.fromResponse(
                    status: response.status, headers: response.headers, body: body, operation: request.operation)
            }
            return AWSStreamingResponse(
                status: response.status, headers: response.headers,
                body: AWSByteStream(response.body, operation: request.operation))
        }
    }

    /// Turns `request` into what the transport sends: endpoint joined, signed now (the signer fetches its
    /// credentials per attempt). The URL is built from the path and query the signer returns, so it is exactly
    /// what was signed.
    func prepare(_ request: AWSRequest) async throws(AWSError) -> HTTPRequest {
        let target = request.hostOverride.map { endpoint.withHost($0) } ?? endpoint
        let signable = AWSSigningRequest(
            method: request.method.rawValue, scheme: target.scheme, authority: target.authority,
            path: target.basePath + request.path, queryItems: request.queryItems,
            headers: request.headers.map { AWSHeader($0.name, $0.value) }, payload: payload(for: request),
            signingName: service.signingName, region: region, rules: service == .s3 ? .s3 : .standard,
            date: configuration.clock.now())
        var signed = AWSSignedRequest(pathAndQuery: Self.pathAndQuery(signable), headers: signable.headers)
        if request.isSigned, let signer {
            do {
                signed = try await signer.sign(signable)
            } catch {
                if Task.isCancelled { throw AWSError.cancelled(request.operation) }
                throw AWSError(
                    .credentials, operation: request.operation, "could not sign the request", underlying: error)
            }
        }
        var headers = HTTPHeaders()
        for header in signed.headers { headers.add(name: header.name, value: header.value) }
        // The transport must not repeat a request on its own: a repeat has to be signed again (date, credentials).
        return HTTPRequest(
            method: request.method, url: target.scheme + "://" + target.authority + signed.pathAndQuery,
            headers: headers, body: request.body.httpBody, isIdempotent: false)
    }

    /// What stands for the body in the signature: the signer hashes a bytes body itself.
    private func payload(for request: AWSRequest) -> AWSSigningRequest.Payload {
        switch request.payloadSigning.kind {
        case .unsigned: return .unsigned
        case .emptyHash: return .emptySHA256
        case .sha256:
            switch request.body.storage {
            case .empty: return .emptySHA256
            case .bytes(let bytes): return .sha256(of: bytes)
            case .stream: return .emptySHA256
            }
        }
    }

    /// `path?query` for an unsigned request, encoded as a signer would.
    static func pathAndQuery(_ request: AWSSigningRequest) -> String {
        guard !request.queryItems.isEmpty else { return request.path }
        let query = request.queryItems.map {
            URIEncoding.encodeQueryComponent($0.name) + "=" + URIEncoding.encodeQueryComponent($0.value)
        }
        return request.path + "?" + query.joined(separator: "&")
    }
}
