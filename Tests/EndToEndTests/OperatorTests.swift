import Foundation
import TestSupport
import Testing

@testable import t3attr

private let table = ["--dispatch-table", Fixtures.path("dispatch.json")]

/// Runs a command line under a pseudo-terminal (script(1)), so that stdout
/// and stderr are terminals.
private func underPTY(_ command: String, env: [String: String] = [:]) throws -> Fixtures.Result {
    // A colour-capable terminal unless the test says otherwise.
    var e = ["TERM": "xterm"]
    for (k, v) in env { e[k] = v }
    return try Fixtures.run(
        "/usr/bin/script", ["-qec", command, "/dev/null"], env: e, unset: ["NO_COLOR", "SYSTEMD_COLORS"].filter { env[$0] == nil })
}

/// Whether `man` names `option` (roff-escaped, `\-\-name`) as a whole token:
/// neither preceded by a `-` or a letter nor followed by a letter, digit or
/// another `\-` (a longer option name).
private func manDocuments(_ man: String, option: String) -> Bool {
    func isNameChar(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "-" || c == "_" }
    var from = man.startIndex
    while let r = man.range(of: option, range: from..<man.endIndex) {
        from = man.index(after: r.lowerBound)
        if r.lowerBound > man.startIndex, isNameChar(man[man.index(before: r.lowerBound)]) { continue }
        let rest = man[r.upperBound...]
        if let c = rest.first, isNameChar(c) { continue }
        if rest.hasPrefix("\\-") { continue }
        return true
    }
    return false
}

private func shellQuote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

