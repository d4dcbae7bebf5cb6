// Object identifier names for the certificate summary (OpenSSL's short names where a tool
// such as Zeek prints them, so reports can be compared).

public enum OIDNames {
    /// Name attribute types (RFC 4519, PKCS #9, CA/B EV).
    public static func attribute(_ oid: String) -> String? {
        switch oid {
        case "2.5.4.3": return "CN"
        case "2.5.4.4": return "SN"
        case "2.5.4.5": return "serialNumber"
        case "2.5.4.6": return "C"
        case "2.5.4.7": return "L"
        case "2.5.4.8": return "ST"
        case "2.5.4.9": return "street"
        case "2.5.4.10": return "O"
        case "2.5.4.11": return "OU"
        case "2.5.4.12": return "title"
        case "2.5.4.13": return "description"
        case "2.5.4.15": return "businessCategory"
        case "2.5.4.17": return "postalCode"
        case "2.5.4.41": return "name"
        case "2.5.4.42": return "GN"
        case "2.5.4.43": return "initials"
        case "2.5.4.44": return "generationQualifier"
        case "2.5.4.46": return "dnQualifier"
        case "2.5.4.65": return "pseudonym"
        case "2.5.4.97": return "organizationIdentifier"
        case "1.2.840.113549.1.9.1": return "emailAddress"
        case "1.2.840.113549.1.9.2": return "unstructuredName"
        case "0.9.2342.19200300.100.1.1": return "UID"
        case "0.9.2342.19200300.100.1.25": return "DC"
        case "1.3.6.1.4.1.311.60.2.1.1": return "jurisdictionL"
        case "1.3.6.1.4.1.311.60.2.1.2": return "jurisdictionST"
        case "1.3.6.1.4.1.311.60.2.1.3": return "jurisdictionC"
        default: return nil
        }
    }

    public static func signature(_ oid: String) -> String? {
        switch oid {
        case "1.2.840.113549.1.1.2": return "md2WithRSAEncryption"
        case "1.2.840.113549.1.1.4": return "md5WithRSAEncryption"
        case "1.2.840.113549.1.1.5": return "sha1WithRSAEncryption"
        case "1.2.840.113549.1.1.10": return "rsassaPss"
        case "1.2.840.113549.1.1.11": return "sha256WithRSAEncryption"
        case "1.2.840.113549.1.1.12": return "sha384WithRSAEncryption"
        case "1.2.840.113549.1.1.13": return "sha512WithRSAEncryption"
        case "1.2.840.113549.1.1.14": return "sha224WithRSAEncryption"
        case "1.3.14.3.2.29": return "sha1WithRSA"
        case "1.2.840.10045.4.1": return "ecdsa-with-SHA1"
        case "1.2.840.10045.4.3.1": return "ecdsa-with-SHA224"
        case "1.2.840.10045.4.3.2": return "ecdsa-with-SHA256"
        case "1.2.840.10045.4.3.3": return "ecdsa-with-SHA384"
        case "1.2.840.10045.4.3.4": return "ecdsa-with-SHA512"
        case "1.2.840.10040.4.3": return "dsaWithSHA1"
        case "2.16.840.1.101.3.4.3.1": return "dsa_with_SHA224"
        case "2.16.840.1.101.3.4.3.2": return "dsa_with_SHA256"
        case "1.3.101.112": return "ED25519"
        case "1.3.101.113": return "ED448"
        case "2.16.840.1.101.3.4.3.17": return "ML-DSA-44"
        case "2.16.840.1.101.3.4.3.18": return "ML-DSA-65"
        case "2.16.840.1.101.3.4.3.19": return "ML-DSA-87"
        case "1.2.156.10197.1.501": return "SM2-with-SM3"
        case "1.2.643.7.1.1.3.2": return "id-tc26-signwithdigest-gost3410-2012-256"
        case "1.2.643.7.1.1.3.3": return "id-tc26-signwithdigest-gost3410-2012-512"
        default:
            if let s = slhdsa(oid) { return s }
            return nil
        }
    }

    static func slhdsa(_ oid: String) -> String? {
        let names = ["SLH-DSA-SHA2-128s", "SLH-DSA-SHA2-128f", "SLH-DSA-SHA2-192s", "SLH-DSA-SHA2-192f",
                     "SLH-DSA-SHA2-256s", "SLH-DSA-SHA2-256f", "SLH-DSA-SHAKE-128s", "SLH-DSA-SHAKE-128f",
                     "SLH-DSA-SHAKE-192s", "SLH-DSA-SHAKE-192f", "SLH-DSA-SHAKE-256s", "SLH-DSA-SHAKE-256f"]
        let prefix = "2.16.840.1.101.3.4.3."
        guard oid.hasPrefix(prefix), let n = Int(oid.dropFirst(prefix.count)), n >= 20, n <= 31 else { return nil }
        return names[n - 20]
    }

