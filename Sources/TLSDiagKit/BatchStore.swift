import NetCore
import FlowTrack
import Handshake

/// What a batch keeps of one capture, beside its connections.
public struct CaptureRecord: Hashable, Sendable {
    public var packets: UInt64 = 0
    public var bytes: UInt64 = 0
    /// Every TCP connection seen (reported or not).
    public var tcpConnections: Int = 0
    public var firstTime: Timestamp?
    public var lastTime: Timestamp?
    /// The input error that stopped reading (CaptureError's description), if any.
    public var error: String?
    public var warnings: [String] = []
    /// When it was analysed (ISO 8601, UTC).
    public var analysedAt: String = ""
    public init() {}

    /// Nothing could be read.
    public var unreadable: Bool { error != nil && packets == 0 }
    /// Read up to an error.
    public var partial: Bool { error != nil && packets > 0 }
}

/// One stored connection: the facts its verdict is computed from (the verdict itself is not stored:
/// it depends on what the other captures show of the same server).
public struct StoredConnection: Codable, Sendable {
    public var connection: ConnectionFacts
    public var handshake: HandshakeFacts
    public init(connection: ConnectionFacts, handshake: HandshakeFacts) {
        self.connection = connection; self.handshake = handshake
    }
}

/// The SQLite file behind `batch --db`.
///
/// Schema (version 1):
///
///     schema_version(version INTEGER NOT NULL)              -- one row
///     captures(id INTEGER PRIMARY KEY, path TEXT UNIQUE,    -- canonical absolute path
///              size INTEGER, mtime_ns INTEGER,              -- the file as it was analysed
///              options TEXT,                                -- what the results depend on
///              analysed_at TEXT, packets INTEGER, bytes INTEGER, tcp_connections INTEGER,
///              first_ns INTEGER, last_ns INTEGER,           -- first and last packet (NULL: none)
///              error TEXT, warnings TEXT)                   -- warnings: a JSON array of strings
///     connections(capture_id INTEGER REFERENCES captures(id) ON DELETE CASCADE,
///                 seq INTEGER, data BLOB,                   -- JSON of StoredConnection
///                 PRIMARY KEY (capture_id, seq))
///
/// A capture is reused when its path, size, modification time and options all match the row;
/// otherwise it is analysed again and its row replaced (in one transaction with its connections).
public final class BatchStore {
    public static let schemaVersion: Int64 = 1
    let db: SQLiteConnection
    let insertCapture: SQLiteStatement
    let insertConnection: SQLiteStatement
    let deleteCapture: SQLiteStatement

    /// A row of the captures table, without its connections.
    public struct Entry: Hashable, Sendable {
        public var id: Int64
        public var path: String
        public var size: Int64
        public var mtime: Int64
        public var options: String
    }

