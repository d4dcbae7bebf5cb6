import Testing
import Handshake
import TLSWire

/// `Names` goes through each registry's concrete `name`; it must print exactly what the code
/// point's `description` prints, for every wire value.
@Test func namesAreTheCodePointsDescriptions() {
    var differ = 0
    for v in 0...UInt16.max {
        if Names.version(v) != ProtocolVersion(v).description { differ += 1 }
        if Names.cipherSuite(v) != CipherSuite(rawValue: v).description { differ += 1 }
        if Names.group(v) != NamedGroup(rawValue: v).description { differ += 1 }
        if Names.signatureScheme(v) != SignatureScheme(rawValue: v).description { differ += 1 }
        if Names.extensionType(v) != ExtensionType(rawValue: v).description { differ += 1 }
    }
    for v in 0...UInt8.max {
        if Names.handshakeType(v) != HandshakeType(rawValue: v).description { differ += 1 }
        if Names.alert(v) != AlertDescription(rawValue: v).description { differ += 1 }
    }
    #expect(differ == 0)
    #expect(Names.cipherSuite(0x1301) == "TLS_AES_128_GCM_SHA256")
    #expect(Names.cipherSuite(0x0a0a) == "0x0a0a")
    #expect(Names.alert(0xfe) == "0xfe")
}
