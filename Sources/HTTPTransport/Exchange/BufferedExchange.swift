import HTTPTransportCore
import Synchronization

/// The hand-off for ``HTTPClient/execute(_:deadline:)``: the loop thread accumulates the body itself and
/// delivers one result; the waiting task can cancel.
final class BufferedExchange: Sendable {
    let id: UInt64
    let loop: CurlEventLoop

    private struct State: Sendable {
        var waiter: CheckedContinuation<Result<HTTPResponse, HTTPError>, Never>?
        var result: Result<HTTPResponse, HTTPError>?
    }

    private let state = Mutex(State())

    init(id: UInt64, loop: CurlEventLoop) {
        self.id = id
        self.loop = loop
    }

    /// Loop thread: the transfer ended.
    func complete(_ result: Result<HTTPResponse, HTTPError>) {
        let waiter = state.withLock {
            state -> CheckedContinuation<Result<HTTPResponse, HTTPError>, Never>? in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: result)
    }

    func response() async throws(HTTPError) -> HTTPResponse {
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation {
                (continuation: CheckedContinuation<Result<HTTPResponse, HTTPError>, Never>) in
                let immediate = state.withLock { state -> Result<HTTPResponse, HTTPError>? in
                    if let result = state.result { return result }
                    state.waiter = continuation
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            cancel(.cancelled("request task cancelled"))
        }
        return try result.get()
    }

    func cancel(_ error: HTTPError) {
        let (waiter, running) = state.withLock {
            state -> (CheckedContinuation<Result<HTTPResponse, HTTPError>, Never>?, Bool) in
            guard state.result == nil else { return (nil, false) }
            state.result = .failure(error)
            defer { state.waiter = nil }
            return (state.waiter, true)
        }
        waiter?.resume(returning: .failure(error))
        if running { loop.submit(.cancel(id, error)) }
    }
}
