import Foundation
import KITTestSupport
import Testing

@testable import KITLeases

/// Several coordinators on one real SQLite store, with a short failover. Serialized: the timing margins are
/// fractions of a second, and a quieter machine keeps them meaningful. Every wait is for a condition with a
/// generous bound; the only lower bound checked is one that load can only make longer.
@Suite("lease coordinator", .serialized)
struct LeaseCoordinatorTests {
    static let failover = Duration.milliseconds(1200)

    static func withStore(_ body: (SQLiteLeaseStore) async throws -> Void) async throws {
        let directory = try LeaseTestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try await body(SQLiteLeaseStore(path: directory.appendingPathComponent("leases.sqlite").path))
    }

    static func counts(_ workers: [TestWorker]) async -> [Int] {
        var counts: [Int] = []
        for worker in workers { counts.append(await worker.held.count) }
        return counts
    }

    @Test("One worker takes every lease and checkpoints; on shutdown it releases them and another takes over at once")
    func shutdownRelease() async throws {
        try await Self.withStore { store in
            let log = EventLog()
            let streams: Set<String> = ["s0", "s1", "s2"]
            // A long failover: the takeover below must come from the release, not from expiry.
            let failover = Duration.seconds(20)
            let a = await TestWorker.start("a", store: store, streams: streams, failover: failover, log: log)
            try await waitUntil("a announced every stream") { await Set(log.acquired(by: "a")) == streams }
            let checkpoint = Checkpoint(fragmentNumber: "42", serverTimestampMillis: 1_700_000_000_000)
            #expect(try await a.coordinator.checkpoint(key: "s1", checkpoint))
            #expect(try await !a.coordinator.checkpoint(key: "not-held", checkpoint))
            let snapshot = await a.coordinator.snapshot()
            #expect(snapshot.held.count == 3 && snapshot.workersSeen == 1)

            try await a.stop()
            let released = try await store.list()
            #expect(released.allSatisfy { $0.owner == nil }, "\(released)")
            #expect(released.first { $0.key == "s1" }?.checkpoint == checkpoint)
            #expect(await log.entries.filter { if case .lost = $0.event { true } else { false } }.count == 3)
            #expect(try await !a.coordinator.checkpoint(key: "s1", checkpoint))

            let start = ContinuousClock.now
            let b = await TestWorker.start("b", store: store, streams: streams, failover: failover, log: log)
            try await waitUntil(timeout: .seconds(15), "b announced every stream") {
                await Set(log.acquired(by: "b")) == streams
            }
            #expect(ContinuousClock.now - start < failover, "released leases are taken without waiting for expiry")
            let resumed = await b.coordinator.snapshot().held.first { $0.key == "s1" }
            #expect(resumed?.checkpoint == checkpoint)
            try await b.stop()
            #expect(await log.overlaps().isEmpty)
        }
    }

    @Test("Workers joining one by one end with an even spread (6 leases: 6 → 3/3 → 2/2/2) and stay there")
    func balanceOnJoin() async throws {
        try await Self.withStore { store in
            let log = EventLog()
            let streams = Set((0..<6).map { "s\($0)" })
            let a = await TestWorker.start("a", store: store, streams: streams, failover: Self.failover, log: log)
            try await waitUntil("a holds all six") { await a.held.count == 6 }
            let b = await TestWorker.start("b", store: store, streams: streams, failover: Self.failover, log: log)
            try await waitUntil("3/3") { await Self.counts([a, b]) == [3, 3] }
            let c = await TestWorker.start("c", store: store, streams: streams, failover: Self.failover, log: log)
            try await waitUntil("2/2/2") { await Self.counts([a, b, c]) == [2, 2, 2] }
            // Several renew/take cycles later nothing has moved.
            try await Task.sleep(for: Self.failover * 2)
            #expect(await Self.counts([a, b, c]) == [2, 2, 2])
            #expect(await c.coordinator.snapshot().workersSeen == 3)
            for worker in [a, b, c] { try await worker.stop() }
            #expect(await log.overlaps().isEmpty)
        }
    }

