extension PreambleDetector {
    /// Whether a client's first bytes open a TLS (or SSL 2.0-format) ClientHello.
    /// `nil` means "consistent so far, need more bytes"; at most 6 bytes are ever needed.
    ///
    /// TLS record header (RFC 8446 §5.1) followed by the handshake type (§4):
    /// ```
    ///  0        1        2        3        4        5
    /// +--------+--------+--------+--------+--------+--------+
    /// | 0x16   | 0x03   | 00..04 |  length (BE)    | 0x01   |
    /// | hshake | legacy_version  |  1..18432       | Client |
    /// +--------+--------+--------+--------+--------+--------+
    /// ```
    /// SSL 2.0 CLIENT-HELLO with a two-byte header (the SSLv2-compatible hello of RFC 5246 E.2):
    /// ```
    ///  0        1        2        3        4
    /// +--------+--------+--------+--------+--------+
    /// |1 len hi| len lo | 0x01   | version         |  version 0x0002 or 0x0300..0x0303
    /// +--------+--------+--------+--------+--------+
    /// ```
    @inlinable
    public static func looksLikeTLSStart(_ bytes: UnsafeRawBufferPointer) -> Bool? {
        let n = bytes.count
        guard n >= 1 else { return nil }
        let b0 = bytes[0]
        if b0 == 0x16 {
            guard n >= 2 else { return nil }
            guard bytes[1] == 0x03 else { return false }
            guard n >= 3 else { return nil }
            guard bytes[2] <= 0x04 else { return false }
            guard n >= 5 else { return nil }
            let length = Int(bytes[3]) << 8 | Int(bytes[4])
            // A record carries at least one byte and at most 2^14 + 2048 (RFC 5246 §6.2.3).
            guard length >= 1 && length <= 18_432 else { return false }
            guard n >= 6 else { return nil }
            return bytes[5] == 0x01
        }
        if b0 & 0x80 != 0 {
            guard n >= 2 else { return nil }
            let length = Int(b0 & 0x7F) << 8 | Int(bytes[1])
            // msg type + version + three 2-byte lengths, at least one 3-byte cipher and a 16-byte challenge.
            guard length >= 9 else { return false }
            guard n >= 3 else { return nil }
            guard bytes[2] == 0x01 else { return false }
            guard n >= 4 else { return nil }
            let major = bytes[3]
            guard major == 0x00 || major == 0x03 else { return false }
            guard n >= 5 else { return nil }
            let minor = bytes[4]
            return major == 0x00 ? minor == 0x02 : minor <= 0x03
        }
        return false
    }
}
