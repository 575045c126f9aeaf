import Testing

@testable import Classifiers

/// 2026-06-10T21:00:00Z and 21:15:00Z, microseconds.
private let start: UInt64 = 1_781_125_200 * 1_000_000
private let drop: UInt64 = start + 15 * 60 * 1_000_000
private let step: UInt64 = 15_000_000

/// A series sampled every 15 s for 30 minutes; `at` overrides the value in [drop, drop + len).
private func series(_ labels: [String: String], base: Double, at: Double? = nil, len: UInt64 = 30_000_000) -> MetricSeries {
    MetricSeries(
        labels: labels,
        samples: (0..<120).map { i in
            let t = start + UInt64(i) * step
            return MetricSample(time: t, value: (at != nil && t >= drop && t < drop + len) ? at! : base)
        })
}

private func leg(_ l: String) -> [String: String] { ["job": "t3-probe", "leg": l] }

/// Probe data for one case: which legs drop (and why), the t3serve p99, memory/io pressure, swap.
private func data(
    dropped: [(String, String)] = [], rtt: Double? = nil, memory: Double? = nil, io: Double? = nil,
    swapFallBytes: Double? = nil
) -> ProbeSeries {
    var s = ProbeSeries()
    s.series[.connected] = ProbeLeg.allCases.map { l in
        series(leg(l.rawValue), base: 1, at: dropped.contains { $0.0 == l.rawValue } ? 0 : nil)
    }
    s.series[.disconnects] = dropped.map { (l, reason) in
        series(leg(l).merging(["reason": reason]) { a, _ in a }, base: 0, at: 1, len: 60_000_000)
    }
    s.series[.t3serveRTT] = [series(["leg": "t3serve"], base: 0.05, at: rtt)]
    let node = ["instance": "devvm", "job": "devvm"]
    s.series[.memoryPressure] = [series(node, base: 0.001, at: memory)]
    s.series[.ioPressure] = [series(node, base: 0.01, at: io)]
    s.series[.swapFree] = [series(node, base: 8e9, at: swapFallBytes.map { 8e9 - $0 })]
    return s
}

private func assess(_ d: ProbeSeries) -> ProbeAssessment {
    ProbeEvaluator.assess(d, from: drop - 60_000_000, to: drop + 60_000_000)
}

@Suite("the runbook's attribution table (section 1 and 3) on probe values")
struct ProbeEvidenceTests {
    // One row per line of the runbook's table, plus the rules for pressure.
    @Test(
        "attribution table",
        arguments: [
            // cloudflare drops, internal clean → Cloudflare edge / QUIC tunnel / WAN
            ("cloudflare drops, internal clean", data(dropped: [("cloudflare", "io_error")]), ProbeFinding.cloudflareOnly, Verdict?.some(.edge)),
            // both WS legs drop together → Traefik, dispatch, or devvm reachability
            ("both WS legs drop together", data(dropped: [("cloudflare", "closed_closed"), ("internal", "closed_closed")]), .bothWebSocketLegs, nil),
            // t3serve RTT spikes → the user's t3 serve stalled
            ("t3serve RTT spikes", data(rtt: 12), .serveStalled, .serve),
            // t3serve timeouts → the user's t3 serve stalled
            ("t3serve times out", data(dropped: [("t3serve", "rtt_timeout")]), .serveStalled, .serve),
            // memory pressure above threshold → devvm (section 3), even with every leg up
            ("memory pressure", data(memory: 0.4), .devvmPressure, .devvm),
            ("IO pressure", data(io: 0.6), .devvmPressure, .devvm),
            ("free swap falling fast", data(swapFallBytes: 2e9), .devvmPressure, .devvm),
            // pressure wins over the legs it explains
            (
                "pressure with both legs and t3serve down",
                data(dropped: [("cloudflare", "rtt_timeout"), ("internal", "rtt_timeout"), ("t3serve", "connect_timeout")], memory: 0.5),
                .devvmPressure, .devvm
            ),
            // all legs clean while the user dropped → last mile / device, infra exonerated
            ("all legs clean, pressure low", data(), .infraClean, .client),
            // not in the table: only the internal leg
            ("internal only", data(dropped: [("internal", "connect_failed")]), .internalOnly, nil),
        ])
    func table(_ name: String, _ d: ProbeSeries, _ finding: ProbeFinding, _ verdict: Verdict?) {
        let a = assess(d)
        #expect(a.finding == finding, "\(name)")
        #expect(a.finding.verdict == verdict, "\(name)")
    }

