#!/usr/bin/env python3
"""Reproductions of the incidents where t3attr and the audit disagree (issues
13/14 follow-up audit). NOT fixtures: nothing runs these in the tests, because
t3attr does not (yet) give the verdicts written here. Each `expect=` is the
auditor's judgment; the docstring says what t3attr said and why.

    python3 tools/audit_disagreements.py OUTDIR      # writes OUTDIR/<name>.export and .expected.json
    /lib/systemd/systemd-journal-remote --output=OUTDIR/j/<name>.journal OUTDIR/<name>.export
    .build/debug/t3attr report -D OUTDIR/j -o json --dispatch-table Tests/Fixtures/dispatch.json

Once a rule is fixed, move the case into tools/fixtures.py (SCENARIOS) and
ScenarioTests' list.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixtures import DDESC, DUNIT, Journal, at, audit_git_timeouts, scenario, ts  # noqa: E402


def spread_burst_late_return(j, base):
    """A WAN/tunnel break: five users' long sockets end over 1.8 s (0.45 s apart,
    written seconds 0,0,1,1,2) and they come back 71-79 s later (past the 60 s
    reconnect window). t3attr: NO drops at all (no one-second span holds 5
    teardowns, so no burst; long graceful closes with no reconnect are "users
    leaving"). Attribution.swift burstHit (5 within [s, s+1 s])."""
    users = ["alice", "bob", "carol", "dave", "frank"]
    for i, u in enumerate(users):
        j.dispatch(at(base, -7000 + 33 * i), "ws open user=%s ip=81.2.69.%d, 172.68.1.%d" % (u, 140 + i, 7 + i), pid=2290)
    for i, u in enumerate(users):
        j.dispatch(at(base, 0.3 + 0.45 * i), "ws close user=%s ip=81.2.69.%d, 172.68.1.%d dur_ms=%d cause=graceful"
                   % (u, 140 + i, 7 + i, 7000300 - 33000 * i + 450 * i), pid=2290, expect=("edge", "burst"))
    for i, u in enumerate(users):
        j.dispatch(at(base, 71 + 2 * i), "ws open user=%s ip=81.2.69.%d, 172.68.1.%d" % (u, 140 + i, 9 + i), pid=2290)


def straddling_pair(j, base):
    """Two users' sockets end 0.2 s apart across a second boundary, both reconnect.
    t3attr: client/isolated_drop for both (rule 8 counts teardowns in the same
    written calendar second, `teardowns[ev.writtenSecond]`, while the burst rule
    uses a sliding [s, s+1 s] span). Expected: neither is alone."""
    for i, u in enumerate(["alice", "bob"]):
        j.dispatch(at(base, -3000 + i), "ws open user=%s ip=198.51.100.%d" % (u, 4 + i), pid=812)
    j.dispatch(at(base, 0.9), "ws close user=alice ip=198.51.100.4 dur_ms=3000900 cause=graceful", pid=812,
               expect=("unknown", "below_burst_threshold"))
    j.dispatch(at(base, 1.1), "ws close user=bob ip=198.51.100.5 dur_ms=3000100 cause=graceful", pid=812,
               expect=("unknown", "below_burst_threshold"))
    j.dispatch(at(base, 5), "ws open user=alice ip=198.51.100.4", pid=812)
    j.dispatch(at(base, 6), "ws open user=bob ip=198.51.100.5", pid=812)


def one_users_tabs(j, base):
    """dave's five tabs lose their sockets in one second, nobody else drops, all
    reconnect. Not a burst (one user), so the user's own last mile. t3attr:
    unknown/below_burst_threshold (rule 8 counts teardowns, not users)."""
    for k in range(5):
        j.dispatch(at(base, -3000 + k), "ws open user=dave ip=203.0.113.40", pid=812)
    j.dispatch(at(base, -2000), "ws open user=alice ip=198.51.100.4", pid=812)
    for k in range(5):
        j.dispatch(at(base, 0.1 + 0.1 * k), "ws close user=dave ip=203.0.113.40 dur_ms=%d cause=graceful" % (3000100 - 1000 * k),
                   pid=812, expect=("client", "isolated_drop"))
    for k in range(5):
        j.dispatch(at(base, 6 + k), "ws open user=dave ip=203.0.113.40", pid=812)


def reconnect_before_close(j, base):
    """A half-open socket: grace's phone loses its network; her browser's
    heartbeat gives up after 20 s and reconnects at +21 s; her serve's ping times
    out at +30 s and closes the old socket, which dispatch logs then. The `ws open`
    comes BEFORE the `ws close`. t3attr: NO drop (a long graceful close with no
    later `ws open` is "a user leaving")."""
    j.dispatch(at(base, -1800), "ws open user=grace ip=100.64.17.9, 172.71.4.2", pid=812)
    j.dispatch(at(base, 21), "ws open user=grace ip=100.64.40.2, 172.71.4.2", pid=812)
    j.serve(at(base, 30), "grace", "WebSocket ping timed out after 30000ms, closing client connection", "WARN")
    j.dispatch(at(base, 30.01), "ws close user=grace ip=100.64.17.9, 172.71.4.2 dur_ms=1830010 cause=graceful", pid=812,
               expect=("client", "isolated_drop"))


def suppressed_mid_burst(j, base):
    """journald's rate limit suppressed 11873 dispatch lines in the 30 s around
    four users' teardowns in one second: the rest of the burst may be missing.
    t3attr: unknown/below_burst_threshold; expected unknown/journal_suppressed
    (the README applies journal_suppressed only to client/edge verdicts; the
    missing evidence here is exactly the suppressed lines)."""
    for i, u in enumerate(["alice", "bob", "carol", "dave"]):
        j.dispatch(at(base, -2000 + 20 * i), "ws open user=%s ip=203.0.113.%d" % (u, 60 + i), pid=5120)
    for k in range(40):
        j.dispatch(at(base, -8) + 0.1 * k, "http: proxy error: context canceled", pid=5120)
    for i, u in enumerate(["alice", "bob", "carol", "dave"]):
        j.dispatch(at(base, 0.2 + 0.2 * i), "ws close user=%s ip=203.0.113.%d dur_ms=%d cause=graceful" % (u, 60 + i, 2000000 + 19800 * i),
                   pid=5120, expect=("unknown", "journal_suppressed"))
    j.journald_suppressed(at(base, 22), "t3-dispatch.service", 11873, 5120)
    for i, u in enumerate(["alice", "bob", "carol", "dave"]):
        j.dispatch(at(base, 24 + i), "ws open user=%s ip=203.0.113.%d" % (u, 60 + i), pid=5120)


def global_oom_kills_dispatch(j, base):
    """The global OOM killer (CONSTRAINT_NONE, global_oom) picks t3-dispatch;
    systemd restarts it 5 s later. t3attr: dispatch/dispatch_outage (rule 1b
    comes before the host-OOM rules). Expected: devvm/oom_kill, the host ran out
    of memory and dispatch was its victim."""
    j.dispatch(at(base, -600), "ws open user=alice ip=203.0.113.1", pid=3100)
    k = at(base, 0)
    j.kernel(k, "cc1plus invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0", "4")
    j.kernel(k + 0.01, "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/system.slice/t3-dispatch.service,task=t3-dispatch,pid=3100,uid=1000", "6")
    j.kernel(k + 0.02, "Out of memory: Killed process 3100 (t3-dispatch) total-vm:2123456kB, anon-rss:1800000kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:4000kB oom_score_adj:0", "3")
    j.pid1(k + 0.1, DUNIT, "%s: A process of this unit has been killed by the OOM killer." % DUNIT, "oom")
    j.expected.append({"realtime_usec": ts(k + 0.1), "verdict": "devvm", "reason": "oom_kill",
                       "message": "%s: A process of this unit has been killed by the OOM killer." % DUNIT})
    j.pid1(k + 0.11, DUNIT, "%s: Main process exited, code=killed, status=9/KILL" % DUNIT, "exited")
    j.pid1(k + 0.12, DUNIT, "%s: Failed with result 'oom-kill'." % DUNIT, "failed")
    j.pid1(k + 5.2, DUNIT, "%s: Scheduled restart job, restart counter is at 1." % DUNIT, "restart")
    j.pid1(k + 5.21, DUNIT, "Started %s - %s." % (DUNIT, DDESC), "started")
    j.dispatch(k + 5.3, "t3-dispatch listening on :3780", pid=3101, expect=("devvm", "oom_kill"))
    j.dispatch(k + 9, "ws open user=alice ip=203.0.113.1", pid=3101)


def quiet_host(j, base):
    """A quiet host at night (only cron, every 45 s) and one user's 20 s heartbeat
    drop. t3attr: devvm/host_gap (45 s without entries >= --gap 30 s). Doubtful
    rather than wrong: the README defines a gap this way; a freeze would also show
    lagged receive times or kernel stall lines, a quiet host shows neither."""
    t = at(base, -600)
    while t < at(base, 600):
        j.unit_line(t, "cron.service", "CRON", "(root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)",
                    pid=7500, comm="cron", transport="syslog")
        t += 45
    j.dispatch(at(base, -20), "ws open user=bob ip=198.51.100.4", pid=812)
    j.dispatch(at(base, 0), "ws close user=bob ip=198.51.100.4 dur_ms=20000 cause=graceful", pid=812, expect=("client", "isolated_drop"))
    j.dispatch(at(base, 4), "ws open user=bob ip=198.51.100.4", pid=812)


def clock_step_back():
    """Git timeouts in two serves, then NTP steps the clock back 40 s, then a
    five-user burst 20 s (real time) after the timeouts: its stamps are 20 s
    BEFORE theirs (journald's monotonic time keeps the real order, same boot).
    t3attr: edge/burst, and clock_went_back 0 (the step falls between two
    dispatch lines 6000 s apart, and serve lines are compared by realtime:
    Attribution.judge's host window is [t - 120 s, t + 5 s] of written time).
    Expected: devvm/serve_timeouts."""
    j = Journal()
    j.sort = False
    base = "2026-06-21 08:00:00"
    step = 40
    users = ["alice", "bob", "dave", "erin", "frank"]
    pre = Journal()
    pre.boot_start = j.boot_start = ts(at(base, -7200))
    pre.filler(at(base, -900), at(base, -10))
    for i, u in enumerate(users):
        pre.dispatch(at(base, -6000 + i), "ws open user=%s ip=203.0.113.%d" % (u, 20 + i), pid=8120)
    audit_git_timeouts(pre, at(base, -20), "carol")
    audit_git_timeouts(pre, at(base, -17), "grace")
    post = Journal()
    post.boot_start = j.boot_start - step * 1_000_000  # the monotonic clock does not step
    post.unit_line(at(base, -10 - step), "systemd-timesyncd.service", "systemd-timesyncd",
                   "Contacted time server 10.0.20.1:123 (ntp.viktorbarzin.lan).", pid=420, uid=997, comm="systemd-timesyn")
    post.filler(at(base, -9 - step), at(base, 600 - step))
    for i, u in enumerate(users):
        post.dispatch(at(base, 0.1 + 0.15 * i - step), "ws close user=%s ip=203.0.113.%d dur_ms=%d cause=graceful" % (u, 20 + i, 6000100 - 850 * i),
                      pid=8120, expect=("devvm", "serve_timeouts"))
    for i, u in enumerate(users):
        post.dispatch(at(base, 15 + i - step), "ws open user=%s ip=203.0.113.%d" % (u, 20 + i), pid=8120)
    j.entries = sorted(pre.entries, key=lambda e: e[0]) + sorted(post.entries, key=lambda e: e[0])
    j.expected = pre.expected + post.expected
    return j


CASES = {
    "disagree-spread-burst-late-return": scenario(spread_burst_late_return, "2026-06-20 17:00:00", span_before=7100),
    "disagree-straddling-pair": scenario(straddling_pair, "2026-06-20 17:00:00", span_before=3100),
    "disagree-one-users-tabs": scenario(one_users_tabs, "2026-06-20 17:00:00", span_before=3100),
    "disagree-reconnect-before-close": scenario(reconnect_before_close, "2026-06-20 17:00:00", span_before=1900),
    "disagree-suppressed-mid-burst": scenario(suppressed_mid_burst, "2026-06-20 15:00:00", span_before=2100),
    "disagree-global-oom-kills-dispatch": scenario(global_oom_kills_dispatch, "2026-06-20 17:00:00"),
    "disagree-quiet-host": scenario(quiet_host, "2026-06-20 03:00:00", filler=False),
    "disagree-clock-step-back": clock_step_back,
}


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, make in CASES.items():
        j = make()
        with open(os.path.join(out, name + ".export"), "wb") as f:
            f.write(j.export())
        with open(os.path.join(out, name + ".expected.json"), "w") as f:
            json.dump(sorted(j.expected, key=lambda e: e["realtime_usec"]), f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
