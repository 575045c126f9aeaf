import Analysis
import Classifiers
import Foundation

/// NDJSON for tools: one object per event, drop, burst or serve event, then
/// a summary object (README "JSON output": fields are added, never renamed).
final class JSONSink: ReportSink {
    let out: Output
    let style: RenderStyle
    private var run = RunHeader(command: .report, window: TimeWindow(), units: [])
    /// `serve`'s summary: what was shown.
    private var serveEventsSeen = 0
    private var serveUsers: [String] = []
    private var serveKinds: [String: Int] = [:]

    init(out: Output, style: RenderStyle) {
        self.out = out
        self.style = style
    }

    var dropOrder: DropOrder { .time }

    func begin(_ run: RunHeader) throws(OutputError) { self.run = run }

    func event(_ ev: Event) throws(OutputError) {
        EventJSON.write(ev, type: "event", to: out)
        out.newline()
        try out.check()
    }

    func rows(_ bytes: [UInt8]) throws(OutputError) {
        out.bytes(bytes)
        try out.flush()
    }

    func drop(_ d: Drop, in at: Attribution) throws(OutputError) {
        EventJSON.write(d.event, type: "drop", to: out) { o in
            o.ascii(",\"verdict\":")
            o.jsonString(d.verdict.rawValue)
            o.ascii(",\"reason\":")
            o.jsonString(d.reason.rawValue)
            o.ascii(",\"trigger\":")
            o.jsonString(d.trigger.rawValue)
            o.ascii(",\"burst_second\":")
            if let b = d.burstSecond {
                o.byte(0x22)
                o.rfc3339UTC(b * 1_000_000, fractionDigits: 0)
                o.byte(0x22)
            } else {
                o.ascii("null")
            }
            o.ascii(",\"incident\":")
            if let i = d.incident { o.int(i) } else { o.ascii("null") }
            o.ascii(",\"basis\":")
            o.jsonString(d.basis.rawValue)
            if d.basis == .elimination {
                o.ascii(",\"checked\":[")
                for (k, c) in d.checked.enumerated() {
                    if k > 0 { o.byte(0x2C) }
                    o.jsonString(c.rawValue)
                }
                o.byte(0x5D)
            }
            if let r = d.reconnectAfterMs {
                o.ascii(",\"reconnect_after_ms\":")
                o.uint(r)
            }
            if !d.severed.isEmpty {
                o.ascii(",\"severed\":")
                o.jsonStrings(d.severed)
            }
            o.ascii(",\"evidence\":")
            o.write(EventJSON.evidence(at.evidence(d.evidence)))
            if let c = d.corroboration { o.write(",\"corroboration\":" + CorroborationText.json(c)) }
        }
        out.newline()
        try out.check()
    }

    func incident(_ i: Incident, in at: Attribution) throws(OutputError) {
        var s = "{\"type\":\"incident\",\"id\":\(i.id),\"host\":\(Render.json(i.host))"
        s += ",\"start\":\(Render.json(Render.rfc3339(i.start))),\"end\":\(Render.json(Render.rfc3339(i.end)))"
        s += ",\"verdict\":\(Render.json(i.verdict.rawValue)),\"reason\":\(Render.json(i.reason.rawValue))"
        s += ",\"users\":[" + i.users.map { Render.json($0) }.joined(separator: ",") + "],\"drops\":\(i.drops)"
        s += ",\"basis\":\(Render.json(i.basis.rawValue)),\"evidence\":" + EventJSON.evidence(at.evidence(i.evidence)) + "}"
        out.line(s)
        try out.check()
    }

    /// JSON lists every incident (its layout never groups them).
    func incidentGroup(_ g: IncidentGroup, in at: Attribution) throws(OutputError) {}

    /// JSON has every drop (its layout omits none).
    func dropsOmitted(_ count: Int, in at: Attribution) throws(OutputError) {}

    /// One `{"type":"hour"}` per UTC hour from the first drop's to the last one's (a long window).
    func hours(_ h: [HourCount], in at: Attribution) throws(OutputError) {
        for x in h {
            var counts: [String: Int] = [:]
            for (v, n) in x.counts { counts[v.rawValue] = n }
            out.line(
                "{\"type\":\"hour\",\"time\":\(Render.json(Render.rfc3339(x.start, fractionDigits: 0))),\"realtime_usec\":\(x.start),\"drops\":\(x.total),\"by_verdict\":\(Counts.json(counts))}"
            )
        }
        try out.check()
    }

