import Foundation
import TestSupport
import Testing

@testable import Classifiers
@testable import t3attr

private let table = ["--dispatch-table", Fixtures.path("dispatch.json"), "--no-pager", "--color", "never"]
private let scenario = "scenario-long-window"

/// Verdicts in the order a long report lists their incidents.
private let rank = ["devvm": 0, "dispatch": 1, "edge": 2, "serve": 3, "client": 4, "unknown": 5]
private let infra: Set<String> = ["devvm", "dispatch", "edge", "serve"]

private func report(_ args: [String]) throws -> String {
    let r = try Fixtures.t3attr(["report", "--file", try Fixtures.journal(scenario)] + table + args)
    guard r.status == 0 else { throw Fixtures.Missing(description: "t3attr failed (\(r.status)): \(r.stderr)") }
    return r.stdout
}

private func objects(_ args: [String] = [], type: String) throws -> [[String: Any]] {
    try Fixtures.ndjson(try report(["-o", "json"] + args)).filter { $0["type"] as? String == type }
}

/// The incident table's rows: from the line after its column header to the next `-- ` line.
private func incidentRows(_ lines: [String]) throws -> [String] {
    let header = try #require(lines.firstIndex { $0.hasPrefix("#") && $0.contains("START") && $0.contains("EVIDENCE") })
    return Array(lines[(header + 1)...].prefix { !$0.hasPrefix("-- ") }).filter { !$0.hasPrefix(" ") }
}

/// The drop table's rows (after its `TIME ` header).
private func dropRows(_ lines: [String]) -> [String] {
    guard let header = lines.firstIndex(where: { $0.hasPrefix("TIME ") }) else { return [] }
    return lines[(header + 1)...].prefix { !$0.hasPrefix("-- ") }.filter { $0.hasPrefix("2026-") }
}

private func cells(_ row: String) -> [String] { row.split(separator: " ").map(String.init) }

/// Issue 15, "long windows": a ten-hour journal with 82 drops in 64 incidents, four of them infrastructure's.
@Suite("long windows: incidents first, per-drop rows only when few or with --drops, a per-hour histogram")
struct LongWindowTests {
    @Test("the table leads with the answer and the incidents, infrastructure first, one-drop incidents grouped")
    func incidentsFirst() throws {
        let lines = try report([]).split(separator: "\n").map(String.init)
        #expect(lines[1].hasPrefix("82 drops: 53 client, 19 edge, 1 serve, 2 dispatch, 7 unknown"), "\(lines[1])")
        #expect(lines[2] == "-- 64 incidents, 4 implicating infrastructure (listed first)")
        let rows = try incidentRows(lines)
        let verdicts = rows.map { cells($0)[3] }
        #expect(verdicts == ["dispatch", "edge", "edge", "serve", "client", "unknown"], "\(rows.joined(separator: "\n"))")
        #expect(verdicts.map { rank[$0]! } == verdicts.map { rank[$0]! }.sorted())
        #expect(rows[4].contains("53 single-drop incidents client/isolated_cancel"), "\(rows[4])")
        #expect(cells(rows[4])[0] == "-" && cells(rows[4])[5] == "53")
        #expect(rows[5].contains("7 single-drop incidents unknown/downstream_unconfirmed"))
        // Incidents, then bursts, then the histogram; no per-drop rows (82 > 50), a line says so.
        let order = ["-- 64 incidents", "-- 2 bursts", "-- drops per hour", "-- 82 drops without a row of their own"].map { p in
            lines.firstIndex { $0.hasPrefix(p) } ?? -1
        }
        #expect(!order.contains(-1) && order == order.sorted(), "\(order)")
        #expect(dropRows(lines).isEmpty)
        #expect(!lines.contains { $0.hasPrefix("TIME ") })
    }

    @Test("--drops shows every drop and every incident on its own row; -v lists each incident too")
    func dropsFlag() throws {
        let lines = try report(["--drops"]).split(separator: "\n").map(String.init)
        let json = try objects(type: "drop")
        #expect(json.count == 82)
        let rows = dropRows(lines)
        #expect(rows.count == json.count)
        #expect(Set(rows.map { cells($0)[0] }) == Set(json.map { ($0["time"] as! String).prefix(23) + "Z" }))
        #expect(try incidentRows(lines).count == 64)
        #expect(!lines.contains { $0.contains("single-drop incidents") })
        let verbose = try report(["-v"]).split(separator: "\n").map(String.init)
        #expect(try incidentRows(verbose).count == 64)
        #expect(dropRows(verbose).isEmpty, "-v alone does not bring the drop rows back")
    }

