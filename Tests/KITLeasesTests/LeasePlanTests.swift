import Testing

@testable import KITLeases

@Suite("lease plan (balancing rules)")
struct LeasePlanTests {
    static func leases(_ owners: [String?]) -> [Lease] {
        owners.enumerated().map { Lease(key: "s\($0.offset)", owner: $0.element, counter: 1) }
    }

    static func plan(
        _ leases: [Lease], me: String = "me", expired: Set<String> = [], streams: Set<String>? = nil
    ) -> LeasePlan {
        LeasePlan.make(
            leases: leases, streams: streams ?? Set(leases.map(\.key)), workerId: me,
            held: Set(leases.filter { $0.owner == me }.map(\.key)), isExpired: { expired.contains($0.key) },
            shuffle: { $0 })
    }

    @Test("A lone worker takes every free lease")
    func alone() {
        let plan = Self.plan(Self.leases([nil, nil, nil, nil]))
        #expect(plan.workers == 1 && plan.target == 4)
        #expect(plan.take.map(\.key) == ["s0", "s1", "s2", "s3"] && plan.steal == nil)
    }

    @Test("Free leases are taken only up to ceil(leases / workers)")
    func upToTarget() {
        let plan = Self.plan(Self.leases(["a", "a", nil, nil, nil]))
        #expect(plan.workers == 2 && plan.target == 3)
        #expect(plan.take.count == 3 && plan.steal == nil)
        let full = Self.plan(Self.leases(["me", "me", "me", nil, nil, "a"]))
        #expect(full.target == 3 && full.take.isEmpty && full.steal == nil)
    }

    @Test("Expired leases count as free and their owners stop counting as workers")
    func expired() {
        let plan = Self.plan(Self.leases(["dead", "dead", "b"]), expired: ["s0", "s1"])
        #expect(plan.workers == 2 && plan.target == 2)
        #expect(plan.take.map(\.key) == ["s0", "s1"])
    }

    @Test("With nothing free, one lease is stolen from the most loaded worker holding more than the target")
    func steal() {
        let plan = Self.plan(Self.leases(["a", "a", "a", "a", "b", "b", "b"]))
        #expect(plan.workers == 3 && plan.target == 3)
        #expect(plan.take.isEmpty && plan.steal?.owner == "a")
    }

    @Test("At steady state (counts differ by at most one) nobody steals")
    func steady() {
        for owners: [String?] in [["a", "a", "me"], ["a", "a", "b", "b", "me"], ["a", "b", "me", "me"]] {
            let plan = Self.plan(Self.leases(owners))
            #expect(plan.take.isEmpty && plan.steal == nil, "\(owners)")
        }
    }

    @Test("Ties between the most loaded workers go to the smallest id, so every thief picks the same victim")
    func tie() {
        let plan = Self.plan(Self.leases(["b", "b", "b", "a", "a", "a"]), me: "me")
        #expect(plan.target == 2 && plan.steal?.owner == "a")
    }

    @Test("Own leases not held (orphans of a fenced renewal) are free to this worker; other streams are ignored")
    func orphansAndStreams() {
        let leases = Self.leases(["me", nil, "a"])
        let plan = LeasePlan.make(
            leases: leases, streams: ["s0", "s2"], workerId: "me", held: [], isExpired: { _ in false },
            shuffle: { $0 })
        #expect(plan.workers == 2 && plan.target == 1)
        #expect(plan.take.map(\.key) == ["s0"])
        #expect(Self.plan(leases, streams: []).take.isEmpty)
    }
}
