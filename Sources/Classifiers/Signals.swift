import Foundation

/// Evidence from outside t3-dispatch: the serve, systemd, the kernel,
/// earlyoom and the host scripts (field guide 2.3 to 2.6).
public enum Signal: Sendable, Equatable {
    /// A `t3 serve` line saying something timed out, with what timed out:
    /// only git and process timeouts mean the serve (or the host) is starving.
    case serveTimeout(TimeoutKind)
    /// PID 1 about a unit.
    case unit(UnitAction)
    /// A kernel OOM kill; `user` of the event is the serve whose cgroup it hit.
    /// `memcg`: the killed task's cgroup; `limit`: the cgroup whose limit was
    /// hit (`oom_memcg=`, a memcg kill's; nil when not known).
    case oomKill(pid: Int?, task: String?, memcg: String?, global: Bool, limit: String? = nil)
    /// earlyoom killed a process (no kernel line is left).
    /// `signal`: 15 (SIGTERM) or 9 (SIGKILL), nil for another.
    case earlyoomKill(pid: Int?, comm: String?, signal: Int?)
    /// t3-watchdog: `probe FAILED for t3-serve@u.service (port=P reason=R ...)`.
    case probeFailed(reason: String, port: Int?)
    /// t3-watchdog: `WATCHDOG: restarted t3-serve@u.service (reason=R)`.
    case watchdogRestart(reason: String?)
    /// t3-watchdog: `WATCHDOG-EXHAUSTED: ...`.
    case watchdogExhausted
    /// t3-autoupdate / t3-migrate-idle restarted a serve on purpose.
    case plannedRestart(script: String)
    /// t3-safe-restart.sh's trouble after a restart it did, under the caller's
    /// tag (`HEALTH-CHECK FAILED: <u> ...`, `restored <u> ...`, `FROZEN (...)
    /// after <u> failed ...`), t3-watchdog's `WATCHDOG: restart of <unit>
    /// FAILED verification` and t3-migrate-idle's `migrate FAILED for <unit>`.
    case restartFailed(script: String)
    /// t3-provision-users: `[t3-provision] t3-serve DISABLED for <u> ...`
    /// (`systemctl disable --now`: a stop on purpose).
    case serveDisabled
    /// The kernel's hung-task or soft-lockup lines: the whole host stalled.
    case kernelStall
    /// journald's rate limit dropped `count` lines of the event's unit
    /// (`Suppressed N messages from <unit>`): a hole in the evidence.
    case journalSuppressed(count: Int)
    /// t3-dispatch could not pair with the user's serve, refused on its port
    /// (`mint for U failed: ... connection refused`, `pairing exchange for U
    /// failed: ...`): the serve was down (field guide 6.1).
    case pairingRefused
    /// The dispatch's pairing with the user's serve was reset or cut off by
    /// it (`pairing exchange for U failed: Post ...: EOF`): the serve was
    /// closing connections (field guide 2.2, 6.1).
    case pairingCut(ErrorClass)

    public var kind: EventKind {
        switch self {
        case .serveTimeout: .serveTimeout
        case .unit(let a): a.kind
        case .oomKill: .oomKill
        case .earlyoomKill: .earlyoomKill
        case .probeFailed: .probeFailed
        case .watchdogRestart: .watchdogRestart
        case .watchdogExhausted: .watchdogExhausted
        case .plannedRestart: .plannedRestart
        case .restartFailed: .restartFailed
        case .serveDisabled: .serveDisabled
        case .kernelStall: .kernelStall
        case .journalSuppressed: .journalSuppressed
        case .pairingRefused, .pairingCut: .pairingFailed
        }
    }

    /// A serve timeout that says the serve's event loop or the host is
    /// starving (git and process timeouts), not a client or an editor gone quiet.
    public var isStarvation: Bool {
        if case .serveTimeout(let k) = self { return k.isStarvation }
        return false
    }

    /// A serve timeout of an editor, a language server or a ping (not git or
    /// a process): a client or an editor gone quiet, nothing of the serve or
    /// the host (`timeout_kind`), so no evidence for a verdict.
    public var saysNothingOfTheServe: Bool {
        if case .serveTimeout(let k) = self { return !k.isStarvation }
        return false
    }

    /// t3-watchdog's probe of a serve timed out (`reason=timeout`, or curl's
    /// exit 28, "operation timed out", in `http=000(curl=28)`): the serve did
    /// not answer in time. In several serves at once, the host is starving.
    public var isProbeTimeout: Bool {
        guard case .probeFailed(let reason, _) = self else { return false }
        return reason == "timeout" || reason.hasSuffix("(curl=28)")
    }
}

