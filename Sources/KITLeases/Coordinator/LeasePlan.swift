/// One worker's decision for one take cycle, computed from the lease table alone (pure, so the balancing rules are
/// tested without a store or a clock).
///
/// The rules are the Kinesis Client Library's: the workers are the distinct owners of live leases plus this one;
/// each should hold `target = ceil(leases / workers)`. A worker below target takes free leases (unowned, expired,
/// or its own orphans) up to the target; when none is free it steals one lease per cycle from the most loaded
/// worker, and only from a worker holding more than the target — so at steady state counts differ by at most one
/// and nobody steals back and forth.
struct LeasePlan: Equatable {
    /// Free leases to take now, in the order to try them.
    var take: [Lease]
    /// A lease of an over-loaded live worker to take, when nothing was free.
    var steal: Lease?
    var target: Int
    /// Live workers, this one included.
    var workers: Int

    /// - Parameters:
    ///   - leases: the whole table.
    ///   - streams: the streams this worker processes (discovery); other leases are neither counted nor taken.
    ///   - held: the keys this worker holds.
    ///   - isExpired: whether another worker's lease has not changed for the failover time, as observed here.
    static func make(
        leases: [Lease], streams: Set<String>, workerId: String, held: Set<String>, isExpired: (Lease) -> Bool,
        shuffle: ([Lease]) -> [Lease] = { $0.shuffled() }
    ) -> LeasePlan {
        func isFree(_ lease: Lease) -> Bool {
            guard let owner = lease.owner else { return true }
            if owner == workerId { return !held.contains(lease.key) }
            return isExpired(lease)
        }
        let live = leases.filter { !isFree($0) }
        let workers = Set(live.compactMap(\.owner)).union([workerId]).count
        let relevant = leases.filter { streams.contains($0.key) }
        guard !relevant.isEmpty else { return LeasePlan(take: [], steal: nil, target: 0, workers: workers) }
        let target = (relevant.count + workers - 1) / workers
        let mine = relevant.filter { held.contains($0.key) && $0.owner == workerId }.count
        let need = target - mine
        guard need > 0 else { return LeasePlan(take: [], steal: nil, target: target, workers: workers) }
        let free = relevant.filter(isFree)
        if !free.isEmpty {
            return LeasePlan(take: Array(shuffle(free).prefix(need)), steal: nil, target: target, workers: workers)
        }
        var byOwner: [String: [Lease]] = [:]
        for lease in relevant where !isFree(lease) {
            if let owner = lease.owner, owner != workerId { byOwner[owner, default: []].append(lease) }
        }
        // The most loaded worker; ties go to the smallest id so every worker picks the same victim.
        let victim = byOwner.max { a, b in
            a.value.count != b.value.count ? a.value.count < b.value.count : a.key > b.key
        }
        guard let victim, victim.value.count > target else {
            return LeasePlan(take: [], steal: nil, target: target, workers: workers)
        }
        return LeasePlan(take: [], steal: shuffle(victim.value).first, target: target, workers: workers)
    }
}
