import Foundation
import Glibc
import TestSupport
import Testing

private let table = ["--dispatch-table", Fixtures.path("dispatch.json")]

/// A loopback port that refuses connections: bound by this process, never
/// listened on, held until `body` returns (no other test can take it meanwhile).
private func withRefusingPort<T>(_ body: (Int) throws -> T) throws -> T {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let b = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
    let g = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    guard b == 0, g == 0 else { throw Fixtures.Missing(description: "cannot bind a loopback port: \(String(cString: strerror(errno)))") }
    return try body(Int(UInt16(bigEndian: addr.sin_port)))
}

private func stop(_ p: Fixtures.Background) { _ = p.stop() }

/// Starts a server that binds port 0 itself and prints the port as the
/// first line of its stdout (no close-then-rebind race between tests); fails
/// loudly with the server's stderr when no port comes within 60 s (sanitizer
/// builds and a loaded machine are slow).
private func serverOnPort0(_ exe: String, _ args: [String], what: String) throws -> (Fixtures.Background, Int) {
    let out = try Fixtures.tempDir("t3attr-server") + "/stdout"
    let p = try Fixtures.background(exe, args, stdoutPath: out)
    let deadline = Date().addingTimeInterval(60)
    while Date() < deadline {
        let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        if let nl = text.firstIndex(of: "\n"), let port = Int(text[..<nl].trimmingCharacters(in: .whitespaces)) { return (p, port) }
        if p.hasExited { break }
        usleep(20_000)
    }
    let err = p.stderr
    _ = p.stop()
    throw Fixtures.Missing(description: "\(what) did not report a listening port within 60 s (stdout \(out)); stderr: \(err)")
}

/// systemd-journal-gatewayd on a socket it is handed as systemd does
/// (LISTEN_FDS), bound to port 0 by a tiny exec wrapper that prints the port.
private func gateway(_ dir: String) throws -> (Fixtures.Background, Int) {
    let wrapper = """
        import os, socket, sys
        s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(64)
        os.dup2(s.fileno(), 3); os.set_inheritable(3, True)
        print(s.getsockname()[1], flush=True)
        os.environ['LISTEN_FDS'] = '1'; os.environ['LISTEN_PID'] = str(os.getpid())
        os.execv(sys.argv[1], sys.argv[1:])
        """
    return try serverOnPort0(
        "/usr/bin/python3", ["-c", wrapper, "/lib/systemd/systemd-journal-gatewayd", "-D", dir],
        what: "systemd-journal-gatewayd -D \(dir)")
}

@Suite("streams and journal gateways, through systemd-journal-remote")
struct StreamTests {
    @Test(arguments: ["export", "json"])
    func aStreamGivesTheSameOutputAsTheFile(format: String) throws {
        let path = try Fixtures.journal("sample-incident")
        let stream = try Fixtures.run("/usr/bin/journalctl", ["--file", path, "-o", format, "--no-pager"])
        #expect(stream.status == 0)
        for cmd in [["report"], ["dispatch", "--all"], ["bursts", "--min", "3"]] {
            for window in [[String](), ["--since", "2026-06-10 20:04:00", "--until", "2026-06-10 20:46:00"]] {
                let file = try Fixtures.t3attr(cmd + ["--file", path, "-o", "json"] + table + window)
                let piped = try Fixtures.t3attr(cmd + ["--input", "-", "-o", "json"] + table + window, stdin: stream.stdoutData)
                #expect(piped.status == 0, "\(piped.stderr)")
                #expect(piped.stdout == file.stdout, "\(cmd) \(window) from a \(format) stream")
            }
        }
        // And from a saved file.
        let dir = try Fixtures.tempDir()
        try stream.stdoutData.write(to: URL(fileURLWithPath: dir + "/saved.\(format)"))
        let saved = try Fixtures.t3attr(["report", "--input", dir + "/saved.\(format)", "-o", "json"] + table)
        let file = try Fixtures.t3attr(["report", "--file", path, "-o", "json"] + table)
        #expect(saved.stdout == file.stdout)
        // Not only the same as the file: what the scenario expects (sample-incident.expected.json: 12 drops).
        let objs = try Fixtures.ndjson(saved.stdout)
        #expect(objs.filter { $0["type"] as? String == "drop" }.count == 12)
        #expect(
            objs.last?["answer"] as? String == "12 drops: 1 client, 7 edge, 2 serve, 2 dispatch; infra segments implicated: edge, serve, dispatch")
    }

    /// Two exports run together whose times overlap (`journalctl --since 6h`
    /// now and an hour ago, concatenated): an entry the stream gives twice
    /// (the same `__CURSOR`) is read once, as one handle shows an entry two
    /// files hold once. Nothing is counted twice: the output is the file's.
    @Test(arguments: ["export", "json"])
    func anEntryTheStreamGivesTwiceIsReadOnce(format: String) throws {
        let path = try Fixtures.journal("sample-incident")
        let whole = try Fixtures.run("/usr/bin/journalctl", ["--file", path, "-o", format, "--no-pager"])
        let part = try Fixtures.run("/usr/bin/journalctl", ["--file", path, "-o", format, "--no-pager", "--since", "2026-06-10 20:30:00"])
        try #require(whole.status == 0 && part.status == 0 && !part.stdoutData.isEmpty)
        var twice = whole.stdoutData
        if format == "export" { twice.append(Data("\n".utf8)) }
        twice.append(part.stdoutData)
        twice.append(whole.stdoutData)
        for cmd in [["report"], ["dispatch", "--all"], ["serve"]] {
            let file = try Fixtures.t3attr(cmd + ["--file", path, "-o", "json"] + table)
            let piped = try Fixtures.t3attr(cmd + ["--input", "-", "-o", "json"] + table, stdin: twice)
            #expect(piped.status == 0, "\(piped.stderr)")
            #expect(piped.stdout == file.stdout, "\(cmd) from a \(format) stream with repeats")
            #expect(!piped.stderr.contains("clock"), "\(piped.stderr)")
        }
    }

    /// A stream damaged in the middle (a line that is no field): what came
    /// before is analysed, and the warning says where reading stopped and
    /// that the rest was not read (it said "skipped NAME", as if none was).
    @Test func aStreamDamagedInTheMiddleSaysWhereItStopped() throws {
        let path = try Fixtures.journal("sample-incident")
        let whole = try Fixtures.run("/usr/bin/journalctl", ["--file", path, "-o", "export", "--no-pager", "--until", "2026-06-10 20:30:00"])
        let rest = try Fixtures.run("/usr/bin/journalctl", ["--file", path, "-o", "export", "--no-pager", "--since", "2026-06-10 20:30:00"])
        var damaged = whole.stdoutData
        damaged.append(Data("\nthis is not a field\n".utf8))
        damaged.append(rest.stdoutData)
        let before = try Fixtures.t3attr(["report", "--input", "-", "-o", "json"] + table, stdin: whole.stdoutData)
        let r = try Fixtures.t3attr(["report", "--input", "-", "-o", "json"] + table, stdin: damaged)
        #expect(r.status == 0, "\(r.stderr)")
        let drops = { (s: String) in try Fixtures.ndjson(s).filter { $0["type"] as? String == "drop" }.count }
        #expect(try drops(r.stdout) == (try drops(before.stdout)))
        #expect(try drops(r.stdout) > 0)
        #expect(r.stderr.contains("at byte \(whole.stdoutData.count + 1) ("), "\(r.stderr)")
        #expect(r.stderr.contains("entries, which are read") && r.stderr.contains("the rest of the stream is not read"), "\(r.stderr)")
        let strict = try Fixtures.t3attr(["report", "--input", "-", "--strict"] + table, stdin: damaged)
        #expect(strict.status == 65, "\(strict.stderr)")
    }

    @Test func binaryFieldsSurviveTheStream() throws {
        let path = try Fixtures.journal("hostile-messages")
        for format in ["export", "json"] {
            let stream = try Fixtures.run("/usr/bin/journalctl", ["--file", path, "-o", format, "--no-pager", "--all"])
            let file = try Fixtures.t3attr(["dispatch", "--all", "--file", path, "-o", "json"] + table)
            let piped = try Fixtures.t3attr(["dispatch", "--all", "--input", "-", "-o", "json"] + table, stdin: stream.stdoutData)
            #expect(piped.stdout == file.stdout, "\(format)")
            // The invalid UTF-8 bytes arrive exactly (fixtures.py: `context canceled \xff\xfe\x80 bad utf-8`).
            let bad = try Fixtures.ndjson(piped.stdout).first { ($0["message"] as? String)?.contains("bad utf-8") == true }
            let raw = Data(base64Encoded: bad?["message_base64"] as? String ?? "") ?? Data()
            let want = Data("context canceled ".utf8 + [0xff, 0xfe, 0x80] + " bad utf-8".utf8)
            #expect(raw.suffix(want.count) == want, "\(format)")
        }
    }

    @Test func notAStreamIsAClearError() throws {
        let r = try Fixtures.t3attr(["report", "--input", "-"] + table, stdin: Data("hello\n".utf8))
        #expect(r.status == 66)
        #expect(r.stderr.contains("standard input"), "\(r.stderr)")
        let j = try Fixtures.t3attr(["report", "--input", "-"] + table, stdin: Data("{not json\n".utf8))
        #expect(j.status == 66)
        #expect(j.stderr.contains("JSON"), "\(j.stderr)")
    }

    @Test func gatewayGivesTheSameOutputAsTheFiles() throws {
        let dir = try Fixtures.tempDir()
        _ = try Fixtures.journal("sample-incident", in: dir)
        let (gw, port) = try gateway(dir)
        defer { stop(gw) }
        for window in [[String](), ["--since", "2026-06-10 20:04:00", "--until", "2026-06-10 20:46:00"]] {
            let remote = try Fixtures.t3attr(["report", "--url", "http://127.0.0.1:\(port)", "-o", "json"] + table + window)
            let local = try Fixtures.t3attr(["report", "-D", dir, "-o", "json"] + table + window)
            #expect(remote.status == 0, "\(remote.stderr)")
            #expect(remote.stdout == local.stdout)
        }
    }

    /// A URL's user and password never reach a ticket, a note, an error or a state
    /// file: `http://user:s3cret@host` is shown as `http://***@host`.
    @Test func credentialsInURLsAreNeverShown() throws {
        let dir = try Fixtures.tempDir()
        _ = try Fixtures.journal("sample-incident", in: dir)
        let (gw, port) = try gateway(dir)
        defer { stop(gw) }
        let url = "http://user:s3cret@127.0.0.1:\(port)"
        let state = dir + "/state.json"
        for args in [
            ["report", "--url", url, "-o", "markdown"], ["report", "--url", url, "-o", "json", "--cursor-file", state],
            ["why", "alice", "2026-06-10 20:00", "--url", url, "-o", "markdown"],
            ["report", "--file", dir + "/sample-incident.journal", "--prometheus", "http://u:s3cret@127.0.0.1:1", "-o", "markdown"],
        ] {
            let r = try Fixtures.t3attr(args + table)
            #expect(r.status == 0, "\(args): \(r.stderr)")
            #expect(!(r.stdout + r.stderr).contains("s3cret"), "\(args): \(r.stdout)\(r.stderr)")
            // The curl command, meant to be run, carries no user at all (curl would send `***`).
            if args[0] == "report" && args.contains("--url") && args.contains("markdown") {
                #expect(r.stdout.contains("http://127.0.0.1:\(port)/entries`"), "\(r.stdout)")
            }
            if args.contains("markdown") {
                #expect((r.stdout + r.stderr).contains("***@127.0.0.1") || (r.stdout + r.stderr).contains("\\*\\*\\*@127.0.0.1"), "\(args)")
            }
        }
        #expect(!(try String(contentsOfFile: state, encoding: .utf8)).contains("s3cret"))
        // A state an earlier version wrote with the password in its source is the same source.
        let old = dir + "/old-state.json"
        let raw =
            #"{"version":1,"last_realtime_usec":1781125200000000,"resume_usec":1781125000000000,"#
            + #""reported":[],"reported_bursts":[],"source":"--url "#
        try Data((raw + url.replacingOccurrences(of: "/", with: "\\/") + "\"}\n").utf8).write(to: URL(fileURLWithPath: old))
        let resumed = try Fixtures.t3attr(["report", "--url", url, "--cursor-file", old, "-o", "json"] + table)
        #expect(resumed.status == 0 && !(resumed.stdout + resumed.stderr).contains("s3cret"), "\(resumed.stderr)")
        let elsewhere = url.replacingOccurrences(of: "127.0.0.1", with: "localhost")
        let other = try Fixtures.t3attr(["report", "--url", elsewhere, "--cursor-file", old] + table)
        #expect(other.status == 65 && !other.stderr.contains("s3cret"), "\(other.stderr)")
        let refused = try withRefusingPort { try Fixtures.t3attr(["report", "--url", "http://user:s3cret@127.0.0.1:\($0)"] + table) }
        #expect(refused.status == 66 && !refused.stderr.contains("s3cret") && refused.stderr.contains("http://***@127.0.0.1:"), "\(refused.stderr)")
    }

    @Test func gatewayErrorsAreClear() throws {
        // Nothing listening.
        let refused = try withRefusingPort { try Fixtures.t3attr(["report", "--url", "http://127.0.0.1:\($0)"] + table) }
        #expect(refused.status == 66)
        #expect(refused.stderr.contains("connect"), "\(refused.stderr)")
        // A web server that is not a journal gateway.
        let dir = try Fixtures.tempDir()
        let web = """
            import functools, http.server, sys
            h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
            s = http.server.HTTPServer(('127.0.0.1', 0), h)
            print(s.server_address[1], flush=True)
            s.serve_forever()
            """
        let (server, port) = try serverOnPort0("/usr/bin/python3", ["-c", web, dir], what: "python3 http.server")
        defer { stop(server) }
        let notGateway = try Fixtures.t3attr(["report", "--url", "http://127.0.0.1:\(port)"] + table)
        #expect(notGateway.status == 66)
        #expect(notGateway.stderr.contains("not a journal gateway"), "\(notGateway.stderr)")
        // Not an http(s) address: a usage error, as --prometheus's is.
        let ftp = try Fixtures.t3attr(["report", "--url", "ftp://x"] + table)
        #expect(ftp.status == 64 && ftp.stderr.contains("--url 'ftp://x' is not an http:// or https:// URL"), "\(ftp.stderr)")
    }

    @Test func aGatewayThatStopsMidStreamKeepsWhatWasRead() throws {
        let dir = try Fixtures.tempDir()
        let server = dir + "/partial.py"
        try Data(
            """
            import socket, sys
            data = open(sys.argv[1], 'rb').read()
            cut = data.index(b'\\n\\n', len(data) // 2) + 2
            s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(5)
            print(s.getsockname()[1], flush=True)
            c, _ = s.accept()
            c.recv(65536)
            c.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Type: application/vnd.fdo.journal\\r\\nContent-Length: %d\\r\\n\\r\\n" % len(data) + data[:cut])
            c.close()
            """.utf8
        ).write(to: URL(fileURLWithPath: server))
        let (p, port) = try serverOnPort0("/usr/bin/python3", [server, Fixtures.path("sample-incident.export")], what: "partial.py")
        defer { stop(p) }
        let r = try Fixtures.t3attr(["report", "--url", "http://127.0.0.1:\(port)", "-o", "json"] + table)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("ended early") || r.stderr.contains("skipped"), "\(r.stderr)")
        let objs = try Fixtures.ndjson(r.stdout)
        #expect(objs.contains { $0["type"] as? String == "drop" }, "what was read is analysed")
        let skipped = (objs.last?["skipped_files"] as? [[String: Any]]) ?? []
        #expect(skipped.count == 1)
    }
}

