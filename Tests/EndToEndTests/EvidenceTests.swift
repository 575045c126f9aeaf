import Foundation
import TestSupport
import Testing

/// Issue 14 end to end: the built binary against a real Prometheus (TestSupport's PrometheusServer over
/// the OpenMetrics fixtures of tools/prom-fixtures.py, incident at 2026-06-10T21:10:00Z) and against
/// cloudflared logs; verdicts of a journal change because of them.
private let incident: UInt64 = 1_781_125_800 * 1_000_000

/// A journal with kubelet chatter every 10 s from 21:05 to 21:15 (no host gap) and t3-dispatch lines
/// written `seconds` after the incident.
private func journal(dispatch lines: [(Double, String)]) throws -> String {
    func entry(_ recv: UInt64, unit: String, pid: Int, _ msg: String) -> String {
        "__REALTIME_TIMESTAMP=\(recv)\n__MONOTONIC_TIMESTAMP=\(recv - 1_781_100_000_000_000)\n_BOOT_ID=5ae0daad7495215b8541efb25e0e7cae\n_HOSTNAME=devvm\n_TRANSPORT=stdout\n_PID=\(pid)\n_UID=\(unit == "kubelet.service" ? 0 : 1000)\n_SYSTEMD_UNIT=\(unit)\nSYSLOG_IDENTIFIER=\(unit.replacingOccurrences(of: ".service", with: ""))\nMESSAGE=\(msg)\n\n"
    }
    var entries: [(UInt64, String)] = []
    for k in 0...60 {
        let t = incident - 300_000_000 + UInt64(k) * 10_000_000
        entries.append(
            (t, entry(t, unit: "kubelet.service", pid: 611, "I0610 reconciler.go:357] \"operationExecutor.VerifyControllerAttachedVolume started\"")))
    }
    for (s, text) in lines {
        let t = UInt64(Int64(incident) + Int64(s * 1_000_000))
        let c = Int(t / 1_000_000) % 86_400
        let stamp = String(format: "2026/06/10 %02d:%02d:%02d ", c / 3600, c % 3600 / 60, c % 60)
        entries.append((t + 1000, entry(t + 1000, unit: "t3-dispatch.service", pid: 812, stamp + text)))
    }
    entries.sort { $0.0 < $1.0 }
    return try Fixtures.journal(exportText: Data(entries.map(\.1).joined().utf8))
}

private let cancel = "http: proxy error: context canceled"
private let window = ["--since", "2026-06-10 21:05:00", "--until", "2026-06-10 21:15:00"]

private func drops(_ r: Fixtures.Result) throws -> [[String: Any]] {
    try Fixtures.ndjson(r.stdout).filter { $0["type"] as? String == "drop" }
}

private func summary(_ r: Fixtures.Result) throws -> [String: Any] {
    try #require(try Fixtures.ndjson(r.stdout).first { $0["type"] as? String == "summary" })
}

@Suite("issue 14: Prometheus and the tunnel's logs change verdicts (real prometheus, built binary)", .serialized)
struct EvidenceTests {
    /// One isolated cancel 5 s after the incident: client/isolated_cancel from the journal alone.
    static func isolated() throws -> String { try journal(dispatch: [(5, cancel)]) }

    @Test func journalAloneIsClient() throws {
        let r = try Fixtures.t3attr(["report", "--file", try Self.isolated(), "-o", "json"] + window)
        let d = try #require(try drops(r).first)
        #expect(d["verdict"] as? String == "client" && d["reason"] as? String == "isolated_cancel")
        #expect(d["basis"] as? String == "elimination")
        #expect(d["corroboration"] == nil)
    }

    /// (Prometheus fixture, verdict, reason, a metric its evidence names): one per case of the table.
    static let probeCases = [
        ("cloudflare-only", "edge", "probe_cloudflare_leg", "t3probe_connected"),
        ("both-legs", "edge", "probe_traefik", "t3probe_connected"),
        ("t3serve-stall", "serve", "probe_serve_stall", "t3probe_rtt_seconds"),
        ("pressure-storm", "devvm", "probe_pressure", "node_pressure_memory_stalled_seconds_total"),
        ("all-clean", "client", "probe_clean", "t3probe_connected"),
    ]

    /// The README pairs these tests reach end to end (ScenarioTests counts them as reached).
    static let reachedPairs = Set(probeCases.map { "\($0.1)/\($0.2)" } + ["edge/tunnel_reconnect"])

