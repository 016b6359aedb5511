import Logging

/// Repeats requests that failed transiently (``RetryPolicy``), in front of any ``HTTPExecuting``.
///
/// A request is repeated only if it is idempotent (or marked so via ``HTTPRequest/isIdempotent``) and its body
/// is replayable: a streaming body is never sent twice. It stops on task cancellation and never sleeps past the
/// call's deadline: when the next backoff would end after it, the last outcome is returned as is. When attempts
/// run out on a retryable *status*, the last response is returned (not thrown), so the AWS layer can parse it.
/// The random source and the sleep are injected, so tests run without waiting.
public struct RetryingHTTPClient<Base: HTTPExecuting>: HTTPExecuting {
    public let base: Base
    public let policy: RetryPolicy
    private let logger: Logger
    private let unitRandom: @Sendable () -> Double
    private let sleep: @Sendable (Duration) async throws -> Void

    public init(
        base: Base, policy: RetryPolicy = .default, logger: Logger = Logger(label: "kit.http.retry"),
        unitRandom: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.base = base
        self.policy = policy
        self.logger = logger
        self.unitRandom = unitRandom
        self.sleep = sleep
    }

    public func execute(_ request: HTTPRequest, deadline: ContinuousClock.Instant? = nil)
        async throws(HTTPError)
        -> HTTPResponse
    {
        try await withRetries(
            request, deadline: deadline,
            operation: { () async throws(HTTPError) in try await base.execute(request, deadline: deadline)
            },
            retryResponse: { policy.shouldRetry($0.head, body: $0.body) },
            discard: { _ in })
    }

    /// Retries only until a response is returned: once the caller has the body, errors while reading it are
    /// theirs to handle.
    public func stream(_ request: HTTPRequest, deadline: ContinuousClock.Instant? = nil)
        async throws(HTTPError)
        -> HTTPStreamingResponse
    {
        try await withRetries(
            request, deadline: deadline,
            operation: { () async throws(HTTPError) in try await base.stream(request, deadline: deadline)
            },
            retryResponse: { policy.shouldRetry($0.head, body: nil) },
            discard: { $0.body.cancel() })
    }

    private func withRetries<Response>(
        _ request: HTTPRequest, deadline: ContinuousClock.Instant?,
        operation: () async throws(HTTPError) -> Response,
        retryResponse: (Response) -> Bool,
        discard: (Response) -> Void
    ) async throws(HTTPError) -> Response {
        let replayable = request.isIdempotent && request.body.isReplayable
        var attempt = 1
        while true {
            if Task.isCancelled { throw .cancelled("request task cancelled") }
            let outcome: Result<Response, HTTPError>
            do {
                outcome = .success(try await operation())
            } catch {
                outcome = .failure(error)
            }
            let wantsRetry: Bool
            switch outcome {
            case .success(let response): wantsRetry = retryResponse(response)
            case .failure(let error): wantsRetry = policy.shouldRetry(error)
            }
            guard wantsRetry, replayable, attempt < policy.maxAttempts else { return try outcome.get() }
            let delay = policy.delay(retry: attempt, unitRandom: unitRandom())
            if let deadline, ContinuousClock.now + delay >= deadline { return try outcome.get() }
            if case .success(let response) = outcome { discard(response) }
            logger.debug(
                "retrying request",
                metadata: [
                    "url": "\(request.url)", "attempt": "\(attempt + 1)", "delay": "\(delay)",
                    "cause": "\(Self.describe(outcome))",
                ])
            do {
                try await sleep(delay)
            } catch {
                throw .cancelled("cancelled during retry backoff")
            }
            attempt += 1
        }
    }

    private static func describe<Response>(_ outcome: Result<Response, HTTPError>) -> String {
        switch outcome {
        case .success: return "retryable status"
        case .failure(let error): return "\(error)"
        }
    }
}
