import Classifiers
import JournalReader

/// What one run found: the attribution, what was read, and what the
/// operator should know about the reading. A value; sinks render it.
public struct Report: Sendable {
    public var attribution: Attribution
    public var stats: ReadStats
    /// In the order they are printed (reading problems first).
    public var notes: [Note]
    public var window: TimeWindow
    /// The units selected (dispatch first, then the serves).
    public var units: [String]
    /// Lines folded into an earlier event (the scripts' second copies, ...).
    public var folded: Int
    /// `T3ATTR_TIMING=1`: seconds per phase, in order.
    public var timings: [PhaseTiming]
    /// `--prometheus`, `--tunnel-log` (issue 14): nil when neither was given.
    public var corroboration: Corroboration?

    public init(
        attribution: Attribution, stats: ReadStats, notes: [Note], window: TimeWindow, units: [String],
        folded: Int = 0, timings: [PhaseTiming] = []
    ) {
        self.attribution = attribution
        self.stats = stats
        self.notes = notes
        self.window = window
        self.units = units
        self.folded = folded
        self.timings = timings
    }
}

extension Report {
    /// `serve`: per user (sorted), that user's serve-side events in time
    /// order; OOM kills outside any serve under `(host)`. `users` (if any)
    /// keeps only those.
    public func serveTimelines(users: [String] = []) -> [(user: String, events: [Event])] {
        var byUser: [String: [Event]] = [:]
        for s in attribution.signals {
            guard let sig = s.signal else { continue }
            let key: String
            if let u = s.user {
                key = u
            } else if case .oomKill = sig {
                key = "(host)"
            } else if case .earlyoomKill = sig {
                key = "(host)"
            } else if sig == .kernelStall {
                key = "(host)"
            } else {
                continue
            }
            if !users.isEmpty && !users.contains(key) { continue }
            byUser[key, default: []].append(s)
        }
        return byUser.keys.sorted().map { ($0, byUser[$0]!) }
    }
}

/// Counts of what was read, for the summary and `--strict`.
public struct ReadStats: Sendable, Equatable {
    public var entriesRead: Int
    public var entriesSkipped: Int
    public var skippedFiles: [SkippedFile]
    /// Entries of an imported stream that were not imported, with why (counted in `entriesSkipped`).
    public var skippedEntryGroups: [SkippedEntries]
    /// The latest receive time among the entries read (the cursor file's end).
    public var lastRealtime: UInt64

    public init(
        entriesRead: Int = 0, entriesSkipped: Int = 0, skippedFiles: [SkippedFile] = [],
        skippedEntryGroups: [SkippedEntries] = [], lastRealtime: UInt64 = 0
    ) {
        self.entriesRead = entriesRead
        self.entriesSkipped = entriesSkipped
        self.skippedFiles = skippedFiles
        self.skippedEntryGroups = skippedEntryGroups
        self.lastRealtime = lastRealtime
    }

    /// Reading stopped before the end of what was asked for (a damaged file).
    public var readingStopped = false

    /// Whether `--strict` fails the run.
    public var skippedAnything: Bool { !skippedFiles.isEmpty || entriesSkipped > 0 || readingStopped }
}

/// Something the operator should know about a run, as a value (the
/// renderers word it).
public enum Note: Sendable, Equatable {
    /// A journal file (or stream) that was not (fully) read.
    case skippedFile(SkippedFile)
    /// More than three files skipped for one reason: the count and the first three
    /// (the JSON summary's `skipped_files` lists them all).
    case skippedFiles(count: Int, first: [String], reason: String)
    /// Entries of a stream that were not imported, with why.
    case skippedStreamEntries(SkippedEntries)
    /// Entries sd-journal could not read.
    case skippedEntries(Int)
    /// Iteration itself failed; the text is sd-journal's (`reading stopped early: ...`).
    case readingStopped(String)
    /// The same, for one file of a parallel scan.
    case fileReadingStopped(path: String, String)
    /// `--serve-unit` named no unit in the journal.
    case noServeUnit(pattern: String)
    /// The journal's clock went backwards (receive times).
    case clockWentBack(from: UInt64, to: UInt64)
    /// journald's rate limit dropped `count` lines of `unit` (`Suppressed N messages from <unit>`).
    case journalSuppressed(unit: String, count: Int, at: UInt64)
    /// A dispatch process wrote its Go log prefix in local time `seconds` off UTC; corrected.
    case localTime(pid: Int?, host: String?, seconds: Int, since: UInt64)
    /// `--prometheus` or `--tunnel-log` gave nothing (or less than asked): what and why.
    case evidenceMissing(source: String, detail: String)
    /// `--tunnel-log` had events, none within `window` (µs) of a drop or
    /// burst: a log of another time (a zone mistake), or a quiet tunnel.
    case tunnelLogAway(events: Int, from: UInt64, to: UInt64, window: UInt64)
    /// Nothing was read: the window lies wholly before or after the journal's
    /// entries, `from` .. `to` (a zone or date mistake, at 3 a.m.).
    case windowOutsideJournal(from: UInt64, to: UInt64)
    /// The dispatch unit(s) have no entry in the whole journal: no drop can
    /// be seen in it (another host's journal, another unit name).
    case noDispatchUnit(units: [String])
}

