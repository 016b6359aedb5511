import Synchronization

/// A counting semaphore for tasks: `acquire()` suspends (cancellably) until a permit is free, `tryAcquire()` never
/// waits. Waiters are served in arrival order.
public final class AsyncSemaphore: Sendable {
    private struct State {
        var available: Int
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
        var nextID: UInt64 = 0
    }
    private let state: Mutex<State>
    public let capacity: Int

    public init(permits: Int) {
        capacity = max(1, permits)
        state = Mutex(State(available: max(1, permits)))
    }

    /// Permits in use (held or waited for is not counted).
    public var inUse: Int { state.withLock { capacity - $0.available } }
    public var waiting: Int { state.withLock { $0.waiters.count } }

    public func tryAcquire() -> Bool {
        state.withLock { s in
            guard s.available > 0, s.waiters.isEmpty else { return false }
            s.available -= 1
            return true
        }
    }

    /// Throws `CancellationError` if the task is cancelled while waiting (no permit is then held).
    public func acquire() async throws {
        let id = state.withLock { s -> UInt64 in
            s.nextID += 1
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow: Result<Void, any Error>? = state.withLock { s in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if s.available > 0, s.waiters.isEmpty {
                        s.available -= 1
                        return .success(())
                    }
                    s.waiters.append((id, continuation))
                    return nil
                }
                if let resumeNow { continuation.resume(with: resumeNow) }
            }
        } onCancel: {
            let waiter = state.withLock { s -> CheckedContinuation<Void, any Error>? in
                guard let index = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return s.waiters.remove(at: index).continuation
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    public func release() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, any Error>? in
            if s.waiters.isEmpty {
                s.available = min(capacity, s.available + 1)
                return nil
            }
            return s.waiters.removeFirst().continuation
        }
        waiter?.resume()
    }
}
