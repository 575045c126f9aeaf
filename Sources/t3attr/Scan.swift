import Classifiers
import JournalReader

/// The common first half of every command: open the journal the options
/// name, select units (and any extra matches), seek to the window.
struct Scan {
    let journal: Journal
    let window: TimeWindow
    let units: [String]

    /// - Parameters:
    ///   - unitPatterns: selected as `journalctl -u` does; a glob that matches nothing is an error.
    ///   - optionalPatterns: the same, but a glob matching nothing is left out (returned in `missing`).
    ///   - extra: further terms ORed in (`_TRANSPORT=kernel`, ...).
    ///   - extraUnits: `_SYSTEMD_UNIT=` values selected too, without journalctl -u's other terms.
    init(source: SourceOptions, unitPatterns: [String], optionalPatterns: [String] = [], extra: [[String]] = [],
         extraUnits: [String] = [], window: TimeWindow, missing: inout [String]) throws {
        let j = try source.openJournal()
        var units = try j.expandUnits(unitPatterns)
        for p in optionalPatterns {
            let found: [String]
            do {
                found = try j.expandUnits([p])
            } catch {
                guard error.kind == .noData else { throw error }
                missing.append(p)
                continue
            }
            units += found.filter { !units.contains($0) }
        }
        var matches = MatchSet()
        matches.addUnits(units, extraUnits: extraUnits)
        for t in extra { matches.add(t) }
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

    init(source: SourceOptions, unitPatterns: [String], window: TimeWindow) throws {
        var missing: [String] = []
        try self.init(source: source, unitPatterns: unitPatterns, window: window, missing: &missing)
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
        for f in journal.skippedFiles { notes.append("skipped \(f.path): \(f.reason)") }
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
