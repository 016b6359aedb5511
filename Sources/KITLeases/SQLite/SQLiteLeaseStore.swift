import CSQLite
import Foundation

/// Leases in one SQLite file that several host processes of one machine share. The file is in WAL mode (readers
/// never wait for the writer), every write is one `BEGIN IMMEDIATE` transaction (the write lock is taken up front,
/// so two processes never both read a lease and then both write it), and a lock held by another process is waited
/// for twice over: briefly inside SQLite (its busy timeout, which blocks the calling thread), then with async
/// sleeps between attempts up to ``maxLockWait``, so a long lock never pins a thread of the cooperative pool.
///
/// The connection opens on first use, so a missing directory or a corrupt file surfaces as a ``LeaseStoreError``
/// from ``prepare()`` or the first call, never from `init`.
public actor SQLiteLeaseStore: LeaseStore {
    public nonisolated let path: String
    /// How long one call keeps retrying while other processes hold the write lock.
    public nonisolated let maxLockWait: Duration
    private let label: String
    private let wallClockMillis: @Sendable () -> Int64
    private var connection: SQLiteConnection?

    static let table = "kit_leases"
    static let columns = [
        "lease_key", "owner", "counter", "checkpoint_fragment", "checkpoint_token", "checkpoint_server_ms",
        "checkpoint_producer_ms", "checkpoint_written_ms", "owner_switches", "updated_ms",
    ]
    static let columnList = columns.joined(separator: ", ")
    static let schema = """
        CREATE TABLE \(table) (
            lease_key TEXT PRIMARY KEY NOT NULL,
            owner TEXT,
            counter INTEGER NOT NULL DEFAULT 0,
            checkpoint_fragment TEXT,
            checkpoint_token TEXT,
            checkpoint_server_ms INTEGER,
            checkpoint_producer_ms INTEGER,
            checkpoint_written_ms INTEGER,
            owner_switches INTEGER NOT NULL DEFAULT 0,
            updated_ms INTEGER NOT NULL DEFAULT 0
        )
        """

    public init(
        path: String, maxLockWait: Duration = .seconds(10),
        wallClockMillis: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    ) {
        self.path = path
        self.maxLockWait = maxLockWait
        self.label = "sqlite:\(path)"
        self.wallClockMillis = wallClockMillis
    }

    public func prepare() async throws {
        try await withLock { (db) throws(LeaseStoreError) in
            try db.execute("BEGIN IMMEDIATE")
            do throws(LeaseStoreError) {
                let existing = try db.prepare("SELECT name FROM pragma_table_info('\(Self.table)') ORDER BY cid")
                let names = try existing.rows { $0.text(0) ?? "" }
                if names.isEmpty {
                    try db.execute(Self.schema)
                } else if names != Self.columns {
                    throw LeaseStoreError(
                        .schemaMismatch, store: label,
                        "table \(Self.table) has columns \(names), expected \(Self.columns)")
                }
                try db.execute("COMMIT")
            } catch {
                try? db.execute("ROLLBACK")
                throw error
            }
        }
    }

    public func list() async throws -> [Lease] {
        try await withLock { (db) throws(LeaseStoreError) in
            let statement = try db.prepare("SELECT \(Self.columnList) FROM \(Self.table) ORDER BY lease_key")
            return try statement.rows { (row) throws(LeaseStoreError) in try Self.lease(row, store: label) }
        }
    }

    public func createIfAbsent(key: String) async throws {
        let now = wallClockMillis()
        _ = try await write(
            "INSERT INTO \(Self.table) (lease_key, counter, owner_switches, updated_ms) VALUES (?1, 0, 0, ?2) "
                + "ON CONFLICT (lease_key) DO NOTHING RETURNING \(Self.columnList)",
            [.text(key), .integer(now)])
    }

    public func take(key: String, expectedCounter: Int64, expectedOwner: String?, newOwner: String) async throws
        -> Lease?
    {
        try await write(
            """
            UPDATE \(Self.table) SET owner = ?4, counter = counter + 1,
                owner_switches = owner_switches + (CASE WHEN owner IS ?4 THEN 0 ELSE 1 END), updated_ms = ?5
            WHERE lease_key = ?1 AND counter = ?2 AND owner IS ?3 RETURNING \(Self.columnList)
            """,
            [.text(key), .integer(expectedCounter), .text(expectedOwner), .text(newOwner), .integer(wallClockMillis())])
    }

    public func renew(key: String, owner: String, expectedCounter: Int64) async throws -> Lease? {
        try await write(
            """
            UPDATE \(Self.table) SET counter = counter + 1, updated_ms = ?4
            WHERE lease_key = ?1 AND counter = ?2 AND owner = ?3 RETURNING \(Self.columnList)
            """,
            [.text(key), .integer(expectedCounter), .text(owner), .integer(wallClockMillis())])
    }

    public func checkpoint(key: String, owner: String, expectedCounter: Int64, _ checkpoint: Checkpoint) async throws
        -> Bool
    {
        try await write(
            """
            UPDATE \(Self.table) SET checkpoint_fragment = ?4, checkpoint_token = ?5, checkpoint_server_ms = ?6,
                checkpoint_producer_ms = ?7, checkpoint_written_ms = ?8, owner_switches = 0, updated_ms = ?8
            WHERE lease_key = ?1 AND counter = ?2 AND owner = ?3 RETURNING \(Self.columnList)
            """,
            [
                .text(key), .integer(expectedCounter), .text(owner), .text(checkpoint.fragmentNumber),
                .text(checkpoint.continuationToken), .integer(checkpoint.serverTimestampMillis),
                .integer(checkpoint.producerTimestampMillis), .integer(wallClockMillis()),
            ]) != nil
    }

    public func release(key: String, owner: String, expectedCounter: Int64) async throws -> Bool {
        try await write(
            """
            UPDATE \(Self.table) SET owner = NULL, counter = counter + 1, updated_ms = ?4
            WHERE lease_key = ?1 AND counter = ?2 AND owner = ?3 RETURNING \(Self.columnList)
            """,
            [.text(key), .integer(expectedCounter), .text(owner), .integer(wallClockMillis())]) != nil
    }

    public func delete(key: String) async throws {
        _ = try await write(
            "DELETE FROM \(Self.table) WHERE lease_key = ?1 RETURNING \(Self.columnList)", [.text(key)])
    }

    // MARK: - Plumbing

    /// One statement in one `BEGIN IMMEDIATE` transaction; the row it returned, if any (`nil`: the condition
    /// did not hold).
    private func write(_ sql: String, _ values: [SQLiteStatement.Value]) async throws(LeaseStoreError) -> Lease? {
        try await withLock { (db) throws(LeaseStoreError) in
            try db.execute("BEGIN IMMEDIATE")
            do throws(LeaseStoreError) {
                let statement = try db.prepare(sql)
                try statement.bind(values)
                let rows = try statement.rows { (row) throws(LeaseStoreError) in try Self.lease(row, store: label) }
                try db.execute("COMMIT")
                return rows.first
            } catch {
                try? db.execute("ROLLBACK")
                throw error
            }
        }
    }

    /// Runs `body` on the connection, opening it first; repeats it (after an async pause) while another process
    /// holds the lock, up to ``maxLockWait``. Each attempt is synchronous, so no other call of this actor can
    /// interleave with an open transaction.
    private func withLock<T>(_ body: (SQLiteConnection) throws(LeaseStoreError) -> T) async throws(LeaseStoreError)
        -> T
    {
        let deadline = ContinuousClock.now + maxLockWait
        var pause = Duration.milliseconds(5)
        while true {
            do throws(LeaseStoreError) {
                return try body(try open())
            } catch  where error.code == .busy && ContinuousClock.now < deadline {
                do {
                    try await Task.sleep(for: pause)
                } catch {
                    throw LeaseStoreError(.busy, store: label, "cancelled while waiting for the lock")
                }
                pause = min(pause * 2, .milliseconds(100))
            }
        }
    }

    private func open() throws(LeaseStoreError) -> SQLiteConnection {
        if let connection { return connection }
        let db = try SQLiteConnection(path: path, label: label, busyTimeoutMillis: 50)
        // WAL lets readers (`kithost status`) run beside the writer; FULL makes every commit durable on its own.
        try db.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL")
        connection = db
        return db
    }

    private static func lease(_ row: SQLiteStatement, store: String) throws(LeaseStoreError) -> Lease {
        guard let key = row.text(0), let counter = row.integer(2) else {
            throw LeaseStoreError(
                .invalidRecord, store: store, "a lease row lacks its key or counter (\(row.text(0) ?? "no key"))")
        }
        let checkpoint = row.text(3).map {
            Checkpoint(
                fragmentNumber: $0, continuationToken: row.text(4), serverTimestampMillis: row.integer(5),
                producerTimestampMillis: row.integer(6))
        }
        return Lease(
            key: key, owner: row.text(1), counter: counter, checkpoint: checkpoint,
            ownerSwitchesSinceCheckpoint: row.integer(8) ?? 0, lastUpdatedMillis: row.integer(9) ?? 0,
            checkpointWrittenMillis: row.integer(7))
    }
}
