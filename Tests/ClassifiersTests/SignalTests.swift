import Glibc
import Testing

@testable import Classifiers

private func b(_ s: String) -> [UInt8] { Array(s.utf8) }

@Suite("serve, systemd, kernel, earlyoom and script lines (field guide 2.3 to 2.6)")
struct SignalTests {
    @Test(
        "PID 1 messages",
        arguments: [
            ("t3-serve@a.service: A process of this unit has been killed by the OOM killer.", UnitAction.oomKilled),
            ("t3-serve@a.service: Main process exited, code=killed, status=9/KILL", .exited(code: .killed, status: 9)),
            ("t3-serve@a.service: Main process exited, code=exited, status=130/n/a", .exited(code: .exited, status: 130)),
            ("t3-serve@a.service: Failed with result 'oom-kill'.", .failed(result: "oom-kill")),
            ("t3-serve@a.service: Scheduled restart job, restart counter is at 3.", .restartScheduled),
            ("Stopping t3-serve@a.service - t3 serve for a...", .stopping),
            ("Stopped t3-serve@a.service.", .stopped),
            // UNIT_SUCCESS: all systemd 252 logs at info when the main process exits 0 on its own.
            ("t3-serve@a.service: Deactivated successfully.", .stopped),
            ("Starting t3-serve@a.service...", .starting),
            ("Started t3-serve@a.service - t3 serve for a.", .started),
            ("t3-serve@a.service: State 'stop-sigterm' timed out. Killing.", .stopTimeout),
        ])
    func unitActions(message: String, action: UnitAction) {
        #expect(SignalParser.unitAction(b(message), messageID: nil) == action)
    }

    @Test func crashOrPlanned() {
        #expect(UnitAction.exited(code: .killed, status: 9).isCrash)
        #expect(UnitAction.exited(code: .exited, status: 1).isCrash)
        #expect(!UnitAction.exited(code: .exited, status: 130).isCrash)
        // Issue 13, section 4: a crash is a signal, a core dump or an exit code other than 130.
        #expect(UnitAction.exited(code: .killed, status: 15).isCrash)
        #expect(UnitAction.exited(code: .exited, status: 0).isCrash)
        #expect(UnitAction.exited(code: .dumped, status: 11).isCrash)
        #expect(UnitAction.failed(result: "signal").isCrash)
        #expect(UnitAction.failed(result: "core-dump").isCrash)
        // Every stop of `t3 serve` fails the unit with 'exit-code'; a hung stop ends in 'timeout'.
        #expect(!UnitAction.failed(result: "exit-code").isCrash)
        #expect(!UnitAction.failed(result: "timeout").isCrash)
        #expect(!UnitAction.oomKilled.isCrash)
        #expect(!UnitAction.restartScheduled.isCrash)
        #expect(!UnitAction.stopping.isCrash)
    }

    @Test(arguments: [
        ("Process 'git' in '/home/a/code' timed out after 30000ms", TimeoutKind.git),
        (
            "Git command failed in GitCore.fetchRemoteForStatus (/home/a/code): git -C /home/a/code fetch --quiet --no-tags origin timed out.",
            .git
        ),
        ("Process 'rg' in '/home/a/code' timed out after 60000ms", .process),
        ("WebSocket ping timed out after 30000ms", .wsPing),
        ("heartbeat timed out, closing client socket", .wsPing),
        ("LSP request textDocument/hover timed out after 10000ms", .editor),
        ("language server tsserver timed out", .editor),
        ("fetch of https://example.com timed out", .other),
        // The directory or the command line never decides: "shopping" is not a ping.
        ("Process 'npm' in '/home/bob/code/shopping-cart' timed out after 30000ms", .process),
        ("Process '/usr/bin/git' in '/home/bob/code/terminal-editor' timed out after 30000ms", .git),
        ("[12:00:01.000] WARN (#42): Process 'node' in '/home/bob/code/ping-pong' timed out after 30000ms", .process),
        ("command 'make mapping' in /home/bob/typing-tutor timed out", .other),
        ("request from \"heartbeat-editor\" timed out", .other),
        // An apostrophe inside a word opens no quote.
        ("WARN (#4): Couldn't refresh status: git fetch timed out.", .git),
        ("Workspace 'bob's repo' git fetch timed out.", .git),
    ])
    func serveTimeoutKinds(_ line: String, _ kind: TimeoutKind) {
        #expect(TimeoutKind.classify(b(line)) == kind)
        #expect(Signal.serveTimeout(kind).isStarvation == (kind == .git || kind == .process))
    }

