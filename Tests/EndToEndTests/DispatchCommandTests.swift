import Foundation
import TestSupport
import Testing

private let table = ["--dispatch-table", Fixtures.path("dispatch.json")]

private func events(_ out: String) throws -> [[String: Any]] {
    try Fixtures.ndjson(out).filter { $0["type"] as? String == "event" }
}

@Suite("t3attr dispatch, end to end on real journal files")
struct DispatchCommandTests {
    /// journalctl -u is the oracle: `--all` selects exactly its entries.
    @Test(
        "selection equals journalctl -u",
        arguments: [
            ("t3-dispatch.service", [String]()),
            ("t3-dispatch", []),
            ("t3-serve@*", []),
            ("t3-serve@alice.service", []),
            ("t3-dispatch.service", ["--since", "2026-06-10 20:02:00", "--until", "2026-06-10 20:12:00"]),
            ("t3-dispatch.service", ["--since", "2026-06-10 20:12:00.100"]),
            ("t3-dispatch.service", ["--until", "2026-06-10 20:05:00"]),
            ("t3-serve@*", ["--since", "2026-06-10 20:14:03", "--until", "2026-06-10 20:14:04"]),
        ])
    func selectionMatchesJournalctl(unit: String, window: [String]) throws {
        let path = try Fixtures.journal("dispatch-basic")
        let r = try Fixtures.t3attr(["dispatch", "--file", path, "--dispatch-unit", unit, "--all", "-o", "json"] + table + window)
        #expect(r.status == 0, "\(r.stderr)")
        let ours = try events(r.stdout).map { $0["cursor"] as? String ?? "" }
        let oracle = try Fixtures.journalctlCursors(["--file", path, "-u", unit] + window)
        #expect(ours == oracle)
        #expect(!oracle.isEmpty)
    }

