// Object identifier names for the certificate summary (OpenSSL's short names where a tool
// such as Zeek prints them, so reports can be compared).
//
// The summary recognises OIDs by their DER contents octets (`KnownOID(der:_:)`), without making
// the dotted text first: a known OID's dotted text and names are string literals, so naming it
// allocates nothing. The String-keyed functions of `OIDNames` answer the same from dotted text.

public enum OIDNames {
    /// Name attribute types (RFC 4519, PKCS #9, CA/B EV).
    public static func attribute(_ oid: String) -> String? { KnownOID(dotted: oid)?.attributeName }

    public static func signature(_ oid: String) -> String? {
        KnownOID(dotted: oid)?.signatureName ?? slhdsa(oid)
    }

    /// SLH-DSA (FIPS 205) signature and key OIDs 2.16.840.1.101.3.4.3.20 to .31 by dotted text.
    static func slhdsa(_ oid: String) -> String? {
        let prefix = "2.16.840.1.101.3.4.3."
        guard oid.hasPrefix(prefix), let n = Int(oid.dropFirst(prefix.count)), n >= 20, n <= 31 else { return nil }
        return KnownOID.slhdsaName(n)
    }

    public static func publicKey(_ oid: String) -> String? {
        KnownOID(dotted: oid)?.publicKeyName ?? slhdsa(oid)
    }

    public static func keyType(_ oid: String) -> CertificateSummary.KeyType {
        KnownOID(dotted: oid)?.keyType ?? (slhdsa(oid) != nil ? .slhdsa : .unknown)
    }

    /// Named curves: SEC 2 / RFC 5639 name and field size in bits.
    public static func curve(_ oid: String) -> (name: String, bits: Int)? { KnownOID(dotted: oid)?.curve }

    /// OpenSSL's name for a curve where it differs from the SEC name (prime256v1, prime192v1).
    public static func openSSLCurveName(_ name: String) -> String {
        switch name {
        case "secp256r1": return "prime256v1"
        case "secp192r1": return "prime192v1"
        default: return name
        }
    }

    public static func extendedKeyUsage(_ oid: String) -> String? { KnownOID(dotted: oid)?.extendedKeyUsageName }
}

/// The object identifiers the summary names or dispatches on, plus common extensions (so their
/// dotted text in `extensionOIDs` is a literal too).
public enum KnownOID: UInt8, CaseIterable, Hashable, Sendable {
    case commonName
    case surname
    case serialNumber
    case countryName
    case localityName
    case stateOrProvinceName
    case streetAddress
    case organizationName
    case organizationalUnitName
    case title
    case descriptionAttribute
    case businessCategory
    case postalCode
    case name
    case givenName
    case initials
    case generationQualifier
    case dnQualifier
    case pseudonym
    case organizationIdentifier
    case emailAddress
    case unstructuredName
    case userID
    case domainComponent
    case jurisdictionL
    case jurisdictionST
    case jurisdictionC
    case md2WithRSA
    case md5WithRSA
    case sha1WithRSA
    case rsassaPSS
    case sha256WithRSA
    case sha384WithRSA
    case sha512WithRSA
    case sha224WithRSA
    case sha1WithRSAOIW
    case ecdsaWithSHA1
    case ecdsaWithSHA224
    case ecdsaWithSHA256
    case ecdsaWithSHA384
    case ecdsaWithSHA512
    case dsaWithSHA1
    case dsaWithSHA224
    case dsaWithSHA256
    case ed25519
    case ed448
    case mldsa44
    case mldsa65
    case mldsa87
    case sm2WithSM3
    case gost2012Sign256
    case gost2012Sign512
    case slhdsa20
    case slhdsa21
    case slhdsa22
    case slhdsa23
    case slhdsa24
    case slhdsa25
    case slhdsa26
    case slhdsa27
    case slhdsa28
    case slhdsa29
    case slhdsa30
    case slhdsa31
    case rsaEncryption
    case ecPublicKey
    case dsa
    case dhKeyAgreement
    case dhPublicNumber
    case x25519
    case x448
    case sm2
    case gost2012Key256
    case gost2012Key512
    case secp256r1
    case secp384r1
    case secp521r1
    case secp256k1
    case secp224r1
    case secp192r1
    case brainpoolP256r1
    case brainpoolP384r1
    case brainpoolP512r1
    case serverAuth
    case clientAuth
    case codeSigning
    case emailProtection
    case ipsecEndSystem
    case ipsecTunnel
    case ipsecUser
    case timeStamping
    case ocspSigning
    case ipsecIKE
    case anyExtendedKeyUsage
    case msSGC
    case nsSGC
    case msSmartcardLogin
    case msEFS
    case pkInitKDC
    case remoteDesktopAuthentication
    case subjectDirectoryAttributes
    case subjectKeyIdentifier
    case keyUsage
    case privateKeyUsagePeriod
    case subjectAltName
    case issuerAltName
    case basicConstraints
    case nameConstraints
    case crlDistributionPoints
    case certificatePolicies
    case policyMappings
    case authorityKeyIdentifier
    case policyConstraints
    case extKeyUsage
    case freshestCRL
    case inhibitAnyPolicy
    case authorityInfoAccess
    case subjectInfoAccess
    case tlsFeature
    case sctList
    case ctPoison
    case nsCertType
    case nsComment
    case msCertificateTemplateName
    case msCertificateTemplate
    case msApplicationPolicies
    case msCAVersion
    case msPreviousCAHash
    case entrustVersion
    case smimeCapabilities

