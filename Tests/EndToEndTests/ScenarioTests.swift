import Foundation
import TestSupport
import Testing

private let table = ["--dispatch-table", Fixtures.path("dispatch.json")]

/// Every scenario with hand-written expectations (`expect=` in tools/fixtures.py).
private let scenarios = [
    "scenario-tunnel-break", "scenario-memory-storm", "scenario-serve-livelock", "scenario-serve-oom",
    "scenario-planned-autoupdate", "scenario-isolated-cancels", "scenario-cancels-per-second",
    "scenario-dispatch-restart", "scenario-host-freeze", "scenario-old-format", "sample-incident",
    "scenario-clock-backwards", "scenario-fleet", "scenario-host-starvation", "scenario-serve-restarts",
    "scenario-upstream-errors", "scenario-burst-at-threshold",
    "scenario-upstream-errors-old-era", "scenario-request-errors", "scenario-dispatch-outage",
    // Issue 13, helper B.
    "scenario-serve-lifecycles", "scenario-cgroup-vs-host", "scenario-error-texts", "scenario-serve-timeout-kinds",
    "scenario-journal-suppressed", "scenario-local-time",
    // Audit of the verdicts on realistic incidents (issues 13/14 follow-up).
    "scenario-audit-edge-blip-boundary", "scenario-audit-oom-in-storm", "scenario-audit-autoupdate-rollout",
    "scenario-audit-dispatch-crash-loop", "scenario-audit-freeze-then-drops", "scenario-audit-upgrade-mid-window",
    "scenario-audit-flaky-mobile", "scenario-audit-hung-tasks-burst", "scenario-audit-serve-stops-answering",
    "scenario-audit-straddling-pair", "scenario-audit-one-users-tabs", "scenario-audit-suppressed-mid-burst",
    "scenario-audit-global-oom-kills-dispatch",
    // Round 13's review: every serve stopped at once, a planned reboot.
    "scenario-audit-mass-serve-restart", "scenario-audit-planned-reboot",
    "scenario-audit-pairing-refused", "scenario-audit-crash-cuts-background-tab",
    // Round 14's review: a serve's scripted restart in the second of another break.
    "scenario-audit-restart-in-blip", "scenario-audit-mislabel-in-blip", "scenario-audit-editor-timeouts",
    "scenario-audit-dispatch-sighup", "scenario-audit-late-hung-task",
    // Round 15's review: a serve's crash, kill or restart before the socket was opened.
    "scenario-audit-crash-before-socket", "scenario-audit-dial-timeouts",
    // Round 16's review: a clock step, serves not yet started after a reboot, a unit left down.
    "scenario-audit-clock-step", "scenario-audit-reboot-slow-serves", "scenario-audit-start-limit",
    "scenario-audit-serve-resets", "scenario-audit-slow-drain", "scenario-audit-serves-after-dispatch",
    // Issue 15: a long window.
    "scenario-long-window",
]

private func expectations(_ name: String) throws -> [ExpectedDrop] { try Fixtures.expectedDrops(name) }

/// The (verdict, reason) pairs of the README's verdict table.
func readmeVerdictPairs() throws -> Set<String> {
    let readme = try String(contentsOfFile: Fixtures.packageRoot.appendingPathComponent("README.md").path, encoding: .utf8)
    guard let start = readme.range(of: "| verdict | reason(s) | rule |") else {
        throw Fixtures.Missing(description: "README.md has no verdict table")
    }
    var pairs = Set<String>()
    for line in readme[start.upperBound...].split(separator: "\n").dropFirst() {
        guard line.hasPrefix("|") else { break }
        let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard cells.count >= 4 else { continue }
        let verdict = cells[1].trimmingCharacters(in: ["`"])
        for reason in cells[2].split(separator: ",") {
            pairs.insert(verdict + "/" + reason.trimmingCharacters(in: [" ", "`"]))
        }
    }
    return pairs
}

