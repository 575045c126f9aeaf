import Foundation
import TestSupport
import Testing

private let table = ["--dispatch-table", Fixtures.path("dispatch.json")]

/// A drop's verdict, by its receive time, from `report -o json ARGS`.
private func verdict(_ journal: String, at usec: UInt64, _ args: [String]) throws -> String? {
    let r = try Fixtures.t3attr(["report", "--file", journal, "-o", "json"] + args + table)
    #expect(r.status == 0, "\(args): \(r.stderr)")
    let d = try Fixtures.ndjson(r.stdout).first { $0["type"] as? String == "drop" && ($0["realtime_usec"] as? NSNumber)?.uint64Value == usec }
    return d.map { "\($0["verdict"] ?? "")/\($0["reason"] ?? "")" }
}

@Suite("a window's edge: a drop's host and serve evidence is read beyond it")
struct WindowEdgeTests {
    /// A window that starts just before a drop, after its cause (a serve's
    /// OOM kill, a global OOM kill): the verdict is the one the whole
    /// journal gives, not "all quiet" by elimination. The cause is evidence
    /// only: no drop of its own comes from beyond the window.
    @Test(
        arguments: [
            ("sample-incident", "2026-06-10 20:30:01", nil as String?, "serve/oom_kill"),
            ("sample-incident", "2026-06-10 20:45:01", nil, "serve/planned_restart"),
            ("scenario-host-starvation", "2026-06-17 02:20:00", "2026-06-17 02:25:00", "devvm/oom_kill"),
        ])
    func theCauseBeforeTheWindowIsRead(name: String, since: String, until: String?, want: String) throws {
        let journal = try Fixtures.journal(name)
        let window = ["--since", since] + (until.map { ["--until", $0] } ?? [])
        let all = try Fixtures.t3attr(["report", "--file", journal, "-o", "json"] + table)
        let cut = try Fixtures.t3attr(["report", "--file", journal, "-o", "json"] + window + table)
        let inside = try Fixtures.ndjson(cut.stdout).filter { $0["type"] as? String == "drop" }
        try #require(!inside.isEmpty)
        let first = try #require((inside.first?["realtime_usec"] as? NSNumber)?.uint64Value)
        #expect(try verdict(journal, at: first, window) == want)
        #expect(try verdict(journal, at: first, []) == want, "the whole journal's verdict")
        // Every drop of the window is a drop of the whole journal: none came from beyond it.
        let whole = Set(try Fixtures.ndjson(all.stdout).compactMap { $0["type"] as? String == "drop" ? $0["cursor"] as? String : nil })
        #expect(inside.allSatisfy { whole.contains($0["cursor"] as? String ?? "") })
    }

    /// A window whose edge cuts a burst (seven users' sockets in one second,
    /// sample-incident 20:00:00.2 .. .8): the sockets inside it are the
    /// burst's, as in the whole journal, not "isolated, all else quiet"
    /// because its first sockets died before `--since`.
    @Test func aBurstCutByTheWindowIsStillABurst() throws {
        let journal = try Fixtures.journal("sample-incident")
        let grace: UInt64 = 1_781_121_600_800_000
        #expect(try verdict(journal, at: grace, []) == "edge/burst")
        #expect(try verdict(journal, at: grace, ["--since", "2026-06-10 20:00:00.750", "--until", "2026-06-10 20:05"]) == "edge/burst")
        let dave: UInt64 = 1_781_121_600_500_000
        #expect(try verdict(journal, at: dave, ["--since", "2026-06-10 20:00:00.500"]) == "edge/burst")
    }
}
