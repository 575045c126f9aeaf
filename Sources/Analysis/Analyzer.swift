import Classifiers
import Foundation
import JournalReader

/// What every run over the attribution sources sets up first, shared by
/// `Analyzer` and `LiveAnalyzer`: the port map, the open journal, the units.
public struct RunSetup {
    public let opener: SourceOpener
    public let journal: Journal
    public let portMap: PortMap
    /// The port map loader's note and conflicts (the command shows them before reading).
    public let portMapLoad: PortMapLoader.Loaded
    public let dispatchUnits: [String]
    public let serveUnits: [String]
    /// `--serve-unit` named nothing in the journal: no serve-side evidence.
    public let missingServePattern: String?
    /// `--host` names that wrote no entry in the journal (when none did, setup throws).
    public let missingHosts: [String]

    /// Loads the maps, opens the journal, expands the unit patterns (a
    /// dispatch glob that matches nothing is an error; a serve glob only when
    /// the serves are what was asked for).
    public init(_ config: AnalysisConfig, stopRequested: @escaping () -> Bool = { false }) throws {
        portMapLoad = try PortMapLoader.load(config.maps)
        portMap = portMapLoad.map
        opener = SourceOpener(config.source, follow: config.follow, stopRequested: stopRequested)
        journal = try opener.open()
        missingHosts = config.follow ? [] : try journal.missingHosts(config.hosts)
        var dispatch = try journal.expandUnits([config.units.dispatchUnit], requireNames: config.units.dispatchUnitGiven && !config.follow)
        // A dispatch glob that also matches the serves (`--dispatch-unit 't3-*'`)
        // does not take them from the serve rules: they are the serves'.
        if UnitName.isGlob(config.units.dispatchUnit), dispatch.count > 1,
            let serves = try? journal.expandUnits([config.units.serveUnit])
        {
            let narrowed = dispatch.filter { !serves.contains($0) }
            if !narrowed.isEmpty { dispatch = narrowed }
        }
        dispatchUnits = dispatch
        var serve: [String] = []
        var missing: String?
        do {
            serve = try journal.expandUnits([config.units.serveUnit], requireNames: config.units.serveUnitGiven && !config.follow)
                .filter { !dispatch.contains($0) }
        } catch {
            guard error.kind == .noData, !config.units.serveUnitGiven || config.follow else { throw error }
            missing = config.units.serveUnit
        }
        serveUnits = serve
        missingServePattern = missing
    }

    /// One host's files of a collector (issue 16: hosts analysed side by
    /// side), with the whole run's maps and units, so that each host is
    /// judged exactly as in one run over every file.
    init(_ config: AnalysisConfig, unitsOf run: Units) throws {
        portMapLoad = run.portMapLoad
        portMap = run.portMapLoad.map
        opener = SourceOpener(config.source, follow: false)
        journal = try opener.open()
        dispatchUnits = run.dispatchUnits
        serveUnits = run.serveUnits
        missingServePattern = run.missingServePattern
        missingHosts = []
    }

    /// What a run's setup found that is not its open journal: the maps and units.
    struct Units: Sendable {
        let portMapLoad: PortMapLoader.Loaded
        let dispatchUnits: [String]
        let serveUnits: [String]
        let missingServePattern: String?
    }

    var units: Units {
        Units(portMapLoad: portMapLoad, dispatchUnits: dispatchUnits, serveUnits: serveUnits, missingServePattern: missingServePattern)
    }

    /// The classifier's view of the sources.
    public func sourceConfig(_ config: AnalysisConfig) -> SourceConfig {
        SourceConfig(
            dispatchUnits: Set(dispatchUnits), serveUnits: Set(serveUnits), scriptTags: config.units.scriptTags,
            earlyoomUnit: config.units.earlyoomUnit, dispatchPort: config.maps.dispatchPort, portMap: portMap,
            serveNames: config.units.serveUnits)
    }
}

/// One run over the window: reads every source as the `ReadPlan` says,
/// attributes each drop, finds the host gaps around them, and returns the
/// `Report`. Shared by `report`, `bursts` and `serve`.
public final class Analyzer {
    public let config: AnalysisConfig
    public let setup: RunSetup

    public init(_ config: AnalysisConfig) throws {
        self.config = config
        self.setup = try RunSetup(config)
        readsOneFileAtATime = false
    }