    @Test(arguments: [
        ("restarted t3-serve@a.service -> 0.0.42 (pairing verified via dispatch)", "t3-watchdog", Signal.watchdogRestart(reason: nil), "a"),
        ("restarted t3-serve@a.service -> 0.0.42 (pairing verified via dispatch)", "t3-autoupdate", .plannedRestart(script: "t3-autoupdate"), "a"),
        (
            "HEALTH-CHECK FAILED: bob pairing broken AFTER restart onto 0.0.42 — rolling back", "t3-migrate-idle",
            .restartFailed(script: "t3-migrate-idle"), "bob"
        ),
        ("restored bob state.sqlite from /var/backups/t3/bob.prebump.sqlite", "t3-autoupdate", .restartFailed(script: "t3-autoupdate"), "bob"),
        (
            "FROZEN (/var/lib/t3-autoupdate/FROZEN) after bob failed on 0.0.42; last_good stays 0.0.41 — investigate", "t3-watchdog",
            .restartFailed(script: "t3-watchdog"), "bob"
        ),
        (
            "WATCHDOG: restart of t3-serve@c.service FAILED verification — safe_restart_unit ran recovery", "t3-watchdog",
            .restartFailed(script: "t3-watchdog"), "c"
        ),
        ("[t3-provision] t3-serve DISABLED for d (roster parked: true)", "t3-provision-users", .serveDisabled, "d"),
    ])
    func restartAnnouncements(_ line: String, _ tag: String, _ sig: Signal, _ user: String) {
        let got = SignalParser.script(b(line), tag: tag)
        #expect(got?.0 == sig)
        #expect(got?.unit == "t3-serve@\(user).service")
    }

    @Test func scriptLinesThatNameNoServeAreNotRestarts() {
        #expect(SignalParser.script(b("FROZEN: /var/lib/x present — not draining deferrals"), tag: "t3-migrate-idle") == nil)
        #expect(SignalParser.script(b("HEALTH-CHECK FAILED (seed: live=0 pair=0 migerr=1); serve log: x"), tag: "t3-autoupdate") == nil)
        #expect(SignalParser.script(b("claude-auth-sync DISABLED for d (roster claude_auth: false)"), tag: "t3-provision-users") == nil)
    }

    /// A source time further than an hour from the receive time is not believed.
    @Test func writtenAtBelievesOnlyNearbySourceTimes() {
        var e = JournalEntry(realtime: 10_000_000_000, message: b("x"))
        e.sourceRealtime = 9_990_000_000
        #expect(e.writtenAt == 9_990_000_000)
        e.sourceRealtime = 10_000_000_000 + JournalEntry.maxLag + 1
        #expect(e.writtenAt == 10_000_000_000)
        e.sourceRealtime = nil
        e.monotonic = 5_000_000_000
        e.sourceMonotonic = 4_900_000_000
        #expect(e.writtenAt == 9_900_000_000)
        e.sourceMonotonic = 5_000_000_001
        #expect(e.writtenAt == 10_000_000_000, "a kernel time after the receive time")
        e.sourceMonotonic = 5_000_000_000 - JournalEntry.maxLag - 1
        #expect(e.writtenAt == 10_000_000_000)
    }

    @Test func statedSpans() {
        #expect(SignalParser.statedSeconds(b("INFO: task node:42 blocked for more than 122 seconds.")) == 122)
        #expect(SignalParser.statedSeconds(b("watchdog: BUG: soft lockup - CPU#3 stuck for 23s! [node:4242]")) == 23)
        #expect(SignalParser.statedSeconds(b("rcu: INFO: rcu_sched self-detected stall on CPU")) == nil)
        #expect(SignalParser.timeoutLimit(b("Process 'git' in '/home/a/code' timed out after 30000ms")) == 30_000_000)
        #expect(SignalParser.timeoutLimit(b("heartbeat timed out after 20s")) == 20_000_000)
        #expect(SignalParser.timeoutLimit(b("git fetch timed out.")) == nil)
    }

