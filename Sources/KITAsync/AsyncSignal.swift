import Synchronization

/// A wake-up call between producers that must not wait and one consumer task: ``notify()`` never suspends, and
/// ``wait(until:)`` returns as soon as a notification is pending, at the deadline, or on cancellation. Notifications
/// do not queue up: any number of them before a wait wake it once. The consumer re-reads the state the signal
/// guards after every wait, whatever woke it, so a notification is never lost.
public final class AsyncSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    public init() {}

    /// Wakes the waiting task, or the next one to wait.
    public func notify() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns when notified, at `deadline`, or when the task is cancelled. One waiter at a time.
    public func wait(until deadline: ContinuousClock.Instant? = nil) async {
        if consumePending() { return }
        guard let deadline else { return await waitForNotification() }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForNotification() }
            group.addTask { try? await Task.sleep(until: deadline) }
            await group.next()
            // The other child ends at once: a cancelled sleep throws, a cancelled wait resumes.
            group.cancelAll()
        }
    }

    private func consumePending() -> Bool {
        state.withLock { state in
            defer { state.pending = false }
            return state.pending
        }
    }

    private func waitForNotification() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.pending || Task.isCancelled {
                        state.pending = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}
