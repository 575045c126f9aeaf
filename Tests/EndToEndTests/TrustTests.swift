import Foundation
import Glibc
import TestSupport
import Testing

private let table = ["--dispatch-table", Fixtures.path("dispatch.json")]

private func verdicts(_ objs: [[String: Any]]) -> [String] {
    objs.filter { $0["type"] as? String == "drop" }.map { d in
        "\(d["realtime_usec"] as? Int ?? 0) \(d["verdict"] as? String ?? "?")/\(d["reason"] as? String ?? "?")"
    }
}

/// Bytes that can drive a terminal: C0 controls but LF, DEL, and C1
/// controls (U+0080 to U+009F, UTF-8 C2 80 to C2 9F).
func terminalControls(_ data: Data) -> [String] {
    var found: [String] = []
    let b = [UInt8](data)
    for i in b.indices {
        if (b[i] < 0x20 && b[i] != 0x0A) || b[i] == 0x7F {
            found.append(String(format: "0x%02x at %d", b[i], i))
        } else if b[i] == 0xC2, i + 1 < b.count, (0x80...0x9F).contains(b[i + 1]) {
            found.append(String(format: "U+00%02X at %d", b[i + 1], i))
        }
    }
    // The invisible format characters (bidi overrides and isolates, zero-width
    // characters, line separators): they reorder or hide what a terminal shows.
    for (i, u) in String(decoding: b, as: UTF8.self).unicodeScalars.enumerated() {
        let v = u.value
        if v == 0x061C || (0x200B...0x200F).contains(v) || (0x2028...0x202E).contains(v) || (0x2060...0x2069).contains(v) || v == 0xFEFF {
            found.append(String(format: "U+%04X at scalar %d", v, i))
        }
    }
    return found
}

/// The shell commands a markdown ticket prints: the text of each code span on a
/// line that runs journalctl (the fence may be longer than one backtick).
func markdownCommands(_ text: String) -> [String] {
    text.split(separator: "\n").compactMap { raw in
        let line = raw.trimmingCharacters(in: .whitespaces)
        guard line.hasPrefix("`"), line.contains("journalctl") else { return nil }
        let n = line.prefix { $0 == "`" }.count
        var body = String(line.dropFirst(n).dropLast(n))
        if body.hasPrefix(" ") && body.hasSuffix(" ") && body.count >= 2 { body = String(body.dropFirst().dropLast()) }
        return body
    }
}

@Suite("trusted evidence only: forged lines change no verdict (issue 10, item 9)")
struct ForgedEvidenceTests {
    /// Ordinary users' lines that borrow a script's tag (logger -t), earlyoom's
    /// name, PID 1's UNIT=, a coredump's fields, OBJECT_SYSTEMD_UNIT= or the
    /// kernel's words, each next to one of bob's client drops: every drop keeps
    /// the verdict it has without them. Genuine root and unit lines still count.
    /// Read from the file, from an imported stream and in follow mode (which
    /// applies no journal matches at all).
    @Test(arguments: ["file", "input", "follow"])
    func forgedLinesDoNotChangeVerdicts(mode: String) throws {
        let name = "scenario-forged-evidence"
        let want = try Fixtures.expectedDrops(name).map(\.key)
        #expect(want.filter { $0.hasSuffix("client/isolated_cancel") }.count == 8)
        let dir = try Fixtures.tempDir("t3attr-forged")
        let path = try Fixtures.journal(name, in: dir)
        var got: [String]
        switch mode {
        case "file":
            let r = try Fixtures.t3attr(["report", "--file", path, "-o", "json"] + table)
            #expect(r.status == 0, "\(r.stderr)")
            got = verdicts(try Fixtures.ndjson(r.stdout))
        case "input":
            let stream = try Fixtures.run("/usr/bin/journalctl", ["--file", path, "-o", "export", "--no-pager"])
            let r = try Fixtures.t3attr(["report", "--input", "-", "-o", "json"] + table, stdin: stream.stdoutData)
            #expect(r.status == 0, "\(r.stderr)")
            got = verdicts(try Fixtures.ndjson(r.stdout))
        default:
            let outPath = dir + "/out.json"
            let p = try Fixtures.background(Fixtures.binary, ["report", "-f", "--file", path, "-o", "json"] + table, stdoutPath: outPath)
            for _ in 0..<200 {
                let text = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
                if text.components(separatedBy: "\"type\":\"drop\"").count > want.count { break }
                usleep(100_000)
            }
            usleep(300_000)
            #expect(p.stop(SIGINT) == 0)
            got = verdicts(try Fixtures.ndjson(try String(contentsOfFile: outPath, encoding: .utf8)))
        }
        #expect(got == want)
    }

