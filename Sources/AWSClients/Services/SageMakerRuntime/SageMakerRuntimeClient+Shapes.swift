import HTTPTransportCore

public struct InvokeEndpointInput: Sendable, Hashable {
    public var endpointName: String
    /// Up to 6 MB.
    public var body: [UInt8]
    /// `image/jpeg`, `image/png`, `application/json`, …
    public var contentType: String?
    public var accept: String?
    public var customAttributes: String?
    public var targetVariant: String?
    public var targetModel: String?
    public var inferenceId: String?

    public init(
        endpointName: String, body: [UInt8], contentType: String? = nil, accept: String? = nil,
        customAttributes: String? = nil, targetVariant: String? = nil, targetModel: String? = nil,
        inferenceId: String? = nil
    ) {
        self.endpointName = endpointName
        self.body = body
        self.contentType = contentType
        self.accept = accept
        self.customAttributes = customAttributes
        self.targetVariant = targetVariant
        self.targetModel = targetModel
        self.inferenceId = inferenceId
    }

    static let maxBodyBytes = 6 * 1024 * 1024

    /// The request headers the model defines (`Content-Type`, `Accept`, `X-Amzn-SageMaker-*`).
    var headers: HTTPHeaders {
        var headers: HTTPHeaders = [:]
        if let contentType { headers.add(name: "Content-Type", value: contentType) }
        if let accept { headers.add(name: "Accept", value: accept) }
        if let customAttributes { headers.add(name: "X-Amzn-SageMaker-Custom-Attributes", value: customAttributes) }
        if let targetModel { headers.add(name: "X-Amzn-SageMaker-Target-Model", value: targetModel) }
        if let targetVariant { headers.add(name: "X-Amzn-SageMaker-Target-Variant", value: targetVariant) }
        if let inferenceId { headers.add(name: "X-Amzn-SageMaker-Inference-Id", value: inferenceId) }
        return headers
    }
}

public struct InvokeEndpointOutput: Sendable, Equatable {
    /// The model's response, byte for byte.
    public var body: [UInt8]
    /// Every response header, as received.
    public var headers: HTTPHeaders
    public var contentType: String?
    public var invokedProductionVariant: String?
    public var customAttributes: String?
    public var requestId: String?

    init(_ response: AWSResponse) {
        body = response.body
        headers = response.headers
        contentType = response.headers["Content-Type"]
        invokedProductionVariant = response.headers["x-Amzn-Invoked-Production-Variant"]
        customAttributes = response.headers["X-Amzn-SageMaker-Custom-Attributes"]
        requestId = response.requestId
    }
}

/// What a `ModelError` (HTTP 424: the model container answered with an error) says about the container's answer.
public struct SageMakerModelError: Sendable, Hashable {
    /// The status the container returned.
    public var originalStatusCode: Int?
    /// The body the container returned.
    public var originalMessage: String?
    /// Where the container's logs are, in CloudWatch Logs.
    public var logStreamArn: String?
    public var message: String

    /// `nil` unless `error` is a `ModelError`.
    public init?(_ error: AWSError) {
        guard error.serviceCode == "ModelError" else { return nil }
        originalStatusCode = error.details["OriginalStatusCode"].flatMap { Int($0) }
        originalMessage = error.details["OriginalMessage"]
        logStreamArn = error.details["LogStreamArn"]
        message = error.message
    }
}
