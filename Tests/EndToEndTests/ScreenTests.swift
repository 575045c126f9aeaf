import Foundation
import TestSupport
import Testing

private func shellQuote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

/// The table as an operator's terminal shows it: run under a pseudo-terminal
/// (script(1)) of `columns` columns, carriage returns removed.
private func screen(_ args: [String], columns: Int) throws -> String {
    let cmd = "stty cols \(columns) rows 60; exec " + ([Fixtures.binary] + args).map(shellQuote).joined(separator: " ")
    let r = try Fixtures.run("/usr/bin/script", ["-qec", cmd, "/dev/null"], env: ["TERM": "xterm"], unset: ["COLUMNS"])
    return r.stdout.replacingOccurrences(of: "\r\n", with: "\n")
}

/// Issue 15, "output that fits": tables fit the terminal, whole lines with `--full` or through a pipe.
@Suite("tables fit the terminal: golden screens at 80 and 160 columns")
struct ScreenTests {
    static let cases: [(name: String, fixture: String, args: [String])] = [
        ("report-serve-oom", "scenario-serve-oom", ["report"]),
        ("dispatch-basic", "dispatch-basic", ["dispatch"]),
        // Issue 15, long windows: incidents first (one-drop ones grouped), bursts, the per-hour histogram.
        ("report-long-window", "scenario-long-window", ["report"]),
    ]

    func args(_ c: (name: String, fixture: String, args: [String])) throws -> [String] {
        c.args + ["--file", try Fixtures.journal(c.fixture), "--dispatch-table", Fixtures.path("dispatch.json"), "--no-pager", "--color", "never"]
    }

    @Test("the screen matches the golden one; every line fits", arguments: [80, 160], [0, 1, 2])
    func goldenScreens(columns: Int, which: Int) throws {
        let c = Self.cases[which]
        let got = try screen(try args(c), columns: columns)
        let golden = Fixtures.path("screens/\(c.name)-\(columns).txt")
        if ProcessInfo.processInfo.environment["T3ATTR_UPDATE_SCREENS"] == "1" {
            try Data(got.utf8).write(to: URL(fileURLWithPath: golden))
        }
        let want = try String(contentsOfFile: golden, encoding: .utf8)
        #expect(got == want, "\(c.name) at \(columns) columns:\n\(got)")
        for line in got.split(separator: "\n") { #expect(line.count <= columns, "too wide: \(line)") }
        #expect(got.contains("…"), "something is cut at \(columns) columns")
    }

    @Test("--full and a pipe give whole lines, no ellipsis", arguments: [0, 1, 2])
    func wholeLines(which: Int) throws {
        let c = Self.cases[which]
        let piped = try Fixtures.t3attr(try args(c))
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(!piped.stdout.contains("…"))
        let full = try screen(try args(c) + ["--full"], columns: 80)
        #expect(!full.contains("…"))
        #expect(full == piped.stdout, "--full on a terminal is what a pipe gets")
    }

    @Test("--local keeps the columns aligned and names the zone", arguments: [0, 1])
    func localAligned(which: Int) throws {
        let r = try Fixtures.t3attr(try args(Self.cases[which]) + ["--local"], env: ["TZ": "Europe/Berlin"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasSuffix("(local time, Europe/Berlin)") == true, "\(lines.first ?? "")")
        let header = try #require(lines.first { $0.hasPrefix("TIME ") })
        let row = try #require(lines.first { $0.hasPrefix("2026-") })
        #expect(row.contains("+02:00"))
        let userColumn = try #require(header.range(of: "USER")).lowerBound.utf16Offset(in: header)
        let rowChars = Array(row)
        #expect(rowChars[userColumn - 1] == " " && rowChars[userColumn] != " ", "USER starts where the user does:\n\(header)\n\(row)")
    }

    @Test("the answer line wraps, never cut; the header names window and zone, units only under -v")
    func answerAndHeader() throws {
        let a = try args(Self.cases[0])
        let narrow = try screen(a, columns: 40)
        let lines = narrow.split(separator: "\n").map(String.init)
        #expect(lines.first == "-- t3attr report: (start of journal) ..…", "\(narrow)")
        let answer = lines.dropFirst().prefix(2).joined(separator: " ").split(separator: " ").joined(separator: " ")
        #expect(answer == "1 drop: 1 serve; infra segments implicated: serve", "\(narrow)")
        #expect(lines[2].hasPrefix("   "), "the answer's second line is indented: \(narrow)")
        let v = try Fixtures.t3attr(a + ["-v"])
        let header = "-- t3attr report: (start of journal) .. (end of journal) (UTC); units: t3-dispatch.service, t3-serve@frank.service\n"
        #expect(v.stdout.hasPrefix(header), "\(v.stdout)")
        let plain = try Fixtures.t3attr(a)
        #expect(plain.stdout.hasPrefix("-- t3attr report: (start of journal) .. (end of journal) (UTC)\n"), "\(plain.stdout)")
    }
}

/// Issue 15: a ticket's `journalctl --cursor` commands read the journal the report read.
@Suite("markdown commands carry the report's source")
struct MarkdownSourceTests {
    @Test func directoryAndStream() throws {
        let dir = try Fixtures.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try Fixtures.journal("scenario-serve-oom", in: dir)
        let table = ["--dispatch-table", Fixtures.path("dispatch.json")]
        let r = try Fixtures.t3attr(["report", "-D", dir, "-o", "markdown"] + table)
        #expect(r.status == 0, "\(r.stderr)")
        let commands = r.stdout.split(separator: "\n").filter { $0.contains("journalctl") && $0.contains("--cursor") }
        #expect(!commands.isEmpty)
        for c in commands {
            let pasted = String(c.drop(while: { $0 != "`" }).dropFirst().dropLast())
            #expect(pasted.hasPrefix("journalctl -D \(shellQuote(dir)) --cursor '"), "\(pasted)")
            let found = try Fixtures.run("/bin/sh", ["-c", pasted + " -o json --no-pager"])
            #expect(found.status == 0 && !found.stdout.isEmpty, "\(pasted): \(found.stderr)")
        }
        let stream = try Fixtures.t3attr(["report", "--input", Fixtures.path("scenario-serve-oom.export"), "-o", "markdown"] + table)
        #expect(stream.status == 0, "\(stream.stderr)")
        #expect(stream.stdout.contains("run where the journal of the stream (`--input "), "\(stream.stdout)")
        #expect(stream.stdout.contains("`journalctl --cursor '"))
    }
}
