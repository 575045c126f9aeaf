import Analysis
import ArgumentParser
import Classifiers

extension T3Attr {
    struct Bursts: ParsableCommand, FormatDeclaring {
        static let acceptedFormats = OutputFormat.everywhere

        static let configuration = CommandConfiguration(
            commandName: "bursts",
            abstract: "Every second with at least N downstream teardowns, with the burst's verdict.",
            discussion: """
                A burst is counted per real second of the time the program wrote the line \
                (Go's log prefix), not per day as the old runbook's awk did. Teardowns are \
                downstream proxy errors (context canceled, ...), downstream WebSocket closes \
                and established sockets closing in the same second.

                Examples:
                  t3attr bursts --min 5
                  t3attr bursts --since 7d -o json | jq -r 'select(.type == "burst") | .start'
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

        @Option(
            name: .long, parsing: .unconditional,
            help: ArgumentHelp("Downstream teardowns in one second that make a burst (default 5; same as --burst-min).", valueName: "n"))
        var min: Int?

        @Flag(name: [.short, .long], help: "Show the evidence under each burst.")
        var verbose = false

        @Flag(
            name: .long,
            help: "List the written seconds with at least --min cancelled requests (the runbook's recipe, counted per second) instead of drop bursts."
        )
        var requests = false

        @OptionGroup var parallel: JobsOptions

        func validate() throws {
            if let min, min < 1 { throw ValidationError("--min must be at least 1") }
            if let min, let other = attribution.burstMin, other != min {
                throw ValidationError("--min \(min) and --burst-min \(other) name two thresholds: give one")
            }
            if requests && follow { throw ValidationError("--requests does not work with --follow") }
            try validateFormat()
            try evidence.validate(with: source)
            if follow && (evidence.prometheus != nil || !evidence.tunnelLog.isEmpty) {
                throw ValidationError("--prometheus and --tunnel-log are not available with -f")
            }
        }

        func run() throws {
            let output = CommandOutput(out, term, follow: follow, verbose: verbose)
            defer { output.end() }
            try runReporting(output.out, verbose: verbose) {
                var settings = attribution.settings
                settings.burstMin = min ?? settings.burstMin
                var config = try AnalysisConfig(
                    source: source, units: units.config, maps: maps, settings: settings,
                    scope: .burstsOnly, follow: follow)
                config.evidence = follow ? EvidenceConfig() : evidence.config
                config.jobs = parallel.jobs
                if follow { return try Live.attribution(config, command: .bursts, output: output) }
                // A burst's verdict near an edge is judged with what lay beyond it (as `report`'s).
                let focus = config.window.bounded ? FocusWindow(focus: config.window, settings: settings) : nil
                if let focus { config.window = focus.read }
                let analyzer = try Analyzer(config)
                show(analyzer.setup.portMapLoad)
                unknownHosts(analyzer.setup.missingHosts)
                var report = try analyzer.run(progress: { Progress(window: config.window) })
                if let focus { report.keep(focus, in: analyzer.setup.journal) }
                show(report.timings)
                let sink = output.sink
                var header = RunHeader(command: .bursts, window: report.window, units: report.units, report: report)
                header.requests = requests
                try sink.begin(header)
                if requests {
                    try Feed.requestBursts(report.attribution, to: sink)
                } else {
                    try Feed.bursts(report.attribution, to: sink)
                }
                try sink.finish(.report(report))
                reclaimedAtExit((report, analyzer))
                try finishRun(notes: report.notes, stats: report.stats, strict: config.strict)
            }
        }
    }
}
