#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One capture file found for a batch.
public struct BatchInput: Hashable, Sendable {
    /// The path as reported: the argument, joined with the names found under it.
    public var path: String
    /// The canonical absolute path (symbolic links resolved): the key of the store.
    public var key: String
    /// Bytes on disk; -1 until read (see `BatchFiles.collect(statFiles:)`).
    public var size: Int64
    /// Last modification, in nanoseconds since the epoch; -1 until read.
    public var mtime: Int64
    public init(path: String, key: String, size: Int64, mtime: Int64) {
        self.path = path; self.key = key; self.size = size; self.mtime = mtime
    }
}

extension BatchInput {
    mutating func fill(_ st: stat) {
        size = Int64(st.st_size)
        mtime = Int64(st.st_mtim.tv_sec) &* 1_000_000_000 &+ Int64(st.st_mtim.tv_nsec)
    }

    /// Reads the size and time if not known yet, and (with `canonicalKey`) the canonical path.
    /// Returns the reason when the file cannot be looked at.
    public mutating func resolve(canonicalKey: Bool) -> String? {
        if size < 0 {
            var st = stat()
            guard stat(path, &st) == 0 else { return String(cString: strerror(errno)) }
            fill(st)
        }
        if canonicalKey { key = BatchFiles.canonicalPath(path) }
        return nil
    }
}

/// A path given or found that could not be taken, and why.
public struct BatchSkip: Error, Hashable, Sendable {
    public var path: String
    public var reason: String
    public init(path: String, reason: String) { self.path = path; self.reason = reason }
}

/// What walking the arguments found.
public struct BatchSelection: Sendable {
    /// Captures, sorted by path (byte order), each file once.
    public var files: [BatchInput] = []
    /// Arguments or folders that could not be read.
    public var skipped: [BatchSkip] = []
    /// Symbolic-link loops not followed, files reached twice.
    public var notes: [String] = []
    public init() {}
}

/// Which files a batch reads.
///
/// Folders are walked recursively; symbolic links are followed, but a folder already being walked
/// (a loop) or already walked (a second route to it) is not entered again, and a file reached twice
/// (two links, or named twice) is read once. In folders, a file is taken when its name ends, in any
/// case, with `.pcap`, `.pcapng` or `.cap`, or one of those followed by `.gz`. A file named on the
/// command line is taken whatever its name.
public enum BatchFiles {
    public static let captureSuffixes = [".pcap", ".pcapng", ".cap", ".pcap.gz", ".pcapng.gz", ".cap.gz"]

    /// Whether a name found in a folder is taken as a capture.
    public static func isCaptureName(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { isCaptureName($0) }
    }

    /// `isCaptureName` of a name's UTF-8 bytes.
    static func isCaptureName(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
        var end = u.count
        if end > 3 && hasSuffix(u, end, ".gz") { end -= 3 }
        return (end > 5 && hasSuffix(u, end, ".pcap")) || (end > 7 && hasSuffix(u, end, ".pcapng"))
            || (end > 4 && hasSuffix(u, end, ".cap"))
    }

