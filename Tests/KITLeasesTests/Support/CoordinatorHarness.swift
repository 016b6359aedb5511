import Foundation
import Logging
import Testing

@testable import KITLeases

/// Every event of every worker, stamped with the shared monotonic clock, so tests can check orderings across
/// workers ("A announced `.lost` before B announced `.acquired`").
actor EventLog {
    struct Entry: Sendable {
        var worker: String
        var event: LeaseEvent
        var at: ContinuousClock.Instant
    }
    private(set) var entries: [Entry] = []

    func add(_ worker: String, _ event: LeaseEvent) { entries.append(Entry(worker: worker, event: event, at: .now)) }

    func acquired(by worker: String) -> [String] {
        entries.compactMap { entry -> String? in
            guard entry.worker == worker, case .acquired(let lease) = entry.event else { return nil }
            return lease.key
        }
    }

    func first(_ worker: String, _ match: (LeaseEvent) -> Bool) -> ContinuousClock.Instant? {
        entries.first { $0.worker == worker && match($0.event) }?.at
    }

    /// Whether two workers ever had the same stream announced at the same time (acquired, not yet lost). Events
    /// are stamped when the consumer sees them, after the coordinator emitted them, so a real overlap could hide
    /// only inside that small delay; the invariant it checks is the one the pipelines rely on.
    func overlaps() -> [String] {
        var holder: [String: String] = [:]
        var problems: [String] = []
        for entry in entries {
            switch entry.event {
            case .acquired(let lease):
                if let other = holder[lease.key], other != entry.worker {
                    problems.append("\(lease.key): \(entry.worker) acquired while \(other) held it")
                }
                holder[lease.key] = entry.worker
            case .lost(let key):
                if holder[key] == entry.worker { holder[key] = nil }
            }
        }
        return problems
    }
}

/// One coordinator running in a task, its events consumed into the shared log.
struct TestWorker {
    let id: String
    let coordinator: LeaseCoordinator
    let run: Task<Void, any Error>
    let consumer: Task<Void, Never>

    /// `releasingOnExit: false` makes ``stop()`` a crash: the leases stay as a dead worker leaves them.
    static func start(
        _ id: String, store: any LeaseStore, streams: Set<String>, failover: Duration, log: EventLog,
        releasingOnExit: Bool = true
    ) async -> TestWorker {
        var logger = Logger(label: "kit.leases.test")
        logger.logLevel = ProcessInfo.processInfo.environment["KIT_TEST_LOG"] == nil ? .critical : .debug
        let coordinator = LeaseCoordinator(store: store, workerId: id, failover: failover, logger: logger)
        await coordinator.setStreams(streams)
        let consumer = Task {
            for await event in coordinator.events { await log.add(id, event) }
        }
        let run = Task { try await coordinator.run(releasingOnExit: releasingOnExit) }
        return TestWorker(id: id, coordinator: coordinator, run: run, consumer: consumer)
    }

    var held: Set<String> {
        get async { Set(await coordinator.snapshot().held.map(\.key)) }
    }

    /// Cancels the run and waits for it (and for the last events) to finish.
    func stop() async throws {
        run.cancel()
        try await run.value
        await consumer.value
    }
}

/// A real store whose renewals can be made to hang, as over a network partition: the worker keeps running but can
/// no longer prove it is alive.
actor PartitionableStore: LeaseStore {
    let base: any LeaseStore
    private var partitioned = false

    init(_ base: any LeaseStore) { self.base = base }

    func partition(_ on: Bool) { partitioned = on }

    private func waitWhilePartitioned() async throws {
        while partitioned { try await Task.sleep(for: .milliseconds(20)) }
    }

    func prepare() async throws { try await base.prepare() }
    func list() async throws -> [Lease] {
        try await waitWhilePartitioned()
        return try await base.list()
    }
    func createIfAbsent(key: String) async throws { try await base.createIfAbsent(key: key) }
    func take(key: String, expectedCounter: Int64, expectedOwner: String?, newOwner: String) async throws -> Lease? {
        try await waitWhilePartitioned()
        return try await base.take(
            key: key, expectedCounter: expectedCounter, expectedOwner: expectedOwner, newOwner: newOwner)
    }
    func renew(key: String, owner: String, expectedCounter: Int64) async throws -> Lease? {
        try await waitWhilePartitioned()
        return try await base.renew(key: key, owner: owner, expectedCounter: expectedCounter)
    }
    func checkpoint(key: String, owner: String, expectedCounter: Int64, _ checkpoint: Checkpoint) async throws -> Bool {
        try await waitWhilePartitioned()
        return try await base.checkpoint(key: key, owner: owner, expectedCounter: expectedCounter, checkpoint)
    }
    func release(key: String, owner: String, expectedCounter: Int64) async throws -> Bool {
        try await base.release(key: key, owner: owner, expectedCounter: expectedCounter)
    }
    func delete(key: String) async throws { try await base.delete(key: key) }
}
