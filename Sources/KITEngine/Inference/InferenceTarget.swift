import AWSClients
import Foundation

/// Where sampled frames are sent: a SageMaker endpoint (`InvokeEndpoint`, SigV4) or any server that speaks the
/// SageMaker container contract (`POST /invocations`).
public protocol InferenceTarget: Sendable {
    /// A name for logs and metrics (the endpoint name or the URL).
    var name: String { get }
    /// One call, no retries (the scheduler retries); throws the ``AWSError`` with the body of the endpoint's error
    /// answer, when there was one.
    func invoke(body: [UInt8], contentType: String, deadline: ContinuousClock.Instant) async throws(EndpointError)
        -> InferenceResponse
}

public struct InferenceResponse: Sendable, Equatable {
    public var body: [UInt8]
    public var contentType: String?
    public init(body: [UInt8], contentType: String?) {
        self.body = body
        self.contentType = contentType
    }
}

/// `InvokeEndpoint` on a SageMaker endpoint.
public struct SageMakerEndpointTarget: InferenceTarget {
    public let endpointName: String
    let client: SageMakerRuntimeClient
    public var name: String { endpointName }

    /// `client` should not retry by itself (``AWSRetryPolicy/never``): the scheduler owns retries and timeouts.
    public init(endpointName: String, client: SageMakerRuntimeClient) {
        self.endpointName = endpointName
        self.client = SageMakerRuntimeClient(client: client.client.keepingErrorBodies())
    }

    public func invoke(body: [UInt8], contentType: String, deadline: ContinuousClock.Instant)
        async throws(EndpointError) -> InferenceResponse
    {
        let input = InvokeEndpointInput(endpointName: endpointName, body: body, contentType: contentType)
        let output = try await EndpointCall.run { () async throws(AWSError) in
            try await client.invokeEndpoint(input, deadline: deadline)
        }
        return InferenceResponse(body: output.body, contentType: output.contentType)
    }
}

/// `POST {url}/invocations` on a server following the SageMaker container contract.
public struct ContainerEndpointTarget: InferenceTarget {
    public let url: String
    let client: ContainerModelClient
    public var name: String { url }

    /// `client` should not retry by itself (``AWSRetryPolicy/never``): the scheduler owns retries and timeouts.
    public init(url: String, client: ContainerModelClient) {
        self.url = url
        let inner = client.client
        // The same server, settings and transport, through a transport that keeps error bodies (the client's own
        // endpoint parsed once already, so this cannot fail; if it did, errors would just come without bodies).
        self.client =
            (try? ContainerModelClient(
                baseURL: inner.endpoint.description, transport: ErrorBodyKeepingTransport(base: inner.transport),
                configuration: inner.configuration)) ?? client
    }

    public func invoke(body: [UInt8], contentType: String, deadline: ContinuousClock.Instant)
        async throws(EndpointError) -> InferenceResponse
    {
        let input = InvokeEndpointInput(endpointName: "", body: body, contentType: contentType)
        let output = try await EndpointCall.run { () async throws(AWSError) in
            try await client.invoke(input, deadline: deadline)
        }
        return InferenceResponse(body: output.body, contentType: output.contentType)
    }
}
