import Classifiers
import JournalReader

/// What a run reads and where each read goes, defined together.
///
/// What `journalctl -u` selects for the units, plus the kernel, earlyoom and
/// the scripts. sd-journal walks an OR of many values of one field slowly
/// (measured: 14 µs per serve entry with 8 serve units), so the serves are
/// selected by their shared slice when they have one, and PID 1's and
/// coredump messages by their fixed fields; `EventStream` then keeps exactly
/// the units asked for. Same entries, a fraction of the time.
///
/// 1. `signals`: PID 1, coredumps, authorised daemons, the kernel, earlyoom
///    and the scripts (few entries) -> `Attributor.addSignal`, out of order.
///    `serve` reads every serve line here too. Read in two passes: the terms
///    that select few entries (`rareSignals`), then the busy ones
///    (`busySignals`: PID 1, the kernel, the serves), an entry that both
///    select kept once. sd-journal re-walks every OR term for every entry it
///    returns: 7 terms cost 0.38 s on the 7-day corpus, 5 + 2 cost 0.12 s.
/// 2. `dispatch`: the dispatch unit alone, in time order -> `Attributor.add`.
///    Two passes over a few match terms each are faster than one pass over
///    all of them: sd-journal re-walks every OR term for every entry.
/// 3. `serveLines(host:)`: the serves' own lines (the bulk of them), only
///    around the drops found, where they can change a verdict -> `addSignal`.
/// 4. `everySource(host:)`: the host-gap probes around the drops (`GapProbe`).
public struct ReadPlan: Sendable, Equatable {
    /// Phase 1's terms that select few entries: the scripts, earlyoom,
    /// coredumps, authorised daemons, journald's rate-limit notices.
    public var rareSignals: MatchSet
    /// Phase 1's busy terms: PID 1, the kernel (and the serves for `serve`).
    public var busySignals: MatchSet
    public var dispatch: MatchSet
    /// The serves' own lines, as match terms (empty: no serve units).
    public var serveTerms: [[String]]
    /// The slice the serves' lines are selected by, when they share one.
    public var serveSlice: String?
    /// Units of the other sources (dispatch, earlyoom, scripts).
    public var otherUnits: [String]
    /// Serve lines are read in phase 1 (`serve`), not around the drops.
    public var servesInPhaseOne: Bool
    /// Several machines, or one picked out of several: later reads are per host.
    public var hostsRestricted: Bool

    public init(
        units: UnitConfig, dispatchUnits: [String], serveUnits: [String], serveSlice: String?,
        hosts: [String], scope: AnalysisConfig.Scope
    ) {
        let all = dispatchUnits + serveUnits
        let tags = units.scriptTags.sorted()
        serveTerms = serveUnits.isEmpty ? [] : [serveSlice.map { ["_SYSTEMD_SLICE=\($0)"] } ?? serveUnits.map { "_SYSTEMD_UNIT=\($0)" }]
        servesInPhaseOne = scope == .serveTimeline
        self.serveSlice = serveUnits.isEmpty ? nil : serveSlice
        otherUnits = dispatchUnits + [units.earlyoomUnit] + tags.map { "\($0).service" }
        hostsRestricted = !hosts.isEmpty
        var m = MatchSet()
        m.add(([units.earlyoomUnit] + tags.map { "\($0).service" }).map { "_SYSTEMD_UNIT=\($0)" })
        m.add(["MESSAGE_ID=\(MessageID.coredump)", "_UID=0"])
        if !all.isEmpty { m.add(["_UID=0"] + all.map { "OBJECT_SYSTEMD_UNIT=\($0)" }) }
        m.add(["_TRANSPORT=driver", "MESSAGE_ID=\(MessageID.journalDropped)"])
        // Only journald's own fields decide who wrote a line: the scripts and
        // earlyoom by their units (above), or by root under their identifiers.
        m.add(["_UID=0"] + (tags + [SourceConfig.earlyoomIdentifier]).map { "SYSLOG_IDENTIFIER=\($0)" })
        m.restrict(toHosts: hosts)
        rareSignals = m
        var busy = MatchSet()
        busy.add(["_PID=1"])
        busy.add(["_TRANSPORT=kernel"])
        if servesInPhaseOne { for t in serveTerms { busy.add(t) } }
        busy.restrict(toHosts: hosts)
        busySignals = busy
        var dm = MatchSet()
        dm.add(dispatchUnits.map { "_SYSTEMD_UNIT=\($0)" })
        dm.restrict(toHosts: hosts)
        dispatch = dm
    }

    /// Whether phase 3 runs at all.
    public var readsServeLinesAroundDrops: Bool { !servesInPhaseOne && !serveTerms.isEmpty }

    /// `_HOSTNAME=h` when reads are per host (a fleet), else nothing.
    public func hostTerms(_ host: String, fleet: Bool) -> [String] {
        (fleet || hostsRestricted) && !host.isEmpty ? ["_HOSTNAME=\(host)"] : []
    }

    /// Whether phase 3 selects the serves' lines alone: no unit of another
    /// source runs in the serves' slice (or is named as a serve).
    public func serveLinesAreServesOnly(in j: Journal) -> Bool {
        guard let slice = serveSlice else {
            let serves = Set(serveTerms.joined())
            return !otherUnits.contains { serves.contains("_SYSTEMD_UNIT=\($0)") }
        }
        return !otherUnits.contains { j.firstValue(of: "_SYSTEMD_SLICE", where: "_SYSTEMD_UNIT=\($0)") == slice }
    }

    /// Phase 3's matches for one host.
    public func serveLines(host: String, fleet: Bool) -> MatchSet {
        var m = MatchSet()
        for t in serveTerms { m.add(t + hostTerms(host, fleet: fleet)) }
        return m
    }

    /// Phase 4's matches: every source of one host.
    public func everySource(host: String, fleet: Bool) -> MatchSet {
        var m = MatchSet()
        let h = hostTerms(host, fleet: fleet)
        if !h.isEmpty { m.add(h) }
        return m
    }

    /// The cgroup slice all `units` run in (`system-t3\x2dserve.slice`), when
    /// they share one that is not a catch-all slice.
    public static func sharedSlice(of units: [String], in j: Journal) -> String? {
        guard units.count > 1 else { return nil }
        var found: String?
        for u in units {
            guard let s = j.firstValue(of: "_SYSTEMD_SLICE", where: "_SYSTEMD_UNIT=\(u)"),
                !["system.slice", "-.slice", "user.slice", "machine.slice"].contains(s)
            else { return nil }
            if found == nil { found = s } else if found != s { return nil }
        }
        return found
    }
}
