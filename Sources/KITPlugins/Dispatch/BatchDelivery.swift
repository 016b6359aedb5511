import KITAsync
import Logging
import Metrics
import Synchronization

/// Hands one batch to one plugin with Lambda's event-source-mapping semantics, and settles every record of it:
/// each one's delivery is completed (taken by the plugin, or parked in the dead-letter destination) or abandoned
/// (shutdown, or the dead-letter destination kept failing), exactly once.
///
/// - A **partial batch response** (ABI 2, `ReportBatchItemFailures`) completes the records before the first
///   failed one at once; that record and the ones after it are invoked again with backoff. When the same record
///   is still the first failure after `maxRetries` retries, it alone is dead-lettered and the rest go on — one
///   poison record never takes its neighbours with it, and a record reported as done is never delivered again.
/// - A **thrown error** (the whole batch failed) is retried `maxRetries` times with backoff, then the batch is
///   bisected, recursively, so only the records that fail on their own are dead-lettered.
/// - A **missed deadline** cancels the invocation and dead-letters the batch; after `quarantineAfter` in a row the
///   plugin is quarantined and its records go straight to the dead-letter destination until restart.
struct BatchDelivery {
    let slot: PluginSlot
    let stream: String
    let configuration: PluginDispatcher.Configuration
    let deadLetters: DeadLetterWriter
    let logger: Logger

    var backoff: Backoff {
        Backoff(base: configuration.retryBackoff, maximum: max(configuration.retryBackoff, .seconds(10)))
    }

    func deliver(_ batch: [Pending]) async {
        var pending = batch[...]
        var retries = 0
        while !pending.isEmpty {
            if slot.isQuarantined {
                let error = "plugin quarantined after \(configuration.quarantineAfter) missed deadlines"
                await deadLetter(pending, reason: .quarantined, error: error, attempts: 0)
                return
            }
            switch await invoke(pending) {
            case .succeeded:
                complete(pending)
                return
            case .abandoned:
                abandon(pending)
                return
            case .timedOut:
                await missedDeadline(pending, attempts: retries + 1)
                return
            case .failed(let message):
                guard retries < configuration.maxRetries else {
                    await bisect(pending, error: message, attempts: retries + 1)
                    return
                }
            case .partial(let items):
                guard let failedFrom = Self.firstFailure(items, in: pending) else {
                    // Lambda fails the whole batch when an identifier is empty or not in it: so do we.
                    let message = "batch item failures name no record of the batch: \(items.prefix(5))"
                    logger.warning(
                        "plugin reported invalid batch item failures", metadata: self.metadata(pending, message))
                    guard retries < configuration.maxRetries else {
                        await bisect(pending, error: message, attempts: retries + 1)
                        return
                    }
                    break
                }
                slot.itemFailures.increment(by: Int64(pending.count - failedFrom))
                let progressed = failedFrom > 0
                complete(pending.prefix(failedFrom))
                pending = pending.dropFirst(failedFrom)
                if progressed { retries = 0 }
                guard retries < configuration.maxRetries else {
                    let error = "reported as failed by the plugin \(retries + 1) times in a row"
                    await deadLetter(pending.prefix(1), reason: .error, error: error, attempts: retries + 1)
                    pending = pending.dropFirst()
                    retries = 0
                    continue
                }
            }
            retries += 1
            slot.retries.increment()
            do { try await backoff.sleep(retry: retries) } catch {
                abandon(pending)
                return
            }
        }
    }

    /// The index of the first record (in batch order) that `items` names, or `nil` if any identifier is invalid.
    static func firstFailure(_ items: [String], in batch: ArraySlice<Pending>) -> Int? {
        var positions: [String: Int] = [:]
        for (offset, pending) in batch.enumerated() where positions[pending.record.sequenceNumber] == nil {
            positions[pending.record.sequenceNumber] = offset
        }
        var first = Int.max
        for item in items {
            guard !item.isEmpty, let position = positions[item] else { return nil }
            first = min(first, position)
        }
        return first == Int.max ? nil : first
    }