    /// The serve timeline shows no event for bob: none of the forged lines is
    /// a serve-side event, while the genuine ones are.
    @Test func forgedLinesAreNoServeEvents() throws {
        let path = try Fixtures.journal("scenario-forged-evidence")
        let r = try Fixtures.t3attr(["serve", "--file", path, "-o", "json"] + table)
        #expect(r.status == 0, "\(r.stderr)")
        let evs = try Fixtures.ndjson(r.stdout).filter { $0["type"] as? String == "serve_event" }
        #expect(!evs.contains { $0["user"] as? String == "bob" }, "\(evs.map { $0["message"] ?? "" })")
        #expect(evs.filter { $0["user"] == nil || $0["user"] is NSNull }.map { $0["kind"] as? String } == ["earlyoom_kill"])
        #expect(Set(evs.compactMap { $0["user"] as? String }) == ["grace", "carol", "dave"])
    }
}

@Suite("cursors and text are attacker-controlled (issue 10, item 10)")
struct CursorAndTextTests {
    /// `{n}` becomes the entry's number: each entry logs its own value.
    static let evil = "s=0;i={n}'; touch PWNED; echo '"

    /// A serve crash (PID 1) and the refused request it caused: a drop with
    /// evidence, so the markdown ticket prints commands for both entries.
    static func incident(cursor: (String) -> String?, extra: [String: String] = [:]) -> Data {
        let t: UInt64 = 1_781_300_000_000_000
        var text = ""
        func entry(_ us: UInt64, _ fields: [(String, String)]) {
            text += "__REALTIME_TIMESTAMP=\(us)\n__MONOTONIC_TIMESTAMP=\(us - 1_781_200_000_000_000)\n"
            text += "_BOOT_ID=5ae0daad7495215b8541efb25e0e7cae\n_HOSTNAME=devvm\n"
            for (k, v) in fields { text += "\(k)=\(v)\n" }
            text += "\n"
        }
        var n = 0
        func fields(_ f: [(String, String)]) -> [(String, String)] {
            n += 1
            var f = f
            if let c = cursor("\(n)") { f.insert(("__CURSOR", c), at: 0) }
            for (k, v) in extra.sorted(by: { $0.key < $1.key }) { f.append((k, v.replacingOccurrences(of: "{n}", with: "\(n)"))) }
            return f
        }
        for k in 0..<20 {  // other chatter: the host is not silent
            entry(
                t - 60_000_000 + UInt64(k) * 6_000_000,
                fields([
                    ("_TRANSPORT", "stdout"), ("_PID", "611"), ("_UID", "0"),
                    ("_SYSTEMD_UNIT", "kubelet.service"), ("MESSAGE", "tick \(k)"),
                ]))
        }
        entry(
            t,
            fields([
                ("_TRANSPORT", "journal"), ("_PID", "1"), ("_UID", "0"), ("_SYSTEMD_UNIT", "init.scope"),
                ("UNIT", "t3-serve@alice.service"),
                ("MESSAGE", "t3-serve@alice.service: Main process exited, code=killed, status=9/KILL"),
            ]))
        entry(
            t + 1_000_000,
            fields([
                ("_TRANSPORT", "stdout"), ("_PID", "812"), ("_UID", "1000"), ("_SYSTEMD_UNIT", "t3-dispatch.service"),
                ("MESSAGE", "2026/06/12 21:33:21 http: proxy error: dial tcp 127.0.0.1:3773: connect: connection refused"),
            ]))
        return Data(text.utf8)
    }