@Suite("--cursor-file: unattended runs report every drop exactly once")
struct CursorFileTests {
    @Test func threeRunsOverAGrowingJournal() throws {
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("sample-incident.export"))), as: UTF8.self)
        let entries = text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        let dir = try Fixtures.tempDir("t3attr-cursor")
        let state = dir + "/state.json"
        let third = (entries.count + 2) / 3
        var reported: [String] = []
        for part in 0..<3 {
            let chunk = entries[(part * third)..<min(entries.count, (part + 1) * third)].joined(separator: "\n\n") + "\n\n"
            _ = try Fixtures.journal(exportText: Data(chunk.utf8), in: dir, fileName: "part\(part).journal")
            let r = try Fixtures.t3attr(["report", "-D", dir, "--cursor-file", state, "-o", "json"] + table)
            #expect(r.status == 0, "\(r.stderr)")
            reported += try Fixtures.ndjson(r.stdout).filter { $0["type"] as? String == "drop" }.compactMap { $0["cursor"] as? String }
            #expect(FileManager.default.fileExists(atPath: state))
        }
        let all = try Fixtures.t3attr(["report", "-D", dir, "-o", "json"] + table)
        let expected = try Fixtures.ndjson(all.stdout).filter { $0["type"] as? String == "drop" }.compactMap { $0["cursor"] as? String }
        #expect(reported.count == Set(reported).count, "no drop twice")
        #expect(Set(reported) == Set(expected), "none skipped")
        #expect(expected.count == 12)
        // A fourth run with nothing new reports nothing.
        let again = try Fixtures.t3attr(["report", "-D", dir, "--cursor-file", state, "-o", "json"] + table)
        #expect(try Fixtures.ndjson(again.stdout).filter { $0["type"] as? String == "drop" }.isEmpty)
    }

    /// A stream without `__CURSOR` (a hand-made export) is imported into new
    /// files each run, whose sequence numbers start over: the drops near the
    /// last run's end were reported again (12, then 2 more). Read whole each
    /// time as it grows, it reports each drop once.
    @Test func aGrowingStreamWithoutCursorsReportsEachDropOnce() throws {
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("sample-incident.export"))), as: UTF8.self)
        #expect(!text.contains("__CURSOR="))
        let entries = text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        let dir = try Fixtures.tempDir("t3attr-cursor-stream")
        let state = dir + "/state.json"
        var reported: [String] = []
        for upTo in [entries.count / 2, entries.count, entries.count] {
            let stream = dir + "/stream.export"
            try Data((entries[..<upTo].joined(separator: "\n\n") + "\n\n").utf8).write(to: URL(fileURLWithPath: stream))
            let r = try Fixtures.t3attr(["report", "--input", stream, "--cursor-file", state, "-o", "json"] + table)
            #expect(r.status == 0, "\(r.stderr)")
            reported += try Fixtures.ndjson(r.stdout).filter { $0["type"] as? String == "drop" }.map {
                "\($0["realtime_usec"] ?? "")/\($0["user"] ?? "")/\($0["kind"] ?? "")"
            }
        }
        #expect(reported.count == 12, "\(reported)")
        #expect(Set(reported).count == reported.count, "no drop twice: \(reported)")
    }

    /// A run that re-reads an already reported burst (the journal ends within
    /// the correlation window of it) printed its incident, whose evidence
    /// named drops removed as reported: an illegal instruction, and every
    /// later run the same. Now nothing is printed twice, in every format.
    @Test(arguments: ["json", "table", "markdown"])
    func aSecondRunOverAReportedBurstPrintsNothingAgain(format: String) throws {
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("sample-incident.export"))), as: UTF8.self)
        let upTo: UInt64 = 1_781_121_630_000_000  // 2026-06-10 20:00:30: just after the burst
        let entries = text.components(separatedBy: "\n\n").filter { entry in
            guard let line = entry.split(separator: "\n").first(where: { $0.hasPrefix("__REALTIME_TIMESTAMP=") }),
                let t = UInt64(line.dropFirst(21))
            else { return false }
            return t <= upTo
        }
        let dir = try Fixtures.tempDir("t3attr-cursor-burst")
        let path = try Fixtures.journal(exportText: Data((entries.joined(separator: "\n\n") + "\n\n").utf8), in: dir, fileName: "cut.journal")
        let args = ["report", "--file", path, "--cursor-file", dir + "/state.json", "-o", format] + table
        let first = try Fixtures.t3attr(args)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("burst"))
        for _ in 0..<2 {
            let again = try Fixtures.t3attr(args)
            #expect(again.status == 0, "\(again.stderr)")
            if format == "json" {
                #expect(try Fixtures.ndjson(again.stdout).filter { $0["type"] as? String != "summary" }.isEmpty, "\(again.stdout)")
            } else {
                #expect(!again.stdout.contains("edge"), "\(again.stdout)")
            }
        }
    }

    /// A state written by runs over one journal, then used with another, skipped
    /// that journal's drops before the first one's resume time without a word.
    /// Now it is refused (exit 65, both sources named) and nothing is printed;
    /// the same source spelt otherwise (a trailing slash) is the same state.
    @Test func aStateFromAnotherSourceIsRefused() throws {
        let dir = try Fixtures.tempDir("t3attr-cursor-source")
        let a = dir + "/a"
        let b = dir + "/b"
        for d in [a, b] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        _ = try Fixtures.journal(
            exportText: try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("sample-incident.export"))), in: a, fileName: "a.journal")
        _ = try Fixtures.journal(
            exportText: try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("scenario-tunnel-break.export"))), in: b, fileName: "b.journal")
        let state = dir + "/state.json"
        let first = try Fixtures.t3attr(["report", "-D", a, "--cursor-file", state, "-o", "json"] + table)
        #expect(first.status == 0, "\(first.stderr)")
        let same = try Fixtures.t3attr(["report", "-D", a + "/", "--cursor-file", state, "-o", "json"] + table)
        #expect(same.status == 0, "\(same.stderr)")
        let other = try Fixtures.t3attr(["report", "-D", b, "--cursor-file", state, "-o", "json"] + table)
        #expect(other.status == 65)
        #expect(other.stdout.isEmpty)
        #expect(other.stderr.contains("\(state): written by runs over -D \(a); this run reads -D \(b)"), "\(other.stderr)")
        let host = try Fixtures.t3attr(["report", "-D", a, "--host", "devvm", "--cursor-file", state, "-o", "json"] + table)
        #expect(host.status == 65, "another --host is another scope: \(host.stderr)")
    }

    /// A state that resumes in the future made every run print "No drops."
    /// with exit 0 and save itself unchanged: silent for good. Refused (65).
    @Test(arguments: [
        (
            99_999_999_999_999_999 as UInt64, 99_999_999_999_999_999 as UInt64,
            "last_realtime_usec 99999999999999999 is more than a day after the clock"
        ),
        (1_781_000_000_000_000, 1_781_100_000_000_000, "resume_usec 1781100000000000 is after last_realtime_usec 1781000000000000"),
    ])
    func aCursorStateInTheFutureIsRefused(last: UInt64, resume: UInt64, says: String) throws {
        let dir = try Fixtures.tempDir()
        let state = dir + "/state.json"
        try Data(
            "{\"version\":1,\"last_realtime_usec\":\(last),\"reported\":[],\"reported_bursts\":[],\"resume_usec\":\(resume)}".utf8
        ).write(to: URL(fileURLWithPath: state))
        let r = try Fixtures.t3attr(["report", "--file", try Fixtures.journal("sample-incident"), "--cursor-file", state] + table)
        #expect(r.status == 65)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("\(state): damaged: \(says)"), "\(r.stderr)")
    }

    @Test func aDamagedCursorFileIsANamedError() throws {
        let dir = try Fixtures.tempDir()
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: dir + "/state.json"))
        let path = try Fixtures.journal("sample-incident")
        let r = try Fixtures.t3attr(["report", "--file", path, "--cursor-file", dir + "/state.json"] + table)
        #expect(r.status == 65)
        #expect(r.stderr.contains(dir + "/state.json"))
    }
}

