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

    static func run(source: SourceOptions, units: SourceUnitOptions, maps: MapOptions,
                    settings: AttributionSettings, window: TimeWindow, requireServe: Bool = false) throws -> Analysis {
        let portMap = try PortMapLoader.load(maps)
        var missing: [String] = []
        var extra: [[String]] = [["_TRANSPORT=kernel"], ["_SYSTEMD_UNIT=\(units.earlyoomUnit)"]]
        for tag in units.scriptTags.sorted() {
            extra.append(["SYSLOG_IDENTIFIER=\(tag)"])
            extra.append(["_SYSTEMD_UNIT=\(tag).service"])
        }
        let scan = try Scan(source: source, unitPatterns: requireServe ? [units.dispatchUnit, units.serveUnit] : [units.dispatchUnit],
                            optionalPatterns: requireServe ? [] : [units.serveUnit], extra: extra,
                            window: window, missing: &missing)
        let dispatchUnits = try scan.journal.expandUnits([units.dispatchUnit])
        let serveUnits = Set(scan.units).subtracting(dispatchUnits)
        var stream = EventStream(config: SourceConfig(
            dispatchUnits: Set(dispatchUnits), serveUnits: serveUnits, scriptTags: units.scriptTags,
            earlyoomUnit: units.earlyoomUnit, dispatchPort: maps.dispatchPort, portMap: portMap))
        var attributor = Attributor(settings: settings)
        scan.forEach { entry in
            guard var ev = stream.classify(entry) else { return }
            ev.cursor = scan.journal.cursor()
            stream.learn(from: ev)
            attributor.add(ev)
        }
        attributor.close()
        var notes = scan.readingNotes()
        for m in missing { notes.append("no unit in the journal matches '\(m)': no serve-side evidence") }

        // Host gaps: read every source, but only around the drops.
        var finder = GapFinder(threshold: settings.gapThreshold)
        for (a, b) in attributor.gapIntervals() {
            finder.reset()
            try scan.journal.scanTimes(from: a, to: b) { t, boot in finder.add(realtime: t, bootID: boot) }
        }
        var gaps = finder.gaps
        for i in gaps.indices {
            let n = scan.journal.neighbours(of: gaps[i].end)
            gaps[i].before = n.before.map { Evidence(realtime: $0.realtime, unit: $0.aboutUnit, kind: "last_entry_before_gap", message: $0.messageText, cursor: $0.cursor) }
            gaps[i].after = n.after.map { Evidence(realtime: $0.realtime, unit: $0.aboutUnit, kind: $0.bootID != n.before?.bootID ? "first_entry_of_new_boot" : "first_entry_after_gap", message: $0.messageText, cursor: $0.cursor) }
        }
        let result = attributor.attribute(gaps: gaps)
        for c in result.clockWentBack.prefix(3) {
            notes.append("the journal's clock went backwards from \(Render.rfc3339(c.from)) to \(Render.rfc3339(c.to))")
        }
        return Analysis(attribution: result, scan: scan, notes: notes, folded: stream.folded)
    }
}
