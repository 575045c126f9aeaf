import ArgumentParser
import Classifiers
import Dispatch
import Foundation
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
        @OptionGroup var term: TerminalOptions

        @Option(name: .long, help: ArgumentHelp("Only events of this user (repeatable).", valueName: "user"))
        var user: [String] = []

        @Option(name: .customLong("class"), help: ArgumentHelp(
            "Only events of this class (repeatable): \(Dispatch.knownClasses.joined(separator: ", ")).",
            valueName: "class"))
        var classes: [String] = []

        @Flag(name: .long, help: "List every selected entry with its kind, not only the drop-relevant ones.")
        var all = false

        @Flag(name: [.short, .long], help: "Keep reading as the journal grows and print each event as it is written.")
        var follow = false

        @Option(name: [.short, .long], help: ArgumentHelp(
            "Read journal files on N threads, one sd-journal handle each (default: the number of cores when there are several files; output is identical).",
            valueName: "n"))
        var jobs: Int?

        static let knownClasses = ErrorClass.allCases.map(\.rawValue) + ["graceful", "downstream_closed", "upstream_closed"]

        func validate() throws {
            for c in classes where !Dispatch.knownClasses.contains(c) {
                throw ValidationError("unknown class '\(c)' (known: \(Dispatch.knownClasses.joined(separator: ", ")))")
            }
            if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
            if user.contains(where: \.isEmpty) { throw ValidationError("--user must not be empty") }
            if out.output == .markdown { throw ValidationError("-o markdown is for 'report' (try 'report -o markdown')") }
        }

        var filter: DispatchFilter { DispatchFilter(users: Set(user), classes: Set(classes), all: all) }

        func run() throws {
            try runReporting {
                let window = try source.window(now: try currentTime())
                let portMap = try PortMapLoader.load(maps)
                let classifier = DispatchClassifier(portMap: portMap, dispatchPort: maps.dispatchPort)
                let session = Session(out, term, pager: !follow)
                let renderer = EventRenderer(format: session.renderFormat, local: out.local, color: session.color)
                let files = try ParallelScan.files(for: source)
                let n = min(jobs ?? ProcessInfo.processInfo.activeProcessorCount, files?.count ?? 1)
                if follow {
                    Follow.installSignals()
                    let scan = try Scan(source: source, unitPatterns: [units.dispatchUnit], window: window, follow: true)
                    renderer.header(command: "dispatch --follow", window: scan.windowText(local: out.local), units: scan.units)
                    Follow.loop(scan.journal, entry: { entry in
                        var ev = classifier.classify(entry)
                        guard filter.accepts(ev) else { return }
                        ev.cursor = scan.journal.cursor()
                        renderer.event(ev)
                    }, tick: {})
                    return
                }
                if let files, n > 1 {
                    let (badFiles, badEntries) = try ParallelScan.dispatch(
                        files: files, jobs: n, unitPattern: units.dispatchUnit, hosts: source.host, window: window,
                        importedCursors: source.isImport,
                        classifier: classifier, filter: filter, renderer: renderer)
                    session.finish()
                    try exitIfStrict(source.strict, skippedFiles: badFiles, skippedEntries: badEntries)
                    return
                }
                let scan = try Scan(source: source, unitPatterns: [units.dispatchUnit], window: window)
                renderer.header(command: "dispatch", window: scan.windowText(local: out.local), units: scan.units)
                let sum = DispatchRows.render(scan.journal, classifier: classifier, filter: filter, renderer: renderer,
                                              progress: Progress(window: window))
                let notes = scan.readingNotes()
                renderer.summary(sum, window: window, scan: scan, notes: notes)
                session.finish()
                for n in notes { Diagnostics.warning(n) }
                try exitIfStrict(source.strict, skippedFiles: scan.journal.skippedFiles.count,
                                 skippedEntries: scan.journal.skippedEntries)
            }
        }
    }
}

struct DispatchFilter: Sendable {
    var users: Set<String>
    var classes: Set<String>
    var all: Bool

    func accepts(_ ev: Event) -> Bool {
        guard all || DispatchClassifier.dropRelevantKinds.contains(ev.kind) else { return false }
        if !users.isEmpty && !users.contains(ev.user ?? "") { return false }
        if !classes.isEmpty && !classes.contains(ev.className ?? "") { return false }
        return true
    }
}

/// The dispatch command's loop: classify, filter, render; on one handle.
enum DispatchRows {
    static func render(_ journal: Journal, classifier: DispatchClassifier, filter: DispatchFilter,
                       renderer: EventRenderer, progress: Progress? = nil) -> EventSummary {
        var summary = EventSummary()
        defer { progress?.finish() }
        while true {
            switch journal.next() {
            case .end: return summary
            case .skipped: continue
            case .entry(let entry):
                if let progress, journal.entriesRead & 8191 == 0 { progress.update(entries: journal.entriesRead, at: entry.realtime) }
                var ev = classifier.classify(entry)
                guard filter.accepts(ev) else { continue }
                ev.cursor = journal.cursor()
                summary.add(ev)
                renderer.event(ev)
            }
        }
    }
}

