/// Exponential backoff with full jitter, the one retry schedule of the project: retry *n* (1-based) waits a
/// uniformly random time in `[0, min(maximum, base · 2ⁿ⁻¹))` — the scheme the AWS SDKs use, which spreads out
/// clients that failed together instead of having them retry in step.
///
/// The random source is injected so tests are deterministic; ``sleep(retry:)`` throws on cancellation, so a
/// retry loop ends promptly when its task does.
public struct Backoff: Sendable {
    public var base: Duration
    public var maximum: Duration
    /// A number in `0..<1`.
    public var unitRandom: @Sendable () -> Double

    public init(
        base: Duration, maximum: Duration,
        unitRandom: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.base = max(base, .zero)
        self.maximum = max(maximum, .zero)
        self.unitRandom = unitRandom
    }

    /// The longest wait before retry `retry`: `min(maximum, base · 2^(retry-1))`.
    public func ceiling(retry: Int) -> Duration {
        let exponent = min(max(retry - 1, 0), 30)
        return min(base * (1 << exponent), maximum)
    }

    /// A full-jitter wait before retry `retry`.
    public func delay(retry: Int) -> Duration {
        ceiling(retry: retry) * min(max(unitRandom(), 0), 1)
    }

    /// Sleeps ``delay(retry:)``; throws `CancellationError` when the task is cancelled meanwhile.
    public func sleep(retry: Int) async throws {
        try await Task.sleep(for: delay(retry: retry))
    }
}
