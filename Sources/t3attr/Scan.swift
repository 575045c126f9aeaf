import Classifiers
import JournalReader

/// The common first half of every command: open the journal the options
/// name, select units (and any extra matches), seek to the window.
struct Scan {
    let journal: Journal
    let window: TimeWindow
    let units: [String]

    /// Selects `unitPatterns` as `journalctl -u` does (a glob that matches
    /// nothing is an error) and seeks to the window.
    init(source: SourceOptions, unitPatterns: [String], window: TimeWindow, follow: Bool = false) throws {
        let j = try source.openJournal(follow: follow)
        let units = try j.expandUnits(unitPatterns)
        var matches = MatchSet()
        matches.addUnits(units)
        matches.restrict(toHosts: source.host)
        try j.apply(matches)
        try j.seek(since: window.since, until: window.until)
        self.journal = j
        self.window = window
        self.units = units
    }

    /// A scan over an already opened journal with matches already applied.
    init(journal: Journal, units: [String], window: TimeWindow) throws {
        try journal.seek(since: window.since, until: window.until)
        self.journal = journal
        self.window = window
        self.units = units
    }


    /// Calls `body` for each readable entry of the window, in journal order.
    /// The entry's cursor is empty; `journal.cursor()` gives it while in `body`.
    func forEach(_ body: (JournalEntry) throws -> Void) rethrows {
        let progress = Progress(window: window)
        defer { progress.finish() }
        var n = 0
        while true {
            switch journal.next() {
            case .end: return
            case .skipped: continue
            case .entry(let e):
                n += 1
                if n & 8191 == 0 { progress.update(entries: journal.entriesRead, at: e.realtime) }
                try body(e)
            }
        }
    }

    /// Lines for stderr about what could not be read (call once, after reading).
    func readingNotes() -> [String] {
        var notes: [String] = []
        _ = journal.damagedFilesAfterReading()
        notes += SkippedFile.notes(journal.skippedFiles)
        for s in journal.skippedEntryGroups {
            notes.append("skipped \(s.count) entr\(s.count == 1 ? "y" : "ies") of \(s.source): \(s.reason)")
        }
        let unreadable = journal.skippedEntries - journal.skippedEntryGroups.reduce(0) { $0 + $1.count }
        if unreadable > 0 {
            notes.append("\(unreadable) unreadable journal entr\(unreadable == 1 ? "y was" : "ies were") skipped")
        }
        if let err = journal.iterationError { notes.append(err) }
        return notes
    }

    func windowText(local: Bool) -> String {
        let s = window.since.map { Render.rfc3339($0, local: local) } ?? "(start of journal)"
        let u = window.until.map { Render.rfc3339($0, local: local) } ?? "(end of journal)"
        return "\(s) .. \(u)"
    }
}
