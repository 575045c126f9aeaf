import Classifiers

/// Counts for the summary line / object.
struct EventSummary {
    var total = 0
    var byKind: [String: Int] = [:]
    var byClass: [String: Int] = [:]
    var bySide: [String: Int] = [:]

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

    var out: Output { Output.shared }

    func header(command: String, window: String, units: [String]) {
        guard format == .table else { return }
        out.line("-- t3attr \(command): \(window) (\(local ? "local time" : "UTC")); units: \(units.joined(separator: ", "))")
        out.line(Render.column("TIME", 26) + Render.column("USER", 10) + Render.column("KIND", 19)
            + Render.column("CLASS", 17) + Render.column("SIDE", 10) + Render.column("PORT", 5)
            + Render.column("DUR", 9) + "MESSAGE")
    }

    func event(_ ev: Event) {
        switch format {
        case .table:
            let user = ev.user ?? ev.port.map { "port:\($0)" } ?? "-"
            var msg = ev.message[...]
            if let d = ev.dispatch, d.sourceTime != nil, msg.count >= 20 { msg = msg.dropFirst(20) }
            out.line(Render.column(Render.rfc3339(ev.realtime, local: local, fractionDigits: 3), 26)
                + Render.column(user, 10) + Render.column(ev.kind, 19)
                + Render.column(ev.className ?? "-", 17)
                + Render.column(ev.className == nil ? "-" : ev.side.rawValue, 10)
                + Render.column(ev.port.map(String.init) ?? "-", 5)
                + Render.column(ev.durationMs.map(Self.duration) ?? "-", 9)
                + Render.cell(msg))
        case .json:
            out.line(Self.eventJSON(ev, type: "event"))
        }
    }

    /// The stable event object (README "JSON output").
    static func eventJSON(_ ev: Event, type: String, extra: String = "") -> String {
        var s = "{\"type\":\(Render.json(type))"
        s += ",\"realtime_usec\":\(ev.realtime)"
        s += ",\"time\":\(Render.json(Render.rfc3339(ev.realtime)))"
        s += ",\"written_usec\":\(ev.writtenAt)"
        s += ",\"cursor\":\(Render.json(ev.cursor))"
        s += ",\"boot_id\":\(Render.json(ev.bootID))"
        s += ",\"unit\":\(Render.json(ev.unit))"
        s += ",\"kind\":\(Render.json(ev.kind))"
        s += ",\"user\":\(Render.json(ev.user))"
        s += ",\"port\":\(Render.json(ev.port))"
        s += ",\"class\":\(Render.json(ev.className))"
        s += ",\"side\":\(Render.json(ev.className == nil ? nil : ev.side.rawValue))"
        s += ",\"duration_ms\":\(Render.json(ev.durationMs))"
        s += "," + Render.messageFields(ev.message)
        return s + extra + "}"
    }

    static func duration(_ ms: UInt64) -> String {
        if ms < 1000 { return "\(ms)ms" }
        let s = ms / 1000
        if s < 120 { return "\(s)s" }
        if s < 7200 { return "\(s / 60)m\(s % 60)s" }
        return "\(s / 3600)h\((s % 3600) / 60)m"
    }

    func summary(_ sum: EventSummary, window: TimeWindow, scan: Scan, notes: [String]) {
        switch format {
        case .table:
            if sum.total == 0 {
                out.line("-- No dispatch events in \(scan.windowText(local: local)).")
                return
            }
            out.line("-- \(sum.total) event\(sum.total == 1 ? "" : "s"): \(EventSummary.text(sum.byKind))")
            if !sum.byClass.isEmpty { out.line("-- by class: \(EventSummary.text(sum.byClass))") }
            if !sum.bySide.isEmpty { out.line("-- by side: \(EventSummary.text(sum.bySide))") }
        case .json:
            var s = "{\"type\":\"summary\""
            s += ",\"since\":\(Render.json(window.since.map { Render.rfc3339($0) }))"
            s += ",\"until\":\(Render.json(window.until.map { Render.rfc3339($0) }))"
            s += ",\"since_usec\":\(Render.json(window.since)),\"until_usec\":\(Render.json(window.until))"
            s += ",\"units\":[" + scan.units.map { Render.json($0) }.joined(separator: ",") + "]"
            s += ",\"entries_read\":\(scan.journal.entriesRead)"
            s += ",\"entries_skipped\":\(scan.journal.skippedEntries)"
            s += ",\"events\":\(sum.total)"
            s += ",\"by_kind\":\(EventSummary.json(sum.byKind))"
            s += ",\"by_class\":\(EventSummary.json(sum.byClass))"
            s += ",\"by_side\":\(EventSummary.json(sum.bySide))"
            s += ",\"notes\":[" + notes.map { Render.json($0) }.joined(separator: ",") + "]"
            out.line(s + "}")
        }
    }
}
