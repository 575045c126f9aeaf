#!/usr/bin/env python3
"""Writes the Journal Export Format fixtures in Tests/Fixtures/.

    python3 tools/fixtures.py            # rewrite every *.export
    python3 tools/fixtures.py --check    # exit 1 if a committed file differs

The export text is what is committed and what the tests feed to
systemd-journal-remote; this script is how it was made, so a scenario can be
changed and regenerated. Field sets follow what journald 252 records for each
transport (field guide, section 5).
"""
import calendar
import hashlib
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Tests", "Fixtures")
MACHINE = "0f3a9c2e5b7d4e1f8a6b2c4d6e8f0a1b"
BOOT_A = "5ae0daad7495215b8541efb25e0e7cae"
BOOT_B = "9c1d2e3f40516273849506a7b8c9d0e1"
DISPATCH_MSGID = None
MSGID = {
    "coredump": "fc2e22bc6ee647b6b90729ab34a250b1",
    "oom": "fe6faa94e7774663a0da52717891d8ef",
    "exited": "98e322203f7a4ed290d09fe03c09fe15",
    "failed": "d9b373ed55a64feb8242e02dbe79a49c",
    "restart": "5eb03494b6584870a536b337290809b3",
    "stopping": "de5b426a63be47a7b6ac3eaac82e2f6f",
    "stopped": "9d1aaa27d60140bd96365438aad20286",
    "starting": "7d4958e842da4a758f6c1cdc7b36dcc5",
    "started": "39f53479d3a045ac8e11786248231fbf",
}


def ts(s):
    """'2026-06-10 21:00:00.250' (UTC) -> µs since the epoch."""
    if isinstance(s, (int, float)):
        return int(s * 1_000_000)
    whole, _, frac = s.partition(".")
    secs = calendar.timegm(__import__("time").strptime(whole, "%Y-%m-%d %H:%M:%S"))
    return secs * 1_000_000 + int((frac + "000000")[:6])


