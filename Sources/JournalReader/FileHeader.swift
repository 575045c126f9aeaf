import Glibc

/// The few header fields of a journal file that say which writer's sequence
/// a file continues and where in it the file starts (systemd's `Header`,
/// journal-def.h, little-endian): files of one writer (one `seqnum_id`) hold
/// disjoint runs of its sequence numbers, so read in `head_entry_seqnum`
/// order they are the writer's entries in sd-journal's own order.
public struct JournalFileHeader: Sendable, Equatable {
    /// `seqnum_id`: the same for every file of one writer.
    public var seqnumID: [UInt8]
    public var headSeqnum: UInt64
    public var tailSeqnum: UInt64
    /// `n_entries`: 0 for a file with no entries (its seqnums are 0).
    public var entries: UInt64
    public var headRealtime: UInt64
    public var tailRealtime: UInt64
    /// Not archived (`state` online or offline): a writer may still append,
    /// so the tail fields may move. Archived files never change.
    public var online: Bool
    /// The boot of the last entry and its monotonic time (`tail_entry_boot_id`,
    /// `tail_entry_monotonic`): sd-journal orders one boot's entries by it.
    public var tailBoot: [UInt8] = []
    public var tailMonotonic: UInt64 = 0

    /// Reads the header of `path`; nil when it is no journal file or too short.
    public static func read(_ path: String) -> JournalFileHeader? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var b = [UInt8](repeating: 0, count: 208)
        guard pread(fd, &b, b.count, 0) == b.count, b.prefix(8).elementsEqual("LPKSHHRH".utf8) else { return nil }
        func le64(_ at: Int) -> UInt64 { (0..<8).reduce(UInt64(0)) { $0 | UInt64(b[at + $1]) << (8 * UInt64($1)) } }
        return JournalFileHeader(
            seqnumID: Array(b[72..<88]), headSeqnum: le64(168), tailSeqnum: le64(160), entries: le64(152), headRealtime: le64(184),
            tailRealtime: le64(192), online: b[16] != 2, tailBoot: Array(b[56..<72]), tailMonotonic: le64(200))
    }

    /// Whether any two of `paths` hold the same entries: files of one writer
    /// whose sequence-number runs overlap (a copy of `system.journal` taken
    /// before it was archived, next to the archive; the same file twice).
    /// One sd-journal handle shows such an entry once; reading the files
    /// apart would count it twice. A file whose header cannot be read counts
    /// as overlapping (nothing is known of it).
    public static func anyOverlap(_ paths: [String]) -> Bool {
        var byWriter: [[UInt8]: [(UInt64, UInt64)]] = [:]
        for p in paths {
            guard let h = read(p) else { return true }
            if h.entries == 0 { continue }
            byWriter[h.seqnumID, default: []].append((h.headSeqnum, h.tailSeqnum))
        }
        for runs in byWriter.values {
            let sorted = runs.sorted { $0.0 < $1.0 }
            for i in sorted.indices.dropFirst() where sorted[i].0 <= sorted[i - 1].1 { return true }
        }
        return false
    }

    /// Whether `paths` hold their entries in disjoint stretches of time, so
    /// that one file after another, by first entry, is one handle's order:
    /// each file's first entry after the previous file's last (at the same
    /// microsecond only within one writer, whose sequence numbers order it).
    /// Writers whose files overlap in time (a collector's hosts, the same
    /// entries kept by two writers) are merged entry by entry by sd-journal.
    /// A file whose header cannot be read is not known to be ordered.
    public static func timeOrdered(_ paths: [String]) -> Bool {
        var spans: [JournalFileHeader] = []
        for p in paths {
            guard let h = read(p) else { return false }
            if h.entries > 0 { spans.append(h) }
        }
        spans.sort { ($0.headRealtime, $0.headSeqnum) < ($1.headRealtime, $1.headSeqnum) }
        for (a, b) in zip(spans, spans.dropFirst()) {
            if b.headRealtime > a.tailRealtime { continue }
            if b.headRealtime == a.tailRealtime && b.seqnumID == a.seqnumID && b.headSeqnum > a.tailSeqnum { continue }
            return false
        }
        return true
    }
}
