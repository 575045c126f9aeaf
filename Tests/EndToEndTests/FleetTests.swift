import Foundation
import TestSupport
import Testing

private let table = ["--dispatch-table", Fixtures.path("dispatch.json")]

/// A collector directory: one `remote-<host>.journal` per host, as
/// systemd-journal-remote --split-mode=host writes them.
private func fleetDirectory() throws -> String {
    let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("scenario-fleet.export"))), as: UTF8.self)
    var byHost: [String: [String]] = [:]
    for entry in text.components(separatedBy: "\n\n") where !entry.isEmpty {
        let host = entry.split(separator: "\n").first { $0.hasPrefix("_HOSTNAME=") }.map { String($0.dropFirst(10)) } ?? "?"
        byHost[host, default: []].append(entry)
    }
    let dir = try Fixtures.tempDir("t3attr-fleet")
    for (host, entries) in byHost {
        _ = try Fixtures.journal(
            exportText: Data((entries.joined(separator: "\n\n") + "\n\n").utf8), in: dir,
            fileName: "remote-\(host).journal")
    }
    return dir
}

@Suite("fleet directories: every verdict names its host, bursts and gaps are judged per host")
struct FleetTests {
    @Test func onlyTheHostWithABurstHasOne() throws {
        let dir = try fleetDirectory()
        let r = try Fixtures.t3attr(["report", "-D", dir, "-o", "json"] + table)
        #expect(r.status == 0, "\(r.stderr)")
        let objs = try Fixtures.ndjson(r.stdout)
        let drops = objs.filter { $0["type"] as? String == "drop" }
        #expect(drops.count == 9)
        #expect(drops.allSatisfy { ($0["host"] as? String)?.hasPrefix("devvm-") == true })
        let edge = drops.filter { $0["verdict"] as? String == "edge" }
        #expect(edge.count == 6 && edge.allSatisfy { $0["host"] as? String == "devvm-b" })
        let bursts = objs.filter { $0["type"] as? String == "burst" }
        #expect(bursts.count == 1 && bursts.first?["host"] as? String == "devvm-b")
        // Three isolated cancels in the same second on three hosts are not a burst.
        #expect(drops.filter { $0["host"] as? String != "devvm-b" && $0["verdict"] as? String == "client" }.count == 2)
        let summary = try #require(objs.last)
        #expect((summary["by_host"] as? [String: String])?.count == 3)
        // The table names the burst's host too (only JSON did).
        let t = try Fixtures.t3attr(["report", "-D", dir, "--color", "never"] + table)
        #expect(t.stdout.contains("\nHOST         SECOND "), "\(t.stdout)")
        #expect(t.stdout.contains("\ndevvm-b      2026-06-16T10:00:00Z  6 "), "\(t.stdout)")
    }

