/// The runbook's first stop, as pure functions: from the t3-probe's three legs and devvm's pressure
/// series (fetched from Prometheus elsewhere), what happened around a drop or a burst
/// (runbook sections 1 and 3, field guide 6.4 and 6.5, issue 14). Values in, a typed finding out.

/// One time series as Prometheus returns it: its labels and its (time, value) samples.
public struct MetricSeries: Sendable, Equatable {
    public var labels: [String: String]
    public var samples: [MetricSample]

    public init(labels: [String: String], samples: [MetricSample]) {
        self.labels = labels
        self.samples = samples
    }
}

public struct MetricSample: Sendable, Equatable {
    /// Microseconds since the epoch (like a journal entry's realtime).
    public var time: UInt64
    public var value: Double

    public init(time: UInt64, value: Double) {
        self.time = time
        self.value = value
    }
}

/// The probe's legs (field guide 6.4: `stacks/t3code/probe.py`).
public enum ProbeLeg: String, Sendable, Codable, CaseIterable {
    /// WebSocket via public DNS, WAN, Cloudflare's edge, the tunnel, Traefik, dispatch.
    case cloudflare
    /// The same WebSocket pinned to Traefik's LB (10.0.20.203): no Cloudflare.
    case `internal`
    /// HTTP GET straight to one serve on devvm:3773 every 10 s.
    case t3serve
}

/// The queries one evaluation needs; each may be missing (failed or no series).
public enum ProbeQuery: String, Sendable, Codable, CaseIterable {
    /// `t3probe_connected{leg}` (gauge).
    case connected
    /// `increase(t3probe_disconnects_total[R])` by leg and reason.
    case disconnects
    /// p99 of `t3probe_rtt_seconds` for the t3serve leg, from its buckets.
    case t3serveRTT = "t3serve_rtt"
    /// `rate(node_pressure_memory_stalled_seconds_total[R])`: the fraction of time all tasks stalled on memory.
    case memoryPressure = "memory_pressure"
    /// `rate(node_pressure_io_stalled_seconds_total[R])`.
    case ioPressure = "io_pressure"
    /// `node_memory_SwapFree_bytes`.
    case swapFree = "swap_free"

    /// The metric name an evidence entry names.
    public var metric: String {
        switch self {
        case .connected: "t3probe_connected"
        case .disconnects: "t3probe_disconnects_total"
        case .t3serveRTT: "t3probe_rtt_seconds"
        case .memoryPressure: "node_pressure_memory_stalled_seconds_total"
        case .ioPressure: "node_pressure_io_stalled_seconds_total"
        case .swapFree: "node_memory_SwapFree_bytes"
        }
    }
}

/// What was fetched for one window: each query's series, and why a query has none.
public struct ProbeSeries: Sendable, Equatable {
    public var series: [ProbeQuery: [MetricSeries]]
    /// Queries that failed or returned no series, with a one-line reason (for the report's notes).
    public var missing: [ProbeQuery: String]
    /// The range `[R]` the increase and rate queries looked back over, microseconds: a sample at
    /// time t covers (t - R, t].
    public var rateWindow: UInt64
    /// The query step the samples are spaced by, microseconds.
    public var step: UInt64

    public init(
        series: [ProbeQuery: [MetricSeries]] = [:], missing: [ProbeQuery: String] = [:],
        rateWindow: UInt64 = 60_000_000, step: UInt64 = 15_000_000
    ) {
        self.series = series
        self.missing = missing
        self.rateWindow = rateWindow
        self.step = step
    }

    public subscript(_ q: ProbeQuery) -> [MetricSeries] { series[q] ?? [] }
    public func has(_ q: ProbeQuery) -> Bool { !(series[q] ?? []).isEmpty }
}

/// Thresholds (documented in the README with the `--prometheus` option).
public struct ProbeThresholds: Sendable, Equatable {
    /// Fraction of time stalled on memory (PSI "full": every non-idle task waited) above which devvm
    /// was starved. 0.10 = 100 ms per second: far above an idle box, well below the multi-10 s freezes.
    public var memoryPressure = 0.10
    /// The same for IO.
    public var ioPressure = 0.10
    /// A fall of free swap within the span, bytes, that shows a swap storm (an agent being paged out).
    public var swapFall = 256.0 * 1024 * 1024
    /// t3serve p99 round trip, seconds, above which the serve's event loop stalled (the probe's
    /// buckets run from 0.05 to 20 s; a healthy GET answers in milliseconds).
    public var t3serveRTT = 1.0

    public init() {}
}

/// One value from Prometheus that supports a finding.
public struct MetricEvidence: Sendable, Equatable {
    public var query: ProbeQuery
    public var metric: String
    public var labels: [String: String]
    public var value: Double
    /// Microseconds since the epoch.
    public var time: UInt64