    @Test func kernelStallLines() {
        #expect(SignalParser.kernelStall(b("INFO: task kworker/u4:2:123 blocked for more than 120 seconds.")) == .kernelStall)
        #expect(SignalParser.kernelStall(b("watchdog: BUG: soft lockup - CPU#3 stuck for 23s! [node:4242]")) == .kernelStall)
        #expect(SignalParser.kernelStall(b("Linux version 6.1.0-18-amd64")) == nil)
        // Older kernels' RCU lines (no `rcu: `) and hard lockups.
        for line in [
            "rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:", "INFO: rcu_sched detected stalls on CPUs/tasks:",
            "INFO: rcu_preempt self-detected stall on CPU", "watchdog: Watchdog detected hard LOCKUP on cpu 3",
            "BUG: soft lockup - CPU#0 stuck for 22s! [kworker/0:1:12]",
        ] {
            #expect(SignalParser.kernelStall(b(line)) == .kernelStall, "\(line)")
        }
    }

    /// The kernel starts some lines with a process's own name (up to 15
    /// bytes, chosen by whoever started it): `<comm>[pid]: segfault at ...`.
    /// Such a name must not make a stall or an OOM kill.
    @Test func kernelLinesStartingWithAProcessNameForgeNothing() {
        for comm in [
            "Killed process ", "rcu: INFO: rcu_", "INFO: task x:1 ", "oom-kill:constr", "BUG: soft locku", "INFO: rcu_sched", "INFO: task x",
        ] {
            // The library's name is anyone's too.
            for lib in ["a.out", "x blocked for more than 120 seconds.so", "x blocked for more than 99999999999999999999 seconds."] {
                let line = "\(comm)[4242]: segfault at 0 ip 0000000000401000 sp 00007ffd00000000 error 6 in \(lib)[401000+1000]"
                #expect(SignalParser.kernelOOM(b(line)) == nil, "\(line)")
                #expect(SignalParser.kernelStall(b(line)) == nil, "\(line)")
                #expect(SignalParser.statedSeconds(b(line)) == nil, "\(line)")
            }
        }
        #expect(SignalParser.kernelStall(b("INFO: task x[42]: segfault at 0 ip 0 in y blocked for more than 120 seconds.")) == nil)
        #expect(SignalParser.kernelStall(b("INFO: task averyveryverylongname:42 blocked for more than 120 seconds.")) == nil)
        // Mid-line, the words are not the kernel's either.
        #expect(SignalParser.kernelOOM(b("audit: comm=\"x\" Out of memory: Killed process 1 (x)")) == nil)
        #expect(SignalParser.kernelStall(b("traps: x INFO: task y:1 blocked for more than 120 seconds.")) == nil)
        // A memory-cgroup kill of a task named `global_oom` (or with commas in
        // its name, at most 15 bytes) is still a memory-cgroup kill of that pid.
        let named =
            "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/user.slice/user-1000.slice,task_memcg=/user.slice/user-1000.slice/session-3.scope,task=global_oom,pid=,pid=77,uid=1000"
        guard case .oomKill(let pid, let task, let memcg, let global, _)? = SignalParser.kernelOOM(b(named)) else {
            Issue.record("not parsed")
            return
        }
        #expect(!global && pid == 77 && task == "global_oom,pid=" && memcg == "/user.slice/user-1000.slice/session-3.scope")
        // A cgroup a user named `box,global_oom` (names may hold commas) makes no global kill.
        let box = "/user.slice/user-1006.slice/user@1006.service/box,global_oom"
        let boxed =
            "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=box,global_oom,mems_allowed=0,oom_memcg=\(box),task_memcg=\(box),task=hog,pid=7777,uid=1006"
        guard case .oomKill(_, _, let boxMemcg, let boxGlobal, _)? = SignalParser.kernelOOM(b(boxed)) else {
            Issue.record("not parsed")
            return
        }
        #expect(!boxGlobal && boxMemcg == box)
        // One named with `,task_memcg=` text leaves the kill's cgroup unknown, not another's.
        let forged =
            "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/user.slice/user-1006.slice/x,task_memcg=t3-serve@alice.service,task_memcg=/user.slice/user-1006.slice/x,task_memcg=t3-serve@alice.service,task=hog,pid=1,uid=1006"
        guard case .oomKill(_, _, let forgedMemcg, _, _)? = SignalParser.kernelOOM(b(forged)) else {
            Issue.record("not parsed")
            return
        }
        #expect(forgedMemcg == nil)
        // A serve's cgroup is a unit's, under root's slices only.
        #expect(ServeUnits.default.user(inCgroup: "/system.slice/system-t3\\x2dserve.slice/t3-serve@alice.service/agent") == "alice")
        #expect(ServeUnits.default.user(inCgroup: "/user.slice/user-1006.slice/user@1006.service/t3-serve@alice.service") == nil)
        #expect(ServeUnits.default.user(inCgroup: "/system.slice/system-t3\\x2dserve.slice/t3-serve@bob.service/t3-serve@alice.service") == "bob")
        // A hung-task line cut short is none, and no trap.
        #expect(SignalParser.kernelStall(b("INFO: task a:1 blocked for more than seconds.")) == nil)
        #expect(SignalParser.kernelStall(b("INFO: task a:1 blocked for more than  seconds.")) == nil)
        #expect(SignalParser.kernelStall(b("INFO: task blocked for more than 120 seconds.")) == nil)
        #expect(SignalParser.statedSeconds(b("INFO: task blocked for more than 120 seconds.")) == nil)
    }

