import Foundation
import Glibc
import TestSupport
import Testing

private let table = ["--dispatch-table", Fixtures.path("dispatch.json")]

private func copy(_ src: String, to dst: String) throws {
    try? FileManager.default.removeItem(atPath: dst)
    try FileManager.default.copyItem(atPath: src, toPath: dst)
}

/// Overwrites `count` bytes at `offset` with zeros or seeded pseudo-random bytes.
private func damage(_ path: String, at offset: Int, count: Int, random: Bool) throws {
    let h = try FileHandle(forUpdating: URL(fileURLWithPath: path))
    try h.seek(toOffset: UInt64(offset))
    // Seeded (xorshift64*), so a failure is the same bytes on every run.
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(offset)
    func next() -> UInt8 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return UInt8(truncatingIfNeeded: (state &* 0x2545_F491_4F6C_DD1D) >> 56)
    }
    h.write(Data((0..<count).map { _ in random ? next() : 0 }))
    try h.close()
}

/// Offset of the n-th occurrence of `needle` in the file.
private func offset(of needle: String, nth: Int, in path: String) throws -> Int {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    var from = data.startIndex
    var found = 0
    while let r = data.range(of: Data(needle.utf8), in: from..<data.endIndex) {
        found += 1
        if found == nth { return r.lowerBound }
        from = r.upperBound
    }
    throw Fixtures.Missing(description: "\(needle) occurs \(found) times in \(path)")
}

/// Runs a command (`python3 -c closedStderr cmd args...`) with its standard
/// error a pipe whose read end was closed before it started (every write to
/// it fails) and prints its exit status.
private let closedStderr =
    "import os,subprocess,sys; r,w=os.pipe(); os.close(r); "
    + "print(subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=w).returncode)"

private func summary(_ out: String) throws -> [String: Any] {
    try #require(try Fixtures.ndjson(out).last { $0["type"] as? String == "summary" })
}

@Suite("hostile input: damaged journals, permissions, odd messages, bad arguments")
struct HostileInputTests {
    @Test func truncatedFileAloneIsANamedError() throws {
        let dir = try Fixtures.tempDir()
        let good = try Fixtures.journal("sample-incident", in: dir)
        let bad = dir + "/cut.journal"
        try copy(good, to: bad)
        #expect(truncate(bad, 200_000) == 0)
        let r = try Fixtures.t3attr(["report", "--file", bad] + table)
        #expect(r.status == 66)
        #expect(r.stderr.contains(bad) && r.stderr.contains("truncated"), "\(r.stderr)")
    }