@Suite("-f/--follow: drops as the journal grows")
struct FollowTests {
    /// The fixture moved in time, whole seconds, so that its last entry is
    /// 300 s before now: follow mode judges "final" by the wall clock, and
    /// the test must not depend on the machine's clock being past the
    /// fixture's dates. Receive and source times and Go's log prefix move
    /// together (the prefix rewritten with glibc's timegm/gmtime_r).
    static func shiftedToNow(_ text: String) -> String {
        var lines = text.components(separatedBy: "\n")
        let key = "__REALTIME_TIMESTAMP="
        let last = lines.compactMap { $0.hasPrefix(key) ? Int64($0.dropFirst(key.count)) : nil }.max() ?? 0
        let delta = (Int64(Date().timeIntervalSince1970) - 300) - last / 1_000_000
        for (i, line) in lines.enumerated() {
            for k in [key, "_SOURCE_REALTIME_TIMESTAMP="] where line.hasPrefix(k) {
                if let v = Int64(line.dropFirst(k.count)) { lines[i] = k + String(v + delta * 1_000_000) }
            }
            guard line.hasPrefix("MESSAGE="), line.count > 28 else { continue }
            let body = Array(line.utf8.dropFirst(8))
            let prefix = String(decoding: body.prefix(20), as: UTF8.self)
            let f = prefix.split(whereSeparator: { "/: ".contains($0) }).map { Int32($0) }
            guard prefix.count == 20, prefix.last == " ", f.count == 6, !f.contains(nil),
                Array(prefix)[4] == "/", Array(prefix)[13] == ":"
            else { continue }
            var tm = Glibc.tm()
            (tm.tm_year, tm.tm_mon, tm.tm_mday) = (f[0]! - 1900, f[1]! - 1, f[2]!)
            (tm.tm_hour, tm.tm_min, tm.tm_sec) = (f[3]!, f[4]!, f[5]!)
            var t = timegm(&tm) + time_t(delta)
            var out = Glibc.tm()
            gmtime_r(&t, &out)
            let moved = String(
                format: "%04d/%02d/%02d %02d:%02d:%02d ", Int(out.tm_year) + 1900, Int(out.tm_mon) + 1,
                Int(out.tm_mday), Int(out.tm_hour), Int(out.tm_min), Int(out.tm_sec))
            lines[i] = "MESSAGE=" + moved + String(decoding: body.dropFirst(20), as: UTF8.self)
        }
        return lines.joined(separator: "\n")
    }

