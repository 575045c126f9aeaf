import ArgumentParser
import Classifiers
import Foundation
import Glibc
import JournalReader

/// `-f/--follow`: keep reading as the journal grows.
///
/// `dispatch` prints each event as it is written. `report` and `bursts` print
/// a drop (or a burst) once its verdict can no longer change: when the wall
/// clock has passed it by the longest correlation window plus 5 s
/// (`max(--serve-window, --reconnect-window, --host-window) + 5s`, 125 s by
/// default). Entries older than that (a journal being replayed) are printed
/// at once. SIGINT and SIGTERM end it with status 0.
enum Follow {
    nonisolated(unsafe) static var stop: sig_atomic_t = 0

    static func installSignals() {
        // A parent may have left these blocked; a follower must hear them.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        sigprocmask(SIG_UNBLOCK, &set, nil)
        signal(SIGINT) { _ in Follow.stop = 1 }
        signal(SIGTERM) { _ in Follow.stop = 1 }
    }

    static var stopped: Bool { stop != 0 }

    /// Follow mode renders line by line: no pager, no json-pretty gathering.
    static func renderer(_ out: OutputOptions, _ term: TerminalOptions) -> AttributionRenderer {
        var r = AttributionRenderer(format: out.output == .jsonPretty ? .json : out.output, local: out.local)
        r.color = out.output == .table && Terminal.useColor(term.color, env: ProcessInfo.processInfo.environment, isTTY: isatty(1) == 1)
        return r
    }

    static func nowUsec() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1_000_000) }

    /// Reads entries until the journal has nothing new, then waits; calls
    /// `tick` after each batch and each second of quiet. Ends on a signal.
    static func loop(_ journal: Journal, entry: (JournalEntry) -> Void, tick: () -> Void) {
        journal.clearUntil()
        while !stopped {
            var n = 0
            reading: while !stopped {
                switch journal.next() {
                case .end: break reading
                case .skipped: continue
                case .entry(let e):
                    entry(e)
                    n += 1
                    if n & 1023 == 0 { tick() }
                }
            }
            tick()
            Output.shared.flush()
            if stopped { break }
            _ = journal.wait(timeoutUsec: 1_000_000)
        }
        Output.shared.flush()
    }

    /// `report -f` / `bursts -f`: one live pass over every source (no
    /// matches: the host gaps need every entry), judging what has settled.
    static func attribution(source: SourceOptions, units: SourceUnitOptions, maps: MapOptions,
                            settings: AttributionSettings, window: TimeWindow, renderer: AttributionRenderer,
                            burstsOnly: Bool) throws {
        installSignals()
        let portMap = try PortMapLoader.load(maps)
        let j = try source.openJournal(follow: true)
        let dispatchUnits = try j.expandUnits([units.dispatchUnit])
        let serveUnits = (try? j.expandUnits([units.serveUnit])) ?? []
        var m = MatchSet()
        m.restrict(toHosts: source.host)
        try j.apply(m)
        try j.seek(since: window.since, until: nil)
        var stream = EventStream(config: SourceConfig(
            dispatchUnits: Set(dispatchUnits), serveUnits: Set(serveUnits), scriptTags: units.scriptTags,
            earlyoomUnit: units.earlyoomUnit, dispatchPort: maps.dispatchPort, portMap: portMap))
        var attributors: [String: Attributor] = [:]
        var finders: [String: GapFinder] = [:]
        var printed: [String: UInt64] = [:]
        var printedBursts: [String: UInt64] = [:]
        let settle = max(settings.reconnectWindow, settings.serveWindow, settings.hostWindow) + 5_000_000
        if renderer.format == .table {
            Output.shared.line("-- t3attr \(burstsOnly ? "bursts" : "report") --follow: a drop is shown \(settle / 1_000_000) s after it, when its verdict is final; Ctrl-C ends")
        }
        loop(j, entry: { e in
            let host = e.hostname ?? ""
            finders[host, default: GapFinder(threshold: settings.gapThreshold)].add(realtime: e.realtime, bootID: e.bootID)
            guard var ev = stream.classify(e) else { return }
            ev.cursor = j.cursor()
            stream.learn(from: ev)
            if attributors[host] == nil { attributors[host] = Attributor(settings: settings) }
            if ev.signal != nil { attributors[host]!.addSignal(ev) } else { attributors[host]!.add(ev) }
        }, tick: {
            let horizon = nowUsec().subtractingClamped(settle)
            for host in attributors.keys.sorted() {
                var copy = attributors[host]!
                copy.close()
                if burstsOnly { copy.retainBurstDrops() }
                let gaps = finders[host]?.gaps ?? []
                let result = copy.attribute(gaps: gaps)
                let drops = result.drops.filter { $0.event.realtime <= horizon && printed[$0.event.cursor] == nil }
                let bursts = result.bursts.filter {
                    $0.second * 1_000_000 + 1_000_000 <= horizon && printedBursts[CursorState.burstKey($0)] == nil
                }
                for d in drops { printed[d.event.cursor] = d.event.realtime }
                for b in bursts { printedBursts[CursorState.burstKey(b)] = b.second * 1_000_000 }
                if burstsOnly { renderer.followBursts(bursts, in: result) } else { renderer.followDrops(drops, in: result) }
                attributors[host]!.prune(before: horizon.subtractingClamped(settle))
            }
            // What was printed long ago cannot come back.
            let old = horizon.subtractingClamped(2 * settle)
            if printed.count > 10_000 { printed = printed.filter { $0.value >= old } }
            if printedBursts.count > 1_000 { printedBursts = printedBursts.filter { $0.value >= old } }
        })
    }
}

