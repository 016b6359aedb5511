import AWSCore
import HTTPTransportCore
import Logging

extension AWSClient {
    /// Runs `attempt` until it succeeds, the error is not worth repeating, attempts run out, or the next backoff
    /// would end past `deadline`. Each attempt is prepared (signed) afresh.
    func withRetries<Result>(
        _ request: AWSRequest, deadline: ContinuousClock.Instant?,
        attempt send: (HTTPRequest, ContinuousClock.Instant?) async throws(AWSError) -> Result
    ) async throws(AWSError) -> Result {
        let policy = configuration.retry
        var attempt = 1
        var renewedCredentials = false
        while true {
            if Task.isCancelled { throw AWSError.cancelled(request.operation) }
            if let deadline, ContinuousClock.now >= deadline {
                throw AWSError(.timedOut, operation: request.operation, "deadline passed before attempt \(attempt)")
            }
            let failure: AWSError
            do {
                let http = try await prepare(request)
                return try await send(http, deadline)
            } catch {
                failure = error
            }
            if Task.isCancelled { throw AWSError.cancelled(request.operation) }

            // Temporary credentials that expired under us: have the signer renew them once and repeat at once
            // (the service rejected the request before acting on it).
            if !renewedCredentials, failure.code == .service,
                let code = failure.serviceCode, AWSErrorClassification.expiredCredentialCodes.contains(code),
                request.body.isReplayable, request.isSigned, let signer
            {
                renewedCredentials = true
                logger.debug(
                    "credentials expired, renewing", metadata: ["operation": "\(request.operation)"])
                if await signer.renewExpiredCredentials() { continue }
            }

            guard attempt < policy.maxAttempts, Self.mayRetry(request, after: failure) else { throw failure }
            let delay = policy.delay(retry: attempt)
            if let deadline, ContinuousClock.now + delay >= deadline { throw failure }
            logger.debug(
                "retrying AWS call",
                metadata: [
                    "operation": "\(request.operation)", "attempt": "\(attempt + 1)", "delay": "\(delay)",
                    "cause": "\(failure.serviceCode ?? failure.code.description)",
                ])
            do {
                try await policy.sleep(delay)
            } catch {
                throw AWSError.cancelled(request.operation)
            }
            attempt += 1
        }
    }

    /// A retryable failure is repeated when the request is idempotent, or when the service certainly did not act
    /// on it (throttled, or the connection never opened) — and never when its body was a consumed stream.
    static func mayRetry(_ request: AWSRequest, after error: AWSError) -> Bool {
        guard error.isRetryable, request.body.isReplayable else { return false }
        if request.isIdempotent || error.isThrottling { return true }
        if let transport = error.underlying as? HTTPError {
            return transport.code == .connectFailed || transport.code == .resolveFailed
        }
        return false
    }
}