    /// At most `ReportLayout.dropRowsMax` (50) drops: every drop has a row; 51: none.
    @Test("per-drop rows up to 50 drops, none past that")
    func threshold() throws {
        let times = try objects(type: "drop").map { $0["realtime_usec"] as! Int }.sorted()
        for (n, shown) in [(50, true), (51, false)] {
            // Half-way between the n-th drop and the next (they are minutes apart).
            let until = "@\((times[n - 1] + times[n]) / 2 / 1_000_000)"
            let json = try objects(["--until", until], type: "drop")
            try #require(json.count == n, "the window holds \(n) drops")
            let lines = try report(["--until", until]).split(separator: "\n").map(String.init)
            #expect(dropRows(lines).count == (shown ? n : 0), "\(n) drops")
            #expect(lines.contains("-- \(n) drops without a row of their own (more than 50 drops: --drops lists every drop)") == !shown)
        }
    }

    @Test("the histogram's counts are the drops', per hour and verdict, in JSON, the table and markdown")
    func histogram() throws {
        let drops = try objects(type: "drop")
        var want: [String: [String: Int]] = [:]
        for d in drops { want[String((d["time"] as! String).prefix(13)), default: [:]][d["verdict"] as! String, default: 0] += 1 }
        let hours = try objects(type: "hour")
        #expect(hours.count == 10, "18:00 .. 03:00, the quiet hours included")
        var got: [String: [String: Int]] = [:]
        for h in hours where (h["drops"] as! Int) > 0 {
            let counts = h["by_verdict"] as! [String: Int]
            #expect(counts.values.reduce(0, +) == h["drops"] as! Int)
            got[String((h["time"] as! String).prefix(13))] = counts
        }
        #expect(got == want)
        #expect(hours.map { $0["drops"] as! Int }.reduce(0, +) == drops.count)
        #expect(hours.filter { ($0["drops"] as! Int) == 0 }.map { $0["time"] as! String } == ["2026-06-21T01:00:00Z", "2026-06-21T02:00:00Z"])

        // The table: one line per hour with drops (its total, then its counts per verdict); the quiet hours as one line.
        let lines = try report([]).split(separator: "\n").map(String.init)
        let start = try #require(lines.firstIndex { $0.hasPrefix("-- drops per hour (UTC)") })
        let rows = lines[(start + 1)...].prefix { !$0.hasPrefix("-- ") }
        #expect(rows.count == 9)
        var perHour: [String: [String: Int]] = [:]
        for r in rows where !r.contains("(no drops for 2 hours)") {
            let hour = String(r.prefix(13)).replacingOccurrences(of: " ", with: "T")
            let c = cells(r)
            var counts: [String: Int] = [:]
            for part in r.split(separator: "█").last!.split(separator: ",") {
                let kv = part.split(separator: " ")
                counts[String(kv[1])] = Int(kv[0])
            }
            #expect(Int(c[2]) == counts.values.reduce(0, +), "\(r)")
            perHour[hour] = counts
        }
        #expect(perHour == want)
        // The busiest hour has the full bar.
        let busiest = try #require(rows.max { $0.filter { $0 == "█" }.count < $1.filter { $0 == "█" }.count })
        #expect(busiest.hasPrefix("2026-06-20 21:00 19 "), "\(busiest)")

        let md = try report(["-o", "markdown"]).split(separator: "\n").map(String.init)
        let mdStart = try #require(md.firstIndex(of: "## Drops per hour (UTC)"))
        let mdRows = md[(mdStart + 3)...].prefix { $0.hasPrefix("| ") }
        #expect(mdRows.map { String($0.dropFirst(2).prefix(13)).replacingOccurrences(of: " ", with: "T") }.sorted() == want.keys.sorted())

        // A short window has none.
        let short = try Fixtures.t3attr(["report", "--file", try Fixtures.journal("scenario-serve-oom"), "-o", "json"] + table)
        #expect(!short.stdout.contains("\"type\":\"hour\""))
    }

