import Classifiers
import Dispatch
import Foundation
import JournalReader

/// Issue 16: a pass of `report`, `bursts` or `serve` read one journal file
/// per thread (one sd-journal handle each, as `dispatch --jobs` does), with
/// the entries handed to the caller, on the calling thread, in the order one
/// handle over all the files gives them. The caller's work (classifying,
/// attributing) stays sequential and sees exactly what it saw before.
///
/// The order: files of one writer (one `seqnum_id`) never overlap, so they
/// are read one after the other in sequence-number order, as sd-journal
/// orders them. Writers (hosts of a collector, a journald that started a new
/// sequence, files imported apart) are merged as sd-journal merges files
/// (`journal_file_compare_locations`, systemd 252): by monotonic time within
/// one boot, else by receive time, then by the entries' content hash (the
/// cursor's `x=`). A pass of several reads (the intervals around
/// the drops) gives each read's entries in turn.
///
/// Memory: a worker holds one file's selected entries until the caller took
/// them; at most `jobs` + (number of writers) files are read ahead. An
/// archived file is read on a fresh handle every `entriesPerHandle` entries
/// (one handle keeps all of its file it touched mapped).
struct ParallelRead {
    struct File {
        var path: String
        var writer: Int
        var headRealtime: UInt64
        var tailRealtime: UInt64
        /// Not archived: its header's tail is not trusted.
        var online: Bool
    }

    /// One read of a pass: the matches, then the window [since, until].
    struct Read: Sendable {
        var matches: MatchSet
        var since: UInt64?
        var until: UInt64?
    }

    let files: [File]
    /// File numbers per writer, in sequence-number order.
    let writers: [[Int]]
    let jobs: Int

    /// The plan for `paths` (the files a one-handle run opened, those it
    /// skipped left out), or nil when one handle is as good: one file, one
    /// job, or a file whose header cannot be read (that run keeps one handle).
    /// Files that hold the same entries never come here (`perFileList`).
    /// `oneFileAtATime`: one job is wanted too, for its memory: each file's
    /// handle is closed once read, where one handle keeps every file mapped
    /// (a collector's hosts analysed side by side).
    init?(paths: [String], jobs: Int, oneFileAtATime: Bool = false) {
        guard jobs > 1 || oneFileAtATime, paths.count > 1 else { return nil }
        var byWriter: [[UInt8]: Int] = [:]
        var files: [File] = []
        var seq: [UInt64] = []
        for p in paths {
            guard let h = JournalFileHeader.read(p) else { return nil }
            let w = byWriter[h.seqnumID] ?? byWriter.count
            byWriter[h.seqnumID] = w
            files.append(File(path: p, writer: w, headRealtime: h.headRealtime, tailRealtime: h.tailRealtime, online: h.online))
            seq.append(h.headSeqnum)
        }
        var writers = [[Int]](repeating: [], count: byWriter.count)
        for i in files.indices { writers[files[i].writer].append(i) }
        for w in writers.indices { writers[w].sort { (seq[$0], files[$0].path) < (seq[$1], files[$1].path) } }
        self.files = files
        self.writers = writers
        self.jobs = jobs
    }

    /// The files that hold entries of host `h` (`_HOSTNAME`): every file of
    /// a writer one of whose files names it (nil: a file could not be asked).
    /// A collector's per-host reads then open only that host's files.
    func paths(ofHost h: String) -> [String]? {
        var out: [String] = []
        for w in writers {
            var names = Set<String>()
            for i in w {
                guard let v = Journal.uniqueValues(of: "_HOSTNAME", inFile: files[i].path) else { return nil }
                names.formUnion(v)
            }
            if names.contains(h) { out += w.map { files[$0].path } }
        }
        return out
    }

    /// Whether file `f` can hold entries of `r` (an online file always can).
    func overlaps(_ f: File, _ r: Read) -> Bool {
        if f.online { return true }
        if let s = r.since, f.tailRealtime < s { return false }
        if let u = r.until, f.headRealtime > u { return false }
        return true
    }

