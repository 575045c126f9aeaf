import Analysis
import Classifiers
import Foundation
import JournalReader
import TestSupport
import Testing

/// A real journal file built from a fixture's export text, in a directory removed afterwards.
private func withJournal<T>(_ name: String, rewrite: ((Data) -> Data)? = nil, _ body: (String) throws -> T) throws -> T {
    let dir = try Fixtures.tempDir("t3attr-analysis")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let export = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(name + ".export")))
    let path = try Fixtures.journal(exportText: rewrite?(export) ?? export, in: dir, fileName: name + ".journal")
    return try body(path)
}

private func config(_ path: String, scope: AnalysisConfig.Scope = .everyDrop, units: UnitConfig = UnitConfig()) -> AnalysisConfig {
    AnalysisConfig(source: .files([path]), units: units, maps: MapConfig(dispatchTable: Fixtures.path("dispatch.json")), scope: scope)
}

private func verdicts(_ r: Report) -> [String] {
    r.attribution.drops.map { "\($0.event.realtime) \($0.verdict.rawValue)/\($0.reason.rawValue)" }
}

private func expected(_ name: String) throws -> [String] {
    try Fixtures.expectedDrops(name).map(\.key)
}

/// Same-length rename of the serve units (binary export fields keep their lengths):
/// `t3-serve@alice.service` -> `t3_serve-alice.service`.
private func renameServes(_ d: Data) -> Data {
    let from = Array("t3-serve@".utf8)
    let to = Array("t3_serve-".utf8)
    var b = [UInt8](d)
    var i = 0
    while i + from.count <= b.count {
        if b[i..<(i + from.count)].elementsEqual(from) {
            b.replaceSubrange(i..<(i + from.count), with: to)
            i += from.count
        } else {
            i += 1
        }
    }
    return Data(b)
}

@Suite("Analyzer: one run over real journal files -> a Report, without the binary")
struct AnalyzerTests {
    @Test(
        "the report's verdicts are the scenario's",
        arguments: [
            "scenario-tunnel-break", "scenario-memory-storm", "scenario-serve-livelock", "scenario-serve-oom",
            "scenario-planned-autoupdate", "scenario-isolated-cancels", "scenario-dispatch-restart",
            "scenario-host-freeze", "sample-incident", "scenario-fleet",
        ])
    func verdictsMatchTheScenario(name: String) throws {
        let report = try withJournal(name) { try Analyzer(config($0)).run() }
        #expect(verdicts(report) == (try expected(name)))
        #expect(report.stats.entriesRead > 0)
        #expect(!report.stats.skippedAnything)
        #expect(report.units.first == "t3-dispatch.service")
    }

    @Test("--serve-unit renames the serves everywhere: unit events, OOM cgroups, script lines, timeouts")
    func serveUnitFlowsEverywhere() throws {
        let want = try expected("scenario-serve-oom")
        let renamed = UnitConfig(serveUnit: "t3_serve-*.service")
        try withJournal("scenario-serve-oom", rewrite: renameServes) { path in
            let report = try Analyzer(config(path, units: renamed)).run()
            #expect(verdicts(report) == want)
            #expect(report.units.contains("t3_serve-frank.service"))
            #expect(report.attribution.signals.contains { $0.user == "frank" && $0.kind == .oomKill })
            // With the default name nothing is a serve: no serve-side evidence, and a note says so.
            let blind = try Analyzer(config(path)).run()
            #expect(blind.notes.contains(.noServeUnit(pattern: ServeUnits.defaultPattern)))
            #expect(verdicts(blind) != want)
        }
    }

    @Test("bursts scope keeps only drops in a burst; serve scope reads every serve line")
    func scopes() throws {
        try withJournal("scenario-tunnel-break") { path in
            let all = try Analyzer(config(path)).run()
            let bursts = try Analyzer(config(path, scope: .burstsOnly)).run()
            #expect(!bursts.attribution.bursts.isEmpty)
            #expect(bursts.attribution.bursts.map(\.second) == all.attribution.bursts.map(\.second))
            #expect(bursts.attribution.drops.allSatisfy { $0.burstSecond != nil })
        }
        try withJournal("dispatch-basic") { path in
            let serve = try Analyzer(config(path, scope: .serveTimeline)).run()
            let alice = serve.attribution.signals.filter { $0.user == "alice" }.map(\.kind)
            #expect(alice == [.serveTimeout, .unitStopTimeout])
            let timelines = serve.serveTimelines(users: ["alice"])
            #expect(timelines.map(\.user) == ["alice"])
            #expect(timelines.first?.events.map(\.kind) == [.serveTimeout, .unitStopTimeout])
            #expect(serve.serveTimelines().map(\.user) == serve.serveTimelines().map(\.user).sorted())
        }
    }

