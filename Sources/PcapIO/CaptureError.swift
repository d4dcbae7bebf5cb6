import Glibc

/// Why reading, capturing or writing packets failed: a code to act on, where it happened, and the
/// reason in words (libpcap's or zlib's own message kept, plus ours).
///
/// `description` reads like
/// `capture.pcap: packet 1234 at byte 567890: truncated record (libpcap: truncated dump file; tried to read 1500 captured bytes, only got 812)`.
public struct CaptureError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        /// The file does not exist.
        case fileNotFound
        /// The file (or the capture device) may not be opened by this user.
        case permissionDenied
        /// The first bytes are neither pcap, pcapng nor gzip (bad magic).
        case notACapture
        /// A pcap or pcapng version libpcap does not read.
        case unsupportedVersion
        /// The file ends inside the file header (pcap global header or pcapng section header).
        case truncatedHeader
        /// The file ends inside a packet record (its header or its captured bytes).
        case truncatedRecord
        /// A record or block claims an impossible length (caplen beyond any snapshot length, a
        /// pcapng block shorter than its header or not a multiple of 4, …).
        case badRecordLength
        /// A pcapng block whose content is inconsistent (options, missing interface description, …).
        case malformedBlock
        /// The gzip stream is corrupt or cut short.
        case decompressionError
        /// An I/O error, or a libpcap message we could not classify.
        case readError
        /// Live capture: the interface does not exist.
        case noSuchDevice
        /// Live capture: the interface is down.
        case interfaceNotUp
        /// A BPF filter expression did not compile or could not be installed.
        case filterError
        /// Live capture failed to start or to read for another reason.
        case captureFailed
        /// Writing a dump file failed.
        case writeError
    }

    public var code: Code
    /// The file path, or the interface name for live capture.
    public var path: String
    /// 1-based number of the packet being read when it went wrong; nil when opening.
    public var packetNumber: UInt64?
    /// Byte offset (in the decompressed stream for `.gz`) where the failing record began, or
    /// where the failing read started; nil when unknown.
    public var byteOffset: Int64?
    /// libpcap's or zlib's message, prefixed with its source, plus our own explanation.
    public var reason: String
    /// libpcap's message alone, when there was one.
    public var libpcapMessage: String?

    public init(code: Code, path: String, packetNumber: UInt64? = nil, byteOffset: Int64? = nil,
                reason: String, libpcapMessage: String? = nil) {
        self.code = code; self.path = path; self.packetNumber = packetNumber
        self.byteOffset = byteOffset; self.reason = reason; self.libpcapMessage = libpcapMessage
    }

    public var description: String {
        var s = path
        if let n = packetNumber { s += ": packet \(n)" }
        if let o = byteOffset { s += packetNumber == nil ? ": at byte \(o)" : " at byte \(o)" }
        s += ": " + code.phrase
        if !reason.isEmpty { s += " (" + reason + ")" }
        return s
    }
}

extension CaptureError.Code {
    /// Words for `description`.
    public var phrase: String {
        switch self {
        case .fileNotFound: return "file not found"
        case .permissionDenied: return "permission denied"
        case .notACapture: return "not a capture file"
        case .unsupportedVersion: return "unsupported capture file version"
        case .truncatedHeader: return "truncated file header"
        case .truncatedRecord: return "truncated record"
        case .badRecordLength: return "bad record length"
        case .malformedBlock: return "malformed pcapng block"
        case .decompressionError: return "decompression error"
        case .readError: return "read error"
        case .noSuchDevice: return "no such interface"
        case .interfaceNotUp: return "interface is down"
        case .filterError: return "bad capture filter"
        case .captureFailed: return "capture failed"
        case .writeError: return "write error"
        }
    }

    /// The code for an errno from opening or inspecting a file.
    static func forOpen(errno e: Int32) -> CaptureError.Code {
        switch e {
        case ENOENT, ENOTDIR: return .fileNotFound
        case EACCES, EPERM: return .permissionDenied
        default: return .readError
        }
    }

    /// Classifies a libpcap savefile message. The messages are libpcap's (sf-pcap.c, sf-pcapng.c,
    /// savefile.c, 1.10.x); we match stable substrings so that small wording changes between
    /// versions still land on the right code, and fall back to `.readError`.
    ///
    /// `opening`: the message came from the open call (the file header), not from a record.
    static func classify(libpcapMessage m: String, opening: Bool) -> CaptureError.Code {
        let s = m.lowercased()
        func has(_ t: String) -> Bool { s.contains(t) }
        if has("unknown file format") || has("not a pcap") { return .notACapture }
        if has("archaic pcap savefile") || has("savefile version") { return .unsupportedVersion }
        if has("file header bytes") { return .truncatedHeader }
        if has("truncated") { return opening ? .truncatedHeader : .truncatedRecord }
        if has("invalid packet capture length") || has("pcapng block size")
            || has("has a length of") || has("not a multiple of 4") || has("is too short")
            || has("insane_max") || has("invalid length") { return .badRecordLength }
        if has("block") || has("interface description") || has("option") { return .malformedBlock }
        if has("no such file") { return .fileNotFound }
        if has("permission denied") { return .permissionDenied }
        return .readError
    }
}
