import Classifiers
import JournalReader

/// The common first half of every command: open the journal the options
/// name, select units, seek to the window.
struct Scan {
    let journal: Journal
    let window: TimeWindow
    let units: [String]

    init(source: SourceOptions, unitPatterns: [String], window: TimeWindow) throws {
        let j = try Journal(source: try source.journalSource())
        let units = try j.expandUnits(unitPatterns)
        var matches = MatchSet()
        for u in units { matches.addUnit(u) }
        try j.apply(matches)
        try j.seek(since: window.since, until: window.until)
        self.journal = j
        self.window = window
        self.units = units
    }

    /// Calls `body` for each readable entry of the window, in journal order,
    /// with its cursor filled in.
    func forEach(_ body: (JournalEntry) throws -> Void) rethrows {
        while true {
            switch journal.next() {
            case .end: return
            case .skipped: continue
            case .entry(var e):
                e.cursor = journal.cursor()
                try body(e)
            }
        }
    }

    /// Lines for stderr about what could not be read.
    func readingNotes() -> [String] {
        var notes: [String] = []
        if journal.skippedEntries > 0 {
            notes.append("\(journal.skippedEntries) unreadable journal entr\(journal.skippedEntries == 1 ? "y was" : "ies were") skipped")
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
