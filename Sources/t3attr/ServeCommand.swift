import ArgumentParser
import Classifiers

extension T3Attr {
    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(
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
            if out.output == .markdown { throw ValidationError("-o markdown is for 'report' (try 'report -o markdown')") }
            if user.contains(where: \.isEmpty) { throw ValidationError("--user must not be empty") }
        }

        @Option(name: .long, help: ArgumentHelp("Only this user (repeatable).", valueName: "user"))
        var user: [String] = []

        func run() throws {
            try runReporting {
                let window = try source.window(now: try currentTime())
                let session = Session(out, term)
                let a = try Analysis.run(source: source, units: units, maps: maps, settings: AttributionSettings(),
                                         window: window, scope: .serveTimeline)
                var r = AttributionRenderer(format: session.renderFormat, local: out.local)
                r.color = session.color
                r.header("serve", a)
                r.serve(a, users: user)
                if session.renderFormat == .json { r.summary(a, window: window) }
                session.finish()
                for n in a.notes { Diagnostics.warning(n) }
                try exitIfStrict(source.strict, skippedFiles: a.scan.journal.skippedFiles.count,
                                 skippedEntries: a.scan.journal.skippedEntries)
            }
        }
    }
}