    /// What a worker made of one entry of one file: `value`, with what the
    /// merge orders it by.
    struct Item<T: Sendable>: Sendable {
        var read: Int32
        var monotonic: UInt64
        var realtime: UInt64
        var bootID: String
        /// The entry's content hash (the cursor's `x=`), fetched only when
        /// several writers are merged: sd-journal's last word on order.
        var xor: UInt64
        /// Nil for an entry the pass leaves out, kept (when several writers
        /// are merged) only to find its copies.
        var value: T?

        /// Whether this entry comes before `b`, read from another writer.
        func precedes(_ b: Item) -> Bool {
            if read != b.read { return read < b.read }
            if bootID == b.bootID && monotonic != b.monotonic { return monotonic < b.monotonic }
            if realtime != b.realtime { return realtime < b.realtime }
            return xor < b.xor
        }

        /// The cursor's `x=` field.
        static func xorHash(_ cursor: String) -> UInt64 {
            guard let r = cursor.range(of: ";x=") else { return 0 }
            return UInt64(cursor[r.upperBound...].prefix { $0 != ";" }, radix: 16) ?? 0
        }
    }

    struct FileResult<T: Sendable>: Sendable {
        var items = MoveQueue<Item<T>>()
        var counts = Journal.ReadCounts()
        /// The handles the file was read on (fresh ones: `entriesPerHandle`).
        var handles = 1
    }

    /// Reads `reads` from every file on `jobs` threads; `transform` makes
    /// each entry (with its cursor, fetched when asked) into a value on the
    /// reading thread, nil to leave it out, and `body` gets the values in one
    /// handle's order. The files' counts, errors and damage are added to
    /// `main` (the run's handle), as if it had read them.
    func run<T: Sendable>(
        _ reads: [Read], only: Set<String>? = nil, into main: Journal, progress: (any ReadProgress)?,
        prefilter: EntryPrefilter? = nil,
        transform: @escaping @Sendable (JournalEntry, () -> String) -> T?,
        _ body: (consuming T) throws -> Void
    ) rethrows {
        defer { progress?.finish() }
        let reads = reads
        let wanted = files.map { f in (only?.contains(f.path) ?? true) && reads.contains { overlaps(f, $0) } }
        let queue = WorkQueue()
        let results = Results<T>()
        let done = files.map { _ in DispatchSemaphore(value: 0) }
        let paths = files.map(\.path)
        let online = files.map(\.online)
        let spans = files.map { ($0.headRealtime, $0.tailRealtime) }
        let workers = min(jobs, max(1, wanted.filter { $0 }.count))
        let ordersByHash = writers.count > 1
        for _ in 0..<workers {
            Thread.detachNewThread {
                while let i = queue.pop() {
                    results.put(
                        i,
                        Self.readFile(
                            paths[i], online: online[i], span: spans[i], reads, hashes: ordersByHash, prefilter: prefilter, transform))
                    done[i].signal()
                }
            }
        }
        defer { queue.close(workers: workers) }

        // Ask for files in the order the merge needs them: each writer's next
        // file first, then read-ahead by start time, at most jobs + writers at once.
        var requested = [Bool](repeating: false, count: files.count)
        var ahead = files.indices.filter { wanted[$0] }.sorted { (files[$0].headRealtime, $0) < (files[$1].headRealtime, $1) }[...]
        var inFlight = 0
        func need(_ i: Int) {
            guard !requested[i] else { return }
            requested[i] = true
            inFlight += 1
            queue.push(i, urgent: true)
        }
        func readAhead() {
            while inFlight < jobs + writers.count, let i = ahead.first {
                ahead.removeFirst()
                guard !requested[i] else { continue }
                requested[i] = true
                inFlight += 1
                queue.push(i, urgent: false)
            }
        }
        func take(_ i: Int) -> MoveQueue<Item<T>> {
            done[i].wait()
            inFlight -= 1
            let r = results.take(i)
            main.absorb(r.counts)
            return r.items
        }

        // Per writer: its files still to come, and the items of the current one.
        var next = writers.map { $0.filter { wanted[$0] }[...] }
        // Each writer's current file's items, and that file.
        var current = writers.map { _ in MoveQueue<Item<T>>() }
        var currentFile = writers.map { _ in -1 }
        var live = Array(writers.indices)
        for w in live { if let i = next[w].first { need(i) } }
        readAhead()
        /// Makes `current[w]` hold an item; false when the writer is done.
        func fill(_ w: Int) -> Bool {
            while current[w].isEmpty {
                guard let i = next[w].popFirst() else { return false }
                current[w] = take(i)
                currentFile[w] = i
                if let n = next[w].first { need(n) }
                readAhead()
            }
            return true
        }
        live = live.filter { fill($0) }
        var n = 0
        // The entry given last (its read, file and identity), for what sd-journal
        // leaves out: an entry of another file with the same boot, receive time
        // and content hash as the one it gave last is that entry kept twice (the
        // same host's lines in its own journal and a collector's copy), shown
        // once (`compare_with_location`, systemd 252). It stays the one given
        // last, so a third copy is left out too.
        var last: (read: Int32, file: Int, realtime: UInt64, xor: UInt64, bootID: String)?
        var copies = 0
        defer { if copies > 0 { main.forget(copies) } }
        while !live.isEmpty {
            var best = live[0]
            if live.count > 1 {
                for w in live.dropFirst() where current[w].first.precedes(current[best].first) { best = w }
            }
            var item = current[best].take()
            if ordersByHash, let l = last, l.file != currentFile[best], l.read == item.read, l.realtime == item.realtime,
                l.xor == item.xor, l.bootID == item.bootID
            {
                copies += 1
                if !fill(best) { live.removeAll { $0 == best } }
                continue
            }
            last = (item.read, currentFile[best], item.realtime, item.xor, item.bootID)
            n += 1
            if let progress, n & 8191 == 0 { progress.update(entries: main.entriesRead, at: item.realtime) }
            if let v = item.value.take() { try body(v) }
            if !fill(best) { live.removeAll { $0 == best } }
        }
    }