    /// A host of a collector analysed side by side with others: its passes
    /// read one file at a time on handles closed once read (its memory).
    let readsOneFileAtATime: Bool

    init(_ config: AnalysisConfig, setup: RunSetup, oneFileAtATime: Bool) {
        self.config = config
        self.setup = setup
        readsOneFileAtATime = oneFileAtATime
    }

    /// What the reads found, before the notes are written.
    struct Findings {
        var attribution: Attribution
        /// The dispatch processes whose Go clock was not UTC, in order of appearance.
        var offsets: [LocalTimeOffset]
        var folded: Int
        /// The hosts whose lines were read (`_HOSTNAME`, "" for none).
        var hosts: [String]
        var timings: [PhaseTiming]
    }

    public func run(progress: ProgressFactory = { nil }) throws -> Report {
        let j = setup.journal
        let window = config.window
        let all = setup.dispatchUnits + setup.serveUnits
        let found = try analyzeHostsSideBySide() ?? analyze(progress: progress)
        var result = found.attribution
        var timing = PhaseClock(on: config.timing)
        timing.marks = found.timings
        var (notes, stats) = j.readingNotes()
        var corroboration: Corroboration?
        if !config.evidence.isEmpty {
            let times = result.drops.map(\.event.realtime)
            let span = times.min().map { ($0, times.max()!) }
            let (c, evidenceNotes) = try Corroboration.gather(config.evidence, span: span)
            notes += evidenceNotes
            c.corroborate(&result)
            corroboration = c
            // Events in the log, none near what was judged: say so, or the silence reads as a clean tunnel.
            let events = (c.tunnel?.events ?? []).filter(\.kind.bearsOnDrops)
            if let first = events.compactMap(\.time).min(), let last = events.compactMap(\.time).max(), !result.drops.isEmpty,
                !result.drops.contains(where: { !($0.corroboration?.tunnel.isEmpty ?? true) }),
                !result.bursts.contains(where: { !($0.corroboration?.tunnel.isEmpty ?? true) })
            {
                notes.append(.tunnelLogAway(events: events.count, from: first, to: last, window: c.window))
            }
            timing.mark("corroboration")
        }
        if let m = setup.missingServePattern { notes.append(.noServeUnit(pattern: m)) }
        if stats.entriesRead == 0, let n = Note.windowOutside(j, window) { notes.append(n) }
        if result.drops.isEmpty && result.requestErrors.isEmpty, let n = Note.noDispatchUnit(j, setup.dispatchUnits) { notes.append(n) }
        for c in result.clockWentBack.prefix(3) { notes.append(.clockWentBack(from: c.from, to: c.to)) }
        for o in found.offsets {
            notes.append(.localTime(pid: o.pid, host: o.host, seconds: o.seconds, since: o.firstSeen))
        }
        for s in result.signals {
            if case .journalSuppressed(let n)? = s.signal { notes.append(.journalSuppressed(unit: s.unit ?? "?", count: n, at: s.realtime)) }
        }
        var report = Report(
            attribution: result, stats: stats, notes: notes, window: window, units: all,
            folded: found.folded, timings: timing.marks)
        report.corroboration = corroboration
        return report
    }