    func outage(_ o: DispatchOutage, in at: Attribution) throws(OutputError) {
        var s = "{\"type\":\"outage\",\"host\":\(Render.json(o.host)),\"start\":\(Render.json(Render.rfc3339(o.start)))"
        s += ",\"end\":\(Render.json(Render.rfc3339(o.end))),\"seconds\":\(String(format: "%.3f", o.seconds)),\"ongoing\":\(o.ongoing)"
        s += ",\"restarts\":\(o.restarts),\"cause\":\(Render.json(o.cause.rawValue)),\"detail\":\(Render.json(o.detail))"
        s += ",\"evidence\":" + EventJSON.evidence(o.events.prefix(16).map { Evidence($0) }) + "}"
        out.line(s)
        try out.check()
    }

    func requestError(_ ev: Event, in at: Attribution) throws(OutputError) {
        EventJSON.write(ev, type: "request_error", to: out)
        out.newline()
        try out.check()
    }

    func requestBurst(_ b: RequestBurst, in at: Attribution) throws(OutputError) {
        var s = "{\"type\":\"request_burst\",\"host\":\(Render.json(b.host))"
        s += ",\"second\":\(Render.json(Render.rfc3339(b.second * 1_000_000, fractionDigits: 0))),\"second_epoch\":\(b.second),\"count\":\(b.count)}"
        out.line(s)
        try out.check()
    }

    func burst(_ b: Burst, in at: Attribution) throws(OutputError) {
        var s =
            "{\"type\":\"burst\",\"host\":\(Render.json(b.host)),\"second\":\(Render.json(Render.rfc3339(b.second * 1_000_000, fractionDigits: 0)))"
        s += ",\"second_epoch\":\(b.second),\"time\":\(Render.json(Render.rfc3339(b.start))),\"written_usec\":\(b.start),\"count\":\(b.count)"
        s += ",\"start\":\(Render.json(Render.rfc3339(b.start))),\"end\":\(Render.json(Render.rfc3339(b.end))),\"seconds\":\(b.seconds)"
        s += ",\"era\":\(Render.json(b.era.rawValue)),\"requests_cancelled\":\(b.requestsCancelled)"
        s += ",\"users\":[" + b.users.map { Render.json($0) }.joined(separator: ",") + "]"
        s += ",\"classes\":\(Counts.json(b.classes))"
        s += ",\"verdict\":\(Render.json(b.verdict.rawValue)),\"reason\":\(Render.json(b.reason.rawValue))"
        s += ",\"evidence\":" + EventJSON.evidence(at.evidence(b.evidence))
        if let c = b.corroboration { s += ",\"corroboration\":" + CorroborationText.json(c) }
        out.line(s + "}")
        try out.check()
    }

    func serveEvent(_ e: Event, user: String, userEvents: Int) throws(OutputError) {
        serveEventsSeen += 1
        if serveUsers.last != user { serveUsers.append(user) }
        serveKinds[e.kind.rawValue, default: 0] += 1
        var extra = ""
        if case .unit(let act)? = e.signal, act.isCrash { extra = ",\"crash\":true" }
        if case .serveTimeout(let kind)? = e.signal {
            extra = ",\"timeout_kind\":\(Render.json(kind.rawValue)),\"starvation\":\(kind.isStarvation)"
        }
        EventJSON.write(e, type: "serve_event", to: out) { o in o.write(extra) }
        out.newline()
        try out.check()
    }

    func finish(_ end: RunEnd) throws(OutputError) {
        switch end {
        case .listing(let r): out.line(listingSummary(r))
        case .report(let report): out.line(run.command == .serve ? serveSummary(report) : reportSummary(report))
        case .stopped(let totals): out.line(followSummary(totals))
        }
        try out.flush()
    }

    /// The shared head of every summary object: the window, units and what was read.
    private func summaryHead(units: [String], stats: ReadStats) -> String {
        let window = run.window
        var s = "{\"type\":\"summary\""
        s += ",\"since\":\(Render.json(window.since.map { Render.rfc3339($0) }))"
        s += ",\"until\":\(Render.json(window.until.map { Render.rfc3339($0) }))"
        s += ",\"since_usec\":\(Render.json(window.since)),\"until_usec\":\(Render.json(window.until))"
        s += ",\"units\":[" + units.map { Render.json($0) }.joined(separator: ",") + "]"
        return s
    }

