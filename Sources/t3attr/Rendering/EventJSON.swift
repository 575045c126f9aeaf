import Analysis
import Classifiers
import Foundation
import JournalReader

/// Counts as text (`canceled 3, reset 1`: most first) and as a JSON object (keys sorted).
enum Counts {
    static func text(_ d: [String: Int]) -> String {
        d.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }

    static func json(_ d: [String: Int]) -> String {
        "{" + d.sorted { $0.key < $1.key }.map { "\(Render.json($0.key)):\($0.value)" }.joined(separator: ",") + "}"
    }

    /// Counts of a closed set by its output names.
    static func named<K>(_ d: [K: Int], _ name: (K) -> String) -> [String: Int] {
        var out: [String: Int] = [:]
        for (k, v) in d { out[name(k), default: 0] += v }
        return out
    }

    static func byKind(_ s: EventSummary) -> [String: Int] { named(s.byKind, \.rawValue) }
    static func byClass(_ s: EventSummary) -> [String: Int] { named(s.byClass, \.name) }
    static func bySide(_ s: EventSummary) -> [String: Int] { named(s.bySide, \.rawValue) }
}

/// The JSON objects every JSON output shares (README "JSON output"),
/// written as bytes.
enum EventJSON {
    /// The stable event object (README "JSON output"), written without its
    /// closing brace's newline; `extra` appends more fields before the brace.
    static func write(_ ev: Event, type: StaticString, to o: Output, extra: ((Output) -> Void)? = nil) {
        o.ascii("{\"type\":\"")
        o.ascii(type)
        o.ascii("\",\"realtime_usec\":")
        o.uint(ev.realtime)
        o.ascii(",\"time\":\"")
        o.rfc3339UTC(ev.realtime)
        o.byte(0x22)
        o.ascii(",\"written_usec\":")
        o.uint(ev.writtenAt)
        o.ascii(",\"cursor\":")
        o.jsonString(ev.cursor)
        o.ascii(",\"boot_id\":")
        o.jsonString(ev.bootID)
        o.ascii(",\"host\":")
        o.jsonOrNull(ev.host)
        o.ascii(",\"unit\":")
        o.jsonOrNull(ev.unit)
        o.ascii(",\"kind\":")
        o.jsonString(ev.kind.rawValue)
        o.ascii(",\"user\":")
        o.jsonOrNull(ev.user)
        if !ev.userCandidates.isEmpty {
            o.ascii(",\"user_candidates\":")
            o.jsonStrings(ev.userCandidates)
        }
        o.ascii(",\"port\":")
        if let p = ev.port { o.int(p) } else { o.ascii("null") }
        o.ascii(",\"class\":")
        o.jsonOrNull(ev.className?.name)
        o.ascii(",\"side\":")
        o.jsonOrNull(ev.className == nil ? nil : ev.side.rawValue)
        o.ascii(",\"duration_ms\":")
        if let d = ev.durationMs { o.uint(d) } else { o.ascii("null") }
        if let ip = ev.dispatch?.ip {
            // The raw X-Forwarded-For header (client-controlled): how an operator tells a user's devices apart.
            o.ascii(",\"ip\":")
            o.jsonString(ip)
        }
        if ev.kind == .wsClose, let cause = ev.dispatch?.detail {
            // The raw `cause=` value (`class` is what it was classified as).
            o.ascii(",\"cause\":")
            o.jsonString(cause)
        }
        o.ascii(",\"message\":")
        if !o.jsonString(ev.message) {
            o.ascii(",\"message_base64\":")
            o.jsonString(Data(ev.message).base64EncodedString())
        }
        extra?(o)
        o.byte(UInt8(ascii: "}"))
    }

    static func skippedFilesJSON(_ f: [SkippedFile]) -> String {
        "[" + f.map { "{\"path\":\(Render.json($0.path)),\"reason\":\(Render.json($0.reason))}" }.joined(separator: ",") + "]"
    }

    /// Entries of a stream that were not imported: `[{"source", "reason", "count"}]`.
    static func skippedEntriesJSON(_ e: [SkippedEntries]) -> String {
        "[" + e.map { "{\"source\":\(Render.json($0.source)),\"reason\":\(Render.json($0.reason)),\"count\":\($0.count)}" }.joined(separator: ",")
            + "]"
    }

    static func evidence(_ e: [Evidence]) -> String {
        "["
            + e.map { x in
                "{\"realtime_usec\":\(x.realtime),\"time\":\(Render.json(Render.rfc3339(x.realtime))),\"unit\":\(Render.json(x.unit)),"
                    + "\"kind\":\(Render.json(x.kind.name)),\"message\":\(Render.json(x.message)),\"cursor\":\(Render.json(x.cursor))}"
            }.joined(separator: ",") + "]"
    }
}
