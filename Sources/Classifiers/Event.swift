/// A journal entry after classification: what happened, to whom, when.
/// Everything the renderers print comes from here.
public struct Event: Sendable, Equatable {
    /// journald's receive time (µs) and the writer's own time when known.
    public var realtime: UInt64
    public var writtenAt: UInt64
    public var cursor: String
    public var bootID: String
    /// The unit the entry is about (`journalctl -u` sense).
    public var unit: String?
    public var kind: EventKind
    public var user: String?
    public var port: Int?
    public var className: EventClass?
    public var side: Side
    public var durationMs: UInt64?
    public var message: [UInt8]
    /// The parsed dispatch line, for dispatch entries.
    public var dispatch: DispatchMessage?
    /// What a non-dispatch source said (serve, systemd, kernel, scripts).
    public var signal: Signal? {
        get { boxedSignal?.value }
        set { boxedSignal = newValue.map(Boxed.init) }
    }
    // On the heap (8 bytes, not 49): a week's report keeps 100,000 dispatch
    // events, none of which has a signal (issue 16).
    private var boxedSignal: Boxed<Signal>?
    /// `_HOSTNAME`: which machine of a fleet the entry came from.
    public var host: String?
    /// When `user` came from a port several users claim: all of them (`user` first).
    public var userCandidates: [String] = []
    /// `_PID` of the writer (a dispatch line: which dispatch process; with
    /// `bootID`, it decides the era of its proxy errors).
    public var pid: Int?

    public init(
        realtime: UInt64, writtenAt: UInt64, cursor: String = "", bootID: String = "", unit: String?,
        kind: EventKind, user: String? = nil, port: Int? = nil, className: EventClass? = nil,
        side: Side = .unknown, durationMs: UInt64? = nil, message: [UInt8], dispatch: DispatchMessage? = nil
    ) {
        self.realtime = realtime
        self.writtenAt = writtenAt
        self.cursor = cursor
        self.bootID = bootID
        self.unit = unit
        self.kind = kind
        self.user = user
        self.port = port
        self.className = className
        self.side = side
        self.durationMs = durationMs
        self.message = message
        self.dispatch = dispatch
    }

    /// The writer's second: the burst key (Go's prefix has whole seconds).
    public var writtenSecond: UInt64 { writtenAt / 1_000_000 }

    /// The user, or `port:<n>` when only the port is known (no map names it):
    /// how incidents and bursts list whose drop it was, as the drop rows do.
    public var userOrPort: String? { user ?? port.map { "port:\($0)" } }

    /// MESSAGE as text (invalid UTF-8 becomes U+FFFD).
    public var messageText: String { String(decoding: message, as: UTF8.self) }
}

/// Turns entries selected by the dispatch unit (`journalctl -u` sense) into events.
public struct DispatchClassifier: Sendable {
    public var portMap: PortMap
    public var dispatchPort: Int

    public init(portMap: PortMap = PortMap(), dispatchPort: Int = GoError.defaultDispatchPort) {
        self.portMap = portMap
        self.dispatchPort = dispatchPort
    }

    /// The kinds `t3attr dispatch` lists by default: the drop-relevant ones.
    public static let dropRelevantKinds: Set<EventKind> = [
        .proxyError, .wsClose, .listening, .pairingFailed, .tableReloadFailed, .startFailed, .listenFailed, .panic,
    ]

    /// The event of an entry (the cursor is the entry's own).
    public func classify(_ e: JournalEntry) -> Event { event(e) }

    /// Whether the entry is a `ws open` line, known from its first bytes:
    /// `classify` would make it a `wsOpen` event, which `dispatch` lists
    /// only with `--all`. A listing skips building it (issue 16: two lines
    /// in five of a week's dispatch unit).
    public func isWSOpen(_ e: JournalEntry) -> Bool {
        guard e.pid != 1, e.messageID != MessageID.coredump else { return false }
        return DispatchParser.isWSOpen(e.message)
    }

    /// The event of an entry if `keep` accepts it, with its cursor when
    /// `wantsCursor` says it will be printed (the cursor is fetched only then).
    public func classify(
        _ e: JournalEntry, cursor: () -> String, where wantsCursor: (Event) -> Bool = { _ in true },
        keep: (Event) -> Bool
    ) -> Event? {
        // A `let` goes to the closures as it is; a `var` would be copied
        // for each call (issue 16: two copies of every line's event).
        let ev = event(e)
        guard keep(ev) else { return nil }
        guard wantsCursor(ev) else { return ev }
        var out = consume ev
        out.cursor = cursor()
        return out
    }

