import Foundation
import TestSupport
import Testing

private let table = ["--dispatch-table", Fixtures.path("dispatch.json"), "--no-pager"]
/// Times without a zone are local, as in journalctl: the tests pin the zone.
private let utc = ["TZ": "UTC"]

/// One `why` case on a scenario journal: the verdict it must give and the
/// facts its sentence must state.
struct WhyCase: CustomTestStringConvertible, Sendable {
    var scenario: String
    var user: String
    var time: String
    var verdict: String
    var reason: String
    var sentence: String
    /// The user's sockets that dropped together (one item).
    var sockets = 1
    /// More arguments (a narrower `--around-window`).
    var extra: [String] = []
    /// Whether the drop names a device (`ip=`): a socket a restart cut has no line of its own.
    var device = true
    var testDescription: String { "\(verdict): \(scenario) \(user)" }
}

private let cases: [WhyCase] = [
    WhyCase(
        scenario: "scenario-tunnel-break", user: "alice", time: "2026-06-12 10:00", verdict: "edge", reason: "burst",
        sentence:
            "alice dropped at 10:00:00 UTC (1 socket, back after 21 s): edge — 7 sockets of 7 users died in the same second; the serve and the host were quiet."
    ),
    WhyCase(
        scenario: "scenario-serve-oom", user: "frank", time: "2026-06-12 13:00", verdict: "serve", reason: "oom_kill",
        sentence:
            "frank dropped at 13:00:02 UTC (1 socket, not back by 13:12:05 UTC): serve — the serve was OOM-killed at 13:00:00 UTC; the serve logged 6 events nearby; the host was quiet."
    ),
    WhyCase(
        scenario: "scenario-dispatch-outage", user: "bob", time: "2026-06-18 09:00:17", verdict: "dispatch", reason: "dispatch_outage",
        sentence:
            "bob dropped at 09:00:17 UTC (1 socket, back after 2 s): dispatch — t3-dispatch was down at 09:00:00 UTC; the serve and the host were quiet.",
        extra: ["--around-window", "5s"]
    ),
    // The socket bob had open when t3-dispatch stopped: it logged no close (field guide 6.1).
    WhyCase(
        scenario: "scenario-dispatch-outage", user: "bob", time: "2026-06-18 09:00:00", verdict: "dispatch", reason: "dispatch_outage",
        sentence:
            "bob dropped at 09:00:00 UTC (1 socket, back after 19 s): dispatch — t3-dispatch was down at 09:00:00 UTC; the serve and the host were quiet.",
        extra: ["--around-window", "10s"], device: false
    ),
    WhyCase(
        scenario: "scenario-memory-storm", user: "alice", time: "2026-06-12 11:00", verdict: "devvm", reason: "serve_timeouts",
        sentence:
            "alice dropped at 11:00:00 UTC (1 socket, not back by 11:12:05 UTC): devvm — several serves timed out at once (the host was starved) (in a burst of 5 sockets of 5 users); the serve logged 2 events and the host 4 signals nearby."
    ),
    WhyCase(
        scenario: "scenario-isolated-cancels", user: "bob", time: "2026-06-12 15:05", verdict: "client", reason: "isolated_cancel",
        sentence:
            "bob dropped at 15:05:00 UTC (1 socket, back after 10 s): client — the client side went away and nobody else dropped; the serve and the host were quiet."
    ),
    WhyCase(
        scenario: "scenario-audit-one-users-tabs", user: "dave", time: "2026-06-20 17:00", verdict: "client", reason: "isolated_drop",
        sentence:
            "dave dropped at 17:00:00 UTC (5 sockets, back after 5.9 s): client — only this user's 5 sockets dropped and nothing else happened; the serve and the host were quiet.",
        sockets: 5
    ),
    // Her serve logged lines nearby that explain nothing: not "nothing else happened".
    WhyCase(
        scenario: "scenario-cgroup-vs-host", user: "grace", time: "2026-06-18 14:10", verdict: "client", reason: "isolated_drop",
        sentence:
            "grace dropped at 14:10:00 UTC (1 socket, not back by 14:22:05 UTC): client — only this socket dropped and nothing logged nearby explains it; the serve logged 2 events nearby; the host was quiet."
    ),
    WhyCase(
        scenario: "scenario-request-errors", user: "dave", time: "2026-06-18 06:15", verdict: "unknown", reason: "downstream_unconfirmed",
        sentence:
            "dave dropped at 06:15:00 UTC (1 socket, not back by 06:21:38 UTC): unknown — the client side closed, but the serve was not shown to be answering; the serve and the host were quiet."
    ),
]

private func why(_ args: [String], env: [String: String] = utc) throws -> Fixtures.Result {
    try Fixtures.t3attr(["why"] + args + table, env: env)
}

/// The report's drops of `user` over the whole journal: the oracle for the verdicts.
private func reportDrops(_ journal: String, user: String, extra: [String] = []) throws -> [[String: Any]] {
    let r = try Fixtures.t3attr(["report", "--file", journal, "-o", "json"] + extra + table, env: utc)
    #expect(r.status == 0, "\(r.stderr)")
    return try Fixtures.ndjson(r.stdout).filter {
        $0["type"] as? String == "drop" && ($0["user"] as? String == user || ($0["severed"] as? [String])?.contains(user) == true)
    }
}

