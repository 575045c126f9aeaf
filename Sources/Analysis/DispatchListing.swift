import Classifiers
import Dispatch
import Foundation
import JournalReader

/// Counts of listed events, for the summary line / object.
public struct EventSummary: Sendable, Equatable {
    public var total = 0
    public var byKind: [EventKind: Int] = [:]
    public var byClass: [EventClass: Int] = [:]
    public var bySide: [Side: Int] = [:]
    /// With `--user`: every user the window's events named, accepted or not
    /// (a `--user` nobody was is named with those who were).
    public var usersSeen: Set<String> = []

    public init() {}

    public mutating func merge(_ o: EventSummary) {
        total += o.total
        for (k, v) in o.byKind { byKind[k, default: 0] += v }
        for (k, v) in o.byClass { byClass[k, default: 0] += v }
        for (k, v) in o.bySide { bySide[k, default: 0] += v }
        usersSeen.formUnion(o.usersSeen)
    }

    public mutating func add(_ ev: Event) {
        total += 1
        byKind[ev.kind, default: 0] += 1
        if let c = ev.className { byClass[c, default: 0] += 1 }
        if ev.className != nil { bySide[ev.side, default: 0] += 1 }
    }
}

/// `dispatch`'s selection: `--user`, `--class`, `--all`.
public struct DispatchFilter: Sendable {
    public var users: Set<String>
    public var classes: Set<EventClass>
    public var all: Bool

    public init(users: Set<String> = [], classes: Set<EventClass> = [], all: Bool = false) {
        self.users = users
        self.classes = classes
        self.all = all
    }

    /// The names `--user` finds an event by, as the table shows it: its
    /// user, the users its port is claimed by, or `port:N` when it has none.
    public static func names(of ev: Event) -> [String] {
        if let u = ev.user { return [u] }
        return ev.userCandidates + (ev.port.map { ["port:\($0)"] } ?? [])
    }

    public func accepts(_ ev: Event) -> Bool {
        guard all || DispatchClassifier.dropRelevantKinds.contains(ev.kind) else { return false }
        if !users.isEmpty && !Self.names(of: ev).contains(where: users.contains) { return false }
        if !classes.isEmpty && !(ev.className.map(classes.contains) ?? false) { return false }
        return true
    }
}

/// What a listing read, for its summary.
public struct ListingResult: Sendable {
    public var summary: EventSummary
    public var stats: ReadStats
    public var notes: [Note]
    public var units: [String]
}

/// Collects one file's rows on a `--jobs` worker thread; the main thread
/// writes the batches in the files' order.
public protocol EventBatcher: SendableMetatype {
    associatedtype Batch: Sendable
    mutating func add(_ ev: Event)
    mutating func finish() -> Batch
}

/// `t3attr dispatch`: the dispatch unit's events in the window, classified
/// and filtered, handed on one by one as they are read.
public final class DispatchListing {
    public let config: AnalysisConfig
    public let filter: DispatchFilter
    public let classifier: DispatchClassifier
    /// The port map loader's note and conflicts (the command shows them before reading).
    public let portMapLoad: PortMapLoader.Loaded
    public let opener: SourceOpener
    /// The handle `run` read with, kept open after it: closing it unmaps
    /// every window sd-journal mapped (1 ms of a 1-hour run, issue 16), which
    /// a command that ends next can leave to the process's exit.
    public private(set) var journal: Journal?
    /// Whether the events carry their cursors. A table does not print them,
    /// and asking sd-journal for each (a formatted string) cost a tenth of
    /// a week's `dispatch` (issue 16).
    public var cursors = true

    public init(_ config: AnalysisConfig, filter: DispatchFilter, stopRequested: @escaping () -> Bool = { false }) throws {
        self.config = config
        let load = try PortMapLoader.load(config.maps)
        portMapLoad = load
        // A login of the dispatch table (`--user Frank`) is the OS user its lines name.
        var f = filter
        f.users = Set(filter.users.map { load.map.osUser(for: $0) })
        self.filter = f
        classifier = DispatchClassifier(portMap: portMapLoad.map, dispatchPort: config.maps.dispatchPort)
        opener = SourceOpener(config.source, follow: config.follow, stopRequested: stopRequested)
    }

    /// `--host` names that wrote no entry in the journal (none did: an
    /// error), looked up on the whole source, before reading.
    public func missingHosts() throws -> [String] {
        guard !config.hosts.isEmpty, !config.follow else { return [] }
        return try opener.open().missingHosts(config.hosts)
    }

