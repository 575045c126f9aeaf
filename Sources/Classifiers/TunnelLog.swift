/// cloudflared's own log lines, as operators fetch them with
/// `kubectl -n cloudflared logs -l app=cloudflared --since=6h [--timestamps] [--prefix]`,
/// turned into typed tunnel events (issue 14, field guide 6.6). Pure: text in, values out.
///
/// A line is zerolog's console format (cloudflared `logger/create.go`: `zerolog.ConsoleWriter`
/// with `TimeFormat: time.RFC3339`, no colour when not a terminal):
///
///     2026-06-10T21:10:03Z ERR Connection terminated error="timeout: no recent network activity" connIndex=2
///
/// `--timestamps` puts Kubernetes' RFC 3339 receive time (nanoseconds) in front, `--prefix` a
/// `[pod/<name>/<container>]` tag; both are optional and pods may be interleaved. The message texts
/// below are cloudflared's (github.com/cloudflare/cloudflared at d1df7985, 2026-08), file:line noted.

/// zerolog's console level abbreviations (`consoleDefaultFormatLevel`).
public enum TunnelLogLevel: String, Sendable, Codable, CaseIterable {
    case trace = "TRC"
    case debug = "DBG"
    case info = "INF"
    case warn = "WRN"
    case error = "ERR"
    case fatal = "FTL"
    case panic = "PNC"
}

/// What a recognised cloudflared line says happened to the tunnel.
public enum TunnelEventKind: String, Sendable, Codable, CaseIterable {
    /// `ERR|WRN Connection terminated error=... connIndex=N` (supervisor/supervisor.go:158): a
    /// connection to the edge ended; every stream on it (every WebSocket) ended with it.
    case connectionTerminated = "connection_terminated"
    /// `INF Lost connection with the edge connIndex=N` (connection/http2.go:94),
    /// `failed to serve tunnel connection error=...` (supervisor/tunnel.go:661),
    /// `Serve tunnel error error=...` (supervisor/tunnel.go:430).
    case connectionLost = "connection_lost"
    /// `Unable to establish connection.` (supervisor/tunnel.go:408), `Unable to establish connection
    /// with Cloudflare edge` (:487), `Failed to dial a quic connection` (:610), `initial tunnel
    /// connection failed` (supervisor/supervisor.go:135).
    case connectFailed = "connect_failed"
    /// `INF Retrying connection in up to 1s` (supervisor/tunnel.go:264), `Restarting connection due to
    /// reconnect signal in 1s` (:422).
    case retrying
    /// `INF Registered tunnel connection connIndex=N connection=<uuid> ... location=ams04 protocol=quic`
    /// (connection/observer.go:66).
    case registered
    /// `INF Unregistered tunnel connection connIndex=N ...` (connection/control.go:145).
    case unregistered
    /// `INF Initiating graceful shutdown due to signal terminated ...` (cmd/cloudflared/tunnel/signal.go:19),
    /// `ERR Initiating shutdown error=...` (cmd/cloudflared/tunnel/cmd.go:573) for any other cause.
    case shuttingDown = "shutting_down"
    /// `INF Tunnel server stopped` (cmd/cloudflared/tunnel/cmd.go:515), `no more connections active and
    /// exiting` (supervisor/supervisor.go:178).
    case stopped
    /// `INF Starting tunnel tunnelID=...` (cmd/cloudflared/tunnel/subcommand_context.go:279): a pod
    /// (re)starting, e.g. in a rollout.
    case starting
    /// `INF cloudflared has been updated version=X` (cmd/cloudflared/updater/update.go:193).
    case updated
    /// The auto-updater's exit: `ERR Initiating shutdown error="cloudflared has been updated to version X"`
    /// (cmd.go:573 with updater/update.go:49's error) or that text alone (urfave/cli prints the exit
    /// coder's message); the process then exits with code 11 (update.go:53).
    case exitAfterUpdate = "exit_after_update"

    /// Events after which WebSockets riding the tunnel (or that pod) are gone.
    public var severs: Bool {
        switch self {
        case .connectionTerminated, .connectionLost, .unregistered, .shuttingDown, .stopped, .exitAfterUpdate: true
        case .connectFailed, .retrying, .registered, .starting, .updated: false
        }
    }