    /// Reads every source as the `ReadPlan` says and attributes each host's drops.
    func analyze(progress: ProgressFactory) throws -> Findings {
        let j = setup.journal
        let window = config.window
        let scope = config.scope
        let settings = config.settings
        let plan = ReadPlan(
            units: config.units, dispatchUnits: setup.dispatchUnits, serveUnits: setup.serveUnits,
            serveSlice: ReadPlan.sharedSlice(of: setup.serveUnits, in: j), hosts: config.hosts, scope: scope)
        var timing = PhaseClock(on: config.timing)
        var stream = EventStream(config: setup.sourceConfig(config))
        // One attributor per host: bursts, gaps and verdicts are judged per machine.
        var blank = Attributor(settings: settings, serveUnits: config.units.serveUnits)
        blank.onlyTeardowns = scope == .burstsOnly
        var attributors = PerHost(blank: blank)
        func key(_ ev: Event) -> String { ev.host ?? "" }

        // Every pass one file per thread when the source is several files (issue 16).
        let parallel = try parallelRead()
        /// One pass: `transform` runs on the reading threads (on this one
        /// with one handle), `body` here, in journal order.
        func pass<T: Sendable>(
            _ m: MatchSet, _ intervals: [(UInt64?, UInt64?)], only: Set<String>? = nil, progress: (any ReadProgress)?,
            prefilter: EntryPrefilter? = nil,
            transform: @escaping @Sendable (JournalEntry, () -> String) -> T?, then body: (consuming T) -> Void
        ) throws {
            if let parallel {
                parallel.run(
                    intervals.map { ParallelRead.Read(matches: m, since: $0.0, until: $0.1) }, only: only, into: j, progress: progress,
                    prefilter: prefilter, transform: transform, body)
                return
            }
            try j.apply(m)
            for (a, b) in intervals {
                try j.seek(since: a, until: b)
                Self.read(j, progress: progress, prefilter: prefilter) { e, cursor in
                    if let v = transform(e, cursor) { body(v) }
                }
            }
        }

        // 1. The signals, the rare terms' then the busy ones' (`ReadPlan`).
        // What makes no event is left out on the reading threads; the rest
        // is classified here, in order: a probe line teaches a port's user
        // to the lines after it (`learn`), so the scripts' lines come first.
        let signalFilter = stream
        /// On the reading threads: the entries that may make a signal, with their cursors.
        let signalEntry: @Sendable (JournalEntry, () -> String) -> (JournalEntry, String)? = { entry, cursor in
            if case .none = signalFilter.preclassify(entry, cursor: { "" }) { return nil }
            return (entry, cursor())
        }
        func signal(_ entry: JournalEntry, _ cursor: String) {
            guard let ev = stream.classify(entry, cursor: { cursor }) else { return }
            stream.learn(from: ev)
            attributors[key(ev)].addSignal(ev)
        }
        var rare: [UInt64: [String]] = [:]
        try pass(
            plan.rareSignals, [(window.since, window.until)], progress: progress(), transform: signalEntry,
            then: { (entry: JournalEntry, cursor: String) in
                rare[entry.realtime, default: []].append(cursor)
                signal(entry, cursor)
            })
        // An entry both passes select (a PID 1 or kernel line that a rare
        // term selects too) was read by the first: its receive time and
        // cursor say so.
        let readFirst = rare
        try pass(
            plan.busySignals, [(window.since, window.until)], progress: progress(),
            transform: { entry, cursor in
                if case .none = signalFilter.preclassify(entry, cursor: { "" }) { return nil }
                let c = cursor()
                if let seen = readFirst[entry.realtime], seen.contains(c) { return nil }
                return (entry, c)
            },
            then: signal)
        timing.mark("signals (\(j.entriesRead) entries)")
        // 2. The dispatch, in time order: parsed on the reading threads. The
        // times of its lines spare most host-gap probes (phase 4).
        let probesGaps = scope != .burstsOnly
        let dispatchSide = stream
        try pass(
            plan.dispatch, [(window.since, window.until)], progress: progress(),
            transform: { entry, cursor in dispatchSide.preclassify(entry, cursor: cursor, marks: true) },
            then: { p in
                // A mark is the attributor's as it is; the stream notes it (its clock).
                guard let ev = stream.resolve(p, mark: { attributors.add($0, remember: probesGaps) }) else { return }
                attributors.add(ev, host: key(ev), remember: probesGaps)
            })
        let hosts = attributors.hosts.sorted()
        // Several machines' lines are read host by host, also when one of them
        // alone runs the dispatch (a collector with a node's kubelet lines): read
        // whole, the other host's lines filled the dispatch host's gaps, and each
        // change of boot id between them was a reboot.
        let fleet = hosts.count > 1 || ((try? j.uniqueValues(of: "_HOSTNAME").count) ?? 2) > 1
        // 2b. The era of each dispatch process whose window held no `ws` line:
        // its lines before the window say (issue 13, section 1).
        if let since = window.since {
            for h in hosts {
                for p in attributors[h].undecidedProcesses where p.pid != nil {
                    if try Self.loggedWebSocketLines(p, before: since, in: j, units: setup.dispatchUnits, fleet: fleet || !config.hosts.isEmpty) {
                        attributors[h].markNewEra(p)
                    }
                }
            }
        }
        for h in hosts {
            attributors[h].close()
            if scope == .burstsOnly { attributors[h].retainBurstDrops() }
        }
        timing.mark("dispatch (\(j.entriesRead) entries in all, \(hosts.count) host(s))")

        // A collector's per-host reads open only that host's files (issue 16:
        // every file for every host made a fleet's cost grow with its square).
        var hostFiles: [String: [String]] = [:]
        if let parallel, fleet {
            for h in hosts where !h.isEmpty { hostFiles[h] = parallel.paths(ofHost: h) }
        }

        // 2c. Beyond the window's edges: the dispatch's teardowns within a
        // burst's reach (a burst the edge cuts is one on both sides), and the
        // signals around the drops, as their serve lines are read (an OOM kill
        // 20 s before `--since` is the drop's cause, not "all quiet").
        // Evidence only: no drop is a line from beyond the window.
        if scope != .serveTimeline, window.since != nil || window.until != nil {
            // The dispatch's teardowns within a burst's span beyond each edge, first:
            // a long close they make part of a burst is a drop whose evidence is read next.
            var edges: [(UInt64?, UInt64?)] = []
            if let s = window.since, s > 0 { edges.append((s.subtractingClamped(Self.burstReach), s - 1)) }
            if let u = window.until { edges.append((u + 1, u + Self.burstReach)) }
            var edgeStream = stream
            try pass(
                plan.dispatch, edges, progress: nil,
                transform: { entry, cursor in dispatchSide.preclassify(entry, cursor: cursor) },
                then: { p in
                    guard let ev = edgeStream.resolve(p), attributors.hosts.contains(key(ev)) else { return }
                    attributors[key(ev)].addContextTeardown(ev)
                })
            for h in hosts {
                var outside: [(UInt64?, UInt64?)] = []
                for (a, b) in attributors[h].evidenceIntervals() {
                    if let s = window.since, a < s { outside.append((a, min(b, s - 1))) }
                    if let u = window.until, b > u { outside.append((max(a, u + 1), b)) }
                }
                guard !outside.isEmpty else { continue }
                var seen: Set<String> = []
                for matches in [plan.rareSignals, plan.busySignals] {
                    try pass(
                        matches, outside, only: hostFiles[h].map(Set.init), progress: nil, transform: signalEntry,
                        then: { (entry: JournalEntry, cursor: String) in
                            guard seen.insert(cursor).inserted, let ev = stream.classify(entry, cursor: { cursor }), key(ev) == h else { return }
                            attributors[h].addContextSignal(ev)
                        })
                }
            }
            timing.mark("signals beyond the window, around its drops")
        }
        // 2d. Each drop's user's serve as the window began: the last of PID 1's
        // lines about its unit before it (a unit that went down an hour before
        // `--since` and never started again is down at the drop: `unit_down`).
        if scope != .serveTimeline, let since = window.since, since > 0 {
            for h in hosts {
                for user in attributors[h].dropUsers {
                    let unit = config.units.serveUnits.unit(forUser: user)
                    try j.apply(MatchSet(terms: [["_PID=1", "UNIT=\(unit)"] + plan.hostTerms(h, fleet: fleet)]))
                    j.readBackward(before: since, limit: 64) { entry, cursor in
                        guard let ev = stream.classify(entry, cursor: { cursor }), key(ev) == h, ev.user == user,
                            case .unit(let a)? = ev.signal, a.wentDown || a == .restartScheduled || a == .started
                        else { return true }
                        attributors[h].addContextSignal(ev)
                        return false
                    }
                }
            }
            timing.mark("each user's serve as the window began")
        }

        // 3. The serves' lines around the drops, per host.
        if plan.readsServeLinesAroundDrops {
            let before = j.entriesRead
            // Of a serve's own lines only those saying "timed out" make
            // events; root's lines (and lines without `_UID`) are read whole,
            // as only they can be anything else, and so is everything when a
            // unit of another source is among those read here.
            let serveFilter: EntryPrefilter? =
                plan.serveLinesAreServesOnly(in: j)
                ? { @Sendable m, uid in EventStream.serveLineCanMatter(m, uid: uid) } : nil
            for h in hosts {
                let intervals = attributors[h].evidenceIntervals().map { (Optional($0.0), Optional($0.1)) }
                let only = hostFiles[h].map(Set.init)
                let serveSide = stream
                try pass(
                    plan.serveLines(host: h, fleet: fleet), intervals, only: only, progress: nil, prefilter: serveFilter,
                    transform: { entry, cursor in serveSide.preclassify(entry, cursor: cursor) },
                    then: { p in
                        guard let ev = stream.resolve(p) else { return }
                        attributors[h].addSignal(ev)
                    })
            }
            timing.mark("serve lines around the drops (\(j.entriesRead - before) entries)")
        }

        // 4. Host gaps: every source of the host, but only around its drops;
        // a collector's hosts on their own files, one host per thread.
        var parts: [Attribution] = []
        // The dispatch lines' times stand for the host's entries: each host's
        // probes see that host alone (`fleet` whenever the journal names several).
        func known(_ h: String) -> KnownEntries { attributors.known(h) }
        let perHost: [String: [HostGap]]
        if let parallel, fleet, hosts.allSatisfy({ hostFiles[$0] != nil }),
            Journal.spareDescriptors() >= parallel.jobs * ((hostFiles.values.map(\.count).max() ?? 0) + 4)
        {
            perHost = try Self.gapsPerHost(
                hosts.map { h in (h, hostFiles[h]!, plan.everySource(host: h, fleet: fleet), attributors[h].gapIntervals(), known(h)) },
                threshold: settings.gapThreshold, jobs: parallel.jobs)
        } else {
            perHost = [:]
        }
        for h in hosts {
            let gaps: [HostGap]
            if let g = perHost[h] {
                gaps = g
            } else {
                let every = plan.everySource(host: h, fleet: fleet)
                try j.apply(every)
                // Fresh handles on the source as opened for the run: only one that
                // opens the same files, of the same sizes, as the run's handle, and
                // while that has dropped none (a source written to, or rotated, or a
                // damaged file, keeps the run's handle). None in follow mode, nor
                // for the system journal (it is looked for anew at each open).
                let opener = setup.opener
                let renew: (() -> Journal?)?
                switch config.follow ? nil : j.source {
                case .directory?, .files?:
                    renew = {
                        guard let fresh = try? opener.open(), fresh.opensTheSameAs(j), (try? fresh.apply(every)) != nil else { return nil }
                        return fresh
                    }
                default: renew = nil
                }
                gaps = try GapProbe.gaps(
                    in: j, intervals: attributors[h].gapIntervals(), threshold: settings.gapThreshold, known: known(h), renew: renew)
            }
            parts.append(attributors[h].attribute(gaps: gaps))
        }
        timing.mark("gaps and verdicts")
        return Findings(
            attribution: Attribution.merge(consume parts), offsets: stream.localTimeOffsets, folded: stream.folded, hosts: hosts,
            timings: timing.marks)
    }

