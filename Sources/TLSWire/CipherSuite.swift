// Cipher suites, named groups, signature schemes: open structs over the IANA registries.
// The tables live in Generated/ (scripts/gen-registries/generate.py); the facts derived
// from cipher suite names (key exchange, cipher, MAC) were computed by the generator.

/// `uint8 CipherSuite[2];` (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2).
public struct CipherSuite: TLSCodePoint {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    public static let emptyRenegotiationInfoSCSV = CipherSuite(0x00ff)
    public static let fallbackSCSV = CipherSuite(0x5600)

    /// Key exchange named at the start of the suite name (`ECDHE_RSA` in
    /// TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256); `.tls13` for TLS 1.3 suites, `.scsv` for
    /// signalling values.
    public enum KeyExchange: String, Hashable, Sendable, CaseIterable {
        case null = "NULL", rsa = "RSA"
        case dhDSS = "DH_DSS", dhRSA = "DH_RSA", dheDSS = "DHE_DSS", dheRSA = "DHE_RSA", dhAnon = "DH_anon"
        case ecdhECDSA = "ECDH_ECDSA", ecdhRSA = "ECDH_RSA", ecdheECDSA = "ECDHE_ECDSA", ecdheRSA = "ECDHE_RSA"
        case ecdhAnon = "ECDH_anon"
        case psk = "PSK", dhePSK = "DHE_PSK", ecdhePSK = "ECDHE_PSK", rsaPSK = "RSA_PSK"
        case krb5 = "KRB5", srp = "SRP_SHA", srpRSA = "SRP_SHA_RSA", srpDSS = "SRP_SHA_DSS"
        case eccpwd = "ECCPWD", gost = "GOSTR341112_256"
        case tls13 = "TLS13", scsv = "SCSV"

        /// What a ServerKeyExchange carries for this key exchange.
        public var serverKeyExchangeFormat: ServerKeyExchange.Format {
            switch self {
            case .dheDSS, .dheRSA, .dhAnon: return .dhe
            case .ecdheECDSA, .ecdheRSA, .ecdhAnon: return .ecdhe
            case .psk, .rsaPSK: return .psk
            case .dhePSK: return .dhePSK
            case .ecdhePSK: return .ecdhePSK
            case .srp, .srpRSA, .srpDSS: return .srp
            case .rsa: return .rsaExport
            default: return .none
            }
        }
    }

    /// The authentication word of the name: the certificate (or secret) the server proves itself
    /// with. `.tls13` suites leave it to signature_algorithms.
    public enum Authentication: String, Hashable, Sendable, CaseIterable {
        case null = "NULL", none = "none", rsa = "RSA", dss = "DSS", ecdsa = "ECDSA", anon = "anon", psk = "PSK"
        case krb5 = "KRB5", srp = "SRP", password = "ECCPWD", gost = "GOST", tls13 = "TLS13"
    }

    public enum BulkCipher: String, Hashable, Sendable, CaseIterable {
        case null = "NULL", rc4 = "RC4", rc2 = "RC2", des = "DES", tripleDES = "3DES", idea = "IDEA", seed = "SEED"
        case aes = "AES", camellia = "CAMELLIA", aria = "ARIA", chacha20 = "CHACHA20", sm4 = "SM4", aegis = "AEGIS"
        case gost28147 = "GOST28147", kuznyechik = "KUZNYECHIK", magma = "MAGMA"
    }

    public enum CipherMode: String, Hashable, Sendable, CaseIterable {
        case none, stream, cbc, gcm, ccm, ccm8, poly1305, aegis, ctr, mgm
        public var isAEAD: Bool {
            switch self {
            case .gcm, .ccm, .ccm8, .poly1305, .aegis, .mgm: return true
            default: return false
            }
        }
    }

    public enum MAC: String, Hashable, Sendable, CaseIterable {
        case null = "NULL", md5 = "MD5", sha1 = "SHA", sha256 = "SHA256", sha384 = "SHA384", sm3 = "SM3"
        case gostIMIT = "IMIT", gostOMAC = "OMAC", aead = "AEAD"
    }

    /// Everything the registry and the name say about a suite.
    public struct Info: Hashable, Sendable {
        public var name: String
        /// False for a few widely deployed code points IANA never assigned (the old ChaCha20
        /// drafts 0xcc13-0xcc15, the SSL_RSA_FIPS values).
        public var isIANARegistered: Bool
        public var recommended: TLSRecommendation
        public var keyExchange: KeyExchange
        public var authentication: Authentication
        public var cipher: BulkCipher
        public var mode: CipherMode
        public var keyBits: Int
        public var mac: MAC
        public var isExport: Bool
    }