    /// Issue 16: phase 1 reads its rare terms, then PID 1 and the kernel. A
    /// PID 1 line that also names its unit in `OBJECT_SYSTEMD_UNIT` (as root)
    /// is selected by both reads: it is one signal, not two.
    @Test(
        "a line both signal reads select is one signal",
        arguments: [
            ("scenario-dispatch-restart", AnalysisConfig.Scope.everyDrop), ("dispatch-basic", .everyDrop), ("dispatch-basic", .serveTimeline),
        ])
    func signalSelectedTwiceIsOne(name: String, scope: AnalysisConfig.Scope) throws {
        func alsoAnObject(_ d: Data) -> Data {
            var s = String(decoding: d, as: UTF8.self)
            for u in ["t3-dispatch.service", "t3-serve@alice.service"] {
                s = s.replacingOccurrences(of: "\nUNIT=\(u)\n", with: "\nUNIT=\(u)\nOBJECT_SYSTEMD_UNIT=\(u)\n")
            }
            return Data(s.utf8)
        }
        func signals(_ r: Report) -> [String] {
            r.attribution.signals.map { "\($0.realtime) \($0.kind.rawValue) \($0.unit ?? "-") \($0.port.map(String.init) ?? "-")" }
        }
        let plain = try withJournal(name) { try Analyzer(config($0, scope: scope)).run() }
        let twice = try withJournal(name, rewrite: alsoAnObject) { try Analyzer(config($0, scope: scope)).run() }
        #expect(plain.attribution.signals.contains { $0.signal.map { if case .unit = $0 { true } else { false } } ?? false })
        #expect(signals(twice) == signals(plain))
        #expect(verdicts(twice) == verdicts(plain))
    }

    @Test("a default serve glob that matches nothing is a note for report and serve; one the operator named is an error")
    func missingServeUnits() throws {
        try withJournal("dispatch-basic") { path in
            var units = UnitConfig(serveUnit: "nosuch-*.service")
            let report = try Analyzer(config(path, units: units)).run()
            #expect(report.notes == [.noServeUnit(pattern: "nosuch-*.service")])
            let timeline = try Analyzer(config(path, scope: .serveTimeline, units: units)).run()
            #expect(timeline.notes == [.noServeUnit(pattern: "nosuch-*.service")])
            units.serveUnitGiven = true
            #expect(throws: JournalError.self) { try Analyzer(config(path, scope: .serveTimeline, units: units)) }
            #expect(throws: JournalError.self) { try Analyzer(config(path, units: units)) }
        }
    }

    @Test("the cursor file skips what the last run reported and resumes a correlation window early")
    func cursorFileState() throws {
        try withJournal("scenario-isolated-cancels") { path in
            let settings = AttributionSettings()
            var first = try Analyzer(config(path)).run()
            let n = first.attribution.drops.count
            #expect(n > 0)
            let later = UInt64.max / 2  // long after the journal: every drop has settled
            let state = first.applyCursorFile(previous: nil, settings: settings, now: later)
            #expect(first.attribution.drops.count == n)
            #expect(state.lastRealtimeUsec == first.stats.lastRealtime)
            var c = config(path)
            c.window = CursorState.resumedWindow(c.window, previous: state)
            #expect(c.window.since == state.resumeUsec)
            var second = try Analyzer(c).run()
            _ = second.applyCursorFile(previous: state, settings: settings, now: later)
            #expect(second.attribution.drops.isEmpty, "every drop was reported by the first run")
        }
    }

