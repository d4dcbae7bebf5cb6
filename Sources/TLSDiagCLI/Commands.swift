/// The subcommands' interfaces: every option is declared here once, and help is generated from it.
public enum Commands {
    public static let tool = "tlsdiag"
    public static let version = "0.1.0"

    public static let overview = """
        Explain TLS handshakes in packet captures: what each side offered and chose, who ended the \
        connection and how, and why a handshake failed.
        """

    static let formatOption = OptionSpec("format", .value(placeholder: "format"),
        help: "Report format: a readable text report, one JSON object per connection, or one CSV row per connection.",
        default: "text", choices: ["text", "jsonl", "csv"])
    static let colorOption = OptionSpec("color", .value(placeholder: "when"),
        help: "Colour in the text report.", default: "auto", choices: ["auto", "always", "never"])
    static let streamBytesOption = OptionSpec("stream-bytes", .value(placeholder: "bytes"),
        help: "Bytes kept per direction of each connection for the handshake; more is counted, not kept.",
        default: "65536")
    static let maxConnectionsOption = OptionSpec("max-connections", .value(placeholder: "n"),
        help: "Connections tracked at once; past this the least recently active is finished early and counted.",
        default: "200000")

    public static let analyze = CommandSpec(
        name: "analyze",
        abstract: "Explain every TLS handshake in capture files.",
        discussion: """
            Reads pcap, pcapng and gzip-compressed captures. TLS is found by content on any port, also \
            after an RDP, STARTTLS, PostgreSQL or MySQL preamble. Failures are listed first.

            Exit status: 0 every handshake succeeded (or none was seen); 2 at least one handshake \
            failed; 1 an input could not be read to its end (the report covers what was read before \
            the damage); 64 the command line was wrong.
            """,
        arguments: [ArgumentSpec("file", help: "Capture files to read (pcap, pcapng, or either gzip-compressed); - reads standard input (tcpdump -w - | tlsdiag analyze -).", variadic: true)],
        options: [
            formatOption,
            OptionSpec("all-connections", help: "Report every TCP connection, not only those that carried TLS or tried to."),
            OptionSpec("failures", help: "Report only connections whose handshake did not succeed."),
            OptionSpec("verbose", short: "v", help: "Show every field of each handshake in the text report."),
            colorOption,
            streamBytesOption,
            maxConnectionsOption,
            OptionSpec("idle-timeout", .value(placeholder: "duration"),
                help: "Capture time without packets after which a connection is finished (e.g. 300s, 5m).", default: "5m"),
        ])

    public static let live = CommandSpec(
        name: "live",
        abstract: "Watch an interface and report each handshake as soon as it is settled.",
        discussion: """
            The filter is a BPF expression as tcpdump takes it (e.g. 'tcp port 3389'). Ctrl-C or SIGTERM \
            reports the connections still open as incomplete, then libpcap's drop counters. Capturing \
            needs root or the CAP_NET_RAW capability.
            """,
        arguments: [ArgumentSpec("filter", help: "BPF capture filter, as tcpdump takes it.", variadic: true, optional: true)],
        options: [
            OptionSpec("interface", short: "i", .value(placeholder: "name"), help: "The interface to capture on (see --list-interfaces).", default: "any"),
            OptionSpec("list-interfaces", short: "D", help: "List the interfaces libpcap can capture on, and exit."),
            OptionSpec("promisc", help: "Put the interface into promiscuous mode."),
            OptionSpec("count", short: "c", .value(placeholder: "n"), help: "Stop after reporting this many connections."),
            OptionSpec("duration", .value(placeholder: "duration"), help: "Stop after this long (e.g. 30s, 10m)."),
            OptionSpec("write", short: "w", .value(placeholder: "file"), help: "Also save the raw packets to this pcap file, for later analyze or Wireshark."),
            formatOption,
            OptionSpec("all-connections", help: "Report every TCP connection, not only those that carried TLS or tried to."),
            OptionSpec("failures", help: "Report only connections whose handshake did not succeed."),
            OptionSpec("verbose", short: "v", help: "Show every field of each handshake in the text report."),
            colorOption,
            OptionSpec("timeout", .value(placeholder: "duration"),
                help: "A connection silent this long is reported as it stands.", default: "5s"),
            OptionSpec("snaplen", .value(placeholder: "bytes"), help: "Bytes captured of each packet.", default: "262144"),
            OptionSpec("buffer-size", .value(placeholder: "bytes"), help: "Kernel capture buffer size (in immediate mode a loopback or GRO frame takes 128 KiB of it; the resident memory is about twice this).", default: "33554432"),
            OptionSpec("idle-timeout", .value(placeholder: "duration"),
                help: "A connection without packets this long is forgotten (it was reported before).", default: "60s"),
            maxConnectionsOption,
        ])

    public static let batch = CommandSpec(
        name: "batch",
        abstract: "Report over folders of captures: which handshakes fail, against which servers, for which clients, why.",
        discussion: """
            Walks folders recursively and reads every .pcap, .pcapng, .cap and their .gz. A file that cannot \
            be read is listed with its reason and the batch goes on.

            With --db, results are kept in a SQLite file keyed by each capture's path, size and \
            modification time: a re-run analyses only new or changed captures, and the report covers all \
            of them. Verdicts are recomputed every run, with what every capture shows of each server.

            Exit status: 0 every handshake succeeded; 2 at least one handshake failed; 1 some files could \
            not be read (or were read only in part); 64 the command line was wrong. See docs/batch.md.
            """,
        arguments: [ArgumentSpec("path", help: "Capture files or folders.", variadic: true)],
        options: [
            OptionSpec("jobs", short: "j", .value(placeholder: "n"), help: "Captures analysed at once.", default: "all cores"),
            OptionSpec("db", .value(placeholder: "file"), help: "Keep results in this SQLite file; a re-run analyses only new or changed captures and reports over all of them."),
            formatOption,
            OptionSpec("html", .value(placeholder: "file"), help: "Also write a self-contained HTML report to this file."),
            OptionSpec("failures", help: "With --format jsonl or csv: only connections whose handshake did not succeed."),
            OptionSpec("all-connections", help: "Include every TCP connection, not only those that carried TLS or tried to."),
            OptionSpec("progress", .value(placeholder: "when"), help: "Progress on stderr.", default: "auto", choices: ["auto", "always", "never"]),
            OptionSpec("failure-lines", .value(placeholder: "n"), help: "Text report: failures listed one per line, up to this many.", default: "50"),
            colorOption,
            streamBytesOption,
            maxConnectionsOption,
            OptionSpec("idle-timeout", .value(placeholder: "duration"),
                help: "Capture time without packets after which a connection is finished (e.g. 300s, 5m).", default: "5m"),
        ])

    public static let all = [analyze, live, batch]

    public static func mainHelp() -> String {
        var out = "OVERVIEW: \(overview)\n\nUSAGE: \(tool) <subcommand>\n\nOPTIONS:\n"
        out += HelpFormatter.row("--version", "Show the version.")
        out += HelpFormatter.row("-h, --help", "Show help information.")
        out += "\nSUBCOMMANDS:\n"
        for c in all { out += HelpFormatter.row(c.name, c.abstract) }
        out += HelpFormatter.row("help", "Show subcommand help information.")
        out += "\n  See '\(tool) help <subcommand>' for detailed help.\n"
        return out
    }
}