    @Test func kernelOOMLines() {
        let memcg =
            "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=x,mems_allowed=0,oom_memcg=/system.slice/system-t3\\x2dserve.slice/t3-serve@dave.service,task_memcg=/system.slice/system-t3\\x2dserve.slice/t3-serve@dave.service,task=2.1.205,pid=48213,uid=1004"
        guard case .oomKill(let pid, let task, let cg, let global, let limit)? = SignalParser.kernelOOM(b(memcg)) else {
            Issue.record("not parsed")
            return
        }
        #expect(pid == 48213 && task == "2.1.205" && !global)
        #expect(limit == "/system.slice/system-t3\\x2dserve.slice/t3-serve@dave.service")
        #expect(ServeUnits.default.user(in: cg) == "dave")
        // A name holding `,oom_memcg=` makes the limit unknown, not forged.
        let named =
            "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=x,mems_allowed=0,oom_memcg=/user.slice/user-1003.slice/a,oom_memcg=/b,task_memcg=/user.slice/user-1003.slice/a,oom_memcg=/b,task=cc1,pid=5,uid=1003"
        guard case .oomKill(_, _, _, _, let namedLimit)? = SignalParser.kernelOOM(b(named)) else {
            Issue.record("not parsed")
            return
        }
        #expect(namedLimit == nil)
        let g =
            "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/system.slice/system-t3\\x2dserve.slice/t3-serve@erin.service,task=node,pid=7,uid=1005"
        guard case .oomKill(_, _, let cg2, let global2, _)? = SignalParser.kernelOOM(b(g)) else {
            Issue.record("not parsed")
            return
        }
        #expect(global2 && ServeUnits.default.user(in: cg2) == "erin")
        guard case .oomKill(let p3, let t3, _, let g3, _)? = SignalParser.kernelOOM(b("Out of memory: Killed process 4242 (node) total-vm:1kB"))
        else {
            Issue.record("not parsed")
            return
        }
        #expect(p3 == 4242 && t3 == "node" && g3)
        #expect(SignalParser.kernelOOM(b("[UFW BLOCK] IN=eth0")) == nil)
    }