/// What a serve's `timed out` line is about (issue 13, section 8). Texts from
/// pingdotgg/t3code's server: apps/server/src/processRunner.ts
/// (`ProcessTimeoutError`: `Process '<cmd>' in '<cwd>' timed out after <n>ms`)
/// and apps/server/src/git/Layers/GitCore.ts (`Git command failed in
/// <operation> (<cwd>): git ... timed out.`, 30 s default, 5 s for the status
/// upstream refresh).
public enum TimeoutKind: String, Sendable, Codable, CaseIterable {
    /// A git command (GitCore, or the process runner running `git`).
    case git
    /// Another child process the serve ran.
    case process
    /// A WebSocket ping/heartbeat to a client that went away.
    case wsPing = "ws_ping"
    /// An editor, language-server (LSP) or terminal request.
    case editor
    /// Any other `timed out` line.
    case other

    /// Git and process timeouts: the event loop or the host was too slow to
    /// run a child in time ("git taking >5 s = devvm frozen", the runbook).
    public var isStarvation: Bool { self == .git || self == .process }

    /// Classifies a serve line that contains `timed out`. What the line says
    /// decides, never the names in it: a working directory or a quoted
    /// command line (`/home/bob/code/shopping-cart`) is not a ping.
    public static func classify(_ m: [UInt8]) -> TimeoutKind {
        let s = text(m).lowercased()
        // `Process '<cmd>' in '<cwd>' timed out after <n>ms`: the command decides.
        if let r = s.firstRange(of: "process '"), let q = s[r.upperBound...].firstIndex(of: "'") {
            let cmd = s[r.upperBound..<q]
            return (cmd.split(separator: "/").last ?? cmd) == "git" ? .git : .process
        }
        let words = wordsOutsideQuotesAndPaths(s)
        if words.contains(where: { $0 == "git" || $0.hasPrefix("gitcore") }) { return .git }
        if words.contains(where: { $0.hasPrefix("ping") || $0.hasPrefix("pong") || $0.hasPrefix("heartbeat") || $0.hasPrefix("keepalive") }) {
            return .wsPing
        }
        if words.contains(where: { $0.hasPrefix("lsp") || $0.hasPrefix("languageserver") || $0.hasPrefix("editor") || $0.hasPrefix("terminal") })
            || s.contains("language server")
        {
            return .editor
        }
        return .other
    }

    /// The words of `s` (runs of letters and digits) outside quotes ('...',
    /// "...") and outside path-like tokens (anything with a `/`). A quote
    /// opens at the start of a word and closes at the end of one, so an
    /// apostrophe inside a word (`Couldn't`, `bob's`) is neither.
    static func wordsOutsideQuotesAndPaths(_ s: String) -> [Substring] {
        var out: [Substring] = []
        var quote: Character?
        for token in s.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            if let q = quote {
                if token.trimmingSuffix({ !($0.isLetter || $0.isNumber || $0 == q) }).last == q { quote = nil }
                continue
            }
            if let first = token.first, first == "'" || first == "\"" {
                let rest = token.dropFirst()
                if !(rest.trimmingSuffix { !($0.isLetter || $0.isNumber || $0 == first) }.last == first) { quote = first }
                continue
            }
            if token.contains("/") { continue }
            out += token.split(whereSeparator: { !($0.isLetter || $0.isNumber) })
        }
        return out
    }
}

extension Substring {
    /// Without its trailing characters that `drop` accepts.
    func trimmingSuffix(_ drop: (Character) -> Bool) -> Substring {
        var end = endIndex
        while end > startIndex, drop(self[index(before: end)]) { end = index(before: end) }
        return self[startIndex..<end]
    }
}

/// How a unit's main process ended (`code=` in systemd's message).
public enum ExitCode: String, Sendable, Equatable {
    case exited, killed, dumped
    /// A code this systemd does not write.
    case other
}

/// What systemd (PID 1) said about a unit (field guide 2.4).
public enum UnitAction: Sendable, Equatable {
    case starting, started, stopping, stopped
    /// `Main process exited, code=<code>, status=<number>/<name>`.
    case exited(code: ExitCode, status: Int?)
    /// `Failed with result '<result>'`.
    case failed(result: String)
    case restartScheduled
    /// `A process of this unit has been killed by the OOM killer.`
    case oomKilled
    /// `State 'stop-sigterm' timed out. Killing.`
    case stopTimeout
    /// A coredump of the unit's process.
    case coredump

