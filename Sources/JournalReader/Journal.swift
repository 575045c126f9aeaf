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
    /// Read, but the prefilter said its fields are not needed.
    case passedOver
    case end
}

/// Decides from an entry's MESSAGE and `_UID` (nil when it has none) alone
/// whether it is read whole (issue 16: most serve lines say nothing t3attr
/// uses, and building their records cost more than reading them).
public typealias EntryPrefilter = @Sendable (_ message: UnsafeRawBufferPointer, _ uid: Int?) -> Bool

/// An open sd-journal handle: opening (here; which files, in
/// JournalFiles.swift), iteration and field decoding (here), matches
/// (JournalMatches.swift), gap probes (JournalProbes.swift).
///
/// Not `Sendable`: sd-journal handles must be used from the thread that
/// opened them, and the compiler now refuses to let one cross threads.
public final class Journal {
    var j: OpaquePointer?
    public let source: JournalSource
    private var interner = Interner()
    var lastBoot: (sd_id128_t, String)?
    private var until: UInt64?
    private var since: UInt64?
    /// Whether the end of a read is checked against the last entry selected
    /// (false while following: the journal grows under the check).
    public var checksEnd = true
    private var endChecked = false
    /// The latest receive time of the walk, entries skipped or passed over included.
    var lastSeen: UInt64 = 0
    /// The matches `apply` set last (probes that must change them put them back).
    var applied = MatchSet()
    /// Entries skipped because sd-journal could not read them.
    public private(set) var skippedEntries = 0
    /// Entries returned by `next()`.
    public private(set) var entriesRead = 0
    /// The latest receive time among the entries read.
    public private(set) var lastRealtime: UInt64 = 0
    /// Set when iteration itself failed (a damaged file); reading stops there.
    public private(set) var iterationError: String?

    /// Journal files that could not be used, with why; the rest was read.
    public internal(set) var skippedFiles: [SkippedFile] = []
    var usageAtOpen: UInt64 = 0
    /// Files `reopenIfFilesLost` found damaged, not yet handed on by `damagedFilesAfterReading`.
    var damagedBeforeReopening: [SkippedFile] = []

    /// What messages call the journal: `source`, or the directory or list a
    /// window's files were chosen from (`Journal.files(of:since:until:)`).
    public var describedSource: JournalSource

