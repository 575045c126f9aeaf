import Classifiers
import JournalReader

/// `why USER [TIME]` and `report --around TIME` (issue 15, "One user's
/// complaint"): the window asked about, and the wider one that is read so
/// that a drop near its edge keeps the evidence that decides it.
public struct FocusWindow: Sendable, Equatable {
    /// What the operator asked about: only drops in here are shown.
    public var focus: TimeWindow
    /// What is read: `focus` widened by `margin` on both sides.
    public var read: TimeWindow

    /// How far outside the focus evidence can still decide a drop inside
    /// it (µs): the longest correlation window, as `-f` waits for (a
    /// reconnect, serve events, host signals and gaps), plus 5 s.
    public static func margin(_ s: AttributionSettings) -> UInt64 {
        max(s.reconnectWindow, s.serveWindow, s.hostWindow, s.gapThreshold, s.suppressionWindow, s.dispatchRestartWindow) + 5_000_000
    }

    public init(focus: TimeWindow, settings: AttributionSettings) {
        self.focus = focus
        let m = Self.margin(settings)
        read = TimeWindow(since: focus.since.map { $0.subtractingClamped(m) }, until: focus.until.map { $0 &+ m })
    }

    /// Whether a receive time is inside the focus.
    public func contains(_ t: UInt64) -> Bool {
        if let s = focus.since, t < s { return false }
        if let u = focus.until, t > u { return false }
        return true
    }
}

/// Whether a drop is `user`'s: its user, one of the users its port is claimed by,
/// or, for a dispatch restart or outage, a user whose socket it cut.
public func isDrop(_ d: Drop, of user: String) -> Bool { isEvent(d.event, of: user) || d.severed.contains(user) }

/// Whether the event is `user`'s: named by its line or port, one of a port's claimants, or `port:N`.
public func isEvent(_ ev: Event, of user: String) -> Bool {
    ev.user == user || ev.userCandidates.contains(user) || (ev.user == nil && UserDrops.name(ev) == user)
}

/// One thing that happened to the user: the sockets of the user that dropped
/// together (same incident and verdict, each within 2 s of the previous),
/// with the context that decided the verdict. Values only; the renderers word it.
public struct UserDrop: Sendable {
    /// The sockets, in time order (at least one).
    public var drops: [Drop]
    /// Their drop indices in `Attribution.drops`.
    public var indices: [Int]
    /// Distinct `ip=` values of the sockets (client-controlled: devices, not proof).
    public var ips: [String]
    /// From the first socket's close to the user's next `ws open` (any
    /// device) in what was read; nil: not back by the end of the read window.
    public var backAfterMs: UInt64?
    /// Whether "not back" means anything: the drop is a `ws close` (its
    /// dispatch logs `ws` lines) or a `ws open` followed. An old-era proxy
    /// error comes from a dispatch that logs no `ws open`: unknown.
    public var backKnown: Bool
    /// The end of what was read (the window read, or the journal's end when sooner): "not back" is as of then.
    public var readUntil: UInt64?
    public var incident: Incident?
    /// The first socket's evidence, resolved.
    public var evidence: [Evidence]
    /// The user's serve-side events within `--serve-window` of the first socket.
    public var serveEvents: [Event]
    /// Signals not about this user's serve nor t3-dispatch (kernel, earlyoom,
    /// scripts, other serves' timeouts) within `--host-window` before and 5 s after.
    public var hostSignals: [Event]
    /// Journal gaps or reboots in the same stretch.
    public var gaps: [HostGap]
    /// The burst the first socket was part of.
    public var burst: Burst?
    /// Everyone who dropped in the same incident (this user included): user
    /// (or `port:N`, or `(no user)`), sockets; most sockets first.
    public var others: [(user: String, sockets: Int)]

    public var first: Drop { drops[0] }
    public var start: UInt64 { drops[0].event.realtime }
    /// The user's sockets: one per drop, or, for a dispatch restart or outage,
    /// those of the user it cut.
    public var sockets: Int
    public var verdict: Verdict { drops[0].verdict }
    public var reason: Reason { drops[0].reason }
    public var basis: Basis { drops[0].basis }
    public var host: String? { drops[0].event.host }
}

/// What `why` found for one user.
public struct UserDrops: Sendable {
    public var user: String
    public var window: FocusWindow
    public var items: [UserDrop]
    /// No drops: the user's last `ws open`/`ws close` line before the focus ended, if any.
    public var lastSeen: Event?
    /// Users the dispatch named (ws lines) or that dropped, in what was read, sorted.
    public var usersSeen: [String]
    /// Whether the user was seen at all in what was read (ws lines, drops or serve lines).
    public var seen: Bool { usersSeen.contains(user) }

