import Foundation

/// The lease table as `kithost status` shows it: one row per lease with its owner, counter, checkpoint, the
/// checkpoint's age (now − when it was written) and the stream's lag (now − the checkpointed fragment's server
/// timestamp). Times come from the writers' wall clocks, so these are for people, not for expiry decisions.
public struct LeaseTableReport: Sendable, Equatable, Codable {
    public struct Row: Sendable, Equatable, Codable {
        public var key: String
        public var owner: String?
        public var counter: Int64
        public var ownerSwitchesSinceCheckpoint: Int64
        public var checkpoint: Checkpoint?
        public var checkpointAgeMillis: Int64?
        public var lagMillis: Int64?
        /// Milliseconds since the lease was last written (take, renew, checkpoint, release).
        public var updatedAgoMillis: Int64
    }

    public var store: String
    public var generatedAtMillis: Int64
    /// Distinct owners of the leases.
    public var owners: [String]
    public var leases: [Row]

    public init(store: String, leases: [Lease], nowMillis: Int64) {
        self.store = store
        generatedAtMillis = nowMillis
        owners = Array(Set(leases.compactMap(\.owner))).sorted()
        self.leases = leases.sorted { $0.key < $1.key }.map { lease in
            Row(
                key: lease.key, owner: lease.owner, counter: lease.counter,
                ownerSwitchesSinceCheckpoint: lease.ownerSwitchesSinceCheckpoint, checkpoint: lease.checkpoint,
                checkpointAgeMillis: lease.checkpointWrittenMillis.map { nowMillis - $0 },
                lagMillis: lease.checkpoint?.serverTimestampMillis.map { nowMillis - $0 },
                updatedAgoMillis: nowMillis - lease.lastUpdatedMillis)
        }
    }

    /// Pretty-printed JSON with sorted keys.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// An aligned text table, a header line first.
    public func table() -> String {
        let header = ["STREAM", "OWNER", "COUNTER", "SWITCHES", "CHECKPOINT", "CHECKPOINT AGE", "LAG"]
        let rows = leases.map { row in
            [
                row.key, row.owner ?? "-", String(row.counter), String(row.ownerSwitchesSinceCheckpoint),
                row.checkpoint?.fragmentNumber ?? "-", Self.duration(row.checkpointAgeMillis),
                Self.duration(row.lagMillis),
            ]
        }
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        var text = "\(store): \(leases.count) lease(s), \(owners.count) owner(s)\n"
        text += ([line(header)] + rows.map(line)).joined(separator: "\n")
        return text + "\n"
    }

    /// `850ms`, `12.3s`, `4m05s`, `2h03m`; `-` when unknown.
    static func duration(_ millis: Int64?) -> String {
        guard let millis else { return "-" }
        let sign = millis < 0 ? "-" : ""
        let value = abs(millis)
        switch value {
        case ..<1000: return "\(sign)\(value)ms"
        case ..<60_000: return "\(sign)\(value / 1000).\(value % 1000 / 100)s"
        case ..<3_600_000: return "\(sign)\(value / 60_000)m" + String(format: "%02ds", value % 60_000 / 1000)
        default: return "\(sign)\(value / 3_600_000)h" + String(format: "%02dm", value % 3_600_000 / 60_000)
        }
    }
}
