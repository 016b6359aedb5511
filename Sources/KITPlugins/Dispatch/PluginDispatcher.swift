import KITAsync
import Logging
import ServiceLifecycle
import Synchronization

/// Delivers published KIT results to every running plugin with the semantics of Lambda's Kinesis event source
/// mapping, in process: per stream and plugin in order, in batches (``Configuration/batchSize``, gathered for at
/// most ``Configuration/batchWindow``), each plugin independently and concurrently (``BatchDelivery`` has the
/// retry, partial-failure, bisection, deadline and dead-letter rules). ``PluginDelivery/wait()`` tells the engine
/// when a fragment's records are safe to checkpoint.
///
/// It is a `Service`: ``run()`` owns one task per busy (stream, plugin) lane in its task group; an enqueue wakes
/// its lane (no polling), and a lane's task ends when its queue is empty. On graceful shutdown it stops accepting
/// records, lets the lanes finish what is queued within ``Configuration/shutdownTimeout``, abandons the rest (their
/// deliveries report `false`, so their fragments are not checkpointed) and destroys the plugin instances. Place it
/// before the engine in the `ServiceGroup`: the group stops services in reverse order, so the engine drains its
/// pipelines (waiting on deliveries) while the dispatcher still runs.
public final class PluginDispatcher: Service, Sendable {
    public let configuration: Configuration
    public let registry: PluginRegistry
    let services: HostServices
    private let deadLetters: DeadLetterWriter
    private let logger: Logger
    private let state = Mutex(State())
    private let laneStarts: AsyncStream<LaneKey>
    private let laneStartsSink: AsyncStream<LaneKey>.Continuation

    private struct State {
        var slots: [String: PluginSlot] = [:]
        var lanes: [LaneKey: Lane] = [:]
        var accepting = true
        var draining = false
    }

    private struct Lane {
        var queue = LaneQueue()
        var running = false
        /// Rung by enqueues while the lane's task waits out its batch window.
        let signal = AsyncSignal()
    }

    public init(configuration: Configuration, services: HostServices) {
        self.configuration = configuration
        self.services = services
        registry = PluginRegistry(
            configuration: configuration.registry, services: services, images: FrameImageStore())
        deadLetters = DeadLetterWriter(destination: configuration.deadLetter, services: services)
        logger = services.logger
        (laneStarts, laneStartsSink) = AsyncStream.makeStream()
    }

    /// Names of the plugins records are dispatched to, in load order.
    public var pluginNames: [String] { registry.pluginNames }

    /// Names of quarantined plugins.
    public var quarantinedPlugins: [String] {
        state.withLock { $0.slots.values.filter(\.isQuarantined).map(\.name).sorted() }
    }

    /// Every configured or loaded plugin: running, quarantined, or down (optional and not loaded).
    public var status: [PluginStatus] {
        let quarantined = Set(quarantinedPlugins)
        let settings = configuration.registry.settings
        var entries = registry.plugins.map { plugin in
            PluginStatus(
                name: plugin.name, state: quarantined.contains(plugin.name) ? .quarantined : .running,
                optional: settings[plugin.name]?.optional ?? false, version: plugin.version,
                reason: quarantined.contains(plugin.name)
                    ? "missed \(configuration.quarantineAfter) deadlines in a row" : nil)
        }
        entries += registry.down.map {
            PluginStatus(name: $0.plugin, state: .down, optional: $0.optional, reason: $0.reason)
        }
        return entries
    }

    // MARK: Dispatch

