/// The segment a drop is attributed to (field guide, section 1).
public enum Verdict: String, Sendable, Codable, CaseIterable {
    case client, edge, devvm, serve, dispatch, unknown

    /// Segments run by the operators (everything but the user's own network).
    public var isInfra: Bool { self != .client && self != .unknown }
}

/// A journal entry that supports a verdict.
public struct Evidence: Sendable, Equatable {
    public var realtime: UInt64
    public var unit: String?
    public var kind: EvidenceKind
    public var message: String
    public var cursor: String

    public init(realtime: UInt64, unit: String?, kind: EvidenceKind, message: String, cursor: String) {
        self.realtime = realtime
        self.unit = unit
        self.kind = kind
        self.message = message
        self.cursor = cursor
    }

    public init(_ ev: Event) {
        self.init(realtime: ev.realtime, unit: ev.unit, kind: .event(ev.kind), message: ev.messageText, cursor: ev.cursor)
    }
}

/// A stretch with no journal entry from any source, or a boot change.
public struct HostGap: Sendable, Equatable {
    /// Receive times of the last entry before and the first entry after.
    public var start: UInt64
    public var end: UInt64
    public var bootChanged: Bool
    public var before: Evidence?
    public var after: Evidence?

    public init(start: UInt64, end: UInt64, bootChanged: Bool, before: Evidence? = nil, after: Evidence? = nil) {
        self.start = start
        self.end = end
        self.bootChanged = bootChanged
        self.before = before
        self.after = after
    }

    public var seconds: Double { Double(end - start) / 1e6 }
}

/// Finds gaps and boot changes in a sequence of (receive time, boot id).
public struct GapFinder: Sendable {
    public var threshold: UInt64
    private var last: (UInt64, String)?
    public private(set) var gaps: [HostGap] = []

    public init(threshold: UInt64) { self.threshold = threshold }

    /// Starts a new, unrelated stretch (the next interval of a scan).
    public mutating func reset() { last = nil }

    public mutating func add(realtime: UInt64, bootID: String) {
        defer { last = (realtime, bootID) }
        guard let (t, b) = last else { return }
        let changed = !b.isEmpty && !bootID.isEmpty && b != bootID
        if changed || (realtime > t && realtime - t >= threshold) {
            if gaps.last?.start != t || gaps.last?.end != realtime {
                gaps.append(HostGap(start: t, end: realtime, bootChanged: changed))
            }
        }
    }
}

/// Why an event counts as a drop.
public enum DropTrigger: String, Sendable {
    case proxyError = "proxy_error"
    case notGraceful = "not_graceful"
    case shortSocket = "short_socket"
    case reconnect
    case burst
    case dispatchRestart = "dispatch_restart"
    /// A long graceful close with no reconnect in the same instant as its own
    /// serve's unit going down (an established socket a serve's death cut logs
    /// `graceful`: field guide 2.1), not a user closing the tab.
    case serveDown = "serve_down"
    /// The first line of a dispatch outage (issue 13, section 5).
    case dispatchOutage = "dispatch_outage"
}

/// How a verdict was reached (`basis`).
public enum Basis: String, Sendable, Codable, CaseIterable {
    /// A signal ties the drop to the segment: an OOM line, a restart, refused from its port, a burst.
    case evidence
    /// Nothing else explains it: what was checked is in `checked`.
    case elimination
}

/// What an elimination verdict checked and found nothing in that explains
/// the drop (`checked`): a line set aside by rule (a serve child's OOM kill
/// under `OOMPolicy=continue`, a stop that began after the drop) may be there.
public enum Check: String, Sendable, Codable, CaseIterable {
    /// No journal gap or new boot within `--host-window` before.
    case hostGap = "host_gap"
    /// t3-dispatch was not down.
    case dispatchOutage = "dispatch_outage"
    /// t3-dispatch did not restart within 5 s.
    case dispatchRestart = "dispatch_restart"
    /// Not `--burst-min` teardowns of 2+ users within a second.
    case burst
    /// No unit event, OOM kill, restart or timeout of the user's serve within `--serve-window` explains it.
    case serveEvents = "serve_events"
    /// No plain request of the user was refused within `--serve-window`.
    case refusedRequests = "refused_requests"
    /// No kernel or earlyoom kill within `--host-window`.
    case hostMemory = "host_memory"
    /// No serve timeouts in 2+ units within `--host-window`.
    case serveTimeouts = "serve_timeouts"
    /// A `downstream_closed`: a socket of the user's serve ended gracefully nearby (it answered).
    case serveAnswered = "serve_answered"
}

/// Drops explained by the same thing: one burst, one unit restart, one OOM,
/// one host gap, one dispatch outage; an isolated drop is an incident of one.
public struct Incident: Sendable, Equatable {
    public var id: Int
    public var host: String?
    /// Receive times of the first and the last drop.
    public var start: UInt64
    public var end: UInt64
    public var verdict: Verdict
    public var reason: Reason
    public var users: [String]
    public var drops: Int
    public var basis: Basis
    /// The key evidence: its first drop's.
    public var evidence: [EvidenceRef]
}

extension Reason {
    /// Verdicts reached because nothing else explained the drop.
    public var isElimination: Bool {
        switch self {
        case .isolatedCancel, .isolatedDrop, .belowBurstThreshold, .noEvidence, .downstreamUnconfirmed, .upstreamNoUser, .spreadOut: true
        default: false
        }
    }
}

/// Why t3-dispatch was down (`cause` of an outage object).
public enum OutageCause: String, Sendable, Codable, CaseIterable {
    /// `load ...: ...` at start (the table).
    case startFailed = "start_failed"
    /// `listen tcp :3780: ...` (the port is in use).
    case listenFailed = "listen_failed"
    /// Go's runtime panicked.
    case panic
    /// The process exited or was killed with no fatal line of its own.
    case crashed
    /// systemd stopped it (`Stopping`, `Stopped`): a stop or a manual restart.
    case stopped
}

/// t3-dispatch down: from its first death (PID 1's lines for the unit, or
/// its own fatal line) to a `listening` line that was not followed by a
/// fatal line of the same process, with the restarts systemd scheduled in
/// between (`Restart=on-failure`, `RestartSec=5`: infra
/// `scripts/t3-dispatch.service`). `listening` is printed before the port is
/// bound (`main.go`), so a `listening` followed by a bind failure is no restart.
public struct DispatchOutage: Sendable, Equatable {
    public var host: String?
    public var start: UInt64
    /// Receive time of the recovering `listening` line, or of the last line seen (`ongoing`).
    public var end: UInt64
    public var ongoing: Bool
    public var restarts: Int
    public var cause: OutageCause
    /// The fatal line's text or the failed result, when there is one.
    public var detail: String?
    /// PID 1's lines and the dispatch's own about the outage, in time order.
    public var events: [Event]

    public var seconds: Double { Double(end - start) / 1e6 }
}

/// Where a piece of evidence is, without copying it: the attribution's
/// signals, drops, dispatch restarts or host gaps (resolved by `Attribution.evidence(for:)`).
public enum EvidenceRef: Sendable, Equatable {
    case signal(Int32)
    case drop(Int32)
    case restart(Int32)
    case gapBefore(Int32)
    case gapAfter(Int32)
    /// A request error (`Attribution.requestErrors`).
    case request(Int32)
    /// A line of a dispatch outage (`Attribution.outages[o].events[e]`).
    case outage(Int32, Int32)
}

/// One dispatch process: `_PID` within a boot of a host. The era of its
/// proxy errors is decided per process (a new binary logs `ws` lines).
public struct DispatchProcess: Hashable, Sendable {
    public var host: String
    public var boot: String
    public var pid: Int?

    public init(host: String, boot: String, pid: Int?) {
        self.host = host
        self.boot = boot
        self.pid = pid
    }

    public init(_ ev: Event) { self.init(host: ev.host ?? "", boot: ev.bootID, pid: ev.pid) }
}

/// The sockets each dispatch process holds open, per user: `ws open` adds one,
/// `ws close` takes one away. t3-dispatch has no signal handling (infra
/// `scripts/t3-dispatch/main.go`): a process that stops dies with its sockets and
/// logs no `ws close` for them (field guide 6.1), so a new process's start cuts
/// what the others on its host still held.
public struct OpenSockets: Sendable {
    private var open: [DispatchProcess: [String: Int]] = [:]

    public init() {}

    public mutating func opened(by user: String, in p: DispatchProcess) {
        open[p, default: [:]][user, default: 0] += 1
    }

    public mutating func closed(by user: String, in p: DispatchProcess) {
        guard let n = open[p]?[user], n > 0 else { return }
        open[p]![user] = n > 1 ? n - 1 : nil
    }

    /// `p` started: the users of the sockets the other processes of its host
    /// still held, one entry per socket, sorted; those processes are forgotten.
    public mutating func cut(by p: DispatchProcess) -> [String] {
        var cut: [String] = []
        for (q, users) in open where q.host == p.host && q != p {
            for (u, n) in users { cut += repeatElement(u, count: n) }
            open[q] = nil
        }
        return cut.sorted()
    }
}

/// How a burst was counted (`era` in a burst object).
public enum BurstEra: String, Sendable, Codable, CaseIterable {
    /// Every teardown names its user (`ws close`): a burst needs 2+ users.
    case users
    /// Old-era cancels carry no user: lines were counted.
    case lines
}

/// A written second with at least `--min` cancelled requests (`bursts --requests`:
/// the runbook's recipe, counted per second).
public struct RequestBurst: Sendable, Equatable {
    public var host: String?
    public var second: UInt64
    public var count: Int
}

public struct Drop: Sendable, Equatable {
    public var event: Event
    public var trigger: DropTrigger
    public var verdict: Verdict = .unknown
    public var reason: Reason = .noEvidence
    public var evidence: [EvidenceRef] = []
    /// The written second of the burst this drop belongs to, if any.
    public var burstSecond: UInt64?
    /// A reconnect: how long after the close the same user's `ws open` came.
    public var reconnectAfterMs: UInt64?
    /// The incident it belongs to (`Attribution.incidents[i].id`).
    public var incident: Int?
    /// A dispatch restart or outage: the users of the sockets the stopped
    /// process still held, one entry per socket, sorted (infra
    /// `scripts/t3-dispatch/main.go` has no signal handling: it dies with them
    /// and logs no `ws close`; field guide 6.1). Only sockets opened in what was read.
    public var severed: [String] = []
    /// Whether a signal ties it to its segment, or nothing else explains it.
    public var basis: Basis {
        if reason.isElimination { return .elimination }
        return .evidence
    }
    /// Elimination: what was checked and found to explain nothing (issue 13, section 9).
    public var checked: [Check] {
        guard basis == .elimination else { return [] }
        var c: [Check] = [.hostGap, .dispatchOutage, .dispatchRestart, .burst, .serveEvents, .refusedRequests, .hostMemory, .serveTimeouts]
        if reason == .isolatedCancel && event.dispatch?.wsCause == .downstreamClosed { c.append(.serveAnswered) }
        return c
    }
    /// `--prometheus`, `--tunnel-log` (issue 14): what they said around it.
    public var corroboration: DropCorroboration? {
        get { boxedCorroboration?.value }
        set { boxedCorroboration = newValue.map(Boxed.init) }
    }
    // On the heap (8 bytes, not 122): only --prometheus and --tunnel-log
    // set it, and a week's report holds 100,000 drops (issue 16).
    private var boxedCorroboration: Boxed<DropCorroboration>?

    public init(event: Event, trigger: DropTrigger) {
        self.event = event
        self.trigger = trigger
    }
}

public struct Burst: Sendable, Equatable {
    public var host: String?
    /// The written second of the first teardown (kept for existing users; `start` is exact).
    public var second: UInt64
    /// Written times of the first and the last teardown.
    public var start: UInt64 = 0
    public var end: UInt64 = 0
    public var count: Int
    public var users: [String]
    public var classes: [String: Int]
    public var verdict: Verdict
    public var reason: Reason
    public var evidence: [EvidenceRef]
    /// How it was counted: teardowns of 2+ users, or lines (old era).
    public var era: BurstEra = .users
    /// Requests cancelled (`http: proxy error: context canceled`) in the seconds it spans.
    public var requestsCancelled = 0

    /// The written seconds it spans, first and last included.
    public var seconds: Int { Int(end / 1_000_000 - start / 1_000_000) + 1 }
    /// `--prometheus`, `--tunnel-log` (issue 14): what they said around it.
    public var corroboration: DropCorroboration? = nil
}

