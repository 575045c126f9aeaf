import Foundation
import Classifiers

/// Renders verdicts, bursts and serve timelines as a table or NDJSON.
struct AttributionRenderer {
    let format: OutputFormat
    let local: Bool
    var verbose = false
    var color = false

    func paint(_ padded: String, _ key: String) -> String {
        guard color else { return padded }
        let trimmed = padded.replacingOccurrences(of: " ", with: "")
        return Terminal.color(for: key) + trimmed + Terminal.reset + String(repeating: " ", count: padded.count - trimmed.count)
    }

    var out: Output { Output.shared }

    func time(_ t: UInt64, digits: Int = 3) -> String { Render.rfc3339(t, local: local, fractionDigits: digits) }

    static func evidenceJSON(_ e: [Evidence]) -> String {
        "[" + e.map { x in
            "{\"realtime_usec\":\(x.realtime),\"time\":\(Render.json(Render.rfc3339(x.realtime))),\"unit\":\(Render.json(x.unit)),"
                + "\"kind\":\(Render.json(x.kind)),\"message\":\(Render.json(x.message)),\"cursor\":\(Render.json(x.cursor))}"
        }.joined(separator: ",") + "]"
    }

    func evidenceLines(_ e: [Evidence]) {
        for x in e {
            out.line("      <- \(time(x.realtime)) \(Render.cell(x.unit ?? "-")) \(Render.cell(x.kind)): \(Render.cell(x.message))"
                + (x.cursor.isEmpty ? "" : "  [cursor \(Render.cell(x.cursor))]"))
        }
    }

    func header(_ command: String, _ a: Analysis) {
        guard format == .table else { return }
        out.line("-- t3attr \(command): \(a.scan.windowText(local: local)) (\(local ? "local time" : "UTC")); units: \(Render.cell(a.scan.units.joined(separator: ", ")))")
    }

    /// The drop's user for a column (terminal-safe), else its port; a port
    /// several users claim shows every claimant: `alice|bob`.
    static func userText(_ ev: Event) -> String {
        if !ev.userCandidates.isEmpty { return Render.cell(ev.userCandidates.joined(separator: "|")) }
        return ev.user.map { Render.cell($0) } ?? ev.port.map { "port:\($0)" } ?? "-"
    }

    func drops(_ a: Analysis) {
        let at = a.attribution
        switch format {
        case .table, .markdown:
            out.line(at.answer)
            guard !at.drops.isEmpty else { return }
            let hosts = at.hosts
            for host in hosts {
                if hosts.count > 1 { out.line("== host \(host.isEmpty ? "(unknown)" : Render.cell(host)): \(at.answer(host: host))") }
                out.line(Render.column("TIME", 24) + Render.column("USER", 10) + Render.column("KIND", 11)
                    + Render.column("CLASS", 17) + Render.column("VERDICT", 8) + Render.column("REASON", 21) + "EVIDENCE")
                for d in at.drops where hosts.count == 1 || (d.event.host ?? "") == host {
                    let ev = d.event
                    let evidence = at.evidence(d.evidence)
                    var evText = evidence.first.map { "\(time($0.realtime, digits: 0)) \(Render.cell($0.unit ?? "-")): \(Render.cell($0.message))" } ?? "-"
                    if d.evidence.count > 1 && !verbose { evText += " (+\(d.evidence.count - 1) more)" }
                    if d.burstSecond != nil && d.evidence.isEmpty { evText = "burst of \(burstCount(at, d)) at \(time(d.burstSecond! * 1_000_000, digits: 0))" }
                    out.line(Render.column(time(ev.realtime), 24) + Render.column(Self.userText(ev), 10)
                        + Render.column(ev.kind, 11) + Render.column(ev.className ?? "-", 17)
                        + paint(Render.column(d.verdict.rawValue, 8), d.verdict.rawValue) + Render.column(d.reason, 21) + evText)
                    if verbose { evidenceLines(evidence) }
                }
            }
        case .json, .jsonPretty:
            for d in at.drops { dropJSON(d, at) }
        }
    }

    func burstCount(_ at: Attribution, _ d: Drop) -> Int {
        at.bursts.first { $0.second == d.burstSecond }?.count ?? 0
    }

    func dropJSON(_ d: Drop, _ at: Attribution) {
        EventRenderer.writeEventJSON(d.event, type: "drop") { o in
            o.ascii(",\"verdict\":"); o.jsonString(d.verdict.rawValue)
            o.ascii(",\"reason\":"); o.jsonString(d.reason)
            o.ascii(",\"trigger\":"); o.jsonString(d.trigger.rawValue)
            o.ascii(",\"burst_second\":")
            if let b = d.burstSecond { o.byte(0x22); o.rfc3339UTC(b * 1_000_000, fractionDigits: 0); o.byte(0x22) } else { o.ascii("null") }
            o.ascii(",\"evidence\":"); o.write(Self.evidenceJSON(at.evidence(d.evidence)))
        }
        out.newline()
    }

