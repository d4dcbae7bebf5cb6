import Reports
import TLSDiagKit

/// `tlsdiag batch`: being written.
enum BatchCommand {
    static func run(_ p: ParsedArguments, stdout: OutputSink, stderr: OutputSink) throws(UsageError) -> ExitStatus {
        stderr.line("Error: batch is not built yet")
        return .inputError
    }
}
