import Foundation

/// Evidence from outside t3-dispatch: the serve, systemd, the kernel,
/// earlyoom and the host scripts (field guide 2.3 to 2.6).
public enum Signal: Sendable, Equatable {
    /// A `t3 serve` git/process timeout: the serve (or the host) is starving.
    case serveTimeout
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
        }
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

    /// An exit or failure that is not a planned stop (`t3 serve` exits
    /// 130 on SIGINT; 0 and SIGTERM are ordinary stops too).
    public var isCrash: Bool {
        switch self {
        case .exited(.exited, let status):
            return ![0, 130, 143].contains(status)
        case .exited(.killed, let signal):
            return ![15, 2].contains(signal)  // SIGTERM, SIGINT
        case .exited:
            return true  // dumped, or a code systemd did not write before
        case .failed, .restartScheduled, .oomKilled, .coredump: return true
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
        if (s.hasPrefix("restarted " + serveUnits.prefix) || s.hasPrefix("migrated " + serveUnits.prefix)) && unit != nil {
            return (.plannedRestart(script: tag), unit)
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
