import Classifiers
import Foundation
import JournalReader

/// `report -f` / `bursts -f`: one live pass over every source (no matches:
/// the host gaps need every entry), judging what has settled.
///
/// A drop (or a burst) is handed on once its verdict can no longer change:
/// when the journal has been read past it by the longest correlation window
/// plus 5 s (`max(--serve-window, --reconnect-window, --host-window) + 5s`,
/// 125 s by default). How far it has been read is the newest entry's time
/// plus the wall-clock time since that entry was read (a quiet host still
/// settles), never beyond the wall clock: a journal being replayed or copied
/// in (a gateway, a file journal-remote is still writing) is judged only on
/// what follows each drop, not on the date. The same `RunSetup` as `Analyzer`.
public final class LiveAnalyzer {
    public let config: AnalysisConfig
    public let setup: RunSetup

    /// What has settled on one host since the last delivery; `attribution`
    /// resolves the evidence references.
    public struct Settled {
        public var host: String
        public var drops: [Drop]
        public var bursts: [Burst]
        public var attribution: Attribution
    }

    /// `stopRequested`: a signal while a followed gateway is awaited ends the run (`Stopped`).
    public init(_ config: AnalysisConfig, stopRequested: @escaping () -> Bool = { false }) throws {
        self.config = config
        self.setup = try RunSetup(config, stopRequested: stopRequested)
    }

    /// How long after a drop its verdict is final (µs).
    public var settle: UInt64 {
        let s = config.settings
        return max(s.reconnectWindow, s.serveWindow, s.hostWindow) + 5_000_000
    }

    /// Reads until `stop` says so; `deliver` gets what settled, `idle` is
    /// called whenever the journal has nothing new (flush there). Errors
    /// thrown by either end the run.
    public func run(now: () -> UInt64, stop: () -> Bool, deliver: (Settled) throws -> Void, idle: () throws -> Void) throws {
        let settings = config.settings
        let burstsOnly = config.scope == .burstsOnly
        let j = setup.journal
        var m = MatchSet()
        m.restrict(toHosts: config.hosts)
        try j.apply(m)
        try j.seek(since: config.window.since, until: nil)
        // The serve units of a glob are those that match it as they appear: a
        // user's serve started after following began (or a stream whose first
        // entries named only some) is a serve all the same.
        var sources = setup.sourceConfig(config)
        if config.units.serveUnit.contains(where: { "*?[".contains($0) }) { sources.serveUnits = [] }
        var stream = EventStream(config: sources)
        var attributors: [String: Attributor] = [:]
        var finders: [String: GapFinder] = [:]
        var printed: [String: UInt64] = [:]
        var printedBursts: [String: UInt64] = [:]
        // Outages whose first line was handed on, per host. Once the lines
        // before the horizon are pruned, the same outage is found again from
        // what is left of it (its next fatal line first): not a new drop.
        var printedOutages: [String: [DispatchOutage]] = [:]
        func outagePrinted(_ d: Drop, host: String, in at: Attribution) -> Bool {
            guard let o = Self.outage(of: d, host: host, in: at) else { return false }
            return (printedOutages[host] ?? []).contains { Self.overlap(o, $0) }
        }
        let settle = self.settle
        let serveUnits = config.units.serveUnits
        // The newest entry read and when (wall clock) it was read.
        var frontier: UInt64 = 0
        var frontierWall: UInt64 = 0
        // Dispatch processes whose lines before the window were looked at (era).
        var looked: Set<DispatchProcess> = []
        let opener = setup.opener
        try Self.follow(
            j, stop: stop, ended: { opener.streamEnded },
            entry: { e, cursor in
                let host = e.hostname ?? ""
                if e.realtime > frontier {
                    frontier = e.realtime
                    frontierWall = now()
                }
                finders[host, default: GapFinder(threshold: settings.gapThreshold)].add(realtime: e.realtime, bootID: e.bootID)
                guard let ev = stream.classify(e, cursor: cursor) else { return }
                stream.learn(from: ev)
                if attributors[host] == nil { attributors[host] = Attributor(settings: settings, serveUnits: serveUnits) }
                if ev.signal != nil { attributors[host]!.addSignal(ev) } else { attributors[host]!.add(ev) }
            },
            tick: { final in
                let wall = now()
                let readUpTo = frontier == 0 ? wall : min(wall, frontier + wall.subtractingClamped(frontierWall))
                // The stream's end: nothing can follow any drop any more, every verdict is final.
                let horizon = final ? UInt64.max : readUpTo.subtractingClamped(settle)
                // A dispatch process with proxy errors and no `ws` line yet may
                // have logged them before the window: look there once, as
                // `Analyzer` does, and come back to where the reading was.
                if let since = config.window.since {
                    for host in attributors.keys.sorted() {
                        for p in attributors[host]!.undecidedProcesses where p.pid != nil && !looked.contains(p) {
                            looked.insert(p)
                            let here = j.position()
                            let fleet = attributors.count > 1 || !config.hosts.isEmpty
                            let seen = try Analyzer.loggedWebSocketLines(p, before: since, in: j, units: setup.dispatchUnits, fleet: fleet)
                            try j.restore(here, matches: m, since: since)
                            if seen { attributors[host]!.markNewEra(p) }
                        }
                    }
                }
                for host in attributors.keys.sorted() {
                    var copy = attributors[host]!
                    copy.close()
                    if burstsOnly { copy.retainBurstDrops() }
                    let gaps = finders[host]?.gaps ?? []
                    let result = copy.attribute(gaps: gaps)
                    // What is known now of the outages handed on: one that was going on may
                    // have ended since (found again from what is left of it, or whole).
                    if var known = printedOutages[host] {
                        for k in known.indices {
                            let p = known[k]
                            guard let now = result.outages.first(where: { Self.overlap($0, p) && ($0.host ?? "") == host }) else {
                                // Nothing is left of it: it is over, whatever ended it (it must
                                // not swallow a later outage of the host).
                                known[k].ongoing = false
                                continue
                            }
                            known[k].end = max(p.end, now.end)
                            known[k].ongoing = now.ongoing
                        }
                        printedOutages[host] = known
                    }
                    let drops = result.drops.filter {
                        $0.event.realtime <= horizon && printed[$0.event.cursor] == nil && !outagePrinted($0, host: host, in: result)
                    }
                    for d in drops where d.trigger == .dispatchOutage {
                        if let o = Self.outage(of: d, host: host, in: result) { printedOutages[host, default: []].append(o) }
                    }
                    let bursts = result.bursts.filter {
                        $0.second * 1_000_000 + 1_000_000 <= horizon && printedBursts[CursorState.burstKey($0)] == nil
                    }
                    for d in drops { printed[d.event.cursor] = d.event.realtime }
                    for b in bursts { printedBursts[CursorState.burstKey(b)] = b.second * 1_000_000 }
                    try deliver(Settled(host: host, drops: burstsOnly ? [] : drops, bursts: burstsOnly ? bursts : [], attribution: result))
                    attributors[host]!.prune(before: horizon.subtractingClamped(settle))
                }
                // What was handed on long ago cannot come back.
                let old = horizon.subtractingClamped(2 * settle)
                if printed.count > 10_000 { printed = printed.filter { $0.value >= old } }
                if printedBursts.count > 1_000 { printedBursts = printedBursts.filter { $0.value >= old } }
                // Kept while any line of theirs can still be in an attributor (`prune` keeps `pruneReach` more).
                let gone = horizon.subtractingClamped(settle + (attributors.values.first?.pruneReach ?? 0) + settle)
                for h in printedOutages.keys { printedOutages[h]!.removeAll { !$0.ongoing && $0.end < gone } }
            }, idle: idle)
    }