/// Runs `t3attr report -o json` on a scenario journal.
private func report(_ name: String, _ extra: [String] = []) throws -> (drops: [[String: Any]], bursts: [[String: Any]], summary: [String: Any]) {
    let path = try Fixtures.journal(name)
    let r = try Fixtures.t3attr(["report", "--file", path, "-o", "json"] + table + extra)
    guard r.status == 0 else { throw Fixtures.Missing(description: "t3attr failed (\(r.status)): \(r.stderr)") }
    let objs = try Fixtures.ndjson(r.stdout)
    return (
        objs.filter { $0["type"] as? String == "drop" }, objs.filter { $0["type"] as? String == "burst" },
        objs.last { $0["type"] as? String == "summary" } ?? [:]
    )
}

@Suite("one verdict per drop: incident scenarios with expected verdicts")
struct ScenarioTests {
    /// The window chooses the drops, not their verdicts: with `--since` 2 s
    /// before a drop, or `--until` 2 s after it, the drop is listed with the
    /// verdict and reason it has in the whole journal (a refused request 30 s
    /// before, a spread-out chain's first drops, a serve crash's line after).
    @Test(
        "a drop near --since or --until keeps its verdict",
        arguments: ["scenario-request-errors", "scenario-audit-slow-drain", "scenario-audit-crash-before-socket"])
    func edgesKeepVerdicts(name: String) throws {
        let (all, _, _) = try report(name)
        #expect(!all.isEmpty)
        func key(_ d: [String: Any]) -> String {
            "\(d["realtime_usec"] as? Int ?? 0) \(d["message"] as? String ?? "?") \(d["verdict"] as? String ?? "?")/\(d["reason"] as? String ?? "?")"
        }
        for d in all {
            let t = try #require(d["realtime_usec"] as? Int)
            for edge in [["--since", "@\(Double(t) / 1e6 - 2)"], ["--until", "@\(Double(t) / 1e6 + 2)"]] {
                let (near, _, _) = try report(name, edge)
                #expect(near.map(key).contains(key(d)), "\(edge): \(key(d)) not in \(near.map(key))")
            }
        }
    }

    /// A burst is of written seconds, a window of receive times: with
    /// `--since` at the receive time of a burst's first drop (received after
    /// its second began), the burst is still listed with its drops, in
    /// `report` and in `bursts`.
    @Test func aBurstWhoseDropsAreListedIsListed() throws {
        let name = "scenario-burst-at-threshold"
        let (drops, bursts, _) = try report(name)
        let burst = try #require(bursts.first)
        let second = try #require(burst["second"] as? String)
        let first = try #require(drops.filter { $0["burst_second"] as? String == second }.compactMap { $0["realtime_usec"] as? Int }.min())
        let since = ["--since", "@\(Double(first) / 1e6)"]
        let (near, nearBursts, _) = try report(name, since)
        #expect(near.contains { $0["burst_second"] as? String == second })
        #expect(nearBursts.contains { $0["second"] as? String == second }, "\(nearBursts)")
        let b = try Fixtures.t3attr(["bursts", "--file", try Fixtures.journal(name), "-o", "json"] + table + since)
        #expect(try Fixtures.ndjson(b.stdout).contains { $0["type"] as? String == "burst" && $0["second"] as? String == second }, "\(b.stdout)")
    }

    /// Every drop of the scenario gets exactly the verdict and reason its
    /// fixture states, and nothing else is reported as a drop.
    @Test("verdicts match the scenario", arguments: scenarios)
    func verdicts(name: String) throws {
        let expected = try expectations(name)
        #expect(!expected.isEmpty)
        let (drops, _, summary) = try report(name)
        let fleet = expected.contains { $0.host != nil }
        let got = drops.map { d in
            "\(d["realtime_usec"] as? Int ?? 0) \(d["verdict"] as? String ?? "?")/\(d["reason"] as? String ?? "?")"
                + (fleet ? " @\(d["host"] as? String ?? "?")" : "")
        }
        let want = expected.map { $0.key + (fleet ? " @\($0.host ?? "?")" : "") }
        #expect(got == want)
        #expect(summary["drops"] as? Int == expected.count)
        for d in drops {
            #expect(d["cursor"] as? String != "", "every drop names its own cursor")
            #expect(d["evidence"] is [Any])
            let v = d["verdict"] as? String
            // Verdicts read from the drop's own text need no other entry.
            let selfEvident = ["refused", "reset", "eof", "serve_timeout", "upstream_closed", "upstream_error", "ephemeral_ports"]
            if v != "client" && v != "unknown" && !selfEvident.contains(d["reason"] as? String ?? "") {
                #expect(!((d["evidence"] as? [Any]) ?? []).isEmpty, "an infra verdict carries evidence")
            }
        }
    }

