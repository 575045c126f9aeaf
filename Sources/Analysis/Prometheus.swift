/// Prometheus' HTTP API (`/api/v1/query_range`) for the t3-probe's legs and devvm's pressure
/// (runbook sections 1 and 3, issue 14): the queries, a client with timeouts that never hangs,
/// and failures as typed values. What the series mean is decided in Classifiers (ProbeEvaluator).
import Classifiers
import Foundation
import JournalReader

/// Why a Prometheus query gave no series.
public enum PrometheusError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The URL given is not an absolute http(s) URL: a usage error.
    case badURL(String)
    /// Nothing answered: refused, no route, DNS failure, TLS failure.
    case unreachable(url: String, detail: String)
    /// No answer within the deadline (seconds).
    case timeout(url: String, seconds: Double)
    /// An HTTP error status whose body is not Prometheus' error JSON.
    case http(status: Int, url: String, body: String)
    /// Prometheus answered `"status":"error"` (a bad query, a too-long range, an overloaded server).
    case api(errorType: String, message: String)
    /// A 2xx answer that is not Prometheus' JSON (another server on that port, a proxy's login page).
    case malformedResponse(url: String, detail: String)
    /// The query ran and matched no series.
    case emptySeries(query: String)

    public var description: String {
        switch self {
        case .badURL(let u): "not an http(s) URL: \(u)"
        case .unreachable(let u, let d): "Prometheus at \(u) unreachable: \(d)"
        case .timeout(let u, let s): "Prometheus at \(u) did not answer within \(s) s"
        case .http(let status, let u, let body): "Prometheus at \(u) answered HTTP \(status): \(body)"
        case .api(let t, let m): "Prometheus query error (\(t)): \(m)"
        case .malformedResponse(let u, let d): "\(u) did not answer like Prometheus: \(d)"
        case .emptySeries(let q): "no series for \(q)"
        }
    }

    /// Failures that make every further query pointless (the server is not there or not Prometheus).
    public var isServerFailure: Bool {
        switch self {
        case .badURL, .unreachable, .timeout, .http, .malformedResponse: true
        case .api, .emptySeries: false
        }
    }
}

/// A synchronous client for `/api/v1/query_range`.
public struct PrometheusClient: Sendable {
    public let baseURL: URL
    /// `baseURL` as errors show it (without user and password).
    public var shownURL: String { redactedURL(baseURL.absoluteString) }
    /// Seconds without any progress (connecting, or a connected server that says nothing) before a
    /// request fails.
    public var connectTimeout: Double
    /// Hard deadline for one request, seconds: the request is cancelled and `.timeout` returned.
    public var overallTimeout: Double
    /// Prometheus refuses more than 11,000 points per series; longer ranges are fetched in pieces.
    public var maxPointsPerRequest = 10_000

    /// `url` is Prometheus' base URL (`http://prometheus:9090`, or with a path prefix behind a proxy).
    public init(url: String, connectTimeout: Double = 3, overallTimeout: Double = 15) throws(PrometheusError) {
        let trimmed = url.trimmingCharacters(in: .whitespaces)
        guard let u = URL(string: trimmed), let scheme = u.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = u.host, !host.isEmpty, u.query == nil, u.fragment == nil
        else { throw .badURL(redactedURL(url)) }
        self.baseURL = u
        self.connectTimeout = connectTimeout
        self.overallTimeout = overallTimeout
    }

    /// Runs `query` over `[start, end]` (microseconds since the epoch) at `step` (microseconds, at
    /// least one second). Series in Prometheus' order; samples of pieces joined.
    public func queryRange(_ query: String, start: UInt64, end: UInt64, step: UInt64) throws(PrometheusError) -> [MetricSeries] {
        let stepSeconds = max(1, step / 1_000_000)
        let startS = start / 1_000_000
        let endS = max(start, end) / 1_000_000
        let piece = stepSeconds * UInt64(max(1, maxPointsPerRequest - 1))
        var byLabels: [[String: String]: Int] = [:]
        var out: [MetricSeries] = []
        var from = startS
        while true {
            let to = min(endS, from + piece)
            for s in try queryRangeOnce(query, start: from, end: to, step: stepSeconds) {
                if let i = byLabels[s.labels] {
                    let last = out[i].samples.last?.time ?? 0
                    out[i].samples += s.samples.filter { $0.time > last }
                } else {
                    byLabels[s.labels] = out.count
                    out.append(s)
                }
            }
            if to >= endS { break }
            from = to + stepSeconds
        }
        if out.isEmpty { throw .emptySeries(query: query) }
        return out
    }

    func queryRangeOnce(_ query: String, start: UInt64, end: UInt64, step: UInt64) throws(PrometheusError) -> [MetricSeries] {
        try request("api/v1/query_range", [("query", query), ("start", String(start)), ("end", String(end)), ("step", "\(step)s")])
    }