    /// Queues `records` (one stream's, in publication order) for every running plugin and returns at once. Calls
    /// for one stream are delivered in call order; a batch may combine records of several calls, as Lambda's
    /// window does.
    public func enqueue(stream: String, records: [DispatchRecord]) -> PluginDelivery {
        let now = ContinuousClock.now
        let plugins = registry.plugins
        let images = registry.images
        let recordIDs = records.filter { $0.image != nil }.map(\.eventID)
        let (delivery, wake) = state.withLock { state -> (PluginDelivery, [AsyncSignal]) in
            guard state.accepting else { return (PluginDelivery(tracker: .abandoned()), []) }
            let tracker = DeliveryTracker(remaining: records.count * plugins.count) { images.remove(recordIDs) }
            guard !tracker.isFinished else { return (PluginDelivery(tracker: tracker), []) }
            for record in records {
                if let image = record.image {
                    images.put(
                        .init(bytes: image, contentType: record.imageContentType ?? "application/octet-stream"),
                        for: record.eventID)
                }
            }
            var wake: [AsyncSignal] = []
            for plugin in plugins {
                if state.slots[plugin.name] == nil {
                    state.slots[plugin.name] = PluginSlot(plugin: plugin, factory: services.metrics)
                }
                let key = LaneKey(stream: stream, plugin: plugin.name)
                // Mutated in place (`default:` subscript), never copied out: a copy would duplicate the queue.
                state.lanes[key, default: Lane()].queue.append(
                    records.lazy.map { Pending(record: $0, tracker: tracker, arrival: now) })
                if state.lanes[key]?.running == false {
                    state.lanes[key]?.running = true
                    laneStartsSink.yield(key)
                } else if let signal = state.lanes[key]?.signal {
                    wake.append(signal)
                }
            }
            return (PluginDelivery(tracker: tracker), wake)
        }
        for signal in wake { signal.notify() }
        return delivery
    }

    // MARK: Running

    public func run() async throws {
        await withTaskGroup(of: Void.self) { outer in
            outer.addTask {
                await withTaskGroup(of: Void.self) { lanes in
                    for await key in self.laneStarts {
                        lanes.addTask { await self.runLane(key) }
                    }
                }
            }
            // Until graceful shutdown (or cancellation), the lanes run as records come.
            try? await gracefulShutdown()
            stopAccepting()
            outer.addTask {
                do {
                    try await Task.sleep(for: self.configuration.shutdownTimeout)
                    self.logger.warning(
                        "plugin shutdown timeout passed; abandoning undelivered records",
                        metadata: ["timeout": "\(self.configuration.shutdownTimeout)"])
                } catch {}
            }
            // Whichever ends first — the lanes (drained) or the timeout — ends the other.
            await outer.next()
            outer.cancelAll()
        }
        let leftovers = state.withLock { state -> [Pending] in
            defer { state.lanes = [:] }
            return state.lanes.values.flatMap { $0.queue.remaining }
        }
        for pending in leftovers { pending.tracker.abandon() }
        for plugin in registry.plugins where !plugin.destroyIfIdle() {
            logger.warning(
                "plugin instance left alive: an invocation never completed", metadata: ["plugin": "\(plugin.name)"])
        }
    }

    /// Refuses new records and lets the lanes send partial batches without waiting out their window.
    private func stopAccepting() {
        let signals = state.withLock { state -> [AsyncSignal] in
            state.accepting = false
            state.draining = true
            return state.lanes.values.map(\.signal)
        }
        laneStartsSink.finish()
        for signal in signals { signal.notify() }
    }

    private func runLane(_ key: LaneKey) async {
        let found = state.withLock { state -> (PluginSlot, AsyncSignal)? in
            guard let slot = state.slots[key.plugin], let lane = state.lanes[key] else { return nil }
            return (slot, lane.signal)
        }
        guard let (slot, signal) = found else { return }
        let delivery = BatchDelivery(
            slot: slot, stream: key.stream, configuration: configuration, deadLetters: deadLetters, logger: logger)
        while true {
            if Task.isCancelled {
                let abandoned = state.withLock { state -> [Pending] in
                    defer { state.lanes[key] = nil }
                    return state.lanes[key]?.queue.removeAll() ?? []
                }
                for pending in abandoned { pending.tracker.abandon() }
                return
            }
            let step = nextStep(key)
            switch step {
            case .exit:
                return
            case .wait(let deadline):
                await signal.wait(until: deadline)
            case .batch(let batch):
                await delivery.deliver(batch)
            }
        }
    }

    private func nextStep(_ key: LaneKey) -> LaneStep {
        let now = ContinuousClock.now
        return state.withLock { state -> LaneStep in
            let draining = state.draining
            let step =
                state.lanes[key]?.queue.nextStep(
                    batchSize: max(1, configuration.batchSize), window: configuration.batchWindow, now: now,
                    draining: draining) ?? .exit
            if case .exit = step { state.lanes[key] = nil }
            return step
        }
    }
}