    /// Recognises an OID by its DER contents octets `bytes[r]` (nil when unknown or out of range).
    ///
    /// Key: the first 8 octets big-endian in `hi` (zero-padded); octets 9 to 15 in the top 7
    /// bytes of `lo` and the octet count in its low byte, so "55 1D 25" and "55 1D 25 00" differ.
    /// The constants below are these keys of the dotted OIDs in `dotted`; X509ReferenceTests
    /// checks every case both ways (encode `dotted`, look it up, get the case back).
    public init?(der bytes: RawSpan, _ r: Range<Int>) {
        let n = r.upperBound &- r.lowerBound
        guard n >= 1, n <= 15, r.lowerBound >= 0, r.upperBound <= bytes.byteCount else { return nil }
        let hi = KnownOID.word(bytes, r.lowerBound, count: Swift.min(n, 8))
        let lo = n > 8 ? KnownOID.word(bytes, r.lowerBound &+ 8, count: n &- 8) | UInt64(n) : UInt64(n)
        guard let k = KnownOID.lookup(hi, lo) else { return nil }
        self = k
    }

    /// `count` (1...8) octets from `at`, big-endian in the top bytes of a word, the rest zero.
    /// One 8-octet load when the span has 8 octets from `at` (those past `count` are masked
    /// off), else octet by octet. The caller has checked `at + count <= bytes.byteCount`.
    @inline(__always)
    static func word(_ bytes: RawSpan, _ at: Int, count: Int) -> UInt64 {
        if at &+ 8 <= bytes.byteCount {
            let w = UInt64(bigEndian: bytes.unsafeLoadUnaligned(fromUncheckedByteOffset: at, as: UInt64.self))
            return count >= 8 ? w : w & ~(UInt64.max >> UInt64(8 &* count))
        }
        var w: UInt64 = 0
        var i = 0
        while i < count {
            w |= UInt64(bytes.unsafeLoad(fromUncheckedByteOffset: at &+ i, as: UInt8.self)) << UInt64(56 &- 8 &* i)
            i &+= 1
        }
        return w
    }