    /// Every (verdict, reason) pair of the README's table is reached end to
    /// end by some scenario's hand-written expectations.
    @Test func everyReadmeReasonIsReachedByAScenario() throws {
        let readme = try readmeVerdictPairs()
        #expect(readme.count >= 20, "the README's table parsed: \(readme.sorted())")
        var reached = Set<String>()
        for name in scenarios { for e in try expectations(name) { reached.insert(e.verdict + "/" + e.reason) } }
        // Issue 14's pairs need a Prometheus or a tunnel log: EvidenceTests reaches them.
        reached.formUnion(EvidenceTests.reachedPairs)
        let missing = readme.subtracting(reached).sorted()
        #expect(missing.isEmpty, "README reasons no scenario reaches: \(missing)")
        let undocumented = reached.subtracting(readme).sorted()
        #expect(undocumented.isEmpty, "scenario reasons the README does not list: \(undocumented)")
    }

    /// journald's `Suppressed N messages from <unit>` is a hole the summary names
    /// (issue 13, section 7), and a user's look-alike line is not.
    @Test func summaryNamesTheHolesJournaldLeft() throws {
        let (_, _, summary) = try report("scenario-journal-suppressed")
        let notes = (summary["notes"] as? [String]) ?? []
        let holes = notes.filter { $0.hasPrefix("journald suppressed ") }
        #expect(holes.count == 3, "\(notes)")
        #expect(holes.contains { $0.contains("10412 messages from t3-dispatch.service") }, "\(notes)")
        #expect(holes.contains { $0.contains("20000 messages from t3-serve@carol.service") }, "\(notes)")
    }

    /// Go's prefix in local time is found per dispatch process, corrected and
    /// named in the notes (issue 13, section 7).
    @Test func localTimeOffsetIsCorrectedAndNamed() throws {
        let (drops, bursts, summary) = try report("scenario-local-time")
        let notes = (summary["notes"] as? [String]) ?? []
        #expect(notes.contains { $0.contains("PID 4400") && $0.contains("UTC+03:00") }, "\(notes)")
        #expect(bursts.first?["second"] as? String == "2026-06-19T12:15:00Z")
        let refused = try #require(drops.first { ($0["message"] as? String ?? "").contains("refused") })
        #expect(refused["written_usec"] as? Int == refused["realtime_usec"] as? Int)
    }

    /// Exactly --burst-min teardowns make a burst, and the long graceful
    /// closes in that second are drops; one fewer makes none.
    @Test func burstMinimumTeardownsIncludeLongGracefulCloses() throws {
        let (drops, bursts, _) = try report("scenario-burst-at-threshold")
        #expect(bursts.count == 1)
        #expect(bursts.first?["count"] as? Int == 5)
        #expect(bursts.first?["second"] as? String == "2026-06-17T09:00:00Z")
        let burstTriggered = drops.filter { $0["trigger"] as? String == "burst" }
        #expect(burstTriggered.map { $0["user"] as? String } == ["grace", "alice"])
    }

    /// A dispatch restart's evidence is what PID 1 said about the dispatch
    /// unit around it (field guide 2.4), not only the restart line itself.
    @Test func dispatchRestartEvidenceIsPID1sLines() throws {
        let (drops, _, _) = try report("scenario-dispatch-restart")
        let restart = try #require(drops.first { $0["trigger"] as? String == "dispatch_restart" })
        let messages = ((restart["evidence"] as? [[String: Any]]) ?? []).compactMap { $0["message"] as? String }
        #expect(messages.contains("Stopping t3-dispatch.service - t3 dispatch proxy..."), "\(messages)")
        #expect(messages.contains("Started t3-dispatch.service - t3 dispatch proxy."), "\(messages)")
        #expect(!messages.contains { $0.contains("listening on") }, "\(messages)")
    }

    @Test func sevenCancelsInADayAreNotABurstSevenInOneSecondAre() throws {
        let (_, bursts, _) = try report("scenario-cancels-per-second")
        #expect(bursts.count == 1)
        #expect(bursts.first?["count"] as? Int == 7)
        #expect(bursts.first?["second"] as? String == "2026-06-13T03:30:00Z")
        #expect(bursts.first?["verdict"] as? String == "edge")
    }