    public init(query: ProbeQuery, labels: [String: String], value: Double, time: UInt64) {
        self.query = query
        self.metric = query.metric
        self.labels = labels
        self.value = value
        self.time = time
    }
}

/// A leg's state over the span.
public struct LegState: Sendable, Equatable {
    public var leg: ProbeLeg
    /// nil when neither the connected nor the disconnect series had data for this leg.
    public var dropped: Bool?
    /// Disconnect reasons seen (`connect_failed`, `rtt_timeout`, `closed_<type>`, `http_<code>`, ...), sorted.
    public var reasons: [String]
    public var evidence: [MetricEvidence]
}

/// The runbook's attribution table (section 1, with section 3), as a closed set.
public enum ProbeFinding: String, Sendable, Codable, CaseIterable {
    /// Memory or IO pressure above threshold (or free swap falling fast): devvm, even with no OOM
    /// line and no journal gap.
    case devvmPressure = "devvm_pressure"
    /// Both WebSocket legs dropped together: Traefik, dispatch or devvm reachability. The journal
    /// (a dispatch restart, a host gap) decides between them; with both quiet it is `edge` naming Traefik.
    case bothWebSocketLegs = "both_ws_legs"
    /// The t3serve leg timed out, dropped or its round trip spiked: that serve stalled.
    case serveStalled = "serve_stalled"
    /// The cloudflare leg dropped while the internal leg stayed up: Cloudflare edge, QUIC tunnel or WAN.
    case cloudflareOnly = "cloudflare_only"
    /// Only the internal leg dropped: the path to Traefik's LB, not Cloudflare (not in the runbook's
    /// table; the leg table calls it Traefik / dispatch / devvm network).
    case internalOnly = "internal_only"
    /// Every leg up and pressure low: infra is exonerated with data; the user's last mile or device.
    case infraClean = "infra_clean"
    /// Some series were missing and nothing else was found: no conclusion from the probe.
    case inconclusive

    /// The verdict the runbook gives, when the probe alone decides it. `bothWebSocketLegs` needs the
    /// journal (dispatch or devvm or Traefik), `internalOnly` and `inconclusive` give none.
    public var verdict: Verdict? {
        switch self {
        case .devvmPressure: .devvm
        case .serveStalled: .serve
        case .cloudflareOnly: .edge
        case .infraClean: .client
        case .bothWebSocketLegs, .internalOnly, .inconclusive: nil
        }
    }
}

/// The probe's answer for one span.
public struct ProbeAssessment: Sendable, Equatable {
    public var from: UInt64
    public var to: UInt64
    public var finding: ProbeFinding
    public var legs: [LegState]
    /// Highest t3serve p99 round trip in the span, seconds (nil: no data).
    public var t3serveRTTMax: Double?
    public var memoryPressureMax: Double?
    public var ioPressureMax: Double?
    /// Largest fall of free swap within the span, bytes (nil: no data).
    public var swapFall: Double?
    /// The values the finding rests on: the dropped legs' samples, the pressure peaks, the rtt peak.
    public var evidence: [MetricEvidence]
    /// Queries without data, with the reason (from `ProbeSeries.missing` or "no samples in the span").
    public var missing: [ProbeQuery: String]

    public func leg(_ l: ProbeLeg) -> LegState? { legs.first { $0.leg == l } }
}