    /// Registry facts, nil for unknown code points (and GREASE).
    @inlinable public var info: Info? { CipherSuite._lookup(rawValue) }
    public var name: String? { info?.name }

    @inlinable public var isGREASE: Bool { isGREASE16(rawValue) }
    /// TLS_EMPTY_RENEGOTIATION_INFO_SCSV (0x00ff) or TLS_FALLBACK_SCSV (0x5600).
    @inlinable public var isSCSV: Bool { rawValue == 0x00ff || rawValue == 0x5600 }
    /// A real suite offer: neither GREASE nor a signalling value.
    @inlinable public var isSelectable: Bool { !isGREASE && !isSCSV }

    public var keyExchange: KeyExchange? { info?.keyExchange }
    public var authentication: Authentication? { info?.authentication }
    public var cipher: BulkCipher? { info?.cipher }
    public var cipherMode: CipherMode? { info?.mode }

    public var isTLS13: Bool { info?.keyExchange == .tls13 }
    public var isCBC: Bool { info?.mode == .cbc }
    public var isAEAD: Bool { info?.mode.isAEAD ?? false }
    public var isRC4: Bool { info?.cipher == .rc4 }
    public var is3DES: Bool { info?.cipher == .tripleDES }
    /// DES (56 or 40 bit), not 3DES.
    public var isDES: Bool { info?.cipher == .des }
    public var isExport: Bool { info?.isExport ?? false }
    /// No encryption (NULL cipher), including TLS_NULL_WITH_NULL_NULL and the integrity-only
    /// TLS 1.3 suites. Signalling values are not counted.
    public var isNULL: Bool { guard let i = info, i.keyExchange != .scsv else { return false }; return i.cipher == .null }
    public var isAnon: Bool { info?.authentication == .anon }
    /// Plain RSA key transport (no forward secrecy): TLS_RSA_* (also export).
    public var isRSAKeyExchange: Bool { info?.keyExchange == .rsa }
    /// Ephemeral (EC)DH, or TLS 1.3.
    public var isForwardSecret: Bool {
        switch info?.keyExchange {
        case .dheDSS?, .dheRSA?, .dhAnon?, .ecdheECDSA?, .ecdheRSA?, .ecdhAnon?, .dhePSK?, .ecdhePSK?, .eccpwd?, .tls13?:
            return true
        default: return false
        }
    }
    /// The server must hold an ECDSA (EC) certificate for this suite.
    public var needsECDSACertificate: Bool { info?.authentication == .ecdsa }
    /// The server must hold an RSA certificate for this suite.
    public var needsRSACertificate: Bool { info?.authentication == .rsa }
}

// MARK: - NamedGroup

/// `enum { ... } NamedGroup;` (RFC 8446 §4.2.7; RFC 8422 calls it NamedCurve).
public struct NamedGroup: TLSCodePoint {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    public static let secp256r1 = NamedGroup(23)
    public static let secp384r1 = NamedGroup(24)
    public static let secp521r1 = NamedGroup(25)
    public static let x25519 = NamedGroup(29)
    public static let x448 = NamedGroup(30)
    public static let ffdhe2048 = NamedGroup(256)
    public static let mlkem768 = NamedGroup(513)
    public static let secp256r1MLKEM768 = NamedGroup(4587)
    public static let x25519MLKEM768 = NamedGroup(4588)
    public static let x25519Kyber768Draft00 = NamedGroup(25497)

    public struct Info: Hashable, Sendable {
        public var name: String
        public var recommended: TLSRecommendation
        public var isObsolete: Bool
    }

    @inlinable public var info: Info? { NamedGroup._lookup(rawValue) }
    public var name: String? { info?.name }
    @inlinable public var isGREASE: Bool { isGREASE16(rawValue) }
    /// Finite-field Diffie-Hellman groups (RFC 7919), 0x0100-0x01ff.
    public var isFFDHE: Bool { rawValue >= 0x0100 && rawValue <= 0x01ff }
    /// ML-KEM alone, or a hybrid with ML-KEM / Kyber (post-quantum key agreement).
    public var isPostQuantum: Bool {
        switch rawValue {
        case 512, 513, 514, 4587, 4588, 4589, 25497, 25498: return true
        default: return false
        }
    }
}

// MARK: - SignatureScheme