    public init(source: JournalSource) throws(JournalError) {
        describedSource = source
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
            let before = OpenFiles.snapshot()
            r = sd_journal_open_directory(&handle, dir, 0)
            // sd-journal leaves out, without an error, a file it cannot open.
            // Only those (and files it never looks at) are opened alone to
            // say why: opening every file twice cost 0.3-2 ms a run (issue 16).
            let opened = r >= 0 ? OpenFiles.opened(Journal.sdJournalFiles(in: dir, among: files), since: before) : []
            let (good, bad) = Journal.validate(files.filter { !opened.contains($0) })
            skippedFiles = bad
            if opened.isEmpty && good.isEmpty && !bad.isEmpty {
                sd_journal_close(handle)
                throw Journal.nothingUsable(bad, in: dir)
            }
            if r >= 0 { skippedFiles += OpenFiles.notOpened(Journal.sdJournalFiles(in: dir, among: good)) }
        case .files(let paths):
            guard !paths.isEmpty else { throw JournalError(.noInput, "no journal files given") }
            for p in paths { try Journal.checkFile(p) }
            // sd_journal_open_files fails as a whole when one file cannot be
            // opened: only then is each file opened alone to find which.
            // One file opened is the whole set: no descriptors to compare (a
            // collector's reads open each file alone, many times; issue 16).
            var before = paths.count > 1 ? OpenFiles.snapshot() : [:]
            r = Journal.openFiles(paths, &handle)
            if r >= 0 {
                if paths.count == 1 { break }
                let opened = OpenFiles.opened(paths, since: before)
                skippedFiles = OpenFiles.notOpened(paths.filter { !opened.contains($0) })
                break
            }
            let (good, bad) = Journal.validate(paths)
            skippedFiles = bad
            if good.isEmpty { throw Journal.nothingUsable(bad, in: nil) }
            before = OpenFiles.snapshot()
            r = Journal.openFiles(good, &handle)
            // sd_journal_open_files fails as a whole when one file cannot be
            // opened; out of descriptors, open as many as fit and name the rest.
            var fit = OpenFiles.room()
            while r == -EMFILE || r == -ENFILE, fit >= 1 {
                r = Journal.openFiles(Array(good.prefix(fit)), &handle)
                fit /= 2
            }
            if r >= 0 {
                let opened = OpenFiles.opened(good, since: before)
                skippedFiles += OpenFiles.notOpened(good.filter { !opened.contains($0) })
            }
        }
        if r < 0 { throw JournalError.errno("cannot open the journal (\(Journal.describe(source)))", r) }
        j = handle
        // Read whole fields: MESSAGE may be large, and a cut one would misclassify.
        _ = sd_journal_set_data_threshold(handle, 0)
        try checkSomethingOpened()
        _ = sd_journal_get_usage(handle, &usageAtOpen)
    }

    deinit { sd_journal_close(j) }

    // MARK: Iteration

    /// Reads the window from where `seek` put the journal: `body` gets each
    /// readable entry and its cursor, fetched only when asked (most entries
    /// are never printed, and fetching every cursor costs a tenth of the
    /// read). The cursor is the entry's until `body` returns. Unreadable
    /// entries are counted (`skippedEntries`) and passed over. Returns at the
    /// end of the window, or as soon as `stop` says so.
    public func read(
        stop: () -> Bool = { false }, prefilter: EntryPrefilter? = nil, _ body: (JournalEntry, _ cursor: () -> String) throws -> Void
    ) rethrows {
        while !stop() {
            switch next(prefilter: prefilter) {
            case .end: return
            case .skipped, .passedOver: continue
            case .entry(let e): try body(e, cursor)
            }
        }
    }

    /// Reads the entries `busy` or `rare` select in the window, in the order
    /// one handle with both would give them, at about the cost of walking
    /// `busy` alone (issue 16: sd-journal re-walks every OR term for every
    /// entry it returns; the dispatch unit's 4-term `-u` selection cost a
    /// third more than its one busy term). `rare` is read first and held (it
    /// must select few entries); each of its entries is then given just
    /// before its successor among `busy`'s (found by seeking to its cursor),
    /// the rest at the end, and an entry both select once. Imported streams'
    /// cursors are not sd-journal's own: there both are read in one walk.
    public func readUnion(
        busy: MatchSet, rare: MatchSet, since: UInt64?, until: UInt64?, stop: () -> Bool = { false },
        _ body: (JournalEntry, _ cursor: () -> String) throws -> Void
    ) throws {
        guard !honoursImportedCursors, !rare.terms.isEmpty else {
            try apply(MatchSet(terms: busy.terms + rare.terms))
            try seek(since: since, until: until)
            return try read(stop: stop, body)
        }
        struct Held {
            var entry: JournalEntry
            var cursor: String
            var next: (realtime: UInt64, cursor: String)?
        }
        var held: [Held] = []
        try apply(rare)
        try seek(since: since, until: until)
        read(stop: stop) { e, _ in held.append(Held(entry: e, cursor: position() ?? "")) }
        try apply(busy)
        var twice = 0
        var kept: [Held] = []
        for var h in held {
            var next: (realtime: UInt64, cursor: String)?
            var t: UInt64 = 0
            if h.cursor.withCString({ sd_journal_seek_cursor(j, $0) }) >= 0, sd_journal_next(j) > 0,
                sd_journal_get_realtime_usec(j, &t) >= 0, until.map({ t <= $0 }) ?? true, let c = position()
            {
                next = (t, c)
            }
            // Selected by `busy` too: it is read there.
            if next?.cursor == h.cursor {
                twice += 1
                continue
            }
            h.next = next
            kept.append(h)
        }
        held = kept
        entriesRead -= twice
        try seek(since: since, until: until)
        var i = 0
        try read(stop: stop) { e, _ in
            while i < held.count, let n = held[i].next, n.realtime == e.realtime, n.cursor == position() {
                let h = held[i]
                i += 1
                try body(h.entry, { h.cursor })
            }
            try body(e, { self.cursor() })
        }
        if stop() { return }
        while i < held.count {
            let h = held[i]
            i += 1
            try body(h.entry, { h.cursor })
        }
    }

    /// Positions before the first entry at or after `since` (µs), or at the
    /// head; iteration stops after `until` (µs) like journalctl's.
    public func seek(since: UInt64?, until: UInt64?) throws(JournalError) {
        // A file dropped since the last read: `apply` reopens the source and sets the matches again.
        if lostFiles { try apply(applied) }
        self.until = until
        self.since = since
        endChecked = false
        lastSeen = 0
        let r = since.map { sd_journal_seek_realtime_usec(j, $0) } ?? sd_journal_seek_head(j)
        if r < 0 { throw JournalError.errno("cannot seek", r) }
    }

    /// The next entry of the window, a skipped (unreadable) one, or the end.
    func next(prefilter: EntryPrefilter? = nil) -> ReadResult {
        let r = sd_journal_next(j)
        if r == 0 {
            if checksEnd && !endChecked { checkEnd() }
            return .end
        }
        if r < 0 {
            iterationError = "reading stopped early: \(String(cString: strerror(-r)))"
            return .end
        }
        var realtime: UInt64 = 0
        let rr = sd_journal_get_realtime_usec(j, &realtime)
        if rr < 0 {
            skippedEntries += 1
            return .skipped(errno: -rr)
        }
        if let until, realtime > until { return .end }
        if realtime > lastSeen { lastSeen = realtime }
        if let prefilter, !wanted(prefilter) {
            entriesRead += 1
            if realtime > lastRealtime { lastRealtime = realtime }
            return .passedOver
        }
        let result = readCurrent(realtime: realtime)
        switch result {
        case .entry:
            entriesRead += 1
            if realtime > lastRealtime { lastRealtime = realtime }
        case .skipped: skippedEntries += 1
        case .end, .passedOver: break
        }
        return result
    }

    /// sd-journal can end a forward walk at a damaged entry without an error
    /// (an entry whose sequence number is out of order): the entries behind
    /// it, still readable backwards, were missed and a verdict built on the
    /// rest (an ongoing outage made of a restart's missing `listening`). At
    /// the end of a walk, the last entry the matches select in the window,
    /// found from the far end, must not be later than the last one read.
    private func checkEnd() {
        endChecked = true  // once per walk; `seek` starts the next
        let r = until.map { sd_journal_seek_realtime_usec(j, $0 &+ 1) } ?? sd_journal_seek_tail(j)
        var last: UInt64 = 0
        guard r >= 0, sd_journal_previous(j) > 0, sd_journal_get_realtime_usec(j, &last) >= 0 else { return }
        // `lastRealtime` too: a handle renewed mid-walk carries the counts of the one before.
        let reached = max(lastSeen, lastRealtime, since ?? 0)
        if last > reached, iterationError == nil {
            iterationError =
                "reading stopped early: entries up to \(Journal.utc(last)) could not be read forward from \(Journal.utc(reached)) (a damaged file: journalctl --verify)"
        }
    }

    /// `2026-06-10T20:00:00Z` (seconds) for a message.
    static func utc(_ usec: UInt64) -> String {
        var t = time_t(usec / 1_000_000)
        var tm = tm()
        guard gmtime_r(&t, &tm) != nil else { return "\(usec)" }
        var buf = [CChar](repeating: 0, count: 32)
        let n = strftime(&buf, buf.count, "%Y-%m-%dT%H:%M:%SZ", &tm)
        return String(decoding: buf.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The monotonic time (µs since its boot) of the entry read last: with
    /// the boot id, how sd-journal orders entries of one boot from different
    /// writers (issue 16's parallel reads merge them the same way).
    public private(set) var lastMonotonic: UInt64 = 0

    func currentBoot() -> String {
        var mono: UInt64 = 0
        var boot = sd_id128_t()
        lastMonotonic = 0
        guard sd_journal_get_monotonic_usec(j, &mono, &boot) >= 0 else { return "" }
        lastMonotonic = mono
        if let lb = lastBoot, lb.0.qwords == boot.qwords { return lb.1 }
        let id = Journal.hex(boot)
        lastBoot = (boot, id)
        return id
    }

    /// What `prefilter` says of the entry the handle is on (an entry whose
    /// MESSAGE cannot be read is read whole: that decides what becomes of it).
    private func wanted(_ prefilter: EntryPrefilter) -> Bool {
        var ptr: UnsafeRawPointer?
        var len = 0
        var uid: Int?
        if sd_journal_get_data(j, "_UID", &ptr, &len) >= 0, let ptr, len > 5 {
            uid = Journal.int(UnsafeRawBufferPointer(start: ptr + 5, count: len - 5))
        }
        guard sd_journal_get_data(j, "MESSAGE", &ptr, &len) >= 0, let ptr, len >= 8 else { return true }
        return prefilter(UnsafeRawBufferPointer(start: ptr + 8, count: len - 8), uid)
    }

    /// Reads the fields of the entry the handle is on.
    func readCurrent(realtime: UInt64) -> ReadResult {
        originalCursor = nil
        var e = JournalEntry(realtime: realtime, bootID: currentBoot(), message: [])
        e.monotonic = lastMonotonic
        sd_journal_restart_data(j)
        messageRead = false
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
    /// For imported streams: the cursor the entry had on its own host.
    private var originalCursor: String?
    /// Whether the entry being read had its MESSAGE (a second one is ignored).
    private var messageRead = false

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

    /// What one handle read: its counts, the error that stopped it, the files
    /// found damaged after it (`damagedFilesAfterReading`). A reader of one
    /// file on a worker thread hands these to the run's main handle (`absorb`).
    public struct ReadCounts: Sendable, Equatable {
        public var read = 0
        public var skipped = 0
        public var lastRealtime: UInt64 = 0
        public var iterationError: String?
        public var damaged: [SkippedFile] = []
        public init() {}

        /// Adds what another handle read.
        public mutating func add(_ c: ReadCounts) {
            read += c.read
            skipped += c.skipped
            lastRealtime = max(lastRealtime, c.lastRealtime)
            if iterationError == nil { iterationError = c.iterationError }
            for d in c.damaged where !damaged.contains(where: { $0.path == d.path }) { damaged.append(d) }
        }
    }

    /// This handle's counts so far (`damaged` is left to the caller).
    public var counts: ReadCounts {
        var c = ReadCounts()
        c.read = entriesRead
        c.skipped = skippedEntries
        c.lastRealtime = lastRealtime
        c.iterationError = iterationError
        return c
    }

    /// Counts what another handle read on this handle's behalf (issue 16: a
    /// pass read one file per thread), so the run's statistics and notes are
    /// those of one handle that read it all: `ReadCounts.add`'s merge, this
    /// handle's skipped files standing for its `damaged`.
    public func absorb(_ c: ReadCounts) {
        var mine = counts
        mine.damaged = skippedFiles
        mine.add(c)
        entriesRead = mine.read
        skippedEntries = mine.skipped
        lastRealtime = mine.lastRealtime
        iterationError = mine.iterationError
        skippedFiles = mine.damaged
        pruneUnnamedDamage()
    }

    /// Takes back `n` entries counted twice (copies of one entry that
    /// several handles each read, which one handle reads once).
    public func forget(_ n: Int) { entriesRead = max(0, entriesRead - n) }

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
        // A field's name ends at its first `=`, and none of the names below
        // holds one: an item is the field exactly when it starts with the
        // name and `=`. Told apart by their first bytes, without searching
        // each item for its `=` (issue 16: about twenty items an entry).
        guard item.count >= 2, let base = item.baseAddress else { return }
        switch base.load(as: UInt8.self) {
        case UInt8(ascii: "M"):
            // The first MESSAGE, as journalctl shows (a client may send two).
            if let v = Self.value(item, "MESSAGE") {
                if !messageRead {
                    e.message = Array(v)
                    messageRead = true
                }
            } else if let v = Self.value(item, "MESSAGE_ID") {
                e.messageID = interner.string(v, field: .messageID)
            }
        case UInt8(ascii: "_"):
            switch base.load(fromByteOffset: 1, as: UInt8.self) {
            case UInt8(ascii: "P"):
                if let v = Self.value(item, "_PID") { e.pid = Journal.int(v) }
            case UInt8(ascii: "U"):
                if let v = Self.value(item, "_UID") { e.uid = Journal.int(v) }
            case UInt8(ascii: "T"):
                if let v = Self.value(item, "_TRANSPORT") { e.transport = interner.string(v, field: .transport) }
            case UInt8(ascii: "H"):
                if let v = Self.value(item, "_HOSTNAME") { e.hostname = interner.string(v, field: .hostname) }
            case UInt8(ascii: "S"):
                if let v = Self.value(item, "_SYSTEMD_UNIT") {
                    e.systemdUnit = interner.string(v, field: .systemdUnit)
                } else if let v = Self.value(item, "_SOURCE_REALTIME_TIMESTAMP") {
                    e.sourceRealtime = Journal.uint(v)
                } else if let v = Self.value(item, "_SOURCE_MONOTONIC_TIMESTAMP") {
                    e.sourceMonotonic = Journal.uint(v)
                }
            default: break
            }
        case UInt8(ascii: "U"):
            if let v = Self.value(item, "UNIT") { e.unit = interner.string(v, field: .unit) }
        case UInt8(ascii: "S"):
            if let v = Self.value(item, "SYSLOG_IDENTIFIER") { e.syslogIdentifier = interner.string(v, field: .syslogIdentifier) }
        case UInt8(ascii: "C"):
            if let v = Self.value(item, "COREDUMP_UNIT") { e.coredumpUnit = interner.string(v, field: .coredumpUnit) }
        case UInt8(ascii: "O"):
            if let v = Self.value(item, "OBJECT_SYSTEMD_UNIT") { e.objectSystemdUnit = interner.string(v, field: .objectSystemdUnit) }
        case UInt8(ascii: "T"):
            if honoursImportedCursors, let v = Self.value(item, "T3ATTR_CURSOR") { originalCursor = String(decoding: v, as: UTF8.self) }
        default:
            break
        }
    }

    /// The value of `item` when it is the field `name` (`name=value`).
    @inline(__always)
    static func value(_ item: UnsafeRawBufferPointer, _ name: StaticString) -> UnsafeRawBufferPointer? {
        let n = name.utf8CodeUnitCount
        guard item.count > n, let base = item.baseAddress, base.load(fromByteOffset: n, as: UInt8.self) == UInt8(ascii: "="),
            memcmp(base, name.utf8Start, n) == 0
        else { return nil }
        return UnsafeRawBufferPointer(start: base + n + 1, count: item.count - n - 1)
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
extension sd_id128_t {
    var qwords: (UInt64, UInt64) { (qwordsTuple.0, qwordsTuple.1) }
    private var qwordsTuple: (UInt64, UInt64) {
        withUnsafeBytes(of: self) { ($0.load(as: UInt64.self), $0.load(fromByteOffset: 8, as: UInt64.self)) }
    }
}
