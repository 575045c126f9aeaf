/// The kinds of line t3-dispatch writes (field guide 2.1).
public enum DispatchKind: String, Sendable, Codable, CaseIterable {
    case proxyError = "proxy_error"
    case wsOpen = "ws_open"
    case wsClose = "ws_close"
    case listening
    case paired
    case pairingFailed = "pairing_failed"
    case tableReloadFailed = "table_reload_failed"
    case other
    /// `load <file>: <err>`: the table failed to load at start, `log.Fatalf` (exit 1).
    case startFailed = "start_failed"
    /// `listen tcp :3780: ...`: `ListenAndServe` failed (port in use), `log.Fatal` (exit 1).
    case listenFailed = "listen_failed"
    /// `panic: ...` or `fatal error: ...`: Go's runtime died (on stderr, no log prefix).
    case panic

    /// A line the dispatch writes as it dies (infra `scripts/t3-dispatch/main.go`,
    /// `main`: `log.Fatalf("load %s: %v")`, `log.Fatal(http.ListenAndServe(...))`).
    public var isFatal: Bool { self == .startFailed || self == .listenFailed || self == .panic }
}

/// How a `ws close` line says the socket ended.
public enum WSCause: Sendable, Equatable {
    case graceful
    case downstreamClosed
    case upstreamClosed
    /// A raw Go error text, classified like a proxy error.
    case error(GoErrorInfo)

    public var eventClass: EventClass {
        switch self {
        case .graceful: .graceful
        case .downstreamClosed: .downstreamClosed
        case .upstreamClosed: .upstreamClosed
        case .error(let info): .error(info.errorClass)
        }
    }
}

/// One parsed t3-dispatch MESSAGE.
public struct DispatchMessage: Sendable, Equatable {
    public var kind: DispatchKind
    /// Go's `YYYY/MM/DD HH:MM:SS` prefix as µs since the epoch (UTC on devvm).
    public var sourceTime: UInt64?
    /// Proxy errors and raw `ws close` causes: the Go error's class.
    public var error: GoErrorInfo? {
        get { boxedError?.value }
        set { boxedError = newValue.map(Boxed.init) }
    }
    public var wsCause: WSCause? {
        get { boxedCause?.value }
        set {
            // The three plain causes share one box each: most closes have one.
            switch newValue {
            case .graceful?: boxedCause = Self.graceful
            case .downstreamClosed?: boxedCause = Self.downstreamClosed
            case .upstreamClosed?: boxedCause = Self.upstreamClosed
            default: boxedCause = newValue.map(Boxed.init)
            }
        }
    }
    private static let graceful = Boxed(WSCause.graceful)
    private static let downstreamClosed = Boxed(WSCause.downstreamClosed)
    private static let upstreamClosed = Boxed(WSCause.upstreamClosed)
    // On the heap: most lines have neither, and this record is copied per line.
    private var boxedError: Boxed<GoErrorInfo>?
    private var boxedCause: Boxed<WSCause>?
    public var user: String?
    public var ip: String?
    public var durationMs: UInt64?
    /// The raw `cause=` value, or the error text of a proxy error / pairing failure.
    public var detail: String?

    public init(kind: DispatchKind, sourceTime: UInt64? = nil) {
        self.kind = kind
        self.sourceTime = sourceTime
    }

    /// The class printed for this line: the Go error class for proxy errors,
    /// the cause for `ws close`, nil for the other kinds.
    public var eventClass: EventClass? {
        switch kind {
        case .proxyError: error.map { .error($0.errorClass) }
        case .wsClose: wsCause?.eventClass
        default: nil
        }
    }

    public var side: Side {
        switch kind {
        case .proxyError: return error?.side ?? .unknown
        case .wsClose:
            switch wsCause {
            case .downstreamClosed: return .downstream
            case .upstreamClosed: return .upstream
            case .error(let info): return info.side
            case .graceful, nil: return .unknown
            }
        default: return .unknown
        }
    }

    /// The serve port named by the line's text, if any.
    public var port: Int? { error?.port }
}

