import JournalReader
import Foundation
import Classifiers

/// Counts for the summary line / object.
struct EventSummary {
    var total = 0
    var byKind: [String: Int] = [:]
    var byClass: [String: Int] = [:]
    var bySide: [String: Int] = [:]

    mutating func merge(_ o: EventSummary) {
        total += o.total
        for (k, v) in o.byKind { byKind[k, default: 0] += v }
        for (k, v) in o.byClass { byClass[k, default: 0] += v }
        for (k, v) in o.bySide { bySide[k, default: 0] += v }
    }

    mutating func add(_ ev: Event) {
        total += 1
        byKind[ev.kind, default: 0] += 1
        if let c = ev.className { byClass[c, default: 0] += 1 }
        if ev.className != nil { bySide[ev.side.rawValue, default: 0] += 1 }
    }

    static func text(_ d: [String: Int]) -> String {
        d.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }

    static func json(_ d: [String: Int]) -> String {
        "{" + d.sorted { $0.key < $1.key }.map { "\(Render.json($0.key)):\($0.value)" }.joined(separator: ",") + "}"
    }
}

/// Prints events as a table for people or as NDJSON for tools, streaming:
/// each row is written as soon as its entry is read.
struct EventRenderer {
    let format: OutputFormat
    let local: Bool
    var out: Output = .shared
    var color = false

    init(format: OutputFormat, local: Bool, out: Output = .shared, color: Bool = false) {
        self.format = format
        self.local = local
        self.out = out
        self.color = color
    }

    func header(command: String, window: String, units: [String]) {
        guard format == .table else { return }
        out.line("-- t3attr \(command): \(window) (\(local ? "local time" : "UTC")); units: \(Render.cell(units.joined(separator: ", ")))")
        out.line(Render.column("TIME", 26) + Render.column("USER", 10) + Render.column("KIND", 19)
            + Render.column("CLASS", 17) + Render.column("SIDE", 10) + Render.column("PORT", 5)
            + Render.column("DUR", 9) + "MESSAGE")
    }

    func event(_ ev: Event) {
        switch format {
        case .table, .markdown:
            let o = out
            var start = o.count
            if local { o.write(Render.rfc3339(ev.realtime, local: true, fractionDigits: 3)) } else { o.rfc3339UTC(ev.realtime, fractionDigits: 3) }
            o.pad(from: start, to: 26)
            if !ev.userCandidates.isEmpty { o.cell(ev.userCandidates.joined(separator: "|").utf8) }
            else if let u = ev.user { o.cell(u.utf8) } else if let p = ev.port { o.ascii("port:"); o.int(p) } else { o.byte(0x2D) }
            o.pad(from: start, to: 37)
            o.write(ev.kind)
            o.pad(from: start, to: 57)
            if let c = ev.className { o.write(c) } else { o.byte(0x2D) }
            o.pad(from: start, to: 75)
            if ev.className != nil {
                if color {
                    let c = Terminal.color(for: ev.side.rawValue)
                    o.write(c)
                    o.write(ev.side.rawValue)
                    o.write(Terminal.reset)
                    start += c.utf8.count + Terminal.reset.utf8.count
                } else {
                    o.write(ev.side.rawValue)
                }
            } else { o.byte(0x2D) }
            o.pad(from: start, to: 86)
            if let p = ev.port { o.int(p) } else { o.byte(0x2D) }
            o.pad(from: start, to: 92)
            if let d = ev.durationMs { o.write(Self.duration(d)) } else { o.byte(0x2D) }
            o.pad(from: start, to: 102)
            var msg = ev.message[...]
            if let d = ev.dispatch, d.sourceTime != nil, msg.count >= 20 { msg = msg.dropFirst(20) }
            o.cell(msg)
            o.newline()
        case .json, .jsonPretty:
            Self.writeEventJSON(ev, type: "event", to: out)
            out.newline()
        }
    }