    @Test(arguments: probeCases)
    func theProbeDecides(fixture: String, verdict: String, reason: String, metric: String) throws {
        let server = try PrometheusServer.start(fixture: fixture)
        defer { server.stop() }
        let r = try Fixtures.t3attr(["report", "--file", try Self.isolated(), "-o", "json", "--prometheus", server.url] + window)
        #expect(r.status == 0, "\(r.stderr)")
        let d = try #require(try drops(r).first)
        #expect(d["verdict"] as? String == verdict && d["reason"] as? String == reason, "\(d)")
        #expect(d["basis"] as? String == "evidence")
        let incident = try #require(try Fixtures.ndjson(r.stdout).first { $0["type"] as? String == "incident" })
        #expect(incident["verdict"] as? String == verdict && incident["reason"] as? String == reason && incident["basis"] as? String == "evidence")
        let c = try #require(d["corroboration"] as? [String: Any])
        #expect(c["journal_verdict"] as? String == "client" && c["journal_reason"] as? String == "isolated_cancel")
        let metrics = try #require(c["metrics"] as? [[String: Any]])
        let m = try #require(metrics.first { $0["metric"] as? String == metric }, "\(metrics)")
        #expect(m["labels"] is [String: Any] && m["value"] is NSNumber && (m["time"] as? String)?.hasPrefix("2026-06-10T21:") == true)
        // Nothing missing for the legs and the pressure: no note about them.
        #expect((try summary(r)["notes"] as? [String])?.contains { $0.hasPrefix("--prometheus") } == false, "\(r.stderr)")
    }

    @Test func bothLegsAtADispatchRestartStayDispatch() throws {
        let server = try PrometheusServer.start(fixture: "both-legs")
        defer { server.stop() }
        let j = try journal(dispatch: [(2, "t3-dispatch listening on :3780"), (5, cancel)])
        let r = try Fixtures.t3attr(["report", "--file", j, "-o", "json", "--prometheus", server.url] + window)
        let d = try #require(try drops(r).first { ($0["message"] as? String)?.contains("canceled") == true })
        #expect(d["verdict"] as? String == "dispatch" && d["reason"] as? String == "dispatch_restart")
    }

    @Test func theTableAndMarkdownShowTheLegs() throws {
        let server = try PrometheusServer.start(fixture: "cloudflare-only")
        defer { server.stop() }
        let j = try Self.isolated()
        let t = try Fixtures.t3attr(["report", "--file", j, "--prometheus", server.url, "--color", "never"] + window)
        #expect(t.stdout.contains("probe_cloudflare_leg"), "\(t.stdout)")
        #expect(t.stdout.contains("~ probe cloudflare: down at 2026-06-10T21:10:00Z (closed_closed)"), "\(t.stdout)")
        #expect(t.stdout.contains("~ probe internal: up") && t.stdout.contains("~ journal alone: client/isolated_cancel"))
        let m = try Fixtures.t3attr(["report", "--file", j, "--prometheus", server.url, "-o", "markdown"] + window)
        #expect(m.stdout.contains("## Corroboration") && m.stdout.contains("| probe `cloudflare` | down at 2026-06-10T21:10:00Z"), "\(m.stdout)")
    }

