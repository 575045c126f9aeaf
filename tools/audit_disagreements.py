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
    "disagree-reconnect-before-close": scenario(reconnect_before_close, "2026-06-20 17:00:00", span_before=1900),
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
