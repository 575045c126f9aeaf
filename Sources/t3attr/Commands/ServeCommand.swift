import Analysis
import ArgumentParser
import Classifiers

extension T3Attr {
    struct Serve: ParsableCommand, FormatDeclaring {
        static let acceptedFormats = OutputFormat.everywhere

        static let configuration = CommandConfiguration(
            commandName: "serve",
            abstract: "Per user, the serve side: starvation markers, restarts (planned, crash, watchdog), OOM kills, probe failures.",
            discussion: """
                Starvation markers are the serve's own git/process timeouts; systemd's \
                "State 'stop-sigterm' timed out" is a stop that hung and is listed as a unit event.

                Examples:
                  t3attr serve --since 6h
                  t3attr serve --user alice --since today -o json
                """
        )

        @OptionGroup var source: SourceOptions
        @OptionGroup var units: SourceUnitOptions
        @OptionGroup var maps: MapOptions
        @OptionGroup var out: OutputOptions
        @OptionGroup var term: TerminalOptions

        func validate() throws {
            try validateFormat()
            if user.contains(where: \.isEmpty) { throw ValidationError("--user must not be empty") }
        }

        @OptionGroup var parallel: JobsOptions

        @Option(name: .long, help: ArgumentHelp("Only this user (repeatable).", valueName: "user"))
        var user: [String] = []

        func run() throws {
            let output = CommandOutput(out, term)
            defer { output.end() }
            try runReporting(output.out) {
                var config = try AnalysisConfig(source: source, units: units.config, maps: maps, scope: .serveTimeline)
                config.jobs = parallel.jobs
                let analyzer = try Analyzer(config)
                show(analyzer.setup.portMapLoad)
                let user = osUsers(user, in: analyzer.setup.portMap)
                unknownHosts(analyzer.setup.missingHosts)
                let report = try analyzer.run(progress: { Progress(window: config.window) })
                show(report.timings)
                let sink = output.sink
                try sink.begin(RunHeader(command: .serve, window: report.window, units: report.units, report: report))
                try Feed.serveEvents(report, users: user, to: sink)
                try sink.finish(.report(report))
                reclaimedAtExit((report, analyzer))
                try finishRun(notes: report.notes, stats: report.stats, strict: config.strict)
                try unknownUsers(user, seen: report.serveTimelines().map(\.user) + report.attribution.drops.compactMap(\.event.user))
            }
        }
    }
}
