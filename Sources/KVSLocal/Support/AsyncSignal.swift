import Synchronization

/// A generation counter that tasks can wait on: ``notify()`` bumps it and wakes every waiter. Waiting is
/// cancellation-aware (a cancelled waiter returns at once), which is why this is a lock-protected class and not an
/// actor: the cancellation handler must resume the waiter synchronously.
final class AsyncSignal: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var nextID: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }
    private let state = Mutex(State())

    var generation: UInt64 { state.withLock { $0.generation } }

    func notify() {
        let waiters = state.withLock { state in
            state.generation &+= 1
            let waiting = Array(state.waiters.values)
            state.waiters.removeAll()
            return waiting
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the generation has moved past `seen`, or when the task is cancelled.
    func wait(after seen: UInt64) async {
        let id = state.withLock { state in
            state.nextID &+= 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.generation != seen || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }

    /// Waits for a notification after `seen` for at most `timeout`; true if notified, false on timeout or
    /// cancellation.
    func wait(after seen: UInt64, timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await self.wait(after: seen)
                return !Task.isCancelled
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first && self.generation != seen
        }
    }
}