    /// The spacing of the stored samples of `selector` (a series selector such as
    /// `t3probe_connected{job="t3-probe"}`) in the `lookback` (microseconds) before `at`: the median gap
    /// between consecutive samples, smallest over the series, in microseconds; nil with fewer than two
    /// samples. This is the data's scrape interval, which a query step must not exceed.
    public func sampleInterval(of selector: String, at: UInt64, lookback: UInt64) throws(PrometheusError) -> UInt64? {
        let range = "[\(max(1, lookback / 1_000_000))s]"
        let series = try request("api/v1/query", [("query", selector + range), ("time", String(at / 1_000_000))])
        var best: UInt64?
        for s in series where s.samples.count >= 2 {
            var gaps: [UInt64] = []
            for (a, b) in zip(s.samples, s.samples.dropFirst()) where b.time > a.time { gaps.append(b.time - a.time) }
            guard !gaps.isEmpty else { continue }
            let median = gaps.sorted()[gaps.count / 2]
            best = min(best ?? median, median)
        }
        return best
    }

    func request(_ path: String, _ items: [(String, String)]) throws(PrometheusError) -> [MetricSeries] {
        var c = URLComponents(url: baseURL.appendingPathComponent(path), resolvingAgainstBaseURL: false)
        c?.queryItems = items.map { URLQueryItem(name: $0.0, value: $0.1) }
        // `+` in a query string means a space to Prometheus' form parser.
        let encoded = c?.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        c?.percentEncodedQuery = encoded
        guard let url = c?.url else { throw .badURL(shownURL) }
        let (status, body) = try get(url)
        return try Self.decode(status: status, body: body, url: shownURL)
    }

    /// The largest answer read: a week of the few series asked for, at the step used, is far less.
    static let maxResponseBytes = 256 << 20

    /// One GET with both timeouts. Never waits past `overallTimeout`.
    func get(_ url: URL) throws(PrometheusError) -> (Int, Data) {
        var body = Data()
        var tooLarge = false
        let (head, failure) = HTTPGet.run(
            url.absoluteString, accept: "application/json",
            timeouts: .init(connect: connectTimeout, idle: connectTimeout, total: overallTimeout),
            body: {
                // An answer without end grew without bound until the timeout (7 GB in 15 s).
                guard body.count + $0.count <= Self.maxResponseBytes else {
                    tooLarge = true
                    return false
                }
                body.append(contentsOf: $0)
                return true
            })
        if tooLarge {
            throw .malformedResponse(url: shownURL, detail: "the answer is larger than \(Self.maxResponseBytes >> 20) MiB")
        }
        switch failure {
        case nil: return (head.status, body)
        case .timedOut(_, let took):
            throw .timeout(url: shownURL, seconds: took >= overallTimeout ? overallTimeout : connectTimeout)
        case .some(let f): throw .unreachable(url: shownURL, detail: f.text)
        }
    }

    /// Prometheus' answer: `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{...},
    /// "values":[[<unix seconds>,"<value>"],...]}]}}`, or `{"status":"error","errorType":...,"error":...}`.
    static func decode(status: Int, body: Data, url: String) throws(PrometheusError) -> [MetricSeries] {
        let parsed = try? JSONDecoder().decode(APIResponse.self, from: body)
        if let p = parsed, p.status == "error" {
            throw .api(errorType: p.errorType ?? "unknown", message: p.error ?? "")
        }
        guard (200..<300).contains(status) else {
            throw .http(status: status, url: url, body: Self.snippet(body))
        }
        guard let p = parsed else {
            throw .malformedResponse(url: url, detail: "not Prometheus API JSON: \(Self.snippet(body))")
        }
        guard p.status == "success", let data = p.data, data.resultType == "matrix", let result = data.result else {
            throw .malformedResponse(url: url, detail: "expected status success with a matrix, got status \(p.status)")
        }
        var out: [MetricSeries] = []
        for r in result {
            var samples: [MetricSample] = []
            samples.reserveCapacity(r.values.count)
            for v in r.values {
                guard v.time >= 0, let value = Double(v.value) ?? Self.special(v.value) else {
                    throw .malformedResponse(url: url, detail: "bad sample [\(v.time), \"\(v.value)\"]")
                }
                samples.append(MetricSample(time: UInt64((v.time * 1_000_000).rounded()), value: value))
            }
            out.append(MetricSeries(labels: r.metric, samples: samples))
        }
        return out
    }

    static func special(_ s: String) -> Double? {
        switch s {
        case "NaN": .nan
        case "+Inf", "Inf": .infinity
        case "-Inf": -.infinity
        default: nil
        }
    }

    static func snippet(_ d: Data) -> String {
        let s = String(decoding: d.prefix(200), as: UTF8.self)
        return s.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}

private struct APIResponse: Decodable {
    var status: String
    var errorType: String?
    var error: String?
    var data: Matrix?

    struct Matrix: Decodable {
        var resultType: String
        var result: [Series]?
    }

    struct Series: Decodable {
        var metric: [String: String]
        var values: [Point]
    }