public enum ProbeEvaluator {
    /// Evaluates `[from, to]` (microseconds; the caller adds its window around a drop or burst).
    /// Gauges are read inside the span; increase and rate samples up to `rateWindow` after it too,
    /// since each looks back over its range.
    public static func assess(
        _ data: ProbeSeries, from: UInt64, to: UInt64,
        thresholds: ProbeThresholds = ProbeThresholds()
    ) -> ProbeAssessment {
        var missing = data.missing
        func inSpan(_ q: ProbeQuery, lookback: Bool) -> [MetricSeries]? {
            guard data.has(q) else {
                if missing[q] == nil { missing[q] = "no series" }
                return nil
            }
            let end = lookback ? to &+ data.rateWindow : to
            let s = data[q].map {
                MetricSeries(labels: $0.labels, samples: $0.samples.filter { $0.time >= from && $0.time <= end && !$0.value.isNaN })
            }
            if s.allSatisfy({ $0.samples.isEmpty }) {
                missing[q] = missing[q] ?? "no samples in the span"
                return nil
            }
            return s
        }
        let connected = inSpan(.connected, lookback: false)
        let disconnects = inSpan(.disconnects, lookback: true)

        var legs: [LegState] = []
        for leg in ProbeLeg.allCases {
            var state = LegState(leg: leg, dropped: nil, reasons: [], evidence: [])
            for s in (connected ?? []) where s.labels["leg"] == leg.rawValue && !s.samples.isEmpty {
                state.dropped = state.dropped ?? false
                if let zero = s.samples.first(where: { $0.value == 0 }) {
                    state.dropped = true
                    state.evidence.append(MetricEvidence(query: .connected, labels: s.labels, value: zero.value, time: zero.time))
                }
            }
            var reasons = Set<String>()
            for s in (disconnects ?? []) where s.labels["leg"] == leg.rawValue && !s.samples.isEmpty {
                state.dropped = state.dropped ?? false
                if let peak = s.samples.max(by: { $0.value < $1.value }), peak.value > 0 {
                    state.dropped = true
                    if let r = s.labels["reason"] { reasons.insert(r) }
                    state.evidence.append(MetricEvidence(query: .disconnects, labels: s.labels, value: peak.value, time: peak.time))
                }
            }
            state.reasons = reasons.sorted()
            legs.append(state)
        }

        var evidence: [MetricEvidence] = []
        func peak(_ q: ProbeQuery, lookback: Bool) -> (Double, MetricEvidence)? {
            guard let ss = inSpan(q, lookback: lookback) else { return nil }
            var best: MetricEvidence?
            for s in ss {
                for p in s.samples {
                    if let b = best, p.value <= b.value { continue }
                    best = MetricEvidence(query: q, labels: s.labels, value: p.value, time: p.time)
                }
            }
            return best.map { ($0.value, $0) }
        }
        let rtt = peak(.t3serveRTT, lookback: true)
        let mem = peak(.memoryPressure, lookback: true)
        let io = peak(.ioPressure, lookback: true)

        // Largest fall of free swap: the running maximum minus each later value, per series.
        var swapFall: (Double, MetricEvidence)?
        for s in inSpan(.swapFree, lookback: false) ?? [] {
            var high = -Double.infinity
            for p in s.samples {
                high = max(high, p.value)
                if let f = swapFall, high - p.value <= f.0 { continue }
                swapFall = (high - p.value, MetricEvidence(query: .swapFree, labels: s.labels, value: p.value, time: p.time))
            }
        }

        let memHigh = mem.map { $0.0 > thresholds.memoryPressure } ?? false
        let ioHigh = io.map { $0.0 > thresholds.ioPressure } ?? false
        let swapHigh = swapFall.map { $0.0 >= thresholds.swapFall } ?? false
        let rttHigh = rtt.map { $0.0 >= thresholds.t3serveRTT } ?? false
        let dropped = { (l: ProbeLeg) in legs.first { $0.leg == l }?.dropped }

        let finding: ProbeFinding
        if memHigh || ioHigh || swapHigh {
            finding = .devvmPressure
            if memHigh, let m = mem { evidence.append(m.1) }
            if ioHigh, let i = io { evidence.append(i.1) }
            if swapHigh, let s = swapFall { evidence.append(s.1) }
        } else if dropped(.cloudflare) == true && dropped(.internal) == true {
            finding = .bothWebSocketLegs
        } else if dropped(.t3serve) == true || rttHigh {
            finding = .serveStalled
        } else if dropped(.cloudflare) == true && dropped(.internal) == false {
            finding = .cloudflareOnly
        } else if dropped(.internal) == true && dropped(.cloudflare) == false {
            finding = .internalOnly
        } else if legs.allSatisfy({ $0.dropped == false }) && mem != nil && io != nil {
            finding = .infraClean
        } else {
            finding = .inconclusive
        }
        switch finding {
        case .bothWebSocketLegs:
            evidence += legs.filter { $0.leg != .t3serve }.flatMap(\.evidence)
        case .serveStalled:
            evidence += legs.first { $0.leg == .t3serve }?.evidence ?? []
            if rttHigh, let r = rtt { evidence.append(r.1) }
        case .cloudflareOnly:
            evidence += legs.first { $0.leg == .cloudflare }?.evidence ?? []
        case .internalOnly:
            evidence += legs.first { $0.leg == .internal }?.evidence ?? []
        case .infraClean:
            // The proof that infra was fine: each leg's last connected sample and the pressure peaks.
            for s in connected ?? [] {
                if let last = s.samples.last {
                    evidence.append(MetricEvidence(query: .connected, labels: s.labels, value: last.value, time: last.time))
                }
            }
            if let m = mem { evidence.append(m.1) }
            if let i = io { evidence.append(i.1) }
        case .devvmPressure, .inconclusive:
            break
        }
        return ProbeAssessment(
            from: from, to: to, finding: finding, legs: legs, t3serveRTTMax: rtt?.0,
            memoryPressureMax: mem?.0, ioPressureMax: io?.0, swapFall: swapFall?.0,
            evidence: evidence, missing: missing)
    }
}