    /// Events that show the tunnel re-establishing itself (a reconnect or a new pod).
    public var reconnects: Bool {
        switch self {
        case .retrying, .registered, .starting, .connectFailed: true
        default: false
        }
    }

    /// Events a verdict can rest on: a break or a reconnect.
    public var bearsOnDrops: Bool { severs || reconnects }
}

/// One recognised cloudflared line.
public struct TunnelEvent: Sendable, Equatable {
    public var kind: TunnelEventKind
    /// Microseconds since the epoch: Kubernetes' receive time when present (nanosecond precision),
    /// else cloudflared's own (whole seconds), else nil.
    public var time: UInt64?
    /// cloudflared's own timestamp (RFC 3339, whole seconds), microseconds.
    public var loggedAt: UInt64?
    /// `--timestamps`' time, microseconds.
    public var receivedAt: UInt64?
    /// `--prefix`' pod and container, when present.
    public var pod: String?
    public var container: String?
    public var level: TunnelLogLevel?
    public var connIndex: Int?
    /// The `error=` field (unquoted), e.g. `timeout: no recent network activity`.
    public var error: String?
    /// The message text without the fields.
    public var message: String
    /// Every `key=value` field (values unquoted), in line order.
    public var fields: [TunnelLogField]
    /// The whole input line and its 1-based number.
    public var raw: String
    public var line: Int

    /// QUIC's idle timeout (`timeout: no recent network activity`, quic-go internal/qerr/errors.go:92):
    /// the ~12/day churn the runbook (section 4.3) sees as cloudflare-leg-only blips.
    public var isIdleTimeout: Bool { error?.contains("no recent network activity") ?? false }

    public func field(_ key: String) -> String? { fields.first { $0.key == key }?.value }
}

public struct TunnelLogField: Sendable, Equatable {
    public var key: String
    public var value: String
    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// The result of reading a tunnel log: typed events, and counts of what was not used.
public struct TunnelLog: Sendable, Equatable {
    public var events: [TunnelEvent] = []
    /// Lines in cloudflared's console format whose message is not one of the kinds above.
    public var otherLines = 0
    /// Lines that are not cloudflared console lines at all (counted, never fatal).
    public var unrecognisedLines = 0
    /// Blank lines are not counted anywhere.
    public var lines = 0
    public var pods: Set<String> { Set(events.compactMap(\.pod)) }

    public init() {}

    /// Events whose time lies in `[from, to]` (microseconds), in input order.
    public func events(from: UInt64, to: UInt64) -> [TunnelEvent] {
        events.filter {
            guard let t = $0.time else { return false }
            return t >= from && t <= to
        }
    }
}

/// One line, classified.
public enum TunnelLine: Sendable, Equatable {
    case event(TunnelEvent)
    /// A cloudflared console line with a message this parser does not type.
    case other
    /// Not a cloudflared console line (blank lines included).
    case unrecognised
}

public enum TunnelLogParser {
    /// Reads a whole log (several pods interleaved is fine), line by line.
    public static func parse(_ text: String) -> TunnelLog {
        var log = TunnelLog()
        var n = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            n += 1
            add(line, number: n, to: &log)
        }
        return log
    }

    /// Adds one line to `log` (for readers that stream).
    public static func add(_ line: Substring, number: Int, to log: inout TunnelLog) {
        let trimmed = line.hasSuffix("\r") ? line.dropLast() : line
        if trimmed.allSatisfy({ $0 == " " || $0 == "\t" }) { return }
        log.lines += 1
        switch parseLine(trimmed, number: number) {
        case .event(let e): log.events.append(e)
        case .other: log.otherLines += 1
        case .unrecognised: log.unrecognisedLines += 1
        }
    }