    /// Groups `user`'s drops inside the focus into items and gathers their context.
    public init(
        user: String, window: FocusWindow, report: Report, activity: UserActivity, settings: AttributionSettings,
        dispatchUnits: Set<String> = [], journalEnd: UInt64? = nil
    ) {
        self.user = user
        self.window = window
        let at = report.attribution
        // The end of what was read: the window read, or the journal's last entry
        // when it ends sooner (a window that reaches into the future).
        let readEnd = journalEnd.map { min($0, window.read.until ?? .max) } ?? window.read.until
        var groups: [[Int]] = []
        for (i, d) in at.drops.enumerated() where isDrop(d, of: user) && window.contains(d.event.realtime) {
            // A drop judged by elimination is an incident of its own: the user's
            // sockets that went together are one item all the same.
            if let g = groups.last, let last = g.last.map({ at.drops[$0] }),
                last.incident == d.incident || (last.reason == d.reason && d.reason.isElimination), last.verdict == d.verdict,
                (last.event.host ?? "") == (d.event.host ?? ""),
                d.event.realtime >= last.event.realtime, d.event.realtime - last.event.realtime <= 2_000_000
            {
                groups[groups.count - 1].append(i)
            } else {
                groups.append([i])
            }
        }
        // Looked up once, not per item (a day of one user's drops is
        // thousands of items: each scanned every drop and signal, and `why`
        // over two days took minutes).
        var dropsOfIncident: [Int: [Int]] = [:]
        for k in at.drops.indices { if let id = at.drops[k].incident { dropsOfIncident[id, default: []].append(k) } }
        var incidentByID: [Int: Incident] = [:]
        for i in at.incidents where incidentByID[i.id] == nil { incidentByID[i.id] = i }
        let mine = TimeIndex(
            at.signals.indices.filter { at.signals[$0].user == user || at.signals[$0].userCandidates.contains(user) }, of: at.signals)
        let others = TimeIndex(
            at.signals.indices.filter { k in
                let s = at.signals[k]
                return s.user != user && !s.userCandidates.contains(user) && !dispatchUnits.contains(s.unit ?? "")
                    && (s.user == nil || (s.signal?.isStarvation ?? false) || (s.signal?.isProbeTimeout ?? false))
            }, of: at.signals)
        items = groups.map { g in
            let drops = g.map { at.drops[$0] }
            let d = drops[0]
            let t = d.event.realtime
            let host = d.event.host ?? ""
            var ips: [String] = []
            for x in drops { if let ip = x.event.dispatch?.ip, !ips.contains(ip) { ips.append(ip) } }
            // Back on the same host: a collector's other host may have a user of that name too.
            let back = Self.firstAtOrAfter(t, in: activity.opens[host] ?? []).map { ($0 - t) / 1000 }
            let incident = d.incident.flatMap { incidentByID[$0] }
            let sameHost: (Event) -> Bool = { ($0.host ?? "") == host }
            let serve = mine.events(from: t.subtractingClamped(settings.serveWindow), to: t + settings.serveWindow).filter(sameHost)
            let hostStart = t.subtractingClamped(settings.hostWindow)
            let hostEnd = t + settings.hostAfter
            // Received after `hostEnd`, a signal counts when written within the host window:
            // no later than the longest receive lag after that.
            let hostSignals = others.events(from: hostStart, to: max(hostEnd, t + settings.hostWindow + others.maxLag)).filter {
                sameHost($0)
                    && ($0.realtime <= hostEnd
                        || ($0.writtenAt <= t + settings.hostWindow && $0.writtenAt.subtractingClamped(Attributor.lead(of: $0, settings)) <= hostEnd))
            }
            let gaps = at.gaps.filter { $0.end >= hostStart && $0.start <= hostEnd }
            let burst = d.burstSecond.flatMap { s in at.bursts.first { $0.second == s && ($0.host ?? "") == host } }
            var counts: [String: Int] = [:]
            // A restart's or outage's drop stands for the sockets it cut; one that
            // found none open in what was read counts none (its `listening`
            // line was "(no user) 1").
            func count(_ x: Drop) {
                if x.event.user == nil && x.event.userCandidates.isEmpty && !x.severed.isEmpty {
                    for u in x.severed { counts[u, default: 0] += 1 }
                } else if x.event.user == nil && x.event.userCandidates.isEmpty && x.event.port == nil
                    && (x.trigger == .dispatchRestart || x.trigger == .dispatchOutage)
                {
                    return
                } else {
                    counts[Self.name(x.event), default: 0] += 1
                }
            }
            if let id = d.incident {
                for k in dropsOfIncident[id] ?? [] { count(at.drops[k]) }
            } else {
                for x in drops { count(x) }
            }
            let sockets = drops.reduce(0) { n, x in
                n + (x.event.user == nil && x.event.userCandidates.isEmpty && x.severed.contains(user) ? x.severed.filter { $0 == user }.count : 1)
            }
            let others = counts.map { (user: $0.key, sockets: $0.value) }.sorted { ($1.sockets, $0.user) < ($0.sockets, $1.user) }
            return UserDrop(
                drops: drops, indices: g, ips: ips, backAfterMs: back,
                // A close, or a restart that cut sockets its dispatch had logged opening: "not back" means something.
                backKnown: back != nil || d.event.kind == .wsClose || d.severed.contains(user), readUntil: readEnd,
                incident: incident,
                evidence: at.evidence(d.evidence),
                serveEvents: serve, hostSignals: hostSignals, gaps: gaps, burst: burst, others: others, sockets: sockets)
        }
        lastSeen = activity.lastSeen
        var seen = activity.usersSeen
        for k in at.drops.indices {
            // A drop without a user is named by its port (`port:N`), as it is shown.
            if at.drops[k].event.user != nil || at.drops[k].event.port != nil { seen.insert(Self.name(at.drops[k].event)) }
            for c in at.drops[k].event.userCandidates + at.drops[k].severed { seen.insert(c) }
        }
        for s in at.signals { if let u = s.user { seen.insert(u) } }
        usersSeen = seen.sorted()
    }

