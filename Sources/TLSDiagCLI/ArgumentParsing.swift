/// A small command-line parser following swift-argument-parser's conventions (we cannot fetch that
/// package here): `OVERVIEW:` / `USAGE:` / `ARGUMENTS:` / `OPTIONS:` help, `help <subcommand>`,
/// `Error:` lines on stderr, exit 64 for usage errors.
///
/// Options are declared as data (`OptionSpec`), parsed into `ParsedArguments`, and read back by name.

/// One option or flag.
public struct OptionSpec: Sendable {
    public enum Kind: Sendable {
        /// A flag: present or not (`--failures`).
        case flag
        /// An option with a value (`--format jsonl`, `--format=jsonl`, `-c 10`).
        case value(placeholder: String)
        /// Like `.value`, but may repeat; every value is kept.
        case repeatedValue(placeholder: String)
    }
    public var long: String
    public var short: Character?
    public var kind: Kind
    public var help: String
    /// Shown as `(default: …)` in help.
    public var defaultText: String?
    /// Allowed values, checked at parse time and listed in help.
    public var choices: [String]?

    public init(_ long: String, short: Character? = nil, _ kind: Kind = .flag, help: String,
                default defaultText: String? = nil, choices: [String]? = nil) {
        self.long = long; self.short = short; self.kind = kind; self.help = help
        self.defaultText = defaultText; self.choices = choices
    }
}

/// A positional argument.
public struct ArgumentSpec: Sendable {
    public var name: String
    public var help: String
    /// Takes every remaining positional argument.
    public var variadic: Bool
    public var optional: Bool
    public init(_ name: String, help: String, variadic: Bool = false, optional: Bool = false) {
        self.name = name; self.help = help; self.variadic = variadic; self.optional = optional
    }
}

/// A subcommand's interface.
public struct CommandSpec: Sendable {
    public var name: String
    public var abstract: String
    public var discussion: String?
    public var arguments: [ArgumentSpec]
    public var options: [OptionSpec]
    public init(name: String, abstract: String, discussion: String? = nil,
                arguments: [ArgumentSpec] = [], options: [OptionSpec] = []) {
        self.name = name; self.abstract = abstract; self.discussion = discussion
        self.arguments = arguments; self.options = options
    }

    /// The usage line, e.g. `tlsdiag analyze [--format <format>] <file>`.
    public func usage(tool: String) -> String {
        var parts = ["\(tool) \(name)"]
        if !options.isEmpty { parts.append("[<options>]") }
        for a in arguments {
            let core = a.variadic ? "<\(a.name)> ..." : "<\(a.name)>"
            parts.append(a.optional || a.variadic && a.optional ? "[\(core)]" : core)
        }
        return parts.joined(separator: " ")
    }

    /// The full help text.
    public func help(tool: String) -> String {
        var out = "OVERVIEW: \(abstract)\n"
        if let d = discussion { out += "\n\(d)\n" }
        out += "\nUSAGE: \(usage(tool: tool))\n"
        if !arguments.isEmpty {
            out += "\nARGUMENTS:\n"
            for a in arguments { out += HelpFormatter.row("<\(a.name)>", a.help) }
        }
        out += "\nOPTIONS:\n"
        for o in options {
            var left = o.short.map { "-\($0), " } ?? ""
            left += "--\(o.long)"
            switch o.kind {
            case .flag: break
            case .value(let p), .repeatedValue(let p): left += " <\(p)>"
            }
            var text = o.help
            if let c = o.choices { text += " (values: \(c.joined(separator: ", ")))" }
            if let d = o.defaultText { text += " (default: \(d))" }
            out += HelpFormatter.row(left, text)
        }
        out += HelpFormatter.row("-h, --help", "Show help information.")
        return out
    }
}

enum HelpFormatter {
    /// Two columns: the left padded to 26, the right wrapped at 80 (swift-argument-parser's layout).
    static func row(_ left: String, _ right: String) -> String {
        let indent = 2, column = 26, width = 80
        var out = String(repeating: " ", count: indent) + left
        let words = right.split(separator: " ")
        var line = ""
        var lines: [String] = []
        for w in words {
            if line.isEmpty { line = String(w) } else if column + line.count + 1 + w.count > width {
                lines.append(line); line = String(w)
            } else { line += " " + w }
        }
        if !line.isEmpty { lines.append(line) }
        if out.count + 1 >= column {
            out += "\n" + String(repeating: " ", count: column)
        } else {
            out += String(repeating: " ", count: column - out.count)
        }
        out += lines.joined(separator: "\n" + String(repeating: " ", count: column))
        return out + "\n"
    }
}

