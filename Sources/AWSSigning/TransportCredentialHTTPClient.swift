import AWSCore
import AWSSigV4
import Foundation
import HTTPTransportCore

/// Lets AWSSigV4's credential providers (STS web identity, the container endpoint, instance metadata) make their
/// HTTP calls through the project's transport, so credential traffic shares its TLS setup and connection pool.
public struct TransportCredentialHTTPClient: CredentialHTTPClient {
    public let transport: any HTTPExecuting

    public init(transport: any HTTPExecuting) {
        self.transport = transport
    }

    /// Any HTTP status comes back as a response; only transport failures throw (``HTTPError``).
    public func send(_ request: CredentialHTTPRequest) async throws -> CredentialHTTPResponse {
        var headers = HTTPHeaders()
        for header in request.headers { headers.add(name: header.name, value: header.value) }
        let http = HTTPRequest(
            method: HTTPMethod(rawValue: request.method), url: request.url, headers: headers,
            body: request.body.isEmpty ? .none : .bytes(request.body), isIdempotent: false)
        let response = try await transport.execute(http, deadline: ContinuousClock.now + request.timeout)
        return CredentialHTTPResponse(status: response.status, body: response.body)
    }
}

extension RefreshingCredentialProvider {
    /// The standard credential chain (environment, profile, web identity, container, instance metadata) making its
    /// HTTP calls through `transport`, cached and renewed ahead of expiry: what a long-running host should sign
    /// with.
    public static func standard(
        transport: any HTTPExecuting, environment: [String: String] = ProcessInfo.processInfo.environment,
        clock: any WallClock = SystemWallClock()
    ) -> RefreshingCredentialProvider {
        standard(
            environment: environment, httpClient: TransportCredentialHTTPClient(transport: transport), clock: clock)
    }
}