@Suite("why USER [TIME]: one user's complaint (issue 15)")
struct WhyTests {
    @Test(arguments: cases)
    func verdictSentenceJSONAndMarkdown(_ c: WhyCase) throws {
        let j = try Fixtures.journal(c.scenario)
        // The table ends with the sentence.
        let t = try why([c.user, c.time, "--file", j] + c.extra)
        #expect(t.status == 0, "\(t.stderr)")
        let lines = t.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("-- t3attr why \(c.user): ") == true, "\(t.stdout)")
        #expect(lines.last == c.sentence, "\(t.stdout)")
        #expect(t.stdout.contains("Z \(c.verdict)/\(c.reason) ("), "\(t.stdout)")

        // JSON: one `why` object with the sentence and the drop.
        let r = try why([c.user, c.time, "--file", j, "-o", "json"] + c.extra)
        #expect(r.status == 0)
        let objs = try Fixtures.ndjson(r.stdout)
        #expect(objs.count == 1)
        let o = try #require(objs.first)
        #expect(o["type"] as? String == "why")
        #expect(o["user"] as? String == c.user)
        #expect(o["sentence"] as? String == c.sentence)
        let drops = try #require(o["drops"] as? [[String: Any]])
        #expect(drops.count == 1)
        let d = try #require(drops.first)
        #expect(d["verdict"] as? String == c.verdict)
        #expect(d["reason"] as? String == c.reason)
        #expect(d["sockets"] as? Int == c.sockets)
        #expect(d["sentence"] as? String == c.sentence)
        #expect((d["ips"] as? [String])?.isEmpty == !c.device)
        #expect(d["incident"] is Int)

        // The verdict is the one a report over the whole journal gives.
        let oracle = try reportDrops(j, user: c.user).filter { $0["time"] as? String == d["time"] as? String }
        #expect(oracle.count == 1)
        #expect(oracle.first?["verdict"] as? String == c.verdict)
        #expect(oracle.first?["reason"] as? String == c.reason)
        #expect(oracle.first?["basis"] as? String == d["basis"] as? String)
        // A reconnect the report names is the same; `why` also finds one after a drop of another trigger.
        if let back = oracle.first?["reconnect_after_ms"] as? Int { #expect(d["reconnect_after_ms"] as? Int == back) }

        // Markdown: a ticket with the sentence, the table and the commands that re-find the lines.
        let m = try why([c.user, c.time, "--file", j, "-o", "markdown"] + c.extra)
        #expect(m.status == 0)
        #expect(m.stdout.hasPrefix("# Why did \(c.user) drop?\n\n**\(c.sentence)**\n"), "\(m.stdout)")
        #expect(m.stdout.contains("| **\(c.verdict)** | \(c.reason) |"))
        #expect(m.stdout.contains("`journalctl --file '\(j)' --cursor '"))
    }

    /// Two sockets of one user dropping together are one item: "2 sockets",
    /// both devices, one sentence.
    /// A drop whose port no map names is shown as `port:N`: that name finds
    /// it again, in `why` and in `report --user` (both said "never seen").
    @Test func aUserShownByPortCanBeAskedAbout() throws {
        let path = try Fixtures.journal("scenario-upstream-errors-old-era")
        let empty = ["--dispatch-table", Fixtures.path("empty-table.json"), "--no-pager"]
        let r = try Fixtures.t3attr(["report", "--file", path, "--user", "port:3774", "-o", "json"] + empty, env: utc)
        #expect(r.status == 0, "\(r.stderr)")
        let drops = try Fixtures.ndjson(r.stdout).filter { $0["type"] as? String == "drop" }
        #expect(drops.count == 1 && drops.first?["port"] as? Int == 3774, "\(r.stdout)")
        let w = try Fixtures.t3attr(["why", "port:3774", "2026-06-05 06:05", "--file", path] + empty, env: utc)
        #expect(w.status == 0, "\(w.stderr)")
        #expect(w.stdout.contains("serve/serve_timeout"), "\(w.stdout)")
    }