    /// How far beyond a window's edge the dispatch's teardowns still make a
    /// burst with its drops: a burst spans a second of written time, which
    /// Go writes in whole seconds, and receive time trails it.
    static let burstReach: UInt64 = 3_000_000

    /// Issue 16: a collector whose every file holds one host's entries is
    /// analysed host by host, `jobs` hosts at once, each on a handle of its
    /// own files: a host's verdicts depend on its own lines alone, and one
    /// pass over every file spent its time merging hosts that never meet.
    /// The result is that of one run over every file (same order: hosts by
    /// name). Nil when the source does not qualify (one host, a stream, a
    /// file with no or several hosts, `--jobs 1`, short of descriptors) or
    /// a host's run found lines of another: then one run reads it all.
    func analyzeHostsSideBySide() throws -> Findings? {
        let jobs = config.jobs ?? ProcessInfo.processInfo.activeProcessorCount
        guard jobs > 1, !config.follow, let listed = try setup.opener.perFileList() else { return nil }
        let skipped = Set(setup.journal.skippedFiles.map(\.path))
        var filesOf: [String: [String]] = [:]
        for f in listed where !skipped.contains(f) {
            guard let names = Journal.uniqueValues(of: "_HOSTNAME", inFile: f), names.count == 1 else { return nil }
            filesOf[names[0], default: []].append(f)
        }
        var hosts = filesOf.keys.sorted()
        if !config.hosts.isEmpty { hosts = hosts.filter { config.hosts.contains($0) } }
        let widest = hosts.map { filesOf[$0]!.count }.max() ?? 0
        let names = hosts
        guard hosts.count > 1, Journal.spareDescriptors() >= jobs * (widest + 4) else { return nil }

        var clock = PhaseClock(on: config.timing)
        final class Shared: @unchecked Sendable {
            let lock = NSLock()
            var next = 0
            var found: [Findings?]
            var counts: [Journal.ReadCounts?]
            var failed = false
            init(_ n: Int) {
                found = Array(repeating: nil, count: n)
                counts = Array(repeating: nil, count: n)
            }
        }
        let shared = Shared(hosts.count)
        let configs = hosts.map { h -> AnalysisConfig in
            var c = config
            c.source = .files(filesOf[h]!)
            c.hosts = []
            c.jobs = 1
            c.evidence = EvidenceConfig()
            c.timing = false
            return c
        }
        let units = setup.units
        DispatchQueue.concurrentPerform(iterations: min(jobs, hosts.count)) { _ in
            while true {
                let i = shared.lock.withLock {
                    defer { shared.next += 1 }
                    return shared.next
                }
                guard i < names.count else { return }
                do {
                    let one = Analyzer(configs[i], setup: try RunSetup(configs[i], unitsOf: units), oneFileAtATime: true)
                    let f = try one.analyze(progress: { nil })
                    let hj = one.setup.journal
                    var c = hj.counts
                    c.damaged = hj.skippedFiles + hj.damagedFilesAfterReading()
                    let mine = f.hosts.allSatisfy { $0 == names[i] }
                    shared.lock.withLock {
                        shared.found[i] = f
                        shared.counts[i] = c
                        if !mine { shared.failed = true }
                    }
                } catch {
                    shared.lock.withLock { shared.failed = true }
                }
            }
        }
        guard !shared.failed else { return nil }
        for c in shared.counts { setup.journal.absorb(c!) }
        // Moved out of `shared`, so that merging renumbers the drops in place.
        var found: [Findings?] = []
        swap(&found, &shared.found)
        var parts: [Attribution] = []
        var offsets: [LocalTimeOffset] = []
        var folded = 0
        for i in found.indices {
            var f: Findings? = nil
            swap(&f, &found[i])
            parts.append(f!.attribution)  // the only copy once `f` ends
            offsets += f!.offsets
            folded += f!.folded
        }
        clock.mark("\(hosts.count) hosts side by side (\(setup.journal.entriesRead) entries)")
        return Findings(
            attribution: Attribution.merge(consume parts),
            offsets: offsets.enumerated().sorted { ($0.element.firstSeen, $0.offset) < ($1.element.firstSeen, $1.offset) }.map(\.element),
            folded: folded, hosts: hosts, timings: clock.marks)
    }

