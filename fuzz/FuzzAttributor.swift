// libFuzzer target: sequences of journal entries, built from the real line
// shapes (field guide 2 and 6) and chosen by the input, through the event
// stream, the gap finder and the attributor, as `t3attr report` runs them.
// Each input is 3-byte steps: (shape, time step, parameter). Time steps reach
// from the same microsecond to 11 minutes, and 255 steps the clock back 40 s,
// so the fold, reconnect, restart, serve and host windows are all crossed.
// Invariants: drops in time order, each verdict with a reason the README's
// table lists for it, every evidence reference resolves, bursts hold at
// least --burst-min teardowns and their drops name them, the verdict counts
// add up to the drops, `bursts` keeps only drops in a burst.
import Foundation
import Glibc

let users = ["alice", "bob", "carol", "dave", "erin"]
let reasons: [Verdict: Set<String>] = [
    .devvm: ["host_gap", "reboot", "oom_kill", "serve_timeouts", "kernel_stall", "ephemeral_ports"],
    .dispatch: ["dispatch_restart"],
    .edge: ["burst"],
    .serve: ["oom_kill", "watchdog_restart", "planned_restart", "crash_restart", "stop_timeout", "unit_restart",
             "refused", "reset", "eof", "serve_timeout", "upstream_closed", "upstream_error", "serve_disabled"],
    .client: ["isolated_cancel", "isolated_drop"],
    .unknown: ["below_burst_threshold", "upstream_no_user", "no_evidence", "journal_suppressed"],
]

func goPrefix(_ us: UInt64) -> String {
    var t = time_t(us / 1_000_000)
    var tm = Glibc.tm()
    gmtime_r(&t, &tm)
    return String(format: "%04d/%02d/%02d %02d:%02d:%02d ", Int(tm.tm_year) + 1900, Int(tm.tm_mon) + 1, Int(tm.tm_mday),
                  Int(tm.tm_hour), Int(tm.tm_min), Int(tm.tm_sec))
}