    /// A drop whose evidence can still be written (less than the correlation
    /// window before now) waits for the next run, which judges it with what
    /// followed; incidents and request errors already printed are not again;
    /// removing drops keeps every evidence reference valid.
    @Test func theCursorFileHoldsBackWhatIsNotSettledAndPrintsEachThingOnce() throws {
        try withJournal("sample-incident") { path in
            let settings = AttributionSettings()
            let margin = FocusWindow.margin(settings)
            var first = try Analyzer(config(path)).run()
            let all = first.attribution
            #expect(!all.requestErrors.isEmpty && all.drops.count == 12)
            // "now" is 30 s after the last drop: the drops of the margin before it wait.
            let lastDrop = try #require(all.drops.map(\.event.realtime).max())
            let now = lastDrop + 30_000_000
            let state = first.applyCursorFile(previous: nil, settings: settings, now: now)
            let waiting = all.drops.filter { $0.event.realtime + margin > now }
            #expect(!waiting.isEmpty)
            #expect(first.attribution.drops.map(\.event.cursor) == all.drops.filter { $0.event.realtime + margin <= now }.map(\.event.cursor))
            #expect(!state.reported.contains { c in waiting.contains { CursorState.entryKey($0.event.cursor) == c } })
            for d in first.attribution.drops { _ = first.attribution.evidence(d.evidence) }
            for i in first.attribution.incidents { _ = first.attribution.evidence(i.evidence) }
            // The next run, later: the waiting drops, and no request error or incident twice.
            var c = config(path)
            c.window = CursorState.resumedWindow(c.window, previous: state)
            var second = try Analyzer(c).run()
            _ = second.applyCursorFile(previous: state, settings: settings, now: UInt64.max / 2)
            #expect(Set(second.attribution.drops.map(\.event.cursor)) == Set(waiting.map(\.event.cursor)))
            let printed = Set(first.attribution.requestErrors.map(\.cursor))
            #expect(second.attribution.requestErrors.allSatisfy { !printed.contains($0.cursor) })
            #expect(
                Set(first.attribution.requestErrors.map(\.cursor) + second.attribution.requestErrors.map(\.cursor)).isSuperset(
                    of: all.requestErrors.filter { $0.realtime >= state.resumeUsec }.map(\.cursor)))
            let firstIncidentDrops = Set(first.attribution.drops.map(\.event.cursor))
            for inc in second.attribution.incidents {
                #expect(second.attribution.drops.contains { $0.incident == inc.id && !firstIncidentDrops.contains($0.event.cursor) })
            }
            for d in second.attribution.drops { _ = second.attribution.evidence(d.evidence) }
        }
    }
}

@Suite("LiveAnalyzer: -f over a finished journal hands on what the one-shot run finds")
struct LiveAnalyzerTests {
    @Test(arguments: ["scenario-serve-oom", "scenario-isolated-cancels", "scenario-tunnel-break", "scenario-host-freeze"])
    func settledDropsMatchTheReport(name: String) throws {
        try withJournal(name) { path in
            let report = try Analyzer(config(path)).run()
            let live = try LiveAnalyzer(config(path))
            var drops: [Drop] = []
            var idle = 0
            // Far in the future: everything has settled; stop after the first quiet moment.
            try live.run(now: { UInt64.max / 2 }, stop: { idle > 0 }, deliver: { drops += $0.drops }, idle: { idle += 1 })
            #expect(drops.map { "\($0.event.realtime) \($0.verdict.rawValue)/\($0.reason.rawValue)" } == verdicts(report))
        }
    }
}

@Suite("DispatchListing and PortMapLoader: values, not printing")
struct ListingTests {
    @Test func listingCountsWhatItHandsOn() throws {
        try withJournal("dispatch-basic") { path in
            let listing = try DispatchListing(config(path), filter: DispatchFilter())
            var events: [Event] = []
            var begun: [String] = []
            let r = try listing.run(begin: { begun = $0 }, event: { events.append($0) })
            #expect(begun == ["t3-dispatch.service"])
            #expect(r.summary.total == events.count && !events.isEmpty)
            #expect(events.allSatisfy { !$0.cursor.isEmpty })
            #expect(r.stats.entriesRead >= events.count)
            let only = try DispatchListing(config(path), filter: DispatchFilter(classes: [.error(.canceled)]))
            var canceled = 0
            _ = try only.run(
                begin: { _ in },
                event: { ev in
                    canceled += 1
                    #expect(ev.className == .error(.canceled))
                })
            #expect(canceled == events.filter { $0.className == .error(.canceled) }.count)
        }
    }

    @Test func aMissingDefaultMapIsANoticeNotAPrintout() throws {
        guard !FileManager.default.fileExists(atPath: PortMapLoader.defaultTable) else { return }
        let dir = try Fixtures.tempDir("t3attr-envdir")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let loaded = try PortMapLoader.load(MapConfig(envDir: dir))
        #expect(loaded.map.userByPort.isEmpty)
        #expect(loaded.notice == PortMapLoader.Notice(problems: [.defaultTable(path: PortMapLoader.defaultTable, .missing)], mapEmpty: true))
    }
}