    /// Issue 16: the `-u` selection is read in two halves (the unit's own
    /// lines, then PID 1's, coredumps' and root's messages about it put back
    /// in place). Entries that both halves select (root's own lines that also
    /// name the unit as their object) come once, in journalctl's order, with
    /// one handle and with one per file.
    @Test(arguments: ["1", "2"])
    func aLineBothHalvesSelectIsListedOnce(jobs: String) throws {
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("dispatch-basic.export"))), as: UTF8.self)
        let unit = "t3-dispatch.service"
        let both = text.replacingOccurrences(of: "\n_SYSTEMD_UNIT=\(unit)\n", with: "\n_SYSTEMD_UNIT=\(unit)\nOBJECT_SYSTEMD_UNIT=\(unit)\n")
            .replacingOccurrences(of: "\nUNIT=\(unit)\n", with: "\nUNIT=\(unit)\nOBJECT_SYSTEMD_UNIT=\(unit)\n")
        #expect(both != text)
        // The dispatch runs as root here, so its own lines are root's too.
        let entries = both.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map {
            $0.contains("\n_SYSTEMD_UNIT=\(unit)\n") ? $0.replacingOccurrences(of: "\n_UID=1000\n", with: "\n_UID=0\n") : $0
        }
        let dir = try Fixtures.tempDir("t3attr-union")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let half = entries.count / 2
        for (i, part) in [entries[..<half], entries[half...]].enumerated() {
            _ = try Fixtures.journal(exportText: Data((part.joined(separator: "\n\n") + "\n\n").utf8), in: dir, fileName: "p\(i).journal")
        }
        for window in [[], ["--since", "2026-06-10 20:02:00", "--until", "2026-06-10 20:12:00"]] {
            let r = try Fixtures.t3attr(["dispatch", "-D", dir, "--jobs", jobs, "--all", "-o", "json"] + table + window)
            #expect(r.status == 0, "\(r.stderr)")
            let ours = try events(r.stdout).map { $0["cursor"] as? String ?? "" }
            let oracle = try Fixtures.journalctlCursors(["-D", dir, "-u", unit] + window)
            #expect(ours == oracle)
            #expect(Set(ours).count == ours.count)
            #expect(oracle.count > 6)
        }
    }

    @Test func jsonEventsCarryTheStableFields() throws {
        let path = try Fixtures.journal("dispatch-basic")
        let r = try Fixtures.t3attr(["dispatch", "--file", path, "-o", "json"] + table)
        #expect(r.status == 0)
        let objs = try Fixtures.ndjson(r.stdout)
        #expect(objs.last?["type"] as? String == "summary")
        let evs = objs.filter { $0["type"] as? String == "event" }
        #expect(evs.count == 20)
        for e in evs {
            for key in ["type", "realtime_usec", "time", "cursor", "unit", "kind", "user", "port", "class", "side", "message"] {
                #expect(e[key] != nil, "missing \(key)")
            }
            #expect(e["realtime_usec"] is Int)
            #expect((e["time"] as? String)?.hasSuffix("Z") == true)
        }
        let refused = try #require(evs.first { $0["class"] as? String == "refused" })
        #expect(refused["user"] as? String == "bob")
        #expect(refused["port"] as? Int == 3774)
        #expect(refused["side"] as? String == "upstream")
        #expect(refused["time"] as? String == "2026-06-10T20:02:00.000000Z")
        let summary = try #require(objs.last)
        #expect(summary["events"] as? Int == 20)
        #expect((summary["by_class"] as? [String: Int])?["canceled"] == 2)
    }

    @Test func tableShowsRowsAndSummary() throws {
        let path = try Fixtures.journal("dispatch-basic")
        let r = try Fixtures.t3attr(["dispatch", "--file", path] + table)
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.contains { $0.contains("bob") && $0.contains("refused") && $0.contains("3774") })
        #expect(r.stdout.contains("-- 20 events"))
        #expect(r.stdout.contains("by side: upstream 8, downstream 4, unknown 2"))
    }

    @Test func filtersByUserAndClass() throws {
        let path = try Fixtures.journal("dispatch-basic")
        let r = try Fixtures.t3attr(["dispatch", "--file", path, "-o", "json", "--user", "bob"] + table)
        let evs = try events(r.stdout)
        #expect(evs.count == 3)
        #expect(evs.allSatisfy { $0["user"] as? String == "bob" })
        let c = try Fixtures.t3attr(["dispatch", "--file", path, "-o", "json", "--class", "canceled"] + table)
        #expect(try events(c.stdout).count == 2)
    }

    /// Without a map the table names a user by port (`port:N`): `--user port:N`
    /// finds those rows, as `report --user` and `why` do (it found none, status 1).
    @Test func aUserShownByPortCanBeListed() throws {
        let path = try Fixtures.journal("dispatch-basic")
        let all = try events(
            try Fixtures.t3attr(["dispatch", "--file", path, "-o", "json", "--dispatch-table", Fixtures.path("empty-table.json")]).stdout)
        let port = try #require(all.compactMap { $0["port"] as? Int }.first)
        let want = all.filter { $0["port"] as? Int == port && $0["user"] is NSNull }.count
        #expect(want > 0)
        let r = try Fixtures.t3attr(
            ["dispatch", "--file", path, "-o", "json", "--user", "port:\(port)", "--dispatch-table", Fixtures.path("empty-table.json")])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try events(r.stdout).count == want)
        #expect(try events(r.stdout).allSatisfy { $0["port"] as? Int == port })
    }

    @Test func emptyWindowSaysSoAndSucceeds() throws {
        let path = try Fixtures.journal("dispatch-basic")
        let r = try Fixtures.t3attr(["dispatch", "--file", path, "--since", "2027-01-01"] + table)
        #expect(r.status == 0)
        #expect(r.stdout.contains("No dispatch events in 2027-01-01T00:00:00.000000Z"))
        // And why: the journal ends before the window (a zone or date mistake at 3 a.m.).
        #expect(r.stderr.contains("the window holds no entry: the journal's entries run from 2026-06-10T20:00:"), "\(r.stderr)")
        for command in ["report", "bursts"] {
            let a = try Fixtures.t3attr([command, "--file", path, "--since", "2027-01-01"] + table)
            #expect(a.status == 0 && a.stderr.contains("the window holds no entry"), "\(command): \(a.stderr)")
            // Just past the journal's end: what is read 125 s before the window holds entries, the window none.
            let past = try Fixtures.t3attr([command, "--file", path, "--since", "@\(lastEntry(path) + 5)"] + table)
            #expect(past.status == 0 && past.stderr.contains("the window holds no entry"), "\(command): \(past.stderr)")
        }
        // A window inside the journal that holds none of the unit's lines says nothing of the kind.
        let inside = try Fixtures.t3attr(["dispatch", "--file", path, "--since", "2026-06-10 20:00", "--until", "2026-06-10 20:00:00.001"] + table)
        #expect(!inside.stderr.contains("the window holds no entry"), "\(inside.stderr)")
    }

    @Test func relativeTimesUseNow() throws {
        let path = try Fixtures.journal("dispatch-basic")
        // now = 20:21:00; the last 9 minutes hold only the 20:12:05 restart and the 20:20 cancel.
        let r = try Fixtures.t3attr(
            ["dispatch", "--file", path, "--since", "9min", "-o", "json"] + table,
            env: ["T3ATTR_NOW": "@1781122860"])
        let evs = try events(r.stdout)
        #expect(evs.map { $0["kind"] as? String } == ["listening", "proxy_error"])
    }

    @Test(
        "usage errors exit 64 and name the problem",
        arguments: [
            (["--since", "soon"], "'soon'"),
            (["--since", "2026-06-10 22:00", "--until", "2026-06-10 21:00"], "is after --until"),
            (["--class", "bogus"], "unknown class 'bogus'"),
            (["-o", "yaml"], "yaml"),
            (["--merge", "--directory", "/tmp"], "choose one"),
        ])
    func usageErrors(args: [String], text: String) throws {
        let r = try Fixtures.t3attr(["dispatch", "--file", "/dev/null"] + args)
        #expect(r.status == 64)
        #expect(r.stderr.contains(text), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    @Test func inputErrors() throws {
        let missing = try Fixtures.t3attr(["dispatch", "--file", "/nonexistent.journal"])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("/nonexistent.journal"))
        let path = try Fixtures.journal("dispatch-basic")
        let noUnit = try Fixtures.t3attr(["dispatch", "--file", path, "--dispatch-unit", "nosuch@*"] + table)
        #expect(noUnit.status == 64)
        #expect(noUnit.stderr.contains("no unit in the journal matches 'nosuch@*'"))
    }

    @Test func portMapErrorsAndNotes() throws {
        let path = try Fixtures.journal("dispatch-basic")
        let named = try Fixtures.t3attr(["dispatch", "--file", path, "--dispatch-table", "/nonexistent/dispatch.json"])
        #expect(named.status == 66)
        #expect(named.stderr.contains("/nonexistent/dispatch.json"))
        let dir = try Fixtures.tempDir()
        try Data("[1,2]".utf8).write(to: URL(fileURLWithPath: dir + "/bad.json"))
        let bad = try Fixtures.t3attr(["dispatch", "--file", path, "--dispatch-table", dir + "/bad.json"])
        #expect(bad.status == 65)
        #expect(bad.stderr.contains(dir + "/bad.json"))
        // Env files map ports too; playwright-*.env is skipped.
        try Data("T3_PORT=\"3774\"\r\n".utf8).write(to: URL(fileURLWithPath: dir + "/bobby.env"))
        try Data("T3_PORT=3773\n".utf8).write(to: URL(fileURLWithPath: dir + "/playwright-x.env"))
        let env = try Fixtures.t3attr([
            "dispatch", "--file", path, "--dispatch-table", Fixtures.path("empty-table.json"),
            "--env-dir", dir, "-o", "json", "--class", "refused",
        ])
        #expect(env.status == 0, "\(env.stderr)")
        #expect(try events(env.stdout).first?["user"] as? String == "bobby")
        let reset = try Fixtures.t3attr([
            "dispatch", "--file", path, "--dispatch-table", Fixtures.path("empty-table.json"),
            "--env-dir", dir, "-o", "json", "--class", "reset",
        ])
        #expect(try events(reset.stdout).first?["user"] is NSNull)
        #expect(!env.stderr.contains("T3_PORT"), "\(env.stderr)")
        // An env file that gives no port is named, not silently left out.
        try Data("T3_PORT=abc\n".utf8).write(to: URL(fileURLWithPath: dir + "/zed.env"))
        let noPort = try Fixtures.t3attr([
            "dispatch", "--file", path, "--dispatch-table", Fixtures.path("empty-table.json"), "--env-dir", dir, "--class", "refused",
        ])
        #expect(noPort.status == 0, "\(noPort.stderr)")
        #expect(noPort.stderr.contains("t3attr: warning: \(dir)/zed.env: no T3_PORT=<port> line"), "\(noPort.stderr)")
    }

    /// Issue 16: with a window, `dispatch` opens only the archived files
    /// whose first and last receive times can hold it. Its rows, notes and
    /// status are those of a read of every file (a `--dispatch-unit` named
    /// explicitly is checked against every file, so that read opens them
    /// all), at `--jobs` 1 and 2. Three archived files, each starting and
    /// ending with a dispatch line: a window that starts or ends exactly at
    /// a file's edge must open it. Then refused files outside the window,
    /// and a subdirectory sd-journal does not read.
    @Test func aWindowOpensOnlyTheFilesThatCanHoldItWithTheSameRows() throws {
        let dir = try Fixtures.tempDir("t3attr-window-files")
        let boot = "5ae0daad7495215b8541efb25e0e7cae"
        let base: UInt64 = 1_781_000_000_000_000
        var spans: [(UInt64, UInt64)] = []
        /// An archived file of its own writer: dispatch lines at its first
        /// and last receive time, `hours` after `base`.
        /// `monotonic`: its first entry's monotonic time, when not that of
        /// one clock with the others.
        func archived(_ name: String, hours: Int64, in dir: String, monotonic: UInt64? = nil) throws -> (UInt64, UInt64) {
            var text = ""
            let start = UInt64(Int64(base) + hours * 3_600_000_000)
            let times = [0, 1_000_000, 30_000_000, 60_000_001].map { start + UInt64($0) }
            for (k, t) in times.enumerated() {
                let mono = monotonic.map { $0 + t - start } ?? (t + 90_000_000_000 - base)
                text += "__REALTIME_TIMESTAMP=\(t)\n__MONOTONIC_TIMESTAMP=\(mono)\n_BOOT_ID=\(boot)\n_HOSTNAME=devvm\n"
                if k == 1 {
                    text += "_TRANSPORT=stdout\n_UID=0\n_PID=77\n_SYSTEMD_UNIT=cron.service\nMESSAGE=not the dispatch\n\n"
                    continue
                }
                text += "_TRANSPORT=stdout\n_UID=998\n_PID=4242\n_SYSTEMD_UNIT=t3-dispatch.service\n"
                text += "MESSAGE=2026/06/09 0\(k):1\(k):20 ws close user=alice ip=100.64.0.\(k) dur_ms=5000 cause=downstream_closed\n\n"
            }
            let path = try Fixtures.journal(exportText: Data(text.utf8), in: dir, fileName: name)
            try FileManager.default.removeItem(atPath: path + ".export")
            // Archived, as journald leaves a rotated file (header byte 16: state 2).
            let h = try FileHandle(forUpdating: URL(fileURLWithPath: path))
            try h.seek(toOffset: 16)
            h.write(Data([2]))
            try h.close()
            return (times.first!, times.last!)
        }
        for f in 0..<3 { spans.append(try archived("f\(f).journal", hours: Int64(f), in: dir)) }
        func at(_ us: UInt64) -> String { "@\(us / 1_000_000).\(String(format: "%06d", Int(us % 1_000_000)))" }
        var windows: [[String]] = []
        for (head, tail) in spans {
            windows += [
                ["--since", at(head), "--until", at(tail)], ["--since", at(tail)], ["--until", at(head)],
                ["--since", at(tail), "--until", at(tail)], ["--since", at(head), "--until", at(head)],
                ["--since", at(tail + 1)], ["--until", at(head - 1)],
            ]
        }
        var rows = 0
        for w in windows {
            let some = try Fixtures.t3attr(["dispatch", "-D", dir, "-o", "json", "--jobs", "1", "--all"] + w + table)
            let all = try Fixtures.t3attr(
                ["dispatch", "-D", dir, "-o", "json", "--jobs", "1", "--all", "--dispatch-unit", "t3-dispatch"] + w + table)
            #expect(some.status == all.status, "\(w): \(some.stderr) / \(all.stderr)")
            #expect(some.stdout == all.stdout, "\(w)")
            #expect(some.stderr == all.stderr, "\(w)")
            // One file per thread over those files: the same.
            let two = try Fixtures.t3attr(["dispatch", "-D", dir, "-o", "json", "--jobs", "2", "--all"] + w + table)
            #expect(two.stdout == all.stdout, "--jobs 2 \(w)")
            rows += try events(some.stdout).count
        }
        #expect(rows > 0)
        // Files outside the window that sd-journal refuses (one cut short,
        // one with an incompatible feature it does not know, header bytes
        // 12-15) are still opened alone and named, as a read of all does,
        // and `--strict` still fails.
        _ = try archived("f8.journal", hours: -10, in: dir)
        _ = try archived("f9.journal", hours: -20, in: dir)
        try FileHandle(forUpdating: URL(fileURLWithPath: dir + "/f8.journal")).truncate(atOffset: 1024)
        let h = try FileHandle(forUpdating: URL(fileURLWithPath: dir + "/f9.journal"))
        try h.seek(toOffset: 12)
        h.write(Data([0x3C, 0, 0, 0x80]))
        try h.close()
        for extra in [[], ["--strict"]] {
            let late = ["--since", at(spans[1].0)] + extra
            let all = try Fixtures.t3attr(
                ["dispatch", "-D", dir, "-o", "json", "--jobs", "1", "--all", "--dispatch-unit", "t3-dispatch"] + late + table)
            #expect(all.stderr.contains("f8.journal") && all.stderr.contains("f9.journal"), "\(all.stderr)")
            for jobs in ["1", "2"] {
                let some = try Fixtures.t3attr(["dispatch", "-D", dir, "-o", "json", "--jobs", jobs, "--all"] + late + table)
                #expect(some.status == all.status, "--jobs \(jobs) \(extra)")
                #expect(some.stdout == all.stdout, "--jobs \(jobs) \(extra)")
                #expect(some.stderr == all.stderr, "--jobs \(jobs) \(extra)")
            }
        }
        // A journal file in a subdirectory sd-journal does not read (not a
        // machine id): one file per thread reads it, one handle on the
        // directory does not; a window that holds only it keeps each as it was.
        let nested = try Fixtures.tempDir("t3attr-window-nested")
        try FileManager.default.createDirectory(atPath: nested + "/sub", withIntermediateDirectories: true)
        _ = try archived("a.journal", hours: 0, in: nested)
        let inner = try archived("b.journal", hours: 1, in: nested + "/sub")
        _ = try archived("c.journal", hours: 2, in: nested)
        let onlyInner = ["--since", at(inner.0), "--until", at(inner.1)]
        for jobs in ["1", "2"] {
            let some = try Fixtures.t3attr(["dispatch", "-D", nested, "-o", "json", "--jobs", jobs, "--all"] + onlyInner + table)
            let all = try Fixtures.t3attr(
                ["dispatch", "-D", nested, "-o", "json", "--jobs", jobs, "--all", "--dispatch-unit", "t3-dispatch"] + onlyInner + table)
            #expect(some.stdout == all.stdout, "--jobs \(jobs)")
        }
        // A clock stepped back between files of one boot: sd-journal orders
        // them by monotonic time, so the file written first (with the later
        // clock) comes first; a window of the later files reads them as a
        // read of every file does.
        let stepped = try Fixtures.tempDir("t3attr-window-stepped")
        _ = try archived("a.journal", hours: 10, in: stepped, monotonic: 1_000_000_000)
        let back = try archived("b.journal", hours: 0, in: stepped, monotonic: 2_000_000_000)
        _ = try archived("c.journal", hours: 1, in: stepped, monotonic: 3_000_000_000)
        for w in [["--since", at(back.0), "--until", at(back.1)], ["--until", at(back.1)]] {
            let some = try Fixtures.t3attr(["dispatch", "-D", stepped, "-o", "json", "--jobs", "1", "--all"] + w + table)
            let all = try Fixtures.t3attr(
                ["dispatch", "-D", stepped, "-o", "json", "--jobs", "1", "--all", "--dispatch-unit", "t3-dispatch"] + w + table)
            #expect(some.stdout == all.stdout, "\(w)")
        }
    }
}