    /// `-f`, stopped: the window's start, what was read and shown (a
    /// ticket made of a follow run ends with its totals, as a one-shot's does).
    func followSummary(_ t: FollowTotals) -> String {
        var s = summaryHead(units: run.units, stats: ReadStats())
        s += ",\"follow\":true,\"entries_read\":\(t.entriesRead)"
        switch run.command {
        case .dispatch: s += ",\"events\":\(t.events)"
        case .bursts: s += ",\"bursts\":\(t.bursts)"
        // `report -f` prints drops (a burst's drops with their verdict), no burst: `bursts` stays
        // (the summary's fields are stable) and counts none; `bursts -f` prints bursts.
        default: s += ",\"drops\":\(t.drops),\"bursts\":\(t.bursts)"
        }
        return s + "}"
    }

    func listingSummary(_ r: ListingResult) -> String {
        let sum = r.summary
        var s = summaryHead(units: r.units, stats: r.stats)
        s += ",\"entries_read\":\(r.stats.entriesRead)"
        s += ",\"entries_skipped\":\(r.stats.entriesSkipped)"
        s += ",\"skipped_files\":" + EventJSON.skippedFilesJSON(r.stats.skippedFiles)
        s += ",\"skipped_entries\":" + EventJSON.skippedEntriesJSON(r.stats.skippedEntryGroups)
        s += ",\"events\":\(sum.total)"
        s += ",\"by_kind\":\(Counts.json(Counts.byKind(sum)))"
        s += ",\"by_class\":\(Counts.json(Counts.byClass(sum)))"
        s += ",\"by_side\":\(Counts.json(Counts.bySide(sum)))"
        s += ",\"notes\":[" + Wording.notes(r.notes).map { Render.json($0) }.joined(separator: ",") + "]"
        return s + "}"
    }

    /// `serve`: what was read and the serve-side events shown; nothing about drops.
    func serveSummary(_ report: Report) -> String {
        var s = summaryHead(units: report.units, stats: report.stats)
        s += ",\"entries_read\":\(report.stats.entriesRead),\"entries_skipped\":\(report.stats.entriesSkipped)"
        s += ",\"skipped_files\":" + EventJSON.skippedFilesJSON(report.stats.skippedFiles)
        s += ",\"skipped_entries\":" + EventJSON.skippedEntriesJSON(report.stats.skippedEntryGroups)
        s += ",\"serve_events\":\(serveEventsSeen),\"users\":[" + serveUsers.map { Render.json($0) }.joined(separator: ",") + "]"
        var kinds: [String: Int] = [:]
        for (k, n) in serveKinds { kinds[k] = n }
        s += ",\"by_kind\":\(Counts.json(kinds))"
        s += ",\"notes\":[" + Wording.notes(report.notes).map { Render.json($0) }.joined(separator: ",") + "]"
        return s + "}"
    }

    func reportSummary(_ report: Report) -> String {
        let at = report.attribution
        var s = summaryHead(units: report.units, stats: report.stats)
        s += ",\"entries_read\":\(report.stats.entriesRead),\"entries_skipped\":\(report.stats.entriesSkipped)"
        s += ",\"skipped_files\":" + EventJSON.skippedFilesJSON(report.stats.skippedFiles)
        s += ",\"skipped_entries\":" + EventJSON.skippedEntriesJSON(report.stats.skippedEntryGroups)
        s += ",\"answer\":\(Render.json(Wording.answer(at)))"
        let hosts = at.hosts
        if hosts.count > 1 {
            s += ",\"by_host\":{" + hosts.map { "\(Render.json($0)):\(Render.json(Wording.answer(at, host: $0)))" }.joined(separator: ",") + "}"
        }
        s += ",\"drops\":\(at.drops.count),\"drops_before_filters\":\(at.drops.count + at.filteredOut),\"bursts\":\(at.bursts.count)"
        s += ",\"request_errors\":\(at.requestErrors.count),\"request_bursts\":\(at.requestBursts.count),\"outages\":\(at.outages.count)"
        s += ",\"incidents\":\(at.incidents.count)"
        let byVerdict = at.counts
        var counts: [String: Int] = [:]
        for (k, v) in byVerdict { counts[k.rawValue] = v }
        s += ",\"by_verdict\":\(Counts.json(counts))"
        s +=
            ",\"infra_implicated\":["
            + Verdict.allCases.filter { $0.isInfra && byVerdict[$0] != nil }.map { Render.json($0.rawValue) }.joined(separator: ",") + "]"
        s +=
            ",\"gaps\":["
            + at.gaps.map { g in
                "{\"start\":\(Render.json(Render.rfc3339(g.start))),\"end\":\(Render.json(Render.rfc3339(g.end))),\"seconds\":\(String(format: "%.3f", g.seconds)),\"boot_changed\":\(g.bootChanged)}"
            }.joined(separator: ",") + "]"
        s += ",\"clock_went_back\":\(at.clockWentBack.count)"
        s += ",\"notes\":[" + Wording.notes(report.notes).map { Render.json($0) }.joined(separator: ",") + "]"
        return s + "}"
    }
}

