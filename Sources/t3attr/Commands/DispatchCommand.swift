import Analysis
import ArgumentParser
import Classifiers
import Foundation

extension T3Attr {
    struct Dispatch: ParsableCommand, FormatDeclaring {
        static let acceptedFormats = OutputFormat.everywhere

        static let configuration = CommandConfiguration(
            commandName: "dispatch",
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
        @OptionGroup var term: TerminalOptions

        @Option(name: .long, help: ArgumentHelp("Only events of this user (repeatable).", valueName: "user"))
        var user: [String] = []

        @Option(
            name: .customLong("class"),
            help: ArgumentHelp(
                "Only events of this class (repeatable): \(Dispatch.knownClasses.joined(separator: ", ")).",
                valueName: "class"), transform: Dispatch.eventClass)
        var classes: [EventClass] = []

        @Flag(name: .long, help: "List every selected entry with its kind, not only the drop-relevant ones.")
        var all = false

        @Flag(name: [.short, .long], help: "Keep reading as the journal grows and print each event as it is written.")
        var follow = false

        @OptionGroup var parallel: JobsOptions

        static let knownClasses = EventClass.allCases.map(\.name)

        /// `--class NAME`, parsed while the arguments are.
        static func eventClass(_ name: String) throws -> EventClass {
            guard let c = EventClass(name: name) else {
                throw ValidationError("unknown class '\(name)' (known: \(knownClasses.joined(separator: ", ")))")
            }
            return c
        }

        func validate() throws {
            if user.contains(where: \.isEmpty) { throw ValidationError("--user must not be empty") }
            try validateFormat()
        }

        var filter: DispatchFilter { DispatchFilter(users: Set(user), classes: Set(classes), all: all) }

        func run() throws {
            let output = CommandOutput(out, term, follow: follow)
            defer { output.end() }
            try runReporting(output.out) {
                let config = try AnalysisConfig(source: source, units: units.config, maps: maps, follow: follow)
                if follow { Stop.installSignals() }
                let listing = try DispatchListing(config, filter: filter, stopRequested: { Stop.isRequested })
                listing.cursors = output.format != .table
                show(listing.portMapLoad)
                let user = osUsers(user, in: listing.portMapLoad.map)
                unknownHosts(try listing.missingHosts())
                let sink = output.sink
                let begin = { (units: [String]) throws in
                    try sink.begin(RunHeader(command: .dispatch, follow: follow, window: config.window, units: units))
                }
                if follow {
                    var totals = FollowTotals()
                    totals.entriesRead = try listing.follow(
                        begin: begin,
                        event: {
                            try sink.event($0)
                            totals.events += 1
                        }, stop: { Stop.isRequested },
                        idle: { try output.out.flush() })
                    try sink.finish(.stopped(totals))
                    for n in listing.opener.streamEndNotes { Diagnostics.warning(Wording.note(n)) }
                    return
                }
                let jobs = parallel.jobs ?? ProcessInfo.processInfo.activeProcessorCount
                let files = jobs > 1 ? try listing.perFileList() : nil
                let n = min(jobs, files?.count ?? 1)
                let result: ListingResult
                if let files, n > 1 {
                    let format = output.format
                    let style = output.style
                    result = try listing.runParallel(
                        files: files, jobs: n, begin: begin,
                        makeBatcher: { RowBatcher(format: format, style: style) },
                        write: { try sink.rows($0) })
                } else {
                    result = try listing.run(begin: begin, event: { try sink.event($0) }, progress: Progress(window: config.window))
                }
                try sink.finish(.listing(result))
                try finishRun(notes: result.notes, stats: result.stats, strict: config.strict)
                if !user.isEmpty { try unknownUsers(user, seen: result.summary.usersSeen.sorted()) }
                reclaimedAtExit(listing)
            }
        }
    }
}