    /// A drop's user as the renderers name it: the user, `port:N`, or `(no user)`.
    public static func name(_ ev: Event) -> String { ev.userOrPort ?? "(no user)" }

    /// The first of `sorted` at or after `t`.
    static func firstAtOrAfter(_ t: UInt64, in sorted: [UInt64]) -> UInt64? {
        var lo = 0
        var hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] < t { lo = mid + 1 } else { hi = mid }
        }
        return lo < sorted.count ? sorted[lo] : nil
    }

    /// Some of a list of events, found by receive time; given back in the
    /// list's own order.
    struct TimeIndex {
        let events: [Event]
        /// Positions in `events`, by receive time.
        let byTime: [Int]
        /// The longest receive lag (receive time less written time) among them.
        let maxLag: UInt64

        init(_ positions: [Int], of events: [Event]) {
            self.events = events
            byTime = positions.sorted { (events[$0].realtime, $0) < (events[$1].realtime, $1) }
            maxLag = positions.reduce(0) { max($0, events[$1].realtime.subtractingClamped(events[$1].writtenAt)) }
        }

        /// Those received in [from, to], in the list's order.
        func events(from: UInt64, to: UInt64) -> [Event] {
            var lo = 0
            var hi = byTime.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if events[byTime[mid]].realtime < from { lo = mid + 1 } else { hi = mid }
            }
            var picked: [Int] = []
            while lo < byTime.count, events[byTime[lo]].realtime <= to {
                picked.append(byTime[lo])
                lo += 1
            }
            return picked.sorted().map { events[$0] }
        }
    }
}

/// The user's `ws open`/`ws close` lines, read from the dispatch unit alone
/// (its `_SYSTEMD_UNIT`, so only t3-dispatch can write them; the user is
/// parsed by the line's fixed format).
public struct UserActivity: Sendable {
    /// Receive times of the user's `ws open` lines per host (`_HOSTNAME`,
    /// empty when unnamed), in time order.
    public var opens: [String: [UInt64]] = [:]
    /// The user's last `ws open`/`ws close` line.
    public var lastSeen: Event?
    /// Every user a `ws` line named.
    public var usersSeen: Set<String> = []

    public init() {}

    /// Reads the dispatch unit between `since` and `until` (the analyzer's
    /// journal, after its run).
    public static func scan(_ setup: RunSetup, hosts: [String], user: String, since: UInt64?, until: UInt64?) throws -> UserActivity {
        var a = UserActivity()
        let classifier = DispatchClassifier(portMap: setup.portMap)
        try readDispatch(setup, hosts: hosts, since: since, until: until) { e, msg, cursor in
            guard msg.kind == .wsOpen || msg.kind == .wsClose, let u = msg.user else { return }
            a.usersSeen.insert(u)
            guard u == user else { return }
            if msg.kind == .wsOpen { a.opens[e.hostname ?? "", default: []].append(e.realtime) }
            if a.lastSeen.map({ $0.realtime <= e.realtime }) ?? true {
                var ev = classifier.classify(e)
                ev.cursor = cursor()
                a.lastSeen = ev
            }
        }
        a.opens = a.opens.mapValues { $0.sorted() }
        return a
    }