/// Thresholds and correlation windows; every one has a command-line flag.
public struct AttributionSettings: Sendable, Equatable {
    /// Downstream teardowns in one second that make a burst (`--min`, `--burst-min`).
    public var burstMin = 5
    /// A graceful `ws close` shorter than this is a drop (`--short-socket`).
    public var shortSocketMs: UInt64 = 120_000
    /// A close followed by the same user's `ws open` within this is a reconnect (`--reconnect-window`).
    public var reconnectWindow: UInt64 = 60_000_000
    /// Serve-side events of the drop's user within this before or after it (`--serve-window`).
    public var serveWindow: UInt64 = 120_000_000
    /// Host-wide signals (OOM kills, timeouts in several serves, gaps) this long before a drop (`--host-window`).
    public var hostWindow: UInt64 = 120_000_000
    /// ...and this long after it (the journal lags a stalled host).
    public var hostAfter: UInt64 = 5_000_000
    /// Silence in the journal that counts as a host gap (`--gap`).
    public var gapThreshold: UInt64 = 30_000_000
    /// Serve timeouts in at least this many units at once point at the host.
    public var unitsForHostStarvation = 2
    /// A global OOM kill ends the memory storm before it: it counts for drops this long before it.
    public var oomLead: UInt64 = 60_000_000
    /// A serve timeout counts for drops at most this long before it (t3's process timeout).
    public var serveTimeoutLead: UInt64 = 30_000_000
    /// A serve's main process killed within this after a global OOM kill in its cgroup was that kill's victim.
    public var oomDeathWindow: UInt64 = 10_000_000
    /// A dispatch restart explains drops within this of it.
    public var dispatchRestartWindow: UInt64 = 5_000_000
    /// A serve's planned or manual stop explains a drop only if the unit went down
    /// (stopping, stopped, exited, failed) no later than this after it.
    public var stopAfterDrop: UInt64 = 5_000_000
    /// journald's rate-limit interval (`RateLimitIntervalSec=`, 30 s by default):
    /// a `Suppressed N messages` notice covers the lines of this long before it.
    public var suppressionWindow: UInt64 = 30_000_000
    /// At most this many evidence entries per verdict.
    public var maxEvidence = 8

    public init() {}
}

/// Collects drops and the signals around them from a time-ordered event
/// stream, then gives each drop one verdict. Memory holds the drops (the
/// output), the non-dispatch signals (rare) and the sockets that may still
/// turn out to be drops (at most `reconnectWindow` of them); nothing else.
public struct Attributor: Sendable {
    public var settings: AttributionSettings
    public private(set) var drops: [Drop] = []
    public private(set) var signals: [Event] = []
    private var dispatchRestarts: [Event] = []
    /// Downstream teardowns per written second (the burst counter): when, and whose.
    private var teardowns: [UInt64: [Teardown]] = [:]
    /// `ws close cause=downstream_closed` per written second, and whose: not
    /// teardowns (no burst), but several users' at once are no one user's network.
    private var upgradeQuits: [UInt64: [Teardown]] = [:]
    private var userIDs: [String: Int32] = [:]
    /// Signals from beyond the window (`addContextSignal`), by cursor.
    private var contextSignals: Set<String> = []
    /// `burstHit`'s spans per written second, while its teardowns stay the same.
    private var burstStarts: [UInt64: BurstStarts] = [:]
    /// Proxy errors whose era is not decided yet (`close` decides, per dispatch process).
    private var proxyCandidates: [Event] = []
    /// Downstream proxy candidates per written second: teardowns once their era is
    /// known to be the old one (at `close()`), so a long close expiring near one waits.
    private var candidateTeardowns: [UInt64: Int] = [:]
    /// Long graceful closes that expired next to such a candidate: judged at `close()`.
    private var deferredCloses: [Event] = []
    /// The latest long graceful closes that expired outside a burst, by written
    /// second: a teardown read later with an earlier written time (the clock went
    /// back, files merged out of order) can still make them burst drops.
    private var expiredCloses: [UInt64: [Event]] = [:]
    private var expiredOrder: [UInt64] = []
    private var expiredHead = 0
    static let expiredCloseLimit = 4096
    /// Dispatch processes known to log `ws` lines: the new era, where a proxy
    /// error is a failed plain HTTP request (infra `scripts/t3-dispatch/main.go`:
    /// the `/ws` path installs its own `ErrorHandler`), not a WebSocket drop.
    private var wsProcesses: Set<DispatchProcess> = []
    /// The process `noteServing` saw last, and whether it is in `wsProcesses`.
    private var lastServing: (process: DispatchProcess, ws: Bool)?
    /// Per dispatch process, the `ws open`s not yet closed, per user.
    private var openSockets = OpenSockets()
    /// Per `listening` line (cursor key): the sockets of the older processes on its
    /// host that were still open (`Drop.severed`).
    private var severedAt: [String: [String]] = [:]
    /// The dispatch's connections to a serve that timed out (`dial tcp
    /// 127.0.0.1:<port>: i/o timeout`, a read that timed out), drops' and
    /// plain requests', in time order: set by `attribute` for the rules.
    private var dispatchTimeouts: [DispatchTimeout] = []
    /// Per user, the signals (indices, in time order) of PID 1 that say their
    /// serve's unit went down or came up: set by `attribute` for `serveDown`.
    private var serveUnitLines: [String: [Int]] = [:]
    /// The signals that are a serve unit's first line of its boot, a start
    /// (`starting`, `started`): the serve coming up after a boot, no restart.
    private var firstStartsOfBoot: Set<Int> = []
    /// Per serve unit, the times (written) of its timeouts (its own, the
    /// watchdog's probes, the dispatch's connections to it) in order, and
    /// for each the first of its run (timeouts each within `--host-window`
    /// of the last): set by `attribute` for `alignedTimeoutUnits`.
    private var serveTimeoutRuns: [String: (times: [UInt64], runStart: [UInt64])] = [:]

    /// A connection of the dispatch's to a user's serve that timed out.
    struct DispatchTimeout {
        let writtenAt: UInt64
        let user: String
        let ref: EvidenceRef
    }

    /// Whether the dispatch's line says a serve did not answer in time
    /// (field guide 2.2: "a stalled serve or host").
    static func isServeTimeout(_ ev: Event) -> Bool {
        ev.dispatch?.side == .upstream && ev.dispatch?.error?.errorClass == .timeout
    }
    /// Proxy errors of the new era, in written-time order once closed: request errors, never drops.
    public private(set) var requestErrors: [Event] = []
    /// Cancelled requests (`context canceled` proxy errors, both eras) per written second.
    private var cancelledRequests: [UInt64: Int] = [:]
    /// Per user, written-time spans of sockets that ended gracefully (the serve answered their upgrade).
    private var servedSpans: [String: [(UInt64, UInt64)]] = [:]
    private var hostName: String?
    /// The dispatch's fatal lines, and the first time each process served anything.
    private var fatalLines: [Event] = []
    private var served: [DispatchProcess: UInt64] = [:]
    private var dispatchUnitNames: Set<String> = []
    /// Per user, the written times of PID 1's lines of its serve's unit going
    /// down (stopping, stopped, exited, failed, stop timeout, core dump).
    private var serveDownTimes: [String: [UInt64]] = [:]
    /// Graceful, long closes that become drops on a reconnect or a burst.
    private var pending: [PendingClose] = []
    private var pendingHead = 0
    /// The absolute number of `pending[0]` (entries before it were compacted away).
    private var pendingBase = 0
    /// The pending closes of each user, as absolute numbers in arrival order:
    /// a `ws open` looks at its own user's closes only, so its cost does not
    /// grow with the number of open sockets.
    private var pendingByUser: [String: PendingQueue] = [:]
    /// Pending closes a `ws open` looked at (for tests: linear, not quadratic).
    private(set) var reconnectChecks = 0
    private var lastTime: UInt64 = 0
    public private(set) var clockWentBack: [(from: UInt64, to: UInt64)] = []
    /// Keep only drops that can be in a burst (`t3attr bursts`: less memory).
    public var onlyTeardowns = false
    /// Drops `onlyTeardowns` and `retainBurstDrops` left out (counted, not kept).
    public private(set) var dropsLeftOut = 0
    /// The dispatch restarts among them: one that was a failed start is no drop (`attribute`).
    private var restartsLeftOut: [String] = []
    /// How serve unit names carry their user (`--serve-unit`).
    public var serveUnits: ServeUnits

    public init(settings: AttributionSettings = AttributionSettings(), serveUnits: ServeUnits = .default) {
        self.settings = settings
        self.serveUnits = serveUnits
    }

    private mutating func keep(_ d: Drop) {
        if onlyTeardowns && !Self.isTeardown(d.event) {
            dropsLeftOut += 1
            if d.trigger == .dispatchRestart { restartsLeftOut.append(d.event.cursorKey) }
            return
        }
        drops.append(d)
    }

    /// Downstream teardowns, the burst counter's unit: what a broken front
    /// segment produces at once for everyone. Downstream proxy errors
    /// (`context canceled`, resets from the front), established sockets ending
    /// (`cause=graceful`, whichever side hung up) and raw causes that classify
    /// as downstream. Not `downstream_closed`: a client giving up on an
    /// upgrade the serve did not answer is as much a stalled serve (field
    /// guide 2.1), and it is everyday background on a busy host.
    public static func isTeardown(_ ev: Event) -> Bool {
        guard let d = ev.dispatch else { return false }
        switch d.kind {
        case .proxyError: return d.side == .downstream
        case .wsClose:
            switch d.wsCause {
            case .graceful?: return true
            case .error(let info)?: return info.side == .downstream
            default: return false
            }
        default: return false
        }
    }

    public mutating func add(_ ev: Event) {
        if ev.signal == nil, let m = DispatchMark(ev) {
            add(m)
            return
        }
        advance(to: ev.realtime)
        if ev.signal != nil {
            noteServeDown(ev)
            signals.append(ev)
            return
        }
        guard let d = ev.dispatch else { return }
        if hostName == nil { hostName = ev.host }
        if let u = ev.unit { dispatchUnitNames.insert(u) }
        // A pairing the user's serve refused is evidence that it was down, as a
        // refused request is (field guide 6.1): kept with the signals.
        if d.kind == .pairingFailed, ev.user != nil, let detail = d.detail {
            // Cut off or reset by the serve: evidence for a drop in that instant (rule 4c).
            let cls = GoError.classify(Array(detail.utf8)).errorClass
            let signal: Signal? =
                detail.contains("connect: connection refused")
                ? .pairingRefused : [.reset, .brokenPipe, .eof, .unexpectedEOF].contains(cls) ? .pairingCut(cls) : nil
            if let signal {
                var s = ev
                s.signal = signal
                signals.append(s)
                return
            }
        }
        if d.kind.isFatal {
            fatalLines.append(ev)
            return
        }
        if d.kind == .wsClose || d.kind == .proxyError { noteServing(DispatchProcess(ev), at: ev.realtime, ws: d.kind == .wsClose) }
        if d.kind == .proxyError {
            if d.error?.errorClass == .canceled { cancelledRequests[ev.writtenSecond, default: 0] += 1 }
            proxyCandidates.append(ev)
            if d.side == .downstream { candidateTeardowns[ev.writtenSecond, default: 0] += 1 }
            return
        }
        if Self.isTeardown(ev) { addTeardown(ev) }
        switch d.kind {
        case .listening:
            dispatchRestarts.append(ev)
            let cut = openSockets.cut(by: DispatchProcess(ev))
            if !cut.isEmpty { severedAt[ev.cursorKey] = cut }
            keep(Drop(event: ev, trigger: .dispatchRestart))
        case .wsClose:
            if let user = d.user { openSockets.closed(by: user, in: DispatchProcess(ev)) }
            if case .graceful? = d.wsCause, let user = d.user, let ms = d.durationMs {
                noteServed(
                    user, from: ev.writtenAt.subtractingClamped(ms.multipliedReportingOverflow(by: 1000).overflow ? .max : ms * 1000),
                    to: ev.writtenAt)
            }
            if case .graceful? = d.wsCause {
                if let ms = d.durationMs, ms >= settings.shortSocketMs {
                    if let user = d.user {
                        pendingByUser[user, default: PendingQueue()].items.append(pendingBase + pending.count)
                    }
                    pending.append(PendingClose(event: ev))
                } else {
                    keep(Drop(event: ev, trigger: .shortSocket))
                }
            } else {
                if d.wsCause == .downstreamClosed {
                    upgradeQuits[ev.writtenSecond, default: []].append(Teardown(at: ev.writtenAt, user: userID(d.user)))
                }
                keep(Drop(event: ev, trigger: .notGraceful))
            }
        default:
            return
        }
    }

    /// A dispatch line known by its mark (a `ws open`, a pairing, a line of
    /// no known kind): what `add` does with its event.
    public mutating func add(_ m: DispatchMark) {
        advance(to: m.realtime)
        if hostName == nil { hostName = m.host }
        if let u = m.unit { dispatchUnitNames.insert(u) }
        guard m.kind == .wsOpen || m.kind == .paired else { return }
        let p = DispatchProcess(host: m.host ?? "", boot: m.bootID, pid: m.pid)
        noteServing(p, at: m.realtime, ws: m.kind == .wsOpen)
        guard m.kind == .wsOpen else { return }
        if let user = m.user {
            openSockets.opened(by: user, in: p)
            reconnect(user, at: m.realtime)
        }
    }

    /// Process `p` served at `t` (a request, a pairing or a socket): its first
    /// such line is remembered, and `ws` says it logs `ws` lines. The process
    /// of the line before is not looked up again (most lines are one process's).
    private mutating func noteServing(_ p: DispatchProcess, at t: UInt64, ws: Bool) {
        if let last = lastServing, last.ws || !ws, last.process == p { return }
        if served[p] == nil { served[p] = t }
        if ws { wsProcesses.insert(p) }
        lastServing = (p, ws || wsProcesses.contains(p))
    }

    /// The clock of the lines read: a line read more than a second before
    /// the latest says it went back; pending closes expire.
    private mutating func advance(to t: UInt64) {
        if t + 1_000_000 < lastTime {
            clockWentBack.append((lastTime, t))
        }
        lastTime = max(lastTime, t)
        expirePending(now: t)
    }