    @Test func cloudflareOnlyEvidenceNamesMetricLabelsValueTime() throws {
        let a = assess(data(dropped: [("cloudflare", "io_error")]))
        #expect(a.leg(.cloudflare)?.dropped == true && a.leg(.cloudflare)?.reasons == ["io_error"])
        #expect(a.leg(.internal)?.dropped == false)
        let inc = try #require(a.evidence.first { $0.query == .disconnects })
        #expect(inc.metric == "t3probe_disconnects_total" && inc.labels["leg"] == "cloudflare" && inc.labels["reason"] == "io_error")
        #expect(inc.value == 1 && inc.time == drop)
        let down = try #require(a.evidence.first { $0.query == .connected })
        #expect(down.value == 0 && down.time == drop && down.metric == "t3probe_connected")
    }

    @Test func pressureEvidenceAndPeaks() throws {
        let a = assess(data(memory: 0.4, io: 0.05))
        #expect(a.memoryPressureMax == 0.4 && a.ioPressureMax == 0.05)
        #expect(a.evidence.map(\.query) == [.memoryPressure])
        #expect(a.evidence.first?.labels["instance"] == "devvm")
    }

    @Test("thresholds: pressure at or under 10 % is not a storm; rtt under 1 s is not a spike")
    func thresholds() {
        #expect(assess(data(rtt: 0.9, memory: 0.10, io: 0.09)).finding == .infraClean)
        #expect(assess(data(swapFallBytes: 100e6)).finding == .infraClean)
        var t = ProbeThresholds()
        t.memoryPressure = 0.05
        #expect(ProbeEvaluator.assess(data(memory: 0.06), from: drop, to: drop + 1, thresholds: t).finding == .devvmPressure)
    }

    @Test("a drop outside the span is not seen")
    func outsideSpan() {
        let a = ProbeEvaluator.assess(data(dropped: [("cloudflare", "io_error")]), from: start, to: drop - 5 * 60_000_000)
        #expect(a.finding == .infraClean)
    }

    @Test("increase samples up to the rate window after the span still count (they look back)")
    func lookback() {
        var d = data()
        d.series[.disconnects] = [
            MetricSeries(
                labels: leg("cloudflare").merging(["reason": "io_error"]) { a, _ in a },
                samples: [MetricSample(time: drop + 30_000_000, value: 1)])
        ]
        #expect(ProbeEvaluator.assess(d, from: drop - 60_000_000, to: drop).finding == .cloudflareOnly)
        d.rateWindow = 10_000_000
        #expect(ProbeEvaluator.assess(d, from: drop - 60_000_000, to: drop).finding != .cloudflareOnly)
    }

    @Test("missing series: no exoneration, and the reason is kept")
    func missingSeries() {
        var d = data()
        d.series[.ioPressure] = nil
        d.missing[.ioPressure] = "HTTP 503"
        let a = assess(d)
        #expect(a.finding == .inconclusive)
        #expect(a.missing[.ioPressure] == "HTTP 503")
        var e = data(dropped: [("cloudflare", "io_error")])
        e.series[.swapFree] = []
        let b = assess(e)
        #expect(b.finding == .cloudflareOnly)
        #expect(b.missing[.swapFree] == "no series")
        #expect(assess(ProbeSeries()).finding == .inconclusive)
    }

    @Test("NaN (histogram_quantile with no observations) is no data, not a spike")
    func nan() {
        let a = assess(data(rtt: .nan))
        #expect(a.finding == .infraClean)
        #expect(a.t3serveRTTMax == 0.05)
    }
}