    @Test func shiftedFixtureIsRecentAndItsGoPrefixMovedWithIt() throws {
        let original = String(decoding: try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("sample-incident.export"))), as: UTF8.self)
        let entry = try #require(Self.shiftedToNow(original).components(separatedBy: "\n\n").first { $0.contains("listening on :3780") })
        let fields = entry.split(separator: "\n")
        let rt = try #require(fields.first { $0.hasPrefix("__REALTIME_TIMESTAMP=") }.flatMap { Int64($0.dropFirst(21)) })
        let now = Int64(Date().timeIntervalSince1970)
        #expect(rt / 1_000_000 <= now - 300 && rt / 1_000_000 > now - 86_400)
        // sample-incident: "2026/06/10 21:00:00 t3-dispatch listening on :3780" received at 21:00:00.5; moved by whole seconds.
        var t = time_t(rt / 1_000_000)
        var tm = Glibc.tm()
        gmtime_r(&t, &tm)
        let want = String(
            format: "MESSAGE=%04d/%02d/%02d %02d:%02d:%02d t3-dispatch listening on :3780", Int(tm.tm_year) + 1900,
            Int(tm.tm_mon) + 1, Int(tm.tm_mday), Int(tm.tm_hour), Int(tm.tm_min), Int(tm.tm_sec))
        #expect(fields.contains { $0 == want }, "\(fields.filter { $0.hasPrefix("MESSAGE=") })")
        #expect(rt % 1_000_000 == 500_000)
    }

    static func halves(_ name: String) throws -> (Data, Data) {
        let text = shiftedToNow(String(decoding: try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(name + ".export"))), as: UTF8.self))
        let entries = text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        let h = entries.count / 2
        return (
            Data((entries[..<h].joined(separator: "\n\n") + "\n\n").utf8),
            Data((entries[h...].joined(separator: "\n\n") + "\n\n").utf8)
        )
    }

    /// Polls `path` until it has `count` lines matching `needle`; after 90 s
    /// (sanitizer builds on a loaded machine) records what it waited for and
    /// what it saw. Returns the count seen.
    static func waitFor(
        _ needle: String, count: Int, in path: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> Int {
        var n = 0
        let deadline = Date().addingTimeInterval(90)
        while true {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            n = text.components(separatedBy: "\n").filter { $0.contains(needle) }.count
            if n >= count { break }
            if Date() > deadline {
                Issue.record("waited 90 s for \(count) lines with \(needle) in \(path), saw \(n)", sourceLocation: sourceLocation)
                break
            }
            usleep(100_000)
        }
        return n
    }

    /// `t3attr ARGS --input FIFO -f` in the background, its output into a
    /// file: the run, the FIFO's writing end and the output's path.
    static func followingFIFO(_ args: [String], in dir: String) throws -> (Fixtures.Background, Int32, String) {
        let fifo = dir + "/stream"
        #expect(mkfifo(fifo, 0o600) == 0)
        let outPath = dir + "/out"
        let p = try Fixtures.background(Fixtures.binary, args + ["--input", fifo, "-f"] + table, stdoutPath: outPath)
        let w = open(fifo, O_WRONLY)
        #expect(w >= 0)
        return (p, w, outPath)
    }

    /// Writes all of `d` to `fd` (a FIFO a followed run reads).
    static func writeAll(_ d: Data, to fd: Int32) {
        d.withUnsafeBytes { b in
            var off = 0
            while off < b.count {
                let n = write(fd, b.baseAddress! + off, b.count - off)
                if n <= 0 { break }
                off += n
            }
        }
    }

    /// Waits up to 120 s (sanitizer builds) for `p` to end by itself; then its
    /// status, or nil (it is killed, and the test fails) if it did not.
    static func ending(_ p: Fixtures.Background, sourceLocation: SourceLocation = #_sourceLocation) -> Int32? {
        let deadline = Date().addingTimeInterval(120)
        while !p.hasExited && Date() < deadline { usleep(50_000) }
        guard p.hasExited else {
            Issue.record("still running after 120 s: \(p.args)", sourceLocation: sourceLocation)
            _ = p.stop(SIGKILL, sourceLocation: sourceLocation)
            return nil
        }
        return p.stop(0, sourceLocation: sourceLocation)
    }

    /// `--input ... -f` reads a stream as it arrives and ends at its end, as
    /// `tail -f` on a pipe does (it read the whole stream first, then waited
    /// forever). What it prints is what one run over the stream finds: a
    /// serve whose unit first appears after following began is a serve
    /// (sample-incident: frank's OOM kill was sometimes `refused`, his unit
    /// unknown), an outage is one drop after its first lines were pruned
    /// (its next fatal line came back as a second), and a unit still down
    /// (a start limit hit 15 minutes before) is down.
    @Test(arguments: ["sample-incident", "scenario-dispatch-outage", "scenario-audit-start-limit"])
    func aFollowedStreamEndsAtItsEndWithTheVerdictsOfOneRun(fixture: String) throws {
        let dir = try Fixtures.tempDir("t3attr-follow-stream")
        let once = try Fixtures.t3attr(["report", "--input", Fixtures.path(fixture + ".export"), "-o", "json"] + table)
        let outPath = dir + "/out.json"
        let p = try Fixtures.background(
            Fixtures.binary, ["report", "--input", "-", "-f", "-o", "json"] + table, stdoutPath: outPath,
            stdinPath: Fixtures.path(fixture + ".export"))
        #expect(Self.ending(p) == 0, "\(p.stderr)")
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        func verdicts(_ text: String) throws -> [String] {
            try Fixtures.ndjson(text).filter { $0["type"] as? String == "drop" }.map {
                "\($0["realtime_usec"] ?? "")/\($0["verdict"] ?? "")/\($0["reason"] ?? "")"
            }.sorted()
        }
        let want = try verdicts(once.stdout)
        #expect(!want.isEmpty)
        #expect(try verdicts(out) == want)
        let summary = try #require(try Fixtures.ndjson(out).last)
        #expect(summary["type"] as? String == "summary" && summary["follow"] as? Bool == true && summary["drops"] as? Int == want.count)
    }

    /// A live stream (a FIFO: `ssh devvm journalctl -f -o export`) is shown
    /// as it arrives, before it ends; at its end the run ends with status 0.
    @Test func aLiveStreamIsShownAsItArrivesAndEndsWithIt() throws {
        let (first, second) = try Self.halves("sample-incident")
        let dir = try Fixtures.tempDir("t3attr-follow-fifo")
        let (p, w, outPath) = try Self.followingFIFO(["dispatch", "-o", "json"], in: dir)
        let put = { (d: Data) in Self.writeAll(d, to: w) }
        put(first)
        let once = try Fixtures.t3attr(["dispatch", "--input", "-", "-o", "json"] + table, stdin: first)
        let events = try Fixtures.ndjson(once.stdout).filter { $0["type"] as? String == "event" }.count
        #expect(events > 0)
        // The first half's events, while the stream is still open.
        #expect(Self.waitFor("\"type\":\"event\"", count: events, in: outPath) >= events)
        #expect(!p.hasExited)
        put(second)
        close(w)
        #expect(Self.ending(p) == 0, "\(p.stderr)")
        let all = try Fixtures.t3attr(["dispatch", "--input", "-", "-o", "json"] + table, stdin: first + second)
        let lines = try Fixtures.ndjson((try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "")
        #expect(
            lines.filter { $0["type"] as? String == "event" }.compactMap { $0["realtime_usec"] as? Int }
                == (try Fixtures.ndjson(all.stdout)).filter { $0["type"] as? String == "event" }.compactMap { $0["realtime_usec"] as? Int })
        #expect(lines.last?["type"] as? String == "summary")
    }

    /// A dispatch crash-looping for 15 minutes (a broken dispatch.json) is
    /// one outage, shown once, when followed: once its first lines were
    /// pruned (five minutes behind what was read), what was left of it was
    /// found again, with its next fatal line as a new first line.
    ///
    /// `quiet`: down 15 minutes with no line at all (a start limit hit), then
    /// back, then a second outage: the first, printed while going on and then
    /// pruned whole, swallowed the second (helper-46), and its `listening`
    /// was a plain restart.
    @Test(arguments: [false, true])
    func aLongOutageIsOneDropWhenFollowed(quiet: Bool) throws {
        let t0: UInt64 = 1_781_773_200_000_000
        var timed: [(UInt64, String)] = []
        func entry(_ t: UInt64, pid: Int, _ message: String) {
            var s = "__REALTIME_TIMESTAMP=\(t)\n__MONOTONIC_TIMESTAMP=\(t + 4_000_000_000 - t0 + 700_000_000)\n"
            s += "_BOOT_ID=5ae0daad7495215b8541efb25e0e7cae\n_HOSTNAME=devvm\n_PID=\(pid)\n"
            if pid == 1 {
                s += "_TRANSPORT=journal\n_UID=0\n_SYSTEMD_UNIT=init.scope\nSYSLOG_IDENTIFIER=systemd\nUNIT=t3-dispatch.service\n"
                s += "MESSAGE=\(message)"
            } else {
                var secs = time_t(t / 1_000_000)
                var tm = Glibc.tm()
                gmtime_r(&secs, &tm)
                let prefix = String(
                    format: "%04d/%02d/%02d %02d:%02d:%02d ", Int(tm.tm_year) + 1900, Int(tm.tm_mon) + 1, Int(tm.tm_mday), Int(tm.tm_hour),
                    Int(tm.tm_min), Int(tm.tm_sec))
                s += "_TRANSPORT=stdout\n_UID=1000\n_SYSTEMD_UNIT=\(pid == 611 ? "kubelet" : "t3-dispatch").service\n"
                s += "SYSLOG_IDENTIFIER=\(pid == 611 ? "kubelet" : "t3-dispatch")\nMESSAGE=\(pid == 611 ? "" : prefix)\(message)"
            }
            timed.append((t, s))
        }
        let started = "Started t3-dispatch.service - t3 per-user dispatch + auto-pair (X-authentik-username -> user instance)."
        entry(t0 - 600_000_000, pid: 1, started)
        entry(t0 - 599_000_000, pid: 800, "t3-dispatch listening on :3780")
        entry(t0 - 300_000_000, pid: 800, "ws open user=alice ip=203.0.113.1")
        entry(t0, pid: 800, "load /etc/t3-serve/dispatch.json: invalid character '}' looking for beginning of object key string")
        entry(t0 + 10_000, pid: 1, "t3-dispatch.service: Main process exited, code=exited, status=1/FAILURE")
        entry(t0 + 20_000, pid: 1, "t3-dispatch.service: Failed with result 'exit-code'.")
        var t = t0
        for k in 1...180 where !quiet {
            t = t0 + UInt64(k) * 5_000_000
            entry(t, pid: 1, "t3-dispatch.service: Scheduled restart job, restart counter is at \(k).")
            entry(t + 1, pid: 1, started)
            entry(t + 10_000, pid: 900 + k, "load /etc/t3-serve/dispatch.json: invalid character '}' looking for beginning of object key string")
            entry(t + 20_000, pid: 1, "t3-dispatch.service: Main process exited, code=exited, status=1/FAILURE")
            entry(t + 30_000, pid: 1, "t3-dispatch.service: Failed with result 'exit-code'.")
        }
        t = t0 + 905_000_000
        entry(t, pid: 1, started)
        entry(t + 10_000, pid: 2000, "t3-dispatch listening on :3780")
        entry(t + 20_000_000, pid: 2000, "ws open user=alice ip=203.0.113.1")
        if quiet {
            // A second outage, 10 minutes later: a crash and its restart.
            entry(t + 600_000_000, pid: 2000, "panic: runtime error: invalid memory address or nil pointer dereference")
            entry(t + 600_010_000, pid: 1, "t3-dispatch.service: Main process exited, code=exited, status=2/INVALIDARGUMENT")
            entry(t + 600_020_000, pid: 1, "t3-dispatch.service: Failed with result 'exit-code'.")
            entry(t + 605_000_000, pid: 1, "t3-dispatch.service: Scheduled restart job, restart counter is at 1.")
            entry(t + 605_000_001, pid: 1, started)
            entry(t + 605_010_000, pid: 2001, "t3-dispatch listening on :3780")
        }
        entry(t + 900_000_000, pid: 2000 + (quiet ? 1 : 0), "ws open user=bob ip=203.0.113.2")
        // A host that is not quiet: another unit's line every 5 s (its gaps would be the host's).
        var k: UInt64 = t0 - 600_000_000 + 2_500_000
        while k < t + 900_000_000 {
            entry(k, pid: 611, "I0618 reconciler.go:357] \"operationExecutor.VerifyControllerAttachedVolume started\"")
            k += 5_000_000
        }
        let entries = timed.sorted { $0.0 < $1.0 }.map(\.1)
        let dir = try Fixtures.tempDir("t3attr-follow-outage")
        let export = dir + "/outage.export"
        try Data((entries.joined(separator: "\n\n") + "\n\n").utf8).write(to: URL(fileURLWithPath: export))
        func drops(_ text: String) throws -> [String] {
            try Fixtures.ndjson(text).filter { $0["type"] as? String == "drop" }.map {
                "\($0["realtime_usec"] ?? "")/\($0["verdict"] ?? "")/\($0["reason"] ?? "")"
            }.sorted()
        }
        let once = try drops(Fixtures.t3attr(["report", "--input", export, "-o", "json"] + table).stdout)
        #expect(
            once.filter { $0.hasSuffix("/dispatch_outage") }.count == (quiet ? 4 : 2),
            "each outage's first line and the listening that ended it: \(once)")
        let (p, w, outPath) = try Self.followingFIFO(["report", "-o", "json"], in: dir)
        // Three parts: ten minutes into the outage; past its end by more than
        // what is kept (its first lines pruned, its last ones not); the rest.
        let times = timed.sorted { $0.0 < $1.0 }.map(\.0)
        let cut = try #require(times.firstIndex { $0 >= t0 + 600_000_000 })
        let cut2 = try #require(times.firstIndex { $0 >= t0 + 1_300_000_000 })
        for (n, part) in [entries[..<cut], entries[cut..<cut2], entries[cut2...]].enumerated() {
            Self.writeAll(Data((part.joined(separator: "\n\n") + "\n\n").utf8), to: w)
            // The outage's first line is shown once the first part is read, its end once the second is.
            if n < 2 { #expect(Self.waitFor("dispatch_outage", count: n + 1, in: outPath) == n + 1) }
        }
        close(w)
        #expect(Self.ending(p) == 0, "\(p.stderr)")
        let followed = try drops((try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "")
        #expect(followed == once, "followed \(followed), one run \(once)")
    }

    /// A serve unit whose first line comes after following began is a serve:
    /// the glob was expanded once, at the start, and frank's unit (first seen
    /// later) was no serve: his OOM kill's drop was `refused`.
    @Test func aServeUnitFirstSeenWhileFollowingIsAServe() throws {
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("sample-incident.export"))), as: UTF8.self)
        // From alice's serve's first line (following begins on a journal that
        // names a serve) up to just before frank's serve logs its first.
        let all = text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        let entries = all[try #require(all.firstIndex { $0.contains("_SYSTEMD_UNIT=t3-serve@") })...]
        let cut = try #require(entries.firstIndex { $0.contains("_SYSTEMD_UNIT=t3-serve@frank.service") })
        let dir = try Fixtures.tempDir("t3attr-follow-units")
        let (p, w, outPath) = try Self.followingFIFO(["report", "--color", "never"], in: dir)
        let put = { (s: String) in Self.writeAll(Data(s.utf8), to: w) }
        put(entries[..<cut].joined(separator: "\n\n") + "\n\n")
        // Following has begun (its header is out): the units were looked at.
        #expect(Self.waitFor("-- t3attr report --follow", count: 1, in: outPath) == 1)
        put(entries[cut...].joined(separator: "\n\n") + "\n\n")
        close(w)
        #expect(Self.ending(p) == 0, "\(p.stderr)")
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let row = out.split(separator: "\n").first { $0.hasPrefix("2026-06-10T20:30:02.000Z") && $0.contains("frank") }
        #expect(row?.contains(" serve ") == true && row?.contains("oom_kill") == true, "\(out)")
    }

    @Test(arguments: [["report"], ["dispatch"]])
    func followPrintsNewEntriesAndEndsOnSIGINT(command: [String]) throws {
        let (first, second) = try Self.halves("sample-incident")
        let dir = try Fixtures.tempDir("t3attr-follow")
        _ = try Fixtures.journal(exportText: first, in: dir, fileName: "a.journal")
        let outPath = dir + "/out.json"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        let p = try Fixtures.background(Fixtures.binary, command + ["-f", "-D", dir, "-o", "json"] + table, stdoutPath: outPath)
        let needle = command == ["report"] ? "\"type\":\"drop\"" : "\"type\":\"event\""
        let all = try Fixtures.t3attr(command + ["-D", dir, "-o", "json"] + table)
        let before = try Fixtures.ndjson(all.stdout).filter { ($0["type"] as? String).map { needle.contains($0) } ?? false }.count
        #expect(Self.waitFor(needle, count: before, in: outPath) == before)
        _ = try Fixtures.journal(exportText: second, in: dir, fileName: "b.journal")
        let full = try Fixtures.t3attr(command + ["-D", dir, "-o", "json"] + table)
        let expected = try Fixtures.ndjson(full.stdout).filter { ($0["type"] as? String).map { needle.contains($0) } ?? false }
        let shown = Self.waitFor(needle, count: expected.count, in: outPath)
        #expect(p.stop(SIGINT) == 0, "SIGINT ends it with 0")
        if command == ["report"] {
            #expect(expected.count == 12, "sample-incident.expected.json lists 12 drops")
        }
        let lines = try Fixtures.ndjson(try String(contentsOfFile: outPath, encoding: .utf8))
        let got = lines.compactMap { $0["cursor"] as? String }
        let same = {
            #expect(shown == expected.count)
            #expect(got.sorted() == expected.compactMap { $0["cursor"] as? String }.sorted(), "every one, once")
        }
        same()
        // Stopped, it ends with a summary of what it read and showed, as a one-shot run does.
        let summary = try #require(lines.last, "\(lines.count) lines")
        #expect(summary["type"] as? String == "summary" && summary["follow"] as? Bool == true, "\(summary)")
        #expect((summary["entries_read"] as? Int ?? 0) >= expected.count, "\(summary)")
        #expect(summary[command == ["report"] ? "drops" : "events"] as? Int == expected.count, "\(summary)")
    }

    /// `bursts -f` printed its rows under no header, `report -f` too, and
    /// `report -f -o markdown` had no title: each says what its rows are.
    @Test(arguments: [
        (["bursts"], "SECOND                COUNT  VERDICT  REASON", "2026-06-10T20:00:00Z  7"),
        (["report"], "TIME                     HOST         USER       KIND", "alice      ws_close"),
        (["report", "-o", "markdown"], "# t3 drop attribution (following)", "| alice | ws_close"),
    ])
    func followSaysWhatItsRowsAre(command: [String], header: String, row: String) throws {
        let dir = try Fixtures.tempDir("t3attr-follow-header")
        _ = try Fixtures.journal("sample-incident", in: dir)
        let outPath = dir + "/out.txt"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        let p = try Fixtures.background(Fixtures.binary, command + ["-f", "-D", dir] + table, stdoutPath: outPath)
        #expect(Self.waitFor(row, count: 1, in: outPath) == 1)
        #expect(p.stop(SIGINT) == 0)
        let text = try String(contentsOfFile: outPath, encoding: .utf8)
        let at = try #require(text.range(of: header), "\(text)")
        #expect(at.upperBound <= text.range(of: row)!.lowerBound, "\(text)")
        // A table ends with what was read and shown (markdown: no such line).
        let last = text.split(separator: "\n").last.map(String.init) ?? ""
        if command == ["bursts"] { #expect(last.hasPrefix("-- stopped: ") && last.hasSuffix(" entries read, 1 burst shown"), "\(text)") }
        if command == ["report"] { #expect(last.hasPrefix("-- stopped: ") && last.hasSuffix(" entries read, 12 drops shown"), "\(text)") }
    }

    /// `-f` judges a drop on what the journal says after it, not on the date:
    /// a journal that (for now) ends with `Stopping t3-dispatch.service` is a
    /// dispatch that is down, but the restart that follows makes it a clean
    /// one (`dispatch_restart`). A follower that judged by the wall clock
    /// printed a `dispatch_outage` drop as soon as it had read the stop line of
    /// an old journal (the test data is 5 minutes old, beyond the 125 s settle).
    @Test func followJudgesADropOnWhatFollowsIt() throws {
        let text = Self.shiftedToNow(
            String(decoding: try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("sample-incident.export"))), as: UTF8.self))
        let entries = text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        let stop = try #require(entries.firstIndex { $0.contains("MESSAGE=Stopping t3-dispatch.service") })
        let dir = try Fixtures.tempDir("t3attr-follow-settle")
        _ = try Fixtures.journal(exportText: Data((entries[...stop].joined(separator: "\n\n") + "\n\n").utf8), in: dir, fileName: "a.journal")
        let outPath = dir + "/out.json"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        let p = try Fixtures.background(Fixtures.binary, ["report", "-f", "-D", dir, "-o", "json"] + table, stdoutPath: outPath)
        let all = try Fixtures.t3attr(["report", "-D", dir, "-o", "json"] + table)
        let cut = try Fixtures.ndjson(all.stdout).filter { $0["type"] as? String == "drop" }
        #expect(cut.last?["reason"] as? String == "dispatch_outage", "read alone, the cut journal ends in an outage")
        // What the follower shows of the cut journal: every drop but the outage, still open.
        #expect(Self.waitFor("\"type\":\"drop\"", count: cut.count - 1, in: outPath) == cut.count - 1)
        usleep(2_000_000)
        _ = try Fixtures.journal(exportText: Data((entries[(stop + 1)...].joined(separator: "\n\n") + "\n\n").utf8), in: dir, fileName: "b.journal")
        let full = try Fixtures.ndjson(try Fixtures.t3attr(["report", "-D", dir, "-o", "json"] + table).stdout).filter {
            $0["type"] as? String == "drop"
        }
        #expect(Self.waitFor("\"type\":\"drop\"", count: full.count, in: outPath) == full.count)
        #expect(p.stop(SIGINT) == 0)
        let shown = try Fixtures.ndjson(try String(contentsOfFile: outPath, encoding: .utf8))
        #expect(!shown.contains { $0["reason"] as? String == "dispatch_outage" }, "no outage was printed")
        #expect(shown.compactMap { $0["cursor"] as? String }.sorted() == full.compactMap { $0["cursor"] as? String }.sorted())
    }

    /// Go's log prefix for a time (UTC).
    static func goPrefix(_ us: UInt64) -> String {
        var t = time_t(us / 1_000_000)
        var tm = Glibc.tm()
        gmtime_r(&t, &tm)
        return String(
            format: "%04d/%02d/%02d %02d:%02d:%02d ", Int(tm.tm_year) + 1900, Int(tm.tm_mon) + 1,
            Int(tm.tm_mday), Int(tm.tm_hour), Int(tm.tm_min), Int(tm.tm_sec))
    }

    /// One export entry at `t` on a boot that started an hour before `now`.
    static func exportEntry(_ t: UInt64, now: UInt64, unit: String, pid: Int = 812, _ msg: String) -> String {
        "__REALTIME_TIMESTAMP=\(t)\n__MONOTONIC_TIMESTAMP=\(t - (now - 3_600_000_000))\n_BOOT_ID=5ae0daad7495215b8541efb25e0e7cae\n"
            + "_HOSTNAME=devvm\n_TRANSPORT=stdout\n_PID=\(pid)\n_UID=1000\n_SYSTEMD_UNIT=\(unit)\nSYSLOG_IDENTIFIER=x\nMESSAGE=\(msg)\n\n"
    }

    /// A dispatch process's era is decided on its lines before the window in
    /// follow mode too: PID 812 logged `ws` lines before `--since`, so its
    /// proxy error in the window is a failed request, not a drop, although no
    /// `ws` line of it follows. PID 900's short socket in the window is the
    /// one drop (and tells that the follower got that far).
    @Test func followDecidesTheEraOnLinesBeforeTheWindow() throws {
        let now = UInt64(Date().timeIntervalSince1970) * 1_000_000
        let min: UInt64 = 60_000_000
        func dispatch(_ t: UInt64, pid: Int, _ text: String) -> String {
            Self.exportEntry(t, now: now, unit: "t3-dispatch.service", pid: pid, Self.goPrefix(t) + text)
        }
        var text = dispatch(now - 30 * min, pid: 812, "ws open user=alice ip=198.51.100.7")
        text += dispatch(now - 25 * min, pid: 812, "ws close user=alice ip=198.51.100.7 dur_ms=300000 cause=graceful")
        text += dispatch(now - 10 * min, pid: 812, "http: proxy error: context canceled")
        text += dispatch(now - 8 * min, pid: 900, "ws close user=bob ip=198.51.100.8 dur_ms=5000 cause=graceful")
        var t = now - 15 * min + 2_000_000
        while t < now - 5 * min {
            text += Self.exportEntry(t, now: now, unit: "kubelet.service", "I0610 reconciler.go:357] started")
            t += 5_000_000
        }
        let dir = try Fixtures.tempDir("t3attr-follow-era")
        _ = try Fixtures.journal(exportText: Data(text.utf8), in: dir, fileName: "a.journal")
        let since = ["--since", "@\((now - 15 * min) / 1_000_000)"]
        let windows = ["--serve-window", "1s", "--host-window", "1s", "--reconnect-window", "1s"]
        let once = try Fixtures.t3attr(["report", "-D", dir, "-o", "json"] + since + windows + table)
        let drops = try Fixtures.ndjson(once.stdout).filter { $0["type"] as? String == "drop" }
        #expect(drops.map { $0["user"] as? String } == ["bob"], "without -f: \(once.stdout)")
        let outPath = dir + "/out.json"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        let p = try Fixtures.background(Fixtures.binary, ["report", "-f", "-D", dir, "-o", "json"] + since + windows + table, stdoutPath: outPath)
        #expect(Self.waitFor("\"type\":\"drop\"", count: 1, in: outPath) == 1)
        usleep(2_000_000)
        #expect(p.stop(SIGINT) == 0)
        let shown = try Fixtures.ndjson(try String(contentsOfFile: outPath, encoding: .utf8)).filter { $0["type"] as? String == "drop" }
        #expect(shown.map { $0["user"] as? String } == ["bob"], "the proxy error of PID 812 is no drop")
    }

    /// `report -f` shows a drop only once its verdict is final: 125 s (the
    /// longest window + 5 s) after it, on the journal read past it and the
    /// clock. The journal is made now, so the test does not depend on the
    /// date: a drop 300 s old is shown, one 20 s old is not (yet); with 1 s
    /// windows (settle 6 s) both are.
    @Test func followWaitsUntilAVerdictIsFinal() throws {
        let now = UInt64(Date().timeIntervalSince1970) * 1_000_000
        let goPrefix = Self.goPrefix
        func entry(_ t: UInt64, unit: String, _ msg: String) -> String { Self.exportEntry(t, now: now, unit: unit, msg) }
        var text = ""
        var t = now - 400_000_000
        while t < now - 1_000_000 {
            text += entry(t, unit: "kubelet.service", "I0610 reconciler.go:357] started")
            if t == now - 300_000_000 || t == now - 20_000_000 {
                text += entry(t + 1, unit: "t3-dispatch.service", goPrefix(t) + "http: proxy error: context canceled")
            }
            t += 5_000_000
        }
        let dir = try Fixtures.tempDir("t3attr-follow-settle")
        _ = try Fixtures.journal(exportText: Data(text.utf8), in: dir, fileName: "a.journal")
        let old = Int(now - 300_000_000 + 1)
        let fresh = Int(now - 20_000_000 + 1)
        for (windows, want) in [
            ([String](), [old]),
            (["--serve-window", "1s", "--host-window", "1s", "--reconnect-window", "1s"], [old, fresh]),
        ] {
            let outPath = dir + "/out-\(want.count).json"
            _ = FileManager.default.createFile(atPath: outPath, contents: nil)
            let p = try Fixtures.background(
                Fixtures.binary, ["report", "-f", "-D", dir, "-o", "json"] + table + windows,
                stdoutPath: outPath)
            let seen = Self.waitFor("\"type\":\"drop\"", count: want.count, in: outPath)
            // Time enough for a drop that is not final yet to be shown by mistake.
            usleep(3_000_000)
            #expect(p.stop(SIGINT) == 0, "SIGINT ends it with 0")
            #expect(seen == want.count, "waited for \(want.count) drops with \(windows)")
            let drops = try Fixtures.ndjson(try String(contentsOfFile: outPath, encoding: .utf8)).filter { $0["type"] as? String == "drop" }
            #expect(drops.map { $0["realtime_usec"] as? Int } == want, "\(windows)")
            #expect(drops.allSatisfy { $0["verdict"] as? String == "client" && $0["reason"] as? String == "isolated_cancel" })
        }
    }

    @Test func followAGateway() throws {
        let (first, second) = try Self.halves("sample-incident")
        let dir = try Fixtures.tempDir("t3attr-follow-gw")
        _ = try Fixtures.journal(exportText: first, in: dir, fileName: "a.journal")
        let (gw, port) = try gateway(dir)
        defer { stop(gw) }
        let outPath = dir + "/out.json"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        let p = try Fixtures.background(
            Fixtures.binary, ["report", "-f", "--url", "http://127.0.0.1:\(port)", "-o", "json"] + table,
            stdoutPath: outPath)
        #expect(Self.waitFor("\"type\":\"drop\"", count: 8, in: outPath) == 8)
        _ = try Fixtures.journal(exportText: second, in: dir, fileName: "b.journal")
        let shown = Self.waitFor("\"type\":\"drop\"", count: 12, in: outPath)
        #expect(shown == 12)
        #expect(p.stop(SIGTERM) == 0, "SIGTERM ends it with 0")
    }
}