    public static func parseLine(_ input: Substring, number: Int = 0) -> TunnelLine {
        let raw = String(input)
        var rest = stripANSI(input)[...]
        var pod: String?
        var container: String?
        var received: UInt64?
        var logged: UInt64?
        // `--prefix` and `--timestamps`, in either order.
        for _ in 0..<2 {
            skipSpaces(&rest)
            if rest.hasPrefix("[pod/"), let close = rest.firstIndex(of: "]") {
                let tag = rest[rest.index(rest.startIndex, offsetBy: 5)..<close].split(separator: "/", maxSplits: 1)
                pod = tag.first.map(String.init)
                container = tag.count > 1 ? String(tag[1]) : nil
                rest = rest[rest.index(after: close)...]
            } else if received == nil, let (t, after) = leadingTime(rest), let next = after.first, next == " " {
                // A second timestamp follows: this one is Kubernetes'.
                var probe = after
                skipSpaces(&probe)
                if leadingTime(probe) != nil {
                    received = t
                    rest = probe
                }
            }
        }
        skipSpaces(&rest)
        if let (t, after) = leadingTime(rest) {
            logged = t
            rest = after
            skipSpaces(&rest)
        }
        var level: TunnelLogLevel?
        if rest.count >= 3, let l = TunnelLogLevel(rawValue: String(rest.prefix(3))),
            rest.count == 3 || rest[rest.index(rest.startIndex, offsetBy: 3)] == " "
        {
            level = l
            rest = rest.dropFirst(3)
            skipSpaces(&rest)
        }
        let (message, fields) = splitFields(rest)
        var event = TunnelEvent(
            kind: .starting, time: received ?? logged, loggedAt: logged, receivedAt: received,
            pod: pod, container: container, level: level, connIndex: nil, error: nil,
            message: message, fields: fields, raw: raw, line: number)
        event.error = event.field("error")
        event.connIndex = event.field("connIndex").flatMap { Int($0) }
        if let kind = kind(message: message, error: event.error) {
            // The updater's bare exit text carries no time or level; everything else must look like
            // a console line (a time and a level) to count.
            guard (logged != nil && level != nil) || kind == .exitAfterUpdate else { return .unrecognised }
            event.kind = kind
            return .event(event)
        }
        return logged != nil && level != nil ? .other : .unrecognised
    }

    static let updatedPrefix = "cloudflared has been updated to version"

    static func kind(message: String, error: String?) -> TunnelEventKind? {
        switch message {
        case "Connection terminated": return .connectionTerminated
        case "Lost connection with the edge", "failed to serve tunnel connection", "Serve tunnel error":
            return .connectionLost
        case "Unable to establish connection.", "Unable to establish connection with Cloudflare edge",
            "Failed to dial a quic connection", "initial tunnel connection failed":
            return .connectFailed
        case "Registered tunnel connection": return .registered
        case "Unregistered tunnel connection": return .unregistered
        case "Tunnel server stopped", "no more connections active and exiting": return .stopped
        case "Starting tunnel": return .starting
        case "cloudflared has been updated": return .updated
        case "Initiating shutdown":
            return error?.hasPrefix(updatedPrefix) == true ? .exitAfterUpdate : .shuttingDown
        default:
            if message.hasPrefix("Retrying connection in up to ")
                || message.hasPrefix("Restarting connection due to reconnect signal in ")
            {
                return .retrying
            }
            if message.hasPrefix("Initiating graceful shutdown due to signal ") { return .shuttingDown }
            if message.hasPrefix(updatedPrefix + " ") { return .exitAfterUpdate }
            return nil
        }
    }

