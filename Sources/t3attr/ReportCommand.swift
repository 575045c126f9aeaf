import Foundation
import Glibc
import ArgumentParser
import Classifiers

extension T3Attr {
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
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
        @OptionGroup var out: OutputOptions
        @OptionGroup var term: TerminalOptions

        @Flag(name: [.short, .long], help: "Keep reading as the journal grows; print each drop once its verdict is final (after the longest correlation window + 5 s).")
        var follow = false

        @Flag(name: [.short, .long], help: "Show every evidence entry under each drop.")
        var verbose = false

        @Option(name: .long, help: ArgumentHelp("Only drops with this verdict (repeatable).", valueName: "verdict"))
        var verdict: [Verdict] = []

        @Option(name: .long, help: ArgumentHelp(
            "For unattended runs: start where the last run with this file ended and report each drop once; the file is replaced atomically.",
            valueName: "file"))
        var cursorFile: String?

        func run() throws {
            try runReporting {
                var window = try source.window(now: try currentTime())
                let settings = try attribution.settings()
                // Held until the next state is saved: concurrent runs take turns.
                let lock = try cursorFile.map { try CursorLock(for: $0) }
                defer { withExtendedLifetime(lock) {} }
                let previous = try cursorFile.flatMap { try CursorState.load($0) }
                if let p = previous { window.since = max(window.since ?? 0, p.resumeUsec) }
                if follow {
                    try Follow.attribution(source: source, units: units, maps: maps, settings: settings, window: window,
                                           renderer: Follow.renderer(out, term), burstsOnly: false)
                    return
                }
                let session = Session(out, term)
                var a = try Analysis.run(source: source, units: units, maps: maps, settings: settings, window: window)
                let next = cursorFile == nil ? nil : a.applyCursorFile(previous: previous, settings: settings)
                if !verdict.isEmpty { a.attribution.drops.removeAll { !verdict.contains($0.verdict) } }
                if out.output == .markdown {
                    MarkdownRenderer(local: out.local).render(a)
                } else {
                    var r = AttributionRenderer(format: session.renderFormat, local: out.local)
                    r.verbose = verbose
                    r.color = session.color
                    r.header("report", a)
                    r.drops(a)
                    r.bursts(a)
                    r.summary(a, window: window)
                }
                session.finish()
                if let cursorFile, let next { try next.save(cursorFile) }
                for n in a.notes { Diagnostics.warning(n) }
                try exitIfStrict(source.strict, skippedFiles: a.scan.journal.skippedFiles.count,
                                 skippedEntries: a.scan.journal.skippedEntries)
            }
        }
    }
}

extension Verdict: ExpressibleByArgument {}
