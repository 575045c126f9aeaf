import CSystemd
import Classifiers
import Glibc

/// Where to read the journal from, with journalctl's meanings.
public enum JournalSource: Sendable, Equatable {
    /// The local system journal, this machine only (journalctl without flags).
    case local
    /// Every journal on the system, other machines' too (`-m/--merge`).
    case merged
    /// `-D/--directory DIR`.
    case directory(String)
    /// `--file PATH...` (already glob-expanded, see `expandFileArguments`).
    case files([String])
}

/// A journal file that was not (fully) read, and why.
public struct SkippedFile: Sendable, Equatable {
    public enum Cause: Sendable, Equatable {
        /// This user may not read it.
        case permissionDenied
        /// Damaged, not a journal, or a stream that ended early.
        case unusable
        /// A good file sd-journal did not open (out of descriptors): it can be read alone.
        case notOpened
    }
    public var path: String
    public var reason: String
    public var cause: Cause
    public init(path: String, reason: String, cause: Cause = .unusable) {
        self.path = path
        self.reason = reason
        self.cause = cause
    }
}

/// One outcome of `Journal.next()`.
enum ReadResult {
    case entry(JournalEntry)
    /// An entry sd-journal could not read (damaged data); counted and skipped.
    case skipped(errno: Int32)
    case end
}

/// An open sd-journal handle.
///
/// Not `Sendable`: sd-journal handles must be used from the thread that
/// opened them, and the compiler now refuses to let one cross threads.
public final class Journal {
    private var j: OpaquePointer?
    public let source: JournalSource
    private var interner = Interner()
    private var lastBoot: (sd_id128_t, String)?
    private var until: UInt64?
    /// The matches `apply` set last (probes that must change them put them back).
    private var applied = MatchSet()
    /// Entries skipped because sd-journal could not read them.
    public private(set) var skippedEntries = 0
    /// Entries returned by `next()`.
    public private(set) var entriesRead = 0
    /// The latest receive time among the entries read.
    public private(set) var lastRealtime: UInt64 = 0
    /// Set when iteration itself failed (a damaged file); reading stops there.
    public private(set) var iterationError: String?

    /// Journal files that could not be used, with why; the rest was read.
    public private(set) var skippedFiles: [SkippedFile] = []
    private var usageAtOpen: UInt64 = 0

    public init(source: JournalSource) throws(JournalError) {
        OpenFiles.raiseLimit()
        self.source = source
        var handle: OpaquePointer?
        var r: Int32
        switch source {
        case .local, .merged:
            // Files this user may not read are named, not silently left out.
            for dir in ["/var/log/journal", "/run/log/journal"] {
                skippedFiles += Journal.journalFiles(under: dir, depth: 1).filter { access($0, R_OK) != 0 }
                    .map { SkippedFile(path: $0, reason: "permission denied", cause: .permissionDenied) }
            }
            r = sd_journal_open(&handle, source == .local ? Int32(SD_JOURNAL_LOCAL_ONLY) : 0)
        case .directory(let dir):
            try Journal.checkDirectory(dir)
            let files = Journal.journalFiles(under: dir, depth: 1)
            let (good, bad) = Journal.validate(files)
            skippedFiles = bad
            if good.isEmpty && !bad.isEmpty {
                throw Journal.nothingUsable(bad, in: dir)
            }
            let before = OpenFiles.snapshot()
            r = sd_journal_open_directory(&handle, dir, 0)
            // sd-journal leaves out, without an error, a file it cannot open.
            if r >= 0 { skippedFiles += OpenFiles.notOpened(Journal.sdJournalFiles(in: dir, among: good), since: before) }
        case .files(let paths):
            guard !paths.isEmpty else { throw JournalError(.noInput, "no journal files given") }
            for p in paths { try Journal.checkFile(p) }
            let (good, bad) = Journal.validate(paths)
            skippedFiles = bad
            if good.isEmpty { throw Journal.nothingUsable(bad, in: nil) }
            let before = OpenFiles.snapshot()
            r = Journal.openFiles(good, &handle)
            // sd_journal_open_files fails as a whole when one file cannot be
            // opened; out of descriptors, open as many as fit and name the rest.
            var fit = OpenFiles.room()
            while r == -EMFILE || r == -ENFILE, fit >= 1 {
                r = Journal.openFiles(Array(good.prefix(fit)), &handle)
                fit /= 2
            }
            if r >= 0 { skippedFiles += OpenFiles.notOpened(good, since: before) }
        }
        if r < 0 { throw JournalError.errno("cannot open the journal (\(Journal.describe(source)))", r) }
        j = handle
        // Read whole fields: MESSAGE may be large, and a cut one would misclassify.
        _ = sd_journal_set_data_threshold(handle, 0)
        try checkSomethingOpened()
        _ = sd_journal_get_usage(handle, &usageAtOpen)
    }