@Suite("a tool operators like: man page, completions, colour, pager, tickets")
struct OperatorTests {
    /// Every option the code defines is documented in man/t3attr.1.
    @Test func manPageCoversEveryOption() throws {
        let r = try Fixtures.t3attr(["--experimental-dump-help"])
        let info = try #require(try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any])
        var names = Set<String>()
        var commands = Set<String>()
        func walk(_ c: [String: Any]) {
            commands.insert(c["commandName"] as? String ?? "")
            for a in (c["arguments"] as? [[String: Any]]) ?? [] {
                for n in (a["names"] as? [[String: Any]]) ?? [] {
                    let name = n["name"] as? String ?? ""
                    names.insert((n["kind"] as? String) == "short" ? "\\-" + name : "\\-\\-" + name.replacingOccurrences(of: "-", with: "\\-"))
                }
            }
            for s in (c["subcommands"] as? [[String: Any]]) ?? [] { walk(s) }
        }
        walk(try #require(info["command"] as? [String: Any]))
        let man = try String(contentsOfFile: Fixtures.packageRoot.appendingPathComponent("man/t3attr.1").path, encoding: .utf8)
        #expect(names.count > 30)
        for n in names.sorted() { #expect(manDocuments(man, option: n), "man/t3attr.1 does not document \(n)") }
        for c in commands where !c.isEmpty && c != "t3attr" { #expect(man.contains(".B \(c)"), "command \(c)") }
    }

    /// Whole option tokens: `\-f` is not found in `\-\-file`, `\-h` not in
    /// `\-\-help`, `\-\-host` not in `\-\-host\-window`.
    /// The table's DUR column: milliseconds under a second, then seconds up
    /// to two minutes, minutes and seconds up to two hours, hours and minutes.
    @Test(arguments: [
        (UInt64(0), "0ms"), (999, "999ms"), (1_000, "1s"), (119_999, "119s"), (120_000, "2m0s"), (187_400, "3m7s"),
        (7_199_999, "119m59s"), (7_200_000, "2h0m"), (7_559_000, "2h5m"),
    ])
    func durationsReadAsPeopleSayThem(ms: UInt64, shown: String) {
        let o = Output()
        o.duration(ms)
        #expect(String(decoding: o.take(), as: UTF8.self) == shown)
    }

    @Test func manOptionMatchIsAWholeToken() {
        #expect(!manDocuments(".BR \\-\\-file \" \\fIpath\\fR\"", option: "\\-f"))
        #expect(!manDocuments(".BR \\-\\-help", option: "\\-h"))
        #expect(!manDocuments(".BR \\-\\-host\\-window \" \\fIspan\\fR\"", option: "\\-\\-host"))
        #expect(!manDocuments("\\-\\-hosts", option: "\\-\\-host"))
        #expect(manDocuments(".BR \\-f \", \" \\-\\-follow", option: "\\-f"))
        #expect(manDocuments(".BR \\-\\-host \" \\fIhost\\fR\"", option: "\\-\\-host"))
        #expect(manDocuments("(\\-\\-host)", option: "\\-\\-host"))
    }

    @Test func manPageRendersWithoutWarnings() throws {
        let r = try Fixtures.run("/usr/bin/groff", ["-ww", "-z", "-man", Fixtures.packageRoot.appendingPathComponent("man/t3attr.1").path])
        #expect(r.status == 0)
        #expect(r.stderr.isEmpty, "\(r.stderr)")
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScripts(shell: String) throws {
        let r = try Fixtures.t3attr(["--generate-completion-script", shell])
        #expect(r.status == 0)
        #expect(r.stdout.contains("report") && r.stdout.contains("bursts") && r.stdout.contains("dispatch"))
    }

    @Test func colourDecisions() {
        #expect(Terminal.useColor(.auto, env: [:], isTTY: true))
        #expect(!Terminal.useColor(.auto, env: [:], isTTY: false))
        #expect(!Terminal.useColor(.auto, env: ["NO_COLOR": ""], isTTY: true))
        #expect(!Terminal.useColor(.auto, env: ["SYSTEMD_COLORS": "0"], isTTY: true))
        #expect(!Terminal.useColor(.auto, env: ["TERM": "dumb"], isTTY: true))
        #expect(Terminal.useColor(.always, env: ["NO_COLOR": "1"], isTTY: false))
        #expect(!Terminal.useColor(.never, env: [:], isTTY: true))
    }

    @Test func colourOnlyOnATerminal() throws {
        let path = try Fixtures.journal("sample-incident")
        let cmd =
            "\(shellQuote(Fixtures.binary)) report --file \(shellQuote(path)) --dispatch-table \(shellQuote(Fixtures.path("dispatch.json"))) --no-pager"
        let tty = try underPTY(cmd)
        #expect(tty.stdout.contains("\u{1b}[33medge"), "coloured on a terminal")
        // Each uncoloured run must still be a successful report (an error message has no colour either).
        func plain(_ r: Fixtures.Result, _ what: String, shows: String = "12 drops: 1 client, 7 edge") {
            #expect(r.status == 0, "\(what): \(r.stderr)")
            #expect(r.stdout.contains(shows), "\(what)")
            #expect(!r.stdout.contains("\u{1b}["), "\(what)")
        }
        plain(try underPTY(cmd, env: ["NO_COLOR": "1"]), "NO_COLOR")
        plain(try underPTY(cmd, env: ["SYSTEMD_COLORS": "0"]), "SYSTEMD_COLORS=0")
        plain(try underPTY(cmd + " --color never"), "--color never")
        plain(try Fixtures.t3attr(["report", "--file", path] + table), "a pipe")
        let forced = try Fixtures.t3attr(["report", "--file", path, "--color", "always"] + table)
        #expect(forced.status == 0)
        #expect(forced.stdout.contains("\u{1b}[33medge"))
        plain(try underPTY(cmd + " -o json --color always"), "JSON is never coloured", shows: "\"type\":\"drop\"")
    }

    @Test func pagerSelection() {
        #expect(Terminal.pagerCommand(env: [:]) == "less -FRSXMK")
        #expect(Terminal.pagerCommand(env: ["PAGER": "more"]) == "more")
        #expect(Terminal.pagerCommand(env: ["SYSTEMD_PAGER": "most", "PAGER": "more"]) == "most")
        #expect(Terminal.pagerCommand(env: ["SYSTEMD_PAGER": ""]) == nil)
        #expect(Terminal.pagerCommand(env: ["PAGER": "cat"]) == nil)
    }

    @Test func pagerRunsOnlyForTablesOnATerminal() throws {
        let dir = try Fixtures.tempDir()
        let fake = dir + "/pager.sh"
        try Data("#!/bin/sh\necho \"argv: $*\" > \(dir)/argv\ncat > \(dir)/stdin\n".utf8).write(to: URL(fileURLWithPath: fake))
        chmod(fake, 0o755)
        let path = try Fixtures.journal("sample-incident")
        let base = "\(shellQuote(Fixtures.binary)) report --file \(shellQuote(path)) --dispatch-table \(shellQuote(Fixtures.path("dispatch.json")))"
        _ = try underPTY(base, env: ["SYSTEMD_PAGER": fake + " --fake-flag"])
        let stdin = try String(contentsOfFile: dir + "/stdin", encoding: .utf8)
        #expect(stdin.contains("12 drops"))
        #expect(try String(contentsOfFile: dir + "/argv", encoding: .utf8).contains("--fake-flag"))
        for extra in [" --no-pager", " -o json"] {
            try? FileManager.default.removeItem(atPath: dir + "/stdin")
            let r = try underPTY(base + extra, env: ["SYSTEMD_PAGER": fake])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/stdin"), "no pager with\(extra)")
            #expect(r.stdout.contains("12 drops"))
        }
        try? FileManager.default.removeItem(atPath: dir + "/stdin")
        let piped = try Fixtures.t3attr(["report", "--file", path] + table, env: ["SYSTEMD_PAGER": fake])
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(piped.stdout.contains("12 drops"), "the report went to stdout itself")
        #expect(!FileManager.default.fileExists(atPath: dir + "/stdin"), "no pager when stdout is not a terminal")
    }

    /// `PAGER=lesss` (a typo) swallowed the whole report, exit 0: a pager
    /// that cannot start falls back to less, then more, then none.
    @Test func aPagerThatCannotStartFallsBack() throws {
        let dir = try Fixtures.tempDir()
        let bin = dir + "/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try Data("#!/bin/sh\n/bin/cat > \(dir)/stdin\n".utf8).write(to: URL(fileURLWithPath: bin + "/less"))
        chmod(bin + "/less", 0o755)
        let path = try Fixtures.journal("sample-incident")
        let base = "\(shellQuote(Fixtures.binary)) report --file \(shellQuote(path)) --dispatch-table \(shellQuote(Fixtures.path("dispatch.json")))"
        let viaLess = try underPTY(base, env: ["SYSTEMD_PAGER": "lesss", "PATH": bin])
        #expect(viaLess.status == 0, "\(viaLess.stderr)")
        #expect(try String(contentsOfFile: dir + "/stdin", encoding: .utf8).contains("12 drops"), "less took over")
        let none = try underPTY(base, env: ["PAGER": "/nonexistent/pager", "PATH": dir + "/empty"])
        #expect(none.status == 0, "\(none.stderr)")
        #expect(none.stdout.contains("12 drops"), "no pager: the report on the terminal itself")
    }

    /// A journal big enough for progress: 20,000 dispatch entries (progress is
    /// considered every 8,192), read with `T3ATTR_PROGRESS_AFTER=0` so that
    /// no wall-clock second has to pass.
    static func bigJournal() throws -> String {
        var text = ""
        text.reserveCapacity(20_000 * 330)
        let t0: UInt64 = 1_781_100_000_000_000
        for k in 0..<20_000 {
            let t = t0 + UInt64(k) * 100_000
            text += "__REALTIME_TIMESTAMP=\(t)\n__MONOTONIC_TIMESTAMP=\(t - t0 + 1)\n_BOOT_ID=5ae0daad7495215b8541efb25e0e7cae\n"
            text += "_HOSTNAME=devvm\n_TRANSPORT=stdout\n_PID=812\n_UID=1000\n_SYSTEMD_UNIT=t3-dispatch.service\nSYSLOG_IDENTIFIER=t3-dispatch\n"
            text += "MESSAGE=2026/06/10 11:20:00 upstream alice healthy\n\n"
        }
        return try Fixtures.journal(exportText: Data(text.utf8))
    }

    @Test func noProgressWhenStderrIsNotATerminal() throws {
        let path = try Self.bigJournal()
        let env = ["T3ATTR_PROGRESS_AFTER": "0", "TERM": "xterm"]
        let r = try Fixtures.t3attr(["report", "--file", path] + table, env: env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("No drops."))
        #expect(!r.stderr.contains("entries read"), "progress on a pipe: \(r.stderr.prefix(300))")
        // The same scan on a terminal does show progress: the check above can fail.
        let base =
            "\(shellQuote(Fixtures.binary)) report --no-pager --file \(shellQuote(path)) --dispatch-table \(shellQuote(Fixtures.path("dispatch.json")))"
        let tty = try underPTY(base, env: env)
        #expect(tty.stdout.contains("entries read"), "no progress on a terminal: \(tty.stdout.prefix(300))")
    }

    /// `report -o markdown` on a scenario, against a committed golden file.
    @Test func markdownTicketMatchesTheGoldenFile() throws {
        let path = try Fixtures.journal("scenario-serve-oom")
        let r = try Fixtures.t3attr(["report", "--file", path, "-o", "markdown"] + table)
        #expect(r.status == 0)
        // Cursors depend on the file journal-remote wrote; compare without them.
        let normalise = { (s: String) in
            s.replacingOccurrences(of: #"--cursor '[^']*'"#, with: "--cursor '…'", options: .regularExpression)
                .replacingOccurrences(of: "--file " + shellQuote(path) + " ", with: "--file '…' ")
        }
        let golden = try String(contentsOfFile: Fixtures.path("scenario-serve-oom.md"), encoding: .utf8)
        #expect(normalise(r.stdout) == golden)
        #expect(r.stdout.contains("journalctl --file \(shellQuote(path)) --cursor 's="), "pasted commands read the same file")
    }

    /// A ticket says why infrastructure was ruled out for a verdict by
    /// elimination (bob's isolated cancel in sample-incident), as the table does.
    @Test func markdownTicketSaysWhatAnEliminationRuledOut() throws {
        let path = try Fixtures.journal("sample-incident")
        let r = try Fixtures.t3attr(["report", "--file", path, "-o", "markdown"] + table)
        let rows = r.stdout.split(separator: "\n").map(String.init)
        let drop = try #require(rows.first { $0.contains("| bob | ws_close | canceled | **client** | isolated_cancel |") })
        #expect(
            drop.hasSuffix(
                "| by elimination, ruled out: host_gap, dispatch_outage, dispatch_restart, burst, serve_events, refused_requests, host_memory, serve_timeouts |"
            ), "\(drop)")
        let incident = try #require(rows.first { $0.contains("| **client** | isolated_cancel | 1 | bob |") })
        #expect(incident.hasSuffix("| by elimination |"), "\(incident)")
    }

    /// What the ticket must say, derived from the scenario's hand-written
    /// expectations (not from t3attr's output): the answer, one row per
    /// expected drop with its time, verdict and reason, and evidence lines
    /// whose `journalctl --cursor` commands re-find exactly those entries.
    @Test func markdownTicketSaysWhatTheScenarioExpects() throws {
        let want = try Fixtures.expectedDrops("scenario-serve-oom")
        #expect(want.count == 1)
        let path = try Fixtures.journal("scenario-serve-oom")
        let r = try Fixtures.t3attr(["report", "--file", path, "-o", "markdown"] + table)
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.components(separatedBy: "\n")
        #expect(lines.contains("**\(want.count) drop\(want.count == 1 ? "" : "s"): \(want.count) serve; infra segments implicated: serve**"))
        let fmt = ISO8601DateFormatter()
        fmt.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        fmt.timeZone = TimeZone(identifier: "UTC")
        let rows = lines.filter { $0.hasPrefix("| 20") }
        #expect(rows.count == want.count, "one row per drop: \(rows)")
        for (row, w) in zip(rows, want) {
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            let time = fmt.string(from: Date(timeIntervalSince1970: Double(w.realtimeUsec) / 1e6))
            #expect(cells.count >= 7 && cells[0] == time && cells[4] == "**\(w.verdict)**" && cells[5] == w.reason, "\(row)")
        }
        // Evidence: each command re-finds the entry on the line above it.
        var commands = 0
        for (i, line) in lines.enumerated() {
            guard let a = line.range(of: " --cursor '"), let b = line[a.upperBound...].firstIndex(of: "'") else { continue }
            let cursor = String(line[a.upperBound..<b])
            #expect(line.hasSuffix("' -n 1`"))
            // The command as pasted, in a shell: it names the file the report read.
            let pasted = String(line.drop(while: { $0 != "`" }).dropFirst().dropLast())
            #expect(pasted.hasPrefix("journalctl --file \(shellQuote(path)) --cursor "), "\(pasted)")
            let found = try Fixtures.run("/bin/sh", ["-c", pasted + " -o json --no-pager"])
            let entry = try #require(try Fixtures.ndjson(found.stdout).first)
            #expect(entry["__CURSOR"] as? String == cursor)
            let message = try #require(entry["MESSAGE"] as? String)
            // The line as rendered: markdown's escapes undone.
            let shown = lines[i - 1].replacingOccurrences(of: #"\\([\\*_\[\]<>#!~&|])"#, with: "$1", options: .regularExpression)
            #expect(shown.contains(String(message.prefix(60))), "\(lines[i - 1]) vs \(message)")
            commands += 1
        }
        #expect(commands >= 6, "the OOM kill, the unit's OOM, exit, failure, restart and start")
        #expect(r.stdout.contains("A process of this unit has been killed by the OOM killer."))
    }

    @Test func jsonPrettyIsOneDocument() throws {
        let path = try Fixtures.journal("sample-incident")
        let r = try Fixtures.t3attr(["report", "--file", path, "-o", "json-pretty"] + table)
        let doc = try #require(try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any])
        #expect((doc["drops"] as? [Any])?.count == 12)
        #expect((doc["summary"] as? [String: Any])?["drops"] as? Int == 12)
    }

    @Test func versionNamesLibsystemd() throws {
        let r = try Fixtures.t3attr(["--version"])
        #expect(r.stdout.hasPrefix("t3attr "))
        #expect(r.stdout.contains("libsystemd"))
    }

    /// Issue 16: linking libcurl (through FoundationNetworking) loaded 35
    /// libraries into every run, about 6 ms of start-up; it is loaded only
    /// for --url and --prometheus.
    @Test func libcurlIsNotLinked() throws {
        let r = try Fixtures.run("/usr/bin/ldd", [Fixtures.binary])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("libsystemd"), "\(r.stdout)")
        #expect(!r.stdout.contains("libcurl"), "\(r.stdout)")
    }

    @Test(arguments: ["report", "dispatch", "bursts", "serve"])
    func everyHelpHasAnExample(command: String) throws {
        let r = try Fixtures.t3attr([command, "--help"])
        #expect(r.stdout.contains("Examples:"))
        #expect(r.stdout.contains("t3attr \(command)"))
    }

    @Test func helpReportExplainsTheVerdicts() throws {
        let r = try Fixtures.t3attr(["help", "report"])
        for v in ["client", "edge", "devvm", "serve", "dispatch", "unknown"] { #expect(r.stdout.contains(v)) }
    }
}
