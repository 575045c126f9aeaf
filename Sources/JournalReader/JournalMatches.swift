import CSystemd
import Classifiers
import Glibc

/// Selecting entries: applying a `MatchSet`, and the look-ups that expand
/// unit names and find a field's values.
extension Journal {
    /// Applies `matches` (an OR of AND-terms). An empty set matches everything.
    public func apply(_ matches: MatchSet) throws(JournalError) {
        reopenIfFilesLost()
        applied = matches
        try Journal.set(matches, on: j)
    }

    /// Puts `matches` on a handle in place of its own.
    static func set(_ matches: MatchSet, on j: OpaquePointer?) throws(JournalError) {
        sd_journal_flush_matches(j)
        for term in matches.terms {
            for m in term {
                let r = m.withCString { sd_journal_add_match(j, $0, 0) }
                if r < 0 { throw JournalError.errno("bad match '\(m)'", r) }
            }
            let r = sd_journal_add_disjunction(j)
            if r < 0 { throw JournalError.errno("cannot combine matches", r) }
        }
    }

    /// Of `hosts` (`--host`), those that wrote no entry in the journal
    /// (`_HOSTNAME`); throws `.noData`, naming the hosts that did, when
    /// none of them did: a mistyped name must not read as a quiet host.
    public func missingHosts(_ hosts: [String]) throws(JournalError) -> [String] {
        guard !hosts.isEmpty else { return [] }
        let known = Set(try uniqueValues(of: "_HOSTNAME"))
        let missing = hosts.filter { !known.contains($0) }
        guard missing.count == hosts.count else { return missing }
        let sorted = known.sorted()
        let list = sorted.isEmpty ? "none" : sorted.prefix(20).joined(separator: ", ") + (sorted.count > 20 ? ", +\(sorted.count - 20) more" : "")
        let name = missing.count == 1 ? "host '\(missing[0])'" : "hosts " + missing.map { "'\($0)'" }.joined(separator: ", ")
        throw JournalError(
            .noData,
            "no entries from \(name) in the journal (hosts in it: \(list))\(Nearest.suggestion(Nearest.names(to: missing[0], among: sorted)))")
    }

    /// The distinct values of `field` in the journal (`sd_journal_query_unique`).
    public func uniqueValues(of field: String) throws(JournalError) -> [String] {
        try Journal.uniqueValues(of: field, in: j)
    }

    static func uniqueValues(of field: String, in j: OpaquePointer?) throws(JournalError) -> [String] {
        var out: [String] = []
        let r = field.withCString { sd_journal_query_unique(j, $0) }
        if r < 0 { throw JournalError.errno("cannot list values of \(field)", r) }
        var ptr: UnsafeRawPointer?
        var len = 0
        let prefix = field.utf8.count + 1
        while true {
            let e = sd_journal_enumerate_unique(j, &ptr, &len)
            if e <= 0 { break }
            guard let ptr, len > prefix else { continue }
            out.append(String(decoding: UnsafeRawBufferPointer(start: ptr + prefix, count: len - prefix), as: UTF8.self))
        }
        sd_journal_restart_unique(j)
        return out
    }

    /// Expands unit names and globs as `journalctl -u` does on systemd 252:
    /// a name without a type gets `.service`; a glob is matched (fnmatch)
    /// against every unit name the journal knows. Throws `.noData` when a
    /// glob matches nothing, as journalctl fails with "No data available";
    /// with `requireNames`, also when a plain name is no unit of the journal
    /// (a name the operator typed). The message names the nearest units.
    public func expandUnits(_ patterns: [String], requireNames: Bool = false) throws(JournalError) -> [String] {
        var result: [String] = []
        var known: [String]?
        for raw in patterns {
            let p = UnitName.mangle(raw)
            if known == nil && (requireNames || UnitName.isGlob(p)) { known = try knownUnits() }
            guard UnitName.isGlob(p) else {
                if requireNames, let known, !known.contains(p) {
                    let near = Nearest.names(to: p, among: known.filter { $0.hasSuffix(".service") })
                    throw JournalError(.noData, "no entries for unit '\(p)' in the journal\(Nearest.suggestion(near))")
                }
                if !result.contains(p) { result.append(p) }
                continue
            }
            let hits = known!.filter { fnmatch(p, $0, 0) == 0 }
            if hits.isEmpty {
                let near = Nearest.matching(glob: p, among: known!.filter { $0.hasSuffix(".service") })
                throw JournalError(.noData, "no unit in the journal matches '\(raw)'\(Nearest.suggestion(near))")
            }
            for h in hits where !result.contains(h) { result.append(h) }
        }
        return result
    }

