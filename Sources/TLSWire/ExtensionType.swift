// ExtensionType: hand-written from IANA's "TLS ExtensionType Values" registry
// (https://www.iana.org/assignments/tls-extensiontype-values), plus a few widely deployed
// code points IANA never assigned (marked below).

/// `enum { server_name(0), ..., (65535) } ExtensionType;` (RFC 8446 §4.2).
public struct ExtensionType: TLSCodePoint {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    public static let serverName = ExtensionType(0)
    public static let maxFragmentLength = ExtensionType(1)
    public static let statusRequest = ExtensionType(5)
    public static let supportedGroups = ExtensionType(10)
    public static let ecPointFormats = ExtensionType(11)
    public static let signatureAlgorithms = ExtensionType(13)
    public static let useSRTP = ExtensionType(14)
    public static let heartbeat = ExtensionType(15)
    public static let alpn = ExtensionType(16)
    public static let statusRequestV2 = ExtensionType(17)
    public static let signedCertificateTimestamp = ExtensionType(18)
    public static let clientCertificateType = ExtensionType(19)
    public static let serverCertificateType = ExtensionType(20)
    public static let padding = ExtensionType(21)
    public static let encryptThenMAC = ExtensionType(22)
    public static let extendedMasterSecret = ExtensionType(23)
    public static let tokenBinding = ExtensionType(24)
    public static let compressCertificate = ExtensionType(27)
    public static let recordSizeLimit = ExtensionType(28)
    public static let delegatedCredential = ExtensionType(34)
    public static let sessionTicket = ExtensionType(35)
    public static let preSharedKey = ExtensionType(41)
    public static let earlyData = ExtensionType(42)
    public static let supportedVersions = ExtensionType(43)
    public static let cookie = ExtensionType(44)
    public static let pskKeyExchangeModes = ExtensionType(45)
    public static let certificateAuthorities = ExtensionType(47)
    public static let oidFilters = ExtensionType(48)
    public static let postHandshakeAuth = ExtensionType(49)
    public static let signatureAlgorithmsCert = ExtensionType(50)
    public static let keyShare = ExtensionType(51)
    public static let quicTransportParameters = ExtensionType(57)
    public static let nextProtocolNegotiation = ExtensionType(13172)   // not IANA (NPN draft)
    public static let applicationSettingsOld = ExtensionType(17513)    // not IANA (ALPS, Chrome until 2024)
    public static let applicationSettings = ExtensionType(17613)       // not IANA (ALPS, current Chrome)
    public static let channelID = ExtensionType(30032)                 // not IANA
    public static let quicTransportParametersDraft = ExtensionType(0xffa5) // not IANA
    public static let echOuterExtensions = ExtensionType(0xfd00)
    public static let encryptedClientHello = ExtensionType(0xfe0d)
    public static let renegotiationInfo = ExtensionType(0xff01)

    @inlinable public var isGREASE: Bool { isGREASE16(rawValue) }

    /// Whether the value is in IANA's registry (the others named here are deployed, not registered).
    public var isIANARegistered: Bool {
        switch rawValue {
        case 13172, 17513, 17613, 30032, 0xffa5: return false
        default: return ianaName != nil
        }
    }

    public var name: String? {
        switch rawValue {
        case 13172: return "next_protocol_negotiation"
        case 17513: return "application_settings_old"
        case 17613: return "application_settings"
        case 30032: return "channel_id"
        case 0xffa5: return "quic_transport_parameters_draft"
        default: return ianaName
        }
    }

    var ianaName: String? {
        switch rawValue {
        case 0: return "server_name"
        case 1: return "max_fragment_length"
        case 2: return "client_certificate_url"
        case 3: return "trusted_ca_keys"
        case 4: return "truncated_hmac"
        case 5: return "status_request"
        case 6: return "user_mapping"
        case 7: return "client_authz"
        case 8: return "server_authz"
        case 9: return "cert_type"
        case 10: return "supported_groups"
        case 11: return "ec_point_formats"
        case 12: return "srp"
        case 13: return "signature_algorithms"
        case 14: return "use_srtp"
        case 15: return "heartbeat"
        case 16: return "application_layer_protocol_negotiation"
        case 17: return "status_request_v2"
        case 18: return "signed_certificate_timestamp"
        case 19: return "client_certificate_type"
        case 20: return "server_certificate_type"
        case 21: return "padding"
        case 22: return "encrypt_then_mac"
        case 23: return "extended_master_secret"
        case 24: return "token_binding"
        case 25: return "cached_info"
        case 26: return "tls_lts"
        case 27: return "compress_certificate"
        case 28: return "record_size_limit"
        case 29: return "pwd_protect"
        case 30: return "pwd_clear"
        case 31: return "password_salt"
        case 32: return "ticket_pinning"
        case 33: return "tls_cert_with_extern_psk"
        case 34: return "delegated_credential"
        case 35: return "session_ticket"
        case 36: return "TLMSP"
        case 37: return "TLMSP_proxying"
        case 38: return "TLMSP_delegate"
        case 39: return "supported_ekt_ciphers"
        case 41: return "pre_shared_key"
        case 42: return "early_data"
        case 43: return "supported_versions"
        case 44: return "cookie"
        case 45: return "psk_key_exchange_modes"
        case 47: return "certificate_authorities"
        case 48: return "oid_filters"
        case 49: return "post_handshake_auth"
        case 50: return "signature_algorithms_cert"
        case 51: return "key_share"
        case 52: return "transparency_info"
        case 53: return "connection_id_deprecated"
        case 54: return "connection_id"
        case 55: return "external_id_hash"
        case 56: return "external_session_id"
        case 57: return "quic_transport_parameters"
        case 58: return "ticket_request"
        case 59: return "dnssec_chain"
        case 60: return "sequence_number_encryption_algorithms"
        case 61: return "rrc"
        case 62: return "tls_flags"
        case 0xfd00: return "ech_outer_extensions"
        case 0xfe0d: return "encrypted_client_hello"
        case 0xff01: return "renegotiation_info"
        default: return nil
        }
    }
}
