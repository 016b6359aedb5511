/// How often, and how patiently, a failed call is repeated: exponential backoff with full jitter — retry *n* waits a
/// uniformly random time in `[0, min(maxDelay, baseDelay · 2ⁿ⁻¹)]` (the AWS SDKs' scheme), never past the call's
/// deadline. Which failures qualify is decided per error and per request (``AWSError/isRetryable``,
/// ``AWSRequest/isIdempotent``).
public struct AWSRetryPolicy: Sendable {
    /// Attempts in total, the first included (1 = never retry).
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// A number in `0..<1`; injected so tests are deterministic.
    public var unitRandom: @Sendable () -> Double
    /// Waits between attempts; injected so tests need not wait. Throws on cancellation.
    public var sleep: @Sendable (Duration) async throws -> Void

    public init(
        maxAttempts: Int = 3, baseDelay: Duration = .milliseconds(100), maxDelay: Duration = .seconds(20),
        unitRandom: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.unitRandom = unitRandom
        self.sleep = sleep
    }

    public static let `default` = AWSRetryPolicy()
    public static let never = AWSRetryPolicy(maxAttempts: 1)

    /// The longest wait before retry number `retry` (1-based).
    public func backoffCeiling(retry: Int) -> Duration {
        let exponent = min(max(retry - 1, 0), 30)
        return min(baseDelay * (1 << exponent), maxDelay)
    }

    /// A full-jitter delay for retry number `retry`.
    public func delay(retry: Int) -> Duration {
        backoffCeiling(retry: retry) * min(max(unitRandom(), 0), 1)
    }
}