@Suite("--jobs: one handle per file, identical output")
struct JobsTests {
    /// Splits a fixture into three journal files in one directory.
    static func multiFileDirectory(_ name: String) throws -> String {
        let text = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(name + ".export")))
        let entries = String(decoding: text, as: UTF8.self).components(separatedBy: "\n\n").filter { !$0.isEmpty }
        let dir = try Fixtures.tempDir("t3attr-jobs")
        let third = (entries.count + 2) / 3
        for part in 0..<3 {
            let chunk = entries[(part * third)..<min(entries.count, (part + 1) * third)].joined(separator: "\n\n") + "\n\n"
            _ = try Fixtures.journal(exportText: Data(chunk.utf8), in: dir, fileName: "part\(part).journal")
        }
        return dir
    }

    @Test(arguments: ["table", "json"])
    func outputIsIdenticalForAnyJobs(format: String) throws {
        let dir = try Self.multiFileDirectory("sample-incident")
        let table = ["--dispatch-table", Fixtures.path("dispatch.json")]
        var outputs: [String] = []
        for jobs in ["1", "2", "3"] {
            for window in [[], ["--since", "2026-06-10 20:04:00", "--until", "2026-06-10 20:46:00"]] {
                let r = try Fixtures.t3attr(["dispatch", "-D", dir, "--jobs", jobs, "--all", "-o", format] + table + window)
                #expect(r.status == 0, "\(r.stderr)")
                outputs.append(r.stdout)
            }
        }
        #expect(outputs[0] == outputs[2] && outputs[2] == outputs[4])
        #expect(outputs[1] == outputs[3] && outputs[3] == outputs[5])
        #expect(outputs[0] != outputs[1])
        if format == "json" {
            let objs = try Fixtures.ndjson(outputs[2])
            let cursors = objs.compactMap { $0["type"] as? String == "event" ? $0["cursor"] as? String : nil }
            #expect(cursors == (try Fixtures.journalctlCursors(["-D", dir, "-u", "t3-dispatch.service"])))
            // Counted from the fixture's own text, not from any t3attr run.
            let export = String(decoding: try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("sample-incident.export"))), as: UTF8.self)
            let byKind = objs.last?["by_kind"] as? [String: Int] ?? [:]
            #expect(byKind["ws_close"] == export.components(separatedBy: " ws close user=").count - 1)
            #expect(byKind["proxy_error"] == export.components(separatedBy: " http: proxy error: ").count - 1)
            #expect(byKind["listening"] == 1)
        }
    }

    @Test func badJobsIsAUsageError() throws {
        let r = try Fixtures.t3attr(["dispatch", "--file", "/dev/null", "--jobs", "0"])
        #expect(r.status == 64)
    }
}

/// The receive time of a journal file's last entry, seconds since the epoch (journalctl's).
private func lastEntry(_ path: String) throws -> Int {
    let r = try Fixtures.run("/usr/bin/journalctl", ["--file", path, "-n", "1", "-o", "export", "--output-fields=__REALTIME_TIMESTAMP"])
    let line = r.stdout.split(separator: "\n").first { $0.hasPrefix("__REALTIME_TIMESTAMP=") } ?? ""
    return (Int(line.dropFirst("__REALTIME_TIMESTAMP=".count)) ?? 0) / 1_000_000
}