    /// Each host's gaps probed on a handle of its own files (the same
    /// entries a handle over all files selects with the host's match), at
    /// most `jobs` hosts at once.
    static func gapsPerHost(
        _ work: [(host: String, files: [String], matches: MatchSet, intervals: [(UInt64, UInt64)], known: KnownEntries)],
        threshold: UInt64, jobs: Int
    ) throws -> [String: [HostGap]] {
        /// The next host to probe and what was found, behind a pthread mutex (as `ParallelRead`'s).
        final class Shared: @unchecked Sendable {
            let lock = NSLock()
            var next = 0
            var gaps: [String: [HostGap]] = [:]
            var error: (any Error)?
        }
        let shared = Shared()
        let items = work.map { w in (w.host, w.files, w.matches, w.intervals.map { [$0.0, $0.1] }, w.known) }
        DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, items.count))) { _ in
            while true {
                let i = shared.lock.withLock {
                    defer { shared.next += 1 }
                    return shared.next
                }
                guard i < items.count else { return }
                let (h, files, matches, spans, known) = items[i]
                do {
                    let j = try Journal(source: .files(files))
                    try j.apply(matches)
                    let g = try GapProbe.gaps(in: j, intervals: spans.map { ($0[0], $0[1]) }, threshold: threshold, known: known)
                    shared.lock.withLock { shared.gaps[h] = g }
                } catch {
                    shared.lock.withLock { shared.error = error }
                }
            }
        }
        if let e = shared.error { throw e }
        return shared.gaps
    }

    /// The plan to read each pass one file per thread, or nil for one handle:
    /// `jobs` 1, one file, the system journal or a stream. Files the run's
    /// handle skipped (damaged, unreadable, not opened) are skipped here too.
    func parallelRead() throws -> ParallelRead? {
        let jobs = config.jobs ?? ProcessInfo.processInfo.activeProcessorCount
        // Each worker holds up to two descriptors (a file checked, then read); the
        // run's handle already holds one per file. Short of them, one handle reads.
        guard jobs > 1 || readsOneFileAtATime, Journal.spareDescriptors() >= 4 * jobs,
            let files = try setup.opener.perFileList()
        else { return nil }
        let skipped = Set(setup.journal.skippedFiles.map(\.path))
        return ParallelRead(paths: files.filter { !skipped.contains($0) }, jobs: jobs, oneFileAtATime: readsOneFileAtATime)
    }

    /// Whether dispatch process `p` logged a `ws open`/`ws close` line before `t`.
    static func loggedWebSocketLines(_ p: DispatchProcess, before t: UInt64, in j: Journal, units: [String], fleet: Bool) throws -> Bool {
        guard let pid = p.pid, !units.isEmpty else { return false }
        var term = units.map { "_SYSTEMD_UNIT=\($0)" } + ["_PID=\(pid)"]
        if !p.boot.isEmpty { term.append("_BOOT_ID=\(p.boot)") }
        if fleet && !p.host.isEmpty { term.append("_HOSTNAME=\(p.host)") }
        try j.apply(MatchSet(terms: [term]))
        try j.seek(since: nil, until: t)
        var found = false
        let isWS: (JournalEntry, () -> String) -> Void = { e, _ in
            guard e.realtime < t else { return }
            let kind = DispatchParser.parse(e.message).kind
            if kind == .wsOpen || kind == .wsClose { found = true }
        }
        j.read(stop: { found }, isWS)
        return found
    }

    /// Calls `body` for each readable entry of the window, in journal order.
    static func read(
        _ j: Journal, progress: (any ReadProgress)?, prefilter: EntryPrefilter? = nil, _ body: (JournalEntry, () -> String) throws -> Void
    ) rethrows {
        defer { progress?.finish() }
        var n = 0
        try j.read(prefilter: prefilter) { e, cursor in
            n += 1
            if let progress, n & 8191 == 0 { progress.update(entries: j.entriesRead, at: e.realtime) }
            // Handed straight on: the cursor stays inside this call.
            try withoutActuallyEscaping(cursor) { try body(e, $0) }
        }
    }
}

