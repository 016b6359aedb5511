import HTTPTransportCore

/// Every failure an AWS call reports: a `Sendable` struct with an opaque ``Code`` (adding a kind of failure breaks
/// no caller's `switch`), the service's own error code kept as it arrived, and the request id AWS support asks for.
///
/// Messages never contain credentials, signatures or request bodies: they are built from the operation name, the
/// HTTP status and the service's error document only.
public struct AWSError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. Compare with the static values (`error.code == .service`).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Hashable, Sendable {
            case service, transport, timedOut, cancelled, credentials, configuration, invalidRequest
            case invalidResponse
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The service answered with an error status; ``AWSError/serviceCode`` says which error.
        public static let service = Code(.service)
        /// The request did not complete: connection refused or lost, DNS, TLS (``AWSError/underlying`` has the
        /// transport's error).
        public static let transport = Code(.transport)
        /// The call's deadline (or the transport's idle timeout) passed.
        public static let timedOut = Code(.timedOut)
        /// The calling task was cancelled, or the response body was dropped.
        public static let cancelled = Code(.cancelled)
        /// No credentials could be obtained (``AWSError/underlying`` has the provider's error).
        public static let credentials = Code(.credentials)
        /// The client is misconfigured: no region, an unusable endpoint URL.
        public static let configuration = Code(.configuration)
        /// The input cannot be sent (it breaks a documented limit, or does not encode).
        public static let invalidRequest = Code(.invalidRequest)
        /// The service answered with a success status but a body this client cannot read.
        public static let invalidResponse = Code(.invalidResponse)

        public var description: String { value.rawValue }
    }

    public var code: Code
    /// `DynamoDB.PutItem`, `S3.GetObject`, …
    public var operation: String
    public var message: String
    /// The service's error code, e.g. `ConditionalCheckFailedException`, `NoSuchKey`, `ModelError`: the
    /// `__type` / `x-amzn-ErrorType` / `<Code>` value with botocore's normalisation (the part after a `#`
    /// namespace, before a `:` suffix). `nil` when the failure is not the service's answer.
    public var serviceCode: String?
    /// The HTTP status, when a response arrived.
    public var status: Int?
    /// `x-amzn-RequestId` / `x-amz-request-id` (or the error document's `RequestId`).
    public var requestId: String?
    /// Other top-level fields of a JSON error document, as text (SageMaker's `ModelError` carries
    /// `OriginalStatusCode`, `OriginalMessage` and `LogStreamArn` here).
    public var details: [String: String]
    /// Whether sending the same request again could succeed: throttling, 5xx, 429, transient network failures.
    /// Whether it *may* be sent again is decided per request (see ``AWSRequest/isIdempotent``).
    public var isRetryable: Bool
    public var underlying: (any Error)?

    public init(
        _ code: Code, operation: String, _ message: String, serviceCode: String? = nil, status: Int? = nil,
        requestId: String? = nil, details: [String: String] = [:], isRetryable: Bool = false,
        underlying: (any Error)? = nil
    ) {
        self.code = code
        self.operation = operation
        self.message = message
        self.serviceCode = serviceCode
        self.status = status
        self.requestId = requestId
        self.details = details
        self.isRetryable = isRetryable
        self.underlying = underlying
    }

    public var description: String {
        var text = "AWSError(\(code), \(operation)"
        if let serviceCode { text += ", \(serviceCode)" }
        if let status { text += ", HTTP \(status)" }
        text += "): \(message)"
        if let requestId { text += " [request id \(requestId)]" }
        if let underlying { text += " — \(underlying)" }
        return text
    }
}

extension AWSError {
    /// `true` for the service error `code` (`error.hasServiceCode("ResourceNotFoundException")`).
    public func hasServiceCode(_ code: String) -> Bool { serviceCode == code }

    /// DynamoDB's answer to a write whose `ConditionExpression` did not hold: another writer won.
    public var isConditionalCheckFailed: Bool { serviceCode == "ConditionalCheckFailedException" }

    /// The resource does not exist (`ResourceNotFoundException`, `NoSuchKey`, `NoSuchBucket`, or a bare 404).
    public var isNotFound: Bool {
        guard code == .service else { return false }
        return status == 404
            || ["ResourceNotFoundException", "NoSuchKey", "NoSuchBucket", "NotFound"].contains(serviceCode ?? "")
    }

    /// The service refused the call because of request rate (`ThrottlingException`,
    /// `ProvisionedThroughputExceededException`, `ClientLimitExceededException`, `SlowDown`, HTTP 429, …).
    public var isThrottling: Bool {
        guard code == .service else { return false }
        return status == 429 || serviceCode.map(AWSErrorClassification.isThrottling) ?? false
    }

    static func from(_ error: HTTPError, operation: String) -> AWSError {
        let code: Code
        switch error.code {
        case .timedOut: code = .timedOut
        case .cancelled: code = .cancelled
        case .invalidRequest: code = .invalidRequest
        default: code = .transport
        }
        return AWSError(
            code, operation: operation, error.message, status: error.status,
            isRetryable: error.isRetryable, underlying: error)
    }

    static func cancelled(_ operation: String) -> AWSError {
        AWSError(.cancelled, operation: operation, "the calling task was cancelled")
    }
}