    /// Byte order of the UTF-8 forms (`a.utf8.lexicographicallyPrecedes(b.utf8)`), by memcmp: the
    /// walk sorts every folder's names and then every path found.
    public static func precedes(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                let n = min(x.count, y.count)
                if n > 0, let p = x.baseAddress, let q = y.baseAddress {
                    let c = memcmp(p, q, n)
                    if c != 0 { return c < 0 }
                }
                return x.count < y.count
            }
        }
    }

    /// ASCII case-insensitive: whether `u[..<end]` ends with `suffix` (lower case, ASCII).
    static func hasSuffix(_ u: UnsafeBufferPointer<UInt8>, _ end: Int, _ suffix: StaticString) -> Bool {
        let n = suffix.utf8CodeUnitCount
        guard end >= n, end <= u.count else { return false }
        let s = suffix.utf8Start
        for k in 0..<n {
            let a = u[end - n + k]
            if (a >= 0x41 && a <= 0x5a ? a | 0x20 : a) != s[k] { return false }
        }
        return true
    }

    struct FileID: Hashable, Sendable { var dev: UInt64; var ino: UInt64 }

    /// A capture found by the walk, before its size and time are read.
    struct Found {
        var path: String
        var id: FileID
        /// Known already when the walk had to stat the entry (a link, a named file); else -1.
        var size: Int64 = -1
        var mtime: Int64 = -1
        init(path: String, id: FileID, st: stat?) {
            self.path = path; self.id = id
            if let st {
                var i = BatchInput(path: path, key: path, size: -1, mtime: -1)
                i.fill(st)
                size = i.size; mtime = i.mtime
            }
        }
    }

    /// One walk's findings. A walk is depth first, each folder's entries in byte order; a folder is
    /// entered once (a symbolic link back to an ancestor is noted, a second route to a folder already
    /// walked is not taken).
    final class Walker: @unchecked Sendable {   // each used by one thread at a time
        var found: [Found] = []
        var skipped: [BatchSkip] = []
        var notes: [String] = []
        var walked: Set<FileID>
        /// Folders entered, in order.
        var entered: [FileID] = []
        /// A symbolic link (or an entry of unknown type) was met: folders may then be reachable by
        /// several routes, and only a walk in order decides which one counts.
        var sawLink = false
        /// Where found captures go instead of `found`, as they are found (`BatchFiles.stream`).
        var emit: ((Found) -> Void)?

        init(walked: Set<FileID>) { self.walked = walked }

        func add(_ f: Found) {
            if let emit { emit(f) } else { found.append(f) }
        }

        static func errorText() -> String { String(cString: strerror(errno)) }

        /// Another walker's findings, after this one's.
        func take(_ w: Walker) {
            found.append(contentsOf: w.found)
            skipped.append(contentsOf: w.skipped)
            notes.append(contentsOf: w.notes)
            for f in w.entered { walked.insert(f) }
            entered.append(contentsOf: w.entered)
        }

        /// A folder's entries (but . and ..), in the order of the paths under them: by name (byte
        /// order), a folder's name followed by "/" (so "a-b.pcap" comes before the folder "a", as
        /// "a-b.pcap" sorts before "a/x.pcap"). A walk in this order finds paths in byte order, the
        /// batch's order: `BatchFiles.stream` hands captures out as it finds them. Entries that may
        /// be links to folders (a link, or a file system that does not give the type) are looked at
        /// with `fstatat` to tell. The names are kept in one buffer, each followed by a NUL (for
        /// `openat` and `fstatat`), and compared with `memcmp`: a String is made only for what is
        /// taken.
        static func entries(_ d: OpaquePointer) -> Listing {
            var names: [UInt8] = []
            var entries: [Entry] = []
            let dfd = dirfd(d)
            while let e = readdir(d) {
                withUnsafePointer(to: &e.pointee.d_name) {
                    $0.withMemoryRebound(to: UInt8.self, capacity: Int(NAME_MAX) + 1) { p in
                        let n = strnlen(UnsafeRawPointer(p).assumingMemoryBound(to: CChar.self), Int(NAME_MAX) + 1)
                        // "." and ".."
                        if p[0] == 0x2e && (n == 1 || (n == 2 && p[1] == 0x2e)) { return }
                        let type = e.pointee.d_type
                        var folder = type == UInt8(DT_DIR)
                        if type != UInt8(DT_DIR) && type != UInt8(DT_REG) {
                            var st = stat()
                            folder = fstatat(dfd, UnsafeRawPointer(p).assumingMemoryBound(to: CChar.self), &st, 0) == 0
                                && st.st_mode & S_IFMT == S_IFDIR
                        }
                        entries.append(Entry(start: names.count, count: n, type: type, ino: UInt64(e.pointee.d_ino), folder: folder))
                        names.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
                        names.append(0)
                    }
                }
            }
            names.withUnsafeBufferPointer { b in
                guard let base = b.baseAddress else { return }
                entries.sort { x, y in
                    let c = memcmp(base + x.start, base + y.start, min(x.count, y.count))
                    if c != 0 { return c < 0 }
                    // One name is the other's start: compare the next byte of each path, "/" after
                    // a folder's name, nothing (the end) after a file's.
                    let nx: Int = x.count > y.count ? Int(base[x.start + y.count]) : (x.folder ? 0x2f : -1)
                    let ny: Int = y.count > x.count ? Int(base[y.start + x.count]) : (y.folder ? 0x2f : -1)
                    return nx < ny
                }
            }
            return Listing(names: names, entries: entries)
        }

        /// Walks the open folder `fd` (closed here), found at `dir`. Entries are looked at relative to
        /// the folder's descriptor (fstatat, openat); a regular file's identity comes from readdir
        /// (its inode, on the folder's device), so it costs no stat during the walk.
        func walk(_ dir: String, fd: Int32, id: FileID, ancestors: inout [FileID]) {
            guard let d = fdopendir(fd) else {
                skipped.append(BatchSkip(path: dir, reason: "cannot read the folder: \(Walker.errorText())"))
                close(fd)
                return
            }
            defer { closedir(d) }
            let list = Walker.entries(d)
            ancestors.append(id)
            defer { ancestors.removeLast() }
            let dfd = dirfd(d)
            let prefix = BatchFiles.prefix(dir)
            for k in list.entries.indices { visit(list, k, prefix: prefix, in: dfd, id: id, ancestors: &ancestors) }
        }

        /// Entry `k` of `list`, the listing of the folder open as `dfd` (whose identity is `id`).
        func visit(_ list: Listing, _ k: Int, prefix: String, in dfd: Int32, id: FileID, ancestors: inout [FileID]) {
            let e = list.entries[k]
            let isCapture = list.names.withUnsafeBufferPointer { b in
                BatchFiles.isCaptureName(UnsafeBufferPointer(rebasing: b[e.start ..< e.start + e.count]))
            }
            let name = { String(decoding: list.names[e.start ..< e.start + e.count], as: UTF8.self) }
            if e.type == UInt8(DT_REG) {
                if isCapture { add(Found(path: prefix + name(), id: FileID(dev: id.dev, ino: e.ino), st: nil)) }
                return
            }
            if e.type != UInt8(DT_DIR) { sawLink = true }
            var st = stat()
            let statted = list.names.withUnsafeBufferPointer { b in
                UnsafeRawPointer(b.baseAddress! + e.start).withMemoryRebound(to: CChar.self, capacity: e.count + 1) {
                    fstatat(dfd, $0, &st, 0) == 0
                }
            }
            let path = prefix + name()
            guard statted else {
                // A dangling link, or a file removed while walking: noted if it looked like a capture.
                if isCapture { skipped.append(BatchSkip(path: path, reason: Walker.errorText())) }
                return
            }
            let fid = FileID(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino))
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                if ancestors.contains(fid) {
                    notes.append("\(path): a symbolic link back to a folder above it; not followed")
                } else if walked.insert(fid).inserted {
                    entered.append(fid)
                    let sub = list.names.withUnsafeBufferPointer { b in
                        UnsafeRawPointer(b.baseAddress! + e.start).withMemoryRebound(to: CChar.self, capacity: e.count + 1) {
                            openat(dfd, $0, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                        }
                    }
                    if sub < 0 {
                        skipped.append(BatchSkip(path: path, reason: "cannot read the folder: \(Walker.errorText())"))
                    } else {
                        walk(path, fd: sub, id: fid, ancestors: &ancestors)
                    }
                }
            case S_IFREG:
                if isCapture { add(Found(path: path, id: fid, st: st)) }
            default:
                break
            }
        }
    }

    /// A folder's entry: its name is `count` bytes at `start` in its listing's `names`.
    struct Entry: Sendable {
        var start: Int; var count: Int; var type: UInt8; var ino: UInt64
        /// A folder, or a link to one (its paths continue with "/").
        var folder = false
    }
    /// A folder's entries in name order, with their names.
    struct Listing: Sendable { var names: [UInt8]; var entries: [Entry] }

    static func prefix(_ dir: String) -> String { dir == "." ? "" : (dir.hasSuffix("/") ? dir : dir + "/") }

    /// The folder `dir` walked with each of its entries on one of `jobs` threads. Only when that
    /// cannot differ from the walk in order: no symbolic link (or entry of unknown type) anywhere,
    /// and no folder entered twice or already walked. Otherwise nil, and the caller walks in order.
    static func walkInParallel(_ dir: String, id: FileID, walked: Set<FileID>, jobs: Int) -> Walker? {
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0, let d = fdopendir(fd) else {
            if fd >= 0 { close(fd) }
            return nil
        }
        defer { closedir(d) }
        let list = Walker.entries(d)
        guard list.entries.count > 1, !list.entries.contains(where: { $0.type != UInt8(DT_REG) && $0.type != UInt8(DT_DIR) }) else { return nil }
        let dfd = dirfd(d)
        let prefix = BatchFiles.prefix(dir)
        let parts = Parallel.map(count: list.entries.count, jobs: jobs) { i -> Walker in
            let w = Walker(walked: walked)
            var ancestors = [id]
            w.visit(list, i, prefix: prefix, in: dfd, id: id, ancestors: &ancestors)
            return w
        }
        var seen = walked
        for p in parts {
            if p.sawLink { return nil }
            for f in p.entered where !seen.insert(f).inserted { return nil }
        }
        let merged = Walker(walked: walked)
        for p in parts { merged.take(p) }
        return merged
    }

    /// Walks `paths` (files or folders). The files' sizes, times and canonical paths are read on
    /// `jobs` threads once the walk is done; with `statFiles` false they are left to the caller (the
    /// batch's workers read them just before a capture is analysed): `size` and `mtime` are -1 and
    /// `key` is the path as found, unless the walk had to stat the file anyway.
    public static func collect(_ paths: [String], statFiles: Bool = true, jobs: Int = 1) -> BatchSelection {
        var out = BatchSelection()
        let all = Walker(walked: [])

        for arg in paths {
            var st = stat()
            guard stat(arg, &st) == 0 else {
                all.skipped.append(BatchSkip(path: arg, reason: Walker.errorText()))
                continue
            }
            let fid = FileID(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino))
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                if all.walked.insert(fid).inserted {
                    if jobs > 1, let part = walkInParallel(arg, id: fid, walked: all.walked, jobs: jobs) {
                        all.take(part)
                        continue
                    }
                    let fd = open(arg, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                    if fd < 0 {
                        all.skipped.append(BatchSkip(path: arg, reason: "cannot read the folder: \(Walker.errorText())"))
                    } else {
                        var ancestors: [FileID] = []
                        all.walk(arg, fd: fd, id: fid, ancestors: &ancestors)
                    }
                }
            case S_IFREG:
                all.found.append(Found(path: arg, id: fid, st: st))
            default:
                all.skipped.append(BatchSkip(path: arg, reason: "not a regular file or folder"))
            }
        }
        var found = all.found
        out.skipped = all.skipped
        out.notes = all.notes

        found.sort { BatchFiles.precedes($0.path, $1.path) }
        var seen: [FileID: String] = [:]
        seen.reserveCapacity(found.count)
        var unique: [Found] = []
        unique.reserveCapacity(found.count)
        for f in found {
            if let first = seen[f.id] {
                if first != f.path { out.notes.append("\(f.path) is the same file as \(first); read once") }
                continue
            }
            seen[f.id] = f.path
            unique.append(f)
        }

        if statFiles {
            // Sizes, times and canonical paths, on as many threads as the batch has.
            let files = unique
            let inputs = Parallel.map(count: files.count, jobs: jobs) { i -> Result<BatchInput, BatchSkip> in
                var input = BatchInput(path: files[i].path, key: files[i].path, size: files[i].size, mtime: files[i].mtime)
                if let reason = input.resolve(canonicalKey: true) { return .failure(BatchSkip(path: input.path, reason: reason)) }
                return .success(input)
            }
            for r in inputs {
                switch r {
                case .success(let input): out.files.append(input)
                case .failure(let skip): out.skipped.append(skip)
                }
            }
        } else {
            out.files = unique.map { BatchInput(path: $0.path, key: $0.path, size: $0.size, mtime: $0.mtime) }
        }
        out.skipped.sort { BatchFiles.precedes($0.path, $1.path) }
        return out
    }

    /// Walks one folder and hands each capture to `take` as soon as it is found: what
    /// `collect([dir], statFiles: false)` returns (the same files in the same order, the same
    /// notes and skips), but the batch's workers can start on the first captures while the rest of
    /// the folder is walked. The walk visits each folder's entries in the order of the paths under
    /// them (`Walker.entries`), so it finds captures in byte order of their paths, the order
    /// `collect` sorts them into; a file reached a second time is left out as it is met.
    static func stream(_ dir: String, _ take: @escaping (BatchInput) -> Void) -> BatchSelection {
        var out = BatchSelection()
        var st = stat()
        guard stat(dir, &st) == 0 else {
            out.skipped = [BatchSkip(path: dir, reason: Walker.errorText())]
            return out
        }
        guard st.st_mode & S_IFMT == S_IFDIR else { return collect([dir], statFiles: false) }
        let fid = FileID(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino))
        let walker = Walker(walked: [fid])
        var seen: [FileID: String] = [:]
        var files: [BatchInput] = []
        var duplicates: [String] = []
        walker.emit = { f in
            if let first = seen[f.id] {
                if first != f.path { duplicates.append("\(f.path) is the same file as \(first); read once") }
                return
            }
            seen[f.id] = f.path
            let input = BatchInput(path: f.path, key: f.path, size: f.size, mtime: f.mtime)
            files.append(input)
            take(input)
        }
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 {
            walker.skipped.append(BatchSkip(path: dir, reason: "cannot read the folder: \(Walker.errorText())"))
        } else {
            var ancestors: [FileID] = []
            walker.walk(dir, fd: fd, id: fid, ancestors: &ancestors)
        }
        walker.emit = nil
        out.files = files
        out.skipped = walker.skipped.sorted { BatchFiles.precedes($0.path, $1.path) }
        out.notes = walker.notes + duplicates
        return out
    }

    /// `realpath(3)`, or the path made absolute if that fails.
    public static func canonicalPath(_ path: String) -> String {
        if let p = realpath(path, nil) {
            defer { free(p) }
            return String(cString: p)
        }
        if path.hasPrefix("/") { return path }
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buf, buf.count) != nil else { return path }
        let cwd = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return cwd + "/" + path
    }
}
