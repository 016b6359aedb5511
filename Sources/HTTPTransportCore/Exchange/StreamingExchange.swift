import Synchronization

/// The hand-off between an engine's header/write callbacks (its loop thread: libcurl's, in HTTPTransport) and the
/// task reading a streaming response.
///
/// Back-pressure: the write callback queues chunks until `capacity` bytes are waiting; the next chunk makes it
/// return `CURL_WRITEFUNC_PAUSE` (curl keeps that chunk and stops reading the socket, so the TCP window closes).
/// When the consumer has drained the queue to half the capacity it asks the loop to un-pause. Buffered bytes
/// therefore never exceed `capacity` (plus one chunk when the queue was empty).
package final class StreamingExchange: Sendable {
    package let id: UInt64
    /// `nil` for a response built in memory (``HTTPStreamingResponse/fixed(head:chunks:error:)``).
    let driver: (any HTTPTransferDriver)?
    package let capacity: Int
    private let resumeThreshold: Int
    /// Queued bytes at which a waiting consumer is woken at once instead of at the next ``flush()``.
    private let handOffThreshold: Int

    package enum WriteDecision: Sendable {
        case consumed
        /// Queued while the consumer waits; the loop hands it over with ``flush()`` (see ``receive(_:)``).
        case consumedFlushPending
        case pause
        case abort
    }

    private enum HeadState: Sendable {
        case pending
        case waiting(CheckedContinuation<Result<HTTPResponseHead, HTTPError>, Never>)
        case delivered(HTTPResponseHead)
        case failed(HTTPError)
    }

    private enum Step {
        case value([UInt8]?)
        case fail(HTTPError)
        case wait
    }

    private struct State: Sendable {
        var head = HeadState.pending
        var queue = ChunkQueue()
        /// Set by the loop when the transfer ends.
        var completion: Result<Void, HTTPError>?
        /// Set by the consumer side (task cancelled, body dropped or cancelled).
        var cancellation: HTTPError?
        var bodyWaiter: CheckedContinuation<Result<[UInt8]?, HTTPError>, Never>?
        var receivePaused = false
        var resumeRequested = false
        var endReported = false
        var peakBufferedBytes = 0
        var pauseCount = 0
    }

    private let state = Mutex(State())

    package init(id: UInt64, driver: (any HTTPTransferDriver)?, capacity: Int) {
        self.id = id
        self.driver = driver
        self.capacity = max(1, capacity)
        resumeThreshold = max(1, capacity) / 2
        handOffThreshold = min(max(1, capacity) / 2, 256 * 1024)
    }

    /// Most bytes ever queued at once, and how often the transfer was paused (for tests and metrics).
    package var bufferStatistics: (peakBufferedBytes: Int, pauseCount: Int) {
        state.withLock { ($0.peakBufferedBytes, $0.pauseCount) }
    }

    // MARK: loop thread

    package func deliverHead(_ head: HTTPResponseHead) {
        let waiter = state.withLock {
            state -> CheckedContinuation<Result<HTTPResponseHead, HTTPError>, Never>? in
            switch state.head {
            case .pending:
                state.head = .delivered(head)
                return nil
            case .waiting(let continuation):
                state.head = .delivered(head)
                return continuation
            case .delivered, .failed:
                return nil
            }
        }
        waiter?.resume(returning: .success(head))
    }

    /// Queues one chunk from curl's write callback.
    ///
    /// A waiting consumer is not woken for every chunk: each wake-up is a thread hand-off that costs more than
    /// the copy. The chunk is queued and the loop calls ``flush()`` once the sockets have nothing more to read
    /// right now, or at once when `handOffThreshold` bytes are waiting. A fast stream thus wakes its consumer once
    /// per ~256 KiB; a slow one (a live camera) still gets each chunk without delay.
    package func receive(_ bytes: UnsafeRawBufferPointer) -> WriteDecision {
        let chunk = [UInt8](bytes)
        let (decision, handOff) = state.withLock {
            state -> (WriteDecision, (CheckedContinuation<Result<[UInt8]?, HTTPError>, Never>, [UInt8])?)
            in
            if state.cancellation != nil { return (.abort, nil) }
            if state.queue.byteCount > 0, state.queue.byteCount + chunk.count > capacity {
                state.receivePaused = true
                state.pauseCount += 1
                // Never pause with a consumer left waiting on what is already queued.
                if let waiter = state.bodyWaiter, let first = state.queue.popFirst() {
                    state.bodyWaiter = nil
                    return (.pause, (waiter, first))
                }
                return (.pause, nil)
            }
            state.queue.append(chunk)
            state.peakBufferedBytes = max(state.peakBufferedBytes, state.queue.byteCount)
            guard let waiter = state.bodyWaiter else { return (.consumed, nil) }
            guard state.queue.byteCount >= handOffThreshold, let first = state.queue.popFirst() else {
                return (.consumedFlushPending, nil)
            }
            state.bodyWaiter = nil
            return (.consumed, (waiter, first))
        }
        if let (waiter, first) = handOff { waiter.resume(returning: .success(first)) }
        return decision
    }

    /// Fills an in-memory exchange (no transfer behind it) and ends it.
    func preload(_ chunks: [[UInt8]], error: HTTPError?) {
        state.withLock { state in
            for chunk in chunks { state.queue.append(chunk) }
        }
        complete(error)
    }

    /// Loop thread: wakes a waiting consumer if chunks are queued for it.
    package func flush() {
        let handOff = state.withLock {
            state -> (CheckedContinuation<Result<[UInt8]?, HTTPError>, Never>, [UInt8])? in
            guard let waiter = state.bodyWaiter, let first = state.queue.popFirst() else { return nil }
            state.bodyWaiter = nil
            return (waiter, first)
        }
        if let (waiter, first) = handOff { waiter.resume(returning: .success(first)) }
    }

    /// The loop is about to un-pause the receiving side.
    package func resumeHandled() {
        state.withLock { state in
            state.receivePaused = false
            state.resumeRequested = false
        }
    }

    package func complete(_ error: HTTPError?) {
        typealias HeadWaiter = CheckedContinuation<Result<HTTPResponseHead, HTTPError>, Never>
        typealias BodyWaiter = CheckedContinuation<Result<[UInt8]?, HTTPError>, Never>
        let (head, body) = state.withLock {
            state -> ((HeadWaiter, HTTPError)?, (BodyWaiter, Result<[UInt8]?, HTTPError>)?) in
            guard state.completion == nil else { return (nil, nil) }
            state.completion = error.map { .failure($0) } ?? .success(())
            var head: (HeadWaiter, HTTPError)?
            switch state.head {
            case .pending, .waiting:
                let failure =
                    error
                    ?? HTTPError(code: .protocolError, message: "transfer ended before the response headers")
                if case .waiting(let continuation) = state.head { head = (continuation, failure) }
                state.head = .failed(failure)
            case .delivered, .failed:
                break
            }
            var body: (BodyWaiter, Result<[UInt8]?, HTTPError>)?
            if let waiter = state.bodyWaiter {
                state.bodyWaiter = nil
                if let first = state.queue.popFirst() {
                    body = (waiter, .success(first))
                } else if let error {
                    state.endReported = true
                    body = (waiter, .failure(error))
                } else {
                    body = (waiter, .success(nil))
                }
            }
            return (head, body)
        }
        if let (waiter, error) = head { waiter.resume(returning: .failure(error)) }
        if let (waiter, result) = body { waiter.resume(returning: result) }
    }

    // MARK: consumer side

    package func head() async throws(HTTPError) -> HTTPResponseHead {
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation {
                (continuation: CheckedContinuation<Result<HTTPResponseHead, HTTPError>, Never>) in
                let immediate = state.withLock { state -> Result<HTTPResponseHead, HTTPError>? in
                    switch state.head {
                    case .delivered(let head): return .success(head)
                    case .failed(let error): return .failure(error)
                    case .waiting: return .failure(.invalidRequest("response head awaited twice"))
                    case .pending:
                        state.head = .waiting(continuation)
                        return nil
                    }
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            cancel(.cancelled("cancelled while waiting for the response headers"))
        }
        return try result.get()
    }

    package func next() async throws(HTTPError) -> [UInt8]? {
        let (step, wake) = state.withLock { state in (Self.step(&state, threshold: resumeThreshold)) }
        if wake { driver?.resumeReceiving(id) }
        switch step {
        case .value(let chunk): return chunk
        case .fail(let error): throw error
        case .wait: break
        }
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation {
                (continuation: CheckedContinuation<Result<[UInt8]?, HTTPError>, Never>) in
                let (immediate, wake) = state.withLock { state -> (Result<[UInt8]?, HTTPError>?, Bool) in
                    let (step, wake) = Self.step(&state, threshold: resumeThreshold)
                    switch step {
                    case .value(let chunk): return (.success(chunk), wake)
                    case .fail(let error): return (.failure(error), wake)
                    case .wait:
                        if state.bodyWaiter != nil {
                            return (.failure(.invalidRequest("response body read by two tasks at once")), wake)
                        }
                        state.bodyWaiter = continuation
                        return (nil, wake)
                    }
                }
                if wake { driver?.resumeReceiving(id) }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            cancel(.cancelled("reading task cancelled"))
        }
        return try result.get()
    }

    /// What `next()` does now; `wake` asks the loop to un-pause the transfer (set at most once per pause).
    private static func step(_ state: inout State, threshold: Int) -> (Step, wake: Bool) {
        if let error = state.cancellation {
            if state.endReported { return (.value(nil), false) }
            state.endReported = true
            return (.fail(error), false)
        }
        if let chunk = state.queue.popFirst() {
            var wake = false
            if state.receivePaused, !state.resumeRequested, state.queue.byteCount <= threshold {
                state.resumeRequested = true
                wake = true
            }
            return (.value(chunk), wake)
        }
        switch state.completion {
        case .success: return (.value(nil), false)
        case .failure(let error):
            if state.endReported { return (.value(nil), false) }
            state.endReported = true
            return (.fail(error), false)
        case nil: return (.wait, false)
        }
    }

    /// Stops the exchange from the consumer side; the loop removes the transfer if it is still running.
    package func cancel(_ error: HTTPError) {
        typealias HeadWaiter = CheckedContinuation<Result<HTTPResponseHead, HTTPError>, Never>
        typealias BodyWaiter = CheckedContinuation<Result<[UInt8]?, HTTPError>, Never>
        let (head, body, running) = state.withLock { state -> (HeadWaiter?, BodyWaiter?, Bool) in
            guard state.cancellation == nil else { return (nil, nil, false) }
            let running = state.completion == nil
            if running || !state.queue.isEmpty { state.cancellation = error }
            state.queue.removeAll()
            var head: HeadWaiter?
            if case .waiting(let continuation) = state.head {
                head = continuation
                state.head = .failed(error)
            } else if case .pending = state.head {
                state.head = .failed(error)
            }
            let body = state.bodyWaiter
            state.bodyWaiter = nil
            if body != nil { state.endReported = true }
            return (head, body, running)
        }
        head?.resume(returning: .failure(error))
        body?.resume(returning: .failure(error))
        if running { driver?.cancelTransfer(id, with: error) }
    }
}