    /// `user`'s `ws open` read at `t`: the closes of that user it reconnects are drops.
    private mutating func reconnect(_ user: String, at t: UInt64) {
        guard var queue = pendingByUser.removeValue(forKey: user) else { return }
        // In arrival order, as before: the closes this open reconnects are taken;
        // the others (written after it: the clock went back) stay.
        var stay: [Int] = []
        for abs in queue.items[queue.head...] {
            let i = abs - pendingBase
            guard i >= pendingHead, !pending[i].taken else { continue }
            reconnectChecks += 1
            let close = pending[i].event
            if t >= close.realtime, t - close.realtime <= settings.reconnectWindow {
                var d = Drop(event: close, trigger: .reconnect)
                d.reconnectAfterMs = (t - close.realtime) / 1000
                keep(d)
                pending[i].taken = true
            } else {
                stay.append(abs)
            }
        }
        if !stay.isEmpty {
            queue.items = stay
            queue.head = 0
            pendingByUser[user] = queue
        }
    }

    /// One teardown in the burst counter.
    struct Teardown: Sendable {
        var at: UInt64
        /// The user the line names (a `ws close`), -1 when it names none (an old-era cancel).
        var user: Int32
    }

    private mutating func userID(_ name: String?) -> Int32 {
        guard let name else { return -1 }
        if let id = userIDs[name] { return id }
        let u = Int32(userIDs.count)
        userIDs[name] = u
        return u
    }

    private mutating func addTeardown(_ ev: Event) {
        let u = userID(ev.dispatch?.user)
        teardowns[ev.writtenSecond, default: []].append(Teardown(at: ev.writtenAt, user: u))
        recheckExpiredCloses(near: ev.writtenSecond)
    }

    /// Expired closes within the burst span of a new teardown written in `sec`
    /// that it makes part of a burst become drops.
    private mutating func recheckExpiredCloses(near sec: UInt64) {
        guard !expiredCloses.isEmpty else { return }
        for k in sec.subtractingClamped(1)...(sec + 1) {
            guard let list = expiredCloses[k] else { continue }
            var stay: [Event] = []
            for ev in list {
                if burstHit(at: ev.writtenAt) { keep(Drop(event: ev, trigger: .burst)) } else { stay.append(ev) }
            }
            expiredCloses[k] = stay.isEmpty ? nil : stay
        }
    }

    /// Remembers a close that expired outside a burst; the oldest are forgotten.
    private mutating func rememberExpiredClose(_ ev: Event) {
        expiredCloses[ev.writtenSecond, default: []].append(ev)
        expiredOrder.append(ev.writtenSecond)
        if expiredOrder.count - expiredHead > Self.expiredCloseLimit {
            let sec = expiredOrder[expiredHead]
            expiredHead += 1
            if var list = expiredCloses[sec] {
                list.removeFirst()
                expiredCloses[sec] = list.isEmpty ? nil : list
            }
            if expiredHead > 4096 {
                expiredOrder.removeFirst(expiredHead)
                expiredHead = 0
            }
        }
    }

