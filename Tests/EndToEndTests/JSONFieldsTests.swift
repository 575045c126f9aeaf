import Foundation
import TestSupport
import Testing

/// One `#### \`type\` (commands)` block of the README's "JSON output" section.
private struct DocumentedType {
    var type: String
    var commands: [String]
    var fields: Set<String> = []
    var inheritsEvent = false
}

/// The README's field tables: each type's heading, its rows' field names
/// (every backticked name in the first cell) and whether it has "Every field of `event`".
private func documentedTypes() throws -> [DocumentedType] {
    let readme = try String(contentsOfFile: Fixtures.packageRoot.appendingPathComponent("README.md").path, encoding: .utf8)
    guard let start = readme.range(of: "## JSON output (`-o json`)") else { throw Fixtures.Missing(description: "README.md has no JSON section") }
    let rest = readme[start.upperBound...]
    let section = rest[..<(rest.range(of: "\n## ")?.lowerBound ?? rest.endIndex)]
    var out: [DocumentedType] = []
    for line in section.split(separator: "\n") {
        if line.hasPrefix("#### `") {
            let parts = line.split(separator: "`")
            let commands =
                line.firstIndex(of: "(").map { i in
                    line[line.index(after: i)...].prefix { $0 != ")" }.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                } ?? []
            out.append(DocumentedType(type: String(parts[1]), commands: commands))
        } else if line.contains("Every field of `event`"), !out.isEmpty {
            out[out.count - 1].inheritsEvent = true
        } else if line.hasPrefix("| `"), !out.isEmpty {
            let cell = line.split(separator: "|", omittingEmptySubsequences: false)[1]
            for (k, name) in cell.split(separator: "`", omittingEmptySubsequences: false).enumerated() where k % 2 == 1 {
                out[out.count - 1].fields.insert(String(name))
            }
        }
    }
    return out
}

/// Issue 15, "JSON": every key the binary prints for each object type is in
/// the README's table for it, and every field the README lists is printed
/// on the scenario fixtures.
@Suite("JSON: the README documents every field of every object type, and only those")
struct JSONFieldsTests {
    @Test func readmeFieldListsMatchTheOutput() throws {
        let docs = try documentedTypes()
        let event = try #require(docs.first { $0.type == "event" })
        #expect(
            Set(docs.map(\.type)).isSuperset(of: [
                "summary", "event", "drop", "burst", "incident", "outage", "request_error", "hour", "request_burst", "serve_event",
            ]))
        func fields(_ d: DocumentedType) -> Set<String> { d.inheritsEvent ? d.fields.union(event.fields) : d.fields }
        func doc(_ type: String, _ command: String) -> DocumentedType? {
            let all = docs.filter { $0.type == type }
            return all.count == 1 ? all[0] : all.first { $0.commands.contains(command) }
        }

        // What the binary prints: every command on the scenario journals.
        let table = ["--dispatch-table", Fixtures.path("dispatch.json")]
        let names = try FileManager.default.contentsOfDirectory(atPath: Fixtures.directory.path)
            .filter { $0.hasSuffix(".export") && ($0.hasPrefix("scenario-") || $0 == "sample-incident.export") }
            .map { String($0.dropLast(".export".count)) }.sorted()
        #expect(names.count > 25)
        var runs: [(command: String, args: [String])] = []
        for n in names { runs.append(("report", ["report", "--file", try Fixtures.journal(n)] + table)) }
        let sample = try Fixtures.journal("sample-incident")
        for n in ["sample-incident", "scenario-cancels-per-second", "scenario-fleet"] {
            runs.append(("bursts", ["bursts", "--file", try Fixtures.journal(n)] + table))
            runs.append(("bursts", ["bursts", "--requests", "--min", "3", "--file", try Fixtures.journal(n)] + table))
        }
        for n in ["scenario-serve-lifecycles", "scenario-serve-timeout-kinds", "scenario-host-starvation", "scenario-serve-oom"] {
            runs.append(("serve", ["serve", "--file", try Fixtures.journal(n)] + table))
        }
        for n in ["dispatch-basic", "hostile-messages"] { runs.append(("dispatch", ["dispatch", "--file", try Fixtures.journal(n)] + table)) }
        // The tunnel's log corroborates the sample's eliminations (a wide window reaches them).
        runs.append(
            ("report", ["report", "--file", sample, "--tunnel-log", Fixtures.path("cloudflared/reconnect.log"), "--evidence-window", "2h"] + table))
        // A port two users claim: user_candidates.
        let dir = try Fixtures.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data(#"{"bob": {"port": 3774}, "bobby": {"port": 3774}}"#.utf8).write(to: URL(fileURLWithPath: dir + "/dispatch.json"))
        runs.append(("dispatch", ["dispatch", "--file", try Fixtures.journal("dispatch-basic"), "--dispatch-table", dir + "/dispatch.json"]))

        var printed: [String: Set<String>] = [:]  // "command type" -> keys
        for run in runs {
            let r = try Fixtures.t3attr(run.args + ["-o", "json"])
            #expect(r.status == 0, "\(run.args): \(r.stderr)")
            for obj in try Fixtures.ndjson(r.stdout) {
                let type = obj["type"] as? String ?? "(none)"
                guard let d = doc(type, run.command) else {
                    Issue.record("\(run.command) prints objects of type \(type) the README does not document")
                    continue
                }
                let undocumented = Set(obj.keys).subtracting(fields(d))
                #expect(undocumented.isEmpty, "\(run.command) \(type): \(undocumented.sorted()) not in the README's table")
                printed["\(run.command) \(type)", default: []].formUnion(obj.keys)
            }
        }
        // And the other way: every field a table lists is printed by a command its heading names
        // (the fields a type takes from `event` are checked on the events).
        for d in docs {
            let seen = d.commands.reduce(into: Set<String>()) { $0.formUnion(printed["\($1) \(d.type)"] ?? []) }
            let missing = d.fields.subtracting(seen)
            #expect(missing.isEmpty, "\(d.type) (\(d.commands.joined(separator: ", "))): \(missing.sorted()) documented but never printed")
        }
    }

    /// `-o json-pretty` has the command's every list, empty when it gave no
    /// object of the type: `jq '.drops[]'` on a quiet window is no error.
    @Test(arguments: [
        (["report"], ["incidents", "drops", "bursts", "outages", "request_errors"]), (["bursts"], ["bursts"]),
        (["bursts", "--requests"], ["request_bursts"]), (["dispatch"], ["events"]), (["serve"], ["serve_events"]),
    ])
    func prettyJSONHasEveryListOfItsCommand(args: [String], lists: [String]) throws {
        let path = try Fixtures.journal("sample-incident")
        let r = try Fixtures.t3attr(
            args + ["--file", path, "--dispatch-table", Fixtures.path("dispatch.json"), "--since", "2027-01-01", "-o", "json-pretty"],
            env: ["TZ": "UTC"])
        #expect(r.status == 0 || args == ["serve"], "\(r.stderr)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        for l in lists { #expect((doc[l] as? [Any])?.isEmpty == true, "\(l) in \(doc.keys.sorted())") }
        #expect(doc["summary"] is [String: Any])
    }
}
