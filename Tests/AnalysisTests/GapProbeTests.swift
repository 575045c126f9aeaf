import Classifiers
import Foundation
import JournalReader
import TestSupport
import Testing

@testable import Analysis

/// Export text for one entry of `unit` at `t` seconds (receive time) of `boot`.
private func entry(_ t: UInt64, boot: String, unit: String = "t3-dispatch.service", message: String = "ws open user=alice ip=1.2.3.4")
    -> String
{
    """
    __REALTIME_TIMESTAMP=\(t * 1_000_000)
    __MONOTONIC_TIMESTAMP=\(t * 1_000_000)
    _BOOT_ID=\(boot)
    _HOSTNAME=devvm
    _TRANSPORT=stdout
    _PID=700
    _UID=998
    _SYSTEMD_UNIT=\(unit)
    MESSAGE=\(message)


    """
}

private let bootA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
private let bootB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
private let t0: UInt64 = 1_781_000_000

/// The gaps probed in `intervals` (seconds) of the journal at `path`, on
/// every source, with the dispatch's entries as the known ones or none, and
/// how many probes that took.
private func probe(_ path: String, _ intervals: [(UInt64, UInt64)], useKnown: Bool) throws -> (gaps: [HostGap], probes: Int) {
    let j = try Journal(source: .files([path]))
    var known = KnownEntries()
    if useKnown {
        var m = MatchSet()
        m.add(["_SYSTEMD_UNIT=t3-dispatch.service"])
        try j.apply(m)
        try j.seek(since: nil, until: nil)
        j.read { e, _ in known.add(e.realtime, boot: e.bootID) }
        known.finish()
    }
    try j.apply(MatchSet())
    var probes = 0
    let gaps = try GapProbe.gaps(
        in: j, intervals: intervals.map { ($0.0 * 1_000_000, $0.1 * 1_000_000) }, threshold: 30_000_000, known: known, probes: &probes)
    return (gaps, probes)
}

private func withJournal<T>(_ export: String, _ body: (String) throws -> T) throws -> T {
    let dir = try Fixtures.tempDir("t3attr-gaps")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    return try body(try Fixtures.journal(exportText: Data(export.utf8), in: dir))
}

@Suite("host-gap probes spared by the dispatch's own lines (issue 16) find what every probe finds")
struct GapProbeTests {
    /// Dispatch lines every 5 s, a 32 s silence of every source (the one
    /// probe in it lands 26 s before its end: less than a step), a reboot
    /// whose first line comes 2 s after the old boot's last (under the
    /// threshold), and a kernel line alone inside a dispatch silence.
    static let export: String = {
        var s = ""
        for t in stride(from: t0, through: t0 + 210, by: 5) { s += entry(t, boot: bootA) }
        for t in stride(from: t0 + 242, through: t0 + 400, by: 5) { s += entry(t, boot: bootA) }
        for t in stride(from: t0 + 402, through: t0 + 600, by: 5) { s += entry(t, boot: bootB) }
        s += entry(t0 + 640, boot: bootB, unit: "kernel-ish.service", message: "still here")
        for t in stride(from: t0 + 680, through: t0 + 800, by: 5) { s += entry(t, boot: bootB) }
        return s
    }()

    @Test("a silence between two dispatch lines and a fast reboot are both found, as by probing every step")
    func skippedProbesFindTheSameGaps() throws {
        // Three intervals: one boot with a silence, the reboot, one boot with a lone other line.
        let intervals = [(t0, t0 + 300), (t0 + 390, t0 + 420), (t0 + 590, t0 + 800)]
        try withJournal(Self.export) { path in
            let every = try probe(path, intervals, useKnown: false)
            let spared = try probe(path, intervals, useKnown: true)
            let found = spared.gaps.map { [$0.start / 1_000_000 - t0, $0.end / 1_000_000 - t0, $0.bootChanged ? 1 : 0] }
            #expect(found == [[210, 242, 0], [397, 402, 1], [597, 640, 0], [640, 680, 0]])
            #expect(spared.gaps == every.gaps)
            // Most probes were spared: only those in the dispatch's silences and around the reboot remain.
            #expect(spared.probes * 2 < every.probes)
        }
    }

    @Test(
        "on the scenario journals, the known entries change no gap",
        arguments: ["scenario-host-freeze", "scenario-audit-freeze-then-drops", "sample-incident", "scenario-clock-backwards"])
    func scenariosKeepTheirGaps(name: String) throws {
        let dir = try Fixtures.tempDir("t3attr-gaps")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = try Fixtures.journal(name, in: dir)
        let j = try Journal(source: .files([path]))
        guard let c = j.cutoff() else {
            Issue.record("\(name) has no entries")
            return
        }
        let span = [(c.from / 1_000_000, c.to / 1_000_000 + 1)]
        #expect(try probe(path, span, useKnown: true).gaps == (try probe(path, span, useKnown: false).gaps))
    }

    @Test("known entries: sorted once, one boot or none, and the entries around a time")
    func knownEntries() {
        var k = KnownEntries()
        for (t, b) in [(30, "a"), (10, "a"), (20, "a"), (40, "b")] as [(UInt64, String)] { k.add(t, boot: b) }
        k.finish()
        #expect(k.times == [10, 20, 30, 40])
        #expect(k.boot(from: 0, to: 30) == "a")
        #expect(k.boot(from: 0, to: 40) == nil)
        #expect(k.boot(from: 41, to: 50) == nil)
        #expect(k.around(25)! == (20, 30))
        #expect(k.around(20)! == (10, 20))
        #expect(k.around(5) == nil)
        #expect(k.around(45) == nil)
    }
}
