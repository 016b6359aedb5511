import KITAsync
import Synchronization

/// A one-way switch that stops one part of a task group from outside it — a stream's reader on drain, a pipeline
/// whose lease was lost, the lease coordinator once the pipelines are drained — where cancelling the whole group
/// would stop too much. ``stop()`` never waits; ``run(_:)`` runs its body until the body ends or the switch is
/// flipped, and then cancels the body and waits for it. Flipping the switch before ``run(_:)`` makes it return at
/// once.
///
/// One task at a time waits on a switch (in ``run(_:)`` or ``sleep(for:)``), as with the `AsyncSignal` under it.
final class StopSwitch: Sendable {
    private let stopped = Mutex(false)
    private let signal = AsyncSignal()

    init() {}

    var isStopped: Bool { stopped.withLock { $0 } }

    func stop() {
        stopped.withLock { $0 = true }
        signal.notify()
    }

    /// Runs `body` until it ends (what it throws is rethrown) or the switch is flipped: then `body` is cancelled,
    /// waited for, and what it throws is dropped. Cancelling the calling task cancels `body` as usual.
    func run(_ body: @escaping @Sendable () async throws -> Void) async throws {
        if isStopped { return }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await body() }
            group.addTask { await self.waitUntilStopped() }
            try await group.next()
            // Returning awaits the other child and discards its result (the body's CancellationError).
            group.cancelAll()
        }
    }

    /// Sleeps `duration`, returning early when the switch is flipped or the task is cancelled.
    func sleep(for duration: Duration) async {
        let deadline = ContinuousClock.now.advanced(by: duration)
        while !isStopped, !Task.isCancelled, ContinuousClock.now < deadline {
            await signal.wait(until: deadline)
        }
    }

    private func waitUntilStopped() async {
        while !isStopped, !Task.isCancelled { await signal.wait() }
    }
}