    @Test(arguments: ["dispatch", "report"])
    func truncatedFileAmongGoodOnesIsSkippedAndNamed(command: String) throws {
        let dir = try Fixtures.tempDir()
        _ = try Fixtures.journal("sample-incident", in: dir, fileName: "a.journal")
        try copy(dir + "/a.journal", to: dir + "/b.journal")
        #expect(truncate(dir + "/b.journal", 100_000) == 0)
        let r = try Fixtures.t3attr([command, "-D", dir, "-o", "json"] + table)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains(dir + "/b.journal"))
        let s = try summary(r.stdout)
        let skipped = try #require(s["skipped_files"] as? [[String: Any]])
        #expect(skipped.map { $0["path"] as? String } == [dir + "/b.journal"])
        #expect((skipped.first?["reason"] as? String)?.contains("truncated") == true)
        // The good file was analysed.
        #expect(r.stdout.contains("\"type\":\"\(command == "report" ? "drop" : "event")\""))
        let strict = try Fixtures.t3attr([command, "-D", dir, "-o", "json", "--strict"] + table)
        #expect(strict.status == 65)
        #expect(strict.stdout == r.stdout, "--strict still prints everything it read")
        // The same through --file with both files.
        let files = try Fixtures.t3attr([command, "--file", dir + "/a.journal", "--file", dir + "/b.journal", "-o", "json"] + table)
        #expect(files.status == 0)
        #expect(files.stderr.contains(dir + "/b.journal"))
    }

    @Test(arguments: [false, true])
    func damagedBytesInTheMiddleNeitherCrashNorHang(random: Bool) throws {
        let dir = try Fixtures.tempDir()
        let path = try Fixtures.journal("sample-incident", in: dir)
        try damage(path, at: try offset(of: "proxy error", nth: 3, in: path), count: 4096, random: random)
        let start = Date()
        let r = try Fixtures.t3attr(["report", "--file", path, "-o", "json"] + table)
        #expect(Date().timeIntervalSince(start) < 30)
        #expect(r.status == 0, "\(r.stderr)")
        let s = try summary(r.stdout)
        // What was read before the damage is reported, and the damage is named.
        #expect((s["drops"] as? Int ?? 0) > 0)
        #expect(!((s["skipped_files"] as? [Any]) ?? []).isEmpty)
        #expect(r.stderr.contains("damaged"))
    }

    /// sd-journal drops a file from a handle for good when a read meets
    /// damage in it. Damage that only the first pass's matches reach (a
    /// script's line) must not cost the later passes the whole file: every
    /// drop whose dispatch line can still be read (journalctl, matching the
    /// unit alone, is the oracle) is reported, and the damage is named once.
    @Test func damageOneReadMeetsLeavesTheOtherReadsTheFile() throws {
        let dir = try Fixtures.tempDir()
        let good = try Fixtures.journal("sample-incident", in: dir)
        let bad = dir + "/d.journal"
        try copy(good, to: bad)
        try damage(bad, at: try offset(of: "restarted t3-serve@grace", nth: 1, in: bad), count: 4096, random: false)
        func drops(_ path: String) throws -> (Set<String>, Fixtures.Result) {
            let r = try Fixtures.t3attr(["report", "--file", path, "-o", "json"] + table)
            #expect(r.status == 0, "\(r.stderr)")
            return (Set(try Fixtures.ndjson(r.stdout).filter { $0["type"] as? String == "drop" }.compactMap { $0["cursor"] as? String }), r)
        }
        let readable = Set(try Fixtures.journalctlCursors(["--file", bad, "_SYSTEMD_UNIT=t3-dispatch.service"]))
        let (before, _) = try drops(good)
        let want = before.intersection(readable)
        #expect(want.count >= 5, "the damage leaves most dispatch lines readable: \(want.count) of \(before.count) drops")
        let (after, r) = try drops(bad)
        #expect(want.isSubset(of: after), "lost: \(want.subtracting(after).sorted())")
        #expect(r.stderr.components(separatedBy: "damaged").count == 2, "named once: \(r.stderr)")
        // `bursts` reads the same passes: the sample's burst (seven users at 20:00) is still found.
        let b = try Fixtures.t3attr(["bursts", "--file", bad, "-o", "json"] + table)
        #expect(b.status == 0, "\(b.stderr)")
        #expect(try Fixtures.ndjson(b.stdout).contains { $0["type"] as? String == "burst" }, "\(b.stdout)")
    }

    /// In a directory of two files, one damaged where only some matches
    /// reach: the damaged file is named, once, with one handle or one per
    /// file, and the clean one never (it was, as the one file left).
    @Test(arguments: ["1", "2"])
    func damageInADirectoryNamesTheDamagedFileOnce(jobs: String) throws {
        let dir = try Fixtures.tempDir()
        let bad = try Fixtures.journal("sample-incident", in: dir, fileName: "x.journal")
        _ = try Fixtures.journal("scenario-serve-oom", in: dir, fileName: "y.journal")
        try damage(bad, at: try offset(of: "restarted t3-serve@grace", nth: 1, in: bad), count: 4096, random: false)
        for command in ["report", "bursts", "dispatch"] {
            let r = try Fixtures.t3attr([command, "-D", dir, "--jobs", jobs] + table)
            #expect(r.status == 0, "\(r.stderr)")
            let notes = r.stderr.split(separator: "\n").filter { $0.contains("damaged") }
            #expect(notes.count == 1 && notes.first?.contains(bad) == true, "\(command) --jobs \(jobs): \(r.stderr)")
        }
    }

    @Test(
        "empty, foreign and missing inputs",
        arguments: [
            ("zero", "empty file"), ("passwd", "not a journal file"), ("emptydir", "no journal files"),
            ("missing", "No such file or directory"), ("device", "a device, not a journal file"),
            ("pipe", "a pipe, not a journal file (an export stream is read with --input)"),
        ])
    func badInputs(kind: String, text: String) throws {
        let dir = try Fixtures.tempDir()
        var args: [String]
        switch kind {
        case "zero":
            _ = FileManager.default.createFile(atPath: dir + "/z.journal", contents: Data())
            args = ["--file", dir + "/z.journal"]
        case "passwd": args = ["--file", "/etc/passwd"]
        case "emptydir": args = ["-D", dir]
        // /dev/zero has no size, and `--file <(journalctl -o export)` is a pipe.
        case "device": args = ["--file", "/dev/zero"]
        case "pipe":
            #expect(mkfifo(dir + "/fifo", 0o600) == 0)
            args = ["--file", dir + "/fifo"]
        default: args = ["--file", dir + "/nope.journal"]
        }
        for cmd in ["dispatch", "report"] {
            let r = try Fixtures.t3attr([cmd] + args + table)
            #expect(r.status == 66, "\(cmd) \(kind): \(r.stderr)")
            #expect(r.stderr.contains(text), "\(r.stderr)")
            #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Stack dump"))
        }
    }

    /// Runs t3attr as an unprivileged user (root reads everything).
    func runUnprivileged(_ args: [String]) throws -> Fixtures.Result {
        if getuid() == 0 {
            return try Fixtures.run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", Fixtures.binary] + args)
        }
        return try Fixtures.t3attr(args)
    }

    @Test func unreadableFilesSayHowToGetAccess() throws {
        let dir = try Fixtures.tempDir()
        chmod(dir, 0o755)
        _ = try Fixtures.journal("sample-incident", in: dir, fileName: "a.journal")
        _ = try Fixtures.journal("scenario-serve-oom", in: dir, fileName: "b.journal")
        chmod(dir + "/a.journal", 0o644)
        chmod(dir + "/b.journal", 0o000)
        let tableCopy = dir + "/dispatch.json"
        try copy(Fixtures.path("dispatch.json"), to: tableCopy)
        chmod(tableCopy, 0o644)
        // Some unreadable: warn and go on.
        let some = try runUnprivileged(["report", "-D", dir, "--dispatch-table", tableCopy, "-o", "json"])
        #expect(some.status == 0, "\(some.stderr)")
        // The file says who may read it: its owner (mode 0000), not the journal's groups.
        #expect(some.stderr.contains(dir + "/b.journal") && some.stderr.contains("only its owner 'root' may read it"), "\(some.stderr)")
        // All unreadable: a non-zero exit that says why.
        chmod(dir + "/a.journal", 0o000)
        let none = try runUnprivileged(["report", "-D", dir, "--dispatch-table", tableCopy])
        #expect(none.status == 77, "\(none.stderr)")
        #expect(none.stderr.contains("permission denied") && none.stderr.contains("sudo"), "\(none.stderr)")
        let file = try runUnprivileged(["dispatch", "--file", dir + "/a.journal", "--dispatch-table", tableCopy])
        #expect(file.status == 77)
        #expect(file.stderr.contains(dir + "/a.journal"))
    }

    @Test func oddMessagesKeepJSONValid() throws {
        let path = try Fixtures.journal("hostile-messages")
        for cmd in ["dispatch", "report"] {
            let r = try Fixtures.t3attr([cmd, "--file", path, "-o", "json", "--all"].filter { cmd == "dispatch" || $0 != "--all" } + table)
            #expect(r.status == 0, "\(r.stderr)")
            let objs = try Fixtures.ndjson(r.stdout)  // throws on invalid JSON
            #expect(!objs.isEmpty)
        }
        let r = try Fixtures.t3attr(["dispatch", "--file", path, "-o", "json", "--all"] + table)
        let evs = try Fixtures.ndjson(r.stdout).filter { $0["type"] as? String == "event" }
        let bad = try #require(evs.first { ($0["message"] as? String)?.contains("bad utf-8") == true })
        let raw = try #require(Data(base64Encoded: bad["message_base64"] as? String ?? ""))
        #expect(raw.contains(0xFF) && raw.contains(0xFE))
        #expect((bad["message"] as? String)?.contains("\u{FFFD}") == true)
        let big = try #require(evs.first { ($0["message"] as? String ?? "").count > 1_000_000 })
        #expect(big["class"] as? String == "refused" && big["user"] as? String == "alice")
        let v6 = try #require(evs.first { ($0["message"] as? String ?? "").contains("[::1]:3774") })
        #expect(v6["port"] as? Int == 3774 && v6["side"] as? String == "upstream")
        let outOfRange = try #require(evs.first { ($0["message"] as? String ?? "").contains("99999") })
        #expect(outOfRange["port"] is NSNull)
        #expect(evs.contains { $0["message"] as? String == "" })
        let table = try Fixtures.t3attr(["dispatch", "--file", path, "--all"] + ["--dispatch-table", Fixtures.path("dispatch.json")])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("refused"), "the table lists the events")
        #expect(!table.stdout.contains("\u{1b}"), "control characters are escaped in the table")
    }

    /// Journal text that tries to drive the terminal (ESC/CSI/OSC in a user,
    /// a host, a serve unit, a script line and MESSAGE; C1 controls such as
    /// U+009B; DEL; a file name with ESC for the notes) comes out escaped in
    /// every format, on stdout and stderr, and JSON stays valid.
    @Test(arguments: [
        ["dispatch", "--all"], ["dispatch", "--all", "--jobs", "2"], ["dispatch", "--all", "-o", "json"],
        ["dispatch", "--all", "-o", "json-pretty"], ["report"], ["report", "-v"], ["report", "-o", "markdown"],
        ["report", "-o", "json"], ["report", "-o", "json-pretty"], ["bursts", "--min", "1", "-v"],
        ["bursts", "--min", "1", "-o", "json"], ["serve"], ["serve", "-o", "json"], ["report", "-f"],
    ])
    func noOutputByteCanDriveATerminal(args: [String]) throws {
        let dir = try Fixtures.tempDir()
        _ = try Fixtures.journal("hostile-messages", in: dir)
        _ = FileManager.default.createFile(atPath: dir + "/x\u{1b}]0;title\u{07}\u{9b}2J.journal", contents: Data())
        var r: (status: Int32, stdout: String, stderr: String, stdoutData: Data)
        if args.contains("-f") {
            let out = dir + "/follow.out"
            // 1 s windows: a drop at the journal's end is final 6 s after it was read, not 125 s.
            let windows = ["--serve-window", "1s", "--reconnect-window", "1s", "--host-window", "1s"]
            let p = try Fixtures.background(Fixtures.binary, args + ["-D", dir] + table + windows, stdoutPath: out)
            for _ in 0..<300 where ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").components(separatedBy: "mallory").count < 2 {
                usleep(100_000)
            }
            #expect(p.stop(SIGINT) == 0)
            let data = try Data(contentsOf: URL(fileURLWithPath: out))
            r = (0, String(decoding: data, as: UTF8.self), "", data)
        } else {
            let run = try Fixtures.t3attr(args + ["-D", dir] + table)
            r = (run.status, run.stdout, run.stderr, run.stdoutData)
        }
        #expect(r.status == 0, "\(r.stderr)")
        #expect(terminalControls(r.stdoutData) == [], "\(args) stdout")
        #expect(terminalControls(Data(r.stderr.utf8)) == [], "\(args) stderr: \(r.stderr)")
        let json = args.contains("json") || args.contains("json-pretty")
        if args.contains("json-pretty") {
            #expect(try JSONSerialization.jsonObject(with: r.stdoutData) is [String: Any])
        } else if json {
            _ = try Fixtures.ndjson(r.stdout)
        }
        // Not vacuous: the hostile text is there, escaped.
        // (Markdown escapes the backslash and the bracket as well.)
        let markdown = args.contains("markdown")
        #expect(r.stdout.contains(json ? "\\u001b[2J" : markdown ? "\\\\x1b\\[2J" : "\\x1b[2J"), "\(args): \(r.stdout.prefix(3000))")
        if args.first == "dispatch" { #expect(r.stdout.contains(json ? "\\u009b2J" : "\\x9b2J")) }
        if !args.contains("-f") { #expect(r.stderr.contains("x\\x1b]0;title\\x07\\x9b2J.journal"), "\(r.stderr)") }
    }

    /// Bidirectional overrides, isolates, marks and zero-width characters in
    /// a user's text (the `ip=` chain, the error, the user name) reach no
    /// output raw: a terminal would reorder or hide what the line and its
    /// `journalctl --cursor` command say. They come out as `\uNNNN`.
    @Test(arguments: [
        ["dispatch", "--all"], ["dispatch", "--all", "-o", "json"], ["report", "-v"], ["report", "-o", "markdown"],
        ["report", "-o", "json"], ["report", "-o", "json-pretty"],
    ])
    func invisibleFormatCharactersAreShownEscaped(args: [String]) throws {
        let dir = try Fixtures.tempDir()
        var export = ""
        let lines = [
            "ws close user=ev\u{202E}lanimret ip=1.2.3.4\u{2066}, 5.6.7.8\u{2069} dur_ms=900 cause=graceful",
            "http: proxy error: \u{200B}context\u{FEFF} canceled \u{200F}\u{061C}\u{2028}x",
        ]
        for (i, line) in lines.enumerated() {
            export += """
                __REALTIME_TIMESTAMP=\(1_781_121_600_000_000 + i * 1_000_000)
                __MONOTONIC_TIMESTAMP=\(1000 + i)
                _BOOT_ID=5ae0daad7495215b8541efb25e0e7cae
                _HOSTNAME=devvm
                _TRANSPORT=stdout
                _PID=812
                _UID=1000
                _SYSTEMD_UNIT=t3-dispatch.service
                MESSAGE=2026/06/10 20:00:0\(i) \(line)


                """
        }
        _ = try Fixtures.journal(exportText: Data(export.utf8), in: dir)
        let r = try Fixtures.t3attr(args + ["-D", dir] + table)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(terminalControls(r.stdoutData) == [], "\(args) stdout: \(r.stdout.prefix(2000))")
        #expect(terminalControls(Data(r.stderr.utf8)) == [], "\(args) stderr: \(r.stderr)")
        // Not vacuous: the characters are there, escaped.
        #expect(r.stdout.contains("\\u202e") || r.stdout.contains("\\u200b"), "\(args): \(r.stdout.prefix(2000))")
        if args.contains("json-pretty") {
            #expect(try JSONSerialization.jsonObject(with: r.stdoutData) is [String: Any])
        } else if args.contains("json") {
            _ = try Fixtures.ndjson(r.stdout)
        }
    }

    /// One entry placed among later ones (a receive time 30 min before its
    /// neighbours': a clock stepped back, or a stream that says so) is no
    /// host gap: the seek by time lands beside it, and the silence it seems
    /// to border is not one. The drops are those of the journal without it.
    @Test func anEntryOutOfOrderMakesNoHostGap() throws {
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("sample-incident.export"))), as: UTF8.self)
        var entries = text.components(separatedBy: "\n\n").filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        let i = try #require(entries.firstIndex { $0.contains("__REALTIME_TIMESTAMP=17811233") }, "an entry of 20:29")
        entries.insert("__REALTIME_TIMESTAMP=1781121600000000\n__MONOTONIC_TIMESTAMP=5\n_BOOT_ID=5ae0daad7495215b8541efb25e0e7cae\nMESSAGE=", at: i)
        let dir = try Fixtures.tempDir()
        let odd = try Fixtures.journal(exportText: Data((entries.joined(separator: "\n\n") + "\n\n").utf8), in: dir)
        func drops(_ path: String) throws -> [String] {
            let r = try Fixtures.t3attr(["report", "-o", "json", "--file", path] + table)
            try #require(r.status == 0, "\(r.stderr)")
            return try Fixtures.ndjson(r.stdout).compactMap {
                $0["type"] as? String == "drop" ? "\($0["realtime_usec"] ?? "")/\($0["verdict"] ?? "")/\($0["reason"] ?? "")" : nil
            }
        }
        let plain = try drops(try Fixtures.journal("sample-incident"))
        #expect(!plain.isEmpty)
        #expect(try drops(odd) == plain)
    }

    /// The drops the hostile lines must still give, from the rules: each
    /// line that is a dispatch shape is judged on what it says, whatever
    /// bytes surround it; the empty, cut-short and escape-prefixed lines are no drops,
    /// nor are the serve timeout and the watchdog probe of +12 and +13 (signals).
    @Test func hostileMessagesGiveTheDropsTheirShapesMake() throws {
        let path = try Fixtures.journal("hostile-messages")
        let r = try Fixtures.t3attr(["report", "--file", path, "-o", "json"] + table)
        #expect(r.status == 0, "\(r.stderr)")
        let objs = try Fixtures.ndjson(r.stdout)
        let base = 1_781_424_000  // 2026-06-14 08:00:00 UTC
        let got = objs.filter { $0["type"] as? String == "drop" }.map { d in
            "+\((d["realtime_usec"] as? Int ?? 0) / 1_000_000 - base) \(d["verdict"] as? String ?? "?")/\(d["reason"] as? String ?? "?")"
        }
        #expect(
            got == [
                "+2 client/isolated_drop",  // a 5 ms socket of a user whose name holds a NUL
                "+5 unknown/no_evidence",  // empty cause, dur_ms=abc: says nothing (one request reset 2 s later is no evidence)
                "+10 client/isolated_cancel",  // a downstream ws close of a user whose name clears the screen
                "+14 client/isolated_cancel",  // context canceled on a host (no ws lines there: old era) whose name colours the terminal
            ])
        #expect(objs.last?["drops"] as? Int == 4)
        // The proxy errors of devvm's dispatch, which logs ws lines, are request errors (issue 13, section 1).
        let requests = objs.filter { $0["type"] as? String == "request_error" }.map { d in
            "+\((d["realtime_usec"] as? Int ?? 0) / 1_000_000 - base) \(d["class"] as? String ?? "?")"
        }
        #expect(requests == ["+1 canceled", "+4 refused", "+7 reset", "+8 refused", "+11 canceled"])
        #expect(objs.last?["request_errors"] as? Int == 5)
    }

    @Test func malformedDispatchTablesNameTheFile() throws {
        let path = try Fixtures.journal("dispatch-basic")
        let dir = try Fixtures.tempDir()
        for (name, text, why) in [
            ("empty", "", "is empty"), ("array", "[1]", "expected a JSON object"), ("string-port", #"{"a":{"port":"3773"}}"#, "port"),
            ("cut", #"{"a":"#, "not valid JSON"), ("null", "null", "expected a JSON object"), ("number", "3773", "expected a JSON object"),
        ] {
            let f = dir + "/\(name).json"
            try Data(text.utf8).write(to: URL(fileURLWithPath: f))
            let r = try Fixtures.t3attr(["dispatch", "--file", path, "--dispatch-table", f])
            #expect(r.status == 65, "\(name)")
            #expect(r.stderr.contains(f))
            #expect(r.stderr.contains(why), "\(name): \(r.stderr)")
        }
    }

    @Test(
        "bad arguments are usage errors",
        arguments: [
            (["bursts", "--min", "0"], "--min"), (["bursts", "--min", "-3"], "--min"), (["bursts", "--min=-3"], "--min"),
            (["report", "--burst-min", "0"], "--burst-min"),
            (["report", "--gap", "0"], "--gap"), (["report", "--serve-window", "5 fortnights"], "fortnights"),
            (["report", "--since", "tomorrow", "--until", "yesterday"], "is after --until"), (["report", "-o", "xml"], "xml"),
            (["report", "--since", "2026-13-40"], "2026-13-40"), (["report", "--dispatch-unit", "nosuch@*"], "nosuch@*"),
            (["report", "--verdict", "maybe"], "maybe"), (["dispatch", "--jobs=-1"], "--jobs"),
        ])
    func badArguments(args: [String], text: String) throws {
        let path = try Fixtures.journal("dispatch-basic")
        let r = try Fixtures.t3attr(args + ["--file", path] + table)
        #expect(r.status == 64, "\(args): \(r.stderr)")
        #expect(r.stderr.contains(text), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    @Test func clockGoingBackwardsIsReported() throws {
        let path = try Fixtures.journal("scenario-clock-backwards")
        let r = try Fixtures.t3attr(["report", "--file", path, "-o", "json"] + table)
        let s = try summary(r.stdout)
        #expect((s["clock_went_back"] as? Int ?? 0) >= 1)
        #expect(r.stderr.contains("clock went backwards"))
        let times = try Fixtures.ndjson(r.stdout).filter { $0["type"] as? String == "drop" }.compactMap { $0["realtime_usec"] as? Int }
        #expect(times == times.sorted() && times.count == 4)
    }

    @Test func closedPipeExitsQuietly() throws {
        // Enough output to overflow a pipe buffer.
        var text = ""
        for k in 0..<3000 {
            let t = 1_781_200_000_000_000 + UInt64(k) * 1_000_000
            text +=
                "__REALTIME_TIMESTAMP=\(t)\n__MONOTONIC_TIMESTAMP=\(t - 1_781_100_000_000_000)\n_BOOT_ID=5ae0daad7495215b8541efb25e0e7cae\n_HOSTNAME=devvm\n_TRANSPORT=stdout\n_PID=812\n_SYSTEMD_UNIT=t3-dispatch.service\nMESSAGE=http: proxy error: dial tcp 127.0.0.1:3773: connect: connection refused \(k)\n\n"
        }
        let path = try Fixtures.journal(exportText: Data(text.utf8))
        // report: --drops, or 3000 drops print no per-drop rows (issue 15) and fit in the pipe.
        for cmd in ["dispatch", "report --drops"] {
            let r = try Fixtures.run(
                "/bin/bash",
                [
                    "-c",
                    "'\(Fixtures.binary)' \(cmd) --file '\(path)' --dispatch-table '\(Fixtures.path("dispatch.json"))' | head -1; echo \"status=${PIPESTATUS[0]}\" >&2",
                ])
            #expect(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines) == "status=0", "\(cmd): \(r.stderr)")
            #expect(r.stdout.split(separator: "\n").count == 1)
        }
    }

    /// `t3attr ... 2>&1 | head`: a warning or error written to a pipe
    /// nobody reads any more loses the message, not the exit status a
    /// script tests (it was 132, an illegal instruction, from FileHandle).
    @Test(arguments: [
        (["report", "--file", "/etc/passwd"], 66),
        (["report", "-D", "/nonexistent"], 66),
        // An argument error is written before any output: it died by SIGPIPE (141).
        (["report", "--no-such-option"], 64),
        (["why"], 64),
    ])
    func aClosedStandardErrorKeepsTheExitStatus(args: [String], status: Int) throws {
        let open = try Fixtures.t3attr(args + table)
        #expect(open.status == status && !open.stderr.isEmpty, "\(open.stderr)")
        let r = try Fixtures.run("/usr/bin/python3", ["-c", closedStderr, Fixtures.binary] + args + table)
        #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "\(status)", "\(r.stdout) \(r.stderr)")
    }

    /// An entry with two MESSAGE fields (any client can send them): t3attr read
    /// the last, journalctl shows the first, so the evidence and the command
    /// that re-finds it told two stories. The first is read, as journalctl does.
    @Test func aSecondMessageFieldIsIgnoredAsJournalctlDoes() throws {
        let t: UInt64 = 1_781_200_000_000_000
        let text =
            "__REALTIME_TIMESTAMP=\(t)\n__MONOTONIC_TIMESTAMP=1000000\n_BOOT_ID=5ae0daad7495215b8541efb25e0e7cae\n_HOSTNAME=devvm\n_TRANSPORT=stdout\n_PID=812\n_SYSTEMD_UNIT=t3-dispatch.service\nMESSAGE=2026/06/11 16:26:40 ws close user=bob ip=198.51.100.4 dur_ms=5000 cause=context canceled\nMESSAGE=2026/06/11 16:26:40 ws close user=carol ip=198.51.100.5 dur_ms=5000 cause=context canceled\n\n"
        let path = try Fixtures.journal(exportText: Data(text.utf8))
        let shown = try Fixtures.run("/usr/bin/journalctl", ["--file", path, "-o", "cat", "--no-pager"])
        #expect(shown.stdout.contains("user=bob"), "the oracle: \(shown.stdout)")
        let r = try Fixtures.t3attr(["dispatch", "--file", path, "-o", "json"] + table)
        let events = try Fixtures.ndjson(r.stdout).filter { $0["type"] as? String == "event" }
        #expect(events.map { $0["user"] as? String } == ["bob"], "\(r.stdout)")
    }

    /// Markdown tickets: a user name, a device and a message are text, never a
    /// link, an image, HTML or emphasis (only `|` and backticks were neutralised:
    /// `user=[click](https://evil.example/x)` was a live link, an unclosed `<!--`
    /// hid the rest of the ticket).
    @Test func markdownTicketsCarryNoMarkupFromTheJournal() throws {
        let user = "[click](https://evil.example/x)"
        var text = ""
        for (k, line) in [
            "ws open user=\(user) ip=<img_src=x_onerror=alert(1)>",
            "ws close user=\(user) ip=<img_src=x_onerror=alert(1)> dur_ms=4000 cause=graceful",
            "ws close user=*bold* ip=<!-- dur_ms=4000 cause=graceful",
        ].enumerated() {
            let t = 1_781_200_000_000_000 + UInt64(k) * 1_000_000
            text +=
                "__REALTIME_TIMESTAMP=\(t)\n__MONOTONIC_TIMESTAMP=\(t - 1_781_100_000_000_000)\n_BOOT_ID=5ae0daad7495215b8541efb25e0e7cae\n_HOSTNAME=devvm\n_TRANSPORT=stdout\n_PID=812\n_SYSTEMD_UNIT=t3-dispatch.service\nMESSAGE=2026/06/11 16:26:4\(k) \(line)\n\n"
        }
        let path = try Fixtures.journal(exportText: Data(text.utf8))
        let report = try Fixtures.t3attr(["report", "--file", path, "-o", "markdown", "-v"] + table)
        let why = try Fixtures.t3attr(["why", user, "@1781200000", "--file", path, "-o", "markdown"] + table)
        for r in [report, why] {
            #expect(r.status == 0, "\(r.stderr)")
            // Each markup character of the journal's text is escaped (`\<img` is text).
            for raw in ["[click](", "<img", "<!--", "*bold*"] {
                let bare = r.stdout.ranges(of: raw).contains {
                    $0.lowerBound == r.stdout.startIndex || r.stdout[r.stdout.index(before: $0.lowerBound)] != "\\"
                }
                #expect(!bare, "\(raw) in \(r.stdout)")
            }
        }
        #expect(why.stdout.hasPrefix("# Why did \\[click\\](https://evil.example/x) drop?"), "\(why.stdout)")
    }

    /// A closed stdout with `--cursor-file`: the lock file took descriptor 1 and
    /// the report went into it, exit 0, the drops marked reported. Now writing
    /// fails (exit 1), the lock stays empty and no state is saved. A closed stdin
    /// with `--input -`: t3attr read its own pipe and never ended.
    @Test func closedStandardDescriptorsAreNotReused() throws {
        let dir = try Fixtures.tempDir()
        let path = try Fixtures.journal("sample-incident")
        let bin = Fixtures.binary
        let table = Fixtures.path("dispatch.json")
        let r = try Fixtures.run(
            "/bin/bash", ["-c", "'\(bin)' report --file '\(path)' --dispatch-table '\(table)' --cursor-file '\(dir)/s.json' >&-"])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("cannot write the output: Bad file descriptor"), "\(r.stderr)")
        #expect((try? Data(contentsOf: URL(fileURLWithPath: dir + "/s.json.lock")))?.isEmpty == true)
        #expect(!FileManager.default.fileExists(atPath: dir + "/s.json"))
        let e = try Fixtures.run(
            "/bin/bash",
            ["-c", "'\(bin)' report --file '\(path)' --dispatch-table '\(table)' --cursor-file '\(dir)/s.json' --user nobody 2>&- >/dev/null"])
        #expect(e.status == 1)
        #expect((try? Data(contentsOf: URL(fileURLWithPath: dir + "/s.json.lock")))?.isEmpty == true, "a warning went into the lock")
        let i = try Fixtures.run("/bin/bash", ["-c", "timeout -k 5 30 '\(bin)' dispatch --input - --dispatch-table '\(table)' <&-"])
        #expect(i.status == 66, "\(i.stderr)")
    }

    /// A full disk (/dev/full) is a failure that says so on stderr, not a
    /// silent status 1 (a closed pipe alone ends quietly with 0).
    @Test(arguments: ["report -o json", "dispatch", "bursts"])
    func outputThatCannotBeWrittenIsNamed(command: String) throws {
        let path = try Fixtures.journal("sample-incident")
        let r = try Fixtures.run(
            "/bin/bash",
            ["-c", "'\(Fixtures.binary)' \(command) --file '\(path)' --dispatch-table '\(Fixtures.path("dispatch.json"))' > /dev/full"])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("t3attr: error: cannot write the output: No space left on device"), "\(r.stderr)")
    }

    @Test func aWarningOnAClosedStandardErrorKeepsTheExitStatus() throws {
        let dir = try Fixtures.tempDir()
        let path = try Fixtures.journal("sample-incident", in: dir)
        // --user nobody: the report is printed, then a warning that no drop was that user's (status 1).
        let args = ["report", "--user", "nobody", "--file", path] + table
        let open = try Fixtures.t3attr(args)
        #expect(open.status == 1 && open.stderr.contains("warning"), "\(open.stderr)")
        let r = try Fixtures.run("/usr/bin/python3", ["-c", closedStderr, Fixtures.binary] + args)
        #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1", "\(r.stdout) \(r.stderr)")
    }

    /// Round 13's hunt: numbers that trapped (SIGILL, nothing on stderr).
    @Test(arguments: [
        (["report", "--gap", "64950y"], "--gap"), (["bursts", "--reconnect-window", "64950y"], "--reconnect-window"),
        (["report", "--jobs", "2305843009213693952"], "--jobs must be at most 1024"),
    ])
    func hugeNumbersAreUsageErrors(args: [String], named: String) throws {
        let r = try Fixtures.t3attr(args + ["--file", try Fixtures.journal("sample-incident")] + table)
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stderr.contains(named), "\(r.stderr)")
    }

    /// A `dur_ms` beyond what microseconds hold trapped report and why.
    @Test func aHugeDurationIsReadNotTrapped() throws {
        let head =
            "__MONOTONIC_TIMESTAMP=1\n_BOOT_ID=5ae0daad7495215b8541efb25e0e7cae\n_HOSTNAME=devvm\n_TRANSPORT=stdout\n_PID=812\n_UID=1000\n_SYSTEMD_UNIT=t3-dispatch.service\nSYSLOG_IDENTIFIER=t3-dispatch\n"
        let text =
            "__REALTIME_TIMESTAMP=1781118600000000\n" + head + "MESSAGE=2026/06/10 19:10:00 ws open user=alice ip=1.1.1.1\n\n"
            + "__REALTIME_TIMESTAMP=1781121700000000\n" + head
            + "MESSAGE=2026/06/10 20:01:40 ws close user=alice ip=1.1.1.1 dur_ms=100000000000000000 cause=context canceled\n\n"
        let path = try Fixtures.journal(exportText: Data(text.utf8))
        for args in [["report"], ["why", "alice", "2026-06-10 20:01:40"]] {
            let r = try Fixtures.t3attr(args + ["--file", path, "-o", "json"] + table)
            #expect(r.status == 0, "\(args): \(r.status) \(r.stderr)")
            #expect(!r.stdout.isEmpty)
        }
    }

    /// `--tunnel-log /dev/zero` (or a binary: no newline) grew to 10 GB.
    @Test func anEndlessTunnelLogIsRefused() throws {
        let r = try Fixtures.t3attr(["report", "--file", try Fixtures.journal("sample-incident"), "--tunnel-log", "/dev/zero"] + table)
        #expect(r.status == 66, "\(r.stderr)")
        #expect(r.stderr.contains("/dev/zero: larger than 256 MiB (--tunnel-log)"), "\(r.stderr)")
    }

    /// A journal with no t3-dispatch line at all (another host's) said "No drops.", nothing else.
    @Test(arguments: [["report"], ["bursts"], ["dispatch"], ["dispatch", "--jobs", "2"]])
    func aJournalWithoutTheDispatchSaysSo(command: [String]) throws {
        let head =
            "__MONOTONIC_TIMESTAMP=1\n_BOOT_ID=5ae0daad7495215b8541efb25e0e7cae\n_HOSTNAME=other\n_TRANSPORT=stdout\n_PID=900\n_UID=0\n_SYSTEMD_UNIT=kubelet.service\nSYSLOG_IDENTIFIER=kubelet\n"
        let text = (0..<3).map { "__REALTIME_TIMESTAMP=\(1_781_118_600_000_000 + $0 * 1_000_000)\n" + head + "MESSAGE=pod sync \($0)\n\n" }.joined()
        let dir = try Fixtures.tempDir()
        _ = try Fixtures.journal(exportText: Data(text.utf8), in: dir)
        let r = try Fixtures.t3attr(command + ["-D", dir] + table)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("no entry of t3-dispatch.service in the journal: no drop can be seen in it"), "\(r.stderr)")
        let sample = try Fixtures.t3attr(command + ["--file", try Fixtures.journal("sample-incident")] + table)
        #expect(!sample.stderr.contains("no entry of t3-dispatch.service"), "\(sample.stderr)")
    }

    /// sd-journal ends a forward walk at an entry whose sequence number is
    /// out of order, with no error: 11 of 12 drops were missed silently and
    /// the restart's missing `listening` made an ongoing dispatch outage.
    /// The end of the walk is checked from the far end: a warning, and
    /// `--strict` fails.
    @Test(arguments: [["report"], ["dispatch"], ["dispatch", "--jobs", "2"]])
    func aWalkThatEndsEarlyIsNamed(command: [String]) throws {
        let dir = try Fixtures.tempDir()
        let path = try Fixtures.journal("sample-incident", in: dir)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        // carol's ws close: the entry object (type 3) whose realtime is 1781121600400000.
        let rt = withUnsafeBytes(of: UInt64(1_781_121_600_400_000).littleEndian, Array.init)
        let at = try #require((24..<(bytes.count - 8)).first { bytes[$0..<($0 + 8)].elementsEqual(rt) && bytes[$0 - 24] == 3 })
        for (k, b) in withUnsafeBytes(of: UInt64(0x0010_0000_0000_0000).littleEndian, Array.init).enumerated() { bytes[at - 8 + k] = b }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let r = try Fixtures.t3attr(command + ["--file", path, "--strict"] + table)
        #expect(r.status == 65, "\(r.stderr)")
        #expect(r.stderr.contains("reading stopped early") && r.stderr.contains("journalctl --verify"), "\(r.stderr)")
        let whole = try Fixtures.t3attr(command + ["--file", try Fixtures.journal("sample-incident"), "--strict"] + table)
        #expect(whole.status == 0, "\(whole.stderr)")
    }
}