    static func openFiles(_ paths: [String], _ handle: inout OpaquePointer?) -> Int32 {
        var cstrs: [UnsafeMutablePointer<CChar>?] = paths.map { strdup($0) }
        cstrs.append(nil)
        defer { for c in cstrs { free(c) } }
        return cstrs.withUnsafeMutableBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buf.count) {
                sd_journal_open_files(&handle, $0, 0)
            }
        }
    }

    /// Opens each file alone: those sd-journal refuses (truncated, not a
    /// journal, unreadable) are set aside with the reason.
    public static func validate(_ paths: [String]) -> (good: [String], bad: [SkippedFile]) {
        var good: [String] = [], bad: [SkippedFile] = []
        for p in paths {
            if access(p, R_OK) != 0 {
                bad.append(SkippedFile(path: p, reason: "permission denied (\(JournalError.accessHint))", cause: .permissionDenied))
                continue
            }
            var h: OpaquePointer?
            let r = openFiles([p], &h)
            var usage: UInt64 = 0
            if r >= 0 { _ = sd_journal_get_usage(h, &usage); sd_journal_close(h) }
            if r < 0 || usage == 0 {
                bad.append(SkippedFile(path: p, reason: describeBadFile(p, errno: r < 0 ? -r : EBADMSG)))
            } else {
                good.append(p)
            }
        }
        return (good, bad)
    }

    /// Why a file is not a usable journal, in words.
    static func describeBadFile(_ path: String, errno code: Int32) -> String {
        var st = stat()
        if stat(path, &st) == 0 && st.st_size == 0 { return "empty file" }
        var sig = [UInt8](repeating: 0, count: 8)
        if let f = fopen(path, "rb") {
            _ = fread(&sig, 1, 8, f)
            fclose(f)
        }
        let isJournal = sig == Array("LPKSHHRH".utf8)
        let text = String(cString: strerror(code))
        return isJournal ? "truncated or damaged journal file (\(text))" : "not a journal file (\(text))"
    }

    static func nothingUsable(_ bad: [SkippedFile], in dir: String?) -> JournalError {
        let list = bad.prefix(5).map { "\($0.path): \($0.reason)" }.joined(separator: "; ")
        let more = bad.count > 5 ? " (and \(bad.count - 5) more)" : ""
        let kind: JournalError.Kind = bad.allSatisfy { $0.cause == .permissionDenied } ? .permission : .noInput
        return JournalError(kind, "no usable journal file\(dir.map { " in \($0)" } ?? ""): \(list)\(more)")
    }

    /// `*.journal` and `*.journal~` in `dir` and (to `depth`) its subdirectories.
    static func journalFiles(under dir: String, depth: Int) -> [String] {
        guard let d = opendir(dir) else { return [] }
        defer { closedir(d) }
        var out: [String] = []
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            if name == "." || name == ".." { continue }
            let path = dir + "/" + name
            if e.pointee.d_type == UInt8(DT_DIR) {
                if depth > 0 { out += journalFiles(under: path, depth: depth - 1) }
            } else if name.hasSuffix(".journal") || name.hasSuffix(".journal~") {
                out.append(path)
            }
        }
        return out.sorted()
    }

    /// sd-journal drops a file from the set when it meets damage while
    /// iterating, without telling the caller; the entries after the damage
    /// are then missing. This notices (the set's size shrank) and names the
    /// files that no longer read cleanly.
    public func damagedFilesAfterReading() -> [SkippedFile] {
        var usage: UInt64 = 0
        guard sd_journal_get_usage(j, &usage) >= 0, usage < usageAtOpen else { return [] }
        var candidates: [String]
        switch source {
        case .files(let f): candidates = f
        case .directory(let d): candidates = Journal.journalFiles(under: d, depth: 1)
        case .local, .merged: candidates = ["/var/log/journal", "/run/log/journal"].flatMap { Journal.journalFiles(under: $0, depth: 1) }
        }
        candidates.removeAll { p in skippedFiles.contains { $0.path == p } }
        var damaged: [SkippedFile] = []
        for p in candidates {
            var h: OpaquePointer?
            guard Journal.openFiles([p], &h) >= 0 else { continue }
            defer { sd_journal_close(h) }
            var before: UInt64 = 0, after: UInt64 = 0
            _ = sd_journal_get_usage(h, &before)
            var n = 0
            while sd_journal_next(h) > 0 { n += 1 }
            _ = sd_journal_get_usage(h, &after)
            if after < before {
                damaged.append(SkippedFile(path: p, reason: "damaged: reading stopped after \(n) entries (journalctl --verify --file \(p))"))
            }
        }
        if damaged.isEmpty {
            let name = candidates.count == 1 ? candidates[0] : Journal.describe(source)
            damaged.append(SkippedFile(path: name, reason: "damaged: sd-journal stopped reading it early (journalctl --verify)"))
        }
        skippedFiles += damaged
        return damaged
    }

    /// The files of `good` that `sd_journal_open_directory(dir, 0)` opens:
    /// those in `dir` and in its machine-id (128-bit id) subdirectories.
    static func sdJournalFiles(in dir: String, among good: [String]) -> [String] {
        good.filter { p in
            guard p.hasPrefix(dir + "/") else { return false }
            let parts = p.dropFirst(dir.count + 1).split(separator: "/")
            if parts.count == 1 { return true }
            return parts.count == 2 && Journal.isID128(parts[0])
        }
    }

    /// 32 hex digits, or the UUID form with dashes (`sd_id128_from_string`).
    static func isID128(_ s: Substring) -> Bool {
        let hex = s.count == 36 ? s.filter { $0 != "-" } : String(s)
        return hex.count == 32 && hex.allSatisfy(\.isHexDigit)
    }

    deinit { sd_journal_close(j) }

    static func describe(_ s: JournalSource) -> String {
        switch s {
        case .local: "local system journal"
        case .merged: "all journals"
        case .directory(let d): "directory \(d)"
        case .files(let f): f.count == 1 ? "file \(f[0])" : "\(f.count) files"
        }
    }

    static func checkFile(_ path: String) throws(JournalError) {
        var st = stat()
        if stat(path, &st) != 0 {
            throw JournalError(.noInput, "\(path): \(String(cString: strerror(errno)))")
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            throw JournalError(.noInput, "\(path): is a directory (use -D/--directory for a directory of journal files)")
        }
        if access(path, R_OK) != 0 {
            throw JournalError(.permission, "\(path): permission denied; \(JournalError.accessHint)")
        }
    }

    /// Throws the error `init(source: .directory(path))` would for a path that is not a readable directory.
    public static func checkReadableDirectory(_ path: String) throws(JournalError) { try checkDirectory(path) }

    static func checkDirectory(_ path: String) throws(JournalError) {
        var st = stat()
        if stat(path, &st) != 0 {
            throw JournalError(.noInput, "\(path): \(String(cString: strerror(errno)))")
        }
        guard (st.st_mode & S_IFMT) == S_IFDIR else {
            throw JournalError(.noInput, "\(path): not a directory (use --file for a journal file)")
        }
        if access(path, R_OK | X_OK) != 0 {
            throw JournalError(.permission, "\(path): permission denied; \(JournalError.accessHint)")
        }
    }

    /// sd-journal opens an empty set of files without complaint; journalctl
    /// then says why. So do we.
    private func checkSomethingOpened() throws(JournalError) {
        var bytes: UInt64 = 0
        let r = sd_journal_get_usage(j, &bytes)
        if r >= 0 && bytes > 0 { return }
        switch source {
        case .directory(let d):
            if Journal.hasUnreadableJournalFiles(in: d) {
                throw JournalError(.permission, "\(d): its journal files cannot be read; \(JournalError.accessHint)")
            }
            throw JournalError(.noInput, "\(d): no journal files found")
        case .files(let f):
            throw JournalError(.noInput, "\(f.joined(separator: ", ")): not a readable journal file")
        case .local, .merged:
            for d in ["/var/log/journal", "/run/log/journal"] where Journal.hasUnreadableJournalFiles(in: d, recursive: true) {
                throw JournalError(.permission, "the system journal cannot be read by this user; \(JournalError.accessHint)")
            }
            throw JournalError(.noInput, "no journal files found in /var/log/journal or /run/log/journal")
        }
    }

    /// Unlike `journalFiles(under:depth:)` this also counts a directory that
    /// cannot be opened (a machine-id folder of mode 2750) as unreadable.
    static func hasUnreadableJournalFiles(in dir: String, recursive: Bool = false) -> Bool {
        guard let d = opendir(dir) else { return errno == EACCES }
        defer { closedir(d) }
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            if name == "." || name == ".." { continue }
            let path = dir + "/" + name
            if name.hasSuffix(".journal") || name.hasSuffix(".journal~") {
                if access(path, R_OK) != 0 { return true }
            } else if recursive, e.pointee.d_type == UInt8(DT_DIR), hasUnreadableJournalFiles(in: path) {
                return true
            }
        }
        return false
    }

    /// The receive times of the first and last entry (`sd_journal_get_cutoff_realtime_usec`).
    public func cutoff() -> (from: UInt64, to: UInt64)? {
        var a: UInt64 = 0, b: UInt64 = 0
        return sd_journal_get_cutoff_realtime_usec(j, &a, &b) > 0 ? (a, b) : nil
    }

    /// The journal files of a `-D` directory, as sd-journal reads them: in
    /// it and in its subdirectories (machine-id folders). Sorted; nil if none.
    public static func filesIn(directory dir: String) -> [String]? {
        let f = journalFiles(under: dir, depth: 1)
        return f.isEmpty ? nil : f
    }

    // MARK: Matches

    /// Applies `matches` (an OR of AND-terms). An empty set matches everything.
    public func apply(_ matches: MatchSet) throws(JournalError) {
        applied = matches
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

    /// The distinct values of `field` in the journal (`sd_journal_query_unique`).
    public func uniqueValues(of field: String) throws(JournalError) -> [String] {
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
    /// glob matches nothing, as journalctl fails with "No data available".
    public func expandUnits(_ patterns: [String]) throws(JournalError) -> [String] {
        var result: [String] = []
        var known: [String]?
        for raw in patterns {
            let p = UnitName.mangle(raw)
            guard UnitName.isGlob(p) else {
                if !result.contains(p) { result.append(p) }
                continue
            }
            if known == nil {
                var all = Set<String>()
                for f in UnitName.unitFields { for v in try uniqueValues(of: f) { all.insert(v) } }
                known = all.sorted()
            }
            let hits = known!.filter { fnmatch(p, $0, 0) == 0 }
            if hits.isEmpty {
                throw JournalError(.noData, "no unit in the journal matches '\(raw)'")
            }
            for h in hits where !result.contains(h) { result.append(h) }
        }
        return result
    }

    /// The value of `field` in the first entry that has `match` (`FIELD=value`),
    /// or nil. The matches applied before are applied again after the look-up.
    public func firstValue(of field: String, where match: String) -> String? {
        sd_journal_flush_matches(j)
        defer { try? apply(applied) }
        guard match.withCString({ sd_journal_add_match(j, $0, 0) }) >= 0, sd_journal_seek_head(j) >= 0,
              sd_journal_next(j) > 0 else { return nil }
        var ptr: UnsafeRawPointer?
        var len = 0
        guard field.withCString({ sd_journal_get_data(j, $0, &ptr, &len) }) >= 0, let ptr else { return nil }
        let prefix = field.utf8.count + 1
        guard len >= prefix else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: ptr + prefix, count: len - prefix), as: UTF8.self)
    }

    // MARK: Iteration

    /// Reads the window from where `seek` put the journal: `body` gets each
    /// readable entry and its cursor, fetched only when asked (most entries
    /// are never printed, and fetching every cursor costs a tenth of the
    /// read). The cursor is the entry's until `body` returns. Unreadable
    /// entries are counted (`skippedEntries`) and passed over. Returns at the
    /// end of the window, or as soon as `stop` says so.
    public func read(stop: () -> Bool = { false }, _ body: (JournalEntry, _ cursor: () -> String) throws -> Void) rethrows {
        while !stop() {
            switch next() {
            case .end: return
            case .skipped: continue
            case .entry(let e): try body(e, cursor)
            }
        }
    }

    /// Positions before the first entry at or after `since` (µs), or at the
    /// head; iteration stops after `until` (µs) like journalctl's.
    public func seek(since: UInt64?, until: UInt64?) throws(JournalError) {
        self.until = until
        let r = since.map { sd_journal_seek_realtime_usec(j, $0) } ?? sd_journal_seek_head(j)
        if r < 0 { throw JournalError.errno("cannot seek", r) }
    }

    /// The next entry of the window, a skipped (unreadable) one, or the end.
    func next() -> ReadResult {
        let r = sd_journal_next(j)
        if r == 0 { return .end }
        if r < 0 {
            iterationError = "reading stopped early: \(String(cString: strerror(-r)))"
            return .end
        }
        var realtime: UInt64 = 0
        let rr = sd_journal_get_realtime_usec(j, &realtime)
        if rr < 0 { skippedEntries += 1; return .skipped(errno: -rr) }
        if let until, realtime > until { return .end }
        let result = readCurrent(realtime: realtime)
        switch result {
        case .entry:
            entriesRead += 1
            if realtime > lastRealtime { lastRealtime = realtime }
        case .skipped: skippedEntries += 1
        case .end: break
        }
        return result
    }

    private func currentBoot() -> String {
        var mono: UInt64 = 0
        var boot = sd_id128_t()
        guard sd_journal_get_monotonic_usec(j, &mono, &boot) >= 0 else { return "" }
        if let lb = lastBoot, lb.0.qwords == boot.qwords { return lb.1 }
        let id = Journal.hex(boot)
        lastBoot = (boot, id)
        return id
    }

    /// Reads the fields of the entry the handle is on.
    private func readCurrent(realtime: UInt64) -> ReadResult {
        originalCursor = nil
        var e = JournalEntry(realtime: realtime, bootID: currentBoot(), message: [])
        sd_journal_restart_data(j)
        var ptr: UnsafeRawPointer?
        var len = 0
        while true {
            let d = sd_journal_enumerate_data(j, &ptr, &len)
            if d == 0 { break }
            if d < 0 { return .skipped(errno: -d) }
            guard let ptr else { continue }
            store(UnsafeRawBufferPointer(start: ptr, count: len), into: &e)
        }
        return .entry(e)
    }

    /// Walks every entry (no matches: all sources) with receive time in
    /// [from, to], giving only its receive time and boot id: the cheap scan
    /// that finds host gaps around drops. Under the matches applied (apply an
    /// empty set, or one host's, for every source); leaves them as they are.
    public func scanTimes(from: UInt64, to: UInt64, _ body: (UInt64, String) -> Void) throws(JournalError) {
        let r = sd_journal_seek_realtime_usec(j, from)
        if r < 0 { throw JournalError.errno("cannot seek", r) }
        // The last entry before `from` too: a gap may begin before the interval.
        if sd_journal_previous(j) > 0 {
            var t: UInt64 = 0
            if sd_journal_get_realtime_usec(j, &t) >= 0 { body(t, currentBoot()) }
        } else {
            _ = sd_journal_seek_realtime_usec(j, from)
        }
        while sd_journal_next(j) > 0 {
            var t: UInt64 = 0
            guard sd_journal_get_realtime_usec(j, &t) >= 0 else { continue }
            if t > to { break }
            body(t, currentBoot())
        }
    }

    /// The receive time and boot of the last entry before `x` and of the first
    /// at or after it, under the matches applied (see `scanTimes`); leaves them as they are.
    public func straddle(_ x: UInt64) -> (before: (UInt64, String)?, after: (UInt64, String)?) {
        guard sd_journal_seek_realtime_usec(j, x) >= 0 else { return (nil, nil) }
        var after: (UInt64, String)?
        var t: UInt64 = 0
        if sd_journal_next(j) > 0, sd_journal_get_realtime_usec(j, &t) >= 0 { after = (t, currentBoot()) }
        var before: (UInt64, String)?
        if after != nil {
            if sd_journal_previous(j) > 0, sd_journal_get_realtime_usec(j, &t) >= 0, t < x { before = (t, currentBoot()) }
        } else if sd_journal_seek_realtime_usec(j, x) >= 0, sd_journal_previous(j) > 0, sd_journal_get_realtime_usec(j, &t) >= 0 {
            before = (t, currentBoot())
        }
        return (before, after)
    }


    /// The entries just before and at-or-after `realtime` (any source), with
    /// cursors: the two sides of a host gap. Under the matches applied (see
    /// `scanTimes`); leaves them as they are.
    public func neighbours(of realtime: UInt64) -> (before: JournalEntry?, after: JournalEntry?) {
        guard sd_journal_seek_realtime_usec(j, realtime) >= 0 else { return (nil, nil) }
        func read() -> JournalEntry? {
            var t: UInt64 = 0
            guard sd_journal_get_realtime_usec(j, &t) >= 0, case .entry(var e) = readCurrent(realtime: t) else { return nil }
            e.cursor = cursor()
            return e
        }
        var after: JournalEntry?
        if sd_journal_next(j) > 0 { after = read() }
        var before: JournalEntry?
        if sd_journal_previous(j) > 0 { before = read() }
        return (before, after)
    }

    /// For imported streams: the cursor the entry had on its own host.
    private var originalCursor: String?

    /// Set only for the journal files t3attr wrote itself from a stream
    /// (`--input`, `--url`): there `T3ATTR_CURSOR` holds the entry's cursor
    /// on its own host. Anywhere else any process can log that field, so it
    /// is ignored and sd-journal's own cursor is reported.
    public var honoursImportedCursors = false

    /// Records a source that was only partly read (a stream that ended early).
    public func noteSkipped(_ f: SkippedFile) { skippedFiles.append(f) }

    /// Entries of an imported stream that were not imported, with why; they
    /// count in `skippedEntries` (and so for `--strict`).
    public private(set) var skippedEntryGroups: [SkippedEntries] = []

    public func noteSkipped(entries: SkippedEntries) {
        skippedEntryGroups.append(entries)
        skippedEntries += entries.count
    }

    /// Waits up to `timeoutUsec` for the journal to change (new entries, a
    /// rotated or added file); returns false on a timeout. `next()` then
    /// continues from where it stopped.
    public func wait(timeoutUsec: UInt64) -> Bool {
        sd_journal_wait(j, timeoutUsec) > 0
    }

    /// Ends the window's upper bound (follow mode reads on past `--until`... never: it has none).
    public func clearUntil() { until = nil }

    /// The cursor of the entry `next()` returned last (for an imported
    /// stream, the one it had on its own host).
    func cursor() -> String {
        if let originalCursor { return originalCursor }
        var c: UnsafeMutablePointer<CChar>?
        guard sd_journal_get_cursor(j, &c) >= 0, let c else { return "" }
        defer { free(c) }
        return String(cString: c)
    }

    private func store(_ item: UnsafeRawBufferPointer, into e: inout JournalEntry) {
        guard let eq = item.firstIndex(of: UInt8(ascii: "=")) else { return }
        let name = UnsafeRawBufferPointer(rebasing: item[..<eq])
        let value = UnsafeRawBufferPointer(rebasing: item[(eq + 1)...])
        switch eq {
        case 7:
            if Journal.eq(name, "MESSAGE") { e.message = Array(value) }
        case 4:
            if Journal.eq(name, "_PID") { e.pid = Journal.int(value) }
            else if Journal.eq(name, "_UID") { e.uid = Journal.int(value) }
            else if Journal.eq(name, "UNIT") { e.unit = interner.string(value) }
        case 10:
            if Journal.eq(name, "_TRANSPORT") { e.transport = interner.string(value) }
            else if Journal.eq(name, "MESSAGE_ID") { e.messageID = interner.string(value) }
        case 13:
            if Journal.eq(name, "_SYSTEMD_UNIT") { e.systemdUnit = interner.string(value) }
            else if Journal.eq(name, "COREDUMP_UNIT") { e.coredumpUnit = interner.string(value) }
            else if honoursImportedCursors, Journal.eq(name, "T3ATTR_CURSOR") { originalCursor = String(decoding: value, as: UTF8.self) }
        case 17:
            if Journal.eq(name, "SYSLOG_IDENTIFIER") { e.syslogIdentifier = interner.string(value) }
        case 9:
            if Journal.eq(name, "_HOSTNAME") { e.hostname = interner.string(value) }
        case 19:
            if Journal.eq(name, "OBJECT_SYSTEMD_UNIT") { e.objectSystemdUnit = interner.string(value) }
        case 27:
            if Journal.eq(name, "_SOURCE_REALTIME_TIMESTAMP") { e.sourceRealtime = Journal.uint(value) }
        default:
            break
        }
    }

    @inline(__always)
    static func eq(_ a: UnsafeRawBufferPointer, _ b: StaticString) -> Bool {
        a.count == b.utf8CodeUnitCount && memcmp(a.baseAddress!, b.utf8Start, a.count) == 0
    }

    static func uint(_ v: UnsafeRawBufferPointer) -> UInt64? {
        var x: UInt64 = 0
        guard !v.isEmpty else { return nil }
        for b in v {
            guard b >= 0x30 && b <= 0x39 else { return nil }
            let (m, o1) = x.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(b - 0x30))
            if o1 || o2 { return nil }
            x = s
        }
        return x
    }

    static func int(_ v: UnsafeRawBufferPointer) -> Int? {
        uint(v).flatMap { $0 <= UInt64(Int.max) ? Int($0) : nil }
    }

    static func hex(_ id: sd_id128_t) -> String {
        withUnsafeBytes(of: id.bytes) { b in
            let digits = Array("0123456789abcdef".utf8)
            var out = [UInt8]()
            out.reserveCapacity(32)
            for x in b {
                out.append(digits[Int(x >> 4)])
                out.append(digits[Int(x & 15)])
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}

/// The process's open-file limit and descriptors: sd-journal keeps one
/// descriptor per journal file and silently leaves out the files it cannot
/// open, so t3attr raises the limit as journalctl does and checks which files
/// were opened.
enum OpenFiles {
    /// Raises the soft RLIMIT_NOFILE to the hard limit (journalctl does the same).
    static func raiseLimit() {
        var rl = rlimit()
        guard getrlimit(RLIMIT_NOFILE_ID, &rl) == 0, rl.rlim_cur < rl.rlim_max else { return }
        var want = rl
        want.rlim_cur = rl.rlim_max
        if setrlimit(RLIMIT_NOFILE_ID, &want) != 0 {
            // An unlimited hard limit is still capped by fs.nr_open.
            want.rlim_cur = max(rl.rlim_cur, min(rl.rlim_max, 1 << 20))
            _ = setrlimit(RLIMIT_NOFILE_ID, &want)
        }
    }

    static var RLIMIT_NOFILE_ID: __rlimit_resource_t { __rlimit_resource_t(RLIMIT_NOFILE.rawValue) }

    static func limits() -> (soft: UInt64, hard: UInt64) {
        var rl = rlimit()
        guard getrlimit(RLIMIT_NOFILE_ID, &rl) == 0 else { return (0, 0) }
        return (UInt64(rl.rlim_cur), UInt64(rl.rlim_max))
    }

    /// Descriptors still free, less a margin for sd-journal's own and ours.
    static func room() -> Int {
        let soft = limits().soft
        let used = UInt64(snapshot().count)
        return soft > used + 16 ? Int(min(soft - used - 16, UInt64(Int32.max))) : 0
    }

    /// Every open descriptor and what it refers to (`/proc/self/fd`).
    static func snapshot() -> [Int32: String] {
        var out: [Int32: String] = [:]
        guard let d = opendir("/proc/self/fd") else { return out }
        defer { closedir(d) }
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            guard let fd = Int32(name) else { continue }
            let n = readlink("/proc/self/fd/" + name, &buf, buf.count - 1)
            guard n > 0 else { continue }
            out[fd] = buf.prefix(n).withUnsafeBufferPointer { String(decoding: UnsafeRawBufferPointer($0), as: UTF8.self) }
        }
        return out
    }

    /// The files of `expected` that no descriptor opened since `before` refers to, with why.
    static func notOpened(_ expected: [String], since before: [Int32: String]) -> [SkippedFile] {
        let after = snapshot()
        let opened = Set(after.compactMap { fd, target in before[fd] == target ? nil : target })
        let missing = expected.filter { p in
            guard let real = realpath(p, nil) else { return true }
            defer { free(real) }
            return !opened.contains(String(cString: real))
        }
        guard !missing.isEmpty else { return [] }
        let (soft, hard) = limits()
        let reason = UInt64(after.count) + 16 >= soft
            ? "not opened: the open-file limit was reached (\(soft) descriptors, hard limit \(hard); raise it with ulimit -Hn/-n or read fewer files)"
            : "not opened by sd-journal (it reads at most 7168 files at once)"
        return missing.map { SkippedFile(path: $0, reason: reason, cause: .notOpened) }
    }
}

extension sd_id128_t {
    var qwords: (UInt64, UInt64) { (qwords_tuple.0, qwords_tuple.1) }
    private var qwords_tuple: (UInt64, UInt64) {
        withUnsafeBytes(of: self) { ($0.load(as: UInt64.self), $0.load(fromByteOffset: 8, as: UInt64.self)) }
    }
}

/// Which libsystemd this process runs with (for `--version`).
public enum LibSystemd {
    /// `libsystemd.so.0.35.0 (systemd 252)` from the loaded library's real path.
    public static func describe() -> String {
        // The mapped library file, from /proc/self/maps.
        guard let f = fopen("/proc/self/maps", "r") else { return "libsystemd" }
        defer { fclose(f) }
        var line = [CChar](repeating: 0, count: 4096)
        var file = "libsystemd"
        while fgets(&line, Int32(line.count), f) != nil {
            let l = String(decoding: line.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if l.contains("/libsystemd.so"), let slash = l.firstIndex(of: "/") {
                let path = l[slash...].trimmingCharacters(in: .whitespacesAndNewlines)
                file = path.split(separator: "/").last.map(String.init) ?? file
                break
            }
        }
        // libsystemd.so.0.N.0 is systemd 217 + N (0.35.0 -> 252).
        let parts = file.split(separator: ".")
        if parts.count >= 4, parts[parts.count - 3] == "0", let minor = Int(parts[parts.count - 2]) {
            return "\(file), systemd \(217 + minor)"
        }
        return file
    }
}