extension Note {
    /// `.windowOutsideJournal` when `window` misses every entry of `j` (its
    /// whole source, whatever matches are applied).
    static func noDispatchUnit(_ j: Journal, _ units: [String]) -> Note? {
        (try? j.expandUnits(units, requireNames: true)) == nil ? .noDispatchUnit(units: units) : nil
    }

    static func windowOutside(_ j: Journal, _ window: TimeWindow) -> Note? {
        guard let c = j.cutoff() else { return nil }
        if let s = window.since, s > c.to { return .windowOutsideJournal(from: c.from, to: c.to) }
        if let u = window.until, u < c.from { return .windowOutsideJournal(from: c.from, to: c.to) }
        return nil
    }
}

extension Note {
    /// One note per skipped file, or one per reason when more than three
    /// files share it.
    static func skipped(_ files: [SkippedFile]) -> [Note] {
        var order: [String] = []
        var byReason: [String: [SkippedFile]] = [:]
        for f in files {
            if byReason[f.reason] == nil { order.append(f.reason) }
            byReason[f.reason, default: []].append(f)
        }
        return order.flatMap { reason -> [Note] in
            let group = byReason[reason]!
            if group.count <= 3 { return group.map { .skippedFile($0) } }
            return [.skippedFiles(count: group.count, first: group.prefix(3).map(\.path), reason: reason)]
        }
    }
}

/// How long one phase of a run took.
public struct PhaseTiming: Sendable, Equatable {
    public var seconds: Double
    public var phase: String
    /// Resident memory at the phase's end (Linux `/proc/self/status`:
    /// `RssAnon`, the heap, and `RssFile`, the journal files' mapped pages), KiB.
    public var residentAnonKiB: Int?
    public var residentFileKiB: Int?
}

/// Where a long read reports how far it got (the command shows it on a terminal).
public protocol ReadProgress: AnyObject {
    /// Called every few thousand entries with the count and the current entry's time.
    func update(entries: Int, at realtime: UInt64)
    func finish()
}

/// Makes one progress display per reading pass.
public typealias ProgressFactory = () -> (any ReadProgress)?

extension Journal {
    /// Notes and counts after reading (call once, when done): damaged files
    /// are looked for first, so they are in both.
    func readingNotes() -> (notes: [Note], stats: ReadStats) {
        _ = damagedFilesAfterReading()
        var notes = Note.skipped(skippedFiles)
        notes += skippedEntryGroups.map { Note.skippedStreamEntries($0) }
        let unreadable = skippedEntries - skippedEntryGroups.reduce(0) { $0 + $1.count }
        if unreadable > 0 { notes.append(.skippedEntries(unreadable)) }
        if let err = iterationError { notes.append(.readingStopped(err)) }
        var stats = ReadStats(
            entriesRead: entriesRead, entriesSkipped: skippedEntries, skippedFiles: skippedFiles,
            skippedEntryGroups: skippedEntryGroups, lastRealtime: lastRealtime)
        stats.readingStopped = iterationError != nil
        return (notes, stats)
    }
}

