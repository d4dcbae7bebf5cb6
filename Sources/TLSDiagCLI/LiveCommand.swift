import Reports
import TLSDiagKit

/// `tlsdiag live`: being written.
enum LiveCommand {
    static func run(_ p: ParsedArguments, stdout: OutputSink, stderr: OutputSink) throws(UsageError) -> ExitStatus {
        stderr.line("Error: live capture is not built yet")
        return .inputError
    }
}

