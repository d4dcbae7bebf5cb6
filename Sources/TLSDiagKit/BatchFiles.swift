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
    public var size: Int64
    /// Last modification, in nanoseconds since the epoch.
    public var mtime: Int64
    public init(path: String, key: String, size: Int64, mtime: Int64) {
        self.path = path; self.key = key; self.size = size; self.mtime = mtime
    }
}

/// A path given or found that could not be taken, and why.
public struct BatchSkip: Hashable, Sendable {
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
        let lower = name.lowercased()
        return captureSuffixes.contains { lower.hasSuffix($0) && lower.count > $0.count }
    }

    struct FileID: Hashable { var dev: UInt64; var ino: UInt64 }

    /// Walks `paths` (files or folders). With `canonicalKeys` false, `key` is the path as found (the
    /// canonical path costs a `realpath(3)` per file and is needed only by the store).
    public static func collect(_ paths: [String], canonicalKeys: Bool = true) -> BatchSelection {
        var out = BatchSelection()
        var found: [(BatchInput, FileID)] = []
        var walked: Set<FileID> = []

        func errorText() -> String { String(cString: strerror(errno)) }
        func make(_ path: String, _ st: stat) -> BatchInput {
            let mtime = Int64(st.st_mtim.tv_sec) &* 1_000_000_000 &+ Int64(st.st_mtim.tv_nsec)
            return BatchInput(path: path, key: canonicalKeys ? canonicalPath(path) : path, size: Int64(st.st_size), mtime: mtime)
        }

        /// Walks the open folder `fd` (closed here), found at `dir`. Entries are looked at relative to
        /// the folder's descriptor (fstatat, openat): no path is resolved again from the root.
        func walk(_ dir: String, fd: Int32, id: FileID, ancestors: inout [FileID]) {
            guard let d = fdopendir(fd) else {
                out.skipped.append(BatchSkip(path: dir, reason: "cannot read the folder: \(errorText())"))
                close(fd)
                return
            }
            defer { closedir(d) }
            var names: [String] = []
            while let e = readdir(d) {
                let name = withUnsafePointer(to: &e.pointee.d_name) {
                    $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
                }
                if name != "." && name != ".." { names.append(name) }
            }
            names.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            ancestors.append(id)
            defer { ancestors.removeLast() }
            let dfd = dirfd(d)
            for name in names {
                let path = dir == "." ? name : (dir.hasSuffix("/") ? dir + name : dir + "/" + name)
                var st = stat()
                guard fstatat(dfd, name, &st, 0) == 0 else {
                    // A dangling link, or a file removed while walking: noted if it looked like a capture.
                    if isCaptureName(name) { out.skipped.append(BatchSkip(path: path, reason: errorText())) }
                    continue
                }
                let fid = FileID(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino))
                switch st.st_mode & S_IFMT {
                case S_IFDIR:
                    if ancestors.contains(fid) {
                        out.notes.append("\(path): a symbolic link back to a folder above it; not followed")
                    } else if walked.insert(fid).inserted {
                        let sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                        if sub < 0 {
                            out.skipped.append(BatchSkip(path: path, reason: "cannot read the folder: \(errorText())"))
                        } else {
                            walk(path, fd: sub, id: fid, ancestors: &ancestors)
                        }
                    }
                case S_IFREG:
                    if isCaptureName(name) { found.append((make(path, st), fid)) }
                default:
                    break
                }
            }
        }

        for arg in paths {
            var st = stat()
            guard stat(arg, &st) == 0 else {
                out.skipped.append(BatchSkip(path: arg, reason: errorText()))
                continue
            }
            let fid = FileID(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino))
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                if walked.insert(fid).inserted {
                    let fd = open(arg, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                    if fd < 0 {
                        out.skipped.append(BatchSkip(path: arg, reason: "cannot read the folder: \(errorText())"))
                    } else {
                        var ancestors: [FileID] = []
                        walk(arg, fd: fd, id: fid, ancestors: &ancestors)
                    }
                }
            case S_IFREG:
                found.append((make(arg, st), fid))
            default:
                out.skipped.append(BatchSkip(path: arg, reason: "not a regular file or folder"))
            }
        }

        found.sort { $0.0.path.utf8.lexicographicallyPrecedes($1.0.path.utf8) }
        var seen: [FileID: String] = [:]
        for (f, id) in found {
            if let first = seen[id] {
                if first != f.path { out.notes.append("\(f.path) is the same file as \(first); read once") }
                continue
            }
            seen[id] = f.path
            out.files.append(f)
        }
        out.skipped.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
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
