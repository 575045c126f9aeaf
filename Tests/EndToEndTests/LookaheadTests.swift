import Foundation
import TestSupport
import Testing

private let table = ["--dispatch-table", Fixtures.path("dispatch.json"), "--no-pager"]

/// A burst of five users' sockets at 20:00:00 and, 20 s later, git timeouts
/// of 30 s in two serves: the serves were starving during the burst.
private func journal() throws -> String {
    let base = 1_781_121_600.0
    var entries: [String] = []
    func entry(_ t: Double, _ fields: [String]) {
        let head = [
            "__REALTIME_TIMESTAMP=\(UInt64(t * 1_000_000))", "__MONOTONIC_TIMESTAMP=\(UInt64((t - base + 1000) * 1_000_000))",
            "_BOOT_ID=5ae0daad7495215b8541efb25e0e7cae", "_HOSTNAME=devvm",
        ]
        entries.append((head + fields).joined(separator: "\n"))
    }
    for (i, u) in ["alice", "bob", "carol", "dave", "erin"].enumerated() {
        entry(
            base + 0.1 * Double(i + 1),
            [
                "_TRANSPORT=stdout", "_PID=812", "_UID=998", "_SYSTEMD_UNIT=t3-dispatch.service", "SYSLOG_IDENTIFIER=t3-dispatch",
                "MESSAGE=2026/06/10 20:00:00 ws close user=\(u) ip=198.51.100.7 dur_ms=5000 cause=graceful",
            ])
    }
    for (j, (u, uid)) in [("alice", 1001), ("carol", 1003)].enumerated() {
        entry(
            base + 20 + Double(j),
            [
                "_TRANSPORT=stdout", "_PID=\(5000 + j)", "_UID=\(uid)", "_SYSTEMD_UNIT=t3-serve@\(u).service", "SYSLOG_IDENTIFIER=t3",
                "MESSAGE=[20:00:\(20 + j).000] WARN (#1): Process 'git' in '/home/\(u)/code' timed out after 30000ms",
            ])
    }
    return try Fixtures.journal(exportText: Data((entries.joined(separator: "\n\n") + "\n\n").utf8))
}

@Suite("host-wide markers written after a drop (what they report had begun by it)")
struct LookaheadTests {
    /// The serve lines after the drops are read as far as the host window
    /// reaches, whatever `--serve-window` says.
    @Test(arguments: [[], ["--serve-window", "10s"]])
    func timeoutsAfterABurstMakeItTheHosts(extra: [String]) throws {
        let r = try Fixtures.t3attr(["report", "-o", "json", "--file", try journal()] + table + extra)
        #expect(r.status == 0, "\(r.stderr)")
        let drops = try Fixtures.ndjson(r.stdout).filter { $0["type"] as? String == "drop" }
        #expect(drops.count == 5)
        #expect(drops.allSatisfy { $0["verdict"] as? String == "devvm" && $0["reason"] as? String == "serve_timeouts" }, "\(drops)")
    }

    /// `why` shows the same signals as the verdict's evidence.
    @Test func whyShowsTheMarkersItJudgedBy() throws {
        let r = try Fixtures.t3attr(["why", "alice", "@1781121600", "--file", try journal()] + table)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("devvm/serve_timeouts"), "\(r.stdout)")
        #expect(r.stdout.contains("t3-serve@carol.service serve_timeout"), "\(r.stdout)")
        #expect(!r.stdout.contains("host quiet"), "\(r.stdout)")
        let json = try Fixtures.t3attr(["why", "alice", "@1781121600", "--file", try journal(), "-o", "json"] + table)
        let doc = try #require(try Fixtures.ndjson(json.stdout).first)
        let drop = try #require((doc["drops"] as? [[String: Any]])?.first)
        let host = (drop["host_signals"] as? [[String: Any]]) ?? []
        #expect(host.contains { ($0["unit"] as? String) == "t3-serve@carol.service" }, "\(host)")
    }
}