    static func lookup(_ hi: UInt64, _ lo: UInt64) -> KnownOID? {
        switch hi {
        case 0x0992268993F22C64:
            switch lo {
            case 0x010100000000000A: return .userID
            case 0x011900000000000A: return .domainComponent
            default: return nil
            }
        case 0x2A811CCF5501822D: return lo == 0x0000000000000008 ? .sm2 : nil
        case 0x2A811CCF55018375: return lo == 0x0000000000000008 ? .sm2WithSM3 : nil
        case 0x2A85030701010101: return lo == 0x0000000000000008 ? .gost2012Key256 : nil
        case 0x2A85030701010102: return lo == 0x0000000000000008 ? .gost2012Key512 : nil
        case 0x2A85030701010302: return lo == 0x0000000000000008 ? .gost2012Sign256 : nil
        case 0x2A85030701010303: return lo == 0x0000000000000008 ? .gost2012Sign512 : nil
        case 0x2A864886F67D0741: return lo == 0x0000000000000009 ? .entrustVersion : nil
        case 0x2A864886F70D0101:
            switch lo {
            case 0x0100000000000009: return .rsaEncryption
            case 0x0200000000000009: return .md2WithRSA
            case 0x0400000000000009: return .md5WithRSA
            case 0x0500000000000009: return .sha1WithRSA
            case 0x0A00000000000009: return .rsassaPSS
            case 0x0B00000000000009: return .sha256WithRSA
            case 0x0C00000000000009: return .sha384WithRSA
            case 0x0D00000000000009: return .sha512WithRSA
            case 0x0E00000000000009: return .sha224WithRSA
            default: return nil
            }
        case 0x2A864886F70D0103: return lo == 0x0100000000000009 ? .dhKeyAgreement : nil
        case 0x2A864886F70D0109:
            switch lo {
            case 0x0100000000000009: return .emailAddress
            case 0x0200000000000009: return .unstructuredName
            case 0x0F00000000000009: return .smimeCapabilities
            default: return nil
            }
        case 0x2A8648CE38040100: return lo == 0x0000000000000007 ? .dsa : nil
        case 0x2A8648CE38040300: return lo == 0x0000000000000007 ? .dsaWithSHA1 : nil
        case 0x2A8648CE3D020100: return lo == 0x0000000000000007 ? .ecPublicKey : nil
        case 0x2A8648CE3D030101: return lo == 0x0000000000000008 ? .secp192r1 : nil
        case 0x2A8648CE3D030107: return lo == 0x0000000000000008 ? .secp256r1 : nil
        case 0x2A8648CE3D040100: return lo == 0x0000000000000007 ? .ecdsaWithSHA1 : nil
        case 0x2A8648CE3D040301: return lo == 0x0000000000000008 ? .ecdsaWithSHA224 : nil
        case 0x2A8648CE3D040302: return lo == 0x0000000000000008 ? .ecdsaWithSHA256 : nil
        case 0x2A8648CE3D040303: return lo == 0x0000000000000008 ? .ecdsaWithSHA384 : nil
        case 0x2A8648CE3D040304: return lo == 0x0000000000000008 ? .ecdsaWithSHA512 : nil
        case 0x2A8648CE3E020100: return lo == 0x0000000000000007 ? .dhPublicNumber : nil
        case 0x2B0601040182370A:
            switch lo {
            case 0x030300000000000A: return .msSGC
            case 0x030400000000000A: return .msEFS
            default: return nil
            }
        case 0x2B06010401823714:
            switch lo {
            case 0x0200000000000009: return .msCertificateTemplateName
            case 0x020200000000000A: return .msSmartcardLogin
            default: return nil
            }
        case 0x2B06010401823715:
            switch lo {
            case 0x0100000000000009: return .msCAVersion
            case 0x0200000000000009: return .msPreviousCAHash
            case 0x0700000000000009: return .msCertificateTemplate
            case 0x0A00000000000009: return .msApplicationPolicies
            default: return nil
            }
        case 0x2B06010401823736: return lo == 0x010200000000000A ? .remoteDesktopAuthentication : nil
        case 0x2B0601040182373C:
            switch lo {
            case 0x020101000000000B: return .jurisdictionL
            case 0x020102000000000B: return .jurisdictionST
            case 0x020103000000000B: return .jurisdictionC
            default: return nil
            }
        case 0x2B06010401D67902:
            switch lo {
            case 0x040200000000000A: return .sctList
            case 0x040300000000000A: return .ctPoison
            default: return nil
            }
        case 0x2B06010502030500: return lo == 0x0000000000000007 ? .pkInitKDC : nil
        case 0x2B06010505070101: return lo == 0x0000000000000008 ? .authorityInfoAccess : nil
        case 0x2B0601050507010B: return lo == 0x0000000000000008 ? .subjectInfoAccess : nil
        case 0x2B06010505070118: return lo == 0x0000000000000008 ? .tlsFeature : nil
        case 0x2B06010505070301: return lo == 0x0000000000000008 ? .serverAuth : nil
        case 0x2B06010505070302: return lo == 0x0000000000000008 ? .clientAuth : nil
        case 0x2B06010505070303: return lo == 0x0000000000000008 ? .codeSigning : nil
        case 0x2B06010505070304: return lo == 0x0000000000000008 ? .emailProtection : nil
        case 0x2B06010505070305: return lo == 0x0000000000000008 ? .ipsecEndSystem : nil
        case 0x2B06010505070306: return lo == 0x0000000000000008 ? .ipsecTunnel : nil
        case 0x2B06010505070307: return lo == 0x0000000000000008 ? .ipsecUser : nil
        case 0x2B06010505070308: return lo == 0x0000000000000008 ? .timeStamping : nil
        case 0x2B06010505070309: return lo == 0x0000000000000008 ? .ocspSigning : nil
        case 0x2B06010505070311: return lo == 0x0000000000000008 ? .ipsecIKE : nil
        case 0x2B0E03021D000000: return lo == 0x0000000000000005 ? .sha1WithRSAOIW : nil
        case 0x2B24030302080101:
            switch lo {
            case 0x0700000000000009: return .brainpoolP256r1
            case 0x0B00000000000009: return .brainpoolP384r1
            case 0x0D00000000000009: return .brainpoolP512r1
            default: return nil
            }
        case 0x2B656E0000000000: return lo == 0x0000000000000003 ? .x25519 : nil
        case 0x2B656F0000000000: return lo == 0x0000000000000003 ? .x448 : nil
        case 0x2B65700000000000: return lo == 0x0000000000000003 ? .ed25519 : nil
        case 0x2B65710000000000: return lo == 0x0000000000000003 ? .ed448 : nil
        case 0x2B8104000A000000: return lo == 0x0000000000000005 ? .secp256k1 : nil
        case 0x2B81040021000000: return lo == 0x0000000000000005 ? .secp224r1 : nil
        case 0x2B81040022000000: return lo == 0x0000000000000005 ? .secp384r1 : nil
        case 0x2B81040023000000: return lo == 0x0000000000000005 ? .secp521r1 : nil
        case 0x5504030000000000: return lo == 0x0000000000000003 ? .commonName : nil
        case 0x5504040000000000: return lo == 0x0000000000000003 ? .surname : nil
        case 0x5504050000000000: return lo == 0x0000000000000003 ? .serialNumber : nil
        case 0x5504060000000000: return lo == 0x0000000000000003 ? .countryName : nil
        case 0x5504070000000000: return lo == 0x0000000000000003 ? .localityName : nil
        case 0x5504080000000000: return lo == 0x0000000000000003 ? .stateOrProvinceName : nil
        case 0x5504090000000000: return lo == 0x0000000000000003 ? .streetAddress : nil
        case 0x55040A0000000000: return lo == 0x0000000000000003 ? .organizationName : nil
        case 0x55040B0000000000: return lo == 0x0000000000000003 ? .organizationalUnitName : nil
        case 0x55040C0000000000: return lo == 0x0000000000000003 ? .title : nil
        case 0x55040D0000000000: return lo == 0x0000000000000003 ? .descriptionAttribute : nil
        case 0x55040F0000000000: return lo == 0x0000000000000003 ? .businessCategory : nil
        case 0x5504110000000000: return lo == 0x0000000000000003 ? .postalCode : nil
        case 0x5504290000000000: return lo == 0x0000000000000003 ? .name : nil
        case 0x55042A0000000000: return lo == 0x0000000000000003 ? .givenName : nil
        case 0x55042B0000000000: return lo == 0x0000000000000003 ? .initials : nil
        case 0x55042C0000000000: return lo == 0x0000000000000003 ? .generationQualifier : nil
        case 0x55042E0000000000: return lo == 0x0000000000000003 ? .dnQualifier : nil
        case 0x5504410000000000: return lo == 0x0000000000000003 ? .pseudonym : nil
        case 0x5504610000000000: return lo == 0x0000000000000003 ? .organizationIdentifier : nil
        case 0x551D090000000000: return lo == 0x0000000000000003 ? .subjectDirectoryAttributes : nil
        case 0x551D0E0000000000: return lo == 0x0000000000000003 ? .subjectKeyIdentifier : nil
        case 0x551D0F0000000000: return lo == 0x0000000000000003 ? .keyUsage : nil
        case 0x551D100000000000: return lo == 0x0000000000000003 ? .privateKeyUsagePeriod : nil
        case 0x551D110000000000: return lo == 0x0000000000000003 ? .subjectAltName : nil
        case 0x551D120000000000: return lo == 0x0000000000000003 ? .issuerAltName : nil
        case 0x551D130000000000: return lo == 0x0000000000000003 ? .basicConstraints : nil
        case 0x551D1E0000000000: return lo == 0x0000000000000003 ? .nameConstraints : nil
        case 0x551D1F0000000000: return lo == 0x0000000000000003 ? .crlDistributionPoints : nil
        case 0x551D200000000000: return lo == 0x0000000000000003 ? .certificatePolicies : nil
        case 0x551D210000000000: return lo == 0x0000000000000003 ? .policyMappings : nil
        case 0x551D230000000000: return lo == 0x0000000000000003 ? .authorityKeyIdentifier : nil
        case 0x551D240000000000: return lo == 0x0000000000000003 ? .policyConstraints : nil
        case 0x551D250000000000:
            switch lo {
            case 0x0000000000000003: return .extKeyUsage
            case 0x0000000000000004: return .anyExtendedKeyUsage
            default: return nil
            }
        case 0x551D2E0000000000: return lo == 0x0000000000000003 ? .freshestCRL : nil
        case 0x551D360000000000: return lo == 0x0000000000000003 ? .inhibitAnyPolicy : nil
        case 0x6086480165030403:
            switch lo {
            case 0x0100000000000009: return .dsaWithSHA224
            case 0x0200000000000009: return .dsaWithSHA256
            case 0x1100000000000009: return .mldsa44
            case 0x1200000000000009: return .mldsa65
            case 0x1300000000000009: return .mldsa87
            case 0x1400000000000009: return .slhdsa20
            case 0x1500000000000009: return .slhdsa21
            case 0x1600000000000009: return .slhdsa22
            case 0x1700000000000009: return .slhdsa23
            case 0x1800000000000009: return .slhdsa24
            case 0x1900000000000009: return .slhdsa25
            case 0x1A00000000000009: return .slhdsa26
            case 0x1B00000000000009: return .slhdsa27
            case 0x1C00000000000009: return .slhdsa28
            case 0x1D00000000000009: return .slhdsa29
            case 0x1E00000000000009: return .slhdsa30
            case 0x1F00000000000009: return .slhdsa31
            default: return nil
            }
        case 0x6086480186F84201:
            switch lo {
            case 0x0100000000000009: return .nsCertType
            case 0x0D00000000000009: return .nsComment
            default: return nil
            }
        case 0x6086480186F84204: return lo == 0x0100000000000009 ? .nsSGC : nil
        default: return nil
        }
    }

