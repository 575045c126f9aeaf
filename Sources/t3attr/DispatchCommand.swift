import ArgumentParser
import Classifiers
import JournalReader

extension T3Attr {
    struct Dispatch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List t3-dispatch's drop events: proxy errors, WebSocket closes, restarts, pairing failures.",
            discussion: """
                One row per event of the dispatch unit in the window, with the user (from the \
                line or the port), the error class and the side it points to (downstream = \
                browser/Cloudflare/tunnel/Traefik, upstream = the user's serve), then a summary.

                Examples:
                  t3attr dispatch --since 1h
                  t3attr dispatch -D /srv/devvm-journal --since '2026-06-10 21:00' --until '2026-06-10 22:00' --class canceled
                  t3attr dispatch --since today -o json | jq 'select(.type=="event") | .user'
                """
        )

        @OptionGroup var source: SourceOptions
        @OptionGroup var units: UnitOptions
        @OptionGroup var maps: MapOptions
        @OptionGroup var out: OutputOptions

        @Option(name: .long, help: ArgumentHelp("Only events of this user (repeatable).", valueName: "user"))
        var user: [String] = []

        @Option(name: .customLong("class"), help: ArgumentHelp(
            "Only events of this class (repeatable): \(Dispatch.knownClasses.joined(separator: ", ")).",
            valueName: "class"))
        var classes: [String] = []

        @Flag(name: .long, help: "List every selected entry with its kind, not only the drop-relevant ones.")
        var all = false

        static let knownClasses = ErrorClass.allCases.map(\.rawValue) + ["graceful", "downstream_closed", "upstream_closed"]

        func validate() throws {
            for c in classes where !Dispatch.knownClasses.contains(c) {
                throw ValidationError("unknown class '\(c)' (known: \(Dispatch.knownClasses.joined(separator: ", ")))")
            }
        }

        func run() throws {
            try runReporting {
                let window = try source.window(now: try currentTime())
                let portMap = try PortMapLoader.load(maps)
                let scan = try Scan(source: source, unitPatterns: [units.dispatchUnit], window: window)
                let classifier = DispatchClassifier(portMap: portMap, dispatchPort: maps.dispatchPort)
                let renderer = EventRenderer(format: out.output, local: out.local)
                var summary = EventSummary()

                renderer.header(command: "dispatch", window: scan.windowText(local: out.local), units: scan.units)
                scan.forEach { entry in
                    var ev = classifier.classify(entry)
                    guard all || DispatchClassifier.dropRelevantKinds.contains(ev.kind) else { return }
                    if !user.isEmpty && !user.contains(ev.user ?? "") { return }
                    if !classes.isEmpty && !classes.contains(ev.className ?? "") { return }
                    ev.cursor = scan.journal.cursor()
                    summary.add(ev)
                    renderer.event(ev)
                }
                let notes = scan.readingNotes()
                renderer.summary(summary, window: window, scan: scan, notes: notes)
                Output.shared.flush()
                for n in notes { Diagnostics.warning(n) }
            }
        }
    }
}