    /// Another machine's lines beside the dispatch host's (a node's kubelet
    /// every 5 s, its own boot), where that host runs no dispatch: the
    /// verdicts are the dispatch host's own, from a file, a stream, a
    /// directory of both, any `--jobs` (its lines filled the dispatch host's
    /// gaps, and each change of boot id between them was a reboot: 12 devvm).
    @Test func aHostWithoutDispatchLinesDoesNotMixIn() throws {
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("sample-incident.export"))), as: UTF8.self)
        let times = text.split(separator: "\n").compactMap { $0.hasPrefix("__REALTIME_TIMESTAMP=") ? UInt64($0.dropFirst(21)) : nil }
        let (from, to) = (try #require(times.min()), try #require(times.max()))
        var node = ""
        var t = from - from % 5_000_000
        while t <= to + 60_000_000 {
            node += "__REALTIME_TIMESTAMP=\(t)\n__MONOTONIC_TIMESTAMP=\(t - from + 3_600_000_000)\n"
            node += "_BOOT_ID=33333333333333333333333333333333\n_HOSTNAME=node1\n_TRANSPORT=stdout\n_PID=611\n_UID=0\n"
            node += "_SYSTEMD_UNIT=kubelet.service\nSYSLOG_IDENTIFIER=kubelet\nMESSAGE=I0610 pod status sync \(t)\n\n"
            t += 5_000_000
        }
        let dir = try Fixtures.tempDir("t3attr-one-dispatch-host")
        let alone = try Fixtures.journal("sample-incident", in: dir, fileName: "remote-devvm.journal")
        _ = try Fixtures.journal(exportText: Data(node.utf8), in: dir, fileName: "remote-node1.journal")
        let together = try Fixtures.journal(exportText: Data((text + "\n\n" + node).utf8), in: try Fixtures.tempDir(), fileName: "both.journal")
        func verdicts(_ args: [String]) throws -> [String] {
            let r = try Fixtures.t3attr(["report", "-o", "json"] + args + table)
            #expect(r.status == 0, "\(args): \(r.stderr)")
            return try Fixtures.ndjson(r.stdout).compactMap {
                $0["type"] as? String == "drop" ? "\($0["realtime_usec"] ?? "")/\($0["verdict"] ?? "")/\($0["reason"] ?? "")" : nil
            }
        }
        let want = try verdicts(["--file", alone])
        #expect(want.count == 12)
        for args in [["-D", dir, "--jobs", "1"], ["-D", dir, "--jobs", "2"], ["--file", together]] {
            #expect(try verdicts(args) == want, "\(args)")
        }
        // A window that leaves one host's dispatch lines in a fleet: the same verdicts as the host's own file.
        let window = ["--since", "2026-06-16 10:03:00"]
        let collector = try fleetDirectory()
        let fleet = try verdicts(["-D", collector, "--jobs", "1"] + window)
        #expect(!fleet.isEmpty)
        #expect(!fleet.contains { $0.hasSuffix("/reboot") }, "\(fleet)")
        #expect(try verdicts(["-D", collector, "--jobs", "2"] + window) == fleet)
    }

    /// The incident lists of a fleet name each incident's host (they named
    /// none: past 50 drops a table said nothing of where anything happened),
    /// and one-drop incidents are grouped per host.
    @Test(arguments: ["table", "markdown"])
    func incidentListsNameTheHost(format: String) throws {
        let dir = try fleetDirectory()
        let json = try Fixtures.ndjson(Fixtures.t3attr(["report", "-D", dir, "-o", "json"] + table).stdout)
        let incidents = json.filter { $0["type"] as? String == "incident" }
        let r = try Fixtures.t3attr(["report", "-D", dir, "-o", format, "--no-pager"] + table)
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { format == "table" ? $0.hasPrefix("#") && $0.contains(" HOST ") : $0.hasPrefix("| # | host |") }, "\(r.stdout)")
        // Every incident row (its id first) names its host right after the id.
        for inc in incidents {
            let id = try #require(inc["id"] as? Int)
            let host = try #require(inc["host"] as? String)
            let row = format == "table" ? lines.first { $0.hasPrefix("\(id) ") } : lines.first { $0.hasPrefix("| \(id) |") }
            guard let row else { continue }  // grouped with others of its host, verdict and reason
            let cells =
                format == "table"
                ? row.split(separator: " ").map(String.init) : row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(cells.count > 1 && cells[1] == host, "\(row)")
        }
        let single = try Fixtures.t3attr(["report", "--file", Fixtures.journal("sample-incident"), "-o", format, "--no-pager"] + table)
        #expect(!single.stdout.contains(" HOST ") && !single.stdout.contains("| host |"), "one host: no host column")
    }

    /// A fleet's ticket names the host of every drop and burst row too
    /// (only its incidents did: three `canceled` rows of one second, one
    /// edge and two client, and nothing said which host was which).
    @Test func aTicketsDropAndBurstRowsNameTheirHost() throws {
        let dir = try fleetDirectory()
        let json = try Fixtures.ndjson(Fixtures.t3attr(["report", "-D", dir, "-o", "json", "--drops"] + table).stdout)
        let r = try Fixtures.t3attr(["report", "-D", dir, "-o", "markdown", "--drops"] + table)
        #expect(r.status == 0, "\(r.stderr)")
        func rows(after heading: String) -> [[String]] {
            let section = r.stdout.components(separatedBy: "\n\(heading)\n").dropFirst().first?.components(separatedBy: "\n\n")[0] ?? ""
            return section.split(separator: "\n").map { $0.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) } }
        }
        let drops = rows(after: "## Drops")
        #expect(drops.first?.first == "host", "\(r.stdout)")
        let dropRows = drops.dropFirst(2)
        let wantDrops = json.filter { $0["type"] as? String == "drop" }.map { "\($0["host"] ?? "")/\($0["verdict"] ?? "")" }
        #expect(dropRows.map { "\($0[0])/\($0[5].replacingOccurrences(of: "*", with: ""))" }.sorted() == wantDrops.sorted(), "\(r.stdout)")
        let bursts = rows(after: "## Bursts")
        #expect(bursts.first?.first == "host" && bursts.dropFirst(2).map { $0[0] } == ["devvm-b"], "\(r.stdout)")
    }

    @Test func hostFilter() throws {
        let dir = try fleetDirectory()
        let r = try Fixtures.t3attr(["report", "-D", dir, "--host", "devvm-c", "-o", "json"] + table)
        let drops = try Fixtures.ndjson(r.stdout).filter { $0["type"] as? String == "drop" }
        #expect(drops.map { $0["verdict"] as? String } == ["client", "serve"])
        #expect(drops.allSatisfy { $0["host"] as? String == "devvm-c" })
        let two = try Fixtures.t3attr(["dispatch", "-D", dir, "--host", "devvm-a", "--host", "devvm-c", "-o", "json"] + table)
        let hosts = Set(try Fixtures.ndjson(two.stdout).compactMap { $0["host"] as? String })
        #expect(hosts == ["devvm-a", "devvm-c"])
    }

    /// Issue 16: a collector of one-host files is analysed host by host,
    /// two hosts at once; what it finds is what one pass over every file finds.
    @Test("hosts analysed side by side give the output of one pass over every file", arguments: ["report", "bursts"])
    func sideBySideIsOnePass(command: String) throws {
        let dir = try fleetDirectory()
        let args = [command, "-D", dir, "-o", "json"] + table
        let side = try Fixtures.t3attr(args + ["--jobs", "2"], env: ["T3ATTR_TIMING": "1"])
        let one = try Fixtures.t3attr(args + ["--jobs", "1"])
        #expect(side.stderr.contains("3 hosts side by side"), "\(side.stderr)")
        #expect(side.status == one.status)
        #expect(side.stdout == one.stdout)
        #expect(!side.stdout.isEmpty)
    }

    @Test func reportGroupsByHost() throws {
        let dir = try fleetDirectory()
        let r = try Fixtures.t3attr(["report", "-D", dir] + table)
        #expect(r.stdout.contains("== host devvm-a: 1 drop: 1 client"))
        #expect(r.stdout.contains("== host devvm-b: 6 drops: 6 edge"))
        #expect(r.stdout.contains("== host devvm-c: 2 drops: 1 client, 1 serve"))
    }
}