/// The import directories of a t3attr (`/tmp/t3attr-import-<pid>-*`) made
/// since it started (not a stale one of an earlier process with the same pid).
private func importDirectories(of p: Fixtures.Background) -> [String] {
    let tmp = FileManager.default.temporaryDirectory.path
    let names = (try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? []
    return names.filter { $0.hasPrefix("t3attr-import-\(p.pid)-") }.map { tmp + "/" + $0 }.filter { dir in
        let made = (try? FileManager.default.attributesOfItem(atPath: dir))?[.modificationDate] as? Date ?? .distantFuture
        return made >= p.started.addingTimeInterval(-1)
    }
}

/// Runs the built binary under timeout(1) with SIGKILL (the test runner may have SIGTERM blocked,
/// and children inherit that): a hang is status 137, not a stuck test run.
private func t3attrWithin(_ seconds: Int, _ args: [String], stdin: Data? = nil) throws -> Fixtures.Result {
    try Fixtures.run("/usr/bin/timeout", ["-s", "KILL", String(seconds), Fixtures.binary] + args, stdin: stdin)
}

private func summary(_ r: Fixtures.Result) throws -> [String: Any] {
    try Fixtures.ndjson(r.stdout).last { $0["type"] as? String == "summary" } ?? [:]
}

private func exportText(_ name: String) throws -> String {
    String(decoding: try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(name + ".export"))), as: UTF8.self)
}