    /// Incidents (issue 13, section 9), from the scenario's expectations: the
    /// drops of sample-incident group into one burst, one isolated client drop,
    /// one OOM, one planned restart and one dispatch restart; every drop names
    /// its incident and basis, and the elimination lists what was checked.
    @Test func incidentsGroupTheDropsOfSampleIncident() throws {
        let path = try Fixtures.journal("sample-incident")
        let r = try Fixtures.t3attr(["report", "--file", path, "-o", "json"] + table)
        #expect(r.status == 0, "\(r.stderr)")
        let objs = try Fixtures.ndjson(r.stdout)
        let drops = objs.filter { $0["type"] as? String == "drop" }
        let incidents = objs.filter { $0["type"] as? String == "incident" }
        #expect(incidents.map { $0["reason"] as? String } == ["burst", "isolated_cancel", "oom_kill", "planned_restart", "dispatch_restart"])
        #expect(incidents.map { $0["drops"] as? Int } == [7, 1, 1, 1, 2])
        #expect(drops.map { $0["incident"] as? Int } == [1, 1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 5])
        #expect(drops.allSatisfy { ["evidence", "elimination"].contains($0["basis"] as? String ?? "") })
        let client = try #require(drops.first { $0["verdict"] as? String == "client" })
        #expect(client["basis"] as? String == "elimination")
        #expect((client["checked"] as? [String])?.contains("serve_events") == true)
        #expect(objs.last?["incidents"] as? Int == 5)
    }

    /// The drop and incident lines of a scenario's JSON report.
    func dropsAndIncidents(_ scenario: String) throws -> (drops: [[String: Any]], incidents: [[String: Any]]) {
        let r = try Fixtures.t3attr(["report", "--file", try Fixtures.journal(scenario), "-o", "json"] + table)
        let objs = try Fixtures.ndjson(r.stdout)
        return (objs.filter { $0["type"] as? String == "drop" }, objs.filter { $0["type"] as? String == "incident" })
    }

    /// A reboot is one incident: the dispatch's restart after it (its
    /// `listening` line, which cut alice's socket) and the proxy error the
    /// new boot gave are both the 601 s gap's, not one incident per trigger.
    @Test func aRebootIsOneIncident() throws {
        let (drops, incidents) = try dropsAndIncidents("scenario-host-freeze")
        #expect(drops.map { $0["trigger"] as? String } == ["dispatch_restart", "proxy_error"])
        #expect(drops.map { $0["incident"] as? Int } == [1, 1])
        #expect(incidents.map { $0["reason"] as? String } == ["reboot"])
        #expect(incidents.first?["drops"] as? Int == 2)
        #expect(incidents.first?["users"] as? [String] == ["alice"])
    }

    /// A planned reboot: the closes when systemd stopped every serve (six
    /// users in one second, a burst) and the dispatch's restart in the new
    /// boot are the reboot's, one incident (they were an edge burst and a
    /// reboot, then two reboot incidents).
    @Test func aShutdownsClosesAndTheRestartAfterAreOneReboot() throws {
        let (drops, incidents) = try dropsAndIncidents("scenario-audit-planned-reboot")
        #expect(drops.count == 7 && drops.allSatisfy { $0["incident"] as? Int == 1 })
        #expect(incidents.map { $0["reason"] as? String } == ["reboot"])
        #expect(incidents.first?["users"] as? [String] == ["alice", "bob", "carol", "dave", "erin", "frank"])
    }