    /// Splits a batch that still fails after its retries and tries each half once, recursively, so the records
    /// that fail end up alone in the dead-letter destination and the others are delivered.
    private func bisect(_ batch: ArraySlice<Pending>, error: String, attempts: Int) async {
        guard batch.count > 1 else {
            await deadLetter(batch, reason: .error, error: error, attempts: attempts)
            return
        }
        let middle = batch.startIndex + batch.count / 2
        for half in [batch[..<middle], batch[middle...]] {
            if slot.isQuarantined {
                await deliver(Array(half))
                continue
            }
            slot.retries.increment()
            switch await invoke(half) {
            case .succeeded:
                complete(half)
            case .abandoned:
                abandon(half)
            case .timedOut:
                await missedDeadline(half, attempts: attempts + 1)
            case .failed(let message):
                await bisect(half, error: message, attempts: attempts + 1)
            case .partial:
                // The plugin can say which records failed: let the partial-failure rules settle this half.
                await deliver(Array(half))
            }
        }
    }

    private func invoke(_ batch: ArraySlice<Pending>) async -> InvocationOutcome {
        let event = LambdaKinesisEventEncoder.encode(batch.lazy.map(\.record), plugin: slot.name)
        slot.invocations.increment()
        let start = ContinuousClock.now
        let outcome = await slot.plugin.invoke(event: event, deadline: configuration.deadline)
        slot.duration.record(duration: ContinuousClock.now - start)
        switch outcome {
        case .succeeded, .partial:
            slot.missedDeadlines.store(0, ordering: .relaxed)
        case .failed(let message):
            slot.errors.increment()
            logger.warning("plugin invocation failed", metadata: metadata(batch, message))
        case .timedOut:
            slot.errors.increment()
            logger.error(
                "plugin invocation missed its deadline; cancelled",
                metadata: metadata(batch, "deadline \(configuration.deadline)"))
        case .abandoned:
            break
        }
        return outcome
    }

    private func missedDeadline(_ batch: ArraySlice<Pending>, attempts: Int) async {
        let misses = slot.missedDeadlines.add(1, ordering: .relaxed).newValue
        if misses >= configuration.quarantineAfter, !slot.quarantined.exchange(true, ordering: .relaxed) {
            logger.critical(
                "plugin quarantined: its records go to the dead-letter destination until restart",
                metadata: ["plugin": "\(slot.name)", "missedDeadlines": "\(misses)"])
        }
        await deadLetter(
            batch, reason: .deadline,
            error: "no completion within the deadline of \(configuration.deadline); invocation cancelled",
            attempts: attempts)
    }

    /// Writes the records to the dead-letter destination, retrying a failing write a bounded number of times;
    /// when it keeps failing they are abandoned (so their fragment is not checkpointed), never dropped.
    private func deadLetter(_ batch: ArraySlice<Pending>, reason: DeadLetter.Reason, error: String, attempts: Int)
        async
    {
        guard !batch.isEmpty else { return }
        let letter = DeadLetter(
            plugin: slot.name, pluginVersion: slot.plugin.version, pluginSHA256: slot.plugin.sha256,
            stream: stream, reason: reason, error: error, attempts: attempts,
            sequenceNumbers: batch.map(\.record.sequenceNumber),
            event: LambdaKinesisEventEncoder.encode(batch.lazy.map(\.record), plugin: slot.name))
        let writes = Backoff(base: .milliseconds(100), maximum: .seconds(5))
        for attempt in 1...8 {
            do {
                let location = try await deadLetters.write(letter)
                slot.deadLettered.increment(by: Int64(batch.count))
                var details = metadata(batch, error)
                details["reason"] = "\(reason.rawValue)"
                details["location"] = "\(location)"
                logger.error("records dead-lettered", metadata: details)
                complete(batch)
                return
            } catch {
                logger.error(
                    "dead-letter write failed",
                    metadata: ["plugin": "\(slot.name)", "attempt": "\(attempt)", "error": "\(error)"])
                do { try await writes.sleep(retry: attempt) } catch { break }
            }
        }
        abandon(batch)
    }

    private func complete(_ batch: some Sequence<Pending>) {
        for pending in batch { pending.tracker.complete() }
    }

    private func abandon(_ batch: some Sequence<Pending>) {
        for pending in batch { pending.tracker.abandon() }
    }

    private func metadata(_ batch: some Collection<Pending>, _ error: String) -> Logger.Metadata {
        [
            "plugin": "\(slot.name)", "stream": "\(stream)", "records": "\(batch.count)", "error": "\(error)",
            "first": "\(batch.first?.record.sequenceNumber ?? "")",
        ]
    }
}