/// `enum { ... } SignatureScheme;` (RFC 8446 §4.2.3). In TLS 1.2 the same two bytes are
/// `struct { HashAlgorithm hash; SignatureAlgorithm signature; }` (RFC 5246 §7.4.1.4.1);
/// values IANA keeps only as "reserved for backward compatibility" get `legacyName`.
public struct SignatureScheme: TLSCodePoint {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    public struct Info: Hashable, Sendable {
        public var name: String
        public var recommended: TLSRecommendation
    }

    @inlinable public var info: Info? { SignatureScheme._lookup(rawValue) }
    public var name: String? { info?.name }
    @inlinable public var isGREASE: Bool { isGREASE16(rawValue) }

    /// TLS 1.2 hash byte (RFC 5246: 1 md5, 2 sha1, 3 sha224, 4 sha256, 5 sha384, 6 sha512, 8 intrinsic).
    public var hashByte: UInt8 { UInt8(truncatingIfNeeded: rawValue >> 8) }
    /// TLS 1.2 signature byte (RFC 5246: 1 rsa, 2 dsa, 3 ecdsa).
    public var signatureByte: UInt8 { UInt8(truncatingIfNeeded: rawValue) }

    /// TLS 1.2 (hash, signature) pair name for values not in the SignatureScheme registry,
    /// e.g. `dsa_sha256` for 0x0402, `ecdsa_sha224` for 0x0303; nil otherwise.
    public var legacyName: String? {
        if info != nil { return nil }
        let hash: String
        switch hashByte {
        case 1: hash = "md5"
        case 2: hash = "sha1"
        case 3: hash = "sha224"
        case 4: hash = "sha256"
        case 5: hash = "sha384"
        case 6: hash = "sha512"
        default: return nil
        }
        switch signatureByte {
        case 1: return "rsa_pkcs1_" + hash
        case 2: return "dsa_" + hash
        case 3: return "ecdsa_" + hash
        default: return nil
        }
    }

    /// The algorithm family, for "offered no ECDSA" style questions.
    public enum Family: String, Hashable, Sendable { case rsaPKCS1, rsaPSS, ecdsa, eddsa, dsa, mldsa, gost, sm2, other }
    public var family: Family {
        switch rawValue {
        case 0x0804...0x0806, 0x0809...0x080b: return .rsaPSS
        case 0x0807, 0x0808: return .eddsa
        case 0x081a...0x081c: return .ecdsa
        case 0x0904...0x0906: return .mldsa
        case 0x0709...0x070f: return .gost
        case 0x0708: return .sm2
        case 0x0420, 0x0520, 0x0620: return .rsaPKCS1
        default:
            if rawValue < 0x0700 {
                switch signatureByte {
                case 1: return .rsaPKCS1
                case 2: return .dsa
                case 3: return .ecdsa
                default: return .other
                }
            }
            return .other
        }
    }
}

// MARK: - SSLv2 cipher kinds

/// A 3-byte SSLv2 CIPHER-KIND (SSL 2.0 appendix). Values with a zero first byte are SSLv3/TLS
/// cipher suites offered in a v2-compatible ClientHello (`suite`).
public struct SSLv2CipherKind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue & 0xff_ffff }
    @inlinable public init(_ rawValue: UInt32) { self.rawValue = rawValue & 0xff_ffff }

    /// The TLS cipher suite this value maps to (0x00XXYY → 0xXXYY).
    public var suite: CipherSuite? { rawValue >> 16 == 0 ? CipherSuite(UInt16(truncatingIfNeeded: rawValue)) : nil }

    public var name: String? {
        switch rawValue {
        case 0x010080: return "SSL2_RC4_128_WITH_MD5"
        case 0x020080: return "SSL2_RC4_128_EXPORT40_WITH_MD5"
        case 0x030080: return "SSL2_RC2_128_CBC_WITH_MD5"
        case 0x040080: return "SSL2_RC2_128_CBC_EXPORT40_WITH_MD5"
        case 0x050080: return "SSL2_IDEA_128_CBC_WITH_MD5"
        case 0x060040: return "SSL2_DES_64_CBC_WITH_MD5"
        case 0x0700c0: return "SSL2_DES_192_EDE3_CBC_WITH_MD5"
        case 0x080080: return "SSL2_RC4_64_WITH_MD5"
        default: return suite?.name
        }
    }
    public var description: String { name ?? TLSHex.prefixed(UInt64(rawValue), digits: 6) }
}