    /// A scripted restart of alice's serve in the second of an edge blip that
    /// cut five others: two incidents and a burst of the five (the burst had
    /// taken alice's verdict, or alice the burst's, by which close came
    /// first); `bursts` lists the five alone.
    @Test func aServeRestartInABlipIsNotTheBlips() throws {
        let (drops, incidents) = try dropsAndIncidents("scenario-audit-restart-in-blip")
        let blip = drops.prefix(6)
        #expect(Set(blip.compactMap { $0["incident"] as? Int }).count == 2)
        #expect(incidents.prefix(2).compactMap { $0["reason"] as? String }.sorted() == ["burst", "planned_restart"], "\(incidents)")
        let path = try Fixtures.journal("scenario-audit-restart-in-blip")
        let r = try Fixtures.t3attr(["bursts", "--file", path, "-o", "json", "--dispatch-table", Fixtures.path("dispatch.json")])
        let bursts = try Fixtures.ndjson(r.stdout).filter { $0["type"] as? String == "burst" }
        #expect(bursts.count == 1 && bursts.first?["count"] as? Int == 5, "\(bursts)")
        #expect(bursts.first?["users"] as? [String] == ["bob", "carol", "dave", "erin", "frank"])
        #expect(bursts.first?["verdict"] as? String == "edge")
        // The restarts' sockets and those too few for a burst without them are no burst's drops.
        let summary = try #require(try Fixtures.ndjson(r.stdout).last)
        #expect(summary["drops"] as? Int == 5 && summary["by_verdict"] as? [String: Int] == ["edge": 5], "\(summary)")
    }