    /// By dotted text (a linear search: for the String-keyed API, not for parsing).
    public init?(dotted: String) {
        for k in KnownOID.allCases where k.dotted == dotted {
            self = k
            return
        }
        return nil
    }

    public var dotted: String {
        switch self {
        case .commonName: return "2.5.4.3"
        case .surname: return "2.5.4.4"
        case .serialNumber: return "2.5.4.5"
        case .countryName: return "2.5.4.6"
        case .localityName: return "2.5.4.7"
        case .stateOrProvinceName: return "2.5.4.8"
        case .streetAddress: return "2.5.4.9"
        case .organizationName: return "2.5.4.10"
        case .organizationalUnitName: return "2.5.4.11"
        case .title: return "2.5.4.12"
        case .descriptionAttribute: return "2.5.4.13"
        case .businessCategory: return "2.5.4.15"
        case .postalCode: return "2.5.4.17"
        case .name: return "2.5.4.41"
        case .givenName: return "2.5.4.42"
        case .initials: return "2.5.4.43"
        case .generationQualifier: return "2.5.4.44"
        case .dnQualifier: return "2.5.4.46"
        case .pseudonym: return "2.5.4.65"
        case .organizationIdentifier: return "2.5.4.97"
        case .emailAddress: return "1.2.840.113549.1.9.1"
        case .unstructuredName: return "1.2.840.113549.1.9.2"
        case .userID: return "0.9.2342.19200300.100.1.1"
        case .domainComponent: return "0.9.2342.19200300.100.1.25"
        case .jurisdictionL: return "1.3.6.1.4.1.311.60.2.1.1"
        case .jurisdictionST: return "1.3.6.1.4.1.311.60.2.1.2"
        case .jurisdictionC: return "1.3.6.1.4.1.311.60.2.1.3"
        case .md2WithRSA: return "1.2.840.113549.1.1.2"
        case .md5WithRSA: return "1.2.840.113549.1.1.4"
        case .sha1WithRSA: return "1.2.840.113549.1.1.5"
        case .rsassaPSS: return "1.2.840.113549.1.1.10"
        case .sha256WithRSA: return "1.2.840.113549.1.1.11"
        case .sha384WithRSA: return "1.2.840.113549.1.1.12"
        case .sha512WithRSA: return "1.2.840.113549.1.1.13"
        case .sha224WithRSA: return "1.2.840.113549.1.1.14"
        case .sha1WithRSAOIW: return "1.3.14.3.2.29"
        case .ecdsaWithSHA1: return "1.2.840.10045.4.1"
        case .ecdsaWithSHA224: return "1.2.840.10045.4.3.1"
        case .ecdsaWithSHA256: return "1.2.840.10045.4.3.2"
        case .ecdsaWithSHA384: return "1.2.840.10045.4.3.3"
        case .ecdsaWithSHA512: return "1.2.840.10045.4.3.4"
        case .dsaWithSHA1: return "1.2.840.10040.4.3"
        case .dsaWithSHA224: return "2.16.840.1.101.3.4.3.1"
        case .dsaWithSHA256: return "2.16.840.1.101.3.4.3.2"
        case .ed25519: return "1.3.101.112"
        case .ed448: return "1.3.101.113"
        case .mldsa44: return "2.16.840.1.101.3.4.3.17"
        case .mldsa65: return "2.16.840.1.101.3.4.3.18"
        case .mldsa87: return "2.16.840.1.101.3.4.3.19"
        case .sm2WithSM3: return "1.2.156.10197.1.501"
        case .gost2012Sign256: return "1.2.643.7.1.1.3.2"
        case .gost2012Sign512: return "1.2.643.7.1.1.3.3"
        case .slhdsa20: return "2.16.840.1.101.3.4.3.20"
        case .slhdsa21: return "2.16.840.1.101.3.4.3.21"
        case .slhdsa22: return "2.16.840.1.101.3.4.3.22"
        case .slhdsa23: return "2.16.840.1.101.3.4.3.23"
        case .slhdsa24: return "2.16.840.1.101.3.4.3.24"
        case .slhdsa25: return "2.16.840.1.101.3.4.3.25"
        case .slhdsa26: return "2.16.840.1.101.3.4.3.26"
        case .slhdsa27: return "2.16.840.1.101.3.4.3.27"
        case .slhdsa28: return "2.16.840.1.101.3.4.3.28"
        case .slhdsa29: return "2.16.840.1.101.3.4.3.29"
        case .slhdsa30: return "2.16.840.1.101.3.4.3.30"
        case .slhdsa31: return "2.16.840.1.101.3.4.3.31"
        case .rsaEncryption: return "1.2.840.113549.1.1.1"
        case .ecPublicKey: return "1.2.840.10045.2.1"
        case .dsa: return "1.2.840.10040.4.1"
        case .dhKeyAgreement: return "1.2.840.113549.1.3.1"
        case .dhPublicNumber: return "1.2.840.10046.2.1"
        case .x25519: return "1.3.101.110"
        case .x448: return "1.3.101.111"
        case .sm2: return "1.2.156.10197.1.301"
        case .gost2012Key256: return "1.2.643.7.1.1.1.1"
        case .gost2012Key512: return "1.2.643.7.1.1.1.2"
        case .secp256r1: return "1.2.840.10045.3.1.7"
        case .secp384r1: return "1.3.132.0.34"
        case .secp521r1: return "1.3.132.0.35"
        case .secp256k1: return "1.3.132.0.10"
        case .secp224r1: return "1.3.132.0.33"
        case .secp192r1: return "1.2.840.10045.3.1.1"
        case .brainpoolP256r1: return "1.3.36.3.3.2.8.1.1.7"
        case .brainpoolP384r1: return "1.3.36.3.3.2.8.1.1.11"
        case .brainpoolP512r1: return "1.3.36.3.3.2.8.1.1.13"
        case .serverAuth: return "1.3.6.1.5.5.7.3.1"
        case .clientAuth: return "1.3.6.1.5.5.7.3.2"
        case .codeSigning: return "1.3.6.1.5.5.7.3.3"
        case .emailProtection: return "1.3.6.1.5.5.7.3.4"
        case .ipsecEndSystem: return "1.3.6.1.5.5.7.3.5"
        case .ipsecTunnel: return "1.3.6.1.5.5.7.3.6"
        case .ipsecUser: return "1.3.6.1.5.5.7.3.7"
        case .timeStamping: return "1.3.6.1.5.5.7.3.8"
        case .ocspSigning: return "1.3.6.1.5.5.7.3.9"
        case .ipsecIKE: return "1.3.6.1.5.5.7.3.17"
        case .anyExtendedKeyUsage: return "2.5.29.37.0"
        case .msSGC: return "1.3.6.1.4.1.311.10.3.3"
        case .nsSGC: return "2.16.840.1.113730.4.1"
        case .msSmartcardLogin: return "1.3.6.1.4.1.311.20.2.2"
        case .msEFS: return "1.3.6.1.4.1.311.10.3.4"
        case .pkInitKDC: return "1.3.6.1.5.2.3.5"
        case .remoteDesktopAuthentication: return "1.3.6.1.4.1.311.54.1.2"
        case .subjectDirectoryAttributes: return "2.5.29.9"
        case .subjectKeyIdentifier: return "2.5.29.14"
        case .keyUsage: return "2.5.29.15"
        case .privateKeyUsagePeriod: return "2.5.29.16"
        case .subjectAltName: return "2.5.29.17"
        case .issuerAltName: return "2.5.29.18"
        case .basicConstraints: return "2.5.29.19"
        case .nameConstraints: return "2.5.29.30"
        case .crlDistributionPoints: return "2.5.29.31"
        case .certificatePolicies: return "2.5.29.32"
        case .policyMappings: return "2.5.29.33"
        case .authorityKeyIdentifier: return "2.5.29.35"
        case .policyConstraints: return "2.5.29.36"
        case .extKeyUsage: return "2.5.29.37"
        case .freshestCRL: return "2.5.29.46"
        case .inhibitAnyPolicy: return "2.5.29.54"
        case .authorityInfoAccess: return "1.3.6.1.5.5.7.1.1"
        case .subjectInfoAccess: return "1.3.6.1.5.5.7.1.11"
        case .tlsFeature: return "1.3.6.1.5.5.7.1.24"
        case .sctList: return "1.3.6.1.4.1.11129.2.4.2"
        case .ctPoison: return "1.3.6.1.4.1.11129.2.4.3"
        case .nsCertType: return "2.16.840.1.113730.1.1"
        case .nsComment: return "2.16.840.1.113730.1.13"
        case .msCertificateTemplateName: return "1.3.6.1.4.1.311.20.2"
        case .msCertificateTemplate: return "1.3.6.1.4.1.311.21.7"
        case .msApplicationPolicies: return "1.3.6.1.4.1.311.21.10"
        case .msCAVersion: return "1.3.6.1.4.1.311.21.1"
        case .msPreviousCAHash: return "1.3.6.1.4.1.311.21.2"
        case .entrustVersion: return "1.2.840.113533.7.65.0"
        case .smimeCapabilities: return "1.2.840.113549.1.9.15"
        }
    }