/// A usage error: printed as `Error: …`, then the usage line, exit 64.
public struct UsageError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The parsed command line of one subcommand.
public struct ParsedArguments: Sendable {
    public var flags: Set<String> = []
    public var values: [String: [String]] = [:]
    public var positionals: [String] = []
    public var helpRequested = false

    public func flag(_ name: String) -> Bool { flags.contains(name) }
    public func value(_ name: String) -> String? { values[name]?.last }
    public func allValues(_ name: String) -> [String] { values[name] ?? [] }

    /// An integer option, with a usage error naming the option if it is not a number in range.
    public func int(_ name: String, in range: ClosedRange<Int> = Int.min...Int.max) throws(UsageError) -> Int? {
        guard let v = value(name) else { return nil }
        guard let n = Int(v), range.contains(n) else {
            throw UsageError("The value '\(v)' is invalid for '--\(name)': expected a whole number\(range.lowerBound == Int.min ? "" : " from \(range.lowerBound)\(range.upperBound == Int.max ? " up" : " to \(range.upperBound)")").")
        }
        return n
    }

    /// A duration like `30`, `30s`, `5m`, `1h`, `250ms`, in seconds.
    public func seconds(_ name: String) throws(UsageError) -> Double? {
        guard let v = value(name) else { return nil }
        guard let s = DurationText.parse(v) else {
            throw UsageError("The value '\(v)' is invalid for '--\(name)': expected a duration such as 30s, 5m, 1h or 250ms.")
        }
        return s
    }
}

public enum DurationText {
    public static func parse(_ text: String) -> Double? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            guard let n = Double(text.dropLast(suffix.count)), n >= 0, n.isFinite else { return nil }
            return n * factor
        }
        guard let n = Double(text), n >= 0, n.isFinite else { return nil }
        return n
    }
}

extension CommandSpec {
    /// Parses `args` (without the tool and subcommand names).
    public func parse(_ args: [String]) throws(UsageError) -> ParsedArguments {
        var out = ParsedArguments()
        var i = 0
        var onlyPositionals = false
        func spec(long: String) -> OptionSpec? { options.first { $0.long == long } }
        func spec(short: Character) -> OptionSpec? { options.first { $0.short == short } }
        func store(_ o: OptionSpec, _ v: String?, _ shown: String) throws(UsageError) {
            switch o.kind {
            case .flag:
                if v != nil { throw UsageError("The flag '\(shown)' does not take a value.") }
                out.flags.insert(o.long)
            case .value, .repeatedValue:
                var value = v
                if value == nil {
                    i += 1
                    guard i < args.count else { throw UsageError("Missing value for '\(shown)'.") }
                    value = args[i]
                }
                let val = value!
                if let c = o.choices, !c.contains(val) {
                    throw UsageError("The value '\(val)' is invalid for '\(shown)': expected one of \(c.map { "'\($0)'" }.joined(separator: ", ")).")
                }
                if case .value = o.kind { out.values[o.long] = [val] } else { out.values[o.long, default: []].append(val) }
            }
        }
        while i < args.count {
            let a = args[i]
            if onlyPositionals || a == "-" || !a.hasPrefix("-") {
                out.positionals.append(a)
            } else if a == "--" {
                onlyPositionals = true
            } else if a == "-h" || a == "--help" {
                out.helpRequested = true
            } else if a.hasPrefix("--") {
                let body = a.dropFirst(2)
                let name: String, inline: String?
                if let eq = body.firstIndex(of: "=") {
                    name = String(body[..<eq]); inline = String(body[body.index(after: eq)...])
                } else { name = String(body); inline = nil }
                guard let o = spec(long: name) else { throw UsageError("Unknown option '\(a)'.") }
                try store(o, inline, "--\(name)")
            } else {
                // Short options: -D, -c 5, -c5, -w file.
                let chars = Array(a.dropFirst())
                guard let first = chars.first, let o = spec(short: first) else { throw UsageError("Unknown option '\(a)'.") }
                if case .flag = o.kind {
                    // Clustered flags like -vD.
                    for ch in chars {
                        guard let f = spec(short: ch), case .flag = f.kind else { throw UsageError("Unknown option '\(a)'.") }
                        out.flags.insert(f.long)
                    }
                } else {
                    let rest = chars.count > 1 ? String(chars.dropFirst()) : nil
                    try store(o, rest, "-\(first)")
                }
            }
            i += 1
        }
        if out.helpRequested { return out }
        // Check positionals against the declared arguments.
        let required = arguments.filter { !$0.optional }
        let hasVariadic = arguments.contains { $0.variadic }
        if out.positionals.count < required.count {
            let missing = required[out.positionals.count]
            throw UsageError("Missing expected argument '<\(missing.name)>'.")
        }
        if !hasVariadic && out.positionals.count > arguments.count {
            throw UsageError("Unexpected argument '\(out.positionals[arguments.count])'.")
        }
        return out
    }
}