    /// The stable event object (README "JSON output"), written without its
    /// closing brace's newline; `extra` appends more fields before the brace.
    static func writeEventJSON(_ ev: Event, type: StaticString, to o: Output = .shared, extra: ((Output) -> Void)? = nil) {
        o.ascii("{\"type\":\""); o.ascii(type)
        o.ascii("\",\"realtime_usec\":"); o.uint(ev.realtime)
        o.ascii(",\"time\":\""); o.rfc3339UTC(ev.realtime); o.byte(0x22)
        o.ascii(",\"written_usec\":"); o.uint(ev.writtenAt)
        o.ascii(",\"cursor\":"); o.jsonString(ev.cursor)
        o.ascii(",\"boot_id\":"); o.jsonString(ev.bootID)
        o.ascii(",\"host\":"); o.jsonOrNull(ev.host)
        o.ascii(",\"unit\":"); o.jsonOrNull(ev.unit)
        o.ascii(",\"kind\":"); o.jsonString(ev.kind)
        o.ascii(",\"user\":"); o.jsonOrNull(ev.user)
        if !ev.userCandidates.isEmpty {
            o.ascii(",\"user_candidates\":[")
            for (i, u) in ev.userCandidates.enumerated() { if i > 0 { o.byte(0x2C) }; o.jsonString(u) }
            o.byte(0x5D)
        }
        o.ascii(",\"port\":"); if let p = ev.port { o.int(p) } else { o.ascii("null") }
        o.ascii(",\"class\":"); o.jsonOrNull(ev.className)
        o.ascii(",\"side\":"); o.jsonOrNull(ev.className == nil ? nil : ev.side.rawValue)
        o.ascii(",\"duration_ms\":"); if let d = ev.durationMs { o.uint(d) } else { o.ascii("null") }
        o.ascii(",\"message\":")
        if !o.jsonString(ev.message) {
            o.ascii(",\"message_base64\":"); o.jsonString(Data(ev.message).base64EncodedString())
        }
        extra?(o)
        o.byte(UInt8(ascii: "}"))
    }

    static func duration(_ ms: UInt64) -> String {
        if ms < 1000 { return "\(ms)ms" }
        let s = ms / 1000
        if s < 120 { return "\(s)s" }
        if s < 7200 { return "\(s / 60)m\(s % 60)s" }
        return "\(s / 3600)h\((s % 3600) / 60)m"
    }

    func summary(_ sum: EventSummary, window: TimeWindow, scan: Scan, notes: [String]) {
        summary(sum, window: window, units: scan.units, windowText: scan.windowText(local: local),
                entriesRead: scan.journal.entriesRead, skipped: scan.journal.skippedEntries,
                skippedFiles: scan.journal.skippedFiles, skippedEntries: scan.journal.skippedEntryGroups, notes: notes)
    }

    static func skippedFilesJSON(_ f: [SkippedFile]) -> String {
        "[" + f.map { "{\"path\":\(Render.json($0.path)),\"reason\":\(Render.json($0.reason))}" }.joined(separator: ",") + "]"
    }

    /// Entries of a stream that were not imported: `[{"source", "reason", "count"}]`.
    static func skippedEntriesJSON(_ e: [SkippedEntries]) -> String {
        "[" + e.map { "{\"source\":\(Render.json($0.source)),\"reason\":\(Render.json($0.reason)),\"count\":\($0.count)}" }.joined(separator: ",") + "]"
    }

    func summary(_ sum: EventSummary, window: TimeWindow, units: [String], windowText: String,
                 entriesRead: Int, skipped: Int, skippedFiles: [SkippedFile], skippedEntries: [SkippedEntries] = [], notes: [String]) {
        switch format {
        case .table, .markdown:
            if sum.total == 0 {
                out.line("-- No dispatch events in \(windowText).")
                return
            }
            out.line("-- \(sum.total) event\(sum.total == 1 ? "" : "s"): \(EventSummary.text(sum.byKind))")
            if !sum.byClass.isEmpty { out.line("-- by class: \(EventSummary.text(sum.byClass))") }
            if !sum.bySide.isEmpty { out.line("-- by side: \(EventSummary.text(sum.bySide))") }
        case .json, .jsonPretty:
            var s = "{\"type\":\"summary\""
            s += ",\"since\":\(Render.json(window.since.map { Render.rfc3339($0) }))"
            s += ",\"until\":\(Render.json(window.until.map { Render.rfc3339($0) }))"
            s += ",\"since_usec\":\(Render.json(window.since)),\"until_usec\":\(Render.json(window.until))"
            s += ",\"units\":[" + units.map { Render.json($0) }.joined(separator: ",") + "]"
            s += ",\"entries_read\":\(entriesRead)"
            s += ",\"entries_skipped\":\(skipped)"
            s += ",\"skipped_files\":" + Self.skippedFilesJSON(skippedFiles)
            s += ",\"skipped_entries\":" + Self.skippedEntriesJSON(skippedEntries)
            s += ",\"events\":\(sum.total)"
            s += ",\"by_kind\":\(EventSummary.json(sum.byKind))"
            s += ",\"by_class\":\(EventSummary.json(sum.byClass))"
            s += ",\"by_side\":\(EventSummary.json(sum.bySide))"
            s += ",\"notes\":[" + notes.map { Render.json($0) }.joined(separator: ",") + "]"
            out.line(s + "}")
        }
    }
}