    /// OpenSSL short name of a Name attribute type.
    public var attributeName: String? {
        switch self {
        case .commonName: return "CN"
        case .surname: return "SN"
        case .serialNumber: return "serialNumber"
        case .countryName: return "C"
        case .localityName: return "L"
        case .stateOrProvinceName: return "ST"
        case .streetAddress: return "street"
        case .organizationName: return "O"
        case .organizationalUnitName: return "OU"
        case .title: return "title"
        case .descriptionAttribute: return "description"
        case .businessCategory: return "businessCategory"
        case .postalCode: return "postalCode"
        case .name: return "name"
        case .givenName: return "GN"
        case .initials: return "initials"
        case .generationQualifier: return "generationQualifier"
        case .dnQualifier: return "dnQualifier"
        case .pseudonym: return "pseudonym"
        case .organizationIdentifier: return "organizationIdentifier"
        case .emailAddress: return "emailAddress"
        case .unstructuredName: return "unstructuredName"
        case .userID: return "UID"
        case .domainComponent: return "DC"
        case .jurisdictionL: return "jurisdictionL"
        case .jurisdictionST: return "jurisdictionST"
        case .jurisdictionC: return "jurisdictionC"
        default: return nil
        }
    }

    public var signatureName: String? {
        switch self {
        case .md2WithRSA: return "md2WithRSAEncryption"
        case .md5WithRSA: return "md5WithRSAEncryption"
        case .sha1WithRSA: return "sha1WithRSAEncryption"
        case .rsassaPSS: return "rsassaPss"
        case .sha256WithRSA: return "sha256WithRSAEncryption"
        case .sha384WithRSA: return "sha384WithRSAEncryption"
        case .sha512WithRSA: return "sha512WithRSAEncryption"
        case .sha224WithRSA: return "sha224WithRSAEncryption"
        case .sha1WithRSAOIW: return "sha1WithRSA"
        case .ecdsaWithSHA1: return "ecdsa-with-SHA1"
        case .ecdsaWithSHA224: return "ecdsa-with-SHA224"
        case .ecdsaWithSHA256: return "ecdsa-with-SHA256"
        case .ecdsaWithSHA384: return "ecdsa-with-SHA384"
        case .ecdsaWithSHA512: return "ecdsa-with-SHA512"
        case .dsaWithSHA1: return "dsaWithSHA1"
        case .dsaWithSHA224: return "dsa_with_SHA224"
        case .dsaWithSHA256: return "dsa_with_SHA256"
        case .ed25519: return "ED25519"
        case .ed448: return "ED448"
        case .mldsa44: return "ML-DSA-44"
        case .mldsa65: return "ML-DSA-65"
        case .mldsa87: return "ML-DSA-87"
        case .sm2WithSM3: return "SM2-with-SM3"
        case .gost2012Sign256: return "id-tc26-signwithdigest-gost3410-2012-256"
        case .gost2012Sign512: return "id-tc26-signwithdigest-gost3410-2012-512"
        default: return slhdsaName
        }
    }

