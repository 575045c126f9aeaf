import Classifiers
import Foundation
import JournalReader
import TestSupport
import Testing

@testable import Analysis

/// One entry as a worker hands it on: what the merge orders by and what was read.
private struct Read: Equatable {
    var read: Int32
    var monotonic: UInt64
    var realtime: UInt64
    var bootID: String
    var xor: UInt64
    /// Nil: an entry the prefilter left out, handed on only to find copies (several writers).
    var cursor: String?
    var message: [UInt8]?
}

/// What `ParallelRead.readFile` gives for `reads` on the file at `path`,
/// with a fresh handle every `every` entries.
private func readFile(
    _ path: String, _ reads: [ParallelRead.Read], every: Int, prefilter: EntryPrefilter? = nil, hashes: Bool = true
) throws -> (items: [Read], counts: Journal.ReadCounts, handles: Int) {
    let header = try #require(JournalFileHeader.read(path))
    let r = ParallelRead.readFile(
        path, online: header.online, span: (header.headRealtime, header.tailRealtime), reads, hashes: hashes, prefilter: prefilter,
        entriesPerHandle: every
    ) { e, cursor in (cursor(), e.message) }
    var items: [Read] = []
    while !r.items.isEmpty {
        let i = r.items.take()
        items.append(
            Read(
                read: i.read, monotonic: i.monotonic, realtime: i.realtime, bootID: i.bootID, xor: i.xor, cursor: i.value?.0,
                message: i.value?.1))
    }
    return (items, r.counts, r.handles)
}

/// The scenario's journal file, archived as journald leaves a rotated file
/// (header byte 16: state 2): only those are read on fresh handles.
private func archivedJournal(_ name: String, in dir: String) throws -> String {
    let path = try Fixtures.journal(name, in: dir)
    let h = try FileHandle(forUpdating: URL(fileURLWithPath: path))
    try h.seek(toOffset: 16)
    h.write(Data([2]))
    try h.close()
    return path
}

@Suite("a worker's handle is renewed as it reads, with the entries of one handle (issue 16: memory)")
struct FreshHandleTests {
    /// The scenario journals (one with the clock stepped back inside the
    /// file, so that an entry after the window's end is followed by one
    /// inside it), read whole, in windows, under a unit's matches and a
    /// prefilter: a fresh handle after every 1, 2 or 3 entries gives the
    /// entries, their order and the counts of one handle that read them all.
    @Test(arguments: ["scenario-clock-backwards", "sample-incident", "scenario-dispatch-restart"])
    func freshHandlesReadWhatOneHandleReads(name: String) throws {
        let dir = try Fixtures.tempDir("t3attr-fresh")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = try archivedJournal(name, in: dir)
        let whole = try readFile(path, [ParallelRead.Read(matches: MatchSet(), since: nil, until: nil)], every: .max)
        try #require(whole.items.count > 10)
        let times = whole.items.map(\.realtime)
        let (lo, hi) = (times.min()!, times.max()!)
        let third = (hi - lo) / 3
        var dispatch = MatchSet()
        dispatch.add(["_SYSTEMD_UNIT=t3-dispatch.service"])
        let plans: [[ParallelRead.Read]] = [
            [ParallelRead.Read(matches: MatchSet(), since: nil, until: nil)],
            // Windows that end in the middle, one read after another on the same handle.
            [
                ParallelRead.Read(matches: MatchSet(), since: lo + third, until: lo + 2 * third),
                ParallelRead.Read(matches: dispatch, since: nil, until: lo + third),
                ParallelRead.Read(matches: MatchSet(), since: lo + 2 * third, until: nil),
            ],
            // The same matches twice: a handle renewed between the reads has them too.
            [
                ParallelRead.Read(matches: dispatch, since: nil, until: lo + third),
                ParallelRead.Read(matches: dispatch, since: lo + third, until: nil),
            ],
        ]
        let prefilters: [EntryPrefilter?] = [nil, { m, _ in m.count % 2 == 0 }]
        for (p, plan) in plans.enumerated() {
            // One writer (the prefilter on the handle) and several (every entry handed on).
            for (f, prefilter) in prefilters.enumerated() {
                for hashes in [false, true] {
                    let one = try readFile(path, plan, every: .max, prefilter: prefilter, hashes: hashes)
                    #expect(!one.items.isEmpty)
                    #expect(one.counts.read >= one.items.count, "every entry read is counted")
                    if hashes { #expect(one.counts.read == one.items.count, "several writers: every entry read is handed on") }
                    for every in [1, 2, 3] {
                        let renewed = try readFile(path, plan, every: every, prefilter: prefilter, hashes: hashes)
                        let what = "\(name) plan \(p) prefilter \(f) hashes \(hashes) every \(every)"
                        #expect(renewed.items == one.items, "\(what)")
                        #expect(renewed.counts == one.counts, "\(what)")
                        #expect(renewed.handles > one.items.count / every / 2, "\(what)")
                    }
                }
            }
        }
    }

    /// A file still written to (not archived) is read on one handle: another
    /// file may be put in its place.
    @Test func aFileStillWrittenToKeepsItsHandle() throws {
        let dir = try Fixtures.tempDir("t3attr-fresh")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = try Fixtures.journal("sample-incident", in: dir)
        let r = try readFile(path, [ParallelRead.Read(matches: MatchSet(), since: nil, until: nil)], every: 1)
        #expect(r.items.count > 10)
        #expect(r.handles == 1)
    }

    /// The gap probes on a fresh handle every probe find what one handle finds.
    @Test(arguments: ["scenario-host-freeze", "scenario-clock-backwards", "sample-incident"])
    func gapProbesOnFreshHandlesFindTheSameGaps(name: String) throws {
        let dir = try Fixtures.tempDir("t3attr-fresh")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = try Fixtures.journal(name, in: dir)
        let j = try Journal(source: .files([path]))
        let c = try #require(j.cutoff())
        let intervals = [(c.from, c.to + 1)]
        var probes = 0
        let one = try GapProbe.gaps(in: j, intervals: intervals, threshold: 30_000_000, known: KnownEntries(), probes: &probes)
        if name == "scenario-host-freeze" { #expect(!one.isEmpty) }
        var renewals = 0
        var probesRenewed = 0
        let renewed = try GapProbe.gaps(
            in: Journal(source: .files([path])), intervals: intervals, threshold: 30_000_000, known: KnownEntries(),
            probes: &probesRenewed,
            renew: {
                renewals += 1
                return try? Journal(source: .files([path]))
            }, probesPerHandle: 1)
        #expect(renewed == one)
        #expect(probesRenewed == probes)
        #expect(renewals == probes - 1, "a fresh handle for every probe but the first")
    }
}