    @Test("--local: the histogram's hours are local ones (a half-hour zone moves every drop), counts unchanged")
    func localHours() throws {
        let r = try Fixtures.t3attr(
            ["report", "--file", try Fixtures.journal(scenario), "--local"] + table, env: ["TZ": "Asia/Kolkata"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let start = try #require(lines.firstIndex { $0.hasPrefix("-- drops per hour (local time, Asia/Kolkata), 11 hours") }, "\(r.stdout)")
        let rows = lines[(start + 1)...].prefix { !$0.hasPrefix("-- ") }
        // 18:02 UTC is 23:32 in UTC+05:30; 20:00 UTC's burst is in 01:00's hour.
        #expect(rows.first?.hasPrefix("2026-06-20 23:00 6 ") == true, "\(rows)")
        #expect(rows.contains { $0.hasPrefix("2026-06-21 01:00 14 ") && $0.hasSuffix("7 edge, 6 client, 1 unknown") }, "\(rows)")
        #expect(rows.compactMap { Int(cells($0)[2]) }.reduce(0, +) == 82)
    }

    @Test("markdown: incidents and histogram, then per-drop detail only for infrastructure's incidents")
    func markdown() throws {
        let drops = try objects(type: "drop")
        let infraDrops = drops.filter { infra.contains($0["verdict"] as! String) }
        #expect(infraDrops.count == 22)
        let md = try report(["-o", "markdown"]).split(separator: "\n").map(String.init)
        let sections = md.filter { $0.hasPrefix("## ") }
        #expect(
            sections.prefix(6) == [
                "## Verdicts", "## Incidents", "## Bursts", "## Drops per hour (UTC)", "## Drops of incidents that implicate infrastructure",
                "## Request errors",
            ], "\(sections)")
        let start = try #require(md.firstIndex(of: "## Drops of incidents that implicate infrastructure"))
        let rows = md[(start + 3)...].prefix { $0.hasPrefix("| ") }
        #expect(rows.count == infraDrops.count)
        for r in rows {
            let verdict = r.split(separator: "|")[4].trimmingCharacters(in: [" ", "*"])
            #expect(infra.contains(verdict), "\(r)")
        }
        #expect(md.contains { $0.hasPrefix("60 drops of incidents that do not implicate infrastructure (client, unknown) are not listed") })
        // The evidence section holds only the listed drops' lines: no client drop's.
        #expect(!md.contains { $0.contains("user=henry") })
        // --drops: the whole drop table.
        let all = try report(["-o", "markdown", "--drops"]).split(separator: "\n").map(String.init)
        let allStart = try #require(all.firstIndex(of: "## Drops"))
        #expect(all[(allStart + 3)...].prefix { $0.hasPrefix("| ") }.count == drops.count)
    }

    @Test("-v: evidence once per incident, not under each drop, +N more where cut")
    func verboseEvidence() throws {
        let lines = try report(["-v", "--drops"]).split(separator: "\n").map(String.init)
        let evidence = lines.filter { $0.hasPrefix("      <- ") && $0.contains("[cursor ") }
        #expect(!evidence.isEmpty)
        let cursors = evidence.map { $0[$0.range(of: "[cursor ")!.upperBound...] }
        #expect(Set(cursors).count == cursors.count, "every evidence line once")
        // All of it sits under incident rows, none under the drop rows.
        let dropHeader = try #require(lines.firstIndex { $0.hasPrefix("TIME ") })
        #expect(!lines[dropHeader...].contains { $0.hasPrefix("      <- ") })
        // The twelve-user burst: 8 lines, then "+1 more".
        let burst = try #require(lines.firstIndex { $0.contains(" edge ") && $0.contains("p01,p02,p03,+9") })
        #expect(lines[(burst + 1)...(burst + 8)].allSatisfy { $0.hasPrefix("      <- 20") })
        #expect(lines[burst + 9] == "      <- +1 more")
    }
}

/// How a long report's incident list is laid out, on plain values: one-drop
/// incidents grouped per host, verdict and reason, after the incidents of
/// several drops, infrastructure first.
@Suite("incident rows of a long report")
struct IncidentRowTests {
    static func incident(_ id: Int, host: String, _ verdict: Verdict, _ reason: Reason, at start: UInt64, drops: Int = 1, user: String)
        -> Incident
    {
        Incident(
            id: id, host: host, start: start, end: start + 1, verdict: verdict, reason: reason, users: [user], drops: drops,
            basis: .evidence, evidence: [])
    }

    @Test func singlesAreGroupedPerHostVerdictAndReason() {
        var layout = ReportLayout()
        layout.groupSingles = true
        layout.infraFirst = true
        let incidents = [
            Self.incident(0, host: "a", .client, .isolatedCancel, at: 10, user: "u1"),
            Self.incident(1, host: "b", .client, .isolatedCancel, at: 20, user: "u2"),
            Self.incident(2, host: "a", .client, .isolatedCancel, at: 30, user: "u3"),
            Self.incident(3, host: "a", .edge, .burst, at: 40, drops: 6, user: "u4"),
            Self.incident(4, host: "b", .client, .isolatedCancel, at: 50, user: "u1"),
            Self.incident(5, host: "b", .serve, .oomKill, at: 60, user: "u5"),
        ]
        let rows = layout.incidentRows(incidents)
        func describe(_ r: IncidentRow) -> String {
            switch r {
            case .one(let i): "one \(i.id)"
            case .group(let g): "group \(g.host ?? "-") \(g.verdict.rawValue)/\(g.reason.rawValue) \(g.count) \(g.start)-\(g.end) \(g.users)"
            }
        }
        #expect(
            rows.map(describe) == [
                "one 3", "one 5", "group a client/isolated_cancel 2 10-31 [\"u1\", \"u3\"]",
                "group b client/isolated_cancel 2 20-51 [\"u1\", \"u2\"]",
            ])
        // Without grouping, every incident is its own row, in the order given when not ranked.
        layout.groupSingles = false
        layout.infraFirst = false
        #expect(layout.incidentRows(incidents).map(describe) == (0..<6).map { "one \($0)" })
    }
}
