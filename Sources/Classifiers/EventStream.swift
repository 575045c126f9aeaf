/// Which units and identifiers hold which source.
public struct SourceConfig: Sendable {
    public var dispatchUnits: Set<String>
    public var serveUnits: Set<String>
    public var scriptTags: Set<String>
    public var earlyoomUnit: String
    public var dispatchPort: Int
    public var portMap: PortMap
    /// How serve unit names carry their user (`--serve-unit`).
    public var serveNames: ServeUnits

    public init(
        dispatchUnits: Set<String> = ["t3-dispatch.service"], serveUnits: Set<String> = [],
        scriptTags: Set<String> = SourceConfig.defaultScriptTags,
        earlyoomUnit: String = "earlyoom.service", dispatchPort: Int = GoError.defaultDispatchPort,
        portMap: PortMap = PortMap(), serveNames: ServeUnits = .default
    ) {
        self.dispatchUnits = dispatchUnits
        self.serveUnits = serveUnits
        self.scriptTags = scriptTags
        self.earlyoomUnit = earlyoomUnit
        self.dispatchPort = dispatchPort
        self.portMap = portMap
        self.serveNames = serveNames
    }

    /// `t3-provision-users` is the unit infra's scripts/t3-provision-users.service
    /// runs (as root, stdout only): its `t3-serve DISABLED` stop is trusted by that unit.
    public static let defaultScriptTags: Set<String> = ["t3-watchdog", "t3-autoupdate", "t3-migrate-idle", "t3-provision-users"]

    func isServe(_ unit: String?) -> Bool {
        guard let unit else { return false }
        return serveUnits.contains(unit) || (serveUnits.isEmpty && serveNames.looksLikeServe(unit))
    }

    /// earlyoom's identifier when it logs as root outside its unit.
    public static let earlyoomIdentifier = "earlyoom"

    /// The script tag an entry speaks for, decided by what journald itself
    /// records (`_SYSTEMD_UNIT`, `_UID`), never by `SYSLOG_IDENTIFIER` alone,
    /// which any process sets: the script's own unit (`<tag>.service`, both
    /// its logger and its stdout copies), or root logging under the tag (the
    /// script run by hand, or from another root unit such as
    /// `t3-provision-users.service`).
    public func trustedScriptTag(_ e: JournalEntry) -> String? {
        // Byte-wise: String.hasSuffix compares Unicode, and this runs for every dispatch line.
        if let u = e.systemdUnit, u.utf8.count > 8, u.utf8.suffix(8).elementsEqual(".service".utf8) {
            // Compared in place: this runs for every line of every unit.
            let n = u.utf8.count - 8
            for t in scriptTags where t.utf8.count == n && u.utf8.starts(with: t.utf8) { return t }
        }
        if e.uid == 0, let tag = e.syslogIdentifier, scriptTags.contains(tag) { return tag }
        return nil
    }

    /// earlyoom speaks from its own unit (it runs with `DynamicUser=`, so
    /// not as root) or as root under its identifier.
    public func isTrustedEarlyoom(_ e: JournalEntry) -> Bool {
        e.systemdUnit == earlyoomUnit || (e.uid == 0 && e.syslogIdentifier == Self.earlyoomIdentifier)
    }
}

/// A dispatch process whose Go log prefix is not UTC (issue 13, section 7).
public struct LocalTimeOffset: Sendable, Equatable {
    public var host: String?
    public var pid: Int?
    /// Local time minus UTC, a whole number of quarter-hours.
    public var seconds: Int
    /// journald's receive time of its first line.
    public var firstSeen: UInt64
}

/// Turns time-ordered journal entries from every source into typed events:
/// one per logical line. It folds the host scripts' doubled lines (logger and
/// stdout) and the kernel's two lines per OOM kill into one event each.
public struct EventStream: Sendable {
    public var config: SourceConfig
    private var dispatch: DispatchClassifier
    private var recentScriptLines: [String: UInt64] = [:]
    private var recentOOMPids: [Int: UInt64] = [:]
    /// Lines folded into an earlier event (the scripts' second copies, ...).
    public private(set) var folded = 0
    /// Go's log prefix is the dispatch process's local time (issue 13, section 7):
    /// the offset of each process (host, boot, `_PID`) from journald's UTC
    /// receive time, in µs, decided on its first line.
    private var goClockOffsets: [String: Int64] = [:]
    /// The process of the last dispatch line and its offset.
    private var lastClock: (host: String?, boot: String, pid: Int?, offset: Int64)?
    /// The dispatch processes whose clock was not UTC, in order of appearance.
    public private(set) var localTimeOffsets: [LocalTimeOffset] = []