    /// How many entries a worker's handle steps over before a fresh handle
    /// goes on from the same entry (of an archived file). A handle keeps
    /// every page of its file it touched mapped until it is closed
    /// (sd-journal's mmap cache): two workers held two whole files, about
    /// 180 MB of a week's report's peak (issue 16).
    static let entriesPerHandle = 4096

    /// One file on a worker thread: every read in turn, each entry made
    /// into its value (its cursor fetched once, when asked or when `hashes`).
    static func readFile<T: Sendable>(
        _ path: String, online: Bool, span: (UInt64, UInt64), _ reads: [Read], hashes: Bool,
        prefilter: EntryPrefilter?, entriesPerHandle: Int = Self.entriesPerHandle,
        _ transform: (JournalEntry, () -> String) -> T?
    ) -> FileResult<T> {
        var r = FileResult<T>()
        var j: Journal
        do {
            j = try Journal(source: .files([path]))
        } catch {
            r.counts.damaged = [SkippedFile(path: path, reason: "\(error)")]
            return r
        }
        let header = online ? nil : JournalFileHeader.read(path)
        let entriesPerHandle = max(1, entriesPerHandle)
        /// A fresh handle on the file, while it is archived and the same file
        /// (writer, first entry): one still written to may be renamed away and
        /// another put in its place.
        func freshHandle() -> Journal? {
            guard let now = JournalFileHeader.read(path), !now.online, now.seqnumID == header?.seqnumID,
                now.headSeqnum == header?.headSeqnum
            else { return nil }
            return try? Journal(source: .files([path]))
        }
        /// Adds what handle `h` read (and found damaged) to the file's counts.
        func retire(_ h: Journal) {
            var c = h.counts
            c.damaged = h.damagedFilesAfterReading()
            r.counts.add(c)
        }
        func stepped(_ h: Journal) -> Int { h.entriesRead + h.skippedEntries }
        do {
            var applied: MatchSet?
            for (k, read) in reads.enumerated() {
                if !online {
                    if let s = read.since, span.1 < s { continue }
                    if let u = read.until, span.0 > u { continue }
                }
                // A handle that could not be renewed during the last read is renewed now.
                if stepped(j) >= entriesPerHandle, let fresh = freshHandle() {
                    retire(j)
                    j = fresh
                    r.handles += 1
                    applied = nil
                }
                if applied != read.matches {
                    try j.apply(read.matches)
                    applied = read.matches
                }
                try j.seek(since: read.since, until: read.until)
                var renews = true
                while true {
                    let h = j
                    // Set when the read stopped for a fresh handle, not at the window's end.
                    var stopped = false
                    let over = {
                        if renews && stepped(h) >= entriesPerHandle { stopped = true }
                        return stopped
                    }
                    // Several writers: every entry is an item, those the pass leaves
                    // out too, so that the merge finds each copy of an entry kept
                    // twice and counts it once (the prefilter is asked here).
                    h.read(stop: over, prefilter: hashes ? nil : prefilter) { e, cursor in
                        withoutActuallyEscaping(cursor) { cursor in
                            var fetched: String?
                            let once = {
                                if let fetched { return fetched }
                                let c = cursor()
                                fetched = c
                                return c
                            }
                            let v: T?
                            if hashes, let prefilter, !e.message.isEmpty, !e.message.withUnsafeBytes({ prefilter($0, e.uid) }) {
                                v = nil
                            } else {
                                v = transform(e, once)
                            }
                            guard v != nil || hashes else { return }
                            r.items.append(
                                Item(
                                    read: Int32(k), monotonic: h.lastMonotonic, realtime: e.realtime, bootID: e.bootID,
                                    xor: hashes ? Item<T>.xorHash(once()) : 0, value: v))
                        }
                    }
                    guard stopped else { break }
                    // Where the fresh handle cannot take over (an entry without a cursor,
                    // a file no longer the same, the entry not found again), the old
                    // handle goes on.
                    guard let here = h.position(), let fresh = freshHandle(),
                        (try? fresh.resume(at: here, matches: read.matches, until: read.until)) == true
                    else {
                        renews = false
                        continue
                    }
                    retire(h)
                    j = fresh
                    r.handles += 1
                }
                if j.iterationError != nil { break }
            }
        } catch {
            r.counts.damaged.append(SkippedFile(path: path, reason: "\(error)"))
        }
        retire(j)
        if let e = r.counts.iterationError { r.counts.iterationError = "\(path): \(e)" }
        return r
    }