    /// Whether a teardown written at `t` is in a burst (issue 13, section 2):
    /// some one-second span of written time `[s, s + 1 s]` that holds it
    /// holds `burstMin` teardowns, of two or more users when every one names
    /// its user (new era: one user's tabs dropping together are not a shared
    /// segment); when some do not (old-era cancels), lines are counted. Go's
    /// prefix has whole seconds, so the span takes in the next written
    /// second: a break straddling a second boundary is one burst.
    mutating func burstHit(at t: UInt64) -> Bool {
        let sec = t / 1_000_000
        let seconds = sec.subtractingClamped(1)...(sec + 1)
        let counts = seconds.map { teardowns[$0]?.count ?? 0 }
        guard counts.reduce(0, +) >= settings.burstMin else { return false }
        // The spans' starts are worked out once per second and kept while no
        // teardown joins it or its neighbours: a burst of 2,000 sockets a
        // second asks 2,000 times (it sorted and scanned them each time).
        let starts: [UInt64]
        if let known = burstStarts[sec], known.counts == counts {
            starts = known.starts
        } else {
            var list: [Teardown] = []
            for k in seconds { list += teardowns[k] ?? [] }
            list.sort { $0.at < $1.at }
            starts = Self.burstSpanStarts(list, before: (sec + 1) * 1_000_000, burstMin: settings.burstMin)
            burstStarts[sec] = BurstStarts(counts: counts, starts: starts)
        }
        // A span that holds `t` starts within the second before it.
        let from = t.subtractingClamped(1_000_000)
        var lo = 0
        var hi = starts.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if starts[mid] < from { lo = mid + 1 } else { hi = mid }
        }
        return lo < starts.count && starts[lo] <= t
    }

    /// The spans' starts worked out for one second.
    struct BurstStarts: Sendable {
        var counts: [Int]
        var starts: [UInt64]
    }

    /// The written times before `end` at which a burst span starts: the
    /// teardowns of `[at, at + 1 s]` (`list` sorted by time, the span's start
    /// and those after it) number `burstMin`, of two users or more, or some
    /// name none. One pass: the span's end and its users move forward with
    /// its start.
    static func burstSpanStarts(_ list: [Teardown], before end: UInt64, burstMin: Int) -> [UInt64] {
        var starts: [UInt64] = []
        var perUser: [Int32: Int] = [:]
        var unnamed = 0
        var j = 0
        for i in list.indices where list[i].at < end {
            if i > 0 {  // the previous start leaves the span
                let u = list[i - 1].user
                if u < 0 {
                    unnamed -= 1
                } else if let n = perUser[u] {
                    perUser[u] = n == 1 ? nil : n - 1
                }
            }
            while j < list.count && list[j].at <= list[i].at + 1_000_000 {
                if list[j].user < 0 { unnamed += 1 } else { perUser[list[j].user, default: 0] += 1 }
                j += 1
            }
            if j - i >= burstMin && (unnamed > 0 || perUser.count >= 2) { starts.append(list[i].at) }
        }
        return starts
    }

    /// Teardowns written within a second of `t` by users other than `user` (those
    /// that name no user count; without a user, every teardown there but one).
    func othersTearingDown(near t: UInt64, user: String?) -> Int { others(in: teardowns, near: t, user: user) }

    /// Other users' `downstream_closed` closes written within a second of `t` (counted the same way).
    func othersQuittingUpgrades(near t: UInt64, user: String?) -> Int { others(in: upgradeQuits, near: t, user: user) }

    private func others(in table: [UInt64: [Teardown]], near t: UInt64, user: String?) -> Int {
        let sec = t / 1_000_000
        let me = user.flatMap { userIDs[$0] }
        var n = 0
        for k in sec.subtractingClamped(1)...(sec + 1) {
            for td in table[k] ?? [] where td.at + 1_000_000 >= t && td.at <= t + 1_000_000 {
                if me == nil || td.user != me { n += 1 }
            }
        }
        return me == nil ? max(0, n - 1) : n
    }

    /// Remembers that `user`'s serve answered an upgrade: a socket of it lived over [a, b].
    private mutating func noteServed(_ user: String, from a: UInt64, to b: UInt64) {
        var spans = servedSpans.removeValue(forKey: user) ?? []
        if let last = spans.last, a <= last.1 + 1_000_000, b + 1_000_000 >= last.0 {
            spans[spans.count - 1] = (min(last.0, a), max(last.1, b))
        } else {
            spans.append((a, b))
        }
        servedSpans[user] = spans
    }

    /// Whether `user`'s serve demonstrably answered upgrades around `t`: a
    /// socket of that user that ended gracefully lived within `--serve-window` of it.
    func serveAnswered(_ user: String, around t: UInt64) -> Bool {
        let w = settings.serveWindow
        return servedSpans[user]?.contains { $0.0 <= t + w && $0.1 + w >= t } ?? false
    }

    /// Dispatch processes with proxy errors and no `ws` line yet: their era
    /// is unknown (the caller looks before the window and calls `markNewEra`).
    public var undecidedProcesses: [DispatchProcess] {
        let all = Set(proxyCandidates.map(DispatchProcess.init)).subtracting(wsProcesses)
        return all.sorted { ($0.host, $0.boot, $0.pid ?? -1) < ($1.host, $1.boot, $1.pid ?? -1) }
    }

    /// A dispatch process logged `ws` lines (found before the window).
    public mutating func markNewEra(_ p: DispatchProcess) { wsProcesses.insert(p) }

    /// Decides each proxy error's era: a request error (new era) or a drop (old era).
    private mutating func resolveEras() {
        for ev in proxyCandidates {
            if wsProcesses.contains(DispatchProcess(ev)) {
                requestErrors.append(ev)
            } else {
                if Self.isTeardown(ev) { addTeardown(ev) }
                keep(Drop(event: ev, trigger: .proxyError))
            }
        }
        proxyCandidates = []
        candidateTeardowns = [:]
        requestErrors.sort { ($0.writtenAt, $0.cursor) < ($1.writtenAt, $1.cursor) }
    }

    /// Long graceful closes with no reconnect: drops only if their second was a burst.
    private mutating func expirePending(now: UInt64) {
        while pendingHead < pending.count {
            let p = pending[pendingHead]
            if !p.taken && now < p.event.realtime + settings.reconnectWindow { break }
            if !p.taken {
                if burstHit(at: p.event.writtenAt) {
                    keep(Drop(event: p.event, trigger: .burst))
                } else if hasCandidateTeardown(near: p.event.writtenAt) {
                    deferredCloses.append(p.event)
                } else if serveWentDown(p.event.dispatch?.user, at: p.event.writtenAt) {
                    keep(Drop(event: p.event, trigger: .serveDown))
                } else {
                    rememberExpiredClose(p.event)
                }
            }
            // It leaves its user's queue too (it is that queue's oldest, unless an open took it).
            if let user = p.event.dispatch?.user, var q = pendingByUser[user] {
                let abs = pendingBase + pendingHead
                if q.head < q.items.count, q.items[q.head] == abs {
                    pendingByUser[user] = nil  // no copy-on-write of the queue while it is changed
                    q.popFirst()
                    if !q.isEmpty { pendingByUser[user] = q }
                }
            }
            pendingHead += 1
        }
        if pendingHead > 4096 && pendingHead * 2 > pending.count {
            pending.removeFirst(pendingHead)
            pendingBase += pendingHead
            pendingHead = 0
        }
    }

    /// Whether a proxy error whose era is still open (an old-era cancel would be a
    /// teardown) was written within the burst span of `t`.
    private func hasCandidateTeardown(near t: UInt64) -> Bool {
        let sec = t / 1_000_000
        return (sec.subtractingClamped(1)...(sec + 1)).contains { candidateTeardowns[$0] != nil }
    }

    /// A long graceful close waiting for a reconnect or a burst; `taken` once
    /// a reconnect made it a drop.
    struct PendingClose: Sendable {
        var event: Event
        var taken = false
    }

    /// One user's pending closes (absolute numbers), oldest first.
    struct PendingQueue: Sendable {
        var items: [Int] = []
        var head = 0
        var isEmpty: Bool { head >= items.count }
        mutating func popFirst() {
            head += 1
            if head > 64 && head * 2 > items.count {
                items.removeFirst(head)
                head = 0
            }
        }
    }

    /// Ends the stream: the remaining sockets are decided. Call before `dropTimes`.
    public mutating func close() {
        resolveEras()
        // Closes that expired while old-era teardowns near them were not yet counted.
        for ev in deferredCloses where burstHit(at: ev.writtenAt) { keep(Drop(event: ev, trigger: .burst)) }
        deferredCloses = []
        expirePending(now: UInt64.max - settings.reconnectWindow)
        drops.sort { ($0.event.realtime, $0.event.cursor) < ($1.event.realtime, $1.event.cursor) }
    }

    /// A signal read out of time order (phase 2: serve lines around the drops).
    public mutating func addSignal(_ ev: Event) {
        guard ev.signal != nil else { return }
        noteServeDown(ev)
        signals.append(ev)
    }

    /// Notes PID 1's line of a user's serve unit going down (`serveWentDown`).
    private mutating func noteServeDown(_ ev: Event) {
        guard let u = ev.user, case .unit(let a)? = ev.signal, a.wentDown else { return }
        serveDownTimes[u, default: []].append(ev.writtenAt)
    }

    /// Whether `user`'s serve unit went down within `stopAfterDrop` either side of `t`.
    private func serveWentDown(_ user: String?, at t: UInt64) -> Bool {
        guard let user, let times = serveDownTimes[user] else { return false }
        let from = t.subtractingClamped(settings.stopAfterDrop)
        return times.contains { $0 >= from && $0 <= t + settings.stopAfterDrop }
    }

    /// A dispatch line from just beyond the window (within a burst's span of
    /// its edge): its teardown counts toward the bursts of the window's
    /// drops, as the whole journal's would (a `--since` inside a burst left
    /// its last sockets "isolated"), and makes no drop of its own. Call
    /// after `close()`: the eras are known then.
    public mutating func addContextTeardown(_ ev: Event) {
        guard let d = ev.dispatch else { return }
        let teardown =
            d.kind == .proxyError ? d.side == .downstream && !wsProcesses.contains(DispatchProcess(ev)) : Self.isTeardown(ev)
        if teardown { addTeardown(ev) }
    }

    /// A signal from beyond the window, read only around its drops: evidence
    /// for them, never a drop of its own (a dispatch outage it shows began or
    /// ended outside what was asked for).
    public mutating func addContextSignal(_ ev: Event) {
        guard ev.signal != nil, contextSignals.insert(ev.cursorKey).inserted else { return }
        noteServeDown(ev)
        signals.append(ev)
    }

    /// The users the drops name (after `close()`), sorted.
    public var dropUsers: [String] { Set(drops.compactMap(\.event.user)).sorted() }

    /// Follow mode: forgets drops and signals older than `t` (already printed
    /// and beyond every correlation window of what is still to come).
    public mutating func prune(before t: UInt64) {
        let keepFrom = t.subtractingClamped(pruneReach)
        drops.removeAll { $0.event.realtime < t }
        proxyCandidates.removeAll { $0.realtime < t }
        candidateTeardowns = candidateTeardowns.filter { $0.key >= t / 1_000_000 }
        deferredCloses.removeAll { $0.realtime < t }
        expiredCloses = expiredCloses.compactMapValues { list in
            let kept = list.filter { $0.realtime >= t }
            return kept.isEmpty ? nil : kept
        }
        expiredOrder = expiredOrder[expiredHead...].filter { expiredCloses[$0] != nil }
        expiredHead = 0
        requestErrors.removeAll { $0.writtenAt < keepFrom }
        // Each serve's newest unit line is kept however old: a unit still down
        // (a start limit hit, a stop nobody undid) is down for every later drop
        // (`serveDown`), as a one-shot run over the whole journal finds.
        var newest: [String: Int] = [:]
        for i in signals.indices {
            guard let u = signals[i].user, case .unit(let a)? = signals[i].signal, a.wentDown || a == .restartScheduled || a == .started
            else { continue }
            if let k = newest[u], signals[k].writtenAt > signals[i].writtenAt { continue }
            newest[u] = i
        }
        var lasting = Set(newest.values.filter { signals[$0].writtenAt < keepFrom })
        // So is the dispatch's newest line of going down while nothing before `t`
        // (what is still to be judged starts there) says it came back: an outage
        // longer than what is kept ends at its `listening`, as a one-shot run
        // finds (it was lost, and the `listening` was a plain restart).
        let up = max(
            dispatchRestarts.lazy.map(\.realtime).filter { $0 < t }.max() ?? 0, served.values.lazy.filter { $0 < t }.max() ?? 0)
        // Its first line (the outage's start and cause) and its newest (it is still down).
        var downLines: [Int] = []
        for i in signals.indices {
            guard case .unit(let a)? = signals[i].signal, let u = signals[i].unit, dispatchUnitNames.contains(u), Self.isDown(a),
                signals[i].realtime > up
            else { continue }
            downLines.append(i)
        }
        if let first = downLines.min(by: { signals[$0].realtime < signals[$1].realtime }) { lasting.insert(first) }
        if let last = downLines.max(by: { signals[$0].realtime < signals[$1].realtime }) { lasting.insert(last) }
        let fatalSince = fatalLines.filter { $0.realtime > up }
        let keptFatal = Set(
            [fatalSince.min { $0.realtime < $1.realtime }, fatalSince.max { $0.realtime < $1.realtime }].compactMap { $0?.cursor })
        signals = signals.indices.compactMap { i in signals[i].writtenAt >= keepFrom || lasting.contains(i) ? signals[i] : nil }
        serveDownTimes = serveDownTimes.compactMapValues { times in
            let kept = times.filter { $0 >= keepFrom }
            return kept.isEmpty ? nil : kept
        }
        let sec = keepFrom / 1_000_000
        teardowns = teardowns.filter { $0.key >= sec }
        burstStarts = burstStarts.filter { $0.key >= sec }
        upgradeQuits = upgradeQuits.filter { $0.key >= sec }
        cancelledRequests = cancelledRequests.filter { $0.key >= sec }
        servedSpans = servedSpans.compactMapValues { spans in
            let kept = spans.filter { $0.1 >= keepFrom }
            return kept.isEmpty ? nil : kept
        }
        dispatchRestarts.removeAll { $0.realtime < keepFrom }
        fatalLines.removeAll { $0.realtime < keepFrom && !keptFatal.contains($0.cursor) }
    }

    /// A unit line that marks the dispatch going down (`findOutages`).
    static func isDown(_ a: UnitAction) -> Bool {
        switch a {
        case .exited, .failed, .restartScheduled, .stopping, .stopped, .coredump, .oomKilled, .stopTimeout: true
        case .starting, .started: false
        }
    }

    /// How far behind `prune(before:)`'s time the lines it keeps reach.
    public var pruneReach: UInt64 { max(settings.serveWindow, settings.hostWindow) + 60_000_000 }

    /// Takes out of the burst counter the teardowns of users whose own serve
    /// unit went down with them (`serveWentDown`): those sockets died with
    /// their serve, which explains them, and say nothing of a shared front
    /// segment. A scripted restart of one user's serve in the second of an
    /// edge blip made the blip's burst its own (and gave it the restart's
    /// verdict), and made another user's lone drop next to it "below the
    /// burst threshold". Asked before the verdicts, once every serve's unit
    /// lines are in (they may come after the closes).
    mutating func forgetExplainedTeardowns() {
        guard !serveDownTimes.isEmpty else { return }
        var explained = Set<Int32>()
        for (name, id) in userIDs where serveDownTimes[name] != nil { explained.insert(id) }
        guard !explained.isEmpty else { return }
        let names = Dictionary(uniqueKeysWithValues: userIDs.map { ($0.value, $0.key) })
        for (sec, list) in teardowns {
            let kept = list.filter { td in !(explained.contains(td.user) && serveWentDown(names[td.user], at: td.at)) }
            if kept.count != list.count { teardowns[sec] = kept.isEmpty ? nil : kept }
        }
    }

    /// Keeps only the drops that are in a burst (`t3attr bursts`).
    public mutating func retainBurstDrops() {
        forgetExplainedTeardowns()
        let kept = drops.filter { inBurst($0.event) }
        dropsLeftOut += drops.count - kept.count
        drops = kept
    }

    /// Receive-time intervals where serve-side evidence can change a verdict:
    /// around each drop, as far as the serve and host windows reach, merged.
    public func evidenceIntervals() -> [(UInt64, UInt64)] {
        mergedIntervals(
            byWriteTime: true, before: max(settings.serveWindow, settings.hostWindow),
            after: max(settings.serveWindow, settings.hostWindow))
    }

    /// [t - before, t + after] around each drop's time, overlapping ones merged.
    private func mergedIntervals(byWriteTime: Bool, before: UInt64, after: UInt64) -> [(UInt64, UInt64)] {
        var out: [(UInt64, UInt64)] = []
        // By index: a drop is large, and a loop over copies of them cost more than the work.
        for k in drops.indices {
            let t = byWriteTime ? drops[k].event.writtenAt : drops[k].event.realtime
            let a = t.subtractingClamped(before)
            let b = t + after
            if let last = out.last, a <= last.1 { out[out.count - 1].1 = max(last.1, b) } else { out.append((a, b)) }
        }
        return out
    }

    /// Receive-time intervals around the drops where host gaps matter, merged.
    public func gapIntervals() -> [(UInt64, UInt64)] {
        mergedIntervals(byWriteTime: false, before: settings.hostWindow, after: settings.hostAfter)
    }

    // MARK: Verdicts

    /// Gives every drop its verdict and builds the bursts.
    /// Moves the drops out (no second copy of the largest array).
    public mutating func attribute(gaps: [HostGap]) -> Attribution {
        let sigs = signals.sorted { $0.writtenAt < $1.writtenAt }
        signals = []
        let gaps = gaps.sorted { $0.end < $1.end }
        let outages = findOutages(signals: contextSignals.isEmpty ? sigs : sigs.filter { !contextSignals.contains($0.cursorKey) })
        var out = drops
        drops = []
        // A `listening` that a fatal line of the same process followed is no restart.
        let failedStarts = outages.reduce(into: Set<String>()) { $0.formUnion($1.failedStarts) }
        if !failedStarts.isEmpty { out.removeAll { d in d.trigger == .dispatchRestart && failedStarts.contains(d.event.cursorKey) } }
        dropsLeftOut -= restartsLeftOut.filter(failedStarts.contains).count
        // Each outage is one drop: its first line. The sockets died at its start: it
        // names those the starts in it found open (a failed one is no drop, but it
        // found them; the recovering one is a drop of its own, but not of those).
        var inOutage: Set<String> = []
        for o in outages.map(\.outage) {
            guard let first = o.events.first else { continue }
            var d = Drop(event: first, trigger: .dispatchOutage)
            for r in dispatchRestarts where r.realtime >= o.start && r.realtime <= o.end && r.host == o.host {
                inOutage.insert(r.cursorKey)
                d.severed += severedAt[r.cursorKey] ?? []
            }
            d.severed.sort()
            keep(d)
        }
        out += drops
        drops = []
        if !severedAt.isEmpty {
            for i in out.indices where out[i].trigger == .dispatchRestart && !inOutage.contains(out[i].event.cursorKey) {
                if let cut = severedAt[out[i].event.cursorKey] { out[i].severed = cut }
            }
        }
        out.sort { ($0.event.realtime, $0.event.cursor) < ($1.event.realtime, $1.event.cursor) }
        self.outages = outages.map(\.outage)
        // What each signal reports began this long before it: once, not per drop.
        let leads = sigs.map { Self.lead(of: $0, settings) }
        forgetExplainedTeardowns()
        let bursting = out.map { inBurst($0.event) }
        var timedOut: [DispatchTimeout] = []
        for i in out.indices where Self.isServeTimeout(out[i].event) {
            if let u = out[i].event.user { timedOut.append(DispatchTimeout(writtenAt: out[i].event.writtenAt, user: u, ref: .drop(Int32(i)))) }
        }
        for q in requestErrors.indices where Self.isServeTimeout(requestErrors[q]) {
            if let u = requestErrors[q].user {
                timedOut.append(DispatchTimeout(writtenAt: requestErrors[q].writtenAt, user: u, ref: .request(Int32(q))))
            }
        }
        dispatchTimeouts = timedOut.sorted { $0.writtenAt < $1.writtenAt }
        var timeoutTimes: [String: [UInt64]] = [:]
        for e in sigs where (e.signal?.isStarvation ?? false) || (e.signal?.isProbeTimeout ?? false) {
            if let u = e.unit { timeoutTimes[u, default: []].append(e.writtenAt) }
        }
        for d in dispatchTimeouts { timeoutTimes[serveUnits.unit(forUser: d.user), default: []].append(d.writtenAt) }
        serveTimeoutRuns = timeoutTimes.mapValues { list in
            let times = list.sorted()
            var starts: [UInt64] = []
            for (k, x) in times.enumerated() { starts.append(k > 0 && x - times[k - 1] < settings.hostWindow ? starts[k - 1] : x) }
            return (times, starts)
        }
        firstStartsOfBoot = []
        // Per unit and boot: whether every line of it so far was a start. Only
        // within 10 minutes of a new boot seen to begin (`gaps`): a window that
        // begins mid-boot shows restarts whose stops came before it.
        let bootsBegan = gaps.filter(\.bootChanged).map(\.end)
        var onlyStarts: [String: Bool] = [:]
        for i in sigs.indices {
            guard let u = sigs[i].user, case .unit(let a)? = sigs[i].signal else { continue }
            let key = u + " " + sigs[i].bootID
            let start = a == .starting || a == .started
            if onlyStarts[key] ?? true, start, bootsBegan.contains(where: { $0 <= sigs[i].realtime && sigs[i].realtime - $0 <= 600_000_000 }) {
                firstStartsOfBoot.insert(i)
            }
            onlyStarts[key] = (onlyStarts[key] ?? true) && start
        }
        serveUnitLines = [:]
        for i in sigs.indices {
            guard let u = sigs[i].user, case .unit(let a)? = sigs[i].signal, a.wentDown || a == .restartScheduled || a == .started else { continue }
            serveUnitLines[u, default: []].append(i)
        }
        for i in out.indices { judge(&out[i], index: i, inBurst: bursting[i], signals: sigs, leads: leads, gaps: gaps) }
        markSpreadOut(&out)
        let bursts = groupBursts(&out)
        let incidents = Self.groupIncidents(&out, restarts: dispatchRestarts, serveWindow: settings.serveWindow)
        var result = Attribution(
            drops: out, bursts: bursts, signals: sigs, gaps: gaps, restarts: dispatchRestarts,
            clockWentBack: clockWentBack)
        result.outages = self.outages
        result.incidents = incidents
        result.dropsLeftOut = dropsLeftOut
        result.requestErrors = requestErrors
        result.requestBursts = cancelledRequests.filter { $0.value >= settings.burstMin }.keys.sorted().map {
            RequestBurst(host: hostName, second: $0, count: cancelledRequests[$0]!)
        }
        return result
    }

    /// Groups drops explained by the same thing into incidents (issue 13,
    /// section 9): the same burst, the same dispatch outage or restart, the
    /// same host gap, or, for a serve or host verdict, the same first
    /// signal (an OOM line, a restart) or, with none, the same user and reason
    /// within `--serve-window` of the previous drop. Client and unknown
    /// verdicts (elimination) are incidents of one, but for teardowns of several
    /// users too few for a burst, a second apart at most. Sets each drop's `incident`.
    static func groupIncidents(_ drops: inout [Drop], restarts: [Event], serveWindow: UInt64) -> [Incident] {
        var incidents: [Incident] = []
        // Users as sets while grouping, sorted once: a burst of 2,000 sockets sorted its
        // users at each new one.
        var users: [Set<String>] = []
        var byKey: [String: Int] = [:]
        for i in drops.indices {
            let (key, chain) = incidentKey(drops[i], restarts: restarts, serveWindow: serveWindow)
            let at = drops[i].event.realtime
            if let chain, let k = key, let n = byKey[k], at > incidents[n].end + chain { byKey[k] = nil }
            if let k = key, let n = byKey[k] {
                incidents[n].end = max(incidents[n].end, at)
                incidents[n].drops += 1
                if let u = drops[i].event.userOrPort { users[n].insert(u) }
                users[n].formUnion(drops[i].severed)
                drops[i].incident = incidents[n].id
                continue
            }
            let inc = Incident(
                id: incidents.count + 1, host: drops[i].event.host, start: at, end: at, verdict: drops[i].verdict,
                reason: drops[i].reason, users: [], drops: 1, basis: drops[i].basis, evidence: drops[i].evidence)
            if let k = key { byKey[k] = incidents.count }
            incidents.append(inc)
            users.append(Set((drops[i].event.userOrPort.map { [$0] } ?? []) + drops[i].severed))
            drops[i].incident = inc.id
        }
        for k in incidents.indices { incidents[k].users = users[k].sorted() }
        return incidents
    }

    /// The incident a drop joins (nil: one of its own), and how near the
    /// previous drop it must be to join (nil: at any distance).
    private static func incidentKey(_ d: Drop, restarts: [Event], serveWindow: UInt64) -> (String?, UInt64?) {
        var key: String?
        var chain: UInt64?
        let gap = d.evidence.lazy.compactMap({ ref -> Int32? in
            switch ref {
            case .gapBefore(let g), .gapAfter(let g): g
            default: nil
            }
        }).first
        if let g = gap, d.reason == .reboot || d.reason == .hostGap {
            // The gap is the cause: the sockets a shutdown cut (a burst or not), the
            // dispatch's restart after the reboot and the sockets it cut are the
            // reboot's (one incident).
            key = "gap \(g)"
        } else if let b = d.burstSecond {
            key = "burst \(b)"
        } else if d.reason == .spreadOut {
            // One break spread over seconds: each drop within `spreadGap` of the last.
            key = "spread \(d.event.host ?? "")"
            chain = spreadGap
        } else if d.reason == .belowBurstThreshold {
            // Teardowns of several users too few for a burst, each within the
            // burst rule's span (a second) of the last: one unexplained event.
            key = "below \(d.event.host ?? "")"
            chain = 1_000_000
        } else if d.reason.isElimination {
            key = nil
        } else if let o = d.evidence.lazy.compactMap({ if case .outage(let o, _) = $0 { o } else { nil } }).first {
            // Before the restart: the start that ended an outage is part of it (one incident).
            key = "outage \(o)"
        } else if d.trigger == .dispatchRestart, let r = restarts.firstIndex(where: { $0.cursorKey == d.event.cursorKey }) {
            key = "restart \(r)"
        } else if let r = d.evidence.lazy.compactMap({ if case .restart(let r) = $0 { r } else { nil } }).first {
            key = "restart \(r)"
        } else if let g = gap {
            key = "gap \(g)"
        } else if d.reason == .unitDown, case .signal(let s)? = d.evidence.first {
            // One unit left down (the line that took it down): its user's drops
            // until it started again, at any distance.
            key = "down \(s)"
        } else {
            // One unit restart, one OOM, one starving serve or host: the same user (the
            // host, for what the host did to every user) and reason, each drop within
            // `--serve-window` of the previous one.
            let who = d.verdict == .devvm ? "host \(d.event.host ?? "")" : "user \(d.event.user ?? "-")"
            key = "\(d.verdict.rawValue) \(d.reason.rawValue) \(who)"
            chain = serveWindow
        }
        return (key, chain)
    }

    /// The outages found by `attribute` (for `judge`).
    private var outages: [DispatchOutage] = []

    /// An outage and the `listening` lines in it that were no restart.
    struct FoundOutage {
        var outage: DispatchOutage
        var failedStarts: Set<String>
    }

    /// Dispatch outages from PID 1's lines about the dispatch unit and the
    /// dispatch's fatal lines (issue 13, section 5).
    func findOutages(signals sigs: [Event]) -> [FoundOutage] {
        enum Marker {
            case down(Event)
            case up(Event)
            case note(Event)
            /// A dispatch process's first served line (`ws`, a proxy error, pairing).
            case alive
        }
        var markers: [(UInt64, Marker)] = []
        for e in sigs {
            guard case .unit(let a)? = e.signal, let u = e.unit, dispatchUnitNames.contains(u) else { continue }
            markers.append((e.realtime, Self.isDown(a) ? .down(e) : .note(e)))
        }
        for e in fatalLines { markers.append((e.realtime, .down(e))) }
        for e in dispatchRestarts { markers.append((e.realtime, .up(e))) }
        // A process that serves is a dispatch that is up, even when its `listening`
        // line is missing (rate-limited, lost with a journald restart): the outage
        // ends there instead of running to the end of the window.
        for t in served.values { markers.append((t, .alive)) }
        markers.sort { $0.0 < $1.0 }
        let window = settings.dispatchRestartWindow
        /// A `listening` of a process that died (a fatal line) within the window after it.
        func failedStart(_ e: Event) -> Bool {
            let p = DispatchProcess(e)
            guard let f = fatalLines.first(where: { DispatchProcess($0) == p && $0.realtime >= e.realtime && $0.realtime <= e.realtime + window })
            else { return false }
            if let s = served[p], s >= e.realtime, s <= f.realtime { return false }
            return true
        }
        var found: [FoundOutage] = []
        var current: FoundOutage?
        func cause(_ o: inout DispatchOutage, _ e: Event) {
            if let k = e.dispatch?.kind, k.isFatal {
                let c: OutageCause = k == .startFailed ? .startFailed : k == .listenFailed ? .listenFailed : .panic
                if o.cause == .stopped || o.cause == .crashed || o.detail == nil {
                    o.cause = c
                    o.detail = e.messageText
                }
            } else if case .unit(let a)? = e.signal {
                if case .restartScheduled = a { o.restarts += 1 }
                if a.isCrash, o.cause == .stopped { o.cause = .crashed }
                if case .failed(let r) = a, o.detail == nil { o.detail = "failed: " + r }
            }
        }
        /// An outage that starts with `e` (its first line).
        func opened(by e: Event, at t: UInt64, cause: OutageCause) -> FoundOutage {
            FoundOutage(
                outage: DispatchOutage(
                    host: e.host ?? hostName, start: t, end: t, ongoing: true, restarts: 0, cause: cause, detail: nil, events: []),
                failedStarts: [])
        }
        for (t, m) in markers {
            switch m {
            case .down(let e):
                if current == nil { current = opened(by: e, at: t, cause: .stopped) }
                current!.outage.events.append(e)
                current!.outage.end = t
                cause(&current!.outage, e)
            case .note(let e):
                guard current != nil else { continue }
                current!.outage.events.append(e)
                current!.outage.end = t
            case .alive:
                guard var c = current else { continue }
                c.outage.end = t
                c.outage.ongoing = false
                found.append(c)
                current = nil
            case .up(let e):
                if failedStart(e) {
                    if current == nil { current = opened(by: e, at: t, cause: .crashed) }
                    current!.outage.events.append(e)
                    current!.outage.end = t
                    current!.failedStarts.insert(e.cursorKey)
                } else if var c = current {
                    c.outage.events.append(e)
                    c.outage.end = t
                    c.outage.ongoing = false
                    found.append(c)
                    current = nil
                }
            }
        }
        if let c = current { found.append(c) }
        // A clean restart (stopped, started, listening: no crash, no restart scheduled) stays a
        // dispatch restart; an outage is a start that failed or a crash.
        return found.filter { $0.outage.cause != .stopped || $0.outage.restarts > 0 || $0.outage.ongoing }
    }

    /// The outage whose span (plus `dispatchRestartWindow` after its end) holds `t`.
    func outage(at t: UInt64) -> Int? {
        outages.firstIndex { t >= $0.start && t <= $0.end + settings.dispatchRestartWindow }
    }

    /// Whether a drop is one of a burst's: a teardown in a burst span, not
    /// one its own serve going down explains (`forgetExplainedTeardowns`).
    /// A socket the dispatch closed `upstream_closed` joins a burst its span
    /// holds (it makes none: the counter is of downstream teardowns): the
    /// label is of the error's text, and a client gone with the front
    /// segment fails the dispatch's writes with the same `broken pipe` or
    /// `reset by peer` (field guide 6.1's known mislabel).
    mutating func inBurst(_ ev: Event) -> Bool {
        (Self.isTeardown(ev) || ev.dispatch?.wsCause == .upstreamClosed) && !serveWentDown(ev.user, at: ev.writtenAt)
            && burstHit(at: ev.writtenAt)
    }

    /// Request errors written in [t - before, t + after] (indices into `requestErrors`).
    func requests(around t: UInt64, before: UInt64, after: UInt64) -> Range<Int> {
        window(requestErrors, around: t, before: before, after: after).indices
    }

    /// Of the serve units that timed out around `t` (`units`), the most whose
    /// runs of timeouts began within `--host-window` of each other: a starved
    /// host stalls its serves together; a serve that had been failing on its
    /// own for long (a livelock the watchdog gave up on) is not a second
    /// serve of another's blip (helper's x05).
    func alignedTimeoutUnits(_ units: Set<String>, by t: UInt64) -> Set<String> {
        guard units.count >= 2 else { return units }
        var onsets: [(unit: String, at: UInt64)] = []
        for u in units {
            guard let run = serveTimeoutRuns[u] else {
                onsets.append((u, t))
                continue
            }
            let upTo = Self.span(of: run.times, from: 0, to: t) { $0 }
            onsets.append((u, upTo.isEmpty ? t : run.runStart[upTo.upperBound - 1]))
        }
        onsets.sort { ($0.at, $0.unit) < ($1.at, $1.unit) }
        var best = 0..<1
        var a = 0
        for b in onsets.indices {
            while onsets[b].at - onsets[a].at > settings.hostWindow { a += 1 }
            if b - a + 1 > best.count { best = a..<(b + 1) }
        }
        return Set(onsets[best].map(\.unit))
    }

    /// How long after PID 1's `Started` a serve may still not answer: the
    /// unit is `Type=simple` (started when forked), and `t3 serve` binds its
    /// port seconds later, every serve at once after a boot.
    static let serveStartGrace: UInt64 = 10_000_000

    /// How far apart the drops of a break spread over seconds may be (`spread_out`).
    static let spreadGap: UInt64 = 5_000_000

    /// Drops judged the client's, or too few for a burst, of `--burst-min`
    /// or more users (an old-era line that names none counts as one), each
    /// written within `spreadGap` of the last: one break spread over seconds
    /// (a front replica draining its connections), not as many users' own
    /// networks failing at once. `unknown`/`spread_out`: nothing shows which
    /// segment, and the client is not blamed.
    private func markSpreadOut(_ out: inout [Drop]) {
        // A burst's drops count in a chain (its stragglers are the same break)
        // and keep their verdict.
        func loose(_ i: Int) -> Bool { out[i].burstSecond == nil && (out[i].verdict == .client || out[i].reason == .belowBurstThreshold) }
        let candidates = out.indices.filter { loose($0) || out[$0].burstSecond != nil }
            .sorted { (out[$0].event.writtenAt, $0) < (out[$1].event.writtenAt, $1) }
        var chain: [Int] = []
        func flush() {
            var users = Set<String>()
            var unnamed = 0
            for i in chain { if let u = out[i].event.userOrPort { users.insert(u) } else { unnamed += 1 } }
            if users.count + unnamed >= settings.burstMin {
                for i in chain where loose(i) {
                    out[i].verdict = .unknown
                    out[i].reason = .spreadOut
                    out[i].evidence = []
                }
            }
            chain = []
        }
        for i in candidates {
            if let last = chain.last, out[i].event.writtenAt > out[last].event.writtenAt + Self.spreadGap { flush() }
            chain.append(i)
        }
        flush()
    }

    /// The line that took `user`'s serve down, when it was down at `t`: the
    /// last of its unit's lines written by then says it went down (stopping,
    /// stopped, exited, failed, a restart scheduled) and none started it since.
    func serveDown(_ user: String, at t: UInt64, signals sigs: [Event]) -> Int? {
        guard let lines = serveUnitLines[user] else { return nil }
        let upTo = Self.span(of: lines, from: 0, to: t) { sigs[$0].writtenAt }
        guard let last = lines[upTo].last, sigs[last].signal != .unit(.started) else { return nil }
        return last
    }

    /// The dispatch's timed-out connections to serves written in [from, to].
    func dispatchTimeouts(from: UInt64, to: UInt64) -> ArraySlice<DispatchTimeout> {
        dispatchTimeouts[Self.span(of: dispatchTimeouts, from: from, to: to) { $0.writtenAt }]
    }

    /// Signals written in [t - before, t + after] (a slice: its indices are the signals').
    func window(_ sigs: [Event], around t: UInt64, before: UInt64, after: UInt64) -> ArraySlice<Event> {
        sigs[Self.span(of: sigs, from: t > before ? t - before : 0, to: t + after) { $0.writtenAt }]
    }

    /// The indices of `items`, in the order of `time`, whose time is in [from, to].
    @inline(__always)
    static func span<T>(of items: [T], from: UInt64, to: UInt64, time: (T) -> UInt64) -> Range<Int> {
        var a = 0
        var b = items.count
        while a < b {
            let m = (a + b) / 2
            if time(items[m]) < from { a = m + 1 } else { b = m }
        }
        var e = a
        while e < items.count && time(items[e]) <= to { e += 1 }
        return a..<e
    }

    /// What `judge` decides of a drop.
    struct Judgement {
        var verdict: Verdict
        var reason: Reason
        var evidence: [EvidenceRef]
        var burstSecond: UInt64?
    }

    func judge(_ drop: inout Drop, index: Int, inBurst: Bool, signals sigs: [Event], leads: [UInt64], gaps: [HostGap]) {
        var judged = Judgement(verdict: drop.verdict, reason: drop.reason, evidence: drop.evidence, burstSecond: drop.burstSecond)
        judge(drop, index: index, into: &judged, inBurst: inBurst, signals: sigs, leads: leads, gaps: gaps)
        drop.verdict = judged.verdict
        drop.reason = judged.reason
        drop.evidence = judged.evidence
        drop.burstSecond = judged.burstSecond
    }

    /// The rules, in order, on a drop read in place (a drop changed while
    /// it is judged would be copied for every drop, its event too).
    private func judge(
        _ drop: Drop, index: Int, into judged: inout Judgement, inBurst: Bool, signals sigs: [Event], leads: [UInt64], gaps: [HostGap]
    ) {
        let ev = drop.event
        let t = ev.writtenAt
        let s = settings
        func set(_ v: Verdict, _ r: Reason, _ evidence: [EvidenceRef]) {
            judged.verdict = v
            judged.reason = r
            judged.evidence = Array(evidence.prefix(s.maxEvidence))
        }
        func refs(_ idx: [Int]) -> [EvidenceRef] { idx.map { .signal(Int32($0)) } }
        func indices(_ slice: ArraySlice<Event>, _ keep: (Event) -> Bool) -> [Int] {
            slice.indices.filter { keep(sigs[$0]) }
        }
        func indices(_ idx: [Int], _ keep: (Event) -> Bool) -> [Int] { idx.filter { keep(sigs[$0]) } }
        if inBurst { judged.burstSecond = ev.writtenSecond }
        // A verdict that rests on "everything else was quiet" cannot stand inside a
        // hole journald's rate limit left in the dispatch's or a serve's lines
        // (issue 13, section 7): the notice comes with the first line accepted
        // after the limit's interval, so it covers the interval before it.
        func suppressed(_ t: UInt64) -> Bool {
            let notices = indices(window(sigs, around: t, before: 0, after: s.suppressionWindow)) { e in
                if case .journalSuppressed? = e.signal { true } else { false }
            }
            guard !notices.isEmpty else { return false }
            set(.unknown, .journalSuppressed, refs(notices))
            return true
        }

        // 1. The host froze or rebooted just before: unless the socket was opened
        // after the host came back (its `dur_ms` says when: a second of slack for
        // Go's whole-second prefix), which the gap did not cut, and, after a
        // reboot, after its user's serve had started again: a socket opened
        // before that reached no serve (refused, or left waiting), the reboot's.
        let openedAt = ev.durationMs.map { ev.writtenAt.subtractingClamped($0.multipliedReportingOverflow(by: 1000).overflow ? .max : $0 * 1000) }
        func beforeServeStarted(after g: HostGap, open: UInt64) -> Bool {
            guard g.bootChanged, let user = ev.user, g.end < t + s.serveWindow else { return false }
            let started = window(sigs, around: t, before: t.subtractingClamped(g.end), after: s.serveWindow).first {
                $0.user == user && $0.signal == .unit(.started) && $0.realtime >= g.end
            }
            return started.map { $0.writtenAt + 1_000_000 + Self.serveStartGrace > open } ?? false
        }
        if let gi = Self.lastGapIndex(gaps, endingBy: ev.realtime + s.hostAfter), gaps[gi].end + s.hostWindow >= ev.realtime,
            openedAt.map({ $0 < gaps[gi].end + 1_000_000 || beforeServeStarted(after: gaps[gi], open: $0) }) ?? true
        {
            let g = gaps[gi]
            set(
                .devvm, g.bootChanged ? .reboot : .hostGap,
                (g.before == nil ? [] : [.gapBefore(Int32(gi))]) + (g.after == nil ? [] : [.gapAfter(Int32(gi))]))
            return
        }
        // A socket opened on the dispatch that came back at `back` (its `dur_ms`
        // says so, from the line's whole second: the earliest it can have
        // opened) whose own serve went down while it was open (after it opened,
        // by a second after the close was received: PID 1 may log a crash a
        // moment after the dispatch logged the close): the restart did not cut it, its serve did (a
        // deploy restarts the dispatch, then every serve); the serve rules
        // below judge it. A serve stop before the socket opened, or after the
        // drop, did not cut it: the restart's.
        let downs = ev.user.flatMap { serveDownTimes[$0] } ?? []
        func servedAfter(_ back: UInt64) -> Bool {
            guard let openedAt, openedAt >= back else { return false }
            return downs.contains { $0 >= openedAt && $0 <= ev.realtime + 1_000_000 }
        }
        // 1b. Dispatch was down (a crash loop, a start that failed): every drop in it is the dispatch's,
        // and a user who reconnected into a dead dispatch is not the client's.
        if let o = outage(at: ev.realtime), outages[o].ongoing || !servedAfter(outages[o].end) {
            let outageRefs = outages[o].events.indices.prefix(s.maxEvidence).map { EvidenceRef.outage(Int32(o), Int32($0)) }
            // The dispatch as a victim: a host-wide OOM kill (a global OOM, earlyoom) just
            // before it went down says the host ran out of memory, not the dispatch.
            let starved = indices(window(sigs, around: outages[o].start, before: s.hostWindow, after: s.hostAfter)) { e in
                switch e.signal {
                case .oomKill(_, _, _, let global, _)?: global
                case .earlyoomKill?: true
                default: false
                }
            }
            if !starved.isEmpty {
                set(.devvm, .oomKill, refs(starved) + outageRefs)
                return
            }
            set(.dispatch, .dispatchOutage, outageRefs)
            return
        }
        // 2. Dispatch restarted: every socket dropped with it.
        if drop.trigger == .dispatchRestart {
            let around = indices(window(sigs, around: t, before: 60_000_000, after: 5_000_000)) { e in
                guard e.user == nil, e.unit != nil, case .unit? = e.signal else { return false }
                return true
            }
            set(.dispatch, .dispatchRestart, refs(around))
            return
        }
        let side = ev.dispatch?.side ?? .unknown
        // A line the process that died wrote is not the restart's: t3-dispatch
        // dies at once and logs no `ws close` for the sockets it held (field
        // guide 6.1; those are the restart's `severed`). Its closes just before
        // a restart are judged as any other.
        if side != .upstream,
            let r = dispatchRestarts.firstIndex(where: {
                $0.realtime + s.dispatchRestartWindow >= ev.realtime && $0.realtime <= ev.realtime + s.dispatchRestartWindow
                    && !(ev.pid != nil && $0.pid != nil && ev.pid != $0.pid) && !servedAfter($0.realtime)
            })
        {
            set(.dispatch, .dispatchRestart, [.restart(Int32(r))])
            return
        }

        // The host had no ephemeral port left to dial the serve with (issue 13, section 6).
        if ev.dispatch?.error?.errorClass == .addressExhausted {
            set(.devvm, .ephemeralPorts, [])
            return
        }
        // Host-wide signals from `--host-window` before the drop to `hostAfter`
        // after it, and later ones whose condition had begun by then: the
        // markers of a stall are written after it started (a hung task after
        // 120 s, a soft lockup after ~20 s, a process timeout after its
        // limit, an OOM kill at the end of the swap storm before it).
        let host = window(sigs, around: t, before: s.hostWindow, after: s.hostWindow).indices.filter { i in
            sigs[i].writtenAt <= t + s.hostAfter || sigs[i].writtenAt.subtractingClamped(leads[i]) <= t + s.hostAfter
        }
        // Only host-wide memory trouble indicts the host (issue 13, section 3):
        // a global OOM, earlyoom, a kill in a cgroup that is neither a serve nor
        // a user's login slice; hung-task/soft-lockup lines are their own reason.
        // (Closures here take the fields they need, not `self`: one that reads
        // a field copies the whole attributor, for every drop.)
        let serveUnits = serveUnits
        let ooms = indices(host) { e in
            switch e.signal {
            case .oomKill(_, _, let memcg, let global, let limit)?:
                Self.isHostWideOOM(memcg: memcg, global: global, limit: limit, serveUnits: serveUnits)
            case .earlyoomKill?: true
            default: false
            }
        }
        let stalls = indices(host) { $0.signal == .kernelStall }
        // Serve-side timeouts: the serves' own (git, processes) and the
        // watchdog's probes that timed out (field guide 1, 2.6).
        let timeouts = indices(host) { ($0.signal?.isStarvation ?? false) || ($0.signal?.isProbeTimeout ?? false) }
        // And the dispatch's own connections to serves that timed out (this
        // drop's too): serves of several users not answering at once is the
        // host (field guide 1, 2.2), as their own timeouts are.
        let dialed = dispatchTimeouts(from: t.subtractingClamped(s.hostWindow), to: t + s.hostAfter)
        let timeoutUnits = alignedTimeoutUnits(
            Set(timeouts.compactMap { sigs[$0].unit }).union(dialed.map { serveUnits.unit(forUser: $0.user) }), by: t + s.hostAfter)
        let timeoutRefs = refs(timeouts) + dialed.map(\.ref).filter { $0 != .drop(Int32(index)) }

        // The user's own serve went down at the drop (PID 1's stop, exit or
        // failure of its unit within `stopAfterDrop` either side): its sockets
        // died with it, in a burst or not (`systemctl restart t3-serve@*`, a
        // shutdown stopping every serve). A reboot just after makes it the host's.
        let ownServeDown = serveWentDown(ev.user, at: t)
        if ownServeDown,
            let gi = gaps.firstIndex(where: { $0.bootChanged && $0.start + 1_000_000 >= ev.realtime && $0.start <= ev.realtime + s.hostWindow })
        {
            let g = gaps[gi]
            set(.devvm, .reboot, (g.before == nil ? [] : [.gapBefore(Int32(gi))]) + (g.after == nil ? [] : [.gapAfter(Int32(gi))]))
            return
        }

        // 3. A burst: the front segment, unless the host was starving (a drop
        // whose own serve went down with it is none of a burst's: `inBurst`).
        if judged.burstSecond != nil {
            if !ooms.isEmpty {
                set(.devvm, .oomKill, refs(ooms + timeouts))
                return
            }
            if !stalls.isEmpty {
                set(.devvm, .kernelStall, refs(stalls + timeouts))
                return
            }
            if timeoutUnits.count >= s.unitsForHostStarvation {
                set(.devvm, .serveTimeouts, timeoutRefs)
                return
            }
            if suppressed(t) { return }
            set(.edge, .burst, [])
            return
        }

        // 4. The user's own serve restarted, was killed or starved.
        let near = window(sigs, around: t, before: s.serveWindow, after: s.serveWindow)
        var user = ev.user
        if user == nil && side == .upstream {
            let restarted = Set(near.filter { if case .unit(let a)? = $0.signal { a.isCrash || a == .started } else { false } }.compactMap(\.user))
            if restarted.count == 1 { user = restarted.first }
        }
        // What happened to the serve before an established socket was opened
        // (its `dur_ms` says when, a second of slack for Go's whole-second
        // prefix) happened to a process this socket never reached: a crash, a
        // kill or a restart the serve had come back from, as its answering the
        // upgrade shows (field guide 6.2), as rule 1 does for a host gap. Only
        // `graceful` says the upgrade was answered: `upstream_closed` is also a
        // dial refused, `downstream_closed` a client that gave up waiting (6.1).
        // Unless the serve was down when the socket opened: then nothing had come
        // back, and whatever answered the upgrade was not the serve.
        let establishedAt =
            ev.dispatch?.wsCause == .graceful
            ? openedAt.flatMap { open in
                user.flatMap { serveDown($0, at: open, signals: sigs) } == nil ? open : nil
            } : nil
        func beforeOpen(_ i: Int) -> Bool { establishedAt.map { sigs[i].writtenAt + 1_000_000 < $0 } ?? false }
        if let user {
            // A serve coming up after a boot (its unit's first lines of the boot) is no restart.
            let firstStarts = firstStartsOfBoot
            let ofUser = indices(near) { $0.user == user && !($0.signal?.saysNothingOfTheServe ?? false) }.filter { !firstStarts.contains($0) }
            let mine = ofUser.filter { !beforeOpen($0) }
            let mineRefs = refs(mine)
            func has(_ p: (Signal) -> Bool) -> Bool { mine.contains { sigs[$0].signal.map(p) ?? false } }
            // A CONSTRAINT_MEMCG kill in the serve's cgroup is that user's event; with
            // OOMPolicy=continue (infra scripts/t3-serve@.service) the serve usually lives
            // on, so it explains the drop only when the main process died or the unit
            // restarted (issue 13, section 3).
            let oomLines = mine.filter {
                switch sigs[$0].signal {
                case .oomKill?, .unit(.oomKilled)?, .unit(.failed("oom-kill"))?: true
                default: false
                }
            }
            let unitEnds = mine.filter { if case .unit(let a)? = sigs[$0].signal { a != .oomKilled } else { false } }
            let diedOrRestarted = !unitEnds.isEmpty
            // A planned, scripted or manual stop that began after the drop did not cause it
            // (a stop cuts the serve's sockets at once; the script announcing it logs after
            // the restart, so the announcement may be later, the unit's going down may not).
            // With no line of the unit going down, the announcement decides, as before.
            let downs = mine.filter {
                switch sigs[$0].signal {
                case .unit(.stopping)?, .unit(.stopped)?, .unit(.exited)?, .unit(.failed)?, .unit(.stopTimeout)?: true
                default: false
                }
            }
            // A restart announced after the socket opened, the unit down only
            // before it: the announcement is of that earlier restart.
            let downBeforeOpen = ofUser.contains { i in
                guard beforeOpen(i) else { return false }
                switch sigs[i].signal {
                case .unit(.stopping)?, .unit(.stopped)?, .unit(.exited)?, .unit(.failed)?, .unit(.stopTimeout)?, .unit(.started)?: return true
                default: return false
                }
            }
            let announcedOfAnEarlierProcess = downs.isEmpty && downBeforeOpen
            let wentDownByDrop = (downs.isEmpty && !announcedOfAnEarlierProcess) || downs.contains { sigs[$0].writtenAt <= t + s.stopAfterDrop }
            // The OOM kill ended or restarted the unit: the unit's end within
            // `oomDeathWindow` after it (a restart a minute later is another story).
            let cgroupOOM = oomLines.contains { k in
                unitEnds.contains { e in sigs[e].writtenAt >= sigs[k].writtenAt && sigs[e].writtenAt - sigs[k].writtenAt <= s.oomDeathWindow }
            }
            // The host ran out of memory and the serve was its victim: a global
            // OOM kill in the serve's cgroup, and its main process dead of a
            // kill within `oomDeathWindow` after (field guide 2.5). Not the
            // serve's own limit.
            let deaths = mine.filter {
                switch sigs[$0].signal {
                case .unit(.exited(.killed, _))?, .unit(.failed("oom-kill"))?: true
                default: false
                }
            }
            let globalKills = mine.filter { k in
                guard case .oomKill(_, _, _, global: true, _)? = sigs[k].signal else { return false }
                return deaths.contains { d in sigs[d].writtenAt >= sigs[k].writtenAt && sigs[d].writtenAt - sigs[k].writtenAt <= s.oomDeathWindow }
            }
            // earlyoom (the host's low-memory killer) names a pid and uid, no unit:
            // its kill is the serve's death when the main process ended of that
            // very signal within `oomDeathWindow` after, with no stop asked of the
            // unit (PID 1's `Stopping`). `t3 serve` ends on SIGTERM as on a stop
            // (status 130); a SIGKILL after a SIGTERM to someone else's process is
            // no proof (field guide 6.3: earlyoom names no cgroup).
            let mainEnds = mine.filter { if case .unit(.exited)? = sigs[$0].signal { true } else { false } }
            let stopsAsked = mine.filter { sigs[$0].signal == .unit(.stopping) }
            func endedBy(_ signal: Int?, _ d: Int) -> Bool {
                switch (signal, sigs[d].signal) {
                case (15?, .unit(.exited(.killed, 15?))?), (15?, .unit(.exited(.exited, 130?))?), (9?, .unit(.exited(.killed, 9?))?): true
                default: false
                }
            }
            // (Looked for only when the main process ended: most drops get here.)
            let earlyoomKills = (mainEnds.isEmpty ? [] : indices(near) { if case .earlyoomKill? = $0.signal { true } else { false } }).filter { k in
                guard case .earlyoomKill(_, _, let signal)? = sigs[k].signal else { return false }
                return mainEnds.contains { d in
                    endedBy(signal, d) && sigs[d].writtenAt >= sigs[k].writtenAt && sigs[d].writtenAt - sigs[k].writtenAt <= s.oomDeathWindow
                        && !stopsAsked.contains {
                            sigs[$0].writtenAt <= sigs[d].writtenAt && sigs[$0].writtenAt + s.oomDeathWindow >= sigs[k].writtenAt
                        }
                }
            }
            if !globalKills.isEmpty || !earlyoomKills.isEmpty {
                let ends = earlyoomKills.isEmpty ? deaths : deaths + mainEnds
                set(.devvm, .oomKill, refs(Array(Set(globalKills + earlyoomKills + ends)).sorted()))
                return
            }
            if cgroupOOM {
                set(.serve, .oomKill, mineRefs)
                return
            }
            // Restarts announced by the script that asked for them (t3-safe-restart.sh
            // logs under the caller's tag): under t3-watchdog it is the watchdog's.
            if !announcedOfAnEarlierProcess,
                has({
                    switch $0 {
                    case .watchdogRestart: true
                    case .restartFailed(let script): script == SignalParser.watchdogTag
                    default: false
                    }
                })
            {
                set(.serve, .watchdogRestart, mineRefs)
                return
            }
            if wentDownByDrop,
                has({
                    switch $0 {
                    case .plannedRestart, .restartFailed: true
                    default: false
                    }
                })
            {
                set(.serve, .plannedRestart, mineRefs)
                return
            }
            if wentDownByDrop, has({ $0 == .serveDisabled }) {
                set(.serve, .serveDisabled, mineRefs)
                return
            }
            // A stop that hung and was killed: the SIGKILL's exit is not a crash.
            if has({ $0 == .unit(.stopTimeout) }) {
                set(.serve, .stopTimeout, mineRefs)
                return
            }
            if has({ if case .unit(let a) = $0 { a.isCrash } else { false } }) {
                set(.serve, .crashRestart, mineRefs)
                return
            }
            // Stopped, started or exited 130 with nobody announcing it: an operator's restart.
            if diedOrRestarted && wentDownByDrop {
                set(.serve, .unitRestart, mineRefs)
                return
            }
            // The unit was down at the drop, however long before it went down (a
            // start limit hit, a stop nobody undid): the drop reached no serve.
            if let down = serveDown(user, at: t, signals: sigs) {
                set(.serve, .unitDown, refs([down]))
                return
            }
        }
        // 4b. A plain request of the same user was refused by its serve's port
        // nearby (new era: a request error, still evidence that the serve was down).
        if let user {
            let requestErrors = requestErrors
            // Refused before the socket was opened: the serve was down then, and back by its open.
            let refusedReqs = requests(around: t, before: s.serveWindow, after: s.serveWindow).filter { q in
                requestErrors[q].user == user && requestErrors[q].dispatch?.error?.errorClass == .refused
                    && !(establishedAt.map { open in requestErrors[q].writtenAt + 1_000_000 < open } ?? false)
            }
            let refusedPairings = indices(near) { $0.user == user && $0.signal == .pairingRefused }.filter { !beforeOpen($0) }
            if !refusedReqs.isEmpty || !refusedPairings.isEmpty {
                set(.serve, .refused, refusedReqs.map { .request(Int32($0)) } + refs(refusedPairings))
                return
            }
            // 4c. The user's serve reset or cut its plain requests at the drop
            // (within `stopAfterDrop` either side; the side after `->` is the
            // serve's port, field guide 2.2): it was closing connections, and the
            // socket's with them, though it lived on.
            // The dispatch's pairing cut off the same way counts too, and for a
            // client that gave up on an upgrade, while the upgrade waited.
            let cutBefore = ev.dispatch?.wsCause == .downstreamClosed ? max(s.stopAfterDrop, t - (openedAt ?? t)) : s.stopAfterDrop
            let cut = requests(around: t, before: cutBefore, after: s.stopAfterDrop).filter { q in
                guard requestErrors[q].user == user, let d = requestErrors[q].dispatch, d.side == .upstream else { return false }
                switch d.error?.errorClass {
                case .reset?, .brokenPipe?, .eof?, .unexpectedEOF?:
                    return !(establishedAt.map { open in requestErrors[q].writtenAt + 1_000_000 < open } ?? false)
                default: return false
                }
            }
            let cutPairings = indices(window(sigs, around: t, before: cutBefore, after: s.stopAfterDrop)) {
                if $0.user == user, case .pairingCut? = $0.signal { true } else { false }
            }.filter { !beforeOpen($0) }
            // Two at least: one reset alone is Go's keep-alive race (Node closes an
            // idle connection as the dispatch reuses it), no sign of the serve.
            if cut.count + cutPairings.count >= 2 {
                // The first of them in time names the reason.
                var timed: [(at: UInt64, cls: ErrorClass)] = []
                for q in cut { if let c = requestErrors[q].dispatch?.error?.errorClass { timed.append((requestErrors[q].writtenAt, c)) } }
                for i in cutPairings { if case .pairingCut(let c)? = sigs[i].signal { timed.append((sigs[i].writtenAt, c)) } }
                let classes = timed.sorted { $0.at < $1.at }.map(\.cls)
                set(
                    .serve, classes.first == .eof || classes.first == .unexpectedEOF ? .eof : .reset,
                    cut.map { .request(Int32($0)) } + refs(cutPairings))
                return
            }
        }
        // 5. The serve's port refused, reset or hung up.
        if side == .upstream {
            let cls = ev.dispatch?.error?.errorClass
            let reason: Reason
            switch cls {
            case .refused?: reason = .refused
            case .reset?, .brokenPipe?: reason = .reset
            case .eof?, .unexpectedEOF?: reason = .eof
            case .timeout?: reason = .serveTimeout
            default: reason = ev.dispatch?.wsCause == .upstreamClosed ? .upstreamClosed : .upstreamError
            }
            if user == nil && (cls == .eof || cls == .unexpectedEOF || cls == .other || cls == nil) {
                set(.unknown, .upstreamNoUser, [])
                return
            }
            // One serve not answering is that serve's; serves of several users
            // at once are the host's (rule 7's starvation, checked here first).
            if cls == .timeout, timeoutUnits.count >= s.unitsForHostStarvation {
                set(.devvm, .serveTimeouts, timeoutRefs)
                return
            }
            set(.serve, reason, user.map { u in refs(indices(near) { $0.user == u && !($0.signal?.saysNothingOfTheServe ?? false) }) } ?? [])
            return
        }
        // 6. The user's serve starving (its own timeouts, watchdog probe timeouts).
        if let user {
            let starving = indices(near) { e in
                guard e.user == user, let sig = e.signal else { return false }
                if sig.isStarvation { return true }
                if case .probeFailed = sig { return true }
                return false
            }
            if !starving.isEmpty && timeoutUnits.subtracting([serveUnits.unit(forUser: user)]).count < s.unitsForHostStarvation - 1 {
                // Probes the serve's port refused (`reason=connection-refused`, curl's
                // exit 7 in `http=000(curl=7)`), and nothing else: the serve was down.
                let refusedOnly = starving.allSatisfy { i in
                    guard case .probeFailed(let reason, _)? = sigs[i].signal else { return false }
                    return reason == "connection-refused" || reason.hasSuffix("(curl=7)")
                }
                set(.serve, refusedOnly ? .refused : .serveTimeout, refs(starving))
                return
            }
        }
        // 7. The host was in trouble.
        if !ooms.isEmpty {
            set(.devvm, .oomKill, refs(ooms))
            return
        }
        if !stalls.isEmpty {
            set(.devvm, .kernelStall, refs(stalls))
            return
        }
        if timeoutUnits.count >= s.unitsForHostStarvation {
            set(.devvm, .serveTimeouts, timeoutRefs)
            return
        }

        // 8. One user's teardown with everything else quiet: their own network.
        // "Alone" over the burst rule's span (teardowns within a second either
        // side), counting other users' teardowns: one user's tabs dropping
        // together are still that user alone.
        if side == .downstream || drop.trigger == .shortSocket || drop.trigger == .reconnect {
            // A client giving up on an upgrade is alone when no other user's
            // socket ended or gave up around it either (field guide 1: `client`
            // is one user's drop while no other user dropped).
            let me = ev.dispatch?.user
            var others = 0
            if Self.isTeardown(ev) {
                others = othersTearingDown(near: ev.writtenAt, user: me)
            } else if ev.dispatch?.wsCause == .downstreamClosed {
                others = othersTearingDown(near: ev.writtenAt, user: me) + othersQuittingUpgrades(near: ev.writtenAt, user: me)
            }
            if others == 0 {
                if suppressed(t) { return }
                // A client that gave up on an upgrade looks the same as a serve that never
                // answered it (field guide 6.1): `client` only when that user's serve
                // demonstrably answered upgrades around it (the host was checked above).
                if ev.dispatch?.wsCause == .downstreamClosed, !(user.map { serveAnswered($0, around: t) } ?? false) {
                    set(.unknown, .downstreamUnconfirmed, [])
                    return
                }
                set(.client, side == .downstream ? .isolatedCancel : .isolatedDrop, [])
                return
            }
            // Too few to be a burst, unless journald dropped the rest of the count.
            if suppressed(t) { return }
            set(.unknown, .belowBurstThreshold, [])
            return
        }
        set(.unknown, .noEvidence, [])
    }

    /// How long before its own line the condition a host-wide signal reports
    /// had begun (at most `--host-window`): the duration a hung-task or
    /// soft-lockup line states (10 s for lockup and RCU lines that state
    /// none), a serve timeout's limit (`timed out after 30000ms`, at most
    /// `serveTimeoutLead`), and
    /// `oomLead` for a global OOM kill (runbook section 3: a runaway
    /// agent swap-thrashes the box for tens of seconds, then the OOM killer ends it).
    public static func lead(of e: Event, _ s: AttributionSettings) -> UInt64 {
        let lead: UInt64
        switch e.signal {
        case .kernelStall?: lead = SignalParser.statedSeconds(e.message).map { min($0, 86_400) * 1_000_000 } ?? 10_000_000
        // The limit a serve's line states, at most `serveTimeoutLead`: the line
        // is the serve's own output, the user's text.
        case .serveTimeout?: lead = min(SignalParser.timeoutLimit(e.message) ?? 0, s.serveTimeoutLead)
        // The kernel kills only after reclaim failed (the box thrashed); a
        // cgroup's own limit, and earlyoom (which acts before any storm), end none.
        case .oomKill(_, _, _, global: true, _)?: lead = s.oomLead
        default: lead = 0
        }
        return min(lead, s.hostWindow)
    }

    /// An OOM kill that says the host ran short (issue 13, section 3): a global
    /// OOM (any constraint but `CONSTRAINT_MEMCG`), or a kill in a cgroup that is
    /// neither one user's serve (its `MemoryMax`) nor under a user's login slice
    /// (`/user.slice/user-<uid>.slice`, where the per-user and per-pane caps of
    /// infra scripts/workstation/setup-devvm.sh §10a live: that user's shell work).
    public static func isHostWideOOM(memcg: String?, global: Bool, limit: String? = nil, serveUnits: ServeUnits) -> Bool {
        if global { return true }
        // A cgroup below a top-level slice (a pod, a container, a service)
        // hit its own cap: the host was not short of memory. A top-level
        // slice's cap (`/docker.slice`, `/kubepods.slice`) is a class of the
        // host's work run out.
        if let limit, limit.split(separator: "/").count >= 2 { return false }
        guard let memcg, !memcg.isEmpty else { return false }
        if serveUnits.user(inCgroup: memcg) != nil { return false }
        if memcg.hasPrefix("/user.slice/user-") { return false }
        return true
    }

    /// The last gap (gaps are sorted by end) that ended at or before `t`.
    static func lastGapIndex(_ gaps: [HostGap], endingBy t: UInt64) -> Int? {
        var a = 0
        var b = gaps.count
        while a < b {
            let m = (a + b) / 2
            if gaps[m].end <= t { a = m + 1 } else { b = m }
        }
        return a > 0 ? a - 1 : nil
    }

    /// Groups the burst drops (marked by `judge`) into bursts: teardowns no
    /// more than a second apart are one burst (a sliding window, so one
    /// break is one burst however it falls on second boundaries). Sets each
    /// member's `burstSecond` to its burst's first second; a burst's drops are
    /// each other's evidence.
    func groupBursts(_ drops: inout [Drop]) -> [Burst] {
        let idx = drops.indices.filter { drops[$0].burstSecond != nil }.sorted {
            (drops[$0].event.writtenAt, $0) < (drops[$1].event.writtenAt, $1)
        }
        var groups: [[Int]] = []
        var lastAt: UInt64 = 0
        for i in idx {
            let at = drops[i].event.writtenAt
            if !groups.isEmpty, at <= lastAt + 1_000_000 { groups[groups.count - 1].append(i) } else { groups.append([i]) }
            lastAt = max(lastAt, at)
        }
        return groups.map { members in
            let start = drops[members[0]].event.writtenAt
            let end = members.map { drops[$0].event.writtenAt }.max() ?? start
            let sec = start / 1_000_000
            for i in members {
                drops[i].burstSecond = sec
                if drops[i].reason == .burst {
                    drops[i].evidence = members.lazy.filter { $0 != i }.prefix(settings.maxEvidence).map { .drop(Int32($0)) }
                }
            }
            // Counted by name: a class, or the kind of a drop without one (a restart).
            var classes: [String: Int] = [:]
            for m in members { classes[drops[m].event.className?.name ?? drops[m].event.kind.rawValue, default: 0] += 1 }
            let first = drops[members[0]]
            let users = Array(Set(members.compactMap { drops[$0].event.userOrPort })).sorted()
            var evidence = first.evidence
            if evidence.isEmpty || first.reason == .burst {
                evidence = members.prefix(settings.maxEvidence).map { .drop(Int32($0)) }
            }
            // Requests cancelled in the same seconds corroborate a shared-segment break.
            let spanStart = sec * 1_000_000
            let cancelled = requests(around: spanStart, before: 0, after: (end / 1_000_000 + 1) * 1_000_000 - 1 - spanStart)
                .filter { requestErrors[$0].dispatch?.error?.errorClass == .canceled }
            evidence += cancelled.prefix(max(0, settings.maxEvidence - evidence.count)).map { .request(Int32($0)) }
            var requestsCancelled = 0
            for k in sec...(end / 1_000_000) { requestsCancelled += cancelledRequests[k] ?? 0 }
            let era: BurstEra = members.allSatisfy { drops[$0].event.dispatch?.user != nil } ? .users : .lines
            return Burst(
                host: first.event.host, second: sec, start: start, end: end, count: members.count, users: users, classes: classes,
                verdict: first.verdict, reason: first.reason, evidence: evidence, era: era, requestsCancelled: requestsCancelled)
        }
    }
}