    public var publicKeyName: String? {
        switch self {
        case .rsaEncryption: return "rsaEncryption"
        case .rsassaPSS: return "rsassaPss"
        case .ecPublicKey: return "id-ecPublicKey"
        case .dsa: return "dsaEncryption"
        case .dhKeyAgreement: return "dhKeyAgreement"
        case .dhPublicNumber: return "dhpublicnumber"
        case .x25519: return "X25519"
        case .x448: return "X448"
        case .ed25519: return "ED25519"
        case .ed448: return "ED448"
        case .mldsa44: return "ML-DSA-44"
        case .mldsa65: return "ML-DSA-65"
        case .mldsa87: return "ML-DSA-87"
        case .sm2: return "SM2"
        case .gost2012Key256: return "gost2012_256"
        case .gost2012Key512: return "gost2012_512"
        default: return slhdsaName
        }
    }

    /// The key type of a public key algorithm; nil for OIDs that are not one.
    public var keyType: CertificateSummary.KeyType? {
        switch self {
        case .rsaEncryption: return .rsa
        case .rsassaPSS: return .rsaPSS
        case .ecPublicKey: return .ec
        case .dsa: return .dsa
        case .dhKeyAgreement, .dhPublicNumber: return .dh
        case .x25519: return .x25519
        case .x448: return .x448
        case .ed25519: return .ed25519
        case .ed448: return .ed448
        case .mldsa44, .mldsa65, .mldsa87: return .mldsa
        case .sm2: return .sm2
        case .gost2012Key256, .gost2012Key512: return .gost
        default: return slhdsaName != nil ? .slhdsa : nil
        }
    }