extension AttributionRenderer {
    /// Follow mode: drops as rows (table) or objects (JSON), no summary.
    func followDrops(_ drops: [Drop], in at: Attribution) {
        guard !drops.isEmpty else { return }
        switch format {
        case .json, .jsonPretty:
            for d in drops { dropJSON(d, at) }
        case .table, .markdown:
            for d in drops {
                let ev = d.event
                let evidence = at.evidence(d.evidence)
                let evText = evidence.first.map { "\(time($0.realtime, digits: 0)) \(Render.cell($0.unit ?? "-")): \(Render.cell($0.message))" } ?? "-"
                out.line(Render.column(time(ev.realtime), 24) + (ev.host.map { Render.column(Render.cell($0), 12) } ?? "")
                    + Render.column(Self.userText(ev), 10) + Render.column(ev.kind, 11) + Render.column(ev.className ?? "-", 17)
                    + paint(Render.column(d.verdict.rawValue, 8), d.verdict.rawValue) + Render.column(d.reason, 21) + evText)
            }
        }
    }

    func followBursts(_ bursts: [Burst], in at: Attribution) {
        for b in bursts {
            switch format {
            case .json, .jsonPretty:
                var s = "{\"type\":\"burst\",\"host\":\(Render.json(b.host)),\"second\":\(Render.json(Render.rfc3339(b.second * 1_000_000, fractionDigits: 0)))"
                s += ",\"second_epoch\":\(b.second),\"count\":\(b.count),\"users\":[" + b.users.map { Render.json($0) }.joined(separator: ",") + "]"
                s += ",\"classes\":\(EventSummary.json(b.classes)),\"verdict\":\(Render.json(b.verdict.rawValue)),\"reason\":\(Render.json(b.reason))"
                s += ",\"evidence\":" + Self.evidenceJSON(at.evidence(b.evidence)) + "}"
                out.line(s)
            case .table, .markdown:
                out.line(Render.column(time(b.second * 1_000_000, digits: 0), 21) + Render.column(String(b.count), 6)
                    + paint(Render.column(b.verdict.rawValue, 8), b.verdict.rawValue) + Render.column(b.reason, 15)
                    + Render.column(EventSummary.text(b.classes), 30) + (b.users.isEmpty ? "-" : Render.cell(b.users.joined(separator: ","))))
            }
        }
    }
}
