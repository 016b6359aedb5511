import CKITPlugin
import Logging
import Metrics
import Synchronization

/// Delivers published KIT results to every loaded plugin with the semantics of Lambda's Kinesis event source
/// mapping, in process: per stream and plugin in order, in batches (``Configuration/batchSize``, gathered for at
/// most ``Configuration/batchWindow``), each plugin independently and concurrently. A failing batch is retried
/// with backoff, then bisected to isolate the bad records, which go to the dead-letter destination with the error;
/// an invocation that misses its deadline is cancelled and dead-lettered, and a plugin that keeps missing it is
/// quarantined. ``PluginDelivery/wait()`` tells the engine when a fragment's records are safe to checkpoint.
///
/// It also owns loading (``loadPlugins()``, ``reload()``): see `PluginLoader` for the checks.
public final class PluginDispatcher: Sendable {
    public let configuration: Configuration
    let services: HostServices
    let images = FrameImageStore()
    private let deadLetters: DeadLetterWriter
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var plugins: [PluginSlot] = []
        var loadedPaths: Set<String> = []
        var lanes: [LaneKey: Lane] = [:]
        var laneTasks: [LaneKey: Task<Void, Never>] = [:]
        var shuttingDown = false
    }

    private struct LaneKey: Hashable, Sendable {
        var stream: String
        var plugin: String
    }

    /// One (stream, plugin) queue. Records are taken from `head` and the consumed prefix is dropped only once it
    /// is most of the array, so taking a batch is O(batch), not O(queue) (measured: dropping the prefix on every
    /// take cost ~1 ms per invocation with 20,000 records queued).
    private struct Lane {
        private var pending: [Pending] = []
        private var head = 0
        var running = false

        var isEmpty: Bool { head >= pending.count }
        var count: Int { pending.count - head }
        var first: Pending? { isEmpty ? nil : pending[head] }
        var remaining: ArraySlice<Pending> { pending[head...] }

        mutating func append(_ records: [Pending]) { pending.append(contentsOf: records) }

        mutating func take(_ limit: Int) -> [Pending] {
            let end = min(pending.count, head + limit)
            let batch = Array(pending[head..<end])
            head = end
            if head == pending.count {
                pending.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 1024, head * 2 >= pending.count {
                pending.removeFirst(head)
                head = 0
            }
            return batch
        }
    }

    struct Pending: Sendable {
        var record: DispatchRecord
        var tracker: DeliveryTracker
        var arrival: ContinuousClock.Instant
    }

    private enum LaneStep {
        /// The lane is empty (or its task was cancelled: these records are abandoned, not delivered).
        case exit(abandoning: [Pending])
        case wait(ContinuousClock.Instant)
        case batch([Pending])
    }

    public init(configuration: Configuration, services: HostServices) {
        self.configuration = configuration
        self.services = services
        deadLetters = DeadLetterWriter(destination: configuration.deadLetter, services: services)
        logger = services.logger
    }

    /// Names of the plugins records are dispatched to, in load order.
    public var pluginNames: [String] { state.withLock { $0.plugins.map(\.plugin.name) } }

    /// Names of quarantined plugins.
    public var quarantinedPlugins: [String] {
        state.withLock { $0.plugins.filter { $0.quarantined.load(ordering: .relaxed) }.map(\.plugin.name) }
    }

    // MARK: Loading

    /// Loads every not yet loaded `lib*.so` of the plugin directory and reports on each (refused files included);
    /// refused files are logged and skipped, the others start receiving records.
    @discardableResult
    public func loadPlugins() -> [PluginLoadReport] {
        guard let directory = configuration.pluginDirectory else { return [] }
        let loader = makeLoader()
        switch loader.candidates(in: directory) {
        case .failure(let refusal):
            logger.error("plugin directory refused", metadata: ["path": "\(directory)", "reason": "\(refusal)"])
            return [PluginLoadReport(path: directory, refusal: refusal)]
        case .success(let paths):
            var reports: [PluginLoadReport] = []
            for path in paths {
                let (alreadyLoaded, taken) = state.withLock {
                    ($0.loadedPaths.contains(path), Set($0.plugins.map(\.plugin.name)))
                }
                if alreadyLoaded { continue }
                let (report, plugin) = loader.load(path: path, takenNames: taken)
                reports.append(report)
                if let plugin {
                    add(plugin, path: path)
                } else if let refusal = report.refusal {
                    logger.error(
                        "plugin refused",
                        metadata: [
                            "path": "\(path)", "code": "\(refusal.code)",
                            "reason": "\(refusal.message)",
                        ])
                }
            }
            return reports
        }
    }

    /// Loads plugin files added to the directory since the last load (the host calls it on SIGHUP). Loaded
    /// plugins stay as they are: a replaced file is not reloaded, since code cannot be unloaded.
    @discardableResult
    public func reload() -> [PluginLoadReport] { loadPlugins() }

    /// Loads a plugin linked into the host process (or the test process) from its descriptor, with every check
    /// that does not concern a file. `descriptor` is what a `kit_plugin_entry` returns.
    @discardableResult
    public func register(descriptor: UnsafeRawPointer, origin: String) -> PluginLoadReport {
        let taken = state.withLock { Set($0.plugins.map(\.plugin.name)) }
        let (report, plugin) = makeLoader().instantiate(
            descriptor.assumingMemoryBound(to: kit_plugin_descriptor.self), path: origin, sha256: "linked-in",
            manifest: nil, takenNames: taken, report: PluginLoadReport(path: origin, sha256: "linked-in"))
        if let plugin { add(plugin, path: origin) }
        return report
    }

    private func makeLoader() -> PluginLoader {
        PluginLoader(
            services: services, images: images, allowedDigests: configuration.allowedDigests,
            configs: configuration.pluginConfigs, logger: logger)
    }

    private func add(_ plugin: LoadedPlugin, path: String) {
        let slot = PluginSlot(plugin: plugin, factory: services.metrics)
        state.withLock {
            $0.plugins.append(slot)
            $0.loadedPaths.insert(path)
        }
    }

    // MARK: Dispatch

    /// Queues `records` (one stream's, in publication order) for every loaded plugin and returns at once. Calls for
    /// one stream are delivered in call order; a batch may combine records of several calls, as Lambda's window
    /// does.
    public func enqueue(stream: String, records: [DispatchRecord]) -> PluginDelivery {
        let now = ContinuousClock.now
        let images = self.images
        let recordIDs = records.filter { $0.image != nil }.map(\.eventID)
        return state.withLock { state -> PluginDelivery in
            guard !state.shuttingDown else { return PluginDelivery(tracker: .abandoned()) }
            let tracker = DeliveryTracker(remaining: records.count * state.plugins.count) {
                images.remove(recordIDs)
            }
            guard !tracker.isFinished else { return PluginDelivery(tracker: tracker) }
            for record in records {
                if let image = record.image {
                    images.put(
                        .init(bytes: image, contentType: record.imageContentType ?? "application/octet-stream"),
                        for: record.eventID)
                }
            }
            for slot in state.plugins {
                let key = LaneKey(stream: stream, plugin: slot.plugin.name)
                // Mutated in place (`default:` subscript), never copied out: a copy would duplicate the queue.
                state.lanes[key, default: Lane()].append(
                    records.map { Pending(record: $0, tracker: tracker, arrival: now) })
                if state.lanes[key]?.running == false {
                    state.lanes[key]?.running = true
                    // One task per busy (stream, plugin) lane: it ends when the lane is empty, and shutdown()
                    // awaits every one of them.
                    state.laneTasks[key] = Task { await self.runLane(key, slot: slot) }
                }
            }
            return PluginDelivery(tracker: tracker)
        }
    }

    /// Stops accepting records, lets in-flight and queued batches finish within
    /// ``Configuration/shutdownTimeout``, then abandons the rest (their deliveries report `false`) and destroys
    /// the plugin instances that have nothing outstanding.
    public func shutdown() async {
        let tasks = state.withLock { state -> [Task<Void, Never>] in
            state.shuttingDown = true
            return Array(state.laneTasks.values)
        }
        let timeout = configuration.shutdownTimeout
        let timer = Task {
            do {
                try await Task.sleep(for: timeout)
                for task in tasks { task.cancel() }
            } catch {}
        }
        for task in tasks { await task.value }
        timer.cancel()
        let (leftovers, plugins) = state.withLock { state -> ([Pending], [PluginSlot]) in
            let pending = state.lanes.values.flatMap(\.remaining)
            state.lanes = [:]
            return (pending, state.plugins)
        }
        for pending in leftovers { pending.tracker.abandon() }
        for slot in plugins where !slot.plugin.destroyIfIdle() {
            logger.warning(
                "plugin instance left alive: an invocation never completed",
                metadata: ["plugin": "\(slot.plugin.name)"])
        }
    }

    private func runLane(_ key: LaneKey, slot: PluginSlot) async {
        while true {
            let step = nextStep(key)
            switch step {
            case .exit(let abandoned):
                for pending in abandoned { pending.tracker.abandon() }
                return
            case .wait(let until):
                try? await Task.sleep(until: until)
            case .batch(let batch):
                if batch.isEmpty { continue }
                let delivered = await deliver(batch, to: slot, stream: key.stream)
                for pending in batch {
                    if delivered { pending.tracker.complete() } else { pending.tracker.abandon() }
                }
            }
        }
    }

    private func nextStep(_ key: LaneKey) -> LaneStep {
        let now = ContinuousClock.now
        let batchSize = max(1, configuration.batchSize)
        let window = configuration.batchWindow
        let cancelled = Task.isCancelled
        return state.withLock { state -> LaneStep in
            guard let first = state.lanes[key]?.first, let count = state.lanes[key]?.count, !cancelled else {
                let abandoned = cancelled ? Array(state.lanes[key]?.remaining ?? []) : []
                state.lanes[key] = nil
                state.laneTasks[key] = nil
                return .exit(abandoning: abandoned)
            }
            let windowEnd = first.arrival + window
            if count < batchSize, now < windowEnd, !state.shuttingDown {
                // Re-check at least every 5 ms so a batch that fills up early goes without waiting out the window.
                return .wait(min(windowEnd, now + .milliseconds(5)))
            }
            return .batch(state.lanes[key]?.take(batchSize) ?? [])
        }
    }

    // MARK: One batch

    /// `true` when the plugin took the batch or it was dead-lettered; `false` when it was abandoned (shutdown, or
    /// the dead-letter destination kept failing).
    private func deliver(_ batch: [Pending], to slot: PluginSlot, stream: String) async -> Bool {
        if slot.quarantined.load(ordering: .relaxed) {
            return await deadLetter(
                batch, slot: slot, stream: stream, reason: .quarantined,
                error: "plugin quarantined after \(configuration.quarantineAfter) missed deadlines", attempts: 0)
        }
        var attempt = 0
        while true {
            switch await invoke(batch, slot: slot) {
            case .succeeded:
                return true
            case .abandoned:
                return false
            case .timedOut:
                return await missedDeadline(batch, slot: slot, stream: stream, attempts: attempt + 1)
            case .failed(let message):
                if attempt < configuration.maxRetries {
                    attempt += 1
                    slot.retries.increment()
                    let backoff = configuration.retryBackoff * (1 << min(attempt - 1, 6))
                    do { try await Task.sleep(for: min(backoff, .seconds(10))) } catch { return false }
                    continue
                }
                if batch.count > 1 {
                    return await bisect(batch, slot: slot, stream: stream, attempts: attempt + 1)
                }
                return await deadLetter(
                    batch, slot: slot, stream: stream, reason: .error, error: message, attempts: attempt + 1)
            }
        }
    }

    /// Splits a batch that still fails after its retries and tries each half once, recursively, so the records
    /// that fail end up alone in the dead-letter destination and the others are delivered.
    private func bisect(_ batch: [Pending], slot: PluginSlot, stream: String, attempts: Int) async -> Bool {
        let middle = batch.count / 2
        for half in [Array(batch[..<middle]), Array(batch[middle...])] {
            if slot.quarantined.load(ordering: .relaxed) {
                guard await deliver(half, to: slot, stream: stream) else { return false }
                continue
            }
            slot.retries.increment()
            switch await invoke(half, slot: slot) {
            case .succeeded:
                continue
            case .abandoned:
                return false
            case .timedOut:
                guard await missedDeadline(half, slot: slot, stream: stream, attempts: attempts + 1) else {
                    return false
                }
            case .failed(let message):
                if half.count > 1 {
                    guard await bisect(half, slot: slot, stream: stream, attempts: attempts + 1) else { return false }
                } else {
                    guard
                        await deadLetter(
                            half, slot: slot, stream: stream, reason: .error, error: message, attempts: attempts + 1)
                    else { return false }
                }
            }
        }
        return true
    }

    private func invoke(_ batch: [Pending], slot: PluginSlot) async -> LoadedPlugin.Outcome {
        let event = LambdaKinesisEventEncoder.encode(batch.lazy.map(\.record), plugin: slot.plugin.name)
        slot.invocations.increment()
        let start = ContinuousClock.now
        let outcome = await slot.plugin.invoke(event: event, deadline: configuration.deadline)
        slot.duration.record(duration: ContinuousClock.now - start)
        switch outcome {
        case .succeeded:
            slot.missedDeadlines.store(0, ordering: .relaxed)
        case .failed(let message):
            slot.errors.increment()
            logger.warning(
                "plugin invocation failed",
                metadata: ["plugin": "\(slot.plugin.name)", "records": "\(batch.count)", "error": "\(message)"])
        case .timedOut:
            slot.errors.increment()
            logger.error(
                "plugin invocation missed its deadline; cancelled",
                metadata: [
                    "plugin": "\(slot.plugin.name)", "records": "\(batch.count)",
                    "deadline": "\(configuration.deadline)",
                ])
        case .abandoned:
            break
        }
        return outcome
    }

    private func missedDeadline(_ batch: [Pending], slot: PluginSlot, stream: String, attempts: Int) async -> Bool {
        let misses = slot.missedDeadlines.add(1, ordering: .relaxed).newValue
        if misses >= configuration.quarantineAfter, !slot.quarantined.exchange(true, ordering: .relaxed) {
            logger.critical(
                "plugin quarantined: its records go to the dead-letter destination until restart",
                metadata: ["plugin": "\(slot.plugin.name)", "missedDeadlines": "\(misses)"])
        }
        return await deadLetter(
            batch, slot: slot, stream: stream, reason: .deadline,
            error: "no completion within the deadline of \(configuration.deadline); invocation cancelled",
            attempts: attempts)
    }

    /// Writes the batch to the dead-letter destination, retrying a failing write a bounded number of times.
    private func deadLetter(
        _ batch: [Pending], slot: PluginSlot, stream: String, reason: DeadLetter.Reason, error: String, attempts: Int
    ) async -> Bool {
        let letter = DeadLetter(
            plugin: slot.plugin.name, pluginVersion: slot.plugin.version, pluginSHA256: slot.plugin.sha256,
            stream: stream, reason: reason, error: error, attempts: attempts,
            sequenceNumbers: batch.map(\.record.sequenceNumber),
            event: LambdaKinesisEventEncoder.encode(batch.lazy.map(\.record), plugin: slot.plugin.name))
        for attempt in 0..<8 {
            do {
                let location = try await deadLetters.write(letter)
                slot.deadLettered.increment(by: Int64(batch.count))
                logger.error(
                    "records dead-lettered",
                    metadata: [
                        "plugin": "\(slot.plugin.name)", "stream": "\(stream)", "records": "\(batch.count)",
                        "reason": "\(reason.rawValue)", "error": "\(error)", "location": "\(location)",
                    ])
                return true
            } catch {
                logger.error(
                    "dead-letter write failed",
                    metadata: ["plugin": "\(slot.plugin.name)", "attempt": "\(attempt + 1)", "error": "\(error)"])
                do { try await Task.sleep(for: .milliseconds(100) * (1 << attempt)) } catch { return false }
            }
        }
        // Not delivered and not parked: the delivery reports failure so the fragment is not checkpointed.
        return false
    }
}

/// A loaded plugin with its dispatch state and metrics (names as in docs/metrics: `plugin` dimension).
final class PluginSlot: Sendable {
    let plugin: LoadedPlugin
    let missedDeadlines = Atomic<Int>(0)
    let quarantined = Atomic<Bool>(false)
    let invocations: Counter
    let errors: Counter
    let retries: Counter
    let deadLettered: Counter
    let duration: Metrics.Timer

    init(plugin: LoadedPlugin, factory: any MetricsFactory) {
        self.plugin = plugin
        let dimensions = [("plugin", plugin.name)]
        invocations = Counter(label: "PluginInvocations", dimensions: dimensions, factory: factory)
        errors = Counter(label: "PluginErrors", dimensions: dimensions, factory: factory)
        retries = Counter(label: "PluginRetries", dimensions: dimensions, factory: factory)
        deadLettered = Counter(label: "PluginDeadLettered", dimensions: dimensions, factory: factory)
        duration = Metrics.Timer(label: "PluginDuration", dimensions: dimensions, factory: factory)
    }
}
