/// Something that sends ``HTTPRequest``s: HTTPTransport's libcurl `HTTPClient`, the plugin SDK's transport over the
/// host-services table, the ``RetryingHTTPClient`` wrapper, or an in-memory fake in tests. Layers above (signing,
/// AWS error parsing) depend on this, not on libcurl.
public protocol HTTPExecuting: Sendable {
    /// Sends `request` and buffers the whole response. `deadline` bounds the entire call.
    func execute(_ request: HTTPRequest, deadline: ContinuousClock.Instant?) async throws(HTTPError)
        -> HTTPResponse

    /// Sends `request` and returns once the response headers arrive; the body streams with back-pressure.
    /// `deadline`, if given, bounds the entire exchange including reading the body.
    func stream(_ request: HTTPRequest, deadline: ContinuousClock.Instant?) async throws(HTTPError)
        -> HTTPStreamingResponse
}

extension HTTPExecuting {
    public func execute(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse {
        try await execute(request, deadline: nil)
    }

    public func stream(_ request: HTTPRequest) async throws(HTTPError) -> HTTPStreamingResponse {
        try await stream(request, deadline: nil)
    }
}
