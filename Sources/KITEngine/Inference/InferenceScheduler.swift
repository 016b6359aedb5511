import AWSClients
import Foundation
import KITAsync
import KITRecords
import Logging
import Metrics
import Synchronization

/// KIT's inference executor, bounded twice: at most `queueSize` frames waiting or in flight across all streams
/// (`sageMakerTaskQueueSize`; a frame holds a ``Reservation`` from before it is decoded until its result is out) and
/// at most `concurrency` calls at once (`sageMakerTaskThreadPoolSize`). Each attempt gets `timeout`
/// (`sageMakerTaskTimeoutInMilli`); throttling, 5xx, timeouts and transport failures are retried up to
/// `maxAttempts`, retry *n* after a full-jitter ``Backoff`` wait (uniform in `[0, min(maxDelay, baseDelay · 2ⁿ⁻¹))`);
/// other errors (400 validation, 424 model error) are final at once.
///
/// The scheduler runs no tasks of its own: ``infer(_:reservation:dimensions:)`` runs in the caller's task (a child of
/// the stream pipeline's task group).
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
    private let retries: Backoff
    private let logger: Logger

    public init(target: any InferenceTarget, configuration: Configuration, logger: Logger) {
        self.target = target
        self.configuration = configuration
        self.logger = logger
        slots = AsyncSemaphore(permits: configuration.queueSize)
        calls = AsyncSemaphore(permits: configuration.concurrency)
        retries = Backoff(base: configuration.baseDelay, maximum: configuration.maxDelay)
    }

    /// Frames queued or in flight.
    public var backlog: Int { slots.inUse }

    /// A frame's place in the queue. It is given back when its inference ends, by ``release()``, or when the last
    /// reference goes (a pipeline stopped between reserving and inferring), so a stopped stream never shrinks the
    /// queue the streams share.
    final class Reservation: Sendable {
        private let slots: AsyncSemaphore
        private let held = Mutex(true)

        fileprivate init(_ slots: AsyncSemaphore) { self.slots = slots }

        /// Gives the slot back; later calls do nothing.
        func release() {
            if held.withLock({ held in
                defer { held = false }
                return held
            }) {
                slots.release()
            }
        }

        deinit { release() }
    }

    /// A queue slot if one is free now (the skip-when-behind path).
    func tryReserve() -> Reservation? { slots.tryAcquire() ? Reservation(slots) : nil }
    /// Waits for a queue slot (the back-pressure path); throws `CancellationError` when cancelled meanwhile.
    func reserve() async throws -> Reservation {
        try await slots.acquire()
        return Reservation(slots)
    }

    /// Runs one reserved frame's inference to its end (success or final failure) and gives its slot back.
    func infer(_ image: [UInt8], reservation: Reservation, dimensions: [(String, String)]) async -> InferenceOutcome {
        defer { reservation.release() }
        var attempt = 0
        var lastError: EndpointError?
        let started = ContinuousClock.now
        while attempt < configuration.maxAttempts {
            attempt += 1
            do {
                try await calls.acquire()
            } catch {
                return .cancelled(attempts: attempt - 1, latency: .zero)
            }
            let callStart = ContinuousClock.now
            let result: Result<InferenceResponse, EndpointError>
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
                    response: response, failure: nil, attempts: attempt, latency: latency, cancelled: false)
            case .failure(let failure):
                lastError = failure
                let error = failure.error
                let code = error.serviceCode ?? error.status.map(String.init) ?? error.code.description
                Counter(label: MetricName.endpointErrors, dimensions: dimensions + [("code", code)]).increment()
                if error.code == .cancelled || Task.isCancelled {
                    return .cancelled(attempts: attempt, latency: latency)
                }
                guard Self.isRetryable(error), attempt < configuration.maxAttempts else { break }
                logger.debug(
                    "endpoint call failed, retrying",
                    metadata: ["attempt": "\(attempt)", "error": "\(error)", "endpoint": "\(target.name)"])
                do {
                    try await retries.sleep(retry: attempt)
                } catch {
                    return .cancelled(attempts: attempt, latency: latency)
                }
                continue
            }
            break
        }
        let failure = KITRecord.Inference.Failure(lastError)
        logger.warning(
            "endpoint call failed for good",
            metadata: [
                "attempts": "\(attempt)", "error": "\(failure.message)",
                "status": "\(failure.status.map(String.init) ?? "none")",
            ])
        return InferenceOutcome(
            response: nil, failure: failure, attempts: attempt, latency: started.duration(to: .now), cancelled: false)
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
}

/// How one frame's inference ended: the endpoint's answer, or why the last attempt failed (what the record
/// carries), or cancelled (no record is made).
struct InferenceOutcome: Sendable {
    var response: InferenceResponse?
    /// The last failed attempt: the error's text, the HTTP status and the (bounded) body of its answer.
    var failure: KITRecord.Inference.Failure?
    var attempts: Int
    var latency: Duration
    var cancelled: Bool

    /// The error's text, as the record's `inferenceError` has it.
    var error: String? { failure?.message }

    static func cancelled(attempts: Int, latency: Duration) -> InferenceOutcome {
        InferenceOutcome(
            response: nil, failure: .init(message: "cancelled"), attempts: attempts, latency: latency,
            cancelled: true)
    }
}

extension KITRecord.Inference.Failure {
    /// The record's account of the last failed call: the `AWSError`'s text (as `inferenceError` always had it),
    /// and, when the endpoint answered, its status and body.
    init(_ last: EndpointError?) {
        guard let last else {
            self.init(message: "no attempt")
            return
        }
        let message = "\(last.error)"
        if let body = last.body {
            self.init(message: message, status: last.status, responseBody: body)
        } else {
            self.init(message: message, status: last.status)
        }
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000
    }
    var milliseconds: Double { Double(nanoseconds) / 1_000_000 }
}