    /// Within this many µs a repeated script line or OOM pid is the same event.
    public static let foldWindow: UInt64 = 10_000_000

    public init(config: SourceConfig) {
        self.config = config
        self.dispatch = DispatchClassifier(portMap: config.portMap, dispatchPort: config.dispatchPort)
    }

    /// The event an entry makes, or nil for lines that say nothing t3attr uses
    /// (the cursor is the entry's own).
    public mutating func classify(_ e: JournalEntry) -> Event? { classify(e, cursor: { e.cursor }) }

    /// The event an entry makes, with its cursor (asked for only when the
    /// event can be printed: every signal, and every dispatch line but the
    /// never-printed ws opens, pairings and unrecognised lines), or nil for
    /// lines that say nothing t3attr uses.
    public mutating func classify(_ e: JournalEntry, cursor: () -> String) -> Event? {
        resolve(preclassify(e, cursor: cursor))
    }

    /// What `classify` makes of an entry before the stream's state is
    /// consulted (issue 16: this part runs on the reading threads).
    public enum Preclassified: Sendable {
        /// The entry makes no event.
        case none
        /// The event, final.
        case event(Event)
        /// A dispatch line whose Go prefix gave its write time: the process's
        /// clock offset (state) still applies.
        case dispatchLine(Event)
        /// The stream's state decides (folded script lines and OOM kills).
        case entry(JournalEntry, cursor: String)
        /// A dispatch line that makes a mark, not an event (`preclassify`
        /// with `marks`): for `Attributor.add`; `resolve` notes it and
        /// makes no event.
        case mark(DispatchMark)
    }

    /// Everything of `classify` that does not depend on the lines before:
    /// pure, so a reader thread can do it with a copy of the stream.
    /// With `marks`, a dispatch line `DispatchMark.isMark` names is a
    /// `.mark` (the attribution's dispatch pass: no event to build).
    public func preclassify(_ e: JournalEntry, cursor: () -> String, marks: Bool = false) -> Preclassified {
        func event(_ kind: EventKind, unit: String?, user: String? = nil, signal: Signal? = nil) -> Preclassified {
            var ev = Event(
                realtime: e.realtime, writtenAt: e.writtenAt, cursor: cursor(), bootID: e.bootID,
                unit: unit, kind: kind, user: user, message: e.message)
            ev.signal = signal
            ev.host = e.hostname
            return .event(ev)
        }
        if e.pid == 1 {
            guard let unit = e.unit else { return .none }
            guard config.dispatchUnits.contains(unit) || config.isServe(unit),
                let action = SignalParser.unitAction(e.message, messageID: e.messageID)
            else { return .none }
            let user = config.serveNames.user(in: unit)
            guard case .event(var ev) = event(action.kind, unit: unit, user: user, signal: .unit(action)) else { return .none }
            if let user { ev.port = config.portMap.port(forUser: user) }
            return .event(ev)
        }
        // systemd-coredump runs as root; journalctl -u trusts COREDUMP_UNIT only with _UID=0.
        if e.messageID == MessageID.coredump, e.uid == 0, let unit = e.coredumpUnit {
            guard config.dispatchUnits.contains(unit) || config.isServe(unit) else { return .none }
            return event(UnitAction.coredump.kind, unit: unit, user: config.serveNames.user(in: unit), signal: .unit(.coredump))
        }
        // Only journald writes `_TRANSPORT=driver`: its rate-limit notice about a unit we read.
        if e.transport == "driver", e.messageID == MessageID.journalDropped {
            guard let (n, unit) = SignalParser.suppressed(e.message), config.dispatchUnits.contains(unit) || config.isServe(unit) else {
                return .none
            }
            return event(
                Signal.journalSuppressed(count: n).kind, unit: unit, user: config.serveNames.user(in: unit), signal: .journalSuppressed(count: n))
        }
        if e.transport == "kernel" {
            if let stall = SignalParser.kernelStall(e.message) { return event(stall.kind, unit: nil, signal: stall) }
            guard SignalParser.kernelOOM(e.message) != nil else { return .none }
            return .entry(e, cursor: cursor())
        }
        if config.isTrustedEarlyoom(e) {
            guard let sig = SignalParser.earlyoom(e.message) else { return .none }
            return event(sig.kind, unit: e.systemdUnit, signal: sig)
        }
        if config.trustedScriptTag(e) != nil { return .entry(e, cursor: cursor()) }
        if let u = e.systemdUnit, config.dispatchUnits.contains(u) {
            if marks {
                switch dispatch.line(e, cursor: cursor) {
                case .mark(let m): return .mark(m)
                case .event(let ev): return ev.dispatch?.sourceTime != nil && e.sourceRealtime == nil ? .dispatchLine(ev) : .event(ev)
                }
            }
            guard
                let ev = dispatch.classify(
                    e, cursor: cursor,
                    where: { ev in
                        ev.dispatch.map { $0.kind != .wsOpen && $0.kind != .paired && $0.kind != .other } ?? true
                    }, keep: { _ in true })
            else { return .none }
            return ev.dispatch?.sourceTime != nil && e.sourceRealtime == nil ? .dispatchLine(ev) : .event(ev)
        }
        if config.isServe(e.systemdUnit) {
            guard e.message.contains("timed out") else { return .none }
            let user = config.serveNames.user(in: e.systemdUnit)
            let sig = Signal.serveTimeout(TimeoutKind.classify(e.message))
            return event(sig.kind, unit: e.systemdUnit, user: user, signal: sig)
        }
        return .none
    }

