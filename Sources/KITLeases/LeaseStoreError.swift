/// A lease store failed (as opposed to a conditional write losing, which is an ordinary `nil`/`false`).
public struct LeaseStoreError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. Compare with the static values (`error.code == .corrupt`).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Hashable, Sendable {
            case corrupt, schemaMismatch, busy, storage, service, invalidRecord, invalidLocation
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The SQLite file is not a database, or is damaged.
        public static let corrupt = Code(.corrupt)
        /// The table exists but is not a lease table (other columns, another key schema).
        public static let schemaMismatch = Code(.schemaMismatch)
        /// Other processes kept the SQLite file locked for longer than the store waits.
        public static let busy = Code(.busy)
        /// Any other SQLite failure (cannot open, read-only, disk full, …).
        public static let storage = Code(.storage)
        /// The DynamoDB call failed (``LeaseStoreError/underlying`` has the ``AWSError``).
        public static let service = Code(.service)
        /// A stored record lacks a required attribute or has one of the wrong type.
        public static let invalidRecord = Code(.invalidRecord)
        /// A `leaseStore` value that is neither `sqlite:PATH` nor `dynamodb:TABLE`.
        public static let invalidLocation = Code(.invalidLocation)

        public var description: String { value.rawValue }
    }

    public var code: Code
    /// `sqlite:PATH` or `dynamodb:TABLE`.
    public var store: String
    public var message: String
    /// SQLite's result code, when SQLite reported the failure.
    public var sqliteCode: Int32?
    public var underlying: (any Error)?

    public init(
        _ code: Code, store: String, _ message: String, sqliteCode: Int32? = nil, underlying: (any Error)? = nil
    ) {
        self.code = code
        self.store = store
        self.message = message
        self.sqliteCode = sqliteCode
        self.underlying = underlying
    }

    public var description: String {
        var text = "LeaseStoreError(\(code), \(store)): \(message)"
        if let underlying { text += " — \(underlying)" }
        return text
    }
}