    @Test func nothingListeningIsANoteAndTheJournalDecides() throws {
        let port = try PrometheusServer.freePort()
        let r = try Fixtures.t3attr(["report", "--file", try Self.isolated(), "-o", "json", "--prometheus", "http://127.0.0.1:\(port)"] + window)
        #expect(r.status == 0)
        let d = try #require(try drops(r).first)
        #expect(d["verdict"] as? String == "client" && d["reason"] as? String == "isolated_cancel")
        let notes = try #require(try summary(r)["notes"] as? [String])
        #expect(
            notes.contains { $0.hasPrefix("--prometheus: Prometheus at http://127.0.0.1:\(port) unreachable") && $0.contains("journal alone") },
            "\(notes)")
    }

    @Test func aServerThatNeverAnswersTimesOutIntoANote() throws {
        let silent = try SilentListener()
        defer { silent.stop() }
        let started = Date()
        let r = try Fixtures.t3attr(["report", "--file", try Self.isolated(), "-o", "json", "--prometheus", silent.url] + window)
        #expect(Date().timeIntervalSince(started) < 30)
        #expect(r.status == 0)
        #expect(try drops(r).first?["reason"] as? String == "isolated_cancel")
        let notes = try #require(try summary(r)["notes"] as? [String])
        #expect(notes.contains { $0.contains("did not answer within") }, "\(notes)")
    }

    @Test func aServerThatIsNotPrometheusIsANote() throws {
        let http = try PlainHTTPServer(files: ["api/v1/query_range": "<html>login</html>", "api/v1/query": "<html>login</html>"])
        defer { http.stop() }
        let r = try Fixtures.t3attr(["report", "--file", try Self.isolated(), "-o", "json", "--prometheus", http.url] + window)
        #expect(r.status == 0)
        #expect(try drops(r).first?["reason"] as? String == "isolated_cancel")
        let notes = try #require(try summary(r)["notes"] as? [String])
        #expect(notes.contains { $0.hasPrefix("--prometheus: ") }, "\(notes)")
    }

    @Test func missingSeriesAreNamed() throws {
        let server = try PrometheusServer.start(fixture: "cloudflare-only")
        defer { server.stop() }
        let r = try Fixtures.t3attr(
            ["report", "--file", try Self.isolated(), "-o", "json", "--prometheus", server.url, "--node-selector", #"instance="nosuchhost""#]
                + window)
        let notes = try #require(try summary(r)["notes"] as? [String])
        #expect(notes.contains { $0.hasPrefix("--prometheus node_pressure_memory_stalled_seconds_total: no series") }, "\(notes)")
        // The legs still decide.
        #expect(try drops(r).first?["reason"] as? String == "probe_cloudflare_leg")
    }

    @Test(arguments: [["--prometheus", "prometheus:9090"], ["--prometheus", "ftp://x/"]])
    func aMalformedURLIsAUsageError(args: [String]) throws {
        let r = try Fixtures.t3attr(["report", "--file", "/nonexistent"] + args)
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stderr.contains("--prometheus"), "\(r.stderr)")
    }

    @Test func theEnvironmentVariableIsUsedAndChecked() throws {
        let bad = try Fixtures.t3attr(["report", "--file", "/nonexistent"], env: ["T3ATTR_PROMETHEUS": "not a url"])
        #expect(bad.status == 64 && bad.stderr.contains("T3ATTR_PROMETHEUS"), "\(bad.stderr)")
        let server = try PrometheusServer.start(fixture: "pressure-storm")
        defer { server.stop() }
        let r = try Fixtures.t3attr(["report", "--file", try Self.isolated(), "-o", "json"] + window, env: ["T3ATTR_PROMETHEUS": server.url])
        #expect(try drops(r).first?["reason"] as? String == "probe_pressure")
    }

    // The tunnel's logs.

    /// Two pods interleaved, `kubectl logs --timestamps --prefix`: pod x2k9p's connection 2 times out and re-registers.
    static var reconnectLog: String { Fixtures.path("cloudflared/reconnect.log") }
    static var reconnect: String { (try? String(contentsOfFile: reconnectLog, encoding: .utf8)) ?? "" }

    @Test func anIsolatedDropDuringATunnelReconnectIsEdge() throws {
        let r = try Fixtures.t3attr(["report", "--file", try Self.isolated(), "-o", "json", "--tunnel-log", Self.reconnectLog] + window)
        #expect(r.status == 0, "\(r.stderr)")
        let d = try #require(try drops(r).first)
        #expect(d["verdict"] as? String == "edge" && d["reason"] as? String == "tunnel_reconnect", "\(d)")
        #expect(d["basis"] as? String == "evidence")
        let c = try #require(d["corroboration"] as? [String: Any])
        let events = try #require(c["tunnel"] as? [[String: Any]])
        #expect(events.first?["pod"] as? String == "cloudflared-6b8d9f7c4-x2k9p" && events.first?["conn_index"] as? Int == 2)
        #expect(events.first?["kind"] as? String == "connection_terminated")
        #expect(c["probe"] is NSNull)
        // From stdin too, and the table names pod and connection.
        #expect(!Self.reconnect.isEmpty)
        let t = try Fixtures.t3attr(
            ["report", "--file", try Self.isolated(), "--tunnel-log", "-", "--color", "never"] + window, stdin: Data(Self.reconnect.utf8))
        #expect(
            t.stdout.contains(
                "~ tunnel 2026-06-10T21:10:01Z cloudflared-6b8d9f7c4-x2k9p connIndex=2 connection_terminated: timeout: no recent network activity"),
            "\(t.stdout)")
    }

    /// Two isolated drops 15 s apart that one tunnel event explains are one
    /// incident (each was its own by elimination); one of them alone is one.
    @Test func dropsOneTunnelEventExplainsAreOneIncident() throws {
        let j = try journal(dispatch: [(5, cancel), (20, cancel)])
        let r = try Fixtures.t3attr(["report", "--file", j, "-o", "json", "--tunnel-log", Self.reconnectLog] + window)
        #expect(r.status == 0, "\(r.stderr)")
        let objs = try Fixtures.ndjson(r.stdout)
        let ds = objs.filter { $0["type"] as? String == "drop" }
        #expect(ds.map { $0["reason"] as? String } == ["tunnel_reconnect", "tunnel_reconnect"])
        #expect(ds.map { $0["incident"] as? Int } == [1, 1])
        let incidents = objs.filter { $0["type"] as? String == "incident" }
        #expect(incidents.map { $0["drops"] as? Int } == [2])
        #expect(incidents.first?["reason"] as? String == "tunnel_reconnect")
        #expect(try summary(r)["incidents"] as? Int == 1)
    }

    @Test func aBurstDuringATunnelReconnectHasTheTunnelsProof() throws {
        let j = try journal(dispatch: (0..<5).map { (2 + Double($0) * 0.1, cancel) })
        let plain = try Fixtures.t3attr(["bursts", "--file", j, "-o", "json"] + window)
        let before = try #require(try Fixtures.ndjson(plain.stdout).first { $0["type"] as? String == "burst" })
        #expect(before["verdict"] as? String == "edge" && before["reason"] as? String == "burst")
        let dir = try Fixtures.tempDir()
        let log = dir + "/cloudflared.log"
        // Without --timestamps/--prefix: cloudflared's own time.
        try "2026-06-10T21:10:01Z ERR Connection terminated error=\"timeout: no recent network activity\" connIndex=2\n".write(
            toFile: log, atomically: true, encoding: .utf8)
        let r = try Fixtures.t3attr(["bursts", "--file", j, "-o", "json", "--tunnel-log", log] + window)
        let b = try #require(try Fixtures.ndjson(r.stdout).first { $0["type"] as? String == "burst" })
        #expect(b["verdict"] as? String == "edge" && b["reason"] as? String == "tunnel_reconnect", "\(b)")
        #expect(((b["corroboration"] as? [String: Any])?["tunnel"] as? [[String: Any]])?.first?["conn_index"] as? Int == 2)
        // A reconnect four minutes before the burst is outside --evidence-window: still edge/burst.
        let early = dir + "/early.log"
        try "2026-06-10T21:06:01Z ERR Connection terminated error=\"timeout: no recent network activity\" connIndex=2\n".write(
            toFile: early, atomically: true, encoding: .utf8)
        let e = try Fixtures.t3attr(["bursts", "--file", j, "-o", "json", "--tunnel-log", early] + window)
        let eb = try #require(try Fixtures.ndjson(e.stdout).first { $0["type"] as? String == "burst" })
        #expect(eb["reason"] as? String == "burst", "\(eb)")
        // And it says so: a log whose events are all away from the drops is not a clean tunnel.
        #expect(
            e.stderr.contains(
                "--tunnel-log: none of its 1 tunnel event (2026-06-10T21:06:01.000000Z .. 2026-06-10T21:06:01.000000Z) is within 60 s"),
            "\(e.stderr)")
        #expect(!r.stderr.contains("none of its"), "\(r.stderr)")
        let t = try Fixtures.t3attr(["bursts", "--file", j, "--tunnel-log", log, "--color", "never"] + window)
        #expect(
            t.stdout.contains("tunnel_reconnect") && t.stdout.contains("~ tunnel 2026-06-10T21:10:01Z - connIndex=2 connection_terminated"),
            "\(t.stdout)")
    }

    /// `--tunnel-log <(kubectl logs ...)`: a pipe is read as a file is; the
    /// same log cannot come from standard input when the journal does.
    @Test func aTunnelLogFromAPipeIsRead() throws {
        let dir = try Fixtures.tempDir()
        let log = dir + "/cloudflared.log"
        try Self.reconnect.write(toFile: log, atomically: true, encoding: .utf8)
        let journal = try Self.isolated()
        let file = try Fixtures.t3attr(["report", "--file", journal, "-o", "json", "--tunnel-log", log] + window)
        let args = (["report", "--file", journal, "-o", "json"] + window).map { "'\($0)'" }.joined(separator: " ")
        let piped = try Fixtures.run("/bin/bash", ["-c", "'\(Fixtures.binary)' \(args) --tunnel-log <(cat '\(log)')"])
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(piped.stdout == file.stdout)
        #expect(piped.stdout.contains("tunnel_reconnect"))
        let both = try Fixtures.t3attr(["report", "--input", "-", "--tunnel-log", "-"], stdin: Data())
        #expect(both.status == 64 && both.stderr.contains("both read standard input"), "\(both.stderr)")
    }

    @Test func anUnreadableTunnelLogIsNoInput() throws {
        let r = try Fixtures.t3attr(["report", "--file", try Self.isolated(), "--tunnel-log", "/nonexistent/cloudflared.log"] + window)
        #expect(r.status == 66, "\(r.stderr)")
        #expect(r.stderr.contains("/nonexistent/cloudflared.log: no such file (--tunnel-log)"), "\(r.stderr)")
        // A directory says so (it said "cannot read it", as for anything else).
        let dir = try Fixtures.tempDir("t3attr-tunnel-dir")
        let d = try Fixtures.t3attr(["report", "--file", try Self.isolated(), "--tunnel-log", dir] + window)
        #expect(d.status == 66 && d.stderr.contains("is a directory, not a log file (--tunnel-log)"), "\(d.stderr)")
    }

    @Test func followRefusesTheExternalSources() throws {
        let r = try Fixtures.t3attr(["report", "-f", "--tunnel-log", "x"])
        #expect(r.status == 64 && r.stderr.contains("not available with -f"), "\(r.stderr)")
    }
}