extension Report {
    /// What was read wider than asked (`FocusWindow.read`) cut back to what was
    /// asked: the drops and request errors received in the focus, the bursts
    /// with an end in it; each judged with what lay beyond its edges.
    public mutating func keep(_ focus: FocusWindow, in journal: Journal? = nil) {
        window = focus.focus
        // The window asked for, not the wider one read, is the one that may lie outside the journal.
        if let journal, !notes.contains(where: { if case .windowOutsideJournal = $0 { true } else { false } }),
            let n = Note.windowOutside(journal, focus.focus)
        {
            notes.append(n)
        }
        // Nothing beyond the focus (a week's window from the journal's start): no copy of a week's drops.
        let outside = { (t: UInt64) in !focus.contains(t) }
        guard
            attribution.drops.contains(where: { outside($0.event.realtime) }) || attribution.requestErrors.contains(where: { outside($0.realtime) })
                || attribution.bursts.contains(where: { outside($0.start) || outside($0.end) })
                || attribution.requestBursts.contains(where: { outside($0.second * 1_000_000) })
        else { return }
        attribution.keepDrops { focus.contains($0.event.realtime) }
        // A burst is of written seconds, the focus of receive times: a burst
        // whose drops are listed is listed (received late, they can all be
        // inside a `--since` its second is before), as is one that ends inside.
        let listed = Set(attribution.drops.compactMap { d in d.burstSecond.map { Self.key(d.event.host, $0) } })
        attribution.bursts.removeAll { b in !listed.contains(Self.key(b.host, b.second)) && !focus.contains(b.start) && !focus.contains(b.end) }
        attribution.keepRequestErrors { focus.contains($0.realtime) }
        let requests = Set(attribution.requestErrors.map { Self.key($0.host, $0.writtenSecond) })
        attribution.requestBursts.removeAll { b in
            !requests.contains(Self.key(b.host, b.second)) && !focus.contains(b.second * 1_000_000)
                && !focus.contains(b.second * 1_000_000 + 999_999)
        }
    }

    private static func key(_ host: String?, _ second: UInt64) -> String { "\(host ?? "") \(second)" }
}

extension Attribution {
    /// Keeps only the drops `keep` accepts (`--verdict`, `--user`). Evidence
    /// refers to drops by index (a burst's members, a drop's fellow drops), so
    /// the kept drops' references are renumbered, and a reference to a drop
    /// not kept still shows that drop's journal entry: its event moves to the
    /// end of `restarts`, which evidence resolves as a plain entry (nothing
    /// else reads `restarts` after attribution). Removing drops without this
    /// made every later `.drop` reference point past the end (a crash).
    /// In place: a week's drops are not copied to keep most of them.
    public mutating func keepDrops(where keep: (Drop) -> Bool) {
        let kept = drops.map(keep)
        guard kept.contains(false) else { return }
        var newIndex = [EvidenceRef](repeating: .drop(0), count: drops.count)
        var n = 0
        for i in kept.indices where kept[i] {
            newIndex[i] = .drop(Int32(n))
            n += 1
        }
        for i in kept.indices where !kept[i] {
            newIndex[i] = .restart(Int32(restarts.count))
            restarts.append(drops[i].event)
        }
        func remap(_ r: EvidenceRef) -> EvidenceRef {
            if case .drop(let i) = r { return newIndex[Int(i)] }
            return r
        }
        var w = 0
        for i in kept.indices where kept[i] {
            if w != i { drops.swapAt(w, i) }
            for e in drops[w].evidence.indices { drops[w].evidence[e] = remap(drops[w].evidence[e]) }
            w += 1
        }
        drops.removeLast(drops.count - w)
        bursts = bursts.map {
            var b = $0
            b.evidence = b.evidence.map(remap)
            return b
        }
        // Incidents keep their ids (drops name them); one whose drops were
        // all filtered out goes, the rest point at the drops' new places.
        let live = Set(drops.compactMap(\.incident))
        incidents = incidents.filter { live.contains($0.id) }.map {
            var inc = $0
            inc.evidence = inc.evidence.map(remap)
            return inc
        }
    }

    /// Keeps the request errors `keep` accepts. Evidence that named one left
    /// out still shows it (moved to `restarts`, as `keepDrops` does).
    public mutating func keepRequestErrors(where keep: (Event) -> Bool) {
        var newIndex = [EvidenceRef](repeating: .request(0), count: requestErrors.count)
        var kept: [Event] = []
        for (i, e) in requestErrors.enumerated() {
            if keep(e) {
                newIndex[i] = .request(Int32(kept.count))
                kept.append(e)
            } else {
                newIndex[i] = .restart(Int32(restarts.count))
                restarts.append(e)
            }
        }
        guard kept.count < requestErrors.count else { return }
        func remap(_ r: EvidenceRef) -> EvidenceRef {
            if case .request(let i) = r { return newIndex[Int(i)] }
            return r
        }
        requestErrors = kept
        for i in drops.indices { drops[i].evidence = drops[i].evidence.map(remap) }
        for i in bursts.indices { bursts[i].evidence = bursts[i].evidence.map(remap) }
        for i in incidents.indices { incidents[i].evidence = incidents[i].evidence.map(remap) }
    }
}
