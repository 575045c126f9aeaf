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
}

/// Where a piece of evidence is, without copying it: the attribution's
/// signals, drops, dispatch restarts or host gaps (resolved by `Attribution.evidence(for:)`).
public enum EvidenceRef: Sendable, Equatable {
    case signal(Int32)
    case drop(Int32)
    case restart(Int32)
    case gapBefore(Int32)
    case gapAfter(Int32)
}

public struct Drop: Sendable, Equatable {
    public var event: Event
    public var trigger: DropTrigger
    public var verdict: Verdict = .unknown
    public var reason: Reason = .noEvidence
    public var evidence: [EvidenceRef] = []
    /// The written second of the burst this drop belongs to, if any.
    public var burstSecond: UInt64?
    /// `--prometheus`, `--tunnel-log` (issue 14): what they said around it.
    public var corroboration: DropCorroboration?

    public init(event: Event, trigger: DropTrigger) {
        self.event = event
        self.trigger = trigger
    }
}

public struct Burst: Sendable, Equatable {
    public var host: String?
    public var second: UInt64
    public var count: Int
    public var users: [String]
    public var classes: [String: Int]
    public var verdict: Verdict
    public var reason: Reason
    public var evidence: [EvidenceRef]
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
    /// A dispatch restart explains drops within this of it.
    public var dispatchRestartWindow: UInt64 = 5_000_000
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
    /// Downstream teardowns per written second (the burst counter).
    private var teardowns: [UInt64: Int] = [:]
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
    /// How serve unit names carry their user (`--serve-unit`).
    public var serveUnits: ServeUnits

    public init(settings: AttributionSettings = AttributionSettings(), serveUnits: ServeUnits = .default) {
        self.settings = settings
        self.serveUnits = serveUnits
    }

