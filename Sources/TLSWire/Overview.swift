// TLSWire — a zero-copy parser for what a TLS handshake shows on the wire.
//
// Standard library only (no Foundation, no C). Everything reads through `TLSReader`, a
// `~Escapable` cursor over a `RawSpan` (the experimental "Lifetimes" feature, `@_lifetime`):
// it cannot outlive the bytes, every read is bounds checked and then loaded unchecked, and
// nothing traps on bad input. Errors are `TLSParseError` values — a code, an absolute offset and
// a static reason — and never allocate.
//
// Typical use, one direction of a connection:
//
//     var reader = TLSStreamReader(startOffset: tlsStart)
//     loop: while true {
//         switch reader.next(in: stream) {               // stream: UnsafeRawBufferPointer or RawSpan
//         case .record(let header, let offset): ...       // every record, for counts and citations
//         case .handshake(let message):
//             if message.type == .clientHello {
//                 message.withBody(in: stream) { body in
//                     guard let hello = try? ClientHello(body: body, base: message.bodyStreamOffset) else { return }
//                     let view = hello.view(body)         // in-place lists, no allocation
//                     view.cipherSuites.forEach { ... }
//                 }
//             }
//         case .changeCipherSpec: reader.markEncrypted()  // TLS ≤ 1.2; for 1.3 after the ServerHello
//         case .alert(let alert, let offset): ...
//         case .encryptedRecord, .heartbeat, .sslv2: ...
//         case .malformed(let error): ...                 // sticky
//         case .needMore: break loop                      // call again when the stream grows
//         }
//     }
//
// Parsers are initializers `init(parsing: inout TLSReader)` (and `init(body:base:)`), with the
// RFC's structure beside the code. `ClientHello` and `ServerHello` hold only scalars and byte
// ranges into the body; `ClientHelloSummary` and `CertificateSummary` are the owned, allocating
// forms for reports. Registry names for cipher suites, groups and signature schemes are
// generated from IANA's CSV files by scripts/gen-registries/generate.py (see Generated/).