/// The answer: every drop with its verdict, the bursts, and what backed them.
public struct Attribution: Sendable {
    public var drops: [Drop]
    public var bursts: [Burst]
    /// New-era proxy errors: failed plain HTTP requests, never drops (written-time order).
    public var requestErrors: [Event] = []
    /// Written seconds with at least `--min` cancelled requests (`bursts --requests`).
    public var requestBursts: [RequestBurst] = []
    /// t3-dispatch outages (crash loops, failed starts).
    public var outages: [DispatchOutage] = []
    /// Drops explained by the same thing, in order of their first drop.
    public var incidents: [Incident] = []
    /// Signals in written-time order (what `EvidenceRef.signal` indexes).
    public var signals: [Event]
    public var gaps: [HostGap]
    public var restarts: [Event]
    public var clockWentBack: [(from: UInt64, to: UInt64)]
    /// Drops not listed because only those in bursts were kept (`t3attr bursts`).
    public var dropsLeftOut = 0
    /// `report --verdict`/`--user`: the options that chose the drops listed,
    /// and how many drops they left out.
    public var filters: [String] = []
    public var filteredOut = 0

    /// The journal entries behind a reference.
    public func evidence(_ r: EvidenceRef) -> Evidence? {
        switch r {
        case .signal(let i): return Evidence(signals[Int(i)])
        case .drop(let i): return Evidence(drops[Int(i)].event)
        case .restart(let i): return Evidence(restarts[Int(i)])
        case .gapBefore(let i): return gaps[Int(i)].before
        case .gapAfter(let i): return gaps[Int(i)].after
        case .request(let i): return Evidence(requestErrors[Int(i)])
        case .outage(let o, let e): return Evidence(outages[Int(o)].events[Int(e)])
        }
    }