    /// Opens or creates the store; refuses a file made with another schema version.
    public init(path: String) throws(SQLiteError) {
        let db = try SQLiteConnection(path: path)
        self.db = db
        // WAL: readers (the worker threads) and the writer (the main thread) do not block each
        // other; synchronous=NORMAL: a commit does not wait for fsync (a crash loses at most the last
        // captures, which are analysed again next time).
        try db.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")
        try db.transaction { () throws(SQLiteError) in
            try db.execute("""
                CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL);
                """)
            let q = try db.prepare("SELECT version FROM schema_version")
            if try q.step() {
                let v = q.int64(0)
                guard v == BatchStore.schemaVersion else {
                    throw SQLiteError(code: 0, message: "the file has schema version \(v), this tlsdiag reads version \(BatchStore.schemaVersion): use another --db file, or delete this one to start again",
                                      context: "open \(path)")
                }
            } else {
                try db.execute("""
                    INSERT INTO schema_version(version) VALUES (\(BatchStore.schemaVersion));
                    CREATE TABLE captures(
                        id INTEGER PRIMARY KEY,
                        path TEXT NOT NULL UNIQUE,
                        size INTEGER NOT NULL,
                        mtime_ns INTEGER NOT NULL,
                        options TEXT NOT NULL,
                        analysed_at TEXT NOT NULL,
                        packets INTEGER NOT NULL,
                        bytes INTEGER NOT NULL,
                        tcp_connections INTEGER NOT NULL,
                        first_ns INTEGER,
                        last_ns INTEGER,
                        error TEXT,
                        warnings TEXT NOT NULL
                    );
                    CREATE TABLE connections(
                        capture_id INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
                        seq INTEGER NOT NULL,
                        data BLOB NOT NULL,
                        PRIMARY KEY (capture_id, seq)
                    );
                    """)
            }
        }
        insertCapture = try db.prepare("""
            INSERT INTO captures(path, size, mtime_ns, options, analysed_at, packets, bytes, tcp_connections,
                                 first_ns, last_ns, error, warnings)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        insertConnection = try db.prepare("INSERT INTO connections(capture_id, seq, data) VALUES (?, ?, ?)")
        deleteCapture = try db.prepare("DELETE FROM captures WHERE path = ?")
    }

    /// Every stored capture, by path.
    public func entries() throws(SQLiteError) -> [String: Entry] {
        let q = try db.prepare("SELECT id, path, size, mtime_ns, options FROM captures")
        var out: [String: Entry] = [:]
        while try q.step() {
            let e = Entry(id: q.int64(0), path: q.text(1) ?? "", size: q.int64(2), mtime: q.int64(3), options: q.text(4) ?? "")
            out[e.path] = e
        }
        return out
    }

    /// Removes captures (and their connections).
    public func remove(paths: [String]) throws(SQLiteError) {
        guard !paths.isEmpty else { return }
        try db.transaction { () throws(SQLiteError) in
            for p in paths { try deleteCapture.run([.text(p)]) }
        }
    }

    /// Replaces what is stored of `input` with a new analysis: the capture row and each reported
    /// connection's JSON, in one transaction.
    public func save(_ input: BatchInput, options: String, record: CaptureRecord, connections: [[UInt8]]) throws(SQLiteError) {
        try db.transaction { () throws(SQLiteError) in
            try deleteCapture.run([.text(input.key)])
            try insertCapture.run([
                .text(input.key), .int(input.size), .int(input.mtime), .text(options), .text(record.analysedAt),
                .int(Int64(clamping: record.packets)), .int(Int64(clamping: record.bytes)), .int(Int64(record.tcpConnections)),
                record.firstTime.map { .int($0.totalNanoseconds) } ?? .null,
                record.lastTime.map { .int($0.totalNanoseconds) } ?? .null,
                record.error.map { .text($0) } ?? .null,
                .text(BatchStore.encodeWarnings(record.warnings)),
            ])
            let id = db.lastInsertRowID
            for (i, blob) in connections.enumerated() {
                try insertConnection.run([.int(id), .int(Int64(i)), .blob(blob)])
            }
        }
    }

    static func encodeWarnings(_ w: [String]) -> String {
        (try? String(decoding: StoreJSON.encode(w), as: UTF8.self)) ?? "[]"
    }

    static func timestamp(_ ns: Int64) -> Timestamp {
        let s = ns >= 0 ? ns / 1_000_000_000 : (ns - 999_999_999) / 1_000_000_000
        return Timestamp(seconds: s, nanoseconds: UInt32(ns - s * 1_000_000_000))
    }

    /// A read-only connection for one worker thread: loads a stored capture whole.
    public final class Reader {
        let db: SQLiteConnection
        let capture: SQLiteStatement
        let connections: SQLiteStatement

        public init(path: String) throws(SQLiteError) {
            db = try SQLiteConnection(path: path, readOnly: true)
            capture = try db.prepare("""
                SELECT id, analysed_at, packets, bytes, tcp_connections, first_ns, last_ns, error, warnings
                FROM captures WHERE path = ?
                """)
            connections = try db.prepare("SELECT data FROM connections WHERE capture_id = ? ORDER BY seq")
        }

        /// The record and the raw JSON of each connection, or nil if the path is not stored.
        public func load(path: String) throws(SQLiteError) -> (CaptureRecord, [[UInt8]])? {
            try capture.bind([.text(path)])
            guard try capture.step() else { return nil }
            var r = CaptureRecord()
            let id = capture.int64(0)
            r.analysedAt = capture.text(1) ?? ""
            r.packets = UInt64(clamping: capture.int64(2))
            r.bytes = UInt64(clamping: capture.int64(3))
            r.tcpConnections = Int(capture.int64(4))
            r.firstTime = capture.isNull(5) ? nil : BatchStore.timestamp(capture.int64(5))
            r.lastTime = capture.isNull(6) ? nil : BatchStore.timestamp(capture.int64(6))
            r.error = capture.isNull(7) ? nil : capture.text(7)
            if let w = capture.text(8), let list = try? StoreJSON.decode([String].self, from: Array(w.utf8)) { r.warnings = list }
            try connections.bind([.int(id)])
            var blobs: [[UInt8]] = []
            while try connections.step() { blobs.append(connections.blob(0)) }
            capture.reset()
            connections.reset()
            return (r, blobs)
        }
    }
}