    /// Whether outage `o` is (what is left of) `p`, an outage handed on.
    static func overlap(_ o: DispatchOutage, _ p: DispatchOutage) -> Bool {
        o.start <= (p.ongoing ? .max : p.end) && o.end >= p.start
    }

    /// The outage whose first line `d` is (an outage's drop), on `host`.
    static func outage(of d: Drop, host: String, in at: Attribution) -> DispatchOutage? {
        guard d.trigger == .dispatchOutage, d.event.dispatch?.kind != .listening else { return nil }
        let t = d.event.realtime
        return at.outages.first { ($0.host ?? "") == host && $0.start <= t && t <= $0.end }
    }

    /// Reads entries until the journal has nothing new, then waits; calls
    /// `tick` after each 1024 entries, each batch and each second of quiet,
    /// and `idle` after each batch. Ends when `stop` says so, or after the
    /// batch read once `ended` said nothing more will come (a followed
    /// `--input` stream at its end): its last `tick` is `final`.
    public static func follow(
        _ journal: Journal, stop: () -> Bool, ended: () -> Bool = { false }, entry: (JournalEntry, () -> String) throws -> Void,
        tick: (_ final: Bool) throws -> Void, idle: () throws -> Void
    ) throws {
        journal.clearUntil()
        while !stop() {
            let last = ended()
            var n = 0
            try journal.read(stop: stop) { e, cursor in
                try withoutActuallyEscaping(cursor) { try entry(e, $0) }
                n += 1
                if n & 1023 == 0 { try tick(false) }
            }
            try tick(last && !stop())
            try idle()
            if stop() || last { break }
            _ = journal.wait(timeoutUsec: 1_000_000)
        }
        try idle()
    }
}
