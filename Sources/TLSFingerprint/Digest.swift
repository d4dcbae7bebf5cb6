// Message digests through libcrypto's EVP interface (no hand-written cryptography): MD5 for JA3,
// SHA-256 for JA4, SHA-1 and SHA-256 for certificate fingerprints (the SHA-1 of the DER is what
// Arkime and older Zeek logs show; SHA-256 what current tools show).

import CCrypto
import Synchronization

/// MD5, SHA-1 and SHA-256 of bytes, by libcrypto (`EVP_Digest`).
public enum Digest {
    /// The digests this module uses.
    public enum Algorithm: Hashable, Sendable {
        case md5, sha1, sha256

        /// Output length in bytes.
        public var byteCount: Int {
            switch self {
            case .md5: 16
            case .sha1: 20
            case .sha256: 32
            }
        }

        /// The algorithm object, fetched once from the default library context.
        var evp: OpaquePointer? {
            switch self {
            case .md5: evpMD5
            case .sha1: evpSHA1
            case .sha256: evpSHA256
            }
        }
    }

    /// libcrypto would not compute the digest (for example MD5 under a FIPS-only provider).
    public struct Failure: Error, Hashable, Sendable {
        public var algorithm: Algorithm
    }

    /// The digest of `data`.
    public static func bytes(_ algorithm: Algorithm, of data: UnsafeRawBufferPointer) throws(Failure) -> [UInt8] {
        guard let out = digest(algorithm, data) else { throw Failure(algorithm: algorithm) }
        return out
    }

    /// The digest of `data`.
    public static func bytes(_ algorithm: Algorithm, of data: some Collection<UInt8>) throws(Failure) -> [UInt8] {
        let out: [UInt8]?
        if let r = data.withContiguousStorageIfAvailable({ digest(algorithm, UnsafeRawBufferPointer($0)) }) {
            out = r
        } else {
            out = Array(data).withUnsafeBytes { digest(algorithm, $0) }
        }
        guard let out else { throw Failure(algorithm: algorithm) }
        return out
    }

    private static func digest(_ algorithm: Algorithm, _ data: UnsafeRawBufferPointer) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: algorithm.byteCount)
        let ok = out.withUnsafeMutableBufferPointer { o in compute(algorithm, data, into: o.baseAddress!) }
        return ok ? out : nil
    }

    /// The digest of `data` as lower-case hex; the empty string if libcrypto refused the algorithm.
    public static func hex(_ algorithm: Algorithm, of data: UnsafeRawBufferPointer) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { tmp in
            guard compute(algorithm, data, into: tmp.baseAddress!) else { return "" }
            return HexText.string(UnsafeRawBufferPointer(start: tmp.baseAddress!, count: algorithm.byteCount))
        }
    }

    /// The digest of `data` as lower-case hex; the empty string if libcrypto refused the algorithm.
    public static func hex(_ algorithm: Algorithm, of data: some Collection<UInt8>) -> String {
        if let s = data.withContiguousStorageIfAvailable({ hex(algorithm, of: UnsafeRawBufferPointer($0)) }) {
            return s
        }
        return Array(data).withUnsafeBytes { hex(algorithm, of: $0) }
    }

    /// MD5 as 32 lower-case hex digits (empty if libcrypto refuses MD5).
    public static func md5Hex(_ data: UnsafeRawBufferPointer) -> String { hex(.md5, of: data) }
    /// MD5 as 32 lower-case hex digits (empty if libcrypto refuses MD5).
    public static func md5Hex(_ data: some Collection<UInt8>) -> String { hex(.md5, of: data) }
    /// SHA-1 as 40 lower-case hex digits.
    public static func sha1Hex(_ data: UnsafeRawBufferPointer) -> String { hex(.sha1, of: data) }
    /// SHA-1 as 40 lower-case hex digits.
    public static func sha1Hex(_ data: some Collection<UInt8>) -> String { hex(.sha1, of: data) }
    /// SHA-256 as 64 lower-case hex digits.
    public static func sha256Hex(_ data: UnsafeRawBufferPointer) -> String { hex(.sha256, of: data) }
    /// SHA-256 as 64 lower-case hex digits.
    public static func sha256Hex(_ data: some Collection<UInt8>) -> String { hex(.sha256, of: data) }

    /// The first 12 hex digits (6 bytes) of SHA-256 of `data`, as JA4 truncates it; empty if libcrypto failed.
    static func sha256Hex12(_ data: UnsafeRawBufferPointer) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { tmp in
            guard compute(.sha256, data, into: tmp.baseAddress!) else { return "" }
            return HexText.string(UnsafeRawBufferPointer(start: tmp.baseAddress!, count: 6))
        }
    }

    /// Digests `data` with libcrypto (EVP_DigestInit_ex2, Update, Final_ex); `out` must hold
    /// `algorithm.byteCount` bytes. The digest context is reused: one per algorithm waits in a
    /// slot between digests (taken by an atomic exchange, so each thread works on a context of
    /// its own; a thread finding the slot empty makes one, and frees it if the slot was filled
    /// meanwhile). `EVP_Digest` makes and frees a context on every call: about a quarter of
    /// the cost of a JA3 string's MD5.
    private static func compute(_ algorithm: Algorithm, _ data: UnsafeRawBufferPointer, into out: UnsafeMutablePointer<UInt8>) -> Bool {
        guard let md = algorithm.evp else { return false }
        guard let ctx = takeContext(algorithm) ?? EVP_MD_CTX_new() else { return false }
        var size: UInt32 = 0
        // A zero-length input may have a nil base address: point at the output buffer then
        // (nothing is read from it).
        let base = data.baseAddress ?? UnsafeRawPointer(out)
        let ok = EVP_DigestInit_ex2(ctx, md, nil) == 1 && EVP_DigestUpdate(ctx, base, data.count) == 1
            && EVP_DigestFinal_ex(ctx, out, &size) == 1
        putContext(algorithm, ctx)
        return ok && Int(size) == algorithm.byteCount
    }
}

