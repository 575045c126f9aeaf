import Foundation
import ArgumentParser
import Classifiers
import JournalReader

/// Which units and identifiers hold the sources the attribution reads.
struct SourceUnitOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The dispatch proxy's unit (name or glob).", valueName: "unit"))
    var dispatchUnit = "t3-dispatch.service"

    @Option(name: .long, help: ArgumentHelp("The per-user serve units (name or glob).", valueName: "unit"))
    var serveUnit = "t3-serve@*.service"

    @Option(name: .long, help: ArgumentHelp("earlyoom's unit.", valueName: "unit"))
    var earlyoomUnit = "earlyoom.service"

    @Option(name: .long, help: ArgumentHelp(
        "Host script identifiers whose restarts and probes are evidence (repeatable; default: t3-watchdog, t3-autoupdate, t3-migrate-idle).",
        valueName: "tag"))
    var scriptTag: [String] = []

    /// An empty name would select nothing and yield "No drops": a usage error instead.
    func validate() throws {
        for (flag, value) in [("--dispatch-unit", dispatchUnit), ("--serve-unit", serveUnit), ("--earlyoom-unit", earlyoomUnit)]
        where value.isEmpty {
            throw ValidationError("\(flag) must not be empty")
        }
        if scriptTag.contains(where: \.isEmpty) { throw ValidationError("--script-tag must not be empty") }
    }

    var scriptTags: Set<String> { scriptTag.isEmpty ? SourceConfig.defaultScriptTags : Set(scriptTag) }
}

/// Thresholds and correlation windows of the attribution (spans in journalctl syntax).
struct AttributionOptions: ParsableArguments {
    @Option(name: .customLong("burst-min"), help: ArgumentHelp("Downstream teardowns in one second that make a burst.", valueName: "n"))
    var burstMin = 5

    @Option(name: .long, help: ArgumentHelp("A graceful WebSocket close shorter than this is a drop.", valueName: "span"))
    var shortSocket = "120s"

    @Option(name: .long, help: ArgumentHelp("A close followed by the same user's ws open within this is a reconnect.", valueName: "span"))
    var reconnectWindow = "60s"

    @Option(name: .long, help: ArgumentHelp("Serve-side events of the drop's user this long before or after it count.", valueName: "span"))
    var serveWindow = "120s"

    @Option(name: .long, help: ArgumentHelp("Host-wide signals (OOM kills, timeouts in several serves, gaps) this long before a drop count.", valueName: "span"))
    var hostWindow = "120s"

    @Option(name: .long, help: ArgumentHelp("Silence in the whole journal that counts as a host gap.", valueName: "span"))
    var gap = "30s"

    func settings() throws -> AttributionSettings {
        var s = AttributionSettings()
        guard burstMin >= 1 else { throw ValidationError("--burst-min must be at least 1") }
        s.burstMin = burstMin
        s.shortSocketMs = try span(shortSocket, "--short-socket") / 1000
        s.reconnectWindow = try span(reconnectWindow, "--reconnect-window")
        s.serveWindow = try span(serveWindow, "--serve-window")
        s.hostWindow = try span(hostWindow, "--host-window")
        s.gapThreshold = try span(gap, "--gap")
        guard s.gapThreshold > 0 else { throw ValidationError("--gap must be more than 0") }
        return s
    }

    func validate() throws { _ = try settings() }
}

func span(_ s: String, _ flag: String) throws -> UInt64 {
    guard let v = Span.parse(s, requireUnit: false) else {
        throw ValidationError("\(flag): invalid time span '\(s)' (examples: 90s, 2min, 1h)")
    }
    return v
}

/// Reads every source in the window, attributes each drop, finds the host
/// gaps around them. Shared by `report`, `bursts` and `serve`.
struct Analysis {
    var attribution: Attribution
    var scan: Scan
    var notes: [String]
    var folded: Int

    /// Which drops to judge; serve lines are read only around them.
    enum Scope { case everyDrop, burstsOnly, serveTimeline }