    /// Whether a line of a serve's own unit can make an event, from its
    /// MESSAGE and `_UID` alone: only one saying "timed out" does (see
    /// `preclassify`), unless root wrote it (root's lines can speak for the
    /// scripts) or it has no `_UID`.
    public static func serveLineCanMatter(_ message: UnsafeRawBufferPointer, uid: Int?) -> Bool {
        uid == nil || uid == 0 || message.contains("timed out")
    }

    /// The event of a preclassified entry, with the stream's state applied
    /// (in time order: on the thread that attributes).
    public mutating func resolve(_ p: consuming Preclassified) -> Event? {
        resolve(p, mark: { _ in })
    }

    /// `resolve`, with a mark handed to `mark` once the stream noted it.
    public mutating func resolve(_ p: consuming Preclassified, mark: (DispatchMark) -> Void) -> Event? {
        switch consume p {
        case .none: return nil
        case .event(let ev): return ev
        case .dispatchLine(var ev):
            let t = ev.writtenAt
            let offset = goClockOffset(ev, prefix: t)
            if offset != 0 { ev.writtenAt = UInt64(clamping: Int64(clamping: t) - offset) }
            return ev
        case .entry(let e, let cursor): return classifyWithState(e, cursor: cursor)
        case .mark(let m):
            note(m)
            mark(m)
            return nil
        }
    }

    /// A mark's share of the stream's state: the first line of a process
    /// sets its clock offset, as its event would.
    mutating func note(_ m: DispatchMark) {
        if let t = m.prefixTime { _ = goClockOffset(host: m.host, bootID: m.bootID, pid: m.pid, realtime: m.realtime, prefix: t) }
    }

    /// The branches that depend on the lines before: the kernel's OOM kill
    /// (two lines per kill) and the scripts' doubled lines.
    private mutating func classifyWithState(_ e: JournalEntry, cursor: String) -> Event? {
        func event(_ kind: EventKind, unit: String?, user: String? = nil, signal: Signal? = nil) -> Event {
            var ev = Event(
                realtime: e.realtime, writtenAt: e.writtenAt, cursor: cursor, bootID: e.bootID,
                unit: unit, kind: kind, user: user, message: e.message)
            ev.signal = signal
            ev.host = e.hostname
            return ev
        }
        if e.transport == "kernel" {
            guard let sig = SignalParser.kernelOOM(e.message), case .oomKill(let pid, _, let memcg, _, _) = sig else { return nil }
            if let pid {
                if let seen = recentOOMPids[pid], e.realtime >= seen, e.realtime - seen < Self.foldWindow {
                    folded += 1
                    return nil
                }
                if recentOOMPids.count > 1024 { recentOOMPids = recentOOMPids.filter { e.realtime &- $0.value < Self.foldWindow } }
                recentOOMPids[pid] = e.realtime
            }
            let user = config.serveNames.user(inCgroup: memcg)
            return event(sig.kind, unit: user.map { config.serveNames.unit(forUser: $0) }, user: user, signal: sig)
        }
        guard let tag = config.trustedScriptTag(e),
            let (sig, unit) = SignalParser.script(e.message, tag: tag, serveUnits: config.serveNames)
        else { return nil }
        // One logical line, logged twice: keep the first copy.
        var key = text(e.message)
        if key.hasPrefix(tag + ": ") { key.removeFirst(tag.count + 2) }
        key = (e.hostname ?? "") + "\u{0}" + tag + "\u{0}" + key
        // Either copy may carry the earlier time (the logger's has journald's
        // source time, the stdout copy only its receive time).
        if let seen = recentScriptLines[key], (e.writtenAt >= seen ? e.writtenAt - seen : seen - e.writtenAt) < Self.foldWindow {
            folded += 1
            return nil
        }
        if recentScriptLines.count > 1024 {
            recentScriptLines = recentScriptLines.filter { e.writtenAt &- $0.value < Self.foldWindow }
        }
        recentScriptLines[key] = e.writtenAt
        let user = config.serveNames.user(in: unit)
        var ev = event(sig.kind, unit: unit, user: user, signal: sig)
        if case .probeFailed(_, let port) = sig { ev.port = port }
        return ev
    }