    /// The files to read one per thread, when the source has several that
    /// can hold entries of the window (`Journal.files(of:since:until:)`:
    /// a short window of a week is often one file, read on one handle).
    public func perFileList() throws(JournalError) -> [String]? {
        // `runParallel` puts the files' rows one file after another: only
        // files that follow one another in time are one handle's order.
        guard let all = try opener.perFileList(), JournalFileHeader.timeOrdered(all) else { return nil }
        guard plainUnit, let some = try opener.windowFiles(config.window) else { return all }
        windowLeft = some.left
        return some.kept.count > 1 ? some.kept : nil
    }

    /// The files `perFileList` left out: `runParallel` still opens each alone
    /// to name one sd-journal refuses, as a read of every file does.
    private var windowLeft: [String] = []

    /// The dispatch unit is the default name: expanding it needs no look at
    /// the files (a glob or a name given must be found in all of them).
    var plainUnit: Bool { !config.units.dispatchUnitGiven && !UnitName.isGlob(config.units.dispatchUnit) }

    /// Opens the journal and names the dispatch unit(s) as `journalctl -u`
    /// does (a glob that matches nothing is an error). `window`: only the
    /// files that can hold its entries, when the unit's name needs no look
    /// at the others (the default name: no glob, nothing to check).
    func openUnits(window: TimeWindow? = nil) throws -> (Journal, [String]) {
        let j = try window.map { w in plainUnit ? try opener.open(for: w) : try opener.open() } ?? opener.open()
        return (j, try j.expandUnits([config.units.dispatchUnit], requireNames: config.units.dispatchUnitGiven && !config.follow))
    }

    /// `openUnits`, with the unit's `-u` selection applied in one walk and
    /// the handle at the window's start (follow mode reads on from there).
    func open() throws -> (Journal, [String]) {
        let (j, units) = try openUnits()
        var matches = MatchSet()
        matches.addUnits(units)
        matches.restrict(toHosts: config.hosts)
        try j.apply(matches)
        try j.seek(since: config.window.since, until: config.window.until)
        return (j, units)
    }

    /// One handle: `begin` gets the units, `event` each accepted event.
    public func run(
        begin: ([String]) throws -> Void, event: (Event) throws -> Void,
        progress: (any ReadProgress)? = nil
    ) throws -> ListingResult {
        let (j, units) = try openUnits(window: config.window)
        journal = j
        try begin(units)
        let summary = try Self.rows(
            j, union: MatchSet.unitsSplit(units, hosts: config.hosts), window: config.window, classifier: classifier, filter: filter,
            cursors: cursors, progress: progress, event: event)
        var (notes, stats) = j.readingNotes()
        if stats.entriesRead == 0, let n = try Note.windowOutside(opener.open(), config.window) { notes.append(n) }
        if stats.entriesRead == 0, let n = Note.noDispatchUnit(j, units) { notes.append(n) }
        return ListingResult(summary: summary, stats: stats, notes: notes, units: units)
    }

    /// `-f`: every accepted event as it is written, until `stop`.
    /// Returns the number of entries read.
    @discardableResult
    public func follow(
        begin: ([String]) throws -> Void, event: (Event) throws -> Void, stop: () -> Bool,
        idle: () throws -> Void
    ) throws -> Int {
        let (j, units) = try open()
        try begin(units)
        let classifier = self.classifier
        let filter = self.filter
        let opener = self.opener
        try LiveAnalyzer.follow(
            j, stop: stop, ended: { opener.streamEnded },
            entry: { entry, cursor in
                guard let ev = classifier.classify(entry, cursor: cursor, keep: { filter.accepts($0) }) else { return }
                try event(ev)
            }, tick: { _ in }, idle: idle)
        return j.entriesRead
    }

    /// The loop of one handle: read the unit's lines (`union`, the two
    /// halves of its `-u` selection, in the window), classify, filter, hand on.
    static func rows(
        _ journal: Journal, union: (busy: MatchSet, rare: MatchSet), window: TimeWindow, classifier: DispatchClassifier,
        filter: DispatchFilter, cursors: Bool, progress: (any ReadProgress)?, event: (Event) throws -> Void
    ) throws -> EventSummary {
        var summary = EventSummary()
        defer { progress?.finish() }
        let collect = !filter.users.isEmpty
        // A `ws open` line is neither listed nor counted without `--all`,
        // and names no user to check `--user` against without `--user`.
        let opensMatter = filter.all || collect
        var seen = Set<String>()
        try journal.readUnion(busy: union.busy, rare: union.rare, since: window.since, until: window.until) { entry, cursor in
            if let progress, journal.entriesRead & 8191 == 0 { progress.update(entries: journal.entriesRead, at: entry.realtime) }
            if !opensMatter, classifier.isWSOpen(entry) { return }
            let keep = { (ev: Event) -> Bool in
                if collect { seen.formUnion(DispatchFilter.names(of: ev)) }
                return filter.accepts(ev)
            }
            guard let ev = classifier.classify(entry, cursor: cursor, where: { _ in cursors }, keep: keep) else { return }
            summary.add(ev)
            try event(ev)
        }
        summary.usersSeen = seen
        return summary
    }