public enum DispatchParser {
    /// Parses a t3-dispatch MESSAGE. Never fails: anything unrecognised is
    /// `.other`, and a line without Go's prefix is still parsed by its text.
    public static func parse(_ m: [UInt8], dispatchPort: Int = GoError.defaultDispatchPort) -> DispatchMessage {
        var start = 0
        let ts = parseGoPrefix(m)
        if let ts { start = ts.end }
        let time = ts?.usec
        let rest = m[start...]
        var msg = DispatchMessage(kind: .other, sourceTime: time)

        if rest.hasPrefix("http: proxy error: ", at: start) {
            let err = rest[(start + 19)...]
            msg.kind = .proxyError
            msg.error = GoError.classify(err, dispatchPort: dispatchPort)
            msg.detail = text(err)
        } else if rest.hasPrefix("ws close ", at: start) || rest.hasPrefix("ws open ", at: start) {
            let isClose = rest.hasPrefix("ws close ", at: start)
            msg.kind = isClose ? .wsClose : .wsOpen
            let fields = parseWSFields(rest[(start + (isClose ? 9 : 8))...], isClose: isClose)
            msg.user = fields.user.map(text)
            msg.ip = fields.ip.map(text)
            if isClose {
                if let d = fields.durMs { msg.durationMs = parseUInt(d) }
                if let cause = fields.cause {
                    msg.detail = text(cause)
                    if cause.isExactly("graceful") {
                        msg.wsCause = .graceful
                    } else if cause.isExactly("downstream_closed") {
                        msg.wsCause = .downstreamClosed
                    } else if cause.isExactly("upstream_closed") {
                        msg.wsCause = .upstreamClosed
                    } else {
                        let info = GoError.classify(cause, dispatchPort: dispatchPort)
                        msg.error = info
                        msg.wsCause = .error(info)
                    }
                }
            }
        } else if rest.hasPrefix("t3-dispatch listening on ", at: start) {
            msg.kind = .listening
        } else if rest.hasPrefix("paired ", at: start) {
            msg.kind = .paired
            msg.user = parseKeyValues(rest[(start + 7)...])["user"].map(text)
        } else if let failure = pairingFailure(rest, from: start) {
            msg.kind = .pairingFailed
            msg.user = failure.user
            msg.detail = failure.detail
        } else if rest.hasPrefix("reload ", at: start) || rest.hasPrefix("load ", at: start),
            let sep = rest.firstRange(of: ": ", from: start)
        {
            msg.kind = rest.hasPrefix("load ", at: start) ? .startFailed : .tableReloadFailed
            msg.detail = text(rest[sep.upperBound...])
        } else if rest.hasPrefix("listen tcp ", at: start) || rest.hasPrefix("listen tcp4 ", at: start) || rest.hasPrefix("listen tcp6 ", at: start) {
            msg.kind = .listenFailed
            msg.detail = text(rest[start...])
        } else if ts == nil, rest.hasPrefix("panic: ", at: start) || rest.hasPrefix("fatal error: ", at: start) {
            msg.kind = .panic
            msg.detail = text(rest[start...])
        }
        return msg
    }

    /// Whether `parse` makes `m` a `ws open` line: after Go's prefix (if
    /// any) it starts with `ws open ` (no other kind starts so).
    public static func isWSOpen(_ m: [UInt8]) -> Bool {
        m[...].hasPrefix("ws open ", at: parseGoPrefix(m)?.end ?? 0)
    }

    /// `mint for U failed: E`, `pairing exchange for U failed: E`,
    /// `pairing for U returned CODE (endpoint=P)`.
    static func pairingFailure(_ rest: ArraySlice<UInt8>, from start: Int) -> (user: String, detail: String)? {
        for (prefix, len) in [("mint for ", 9), ("pairing exchange for ", 21)] as [(StaticString, Int)]
        where rest.hasPrefix(prefix, at: start) {
            let uStart = start + len
            guard let f = rest.firstRange(of: " failed: ", from: uStart) else { return nil }
            return (text(rest[uStart..<f.lowerBound]), text(rest[f.upperBound...]))
        }
        if rest.hasPrefix("pairing for ", at: start) {
            let uStart = start + 12
            guard let r = rest.firstRange(of: " returned ", from: uStart) else { return nil }
            return (text(rest[uStart..<r.lowerBound]), "returned " + text(rest[r.upperBound...]))
        }
        return nil
    }