    /// What a dispatch line is to the attribution: an event, or a mark.
    public enum Line: Sendable {
        case event(Event)
        case mark(DispatchMark)
    }

    /// The entry as `event` makes it, except the lines the attribution uses
    /// only for their time and process (`DispatchMark.isMark`): those become
    /// marks, without an event (issue 16: three dispatch lines in five). An
    /// event gets its cursor.
    public func line(_ e: JournalEntry, cursor: () -> String) -> Line {
        guard e.pid != 1, e.messageID != MessageID.coredump else {
            var ev = event(e)
            ev.cursor = cursor()
            return .event(ev)
        }
        let m = DispatchParser.parse(e.message, dispatchPort: dispatchPort)
        guard DispatchMark.isMark(m.kind) else {
            var ev = event(e, parsed: m)
            ev.cursor = cursor()
            return .event(ev)
        }
        return .mark(
            DispatchMark(
                realtime: e.realtime, prefixTime: e.sourceRealtime == nil ? m.sourceTime : nil, bootID: e.bootID,
                host: e.hostname, unit: e.aboutUnit, pid: e.pid, kind: m.kind, user: m.user))
    }

    func event(_ e: JournalEntry, parsed: consuming DispatchMessage? = nil) -> Event {
        var ev = Event(
            realtime: e.realtime, writtenAt: e.writtenAt, cursor: e.cursor, bootID: e.bootID,
            unit: e.aboutUnit, kind: .other, message: e.message)
        ev.host = e.hostname
        ev.pid = e.pid
        if e.pid == 1 {
            ev.kind = .systemd
            return ev
        }
        if e.messageID == MessageID.coredump {
            ev.kind = .coredump
            return ev
        }
        let m = parsed ?? DispatchParser.parse(e.message, dispatchPort: dispatchPort)
        ev.kind = EventKind(m.kind)
        if let t = m.sourceTime, e.sourceRealtime == nil { ev.writtenAt = t }
        ev.className = m.eventClass
        ev.side = m.side
        ev.port = m.port
        ev.durationMs = m.durationMs
        ev.user = m.user ?? portMap.user(forPort: m.port)
        if m.user == nil { ev.userCandidates = portMap.claimants(forPort: m.port) }
        if ev.port == nil, let u = m.user { ev.port = portMap.port(forUser: u) }
        // Last, and moved: the parsed line is not copied.
        ev.dispatch = consume m
        return ev
    }
}

/// A dispatch line the attribution uses only for when it was read, which
/// process wrote it and (a `ws open`) whose socket it opened: a `ws open`, a
/// pairing, a line of no known kind. `Attributor.add(_:)` does with it what
/// it does with the line's event.
public struct DispatchMark: Sendable, Equatable {
    /// Whether lines of kind `k` make marks.
    public static func isMark(_ k: DispatchKind) -> Bool {
        switch k {
        case .wsOpen, .paired, .other: true
        default: false
        }
    }

    public var realtime: UInt64
    /// The Go prefix's time when the process's clock offset applies to the
    /// line (`EventStream.Preclassified.dispatchLine`), else nil.
    public var prefixTime: UInt64?
    public var bootID: String
    public var host: String?
    /// The unit the entry is about (`Event.unit`).
    public var unit: String?
    public var pid: Int?
    public var kind: DispatchKind
    /// The user the line names (a `ws open`'s `user=`).
    public var user: String?

    public init(
        realtime: UInt64, prefixTime: UInt64?, bootID: String, host: String?, unit: String?, pid: Int?, kind: DispatchKind,
        user: String?
    ) {
        self.realtime = realtime
        self.prefixTime = prefixTime
        self.bootID = bootID
        self.host = host
        self.unit = unit
        self.pid = pid
        self.kind = kind
        self.user = user
    }

    /// The mark of a dispatch line's event (`DispatchClassifier.line` makes
    /// the same from the entry), nil for an event of another kind.
    public init?(_ ev: Event) {
        guard let d = ev.dispatch, Self.isMark(d.kind) else { return nil }
        self.init(
            realtime: ev.realtime, prefixTime: nil, bootID: ev.bootID, host: ev.host, unit: ev.unit, pid: ev.pid,
            kind: d.kind, user: d.user)
    }
}
