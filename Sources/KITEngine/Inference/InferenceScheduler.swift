import AWSClients
import Foundation
import KITAsync
import Logging
import Metrics

/// KIT's inference executor, bounded twice: at most `queueSize` frames waiting or in flight across all streams
/// (`sageMakerTaskQueueSize`; a frame holds its slot from before it is decoded until its result is out) and at most
/// `concurrency` calls at once (`sageMakerTaskThreadPoolSize`). Each attempt gets `timeout`
/// (`sageMakerTaskTimeoutInMilli`); throttling, 5xx, timeouts and transport failures are retried with full-jitter
/// backoff up to `maxAttempts`, other errors (400 validation, 424 model error) are final at once.
public final class InferenceScheduler: Sendable {
    public struct Configuration: Sendable {
        public var queueSize: Int
        public var concurrency: Int
        public var timeout: Duration
        public var maxAttempts: Int
        public var baseDelay: Duration
        public var maxDelay: Duration
        public var contentType: String

        public init(
            queueSize: Int = 5000, concurrency: Int = 20, timeout: Duration = .seconds(20), maxAttempts: Int = 8,
            baseDelay: Duration = .milliseconds(100), maxDelay: Duration = .seconds(5),
            contentType: String = "image/jpeg"
        ) {
            self.queueSize = queueSize
            self.concurrency = concurrency
            self.timeout = timeout
            self.maxAttempts = maxAttempts
            self.baseDelay = baseDelay
            self.maxDelay = maxDelay
            self.contentType = contentType
        }
    }

    public let configuration: Configuration
    public let target: any InferenceTarget
    private let slots: AsyncSemaphore
    private let calls: AsyncSemaphore
    private let logger: Logger

    public init(target: any InferenceTarget, configuration: Configuration, logger: Logger) {
        self.target = target
        self.configuration = configuration
        self.logger = logger
        slots = AsyncSemaphore(permits: configuration.queueSize)
        calls = AsyncSemaphore(permits: configuration.concurrency)
    }

    /// Frames queued or in flight.
    public var backlog: Int { slots.inUse }

    /// A queue slot if one is free now (the skip-when-behind path).
    func tryReserve() -> Bool { slots.tryAcquire() }
    /// Waits for a queue slot (the back-pressure path).
    func reserve() async throws { try await slots.acquire() }
    func unreserve() { slots.release() }

    /// Runs one reserved frame's inference to its end (success or final failure) and frees its slot.
    func infer(_ image: [UInt8], dimensions: [(String, String)]) async -> InferenceOutcome {
        defer { slots.release() }
        var attempt = 0
        var lastError: AWSError?
        let started = ContinuousClock.now
        while attempt < configuration.maxAttempts {
            attempt += 1
            do {
                try await calls.acquire()
            } catch {
                return InferenceOutcome(
                    response: nil, error: "cancelled", attempts: attempt - 1, latency: .zero, cancelled: true)
            }
            let callStart = ContinuousClock.now
            let result: Result<InferenceResponse, AWSError>
            do {
                let response = try await target.invoke(
                    body: image, contentType: configuration.contentType,
                    deadline: callStart.advanced(by: configuration.timeout))
                result = .success(response)
            } catch {
                result = .failure(error)
            }
            calls.release()
            let latency = callStart.duration(to: .now)
            Counter(label: MetricName.endpointCalls, dimensions: dimensions).increment()
            Timer(label: MetricName.endpointLatency, dimensions: dimensions).recordNanoseconds(latency.nanoseconds)
            switch result {
            case .success(let response):
                return InferenceOutcome(
                    response: response, error: nil, attempts: attempt, latency: latency, cancelled: false)
            case .failure(let error):
                lastError = error
                let code = error.serviceCode ?? error.status.map(String.init) ?? error.code.description
                Counter(label: MetricName.endpointErrors, dimensions: dimensions + [("code", code)]).increment()
                if error.code == .cancelled || Task.isCancelled {
                    return InferenceOutcome(
                        response: nil, error: "cancelled", attempts: attempt, latency: latency, cancelled: true)
                }
                guard Self.isRetryable(error), attempt < configuration.maxAttempts else { break }
                logger.debug(
                    "endpoint call failed, retrying",
                    metadata: ["attempt": "\(attempt)", "error": "\(error)", "endpoint": "\(target.name)"])
                do {
                    try await Task.sleep(for: delay(retry: attempt))
                } catch {
                    return InferenceOutcome(
                        response: nil, error: "cancelled", attempts: attempt, latency: latency, cancelled: true)
                }
                continue
            }
            break
        }
        let message = lastError.map { "\($0)" } ?? "no attempt"
        logger.warning(
            "endpoint call failed for good", metadata: ["attempts": "\(attempt)", "error": "\(message)"])
        return InferenceOutcome(
            response: nil, error: message, attempts: attempt, latency: started.duration(to: .now), cancelled: false)
    }

    static func isRetryable(_ error: AWSError) -> Bool {
        if error.isRetryable || error.isThrottling { return true }
        switch error.code {
        case .timedOut, .transport: return true
        default: break
        }
        if let status = error.status { return status == 429 || status >= 500 }
        return false
    }

    private func delay(retry: Int) -> Duration {
        let ceiling = min(
            configuration.maxDelay, configuration.baseDelay * Int(1 << min(retry, 16)))
        return ceiling * Double.random(in: 0.5...1.0)
    }
}

struct InferenceOutcome: Sendable {
    var response: InferenceResponse?
    var error: String?
    var attempts: Int
    var latency: Duration
    var cancelled: Bool
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000
    }
    var milliseconds: Double { Double(nanoseconds) / 1_000_000 }
}
