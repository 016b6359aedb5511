/// Where leases live: one record per stream, changed only by conditional writes. Implementations: SQLite
/// (``SQLiteLeaseStore``, one file shared by the host processes of one machine) and DynamoDB
/// (``DynamoDBLeaseStore``, shared by workers anywhere).
///
/// Every conditional write reports a failed condition as `nil`/`false` — another worker won, or the lease is
/// gone — and throws ``LeaseStoreError`` only when the store itself failed (unreachable, corrupt, wrong schema).
public protocol LeaseStore: Sendable {
    /// Creates the table or schema if missing (DynamoDB: waits until the table is `ACTIVE`) and checks that an
    /// existing one has the expected shape.
    func prepare() async throws
    /// Every lease, read consistently.
    func list() async throws -> [Lease]
    /// Creates a free lease (counter 0, no owner, no checkpoint) unless one exists.
    func createIfAbsent(key: String) async throws
    /// Sets the owner to `newOwner` and bumps the counter if the lease still has `expectedCounter` and
    /// `expectedOwner` (`nil`: free). Counts an owner switch when the owner changes. Returns the new lease.
    func take(key: String, expectedCounter: Int64, expectedOwner: String?, newOwner: String) async throws -> Lease?
    /// Bumps the counter if `owner` still holds the lease at `expectedCounter`. Returns the new lease.
    func renew(key: String, owner: String, expectedCounter: Int64) async throws -> Lease?
    /// Stores `checkpoint` (and zeroes the owner switches) if `owner` still holds the lease at `expectedCounter`.
    /// The counter is left alone, so a checkpoint never races the owner's own renewals.
    func checkpoint(key: String, owner: String, expectedCounter: Int64, _ checkpoint: Checkpoint) async throws -> Bool
    /// Clears the owner and bumps the counter if `owner` still holds the lease at `expectedCounter`; the
    /// checkpoint stays.
    func release(key: String, owner: String, expectedCounter: Int64) async throws -> Bool
    /// Removes the lease, whoever holds it.
    func delete(key: String) async throws
}
