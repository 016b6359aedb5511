import Logging

/// What the coordinator tells the pipeline side: start processing a stream, or stop at once.
public enum LeaseEvent: Sendable, Equatable {
    /// This worker now holds the lease: start the stream's pipeline from `lease.checkpoint`.
    case acquired(Lease)
    /// This worker no longer holds the lease (taken, expired, released or fenced): stop the stream's pipeline now.
    case lost(key: String)
}

/// One worker's side of the lease protocol, Kinesis Client Library style: it keeps a lease per discovered stream
/// in a ``LeaseStore``, renews the ones it holds, takes free and expired ones up to its fair share, steals one at a
/// time from over-loaded workers, and fences itself — announcing `.lost` — before any other worker may consider a
/// lease it failed to renew expired. Checkpoints go through it so they are written only under the current tenure.
///
/// Timing, for a failover time `F` (default 10 s): renewals every `F/3`; a held lease not renewed for `3F/4` is
/// given up (the fence); another worker's lease whose counter has not changed for `F`, as observed locally, is
/// expired and may be taken; a stolen lease is announced to its new owner only `F` after the take, when the old
/// owner has either seen its renewal fail or fenced itself. No clocks are compared between workers: each judges
/// time with its own monotonic clock. The argument is spelled out in docs/ARCHITECTURE.md ("Leases").
public actor LeaseCoordinator {
    public nonisolated let workerId: String
    public nonisolated let failover: Duration
    /// `.acquired` and `.lost`, in the order they happened; finishes when ``run()`` returns. One consumer.
    public nonisolated let events: AsyncStream<LeaseEvent>

    private let continuation: AsyncStream<LeaseEvent>.Continuation
    private let store: any LeaseStore
    private let logger: Logger
    private let clock = ContinuousClock()

    /// How often held leases are renewed and the table is scanned.
    nonisolated var renewInterval: Duration { failover / 3 }
    /// A held lease not renewed for this long is given up: `F − F/4`, a quarter of the failover time before any
    /// other worker can see it expire.
    nonisolated var fenceAfter: Duration { failover - failover / 4 }

    struct Held {
        var lease: Lease
        /// When the last successful take or renew was sent: the store saw the counter change after this, so no
        /// other worker can judge the lease expired before this + F.
        var renewedAt: ContinuousClock.Instant
        /// When to emit `.acquired` (immediately for free leases, F after the take for stolen ones).
        var announceAt: ContinuousClock.Instant
        var announced = false
    }

    struct Observation {
        var counter: Int64
        var owner: String?
        var since: ContinuousClock.Instant
    }

    private var held: [String: Held] = [:]
    private var observations: [String: Observation] = [:]
    private var streams: Set<String> = []
    private var table: [Lease] = []
    private var workersSeen = 1
    private var prepared = false
    /// Keys with a store write in flight: renewals, checkpoints and releases of one lease go one at a time, so a
    /// checkpoint never carries a counter its own renewal has just moved past.
    private var busy: Set<String> = []
    private var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]

    public init(store: any LeaseStore, workerId: String, failover: Duration = .seconds(10), logger: Logger) {
        self.store = store
        self.workerId = workerId
        self.failover = failover
        var logger = logger
        logger[metadataKey: "worker"] = "\(workerId)"
        self.logger = logger
        (events, continuation) = AsyncStream.makeStream(of: LeaseEvent.self)
    }

    // MARK: - Public API

    /// The streams this worker should process (from discovery). Missing leases are created (now if ``run()`` has
    /// prepared the store, else on its first cycle); held leases of streams no longer listed are given up
    /// (`.lost`, then released, their checkpoints kept).
    public func setStreams(_ keys: Set<String>) async {
        let removed = streams.subtracting(keys)
        let added = keys.subtracting(streams)
        streams = keys
        for key in removed where held[key] != nil {
            await lock(key)
            if let entry = held.removeValue(forKey: key) {
                if entry.announced { continuation.yield(.lost(key: key)) }
                await release(entry.lease)
            }
            unlock(key)
        }
        guard prepared else { return }
        let known = Set(table.map(\.key))
        for key in added where !known.contains(key) {
            do {
                try await store.createIfAbsent(key: key)
            } catch {
                logger.warning("cannot create lease", metadata: ["stream": "\(key)", "error": "\(error)"])
            }
        }
    }

    /// Stores a checkpoint under the current tenure. `false` means this worker no longer holds the lease (and
    /// `.lost` has been emitted, if `.acquired` was): the pipeline must stop without writing anything further.
    public func checkpoint(key: String, _ checkpoint: Checkpoint) async throws -> Bool {
        // Answer a fenced or lost lease at once, without queueing behind a renewal that may be hanging.
        fence(now: clock.now)
        guard held[key]?.announced == true else { return false }
        await lock(key)
        defer { unlock(key) }
        fence(now: clock.now)
        guard let entry = held[key], entry.announced else { return false }
        let written = try await store.checkpoint(
            key: key, owner: workerId, expectedCounter: entry.lease.counter, checkpoint)
        guard held[key]?.lease.counter == entry.lease.counter else { return false }
        if written {
            held[key]?.lease.checkpoint = checkpoint
            held[key]?.lease.ownerSwitchesSinceCheckpoint = 0
            return true
        }
        logger.warning("checkpoint refused: lease taken by another worker", metadata: ["stream": "\(key)"])
        drop(key)
        return false
    }

    /// Renews, takes and fences until cancelled; then releases every held lease (so other workers take over at
    /// once) and finishes ``events``. Throws only when the store cannot be prepared. Call it once per coordinator.
    public func run() async throws {
        try await run(releasingOnExit: true)
    }

    /// What this worker holds in the store (stolen leases included while their `.acquired` is still pending), how
    /// many live workers it sees (itself included), and the table as last scanned.
    public func snapshot() async -> (held: [Lease], workersSeen: Int, all: [Lease]) {
        (held.values.map(\.lease).sorted { $0.key < $1.key }, workersSeen, table)
    }

    // MARK: - The loops

    /// `releasingOnExit: false` leaves the leases as a crashed worker would (for tests).
    func run(releasingOnExit: Bool) async throws {
        try await store.prepare()
        prepared = true
        logger.info("lease coordinator started", metadata: ["failover": "\(failover)"])
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.renewLoop() }
            group.addTask { await self.takeLoop() }
            group.addTask { await self.timerLoop() }
        }
        if releasingOnExit {
            // The run task is cancelled; the releases must still reach the store.
            await Task.detached { await self.releaseAll() }.value
        }
        continuation.finish()
        logger.info("lease coordinator stopped")
    }

    private func renewLoop() async {
        while !Task.isCancelled {
            await renewAll()
            do { try await Task.sleep(for: renewInterval) } catch { return }
        }
    }

    /// Scans every `F/3` (±20 %, so workers started together do not race for the same leases every time).
    private func takeLoop() async {
        while !Task.isCancelled {
            await takeCycle()
            do { try await Task.sleep(for: renewInterval * Double.random(in: 0.8...1.2)) } catch { return }
        }
    }

    /// Fences and announces on time, independent of how long store calls take.
    private func timerLoop() async {
        while !Task.isCancelled {
            let now = clock.now
            fence(now: now)
            var next = now + renewInterval / 2
            for entry in held.values {
                next = min(next, entry.renewedAt + fenceAfter, entry.announced ? next : entry.announceAt)
            }
            do { try await Task.sleep(until: max(next, now + .milliseconds(1)), clock: clock) } catch { return }
        }
    }

    /// Gives up leases not renewed in time and announces the ones whose wait is over.
    private func fence(now: ContinuousClock.Instant) {
        for (key, entry) in held {
            if now - entry.renewedAt >= fenceAfter {
                logger.warning(
                    "lease not renewed in time: giving it up before others may take it",
                    metadata: ["stream": "\(key)", "sinceRenewal": "\(now - entry.renewedAt)"])
                drop(key)
            } else if !entry.announced && now >= entry.announceAt {
                held[key]?.announced = true
                logger.info("lease acquired", metadata: ["stream": "\(key)", "counter": "\(entry.lease.counter)"])
                continuation.yield(.acquired(entry.lease))
            }
        }
    }

    private func renewAll() async {
        await withTaskGroup(of: Void.self) { group in
            for key in held.keys {
                group.addTask { await self.renew(key) }
            }
        }
    }

    private func renew(_ key: String) async {
        await lock(key)
        defer { unlock(key) }
        guard let entry = held[key] else { return }
        let sent = clock.now
        do {
            let renewed = try await store.renew(key: key, owner: workerId, expectedCounter: entry.lease.counter)
            guard held[key]?.lease.counter == entry.lease.counter else { return }
            if let renewed {
                held[key]?.lease = renewed
                held[key]?.renewedAt = sent
            } else {
                logger.info("lease lost: renewal refused", metadata: ["stream": "\(key)"])
                drop(key)
            }
        } catch {
            logger.warning("lease renewal failed", metadata: ["stream": "\(key)", "error": "\(error)"])
        }
    }

    private func takeCycle() async {
        var leases: [Lease]
        do {
            leases = try await store.list()
        } catch {
            logger.warning("cannot list leases", metadata: ["error": "\(error)"])
            return
        }
        let now = clock.now
        observe(leases, now: now)
        let present = Set(leases.map(\.key))
        for key in streams.subtracting(present).sorted() {
            do {
                try await store.createIfAbsent(key: key)
                leases.append(Lease(key: key))
            } catch {
                logger.warning("cannot create lease", metadata: ["stream": "\(key)", "error": "\(error)"])
            }
        }
        // A held lease the table shows in other hands was stolen: stop before the next renewal says so.
        for lease in leases where held[lease.key] != nil && lease.owner != workerId {
            logger.info("lease lost: taken by \(lease.owner ?? "nobody")", metadata: ["stream": "\(lease.key)"])
            drop(lease.key)
        }
        let plan = LeasePlan.make(
            leases: leases, streams: streams, workerId: workerId, held: Set(held.keys),
            isExpired: { self.isExpired($0, now: now) })
        workersSeen = plan.workers
        for lease in plan.take {
            await take(lease, stolen: false)
        }
        if let victim = plan.steal {
            logger.info(
                "stealing a lease to balance", metadata: ["stream": "\(victim.key)", "from": "\(victim.owner ?? "")"])
            await take(victim, stolen: true)
        }
    }

    private func take(_ lease: Lease, stolen: Bool) async {
        guard held[lease.key] == nil, streams.contains(lease.key) else { return }
        let sent = clock.now
        do {
            let taken = try await store.take(
                key: lease.key, expectedCounter: lease.counter, expectedOwner: lease.owner, newOwner: workerId)
            guard let taken, held[lease.key] == nil, streams.contains(lease.key) else { return }
            held[lease.key] = Held(lease: taken, renewedAt: sent, announceAt: stolen ? sent + failover : sent)
            fence(now: clock.now)
        } catch {
            logger.warning("cannot take lease", metadata: ["stream": "\(lease.key)", "error": "\(error)"])
        }
    }

    private func observe(_ leases: [Lease], now: ContinuousClock.Instant) {
        var next: [String: Observation] = [:]
        for lease in leases {
            if let seen = observations[lease.key], seen.counter == lease.counter, seen.owner == lease.owner {
                next[lease.key] = seen
            } else {
                next[lease.key] = Observation(counter: lease.counter, owner: lease.owner, since: now)
            }
        }
        observations = next
        table = leases.sorted { $0.key < $1.key }
    }

    private func isExpired(_ lease: Lease, now: ContinuousClock.Instant) -> Bool {
        guard let seen = observations[lease.key] else { return false }
        return now - seen.since >= failover
    }

    /// Stops treating `key` as held, announcing `.lost` if `.acquired` was.
    private func drop(_ key: String) {
        guard let entry = held.removeValue(forKey: key) else { return }
        if entry.announced { continuation.yield(.lost(key: key)) }
    }

    private func releaseAll() async {
        for key in held.keys.sorted() {
            await lock(key)
            if let entry = held.removeValue(forKey: key) {
                if entry.announced { continuation.yield(.lost(key: key)) }
                await release(entry.lease)
            }
            unlock(key)
        }
        // A take or renewal that was in flight when the loops were cancelled may have landed in the store without
        // this worker knowing (or with a newer counter than it knows): give back whatever the table still says is
        // ours, with the table's own counter.
        guard let table = try? await store.list() else { return }
        for lease in table where lease.owner == workerId {
            await release(lease)
        }
    }

    private func release(_ lease: Lease) async {
        do {
            let released = try await store.release(key: lease.key, owner: workerId, expectedCounter: lease.counter)
            logger.info("lease released", metadata: ["stream": "\(lease.key)", "released": "\(released)"])
        } catch {
            logger.warning("cannot release lease", metadata: ["stream": "\(lease.key)", "error": "\(error)"])
        }
    }

    // MARK: - Per-lease write order

    private func lock(_ key: String) async {
        while busy.contains(key) {
            await withCheckedContinuation { waiting[key, default: []].append($0) }
        }
        busy.insert(key)
    }

    private func unlock(_ key: String) {
        busy.remove(key)
        if var queue = waiting[key], !queue.isEmpty {
            let next = queue.removeFirst()
            waiting[key] = queue.isEmpty ? nil : queue
            next.resume()
        }
    }
}