    @Test func earlyoomLine() {
        #expect(
            SignalParser.earlyoom(b("sending SIGTERM to process 991 uid 1004 \"2.1.205\": badness 912, VmRSS 10800 MiB"))
                == .earlyoomKill(pid: 991, comm: "2.1.205", signal: 15))
        #expect(
            SignalParser.earlyoom(b("sending SIGKILL to process 991 uid 1004 \"2.1.205\": badness 912, VmRSS 10800 MiB"))
                == .earlyoomKill(pid: 991, comm: "2.1.205", signal: 9))
        #expect(SignalParser.earlyoom(b("mem avail: 100 MiB")) == nil)
    }

    @Test func scriptLines() {
        let p = SignalParser.script(
            b("t3-watchdog: probe FAILED for t3-serve@erin.service (port=3777 reason=timeout consecutive=2 uptime=5s recent_restarts=0)"),
            tag: "t3-watchdog")
        #expect(p?.0 == .probeFailed(reason: "timeout", port: 3777))
        #expect(p?.unit == "t3-serve@erin.service")
        // The whole reason, curl's exit included (field guide 6.3); curl 28 is a timeout.
        for (line, reason, timeout) in [
            (
                "probe FAILED for t3-serve@erin.service (port=3777 reason=http=000(curl=52) consecutive=1 uptime=5s recent_restarts=0)",
                "http=000(curl=52)", false
            ),
            (
                "probe FAILED for t3-serve@erin.service (port=3777 reason=http=000(curl=28) consecutive=1 uptime=5s recent_restarts=0)",
                "http=000(curl=28)", true
            ),
            ("probe FAILED for t3-serve@erin.service (port=3777 reason=http=503(curl=22))", "http=503(curl=22)", false),
            ("probe FAILED for t3-serve@erin.service (port=3777 reason=connection-refused consecutive=3)", "connection-refused", false),
        ] {
            let sig = SignalParser.script(b(line), tag: "t3-watchdog")?.0
            #expect(sig == .probeFailed(reason: reason, port: 3777), "\(line)")
            #expect(sig?.isProbeTimeout == timeout, "\(line)")
        }
        #expect(
            SignalParser.script(b("WATCHDOG: restarted t3-serve@erin.service (reason=timeout) — recovered, pairing verified"), tag: "t3-watchdog")?.0
                == .watchdogRestart(reason: "timeout"))
        #expect(
            SignalParser.script(b("WATCHDOG-EXHAUSTED: t3-serve@erin.service still unhealthy but hit the flap cap (3)"), tag: "t3-watchdog")?.0
                == .watchdogExhausted)
        #expect(
            SignalParser.script(b("restarted t3-serve@grace.service -> 0.0.42 (was 0.0.41)"), tag: "t3-autoupdate")?.0
                == .plannedRestart(script: "t3-autoupdate"))
        #expect(
            SignalParser.script(b("migrated t3-serve@grace.service -> 0.0.42 (idle restart)"), tag: "t3-migrate-idle")?.0
                == .plannedRestart(script: "t3-migrate-idle"))
        #expect(SignalParser.script(b("all serves healthy"), tag: "t3-watchdog") == nil)
    }
}

@Suite("event stream: one event per logical line")
struct EventStreamTests {
    var stream = EventStream(config: SourceConfig(serveUnits: ["t3-serve@erin.service", "t3-serve@alice.service"]))

    @Test mutating func scriptLinesLoggedTwiceAreOneEvent() {
        let text = "probe FAILED for t3-serve@erin.service (port=3777 reason=timeout consecutive=1 uptime=1s recent_restarts=0)"
        var syslog = JournalEntry(realtime: 1_000_000_000, message: b(text))
        syslog.syslogIdentifier = "t3-watchdog"
        syslog.systemdUnit = "t3-watchdog.service"
        syslog.uid = 0
        syslog.transport = "syslog"
        syslog.sourceRealtime = 1_000_000_000
        var stdout = JournalEntry(realtime: 1_000_003_000, message: b("t3-watchdog: " + text))
        stdout.syslogIdentifier = "t3-watchdog"
        stdout.systemdUnit = "t3-watchdog.service"
        #expect(stream.classify(syslog)?.kind.rawValue == "probe_failed")
        #expect(stream.classify(stdout) == nil)
        #expect(stream.folded == 1)
        // The same line a minute later is a new probe.
        var later = syslog
        later.realtime += 60_000_000
        later.sourceRealtime! += 60_000_000
        #expect(stream.classify(later)?.user == "erin")
        // The stdout copy stored first, the logger's copy after it with an
        // earlier source time: still one line.
        var first = stdout
        first.realtime += 120_000_000
        var second = syslog
        second.realtime = first.realtime + 1000
        second.sourceRealtime = first.realtime - 5000
        #expect(stream.classify(first)?.kind.rawValue == "probe_failed")
        #expect(stream.classify(second) == nil)
        #expect(stream.folded == 2)
    }

