import AWSCore
import Foundation
import HTTPTransportCore

/// SageMaker Runtime `InvokeEndpoint` (REST-JSON with a blob payload, SigV4 service `sagemaker`, host
/// `runtime.sagemaker.{region}.amazonaws.com`). Invocations are treated as reads and retried after 5xx and
/// throttling; `ModelError` (424) and `ValidationError` (400) are not retried — read the former with
/// ``SageMakerModelError``.
public struct SageMakerRuntimeClient: AWSServiceClient {
    public static let service = AWSService.sageMakerRuntime
    public let client: AWSClient

    public init(client: AWSClient) {
        self.client = client
    }

    public func invokeEndpoint(_ input: InvokeEndpointInput, deadline: ContinuousClock.Instant? = nil)
        async throws(AWSError) -> InvokeEndpointOutput
    {
        let operation = "SageMakerRuntime.InvokeEndpoint"
        guard input.body.count <= InvokeEndpointInput.maxBodyBytes else {
            throw AWSError(
                .invalidRequest, operation: operation,
                "body is \(input.body.count) bytes, more than \(InvokeEndpointInput.maxBodyBytes)")
        }
        let request = AWSRequest(
            operation: operation, method: .post,
            path: "/endpoints/\(URIEncoding.encodePathSegment(input.endpointName))/invocations",
            headers: input.headers, body: .bytes(input.body), isIdempotent: true)
        return InvokeEndpointOutput(try await client.send(request, deadline: deadline))
    }
}

/// A model server that follows the SageMaker container contract (`POST /invocations`, `GET /ping`, port 8080
/// by default) reached directly, unsigned: a self-hosted or local model with the same request and response shape
/// as ``SageMakerRuntimeClient``.
public struct ContainerModelClient: Sendable {
    public let client: AWSClient

    /// `baseURL` is the server's root, e.g. `http://127.0.0.1:8080`.
    public init(baseURL: String, transport: any HTTPExecuting, configuration: AWSClient.Configuration = .init())
        throws(AWSError)
    {
        client = AWSClient(
            service: .sageMakerRuntime, region: "local", endpoint: try AWSEndpoint(url: baseURL),
            signer: nil, transport: transport, configuration: configuration)
    }

    /// `POST /invocations` with the input's body and headers (its endpoint name is not used).
    public func invoke(_ input: InvokeEndpointInput, deadline: ContinuousClock.Instant? = nil) async throws(AWSError)
        -> InvokeEndpointOutput
    {
        let request = AWSRequest(
            operation: "Container.Invocations", method: .post, path: "/invocations", headers: input.headers,
            body: .bytes(input.body), isIdempotent: true, isSigned: false)
        return InvokeEndpointOutput(try await client.send(request, deadline: deadline))
    }

    /// `GET /ping`: whether the container says it is healthy (2xx).
    public func ping(deadline: ContinuousClock.Instant? = nil) async -> Bool {
        let request = AWSRequest(
            operation: "Container.Ping", method: .get, path: "/ping", isIdempotent: true, isSigned: false)
        return (try? await client.send(request, deadline: deadline)) != nil
    }
}
