import CSQLite

/// One SQLite connection and the one door its C calls go through: every status code becomes a
/// ``LeaseStoreError`` carrying SQLite's code, the function name and SQLite's message. The `sqlite3` pointer lives
/// only here and is closed in `deinit`. Not thread-safe: ``SQLiteLeaseStore`` (an actor) owns it.
final class SQLiteConnection {
    private let handle: OpaquePointer
    let label: String

    init(path: String, label: String, busyTimeoutMillis: Int32) throws(LeaseStoreError) {
        self.label = label
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            if let db { sqlite3_close_v2(db) }
            throw Self.error(rc, function: "sqlite3_open_v2", message: message, label: label)
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, busyTimeoutMillis)
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// Maps a status to the error kinds callers act on: busy (retry later), corrupt, everything else.
    static func error(_ rc: Int32, function: String, message: String, label: String) -> LeaseStoreError {
        let primary = rc & 0xff
        let code: LeaseStoreError.Code
        switch primary {
        case SQLITE_BUSY, SQLITE_LOCKED: code = .busy
        case SQLITE_NOTADB, SQLITE_CORRUPT: code = .corrupt
        default: code = .storage
        }
        return LeaseStoreError(code, store: label, "\(function): \(message) (SQLite code \(rc))", sqliteCode: rc)
    }

    func check(_ rc: Int32, _ function: String) throws(LeaseStoreError) {
        guard rc == SQLITE_OK else {
            throw Self.error(rc, function: function, message: String(cString: sqlite3_errmsg(handle)), label: label)
        }
    }

    /// Runs SQL without results (several statements allowed).
    func execute(_ sql: String) throws(LeaseStoreError) {
        try check(sqlite3_exec(handle, sql, nil, nil, nil), "sqlite3_exec")
    }

    func prepare(_ sql: String) throws(LeaseStoreError) -> SQLiteStatement {
        var statement: OpaquePointer?
        try check(sqlite3_prepare_v2(handle, sql, -1, &statement, nil), "sqlite3_prepare_v2")
        guard let statement else {
            throw LeaseStoreError(.storage, store: label, "sqlite3_prepare_v2 returned no statement for: \(sql)")
        }
        return SQLiteStatement(statement, connection: self)
    }

    fileprivate var lastMessage: String { String(cString: sqlite3_errmsg(handle)) }
}

/// A prepared statement: bind, step, read columns; finalized in `deinit`.
final class SQLiteStatement {
    private let handle: OpaquePointer
    private let connection: SQLiteConnection

    fileprivate init(_ handle: OpaquePointer, connection: SQLiteConnection) {
        self.handle = handle
        self.connection = connection
    }

    deinit {
        sqlite3_finalize(handle)
    }

    enum Value {
        case text(String?)
        case integer(Int64?)
    }

    /// Binds `values` to `?1`, `?2`, … in order.
    func bind(_ values: [Value]) throws(LeaseStoreError) {
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            switch value {
            case .text(let text?):
                try connection.check(
                    sqlite3_bind_text(handle, index, text, -1, kit_sqlite_transient()), "sqlite3_bind_text")
            case .integer(let number?):
                try connection.check(sqlite3_bind_int64(handle, index, number), "sqlite3_bind_int64")
            case .text(nil), .integer(nil):
                try connection.check(sqlite3_bind_null(handle, index), "sqlite3_bind_null")
            }
        }
    }

    /// Advances to the next row: `true` when one is available, `false` when done.
    func step() throws(LeaseStoreError) -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            throw SQLiteConnection.error(
                rc, function: "sqlite3_step", message: connection.lastMessage, label: connection.label)
        }
    }

    /// Steps until done, collecting every row with `read`.
    func rows<Row>(_ read: (SQLiteStatement) throws(LeaseStoreError) -> Row) throws(LeaseStoreError) -> [Row] {
        var rows: [Row] = []
        while try step() { rows.append(try read(self)) }
        return rows
    }

    func text(_ column: Int32) -> String? {
        guard sqlite3_column_type(handle, column) != SQLITE_NULL, let bytes = sqlite3_column_text(handle, column)
        else { return nil }
        return String(cString: bytes)
    }

    func integer(_ column: Int32) -> Int64? {
        guard sqlite3_column_type(handle, column) != SQLITE_NULL else { return nil }
        return sqlite3_column_int64(handle, column)
    }
}
