import CSystemd
import Classifiers
import Glibc

/// Which files a journal is made of, and whether they can be read: discovery,
/// validation, the checks that name what is wrong, and the damage found after reading.
extension Journal {
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
        var good: [String] = []
        var bad: [SkippedFile] = []
        for p in paths {
            if access(p, R_OK) != 0 {
                bad.append(SkippedFile(path: p, reason: "permission denied (\(whoMayRead([p])))", cause: .permissionDenied))
                continue
            }
            var h: OpaquePointer?
            let r = openFiles([p], &h)
            var usage: UInt64 = 0
            if r >= 0 {
                _ = sd_journal_get_usage(h, &usage)
                sd_journal_close(h)
            }
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
        if stat(path, &st) == 0 {
            switch st.st_mode & S_IFMT {
            case S_IFREG: if st.st_size == 0 { return "empty file" }
            case S_IFIFO, S_IFSOCK: return "a pipe, not a journal file (an export stream is read with --input)"
            case S_IFCHR, S_IFBLK: return "a device, not a journal file"
            case S_IFDIR: return "a directory, not a journal file (-D reads a directory)"
            default: break
            }
        }
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
        if bad.count > 1, bad.allSatisfy({ $0.cause == .permissionDenied }) { return manyDenied(bad.map(\.path), in: dir) }
        let list = bad.prefix(5).map { "\($0.path): \($0.reason)" }.joined(separator: "; ")
        let more = bad.count > 5 ? " (and \(bad.count - 5) more)" : ""
        let kind: JournalError.Kind = bad.allSatisfy { $0.cause == .permissionDenied } ? .permission : .noInput
        return JournalError(kind, "no usable journal file\(dir.map { " in \($0)" } ?? ""): \(list)\(more)")
    }

    /// Many files this user may not read: one short message naming who may
    /// (the group that owns most of them, when it may read them), the files in
    /// `details` (shown under `-v`).
    static func manyDenied(_ paths: [String], in dir: String?) -> JournalError {
        var e = JournalError(.permission, "\(paths.count) journal files\(dir.map { " in \($0)" } ?? ""): permission denied; \(whoMayRead(paths))")
        e.details = paths
        return e
    }

    /// Who may read `paths`: the group that owns most of them when it may
    /// read them, else their owner; the journal's groups when not known.
    static func whoMayRead(_ paths: [String]) -> String {
        var owners: [String: Int] = [:]
        for p in paths {
            var st = stat()
            guard stat(p, &st) == 0 else { continue }
            let mode = String(st.st_mode & 0o777, radix: 8)
            let key = (st.st_mode & 0o040) != 0 ? "g:" + groupName(st.st_gid) + ":" + mode : "u:" + userName(st.st_uid) + ":" + mode
            owners[key, default: 0] += 1
        }
        let top = owners.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key.split(separator: ":").map(String.init)
        guard let top, top.count == 3 else { return JournalError.accessHint }
        let (they, them) = paths.count == 1 ? ("it belongs", "it") : ("they belong", "them")
        return top[0] == "g"
            ? "\(they) to group '\(top[1])' (mode 0\(top[2])): join it (sudo usermod -aG \(top[1]) $USER, then log in again) or run with sudo"
            : "only \(paths.count == 1 ? "its" : "their") owner '\(top[1])' may read \(them) (mode 0\(top[2])): run as that user or with sudo"
    }

    static func groupName(_ gid: gid_t) -> String {
        guard let g = getgrgid(gid), let n = g.pointee.gr_name else { return String(gid) }
        return String(cString: n)
    }