    private mutating func keep(_ d: Drop) {
        if onlyTeardowns && !Self.isTeardown(d.event) { return }
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
        if ev.realtime + 1_000_000 < lastTime {
            clockWentBack.append((lastTime, ev.realtime))
        }
        lastTime = max(lastTime, ev.realtime)
        expirePending(now: ev.realtime)
        if ev.signal != nil {
            signals.append(ev)
            return
        }
        guard let d = ev.dispatch else { return }
        if Self.isTeardown(ev) { teardowns[ev.writtenSecond, default: 0] += 1 }
        switch d.kind {
        case .proxyError:
            keep(Drop(event: ev, trigger: .proxyError))
        case .listening:
            dispatchRestarts.append(ev)
            keep(Drop(event: ev, trigger: .dispatchRestart))
        case .wsOpen:
            guard let user = d.user, var queue = pendingByUser.removeValue(forKey: user) else { return }
            // In arrival order, as before: the closes this open reconnects are taken;
            // the others (written after it: the clock went back) stay.
            var stay: [Int] = []
            for abs in queue.items[queue.head...] {
                let i = abs - pendingBase
                guard i >= pendingHead, !pending[i].taken else { continue }
                reconnectChecks += 1
                let close = pending[i].event
                if ev.realtime >= close.realtime, ev.realtime - close.realtime <= settings.reconnectWindow {
                    keep(Drop(event: close, trigger: .reconnect))
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
        case .wsClose:
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
                keep(Drop(event: ev, trigger: .notGraceful))
            }
        default:
            return
        }
    }

    /// Long graceful closes with no reconnect: drops only if their second was a burst.
    private mutating func expirePending(now: UInt64) {
        while pendingHead < pending.count {
            let p = pending[pendingHead]
            if !p.taken && now < p.event.realtime + settings.reconnectWindow { break }
            if !p.taken, (teardowns[p.event.writtenSecond] ?? 0) >= settings.burstMin {
                keep(Drop(event: p.event, trigger: .burst))
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
        expirePending(now: UInt64.max - settings.reconnectWindow)
        drops.sort { ($0.event.realtime, $0.event.cursor) < ($1.event.realtime, $1.event.cursor) }
    }

    /// A signal read out of time order (phase 2: serve lines around the drops).
    public mutating func addSignal(_ ev: Event) {
        if ev.signal != nil { signals.append(ev) }
    }

    /// Follow mode: forgets drops and signals older than `t` (already printed
    /// and beyond every correlation window of what is still to come).
    public mutating func prune(before t: UInt64) {
        let keepFrom = t.subtractingClamped(max(settings.serveWindow, settings.hostWindow) + 60_000_000)
        drops.removeAll { $0.event.realtime < t }
        signals.removeAll { $0.writtenAt < keepFrom }
        let sec = keepFrom / 1_000_000
        teardowns = teardowns.filter { $0.key >= sec }
        dispatchRestarts.removeAll { $0.realtime < keepFrom }
    }

    /// Keeps only the drops that are in a burst (`t3attr bursts`).
    public mutating func retainBurstDrops() {
        let counts = teardowns
        let min = settings.burstMin
        drops.removeAll { !(Self.isTeardown($0.event) && (counts[$0.event.writtenSecond] ?? 0) >= min) }
    }

    /// Receive-time intervals where serve-side evidence can change a verdict:
    /// around each drop, as far as the serve and host windows reach, merged.
    public func evidenceIntervals() -> [(UInt64, UInt64)] {
        mergedIntervals(
            at: \.writtenAt, before: max(settings.serveWindow, settings.hostWindow),
            after: max(settings.serveWindow, settings.hostAfter))
    }

    /// [t - before, t + after] around each drop's time, overlapping ones merged.
    private func mergedIntervals(at time: KeyPath<Event, UInt64>, before: UInt64, after: UInt64) -> [(UInt64, UInt64)] {
        var out: [(UInt64, UInt64)] = []
        for d in drops {
            let t = d.event[keyPath: time]
            let a = t.subtractingClamped(before)
            let b = t + after
            if let last = out.last, a <= last.1 { out[out.count - 1].1 = max(last.1, b) } else { out.append((a, b)) }
        }
        return out
    }

    /// Receive-time intervals around the drops where host gaps matter, merged.
    public func gapIntervals() -> [(UInt64, UInt64)] {
        mergedIntervals(at: \.realtime, before: settings.hostWindow, after: settings.hostAfter)
    }

    // MARK: Verdicts

    /// Gives every drop its verdict and builds the bursts.
    /// Moves the drops out (no second copy of the largest array).
    public mutating func attribute(gaps: [HostGap]) -> Attribution {
        let sigs = signals.sorted { $0.writtenAt < $1.writtenAt }
        signals = []
        let gaps = gaps.sorted { $0.end < $1.end }
        var out = drops
        drops = []
        for i in out.indices { judge(&out[i], signals: sigs, gaps: gaps) }
        // A burst's drops are each other's evidence.
        var members: [UInt64: [Int]] = [:]
        for (i, d) in out.enumerated() { if let b = d.burstSecond { members[b, default: []].append(i) } }
        for (_, idx) in members {
            for i in idx where out[i].reason == .burst {
                out[i].evidence = idx.lazy.filter { $0 != i }.prefix(settings.maxEvidence).map { .drop(Int32($0)) }
            }
        }
        var result = Attribution(
            drops: out, bursts: [], signals: sigs, gaps: gaps, restarts: dispatchRestarts,
            clockWentBack: clockWentBack)
        result.bursts = bursts(from: out, in: result)
        return result
    }

    func inBurst(_ ev: Event) -> Bool {
        Self.isTeardown(ev) && (teardowns[ev.writtenSecond] ?? 0) >= settings.burstMin
    }

    /// Signals written in [t - before, t + after] (a slice: its indices are the signals').
    func window(_ sigs: [Event], around t: UInt64, before: UInt64, after: UInt64) -> ArraySlice<Event> {
        let lo = t > before ? t - before : 0
        let hi = t + after
        var a = 0
        var b = sigs.count
        while a < b {
            let m = (a + b) / 2
            if sigs[m].writtenAt < lo { a = m + 1 } else { b = m }
        }
        var e = a
        while e < sigs.count && sigs[e].writtenAt <= hi { e += 1 }
        return sigs[a..<e]
    }

    func judge(_ drop: inout Drop, signals sigs: [Event], gaps: [HostGap]) {
        let ev = drop.event
        let t = ev.writtenAt
        let s = settings
        func set(_ v: Verdict, _ r: Reason, _ evidence: [EvidenceRef]) {
            drop.verdict = v
            drop.reason = r
            drop.evidence = Array(evidence.prefix(s.maxEvidence))
        }
        func refs(_ idx: [Int]) -> [EvidenceRef] { idx.map { .signal(Int32($0)) } }
        func indices(_ slice: ArraySlice<Event>, _ keep: (Event) -> Bool) -> [Int] {
            slice.indices.filter { keep(sigs[$0]) }
        }
        if inBurst(ev) { drop.burstSecond = ev.writtenSecond }
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

        // 1. The host froze or rebooted just before.
        if let gi = Self.lastGapIndex(gaps, endingBy: ev.realtime + s.hostAfter), gaps[gi].end + s.hostWindow >= ev.realtime {
            let g = gaps[gi]
            set(
                .devvm, g.bootChanged ? .reboot : .hostGap,
                (g.before == nil ? [] : [.gapBefore(Int32(gi))]) + (g.after == nil ? [] : [.gapAfter(Int32(gi))]))
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
        if side != .upstream,
            let r = dispatchRestarts.firstIndex(where: {
                $0.realtime + s.dispatchRestartWindow >= ev.realtime && $0.realtime <= ev.realtime + s.dispatchRestartWindow
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
        let host = window(sigs, around: t, before: s.hostWindow, after: s.hostAfter)
        // Only host-wide memory trouble indicts the host (issue 13, section 3):
        // a global OOM, earlyoom, a kill in a cgroup that is neither a serve nor
        // a user's login slice; hung-task/soft-lockup lines are their own reason.
        let ooms = indices(host) { e in
            switch e.signal {
            case .oomKill(_, _, let memcg, let global)?: Self.isHostWideOOM(memcg: memcg, global: global, serveUnits: serveUnits)
            case .earlyoomKill?: true
            default: false
            }
        }
        let stalls = indices(host) { $0.signal == .kernelStall }
        let timeouts = indices(host) { $0.signal?.isStarvation ?? false }
        let timeoutUnits = Set(timeouts.compactMap { sigs[$0].unit })

        // 3. A burst: the front segment, unless the host was starving.
        if drop.burstSecond != nil {
            if !ooms.isEmpty {
                set(.devvm, .oomKill, refs(ooms + timeouts))
                return
            }
            if !stalls.isEmpty {
                set(.devvm, .kernelStall, refs(stalls + timeouts))
                return
            }
            if timeoutUnits.count >= s.unitsForHostStarvation {
                set(.devvm, .serveTimeouts, refs(timeouts))
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
        if let user {
            let mine = indices(near) { $0.user == user }
            let mineRefs = refs(mine)
            func has(_ p: (Signal) -> Bool) -> Bool { mine.contains { sigs[$0].signal.map(p) ?? false } }
            // A CONSTRAINT_MEMCG kill in the serve's cgroup is that user's event; with
            // OOMPolicy=continue (infra scripts/t3-serve@.service) the serve usually lives
            // on, so it explains the drop only when the main process died or the unit
            // restarted (issue 13, section 3).
            let cgroupOOM = has {
                switch $0 {
                case .oomKill, .unit(.oomKilled), .unit(.failed("oom-kill")): true
                default: false
                }
            }
            let diedOrRestarted = has { if case .unit(let a) = $0 { a != .oomKilled } else { false } }
            if cgroupOOM && diedOrRestarted {
                set(.serve, .oomKill, mineRefs)
                return
            }
            // Restarts announced by the script that asked for them (t3-safe-restart.sh
            // logs under the caller's tag): under t3-watchdog it is the watchdog's.
            if has({
                switch $0 {
                case .watchdogRestart: true
                case .restartFailed(let script): script == SignalParser.watchdogTag
                default: false
                }
            }) {
                set(.serve, .watchdogRestart, mineRefs)
                return
            }
            if has({
                switch $0 {
                case .plannedRestart, .restartFailed: true
                default: false
                }
            }) {
                set(.serve, .plannedRestart, mineRefs)
                return
            }
            if has({ $0 == .serveDisabled }) {
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
            if diedOrRestarted {
                set(.serve, .unitRestart, mineRefs)
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
            set(.serve, reason, user.map { u in refs(indices(near) { $0.user == u }) } ?? [])
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
                set(.serve, .serveTimeout, refs(starving))
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
            set(.devvm, .serveTimeouts, refs(timeouts))
            return
        }

        // 8. One user's teardown with everything else quiet: their own network.
        let others = teardowns[ev.writtenSecond] ?? 0
        if side == .downstream || drop.trigger == .shortSocket || drop.trigger == .reconnect {
            if others <= 1 || !Self.isTeardown(ev) {
                if suppressed(t) { return }
                set(.client, side == .downstream ? .isolatedCancel : .isolatedDrop, [])
                return
            }
            set(.unknown, .belowBurstThreshold, [])
            return
        }
        set(.unknown, .noEvidence, [])
    }

    /// An OOM kill that says the host ran short (issue 13, section 3): a global
    /// OOM (`CONSTRAINT_NONE`, `global_oom`), or a kill in a cgroup that is
    /// neither one user's serve (its `MemoryMax`) nor under a user's login slice
    /// (`/user.slice/user-<uid>.slice`, where the per-user and per-pane caps of
    /// infra scripts/workstation/setup-devvm.sh §10a live: that user's shell work).
    public static func isHostWideOOM(memcg: String?, global: Bool, serveUnits: ServeUnits) -> Bool {
        if global { return true }
        guard let memcg, !memcg.isEmpty else { return false }
        if serveUnits.user(in: memcg) != nil { return false }
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

    func bursts(from drops: [Drop], in result: Attribution) -> [Burst] {
        var bySecond: [UInt64: [Int]] = [:]
        for (i, d) in drops.enumerated() { if let s = d.burstSecond { bySecond[s, default: []].append(i) } }
        return bySecond.keys.sorted().map { sec in
            let members = bySecond[sec]!
            // Counted by name: a class, or the kind of a drop without one (a restart).
            var classes: [String: Int] = [:]
            for m in members { classes[drops[m].event.className?.name ?? drops[m].event.kind.rawValue, default: 0] += 1 }
            let first = drops[members[0]]
            let users = Array(Set(members.compactMap { drops[$0].event.user })).sorted()
            var evidence = first.evidence
            if evidence.isEmpty || first.reason == .burst {
                evidence = members.prefix(settings.maxEvidence).map { .drop(Int32($0)) }
            }
            return Burst(
                host: first.event.host, second: sec, count: teardowns[sec] ?? members.count, users: users, classes: classes,
                verdict: first.verdict, reason: first.reason, evidence: evidence)
        }
    }
}

/// The answer: every drop with its verdict, the bursts, and what backed them.
public struct Attribution: Sendable {
    public var drops: [Drop]
    public var bursts: [Burst]
    /// Signals in written-time order (what `EvidenceRef.signal` indexes).
    public var signals: [Event]
    public var gaps: [HostGap]
    public var restarts: [Event]
    public var clockWentBack: [(from: UInt64, to: UInt64)]

    /// The journal entries behind a reference.
    public func evidence(_ r: EvidenceRef) -> Evidence? {
        switch r {
        case .signal(let i): return Evidence(signals[Int(i)])
        case .drop(let i): return Evidence(drops[Int(i)].event)
        case .restart(let i): return Evidence(restarts[Int(i)])
        case .gapBefore(let i): return gaps[Int(i)].before
        case .gapAfter(let i): return gaps[Int(i)].after
        }
    }

    public func evidence(_ refs: [EvidenceRef]) -> [Evidence] { refs.compactMap { evidence($0) } }

    /// Several hosts' attributions as one: arrays concatenated, references
    /// shifted, drops in time order (each keeps its host in `event.host`).
    public static func merge(_ parts: [Attribution]) -> Attribution {
        if parts.count == 1 { return parts[0] }
        var out = Attribution(drops: [], bursts: [], signals: [], gaps: [], restarts: [], clockWentBack: [])
        for p in parts {
            let (ds, ss, rs, gs) = (Int32(out.drops.count), Int32(out.signals.count), Int32(out.restarts.count), Int32(out.gaps.count))
            func shift(_ r: EvidenceRef) -> EvidenceRef {
                switch r {
                case .signal(let i): .signal(i + ss)
                case .drop(let i): .drop(i + ds)
                case .restart(let i): .restart(i + rs)
                case .gapBefore(let i): .gapBefore(i + gs)
                case .gapAfter(let i): .gapAfter(i + gs)
                }
            }
            out.drops += p.drops.map {
                var d = $0
                d.evidence = d.evidence.map(shift)
                return d
            }
            out.bursts += p.bursts.map {
                var b = $0
                b.evidence = b.evidence.map(shift)
                return b
            }
            out.signals += p.signals
            out.restarts += p.restarts
            out.gaps += p.gaps
            out.clockWentBack += p.clockWentBack
        }
        // Time order across hosts; `.drop` references follow their drop.
        let order = out.drops.indices.sorted { (out.drops[$0].event.realtime, $0) < (out.drops[$1].event.realtime, $1) }
        var newIndex = [Int32](repeating: 0, count: order.count)
        for (n, old) in order.enumerated() { newIndex[old] = Int32(n) }
        func remap(_ r: EvidenceRef) -> EvidenceRef { if case .drop(let i) = r { .drop(newIndex[Int(i)]) } else { r } }
        out.drops = order.map {
            var d = out.drops[$0]
            d.evidence = d.evidence.map(remap)
            return d
        }
        out.bursts = out.bursts.map {
            var b = $0
            b.evidence = b.evidence.map(remap)
            return b
        }
        .sorted { $0.second < $1.second }
        return out
    }

    /// The hosts the drops came from, in order of first appearance.
    public var hosts: [String] {
        var seen = Set<String>()
        var out: [String] = []
        for d in drops {
            let h = d.event.host ?? ""
            if seen.insert(h).inserted { out.append(h) }
        }
        return out
    }

    public var counts: [Verdict: Int] { Self.counts(drops) }

    public static func counts(_ drops: [Drop]) -> [Verdict: Int] {
        var c: [Verdict: Int] = [:]
        for d in drops { c[d.verdict, default: 0] += 1 }
        return c
    }

    /// The drops of one host of a fleet.
    public func drops(host: String) -> [Drop] { drops.filter { ($0.event.host ?? "") == host } }
}
