import Classifiers
import Foundation
import Testing

/// The attribution rules on plain values: no journal, no files. One row per
/// rule of the README's verdict table (in its order), then edge cases. Each
/// row is a few journal lines at offsets (seconds) from t0 and the verdict
/// and reason of the drop whose MESSAGE contains `judge`.
struct Rule: Sendable, CustomTestStringConvertible {
    var name: String
    var lines: [Line]
    var gaps: [HostGap] = []
    var judge: String
    var verdict: Verdict
    var reason: Reason
    /// Issue 14: the probe's series and the tunnel's events, when the row needs them.
    var probe: ProbeSeries? = nil
    var tunnel: [TunnelEvent] = []

    var testDescription: String { name }
}

/// One journal line of a row.
enum Line: Sendable {
    /// t3-dispatch (with Go's time prefix).
    case dispatch(Double, String)
    /// PID 1 about a unit.
    case systemd(Double, unit: String, String)
    /// The kernel (OOM killer).
    case kernel(Double, String)
    /// A serve's own output.
    case serve(Double, user: String, String)
    /// A host script under its own unit.
    case script(Double, tag: String, String)
    /// earlyoom.
    case earlyoom(Double, String)
    /// journald's own notice (`_TRANSPORT=driver`, SD_MESSAGE_JOURNAL_DROPPED).
    case journald(Double, String)
}

private let t0: UInt64 = 1_781_200_000_000_000
private func at(_ s: Double) -> UInt64 { UInt64(Int64(t0) + Int64(s * 1_000_000)) }
private let users = ["alice": 3773, "bob": 3774, "carol": 3775, "dave": 3776]
private let serveUnits = Set(users.keys.map { "t3-serve@\($0).service" })

private func entry(_ l: Line) -> JournalEntry {
    switch l {
    case .dispatch(let s, let text):
        let c = CivilTime.civil(fromEpochSeconds: Int(at(s) / 1_000_000))
        func p(_ v: Int, _ w: Int) -> String { String(repeating: "0", count: max(0, w - String(v).count)) + String(v) }
        let line = "\(p(c.year, 4))/\(p(c.month, 2))/\(p(c.day, 2)) \(p(c.hour, 2)):\(p(c.minute, 2)):\(p(c.second, 2)) " + text
        return JournalEntry(realtime: at(s), message: Array(line.utf8), systemdUnit: "t3-dispatch.service")
    case .systemd(let s, let unit, let text):
        return JournalEntry(realtime: at(s), message: Array(text.utf8), systemdUnit: "init.scope", unit: unit, pid: 1, uid: 0)
    case .kernel(let s, let text):
        return JournalEntry(realtime: at(s), message: Array(text.utf8), transport: "kernel")
    case .serve(let s, let user, let text):
        return JournalEntry(realtime: at(s), message: Array(text.utf8), systemdUnit: "t3-serve@\(user).service", uid: 1000)
    case .script(let s, let tag, let text):
        return JournalEntry(realtime: at(s), message: Array(text.utf8), systemdUnit: "\(tag).service", uid: 0, syslogIdentifier: tag)
    case .earlyoom(let s, let text):
        return JournalEntry(realtime: at(s), message: Array(text.utf8), systemdUnit: "earlyoom.service", uid: 61874)
    case .journald(let s, let text):
        return JournalEntry(
            realtime: at(s), message: Array(text.utf8), systemdUnit: "systemd-journald.service", pid: 301, uid: 0, transport: "driver",
            messageID: MessageID.journalDropped)
    }
}

/// Entries in the order given through the event stream (the test users' ports
/// mapped) and one attributor, signals added as the reader adds them.
/// The attribution's dispatch pass makes marks of the lines it needs no
/// event of (issue 16): every row is run both ways, with the same result.
/// Both ways end in `Attributor.add(_: DispatchMark)` (an event of those
/// kinds is made a mark there): what this compares is the making of marks
/// from entries and the stream's clock; the rows' verdicts check the rest.
private func attribute(entries: [JournalEntry], gaps: [HostGap] = []) -> Attribution {
    let viaEvents = attribute(entries: entries, gaps: gaps, marks: false)
    let viaMarks = attribute(entries: entries, gaps: gaps, marks: true)
    #expect(viaMarks.drops == viaEvents.drops)
    #expect(viaMarks.bursts == viaEvents.bursts && viaMarks.requestBursts == viaEvents.requestBursts)
    #expect(viaMarks.requestErrors == viaEvents.requestErrors && viaMarks.outages == viaEvents.outages)
    #expect(viaMarks.incidents == viaEvents.incidents && viaMarks.signals == viaEvents.signals)
    #expect(viaMarks.restarts == viaEvents.restarts)
    #expect(viaMarks.clockWentBack.map { [$0.from, $0.to] } == viaEvents.clockWentBack.map { [$0.from, $0.to] })
    return viaEvents
}

private func attribute(entries: [JournalEntry], gaps: [HostGap], marks: Bool) -> Attribution {
    var map = PortMap()
    for (u, p) in users { map.add(port: p, user: u) }
    var stream = EventStream(config: SourceConfig(serveUnits: serveUnits, portMap: map))
    var a = Attributor()
    for e in entries {
        let p = stream.preclassify(e, cursor: { e.cursor }, marks: marks)
        if case .mark(let m) = p { a.add(m) }
        guard let ev = stream.resolve(p) else { continue }
        if ev.signal != nil { a.addSignal(ev) } else { a.add(ev) }
    }
    a.close()
    return a.attribute(gaps: gaps)
}

/// t3-watchdog's probe of `user`'s serve that timed out, the `n`th in a row.
private func probeTimeout(_ s: Double, _ user: String, _ port: Int, _ n: Int) -> Line {
    .script(
        s, tag: "t3-watchdog",
        "probe FAILED for t3-serve@\(user).service (port=\(port) reason=timeout consecutive=\(n) uptime=900s recent_restarts=3)")
}

/// A t3-dispatch line written by process `pid`.
private func dispatch(_ s: Double, pid: Int, _ text: String) -> JournalEntry {
    var e = entry(.dispatch(s, text))
    e.pid = pid
    return e
}

/// Lines in time order, as a journal holds them.
private func attribute(_ lines: [Line], gaps: [HostGap] = []) -> Attribution {
    attribute(entries: lines.map(entry).sorted { $0.realtime < $1.realtime }, gaps: gaps)
}

/// Runs a row: every line through the event stream (in time order) and one attributor.
private func drops(_ r: Rule) -> [Drop] {
    var result = attribute(r.lines, gaps: r.gaps)
    if r.probe != nil || !r.tunnel.isEmpty {
        Corroborator(probe: r.probe, tunnel: r.tunnel, window: 60_000_000).apply(&result)
    }
    return result.drops
}

/// The probe around `at(0)`: every series sampled every 15 s from -5 min to +5 min; `down` legs show
/// connected 0 at 0 s, `rtt` is the t3serve leg's p99, `memory`/`io` the pressure rates.
private func probe(down: [ProbeLeg] = [], rtt: Double = 0.02, memory: Double = 0.01, io: Double = 0.01) -> ProbeSeries {
    let times = stride(from: -300.0, through: 300.0, by: 15.0).map { at($0) }
    func series(_ labels: [String: String], _ value: (UInt64) -> Double) -> MetricSeries {
        MetricSeries(labels: labels, samples: times.map { MetricSample(time: $0, value: value($0)) })
    }
    var s = ProbeSeries()
    s.series[.connected] = ProbeLeg.allCases.map { l in
        series(["leg": l.rawValue]) { t in down.contains(l) && t >= at(0) && t < at(30) ? 0 : 1 }
    }
    s.series[.t3serveRTT] = [series([:]) { t in t >= at(0) && t < at(60) ? rtt : 0.02 }]
    s.series[.memoryPressure] = [series(["instance": "devvm"]) { t in t >= at(0) && t < at(60) ? memory : 0.01 }]
    s.series[.ioPressure] = [series(["instance": "devvm"]) { t in t >= at(0) && t < at(60) ? io : 0.01 }]
    return s
}

/// A cloudflared line as kubectl logs --timestamps --prefix prints it, `s` seconds from `at(0)`.
private func tunnel(_ s: Double, _ text: String) -> TunnelEvent {
    let c = CivilTime.civil(fromEpochSeconds: Int(at(s) / 1_000_000))
    func p(_ v: Int, _ w: Int) -> String { String(repeating: "0", count: max(0, w - String(v).count)) + String(v) }
    let stamp = "\(p(c.year, 4))-\(p(c.month, 2))-\(p(c.day, 2))T\(p(c.hour, 2)):\(p(c.minute, 2)):\(p(c.second, 2))Z"
    guard case .event(let e) = TunnelLogParser.parseLine(Substring("[pod/cloudflared-7d9f-abcde/cloudflared] \(stamp) \(stamp) \(text)"))
    else { fatalError("not a tunnel event: \(text)") }
    return e
}

private let cancel = "http: proxy error: context canceled"
private func refused(_ port: Int = 3773) -> String { "http: proxy error: dial tcp 127.0.0.1:\(port): connect: connection refused" }
private func short(_ user: String) -> String { "ws close user=\(user) ip=198.51.100.7 dur_ms=5000 cause=graceful" }
private func oom(_ user: String) -> String {
    "oom-kill:constraint=CONSTRAINT_MEMCG,task_memcg=/system.slice/system-t3\\x2dserve.slice/t3-serve@\(user).service,task=node,pid=\(user.count + 70),uid=1"
}
/// The kernel's global `oom-kill:` line for a task in `user`'s serve.
private func serveGlobalOOM(_ user: String, task: String = "node", pid: Int = 7) -> String {
    "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/system.slice/system-t3\\x2dserve.slice/t3-serve@\(user).service,task=\(task),pid=\(pid),uid=1001"
}
/// t3-watchdog's probe line for `user`'s serve, `s` seconds from t0.
private func probeFailed(_ s: Double, _ user: String, port: Int, reason: String) -> Line {
    .script(
        s, tag: "t3-watchdog", "probe FAILED for t3-serve@\(user).service (port=\(port) reason=\(reason) consecutive=1 uptime=900s recent_restarts=0)"
    )
}
/// t3 serve's git timeout (pingdotgg/t3code apps/server/src/processRunner.ts, `ProcessTimeoutError`).
private let timeout = "Process 'git' in '/home/u/code' timed out after 30000ms"
private func globalOOM(_ task: String = "cc1plus") -> String {
    "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/user.slice/user-1003.slice/session-4.scope,task=\(task),pid=60123,uid=1003"
}
private func burst(at s: Double) -> [Line] { (0..<5).map { .dispatch(s + Double($0) * 0.1, cancel) } }

