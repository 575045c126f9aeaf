import Analysis
import Classifiers
import Foundation
import TestSupport
import Testing

/// The fixtures' range (tools/prom-fixtures.py): 2026-06-10 21:00:00Z to 21:20:00Z, incident at 21:10:00Z.
private let start: UInt64 = 1_781_125_200 * 1_000_000
private let end: UInt64 = start + 20 * 60 * 1_000_000
private let incident: UInt64 = start + 10 * 60 * 1_000_000
private let minute: UInt64 = 60_000_000

/// Fetches the whole fixture range once, then assesses the incident ± 2 minutes.
private func assessFixture(_ name: String) throws -> (ProbeAssessment, [ProbeQuery: PrometheusError]) {
    let server = try PrometheusServer.start(fixture: name)
    defer { server.stop() }
    let fetcher = ProbeFetcher(client: try PrometheusClient(url: server.url))
    let (series, errors) = fetcher.fetch(start: start, end: end)
    return (ProbeEvaluator.assess(series, from: incident - 2 * minute, to: incident + 2 * minute), errors)
}

@Suite("Prometheus: the runbook's table against a real server over OpenMetrics fixtures", .serialized)
struct PrometheusFixtureTests {
    @Test("cloudflare leg drops, internal clean → edge")
    func cloudflareOnly() throws {
        let (a, errors) = try assessFixture("cloudflare-only")
        #expect(errors.isEmpty)
        #expect(a.finding == .cloudflareOnly && a.finding.verdict == .edge)
        #expect(a.leg(.cloudflare)?.reasons == ["closed_closed"])
        #expect(a.leg(.internal)?.dropped == false && a.leg(.t3serve)?.dropped == false)
        let down = try #require(a.evidence.first { $0.query == .connected })
        #expect(down.labels["leg"] == "cloudflare" && down.value == 0 && down.time == incident)
        let inc = try #require(a.evidence.first { $0.query == .disconnects })
        #expect(inc.labels["reason"] == "closed_closed" && inc.value >= 1)
    }

    @Test("both WebSocket legs drop together → Traefik / dispatch / devvm reachability")
    func bothLegs() throws {
        let (a, _) = try assessFixture("both-legs")
        #expect(a.finding == .bothWebSocketLegs && a.finding.verdict == nil)
        #expect(a.leg(.cloudflare)?.reasons == ["rtt_timeout"] && a.leg(.internal)?.reasons == ["rtt_timeout"])
        #expect(Set(a.evidence.compactMap { $0.labels["leg"] }) == ["cloudflare", "internal"])
    }

    @Test("t3serve round trip spikes (p99 from the histogram's buckets) → serve stalled")
    func t3serveStall() throws {
        let (a, _) = try assessFixture("t3serve-stall")
        #expect(a.finding == .serveStalled && a.finding.verdict == .serve)
        let rtt = try #require(a.t3serveRTTMax)
        #expect(rtt > 5 && rtt <= 10)  // observations of 8 s fall in the (5, 10] bucket
        #expect(a.evidence.contains { $0.query == .t3serveRTT && $0.metric == "t3probe_rtt_seconds" })
    }

    @Test("memory and IO pressure storm, swap falling → devvm, with every leg up")
    func pressureStorm() throws {
        let (a, _) = try assessFixture("pressure-storm")
        #expect(a.finding == .devvmPressure && a.finding.verdict == .devvm)
        #expect((a.memoryPressureMax ?? 0) > 0.5 && (a.ioPressureMax ?? 0) > 0.7)
        #expect((a.swapFall ?? 0) >= 2_900_000_000)
        #expect(Set(a.evidence.map(\.query)) == [.memoryPressure, .ioPressure, .swapFree])
        #expect(a.evidence.allSatisfy { $0.labels["instance"] == "devvm" })
        #expect(a.legs.allSatisfy { $0.dropped == false })
    }

    @Test("all legs clean, pressure low → client, infra exonerated with data")
    func allClean() throws {
        let (a, errors) = try assessFixture("all-clean")
        #expect(a.finding == .infraClean && a.finding.verdict == .client)
        // No disconnect series exist until a first disconnect: said, not fatal.
        #expect(errors[.disconnects] == .emptySeries(query: ProbeQueries.promQL(.disconnects, rateWindow: minute)))
        #expect(errors.count == 1)
        #expect(a.evidence.filter { $0.query == .connected }.count == 3)
        #expect((a.memoryPressureMax ?? 1) < 0.01)
    }

    @Test("the same data outside the incident's span is clean")
    func outsideTheSpan() throws {
        let server = try PrometheusServer.start(fixture: "cloudflare-only")
        defer { server.stop() }
        let (series, _) = ProbeFetcher(client: try PrometheusClient(url: server.url)).fetch(start: start, end: end)
        #expect(ProbeEvaluator.assess(series, from: start, to: incident - 3 * minute).finding == .infraClean)
    }