/// `--jobs N`: one sd-journal handle per file on N threads. Each file's rows
/// are rendered into its own buffer; the main thread writes the buffers in
/// the files' time order as they complete, so the output is the one a single
/// handle gives (for files from one writer, which never overlap in time).
enum ParallelScan {
    /// The files a source is made of, when it can be split per file.
    /// Streams are read on one handle (their notes about skipped entries go with it).
    static func files(for source: SourceOptions) throws -> [String]? {
        if source.isImport { return nil }
        switch try source.journalSource() {
        case .files(let f): return f.count > 1 ? f : nil
        case .directory(let d):
            try Journal.checkReadableDirectory(d)
            guard let f = Journal.filesIn(directory: d), f.count > 1 else { return nil }
            return f
        case .local, .merged: return nil
        }
    }

    /// The workers' results, behind a pthread mutex (NSLock): ThreadSanitizer
    /// understands it, while it cannot see Synchronization.Mutex's futex and
    /// reported a race that was not one.
    final class ResultBox: @unchecked Sendable {
        private let lock = NSLock()
        private var byFile: [Int: FileResult] = [:]
        func put(_ i: Int, _ r: FileResult) { lock.withLock { byFile[i] = r } }
        func take(_ i: Int) -> FileResult? { lock.withLock { byFile.removeValue(forKey: i) } }
    }

    struct FileResult: Sendable {
        var rows: [UInt8] = []
        var summary = EventSummary()
        var read = 0
        var skipped = 0
        var notes: [String] = []
        var error: String?
        var damaged: [SkippedFile] = []
    }

    /// Returns the numbers of skipped files and entries (for `--strict`).
    static func dispatch(files: [String], jobs: Int, unitPattern: String, hosts: [String], window: TimeWindow,
                         importedCursors: Bool = false, classifier: DispatchClassifier, filter: DispatchFilter, renderer: EventRenderer) throws -> (Int, Int) {
        // Unit names are expanded once over all files, as a single handle would.
        // That handle is closed before the workers start: they need the descriptors.
        // Files it could not open for lack of descriptors are read one by one below.
        let (units, unusable): ([String], [SkippedFile]) = try {
            let all = try Journal(source: .files(files))
            return (try all.expandUnits([unitPattern]), all.skippedFiles.filter { $0.cause != .notOpened })
        }()
        var skippedFiles = unusable
        let files = files.filter { f in !skippedFiles.contains { $0.path == f } }
        var unitMatches = MatchSet()
        unitMatches.addUnits(units)
        unitMatches.restrict(toHosts: hosts)
        let matches = unitMatches
        // Time order of the files; those outside the window are not read.
        var ordered: [(String, UInt64)] = []
        for f in files {
            let opened: Journal
            do { opened = try Journal(source: .files([f])) } catch {
                skippedFiles.append(SkippedFile(path: f, reason: "\(error)"))
                continue
            }
            guard let c = opened.cutoff() else { continue }  // no entries
            if let s = window.since, c.to < s { continue }
            if let u = window.until, c.from > u { continue }
            ordered.append((f, c.from))
        }
        ordered.sort { $0.1 < $1.1 }
        let order = ordered.map(\.0)
        let windowText = "\(window.since.map { Render.rfc3339($0, local: renderer.local) } ?? "(start of journal)") .. \(window.until.map { Render.rfc3339($0, local: renderer.local) } ?? "(end of journal)")"
        renderer.header(command: "dispatch", window: windowText, units: units)

        let results = ResultBox()
        let done = (0..<order.count).map { _ in DispatchSemaphore(value: 0) }
        let format = renderer.format, local = renderer.local, color = renderer.color
        for w in 0..<jobs {
            Thread.detachNewThread {
                var i = w
                while i < order.count {
                    var r = FileResult()
                    do {
                        let j = try Journal(source: .files([order[i]]))
                        j.honoursImportedCursors = importedCursors
                        try j.apply(matches)
                        try j.seek(since: window.since, until: window.until)
                        let buf = Output()
                        r.summary = DispatchRows.render(j, classifier: classifier, filter: filter,
                                                        renderer: EventRenderer(format: format, local: local, out: buf, color: color))
                        r.rows = buf.take()
                        r.read = j.entriesRead
                        r.skipped = j.skippedEntries
                        if let e = j.iterationError { r.notes.append("\(order[i]): \(e)") }
                        r.damaged = j.damagedFilesAfterReading()
                    } catch {
                        r.error = "\(error)"
                    }
                    let result = r
                    results.put(i, result)
                    done[i].signal()
                    i += jobs
                }
            }
        }
        var summary = EventSummary()
        var read = 0, skipped = 0
        var notes: [String] = []
        for i in 0..<order.count {
            done[i].wait()
            guard let r = results.take(i) else { continue }
            if let e = r.error {
                skippedFiles.append(SkippedFile(path: order[i], reason: e))
                continue
            }
            skippedFiles += r.damaged
            Output.shared.bytes(r.rows)
            Output.shared.flush()
            summary.merge(r.summary)
            read += r.read
            skipped += r.skipped
            notes += r.notes
        }
        if skipped > 0 { notes.insert("\(skipped) unreadable journal entr\(skipped == 1 ? "y was" : "ies were") skipped", at: 0) }
        notes = SkippedFile.notes(skippedFiles) + notes
        renderer.summary(summary, window: window, units: units, windowText: windowText,
                         entriesRead: read, skipped: skipped, skippedFiles: skippedFiles, notes: notes)
        Output.shared.flush()
        for n in notes { Diagnostics.warning(n) }
        return (skippedFiles.count, skipped)
    }
}
