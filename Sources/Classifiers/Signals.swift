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
    case oomKill(pid: Int?, task: String?, memcg: String?, global: Bool)
    /// earlyoom killed a process (no kernel line is left).
    case earlyoomKill(pid: Int?, comm: String?)
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
        }
    }

    /// A serve timeout that says the serve's event loop or the host is
    /// starving (git and process timeouts), not a client or an editor gone quiet.
    public var isStarvation: Bool {
        if case .serveTimeout(let k) = self { return k.isStarvation }
        return false
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

    /// Classifies a serve line that contains `timed out`.
    public static func classify(_ m: [UInt8]) -> TimeoutKind {
        let s = text(m).lowercased()
        if s.contains("git command") || s.contains("'git'") || s.hasPrefix("git ") || s.contains(" git ") || s.contains(": git ") {
            return .git
        }
        if s.contains("ping") || s.contains("pong") || s.contains("heartbeat") || s.contains("keepalive") { return .wsPing }
        if s.contains("lsp") || s.contains("language server") || s.contains("languageserver") || s.contains("editor")
            || s.contains("terminal")
        {
            return .editor
        }
        if s.contains("process '") { return .process }
        return .other
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
        return nil
    }

    /// The OOM killer's lines (field guide 2.5). Only the `oom-kill:` line and
    /// the `Killed process` line make an event; the caller folds the pair.
    public static func kernelOOM(_ m: [UInt8]) -> Signal? {
        if let r = m.firstRange(of: "oom-kill:") {
            let fields = commaFields(m[r.upperBound...])
            let pid = fields["pid"].flatMap { Int($0) }
            return .oomKill(
                pid: pid, task: fields["task"], memcg: fields["task_memcg"],
                global: m.contains("global_oom"))
        }
        if let r = m.firstRange(of: "Killed process ") {
            let rest = m[r.upperBound...]
            let sp = rest.firstIndex(of: UInt8(ascii: " ")) ?? rest.endIndex
            let pid = parseUInt(rest[..<sp]).map { Int($0) }
            var task: String?
            if let o = rest.firstIndex(of: UInt8(ascii: "(")), let c = rest[o...].firstIndex(of: UInt8(ascii: ")")) {
                task = text(rest[(o + 1)..<c])
            }
            return .oomKill(pid: pid, task: task, memcg: nil, global: !m.contains("Memory cgroup"))
        }
        return nil
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
        return .earlyoomKill(pid: parseUInt(rest[..<sp]).map { Int($0) }, comm: comm)
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
            return (.probeFailed(reason: kv["reason"] ?? "unknown", port: kv["port"].flatMap { Int($0) }), unit)
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
        if m.contains("blocked for more than ") && m.contains("INFO: task ") { return .kernelStall }
        if m.contains("BUG: soft lockup") || m.contains("rcu_sched self-detected stall") || m.contains("rcu: INFO: rcu_") {
            return .kernelStall
        }
        return nil
    }

    /// `a=1,b=2,...` (the kernel's oom-kill line).
    static func commaFields(_ s: ArraySlice<UInt8>) -> [String: String] {
        var out: [String: String] = [:]
        for part in text(s).split(separator: ",") {
            guard let eq = part.firstIndex(of: "=") else { continue }
            let k = part[..<eq].trimmingCharacters(in: .whitespaces)
            if out[k] == nil { out[k] = String(part[part.index(after: eq)...]) }
        }
        return out
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
