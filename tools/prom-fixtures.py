#!/usr/bin/env python3
"""Writes the OpenMetrics fixtures under Tests/Fixtures/prometheus/ (issue 14): 20 minutes of the
t3-probe's legs and devvm's node_exporter series, scraped every 15 s from 2026-06-10T21:00:00Z, with
one incident at 21:10:00Z. One file per case of the runbook's attribution table. The tests turn them
into TSDB blocks with `promtool tsdb create-blocks-from openmetrics`.

    python3 tools/prom-fixtures.py          # (re)write the fixtures
    python3 tools/prom-fixtures.py --check  # fail if a committed fixture differs
"""
import calendar, os, sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "prometheus")
T0 = calendar.timegm((2026, 6, 10, 21, 0, 0))
EVENT = T0 + 10 * 60
STEP = 15
N = 80  # 20 minutes
LEGS = ["cloudflare", "internal", "t3serve"]
BUCKETS = ["0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "10.0", "20.0", "+Inf"]
PROBE = 'job="t3-probe"'
NODE = 'instance="devvm",job="devvm"'


def times():
    return [T0 + i * STEP for i in range(N)]


def during(t, start, length):
    return start <= t < start + length


def fixture(down=(), reasons=None, rtt_spike=False, storm=False):
    """down: legs whose connection drops at EVENT for 30 s; reasons: leg -> disconnect reason."""
    reasons = reasons or {}
    out = []
    out.append("# TYPE t3probe_connected gauge")
    out.append("# HELP t3probe_connected 1 while the leg is connected.")
    for leg in LEGS:
        for t in times():
            v = 0 if leg in down and during(t, EVENT, 30) else 1
            out.append(f't3probe_connected{{{PROBE},leg="{leg}"}} {v} {t}')
    if reasons:
        out.append("# TYPE t3probe_disconnects counter")
        for leg, reason in sorted(reasons.items()):
            for t in times():
                v = 1 if t >= EVENT else 0
                out.append(f't3probe_disconnects_total{{{PROBE},leg="{leg}",reason="{reason}"}} {v} {t}')
    # t3serve round trips: one GET per scrape, 20 ms normally; 8 s for two minutes in a stall.
    out.append("# TYPE t3probe_rtt_seconds histogram")
    counts = {b: 0 for b in BUCKETS}
    total, s = 0, 0.0
    for t in times():
        rtt = 8.0 if rtt_spike and during(t, EVENT, 120) else 0.02
        total += 1
        s += rtt
        for b in BUCKETS:
            if b == "+Inf" or rtt <= float(b):
                counts[b] += 1
        for b in BUCKETS:
            out.append(f't3probe_rtt_seconds_bucket{{{PROBE},le="{b}",leg="t3serve"}} {counts[b]} {t}')
        out.append(f't3probe_rtt_seconds_count{{{PROBE},leg="t3serve"}} {total} {t}')
        out.append(f't3probe_rtt_seconds_sum{{{PROBE},leg="t3serve"}} {s:.2f} {t}')
    # PSI "full" counters: 0.1 % / 1 % of the time stalled normally, 60 % / 80 % in a storm.
    for name, normal, high in (("memory", 0.001, 0.6), ("io", 0.01, 0.8)):
        out.append(f"# TYPE node_pressure_{name}_stalled_seconds counter")
        v = 1000.0
        for t in times():
            v += STEP * (high if storm and during(t, EVENT - 30, 150) else normal)
            out.append(f'node_pressure_{name}_stalled_seconds_total{{{NODE}}} {v:.3f} {t}')
    out.append("# TYPE node_memory_SwapFree_bytes gauge")
    for t in times():
        v = 8_000_000_000
        if storm and t >= EVENT - 30:
            v -= min(t - (EVENT - 30), 120) * 25_000_000  # 3 GB paged out in two minutes
        out.append(f'node_memory_SwapFree_bytes{{{NODE}}} {v} {t}')
    out.append("# EOF")
    return "\n".join(out) + "\n"


CASES = {
    # Runbook section 1: cloudflare drops, internal clean -> Cloudflare edge / QUIC tunnel / WAN.
    "cloudflare-only": fixture(down=["cloudflare"], reasons={"cloudflare": "closed_closed"}),
    # Both WS legs drop together -> Traefik, dispatch or devvm reachability.
    "both-legs": fixture(down=["cloudflare", "internal"], reasons={"cloudflare": "rtt_timeout", "internal": "rtt_timeout"}),
    # t3serve RTT spikes -> the serve stalled (no disconnect: the spike alone decides).
    "t3serve-stall": fixture(rtt_spike=True),
    # Section 3: memory + IO pressure storm and swap falling -> devvm.
    "pressure-storm": fixture(storm=True),
    # All legs clean, pressure low -> the user's last mile; infra exonerated. No disconnect series
    # at all (prometheus_client creates a labelled counter only when first incremented).
    "all-clean": fixture(),
}


def main():
    check = "--check" in sys.argv
    os.makedirs(ROOT, exist_ok=True)
    bad = []
    for name, text in CASES.items():
        path = os.path.join(ROOT, name + ".om")
        if check:
            if not os.path.exists(path) or open(path).read() != text:
                bad.append(path)
        else:
            with open(path, "w") as f:
                f.write(text)
    if bad:
        sys.exit("out of date (run python3 tools/prom-fixtures.py): " + ", ".join(bad))


if __name__ == "__main__":
    main()