    func bursts(_ a: Analysis, min: Int? = nil) {
        let list = a.attribution.bursts.filter { min == nil || $0.count >= min! }
        switch format {
        case .table, .markdown:
            if list.isEmpty {
                out.line("-- No bursts (\(a.attribution.drops.isEmpty ? "no drops" : "no second with enough downstream teardowns")).")
                return
            }
            out.line("-- \(list.count) burst\(list.count == 1 ? "" : "s")")
            let fleet = Set(list.map { $0.host ?? "" }).count > 1
            out.line((fleet ? Render.column("HOST", 12) : "") + Render.column("SECOND", 21) + Render.column("COUNT", 6) + Render.column("VERDICT", 8)
                + Render.column("REASON", 15) + Render.column("CLASSES", 30) + "USERS")
            for b in list {
                out.line((fleet ? Render.column(Render.cell(b.host ?? "-"), 12) : "") + Render.column(time(b.second * 1_000_000, digits: 0), 21) + Render.column(String(b.count), 6)
                    + paint(Render.column(b.verdict.rawValue, 8), b.verdict.rawValue) + Render.column(b.reason, 15)
                    + Render.column(EventSummary.text(b.classes), 30) + (b.users.isEmpty ? "-" : Render.cell(b.users.joined(separator: ","))))
                if verbose { evidenceLines(a.attribution.evidence(b.evidence)) }
            }
        case .json, .jsonPretty:
            for b in list {
                var s = "{\"type\":\"burst\",\"host\":\(Render.json(b.host)),\"second\":\(Render.json(Render.rfc3339(b.second * 1_000_000, fractionDigits: 0)))"
                s += ",\"second_epoch\":\(b.second),\"count\":\(b.count)"
                s += ",\"users\":[" + b.users.map { Render.json($0) }.joined(separator: ",") + "]"
                s += ",\"classes\":\(EventSummary.json(b.classes))"
                s += ",\"verdict\":\(Render.json(b.verdict.rawValue)),\"reason\":\(Render.json(b.reason))"
                s += ",\"evidence\":" + Self.evidenceJSON(a.attribution.evidence(b.evidence)) + "}"
                out.line(s)
            }
        }
    }

    /// Per-user serve-side timelines.
    func serve(_ a: Analysis, users: [String]) {
        var byUser: [String: [Event]] = [:]
        for s in a.attribution.signals {
            guard let sig = s.signal else { continue }
            let key: String
            if let u = s.user { key = u } else if case .oomKill = sig { key = "(host)" } else if case .earlyoomKill = sig { key = "(host)" } else { continue }
            if !users.isEmpty && !users.contains(key) { continue }
            byUser[key, default: []].append(s)
        }
        switch format {
        case .table, .markdown:
            if byUser.isEmpty { out.line("-- No serve-side events in \(a.scan.windowText(local: local))."); return }
            for user in byUser.keys.sorted() {
                let evs = byUser[user]!
                out.line("== \(Render.cell(user)): \(evs.count) event\(evs.count == 1 ? "" : "s")")
                for e in evs {
                    out.line("  " + Render.column(time(e.realtime), 24) + Render.column(e.kind, 23) + Render.cell(e.message))
                }
            }
        case .json, .jsonPretty:
            for user in byUser.keys.sorted() {
                for e in byUser[user]! {
                    var extra = ""
                    if case .unit(let act)? = e.signal, act.isCrash { extra = ",\"crash\":true" }
                    EventRenderer.writeEventJSON(e, type: "serve_event") { o in o.write(extra) }
                    out.newline()
                }
            }
        }
    }

    func summary(_ a: Analysis, window: TimeWindow) {
        let at = a.attribution
        switch format {
        case .table, .markdown:
            if !at.gaps.isEmpty {
                for g in at.gaps {
                    out.line("-- host \(g.bootChanged ? "reboot" : "gap"): \(String(format: "%.1f", g.seconds)) s without journal entries, \(time(g.start)) .. \(time(g.end))")
                }
            }
        case .json, .jsonPretty:
            var s = "{\"type\":\"summary\""
            s += ",\"since\":\(Render.json(window.since.map { Render.rfc3339($0) }))"
            s += ",\"until\":\(Render.json(window.until.map { Render.rfc3339($0) }))"
            s += ",\"since_usec\":\(Render.json(window.since)),\"until_usec\":\(Render.json(window.until))"
            s += ",\"units\":[" + a.scan.units.map { Render.json($0) }.joined(separator: ",") + "]"
            s += ",\"entries_read\":\(a.scan.journal.entriesRead),\"entries_skipped\":\(a.scan.journal.skippedEntries)"
            s += ",\"skipped_files\":" + EventRenderer.skippedFilesJSON(a.scan.journal.skippedFiles)
            s += ",\"skipped_entries\":" + EventRenderer.skippedEntriesJSON(a.scan.journal.skippedEntryGroups)
            s += ",\"answer\":\(Render.json(at.answer))"
            let hosts = at.hosts
            if hosts.count > 1 {
                s += ",\"by_host\":{" + hosts.map { "\(Render.json($0)):\(Render.json(at.answer(host: $0)))" }.joined(separator: ",") + "}"
            }
            s += ",\"drops\":\(at.drops.count),\"bursts\":\(at.bursts.count)"
            var counts: [String: Int] = [:]
            for (k, v) in at.counts { counts[k.rawValue] = v }
            s += ",\"by_verdict\":\(EventSummary.json(counts))"
            s += ",\"infra_implicated\":[" + Verdict.allCases.filter { $0.isInfra && at.counts[$0] != nil }.map { Render.json($0.rawValue) }.joined(separator: ",") + "]"
            s += ",\"gaps\":[" + at.gaps.map { g in
                "{\"start\":\(Render.json(Render.rfc3339(g.start))),\"end\":\(Render.json(Render.rfc3339(g.end))),\"seconds\":\(String(format: "%.3f", g.seconds)),\"boot_changed\":\(g.bootChanged)}"
            }.joined(separator: ",") + "]"
            s += ",\"clock_went_back\":\(at.clockWentBack.count)"
            s += ",\"notes\":[" + a.notes.map { Render.json($0) }.joined(separator: ",") + "]"
            out.line(s + "}")
        }
    }
}
