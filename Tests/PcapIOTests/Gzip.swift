import CZlib
import Foundation

/// Compresses `from` into `to` with zlib's gzip writer (level 0 = stored, 9 = best).
func gzipFile(from: String, to: String, level: Int = 6) throws {
    let data = try Data(contentsOf: URL(fileURLWithPath: from))
    guard let gz = gzopen(to, "wb\(level)") else { throw CocoaError(.fileWriteUnknown) }
    let n = data.withUnsafeBytes { gzwrite(gz, $0.baseAddress, UInt32($0.count)) }
    guard gzclose(gz) == Z_OK, Int(n) == data.count else { throw CocoaError(.fileWriteUnknown) }
}