/// The entry for one step: shape `k`, user and numbers from `p`, at `t`.
func entry(_ k: UInt8, _ p: UInt8, at t: UInt64, boot: String) -> JournalEntry {
    let u = users[Int(p) % users.count]
    let port = 3773 + Int(p) % users.count
    let serve = "t3-serve@\(u).service"
    var e = JournalEntry(realtime: t, message: [])
    e.bootID = boot
    e.hostname = "devvm"
    func dispatch(_ text: String) {
        let lag = UInt64(p >> 4) * 700_000  // a stalled host: written up to 10 s before it was received
        e.systemdUnit = "t3-dispatch.service"; e.pid = 812; e.transport = "stdout"; e.syslogIdentifier = "t3-dispatch"
        e.message = Array((goPrefix(t.subtractingClamped(lag)) + text).utf8)
    }
    func pid1(_ text: String) {
        e.systemdUnit = "init.scope"; e.pid = 1; e.uid = 0; e.transport = "journal"; e.syslogIdentifier = "systemd"
        e.unit = p & 0x80 == 0 ? serve : "t3-dispatch.service"
        e.message = Array(text.utf8)
    }
    func script(_ tag: String, _ text: String) {
        e.systemdUnit = tag + ".service"; e.pid = 5100; e.transport = p & 1 == 0 ? "syslog" : "stdout"
        e.syslogIdentifier = tag
        e.message = Array(((p & 1 == 0 ? "" : tag + ": ") + text).utf8)
        if p & 1 == 0 { e.sourceRealtime = t }
    }
    let dur = [3, 8_000, 20_013, 119_999, 120_000, 3_600_000][Int(p) % 6]
    switch k % 26 {
    case 0: dispatch("http: proxy error: context canceled")
    case 1: dispatch("http: proxy error: dial tcp 127.0.0.1:\(port): connect: connection refused")
    case 2: dispatch("http: proxy error: read tcp 127.0.0.1:41234->127.0.0.1:\(port): read: connection reset by peer")
    case 3: dispatch("http: proxy error: read tcp 10.0.20.5:3780->10.0.20.203:51234: read: connection reset by peer")
    case 4: dispatch(p & 1 == 0 ? "http: proxy error: EOF" : "http: proxy error: unexpected EOF")
    case 5: dispatch("http: proxy error: dial tcp 127.0.0.1:\(port): i/o timeout")
    case 6: dispatch("ws open user=\(u) ip=203.0.113.\(p), 10.0.20.203")
    case 7: dispatch("ws close user=\(u) ip=203.0.113.\(p), 10.0.20.203 dur_ms=\(dur) cause=graceful")
    case 8: dispatch("ws close user=\(u) ip=203.0.113.\(p) dur_ms=\(dur) cause=upstream_closed")
    case 9: dispatch("ws close user=\(u) ip=203.0.113.\(p) dur_ms=\(dur) cause=downstream_closed")
    case 10: dispatch("t3-dispatch listening on :3780")
    case 11: pid1("\(e.unit ?? serve): Main process exited, code=exited, status=\(["1/FAILURE", "130/n/a", "0/SUCCESS"][Int(p) % 3])")
    case 12: pid1("\(e.unit ?? serve): Failed with result '\(["exit-code", "oom-kill", "timeout", "signal"][Int(p) % 4])'.")
    case 13: pid1("Started \(e.unit ?? serve) - t3 serve for \(u).")
    case 14: pid1("Stopping \(e.unit ?? serve) - t3 serve for \(u)...")
    case 15: pid1("\(e.unit ?? serve): State 'stop-sigterm' timed out. Killing.")
    case 16: pid1("\(e.unit ?? serve): A process of this unit has been killed by the OOM killer.")
    case 17:
        e.transport = "kernel"; e.syslogIdentifier = "kernel"
        e.message = Array("oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=\(serve),mems_allowed=0,oom_memcg=/system.slice/system-t3\\x2dserve.slice/\(serve),task_memcg=/system.slice/system-t3\\x2dserve.slice/\(serve),task=2.1.205,pid=\(48000 + Int(p) % 8),uid=1004".utf8)
    case 18:
        e.transport = "kernel"; e.syslogIdentifier = "kernel"
        e.message = Array("Out of memory: Killed process \(48000 + Int(p) % 8) (cc1plus) total-vm:30123456kB, anon-rss:29000000kB, file-rss:0kB, shmem-rss:0kB, UID:1003 pgtables:60000kB oom_score_adj:0".utf8)
    case 19:
        e.systemdUnit = serve; e.pid = 2000; e.transport = "stdout"; e.syslogIdentifier = "t3"
        e.message = Array("[21:00:00.000] WARN (#42): Process 'git' in '/home/\(u)/code' timed out after 30000ms".utf8)
    case 20: script("t3-watchdog", "probe FAILED for \(serve) (port=\(port) reason=timeout consecutive=1 uptime=8121s recent_restarts=0)")
    case 21: script("t3-watchdog", "WATCHDOG: restarted \(serve) (reason=timeout) — recovered, pairing verified")
    case 22: script("t3-autoupdate", "restarted \(serve) -> 0.0.42 (was 0.0.41)")
    case 23:
        e.systemdUnit = "earlyoom.service"; e.pid = 530; e.transport = "stdout"; e.syslogIdentifier = "earlyoom"
        e.message = Array("sending SIG\(p & 1 == 0 ? "TERM" : "KILL") to process \(61000 + Int(p) % 4) uid 1003 \"cc1plus\": badness 912, VmRSS 20123 MiB".utf8)
    default:
        e.systemdUnit = "kubelet.service"; e.pid = 611; e.transport = "stdout"; e.syslogIdentifier = "kubelet"
        e.message = Array("I0610 reconciler.go:357] started".utf8)
    }
    return e
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAttributor(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard bytes.count >= 3, bytes.count <= 3 * 400 else { return 0 }
    var settings = AttributionSettings()
    settings.burstMin = 2 + Int(bytes[0] % 5)
    var stream = EventStream(config: SourceConfig(portMap: PortMap([3773: "alice", 3774: "bob", 3775: "carol", 3776: "dave", 3777: "erin"])))
    var attributor = Attributor(settings: settings)
    var gaps = GapFinder(threshold: settings.gapThreshold)
    var t: UInt64 = 1_781_125_200_000_000
    var boot = "5ae0daad7495215b8541efb25e0e7cae"
    for (i, step) in stride(from: 0, to: bytes.count - 2, by: 3).enumerated() {
        let (k, d, p) = (bytes[step], bytes[step + 1], bytes[step + 2])
        if d == 255 { t -= 40_000_000 } else { t += UInt64(d) * UInt64(d) * 10_000 }
        if k == 255 { boot = "9c1d2e3f40516273849506a7b8c9d0e1"; continue }
        let e = entry(k, p, at: t, boot: boot)
        gaps.add(realtime: e.realtime, bootID: e.bootID)
        guard var ev = stream.classify(e) else { continue }
        ev.cursor = "c\(i)"
        stream.learn(from: ev)
        if ev.signal != nil { attributor.addSignal(ev) } else { attributor.add(ev) }
    }
    var burstsOnly = attributor
    attributor.close()
    let r = attributor.attribute(gaps: gaps.gaps)

    for (a, b) in zip(r.drops, r.drops.dropFirst()) {
        precondition((a.event.realtime, a.event.cursor) <= (b.event.realtime, b.event.cursor), "drops out of time order")
    }
    for d in r.drops {
        precondition(d.event.dispatch != nil, "a drop that is not a dispatch line")
        precondition(reasons[d.verdict]?.contains(d.reason.rawValue) == true, "\(d.verdict.rawValue)/\(d.reason.rawValue) is not in the README's table")
        precondition(r.evidence(d.evidence).count <= settings.maxEvidence)
        if let s = d.burstSecond { precondition(r.bursts.contains { $0.second == s }, "a drop names a burst that is not listed") }
    }
    for (a, b) in zip(r.bursts, r.bursts.dropFirst()) { precondition(a.second < b.second, "bursts out of order") }
    for b in r.bursts {
        precondition(b.count >= settings.burstMin, "a burst of \(b.count) < \(settings.burstMin)")
        precondition(reasons[b.verdict]?.contains(b.reason.rawValue) == true)
        _ = r.evidence(b.evidence)
    }
    precondition(r.counts.values.reduce(0, +) == r.drops.count, "the verdict counts do not add up to the drops")

    burstsOnly.close()
    burstsOnly.retainBurstDrops()
    let b = burstsOnly.attribute(gaps: gaps.gaps)
    let seconds = Set(r.bursts.map(\.second))
    for d in b.drops {
        precondition(Attributor.isTeardown(d.event) && seconds.contains(d.event.writtenSecond), "`bursts` kept a drop outside a burst")
    }
    return 0
}