    public func evidence(_ refs: [EvidenceRef]) -> [Evidence] { refs.compactMap { evidence($0) } }

    /// Several hosts' attributions as one: arrays concatenated, references
    /// shifted, drops in time order (each keeps its host in `event.host`).
    public static func merge(_ parts: consuming [Attribution]) -> Attribution {
        if parts.count == 1 { return parts[0] }
        var out = Attribution(drops: [], bursts: [], signals: [], gaps: [], restarts: [], clockWentBack: [])
        // Each part's arrays, references shifted in place, then moved (not
        // copied) into one: a fleet's drops and incidents are many, and a
        // copy of each costs a retain and a release of every reference it holds.
        var drops: [[Drop]] = []
        var incidents: [[Incident]] = []
        var signals: [[Event]] = []
        var requestErrors: [[Event]] = []
        var (dropCount, signalCount, restartCount, gapCount, requestCount, outageCount, incidentCount) = (0, 0, 0, 0, 0, 0, 0)
        for k in parts.indices {
            var p = Attribution(drops: [], bursts: [], signals: [], gaps: [], restarts: [], clockWentBack: [])
            swap(&p, &parts[k])
            let (ds, ss, rs, gs) = (Int32(dropCount), Int32(signalCount), Int32(restartCount), Int32(gapCount))
            let (qs, os) = (Int32(requestCount), Int32(outageCount))
            func shift(_ r: EvidenceRef) -> EvidenceRef {
                switch r {
                case .signal(let i): .signal(i + ss)
                case .drop(let i): .drop(i + ds)
                case .restart(let i): .restart(i + rs)
                case .gapBefore(let i): .gapBefore(i + gs)
                case .gapAfter(let i): .gapAfter(i + gs)
                case .request(let i): .request(i + qs)
                case .outage(let o, let e): .outage(o + os, e)
                }
            }
            let incidentBase = incidentCount
            for i in p.drops.indices {
                p.drops[i].evidence = p.drops[i].evidence.map(shift)
                p.drops[i].incident = p.drops[i].incident.map { $0 + incidentBase }
            }
            for i in p.bursts.indices { p.bursts[i].evidence = p.bursts[i].evidence.map(shift) }
            for i in p.incidents.indices {
                p.incidents[i].id += incidentBase
                p.incidents[i].evidence = p.incidents[i].evidence.map(shift)
            }
            dropCount += p.drops.count
            signalCount += p.signals.count
            restartCount += p.restarts.count
            gapCount += p.gaps.count
            requestCount += p.requestErrors.count
            outageCount += p.outages.count
            incidentCount += p.incidents.count
            drops.append([])
            swap(&drops[k], &p.drops)
            incidents.append([])
            swap(&incidents[k], &p.incidents)
            signals.append([])
            swap(&signals[k], &p.signals)
            requestErrors.append([])
            swap(&requestErrors[k], &p.requestErrors)
            out.bursts += p.bursts
            out.requestBursts += p.requestBursts
            out.outages += p.outages
            out.restarts += p.restarts
            out.gaps += p.gaps
            out.clockWentBack += p.clockWentBack
            out.dropsLeftOut += p.dropsLeftOut
        }
        out.drops = movedTogether(&drops)
        out.incidents = movedTogether(&incidents)
        out.signals = movedTogether(&signals)
        out.requestErrors = movedTogether(&requestErrors)
        // Time order across hosts; `.drop` references follow their drop. The
        // keys are sorted apart from the drops (a comparison of two drops
        // would copy them), and the drops put in order by swaps.
        let order: [Int]
        do {
            let times = out.drops.indices.map { out.drops[$0].event.realtime }
            order = times.indices.sorted { (times[$0], $0) < (times[$1], $1) }
        }
        var newIndex = [Int32](repeating: 0, count: order.count)
        for (n, old) in order.enumerated() { newIndex[old] = Int32(n) }
        func remap(_ r: EvidenceRef) -> EvidenceRef { if case .drop(let i) = r { .drop(newIndex[Int(i)]) } else { r } }
        // Position n takes the drop at order[n]: each cycle of the permutation
        // in turn, its drops moved (`swapAt` copies them).
        var placed = [Bool](repeating: false, count: order.count)
        out.drops.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            for start in order.indices where !placed[start] && order[start] != start {
                let carried = (base + start).move()
                var n = start
                while true {
                    placed[n] = true
                    let from = order[n]
                    if from == start {
                        (base + n).initialize(to: carried)
                        break
                    }
                    (base + n).moveInitialize(from: base + from, count: 1)
                    n = from
                }
            }
        }
        for i in out.drops.indices { out.drops[i].evidence = out.drops[i].evidence.map(remap) }
        for i in out.bursts.indices { out.bursts[i].evidence = out.bursts[i].evidence.map(remap) }
        out.bursts.sort { $0.second < $1.second }
        out.requestBursts.sort { $0.second < $1.second }
        for i in out.incidents.indices { out.incidents[i].evidence = out.incidents[i].evidence.map(remap) }
        out.incidents.sort { ($0.start, $0.id) < ($1.start, $1.id) }
        return out
    }

    /// The arrays' elements in order, moved out of them (each is left empty).
    static func movedTogether<T>(_ parts: inout [[T]]) -> [T] {
        let n = parts.reduce(0) { $0 + $1.count }
        // Not through the initializer when there is nothing: at capacity 0 it
        // writes the count into the runtime's shared empty-array storage, a
        // data race (ThreadSanitizer) when two threads merge empty parts.
        guard n > 0 else { return [] }
        return [T](unsafeUninitializedCapacity: n) { buffer, count in
            var end = n
            for k in parts.indices.reversed() {
                while let x = parts[k].popLast() {
                    end -= 1
                    (buffer.baseAddress! + end).initialize(to: x)
                }
            }
            count = n
        }
    }

    /// The hosts the drops came from, in order of first appearance.
    public var hosts: [String] {
        var seen = Set<String>()
        var out: [String] = []
        for k in drops.indices {
            let h = drops[k].event.host ?? ""
            if seen.insert(h).inserted { out.append(h) }
        }
        return out
    }

    public var counts: [Verdict: Int] { Self.counts(drops) }

    public static func counts(_ drops: [Drop]) -> [Verdict: Int] {
        var c: [Verdict: Int] = [:]
        for k in drops.indices { c[drops[k].verdict, default: 0] += 1 }
        return c
    }

    /// The drops of one host of a fleet.
    public func drops(host: String) -> [Drop] { drops.filter { ($0.event.host ?? "") == host } }

    /// The drops of one host of a fleet, counted per verdict (no copy of them).
    public func counts(host: String) -> [Verdict: Int] {
        var c: [Verdict: Int] = [:]
        for k in drops.indices where (drops[k].event.host ?? "") == host { c[drops[k].verdict, default: 0] += 1 }
        return c
    }
}

extension Event {
    /// Tells entries apart when they have no cursor (plain values in tests).
    var cursorKey: String { "\(realtime)/\(pid ?? -1)/\(cursor)" }
}
