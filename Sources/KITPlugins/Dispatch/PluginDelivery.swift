import Synchronization

/// The fate of one ``PluginDispatcher/enqueue(stream:records:)`` call: ``wait()`` returns once every plugin has
/// taken (handled) or dead-lettered those records — the moment the engine may checkpoint their fragment.
public struct PluginDelivery: Sendable {
    let tracker: DeliveryTracker

    /// Suspends until the records are taken or dead-lettered by every plugin (`true`), or were abandoned because
    /// the dispatcher shut down first or the waiting task was cancelled (`false`: do not checkpoint).
    @discardableResult
    public func wait() async -> Bool { await tracker.wait() }

    /// Whether ``wait()`` would return at once.
    public var isComplete: Bool { tracker.isFinished }
}

/// Counts outstanding (record, plugin) deliveries of one enqueue; finishes once, successfully when the count
/// reaches zero, unsuccessfully when abandoned first.
final class DeliveryTracker: Sendable {
    private struct State {
        var remaining: Int
        var result: Bool?
        var waiters: [UInt64: CheckedContinuation<Bool, Never>] = [:]
        var nextWaiter: UInt64 = 0
    }
    private let state: Mutex<State>
    private let onFinish: @Sendable () -> Void

    init(remaining: Int, onFinish: @escaping @Sendable () -> Void = {}) {
        state = Mutex(State(remaining: remaining, result: remaining == 0 ? true : nil))
        self.onFinish = onFinish
        if remaining == 0 { onFinish() }
    }

    static func abandoned() -> DeliveryTracker {
        let tracker = DeliveryTracker(remaining: 1)
        tracker.finish(false)
        return tracker
    }

    var isFinished: Bool { state.withLock { $0.result != nil } }

    func complete(_ count: Int = 1) {
        let done = state.withLock { state -> Bool in
            guard state.result == nil else { return false }
            state.remaining -= count
            return state.remaining <= 0
        }
        if done { finish(true) }
    }

    func abandon() { finish(false) }

    private func finish(_ result: Bool) {
        let waiters = state.withLock { state -> [CheckedContinuation<Bool, Never>]? in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        guard let waiters else { return }
        onFinish()
        for waiter in waiters { waiter.resume(returning: result) }
    }

    func wait() async -> Bool {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Bool? in
                    if let result = state.result { return result }
                    if Task.isCancelled { return false }
                    state.waiters[id] = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(returning: false)
        }
    }
}