    /// Splits `message key=value key="quoted value" ...` at the first field. zerolog writes the message,
    /// then the fields sorted by key with `error` first, each ` key=value`, the value Go-quoted
    /// (`strconv.Quote`) when it has a space, a quote, a backslash or a non-printable byte.
    static func splitFields(_ s: Substring) -> (String, [TunnelLogField]) {
        var fields: [TunnelLogField] = []
        // Find the first ` key=` (or `key=` at the start) where key is an identifier.
        var messageEnd = s.endIndex
        var i = s.startIndex
        var tokenStart = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if c == " " {
                tokenStart = s.index(after: i)
            } else if c == "=", i > tokenStart, isKey(s[tokenStart..<i]) {
                messageEnd = tokenStart
                break
            }
            i = s.index(after: i)
        }
        let message = String(s[s.startIndex..<messageEnd]).trimmingTrailingSpaces()
        var rest = s[messageEnd...]
        while !rest.isEmpty {
            skipSpaces(&rest)
            guard let eq = rest.firstIndex(of: "="), isKey(rest[rest.startIndex..<eq]) else { break }
            let key = String(rest[rest.startIndex..<eq])
            rest = rest[rest.index(after: eq)...]
            if rest.first == "\"", let (value, after) = goQuoted(rest) {
                fields.append(TunnelLogField(key: key, value: value))
                rest = after
            } else {
                let end = rest.firstIndex(of: " ") ?? rest.endIndex
                fields.append(TunnelLogField(key: key, value: String(rest[rest.startIndex..<end])))
                rest = rest[end...]
            }
        }
        return (message, fields)
    }

    static func isKey(_ s: Substring) -> Bool {
        guard let f = s.first, f.isASCII, f.isLetter || f == "_" else { return false }
        return s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "-") }
    }

    /// A Go double-quoted string at the start of `s`: its value and what follows.
    static func goQuoted(_ s: Substring) -> (String, Substring)? {
        var out = ""
        var i = s.index(after: s.startIndex)
        while i < s.endIndex {
            let c = s[i]
            if c == "\"" { return (out, s[s.index(after: i)...]) }
            if c == "\\" {
                let n = s.index(after: i)
                guard n < s.endIndex else { return nil }
                switch s[n] {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "r": out.append("\r")
                case "\"": out.append("\"")
                case "\\": out.append("\\")
                default:
                    out.append("\\")
                    out.append(s[n])  // \xNN, \u....: kept as written
                }
                i = s.index(after: n)
                continue
            }
            out.append(c)
            i = s.index(after: i)
        }
        return nil
    }

    static func skipSpaces(_ s: inout Substring) {
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
    }

    static func stripANSI(_ s: Substring) -> String {
        guard s.contains("\u{1B}") else { return String(s) }
        var out = ""
        var i = s.startIndex
        while i < s.endIndex {
            if s[i] == "\u{1B}", s.index(after: i) < s.endIndex, s[s.index(after: i)] == "[" {
                var j = s.index(i, offsetBy: 2)
                while j < s.endIndex, !(s[j].isLetter) { j = s.index(after: j) }
                i = j < s.endIndex ? s.index(after: j) : j
                continue
            }
            out.append(s[i])
            i = s.index(after: i)
        }
        return out
    }

    /// An RFC 3339 time at the start of `s` (`2026-06-10T21:10:03Z`, `...03.123456789Z`,
    /// `...03+02:00`), as microseconds since the epoch, and the rest of `s`.
    public static func leadingTime(_ s: Substring) -> (UInt64, Substring)? {
        let u = Array(s.utf8.prefix(40))
        func num(_ at: Int, _ n: Int) -> Int? {
            guard at + n <= u.count else { return nil }
            var v = 0
            for k in at..<at + n {
                guard u[k] >= 48, u[k] <= 57 else { return nil }
                v = v * 10 + Int(u[k] - 48)
            }
            return v
        }
        guard let y = num(0, 4), u.count > 19, u[4] == 45, let mo = num(5, 2), u[7] == 45, let d = num(8, 2),
            u[10] == 84 || u[10] == 116, let h = num(11, 2), u[13] == 58, let mi = num(14, 2), u[16] == 58,
            let sec = num(17, 2), (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, sec < 61
        else { return nil }
        var i = 19
        var micros = 0
        if i < u.count, u[i] == 46 {
            i += 1
            var digits = 0
            while i < u.count, u[i] >= 48, u[i] <= 57 {
                if digits < 6 { micros = micros * 10 + Int(u[i] - 48) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 6) { micros *= 10 }
        }
        var offset = 0
        guard i < u.count else { return nil }
        if u[i] == 90 || u[i] == 122 {
            i += 1
        } else if u[i] == 43 || u[i] == 45, let oh = num(i + 1, 2), i + 3 < u.count, u[i + 3] == 58,
            let om = num(i + 4, 2)
        {
            offset = (u[i] == 43 ? 1 : -1) * (oh * 3600 + om * 60)
            i += 6
        } else {
            return nil
        }
        let secs = CivilTime.epochSeconds(year: y, month: mo, day: d, hour: h, minute: mi, second: sec) - offset
        guard secs >= 0, i == u.count || u[i] == 32 || u[i] == 9 else { return nil }
        let rest = s[s.utf8.index(s.startIndex, offsetBy: i)...]
        return (UInt64(secs) * 1_000_000 + UInt64(micros), rest)
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var s = self[...]
        while let l = s.last, l == " " { s = s.dropLast() }
        return String(s)
    }
}