// A digest context (EVP_MD_CTX) kept between digests for each algorithm, as its address (0: none
// kept): see `Digest.compute`. A context is only used by the thread that took it out of its slot.
private let md5Context = Atomic<UInt>(0)
private let sha1Context = Atomic<UInt>(0)
private let sha256Context = Atomic<UInt>(0)

extension Digest {
    /// The context kept for `algorithm`, taken out of its slot (nil if none is kept, or another
    /// thread has it).
    fileprivate static func takeContext(_ algorithm: Algorithm) -> OpaquePointer? {
        let bits: UInt
        switch algorithm {
        case .md5: bits = md5Context.exchange(0, ordering: .acquiring)
        case .sha1: bits = sha1Context.exchange(0, ordering: .acquiring)
        case .sha256: bits = sha256Context.exchange(0, ordering: .acquiring)
        }
        return OpaquePointer(bitPattern: bits)
    }

    /// Puts `ctx` back in `algorithm`'s slot, or frees it if the slot holds another already.
    fileprivate static func putContext(_ algorithm: Algorithm, _ ctx: OpaquePointer) {
        let bits = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(ctx)))
        let kept: Bool
        switch algorithm {
        case .md5: kept = md5Context.compareExchange(expected: 0, desired: bits, ordering: .releasing).exchanged
        case .sha1: kept = sha1Context.compareExchange(expected: 0, desired: bits, ordering: .releasing).exchanged
        case .sha256: kept = sha256Context.compareExchange(expected: 0, desired: bits, ordering: .releasing).exchanged
        }
        if !kept { EVP_MD_CTX_free(ctx) }
    }
}
// The algorithm objects: fetched once (EVP_MD_fetch) so that each digest skips the implicit fetch
// OpenSSL 3 does for the legacy EVP_md5()/EVP_sha256() handles; those remain the fallback.
// EVP_MD objects are immutable and safe to share across threads once fetched.
private nonisolated(unsafe) let evpMD5: OpaquePointer? = EVP_MD_fetch(nil, "MD5", nil) ?? EVP_md5()
private nonisolated(unsafe) let evpSHA1: OpaquePointer? = EVP_MD_fetch(nil, "SHA1", nil) ?? EVP_sha1()
private nonisolated(unsafe) let evpSHA256: OpaquePointer? = EVP_MD_fetch(nil, "SHA256", nil) ?? EVP_sha256()
