import Foundation
import TestSupport
import Testing

private let table = ["--dispatch-table", Fixtures.path("dispatch.json")]

/// Every scenario fixture (tools/fixtures.py writes them).
private let allScenarios: [String] = {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: Fixtures.directory.path)) ?? []
    return names.filter { $0.hasSuffix(".export") && ($0.hasPrefix("scenario-") || $0.hasPrefix("sample-")) }
        .map { String($0.dropLast(".export".count)) }.sorted()
}()

/// The outputs of `args` with `--jobs 1` and with `--jobs 2` (both must succeed alike).
private func bothJobs(_ args: [String]) throws -> (one: Fixtures.Result, two: Fixtures.Result) {
    let one = try Fixtures.t3attr(args + ["--jobs", "1"])
    let two = try Fixtures.t3attr(args + ["--jobs", "2"])
    return (one, two)
}

/// The first 16 bytes of a journal file's `seqnum_id` (header offset 72): which writer wrote it.
private func seqnumID(_ path: String) throws -> Data {
    let h = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
    defer { try? h.close() }
    let b = h.readData(ofLength: 88)
    return b.subdata(in: 72..<88)
}

@Suite("report, bursts and serve read one file per thread with the output of one handle (issue 16)")
struct ParallelReadTests {
    /// Several writers (files imported apart): the entries are merged as sd-journal merges them.
    @Test(arguments: allScenarios)
    func everyScenarioGivesTheSameReportForOneAndTwoJobs(_ name: String) throws {
        let dir = try JobsTests.multiFileDirectory(name)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".journal") }
        try #require(files.count == 3)
        for args in [
            ["report", "-o", "json"], ["report", "-v", "--no-pager", "--color", "never"], ["bursts", "-o", "json"],
            ["bursts", "--requests", "-o", "json"], ["serve", "-o", "json"],
        ] {
            let r = try bothJobs(args + ["-D", dir] + table)
            #expect(!r.one.stderr.contains("Unknown option"), "\(name) \(args): \(r.one.stderr)")
            #expect(r.one.status == r.two.status, "\(name) \(args): \(r.two.stderr)")
            #expect(r.one.stdout == r.two.stdout, "\(name) \(args)")
            #expect(r.one.stderr == r.two.stderr, "\(name) \(args)")
        }
    }

    /// Writers whose entries interleave (each entry to file i mod 3): only
    /// a merge as sd-journal's (monotonic time within a boot, then receive
    /// time) gives one handle's order.
    @Test(arguments: allScenarios)
    func interleavedWritersGiveTheSameReport(_ name: String) throws {
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(name + ".export"))), as: UTF8.self)
        let entries = text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        let dir = try Fixtures.tempDir("t3attr-interleaved")
        for part in 0..<3 {
            let chunk = entries.indices.filter { $0 % 3 == part }.map { entries[$0] }.joined(separator: "\n\n") + "\n\n"
            _ = try Fixtures.journal(exportText: Data(chunk.utf8), in: dir, fileName: "part\(part).journal")
        }
        for args in [["report", "-o", "json"], ["bursts", "--requests", "-o", "json"]] {
            let r = try bothJobs(args + ["-D", dir] + table)
            #expect(r.one.status == r.two.status, "\(name) \(args): \(r.two.stderr)")
            #expect(r.one.stdout == r.two.stdout, "\(name) \(args)")
        }
    }

    /// The same with a window that starts and ends inside files (and inside the middle file).
    @Test func aWindowInsideTheFilesGivesTheSameReport() throws {
        let dir = try JobsTests.multiFileDirectory("sample-incident")
        let window = ["--since", "2026-06-10 20:04:00", "--until", "2026-06-10 20:46:00"]
        let r = try bothJobs(["report", "-o", "json", "-D", dir] + table + window)
        #expect(r.one.status == 0, "\(r.one.stderr)")
        #expect(r.one.stdout == r.two.stdout)
        let whole = try Fixtures.t3attr(["report", "-o", "json", "-D", dir, "--jobs", "2"] + table)
        #expect(whole.stdout != r.two.stdout, "the window changes the report: the test reads a part")
    }

    /// A collector directory, one file per host: per-host reads (the serve
    /// lines around each host's drops) stay with their host.
    @Test func aFleetDirectoryGivesTheSameReport() throws {
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("scenario-fleet.export"))), as: UTF8.self)
        var byHost: [String: [String]] = [:]
        for entry in text.components(separatedBy: "\n\n") where !entry.isEmpty {
            let host = entry.split(separator: "\n").first { $0.hasPrefix("_HOSTNAME=") }.map { String($0.dropFirst(10)) } ?? "?"
            byHost[host, default: []].append(entry)
        }
        try #require(byHost.count >= 2)
        let dir = try Fixtures.tempDir("t3attr-parallel-fleet")
        for (host, entries) in byHost {
            _ = try Fixtures.journal(exportText: Data((entries.joined(separator: "\n\n") + "\n\n").utf8), in: dir, fileName: "remote-\(host).journal")
        }
        // `dispatch --jobs` lists each file's rows one file after another: the
        // hosts' files overlap in time, so it must read them as one handle does.
        for args in [
            ["report", "-o", "json"], ["report", "--no-pager"], ["bursts", "-o", "json"], ["bursts", "--requests", "-o", "json"],
            ["dispatch", "--all", "-o", "json"], ["dispatch", "--all", "--no-pager"],
        ] {
            let r = try bothJobs(args + ["-D", dir] + table)
            #expect(r.one.status == 0, "\(args): \(r.one.stderr)")
            #expect(r.one.stdout == r.two.stdout, "\(args)")
        }
    }

    /// One writer whose journal rotated (files that share a `seqnum_id`, as
    /// journald writes them): read one after the other in sequence order.
    /// The filler lines force journal-remote to rotate (its data hash table
    /// fills), and they sit between the incident's lines, so every file holds some.
    @Test func oneWritersRotatedFilesGiveTheSameReport() throws {
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("sample-incident.export"))), as: UTF8.self)
        let entries = text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        func field(_ e: String, _ name: String) -> String? {
            e.split(separator: "\n").first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
        }
        var out = ""
        out.reserveCapacity(entries.count * 80 * 420)
        let perEntry = 80_000 / entries.count + 1
        for e in entries {
            out += e + "\n\n"
            guard let t = field(e, "__REALTIME_TIMESTAMP").flatMap(UInt64.init), let boot = field(e, "_BOOT_ID"),
                let mono = field(e, "__MONOTONIC_TIMESTAMP").flatMap(UInt64.init)
            else { continue }
            for k in 0..<perEntry {
                out += "__REALTIME_TIMESTAMP=\(t)\n__MONOTONIC_TIMESTAMP=\(mono)\n_BOOT_ID=\(boot)\n_HOSTNAME=devvm\n"
                out += "_TRANSPORT=stdout\n_UID=1000\n_PID=99\n_SYSTEMD_UNIT=filler.service\nMESSAGE=filler \(t) \(k)\n"
                for j in 0..<6 { out += "X\(j)=\(t)-\(k)-\(j)\n" }
                out += "\n"
            }
        }
        let dir = try Fixtures.tempDir("t3attr-parallel-rotated")
        let export = dir + "/rotating.export"
        try Data(out.utf8).write(to: URL(fileURLWithPath: export))
        let files = dir + "/journal"
        try FileManager.default.createDirectory(atPath: files, withIntermediateDirectories: true)
        let imported = try Fixtures.run(Fixtures.journalRemote, ["--split-mode=none", "--output=" + files + "/devvm.journal", export])
        try #require(imported.status == 0, "\(imported.stderr)")
        let journals = try FileManager.default.contentsOfDirectory(atPath: files).filter { $0.hasSuffix(".journal") }.map { files + "/" + $0 }
        try #require(journals.count >= 3, "journal-remote rotated at least twice: \(journals)")
        #expect(Set(try journals.map(seqnumID)).count == 1, "one writer: every file continues one sequence")
        for args in [["report", "-o", "json"], ["bursts", "--requests", "-o", "json"], ["serve", "-o", "json"]] {
            let r = try bothJobs(args + ["-D", files] + table)
            #expect(r.one.status == 0, "\(args): \(r.one.stderr)")
            #expect(r.one.stdout == r.two.stdout, "\(args)")
        }
        // The files' entries really are all read: every drop of the plain fixture is in it.
        let plain = try Fixtures.t3attr(["report", "-o", "json", "--file", try Fixtures.journal("sample-incident")] + table)
        let rotated = try Fixtures.t3attr(["report", "-o", "json", "-D", files, "--jobs", "2"] + table)
        func drops(_ s: String) throws -> [String] {
            try Fixtures.ndjson(s).compactMap { $0["type"] as? String == "drop" ? "\($0["realtime_usec"] ?? "")/\($0["verdict"] ?? "")" : nil }
        }
        #expect(try drops(rotated.stdout) == (try drops(plain.stdout)))
        #expect(try !drops(plain.stdout).isEmpty)
    }

    /// A copy of a file next to it (an early copy of `system.journal` beside
    /// its archive in a forensic bundle): one handle shows each entry once,
    /// and so does every `--jobs`; nothing is counted twice.
    @Test func aCopyOfAFileNextToItCountsOnce() throws {
        let dir = try Fixtures.tempDir("t3attr-parallel-copy")
        let a = try Fixtures.journal("sample-incident", in: dir, fileName: "a.journal")
        try FileManager.default.copyItem(atPath: a, toPath: dir + "/b.journal")
        func kinds(_ s: String) throws -> [String] {
            try Fixtures.ndjson(s).compactMap { o in
                guard let t = o["type"] as? String, t != "summary" else { return nil }
                return "\(t)/\(o["realtime_usec"] ?? "")/\(o["verdict"] ?? "")/\(o["kind"] ?? "")"
            }
        }
        for args in [["report", "-o", "json"], ["bursts", "-o", "json"], ["serve", "-o", "json"], ["dispatch", "--all", "-o", "json"]] {
            let single = try Fixtures.t3attr(args + ["--file", a] + table)
            try #require(single.status == 0, "\(args): \(single.stderr)")
            let once = try kinds(single.stdout)
            #expect(!once.isEmpty, "\(args)")
            for source in [["-D", dir], ["--file", a, "--file", dir + "/b.journal"]] {
                for jobs in ["1", "2"] {
                    let r = try Fixtures.t3attr(args + source + ["--jobs", jobs] + table)
                    #expect(r.status == 0, "\(args) \(source) --jobs \(jobs): \(r.stderr)")
                    #expect(try kinds(r.stdout) == once, "\(args) \(source) --jobs \(jobs)")
                }
            }
        }
    }

    /// The same entries kept by two writers (the host's journal and a
    /// collector's copy of it: two `seqnum_id`s, so no header says they
    /// overlap): one handle shows each entry once (sd-journal leaves out an
    /// entry of another file with the receive time, boot and content hash
    /// of the one it gave last), and so does every `--jobs`: the output is
    /// that of one copy, its count of entries read too.
    @Test func theSameEntriesKeptByTwoWritersCountOnce() throws {
        let dir = try Fixtures.tempDir("t3attr-parallel-two-writers")
        let a = try Fixtures.journal("sample-incident", in: dir, fileName: "a.journal")
        let b = try Fixtures.journal("sample-incident", in: dir, fileName: "b.journal")
        try #require(try seqnumID(a) != seqnumID(b), "two writers")
        for args in [
            ["report", "-o", "json"], ["bursts", "--requests", "-o", "json"], ["serve", "-o", "json"], ["dispatch", "--all", "-o", "json"],
        ] {
            let single = try Fixtures.t3attr(args + ["--file", a] + table)
            try #require(single.status == 0, "\(args): \(single.stderr)")
            #expect(!single.stdout.isEmpty)
            for jobs in ["1", "2"] {
                let r = try Fixtures.t3attr(args + ["-D", dir, "--jobs", jobs] + table)
                #expect(r.status == 0, "\(args) --jobs \(jobs): \(r.stderr)")
                #expect(r.stdout == single.stdout, "\(args) --jobs \(jobs)")
            }
        }
    }

    /// A file that sd-journal gives up on in the middle: read on a worker, it
    /// is named as damaged (one handle over the directory can name only the
    /// directory) and the other files are analysed, as with one handle.
    @Test func aFileDamagedInTheMiddleIsNamedAndTheRestRead() throws {
        let dir = try Fixtures.tempDir("t3attr-parallel-damaged")
        _ = try Fixtures.journal("scenario-serve-oom", in: dir, fileName: "a.journal")
        let bad = try Fixtures.journal("sample-incident", in: dir, fileName: "b.journal")
        var data = try Data(contentsOf: URL(fileURLWithPath: bad))
        var at = data.startIndex
        for _ in 0..<3 { at = try #require(data.range(of: Data("proxy error".utf8), in: at..<data.endIndex)).upperBound }
        data.replaceSubrange(at..<(at + 4096), with: Data(count: 4096))
        try data.write(to: URL(fileURLWithPath: bad))
        var drops: [Int] = []
        for jobs in ["1", "2"] {
            let r = try Fixtures.t3attr(["report", "-D", dir, "-o", "json", "--jobs", jobs] + table)
            #expect(r.status == 0, "--jobs \(jobs): \(r.stderr)")
            #expect(r.stderr.contains("damaged"), "--jobs \(jobs): \(r.stderr)")
            let s = try #require(try Fixtures.ndjson(r.stdout).last { $0["type"] as? String == "summary" })
            let skipped = (s["skipped_files"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
            #expect(!skipped.isEmpty)
            if jobs == "2" { #expect(skipped == [bad], "the worker names the file: \(skipped)") }
            drops.append(s["drops"] as? Int ?? 0)
            let strict = try Fixtures.t3attr(["report", "-D", dir, "-o", "json", "--jobs", jobs, "--strict"] + table)
            #expect(strict.status == 65, "--jobs \(jobs)")
        }
        #expect(drops[0] > 0 && drops[0] == drops[1], "what was read before the damage and the good file: \(drops)")
    }

    @Test func badJobsIsAUsageError() throws {
        for cmd in ["report", "bursts", "serve"] {
            let r = try Fixtures.t3attr([cmd, "--file", "/dev/null", "--jobs", "0"])
            #expect(r.status == 64, "\(cmd)")
        }
    }
}