    static func run(source: SourceOptions, units: SourceUnitOptions, maps: MapOptions,
                    settings: AttributionSettings, window: TimeWindow, scope: Scope = .everyDrop) throws -> Analysis {
        let requireServe = scope == .serveTimeline
        let portMap = try PortMapLoader.load(maps)
        var missing: [String] = []
        let tags = units.scriptTags.sorted()
        let j = try source.openJournal()
        let dispatchUnits = try j.expandUnits([units.dispatchUnit])
        var serveUnits: [String] = []
        do {
            serveUnits = try j.expandUnits([units.serveUnit]).filter { !dispatchUnits.contains($0) }
        } catch {
            guard error.kind == .noData, !requireServe else { throw error }
            missing.append(units.serveUnit)
        }
        let all = dispatchUnits + serveUnits
        // What `journalctl -u` selects for these units, plus the kernel, earlyoom
        // and the scripts. sd-journal walks an OR of many values of one field
        // slowly (measured: 14 µs per serve entry with 8 serve units), so the
        // serves are selected by their shared slice when they have one, and PID
        // 1's and coredump messages by their fixed fields; EventStream then
        // keeps exactly the units asked for. Same entries, a fraction of the time.
        // Phase 1 reads everything but the serves' own lines (the bulk of
        // them); phase 2 reads those only around the drops found, where they
        // can change a verdict. `serve` reads them all in phase 1.
        let slice = Analysis.sharedSlice(of: serveUnits, in: j)
        let serveTerms: [[String]] = serveUnits.isEmpty ? [] : [slice.map { ["_SYSTEMD_SLICE=\($0)"] } ?? serveUnits.map { "_SYSTEMD_UNIT=\($0)" }]
        // Phase 1a, the signals: PID 1, coredumps, authorised daemons, the
        // kernel, earlyoom and the scripts (few entries; added out of order).
        // Phase 1b, the dispatch alone, in time order. Two passes over a few
        // match terms each are faster than one pass over all of them: sd-journal
        // re-walks every OR term for every entry it returns.
        var m = MatchSet()
        m.add(([units.earlyoomUnit] + tags.map { "\($0).service" }).map { "_SYSTEMD_UNIT=\($0)" })
        if requireServe { for t in serveTerms { m.add(t) } }
        m.add(["MESSAGE_ID=fc2e22bc6ee647b6b90729ab34a250b1", "_UID=0"])
        m.add(["_PID=1"])
        if !all.isEmpty { m.add(["_UID=0"] + all.map { "OBJECT_SYSTEMD_UNIT=\($0)" }) }
        m.add(["_TRANSPORT=kernel"])
        // Only journald's own fields decide who wrote a line: the scripts and
        // earlyoom by their units (above), or by root under their identifiers.
        m.add(["_UID=0"] + (tags + [SourceConfig.earlyoomIdentifier]).map { "SYSLOG_IDENTIFIER=\($0)" })
        m.restrict(toHosts: source.host)
        try j.apply(m)
        let scan = try Scan(journal: j, units: all, window: window)
        var stream = EventStream(config: SourceConfig(
            dispatchUnits: Set(dispatchUnits), serveUnits: Set(serveUnits), scriptTags: units.scriptTags,
            earlyoomUnit: units.earlyoomUnit, dispatchPort: maps.dispatchPort, portMap: portMap))
        // One attributor per host: bursts, gaps and verdicts are judged per machine.
        var attributors: [String: Attributor] = [:]
        var blank = Attributor(settings: settings)
        blank.onlyTeardowns = scope == .burstsOnly
        func key(_ ev: Event) -> String { ev.host ?? "" }
        let timing = Timing()
        scan.forEach { entry in
            guard var ev = stream.classify(entry) else { return }
            ev.cursor = scan.journal.cursor()
            stream.learn(from: ev)
            attributors[key(ev), default: blank].addSignal(ev)
        }
        timing.mark("signals (\(scan.journal.entriesRead) entries)")
        var dm = MatchSet()
        dm.add(dispatchUnits.map { "_SYSTEMD_UNIT=\($0)" })
        dm.restrict(toHosts: source.host)
        try j.apply(dm)
        try j.seek(since: window.since, until: window.until)
        scan.forEach { entry in
            guard var ev = stream.classify(entry) else { return }
            // Cursors only for what can be printed (ws open and friends never are).
            if ev.dispatch.map({ $0.kind != .wsOpen && $0.kind != .paired && $0.kind != .other }) ?? true {
                ev.cursor = scan.journal.cursor()
            }
            let k = key(ev)
            attributors[k, default: blank].add(ev)
        }
        let hosts = attributors.keys.sorted()
        // Several machines, or one picked out of several: every later read is per host.
        let fleet = hosts.count > 1 || !source.host.isEmpty
        for h in hosts {
            attributors[h]!.close()
            if scope == .burstsOnly { attributors[h]!.retainBurstDrops() }
        }
        timing.mark("dispatch (\(scan.journal.entriesRead) entries in all, \(hosts.count) host(s))")
        func hostTerms(_ h: String) -> [String] { fleet && !h.isEmpty ? ["_HOSTNAME=\(h)"] : [] }

        // Phase 2: the serves' lines around the drops, per host.
        if !requireServe && !serveTerms.isEmpty {
            var n = 0
            for h in hosts {
                var serveMatches = MatchSet()
                for t in serveTerms { serveMatches.add(t + hostTerms(h)) }
                for (a, b) in attributors[h]!.evidenceIntervals() {
                    try j.apply(serveMatches)
                    try j.seek(since: a, until: b)
                    reading: while true {
                        switch j.next() {
                        case .end: break reading
                        case .skipped: continue
                        case .entry(let entry):
                            n += 1
                            guard var ev = stream.classify(entry) else { continue }
                            ev.cursor = j.cursor()
                            attributors[h]!.addSignal(ev)
                        }
                    }
                }
            }
            timing.mark("serve lines around the drops (\(n) entries)")
        }

        // Host gaps: every source of the host, but only around its drops.
        // Probes a little closer together than the threshold: each lands inside
        // any gap that long and sees the entries on both sides of it. Where two
        // probes see different boots, the stretch between them is read whole.
        var parts: [Attribution] = []
        let step = max(settings.gapThreshold * 9 / 10, 1)
        for h in hosts {
            var finder = GapFinder(threshold: settings.gapThreshold)
            var hm = MatchSet()
            if !hostTerms(h).isEmpty { hm.add(hostTerms(h)) }
            try j.apply(hm)
            for (a, b) in attributors[h]!.gapIntervals() {
                var x = a
                var lastBoot: (UInt64, String)?
                while x <= b + step {
                    let p = j.straddle(x)
                    if let before = p.before, let after = p.after {
                        finder.reset()
                        finder.add(realtime: before.0, bootID: before.1)
                        finder.add(realtime: after.0, bootID: after.1)
                    }
                    if let seen = p.after ?? p.before {
                        if let lb = lastBoot, lb.1 != seen.1, !lb.1.isEmpty, !seen.1.isEmpty {
                            finder.reset()
                            try j.scanTimes(from: lb.0, to: seen.0, keepMatches: true) { t, boot in finder.add(realtime: t, bootID: boot) }
                        }
                        lastBoot = seen
                    }
                    // Skip ahead: nothing between x and the next entry needs another probe.
                    x = max(x + step, (p.after?.0 ?? x) + 1)
                }
            }
            var gaps = finder.gaps
            for i in gaps.indices {
                let n = j.neighbours(of: gaps[i].end, keepMatches: true)
                gaps[i].before = n.before.map { Evidence(realtime: $0.realtime, unit: $0.aboutUnit, kind: "last_entry_before_gap", message: $0.messageText, cursor: $0.cursor) }
                gaps[i].after = n.after.map { Evidence(realtime: $0.realtime, unit: $0.aboutUnit, kind: $0.bootID != n.before?.bootID ? "first_entry_of_new_boot" : "first_entry_after_gap", message: $0.messageText, cursor: $0.cursor) }
            }
            parts.append(attributors[h]!.attribute(gaps: gaps))
        }
        timing.mark("gaps and verdicts")
        let result = Attribution.merge(parts)
        var notes = scan.readingNotes()
        for m in missing { notes.append("no unit in the journal matches '\(m)': no serve-side evidence") }
        for c in result.clockWentBack.prefix(3) {
            notes.append("the journal's clock went backwards from \(Render.rfc3339(c.from)) to \(Render.rfc3339(c.to))")
        }
        return Analysis(attribution: result, scan: scan, notes: notes, folded: stream.folded)
    }
}

extension Analysis {
    /// The cgroup slice all `units` run in (`system-t3\x2dserve.slice`), when
    /// they share one that is not a catch-all slice.
    static func sharedSlice(of units: [String], in j: Journal) -> String? {
        guard units.count > 1 else { return nil }
        var found: String?
        for u in units {
            guard let s = j.firstValue(of: "_SYSTEMD_SLICE", where: "_SYSTEMD_UNIT=\(u)"),
                  !["system.slice", "-.slice", "user.slice", "machine.slice"].contains(s) else { return nil }
            if found == nil { found = s } else if found != s { return nil }
        }
        return found
    }
}

/// `T3ATTR_TIMING=1` prints how long each phase took, on stderr.
final class Timing {
    let on = ProcessInfo.processInfo.environment["T3ATTR_TIMING"] == "1"
    var last = Date()

    func mark(_ what: String) {
        guard on else { return }
        let now = Date()
        Diagnostics.note(String(format: "timing: %.3f s %@", now.timeIntervalSince(last), what))
        last = now
    }
}
