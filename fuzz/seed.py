#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora from the fixtures: every MESSAGE of every
Tests/Fixtures/*.export (messages), and the time syntax examples (timespec)."""
import glob, hashlib, os, struct, sys
here = os.path.dirname(os.path.abspath(__file__))
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus")

def put(kind, data):
    d = os.path.join(out, kind)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()[:16]), "wb") as f:
        f.write(data)

for path in glob.glob(os.path.join(here, "..", "Tests", "Fixtures", "*.export")):
    data = open(path, "rb").read()
    # stream: whole entries (export), and the same as journalctl -o json would give.
    for entry in data.split(b"\n\n")[:40]:
        if entry and b"\x00" not in entry:
            put("stream", entry + b"\n\n")
            fields = [l.split(b"=", 1) for l in entry.split(b"\n") if b"=" in l]
            put("stream", b"{" + b",".join(b'"%s":"%s"' % (k, v.replace(b"\\", b"\\\\").replace(b'"', b'\\"')) for k, v in fields) + b"}\n")
    i = 0
    while i < len(data):
        nl = data.find(b"\n", i)
        if nl < 0:
            break
        line = data[i:nl]
        if b"=" in line:
            if line.startswith(b"MESSAGE="):
                put("messages", line[8:])
            i = nl + 1
        elif line:  # binary field: NAME\n<le64 size><data>\n
            n = struct.unpack("<Q", data[nl + 1:nl + 9])[0]
            if line == b"MESSAGE":
                put("messages", data[nl + 9:nl + 9 + n])
            i = nl + 9 + n + 1
        else:
            i = nl + 1
for t in ["-1h", "1h ago", "1 hour ago", "1h30m ago", "today", "yesterday", "now", "21:00", "21:00:00.5",
          "2026-06-10 21:00:00.123456 UTC", "Jun 10 21:00:00", "@1781125200", "1h", "30min", "2d",
          "2026-06-10T21:00:00Z", "2026-06-10T23:00:00+02:00", "Wed 2026-06-10 21:00", "2026-06-10 21:00 Europe/Berlin",
          "+3h", "5 min left", "26-06-10"]:
    put("timespec", t.encode())
for s in [b"__REALTIME_TIMESTAMP=abc\nMESSAGE=x\n\n", b"MESSAGE\n\x03\x00\x00\x00\x00\x00\x00\x00a\nb\n\n",
          b"_BOOT_ID=zz\nMESSAGE=x\n\n", b'{"A\\nB":"y","MESSAGE":[1,2,3]}\n', b"__CURSOR=s=1;i=2\nMESSAGE=x\n",
          b"MESSAGE=" + b"x" * 100]:
    put("stream", s)
