import Analysis
import ArgumentParser
import Classifiers

extension T3Attr {
    struct Report: ParsableCommand, FormatDeclaring {
        static let acceptedFormats = OutputFormat.everywhere + [.markdown]

        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract: "One verdict per drop, with the evidence: client, edge, devvm, serve, dispatch or unknown.",
            discussion: """
                Reads t3-dispatch, the serves, systemd's messages about them, the kernel's OOM \
                killer, earlyoom and the host scripts in the window; finds every drop (proxy \
                errors, WebSocket closes that were not a user leaving, dispatch restarts) and \
                attributes each to one segment:

                  client    the user's own network/device: an isolated teardown, all else quiet
                  edge      Cloudflare/tunnel/Traefik: a same-second burst across users, serves quiet
                  devvm     the host: a burst or drop with OOM kills, timeouts in several serves, a gap or reboot
                  serve     the user's t3 serve: refused/reset/EOF from its port, its restart, OOM kill, timeouts
                  dispatch  t3-dispatch restarted and dropped every socket
                  unknown   not enough evidence (the reason says what is missing)

                Examples:
                  t3attr report --since 6h
                  t3attr report --since '2026-06-10 21:00' --until '2026-06-10 22:00' -v
                  t3attr report --since 6h -o json > ticket.json
                """
        )

        @OptionGroup var source: SourceOptions
        @OptionGroup var units: SourceUnitOptions
        @OptionGroup var maps: MapOptions
        @OptionGroup var attribution: AttributionOptions
        @OptionGroup var evidence: EvidenceOptions
        @OptionGroup var out: OutputOptions
        @OptionGroup var term: TerminalOptions

        @Flag(
            name: [.short, .long],
            help: "Keep reading as the journal grows; print each drop once its verdict is final (after the longest correlation window + 5 s).")
        var follow = false

        @Flag(name: [.short, .long], help: "Show every evidence entry, once per incident, and each one-drop incident on its own row.")
        var verbose = false

        @Flag(
            name: .long,
            help:
                "A row per drop and per incident however many there are (by default, past 50 drops the table lists none and markdown only infrastructure's)."
        )
        var drops = false

        @Option(name: .long, help: ArgumentHelp("Only drops with this verdict (repeatable).", valueName: "verdict"))
        var verdict: [Verdict] = []

        @Option(
            name: .long,
            help: ArgumentHelp(
                "Only drops of this user (repeatable); a user not seen in the window is named with those that were.", valueName: "user"))
        var user: [String] = []

        @Option(
            name: .long,
            help: ArgumentHelp(
                "For unattended runs: start where the last run with this file ended and report each drop once; the file is replaced atomically.",
                valueName: "file"))
        var cursorFile: String?

        @Option(
            name: .long, parsing: .unconditional,
            help: ArgumentHelp(
                "Only drops within --around-window (10 min) of this time (journalctl syntax, as --since); evidence is read beyond it, as 'why' does.",
                valueName: "time"))
        var around: String?

        @OptionGroup var aroundWindow: AroundOptions

        @OptionGroup var parallel: JobsOptions

        func validate() throws {
            try validateFormat()
            try evidence.validate(with: source)
            if user.contains(where: \.isEmpty) { throw ValidationError("--user must not be empty") }
            if cursorFile?.isEmpty == true { throw ValidationError("--cursor-file must not be empty") }
            if follow && !user.isEmpty { throw ValidationError("--user does not work with --follow yet") }
            // It was accepted and did nothing: no state was read or written.
            if follow && cursorFile != nil {
                throw ValidationError("--cursor-file is for unattended runs and does not work with --follow (which shows each drop once)")
            }
            if around != nil && (follow || cursorFile != nil) { throw ValidationError("--around does not work with --follow or --cursor-file") }
            if around == nil && aroundWindow.aroundWindow != nil { throw ValidationError("--around-window needs --around TIME") }
            if follow && (evidence.prometheus != nil || !evidence.tunnelLog.isEmpty) {
                throw ValidationError("--prometheus and --tunnel-log are not available with -f")
            }
        }