/// A Python server on a port it binds itself (returned) that answers the
/// first request with `head` (bytes, from a file) and then runs `then`
/// (Python statements with the connection `c`); empty connections are skipped.
private func scriptedServer(head: Data, then: String) throws -> (Fixtures.Background, Int) {
    let dir = try Fixtures.tempDir()
    try head.write(to: URL(fileURLWithPath: dir + "/head"))
    let script = dir + "/server.py"
    try Data(
        """
        import socket, sys, time
        head = open(sys.argv[1], 'rb').read()
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(('127.0.0.1', 0)); s.listen(5)
        print(s.getsockname()[1], flush=True)
        while True:
            c, _ = s.accept()
            if c.recv(65536):
                break
            c.close()
        c.sendall(head)
        \(then)
        """.utf8
    ).write(to: URL(fileURLWithPath: script))
    return try serverOnPort0("/usr/bin/python3", [script, dir + "/head"], what: "a scripted HTTP server")
}

private func gatewayHead(_ body: Data) -> Data {
    Data("HTTP/1.1 200 OK\r\nContent-Type: application/vnd.fdo.journal\r\nConnection: close\r\n\r\n".utf8) + body
}

@Suite("stream imports keep every entry, stay bounded and clean up (issue 10)")
struct ImportTests {
    /// `n` t3-dispatch `ws close` entries, each with six unique extra fields,
    /// so that journal-remote's data hash table fills (and it rotates) every ~25,000.
    static func rotatingStream(entries n: Int) -> Data {
        var s = ""
        s.reserveCapacity(n * 420)
        let t0: UInt64 = 1_781_121_600_000_000
        for i in 0..<n {
            s += "__REALTIME_TIMESTAMP=\(t0 + UInt64(i) * 1000)\n_BOOT_ID=5ae0daad7495215b8541efb25e0e7cae\n_HOSTNAME=devvm\n"
            s += "_TRANSPORT=stdout\n_UID=1000\n_PID=812\n_SYSTEMD_UNIT=t3-dispatch.service\nSYSLOG_IDENTIFIER=t3-dispatch\n"
            s += "MESSAGE=2026/06/10 20:00:00 ws close user=u\(i % 50) ip=203.0.113.7 dur_ms=\(i) cause=downstream_closed\n"
            for j in 0..<6 { s += "X\(j)=\(i)-\(j)\n" }
            s += "\n"
        }
        return Data(s.utf8)
    }