    /// Who wrote a line is decided by journald's own fields: the same words
    /// from an ordinary user are no evidence; from root or the unit they are.
    @Test mutating func onlyTrustedWritersMakeScriptEarlyoomAndCoredumpEvents() {
        func entry(_ text: String, ident: String?, unit: String?, uid: Int?, transport: String = "syslog") -> JournalEntry {
            var e = JournalEntry(realtime: 7_000_000_000, message: b(text))
            e.syslogIdentifier = ident
            e.systemdUnit = unit
            e.uid = uid
            e.transport = transport
            return e
        }
        let planned = "restarted t3-serve@bob.service -> 0.0.42"
        let kill = "sending SIGTERM to process 4242 uid 1002 \"node\": badness 900, VmRSS 4000 MiB"
        // Forged: any user sets SYSLOG_IDENTIFIER (logger -t), UNIT=, COREDUMP_UNIT=, MESSAGE_ID=.
        #expect(stream.classify(entry(planned, ident: "t3-autoupdate", unit: "session-5.scope", uid: 1000)) == nil)
        #expect(stream.classify(entry(planned, ident: "t3-autoupdate", unit: "t3-serve@bob.service", uid: 1002)) == nil)
        #expect(stream.classify(entry(planned, ident: "t3-autoupdate", unit: nil, uid: nil)) == nil)
        #expect(stream.classify(entry(kill, ident: "earlyoom", unit: "session-5.scope", uid: 1000)) == nil)
        var core = entry("Process 1 (node) dumped core.", ident: "systemd-coredump", unit: "session-5.scope", uid: 1000, transport: "journal")
        core.messageID = MessageID.coredump
        core.coredumpUnit = "t3-serve@alice.service"
        #expect(stream.classify(core) == nil)
        var pid1 = entry(
            "t3-serve@alice.service: Main process exited, code=killed, status=9/KILL", ident: "systemd",
            unit: "session-5.scope", uid: 1000, transport: "journal")
        pid1.unit = "t3-serve@alice.service"
        pid1.pid = 4321
        #expect(stream.classify(pid1) == nil)
        var kernel = entry(
            "oom-kill:constraint=CONSTRAINT_MEMCG,task_memcg=/t3-serve@alice.service,task=node,pid=7,uid=1", ident: "kernel",
            unit: "session-5.scope", uid: 1000)
        kernel.realtime += 1
        #expect(stream.classify(kernel) == nil)
        // Trusted: the script's own unit (whatever its identifier), root under the tag, earlyoom's unit, root's coredump.
        #expect(
            stream.classify(entry("t3-autoupdate: " + planned, ident: "bash", unit: "t3-autoupdate.service", uid: 0, transport: "stdout"))?.kind
                .rawValue == "planned_restart")
        var byHand = entry("migrated t3-serve@bob.service -> 0.0.42 (idle restart)", ident: "t3-migrate-idle", unit: "session-9.scope", uid: 0)
        byHand.realtime += 20_000_000
        #expect(stream.classify(byHand)?.kind.rawValue == "planned_restart")
        #expect(
            stream.classify(entry(kill, ident: "earlyoom", unit: "earlyoom.service", uid: 61874, transport: "stdout"))?.kind.rawValue
                == "earlyoom_kill")
        core.uid = 0
        #expect(stream.classify(core)?.kind.rawValue == "unit_coredump")
    }

    @Test mutating func kernelOOMPairIsOneEvent() {
        var a = JournalEntry(
            realtime: 5_000_000,
            message: b("oom-kill:constraint=CONSTRAINT_MEMCG,task_memcg=/system.slice/t3-serve@alice.service,task=node,pid=77,uid=1"))
        a.transport = "kernel"
        var k = JournalEntry(realtime: 5_000_100, message: b("Memory cgroup out of memory: Killed process 77 (node) total-vm:1kB"))
        k.transport = "kernel"
        let ev = stream.classify(a)
        #expect(ev?.kind.rawValue == "oom_kill" && ev?.user == "alice" && ev?.unit == "t3-serve@alice.service")
        #expect(stream.classify(k) == nil)
    }

    @Test mutating func stopTimeoutIsAUnitEventNotStarvation() {
        var pid1 = JournalEntry(realtime: 1, message: b("t3-serve@alice.service: State 'stop-sigterm' timed out. Killing."))
        pid1.pid = 1
        pid1.unit = "t3-serve@alice.service"
        pid1.systemdUnit = "init.scope"
        #expect(stream.classify(pid1)?.kind.rawValue == "unit_stop_timeout")
        var node = JournalEntry(realtime: 2, message: b("[21:00:00.000] WARN (#1): Process 'git' in '/home/alice/code' timed out after 30000ms"))
        node.systemdUnit = "t3-serve@alice.service"
        #expect(stream.classify(node)?.kind.rawValue == "serve_timeout")
        var decoy = node
        decoy.message = b("[21:00:00.000] INFO (#1): [git] Timed out waiting for index.lock")
        #expect(stream.classify(decoy) == nil)
    }
}