    /// The complaint names the login (`Frank` in dispatch.json), the journal
    /// the OS user (`frank`): both commands find frank's drop and say why.
    @Test func aLoginIsAskedAboutAsItsOSUser() throws {
        let path = try Fixtures.journal("scenario-serve-oom")
        let w = try why(["Frank", "2026-06-12 13:00", "--file", path])
        #expect(w.status == 0, "\(w.stderr)")
        #expect(w.stdout.contains("frank dropped at 13:00:02 UTC"), "\(w.stdout)")
        #expect(w.stderr.contains("'Frank' is a login of the dispatch table: its OS user 'frank'"), "\(w.stderr)")
        let r = try Fixtures.t3attr(["report", "--file", path, "--user", "Frank", "-o", "json"] + table, env: utc)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Fixtures.ndjson(r.stdout).filter { $0["type"] as? String == "drop" }.count == 1, "\(r.stdout)")
        // And the commands that list frank's lines.
        for (command, type) in [("dispatch", "event"), ("serve", "serve_event")] {
            let l = try Fixtures.t3attr([command, "--file", path, "--user", "Frank", "-o", "json"] + table, env: utc)
            #expect(l.status == 0 && l.stderr.contains("'Frank' is a login"), "\(command): \(l.stderr)")
            #expect(try Fixtures.ndjson(l.stdout).contains { $0["type"] as? String == type }, "\(command): \(l.stdout)")
        }
    }

    @Test func socketsThatDropTogetherAreOneItem() throws {
        var text = try String(contentsOfFile: Fixtures.path("scenario-tunnel-break.export"), encoding: .utf8)
        var entries = text.components(separatedBy: "\n\n")
        let i = try #require(entries.firstIndex { $0.contains("ws close user=alice ") })
        // Her laptop's socket, 50 ms later.
        let second = entries[i]
            .replacingOccurrences(of: "__REALTIME_TIMESTAMP=1781258400200000", with: "__REALTIME_TIMESTAMP=1781258400250000")
            .replacingOccurrences(of: "__MONOTONIC_TIMESTAMP=4500200000", with: "__MONOTONIC_TIMESTAMP=4500250000")
            .replacingOccurrences(of: "ip=203.0.113.1, 10.0.20.203", with: "ip=198.51.100.77")
        #expect(second != entries[i])
        entries.insert(second, at: i + 1)
        text = entries.joined(separator: "\n\n")
        let j = try Fixtures.journal(exportText: Data(text.utf8))

        let t = try why(["alice", "2026-06-12 10:00", "--file", j])
        #expect(t.status == 0, "\(t.stderr)")
        #expect(
            t.stdout.hasSuffix(
                "alice dropped at 10:00:00 UTC (2 sockets, back after 21 s): edge — 8 sockets of 7 users died in the same second; the serve and the host were quiet.\n"
            ), "\(t.stdout)")
        #expect(t.stdout.components(separatedBy: "\n== ").count == 2, "one item: \(t.stdout)")
        #expect(t.stdout.contains("203.0.113.1, 10.0.20.203 | 198.51.100.77"))
        #expect(t.stdout.contains("alice 2, bob 1, carol 1"))

        let o = try #require(try Fixtures.ndjson(try why(["alice", "2026-06-12 10:00", "--file", j, "-o", "json"]).stdout).first)
        let drops = try #require(o["drops"] as? [[String: Any]])
        #expect(drops.count == 1)
        #expect(drops.first?["sockets"] as? Int == 2)
        #expect(drops.first?["ips"] as? [String] == ["203.0.113.1, 10.0.20.203", "198.51.100.77"])
        #expect((drops.first?["cursors"] as? [String])?.count == 2)
        #expect(drops.first?["reconnect_after_ms"] as? Int == 20800)
        let burst = try #require(drops.first?["burst"] as? [String: Any])
        #expect(burst["count"] as? Int == 8)
        let with = try #require(drops.first?["dropped_with"] as? [[String: Any]])
        #expect(with.first?["user"] as? String == "alice" && with.first?["sockets"] as? Int == 2)
        #expect(o["sockets"] as? Int == 2)
    }

    /// Several drops: the sentence counts them as `why` lists them (times),
    /// and the sockets too when some dropped together, as `report --user`
    /// counts sockets (the corpus's wizard: "60 times" against 65 drops).
    @Test func severalDropsNameTheirSockets() throws {
        var entries = try String(contentsOfFile: Fixtures.path("scenario-tunnel-break.export"), encoding: .utf8)
            .components(separatedBy: "\n\n")
        let i = try #require(entries.firstIndex { $0.contains("ws close user=alice ") })
        // Her laptop's socket 50 ms later, and one more socket 5 minutes later.
        func moved(_ usec: Int, ip: String) -> String {
            entries[i]
                .replacingOccurrences(of: "__REALTIME_TIMESTAMP=1781258400200000", with: "__REALTIME_TIMESTAMP=\(1_781_258_400_200_000 + usec)")
                .replacingOccurrences(of: "__MONOTONIC_TIMESTAMP=4500200000", with: "__MONOTONIC_TIMESTAMP=\(4_500_200_000 + usec)")
                .replacingOccurrences(of: "ip=203.0.113.1, 10.0.20.203", with: "ip=\(ip)")
        }
        let later = moved(300_000_000, ip: "198.51.100.78")
        entries.insert(moved(50_000, ip: "198.51.100.77"), at: i + 1)
        let at = try #require(
            entries.firstIndex { e in
                guard let r = e.range(of: "__REALTIME_TIMESTAMP=") else { return false }
                return Int(e[r.upperBound...].prefix { $0.isNumber }) ?? 0 > 1_781_258_700_200_000
            })
        entries.insert(later, at: at)
        let j = try Fixtures.journal(exportText: Data(entries.joined(separator: "\n\n").utf8))
        let t = try why(["alice", "--since", "2026-06-12 09:00", "--until", "2026-06-12 11:00", "--file", j])
        #expect(t.status == 0, "\(t.stderr)")
        #expect(t.stdout.components(separatedBy: "\n== ").count == 3, "two items: \(t.stdout)")
        #expect(t.stdout.contains("alice dropped 2 times (3 sockets) between "), "\(t.stdout)")
        let r = try Fixtures.t3attr(
            ["report", "--user", "alice", "--since", "2026-06-12 09:00", "--until", "2026-06-12 11:00", "--file", j, "-o", "json"] + table,
            env: utc)
        #expect(try Fixtures.ndjson(r.stdout).filter { $0["type"] as? String == "drop" }.count == 3)
    }

    /// On a collector, "back after" is the user's next `ws open` on the
    /// drop's own host, not another host's user of the same name.
    @Test func backAfterIsOnTheDropsHost() throws {
        let j = try Fixtures.journal("fleet-same-user")
        let o = try #require(try Fixtures.ndjson(try why(["alice", "2026-07-15 10:20", "--file", j, "-o", "json"]).stdout).first)
        let d = try #require((o["drops"] as? [[String: Any]])?.first)
        #expect(d["reconnect_after_ms"] as? Int == 8000)
        let drop = try #require(try reportDrops(j, user: "alice").first)
        #expect(drop["reconnect_after_ms"] as? Int == 8000)
    }

    /// A serve unit that went down long before the window and never started
    /// again is down at a drop in it: `unit_down` in a report cut at the
    /// window, in `report --around` and in `why`, as in the whole journal's.
    @Test func aUnitDownBeforeTheWindowIsDownInIt() throws {
        let j = try Fixtures.journal("scenario-audit-start-limit")
        let whole = try reportDrops(j, user: "frank").filter { ($0["time"] as? String ?? "") > "2026-07-13T13:05" }
        #expect(whole.map { $0["reason"] as? String } == ["unit_down", "unit_down"])
        let cut = try reportDrops(j, user: "frank", extra: ["--since", "2026-07-13 13:05:00"])
        #expect(cut.map { $0["reason"] as? String } == ["unit_down", "unit_down"])
        let around = try reportDrops(j, user: "frank", extra: ["--around", "2026-07-13 13:15"])
        #expect(around.map { $0["reason"] as? String } == ["unit_down", "unit_down"])
        let o = try #require(try Fixtures.ndjson(try why(["frank", "2026-07-13 13:15", "--file", j, "-o", "json"]).stdout).first)
        let reasons = (o["drops"] as? [[String: Any]])?.map { $0["reason"] as? String }
        #expect(reasons == ["unit_down", "unit_down"])
    }

    /// A drop just inside the window whose evidence lies just outside it
    /// keeps that evidence: the verdict is the whole journal's, in `why` and
    /// in a report cut at the window.
    @Test func dropAtTheWindowEdgeKeepsItsEvidence() throws {
        let j = try Fixtures.journal("sample-incident")
        // frank's drop at 20:30:02; the OOM kill that explains it at 20:30:00, before the window (20:30:01 ..).
        let cut = try Fixtures.t3attr(
            ["report", "--file", j, "--since", "2026-06-10 20:30:01", "--until", "2026-06-10 20:50:01", "--user", "frank", "-o", "json"] + table,
            env: utc)
        let cutDrop = try #require(try Fixtures.ndjson(cut.stdout).first { $0["type"] as? String == "drop" })
        // The report cut at the window reads the evidence beyond it too (it said unit_restart).
        #expect(cutDrop["reason"] as? String == "oom_kill")

        let whole = try #require(try reportDrops(j, user: "frank").first { $0["time"] as? String == "2026-06-10T20:30:02.000000Z" })
        #expect(whole["reason"] as? String == "oom_kill")

        let o = try #require(try Fixtures.ndjson(try why(["frank", "2026-06-10 20:40:01", "--file", j, "-o", "json"]).stdout).first)
        #expect(o["since"] as? String == "2026-06-10T20:30:01.000000Z")
        let d = try #require((o["drops"] as? [[String: Any]])?.first)
        #expect(d["time"] as? String == "2026-06-10T20:30:02.000000Z")
        #expect(d["verdict"] as? String == whole["verdict"] as? String)
        #expect(d["reason"] as? String == "oom_kill")
        #expect((d["evidence"] as? [[String: Any]])?.first?["kind"] as? String == "oom_kill")

        // report --around gives the same.
        let around = try reportDrops(j, user: "frank", extra: ["--around", "2026-06-10 20:40:01"])
        #expect(around.map { $0["time"] as? String } == ["2026-06-10T20:30:02.000000Z"])
        #expect(around.first?["reason"] as? String == "oom_kill")
    }

    /// The reconnect after the window's end still counts: "back after 21 s".
    /// Dates past the year 9999 keep their shape (the date is cut at its `T`).
    @Test func aFiveDigitYearIsShownWhole() throws {
        let r = try Fixtures.t3attr(["why", "alice", "@253402300800", "--file", try Fixtures.journal("sample-incident")] + table)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("9999-12-31 23:50:00 .. 10000-01-01 00:10:00 UTC"), "\(r.stdout)")
    }

    @Test func backAfterIsFoundPastTheWindowEnd() throws {
        let j = try Fixtures.journal("scenario-tunnel-break")
        // Window 09:50:10 .. 10:00:10: the drop at 10:00:00.2 is in it, the ws open at 10:00:21 is not.
        let o = try #require(
            try Fixtures.ndjson(try why(["alice", "2026-06-12 09:55:10", "--around-window", "5min", "--file", j, "-o", "json"]).stdout).first)
        #expect(o["until"] as? String == "2026-06-12T10:00:10.000000Z")
        let d = try #require((o["drops"] as? [[String: Any]])?.first)
        #expect(d["reconnect_after_ms"] as? Int == 20800)
        #expect((o["sentence"] as? String)?.contains("(1 socket, back after 21 s): edge — 7 sockets of 7 users") == true)
    }

    /// `report --user U --around TIME` gives the drops `why` gives; `--user` repeats.
    @Test func reportAroundGivesTheSameDrops() throws {
        let j = try Fixtures.journal("sample-incident")
        let time = "2026-06-10 20:05"
        let o = try #require(try Fixtures.ndjson(try why(["bob", time, "--file", j, "-o", "json"]).stdout).first)
        let whyCursors = ((o["drops"] as? [[String: Any]]) ?? []).flatMap { ($0["cursors"] as? [String]) ?? [] }
        #expect(whyCursors.count == 2, "bob's burst drop at 20:00:00 and his cancel at 20:10:00")
        let r = try Fixtures.t3attr(["report", "--file", j, "--user", "bob", "--around", time, "-o", "json"] + table, env: utc)
        #expect(r.status == 0)
        let objs = try Fixtures.ndjson(r.stdout)
        #expect(objs.filter { $0["type"] as? String == "drop" }.map { $0["cursor"] as? String } == whyCursors)
        let summary = try #require(objs.last)
        #expect(summary["since"] as? String == "2026-06-10T19:55:00.000000Z")
        #expect(summary["until"] as? String == "2026-06-10T20:15:00.000000Z")
        // Repeatable --user, and the default window: frank's OOM drop (20:30) is outside 20:05 ± 10 min.
        let both = try Fixtures.t3attr(
            ["report", "--file", j, "--user", "bob", "--user", "alice", "--around", time, "-o", "json"] + table, env: utc)
        let users = try Fixtures.ndjson(both.stdout).filter { $0["type"] as? String == "drop" }.compactMap { $0["user"] as? String }
        #expect(users.sorted() == ["alice", "bob", "bob"])
        // bob's cancel at 20:10:00 is read (it is within the margin of 20:10:30 .. 20:12:30) but not shown.
        let narrow = try Fixtures.t3attr(
            ["report", "--file", j, "--user", "bob", "--around", "2026-06-10 20:11:30", "--around-window", "1min", "-o", "json"] + table, env: utc)
        #expect(try Fixtures.ndjson(narrow.stdout).filter { $0["type"] as? String == "drop" }.isEmpty, "\(narrow.stdout)")
        let narrowWhy = try #require(
            try Fixtures.ndjson(try why(["bob", "2026-06-10 20:11:30", "--around-window", "1min", "--file", j, "-o", "json"]).stdout).first)
        #expect((narrowWhy["drops"] as? [Any])?.isEmpty == true)
        // --around-window alone is a usage error.
        let alone = try Fixtures.t3attr(["report", "--file", j, "--around-window", "5min"] + table, env: utc)
        #expect(alone.status == 64)
        #expect(alone.stderr.contains("--around-window needs --around"))
    }

    @Test func noTimeMeansTheLastHourAndSinceWins() throws {
        let j = try Fixtures.journal("scenario-tunnel-break")
        var env = utc
        env["T3ATTR_NOW"] = "2026-06-12 10:30:00"
        let o = try #require(try Fixtures.ndjson(try why(["alice", "--file", j, "-o", "json"], env: env).stdout).first)
        #expect(o["since"] as? String == "2026-06-12T09:30:00.000000Z")
        #expect(o["until"] as? String == "2026-06-12T10:30:00.000000Z")
        #expect((o["drops"] as? [[String: Any]])?.count == 1)
        let later = try #require(
            try Fixtures.ndjson(try why(["alice", "--since", "2026-06-12 10:00:01", "--file", j, "-o", "json"], env: env).stdout).first)
        #expect(later["since"] as? String == "2026-06-12T10:00:01.000000Z")
        #expect((later["drops"] as? [[String: Any]])?.isEmpty == true)
        // A relative TIME that starts with '-' may go after '--' ...
        let relative = try Fixtures.t3attr(["why", "alice", "--file", j, "-o", "json"] + table + ["--", "-30min"], env: env)
        #expect(relative.status == 0, "\(relative.stderr)")
        let rel = try #require(try Fixtures.ndjson(relative.stdout).first)
        #expect(rel["since"] as? String == "2026-06-12T09:50:00.000000Z")
        #expect((rel["drops"] as? [[String: Any]])?.count == 1)
        // ... or anywhere: it was read as the flags -3, -0, -m (-1h: help, exit 0).
        for args in [["alice", "-30min", "--file", j], ["-30min", "alice", "--file", j], ["alice", "--file", j, "-30min"]] {
            let r = try Fixtures.t3attr(["why"] + args + ["-o", "json"] + table, env: env)
            #expect(r.status == 0, "\(args): \(r.stderr)")
            #expect(try Fixtures.ndjson(r.stdout).first?["since"] as? String == "2026-06-12T09:50:00.000000Z", "\(args): \(r.stdout.prefix(300))")
        }
        let help = try Fixtures.t3attr(["why", "alice", "-1h", "--file", j, "-o", "json"] + table, env: env)
        #expect(help.status == 0 && !help.stdout.contains("USAGE"), "\(help.stdout.prefix(300))")
        // As the value of --since it stays the value.
        let since = try Fixtures.t3attr(["why", "alice", "--since", "-40min", "--file", j, "-o", "json"] + table, env: env)
        #expect(try Fixtures.ndjson(since.stdout).first?["since"] as? String == "2026-06-12T09:50:00.000000Z", "\(since.stderr)")
    }

    /// No drops: said so, exit 0, with when the user was last seen connected.
    @Test func userWithoutDropsIsToldWhenLastSeen() throws {
        let j = try Fixtures.journal("scenario-request-errors")
        let t = try why(["carol", "2026-06-18 07:15", "--file", j])
        #expect(t.status == 0)
        #expect(
            t.stdout.hasSuffix(
                "carol had no drops between 2026-06-18 07:05:00 UTC and 2026-06-18 07:25:00 UTC; last seen connected at 2026-06-18 06:11:40 UTC (ws close).\n"
            ), "\(t.stdout)")
        let o = try #require(try Fixtures.ndjson(try why(["carol", "2026-06-18 07:15", "--file", j, "-o", "json"]).stdout).first)
        #expect((o["drops"] as? [Any])?.isEmpty == true)
        #expect((o["last_seen"] as? [String: Any])?["time"] as? String == "2026-06-18T06:11:40.000000Z")
    }

    /// A user never seen: said so, with the users that were (and the nearest name), exit 0.
    @Test func userNeverSeenListsTheUsersThatWere() throws {
        let j = try Fixtures.journal("scenario-request-errors")
        let t = try why(["dav", "2026-06-18 06:15", "--file", j])
        #expect(t.status == 0)
        #expect(t.stdout.contains("-- users seen: bob, carol, dave, erin (did you mean dave?)"), "\(t.stdout)")
        #expect(t.stdout.hasSuffix("dav had no drops between 2026-06-18 06:05:00 UTC and 2026-06-18 06:25:00 UTC: dav was never seen there.\n"))
        let o = try #require(try Fixtures.ndjson(try why(["dav", "2026-06-18 06:15", "--file", j, "-o", "json"]).stdout).first)
        #expect(o["seen"] as? Bool == false)
        #expect(o["users_seen"] as? [String] == ["bob", "carol", "dave", "erin"])
        #expect(o["last_seen"] is NSNull)
    }

    @Test(arguments: [["why", "alice", "yesterday-ish"], ["why", "alice", "2026-06-12 25:00"], ["report", "--around", "soonish"]])
    func badTimeIsAUsageError(_ args: [String]) throws {
        let j = try Fixtures.journal("scenario-tunnel-break")
        let r = try Fixtures.t3attr(args + ["--file", j] + table, env: utc)
        #expect(r.status == 64)
        #expect(r.stderr.contains("invalid time '\(args.last!)'"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }
    /// t3-dispatch dies with its sockets and logs no `ws close` (field guide 6.1):
    /// a restart is the drop of every user whose socket was open, however long
    /// before the window it was opened. `why` said "alice had no drops" at the
    /// restart that cut her socket (opened at 20:00:21, before what it reads).
    @Test func aDispatchRestartIsTheDropOfEverySocketItCut() throws {
        let j = try Fixtures.journal("sample-incident")
        let all = try Fixtures.ndjson(try Fixtures.t3attr(["report", "--file", j, "-o", "json"] + table, env: utc).stdout)
        let restart = try #require(all.first { $0["type"] as? String == "drop" && $0["trigger"] as? String == "dispatch_restart" })
        // Opened after the 20:00 burst and not closed; bob's second socket, grace's two.
        #expect(restart["severed"] as? [String] == ["alice", "bob", "dave", "erin", "grace", "grace"])
        let w = try why(["alice", "2026-06-10 21:00", "--file", j, "-o", "json"])
        let o = try #require(try Fixtures.ndjson(w.stdout).first)
        let item = try #require((o["drops"] as? [[String: Any]])?.first)
        #expect(item["verdict"] as? String == "dispatch" && item["reason"] as? String == "dispatch_restart")
        #expect(item["sockets"] as? Int == 1)
        #expect(
            o["sentence"] as? String
                == "alice dropped at 21:00:00 UTC (1 socket, not back by 21:09:55 UTC): dispatch — t3-dispatch restarted at 21:00:00 UTC, dropping every socket; the serve and the host were quiet."
        )
        let grace = try #require(try Fixtures.ndjson(try why(["grace", "2026-06-10 21:00", "--file", j, "-o", "json"]).stdout).first)
        #expect((grace["drops"] as? [[String: Any]])?.first?["sockets"] as? Int == 2)
        // carol closed hers at 20:20: the restart cut nothing of hers.
        let carol = try #require(try Fixtures.ndjson(try why(["carol", "2026-06-10 21:00", "--file", j, "-o", "json"]).stdout).first)
        #expect((carol["drops"] as? [Any])?.isEmpty == true)
        // report --user finds it the same way.
        let r = try Fixtures.t3attr(["report", "--user", "alice", "--around", "2026-06-10 21:00", "--file", j, "-o", "json"] + table, env: utc)
        #expect(r.status == 0, "\(r.stderr)")
        let drops = try Fixtures.ndjson(r.stdout).filter { $0["type"] as? String == "drop" }
        #expect(drops.count == 1 && (drops.first?["severed"] as? [String])?.contains("alice") == true)
        let incident = try Fixtures.ndjson(r.stdout).first { $0["type"] as? String == "incident" }
        #expect(incident?["users"] as? [String] == ["alice"])
    }

    /// An option `why` does not have is named as such, not read as USER with the
    /// next word as TIME (`why -j 2 bob` said "invalid time 'bob'"); a bad TIME
    /// still gets why's usage.
    @Test func unknownOptionIsNamedBeforeTheTime() throws {
        let j = try Fixtures.journal("scenario-tunnel-break")
        let r = try Fixtures.t3attr(["why", "-j", "2", "bob", "--file", j] + table, env: utc)
        #expect(r.status == 64)
        #expect(r.stderr.contains("Unknown option '-j'"), "\(r.stderr)")
        #expect(!r.stderr.contains("invalid time"), "\(r.stderr)")
        let w = try Fixtures.t3attr(["why", "bob", "--around-window", "5s", "--file", j] + table, env: utc)
        #expect(w.status == 64 && w.stderr.contains("--around-window needs TIME"), "ignored without TIME: \(w.stderr)")
        let t = try Fixtures.t3attr(["why", "bob", "noon-ish", "--file", j] + table, env: utc)
        #expect(t.status == 64)
        #expect(t.stderr.contains("Usage: t3attr why [<options>] <user> [<time>]"), "\(t.stderr)")
    }
    /// The README's first usage example is a real `why` session: its output is what the binary prints.
    @Test func readmeSessionIsRealOutput() throws {
        let readme = try String(contentsOfFile: Fixtures.packageRoot.appendingPathComponent("README.md").path, encoding: .utf8)
        let usage = try #require(readme.range(of: "## Usage\n"))
        let lines = readme[usage.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let start = try #require(lines.firstIndex { $0.hasPrefix("    $ t3attr ") })
        #expect(lines[start].hasPrefix("    $ t3attr why "), "the first usage example is a why session")
        let shown = lines[(start + 1)...].prefix { $0.hasPrefix("    ") }.map { String($0.dropFirst(4)) }
        let time = try #require(lines[start].split(separator: "'").dropFirst().first.map(String.init))
        let args = [
            "why", "alice", time, "--file", try Fixtures.journal("sample-incident"), "--dispatch-table", Fixtures.path("dispatch.json"), "--no-pager",
        ]
        #expect(lines[start] == "    $ t3attr why alice '\(time)' --file .build/sample/sample.journal --dispatch-table Tests/Fixtures/dispatch.json")
        let r = try Fixtures.t3attr(args, env: utc)
        #expect(r.status == 0)
        #expect(r.stdout.split(separator: "\n").map(String.init) == shown)
    }
    /// At 80 and 160 columns: the golden screen (`T3ATTR_UPDATE_SCREENS=1`
    /// rewrites it), every line fits, long lines are cut with …, the sentence
    /// wraps and is never cut; through a pipe nothing is cut.
    @Test(arguments: [80, 160])
    func screenFitsTheTerminal(columns: Int) throws {
        let args = ["why", "frank", "2026-06-12 13:00", "--file", try Fixtures.journal("scenario-serve-oom")] + table + ["--color", "never"]
        let quoted = ([Fixtures.binary] + args).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let r = try Fixtures.run(
            "/usr/bin/script", ["-qec", "stty cols \(columns) rows 60; exec \(quoted)", "/dev/null"], env: ["TERM": "xterm", "TZ": "UTC"],
            unset: ["COLUMNS"])
        let got = r.stdout.replacingOccurrences(of: "\r\n", with: "\n")
        let golden = Fixtures.path("screens/why-serve-oom-\(columns).txt")
        if ProcessInfo.processInfo.environment["T3ATTR_UPDATE_SCREENS"] == "1" { try Data(got.utf8).write(to: URL(fileURLWithPath: golden)) }
        #expect(got == (try String(contentsOfFile: golden, encoding: .utf8)), "at \(columns) columns:\n\(got)")
        for line in got.split(separator: "\n") { #expect(line.count <= columns, "too wide: \(line)") }
        #expect(got.contains("…"))
        #expect(got.hasPrefix("-- t3attr why frank: 2026-06-12 12:50:00 .. 13:10:00 UTC\n"), "\(got)")
        let sentence = try #require(cases.first { $0.user == "frank" }).sentence
        let tail = got.split(separator: "\n").drop { !$0.hasPrefix("frank dropped") }.map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(tail.joined(separator: " ") == sentence, "the sentence wraps, whole:\n\(got)")
        let piped = try Fixtures.t3attr(args, env: utc)
        #expect(!piped.stdout.contains("…"))
    }

    /// The ticket's commands read the journal `why` read (`-D DIR`), and find the line.
    @Test func markdownCommandsWorkWhenPasted() throws {
        let dir = try Fixtures.tempDir()
        _ = try Fixtures.journal("scenario-serve-oom", in: dir)
        let r = try why(["frank", "2026-06-12 13:00", "-D", dir, "-o", "markdown"])
        #expect(r.status == 0, "\(r.stderr)")
        let commands = r.stdout.split(separator: "\n").filter { $0.contains("`journalctl") }
        #expect(commands.count >= 3, "\(r.stdout)")
        for c in commands {
            let pasted = String(c.drop(while: { $0 != "`" }).dropFirst().dropLast())
            #expect(pasted.hasPrefix("journalctl -D '\(dir)' --cursor '"), "\(pasted)")
            let found = try Fixtures.run("/bin/sh", ["-c", pasted + " -o json --no-pager"])
            #expect(found.status == 0 && !found.stdout.isEmpty, "\(pasted): \(found.stderr)")
        }
    }
    /// A ticket's commands are pasted in another directory: a relative --file
    /// or -D becomes absolute (it was kept as typed, `--file './x.journal'`).
    @Test(arguments: [["--file", "./x.journal"], ["-D", "."]])
    func markdownCommandsNameAbsolutePaths(source: [String]) throws {
        let dir = try Fixtures.tempDir()
        _ = try Fixtures.journal("scenario-serve-oom", in: dir, fileName: "x.journal")
        let words = [Fixtures.binary, "report"] + source + ["-o", "markdown"] + table
        let r = try Fixtures.run("/bin/sh", ["-c", "cd '\(dir)' && exec " + words.map { "'\($0)'" }.joined(separator: " ")])
        #expect(r.status == 0, "\(r.stderr)")
        let commands = r.stdout.split(separator: "\n").filter { $0.contains("`journalctl") }
        #expect(!commands.isEmpty, "\(r.stdout)")
        for c in commands {
            let pasted = String(c.drop(while: { $0 != "`" }).dropFirst().dropLast())
            #expect(pasted.contains("'\(dir)"), "\(pasted)")
            let found = try Fixtures.run("/bin/sh", ["-c", "cd / && " + pasted + " -o json --no-pager"])
            #expect(found.status == 0 && !found.stdout.isEmpty, "\(pasted): \(found.stderr)")
        }
    }

    /// An old-era drop (a proxy error of a dispatch that logs no `ws` lines)
    /// cannot say whether the user came back: no "not back".
    @Test func oldEraDropDoesNotClaimNotBack() throws {
        let j = try Fixtures.journal("scenario-old-format")
        let o = try #require(try Fixtures.ndjson(try why(["alice", "2026-06-05 09:06", "--file", j, "-o", "json"]).stdout).first)
        let d = try #require((o["drops"] as? [[String: Any]])?.first)
        #expect(d["reason"] as? String == "reset")
        #expect(d["back_known"] as? Bool == false)
        #expect(d["reconnect_after_ms"] is NSNull)
        #expect(
            o["sentence"] as? String
                == "alice dropped at 09:06:40 UTC (1 socket): serve — the serve reset the connection; the serve and the host were quiet.")
        let t = try why(["alice", "2026-06-05 09:06", "--file", j])
        #expect(t.stdout.contains("   back       unknown (this dispatch logs no ws lines)\n"), "\(t.stdout)")
    }

    /// An elimination verdict does not call quiet what it set aside: grace's
    /// serve had a child OOM-killed (OOMPolicy=continue, the serve lived on),
    /// shown under `serve`; the `checked` line says none of it explains the drop.
    @Test func checkedDoesNotCallASetAsideOOMKillQuiet() throws {
        let j = try Fixtures.journal("scenario-cgroup-vs-host")
        let t = try why(["grace", "2026-06-18 14:10", "--file", j])
        #expect(t.status == 0, "\(t.stderr)")
        #expect(t.stdout.contains("client/isolated_drop (elimination)"), "\(t.stdout)")
        #expect(t.stdout.contains("serve_timeouts: none explains it\n"), "\(t.stdout)")
        #expect(t.stdout.contains("t3-serve@grace.service oom_kill: "), "\(t.stdout)")
        #expect(!t.stdout.contains("quiet\n   serve      2026"), "\(t.stdout)")
    }

    /// A time of two words not quoted (`why alice 2026-06-10 20:00`) is a
    /// usage error that says to quote it.
    @Test(arguments: [(["2026-06-10", "20:00"], "'2026-06-10 20:00'"), (["1h", "ago"], "'1h ago'")])
    func anUnquotedTimeIsToldToBeQuoted(words: [String], quoted: String) throws {
        let r = try why(["alice"] + words + ["--file", try Fixtures.journal("sample-incident")])
        #expect(r.status == 64)
        #expect(r.stderr.contains("(a time of several words is one argument: quote it, \(quoted))"), "\(r.stderr)")
    }
}