    @Test func aStreamThatRotatesTwiceIsReadWhole() throws {
        let n = 60_000
        let dir = try Fixtures.tempDir("t3attr-rotate")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let stream = dir + "/big.export"
        try Self.rotatingStream(entries: n).write(to: URL(fileURLWithPath: stream))
        // The same export imported straight into files: journal-remote rotates at least twice.
        let files = dir + "/files"
        try FileManager.default.createDirectory(atPath: files, withIntermediateDirectories: true)
        let direct = try Fixtures.run(Fixtures.journalRemote, ["--split-mode=none", "--output=" + files + "/direct.journal", stream])
        #expect(direct.status == 0)
        let journals = try FileManager.default.contentsOfDirectory(atPath: files).filter { $0.hasSuffix(".journal") }
        #expect(journals.count >= 3, "journal-remote rotated twice: \(journals)")
        let args = ["dispatch", "--user", "u0", "-o", "json"] + table
        let fromFiles = try summary(try Fixtures.t3attr(args + ["-D", files]))
        let piped = try Fixtures.t3attr(args + ["--input", stream])
        #expect(piped.status == 0, "\(piped.stderr)")
        let fromStream = try summary(piped)
        #expect(fromFiles["entries_read"] as? Int == n)
        #expect(fromStream["entries_read"] as? Int == n, "every entry of the stream is read")
        #expect((fromStream["skipped_entries"] as? [Any])?.isEmpty == true, "journal-remote wrote every entry fed: \(piped.stderr)")
        #expect(fromStream["events"] as? Int == fromFiles["events"] as? Int)
        #expect(fromStream["events"] as? Int == n / 50)
    }

    @Test func badEntriesAreSkippedNamedAndTheRestKept() throws {
        let text = try exportText("sample-incident")
        var entries = text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        let base = "_BOOT_ID=5ae0daad7495215b8541efb25e0e7cae\n_SYSTEMD_UNIT=t3-dispatch.service\n_TRANSPORT=stdout\nMESSAGE=x"
        let bad = [
            "__REALTIME_TIMESTAMP=abc\n" + base,
            "__REALTIME_TIMESTAMP=1781121600000001\n" + base + "\n" + (0..<1100).map { "F\($0)=v" }.joined(separator: "\n"),
            "__REALTIME_TIMESTAMP=1781121600000002\n_BOOT_ID=zz\nMESSAGE=x",
            "__REALTIME_TIMESTAMP=1781121600000003\n" + base + "\nlower case=1",
        ]
        entries.insert(contentsOf: bad, at: 5)
        let stream = Data((entries.joined(separator: "\n\n") + "\n\n").utf8)
        let path = try Fixtures.journal("sample-incident")
        let file = try Fixtures.t3attr(["report", "--file", path, "-o", "json"] + table)
        let r = try Fixtures.t3attr(["report", "--input", "-", "-o", "json"] + table, stdin: stream)
        #expect(r.status == 0, "\(r.stderr)")
        let drops = { (s: String) in try Fixtures.ndjson(s).filter { $0["type"] as? String == "drop" }.count }
        #expect(try drops(r.stdout) == drops(file.stdout), "the entries after the bad ones are kept")
        #expect(try drops(r.stdout) == 12)
        let skipped = (try summary(r)["skipped_entries"] as? [[String: Any]]) ?? []
        let reasons = skipped.compactMap { $0["reason"] as? String }
        #expect(skipped.count == 4, "\(skipped)")
        #expect(skipped.allSatisfy { $0["count"] as? Int == 1 && $0["source"] as? String == "standard input" })
        for word in ["__REALTIME_TIMESTAMP", "1024 fields", "_BOOT_ID", "field name"] {
            #expect(reasons.contains { $0.contains(word) }, "\(word) in \(reasons)")
            #expect(r.stderr.contains(word), "named on stderr: \(word)")
        }
        #expect(try summary(r)["entries_skipped"] as? Int == 4)
        let strict = try Fixtures.t3attr(["report", "--input", "-", "--strict"] + table, stdin: stream)
        #expect(strict.status == 65, "\(strict.stderr)")
    }