    /// `[1781125200, "1"]` (the time may have a fraction: `1781125200.5`).
    struct Point: Decodable {
        var time: Double
        var value: String
        init(from decoder: Decoder) throws {
            var c = try decoder.unkeyedContainer()
            time = try c.decode(Double.self)
            value = try c.decode(String.self)
        }
    }
}

/// Label selectors for the probe and devvm's node_exporter, as PromQL matchers without braces.
/// The defaults are the runbook's: scrape job `t3-probe`, instance `devvm`.
public struct ProbeSelectors: Sendable, Equatable {
    public var probe: String
    public var node: String

    public static let defaultProbe = #"job="t3-probe""#
    public static let defaultNode = #"instance="devvm""#

    public init(probe: String = ProbeSelectors.defaultProbe, node: String = ProbeSelectors.defaultNode) {
        self.probe = probe
        self.node = node
    }
}

/// The PromQL for each `ProbeQuery` (runbook sections 1 and 3, over a short range so that a
/// drop's time survives).
public enum ProbeQueries {
    static let legs = #"leg=~"cloudflare|internal|t3serve""#

    /// `rateWindow` in whole seconds (at least two scrapes: 1m for a 15 s scrape interval).
    public static func promQL(_ q: ProbeQuery, selectors: ProbeSelectors = ProbeSelectors(), rateWindow: UInt64) -> String {
        let r = "[\(max(1, rateWindow / 1_000_000))s]"
        func sel(_ parts: String...) -> String { "{" + parts.filter { !$0.isEmpty }.joined(separator: ",") + "}" }
        switch q {
        case .connected:
            return "min by (leg) (t3probe_connected\(sel(selectors.probe, legs)))"
        case .disconnects:
            return "sum by (leg, reason) (increase(t3probe_disconnects_total\(sel(selectors.probe, legs))\(r)))"
        case .t3serveRTT:
            return "histogram_quantile(0.99, sum by (le) (rate(t3probe_rtt_seconds_bucket\(sel(selectors.probe, #"leg="t3serve""#))\(r))))"
        case .memoryPressure:
            return "rate(node_pressure_memory_stalled_seconds_total\(sel(selectors.node))\(r))"
        case .ioPressure:
            return "rate(node_pressure_io_stalled_seconds_total\(sel(selectors.node))\(r))"
        case .swapFree:
            return "node_memory_SwapFree_bytes\(sel(selectors.node))"
        }
    }
}

/// Fetches every probe query for one window, once: what the evaluator needs for every drop and
/// burst in it. A failure is a note, never fatal; once the server itself fails, the remaining
/// queries are not tried (no stacking of timeouts).
public struct ProbeFetcher: Sendable {
    public var client: PrometheusClient
    public var selectors: ProbeSelectors
    /// Query resolution, microseconds. nil: the data's own scrape interval (the smaller of the probe's
    /// and the node's, read from the stored samples), `defaultStep` when that cannot be read.
    public var step: UInt64?
    public var defaultStep: UInt64
    /// The range of increase() and rate(), microseconds (default 1 minute; at least 4 steps).
    public var rateWindow: UInt64

    public init(
        client: PrometheusClient, selectors: ProbeSelectors = ProbeSelectors(), step: UInt64? = nil,
        defaultStep: UInt64 = 15_000_000, rateWindow: UInt64 = 60_000_000
    ) {
        self.client = client
        self.selectors = selectors
        self.step = step
        self.defaultStep = defaultStep
        self.rateWindow = rateWindow
    }

    /// Series for `[start, end]` (microseconds), with the failures of the queries that have none.
    /// `series.step` and `series.rateWindow` say what was used.
    public func fetch(start: UInt64, end: UInt64) -> (series: ProbeSeries, errors: [ProbeQuery: PrometheusError]) {
        var errors: [ProbeQuery: PrometheusError] = [:]
        var serverFailure: PrometheusError?
        var step = self.step ?? defaultStep
        if self.step == nil {
            // Raw samples over at most the last 2 hours of the window.
            let lookback = min(max(end, start) - start, 7_200_000_000)
            var found: [UInt64] = []
            for sel in ["t3probe_connected{\(selectors.probe)}", "node_memory_SwapFree_bytes{\(selectors.node)}"] {
                do {
                    if let i = try client.sampleInterval(of: sel, at: end, lookback: max(lookback, 60_000_000)) { found.append(i) }
                } catch {
                    if error.isServerFailure {
                        serverFailure = error
                        break
                    }
                }
            }
            if let m = found.min() { step = max(1_000_000, m) }
        }
        var data = ProbeSeries(rateWindow: max(rateWindow, 4 * step), step: step)
        for q in ProbeQuery.allCases {
            if let f = serverFailure {
                errors[q] = f
                data.missing[q] = f.description
                continue
            }
            do {
                data.series[q] = try client.queryRange(
                    ProbeQueries.promQL(q, selectors: selectors, rateWindow: data.rateWindow),
                    start: start, end: end, step: step)
            } catch {
                errors[q] = error
                data.missing[q] = error.description
                if error.isServerFailure { serverFailure = error }
            }
        }
        return (data, errors)
    }
}