    public var kind: EventKind {
        switch self {
        case .starting: .unitStarting
        case .started: .unitStarted
        case .stopping: .unitStopping
        case .stopped: .unitStopped
        case .exited: .unitExited
        case .failed: .unitFailed
        case .restartScheduled: .unitRestartScheduled
        case .oomKilled: .unitOOMKill
        case .stopTimeout: .unitStopTimeout
        case .coredump: .unitCoredump
        }
    }

    /// The unit going down: stopping, stopped, its main process exited, failed,
    /// a stop that timed out, a core dump (what cuts a serve's sockets).
    public var wentDown: Bool {
        switch self {
        case .stopping, .stopped, .exited, .failed, .stopTimeout, .coredump: true
        default: false
        }
    }

    /// How the unit's main process ended badly (issue 13, section 4): a
    /// signal, a core dump, or an exit code other than 130. `t3 serve` exits
    /// 130 on every stop and t3-serve@.service has no `SuccessExitStatus`
    /// (infra scripts/t3-serve@.service; the comment in
    /// scripts/t3-provision-users.sh before `reset-failed`), so `status=130`
    /// and the `Failed with result 'exit-code'` after it are a stop. A
    /// `timeout` result is a stop or start that hung (`stop_timeout`), and an
    /// OOM kill in the cgroup is judged by the OOM rule (OOMPolicy=continue).
    public var isCrash: Bool {
        switch self {
        case .exited(.exited, let status):
            return status != 130
        case .exited:
            return true  // killed by a signal, dumped, or a code systemd did not write before
        case .failed(let result):
            return result != "exit-code" && result != "timeout"
        case .coredump: return true
        default: return false
        }
    }
}

public enum SignalParser {
    /// PID 1's message about `unit`.
    public static func unitAction(_ m: [UInt8], messageID: String?) -> UnitAction? {
        switch messageID {
        case MessageID.oomKill: return .oomKilled
        case MessageID.restartScheduled: return .restartScheduled
        default: break
        }
        if m.contains("A process of this unit has been killed by the OOM killer") { return .oomKilled }
        if m.contains("Scheduled restart job") { return .restartScheduled }
        if m.contains("State 'stop-sigterm' timed out") || m.contains("State 'stop-final-sigterm' timed out") {
            return .stopTimeout
        }
        if let r = m.firstRange(of: "Main process exited, code=") {
            let rest = text(m[r.upperBound...])
            let parts = rest.split(separator: ",", maxSplits: 1)
            let code = parts.first.map(String.init) ?? ""
            var status = ""
            if parts.count == 2, let s = parts[1].range(of: "status=") {
                status = String(parts[1][s.upperBound...]).trimmingCharacters(in: [" ", "."])
            }
            // `9/KILL`, `0/SUCCESS`, `130/n/a`: the number before the slash.
            let number = status.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first.flatMap { Int($0) }
            return .exited(code: ExitCode(rawValue: code) ?? .other, status: number)
        }
        if let r = m.firstRange(of: "Failed with result '") {
            let rest = m[r.upperBound...]
            let end = rest.firstIndex(of: UInt8(ascii: "'")) ?? rest.endIndex
            return .failed(result: text(rest[..<end]))
        }
        if m.hasPrefix("Starting ", at: 0) { return .starting }
        if m.hasPrefix("Started ", at: 0) { return .started }
        if m.hasPrefix("Stopping ", at: 0) { return .stopping }
        if m.hasPrefix("Stopped ", at: 0) { return .stopped }
        // `<unit>: Deactivated successfully.` (UNIT_SUCCESS): the unit is inactive. After
        // a stop it repeats `Stopped`; alone, it is all systemd 252 logs (at info) when the
        // main process exits 0 on its own (`Main process exited` is then a debug line).
        if m.contains(": Deactivated successfully.") || m.hasPrefix("Deactivated successfully.", at: 0) { return .stopped }
        return nil
    }