    static func userName(_ uid: uid_t) -> String {
        guard let u = getpwuid(uid), let n = u.pointee.pw_name else { return String(uid) }
        return String(cString: n)
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

    /// Whether this handle opened the same files, of the same sizes, as
    /// `other`, and neither has since dropped one (sd-journal's usage, the
    /// sum of its files' sizes, is unchanged): a copy of the source that
    /// sees what it sees.
    public func opensTheSameAs(_ other: Journal) -> Bool {
        var mine: UInt64 = 0
        var theirs: UInt64 = 0
        guard sd_journal_get_usage(j, &mine) >= 0, sd_journal_get_usage(other.j, &theirs) >= 0 else { return false }
        return mine == usageAtOpen && theirs == other.usageAtOpen && mine == theirs
            && Set(skippedFiles.map(\.path)) == Set(other.skippedFiles.map(\.path))
    }

    /// Whether sd-journal dropped a file since this handle opened (one found
    /// damaged while reading: its usage went down).
    public var lostFiles: Bool {
        var usage: UInt64 = 0
        return sd_journal_get_usage(j, &usage) >= 0 && usage < usageAtOpen
    }

    /// sd-journal drops a file from the set when it meets damage while
    /// iterating, without telling the caller; the entries after the damage
    /// are then missing. This notices (the set's size shrank) and names the
    /// files that no longer read cleanly, with those a reopen found
    /// (`reopenIfFilesLost`), each once.
    public func damagedFilesAfterReading() -> [SkippedFile] {
        defer { damagedBeforeReopening = [] }
        let found = damagedBeforeReopening + damagedFilesNow()
        pruneUnnamedDamage()
        return found
    }

    /// The reason given when damage was met but no file can be named.
    static let unnamedDamage = "damaged: sd-journal stopped reading it early (journalctl --verify)"

    /// A damage note that names only the source (`-D dir`: which file sd-journal
    /// dropped could not be told) goes once a file of it is named damaged
    /// (by a per-file read, most often the same damage).
    func pruneUnnamedDamage() {
        let whole = Journal.describe(describedSource)
        guard skippedFiles.contains(where: { $0.path != whole && $0.reason.hasPrefix("damaged") }) else { return }
        skippedFiles.removeAll { $0.path == whole && $0.reason == Journal.unnamedDamage }
    }

    /// A handle that dropped a damaged file is opened anew on the same
    /// source before its next read (`apply`, `seek`): sd-journal drops the
    /// file for good (systemd's `real_journal_next`, "Can't iterate through
    /// ..., ignoring"), so every later read on the handle missed all of it,
    /// where only the entries behind the damage are unreadable. The damage
    /// is named, once; the counts go on. The caller applies its matches.
    func reopenIfFilesLost() {
        guard lostFiles else { return }
        damagedBeforeReopening += damagedFilesNow()
        // Both handles are open for a moment: only with a descriptor to spare for each file.
        guard Journal.spareDescriptors() >= sourceFiles().count + 16, let fresh = try? Journal(source: source) else { return }
        swap(&j, &fresh.j)
        usageAtOpen = fresh.usageAtOpen
        for f in fresh.skippedFiles where !skippedFiles.contains(where: { $0.path == f.path }) { skippedFiles.append(f) }
    }

    /// The journal files the source names (a directory's, the system journal's).
    func sourceFiles() -> [String] {
        switch source {
        case .files(let f): f
        case .directory(let d): Journal.journalFiles(under: d, depth: 1)
        case .local, .merged: ["/var/log/journal", "/run/log/journal"].flatMap { Journal.journalFiles(under: $0, depth: 1) }
        }
    }

    private func damagedFilesNow() -> [SkippedFile] {
        guard lostFiles else { return [] }
        let all = sourceFiles()
        let named = Set(skippedFiles.map(\.path))
        // Every file already named (found damaged on an earlier read): nothing new to say.
        if !all.isEmpty && all.allSatisfy(named.contains) { return [] }
        let candidates = all.filter { !named.contains($0) }
        var damaged: [SkippedFile] = []
        for p in candidates {
            var h: OpaquePointer?
            guard Journal.openFiles([p], &h) >= 0 else { continue }
            defer { sd_journal_close(h) }
            var before: UInt64 = 0
            var after: UInt64 = 0
            _ = sd_journal_get_usage(h, &before)
            var n = 0
            while sd_journal_next(h) > 0 { n += 1 }
            _ = sd_journal_get_usage(h, &after)
            // Damage only some matches reach (an entry array of one field's value):
            // walked again with the matches the handle had when it met it.
            var what = "entries"
            if after == before, !applied.terms.isEmpty, (try? Journal.set(applied, on: h)) != nil, sd_journal_seek_head(h) >= 0 {
                n = 0
                what = "selected entries"
                while sd_journal_next(h) > 0 { n += 1 }
                _ = sd_journal_get_usage(h, &after)
            }
            if after < before {
                damaged.append(SkippedFile(path: p, reason: "damaged: reading stopped after \(n) \(what) (journalctl --verify --file \(p))"))
            }
        }
        if damaged.isEmpty {
            // Which file was dropped cannot be told (the damage is met only by
            // some matches). A file already named damaged is the likely one; else
            // the one file there is, or the source. Not the one file left once
            // the others were named: that one read cleanly.
            if skippedFiles.contains(where: { $0.reason.hasPrefix("damaged") }) { return [] }
            let name = all.count == 1 ? all[0] : Journal.describe(describedSource)
            if named.contains(name) { return [] }
            damaged.append(SkippedFile(path: name, reason: Journal.unnamedDamage))
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
            throw JournalError(.permission, "\(path): permission denied; \(whoMayRead([path]))")
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
    func checkSomethingOpened() throws(JournalError) {
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
        var a: UInt64 = 0
        var b: UInt64 = 0
        return sd_journal_get_cutoff_realtime_usec(j, &a, &b) > 0 ? (a, b) : nil
    }

    /// Descriptors this process can still open (less a margin): reads on
    /// more handles (issue 16) are only started when they fit.
    public static func spareDescriptors() -> Int { OpenFiles.room() }

    /// The journal files of a `-D` directory, as sd-journal reads them: in
    /// it and in its subdirectories (machine-id folders). Sorted; nil if none.
    public static func filesIn(directory dir: String) -> [String]? {
        let f = journalFiles(under: dir, depth: 1)
        return f.isEmpty ? nil : f
    }

    /// The files of `source` (a directory or a list of files) that can hold
    /// entries received in [since, until], and those that cannot, when some
    /// cannot (issue 16: a 1-hour window of a week opened 13 files to read
    /// one; sd-journal looks into each at every seek). By their headers'
    /// first and last receive times, as `--jobs` decides what to read; a
    /// file still written to (online) always can.
    ///
    /// Only where one handle over the kept files reads what one over all of
    /// them reads: each writer's files follow each other in time as in
    /// sequence, and so do one boot's files as by their monotonic time (a
    /// clock stepped back between two files makes sd-journal, which orders
    /// by those, interleave them; copies of a file overlap), every header is
    /// readable, and a directory holds no journal file sd-journal passes over.
    /// Otherwise nil: every file is opened. The files left out are still to
    /// be opened alone by the caller, to name one sd-journal refuses.
    public static func files(of source: JournalSource, since: UInt64?, until: UInt64?) -> (kept: [String], left: [String])? {
        guard since != nil || until != nil else { return nil }
        let all: [String]
        switch source {
        case .directory(let d):
            all = journalFiles(under: d, depth: 1)
            guard sdJournalFiles(in: d, among: all).count == all.count else { return nil }
        case .files(let f): all = f
        case .local, .merged: return nil
        }
        var kept: [String] = []
        var left: [String] = []
        typealias Run = (seq: UInt64, head: UInt64, tail: UInt64, online: Bool)
        var runs: [[UInt8]: [Run]] = [:]
        var boots: [[UInt8]: [Run]] = [:]
        for p in all {
            guard let h = JournalFileHeader.read(p) else { return nil }
            if h.entries > 0 {
                runs[h.seqnumID, default: []].append((h.headSeqnum, h.headRealtime, h.tailRealtime, h.online))
                boots[h.tailBoot, default: []].append((h.tailMonotonic, h.headRealtime, h.tailRealtime, h.online))
            }
            if !h.online {
                if h.entries == 0
                    || since.map({ h.tailRealtime < $0 }) ?? false
                    || until.map({ h.headRealtime > $0 }) ?? false
                {
                    left.append(p)
                    continue
                }
            }
            kept.append(p)
        }
        for w in Array(runs.values) + Array(boots.values) {
            let w = w.sorted { $0.seq < $1.seq }
            if let last = w.last, !last.online, last.head > last.tail { return nil }
            for (a, b) in zip(w, w.dropFirst()) where a.head > b.head || (!a.online && (a.head > a.tail || a.tail > b.head)) {
                return nil
            }
        }
        return kept.isEmpty || left.isEmpty ? nil : (kept, left)
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
        guard getrlimit(rlimitNofile, &rl) == 0, rl.rlim_cur < rl.rlim_max else { return }
        var want = rl
        want.rlim_cur = rl.rlim_max
        if setrlimit(rlimitNofile, &want) != 0 {
            // An unlimited hard limit is still capped by fs.nr_open.
            want.rlim_cur = max(rl.rlim_cur, min(rl.rlim_max, 1 << 20))
            _ = setrlimit(rlimitNofile, &want)
        }
    }

    static var rlimitNofile: __rlimit_resource_t { __rlimit_resource_t(RLIMIT_NOFILE.rawValue) }

    static func limits() -> (soft: UInt64, hard: UInt64) {
        var rl = rlimit()
        guard getrlimit(rlimitNofile, &rl) == 0 else { return (0, 0) }
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

    /// The files of `expected` that a descriptor opened since `before` refers to.
    static func opened(_ expected: [String], since before: [Int32: String]) -> Set<String> {
        let opened = Set(snapshot().compactMap { fd, target in before[fd] == target ? nil : target })
        return Set(
            expected.filter { p in
                guard let real = realpath(p, nil) else { return false }
                defer { free(real) }
                return opened.contains(String(cString: real))
            })
    }

    /// Good files sd-journal did not open (`opened` left them out), with why.
    static func notOpened(_ missing: [String]) -> [SkippedFile] {
        guard !missing.isEmpty else { return [] }
        let (soft, hard) = limits()
        let reason =
            UInt64(snapshot().count) + 16 >= soft
            ? "not opened: the open-file limit was reached (\(soft) descriptors, hard limit \(hard); raise it with ulimit -Hn/-n or read fewer files)"
            : "not opened by sd-journal (it reads at most 7168 files at once)"
        return missing.map { SkippedFile(path: $0, reason: reason, cause: .notOpened) }
    }
}