/// One attributor per host; the host of the line before is found again
/// without hashing its name (a fleet's lines come in runs of one host).
struct PerHost {
    let blank: Attributor
    private var slots: [String: Int] = [:]
    private var all: [Attributor] = []
    private var knownEntries: [KnownEntries] = []
    private var last: (host: String, slot: Int)?

    init(blank: Attributor) { self.blank = blank }

    var hosts: Dictionary<String, Int>.Keys { slots.keys }

    /// The attributor of host `h` (a new one the first time).
    subscript(_ h: String) -> Attributor {
        get { slots[h].map { all[$0] } ?? blank }
        _modify {
            let i = slot(h)
            yield &all[i]
        }
    }

    /// A dispatch line for host `h`'s attributor; its time and boot are
    /// remembered for the gap probes when `remember`.
    mutating func add(_ ev: Event, host h: String, remember: Bool) {
        let i = slot(h)
        all[i].add(ev)
        if remember { knownEntries[i].add(ev.realtime, boot: ev.bootID) }
    }

    /// A dispatch line's mark for its host's attributor, as `add` does with its event.
    mutating func add(_ m: DispatchMark, remember: Bool) {
        let i = slot(m.host ?? "")
        all[i].add(m)
        if remember { knownEntries[i].add(m.realtime, boot: m.bootID) }
    }

    /// The times of host `h`'s dispatch lines, sorted.
    func known(_ h: String) -> KnownEntries {
        guard let i = slots[h] else { return KnownEntries() }
        var k = knownEntries[i]
        k.finish()
        return k
    }

    private mutating func slot(_ h: String) -> Int {
        if let last, last.host == h { return last.slot }
        let i: Int
        if let s = slots[h] {
            i = s
        } else {
            i = all.count
            all.append(blank)
            knownEntries.append(KnownEntries())
            slots[h] = i
        }
        last = (h, i)
        return i
    }
}

/// `T3ATTR_TIMING=1`: how long each phase took.
struct PhaseClock {
    let on: Bool
    var last = Date()
    var marks: [PhaseTiming] = []

    init(on: Bool) { self.on = on }

    mutating func mark(_ what: String) {
        guard on else { return }
        let now = Date()
        var t = PhaseTiming(seconds: now.timeIntervalSince(last), phase: what)
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) {
            func kib(_ key: String) -> Int? {
                guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }) else { return nil }
                return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
            }
            t.residentAnonKiB = kib("RssAnon")
            t.residentFileKiB = kib("RssFile")
        }
        marks.append(t)
        last = Date()
    }
}