enum RuleTable {
    /// The README's verdict table, row by row.
    static let rules: [Rule] = [
        Rule(
            name: "devvm/host_gap: no entry for --gap, ending within --host-window before the drop",
            lines: [.dispatch(0, cancel)], gaps: [HostGap(start: at(-60), end: at(-10), bootChanged: false)],
            judge: "canceled", verdict: .devvm, reason: .hostGap),
        Rule(
            name: "devvm/reboot: a new boot just before the drop",
            lines: [.dispatch(0, cancel)], gaps: [HostGap(start: at(-60), end: at(-10), bootChanged: true)],
            judge: "canceled", verdict: .devvm, reason: .reboot),
        Rule(
            name: "dispatch/dispatch_outage: a start that fails in a loop (the table does not load) is one outage and a drop",
            lines: [
                .dispatch(0, "load /etc/t3-serve/dispatch.json: unexpected end of JSON input"),
                .systemd(0.01, unit: "t3-dispatch.service", "t3-dispatch.service: Main process exited, code=exited, status=1/FAILURE"),
                .systemd(0.02, unit: "t3-dispatch.service", "t3-dispatch.service: Failed with result 'exit-code'."),
                .systemd(5.1, unit: "t3-dispatch.service", "t3-dispatch.service: Scheduled restart job, restart counter is at 1."),
                .dispatch(5.2, "load /etc/t3-serve/dispatch.json: unexpected end of JSON input"),
                .systemd(5.21, unit: "t3-dispatch.service", "t3-dispatch.service: Main process exited, code=exited, status=1/FAILURE"),
            ],
            judge: "load", verdict: .dispatch, reason: .dispatchOutage),
        Rule(
            name: "dispatch/dispatch_restart: the drop is a dispatch restart",
            lines: [.dispatch(0, "t3-dispatch listening on :3780")],
            judge: "listening", verdict: .dispatch, reason: .dispatchRestart),
        Rule(
            name: "dispatch/dispatch_restart: a non-upstream drop within 5 s of one",
            lines: [.dispatch(0, "t3-dispatch listening on :3780"), .dispatch(3, cancel)],
            judge: "canceled", verdict: .dispatch, reason: .dispatchRestart),
        Rule(
            name: "serve/unit_restart: a socket opened on the dispatch that came back, its serve stopped at the drop (a deploy)",
            lines: [
                .dispatch(0, "t3-dispatch listening on :3780"),
                .systemd(3.8, unit: "t3-serve@alice.service", "Stopping t3-serve@alice.service - t3 serve for alice..."),
                .dispatch(4, "ws close user=alice ip=198.51.100.7 dur_ms=2500 cause=graceful"),
            ],
            judge: "user=alice", verdict: .serve, reason: .unitRestart),
        Rule(
            name: "dispatch/dispatch_restart: a socket opened after its serve's restart, then cut 1 s after the dispatch came back",
            lines: [
                .systemd(-2, unit: "t3-serve@alice.service", "Stopping t3-serve@alice.service - t3 serve for alice..."),
                .systemd(-1.4, unit: "t3-serve@alice.service", "Started t3-serve@alice.service - t3 serve for alice."),
                .dispatch(0, "t3-dispatch listening on :3780"),
                .dispatch(2.5, "ws close user=alice ip=198.51.100.7 dur_ms=1000 cause=graceful"),
            ],
            judge: "user=alice", verdict: .dispatch, reason: .dispatchRestart),
        Rule(
            name: "dispatch/dispatch_restart: a socket of the restarted dispatch closed before its serve's restart began",
            lines: [
                .dispatch(0, "t3-dispatch listening on :3780"),
                .dispatch(3, "ws close user=alice ip=198.51.100.7 dur_ms=1300 cause=graceful"),
                .systemd(7.5, unit: "t3-serve@alice.service", "Stopping t3-serve@alice.service - t3 serve for alice..."),
            ],
            judge: "user=alice", verdict: .dispatch, reason: .dispatchRestart),
        Rule(
            name: "dispatch/dispatch_restart: an upgrade given up 1.4 s before its serve's restart began (a deploy restarting serves in turn)",
            lines: [
                .dispatch(0, "t3-dispatch listening on :3780"),
                .dispatch(2.6, "ws close user=alice ip=198.51.100.7 dur_ms=1000 cause=downstream_closed"),
                .systemd(4, unit: "t3-serve@alice.service", "Stopping t3-serve@alice.service - t3 serve for alice..."),
            ],
            judge: "user=alice", verdict: .dispatch, reason: .dispatchRestart),
        Rule(
            name: "dispatch/dispatch_restart: an upgrade begun before the dispatch came back is the restart's, its serve stopping or not",
            lines: [
                .dispatch(0, "t3-dispatch listening on :3780"),
                .systemd(3.8, unit: "t3-serve@alice.service", "Stopping t3-serve@alice.service - t3 serve for alice..."),
                .dispatch(4, "ws close user=alice ip=198.51.100.7 dur_ms=4500 cause=downstream_closed"),
            ],
            judge: "user=alice", verdict: .dispatch, reason: .dispatchRestart),
        Rule(
            name: "serve/crash_restart: a socket opened after a dispatch outage ended, its serve crashed at the drop",
            lines: [
                .dispatch(0, "panic: assignment to entry in nil map"),
                .systemd(0.01, unit: "t3-dispatch.service", "t3-dispatch.service: Main process exited, code=exited, status=2/INVALIDARGUMENT"),
                .systemd(0.02, unit: "t3-dispatch.service", "t3-dispatch.service: Failed with result 'exit-code'."),
                .systemd(5.1, unit: "t3-dispatch.service", "t3-dispatch.service: Scheduled restart job, restart counter is at 1."),
                .dispatch(5.2, "t3-dispatch listening on :3780"),
                .systemd(7.95, unit: "t3-serve@alice.service", "t3-serve@alice.service: Main process exited, code=dumped, status=11/SEGV"),
                .dispatch(8, "ws close user=alice ip=198.51.100.7 dur_ms=2000 cause=graceful"),
            ],
            judge: "user=alice", verdict: .serve, reason: .crashRestart),
        Rule(
            name: "devvm/oom_kill: a burst after a global OOM kill (CONSTRAINT_NONE, global_oom)",
            lines: burst(at: 0) + [.kernel(-30, globalOOM())],
            judge: "canceled", verdict: .devvm, reason: .oomKill),
        Rule(
            name: "devvm/oom_kill: a burst while earlyoom killed a process",
            lines: burst(at: 0) + [.earlyoom(-30, "sending SIGTERM to process 4242 uid 1003 \"node\": badness 900")],
            judge: "canceled", verdict: .devvm, reason: .oomKill),
        Rule(
            name: "devvm/oom_kill: earlyoom's SIGTERM, then the user's serve died of it (no stop asked)",
            lines: [
                .dispatch(0, refused()),
                .earlyoom(-8, "sending SIGTERM to process 2501 uid 1001 \"node\": badness 912, VmRSS 20480 MiB"),
                .systemd(
                    -7, unit: "t3-serve@alice.service",
                    "t3-serve@alice.service: Main process exited, code=killed, status=15/TERM"),
                .systemd(-7, unit: "t3-serve@alice.service", "t3-serve@alice.service: Failed with result 'signal'."),
            ],
            judge: "refused", verdict: .devvm, reason: .oomKill),
        Rule(
            name: "devvm/oom_kill: earlyoom's SIGTERM, then the serve ended as on a stop (status 130)",
            lines: [
                .dispatch(0, refused()),
                .earlyoom(-8, "sending SIGTERM to process 2501 uid 1001 \"node\": badness 912, VmRSS 20480 MiB"),
                .systemd(
                    -7, unit: "t3-serve@alice.service",
                    "t3-serve@alice.service: Main process exited, code=exited, status=130/n/a"),
            ],
            judge: "refused", verdict: .devvm, reason: .oomKill),
        Rule(
            name: "an operator's stop just after an earlyoom kill elsewhere is the operator's",
            lines: [
                .dispatch(0, refused()),
                .earlyoom(-8, "sending SIGTERM to process 9999 uid 1006 \"hog\": badness 912, VmRSS 20480 MiB"),
                .systemd(-7.5, unit: "t3-serve@alice.service", "Stopping t3-serve@alice.service - T3 Code server for alice..."),
                .systemd(
                    -7, unit: "t3-serve@alice.service",
                    "t3-serve@alice.service: Main process exited, code=exited, status=130/n/a"),
            ],
            judge: "refused", verdict: .serve, reason: .unitRestart),
        Rule(
            name: "devvm/serve_timeouts: a burst while two serves timed out",
            lines: burst(at: 0) + [.serve(-20, user: "carol", timeout), .serve(-10, user: "dave", timeout)],
            judge: "canceled", verdict: .devvm, reason: .serveTimeouts),
        Rule(
            name: "edge/burst: --burst-min downstream teardowns in one written second, serves quiet",
            lines: burst(at: 0), judge: "canceled", verdict: .edge, reason: .burst),
        Rule(
            name: "serve/oom_kill: an OOM kill in the user's serve cgroup took its main process down",
            lines: [
                .dispatch(0, refused()),
                .systemd(
                    -5, unit: "t3-serve@alice.service",
                    "t3-serve@alice.service: A process of this unit has been killed by the OOM killer."),
                .systemd(-4.9, unit: "t3-serve@alice.service", "t3-serve@alice.service: Failed with result 'oom-kill'."),
            ],
            judge: "refused", verdict: .serve, reason: .oomKill),
        Rule(
            name: "serve/watchdog_restart: the watchdog restarted the user's serve",
            lines: [.dispatch(0, refused()), .script(-5, tag: "t3-watchdog", "WATCHDOG: restarted t3-serve@alice.service (reason=timeout)")],
            judge: "refused", verdict: .serve, reason: .watchdogRestart),
        Rule(
            name: "serve/planned_restart: t3-autoupdate restarted the user's serve",
            lines: [.dispatch(0, refused()), .script(-5, tag: "t3-autoupdate", "restarted t3-serve@alice.service for 2.1.206")],
            judge: "refused", verdict: .serve, reason: .plannedRestart),
        Rule(
            name: "serve/crash_restart: the user's serve exited non-zero",
            lines: [
                .dispatch(0, refused()),
                .systemd(
                    -5, unit: "t3-serve@alice.service",
                    "t3-serve@alice.service: Main process exited, code=killed, status=9/KILL"),
            ],
            judge: "refused", verdict: .serve, reason: .crashRestart),
        Rule(
            name: "serve/stop_timeout: the user's serve hung on stop",
            lines: [
                .dispatch(0, refused()),
                .systemd(
                    -5, unit: "t3-serve@alice.service",
                    "t3-serve@alice.service: State 'stop-sigterm' timed out. Killing."),
            ],
            judge: "refused", verdict: .serve, reason: .stopTimeout),
        Rule(
            name: "serve/unit_restart: the user's serve was stopped or started",
            lines: [
                .dispatch(0, refused()), .systemd(-5, unit: "t3-serve@alice.service", "Stopping t3-serve@alice.service - t3 serve for alice..."),
            ],
            judge: "refused", verdict: .serve, reason: .unitRestart),
        Rule(
            name: "serve/unit_down: the user's serve went down long before and never started again",
            lines: [
                .systemd(-900, unit: "t3-serve@alice.service", "t3-serve@alice.service: Main process exited, code=exited, status=1/FAILURE"),
                .systemd(-899.9, unit: "t3-serve@alice.service", "t3-serve@alice.service: Failed with result 'exit-code'."),
                .dispatch(0, "ws close user=alice ip=198.51.100.7 dur_ms=4 cause=graceful"),
            ],
            judge: "user=alice", verdict: .serve, reason: .unitDown),
        Rule(
            name: "serve/unit_restart: the serve exited 0 on its own (only 'Deactivated successfully.' is logged)",
            lines: [
                .systemd(0, unit: "t3-serve@alice.service", "t3-serve@alice.service: Deactivated successfully."),
                .dispatch(0.05, "ws close user=alice ip=198.51.100.7 dur_ms=2993050 cause=graceful"),
            ],
            judge: "user=alice", verdict: .serve, reason: .unitRestart),
        Rule(
            name: "serve/unit_down: the serve exited 0 long before and nothing restarted it (Restart=on-failure)",
            lines: [
                .systemd(-600, unit: "t3-serve@alice.service", "t3-serve@alice.service: Deactivated successfully."),
                .dispatch(0, "ws close user=alice ip=198.51.100.7 dur_ms=1 cause=upstream_closed"),
            ],
            judge: "user=alice", verdict: .serve, reason: .unitDown),
        Rule(
            name: "a stop logged a few seconds after the drop it caused still explains it",
            lines: [
                .dispatch(0, refused()), .systemd(3, unit: "t3-serve@alice.service", "Stopping t3-serve@alice.service - t3 serve for alice..."),
            ],
            judge: "refused", verdict: .serve, reason: .unitRestart),
        Rule(
            name: "a manual restart 110 s after a client's drop did not cause it",
            lines: [
                .dispatch(0, "ws close user=alice ip=198.51.100.7 dur_ms=20000 cause=downstream_closed"),
                .systemd(110, unit: "t3-serve@alice.service", "Stopping t3-serve@alice.service - t3 serve for alice..."),
                .systemd(110.5, unit: "t3-serve@alice.service", "t3-serve@alice.service: Main process exited, code=exited, status=130/n/a"),
                .systemd(111, unit: "t3-serve@alice.service", "Started t3-serve@alice.service - t3 serve for alice."),
            ],
            judge: "downstream_closed", verdict: .unknown, reason: .downstreamUnconfirmed),
        Rule(
            name: "a planned restart announced after the drop, its stop before it, explains it",
            lines: [
                .systemd(-1, unit: "t3-serve@alice.service", "Stopping t3-serve@alice.service - t3 serve for alice..."),
                .dispatch(0, refused()),
                .script(40, tag: "t3-autoupdate", "restarted t3-serve@alice.service -> 0.0.42 (was 0.0.41) (pairing verified via dispatch)"),
            ],
            judge: "refused", verdict: .serve, reason: .plannedRestart),
        Rule(
            name: "a planned restart that began after the drop did not cause it",
            lines: [
                .dispatch(0, "ws close user=alice ip=198.51.100.7 dur_ms=20000 cause=downstream_closed"),
                .systemd(60, unit: "t3-serve@alice.service", "Stopping t3-serve@alice.service - t3 serve for alice..."),
                .script(90, tag: "t3-autoupdate", "restarted t3-serve@alice.service -> 0.0.42 (was 0.0.41) (pairing verified via dispatch)"),
            ],
            judge: "downstream_closed", verdict: .unknown, reason: .downstreamUnconfirmed),
        Rule(
            name: "serve/refused: the serve's port refused",
            lines: [.dispatch(0, refused())], judge: "refused", verdict: .serve, reason: .refused),
        Rule(
            name: "serve/reset: the serve reset the connection",
            lines: [.dispatch(0, "http: proxy error: read tcp 127.0.0.1:41300->127.0.0.1:3773: read: connection reset by peer")],
            judge: "reset", verdict: .serve, reason: .reset),
        Rule(
            name: "serve/eof: the serve hung up",
            lines: [.dispatch(0, "ws close user=alice ip=198.51.100.7 dur_ms=10 cause=unexpected EOF")],
            judge: "EOF", verdict: .serve, reason: .eof),
        Rule(
            name: "serve/serve_timeout: the serve's port did not answer",
            lines: [.dispatch(0, "http: proxy error: dial tcp 127.0.0.1:3773: i/o timeout")],
            judge: "timeout", verdict: .serve, reason: .serveTimeout),
        Rule(
            name: "serve/upstream_closed: the serve closed the socket",
            lines: [.dispatch(0, "ws close user=alice ip=198.51.100.7 dur_ms=10 cause=upstream_closed")],
            judge: "upstream_closed", verdict: .serve, reason: .upstreamClosed),
        Rule(
            name: "serve/upstream_error: another error pointing at the serve",
            lines: [.dispatch(0, "http: proxy error: dial tcp 127.0.0.1:3773: connect: no route to host")],
            judge: "no route", verdict: .serve, reason: .upstreamError),
        Rule(
            name: "serve/serve_timeout: the user's serve logged timeouts nearby",
            lines: [.dispatch(0, short("alice")), .serve(-30, user: "alice", timeout)],
            judge: "user=alice", verdict: .serve, reason: .serveTimeout),
        Rule(
            name: "serve/serve_timeout: the watchdog's probes of the user's serve failed nearby",
            lines: [
                .dispatch(0, short("alice")), .script(-30, tag: "t3-watchdog", "probe FAILED for t3-serve@alice.service (port=3773 reason=timeout)"),
            ],
            judge: "user=alice", verdict: .serve, reason: .serveTimeout),
        Rule(
            name: "devvm/oom_kill: host starvation near a drop not in a burst",
            lines: [.dispatch(0, short("bob")), .kernel(-30, globalOOM())],
            judge: "user=bob", verdict: .devvm, reason: .oomKill),
        Rule(
            name: "devvm/serve_timeouts: other serves timing out near a drop not in a burst",
            lines: [.dispatch(0, short("bob")), .serve(-20, user: "carol", timeout), .serve(-10, user: "dave", timeout)],
            judge: "user=bob", verdict: .devvm, reason: .serveTimeouts),
        Rule(
            name: "client/isolated_cancel: one downstream teardown alone in its second",
            lines: [.dispatch(0, cancel)], judge: "canceled", verdict: .client, reason: .isolatedCancel),
        Rule(
            name: "client/isolated_drop: one short socket, everything else quiet",
            lines: [.dispatch(0, short("bob"))], judge: "user=bob", verdict: .client, reason: .isolatedDrop),
        Rule(
            name: "unknown/spread_out: five users' drops 2.5 s apart are one break spread out, not five clients",
            lines: [
                .dispatch(0.0, "ws close user=alice ip=198.51.100.10 dur_ms=2993350 cause=graceful"),
                .dispatch(4.0, "ws open user=alice ip=198.51.100.10"),
                .dispatch(2.5, "ws close user=bob ip=198.51.100.11 dur_ms=2993350 cause=graceful"),
                .dispatch(6.5, "ws open user=bob ip=198.51.100.11"),
                .dispatch(5.0, "ws close user=carol ip=198.51.100.12 dur_ms=2993350 cause=graceful"),
                .dispatch(9.0, "ws open user=carol ip=198.51.100.12"),
                .dispatch(7.5, "ws close user=dave ip=198.51.100.13 dur_ms=2993350 cause=graceful"),
                .dispatch(11.5, "ws open user=dave ip=198.51.100.13"),
                .dispatch(10.0, "ws close user=erin ip=198.51.100.14 dur_ms=2993350 cause=graceful"),
                .dispatch(14.0, "ws open user=erin ip=198.51.100.14"),
            ],
            judge: "user=carol", verdict: .unknown, reason: .spreadOut),
        Rule(
            name: "unknown/below_burst_threshold: teardowns together, fewer than --burst-min",
            lines: [.dispatch(0, cancel), .dispatch(0.2, cancel)], judge: "canceled", verdict: .unknown, reason: .belowBurstThreshold),
        Rule(
            name: "unknown/upstream_no_user: the serve hung up, no user or port to blame",
            lines: [.dispatch(0, "http: proxy error: EOF")], judge: "EOF", verdict: .unknown, reason: .upstreamNoUser),
        Rule(
            name: "unknown/downstream_unconfirmed: a downstream_closed alone, the user's serve not shown answering",
            lines: [.dispatch(0, "ws close user=bob ip=198.51.100.7 dur_ms=20000 cause=downstream_closed")],
            judge: "user=bob", verdict: .unknown, reason: .downstreamUnconfirmed),
        Rule(
            name: "unknown/no_evidence: an odd close with nothing around it",
            lines: [.dispatch(0, "ws close user=zed ip=198.51.100.9 dur_ms=10 cause=something odd")],
            judge: "odd", verdict: .unknown, reason: .noEvidence),
        // Issue 13 (helper B): sections 3, 4, 6.
        Rule(
            name: "devvm/kernel_stall: a burst after the kernel's hung-task line",
            lines: burst(at: 0) + [.kernel(-40, "INFO: task kworker/u4:2:123 blocked for more than 120 seconds.")],
            judge: "canceled", verdict: .devvm, reason: .kernelStall),
        Rule(
            name: "devvm/ephemeral_ports: connect: cannot assign requested address",
            lines: [.dispatch(0, "http: proxy error: dial tcp 127.0.0.1:3773: connect: cannot assign requested address")],
            judge: "assign", verdict: .devvm, reason: .ephemeralPorts),
        Rule(
            name: "serve/serve_disabled: t3-provision-users stopped and disabled the user's serve",
            lines: [
                .dispatch(0, refused()),
                .systemd(-3, unit: "t3-serve@alice.service", "Stopping t3-serve@alice.service - t3 serve for alice..."),
                .systemd(-2.9, unit: "t3-serve@alice.service", "t3-serve@alice.service: Main process exited, code=exited, status=130/n/a"),
                .script(-2, tag: "t3-provision-users", "[t3-provision] t3-serve DISABLED for alice (roster parked: true)"),
            ],
            judge: "refused", verdict: .serve, reason: .serveDisabled),
        Rule(
            name: "unknown/journal_suppressed: an elimination verdict inside a hole journald's rate limit left",
            lines: [.dispatch(0, cancel), .journald(12, "Suppressed 10412 messages from t3-dispatch.service")],
            judge: "canceled", verdict: .unknown, reason: .journalSuppressed),
        // Issue 14: the probe's legs, devvm's pressure and the tunnel's logs.
        Rule(
            name: "devvm/probe_pressure: memory or IO pressure above its threshold around an isolated drop, no OOM, no gap",
            lines: [.dispatch(0, cancel)], judge: "canceled", verdict: .devvm, reason: .probePressure, probe: probe(memory: 0.35)),
        Rule(
            name: "edge/tunnel_reconnect: a cloudflared connection terminated within the window of an isolated drop",
            lines: [.dispatch(0, cancel)], judge: "canceled", verdict: .edge, reason: .tunnelReconnect,
            tunnel: [tunnel(-5, #"ERR Connection terminated error="timeout: no recent network activity" connIndex=2"#)]),
        Rule(
            name: "edge/probe_traefik: both WebSocket legs dropped, no dispatch restart, no host gap",
            lines: [.dispatch(0, cancel)], judge: "canceled", verdict: .edge, reason: .probeTraefik,
            probe: probe(down: [.cloudflare, .internal])),
        Rule(
            name: "serve/probe_serve_stall: the t3serve leg's round trip spiked",
            lines: [.dispatch(0, cancel)], judge: "canceled", verdict: .serve, reason: .probeServeStall, probe: probe(rtt: 8)),
        Rule(
            name: "edge/probe_cloudflare_leg: the cloudflare leg dropped, the internal leg stayed up",
            lines: [.dispatch(0, cancel)], judge: "canceled", verdict: .edge, reason: .probeCloudflareLeg,
            probe: probe(down: [.cloudflare])),
        Rule(
            name: "client/probe_clean: every leg up and pressure low",
            lines: [.dispatch(0, cancel)], judge: "canceled", verdict: .client, reason: .probeClean, probe: probe()),
    ]

    /// Edge cases: where a rule stops applying.
    static let edges: [Rule] = [
        // Issue 14: the journal's evidence stands against the probe; proof beats elimination.
        Rule(
            name: "both WebSocket legs down at a dispatch restart: the journal's dispatch stands",
            lines: [.dispatch(0, "t3-dispatch listening on :3780"), .dispatch(3, cancel)],
            judge: "canceled", verdict: .dispatch, reason: .dispatchRestart, probe: probe(down: [.cloudflare, .internal])),
        Rule(
            name: "a serve's git timeout under high IO pressure is the host's",
            lines: [.dispatch(0, short("alice")), .serve(-30, user: "alice", timeout)],
            judge: "user=alice", verdict: .devvm, reason: .probePressure, probe: probe(io: 0.5)),
        Rule(
            name: "a refused port stands under high pressure (the serve was down)",
            lines: [.dispatch(0, refused())], judge: "refused", verdict: .serve, reason: .refused, probe: probe(memory: 0.5)),
        Rule(
            name: "a burst with every probe leg up stays edge/burst (the probe is one user)",
            lines: burst(at: 0), judge: "canceled", verdict: .edge, reason: .burst, probe: probe()),
        Rule(
            name: "a burst during a tunnel reconnect is edge with the tunnel's proof",
            lines: burst(at: 0), judge: "canceled", verdict: .edge, reason: .tunnelReconnect,
            tunnel: [tunnel(2, "INF Registered tunnel connection connIndex=1 connection=8f1c location=ams04 protocol=quic")]),
        Rule(
            name: "a tunnel event outside the window changes nothing",
            lines: [.dispatch(0, cancel)], judge: "canceled", verdict: .client, reason: .isolatedCancel,
            tunnel: [tunnel(-120, #"ERR Connection terminated error="timeout: no recent network activity" connIndex=2"#)]),
        Rule(
            name: "only the internal leg dropped: inconclusive, the journal's verdict stands",
            lines: [.dispatch(0, cancel)], judge: "canceled", verdict: .client, reason: .isolatedCancel, probe: probe(down: [.internal])),
        Rule(
            name: "a user who reconnects into a dead dispatch is not the client's",
            lines: [
                .dispatch(0, "load /etc/t3-serve/dispatch.json: unexpected end of JSON input"),
                .systemd(0.01, unit: "t3-dispatch.service", "t3-dispatch.service: Main process exited, code=exited, status=1/FAILURE"),
                .systemd(0.02, unit: "t3-dispatch.service", "t3-dispatch.service: Failed with result 'exit-code'."),
                .systemd(5.1, unit: "t3-dispatch.service", "t3-dispatch.service: Scheduled restart job, restart counter is at 1."),
                .dispatch(5.2, "load /etc/t3-serve/dispatch.json: unexpected end of JSON input"),
                .systemd(5.21, unit: "t3-dispatch.service", "t3-dispatch.service: Main process exited, code=exited, status=1/FAILURE"),
                .dispatch(3, short("bob")),
            ],
            judge: "user=bob", verdict: .dispatch, reason: .dispatchOutage),
        Rule(
            name: "a downstream_closed is the client's when the user's serve answered another socket nearby",
            lines: [
                .dispatch(-30, "ws close user=bob ip=198.51.100.7 dur_ms=3600000 cause=graceful"),
                .dispatch(0, "ws close user=bob ip=198.51.100.7 dur_ms=20000 cause=downstream_closed"),
            ],
            judge: "downstream_closed", verdict: .client, reason: .isolatedCancel),
        Rule(
            name: "a socket of the user's serve that ended an hour before does not show the serve answering",
            lines: [
                .dispatch(-3600, "ws close user=bob ip=198.51.100.7 dur_ms=7200000 cause=graceful"),
                .dispatch(0, "ws close user=bob ip=198.51.100.7 dur_ms=20000 cause=downstream_closed"),
            ],
            judge: "downstream_closed", verdict: .unknown, reason: .downstreamUnconfirmed),
        Rule(
            name: "new era: a refused plain request of the same user makes a short socket the serve's",
            lines: [.dispatch(-5, refused()), .dispatch(0, short("alice"))],
            judge: "user=alice", verdict: .serve, reason: .refused),
        Rule(
            name: "new era: five sockets of one user at once are not a burst; with its serve restarting they are the serve's",
            lines: (0..<5).map { .dispatch(Double($0) * 0.1, short("alice")) } + [
                .systemd(-5, unit: "t3-serve@alice.service", "Stopping t3-serve@alice.service - t3 serve for alice...")
            ],
            judge: "user=alice", verdict: .serve, reason: .unitRestart),
        Rule(
            name: "new era: teardowns of two users within a second are a burst",
            lines: (0..<5).map { .dispatch(Double($0) * 0.1, short($0 % 2 == 0 ? "alice" : "bob")) },
            judge: "user=bob", verdict: .edge, reason: .burst),
        Rule(
            name: "a break straddling a second boundary is one burst",
            lines: [0.6, 0.7, 0.9, 1.1, 1.3].map { .dispatch($0, cancel) },
            judge: "canceled", verdict: .edge, reason: .burst),
        Rule(
            name: "a gap that ended before --host-window is not evidence",
            lines: [.dispatch(0, cancel)], gaps: [HostGap(start: at(-400), end: at(-300), bootChanged: true)],
            judge: "canceled", verdict: .client, reason: .isolatedCancel),
        Rule(
            name: "a gap ending just after the drop (the journal lags a stalled host) still counts",
            lines: [.dispatch(0, cancel)], gaps: [HostGap(start: at(-60), end: at(3), bootChanged: false)],
            judge: "canceled", verdict: .devvm, reason: .hostGap),
        Rule(
            name: "devvm/serve_timeouts: the dispatch's dials to two users' serves timed out together",
            lines: [
                .dispatch(0, "ws close user=alice ip=198.51.100.7 dur_ms=10000 cause=dial tcp 127.0.0.1:3773: i/o timeout"),
                .dispatch(0.3, "ws close user=bob ip=198.51.100.8 dur_ms=10000 cause=dial tcp 127.0.0.1:3774: i/o timeout"),
            ],
            judge: "user=alice", verdict: .devvm, reason: .serveTimeouts),
        Rule(
            name: "devvm/serve_timeouts: a plain request's dial to another serve timed out just before",
            lines: [
                .dispatch(-60, "ws open user=carol ip=198.51.100.9"),
                .dispatch(-30, "http: proxy error: dial tcp 127.0.0.1:3774: i/o timeout"),
                .dispatch(0, "ws close user=alice ip=198.51.100.7 dur_ms=10000 cause=dial tcp 127.0.0.1:3773: i/o timeout"),
            ],
            judge: "user=alice", verdict: .devvm, reason: .serveTimeouts),
        Rule(
            name: "serve/serve_timeout: one serve's dials timed out, twice, everything else quiet",
            lines: [
                .dispatch(0, "ws close user=alice ip=198.51.100.7 dur_ms=10000 cause=dial tcp 127.0.0.1:3773: i/o timeout"),
                .dispatch(20, "ws close user=alice ip=198.51.100.7 dur_ms=10000 cause=dial tcp 127.0.0.1:3773: i/o timeout"),
            ],
            judge: "user=alice", verdict: .serve, reason: .serveTimeout),
        Rule(
            name: "serve/serve_timeout: another serve's dial timed out more than --host-window before",
            lines: [
                .dispatch(-130, "ws close user=bob ip=198.51.100.8 dur_ms=10000 cause=dial tcp 127.0.0.1:3774: i/o timeout"),
                .dispatch(0, "ws close user=alice ip=198.51.100.7 dur_ms=10000 cause=dial tcp 127.0.0.1:3773: i/o timeout"),
            ],
            judge: "user=alice", verdict: .serve, reason: .serveTimeout),
        Rule(
            name: "devvm/serve_timeouts: one user's short socket while the dispatch's dials to two serves timed out",
            lines: [
                .dispatch(-20, "ws close user=carol ip=198.51.100.9 dur_ms=10000 cause=dial tcp 127.0.0.1:3775: i/o timeout"),
                .dispatch(-19, "ws close user=dave ip=198.51.100.6 dur_ms=10000 cause=dial tcp 127.0.0.1:3776: i/o timeout"),
                .dispatch(0, short("bob")),
            ],
            judge: "user=bob", verdict: .devvm, reason: .serveTimeouts),
        Rule(
            name: "a socket opened after the user's serve crashed and came back was not cut by the crash",
            lines: [
                .systemd(-100, unit: "t3-serve@alice.service", "t3-serve@alice.service: Main process exited, code=exited, status=1/FAILURE"),
                .systemd(-94.8, unit: "t3-serve@alice.service", "Started t3-serve@alice.service - t3 serve for alice."),
                .dispatch(0, "ws close user=alice ip=198.51.100.7 dur_ms=92000 cause=graceful"),
            ],
            judge: "user=alice", verdict: .client, reason: .isolatedDrop),
        Rule(
            name: "a socket open when the user's serve crashed was cut by the crash",
            lines: [
                .systemd(-100, unit: "t3-serve@alice.service", "t3-serve@alice.service: Main process exited, code=exited, status=1/FAILURE"),
                .systemd(-94.8, unit: "t3-serve@alice.service", "Started t3-serve@alice.service - t3 serve for alice."),
                .dispatch(0, "ws close user=alice ip=198.51.100.7 dur_ms=102000 cause=graceful"),
            ],
            judge: "user=alice", verdict: .serve, reason: .crashRestart),
        Rule(
            name: "a socket opened after a memcg OOM kill ended the serve was not cut by it",
            lines: [
                .kernel(-100, oom("alice")),
                .systemd(-99.9, unit: "t3-serve@alice.service", "t3-serve@alice.service: Main process exited, code=killed, status=9/KILL"),
                .systemd(-94.8, unit: "t3-serve@alice.service", "Started t3-serve@alice.service - t3 serve for alice."),
                .dispatch(0, "ws close user=alice ip=198.51.100.7 dur_ms=90000 cause=graceful"),
            ],
            judge: "user=alice", verdict: .client, reason: .isolatedDrop),
        Rule(
            name: "a restart announced after the socket opened, the unit down only before it, did not cut it",
            lines: [
                .systemd(-100, unit: "t3-serve@alice.service", "Stopping t3-serve@alice.service - t3 serve for alice..."),
                .systemd(-99.5, unit: "t3-serve@alice.service", "t3-serve@alice.service: Main process exited, code=exited, status=130/n/a"),
                .systemd(-99, unit: "t3-serve@alice.service", "Started t3-serve@alice.service - t3 serve for alice."),
                .script(-60, tag: "t3-autoupdate", "restarted t3-serve@alice.service -> 0.0.42 (was 0.0.41) (pairing verified via dispatch)"),
                .script(-59, tag: "t3-watchdog", "WATCHDOG: restarted t3-serve@alice.service (reason=timeout)"),
                .dispatch(0, "ws close user=alice ip=198.51.100.7 dur_ms=80000 cause=graceful"),
            ],
            judge: "user=alice", verdict: .client, reason: .isolatedDrop),
        Rule(
            name: "a request refused before the socket opened says the serve was down then, not at the drop",
            lines: [
                .dispatch(-100, refused()),
                .dispatch(0, "ws close user=alice ip=198.51.100.7 dur_ms=90000 cause=graceful"),
            ],
            judge: "user=alice", verdict: .client, reason: .isolatedDrop),
        Rule(
            name: "a socket opened after the host came back was not cut by the reboot",
            lines: [.dispatch(0, "ws close user=bob ip=198.51.100.7 dur_ms=40000 cause=graceful")],
            gaps: [HostGap(start: at(-400), end: at(-60), bootChanged: true)],
            judge: "user=bob", verdict: .client, reason: .isolatedDrop),
        Rule(
            name: "an upgrade tried after a reboot, before the user's serve had started, is the reboot's",
            lines: [
                .dispatch(0, "ws close user=bob ip=198.51.100.7 dur_ms=2 cause=upstream_closed"),
                .systemd(30, unit: "t3-serve@bob.service", "Started t3-serve@bob.service - t3 serve for bob."),
            ],
            gaps: [HostGap(start: at(-400), end: at(-60), bootChanged: true)],
            judge: "user=bob", verdict: .devvm, reason: .reboot),
        Rule(
            name: "an upgrade left waiting while the serve started after a reboot is the reboot's",
            lines: [
                .systemd(-15, unit: "t3-serve@bob.service", "Started t3-serve@bob.service - t3 serve for bob."),
                .dispatch(0, "ws close user=bob ip=198.51.100.7 dur_ms=20000 cause=downstream_closed"),
            ],
            gaps: [HostGap(start: at(-400), end: at(-60), bootChanged: true)],
            judge: "user=bob", verdict: .devvm, reason: .reboot),
        Rule(
            name: "a socket opened after the user's serve started again after a reboot was not cut by it",
            lines: [
                .systemd(-55, unit: "t3-serve@bob.service", "Started t3-serve@bob.service - t3 serve for bob."),
                .dispatch(0, "ws close user=bob ip=198.51.100.7 dur_ms=40000 cause=graceful"),
            ],
            gaps: [HostGap(start: at(-400), end: at(-60), bootChanged: true)],
            judge: "user=bob", verdict: .client, reason: .isolatedDrop),
        Rule(
            name: "a socket opened while the user's serve was down did not reach it (whatever answered)",
            lines: [
                .systemd(-100, unit: "t3-serve@alice.service", "t3-serve@alice.service: Main process exited, code=exited, status=1/FAILURE"),
                .systemd(-99.9, unit: "t3-serve@alice.service", "t3-serve@alice.service: Failed with result 'exit-code'."),
                .dispatch(0, "ws close user=alice ip=198.51.100.7 dur_ms=4 cause=graceful"),
            ],
            judge: "user=alice", verdict: .serve, reason: .crashRestart),
        Rule(
            name: "a serve stopped long before and started again is up: no unit_down",
            lines: [
                .systemd(-900, unit: "t3-serve@alice.service", "Stopping t3-serve@alice.service - t3 serve for alice..."),
                .systemd(-899, unit: "t3-serve@alice.service", "t3-serve@alice.service: Main process exited, code=exited, status=130/n/a"),
                .systemd(-895, unit: "t3-serve@alice.service", "Started t3-serve@alice.service - t3 serve for alice."),
                .dispatch(0, "ws close user=alice ip=198.51.100.7 dur_ms=4 cause=graceful"),
            ],
            judge: "user=alice", verdict: .client, reason: .isolatedDrop),
        Rule(
            name: "the user's serve resetting its plain requests at the drop cut the socket too",
            lines: [
                .dispatch(-0.4, "http: proxy error: read tcp 127.0.0.1:41199->127.0.0.1:3773: read: connection reset by peer"),
                .dispatch(-0.2, "http: proxy error: read tcp 127.0.0.1:41200->127.0.0.1:3773: read: connection reset by peer"),
                .dispatch(0, "ws close user=alice ip=198.51.100.7 dur_ms=2993350 cause=graceful"),
                .dispatch(3, "ws open user=alice ip=198.51.100.7"),
            ],
            judge: "user=alice", verdict: .serve, reason: .reset),
        Rule(
            name: "an EOF that names no port says nothing of the user's drop",
            lines: [
                .dispatch(0, "ws close user=alice ip=198.51.100.7 dur_ms=2993350 cause=graceful"),
                .dispatch(1, "http: proxy error: unexpected EOF"),
                .dispatch(3, "ws open user=alice ip=198.51.100.7"),
            ],
            judge: "user=alice", verdict: .client, reason: .isolatedDrop),
        Rule(
            name: "a pairing and a request the serve cut off while the user's upgrade waited: the serve's (eof)",
            lines: [
                .dispatch(-10, "pairing exchange for alice failed: Post \"http://127.0.0.1:3773/api/auth/bootstrap\": EOF"),
                .dispatch(-8, "http: proxy error: read tcp 127.0.0.1:41200->127.0.0.1:3773: read: connection reset by peer"),
                .dispatch(0, "ws close user=alice ip=198.51.100.7 dur_ms=20000 cause=downstream_closed"),
            ],
            judge: "user=alice", verdict: .serve, reason: .eof),
        Rule(
            name: "a pairing that failed for a reason of its own (the mint's exit status) says nothing",
            lines: [
                .dispatch(-10, "mint for alice failed: exit status 1"),
                .dispatch(0, "ws close user=alice ip=198.51.100.7 dur_ms=20000 cause=downstream_closed"),
            ],
            judge: "user=alice", verdict: .unknown, reason: .downstreamUnconfirmed),
        Rule(
            name: "one request reset at the drop (Go's keep-alive race) says nothing of the serve",
            lines: [
                .dispatch(-2, "http: proxy error: read tcp 127.0.0.1:41200->127.0.0.1:3773: read: connection reset by peer"),
                .dispatch(0, "ws close user=alice ip=198.51.100.7 dur_ms=190000 cause=graceful"),
                .dispatch(5, "ws open user=alice ip=198.51.100.7"),
            ],
            judge: "user=alice", verdict: .client, reason: .isolatedDrop),
        Rule(
            name: "resets of the user's requests 30 s before the drop say nothing of it",
            lines: [
                .dispatch(-31, "http: proxy error: read tcp 127.0.0.1:41199->127.0.0.1:3773: read: connection reset by peer"),
                .dispatch(-30, "http: proxy error: read tcp 127.0.0.1:41200->127.0.0.1:3773: read: connection reset by peer"),
                .dispatch(0, "ws close user=alice ip=198.51.100.7 dur_ms=2993350 cause=graceful"),
                .dispatch(3, "ws open user=alice ip=198.51.100.7"),
            ],
            judge: "user=alice", verdict: .client, reason: .isolatedDrop),
        Rule(
            name: "another user's serve resetting requests says nothing of this drop",
            lines: [
                .dispatch(-0.4, "http: proxy error: read tcp 127.0.0.1:41199->127.0.0.1:3774: read: connection reset by peer"),
                .dispatch(-0.2, "http: proxy error: read tcp 127.0.0.1:41200->127.0.0.1:3774: read: connection reset by peer"),
                .dispatch(0, "ws close user=alice ip=198.51.100.7 dur_ms=2993350 cause=graceful"),
                .dispatch(3, "ws open user=alice ip=198.51.100.7"),
            ],
            judge: "user=alice", verdict: .client, reason: .isolatedDrop),
        Rule(
            name: "one user's five drops 2 s apart are that client's (spread_out counts users)",
            lines: [
                .dispatch(0.0, "ws close user=alice ip=198.51.100.10 dur_ms=1500 cause=graceful"),
                .dispatch(0.5, "ws open user=alice ip=198.51.100.10"),
                .dispatch(2.0, "ws close user=alice ip=198.51.100.10 dur_ms=1500 cause=graceful"),
                .dispatch(2.5, "ws open user=alice ip=198.51.100.10"),
                .dispatch(4.0, "ws close user=alice ip=198.51.100.10 dur_ms=1500 cause=graceful"),
                .dispatch(4.5, "ws open user=alice ip=198.51.100.10"),
                .dispatch(6.0, "ws close user=alice ip=198.51.100.10 dur_ms=1500 cause=graceful"),
                .dispatch(6.5, "ws open user=alice ip=198.51.100.10"),
                .dispatch(8.0, "ws close user=alice ip=198.51.100.10 dur_ms=1500 cause=graceful"),
                .dispatch(8.5, "ws open user=alice ip=198.51.100.10"),
            ],
            judge: "dur_ms=1500", verdict: .client, reason: .isolatedDrop),
        Rule(
            name: "a burst's stragglers seconds later are the same break spread out, not clients",
            lines: [
                .dispatch(0.0, "ws close user=alice ip=198.51.100.10 dur_ms=2993350 cause=graceful"),
                .dispatch(4.0, "ws open user=alice ip=198.51.100.10"),
                .dispatch(0.1, "ws close user=bob ip=198.51.100.11 dur_ms=2993350 cause=graceful"),
                .dispatch(4.1, "ws open user=bob ip=198.51.100.11"),
                .dispatch(0.2, "ws close user=carol ip=198.51.100.12 dur_ms=2993350 cause=graceful"),
                .dispatch(4.2, "ws open user=carol ip=198.51.100.12"),
                .dispatch(0.30000000000000004, "ws close user=dave ip=198.51.100.13 dur_ms=2993350 cause=graceful"),
                .dispatch(4.3, "ws open user=dave ip=198.51.100.13"),
                .dispatch(0.4, "ws close user=erin ip=198.51.100.14 dur_ms=2993350 cause=graceful"),
                .dispatch(4.4, "ws open user=erin ip=198.51.100.14"),
                .dispatch(0.5, "ws close user=frank ip=198.51.100.15 dur_ms=2993350 cause=graceful"),
                .dispatch(4.5, "ws open user=frank ip=198.51.100.15"),
                .dispatch(2.5, "ws close user=grace ip=198.51.100.20 dur_ms=2993350 cause=graceful"),
                .dispatch(6.5, "ws open user=grace ip=198.51.100.20"),
                .dispatch(4.5, "ws close user=henry ip=198.51.100.21 dur_ms=2993350 cause=graceful"),
                .dispatch(8.5, "ws open user=henry ip=198.51.100.21"),
            ],
            judge: "user=henry", verdict: .unknown, reason: .spreadOut),
        Rule(
            name: "four users' drops 2.5 s apart are four clients' (fewer than --burst-min)",
            lines: [
                .dispatch(0.0, "ws close user=alice ip=198.51.100.10 dur_ms=2993350 cause=graceful"),
                .dispatch(4.0, "ws open user=alice ip=198.51.100.10"),
                .dispatch(2.5, "ws close user=bob ip=198.51.100.11 dur_ms=2993350 cause=graceful"),
                .dispatch(6.5, "ws open user=bob ip=198.51.100.11"),
                .dispatch(5.0, "ws close user=carol ip=198.51.100.12 dur_ms=2993350 cause=graceful"),
                .dispatch(9.0, "ws open user=carol ip=198.51.100.12"),
                .dispatch(7.5, "ws close user=dave ip=198.51.100.13 dur_ms=2993350 cause=graceful"),
                .dispatch(11.5, "ws open user=dave ip=198.51.100.13"),
            ],
            judge: "user=carol", verdict: .client, reason: .isolatedDrop),
        Rule(
            name: "five users' drops 6 s apart are five clients'",
            lines: [
                .dispatch(0.0, "ws close user=alice ip=198.51.100.10 dur_ms=2993350 cause=graceful"),
                .dispatch(4.0, "ws open user=alice ip=198.51.100.10"),
                .dispatch(6.0, "ws close user=bob ip=198.51.100.11 dur_ms=2993350 cause=graceful"),
                .dispatch(10.0, "ws open user=bob ip=198.51.100.11"),
                .dispatch(12.0, "ws close user=carol ip=198.51.100.12 dur_ms=2993350 cause=graceful"),
                .dispatch(16.0, "ws open user=carol ip=198.51.100.12"),
                .dispatch(18.0, "ws close user=dave ip=198.51.100.13 dur_ms=2993350 cause=graceful"),
                .dispatch(22.0, "ws open user=dave ip=198.51.100.13"),
                .dispatch(24.0, "ws close user=erin ip=198.51.100.14 dur_ms=2993350 cause=graceful"),
                .dispatch(28.0, "ws open user=erin ip=198.51.100.14"),
            ],
            judge: "user=carol", verdict: .client, reason: .isolatedDrop),
        Rule(
            name: "a serve failing on its own for long is no second serve of another's one timeout",
            lines: (0..<25).map { probeTimeout(-1500 + 60 * Double($0), "bob", 3774, $0 + 1) } + [
                .script(
                    -30, tag: "t3-watchdog",
                    "probe FAILED for t3-serve@carol.service (port=3775 reason=timeout consecutive=1 uptime=900s recent_restarts=0)"),
                .dispatch(0, "ws close user=bob ip=198.51.100.7 dur_ms=20000 cause=downstream_closed"),
            ],
            judge: "user=bob", verdict: .serve, reason: .serveTimeout),
        Rule(
            name: "two serves that began timing out together are the host's",
            lines: (0..<2).map { probeTimeout(-90 + 60 * Double($0), "bob", 3774, $0 + 1) } + [
                .script(
                    -30, tag: "t3-watchdog",
                    "probe FAILED for t3-serve@carol.service (port=3775 reason=timeout consecutive=1 uptime=900s recent_restarts=0)"),
                .dispatch(0, "ws close user=bob ip=198.51.100.7 dur_ms=20000 cause=downstream_closed"),
            ],
            judge: "user=bob", verdict: .devvm, reason: .serveTimeouts),
        Rule(
            name: "an upgrade refused 3 s after the user's serve's Started after a reboot is the reboot's (it binds later)",
            lines: [
                .systemd(-3, unit: "t3-serve@bob.service", "Started t3-serve@bob.service - t3 serve for bob."),
                .dispatch(0, "ws close user=bob ip=198.51.100.7 dur_ms=2 cause=upstream_closed"),
            ],
            gaps: [HostGap(start: at(-400), end: at(-60), bootChanged: true)],
            judge: "user=bob", verdict: .devvm, reason: .reboot),
        Rule(
            name: "a serve's first start after a boot is no restart",
            lines: [
                .systemd(-100, unit: "t3-serve@bob.service", "Started t3-serve@bob.service - t3 serve for bob."),
                .dispatch(0, "ws close user=bob ip=198.51.100.7 dur_ms=2 cause=upstream_closed"),
            ],
            gaps: [HostGap(start: at(-400), end: at(-300), bootChanged: true)],
            judge: "user=bob", verdict: .serve, reason: .upstreamClosed),
        Rule(
            name: "a socket open across the reboot's gap is the reboot's",
            lines: [.dispatch(0, "ws close user=bob ip=198.51.100.7 dur_ms=400000 cause=downstream_closed")],
            gaps: [HostGap(start: at(-400), end: at(-60), bootChanged: true)],
            judge: "user=bob", verdict: .devvm, reason: .reboot),
        Rule(
            name: "a drop 6 s after a dispatch restart is not the restart's",
            lines: [.dispatch(0, "t3-dispatch listening on :3780"), .dispatch(6, cancel)],
            judge: "canceled", verdict: .client, reason: .isolatedCancel),
        Rule(
            name: "an upstream drop right after a dispatch restart is still the serve's",
            lines: [.dispatch(0, "t3-dispatch listening on :3780"), .dispatch(2, refused())],
            judge: "refused", verdict: .serve, reason: .refused),
        Rule(
            name: "four teardowns in a second are below the burst minimum",
            lines: Array(burst(at: 0).prefix(4)), judge: "canceled", verdict: .unknown, reason: .belowBurstThreshold),
        Rule(
            name: "another user's serve events do not make a drop the serve's",
            lines: [
                .dispatch(0, refused()),
                .systemd(-5, unit: "t3-serve@bob.service", "t3-serve@bob.service: Main process exited, code=killed, status=9/KILL"),
            ],
            judge: "refused", verdict: .serve, reason: .refused),
        Rule(
            name: "a serve event outside --serve-window does not count",
            lines: [.dispatch(0, refused()), .script(-200, tag: "t3-watchdog", "WATCHDOG: restarted t3-serve@alice.service (reason=timeout)")],
            judge: "refused", verdict: .serve, reason: .refused),
        Rule(
            name: "a serve exiting 130 and failing 'exit-code' (every stop of t3 serve) unannounced is a unit restart, not a crash",
            lines: [
                .dispatch(0, refused()),
                .systemd(-5, unit: "t3-serve@alice.service", "t3-serve@alice.service: Main process exited, code=exited, status=130/n/a"),
                .systemd(-4.9, unit: "t3-serve@alice.service", "t3-serve@alice.service: Failed with result 'exit-code'."),
            ],
            judge: "refused", verdict: .serve, reason: .unitRestart),
        Rule(
            name: "the user's own timeouts with another serve timing out too point at the host",
            lines: [.dispatch(0, short("alice")), .serve(-30, user: "alice", timeout), .serve(-20, user: "carol", timeout)],
            judge: "user=alice", verdict: .devvm, reason: .serveTimeouts),
        Rule(
            name: "an upstream drop with no user is blamed on the only serve that restarted",
            lines: [
                .dispatch(0, "http: proxy error: EOF"),
                .systemd(-5, unit: "t3-serve@dave.service", "Started t3-serve@dave.service - t3 serve for dave."),
            ],
            judge: "EOF", verdict: .serve, reason: .unitRestart),
        Rule(
            name: "a user's long graceful close followed by a reconnect is an isolated drop",
            lines: [
                .dispatch(0, "ws close user=bob ip=198.51.100.7 dur_ms=7200000 cause=graceful"), .dispatch(20, "ws open user=bob ip=198.51.100.7"),
            ],
            judge: "user=bob", verdict: .client, reason: .isolatedDrop),
        // Section 3: only host-wide memory trouble indicts the host.
        Rule(
            name: "a burst right after another user's cgroup-local OOM stays edge",
            lines: burst(at: 0) + [.kernel(-30, oom("carol"))],
            judge: "canceled", verdict: .edge, reason: .burst),
        Rule(
            name: "a memcg OOM in the user's serve that lived on (OOMPolicy=continue) does not explain its drop",
            lines: [
                .dispatch(0, refused()), .kernel(-20, oom("alice")),
                .systemd(-19.9, unit: "t3-serve@alice.service", "t3-serve@alice.service: A process of this unit has been killed by the OOM killer."),
            ],
            judge: "refused", verdict: .serve, reason: .refused),
        Rule(
            name: "a memcg OOM in the user's serve that killed its main process is serve/oom_kill",
            lines: [
                .dispatch(0, refused()), .kernel(-20, oom("alice")),
                .systemd(-19.8, unit: "t3-serve@alice.service", "t3-serve@alice.service: Main process exited, code=killed, status=9/KILL"),
            ],
            judge: "refused", verdict: .serve, reason: .oomKill),
        Rule(
            name: "a per-pane OOM in a user's login slice is that user's shell work, not the host",
            lines: [
                .dispatch(0, short("bob")),
                .kernel(
                    -30,
                    "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/user.slice/user-1003.slice/user@1003.service/tmux-spawn-1.scope,task_memcg=/user.slice/user-1003.slice/user@1003.service/tmux-spawn-1.scope,task=cc1plus,pid=61000,uid=1003"
                ),
            ],
            judge: "user=bob", verdict: .client, reason: .isolatedDrop),
        Rule(
            name: "a kill in a capped slice that is not a user's (docker.slice) indicts the host",
            lines: [
                .dispatch(0, short("bob")),
                .kernel(
                    -30,
                    "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/docker.slice,task_memcg=/docker.slice/docker-abc.scope,task=java,pid=61001,uid=0"
                ),
            ],
            judge: "user=bob", verdict: .devvm, reason: .oomKill),
        Rule(
            name: "a container killed at its own memory limit is not the host starving",
            lines: [
                .dispatch(0, short("bob")),
                .kernel(
                    -30,
                    "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice/cri-containerd-8e7d.scope,task_memcg=/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice/cri-containerd-8e7d.scope,task=java,pid=61234,uid=0"
                ),
            ],
            judge: "user=bob", verdict: .client, reason: .isolatedDrop),
        Rule(
            name: "a service killed at its own MemoryMax is not the host starving",
            lines: burst(at: 0) + [
                .kernel(
                    -30,
                    "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/system.slice/prometheus.service,task_memcg=/system.slice/prometheus.service,task=prometheus,pid=61235,uid=0"
                )
            ],
            judge: "canceled", verdict: .edge, reason: .burst),
        Rule(
            name: "a soft lockup near a drop outside a burst is the host",
            lines: [.dispatch(0, short("bob")), .kernel(-30, "watchdog: BUG: soft lockup - CPU#3 stuck for 23s! [node:4242]")],
            judge: "user=bob", verdict: .devvm, reason: .kernelStall),
        // The markers of a stall come after it began (a hung task after 120 s,
        // a soft lockup after ~20 s, a timeout after its limit, the OOM kill at
        // the end of a swap storm): what they report counts, not when they were written.
        Rule(
            name: "a hung-task line a minute after a burst, blocked since before it, is the host",
            lines: burst(at: 0) + [.kernel(60, "INFO: task node:4242 blocked for more than 120 seconds.")],
            judge: "canceled", verdict: .devvm, reason: .kernelStall),
        Rule(
            name: "a hung-task line whose task blocked after the burst says nothing of it",
            lines: burst(at: 0) + [.kernel(60, "INFO: task node:4242 blocked for more than 30 seconds.")],
            judge: "canceled", verdict: .edge, reason: .burst),
        Rule(
            name: "a soft lockup reported 8 s after a burst, stuck for 23 s, is the host",
            lines: burst(at: 0) + [.kernel(8, "watchdog: BUG: soft lockup - CPU#3 stuck for 23s! [node:4242]")],
            judge: "canceled", verdict: .devvm, reason: .kernelStall),
        Rule(
            name: "a global OOM kill 20 s after a burst ends the storm that caused it",
            lines: burst(at: 0) + [.kernel(20, "Out of memory: Killed process 4242 (node) total-vm:1kB, anon-rss:1kB")],
            judge: "canceled", verdict: .devvm, reason: .oomKill),
        Rule(
            name: "a kill at a slice's own memory limit after a burst ends no storm: the burst stays edge",
            lines: burst(at: 0) + [
                .kernel(
                    50,
                    "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/kubepods.slice,task_memcg=/kubepods.slice/kubepods-pod1.slice/cri-containerd-1.scope,task=java,pid=61001,uid=0"
                )
            ],
            judge: "canceled", verdict: .edge, reason: .burst),
        Rule(
            name: "a hung task stating an absurd span is still a hung task (no overflow)",
            lines: burst(at: 0) + [.kernel(60, "INFO: task node:4242 blocked for more than 99999999999999999 seconds.")],
            judge: "canceled", verdict: .devvm, reason: .kernelStall),
        Rule(
            name: "a serve's own timeout line cannot reach further back than t3's process timeout",
            lines: burst(at: 0) + [
                .serve(-20, user: "alice", timeout),
                .serve(110, user: "carol", "Process 'git' in '/home/carol/code' timed out after 120000ms"),
            ],
            judge: "canceled", verdict: .edge, reason: .burst),
        Rule(
            name: "earlyoom acts before any storm: its kill after a burst says nothing of it",
            lines: burst(at: 0) + [.earlyoom(30, "sending SIGTERM to process 9999 uid 1006 \"hog\": badness 900, VmRSS 20000 MiB")],
            judge: "canceled", verdict: .edge, reason: .burst),
        Rule(
            name: "a global OOM kill long after a burst says nothing of it",
            lines: burst(at: 0) + [.kernel(90, "Out of memory: Killed process 4242 (node) total-vm:1kB, anon-rss:1kB")],
            judge: "canceled", verdict: .edge, reason: .burst),
        Rule(
            name: "git timeouts in two serves 15 s after a burst, started before it, are the host",
            lines: burst(at: 0) + [.serve(15, user: "alice", timeout), .serve(16, user: "carol", timeout)],
            judge: "canceled", verdict: .devvm, reason: .serveTimeouts),
        // Section 4: unit lifecycles as these units really behave.
        Rule(
            name: "t3-safe-restart's `restarted` line under t3-watchdog is a watchdog restart",
            lines: [
                .dispatch(0, refused()),
                .script(-5, tag: "t3-watchdog", "restarted t3-serve@alice.service -> 0.0.42 (pairing verified via dispatch)"),
            ],
            judge: "refused", verdict: .serve, reason: .watchdogRestart),
        Rule(
            name: "WATCHDOG: restart of ... FAILED verification is a watchdog restart",
            lines: [
                .dispatch(0, refused()),
                .script(
                    -5, tag: "t3-watchdog",
                    "WATCHDOG: restart of t3-serve@alice.service FAILED verification — safe_restart_unit ran recovery (DB restore + freeze); see its log lines"
                ),
            ],
            judge: "refused", verdict: .serve, reason: .watchdogRestart),
        Rule(
            name: "HEALTH-CHECK FAILED / restored / FROZEN under t3-autoupdate (the user named, not the unit) is planned",
            lines: [
                .dispatch(0, refused()),
                .script(
                    -5, tag: "t3-autoupdate",
                    "HEALTH-CHECK FAILED: alice pairing broken AFTER restart onto 0.0.42 — rolling back + restoring its DB"),
                .systemd(-4, unit: "t3-serve@alice.service", "t3-serve@alice.service: Main process exited, code=exited, status=1/FAILURE"),
            ],
            judge: "refused", verdict: .serve, reason: .plannedRestart),
        Rule(
            name: "a stop that timed out and was killed (status=9, result 'timeout') is stop_timeout, not a crash",
            lines: [
                .dispatch(0, refused()),
                .systemd(-9, unit: "t3-serve@alice.service", "t3-serve@alice.service: State 'stop-sigterm' timed out. Killing."),
                .systemd(-8, unit: "t3-serve@alice.service", "t3-serve@alice.service: Main process exited, code=killed, status=9/KILL"),
                .systemd(-7.9, unit: "t3-serve@alice.service", "t3-serve@alice.service: Failed with result 'timeout'."),
            ],
            judge: "refused", verdict: .serve, reason: .stopTimeout),
        Rule(
            name: "an exit code other than 130 is a crash",
            lines: [
                .dispatch(0, refused()),
                .systemd(-5, unit: "t3-serve@alice.service", "t3-serve@alice.service: Main process exited, code=exited, status=1/FAILURE"),
            ],
            judge: "refused", verdict: .serve, reason: .crashRestart),
        // The host's memory shortage, not the serve's limit (field guide 2.5, 6.3).
        Rule(
            name: "a global OOM kill that took the user's serve down is the host's",
            lines: [
                .dispatch(0, refused()),
                .kernel(-20, serveGlobalOOM("alice")),
                .kernel(
                    -20,
                    "Out of memory: Killed process 7 (node) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB, UID:1001 pgtables:1kB oom_score_adj:0"
                ),
                .systemd(-19.9, unit: "t3-serve@alice.service", "t3-serve@alice.service: A process of this unit has been killed by the OOM killer."),
                .systemd(-19.8, unit: "t3-serve@alice.service", "t3-serve@alice.service: Main process exited, code=killed, status=9/KILL"),
                .systemd(-19.7, unit: "t3-serve@alice.service", "t3-serve@alice.service: Failed with result 'oom-kill'."),
            ],
            judge: "refused", verdict: .devvm, reason: .oomKill),
        Rule(
            name: "earlyoom names a uid, not a unit: a serve killed right after one of its kills stays the serve's",
            lines: [
                .dispatch(0, refused()),
                .earlyoom(-12, "sending SIGTERM to process 9 uid 1003 \"cc1plus\": badness 900, VmRSS 20000 MiB"),
                .systemd(-9, unit: "t3-serve@alice.service", "t3-serve@alice.service: Main process exited, code=killed, status=9/KILL"),
            ],
            judge: "refused", verdict: .serve, reason: .crashRestart),
        Rule(
            name: "a global OOM kill of a child a minute before the serve was killed is not what killed it",
            lines: [
                .dispatch(0, refused()),
                .kernel(-70, serveGlobalOOM("alice", task: "claude", pid: 9)),
                .systemd(-5, unit: "t3-serve@alice.service", "t3-serve@alice.service: Main process exited, code=killed, status=6/ABRT"),
            ],
            judge: "refused", verdict: .serve, reason: .crashRestart),
        Rule(
            name: "a global OOM kill of a child the serve lived through does not make a later planned restart the host's",
            lines: [
                .dispatch(0, refused()),
                .kernel(-80, serveGlobalOOM("alice", task: "claude", pid: 9)),
                .systemd(-79.9, unit: "t3-serve@alice.service", "t3-serve@alice.service: A process of this unit has been killed by the OOM killer."),
                .script(-2, tag: "t3-autoupdate", "restarted t3-serve@alice.service -> 0.0.42 (pairing verified via dispatch)"),
                .systemd(-1.9, unit: "t3-serve@alice.service", "t3-serve@alice.service: Main process exited, code=exited, status=130/n/a"),
            ],
            judge: "refused", verdict: .serve, reason: .plannedRestart),
        // The watchdog's probes timing out in several serves: the host starving (field guide 1, 2.6).
        Rule(
            name: "probe timeouts in two serves around a drop point at the host",
            lines: [
                .dispatch(0, short("bob")),
                probeFailed(-40, "alice", port: 3773, reason: "timeout"),
                probeFailed(-39, "carol", port: 3775, reason: "http=000(curl=28)"),
            ],
            judge: "user=bob", verdict: .devvm, reason: .serveTimeouts),
        Rule(
            name: "one serve's probe timeout says nothing of another user's drop",
            lines: [
                .dispatch(0, short("bob")),
                probeFailed(-40, "alice", port: 3773, reason: "timeout"),
                probeFailed(-39, "carol", port: 3775, reason: "connection-refused"),
            ],
            judge: "user=bob", verdict: .client, reason: .isolatedDrop),
        // Several users giving up on upgrades at once: no one user's network (field guide 1, 2.1).
        Rule(
            name: "downstream_closed of several users in one second is not one client's",
            lines: ["alice", "bob", "carol"].flatMap { u -> [Line] in
                [
                    .dispatch(-60, "ws close user=\(u) ip=198.51.100.7 dur_ms=50000 cause=graceful"),
                    .dispatch(0.2, "ws close user=\(u) ip=198.51.100.8 dur_ms=900 cause=downstream_closed"),
                ]
            },
            judge: "user=bob ip=198.51.100.8", verdict: .unknown, reason: .belowBurstThreshold),
        Rule(
            name: "one user's tabs giving up on upgrades together, the serve answering, are still that client's",
            lines: [
                .dispatch(-60, "ws close user=bob ip=198.51.100.7 dur_ms=50000 cause=graceful"),
                .dispatch(0.2, "ws close user=bob ip=198.51.100.8 dur_ms=900 cause=downstream_closed"),
                .dispatch(0.3, "ws close user=bob ip=198.51.100.8 dur_ms=800 cause=downstream_closed"),
            ],
            judge: "dur_ms=900 cause=downstream_closed", verdict: .client, reason: .isolatedCancel),
        Rule(
            name: "a `restarted` line from a non-watchdog tag stays planned",
            lines: [
                .dispatch(0, refused()),
                .script(-5, tag: "t3-migrate-idle", "migrated t3-serve@alice.service -> 0.0.42 (idle restart)"),
            ],
            judge: "refused", verdict: .serve, reason: .plannedRestart),
        // Section 6: Go's texts, by the side that failed.
        Rule(
            name: "dial tcp ...: operation was canceled is the client going away during the dial",
            lines: [.dispatch(0, "http: proxy error: dial tcp 127.0.0.1:3773: operation was canceled")],
            judge: "operation", verdict: .client, reason: .isolatedCancel),
        Rule(
            name: "net/http: request canceled is downstream",
            lines: [.dispatch(0, "http: proxy error: net/http: request canceled")],
            judge: "request canceled", verdict: .client, reason: .isolatedCancel),
        Rule(
            name: "use of closed network connection is dispatch's own socket, not the serve",
            lines: [.dispatch(0, "http: proxy error: readfrom tcp 127.0.0.1:41300->127.0.0.1:3773: use of closed network connection")],
            judge: "closed network", verdict: .unknown, reason: .noEvidence),
        Rule(
            name: "http: server closed idle connection is upstream",
            lines: [.dispatch(0, "ws close user=alice ip=198.51.100.7 dur_ms=10 cause=http: server closed idle connection")],
            judge: "idle", verdict: .serve, reason: .eof),
        Rule(
            name: "backend tried to switch protocol is upstream",
            lines: [
                .dispatch(
                    0, "ws close user=alice ip=198.51.100.7 dur_ms=10 cause=backend tried to switch protocol \"h2c\" when \"websocket\" was requested"
                )
            ],
            judge: "switch", verdict: .serve, reason: .upstreamError),
        // Section 7: holes.
        Rule(
            name: "a burst inside a hole in a serve's lines is unknown/journal_suppressed, not edge",
            lines: burst(at: 0) + [.journald(20, "Suppressed 20000 messages from t3-serve@carol.service")],
            judge: "canceled", verdict: .unknown, reason: .journalSuppressed),
        Rule(
            name: "a notice more than the rate-limit interval after the drop does not cover it",
            lines: [.dispatch(0, cancel), .journald(45, "Suppressed 10412 messages from t3-dispatch.service")],
            judge: "canceled", verdict: .client, reason: .isolatedCancel),
        Rule(
            name: "a notice before the drop covers the lines before it, not the drop",
            lines: [.journald(-10, "Suppressed 10412 messages from t3-dispatch.service"), .dispatch(0, cancel)],
            judge: "canceled", verdict: .client, reason: .isolatedCancel),
        Rule(
            name: "a notice about an unrelated unit is no hole in the evidence",
            lines: [.dispatch(0, cancel), .journald(10, "Suppressed 10412 messages from kubelet.service")],
            judge: "canceled", verdict: .client, reason: .isolatedCancel),
        Rule(
            name: "a notice written by anyone but journald (a user's logger) is no hole",
            lines: [.dispatch(0, cancel), .serve(10, user: "bob", "Suppressed 10412 messages from t3-dispatch.service")],
            judge: "canceled", verdict: .client, reason: .isolatedCancel),
        Rule(
            name: "a verdict from evidence (a refused port) stands inside a hole",
            lines: [.dispatch(0, refused()), .journald(10, "Suppressed 10412 messages from t3-dispatch.service")],
            judge: "refused", verdict: .serve, reason: .refused),
        // Section 8: only starvation kinds of serve timeouts indict the serve or the host.
        Rule(
            name: "WebSocket ping timeouts in two serves are not host starvation",
            lines: [
                .dispatch(0, short("bob")), .serve(-20, user: "carol", "WebSocket ping timed out after 30000ms"),
                .serve(-10, user: "dave", "WebSocket ping timed out after 30000ms"),
            ],
            judge: "user=bob", verdict: .client, reason: .isolatedDrop),
        Rule(
            name: "an editor/LSP request timeout in the user's serve is not serve starvation",
            lines: [.dispatch(0, short("alice")), .serve(-30, user: "alice", "LSP request textDocument/hover timed out after 10000ms")],
            judge: "user=alice", verdict: .client, reason: .isolatedDrop),
    ]
}

@Suite("attribution rules, one row per rule of the README's verdict table")
struct AttributionRuleTests {
    @Test(arguments: RuleTable.rules + RuleTable.edges)
    func rule(_ r: Rule) {
        let ds = drops(r)
        guard let d = ds.first(where: { $0.event.messageText.contains(r.judge) }) else {
            Issue.record("no drop with '\(r.judge)' among \(ds.map(\.event.messageText))")
            return
        }
        #expect(d.verdict == r.verdict)
        #expect(d.reason == r.reason)
    }
}

/// The README's verdict table, the `Reason` enum and the rows above name the same reasons.
@Suite("one vocabulary: README verdict table = Reason = the rule table")
struct VocabularyTests {
    /// (verdict, reason) pairs of the README's "Verdicts" table.
    static func readmePairs() throws -> Set<String> {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        let text = try String(contentsOf: url.appendingPathComponent("README.md"), encoding: .utf8)
        guard let start = text.range(of: "## Verdicts") else { return [] }
        var pairs = Set<String>()
        for line in text[start.upperBound...].split(separator: "\n") {
            if line.hasPrefix("## ") { break }
            guard line.hasPrefix("| `") else { continue }
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 2 else { continue }
            let verdict = cells[0].replacingOccurrences(of: "`", with: "")
            for r in cells[1].split(separator: ",") {
                pairs.insert(verdict + "/" + r.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "`", with: ""))
            }
        }
        return pairs
    }

    @Test func readmeNamesEveryReasonAndNoOther() throws {
        let readme = try Self.readmePairs()
        #expect(!readme.isEmpty)
        let reasons = Set(readme.map { String($0.split(separator: "/")[1]) })
        #expect(reasons == Set(Reason.allCases.map(\.rawValue)))
        let verdicts = Set(readme.map { String($0.split(separator: "/")[0]) })
        #expect(verdicts == Set(Verdict.allCases.map(\.rawValue)))
    }

    @Test func theRuleTableHasARowForEveryReadmePair() throws {
        let readme = try Self.readmePairs()
        let rows = Set(RuleTable.rules.map { "\($0.verdict.rawValue)/\($0.reason.rawValue)" })
        #expect(rows == readme)
    }
}

/// Proxy errors in the new era (issue 13, section 1): request errors, never drops.
@Suite("what a drop is: request errors in the new era")
struct RequestErrorTests {
    @Test func proxyErrorsOfAProcessThatLogsWsLinesAreRequestErrors() {
        let at = attribute(burst(at: 0) + [.dispatch(30, "ws open user=alice ip=198.51.100.7")])
        #expect(at.drops.isEmpty)
        #expect(at.bursts.isEmpty)
        #expect(at.requestErrors.count == 5)
        #expect(at.requestBursts.map(\.count) == [5])
    }

    @Test func oldEraProxyErrorsStayDrops() {
        let at = attribute(burst(at: 0))
        #expect(at.drops.count == 5)
        #expect(at.requestErrors.isEmpty)
        #expect(at.bursts.first?.era == .lines)
        #expect(at.requestBursts.map(\.count) == [5])
    }

    @Test func aDropBurstSaysHowManyRequestsWereCancelledInItsSpan() {
        let closes: [Line] = (0..<6).map { .dispatch(Double($0) * 0.1, short($0 % 2 == 0 ? "carol" : "dave")) }
        let at = attribute(closes + [.dispatch(0.5, cancel), .dispatch(0.9, cancel), .dispatch(1.2, cancel), .dispatch(5, cancel)])
        #expect(at.bursts.count == 1)
        #expect(at.bursts.first?.era == .users)
        #expect(at.bursts.first?.requestsCancelled == 2)
        #expect(at.drops.allSatisfy { $0.event.kind == .wsClose })
    }

    @Test func aBurstKnowsItsStartEndAndSeconds() {
        let r = attribute([0.6, 0.7, 0.9, 1.1, 1.3].map { .dispatch($0, cancel) })
        #expect(r.bursts.count == 1)
        guard let b = r.bursts.first else { return }
        #expect(b.count == 5)
        #expect(b.second == at(0) / 1_000_000)
        #expect(b.seconds == 2)
        #expect(b.end - b.start == 1_000_000)
    }
}

/// Dispatch outages (issue 13, section 5).
@Suite("dispatch outages")
struct DispatchOutageTests {
    @Test func aListeningLineFollowedByABindFailureIsNoRestart() {
        let at = attribute([
            .dispatch(0, "t3-dispatch listening on :3780"),
            .dispatch(0.01, "listen tcp :3780: bind: address already in use"),
            .systemd(0.02, unit: "t3-dispatch.service", "t3-dispatch.service: Main process exited, code=exited, status=1/FAILURE"),
            .systemd(5.1, unit: "t3-dispatch.service", "t3-dispatch.service: Scheduled restart job, restart counter is at 1."),
            .dispatch(5.2, "t3-dispatch listening on :3780"),
            .dispatch(5.21, "listen tcp :3780: bind: address already in use"),
            .systemd(10.3, unit: "t3-dispatch.service", "t3-dispatch.service: Scheduled restart job, restart counter is at 2."),
            .dispatch(10.4, "t3-dispatch listening on :3780"),
            .dispatch(30, "ws open user=alice ip=198.51.100.7"),
        ])
        #expect(at.outages.count == 1)
        guard let o = at.outages.first else { return }
        #expect(o.cause == .listenFailed)
        #expect(o.restarts == 2)
        #expect(!o.ongoing)
        #expect(o.end - o.start == 10_400_000)
        // The two listening lines that died are no restarts; the outage is one drop, the recovery another.
        #expect(at.drops.map(\.trigger) == [.dispatchOutage, .dispatchRestart])
        #expect(at.drops.allSatisfy { $0.verdict == .dispatch && $0.reason == .dispatchOutage })
    }

    /// The new process's `listening` line is missing (journald lost it), but it
    /// serves: the dispatch is up from its first served line, not down to the
    /// end of the window, and a drop an hour later is judged on its own.
    @Test func aProcessThatServesEndsTheOutageWithoutAListeningLine() {
        let entries = [
            dispatch(-60, pid: 700, "ws open user=alice ip=198.51.100.7"),
            entry(.systemd(0, unit: "t3-dispatch.service", "t3-dispatch.service: Main process exited, code=killed, status=9/KILL")),
            entry(.systemd(5.1, unit: "t3-dispatch.service", "t3-dispatch.service: Scheduled restart job, restart counter is at 1.")),
            dispatch(8, pid: 701, "ws open user=alice ip=198.51.100.7"),
            dispatch(3600, pid: 701, "ws close user=bob ip=198.51.100.9 dur_ms=4000 cause=graceful"),
        ]
        let at = attribute(entries: entries)
        #expect(at.outages.count == 1)
        #expect(at.outages.first?.ongoing == false)
        #expect(at.outages.first.map { $0.end - $0.start } == 8_000_000)
        #expect(at.drops.last?.event.user == "bob")
        #expect(at.drops.last?.reason != .dispatchOutage)
    }

    /// A close the dying process wrote just before a restart is not the
    /// restart's (it dies at once and logs no `ws close`, field guide 6.1): a
    /// burst of 5 users 3 s before stays the edge's, and a drop of the new
    /// process 3 s after its start is still the restart's.
    @Test func closesTheDyingProcessWroteAreNotTheRestarts() {
        let users = ["alice", "bob", "carol", "dave", "erin"]
        var entries = users.enumerated().map { k, u in
            dispatch(-100 + Double(k), pid: 700, "ws open user=\(u) ip=198.51.100.\(k + 1)")
        }
        entries += users.enumerated().map { k, u in
            dispatch(-3 + Double(k) / 10, pid: 700, "ws close user=\(u) ip=198.51.100.\(k + 1) dur_ms=97000 cause=graceful")
        }
        entries += [
            entry(.systemd(-0.5, unit: "t3-dispatch.service", "Stopping t3-dispatch.service - t3 dispatch proxy...")),
            entry(.systemd(-0.3, unit: "t3-dispatch.service", "Stopped t3-dispatch.service - t3 dispatch proxy.")),
            entry(.systemd(-0.2, unit: "t3-dispatch.service", "Started t3-dispatch.service - t3 dispatch proxy.")),
            dispatch(0, pid: 701, "t3-dispatch listening on :3780"),
            dispatch(3, pid: 701, "ws close user=frank ip=198.51.100.9 dur_ms=2000 cause=downstream_closed"),
        ]
        let at = attribute(entries: entries)
        let closes = at.drops.filter { $0.event.pid == 700 }
        #expect(closes.count == 5)
        #expect(closes.allSatisfy { $0.verdict == .edge && $0.reason == .burst }, "\(closes.map(\.reason))")
        #expect(at.drops.filter { $0.event.pid == 701 }.map(\.reason) == [.dispatchRestart, .dispatchRestart])
    }

    /// Four users' teardowns in one second (too few for a burst) are one
    /// unexplained incident, not four; one 10 s later is another.
    @Test func teardownsTooFewForABurstAreOneIncident() {
        let at = attribute(
            ["alice", "bob", "carol", "dave"].enumerated().map { k, u in .dispatch(0.2 * Double(k), short(u)) } + [
                .dispatch(10, short("alice")), .dispatch(10.5, short("bob")),
            ])
        #expect(at.drops.allSatisfy { $0.reason == .belowBurstThreshold }, "\(at.drops.map(\.reason))")
        #expect(at.incidents.map(\.drops) == [4, 2])
        #expect(at.incidents.first?.users == ["alice", "bob", "carol", "dave"])
        #expect(at.drops.map(\.incident) == [1, 1, 1, 1, 2, 2])
    }

    @Test func aCleanRestartIsNoOutage() {
        let at = attribute([
            .systemd(0, unit: "t3-dispatch.service", "Stopping t3-dispatch.service - t3 dispatch proxy..."),
            .systemd(0.3, unit: "t3-dispatch.service", "Stopped t3-dispatch.service - t3 dispatch proxy."),
            .systemd(0.4, unit: "t3-dispatch.service", "Started t3-dispatch.service - t3 dispatch proxy."),
            .dispatch(0.5, "t3-dispatch listening on :3780"),
        ])
        #expect(at.outages.isEmpty)
        #expect(at.drops.map(\.reason) == [.dispatchRestart])
    }

    /// t3-dispatch dies with the sockets it holds and logs no `ws close` for them
    /// (field guide 6.1): the restart names their users, one entry per socket,
    /// and its incident lists them. A socket closed before, or opened by the new
    /// process, is not cut.
    @Test func aRestartNamesTheSocketsItCut() {
        // Another host's dispatch (a collector) keeps its sockets.
        var elsewhere = dispatch(-550, pid: 700, "ws open user=erin ip=198.51.100.12")
        elsewhere.hostname = "devvm-b"
        let at = attribute(entries: [
            dispatch(-600, pid: 700, "ws open user=alice ip=198.51.100.7"),
            elsewhere,
            dispatch(-500, pid: 700, "ws open user=alice ip=198.51.100.8"),
            dispatch(-400, pid: 700, "ws open user=bob ip=198.51.100.9"),
            dispatch(-300, pid: 700, "ws close user=bob ip=198.51.100.9 dur_ms=100000 cause=graceful"),
            dispatch(-200, pid: 700, "ws open user=carol ip=198.51.100.10"),
            entry(.systemd(0, unit: "t3-dispatch.service", "Stopping t3-dispatch.service - t3 dispatch proxy...")),
            entry(.systemd(0.3, unit: "t3-dispatch.service", "Stopped t3-dispatch.service - t3 dispatch proxy.")),
            entry(.systemd(0.4, unit: "t3-dispatch.service", "Started t3-dispatch.service - t3 dispatch proxy.")),
            dispatch(0.5, pid: 701, "t3-dispatch listening on :3780"),
            dispatch(5, pid: 701, "ws open user=dave ip=198.51.100.11"),
            dispatch(100, pid: 702, "t3-dispatch listening on :3780"),
        ])
        let restarts = at.drops.filter { $0.trigger == .dispatchRestart }
        #expect(restarts.map(\.severed) == [["alice", "alice", "carol"], ["dave"]])
        let first = at.incidents.first { $0.id == restarts.first?.incident }
        #expect(first?.users == ["alice", "carol"])
    }

    /// In a crash loop the sockets die with the crashed process; the start that
    /// found them open failed (no drop), so the outage's drop names them.
    @Test func anOutageNamesTheSocketsItCut() {
        let at = attribute(entries: [
            dispatch(-60, pid: 700, "ws open user=alice ip=198.51.100.7"),
            entry(.systemd(0, unit: "t3-dispatch.service", "t3-dispatch.service: Main process exited, code=exited, status=2/INVALIDARGUMENT")),
            entry(.systemd(5.1, unit: "t3-dispatch.service", "t3-dispatch.service: Scheduled restart job, restart counter is at 1.")),
            dispatch(5.2, pid: 701, "t3-dispatch listening on :3780"),
            dispatch(5.21, pid: 701, "listen tcp :3780: bind: address already in use"),
            entry(.systemd(10.3, unit: "t3-dispatch.service", "t3-dispatch.service: Scheduled restart job, restart counter is at 2.")),
            dispatch(10.4, pid: 702, "t3-dispatch listening on :3780"),
        ])
        #expect(at.outages.count == 1)
        #expect(at.drops.map(\.trigger) == [.dispatchOutage, .dispatchRestart])
        #expect(at.drops.first?.severed == ["alice"])
        #expect(at.drops.last?.severed == [])
        // The start that ended it is part of it: one incident, the user's.
        #expect(at.incidents.count == 1)
        #expect(at.incidents.first?.users == ["alice"])
    }

    /// A crash and a start that worked: the start found the sockets open, but
    /// they died at the crash: the outage's drop names them, not the start's.
    @Test func aCrashNamesItsSocketsAtItsStart() {
        let at = attribute(entries: [
            dispatch(-60, pid: 700, "ws open user=alice ip=198.51.100.7"),
            dispatch(-1, pid: 700, "panic: runtime error: invalid memory address or nil pointer dereference"),
            entry(.systemd(0, unit: "t3-dispatch.service", "t3-dispatch.service: Main process exited, code=exited, status=2/INVALIDARGUMENT")),
            entry(.systemd(5.1, unit: "t3-dispatch.service", "t3-dispatch.service: Scheduled restart job, restart counter is at 1.")),
            dispatch(5.2, pid: 701, "t3-dispatch listening on :3780"),
        ])
        #expect(at.outages.count == 1)
        #expect(at.drops.map(\.trigger) == [.dispatchOutage, .dispatchRestart])
        #expect(at.drops.map(\.severed) == [["alice"], []])
    }
}

/// Incidents and the basis of a verdict (issue 13, section 9).
@Suite("incidents and basis")
struct IncidentTests {
    @Test func dropsExplainedByTheSameThingAreOneIncident() {
        let at = attribute(
            (0..<5).map { .dispatch(Double($0) * 0.1, short($0 % 2 == 0 ? "alice" : "bob")) } + [
                // alice's serve restarts: two drops of hers, one incident.
                .systemd(595, unit: "t3-serve@alice.service", "Stopping t3-serve@alice.service - t3 serve for alice..."),
                .dispatch(600, "ws close user=alice ip=198.51.100.7 dur_ms=10 cause=upstream_closed"),
                .dispatch(630, "ws close user=alice ip=198.51.100.7 dur_ms=10 cause=upstream_closed"),
                // Two isolated client drops far apart: two incidents of one.
                .dispatch(1200, short("carol")), .dispatch(1800, short("carol")),
            ])
        #expect(at.incidents.map(\.drops) == [5, 2, 1, 1])
        #expect(at.incidents.map(\.reason) == [.burst, .unitRestart, .isolatedDrop, .isolatedDrop])
        #expect(at.incidents.first?.users == ["alice", "bob"])
        #expect(at.drops.map(\.incident) == [1, 1, 1, 1, 1, 2, 2, 3, 4])
    }

    /// Drops spread over seconds are one incident.
    @Test func aBreakSpreadOutIsOneIncident() {
        let users = ["alice", "bob", "carol", "dave", "erin"]
        let at = attribute(
            users.enumerated().flatMap { k, u -> [Line] in
                [
                    .dispatch(Double(k) * 2.5, "ws close user=\(u) ip=198.51.100.\(10 + k) dur_ms=2993350 cause=graceful"),
                    .dispatch(Double(k) * 2.5 + 4, "ws open user=\(u) ip=198.51.100.\(10 + k)"),
                ]
            })
        #expect(at.drops.map(\.reason) == Array(repeating: .spreadOut, count: 5))
        #expect(at.incidents.map(\.drops) == [5])
    }

    /// A break spread out is judged by elimination: the tunnel's log gives it its segment.
    @Test func theTunnelGivesASpreadOutBreakItsSegment() {
        let users = ["alice", "bob", "carol", "dave", "erin"]
        var a = attribute(
            users.enumerated().flatMap { k, u -> [Line] in
                [
                    .dispatch(Double(k) * 2.5, "ws close user=\(u) ip=198.51.100.\(10 + k) dur_ms=2993350 cause=graceful"),
                    .dispatch(Double(k) * 2.5 + 4, "ws open user=\(u) ip=198.51.100.\(10 + k)"),
                ]
            })
        #expect(a.drops.map(\.reason) == Array(repeating: .spreadOut, count: 5))
        let log = TunnelLogParser.parse(
            "2026-06-11T17:46:41Z ERR Connection terminated error=\"timeout: no recent network activity\" connIndex=2\n")
        #expect(log.events.count == 1)
        Corroborator(probe: nil, tunnel: log.events, window: 60_000_000).apply(&a)
        #expect(a.drops.map(\.reason) == Array(repeating: .tunnelReconnect, count: 5))
    }

    /// A unit left down is one incident, however far apart its user's drops.
    @Test func dropsWhileAUnitStaysDownAreOneIncident() {
        let at = attribute([
            .systemd(-900, unit: "t3-serve@alice.service", "t3-serve@alice.service: Main process exited, code=exited, status=1/FAILURE"),
            .dispatch(0, "ws close user=alice ip=198.51.100.7 dur_ms=4 cause=graceful"),
            .dispatch(500, "ws close user=alice ip=198.51.100.7 dur_ms=4 cause=graceful"),
            .dispatch(1200, "ws close user=alice ip=198.51.100.7 dur_ms=4 cause=graceful"),
        ])
        #expect(at.drops.map(\.reason) == [.unitDown, .unitDown, .unitDown])
        #expect(at.incidents.map(\.drops) == [3])
    }

    /// What the host did to every user is one incident: three users' drops while
    /// two serves starved (no burst: seconds apart) are one devvm incident, not one
    /// per user.
    @Test func aHostWideCauseIsOneIncidentAcrossUsers() {
        let at = attribute([
            .serve(-20, user: "carol", timeout), .serve(-10, user: "dave", timeout),
            .dispatch(0, short("alice")), .dispatch(4, short("bob")), .dispatch(9, short("alice")),
        ])
        #expect(at.drops.allSatisfy { $0.verdict == .devvm && $0.reason == .serveTimeouts })
        #expect(at.incidents.count == 1)
        #expect(at.incidents.first?.users == ["alice", "bob"])
        #expect(at.incidents.first?.drops == 3)
    }

    @Test func everyDropSaysItsBasisAndAnEliminationWhatWasChecked() {
        let at = attribute([.dispatch(0, refused()), .dispatch(600, cancel)])  // old era: proxy errors are drops
        let refused = at.drops.first { $0.reason == .refused }
        #expect(refused?.basis == .evidence)
        #expect(refused?.checked == [])
        let client = at.drops.first { $0.reason == .isolatedCancel }
        #expect(client?.basis == .elimination)
        #expect(client?.checked.contains(.serveEvents) == true)
        #expect(client?.checked.contains(.hostGap) == true)
        #expect(at.incidents.map(\.basis) == [.evidence, .elimination])
    }
}

/// A long graceful close is a drop when it ends in a burst second. Whether it
/// does is known only once every teardown near it has been counted: one read
/// after the close expired (the clock went back) or one whose era is decided
/// at the end (an old-era cancel) still makes it part of the burst.
@Suite("long closes and teardowns counted late")
struct LateTeardownTests {
    private let long = "ws close user=alice ip=198.51.100.7 dur_ms=3600000 cause=graceful"

    @Test func aTeardownReadAfterTheCloseExpiredStillMakesItABurstDrop() {
        var lines: [Line] = [.dispatch(0, long), .dispatch(100, "ws open user=dave ip=198.51.100.8")]
        lines += (1...4).map { .dispatch(0.2 * Double($0), short($0 % 2 == 0 ? "bob" : "carol")) }
        let r = attribute(entries: lines.map(entry))
        #expect(r.bursts.count == 1)
        #expect(r.bursts.first?.count == 5, "the burst holds the long close too")
        #expect(r.drops.contains { $0.event.user == "alice" && $0.burstSecond != nil })
    }

    @Test func oldEraCancelsNextToAnExpiredCloseMakeItABurstDrop() {
        // PID 812 logs ws lines (new era); PID 640 never does: its cancels are old-era drops.
        var entries = [dispatch(0, pid: 812, long)]
        entries += (1...4).map { dispatch(0.2 * Double($0), pid: 640, cancel) }
        entries.append(dispatch(100, pid: 812, "ws open user=dave ip=198.51.100.8"))
        let r = attribute(entries: entries)
        #expect(r.bursts.count == 1)
        #expect(r.bursts.first?.count == 5)
        #expect(r.drops.contains { $0.event.user == "alice" && $0.burstSecond != nil })
    }
}