    /// The OOM killer's lines (field guide 2.5). Only the `oom-kill:` line and
    /// the `Killed process` line make an event; the caller folds the pair.
    public static func kernelOOM(_ m: [UInt8]) -> Signal? {
        // Anchored at the start of the line: the kernel starts other lines with
        // a process's own name (`<comm>[pid]: segfault at ...`), up to 15 bytes
        // any user chooses, so a name such as `Killed process ` must not make
        // an OOM kill. Every prefix below is longer than a name, or must be
        // followed by what the kernel writes there (digits, `(`).
        if m.hasPrefix("oom-kill:constraint=", at: 0) { return oomKillLine(text(m[20...])) }
        // `Out of memory: Killed process <pid> (<comm>) ...` (global),
        // `Memory cgroup out of memory: Killed process ...` (a memcg's limit),
        // and the bare `Killed process ...` of older kernels.
        var start = 0
        var global = true
        if m.hasPrefix("Memory cgroup out of memory: ", at: 0) {
            start = 29
            global = false
        } else if m.hasPrefix("Out of memory: ", at: 0) {
            start = 15
        }
        guard m.hasPrefix("Killed process ", at: start) else { return nil }
        let rest = m[(start + 15)...]
        let sp = rest.firstIndex(of: UInt8(ascii: " ")) ?? rest.endIndex
        guard let pid = parseUInt(rest[..<sp]), rest[sp...].starts(with: Array(" (".utf8)) else { return nil }
        var task: String?
        let o = sp + 1
        if let c = rest[o...].lastIndex(of: UInt8(ascii: ")")) { task = text(rest[(o + 1)..<c]) }
        return .oomKill(pid: Int(clamping: pid), task: task, memcg: nil, global: global)
    }

    /// The kernel's `oom-kill:` line after `oom-kill:constraint=`:
    /// `<constraint>,nodemask=...,cpuset=<name>,mems_allowed=...,` then
    /// `oom_memcg=<path>` or `global_oom`, then
    /// `,task_memcg=<path>,task=<comm>,pid=<n>,uid=<n>`. The cgroup names are
    /// chosen by whoever made the cgroup (a user, in their own slice) and may
    /// hold commas and `key=` text, and the task's name (at most 15 bytes)
    /// too. So: global from the constraint, which comes first (a memory
    /// cgroup's limit is `CONSTRAINT_MEMCG`); pid from the end; the task's
    /// `,task=` within 15 bytes of `,pid=`; the cgroup only when exactly one
    /// `,task_memcg=` precedes it (else it is not known).
    static func oomKillLine(_ line: String) -> Signal {
        let constraint = line.prefix { $0 != "," }
        var pid: Int?
        var task: String?
        var memcg: String?
        var limit: String?
        if let pidAt = line.ranges(of: ",pid=").last {
            pid = Int(line[pidAt.upperBound...].prefix(while: \.isASCII).prefix(while: \.isNumber))
            let reach = line.index(pidAt.lowerBound, offsetBy: -21, limitedBy: line.startIndex) ?? line.startIndex
            if let taskAt = line[reach..<pidAt.lowerBound].firstRange(of: ",task=") {
                task = String(line[taskAt.upperBound..<pidAt.lowerBound])
                let head = line[..<taskAt.lowerBound]
                let marks = head.ranges(of: ",task_memcg=")
                if marks.count == 1 {
                    memcg = String(head[marks[0].upperBound...])
                    // `oom_memcg=` just before, and only one of it: names may hold the text.
                    let limits = head[..<marks[0].lowerBound].ranges(of: ",oom_memcg=")
                    if limits.count == 1 { limit = String(head[limits[0].upperBound..<marks[0].lowerBound]) }
                }
            }
        }
        return .oomKill(pid: pid, task: task, memcg: memcg, global: constraint != "CONSTRAINT_MEMCG", limit: limit)
    }

    /// earlyoom: `sending SIGTERM to process <pid> uid <uid> "<comm>": badness ...`.
    public static func earlyoom(_ m: [UInt8]) -> Signal? {
        guard let r = m.firstRange(of: "to process "), m.contains("sending SIG") else { return nil }
        let rest = m[r.upperBound...]
        let sp = rest.firstIndex(of: UInt8(ascii: " ")) ?? rest.endIndex
        var comm: String?
        if let q = rest.firstIndex(of: UInt8(ascii: "\"")), let e = rest[(q + 1)...].firstIndex(of: UInt8(ascii: "\"")) {
            comm = text(rest[(q + 1)..<e])
        }
        let signal: Int? = m.contains("sending SIGTERM ") ? 15 : m.contains("sending SIGKILL ") ? 9 : nil
        return .earlyoomKill(pid: parseUInt(rest[..<sp]).map { Int($0) }, comm: comm, signal: signal)
    }