@Suite("attribution rules on plain values")
struct AttributorTests {
    /// Go's log prefix for `t`, from glibc's gmtime_r: not from CivilTime,
    /// the inverse of the parser under test (anchored to fixed strings below).
    static func goPrefix(_ t: UInt64) -> String {
        var secs = time_t(t / 1_000_000)
        var tm = Glibc.tm()
        gmtime_r(&secs, &tm)
        return String(
            format: "%04d/%02d/%02d %02d:%02d:%02d ", Int(tm.tm_year) + 1900, Int(tm.tm_mon) + 1,
            Int(tm.tm_mday), Int(tm.tm_hour), Int(tm.tm_min), Int(tm.tm_sec))
    }

    static func dispatch(_ t: UInt64, _ text: String) -> Event {
        let line = goPrefix(t) + text
        var e = JournalEntry(realtime: t, message: Array(line.utf8))
        e.systemdUnit = "t3-dispatch.service"
        return DispatchClassifier().classify(e)
    }

    static let t0: UInt64 = 1_781_200_000_000_000

    @Test func goPrefixHelperMatchesFixedStrings() {
        #expect(Self.goPrefix(Self.t0) == "2026/06/11 17:46:40 ")
        #expect(Self.goPrefix(Self.t0 + 86_000_000_000) == "2026/06/12 17:40:00 ")
        #expect(Self.dispatch(Self.t0 + 500_000, "http: proxy error: context canceled").writtenAt == Self.t0)
    }

    @Test func sevenSpreadCancelsAreNotABurstSevenInOneSecondAre() {
        var a = Attributor()
        for k in 0..<7 { a.add(Self.dispatch(Self.t0 + UInt64(k) * 3 * 3_600_000_000, "http: proxy error: context canceled")) }
        for k in 0..<7 { a.add(Self.dispatch(Self.t0 + 86_000_000_000 + UInt64(k) * 100_000, "http: proxy error: context canceled")) }
        a.close()
        let r = a.attribute(gaps: [])
        #expect(r.bursts.count == 1)
        #expect(r.bursts.first?.count == 7)
        #expect(r.drops.filter { $0.verdict == .client }.count == 7)
        #expect(r.drops.filter { $0.verdict == .edge }.count == 7)
    }