    /// The fields of a `ws open` / `ws close` line, read from the fixed format
    /// the dispatch writes (infra `scripts/t3-dispatch/main.go`:
    /// `log.Printf("ws open user=%s ip=%s", ...)` and
    /// `log.Printf("ws close user=%s ip=%s dur_ms=%d cause=%s", ...)`): `user=`
    /// first, up to the first ` ip=` (an OS user name has no spaces); `ip=` is
    /// the raw X-Forwarded-For header (client-controlled), so for a close it
    /// runs up to the LAST ` dur_ms=<digits> cause=` and for an open to the
    /// end of the line. Nothing the client puts in the header can change the
    /// user, the duration or the cause. A line not in that shape has no user.
    static func parseWSFields(_ s: ArraySlice<UInt8>, isClose: Bool) -> KeyValues {
        var out = KeyValues()
        guard s.hasPrefix("user=", at: s.startIndex) else { return out }
        let uStart = s.startIndex + 5
        let ipStart: Int
        if let ipKey = s.firstRange(of: " ip=", from: uStart) {
            guard ipKey.lowerBound > uStart else { return out }
            out.user = s[uStart..<ipKey.lowerBound]
            ipStart = ipKey.upperBound
            guard isClose else {
                out.ip = s[ipStart...]
                return out
            }
        } else {
            // No ip: the user runs to the first space (or the end).
            let end = s[uStart...].firstIndex(of: UInt8(ascii: " ")) ?? s.endIndex
            if end > uStart { out.user = s[uStart..<end] }
            guard isClose else { return out }
            ipStart = end
        }
        let hasIP = out.user != nil && ipStart > uStart && s[ipStart - 1] == UInt8(ascii: "=")
        // The last " dur_ms=<digits> cause=" at or after the ip's start.
        let marker = durMsMarker
        var i = s.endIndex - marker.count
        while i >= ipStart {
            if s[i] == UInt8(ascii: " "), s[i..<(i + marker.count)].elementsEqual(marker) {
                var d = i + marker.count
                let dStart = d
                while d < s.endIndex, isDigit(s[d]) { d += 1 }
                if d > dStart, s.hasPrefix(" cause=", at: d) {
                    if hasIP { out.ip = s[ipStart..<i] }
                    out.durMs = s[dStart..<d]
                    out.cause = s[(d + 7)...]
                    return out
                }
            }
            i -= 1
        }
        if hasIP { out.ip = s[ipStart...] }
        return out
    }

    private static let durMsMarker = Array(" dur_ms=".utf8)

    /// The fields of a `ws open`/`ws close`/`paired` line.
    struct KeyValues {
        var user: ArraySlice<UInt8>?
        var ip: ArraySlice<UInt8>?
        var durMs: ArraySlice<UInt8>?
        var cause: ArraySlice<UInt8>?

        subscript(key: String) -> ArraySlice<UInt8>? {
            switch key {
            case "user": user
            case "ip": ip
            case "dur_ms": durMs
            case "cause": cause
            default: nil
            }
        }
    }