    public var curve: (name: String, bits: Int)? {
        switch self {
        case .secp256r1: return ("secp256r1", 256)
        case .secp384r1: return ("secp384r1", 384)
        case .secp521r1: return ("secp521r1", 521)
        case .secp256k1: return ("secp256k1", 256)
        case .secp224r1: return ("secp224r1", 224)
        case .secp192r1: return ("secp192r1", 192)
        case .brainpoolP256r1: return ("brainpoolP256r1", 256)
        case .brainpoolP384r1: return ("brainpoolP384r1", 384)
        case .brainpoolP512r1: return ("brainpoolP512r1", 512)
        case .sm2: return ("SM2", 256)
        default: return nil
        }
    }

    public var extendedKeyUsageName: String? {
        switch self {
        case .serverAuth: return "serverAuth"
        case .clientAuth: return "clientAuth"
        case .codeSigning: return "codeSigning"
        case .emailProtection: return "emailProtection"
        case .ipsecEndSystem: return "ipsecEndSystem"
        case .ipsecTunnel: return "ipsecTunnel"
        case .ipsecUser: return "ipsecUser"
        case .timeStamping: return "timeStamping"
        case .ocspSigning: return "OCSPSigning"
        case .ipsecIKE: return "ipsecIKE"
        case .anyExtendedKeyUsage: return "anyExtendedKeyUsage"
        case .msSGC: return "msSGC"
        case .nsSGC: return "nsSGC"
        case .msSmartcardLogin: return "msSmartcardLogin"
        case .msEFS: return "msEFS"
        case .pkInitKDC: return "pkInitKDC"
        case .remoteDesktopAuthentication: return "remoteDesktopAuthentication"
        default: return nil
        }
    }

