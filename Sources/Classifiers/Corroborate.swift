/// Issue 14: the probe's legs, devvm's pressure and the tunnel's own logs turn verdicts reached by
/// elimination into verdicts with proof (the runbook's attribution table, sections 1 to 4). Runs
/// after the journal's verdicts; the journal's evidence (a restart, a gap, an OOM line, a refused
/// port) stands, except that high pressure makes a serve timeout the host's.

/// What the probe and the tunnel's logs said around one drop or burst.
public struct DropCorroboration: Sendable, Equatable {
    /// The probe's legs and devvm's pressure over `[from, to]` (nil: no Prometheus data).
    public var probe: ProbeAssessment?
    /// Tunnel events that sever or re-establish connections within the window, in time order.
    public var tunnel: [TunnelEvent]
    /// What the journal alone said.
    public var journalVerdict: Verdict
    public var journalReason: Reason

    public init(probe: ProbeAssessment?, tunnel: [TunnelEvent], journalVerdict: Verdict, journalReason: Reason) {
        self.probe = probe
        self.tunnel = tunnel
        self.journalVerdict = journalVerdict
        self.journalReason = journalReason
    }

    /// The metric values behind the verdict (the finding's evidence).
    public var metrics: [MetricEvidence] { probe?.evidence ?? [] }
}

/// Applies the probe data and tunnel events to every drop and burst of an attribution.
public struct Corroborator: Sendable {
    public var probe: ProbeSeries?
    public var tunnel: [TunnelEvent]
    /// Samples and tunnel events this long before or after a drop count for it (µs).
    public var window: UInt64
    public var thresholds: ProbeThresholds

    public init(probe: ProbeSeries?, tunnel: [TunnelEvent], window: UInt64, thresholds: ProbeThresholds = ProbeThresholds()) {
        self.probe = probe
        self.tunnel = tunnel.filter(\.kind.bearsOnDrops)
        self.window = window
        self.thresholds = thresholds
    }

    public func apply(_ a: inout Attribution) {
        for i in a.drops.indices {
            let d = a.drops[i]
            let t = d.event.realtime
            guard let (v, r, c) = judge(verdict: d.verdict, reason: d.reason, from: t, to: t) else { continue }
            a.drops[i].verdict = v
            a.drops[i].reason = r
            a.drops[i].corroboration = c
        }
        Self.mergeTunnelIncidents(&a)
        // An incident says what its first drop says (issue 13's grouping stands).
        for i in a.incidents.indices {
            guard let d = a.drops.first(where: { $0.incident == a.incidents[i].id }), d.corroboration != nil else { continue }
            a.incidents[i].verdict = d.verdict
            a.incidents[i].reason = d.reason
            a.incidents[i].basis = d.basis
        }
        for i in a.bursts.indices {
            let b = a.bursts[i]
            // Written times of its first and last teardown (whole seconds: Go's prefix).
            let from = b.start > 0 ? b.start : b.second * 1_000_000
            let to = max(from, b.end) + 999_999
            guard let (v, r, c) = judge(verdict: b.verdict, reason: b.reason, from: from, to: to) else { continue }
            a.bursts[i].verdict = v
            a.bursts[i].reason = r
            a.bursts[i].corroboration = c
        }
    }

    /// Drops the same tunnel event explains (their first one: a connection
    /// lost, a pod restarted) are one incident, as a burst's are: incidents
    /// whose drops are all `tunnel_reconnect` join the first incident of that
    /// event on their host. Ids are renumbered in order.
    static func mergeTunnelIncidents(_ a: inout Attribution) {
        var members: [Int: [Int]] = [:]
        for i in a.drops.indices { if let id = a.drops[i].incident { members[id, default: []].append(i) } }
        var first: [String: Int] = [:]
        var into: [Int: Int] = [:]
        for inc in a.incidents {
            guard let m = members[inc.id], m.allSatisfy({ a.drops[$0].reason == .tunnelReconnect }),
                let e = a.drops[m[0]].corroboration?.tunnel.first
            else { continue }
            let key = "\(inc.host ?? "")\u{0}\(e.line)\u{0}\(e.raw)"
            if let t = first[key] { into[inc.id] = t } else { first[key] = inc.id }
        }
        guard !into.isEmpty else { return }
        var kept: [Incident] = []
        var renumbered: [Int: Int] = [:]
        var users: [Set<String>] = []
        for inc in a.incidents where into[inc.id] == nil {
            var k = inc
            k.id = kept.count + 1
            renumbered[inc.id] = k.id
            kept.append(k)
            users.append(Set(inc.users))
        }
        for inc in a.incidents {
            guard let t = into[inc.id], let n = renumbered[t] else { continue }
            renumbered[inc.id] = n
            kept[n - 1].start = min(kept[n - 1].start, inc.start)
            kept[n - 1].end = max(kept[n - 1].end, inc.end)
            kept[n - 1].drops += inc.drops
            users[n - 1].formUnion(inc.users)
        }
        for k in kept.indices { kept[k].users = users[k].sorted() }
        for i in a.drops.indices { a.drops[i].incident = a.drops[i].incident.flatMap { renumbered[$0] } }
        a.incidents = kept
    }

    /// Journal verdicts that rest on "nothing else explained it" (or on a hole in the journal): the
    /// probe and the tunnel may give them proof.
    static func isOpen(_ r: Reason) -> Bool {
        switch r {
        case .isolatedCancel, .isolatedDrop, .belowBurstThreshold, .spreadOut, .noEvidence, .downstreamUnconfirmed, .burst, .journalSuppressed:
            true
        default: false
        }
    }

    /// The verdict for a drop (or burst) at `[from, to]` that the journal judged `verdict`/`reason`;
    /// nil when there is nothing to corroborate with.
    public func judge(verdict: Verdict, reason: Reason, from: UInt64, to: UInt64) -> (Verdict, Reason, DropCorroboration)? {
        let a = from >= window ? from - window : 0
        let b = to &+ window
        let assessment = probe.map { ProbeEvaluator.assess($0, from: a, to: b, thresholds: thresholds) }
        let events = tunnel.filter { e in e.time.map { $0 >= a && $0 <= b } ?? false }
        if assessment == nil && events.isEmpty { return nil }
        let c = DropCorroboration(probe: assessment, tunnel: events, journalVerdict: verdict, journalReason: reason)
        let finding = assessment?.finding ?? .inconclusive
        // High pressure: the host, even with no OOM line and no gap; a serve's timeouts were the host's.
        if finding == .devvmPressure && (Self.isOpen(reason) || reason == .serveTimeout) {
            return (.devvm, .probePressure, c)
        }
        guard Self.isOpen(reason) else { return (verdict, reason, c) }
        // The tunnel's own logs: a connection lost, terminated, re-registered, a pod stopping or starting.
        if !events.isEmpty { return (.edge, .tunnelReconnect, c) }
        switch finding {
        case .bothWebSocketLegs:
            // The journal saw no dispatch restart and no host gap (else the reason would not be open).
            return (.edge, .probeTraefik, c)
        case .serveStalled: return (.serve, .probeServeStall, c)
        case .cloudflareOnly: return (.edge, .probeCloudflareLeg, c)
        case .infraClean:
            // A burst across users with every leg up stays the journal's edge: the probe is one user.
            if verdict == .client || verdict == .unknown { return (.client, .probeClean, c) }
            return (verdict, reason, c)
        case .devvmPressure, .internalOnly, .inconclusive:
            return (verdict, reason, c)
        }
    }
}