    /// Host script lines, with or without the `<tag>: ` stdout prefix.
    /// Returns the signal and the serve unit it names.
    public static func script(_ m: [UInt8], tag: String, serveUnits: ServeUnits = .default) -> (Signal, unit: String?)? {
        var body = m[...]
        let prefix = Array((tag + ": ").utf8)
        if body.starts(with: prefix) { body = body.dropFirst(prefix.count) }
        let s = text(body)
        let unit = serveUnits.unitName(in: s)
        if s.hasPrefix("probe FAILED for ") {
            let kv = spaceFields(s)
            return (.probeFailed(reason: probeReason(s) ?? "unknown", port: kv["port"].flatMap { Int($0) }), unit)
        }
        if s.hasPrefix("WATCHDOG-EXHAUSTED") { return (.watchdogExhausted, unit) }
        if s.hasPrefix("WATCHDOG: restarted ") { return (.watchdogRestart(reason: spaceFields(s)["reason"]), unit) }
        // infra scripts/t3-watchdog.sh: `WATCHDOG: restart of <unit> FAILED verification ...`.
        if s.hasPrefix("WATCHDOG: restart of ") && s.contains(" FAILED verification") && unit != nil {
            return (.restartFailed(script: tag), unit)
        }
        // infra scripts/t3-safe-restart.sh logs under the caller's tag: under
        // t3-watchdog the restart is the watchdog's (issue 13, section 4).
        if (s.hasPrefix("restarted " + serveUnits.prefix) || s.hasPrefix("migrated " + serveUnits.prefix)) && unit != nil {
            return (tag == watchdogTag ? .watchdogRestart(reason: nil) : .plannedRestart(script: tag), unit)
        }
        if s.hasPrefix("migrate FAILED for " + serveUnits.prefix) && unit != nil { return (.restartFailed(script: tag), unit) }
        // t3-safe-restart.sh names the user, not the unit, in its trouble lines.
        for (head, tail) in [("HEALTH-CHECK FAILED: ", " pairing broken"), ("restored ", " state.sqlite"), ("FROZEN (", " failed on ")] {
            guard s.hasPrefix(head), let end = s.range(of: tail) else { continue }
            var who = s[s.index(s.startIndex, offsetBy: head.count)..<end.lowerBound]
            if head == "FROZEN (" {
                guard let after = who.range(of: ") after ") else { continue }
                who = who[after.upperBound...]
            }
            guard !who.isEmpty, !who.contains(" ") else { continue }
            return (.restartFailed(script: tag), serveUnits.unit(forUser: String(who)))
        }
        // infra scripts/t3-provision-users.sh: `log "t3-serve DISABLED for $os_user (roster parked: true)"`
        // after `systemctl disable --now`, on stdout with a `[t3-provision] ` prefix.
        var p = s[...]
        if p.hasPrefix("[t3-provision] ") { p = p.dropFirst("[t3-provision] ".count) }
        if p.hasPrefix("t3-serve DISABLED for ") {
            let who = p.dropFirst("t3-serve DISABLED for ".count).prefix { $0 != " " }
            if !who.isEmpty { return (.serveDisabled, serveUnits.unit(forUser: String(who))) }
        }
        return nil
    }

    /// journald's rate-limit notice (systemd 252 src/journal/journald-server.c:
    /// `server_driver_message(s, c->pid, "MESSAGE_ID=" SD_MESSAGE_JOURNAL_DROPPED_STR,
    /// LOG_MESSAGE("Suppressed %i messages from %s", rl - 1, c->unit), ...)`):
    /// the count and the unit.
    public static func suppressed(_ m: [UInt8]) -> (count: Int, unit: String)? {
        let s = text(m)
        guard s.hasPrefix("Suppressed "), let r = s.range(of: " messages from ") else { return nil }
        guard let n = Int(s[s.index(s.startIndex, offsetBy: "Suppressed ".count)..<r.lowerBound]), n > 0 else { return nil }
        let unit = String(s[r.upperBound...])
        return unit.isEmpty ? nil : (n, unit)
    }

    /// The tag whose restarts are the watchdog's.
    public static let watchdogTag = "t3-watchdog"