    /// An editor's, a language server's or a ping's timeout is no evidence:
    /// alice's `upstream_closed` rests on her own close (the LSP line was
    /// its only evidence), and `why bob` finds the host quiet (those
    /// timeouts were "host signals").
    @Test func editorTimeoutsAreNoEvidence() throws {
        let (drops, _) = try dropsAndIncidents("scenario-audit-editor-timeouts")
        let alice = try #require(drops.first { ($0["message"] as? String ?? "").contains("user=alice") })
        let evidence = (alice["evidence"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
        #expect(!evidence.contains { $0.contains("[lsp]") }, "\(alice)")
        let path = try Fixtures.journal("scenario-audit-editor-timeouts")
        let why = try Fixtures.t3attr(["why", "bob", "2026-06-26 11:10", "--file", path] + table)
        #expect(why.status == 0, "\(why.stderr)")
        #expect(why.stdout.contains("   host       quiet\n"), "\(why.stdout)")
        #expect(why.stdout.contains("the serve and the host were quiet."), "\(why.stdout)")
    }

    /// A dispatch outage stands for the sockets it cut: `why`'s "dropped"
    /// names every user it cut and not its `listening` line ("(no user) 1",
    /// which also stood for the users left out of a short window).
    @Test func anOutageDroppedItsUsersNotItsRestartLine() throws {
        let path = try Fixtures.journal("scenario-audit-dispatch-sighup")
        let r = try Fixtures.t3attr(["why", "alice", "2026-06-27 10:00", "--around-window", "1h", "--file", path] + table)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("   dropped    alice 1, bob 1, carol 1, dave 1 (the incident's sockets per user)\n"), "\(r.stdout)")
        let short = try Fixtures.t3attr(["why", "alice", "2026-06-27 10:00", "--file", path] + table)
        #expect(short.status == 0 && !short.stdout.contains("(no user)"), "\(short.stdout)")
    }

    /// A host signal received after the drop whose condition had begun by
    /// then (a hung task's line states how long it was blocked) is among
    /// `why`'s host signals, as it is the verdict's evidence.
    @Test func whyListsAHungTaskLoggedAfterTheDrop() throws {
        let path = try Fixtures.journal("scenario-audit-late-hung-task")
        let r = try Fixtures.t3attr(["why", "bob", "2026-06-28 09:00", "--file", path, "-o", "json"] + table)
        let why = try #require(try Fixtures.ndjson(r.stdout).first { $0["type"] as? String == "why" }, "\(r.stdout)")
        let items = why["drops"] as? [[String: Any]] ?? []
        let host = (items.first?["host_signals"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
        #expect(host.contains { $0.contains("blocked for more than 122 seconds") }, "\(why)")
    }

    /// Several serves the dispatch could not reach at once are the host's,
    /// and `why` says the dispatch's lines are the evidence, not that all
    /// was quiet.
    @Test func whyNamesTheDispatchsTimeoutsAsTheHostsEvidence() throws {
        let path = try Fixtures.journal("scenario-audit-dial-timeouts")
        let r = try Fixtures.t3attr(["why", "alice", "2026-07-01 10:00", "--file", path] + table)
        #expect(r.status == 0, "\(r.stderr)")
        let last = r.stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.contains("devvm — several serves timed out at once"), "\(r.stdout)")
        #expect(last.contains("only the dispatch's timeouts show it"), "\(r.stdout)")
        #expect(r.stdout.contains("cause=dial tcp 127.0.0.1:3774: i/o timeout"), "bob's timeout is evidence: \(r.stdout)")
    }

    /// With no port map, a drop known by its port names its incident's user
    /// as its row does (`port:3773`): the incident said "-".
    @Test func anIncidentOfAPortOnlyDropNamesThePort() throws {
        let path = try Fixtures.journal("scenario-old-format")
        let r = try Fixtures.t3attr(["report", "--file", path, "-o", "json", "--dispatch-table", Fixtures.path("empty-table.json")])
        let incidents = try Fixtures.ndjson(r.stdout).filter { $0["type"] as? String == "incident" }
        #expect(incidents.map { $0["reason"] as? String } == ["burst", "reset"])
        #expect(incidents.last?["users"] as? [String] == ["port:3773"], "\(incidents)")
    }

    /// The era of a dispatch process whose window holds no `ws` line is
    /// decided by its lines before the window (issue 13, section 1): the
    /// tunnel-break's cancels alone in the window are still request errors,
    /// because the same process logged `ws open` lines an hour before.
    @Test func theEraIsLookedForBeforeTheWindow() throws {
        let (drops, _, summary) = try report("scenario-tunnel-break", ["--since", "@1781258399", "--until", "@1781258400.15"])
        #expect(drops.isEmpty, "\(drops.map { $0["message"] ?? "" })")
        #expect(summary["request_errors"] as? Int == 3)
    }

    @Test func burstMinimumIsAFlag() throws {
        let path = try Fixtures.journal("scenario-tunnel-break")
        let strict = try Fixtures.t3attr(["bursts", "--file", path, "--min", "8", "-o", "json"] + table)
        #expect(try Fixtures.ndjson(strict.stdout).filter { $0["type"] as? String == "burst" }.isEmpty)
        let loose = try Fixtures.t3attr(["bursts", "--file", path, "--min", "7", "-o", "json"] + table)
        let b = try Fixtures.ndjson(loose.stdout).filter { $0["type"] as? String == "burst" }
        #expect(b.count == 1)
        #expect(b.first?["users"] as? [String] == ["alice", "bob", "carol", "dave", "erin", "frank", "grace"])
        #expect(b.first?["reason"] as? String == "burst")
    }

    /// `bursts` lists only drops in bursts; the others are counted, as many
    /// as `report` judges (its answer said "No drops." over hundreds).
    @Test func burstsCountsTheDropsItDoesNotList() throws {
        let path = try Fixtures.journal("sample-incident")
        let report = try Fixtures.t3attr(["report", "--file", path, "-o", "json"] + table)
        let all = try #require(try Fixtures.ndjson(report.stdout).last?["drops"] as? Int)
        // A `listening` that a fatal line followed is a failed start, no drop, in both.
        for name in ["scenario-dispatch-outage", "scenario-audit-dispatch-crash-loop"] {
            let p = try Fixtures.journal(name)
            let judged = try #require(try Fixtures.ndjson(Fixtures.t3attr(["report", "--file", p, "-o", "json"] + table).stdout).last)
            let listed = try #require(try Fixtures.ndjson(Fixtures.t3attr(["bursts", "--file", p, "--min", "50", "-o", "json"] + table).stdout).last)
            let n = try #require(judged["drops"] as? Int)
            #expect(listed["answer"] as? String == "No drops in a burst; \(n) drop\(n == 1 ? "" : "s") not in a burst ('report' judges them).")
        }
        for (min, inBursts) in [(8, 0), (5, 7)] {
            let r = try Fixtures.t3attr(["bursts", "--file", path, "--min", "\(min)", "-o", "json"] + table)
            let summary = try #require(try Fixtures.ndjson(r.stdout).last)
            #expect(summary["drops"] as? Int == inBursts)
            let answer = try #require(summary["answer"] as? String)
            #expect(answer.hasSuffix("\(all - inBursts) drops not in a burst ('report' judges them)" + (inBursts == 0 ? "." : "")), "\(answer)")
            #expect(answer.hasPrefix(inBursts == 0 ? "No drops in a burst; " : "\(inBursts) drops: "), "\(answer)")
        }
        let table8 = try Fixtures.t3attr(["bursts", "--file", path, "--min", "8"] + table)
        #expect(table8.stdout.contains("-- No bursts (\(all) drops, no second with enough downstream teardowns)."), "\(table8.stdout)")
    }

    @Test func burstGroupingUsesTheWrittenSecondNotTheReceiveTime() throws {
        // Five cancels written in one second but received over three (a
        // stalled host): one burst. The same spread in the written time: none.
        var lines = ""
        var t: UInt64 = 1_781_200_000_000_000
        func entry(_ recv: UInt64, _ msg: String) -> String {
            "__REALTIME_TIMESTAMP=\(recv)\n__MONOTONIC_TIMESTAMP=\(recv - 1_781_100_000_000_000)\n_BOOT_ID=5ae0daad7495215b8541efb25e0e7cae\n_HOSTNAME=devvm\n_TRANSPORT=stdout\n_PID=812\n_UID=1000\n_SYSTEMD_UNIT=t3-dispatch.service\nSYSLOG_IDENTIFIER=t3-dispatch\nMESSAGE=\(msg)\n\n"
        }
        for k in 0..<30 { lines += entry(t + UInt64(k) * 5_000_000, "2026/06/11 17:46:40 upstream alice healthy") }
        t += 150_000_000
        for k in 0..<5 { lines += entry(t + UInt64(k) * 700_000, "2026/06/11 17:49:10 http: proxy error: context canceled") }
        for k in 0..<5 { lines += entry(t + 60_000_000 + UInt64(k) * 700_000, "2026/06/11 17:50:1\(k) http: proxy error: context canceled") }
        for k in 0..<30 { lines += entry(t + 70_000_000 + UInt64(k) * 5_000_000, "2026/06/11 17:51:00 upstream alice healthy") }
        let path = try Fixtures.journal(exportText: Data(lines.utf8))
        let r = try Fixtures.t3attr(["bursts", "--file", path, "-o", "json"] + table)
        let bursts = try Fixtures.ndjson(r.stdout).filter { $0["type"] as? String == "burst" }
        // Go's prefix is the process's local time; devvm's is UTC, like journald's
        // receive time (a prefix hours away would be corrected: issue 13, section 7).
        #expect(bursts.map { $0["second"] as? String } == ["2026-06-11T17:49:10Z"])
        #expect(bursts.first?["count"] as? Int == 5)
    }

    @Test func scriptLinesLoggedTwiceCountOnce() throws {
        let path = try Fixtures.journal("scenario-serve-livelock")
        let r = try Fixtures.t3attr(["serve", "--file", path, "--user", "erin", "-o", "json"] + table)
        #expect(r.status == 0, "\(r.stderr)")
        let evs = try Fixtures.ndjson(r.stdout).filter { $0["type"] as? String == "serve_event" }
        #expect(evs.filter { $0["kind"] as? String == "probe_failed" }.count == 2)
        #expect(evs.filter { $0["kind"] as? String == "watchdog_restart" }.count == 1)
        #expect(evs.allSatisfy { $0["user"] as? String == "erin" })
    }

    @Test func serveTimelineTellsStarvationFromStopTimeouts() throws {
        let path = try Fixtures.journal("dispatch-basic")
        let r = try Fixtures.t3attr(["serve", "--file", path, "-o", "json"] + table)
        #expect(r.status == 0, "\(r.stderr)")
        let evs = try Fixtures.ndjson(r.stdout).filter { $0["type"] as? String == "serve_event" }
        let alice = evs.filter { $0["user"] as? String == "alice" }.map { $0["kind"] as? String }
        #expect(alice == ["serve_timeout", "unit_stop_timeout"])
    }

    @Test func reportTableStartsWithTheAnswer() throws {
        let path = try Fixtures.journal("sample-incident")
        let r = try Fixtures.t3attr(["report", "--file", path] + table)
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count > 3)
        #expect(lines[1] == "12 drops: 1 client, 7 edge, 2 serve, 2 dispatch; infra segments implicated: edge, serve, dispatch")
    }

    @Test func reportIsTheDefaultSubcommand() throws {
        let path = try Fixtures.journal("scenario-serve-oom")
        let r = try Fixtures.t3attr(["--file", path, "-o", "json"] + table)
        #expect(r.status == 0)
        #expect(r.stdout.contains("\"type\":\"drop\""))
    }
}
