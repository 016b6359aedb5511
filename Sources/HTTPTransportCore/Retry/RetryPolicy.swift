/// When and how often a request is repeated: exponential backoff with *full jitter* — retry *n* waits a uniformly
/// random time in `[0, min(maxDelay, baseDelay · 2ⁿ⁻¹)]`, which spreads out clients that failed together (the
/// scheme the AWS SDKs use).
public struct RetryPolicy: Sendable {
    /// Attempts in total, the first included (1 = never retry).
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// Statuses treated as transient: throttling (429) and server errors by default.
    public var retryableStatuses: Set<Int>
    /// Whether another response is throttling all the same: AWS services answer some throttling with 400 and an
    /// error code (`ThrottlingException`, `ProvisionedThroughputExceededException`, …) that only the AWS layer
    /// can read. The body is `nil` for streaming responses, where only the headers are known.
    public var isThrottling: (@Sendable (HTTPResponseHead, [UInt8]?) -> Bool)?

    public init(
        maxAttempts: Int = 3, baseDelay: Duration = .milliseconds(100),
        maxDelay: Duration = .seconds(20),
        retryableStatuses: Set<Int> = RetryPolicy.transientStatuses,
        isThrottling: (@Sendable (HTTPResponseHead, [UInt8]?) -> Bool)? = nil
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.retryableStatuses = retryableStatuses
        self.isThrottling = isThrottling
    }

    public static let transientStatuses: Set<Int> = [429, 500, 502, 503, 504]

    public static let `default` = RetryPolicy()
    public static let never = RetryPolicy(maxAttempts: 1)

    static func isTransientStatus(_ status: Int) -> Bool { transientStatuses.contains(status) }

    /// The longest wait before retry number `retry` (1-based): `min(maxDelay, baseDelay · 2^(retry-1))`.
    public func backoffCeiling(retry: Int) -> Duration {
        let exponent = min(max(retry - 1, 0), 30)
        let ceiling = baseDelay * (1 << exponent)
        return min(ceiling, maxDelay)
    }

    /// Full jitter: `unitRandom` (in `0..<1`) times the ceiling.
    public func delay(retry: Int, unitRandom: Double) -> Duration {
        backoffCeiling(retry: retry) * min(max(unitRandom, 0), 1)
    }

    public func shouldRetry(_ head: HTTPResponseHead, body: [UInt8]?) -> Bool {
        if retryableStatuses.contains(head.status) { return true }
        return isThrottling?(head, body) ?? false
    }

    public func shouldRetry(_ error: HTTPError) -> Bool {
        if error.code == .httpStatus, let response = error.response {
            return shouldRetry(response.head, body: response.body)
        }
        return error.isRetryable
    }
}