    /// At each start of a dispatch process (a `listening` line) up to `until`:
    /// how many of `user`'s sockets the other processes of its host still held
    /// (opened and not closed; t3-dispatch dies with them and logs no `ws
    /// close`, field guide 6.1). Read from the start of the journal: a socket
    /// can be open for days.
    public struct Cut: Sendable, Equatable {
        public var realtime: UInt64
        public var host: String
        public var pid: Int?
        public var sockets: Int
    }

    public static func socketsCut(_ setup: RunSetup, hosts: [String], user: String, until: UInt64?) throws -> [Cut] {
        var open = OpenSockets()
        var cuts: [Cut] = []
        try readDispatch(setup, hosts: hosts, since: nil, until: until) { e, msg, _ in
            let p = DispatchProcess(host: e.hostname ?? "", boot: e.bootID, pid: e.pid)
            switch msg.kind {
            case .listening:
                let n = open.cut(by: p).count
                if n > 0 { cuts.append(Cut(realtime: e.realtime, host: p.host, pid: e.pid, sockets: n)) }
            case .wsOpen where msg.user == user: open.opened(by: user, in: p)
            case .wsClose where msg.user == user: open.closed(by: user, in: p)
            default: break
            }
        }
        return cuts
    }
}

extension UserActivity {
    /// The dispatch unit's lines between `since` and `until` (the analyzer's
    /// journal, after its run), parsed: only t3-dispatch can write them.
    static func readDispatch(
        _ setup: RunSetup, hosts: [String], since: UInt64?, until: UInt64?,
        _ body: (JournalEntry, DispatchMessage, _ cursor: () -> String) -> Void
    ) throws {
        guard !setup.dispatchUnits.isEmpty else { return }
        var m = MatchSet()
        m.add(setup.dispatchUnits.map { "_SYSTEMD_UNIT=\($0)" })
        m.restrict(toHosts: hosts)
        let j = setup.journal
        try j.apply(m)
        try j.seek(since: since, until: until)
        j.read { e, cursor in
            if let u = until, e.realtime > u { return }
            withoutActuallyEscaping(cursor) { body(e, DispatchParser.parse(e.message), $0) }
        }
    }
}

extension Attribution {
    /// Whether a dispatch restart or outage is not yet known to be `user`'s
    /// (`addSevered` may find that it is).
    public func mayHaveCut(_ user: String) -> Bool {
        drops.contains { ($0.trigger == .dispatchRestart || $0.trigger == .dispatchOutage) && !isDrop($0, of: user) }
    }

    /// `why`, `report --user`: the dispatch restarts and outages that cut sockets of
    /// `user` opened before what was read (`UserActivity.socketsCut`) name the
    /// user in `severed`, so they are the user's drops.
    public mutating func addSevered(_ cuts: [UserActivity.Cut], user: String) {
        // Each cut to its drop: an outage's, when the start that found the sockets
        // open is in one (they died at its start), else the restart's own.
        var extra: [Int: Int] = [:]
        for c in cuts {
            let inOutage = outages.firstIndex { ($0.host ?? "") == c.host && c.realtime >= $0.start && c.realtime <= $0.end }
            let i = drops.indices.first { i in
                let d = drops[i]
                guard (d.event.host ?? "") == c.host else { return false }
                if let o = inOutage {
                    return d.trigger == .dispatchOutage
                        && d.evidence.contains { if case .outage(let k, _) = $0 { Int(k) == o } else { false } }
                }
                return d.trigger == .dispatchRestart && d.event.realtime == c.realtime && d.event.pid == c.pid
            }
            if let i, !isDrop(drops[i], of: user) { extra[i, default: 0] += c.sockets }
        }
        for (i, n) in extra {
            drops[i].severed = (drops[i].severed + repeatElement(user, count: n)).sorted()
            if let id = drops[i].incident, let k = incidents.firstIndex(where: { $0.id == id }), !incidents[k].users.contains(user) {
                incidents[k].users = (incidents[k].users + [user]).sorted()
            }
        }
    }
}