def go_prefix(us):
    t = __import__("time").gmtime(us // 1_000_000)
    return "%04d/%02d/%02d %02d:%02d:%02d " % t[:6]


def node_prefix(us):
    t = __import__("time").gmtime(us // 1_000_000)
    return "[%02d:%02d:%02d.%03d]" % (t[3], t[4], t[5], (us // 1000) % 1000)


class Journal:
    def __init__(self, host="devvm", boot=BOOT_A, boot_start=None):
        self.host = host
        self.boot = boot
        self.boot_start = boot_start
        self.entries = []
        self.sort = True

    def new_boot(self, boot, at):
        self.boot = boot
        self.boot_start = ts(at)

    def add(self, t, fields, source_us=None):
        us = ts(t)
        if self.boot_start is None:
            self.boot_start = us - 3_600_000_000
        f = {
            "__REALTIME_TIMESTAMP": str(us),
            "__MONOTONIC_TIMESTAMP": str(max(1, us - self.boot_start)),
            "_BOOT_ID": self.boot,
            "_MACHINE_ID": MACHINE,
            "_HOSTNAME": self.host,
        }
        if source_us is not None:
            f["_SOURCE_REALTIME_TIMESTAMP"] = str(source_us)
        f.update(fields)
        self.entries.append((us, len(self.entries), f))

    # -- sources -------------------------------------------------------------
    def dispatch(self, t, text, lag_ms=0, unit="t3-dispatch.service", pid=812):
        """A t3-dispatch line; Go's prefix is the write time (receive - lag)."""
        us = ts(t)
        written = us - lag_ms * 1000
        self.add(t, {
            "PRIORITY": "6", "SYSLOG_FACILITY": "3", "_TRANSPORT": "stdout",
            "_PID": str(pid), "_UID": "1000", "_GID": "1000", "_COMM": "t3-dispatch",
            "_EXE": "/usr/local/bin/t3-dispatch", "_SYSTEMD_CGROUP": "/system.slice/" + unit,
            "_SYSTEMD_UNIT": unit, "_SYSTEMD_SLICE": "system.slice",
            "SYSLOG_IDENTIFIER": "t3-dispatch", "_STREAM_ID": "1f2e3d4c5b6a79880123456789abcdef",
            "MESSAGE": go_prefix(written) + text,
        })

    def pid1(self, t, unit, text, msgid=None, extra=None):
        f = {
            "PRIORITY": "6", "SYSLOG_FACILITY": "3", "_TRANSPORT": "journal", "_PID": "1", "_UID": "0",
            "_GID": "0", "_COMM": "systemd", "_EXE": "/usr/lib/systemd/systemd",
            "_SYSTEMD_CGROUP": "/init.scope", "_SYSTEMD_UNIT": "init.scope", "_SYSTEMD_SLICE": "-.slice",
            "SYSLOG_IDENTIFIER": "systemd", "CODE_FILE": "src/core/unit.c", "UNIT": unit, "MESSAGE": text,
        }
        if msgid:
            f["MESSAGE_ID"] = MSGID.get(msgid, msgid)
        if extra:
            f.update(extra)
        self.add(t, f)

    def kernel(self, t, text, priority="6"):
        self.add(t, {"PRIORITY": priority, "SYSLOG_FACILITY": "0", "_TRANSPORT": "kernel",
                     "SYSLOG_IDENTIFIER": "kernel", "_SOURCE_MONOTONIC_TIMESTAMP": "1", "MESSAGE": text})

    def serve(self, t, user, text, level="INFO", pid=None):
        us = ts(t)
        unit = "t3-serve@%s.service" % user
        self.add(t, {
            "PRIORITY": "6", "SYSLOG_FACILITY": "3", "_TRANSPORT": "stdout",
            "_PID": str(pid or 2000 + sum(map(ord, user))), "_UID": "1001", "_GID": "1001", "_COMM": "node",
            "_SYSTEMD_CGROUP": "/system.slice/system-t3\\x2dserve.slice/" + unit,
            "_SYSTEMD_UNIT": unit, "_SYSTEMD_SLICE": "system-t3\\x2dserve.slice",
            "SYSLOG_IDENTIFIER": "t3", "MESSAGE": "%s %s (#%d): %s" % (node_prefix(us), level, 40 + len(user), text),
        })

    def unit_line(self, t, unit, ident, text, transport="stdout", pid=4242, uid=0, comm=None, extra=None):
        f = {"PRIORITY": "6", "SYSLOG_FACILITY": "3", "_TRANSPORT": transport, "_PID": str(pid),
             "_UID": str(uid), "_GID": str(uid), "_COMM": comm or ident, "_SYSTEMD_UNIT": unit,
             "_SYSTEMD_CGROUP": "/system.slice/" + unit, "SYSLOG_IDENTIFIER": ident, "MESSAGE": text}
        if extra:
            f.update(extra)
        self.add(t, f)

    def script(self, t, tag, text, stdout_lag_ms=3):
        """Host scripts log each line twice: logger (syslog) and stdout with a tag prefix."""
        us = ts(t)
        unit = tag + ".service"
        self.unit_line(t, unit, tag, text, transport="syslog", pid=5100, comm="logger",
                       extra={"SYSLOG_TIMESTAMP": "x"})
        self.entries[-1][2]["_SOURCE_REALTIME_TIMESTAMP"] = str(us)
        del self.entries[-1][2]["SYSLOG_TIMESTAMP"]
        self.unit_line(us / 1e6 + stdout_lag_ms / 1000, unit, tag, tag + ": " + text, pid=5099, comm="bash")

    def coredump(self, t, unit, text):
        self.add(t, {"PRIORITY": "2", "_TRANSPORT": "journal", "_PID": "7777", "_UID": "0", "_GID": "0",
                     "_COMM": "systemd-coredum", "_SYSTEMD_UNIT": "systemd-coredump@0-7777-0.service",
                     "SYSLOG_IDENTIFIER": "systemd-coredump", "MESSAGE_ID": MSGID["coredump"],
                     "COREDUMP_UNIT": unit, "MESSAGE": text})

    # -- output --------------------------------------------------------------
    def export(self):
        rows = sorted(self.entries, key=lambda e: (e[0], e[1])) if self.sort else self.entries
        out = bytearray()
        for _, _, f in rows:
            for k, v in f.items():
                b = v if isinstance(v, bytes) else v.encode("utf-8")
                if b"\n" in b or any(c < 0x20 and c not in (0x09,) for c in b):
                    out += k.encode() + b"\n" + struct.pack("<Q", len(b)) + b + b"\n"
                else:
                    out += k.encode() + b"=" + b + b"\n"
            out += b"\n"
        return bytes(out)


# -- scenarios ---------------------------------------------------------------

def dispatch_basic():
    """Every dispatch message shape, plus entries -u must and must not select."""
    j = Journal()
    d = "2026-06-10 20:"
    j.pid1(d + "00:00", "t3-dispatch.service", "Starting t3-dispatch.service - t3 dispatch proxy...", "starting")
    j.dispatch(d + "00:00.200", "t3-dispatch listening on :3780")
    j.pid1(d + "00:00.300", "t3-dispatch.service", "Started t3-dispatch.service - t3 dispatch proxy.", "started")
    j.dispatch(d + "00:05", "paired user=alice endpoint=/api/pair fallback=false")
    j.dispatch(d + "00:06", "ws open user=alice ip=203.0.113.7, 10.0.20.203")
    j.dispatch(d + "01:00", "http: proxy error: context canceled")
    j.dispatch(d + "02:00", "http: proxy error: dial tcp 127.0.0.1:3774: connect: connection refused")
    j.dispatch(d + "03:00", "http: proxy error: read tcp 127.0.0.1:41234->127.0.0.1:3773: read: connection reset by peer")
    j.dispatch(d + "03:30", "http: proxy error: read tcp 10.0.20.5:3780->10.0.20.203:51234: read: connection reset by peer")
    j.dispatch(d + "04:00", "http: proxy error: write tcp 127.0.0.1:41240->127.0.0.1:3775: write: broken pipe")
    j.dispatch(d + "05:00", "http: proxy error: EOF")
    j.dispatch(d + "05:30", "http: proxy error: unexpected EOF")
    j.dispatch(d + "06:00", "http: proxy error: dial tcp 127.0.0.1:3776: i/o timeout")
    j.dispatch(d + "06:30", "http: proxy error: tls: internal error")
    j.dispatch(d + "07:00", "ws close user=alice ip=203.0.113.7, 10.0.20.203 dur_ms=54000 cause=graceful")
    j.dispatch(d + "07:10", "ws open user=alice ip=203.0.113.7, 10.0.20.203")
    j.dispatch(d + "08:00", "ws close user=bob ip=198.51.100.4 dur_ms=1200 cause=downstream_closed")
    j.dispatch(d + "08:30", "ws close user=carol ip=198.51.100.9 dur_ms=300 cause=upstream_closed")
    j.dispatch(d + "09:00", "ws close user=bob ip=198.51.100.4 dur_ms=4200 cause=read tcp 127.0.0.1:41300->127.0.0.1:3774: read: connection reset by peer")
    j.dispatch(d + "10:00", "mint for dave failed: exit status 1")
    j.dispatch(d + "10:10", "pairing exchange for dave failed: context deadline exceeded")
    j.dispatch(d + "10:20", "pairing for erin returned 502 (endpoint=/api/pair)")
    j.dispatch(d + "11:00", "reload /etc/t3-serve/dispatch.json: unexpected end of JSON input")
    j.dispatch(d + "11:30", "upstream alice healthy")
    # A coredump of the dispatch (selected by -u through COREDUMP_UNIT + _UID=0 + MESSAGE_ID).
    j.coredump(d + "12:00", "t3-dispatch.service", "Process 812 (t3-dispatch) of user 1000 dumped core.")
    j.pid1(d + "12:00.100", "t3-dispatch.service", "t3-dispatch.service: Main process exited, code=dumped, status=11/SEGV", "exited")
    j.pid1(d + "12:00.200", "t3-dispatch.service", "t3-dispatch.service: Failed with result 'core-dump'.", "failed")
    j.pid1(d + "12:05", "t3-dispatch.service", "t3-dispatch.service: Scheduled restart job, restart counter is at 1.", "restart")
    j.dispatch(d + "12:05.300", "t3-dispatch listening on :3780", pid=9001)
    # OBJECT_SYSTEMD_UNIT from a root daemon: selected; from a user: not.
    j.unit_line(d + "13:00", "systemd-logind.service", "systemd-logind", "watching t3-dispatch", uid=0,
                extra={"OBJECT_SYSTEMD_UNIT": "t3-dispatch.service"})
    j.unit_line(d + "13:01", "evil.service", "evil", "claims to be about t3-dispatch", uid=1000,
                extra={"OBJECT_SYSTEMD_UNIT": "t3-dispatch.service"})
    # Not selected: another unit's proxy error, a user process faking UNIT=, kernel lines, serves.
    j.unit_line(d + "14:00", "tailscaled.service", "tailscaled", "http: proxy error: context canceled")
    j.unit_line(d + "14:01", "fake.service", "fake", "UNIT= without _PID=1", uid=1000, extra={"UNIT": "t3-dispatch.service"})
    j.kernel(d + "14:02", "[UFW BLOCK] IN=eth0 OUT= SRC=192.0.2.1 DST=10.0.20.5 PROTO=TCP DPT=3780")
    j.serve(d + "14:03", "alice", "Process 'git' in '/home/alice/code' timed out after 30000ms", "WARN")
    j.pid1(d + "14:04", "t3-serve@alice.service", "t3-serve@alice.service: State 'stop-sigterm' timed out. Killing.")
    j.pid1(d + "14:05", "t3-serve@bob.service", "Started t3-serve@bob.service - t3 serve for bob.", "started")
    j.dispatch(d + "20:00", "http: proxy error: context canceled")
    return j


SCENARIOS = {
    "dispatch-basic": dispatch_basic,
}


def main():
    check = "--check" in sys.argv
    bad = 0
    for name, fn in SCENARIOS.items():
        data = fn().export()
        path = os.path.join(OUT, name + ".export")
        if check:
            if not os.path.exists(path) or open(path, "rb").read() != data:
                print("differs: " + path)
                bad += 1
        else:
            with open(path, "wb") as f:
                f.write(data)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
