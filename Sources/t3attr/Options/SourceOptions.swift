import Analysis
import ArgumentParser
import Classifiers
import Foundation
import JournalReader

/// Where to read the journal from and which window: journalctl's flag names.
struct SourceOptions: ParsableArguments {
    @Flag(name: [.short, .long], help: "Read every journal on the system, other machines' too (default: this machine's).")
    var merge = false

    // Sources are arrays so that a second one is an error, not silently the only one read.
    @Option(name: [.customShort("D"), .customLong("directory")], help: ArgumentHelp("Read the journal files in DIR.", valueName: "dir"))
    var directories: [String] = []
    var directory: String? { directories.last }

    @Option(name: .long, help: ArgumentHelp("Read this journal file (repeatable; globs allowed).", valueName: "path"))
    var file: [String] = []

    @Option(
        name: .customLong("input"),
        help: ArgumentHelp(
            "Read a Journal Export Format stream or journalctl -o json lines from PATH, or standard input with '-' (ssh devvm journalctl -o export ... | t3attr report --input -).",
            valueName: "path"))
    var inputs: [String] = []
    var input: String? { inputs.last }

    @Option(name: .customLong("url"), help: ArgumentHelp("Read from a systemd-journal-gatewayd (http://HOST:19531).", valueName: "url"))
    var urls: [String] = []
    var url: String? { urls.last }

    @Option(
        name: .long, parsing: .unconditional,
        help: ArgumentHelp(
            "With --url (without -f): stop reading after this many seconds and analyse what arrived.",
            valueName: "seconds"))
    var urlTimeout = ImportedJournal.defaultGatewayDeadline

    // `.unconditional`: a value may begin with '-' ("--since -1h", as documented).
    @Option(
        name: [.customShort("S"), .long], parsing: .unconditional,
        help: ArgumentHelp(
            "Start of the window: journalctl syntax ('1h ago', '-30min', 'today', '2026-06-10 21:00:00', '@EPOCH'), a bare span ('1h' = 1h ago) or RFC 3339.",
            valueName: "time"))
    var since: String?

    @Option(
        name: [.customShort("U"), .long], parsing: .unconditional,
        help: ArgumentHelp("End of the window (same syntax as --since).", valueName: "time"))
    var until: String?

    @Option(name: .long, help: ArgumentHelp("Only entries from this host (_HOSTNAME; repeatable), for fleet directories.", valueName: "host"))
    var host: [String] = []

    @Flag(name: .long, help: "Exit non-zero (65) when any journal file or entry had to be skipped (default: warn and go on, like journalctl).")
    var strict = false

    func validate() throws {
        for (flag, given) in [("-D/--directory", directories), ("--input", inputs), ("--url", urls)] where given.count > 1 {
            throw ValidationError("\(flag) was given \(given.count) times: one source is read (several files: --file, repeatable)")
        }
        let chosen = [merge, directory != nil, !file.isEmpty, input != nil, url != nil].filter { $0 }.count
        if chosen > 1 { throw ValidationError("choose one of -m/--merge, -D/--directory, --file, --input and --url") }
        if host.contains(where: \.isEmpty) { throw ValidationError("--host must not be empty") }
        if urlTimeout < 1 { throw ValidationError("--url-timeout must be at least 1 (seconds)") }
        // A malformed address is a usage error (64), as `--prometheus`'s is.
        if let url {
            if url.contains(where: \.isWhitespace) {
                throw ValidationError("--url '\(redactedURL(url))' holds a space: a URL has none (a gateway: http://HOST:19531)")
            }
            let u = URL(string: url)
            guard let scheme = u?.scheme?.lowercased(), ["http", "https"].contains(scheme), u?.host?.isEmpty == false else {
                throw ValidationError("--url '\(redactedURL(url))' is not an http:// or https:// URL (a gateway: http://HOST:19531)")
            }
        }
    }

    /// The source as a value (`--input`, `--url`, `-D`, `--file`, `-m`, or this machine).
    var spec: SourceSpec {
        if let input { return .input(input) }
        if let url { return .gateway(url, deadline: urlTimeout) }
        if let directory { return .directory(directory) }
        if !file.isEmpty { return .files(file) }
        return merge ? .merged : .local
    }

    /// Resolves --since/--until against `now` (µs); throws a usage error
    /// naming the bad value.
    func window(now: UInt64) throws -> TimeWindow {
        var w = TimeWindow()
        do {
            if let since { w.since = try TimeSpec.parse(since, now: now) }
            if let until { w.until = try TimeSpec.parse(until, now: now) }
        } catch {
            throw ValidationError("\(error)")
        }
        if let s = w.since, let u = w.until, s > u {
            throw ValidationError("--since (\(Render.rfc3339(s))) is after --until (\(Render.rfc3339(u)))")
        }
        return w
    }
}

/// Which units hold which source, so t3attr works where they are named differently.
struct UnitOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The dispatch proxy's unit (name or glob).", valueName: "unit"))
    var dispatchUnit = "t3-dispatch.service"

    func validate() throws {
        if dispatchUnit.isEmpty { throw ValidationError("--dispatch-unit must not be empty") }
    }
}

/// Port -> user mapping sources (field guide 3).
struct MapOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "dispatch.json mapping login names to serve ports (default: /etc/t3-serve/dispatch.json when readable).",
            valueName: "path"))
    var dispatchTable: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Directory of per-user .env files with T3_PORT= (default: /etc/t3-serve).", valueName: "dir"))
    var envDir: String?

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("The port t3-dispatch listens on.", valueName: "port"))
    var dispatchPort = GoError.defaultDispatchPort

    func validate() throws {
        guard (1...65535).contains(dispatchPort) else { throw ValidationError("--dispatch-port must be from 1 to 65535") }
    }
}

struct OutputOptions: ParsableArguments {
    @Option(
        name: [.short, .long],
        help: "Output format: table (for people), json (NDJSON, for tools), json-pretty (one JSON document), markdown (a ticket: report and why).")
    var output: OutputFormat = .table

    @Flag(name: .long, help: "Show times in the local time zone (default: UTC).")
    var local = false

    @Flag(name: .long, help: "Show times in UTC (the default; accepted for journalctl habits).")
    var utc = false

    @Flag(name: .long, help: "Show whole table lines; by default, on a terminal, they are cut to its width with … (as journalctl does).")
    var full = false

    func validate() throws {
        if local && utc { throw ValidationError("--local and --utc contradict each other") }
    }
}

/// `T3ATTR_NOW` (journalctl time syntax, e.g. `@1781128800`) fixes "now" for
/// reproducible runs over copied journals and for tests.
func currentTime() throws -> UInt64 {
    let real = UInt64(Date().timeIntervalSince1970 * 1_000_000)
    guard let s = ProcessInfo.processInfo.environment["T3ATTR_NOW"], !s.isEmpty else { return real }
    do {
        return try TimeSpec.parse(s, now: real)
    } catch {
        throw ValidationError("T3ATTR_NOW: \(error)")
    }
}