    /// Splits `user=a ip=1.2.3.4, 10.0.0.1 dur_ms=5 cause=read tcp ...` by the
    /// known keys. A value runs to the next ` key=` of a known key; `cause`
    /// runs to the end of the line (it is the last key and may hold spaces and
    /// `=`). The first occurrence of a duplicated key wins.
    static func parseKeyValues(_ s: ArraySlice<UInt8>) -> KeyValues {
        // Key ids: 0 user, 1 ip, 2 dur_ms, 3 cause, 4 other known keys.
        func keyAt(_ i: Int) -> (id: Int, valueStart: Int)? {
            func match(_ k: StaticString) -> Int? {
                let n = k.utf8CodeUnitCount
                guard i + n < s.endIndex, s[i + n] == UInt8(ascii: "="), s.hasPrefix(k, at: i) else { return nil }
                return i + n + 1
            }
            switch s[i] {
            case UInt8(ascii: "u"): if let v = match("user") { return (0, v) }
            case UInt8(ascii: "i"): if let v = match("ip") { return (1, v) }
            case UInt8(ascii: "d"): if let v = match("dur_ms") { return (2, v) }
            case UInt8(ascii: "c"): if let v = match("cause") { return (3, v) }
            case UInt8(ascii: "e"): if let v = match("endpoint") { return (4, v) }
            case UInt8(ascii: "f"): if let v = match("fallback") { return (4, v) }
            default: break
            }
            return nil
        }
        var out = KeyValues()
        var current: (id: Int, valueStart: Int)?
        func close(_ end: Int) {
            guard let c = current else { return }
            var e = end
            if e > c.valueStart, e < s.endIndex, s[e - 1] == UInt8(ascii: " ") { e -= 1 }
            let v = s[c.valueStart..<max(e, c.valueStart)]
            switch c.id {
            case 0: if out.user == nil { out.user = v }
            case 1: if out.ip == nil { out.ip = v }
            case 2: if out.durMs == nil { out.durMs = v }
            case 3: if out.cause == nil { out.cause = v }
            default: break
            }
        }
        var i = s.startIndex
        while i < s.endIndex {
            if i == s.startIndex || s[i - 1] == UInt8(ascii: " "), let k = keyAt(i) {
                close(i)
                current = k
                if k.id == 3 { break }  // cause runs to the end
                i = k.valueStart
                continue
            }
            i += 1
        }
        close(s.endIndex)
        return out
    }

    /// Go's `log` default prefix `YYYY/MM/DD HH:MM:SS ` (optionally with
    /// `.uuuuuu`), read as UTC. Returns the time and the index after the space.
    public static func parseGoPrefix(_ m: [UInt8], utcOffsetSeconds: Int = 0) -> (usec: UInt64, end: Int)? {
        guard m.count >= 20 else { return nil }
        func num(_ a: Int, _ n: Int) -> Int? {
            var v = 0
            for k in a..<(a + n) {
                guard isDigit(m[k]) else { return nil }
                v = v * 10 + Int(m[k] - 0x30)
            }
            return v
        }
        guard m[4] == UInt8(ascii: "/"), m[7] == UInt8(ascii: "/"), m[10] == UInt8(ascii: " "),
            m[13] == UInt8(ascii: ":"), m[16] == UInt8(ascii: ":"),
            let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2),
            let h = num(11, 2), let mi = num(14, 2), let s = num(17, 2),
            (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61
        else { return nil }
        var idx = 19
        var micros = 0
        if m[idx] == UInt8(ascii: ".") {
            var digits = 0
            idx += 1
            while idx < m.count, isDigit(m[idx]) {
                if digits < 6 { micros = micros * 10 + Int(m[idx] - 0x30) }
                digits += 1
                idx += 1
            }
            for _ in min(digits, 6)..<6 { micros *= 10 }
        }
        guard idx < m.count, m[idx] == UInt8(ascii: " ") else { return nil }
        let secs = CivilTime.epochSeconds(year: y, month: mo, day: d, hour: h, minute: mi, second: s) - utcOffsetSeconds
        guard secs >= 0 else { return nil }
        return (UInt64(secs) * 1_000_000 + UInt64(micros), idx + 1)
    }
}

/// Calendar arithmetic without Foundation (proleptic Gregorian, UTC).
public enum CivilTime {
    /// Days since 1970-01-01 for a civil date (Howard Hinnant's algorithm).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    public static func epochSeconds(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Int {
        daysFromCivil(year: year, month: month, day: day) * 86400 + hour * 3600 + minute * 60 + second
    }

    /// (year, month, day, hour, minute, second) of an epoch second, UTC.
    public static func civil(fromEpochSeconds t: Int) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        let days = t >= 0 ? t / 86400 : (t - 86399) / 86400
        let secs = t - days * 86400
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (y, m, d, secs / 3600, (secs % 3600) / 60, secs % 60)
    }
}

/// A value kept on the heap, so that the rare, large parts of a line's
/// record stay out of the structs copied once per line (issue 16).
final class Boxed<Value: Sendable & Equatable>: Sendable, Equatable {
    let value: Value
    init(_ value: Value) { self.value = value }
    static func == (a: Boxed, b: Boxed) -> Bool { a === b || a.value == b.value }
}