/// `-o json-pretty`: the NDJSON sink's objects gathered into one document
/// (`{"summary": {...}, "drops": [...], ...}`), written at the end.
final class PrettyJSONSink: ReportSink {
    let out: Output
    private let lines = Output()
    private let inner: JSONSink

    init(out: Output, style: RenderStyle) {
        self.out = out
        inner = JSONSink(out: lines, style: style)
    }

    var dropOrder: DropOrder { .time }
    /// The lists the command can give, present (empty) when it gave none:
    /// `jq '.drops[]'` on a quiet window is no error.
    private var lists: [String] = []
    func begin(_ run: RunHeader) throws(OutputError) {
        switch run.command {
        case .report: lists = ["incidents", "drops", "bursts", "outages", "request_errors"]
        case .bursts: lists = [run.requests ? "request_bursts" : "bursts"]
        case .dispatch: lists = ["events"]
        case .serve: lists = ["serve_events"]
        }
        try inner.begin(run)
    }
    func event(_ ev: Event) throws(OutputError) { try inner.event(ev) }
    func rows(_ bytes: [UInt8]) throws(OutputError) { lines.bytes(bytes) }
    func drop(_ d: Drop, in at: Attribution) throws(OutputError) { try inner.drop(d, in: at) }
    func burst(_ b: Burst, in at: Attribution) throws(OutputError) { try inner.burst(b, in: at) }
    func requestError(_ ev: Event, in at: Attribution) throws(OutputError) { try inner.requestError(ev, in: at) }
    func requestBurst(_ b: RequestBurst, in at: Attribution) throws(OutputError) { try inner.requestBurst(b, in: at) }
    func outage(_ o: DispatchOutage, in at: Attribution) throws(OutputError) { try inner.outage(o, in: at) }
    func incident(_ i: Incident, in at: Attribution) throws(OutputError) { try inner.incident(i, in: at) }
    func incidentGroup(_ g: IncidentGroup, in at: Attribution) throws(OutputError) { try inner.incidentGroup(g, in: at) }
    func hours(_ h: [HourCount], in at: Attribution) throws(OutputError) { try inner.hours(h, in: at) }
    func dropsOmitted(_ count: Int, in at: Attribution) throws(OutputError) { try inner.dropsOmitted(count, in: at) }
    func serveEvent(_ e: Event, user: String, userEvents: Int) throws(OutputError) { try inner.serveEvent(e, user: user, userEvents: userEvents) }

    func finish(_ end: RunEnd) throws(OutputError) {
        try inner.finish(end)
        var doc: [String: Any] = [:]
        var lists: [String: [Any]] = [:]
        for line in lines.take().split(separator: 0x0A) {
            guard let obj = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else { continue }
            let type = obj["type"] as? String ?? "other"
            if type == "summary" { doc["summary"] = obj } else { lists[type + "s", default: []].append(obj) }
        }
        for k in self.lists where lists[k] == nil { lists[k] = [] }
        for (k, v) in lists { doc[k] = v }
        if let data = try? JSONSerialization.data(withJSONObject: doc, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) {
            // JSONSerialization writes DEL and C1 controls raw (valid JSON, but not terminal-safe).
            out.bytes(SafeText.escapingRawControls(inJSON: data))
            out.newline()
        }
        try out.flush()
    }
}
