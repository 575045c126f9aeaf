import Analysis
import ArgumentParser
import Classifiers
import Foundation
import Glibc

enum ColorMode: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never
}

/// Terminal behaviour shared by the commands: colour, pager, progress.
struct TerminalOptions: ParsableArguments {
    @Option(name: .long, help: "Colour verdicts and sides: auto (on a terminal), always, never. NO_COLOR, SYSTEMD_COLORS and TERM=dumb are honoured.")
    var color: ColorMode = .auto

    @Flag(name: .long, help: "Do not pipe table output into a pager.")
    var noPager = false
}

enum Terminal {
    /// Whether to colour a stream, as journalctl decides it: `--color`
    /// first, then NO_COLOR (present = off), SYSTEMD_COLORS (a boolean),
    /// TERM=dumb (off), then whether the stream is a terminal.
    static func useColor(_ mode: ColorMode, env: [String: String], isTTY: Bool) -> Bool {
        switch mode {
        case .always: return true
        case .never: return false
        case .auto:
            if env["NO_COLOR"] != nil { return false }
            if let s = env["SYSTEMD_COLORS"]?.lowercased() {
                if ["0", "false", "no", "off", "n"].contains(s) { return false }
                if ["1", "true", "yes", "on", "y", "16", "256", "24bit"].contains(s) { return isTTY || s != "" }
            }
            if env["TERM"] == "dumb" { return false }
            return isTTY
        }
    }

    /// The pager command line, or nil for none: `$SYSTEMD_PAGER`, then
    /// `$PAGER`, then `less -FRSXMK`; an empty value or `cat` means none.
    static func pagerCommand(env: [String: String]) -> String? {
        for key in ["SYSTEMD_PAGER", "PAGER"] {
            if let v = env[key] {
                let t = v.trimmingCharacters(in: .whitespaces)
                if t.isEmpty || t == "cat" || t.hasSuffix("/cat") { return nil }
                return t
            }
        }
        return "less -FRSXMK"
    }

    /// Whether the command's program can be run: its first word an executable
    /// file, by path or found in `path`. A command with shell syntax before it
    /// is left to the shell.
    static func canStart(_ cmd: String, path: String) -> Bool {
        guard let first = cmd.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map(String.init) else { return false }
        if first.contains(where: { "=|&;<>()$`\\\"'*?[]#~{}".contains($0) }) { return true }
        if first.contains("/") { return access(first, X_OK) == 0 }
        return path.split(separator: ":").contains { access("\($0.isEmpty ? "." : $0)/\(first)", X_OK) == 0 }
    }

    static let reset = "\u{1b}[0m"

    /// Standard output's terminal width (TIOCGWINSZ), else `$COLUMNS`, else nil.
    static func width() -> Int? {
        var ws = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &ws) == 0 && ws.ws_col > 0 { return Int(ws.ws_col) }
        if let c = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), c > 0 { return c }
        return nil
    }

    static func color(for verdict: Verdict) -> String {
        switch verdict {
        case .client: "\u{1b}[32m"
        case .edge: "\u{1b}[33m"
        case .devvm: "\u{1b}[1;31m"
        case .serve: "\u{1b}[35m"
        case .dispatch: "\u{1b}[31m"
        case .unknown: "\u{1b}[2m"
        }
    }

    static func color(for side: Side) -> String {
        switch side {
        case .upstream: "\u{1b}[35m"
        case .downstream: "\u{1b}[33m"
        case .unknown: "\u{1b}[2m"
        }
    }
}

/// Progress on stderr for long scans, only when stderr is a terminal.
final class Progress: ReadProgress {
    let enabled: Bool
    let start = Date()
    var shown = false
    var lastUpdate = Date.distantPast
    let since: UInt64?
    let until: UInt64
    /// Seconds of scanning before progress shows (`T3ATTR_PROGRESS_AFTER`, for tests; default 1).
    let after: Double

    init(window: TimeWindow) {
        enabled = isatty(2) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
        after = ProcessInfo.processInfo.environment["T3ATTR_PROGRESS_AFTER"].flatMap(Double.init) ?? 1
        since = window.since
        until = window.until ?? UInt64(Date().timeIntervalSince1970 * 1e6)
    }

    /// Called every few thousand entries with the count and the current entry's time.
    func update(entries: Int, at realtime: UInt64) {
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(start) >= after, now.timeIntervalSince(lastUpdate) > 0.2 else { return }
        lastUpdate = now
        shown = true
        var pos = Render.rfc3339(realtime, fractionDigits: 0)
        if let s = since, until > s {
            pos += String(format: " (%.0f%% of the window)", min(100, Double(realtime.subtractingClamped(s)) / Double(until - s) * 100))
        }
        let rate = Double(entries) / now.timeIntervalSince(start)
        let line = String(format: "\r\u{1b}[Kt3attr: %d entries read, at %@, %.0f entries/s", entries, pos, rate)
        Diagnostics.write(line)
    }

    func finish() {
        if shown { Diagnostics.write("\r\u{1b}[K") }
    }
}

/// The pager table output goes through on a terminal (`less -FRSXMK`, as
/// journalctl). Started and ended by the command.
final class Pager {
    private let pid: pid_t

    private init(pid: pid_t) { self.pid = pid }

    /// Pipes standard output into the pager when it is a terminal (table and
    /// markdown output only); nil when there is none to start.
    static func start(_ opts: TerminalOptions, format: OutputFormat) -> Pager? {
        guard !opts.noPager, format == .table || format == .markdown, isatty(1) == 1 else { return nil }
        let env = ProcessInfo.processInfo.environment
        guard let asked = Terminal.pagerCommand(env: env) else { return nil }
        // A pager that cannot start (`PAGER=lesss`) swallowed all output, exit 0:
        // as journalctl, fall back to less, then more, then none.
        let path = env["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        guard let cmd = ([asked, "less -FRSXMK", "more"]).first(where: { Terminal.canStart($0, path: path) }) else { return nil }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return nil }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
        posix_spawn_file_actions_addclose(&actions, fds[1])
        var childEnv = env
        if childEnv["LESS"] == nil { childEnv["LESS"] = "FRSXMK" }
        if childEnv["LESSCHARSET"] == nil { childEnv["LESSCHARSET"] = "utf-8" }
        let words: [String] = ["/bin/sh", "-c", cmd]
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { (w: String) in strdup(w) } + [nil]
        let pairs: [String] = childEnv.map { "\($0.key)=\($0.value)" }
        let envp: [UnsafeMutablePointer<CChar>?] = pairs.map { (w: String) in strdup(w) } + [nil]
        defer { for p in argv + envp { free(p) } }
        // t3attr ignores SIGPIPE (a closed pipe is an error it reports); the pager gets the default.
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let r = posix_spawn(&pid, "/bin/sh", &actions, &attr, argv, envp)
        posix_spawn_file_actions_destroy(&actions)
        close(fds[0])
        guard r == 0 else {
            close(fds[1])
            return nil
        }
        dup2(fds[1], 1)
        close(fds[1])
        return Pager(pid: pid)
    }

    /// Ends the output (call after the last flush) and waits for the reader to quit the pager.
    func finish() {
        close(1)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }
}