    /// `--jobs N`: one sd-journal handle per file on N threads. Each file's
    /// rows are collected by its own batcher; `write` gets the batches in the
    /// files' time order as they complete, so the output is the one a single
    /// handle gives (for files from one writer, which never overlap in time).
    public func runParallel<B: EventBatcher>(
        files: [String], jobs: Int, begin: ([String]) throws -> Void,
        makeBatcher: @escaping @Sendable () -> B,
        write: (B.Batch) throws -> Void
    ) throws -> ListingResult {
        let window = config.window
        let importedCursors = config.source.isImport
        // Unit names are expanded once over all files, as a single handle would.
        // That handle is closed before the workers start: they need the descriptors.
        // Files it could not open for lack of descriptors are read one by one below.
        let unitPattern = config.units.dispatchUnit
        let (units, unusable): ([String], [SkippedFile]) = try {
            let all = try Journal(source: .files(files))
            let units = try all.expandUnits([unitPattern], requireNames: config.units.dispatchUnitGiven)
            return (units, all.skippedFiles.filter { $0.cause != .notOpened })
        }()
        var skippedFiles = unusable + Journal.validate(windowLeft).bad
        let files = files.filter { f in !skippedFiles.contains { $0.path == f } }
        let union = MatchSet.unitsSplit(units, hosts: config.hosts)
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
        try begin(units)

        let results = ResultBox<B.Batch>()
        let done = (0..<order.count).map { _ in DispatchSemaphore(value: 0) }
        let classifier = self.classifier
        let filter = self.filter
        let cursors = self.cursors
        for w in 0..<jobs {
            Thread.detachNewThread {
                var i = w
                while i < order.count {
                    var r = FileResult<B.Batch>()
                    do {
                        let j = try Journal(source: .files([order[i]]))
                        j.honoursImportedCursors = importedCursors
                        var batcher = makeBatcher()
                        r.summary = try Self.rows(
                            j, union: union, window: window, classifier: classifier, filter: filter, cursors: cursors, progress: nil
                        ) {
                            batcher.add($0)
                        }
                        r.batch = batcher.finish()
                        r.read = j.entriesRead
                        r.skipped = j.skippedEntries
                        if let e = j.iterationError { r.notes.append(.fileReadingStopped(path: order[i], e)) }
                        r.damaged = j.damagedFilesAfterReading()
                    } catch {
                        r.error = "\(error)"
                    }
                    results.put(i, r)
                    done[i].signal()
                    i += jobs
                }
            }
        }
        var summary = EventSummary()
        var read = 0
        var skipped = 0
        var notes: [Note] = []
        for i in 0..<order.count {
            done[i].wait()
            guard let r = results.take(i) else { continue }
            if let e = r.error {
                skippedFiles.append(SkippedFile(path: order[i], reason: e))
                continue
            }
            skippedFiles += r.damaged
            if let b = r.batch { try write(b) }
            summary.merge(r.summary)
            read += r.read
            skipped += r.skipped
            notes += r.notes
        }
        if skipped > 0 { notes.insert(.skippedEntries(skipped), at: 0) }
        notes = Note.skipped(skippedFiles) + notes
        if read == 0, let n = try Note.windowOutside(opener.open(), window) { notes.append(n) }
        if read == 0, let n = Note.noDispatchUnit(try opener.open(), units) { notes.append(n) }
        var stats = ReadStats(entriesRead: read, entriesSkipped: skipped, skippedFiles: skippedFiles)
        stats.readingStopped = notes.contains { if case .fileReadingStopped = $0 { true } else { false } }
        return ListingResult(summary: summary, stats: stats, notes: notes, units: units)
    }

    /// The workers' results, behind a pthread mutex (NSLock): ThreadSanitizer
    /// understands it, while it cannot see Synchronization.Mutex's futex and
    /// reported a race that was not one.
    final class ResultBox<Batch: Sendable>: @unchecked Sendable {
        private let lock = NSLock()
        private var byFile: [Int: FileResult<Batch>] = [:]
        func put(_ i: Int, _ r: FileResult<Batch>) { lock.withLock { byFile[i] = r } }
        func take(_ i: Int) -> FileResult<Batch>? { lock.withLock { byFile.removeValue(forKey: i) } }
    }

    struct FileResult<Batch: Sendable>: Sendable {
        var batch: Batch?
        var summary = EventSummary()
        var read = 0
        var skipped = 0
        var notes: [Note] = []
        var error: String?
        var damaged: [SkippedFile] = []
    }
}