        func run() throws {
            let output = CommandOutput(out, term, follow: follow, verbose: verbose)
            defer { output.end() }
            try runReporting(output.out, verbose: verbose) {
                let settings = attribution.settings
                var config = try AnalysisConfig(source: source, units: units.config, maps: maps, settings: settings, follow: follow)
                config.evidence = follow ? EvidenceConfig() : evidence.config
                // --around: the window asked about, read wider so that its edge drops keep their evidence.
                // --since/--until too: a drop near an edge is judged with what lay beyond it
                // (a refused request before it, the rest of a spread-out chain, a reconnect),
                // as `why` judges it. A cursor file re-reads from its own resume point.
                let focus =
                    try around.map {
                        FocusWindow(focus: try aroundWindow.focus(time: $0, source: source, now: try currentTime()), settings: settings)
                    } ?? (cursorFile == nil && !follow && config.window.bounded ? FocusWindow(focus: config.window, settings: settings) : nil)
                if let focus { config.window = focus.read }
                config.jobs = parallel.jobs
                // Held until the next state is saved: concurrent runs take turns.
                let lock = try cursorFile.map { try CursorLock(for: $0) }
                defer { withExtendedLifetime(lock) {} }
                let previous = try cursorFile.flatMap { try CursorState.load($0) }
                let stateKey = CursorState.sourceKey(config.source, hosts: config.hosts)
                if let cursorFile { try previous?.check(source: stateKey, path: cursorFile, now: try currentTime()) }
                config.window = CursorState.resumedWindow(config.window, previous: previous)
                if follow { return try Live.attribution(config, command: .report, output: output) }
                let analyzer = try Analyzer(config)
                show(analyzer.setup.portMapLoad)
                let user = osUsers(user, in: analyzer.setup.portMap)
                unknownHosts(analyzer.setup.missingHosts)
                var report = try analyzer.run(progress: { Progress(window: config.window) })
                show(report.timings)
                // --user: a dispatch restart cut the user's sockets that were open, however long
                // before what was read they were opened (as `why` finds them).
                for u in user where report.attribution.mayHaveCut(u) {
                    let cuts = try UserActivity.socketsCut(analyzer.setup, hosts: config.hosts, user: u, until: config.window.until)
                    report.attribution.addSevered(cuts, user: u)
                }
                var next = cursorFile == nil ? nil : report.applyCursorFile(previous: previous, settings: settings, now: try currentTime())
                next?.source = stateKey
                if let focus { report.keep(focus, in: analyzer.setup.journal) }
                // Only asked for with --user (a week's drops are many); before --verdict
                // filters: a user whose drops had other verdicts was seen all the same.
                let seenUsers =
                    user.isEmpty
                    ? []
                    : report.attribution.drops.flatMap { d in
                        [d.event.user ?? d.event.port.map { _ in UserDrops.name(d.event) }].compactMap { $0 } + d.event.userCandidates + d.severed
                    } + report.serveTimelines().map(\.user)
                let before = report.attribution.drops.count
                if !verdict.isEmpty { report.attribution.keepDrops { verdict.contains($0.verdict) } }
                if !user.isEmpty {
                    report.attribution.keepDrops { d in user.contains { isDrop(d, of: $0) } }
                }
                // The bursts and request errors left are those of what was kept: a burst
                // of the verdict asked for, one the user's sockets were in, the user's requests.
                if !verdict.isEmpty {
                    report.attribution.bursts.removeAll { !verdict.contains($0.verdict) }
                    report.attribution.keepRequestErrors { _ in false }
                }
                if !user.isEmpty {
                    report.attribution.bursts.removeAll { b in !b.users.contains { user.contains($0) } }
                    report.attribution.keepRequestErrors { e in user.contains { isEvent(e, of: $0) } }
                }
                report.attribution.filters = verdict.map { "--verdict \($0.rawValue)" } + user.map { "--user \($0)" }
                report.attribution.filteredOut = before - report.attribution.drops.count
                let sink = output.sink
                let layout = ReportLayout(
                    report, condense: output.format == .table || output.format == .markdown, markdown: output.format == .markdown,
                    drops: drops, verbose: verbose, local: output.style.local)
                var header = RunHeader(command: .report, window: report.window, units: report.units, report: report, source: config.source)
                header.layout = layout
                try sink.begin(header)
                try Feed.report(report.attribution, layout: layout, to: sink)
                try sink.finish(.report(report))
                if let cursorFile, let next { try next.save(cursorFile) }
                reclaimedAtExit((report, analyzer))
                try finishRun(notes: report.notes, stats: report.stats, strict: config.strict)
                if !user.isEmpty { try unknownUsers(user, seen: seenUsers) }
            }
        }
    }
}

extension Verdict: ExpressibleByArgument {}