    /// The kernel's hung-task and soft-lockup lines (`INFO: task <comm>:<pid>
    /// blocked for more than <n> seconds.`, `watchdog: BUG: soft lockup -
    /// CPU#<n> stuck for <n>s!`, and the RCU stall warning).
    public static func kernelStall(_ m: [UInt8]) -> Signal? {
        // Anchored at the start of the line, like `kernelOOM` (a process's
        // name can start a kernel line): hung tasks, soft and hard lockups, RCU stalls.
        if m.hasPrefix("INFO: task ", at: 0) { return hungTaskSeconds(m) != nil ? .kernelStall : nil }
        for p: StaticString in ["watchdog: BUG: soft lockup", "BUG: soft lockup - CPU#"] where m.hasPrefix(p, at: 0) { return .kernelStall }
        for p: StaticString in ["watchdog: Watchdog detected hard LOCKUP", "NMI watchdog: Watchdog detected hard LOCKUP"] where m.hasPrefix(p, at: 0)
        {
            return .kernelStall
        }
        // `rcu: INFO: rcu_sched self-detected stall on CPU`, `INFO: rcu_preempt
        // detected stalls on CPUs/tasks:` (older kernels have no `rcu: `).
        let at = m.hasPrefix("rcu: ", at: 0) ? 5 : 0
        guard m.hasPrefix("INFO: rcu_", at: at) else { return nil }
        var i = at + 10
        while i < m.count, m[i] == UInt8(ascii: "_") || (m[i] >= 0x61 && m[i] <= 0x7A) { i += 1 }
        guard i > at + 10 else { return nil }
        return m.hasPrefix(" detected stall", at: i) || m.hasPrefix(" self-detected stall", at: i) ? .kernelStall : nil
    }

    /// The span a kernel stall line states, in seconds: `blocked for more
    /// than 120 seconds` (hung task), `stuck for 23s!` (soft lockup).
    public static func statedSeconds(_ m: [UInt8]) -> UInt64? {
        if m.hasPrefix("INFO: task ", at: 0) { return hungTaskSeconds(m) }
        if let r = m.firstRange(of: " stuck for ") {
            let digits = m[r.upperBound...].prefix(while: isDigit)
            guard m[(r.upperBound + digits.count)...].starts(with: Array("s!".utf8)) else { return nil }
            return parseUInt(digits)
        }
        return nil
    }

    /// The hung-task line whole, as the kernel writes it: `INFO: task
    /// <comm>:<pid> blocked for more than <N> seconds.` with a name of at most
    /// 15 bytes and nothing after. A line that only starts so is another
    /// kernel line that begins with a process's name (`<comm>[pid]: segfault
    /// ... in <library>[...]`, whose library name anyone chooses). Returns N.
    static func hungTaskSeconds(_ m: [UInt8]) -> UInt64? {
        guard m.hasPrefix("INFO: task ", at: 0), m.hasSuffix(" seconds."),
            let r = m.firstRange(of: " blocked for more than ", from: 11)
        else { return nil }
        let name = m[11..<r.lowerBound]
        guard let colon = name.lastIndex(of: UInt8(ascii: ":")), colon - 11 <= 15, parseUInt(name[(colon + 1)...]) != nil else { return nil }
        guard r.upperBound <= m.count - 9 else { return nil }
        return parseUInt(m[r.upperBound..<(m.count - 9)])
    }

    /// A serve timeout's limit (`timed out after 30000ms`, `... after 30s`), in µs.
    public static func timeoutLimit(_ m: [UInt8]) -> UInt64? {
        guard let r = m.firstRange(of: "timed out after ") else { return nil }
        let digits = m[r.upperBound...].prefix(while: isDigit)
        guard let n = parseUInt(digits), n < 1_000_000_000 else { return nil }
        let unit = m[(r.upperBound + digits.count)...]
        if unit.starts(with: Array("ms".utf8)) { return n * 1000 }
        if unit.starts(with: Array("s".utf8)) { return n * 1_000_000 }
        return nil
    }

    /// The whole `reason=` of a probe line, parentheses included
    /// (`http=000(curl=52)`, field guide 6.3), without the one that closes
    /// the line's own `(...)` when it is the last field.
    static func probeReason(_ s: String) -> String? {
        guard let r = s.firstRange(of: " reason=") ?? s.firstRange(of: "(reason=") else { return nil }
        var v = s[r.upperBound...].prefix { $0 != " " }
        while v.hasSuffix(")"), v.filter({ $0 == ")" }).count > v.filter({ $0 == "(" }).count { v = v.dropLast() }
        return v.isEmpty ? nil : String(v)
    }

    /// `(port=3773 reason=timeout consecutive=2 ...)` style fields.
    static func spaceFields(_ s: String) -> [String: String] {
        var out: [String: String] = [:]
        for tok in s.split(whereSeparator: { $0 == " " || $0 == "(" || $0 == ")" }) {
            guard let eq = tok.firstIndex(of: "=") else { continue }
            let k = String(tok[..<eq])
            if out[k] == nil { out[k] = String(tok[tok.index(after: eq)...]) }
        }
        return out
    }
}
