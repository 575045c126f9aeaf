import Foundation
import TestSupport
import Testing

/// The README's jq one-liners (issue 15) run as written on a scenario journal.
@Suite("the README's jq one-liners work")
struct ReadmeTests {
    @Test func jqOneLiners() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/jq") else { return }
        let readme = try String(contentsOf: Fixtures.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let lines = readme.split(separator: "\n").map(String.init).filter { $0.hasPrefix("    t3attr report ") && $0.contains("| jq ") }
        #expect(lines.count == 3, "\(lines)")
        let path = try Fixtures.journal("scenario-fleet")
        let source = "'\(Fixtures.binary)' --file '\(path)' --dispatch-table '\(Fixtures.path("dispatch.json"))'"
        var outputs: [String] = []
        for line in lines {
            let cmd = "set -o pipefail; " + line.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "t3attr report", with: source)
            // "now" is 12:00 on the scenario's day: --since 7d and today cover its drops.
            let r = try Fixtures.run("/bin/bash", ["-c", cmd], env: ["T3ATTR_NOW": "@1781611200"])
            #expect(r.status == 0, "\(line): \(r.stderr)")
            outputs.append(r.stdout)
        }
        guard outputs.count == 3 else { return }
        #expect(outputs[0].contains("2026-06-16T10:00 edge"), "\(outputs[0])")
        #expect(outputs[1].contains("(no user)") || !outputs[1].isEmpty, "\(outputs[1])")
        #expect(outputs[2].contains("\"verdict\":\"serve\""), "\(outputs[2])")
    }
}
