import ArgumentParser
import Classifiers
import Foundation
import Glibc

/// What every command does around its output: pager, colour, json-pretty.
struct Session {
    let format: OutputFormat
    /// The format the renderers write (json-pretty is rendered as NDJSON, then gathered).
    let renderFormat: OutputFormat
    let color: Bool

    init(_ out: OutputOptions, _ term: TerminalOptions, pager: Bool = true) {
        format = out.output
        renderFormat = out.output == .jsonPretty ? .json : out.output
        let env = ProcessInfo.processInfo.environment
        let tty = isatty(1) == 1
        color = out.output == .table && Terminal.useColor(term.color, env: env, isTTY: tty)
        if format == .jsonPretty { Output.shared.capture = true }
        if pager { Terminal.startPager(term, format: out.output) }
    }

    /// Ends the output: json-pretty gathers the NDJSON objects into one
    /// document (`{"summary": {...}, "drops": [...], ...}`).
    func finish() {
        defer { Output.shared.flush() }
        guard format == .jsonPretty else { return }
        let lines = Output.shared.take()
        Output.shared.capture = false
        var doc: [String: Any] = [:]
        var lists: [String: [Any]] = [:]
        for line in lines.split(separator: 0x0A) {
            guard let obj = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else { continue }
            let type = obj["type"] as? String ?? "other"
            if type == "summary" { doc["summary"] = obj } else { lists[type + "s", default: []].append(obj) }
        }
        for (k, v) in lists { doc[k] = v }
        if let data = try? JSONSerialization.data(withJSONObject: doc, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) {
            // JSONSerialization writes DEL and C1 controls raw (valid JSON, but not terminal-safe).
            Output.shared.bytes(SafeText.escapingRawControls(inJSON: data))
            Output.shared.newline()
        }
    }
}
