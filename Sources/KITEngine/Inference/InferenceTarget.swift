import AWSClients
import Foundation

/// Where sampled frames are sent: a SageMaker endpoint (`InvokeEndpoint`, SigV4) or any server that speaks the
/// SageMaker container contract (`POST /invocations`).
public protocol InferenceTarget: Sendable {
    /// A name for logs and metrics (the endpoint name or the URL).
    var name: String { get }
    /// One call, no retries (the scheduler retries); throws ``AWSError``.
    func invoke(body: [UInt8], contentType: String, deadline: ContinuousClock.Instant) async throws(AWSError)
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
        self.client = client
    }

    public func invoke(body: [UInt8], contentType: String, deadline: ContinuousClock.Instant) async throws(AWSError)
        -> InferenceResponse
    {
        let output = try await client.invokeEndpoint(
            InvokeEndpointInput(endpointName: endpointName, body: body, contentType: contentType), deadline: deadline)
        return InferenceResponse(body: output.body, contentType: output.contentType)
    }
}

/// `POST {url}/invocations` on a server following the SageMaker container contract.
public struct ContainerEndpointTarget: InferenceTarget {
    public let url: String
    let client: ContainerModelClient
    public var name: String { url }

    public init(url: String, client: ContainerModelClient) {
        self.url = url
        self.client = client
    }

    public func invoke(body: [UInt8], contentType: String, deadline: ContinuousClock.Instant) async throws(AWSError)
        -> InferenceResponse
    {
        let output = try await client.invoke(
            InvokeEndpointInput(endpointName: "", body: body, contentType: contentType), deadline: deadline)
        return InferenceResponse(body: output.body, contentType: output.contentType)
    }
}
