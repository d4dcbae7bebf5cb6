// Message digests by libcrypto (no hand-written cryptography): MD5 for JA3, SHA-256 for JA4, SHA-1
// and SHA-256 for certificate fingerprints (the SHA-1 of the DER is what Arkime and older Zeek logs
// show; SHA-256 what current tools show). Through libcrypto's one-algorithm functions (MD5_Init …
// SHA256_Final), not EVP: the first EVP digest of a process loads OpenSSL's provider tables and
// names, about 5 M instructions that every `tlsdiag` run paid, and a context fetched,
// reused and freed around each digest; these run the same assembly on a context on the stack.

import CCrypto

/// MD5, SHA-1 and SHA-256 of bytes, by libcrypto.
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

    }

    /// libcrypto would not compute the digest.
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

    /// Digests `data` with libcrypto's function of the algorithm (Init, Update, Final on a
    /// context on the stack); `out` must hold `algorithm.byteCount` bytes.
    private static func compute(_ algorithm: Algorithm, _ data: UnsafeRawBufferPointer, into out: UnsafeMutablePointer<UInt8>) -> Bool {
        // A zero-length input may have a nil base address: point at the output buffer then
        // (nothing is read from it).
        let base = data.baseAddress ?? UnsafeRawPointer(out)
        switch algorithm {
        case .md5:
            var c = MD5_CTX()
            return MD5_Init(&c) == 1 && MD5_Update(&c, base, data.count) == 1 && MD5_Final(out, &c) == 1
        case .sha1:
            var c = SHA_CTX()
            return SHA1_Init(&c) == 1 && SHA1_Update(&c, base, data.count) == 1 && SHA1_Final(out, &c) == 1
        case .sha256:
            var c = SHA256_CTX()
            return SHA256_Init(&c) == 1 && SHA256_Update(&c, base, data.count) == 1 && SHA256_Final(out, &c) == 1
        }
    }
}
