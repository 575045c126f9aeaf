import Foundation
import Glibc
import Testing
import TestSupport

private let table = ["--dispatch-table", Fixtures.path("dispatch.json")]

private struct Expected: Decodable {
    var realtime_usec: Int
    var verdict: String
    var reason: String
}

private func verdicts(_ objs: [[String: Any]]) -> [String] {
    objs.filter { $0["type"] as? String == "drop" }.map { d in
        "\(d["realtime_usec"] as? Int ?? 0) \(d["verdict"] as? String ?? "?")/\(d["reason"] as? String ?? "?")"
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
        let want = try JSONDecoder().decode([Expected].self, from: Data(contentsOf: URL(fileURLWithPath: Fixtures.path(name + ".expected.json"))))
            .map { "\($0.realtime_usec) \($0.verdict)/\($0.reason)" }
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
