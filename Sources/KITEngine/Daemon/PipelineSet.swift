import KITAsync
import Synchronization

/// The daemon's pipelines: one per held lease, plus any still winding down after their lease was lost. Each runs
/// as a child of the daemon's lease-events task and can be stopped on its own through its ``Entry/stop`` switch;
/// the set lets the drain wait for all of them.
final class PipelineSet: Sendable {
    struct Entry: Sendable {
        let id: Int
        let pipeline: StreamPipeline
        /// Flipped when the lease is lost or the drain deadline passes: cancels this pipeline alone.
        let stop: StopSwitch
    }

    private struct State {
        var nextID = 0
        var entries: [Int: Entry] = [:]
        var accepting = true
    }
    private let state = Mutex(State())
    /// Notified whenever a pipeline's child ends; only the drain waits on it.
    private let ended = AsyncSignal()

    /// Registers `pipeline`, stopping any other of its stream; `nil` once the drain has begun.
    func add(_ pipeline: StreamPipeline) -> Entry? {
        let (entry, replaced) = state.withLock { state -> (Entry?, [Entry]) in
            guard state.accepting else { return (nil, []) }
            state.nextID += 1
            let entry = Entry(id: state.nextID, pipeline: pipeline, stop: StopSwitch())
            let replaced = state.entries.values.filter { $0.pipeline.stream == pipeline.stream }
            state.entries[entry.id] = entry
            return (entry, replaced)
        }
        for old in replaced { old.stop.stop() }
        return entry
    }

    /// The child running `entry` has ended.
    func finished(_ entry: Entry) {
        _ = state.withLock { $0.entries.removeValue(forKey: entry.id) }
        ended.notify()
    }

    /// Stops the pipelines of `stream` now (its lease was lost); returns whether one was running.
    @discardableResult
    func stop(stream: String) -> Bool {
        let matching = state.withLock { $0.entries.values.filter { $0.pipeline.stream == stream } }
        let running = matching.filter { !$0.stop.isStopped }
        for entry in running { entry.stop.stop() }
        return !running.isEmpty
    }

    /// The pipelines whose lease is held (not stopped), in no particular order.
    var active: [StreamPipeline] {
        state.withLock { $0.entries.values.filter { !$0.stop.isStopped }.map(\.pipeline) }
    }

    func active(stream: String) -> StreamPipeline? { active.first { $0.stream == stream } }

    /// Drains every pipeline: no new one starts, each stops reading and finishes what it read; those not done
    /// within `timeout` are stopped. Returns once all have ended, with the streams whose in-flight work was
    /// abandoned; at once if the task is cancelled (the pipelines are cancelled with it).
    func drain(within timeout: Duration) async -> [String] {
        let all = state.withLock { state in
            state.accepting = false
            return Array(state.entries.values)
        }
        for entry in all { entry.pipeline.drain() }
        await waitUntilEmpty(until: ContinuousClock.now.advanced(by: timeout))
        let late = state.withLock { Array($0.entries.values) }
        for entry in late { entry.stop.stop() }
        await waitUntilEmpty(until: nil)
        return late.map(\.pipeline.stream).sorted()
    }

    private func waitUntilEmpty(until deadline: ContinuousClock.Instant?) async {
        while !Task.isCancelled, !state.withLock({ $0.entries.isEmpty }) {
            if let deadline, ContinuousClock.now >= deadline { return }
            await ended.wait(until: deadline)
        }
    }
}