    /// The local-time offset of the process that wrote `e` (field guide 6.7):
    /// every zone's offset is whole quarter-hours, and journald receives a
    /// line after it was written, so the offset is the difference of the Go
    /// prefix and the receive time rounded *up* to a quarter-hour (`lagged`):
    /// a stalled host's lines, received minutes late, keep the zone (rounded
    /// to the nearest, an 8-minute freeze at the start of a window made a UTC
    /// dispatch "UTC-00:15"). A process keeps its offset until a line says
    /// otherwise: a later one (a clock set forward, spring's DST), or an
    /// earlier one its line matches to `zoneTolerance` (autumn's DST; a lag
    /// is seldom that close to a whole quarter-hour).
    mutating func goClockOffset(_ e: Event, prefix t: UInt64) -> Int64 {
        goClockOffset(host: e.host, bootID: e.bootID, pid: e.pid, realtime: e.realtime, prefix: t)
    }

    mutating func goClockOffset(host: String?, bootID: String, pid: Int?, realtime: UInt64, prefix t: UInt64) -> Int64 {
        let diff = Int64(clamping: t) - Int64(clamping: realtime)
        let line = Self.lagged(diff)
        // The same process as the line before: most lines are.
        let known: Int64?
        if let last = lastClock, last.pid == pid, last.boot == bootID, last.host == host {
            if line == last.offset { return line }
            known = last.offset
        } else {
            known = goClockOffsets[Self.clockKey(host, bootID, pid)]
            lastClock = known.map { (host, bootID, pid, $0) }
        }
        if let known, line < known, diff < line - Self.zoneTolerance { return known }  // a line received late
        if goClockOffsets.count > 4096 { goClockOffsets.removeAll() }
        goClockOffsets[Self.clockKey(host, bootID, pid)] = line
        lastClock = (host, bootID, pid, line)
        // Noted when not UTC, and when it changes back to UTC (autumn's DST).
        if line != 0 || (known ?? 0) != 0 {
            localTimeOffsets.append(LocalTimeOffset(host: host, pid: pid, seconds: Int(line / 1_000_000), firstSeen: realtime))
        }
        return line
    }

    static func clockKey(_ host: String?, _ bootID: String, _ pid: Int?) -> String {
        (host ?? "") + "\u{0}" + bootID + "\u{0}" + (pid.map(String.init) ?? "")
    }

    /// How close to a whole quarter-hour below the last offset a line must be
    /// to change it (a zone change, not a line received late).
    static let zoneTolerance: Int64 = 120_000_000

    /// `prefix - received` rounded up to a whole quarter-hour, after 5 s for
    /// the prefix's whole seconds and a writer's clock a little ahead: the
    /// zone's offset for every line received within 15 minutes of its writing.
    static func lagged(_ diff: Int64) -> Int64 {
        let quarter: Int64 = 900_000_000
        let d = diff - 5_000_000
        return d >= 0 ? (d + quarter - 1) / quarter * quarter : -((-d) / quarter * quarter)
    }

    /// Port -> user pairs learnt from the watchdog's probe lines.
    public mutating func learn(from ev: Event) {
        if case .probeFailed(_, let port)? = ev.signal, let port, let user = ev.user, config.portMap.user(forPort: port) == nil {
            config.portMap.merge(PortMap([port: user]))
            dispatch.portMap = config.portMap
        }
    }
}