    @Test("the query step is the data's scrape interval, read from the stored samples")
    func stepFromData() throws {
        let server = try PrometheusServer.start(fixture: "pressure-storm")
        defer { server.stop() }
        let client = try PrometheusClient(url: server.url)
        #expect(try client.sampleInterval(of: #"t3probe_connected{job="t3-probe"}"#, at: end, lookback: 10 * minute) == 15_000_000)
        #expect(try client.sampleInterval(of: "no_such_metric", at: end, lookback: 10 * minute) == nil)
        let (auto, _) = ProbeFetcher(client: client, defaultStep: 60_000_000).fetch(start: start, end: end)
        #expect(auto.step == 15_000_000 && auto.rateWindow == minute)
        #expect(auto[.swapFree].first?.samples.count == 81)
        // A step the caller sets is used as given; the rate window grows to four steps.
        let (fixed, _) = ProbeFetcher(client: client, step: 30_000_000).fetch(start: start, end: end)
        #expect(fixed.step == 30_000_000 && fixed.rateWindow == 2 * minute)
        #expect(fixed[.swapFree].first?.samples.count == 41)
    }

    @Test("a range longer than Prometheus' 11,000 points is fetched in pieces, samples joined once")
    func pieces() throws {
        let server = try PrometheusServer.start(fixture: "cloudflare-only")
        defer { server.stop() }
        var client = try PrometheusClient(url: server.url)
        client.maxPointsPerRequest = 7
        let q = ProbeQueries.promQL(.connected, rateWindow: minute)
        let chunked = try client.queryRange(q, start: start, end: end, step: 15_000_000)
        client.maxPointsPerRequest = 10_000
        let whole = try client.queryRange(q, start: start, end: end, step: 15_000_000)
        #expect(chunked == whole)
        #expect(whole.first?.samples.count == 81)
    }

    @Test("a query Prometheus rejects → .api; a metric nobody has → .emptySeries")
    func apiErrors() throws {
        let server = try PrometheusServer.start(fixture: "all-clean")
        defer { server.stop() }
        let client = try PrometheusClient(url: server.url)
        #expect {
            _ = try client.queryRange("t3probe_connected{", start: start, end: end, step: 15_000_000)
        } throws: { e in
            guard case .api(let type, _)? = e as? PrometheusError else { return false }
            return type == "bad_data"
        }
        #expect(throws: PrometheusError.emptySeries(query: "no_such_metric")) {
            _ = try client.queryRange("no_such_metric", start: start, end: end, step: 15_000_000)
        }
        // Label selectors are the caller's: a wrong instance gives no series, named per query.
        let other = ProbeFetcher(client: client, selectors: ProbeSelectors(node: #"instance="elsewhere""#))
        let (series, errors) = other.fetch(start: start, end: end)
        #expect(errors[.memoryPressure] != nil && errors[.connected] == nil)
        #expect(ProbeEvaluator.assess(series, from: incident - minute, to: incident + minute).finding == .inconclusive)
    }
}

@Suite("Prometheus client failures are typed values, quickly", .serialized)
struct PrometheusFailureTests {
    @Test("malformed URL → .badURL (a usage error)", arguments: ["prometheus:9090", "ftp://x", "http://", "", "http://h:9090/?q=1", "not a url"])
    func badURL(_ url: String) {
        #expect(throws: PrometheusError.badURL(url)) { _ = try PrometheusClient(url: url) }
    }

    @Test("nothing listening → .unreachable, quickly, and the other queries are not tried")
    func unreachable() throws {
        let port = try PrometheusServer.freePort()
        let fetcher = ProbeFetcher(client: try PrometheusClient(url: "http://127.0.0.1:\(port)"))
        let began = Date()
        let (series, errors) = fetcher.fetch(start: start, end: end)
        #expect(Date().timeIntervalSince(began) < 3)
        #expect(errors.count == ProbeQuery.allCases.count)
        guard case .unreachable? = errors[.connected] else {
            Issue.record("\(String(describing: errors[.connected]))")
            return
        }
        #expect(series.missing.count == ProbeQuery.allCases.count)
        #expect(ProbeEvaluator.assess(series, from: start, to: end).finding == .inconclusive)
    }

    @Test("a server that accepts and never answers → .timeout within the deadline, never a hang")
    func silent() throws {
        let listener = try SilentListener()
        defer { listener.stop() }
        let client = try PrometheusClient(url: listener.url, connectTimeout: 1, overallTimeout: 2)
        let began = Date()
        #expect {
            _ = try client.queryRange("up", start: start, end: end, step: 15_000_000)
        } throws: { e in
            guard case .timeout? = e as? PrometheusError else { return false }
            return true
        }
        #expect(Date().timeIntervalSince(began) < 4)
    }

    @Test("an HTTP server that is not Prometheus: 404 → .http, 200 with HTML → .malformedResponse")
    func notPrometheus() throws {
        let server = try PlainHTTPServer(files: ["index.html": "<html>hello</html>"])
        defer { server.stop() }
        let client = try PrometheusClient(url: server.url)
        #expect {
            _ = try client.queryRange("up", start: start, end: end, step: 15_000_000)
        } throws: { e in
            guard case .http(let status, _, _)? = e as? PrometheusError else { return false }
            return status == 404
        }
        let html = try PlainHTTPServer(files: ["api/v1/query_range": "<html>login</html>"])
        defer { html.stop() }
        #expect {
            _ = try PrometheusClient(url: html.url).queryRange("up", start: start, end: end, step: 15_000_000)
        } throws: { e in
            guard case .malformedResponse? = e as? PrometheusError else { return false }
            return true
        }
        // The fetcher stops after a server failure: one request, six notes.
        let (_, errors) = ProbeFetcher(client: client).fetch(start: start, end: end)
        #expect(errors.count == ProbeQuery.allCases.count && errors.values.allSatisfy { if case .http = $0 { true } else { false } })
    }
}
