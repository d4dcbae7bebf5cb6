import CSQLite

/// A SQLite failure: the result code, SQLite's own message, and what we were doing.
public struct SQLiteError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The (extended) result code, e.g. SQLITE_BUSY (5), SQLITE_CORRUPT (11), SQLITE_NOTADB (26).
    public var code: Int32
    public var message: String
    /// What was being done ("open batch.db", "prepare: SELECT …").
    public var context: String
    public init(code: Int32, message: String, context: String) {
        self.code = code; self.message = message; self.context = context
    }
    public var description: String { "\(context): \(message) (SQLite error \(code))" }
}

/// One SQLite connection. Every `sqlite3_*` call of the batch store goes through this type and
/// `SQLiteStatement`, once each: a failing call becomes a `SQLiteError`, and what is opened is
/// closed in `deinit` (statements are finalized before their connection is closed, since each
/// statement holds its connection).
///
/// A connection is used by one thread at a time (opened with SQLITE_OPEN_NOMUTEX); each worker
/// thread opens its own.
public final class SQLiteConnection {
    let handle: OpaquePointer
    public let path: String

    /// Opens (and with `create`, creates) the database at `path`.
    public init(path: String, readOnly: Bool = false, create: Bool = true) throws(SQLiteError) {
        self.path = path
        var flags = SQLITE_OPEN_NOMUTEX
        if readOnly { flags |= SQLITE_OPEN_READONLY } else {
            flags |= SQLITE_OPEN_READWRITE
            if create { flags |= SQLITE_OPEN_CREATE }
        }
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            // sqlite3_open_v2 hands back a handle even on failure (for its message): close it.
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: rc, message: message, context: "open \(path)")
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        // Wait for another process's write lock rather than failing at once.
        sqlite3_busy_timeout(db, 10_000)
    }

    deinit { sqlite3_close_v2(handle) }

    var lastMessage: String { String(cString: sqlite3_errmsg(handle)) }

    func check(_ rc: Int32, _ context: @autoclosure () -> String) throws(SQLiteError) {
        guard rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE else {
            throw SQLiteError(code: rc, message: lastMessage, context: context())
        }
    }

    /// Runs one or more statements without results (schema, pragmas, BEGIN/COMMIT).
    public func execute(_ sql: String) throws(SQLiteError) {
        var err: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &err)
        if rc != SQLITE_OK {
            let message = err.map { String(cString: $0) } ?? lastMessage
            sqlite3_free(err)
            throw SQLiteError(code: rc, message: message, context: "exec: \(sql.prefix(60))")
        }
    }

    /// Compiles one statement.
    public func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, sql, -1, &stmt, nil)
        guard rc == SQLITE_OK, let stmt else {
            if let stmt { sqlite3_finalize(stmt) }
            throw SQLiteError(code: rc, message: lastMessage, context: "prepare: \(sql.prefix(60))")
        }
        return SQLiteStatement(stmt, connection: self, sql: sql)
    }

    /// Runs `body` in a transaction (BEGIN IMMEDIATE: the write lock is taken at once); commits if it
    /// returns, rolls back if it throws.
    public func transaction<T>(_ body: () throws(SQLiteError) -> T) throws(SQLiteError) -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// The rowid of the last INSERT on this connection.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    /// Rows changed by the last INSERT, UPDATE or DELETE.
    public var changes: Int { Int(sqlite3_changes(handle)) }
}

/// A prepared statement: bind, step, read columns, reset, and run again.
public final class SQLiteStatement {
    let handle: OpaquePointer
    /// Kept so that the connection outlives the statement (finalize before close).
    let connection: SQLiteConnection
    let sql: String

    init(_ handle: OpaquePointer, connection: SQLiteConnection, sql: String) {
        self.handle = handle; self.connection = connection; self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    /// SQLITE_TRANSIENT: SQLite copies the bound bytes before the call returns.
    static let transient = unsafeBitCast(-1 as Int, to: sqlite3_destructor_type.self)

    /// A value to bind.
    public enum Value {
        case null
        case int(Int64)
        case text(String)
        case blob([UInt8])
    }

    /// Binds `values` to parameters 1, 2, … (after a reset, so the statement can be reused).
    public func bind(_ values: [Value]) throws(SQLiteError) {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (i, v) in values.enumerated() {
            let index = Int32(i + 1)
            let rc: Int32
            switch v {
            case .null: rc = sqlite3_bind_null(handle, index)
            case .int(let n): rc = sqlite3_bind_int64(handle, index, n)
            case .text(let s): rc = sqlite3_bind_text(handle, index, s, -1, SQLiteStatement.transient)
            case .blob(let b):
                rc = b.withUnsafeBytes { raw in
                    // An empty blob still needs a non-null pointer to be a blob, not NULL.
                    sqlite3_bind_blob64(handle, index, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1), sqlite3_uint64(raw.count), SQLiteStatement.transient)
                }
            }
            try connection.check(rc, "bind \(index): \(sql.prefix(60))")
        }
    }

    /// Steps once: true when a row is ready to read, false when done.
    @discardableResult
    public func step() throws(SQLiteError) -> Bool {
        let rc = sqlite3_step(handle)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        let e = SQLiteError(code: rc, message: connection.lastMessage, context: "step: \(sql.prefix(60))")
        sqlite3_reset(handle)
        throw e
    }

    /// Binds and runs a statement without results.
    public func run(_ values: [Value]) throws(SQLiteError) {
        try bind(values)
        while try step() {}
        sqlite3_reset(handle)
    }

    /// Ends the current run of the statement (releasing its read lock); bindings stay.
    public func reset() { sqlite3_reset(handle) }

    public func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
    public func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    public func text(_ column: Int32) -> String? {
        guard let p = sqlite3_column_text(handle, column) else { return nil }
        let n = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    }
    public func blob(_ column: Int32) -> [UInt8] {
        // Blob first, then its size (SQLite's documented order: the size is of the converted value).
        let p = sqlite3_column_blob(handle, column)
        let n = Int(sqlite3_column_bytes(handle, column))
        guard n > 0, let p else { return [] }
        return Array(UnsafeRawBufferPointer(start: p, count: n))
    }
}