    @Test("A worker that dies without releasing has its leases taken over after the failover time, not before")
    func takeoverAfterDeath() async throws {
        try await Self.withStore { store in
            let log = EventLog()
            let streams: Set<String> = ["s0", "s1", "s2", "s3"]
            let a = await TestWorker.start(
                "a", store: store, streams: streams, failover: Self.failover, log: log, releasingOnExit: false)
            try await waitUntil("a holds all four") { await a.held.count == 4 }
            let b = await TestWorker.start("b", store: store, streams: streams, failover: Self.failover, log: log)
            try await waitUntil("2/2") { await Self.counts([a, b]) == [2, 2] }
            let orphaned = await a.held
            try await a.stop()  // a crash: no release, no more renewals
            let died = ContinuousClock.now
            #expect(try await store.list().filter { $0.owner == "a" }.count == 2)
            try await waitUntil("b holds all four") { await b.held.count == 4 }
            let tookOver = ContinuousClock.now - died
            // a renewed at most F/3 before dying, and b waits F after the last change it saw.
            #expect(tookOver >= Self.failover - Self.failover / 3, "\(tookOver)")
            #expect(Set(await log.acquired(by: "b")).isSuperset(of: orphaned))
            try await b.stop()
        }
    }

    @Test(
        "A partitioned worker fences itself: .lost comes before the new owner's .acquired, and its checkpoint is refused"
    )
    func fencing() async throws {
        try await Self.withStore { store in
            let log = EventLog()
            let partitionable = PartitionableStore(store)
            let a = await TestWorker.start(
                "a", store: partitionable, streams: ["s0"], failover: Self.failover, log: log)
            try await waitUntil("a announced s0") { await log.acquired(by: "a") == ["s0"] }
            let b = await TestWorker.start("b", store: store, streams: ["s0"], failover: Self.failover, log: log)
            #expect(try await a.coordinator.checkpoint(key: "s0", Checkpoint(fragmentNumber: "1")))

            await partitionable.partition(true)
            try await waitUntil("a gave s0 up") { await log.first("a") { $0 == .lost(key: "s0") } != nil }
            #expect(try await !a.coordinator.checkpoint(key: "s0", Checkpoint(fragmentNumber: "2")))
            try await waitUntil("b announced s0") { await log.acquired(by: "b") == ["s0"] }
            let lost = try #require(await log.first("a") { $0 == .lost(key: "s0") })
            let acquired = try #require(await log.first("b") { if case .acquired = $0 { true } else { false } })
            #expect(lost < acquired)
            #expect(try await b.coordinator.checkpoint(key: "s0", Checkpoint(fragmentNumber: "3")))

            // Healed: a's delayed renewal fails its condition; a does not get s0 back while b renews it.
            await partitionable.partition(false)
            try await Task.sleep(for: Self.failover)
            let (heldByA, heldByB) = (await a.held, await b.held)
            #expect(heldByA.isEmpty && heldByB == ["s0"])
            let lease = try #require(try await store.list().first)
            #expect(lease.owner == "b" && lease.checkpoint?.fragmentNumber == "3")
            try await a.stop()
            try await b.stop()
            #expect(await log.overlaps().isEmpty)
        }
    }

    @Test("A stream dropped by discovery is announced lost and released; its lease and checkpoint stay")
    func streamRemoved() async throws {
        try await Self.withStore { store in
            let log = EventLog()
            let a = await TestWorker.start("a", store: store, streams: ["s0", "s1"], failover: Self.failover, log: log)
            try await waitUntil("a holds both") { await a.held.count == 2 }
            #expect(try await a.coordinator.checkpoint(key: "s1", Checkpoint(fragmentNumber: "9")))
            await a.coordinator.setStreams(["s0", "s2"])
            #expect(await log.first("a") { $0 == .lost(key: "s1") } != nil)
            try await waitUntil("a holds s0 and the new s2") { await a.held == ["s0", "s2"] }
            let s1 = try #require(try await store.list().first { $0.key == "s1" })
            #expect(s1.owner == nil && s1.checkpoint?.fragmentNumber == "9")
            try await a.stop()
        }
    }
}