    /// Any process can log `T3ATTR_CURSOR=`: in a journal t3attr did not
    /// import itself the field is ignored, and every cursor printed is the
    /// entry's own, as journalctl finds it.
    @Test func aLoggedCursorFieldIsIgnoredOutsideImports() throws {
        let dir = try Fixtures.tempDir("t3attr-cursor-field")
        let forged = Self.incident(cursor: { _ in nil }, extra: ["T3ATTR_CURSOR": Self.evil])
        _ = try Fixtures.journal(exportText: forged, in: dir, fileName: "a.journal")
        _ = try Fixtures.journal(exportText: forged, in: dir, fileName: "b.journal")
        // Both files hold the same entries: --jobs reads each file on its own.
        let real = try Fixtures.journalctlCursors(["--file", dir + "/a.journal"]) + Fixtures.journalctlCursors(["--file", dir + "/b.journal"])
        for args in [
            ["report", "-o", "json"], ["dispatch", "-o", "json"], ["dispatch", "-o", "json", "--jobs", "2"],
            ["report", "-o", "markdown"], ["report", "-v"],
        ] {
            let r = try Fixtures.t3attr(args + ["-D", dir] + table)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(!r.stdout.contains("PWNED"), "\(args): \(r.stdout)")
            if args.contains("json") {
                let cursors =
                    try Fixtures.ndjson(r.stdout).compactMap { $0["cursor"] as? String }
                    + (try Fixtures.ndjson(r.stdout).flatMap { ($0["evidence"] as? [[String: Any]] ?? []).compactMap { $0["cursor"] as? String } })
                #expect(!cursors.isEmpty)
                for c in cursors { #expect(real.contains(c), "\(c) is a cursor of the file") }
            }
        }
    }

    /// In an imported stream the cursor is the one the entry had on its own
    /// host (`__CURSOR`), never a `T3ATTR_CURSOR` some process logged there.
    @Test func anImportKeepsTheHostCursorNotALoggedOne() throws {
        let stream = Self.incident(cursor: { "s=feed;i=\($0);b=5ae0daad7495215b8541efb25e0e7cae;m=1;t=2;x=3" }, extra: ["T3ATTR_CURSOR": Self.evil])
        let r = try Fixtures.t3attr(["report", "--input", "-", "-o", "json"] + table, stdin: stream)
        #expect(r.status == 0, "\(r.stderr)")
        let drop = try #require(try Fixtures.ndjson(r.stdout).first { $0["type"] as? String == "drop" })
        #expect(drop["cursor"] as? String == "s=feed;i=22;b=5ae0daad7495215b8541efb25e0e7cae;m=1;t=2;x=3")
        #expect(drop["verdict"] as? String == "serve" && drop["reason"] as? String == "crash_restart")
        let ev = try #require((drop["evidence"] as? [[String: Any]])?.first)
        #expect(ev["cursor"] as? String == "s=feed;i=21;b=5ae0daad7495215b8541efb25e0e7cae;m=1;t=2;x=3")
        #expect(!r.stdout.contains("PWNED"))
    }

    /// A hostile cursor in an imported stream cannot become a command: each
    /// command the ticket prints, run by a shell, passes the cursor to
    /// journalctl as one argument and runs nothing else.
    @Test func markdownCommandsAreQuotedForTheShell() throws {
        let dir = try Fixtures.tempDir("t3attr-quote")
        let hostile = [
            "s=1;i=1'; touch \(dir)/pwned1; echo '", "s=1;i=2`touch \(dir)/pwned2`", "s=1;i=3$(touch \(dir)/pwned3)",
            "s=1;i=4\"; touch \(dir)/pwned4; echo \"", "s=1;i=5'\\''; touch \(dir)/pwned5 #",
        ]
        for h in hostile {
            let r = try Fixtures.t3attr(
                ["report", "--input", "-", "-o", "markdown"] + table,
                stdin: Self.incident(cursor: { h + ";n=" + $0 }))
            #expect(r.status == 0, "\(r.stderr)")
            let commands = markdownCommands(r.stdout)
            #expect(commands.count == 1, "\(r.stdout)")  // the crash: the drop's evidence
            // A journalctl that records its arguments, one per line (a shell
            // function: no freshly written executable, which a process forked
            // by a test running in parallel could still hold open).
            let recorder = "journalctl() { for a in \"$@\"; do printf '%s\\n' \"$a\"; done > '\(dir)/args'; }\n"
            for c in commands {
                try? FileManager.default.removeItem(atPath: dir + "/args")
                let run = try Fixtures.run("/bin/sh", ["-c", recorder + c], env: ["PATH": "/usr/bin:/bin"])
                #expect(run.status == 0, "\(c): \(run.stderr)")
                let args = try String(contentsOfFile: dir + "/args", encoding: .utf8)
                #expect(args == "--cursor\n\(h);n=21\n-n\n1\n", "\(c)")
            }
            for k in 1...5 { #expect(!FileManager.default.fileExists(atPath: "\(dir)/pwned\(k)"), "\(h)") }
        }
    }
}