    @Test func badJSONLinesAreSkippedAndNamed() throws {
        let path = try Fixtures.journal("sample-incident")
        let json = try Fixtures.run("/usr/bin/journalctl", ["--file", path, "-o", "json", "--no-pager"])
        var lines = json.stdout.split(separator: "\n").map(String.init)
        lines.insert(#"{"__REALTIME_TIMESTAMP":"1781121600000001","MESSAGE":"x","A\nB":"y"}"#, at: 3)
        lines.insert(#"{"__REALTIME_TIMESTAMP":"1781121600000001","MESSAGE":"#, at: 6)
        let r = try Fixtures.t3attr(["report", "--input", "-", "-o", "json"] + table, stdin: Data((lines.joined(separator: "\n") + "\n").utf8))
        let file = try Fixtures.t3attr(["report", "--file", path, "-o", "json"] + table)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(
            try Fixtures.ndjson(r.stdout).filter { $0["type"] as? String == "drop" }.count
                == Fixtures.ndjson(file.stdout).filter { $0["type"] as? String == "drop" }.count)
        let reasons = ((try summary(r)["skipped_entries"] as? [[String: Any]]) ?? []).compactMap { $0["reason"] as? String }
        #expect(reasons.contains { $0.contains("field name") } && reasons.contains { $0.contains("JSON") }, "\(reasons)")
    }

    /// journalctl -o json prints a field over 4096 bytes as null unless
    /// given --all: such an entry is not whole, so it is skipped and named
    /// (it was imported without the field: a 1 MB proxy error vanished).
    @Test func jsonFieldsLeftOutAsNullAreNamed() throws {
        let path = try Fixtures.journal("hostile-messages")
        let cut = try Fixtures.run("/usr/bin/journalctl", ["--file", path, "-o", "json", "--no-pager"])
        let nulls = cut.stdout.split(separator: "\n").filter { $0.contains(":null") }.count
        #expect(nulls >= 1, "the fixture has a field over 4096 bytes")
        let r = try Fixtures.t3attr(["dispatch", "--all", "--input", "-", "-o", "json"] + table, stdin: Data(cut.stdout.utf8))
        #expect(r.status == 0, "\(r.stderr)")
        let skipped = (try summary(r)["skipped_entries"] as? [[String: Any]]) ?? []
        #expect(skipped.map { $0["count"] as? Int } == [nulls], "\(skipped)")
        #expect((skipped.first?["reason"] as? String)?.contains("--all") == true)
        #expect(r.stderr.contains("null"), "\(r.stderr)")
        // With --all every entry arrives whole, as the file has them.
        let all = try Fixtures.run("/usr/bin/journalctl", ["--file", path, "-o", "json", "--all", "--no-pager"])
        let whole = try Fixtures.t3attr(["dispatch", "--all", "--input", "-", "-o", "json"] + table, stdin: Data(all.stdout.utf8))
        let file = try Fixtures.t3attr(["dispatch", "--all", "--file", path, "-o", "json"] + table)
        func events(_ out: String) throws -> [String] {
            try Fixtures.ndjson(out).filter { $0["type"] as? String == "event" }.compactMap { $0["message"] as? String }
        }
        #expect(try events(whole.stdout) == events(file.stdout))
        #expect(try events(r.stdout).count < events(file.stdout).count)
        // A null field t3attr does not read (a long _CMDLINE) leaves the entry whole enough;
        // a null among a field's several values does not.
        var lines = all.stdout.split(separator: "\n").map(String.init)
        let n = lines.count
        lines = lines.map { $0.replacingOccurrences(of: #""MESSAGE":"#, with: #""_CMDLINE":null,"MESSAGE":"#) }
        lines.append(#"{"__REALTIME_TIMESTAMP":"1781121600000001","_SYSTEMD_UNIT":"t3-dispatch.service","MESSAGE":["x",null]}"#)
        let cmdline = try Fixtures.t3attr(
            ["dispatch", "--all", "--input", "-", "-o", "json"] + table, stdin: Data((lines.joined(separator: "\n") + "\n").utf8))
        #expect(try events(cmdline.stdout) == events(file.stdout))
        let skipped2 = (try summary(cmdline)["skipped_entries"] as? [[String: Any]]) ?? []
        #expect(skipped2.map { $0["count"] as? Int } == [1], "\(skipped2) of \(n + 1)")
    }

    @Test func anEntryWith20000FieldsDoesNotHang() throws {
        var text = try exportText("sample-incident")
        text +=
            "\n__REALTIME_TIMESTAMP=1781121600000001\n_SYSTEMD_UNIT=x.service\nMESSAGE=wide\n"
            + (0..<20_000).map { "F\($0)=v" }.joined(separator: "\n") + "\n\n"
        let r = try t3attrWithin(60, ["report", "--input", "-", "-o", "json"] + table, stdin: Data(text.utf8))
        #expect(r.status == 0, "status \(r.status) (137: it hung): \(r.stderr)")
        #expect(try Fixtures.ndjson(r.stdout).filter { $0["type"] as? String == "drop" }.count == 12)
        #expect(r.stderr.contains("1024 fields"), "\(r.stderr)")
    }

    @Test func a128MiBLineIsReadInLinearTime() throws {
        var stream = Data(try exportText("sample-incident").utf8)
        stream += Data("__REALTIME_TIMESTAMP=1781121600000001\n_SYSTEMD_UNIT=x.service\nMESSAGE=".utf8)
        stream += Data(repeating: UInt8(ascii: "x"), count: 128 << 20)  // and no newline: the stream ends inside it
        let start = Date()
        let r = try t3attrWithin(120, ["report", "--input", "-", "-o", "json"] + table, stdin: stream)
        let took = Date().timeIntervalSince(start)
        #expect(r.status == 0, "status \(r.status): \(r.stderr)")
        #expect(took < 30, "took \(took) s")
        #expect(try Fixtures.ndjson(r.stdout).filter { $0["type"] as? String == "drop" }.count == 12)
        #expect(r.stderr.contains("cut off"), "\(r.stderr)")
    }

    @Test func devZeroIsAClearErrorNotAHang() throws {
        let r = try t3attrWithin(30, ["report", "--input", "/dev/zero"] + table)
        #expect(r.status == 66, "status \(r.status) (137: it never ended)")
        #expect(r.stderr.contains("not Journal Export Format"), "\(r.stderr)")
    }

    @Test func aTricklingGatewayEndsAtTheDeadlineKeepingWhatWasRead() throws {
        let text = try exportText("sample-incident")
        let half = text.index(text.startIndex, offsetBy: text.count / 2)
        let cut = text[half...].range(of: "\n\n")!.upperBound
        let (server, port) = try scriptedServer(
            head: gatewayHead(Data(text[..<cut].utf8)),
            then: """
                for b in open(sys.argv[1], 'rb').read()[:100]:
                    time.sleep(5); c.sendall(b'_')
                """)
        defer { stop(server) }
        let start = Date()
        let r = try t3attrWithin(60, ["report", "--url", "http://127.0.0.1:\(port)", "--url-timeout", "3", "-o", "json"] + table)
        #expect(r.status == 0, "status \(r.status) (137: it never ended): \(r.stderr)")
        #expect(Date().timeIntervalSince(start) < 20)
        #expect(r.stderr.contains("--url-timeout"), "\(r.stderr)")
        #expect(try Fixtures.ndjson(r.stdout).contains { $0["type"] as? String == "drop" }, "what arrived is analysed")
        #expect(((try summary(r)["skipped_files"] as? [[String: Any]]) ?? []).count == 1)
    }

    /// A gateway that accepts and never answers is "no answer", not "still sending".
    @Test func aSilentGatewayIsNoAnswer() throws {
        let (server, port) = try scriptedServer(head: Data(), then: "time.sleep(60)")
        defer { stop(server) }
        let r = try t3attrWithin(60, ["report", "--url", "http://127.0.0.1:\(port)", "--url-timeout", "3"] + table)
        #expect(r.status == 66, "status \(r.status): \(r.stderr)")
        #expect(r.stderr.contains(": no answer within 3 s (the --url-timeout)"), "\(r.stderr)")
        #expect(r.stdout.isEmpty, "\(r.stdout)")
    }

    @Test func redirectsAreNotFollowed() throws {
        let dir = try Fixtures.tempDir()
        _ = try Fixtures.journal("sample-incident", in: dir)
        let (gw, gwPort) = try gateway(dir)
        defer { stop(gw) }
        let script = dir + "/redirect.py"
        try Data(
            """
            import http.server, sys
            class H(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    self.send_response(302)
                    self.send_header('Location', 'http://localhost:%s/entries' % sys.argv[2])
                    self.end_headers()
            srv = http.server.HTTPServer(('127.0.0.1', 0), H)
            print(srv.server_address[1], flush=True)
            srv.serve_forever()
            """.utf8
        ).write(to: URL(fileURLWithPath: script))
        let (web, port) = try serverOnPort0("/usr/bin/python3", [script, "-", String(gwPort)], what: "a redirecting HTTP server")
        defer { stop(web) }
        // The gateway itself answers.
        #expect(try Fixtures.t3attr(["report", "--url", "http://127.0.0.1:\(gwPort)"] + table).status == 0)
        let r = try Fixtures.t3attr(["report", "--url", "http://127.0.0.1:\(port)"] + table)
        #expect(r.status == 66, "\(r.stdout)")
        #expect(r.stderr.contains("redirect"), "\(r.stderr)")
    }

    @Test func dispatchFollowsAGrowingGateway() throws {
        let (first, second) = try FollowTests.halves("sample-incident")
        let dir = try Fixtures.tempDir("t3attr-follow-gw")
        _ = try Fixtures.journal(exportText: first, in: dir, fileName: "a.journal")
        let (gw, port) = try gateway(dir)
        defer { stop(gw) }
        let count = { () throws -> Int in
            try Fixtures.ndjson(try Fixtures.t3attr(["dispatch", "-D", dir, "-o", "json"] + table).stdout)
                .filter { $0["type"] as? String == "event" }.count
        }
        let before = try count()
        let outPath = dir + "/out.json"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        let p = try Fixtures.background(
            Fixtures.binary, ["dispatch", "-f", "--url", "http://127.0.0.1:\(port)", "-o", "json"] + table,
            stdoutPath: outPath)
        #expect(FollowTests.waitFor("\"type\":\"event\"", count: before, in: outPath) == before)
        _ = try Fixtures.journal(exportText: second, in: dir, fileName: "b.journal")
        let after = try count()
        #expect(after > before)
        #expect(FollowTests.waitFor("\"type\":\"event\"", count: after, in: outPath) == after, "the events written later arrive")
        #expect(p.stop(SIGTERM) == 0, "SIGTERM ends it with 0")
        #expect(importDirectories(of: p).isEmpty)
    }

    /// Starts `report --input FIFO` and feeds it half a stream; returns once
    /// journal-remote has written its file (the import is under way).
    static func importUnderWay(_ extra: [String] = []) throws -> (Fixtures.Background, Int32, String) {
        let dir = try Fixtures.tempDir()
        let fifo = dir + "/stream"
        #expect(mkfifo(fifo, 0o600) == 0)
        let p = try Fixtures.background(Fixtures.binary, ["report", "--input", fifo] + extra + table)
        let w = open(fifo, O_RDWR | O_NONBLOCK)  // waits neither for the reader nor for it to read
        let (first, _) = try FollowTests.halves("sample-incident")
        _ = first.withUnsafeBytes { write(w, $0.baseAddress, $0.count) }
        var written = false
        for _ in 0..<200 {
            if let d = importDirectories(of: p).first,
                let size = (try? FileManager.default.attributesOfItem(atPath: d + "/input.journal"))?[.size] as? Int, size > 0
            {
                written = true
                break
            }
            usleep(50_000)
        }
        #expect(written, "the import started")
        return (p, w, dir)
    }

    @Test(arguments: [SIGINT, SIGTERM, SIGHUP])
    func aSignalDuringAnImportRemovesItsDirectory(sig: Int32) throws {
        let (p, w, _) = try Self.importUnderWay()
        defer { close(w) }
        #expect(!importDirectories(of: p).isEmpty)
        #expect(p.stop(sig) == 128 + sig, "ended by the signal")
        #expect(importDirectories(of: p).isEmpty, "no temporary directory left")
    }

    @Test func sigpipeDuringAnImportIsIgnoredAndTheImportCompletes() throws {
        let (p, w, _) = try Self.importUnderWay()
        kill(p.pid, SIGPIPE)
        usleep(200_000)
        let (_, second) = try FollowTests.halves("sample-incident")
        _ = second.withUnsafeBytes { write(w, $0.baseAddress, $0.count) }
        close(w)
        var status: Int32 = 0
        while waitpid(p.pid, &status, 0) < 0 && errno == EINTR {}
        #expect((status & 0x7f) == 0 && (status >> 8) & 0xff == 0, "status \(status)")
        #expect(importDirectories(of: p).isEmpty)
    }

    @Test(arguments: [true, false])
    func followEndsWithZeroOnSIGTERMWhileAGatewayStalls(entriesFirst: Bool) throws {
        let body = entriesFirst ? try FollowTests.halves("sample-incident").0 : Data()
        let (server, port) = try scriptedServer(head: gatewayHead(body), then: "time.sleep(120)")
        defer { stop(server) }
        let p = try Fixtures.background(Fixtures.binary, ["dispatch", "-f", "--url", "http://127.0.0.1:\(port)"] + table)
        for _ in 0..<100 where importDirectories(of: p).isEmpty { usleep(50_000) }
        usleep(entriesFirst ? 1_500_000 : 500_000)
        #expect(!importDirectories(of: p).isEmpty)
        #expect(p.stop(SIGTERM) == 0, "SIGTERM ends -f with 0")
        #expect(importDirectories(of: p).isEmpty)
    }
}