    /// Every unit name the journal knows (the fields journalctl expands globs against).
    ///
    /// Over several files it asks each file alone: sd-journal's unique
    /// enumeration over a set of files looks every value of one file up in
    /// all the others (to drop duplicates), which thrashes its map cache
    /// (0.28 s and 7,000 mmap/munmap pairs for a week of 13 files, before
    /// anything was read; issue 16). The union is the same set.
    public func knownUnits() throws(JournalError) -> [String] {
        var all = Set<String>()
        let files = openedFiles()
        if files.count > 1 {
            for p in files {
                var h: OpaquePointer?
                guard Journal.openFiles([p], &h) >= 0 else { return try knownUnitsOneHandle() }
                defer { sd_journal_close(h) }
                for f in UnitName.unitFields { for v in try Journal.uniqueValues(of: f, in: h) { all.insert(v) } }
            }
            return all.sorted()
        }
        return try knownUnitsOneHandle()
    }

    private func knownUnitsOneHandle() throws(JournalError) -> [String] {
        var all = Set<String>()
        for f in UnitName.unitFields { for v in try uniqueValues(of: f) { all.insert(v) } }
        return all.sorted()
    }

    /// The distinct values of `field` in one journal file, read alone (nil
    /// when it cannot be opened): which hosts a collector's file holds.
    public static func uniqueValues(of field: String, inFile path: String) -> [String]? {
        var h: OpaquePointer?
        guard openFiles([path], &h) >= 0 else { return nil }
        defer { sd_journal_close(h) }
        return try? uniqueValues(of: field, in: h)
    }

    /// The files this handle reads, when its source names them (a directory,
    /// files); empty for the system journal.
    func openedFiles() -> [String] {
        let skipped = Set(skippedFiles.map(\.path))
        switch source {
        case .directory(let d): return Journal.sdJournalFiles(in: d, among: Journal.journalFiles(under: d, depth: 1)).filter { !skipped.contains($0) }
        case .files(let f): return f.filter { !skipped.contains($0) }
        case .local, .merged: return []
        }
    }

    /// The value of `field` in the first entry that has `match` (`FIELD=value`),
    /// or nil. The matches applied before are applied again after the look-up.
    public func firstValue(of field: String, where match: String) -> String? {
        sd_journal_flush_matches(j)
        defer { try? apply(applied) }
        guard match.withCString({ sd_journal_add_match(j, $0, 0) }) >= 0, sd_journal_seek_head(j) >= 0,
            sd_journal_next(j) > 0
        else { return nil }
        var ptr: UnsafeRawPointer?
        var len = 0
        guard field.withCString({ sd_journal_get_data(j, $0, &ptr, &len) }) >= 0, let ptr else { return nil }
        let prefix = field.utf8.count + 1
        guard len >= prefix else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: ptr + prefix, count: len - prefix), as: UTF8.self)
    }
}

/// Looking elsewhere and coming back: follow mode reads the dispatch's lines
/// before the window while it is in the middle of the window.
extension Journal {
    /// The sd-journal cursor of the entry the handle is on (not an imported
    /// stream's original one), or nil before the first entry.
    public func position() -> String? {
        var c: UnsafeMutablePointer<CChar>?
        guard sd_journal_get_cursor(j, &c) >= 0, let c else { return nil }
        defer { free(c) }
        return String(cString: c)
    }

    /// Applies `matches` and puts the handle on the entry at `position` (of
    /// this handle's files), so that reading continues after it, up to
    /// `until`; false when it is not there to be found (the handle is then
    /// of no use: its caller goes on with the one it had).
    public func resume(at position: String, matches: MatchSet, until: UInt64?) throws(JournalError) -> Bool {
        try apply(matches)
        try seek(since: nil, until: until)
        guard position.withCString({ sd_journal_seek_cursor(j, $0) }) >= 0 else { return false }
        guard sd_journal_next(j) > 0 && position.withCString({ sd_journal_test_cursor(j, $0) }) > 0 else { return false }
        noteSeenHere()
        return true
    }

    /// The walk has reached the entry the handle is on (`checkEnd` compares with it).
    func noteSeenHere() {
        var t: UInt64 = 0
        if sd_journal_get_realtime_usec(j, &t) >= 0, t > lastSeen { lastSeen = t }
    }

    /// Applies `matches` and puts the handle back on the entry at `position`,
    /// so that reading continues after it (at `since` when there was none);
    /// no upper bound, as in follow mode.
    public func restore(_ position: String?, matches: MatchSet, since: UInt64?) throws(JournalError) {
        try apply(matches)
        guard let position else {
            try seek(since: since, until: nil)
            return
        }
        clearUntil()
        let r = position.withCString { sd_journal_seek_cursor(j, $0) }
        if r < 0 { throw JournalError.errno("cannot seek back to where it was", r) }
        // sd_journal_seek_cursor puts the handle before that entry: step onto it.
        if sd_journal_next(j) > 0, position.withCString({ sd_journal_test_cursor(j, $0) }) <= 0 {
            // The entry is gone (a file was rotated away): the entry now here has not been read.
            _ = sd_journal_previous(j)
        } else {
            noteSeenHere()
        }
    }
}
