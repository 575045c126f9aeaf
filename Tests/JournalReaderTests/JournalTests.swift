import Classifiers
import Foundation
import JournalReader
import TestSupport
import Testing

private func entries(_ j: Journal) -> [JournalEntry] {
    var out: [JournalEntry] = []
    j.read { e, cursor in
        var e = e
        e.cursor = cursor()
        out.append(e)
    }
    return out
}

private func open(_ path: String, units: [String] = [], since: UInt64? = nil, until: UInt64? = nil) throws -> [JournalEntry] {
    let j = try Journal(source: .files([path]))
    var m = MatchSet()
    for u in try j.expandUnits(units) { m.addUnit(u) }
    try j.apply(m)
    try j.seek(since: since, until: until)
    return entries(j)
}

@Suite("sd-journal reader on real journal files")
struct JournalTests {
    @Test func readsEveryEntryLikeJournalctl() throws {
        let path = try Fixtures.journal("dispatch-basic")
        let all = try open(path)
        let oracle = try Fixtures.journalctlCursors(["--file", path])
        #expect(all.map(\.cursor) == oracle)
        #expect(all.count == 38)
    }

    @Test func entryFieldsAreRead() throws {
        let path = try Fixtures.journal("dispatch-basic")
        let all = try open(path)
        let pid1 = try #require(all.first { $0.pid == 1 })
        #expect(pid1.unit == "t3-dispatch.service")
        #expect(pid1.systemdUnit == "init.scope")
        #expect(pid1.transport == "journal")
        #expect(pid1.messageID == "7d4958e842da4a758f6c1cdc7b36dcc5")
        #expect(pid1.aboutUnit == "t3-dispatch.service")
        #expect(pid1.bootID == "5ae0daad7495215b8541efb25e0e7cae")
        #expect(pid1.hostname == "devvm")
        let d = try #require(all.first { $0.systemdUnit == "t3-dispatch.service" })
        #expect(d.syslogIdentifier == "t3-dispatch")
        #expect(d.messageText == "2026/06/10 20:00:00 t3-dispatch listening on :3780")
        #expect(d.realtime == 1_781_121_600_200_000)
        let core = try #require(all.first { $0.messageID == MessageID.coredump })
        #expect(core.coredumpUnit == "t3-dispatch.service")
        #expect(core.uid == 0)
    }

    /// A line journald received late (a stalled host, field guide 2.7) is
    /// timed by when it was sent: `_SOURCE_REALTIME_TIMESTAMP`, and for a
    /// kernel line the kernel's own `_SOURCE_MONOTONIC_TIMESTAMP`.
    @Test func sourceTimesAreRead() throws {
        let base: UInt64 = 1_781_121_600_000_000
        let export = """
            __REALTIME_TIMESTAMP=\(base + 30_000_000)
            __MONOTONIC_TIMESTAMP=500000000
            _BOOT_ID=5ae0daad7495215b8541efb25e0e7cae
            _HOSTNAME=devvm
            _TRANSPORT=kernel
            _SOURCE_MONOTONIC_TIMESTAMP=460000000
            MESSAGE=Out of memory: Killed process 7 (node) total-vm:1kB

            __REALTIME_TIMESTAMP=\(base + 31_000_000)
            __MONOTONIC_TIMESTAMP=501000000
            _BOOT_ID=5ae0daad7495215b8541efb25e0e7cae
            _HOSTNAME=devvm
            _TRANSPORT=syslog
            _SOURCE_REALTIME_TIMESTAMP=\(base + 2_000_000)
            _UID=0
            _PID=77
            _SYSTEMD_UNIT=t3-watchdog.service
            SYSLOG_IDENTIFIER=t3-watchdog
            MESSAGE=probe FAILED for t3-serve@alice.service (port=3773 reason=timeout consecutive=1)

            __REALTIME_TIMESTAMP=\(base + 32_000_000)
            __MONOTONIC_TIMESTAMP=502000000
            _BOOT_ID=5ae0daad7495215b8541efb25e0e7cae
            _HOSTNAME=devvm
            _TRANSPORT=stdout
            _UID=1000
            _PID=78
            _SYSTEMD_UNIT=t3-dispatch.service
            MESSAGE=2026/06/10 20:00:32 ws open user=alice ip=1.2.3.4


            """
        let path = try Fixtures.journal(exportText: Data(export.utf8))
        let all = try open(path)
        try #require(all.count == 3)
        #expect(all[0].monotonic == 500_000_000 && all[0].sourceMonotonic == 460_000_000)
        #expect(all[0].writtenAt == base - 10_000_000, "received 40 s after the kernel wrote it")
        #expect(all[1].sourceRealtime == base + 2_000_000 && all[1].writtenAt == base + 2_000_000)
        #expect(all[2].writtenAt == base + 32_000_000, "no source time: the receive time")
    }