    /// SLH-DSA parameter set name of .slhdsa20 ... .slhdsa31.
    var slhdsaName: String? {
        guard rawValue >= KnownOID.slhdsa20.rawValue, rawValue <= KnownOID.slhdsa31.rawValue else { return nil }
        return KnownOID.slhdsaName(Int(rawValue &- KnownOID.slhdsa20.rawValue) &+ 20)
    }

    /// Names of 2.16.840.1.101.3.4.3.20 ... .31 (FIPS 205 order).
    static func slhdsaName(_ n: Int) -> String? {
        switch n {
        case 20: return "SLH-DSA-SHA2-128s"
        case 21: return "SLH-DSA-SHA2-128f"
        case 22: return "SLH-DSA-SHA2-192s"
        case 23: return "SLH-DSA-SHA2-192f"
        case 24: return "SLH-DSA-SHA2-256s"
        case 25: return "SLH-DSA-SHA2-256f"
        case 26: return "SLH-DSA-SHAKE-128s"
        case 27: return "SLH-DSA-SHAKE-128f"
        case 28: return "SLH-DSA-SHAKE-192s"
        case 29: return "SLH-DSA-SHAKE-192f"
        case 30: return "SLH-DSA-SHAKE-256s"
        case 31: return "SLH-DSA-SHAKE-256f"
        default: return nil
        }
    }
}