    public static func publicKey(_ oid: String) -> String? {
        switch oid {
        case "1.2.840.113549.1.1.1": return "rsaEncryption"
        case "1.2.840.113549.1.1.10": return "rsassaPss"
        case "1.2.840.10045.2.1": return "id-ecPublicKey"
        case "1.2.840.10040.4.1": return "dsaEncryption"
        case "1.2.840.113549.1.3.1": return "dhKeyAgreement"
        case "1.2.840.10046.2.1": return "dhpublicnumber"
        case "1.3.101.110": return "X25519"
        case "1.3.101.111": return "X448"
        case "1.3.101.112": return "ED25519"
        case "1.3.101.113": return "ED448"
        case "2.16.840.1.101.3.4.3.17": return "ML-DSA-44"
        case "2.16.840.1.101.3.4.3.18": return "ML-DSA-65"
        case "2.16.840.1.101.3.4.3.19": return "ML-DSA-87"
        case "1.2.156.10197.1.301": return "SM2"
        case "1.2.643.7.1.1.1.1": return "gost2012_256"
        case "1.2.643.7.1.1.1.2": return "gost2012_512"
        default: return slhdsa(oid)
        }
    }

    public static func keyType(_ oid: String) -> CertificateSummary.KeyType {
        switch oid {
        case "1.2.840.113549.1.1.1": return .rsa
        case "1.2.840.113549.1.1.10": return .rsaPSS
        case "1.2.840.10045.2.1": return .ec
        case "1.2.840.10040.4.1": return .dsa
        case "1.2.840.113549.1.3.1", "1.2.840.10046.2.1": return .dh
        case "1.3.101.110": return .x25519
        case "1.3.101.111": return .x448
        case "1.3.101.112": return .ed25519
        case "1.3.101.113": return .ed448
        case "2.16.840.1.101.3.4.3.17", "2.16.840.1.101.3.4.3.18", "2.16.840.1.101.3.4.3.19": return .mldsa
        case "1.2.156.10197.1.301": return .sm2
        case "1.2.643.7.1.1.1.1", "1.2.643.7.1.1.1.2": return .gost
        default: return slhdsa(oid) != nil ? .slhdsa : .unknown
        }
    }

    /// Named curves: SEC 2 / RFC 5639 name and field size in bits.
    public static func curve(_ oid: String) -> (name: String, bits: Int)? {
        switch oid {
        case "1.2.840.10045.3.1.7": return ("secp256r1", 256)
        case "1.3.132.0.34": return ("secp384r1", 384)
        case "1.3.132.0.35": return ("secp521r1", 521)
        case "1.3.132.0.10": return ("secp256k1", 256)
        case "1.3.132.0.33": return ("secp224r1", 224)
        case "1.2.840.10045.3.1.1": return ("secp192r1", 192)
        case "1.3.36.3.3.2.8.1.1.7": return ("brainpoolP256r1", 256)
        case "1.3.36.3.3.2.8.1.1.11": return ("brainpoolP384r1", 384)
        case "1.3.36.3.3.2.8.1.1.13": return ("brainpoolP512r1", 512)
        case "1.2.156.10197.1.301": return ("SM2", 256)
        default: return nil
        }
    }

    /// OpenSSL's name for a curve where it differs from the SEC name (prime256v1, prime192v1).
    public static func openSSLCurveName(_ name: String) -> String {
        switch name {
        case "secp256r1": return "prime256v1"
        case "secp192r1": return "prime192v1"
        default: return name
        }
    }

    public static func extendedKeyUsage(_ oid: String) -> String? {
        switch oid {
        case "1.3.6.1.5.5.7.3.1": return "serverAuth"
        case "1.3.6.1.5.5.7.3.2": return "clientAuth"
        case "1.3.6.1.5.5.7.3.3": return "codeSigning"
        case "1.3.6.1.5.5.7.3.4": return "emailProtection"
        case "1.3.6.1.5.5.7.3.5": return "ipsecEndSystem"
        case "1.3.6.1.5.5.7.3.6": return "ipsecTunnel"
        case "1.3.6.1.5.5.7.3.7": return "ipsecUser"
        case "1.3.6.1.5.5.7.3.8": return "timeStamping"
        case "1.3.6.1.5.5.7.3.9": return "OCSPSigning"
        case "1.3.6.1.5.5.7.3.17": return "ipsecIKE"
        case "2.5.29.37.0": return "anyExtendedKeyUsage"
        case "1.3.6.1.4.1.311.10.3.3": return "msSGC"
        case "2.16.840.1.113730.4.1": return "nsSGC"
        case "1.3.6.1.4.1.311.20.2.2": return "msSmartcardLogin"
        case "1.3.6.1.4.1.311.10.3.4": return "msEFS"
        case "1.3.6.1.5.2.3.5": return "pkInitKDC"
        case "1.3.6.1.4.1.311.54.1.2": return "remoteDesktopAuthentication"
        default: return nil
        }
    }
}