    /// Values repeat from entry to entry and are shared (issue 16); each
    /// entry still gets its own: the same value, one of the same length, a
    /// longer one, a prefix, none.
    @Test func repeatedFieldValuesAreEachEntrysOwn() throws {
        let base: UInt64 = 1_781_121_600_000_000
        let hosts = ["hostA", "hostA", "hostB", "hostAB", "host", "hostA"]
        let units = ["a.service", "b.service", "b.service", nil, "a.service", "ab.service"]
        var export = ""
        for (k, h) in hosts.enumerated() {
            export += "__REALTIME_TIMESTAMP=\(base + UInt64(k) * 1_000_000)\n__MONOTONIC_TIMESTAMP=\(500_000_000 + k * 1_000_000)\n"
            export += "_BOOT_ID=5ae0daad7495215b8541efb25e0e7cae\n_HOSTNAME=\(h)\n_TRANSPORT=\(k % 2 == 0 ? "stdout" : "syslog")\n"
            if let u = units[k] { export += "_SYSTEMD_UNIT=\(u)\n" }
            export += "MESSAGE=line \(k)\n\n"
        }
        let all = try open(try Fixtures.journal(exportText: Data(export.utf8)))
        try #require(all.count == hosts.count)
        #expect(all.map(\.hostname) == hosts)
        #expect(all.map(\.systemdUnit) == units)
        #expect(all.map(\.transport) == hosts.indices.map { $0 % 2 == 0 ? "stdout" : "syslog" })
    }

    @Test func unitSelectionIsJournalctlDashU() throws {
        let path = try Fixtures.journal("dispatch-basic")
        for (ours, theirs) in [
            ("t3-dispatch.service", "t3-dispatch.service"), ("t3-dispatch", "t3-dispatch"),
            ("t3-serve@*", "t3-serve@*"), ("t3-serve@alice.service", "t3-serve@alice.service"),
        ] {
            let got = try open(path, units: [ours]).map(\.cursor)
            let want = try Fixtures.journalctlCursors(["--file", path, "-u", theirs])
            #expect(got == want, "unit \(ours)")
            #expect(!got.isEmpty)
        }
    }

    @Test func globExpansionListsUnitsFromEveryUnitField() throws {
        let path = try Fixtures.journal("dispatch-basic")
        let j = try Journal(source: .files([path]))
        #expect(try j.expandUnits(["t3-serve@*"]) == ["t3-serve@alice.service", "t3-serve@bob.service"])
        #expect(try j.expandUnits(["t3-dispatch"]) == ["t3-dispatch.service"])
    }

    @Test func globMatchingNothingIsAnError() throws {
        let path = try Fixtures.journal("dispatch-basic")
        let j = try Journal(source: .files([path]))
        #expect {
            try j.expandUnits(["nosuch@*"])
        } throws: { e in
            guard let e = e as? JournalError else { return false }
            return e.kind == .noData && e.message.contains("nosuch@*")
        }
    }

    @Test func windowIncludesBothEndsLikeJournalctl() throws {
        let path = try Fixtures.journal("dispatch-basic")
        let since: UInt64 = 1_781_121_720_000_000  // 20:02:00, an entry's exact time
        let until: UInt64 = 1_781_122_320_000_000  // 20:12:00, likewise
        let got = try open(path, units: ["t3-dispatch.service"], since: since, until: until).map(\.cursor)
        let want = try Fixtures.journalctlCursors([
            "--file", path, "-u", "t3-dispatch.service",
            "--since", "@1781121720", "--until", "@1781122320",
        ])
        #expect(got == want)
        #expect(got.count > 5)
    }

    @Test func directoryOfSeveralFiles() throws {
        let dir = try Fixtures.tempDir()
        _ = try Fixtures.journal("dispatch-basic", in: dir, fileName: "a.journal")
        let j = try Journal(source: .directory(dir))
        #expect(entries(j).count == 38)
    }

    @Test func missingPathsAndEmptyDirectoriesSayWhy() throws {
        #expect { try Journal(source: .files(["/nonexistent/x.journal"])) } throws: { e in
            (e as? JournalError)?.kind == .noInput
        }
        let empty = try Fixtures.tempDir()
        #expect { try Journal(source: .directory(empty)) } throws: { e in
            guard let e = e as? JournalError else { return false }
            return e.kind == .noInput && e.message.contains("no journal files")
        }
        #expect { try Journal(source: .files(["/etc/passwd"])) } throws: { e in
            (e as? JournalError)?.kind == .noInput
        }
    }

    @Test func fileGlobs() throws {
        let dir = try Fixtures.tempDir()
        _ = try Fixtures.journal("dispatch-basic", in: dir, fileName: "b.journal")
        _ = try Fixtures.journal("dispatch-basic", in: dir, fileName: "a.journal")
        #expect(try expandFileArguments([dir + "/*.journal"]) == [dir + "/a.journal", dir + "/b.journal"])
        #expect(throws: JournalError.self) { try expandFileArguments([dir + "/*.nomatch"]) }
    }
}

/// A URL as t3attr shows it: no user, no password.
@Test(arguments: [
    ("http://user:s3cret@host:19531/x?y", "http://***@host:19531/x?y"), ("https://TOKEN@host", "https://***@host"),
    ("http://host:9090", "http://host:9090"), ("http://host/a@b", "http://host/a@b"), ("not a url", "not a url"),
    ("http://a@b@host/", "http://***@host/"),
    // Typed without the scheme: refused, and the refusal must not show the password.
    ("admin:s3cr3t@devvm:19531", "***@devvm:19531"), ("//admin:pw@devvm", "//***@devvm"), ("u:pw@host/a@b", "***@host/a@b"),
])
func redactedURLs(url: String, shown: String) {
    #expect(redactedURL(url) == shown)
}
