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

    func event(_ e: JournalEntry) -> Event {
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
        let m = DispatchParser.parse(e.message, dispatchPort: dispatchPort)
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