    @Test func longGracefulCloseIsADropOnlyWithAReconnect() {
        var a = Attributor()
        a.add(Self.dispatch(Self.t0, "ws close user=a ip=1.1.1.1 dur_ms=7200000 cause=graceful"))
        a.add(Self.dispatch(Self.t0 + 10_000_000, "ws open user=a ip=1.1.1.1"))
        a.add(Self.dispatch(Self.t0 + 100_000_000, "ws close user=b ip=1.1.1.2 dur_ms=7200000 cause=graceful"))
        a.add(Self.dispatch(Self.t0 + 400_000_000, "ws open user=b ip=1.1.1.2"))
        a.add(Self.dispatch(Self.t0 + 500_000_000, "ws close user=c ip=1.1.1.3 dur_ms=5000 cause=graceful"))
        a.close()
        let drops = a.attribute(gaps: []).drops
        #expect(drops.map(\.event.user) == ["a", "c"])
        #expect(drops.map(\.trigger) == [.reconnect, .shortSocket])
    }

    @Test func hostGapBeforeADropMakesItDevvm() {
        var a = Attributor()
        a.add(Self.dispatch(Self.t0, "http: proxy error: context canceled"))
        a.close()
        var b = a
        let gap = HostGap(start: Self.t0 - 100_000_000, end: Self.t0 - 10_000_000, bootChanged: false)
        let d = b.attribute(gaps: [gap]).drops[0]
        #expect(d.verdict == .devvm && d.reason == .hostGap)
        let old = HostGap(start: Self.t0 - 900_000_000, end: Self.t0 - 800_000_000, bootChanged: true)
        #expect(a.attribute(gaps: [old]).drops[0].verdict == .client)
    }

    @Test func gapFinder() {
        var f = GapFinder(threshold: 30_000_000)
        for t in [0, 10, 20, 70, 80] as [UInt64] { f.add(realtime: Self.t0 + t * 1_000_000, bootID: "a") }
        f.add(realtime: Self.t0 + 85_000_000, bootID: "b")
        #expect(f.gaps.count == 2)
        #expect(f.gaps[0].seconds == 50 && !f.gaps[0].bootChanged)
        #expect(f.gaps[1].bootChanged)
    }
}

/// `--serve-unit` decides how a unit name carries its user; nothing else knows `t3-serve@`.
@Suite struct ServeUnitNameTests {
    @Test(
        arguments: [
            // pattern, text, user
            ("t3-serve@*.service", "t3-serve@alice.service", "alice"),
            ("t3-serve@*.service", "/system.slice/system-t3\\x2dserve.slice/t3-serve@dave.service", "dave"),
            ("t3-serve@*.service", "ws-alice.service", nil),
            ("ws-*.service", "ws-alice.service", "alice"),
            ("ws-*.service", "/system.slice/ws-bob.service", "bob"),
            ("ws-*.service", "t3-serve@alice.service", nil),
            ("serve@alice.service", "serve@carol.service", "carol"),
            ("plain.service", "plain.service", nil),
        ] as [(String, String, String?)])
    func userFromName(pattern: String, text: String, user: String?) {
        #expect(ServeUnits(pattern: pattern).user(in: text) == user)
    }

    @Test func unitForUserAndNameInText() {
        let ws = ServeUnits(pattern: "ws-*.service")
        #expect(ws.unit(forUser: "alice") == "ws-alice.service")
        #expect(ws.unitName(in: "WATCHDOG: restarted ws-alice.service (reason=timeout)") == "ws-alice.service")
        #expect(ws.unitName(in: "WATCHDOG: restarted t3-serve@alice.service (reason=timeout)") == nil)
    }

    @Test func scriptLinesNameTheConfiguredUnits() {
        let ws = ServeUnits(pattern: "ws-*.service")
        let line = Array("restarted ws-bob.service for an update".utf8)
        guard let (sig, unit) = SignalParser.script(line, tag: "t3-autoupdate", serveUnits: ws) else {
            Issue.record("not parsed")
            return
        }
        #expect(sig == .plannedRestart(script: "t3-autoupdate") && unit == "ws-bob.service")
        #expect(SignalParser.script(line, tag: "t3-autoupdate") == nil)
    }
}