    /// Items in the order appended, taken out by moving (no copy of what
    /// they hold): a worker appends a file's items, then hands the queue over.
    final class MoveQueue<E>: @unchecked Sendable {
        private var base: UnsafeMutablePointer<E>?
        private var capacity = 0
        private var count = 0
        private var next = 0

        var isEmpty: Bool { next == count }

        func append(_ e: consuming E) {
            if count == capacity {
                let grown = max(1024, capacity * 2)
                let b = UnsafeMutablePointer<E>.allocate(capacity: grown)
                if let base {
                    (b + next).moveInitialize(from: base + next, count: count - next)
                    base.deallocate()
                }
                base = b
                capacity = grown
            }
            (base! + count).initialize(to: e)
            count += 1
        }

        /// The next item (not empty).
        var first: E { unsafeAddress { UnsafePointer(base! + next) } }

        /// Moves the next item out (not empty).
        func take() -> E {
            defer { next += 1 }
            return (base! + next).move()
        }

        deinit {
            guard let base else { return }
            (base + next).deinitialize(count: count - next)
            base.deallocate()
        }
    }

    /// File numbers for the workers; urgent ones (a writer's next file) first.
    /// A pthread mutex (NSLock), as in `DispatchListing`: ThreadSanitizer understands it.
    final class WorkQueue: @unchecked Sendable {
        private let lock = NSLock()
        private let ready = DispatchSemaphore(value: 0)
        private var items: [Int] = []
        private var closed = false

        func push(_ i: Int, urgent: Bool) {
            lock.withLock { if urgent { items.insert(i, at: 0) } else { items.append(i) } }
            ready.signal()
        }

        /// The next file, or nil once closed.
        func pop() -> Int? {
            ready.wait()
            return lock.withLock { closed || items.isEmpty ? nil : items.removeFirst() }
        }

        /// Ends the workers (those waiting, and the rest when they next ask).
        func close(workers: Int) {
            lock.withLock {
                closed = true
                items = []
            }
            for _ in 0..<workers { ready.signal() }
        }
    }

    final class Results<T: Sendable>: @unchecked Sendable {
        private let lock = NSLock()
        private var byFile: [Int: FileResult<T>] = [:]
        func put(_ i: Int, _ r: FileResult<T>) { lock.withLock { byFile[i] = r } }
        func take(_ i: Int) -> FileResult<T> { lock.withLock { byFile.removeValue(forKey: i) ?? FileResult() } }
    }
}
