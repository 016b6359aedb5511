import Synchronization

/// The hand-off between an ``HTTPBodyWriter`` (any task) and an engine's read callback (its loop thread: libcurl's,
/// in HTTPTransport).
///
/// The read callback takes bytes under the lock; when there are none it returns `CURL_READFUNC_PAUSE` and the
/// next `write`/`finish` asks the loop to un-pause the transfer. The writer suspends while more than `capacity`
/// bytes are queued, so a fast producer cannot outrun the network without bound.
package final class UploadChannel: Sendable {
    package let length: Int?
    package let capacity: Int

    package enum ReadResult: Sendable {
        case bytes(Int)
        case pause
        case endOfBody
        case abort(HTTPError)
    }

    private struct State: Sendable {
        var queue = ChunkQueue()
        var finished = false
        var writerError: HTTPError?
        /// Set once the transfer ended; later writes throw it.
        var transferError: HTTPError?
        var driver: (any HTTPTransferDriver)?
        var transferID: UInt64 = 0
        var claimed = false
        var sendPaused = false
        var resumeRequested = false
        var writerWaiter: CheckedContinuation<Result<Void, HTTPError>, Never>?
        var bytesSent = 0
    }

    private let state = Mutex(State())

    init(length: Int?, capacity: Int) {
        self.length = length
        self.capacity = capacity
    }

    // MARK: request side (client, before submitting)

    /// Binds the body to one transfer. `false` if it was bound before: a streaming body is never replayed.
    package func claim(driver: any HTTPTransferDriver, transferID: UInt64) -> Bool {
        state.withLock { state in
            guard !state.claimed else { return false }
            state.claimed = true
            state.driver = driver
            state.transferID = transferID
            return true
        }
    }

    // MARK: loop thread

    package func read(into buffer: UnsafeMutableRawBufferPointer) -> ReadResult {
        let (result, waiter) = state.withLock {
            state -> (ReadResult, CheckedContinuation<Result<Void, HTTPError>, Never>?) in
            if let error = state.writerError { return (.abort(error), nil) }
            if state.queue.isEmpty {
                if state.finished { return (.endOfBody, nil) }
                state.sendPaused = true
                return (.pause, nil)
            }
            let n = state.queue.copyOut(into: buffer)
            state.bytesSent += n
            var waiter: CheckedContinuation<Result<Void, HTTPError>, Never>?
            if state.queue.byteCount < capacity {
                waiter = state.writerWaiter
                state.writerWaiter = nil
            }
            return (.bytes(n), waiter)
        }
        waiter?.resume(returning: .success(()))
        return result
    }

    /// The loop is about to un-pause the sending side.
    package func resumeHandled() {
        state.withLock { state in
            state.sendPaused = false
            state.resumeRequested = false
        }
    }

    /// The transfer ended: wake a waiting writer and make later writes fail.
    package func detach(_ error: HTTPError) {
        let waiter = state.withLock { state -> CheckedContinuation<Result<Void, HTTPError>, Never>? in
            if state.transferError == nil { state.transferError = error }
            state.driver = nil
            state.queue.removeAll()
            defer { state.writerWaiter = nil }
            return state.writerWaiter
        }
        waiter?.resume(returning: .failure(error))
    }

    // MARK: writer side

    func write(_ bytes: [UInt8]) async throws(HTTPError) {
        if Task.isCancelled { throw .cancelled("body writer cancelled") }
        let (mustWait, wake) = try state.withLock {
            (state) throws(HTTPError) -> (Bool, (any HTTPTransferDriver, UInt64)?) in
            if let error = state.transferError { throw error }
            if state.finished || state.writerError != nil {
                throw .invalidRequest("write after finish() or fail() on a request body")
            }
            state.queue.append(bytes)
            return (state.queue.byteCount >= capacity, Self.takeWake(&state))
        }
        if let (driver, id) = wake { driver.resumeSending(id) }
        guard mustWait else { return }
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation {
                (continuation: CheckedContinuation<Result<Void, HTTPError>, Never>) in
                let immediate = state.withLock { state -> Result<Void, HTTPError>? in
                    if let error = state.transferError { return .failure(error) }
                    if state.queue.byteCount < capacity { return .success(()) }
                    if Task.isCancelled { return .failure(.cancelled("body writer cancelled")) }
                    state.writerWaiter = continuation
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                defer { state.writerWaiter = nil }
                return state.writerWaiter
            }
            waiter?.resume(returning: .failure(.cancelled("body writer cancelled")))
        }
        try result.get()
    }

    func finish() {
        let wake = state.withLock { state -> (any HTTPTransferDriver, UInt64)? in
            state.finished = true
            return Self.takeWake(&state)
        }
        if let (driver, id) = wake { driver.resumeSending(id) }
    }

    func fail(_ error: HTTPError) {
        let wake = state.withLock { state -> (any HTTPTransferDriver, UInt64)? in
            if state.writerError == nil { state.writerError = error }
            return Self.takeWake(&state)
        }
        if let (driver, id) = wake { driver.resumeSending(id) }
    }

    /// If curl paused the upload waiting for data, returns where to send the un-pause (at most once per pause).
    private static func takeWake(_ state: inout State) -> (any HTTPTransferDriver, UInt64)? {
        guard state.sendPaused, !state.resumeRequested, let driver = state.driver else { return nil }
        state.resumeRequested = true
        return (driver, state.transferID)
    }
}
