import Foundation
import Glibc
import ArgumentParser
import Classifiers

extension T3Attr {
    struct Bursts: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every second with at least N downstream teardowns, with the burst's verdict.",
            discussion: """
                A burst is counted per real second of the time the program wrote the line \
                (Go's log prefix), not per day as the old runbook's awk did. Teardowns are \
                downstream proxy errors (context canceled, ...), downstream WebSocket closes \
                and established sockets closing in the same second.

                Examples:
                  t3attr bursts --min 5
                  t3attr bursts --since 7d -o json | jq -r '.second'
                """
        )

        @OptionGroup var source: SourceOptions
        @OptionGroup var units: SourceUnitOptions
        @OptionGroup var maps: MapOptions
        @OptionGroup var attribution: AttributionOptions
        @OptionGroup var out: OutputOptions
        @OptionGroup var term: TerminalOptions

        @Flag(name: [.short, .long], help: "Keep reading as the journal grows; print each drop once its verdict is final (after the longest correlation window + 5 s).")
        var follow = false

        @Option(name: .long, help: ArgumentHelp("Downstream teardowns in one second that make a burst (default 5; same as --burst-min).", valueName: "n"))
        var min: Int?

        @Flag(name: [.short, .long], help: "Show the evidence under each burst.")
        var verbose = false

        func validate() throws {
            if let min, min < 1 { throw ValidationError("--min must be at least 1") }
            if out.output == .markdown { throw ValidationError("-o markdown is for 'report' (try 'report -o markdown')") }
        }

        func run() throws {
            try runReporting {
                let window = try source.window(now: try currentTime())
                var settings = try attribution.settings()
                settings.burstMin = min ?? settings.burstMin
                if follow {
                    try Follow.attribution(source: source, units: units, maps: maps, settings: settings, window: window,
                                           renderer: Follow.renderer(out, term), burstsOnly: true)
                    return
                }
                let session = Session(out, term)
                let a = try Analysis.run(source: source, units: units, maps: maps, settings: settings, window: window, scope: .burstsOnly)
                var r = AttributionRenderer(format: session.renderFormat, local: out.local)
                r.verbose = verbose
                r.color = session.color
                r.header("bursts", a)
                r.bursts(a)
                r.summary(a, window: window)
                session.finish()
                for n in a.notes { Diagnostics.warning(n) }
                try exitIfStrict(source.strict, skippedFiles: a.scan.journal.skippedFiles.count,
                                 skippedEntries: a.scan.journal.skippedEntries)
            }
        }
    }
}
