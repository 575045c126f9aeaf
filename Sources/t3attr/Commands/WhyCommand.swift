import Analysis
import ArgumentParser
import Classifiers

extension T3Attr {
    struct Why: ParsableCommand, FormatDeclaring {
        static let acceptedFormats = OutputFormat.everywhere + [.markdown]

        static let configuration = CommandConfiguration(
            commandName: "why",
            abstract: "One user's complaint: that user's drops around a time, with what decided each, and one sentence to paste.",
            discussion: """
                Shows USER's drops in the window TIME minus and plus --around-window (default 10 \
                min; without TIME, the last hour; --since/--until given explicitly replace an end). \
                Sockets of the user that dropped together are one item: when, the device (ip), how \
                long until the user was back, the incident, the verdict with its reason and basis, \
                and the context: the user's serve lines and unit events, host signals, the burst \
                and who else dropped then. Evidence is read beyond the window (the longest \
                correlation window plus 5 s), so the verdicts are those of a wider report.

                Examples:
                  t3attr why alice '2026-06-10 21:10'
                  t3attr why alice 21:10 --local -D /srv/devvm/journal
                  t3attr why alice -o markdown > ticket.md
                """
        )

        @Argument(help: ArgumentHelp("The user (login) who saw the drops.", valueName: "user"))
        var user: String

        @Argument(
            help: ArgumentHelp(
                "When (journalctl syntax, as --since: '21:10', '2026-06-10 21:10:07', '1h ago', '@EPOCH', RFC 3339); default: the last hour. One that starts with '-' may stand anywhere: why alice -15min.",
                valueName: "time"))
        var time: String?

        @OptionGroup var around: AroundOptions
        @OptionGroup var source: SourceOptions
        @OptionGroup var units: SourceUnitOptions
        @OptionGroup var maps: MapOptions
        @OptionGroup var attribution: AttributionOptions
        @OptionGroup var evidence: EvidenceOptions
        @OptionGroup var out: OutputOptions
        @OptionGroup var term: TerminalOptions

        @Flag(name: [.short, .long], help: "Show every evidence and context line, with cursors.")
        var verbose = false

        func validate() throws {
            try validateFormat()
            try evidence.validate(with: source)
            if user.isEmpty { throw ValidationError("USER must not be empty") }
            // Without TIME the window is the last hour: a span around nothing was ignored.
            if time == nil && around.aroundWindow != nil { throw ValidationError("--around-window needs TIME (without TIME: the last hour)") }
        }

        func run() throws {
            // A TIME that cannot be read is a usage error before anything is opened. It is
            // checked here, not in validate(): the parser reports an unknown option only after
            // validate(), and `why -j 2 bob` read as USER 2, TIME bob said "invalid time 'bob'".
            let focus: TimeWindow
            do {
                focus = try around.focus(time: time, source: source, now: try currentTime())
            } catch {
                // Worded as the parser words a usage error (the command's usage, exit 64).
                Diagnostics.write(
                    "Error: \(SafeText.text(Why.message(for: error)))\nUsage: t3attr \(Why.usageString())\n"
                        + "  See 't3attr why --help' for more information.\n")
                throw ExitCode(Exit.usage)
            }
            let output = CommandOutput(out, term, verbose: verbose)
            defer { output.end() }
            try runReporting(output.out, verbose: verbose) {
                let settings = attribution.settings
                var config = try AnalysisConfig(source: source, units: units.config, maps: maps, settings: settings)
                config.evidence = evidence.config
                let window = FocusWindow(focus: focus, settings: settings)
                config.window = window.read
                let analyzer = try Analyzer(config)
                show(analyzer.setup.portMapLoad)
                let user = osUsers([user], in: analyzer.setup.portMap)[0]
                unknownHosts(analyzer.setup.missingHosts)
                var report = try analyzer.run(progress: { Progress(window: config.window) })
                show(report.timings)
                // A dispatch restart in the window cut the user's sockets that were open, however
                // long before what was read they were opened.
                if report.attribution.mayHaveCut(user) {
                    let cuts = try UserActivity.socketsCut(analyzer.setup, hosts: config.hosts, user: user, until: window.read.until)
                    report.attribution.addSevered(cuts, user: user)
                }
                let activity = try UserActivity.scan(
                    analyzer.setup, hosts: config.hosts, user: user, since: window.read.since, until: window.read.until)
                var result = UserDrops(
                    user: user, window: window, report: report, activity: activity, settings: settings,
                    dispatchUnits: Set(analyzer.setup.dispatchUnits), journalEnd: analyzer.setup.journal.cutoff()?.to)
                if result.items.isEmpty {
                    // When the user was last seen connected, before the window ended.
                    result.lastSeen = try UserActivity.scan(analyzer.setup, hosts: config.hosts, user: user, since: nil, until: window.focus.until)
                        .lastSeen
                }
                try WhyRenderer(out: output.out, style: output.style, source: config.source).write(result, report: report, format: output.format)
                reclaimedAtExit((report, analyzer))
                try finishRun(notes: report.notes, stats: report.stats, strict: config.strict)
            }
        }
    }
}
