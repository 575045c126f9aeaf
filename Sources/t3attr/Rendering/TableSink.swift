import Analysis
import Classifiers
import Foundation

/// The table for people: one row per event, drop, burst or serve event,
/// column headers per section, summaries as `-- ` lines.
final class TableSink: ReportSink {
    let out: Output
    let style: RenderStyle
    private var run = RunHeader(command: .report, window: TimeWindow(), units: [])
    private var currentHost: String?
    private var dropsSeen = 0
    private var burstsSeen = 0
    private var requestBurstsSeen = 0
    private var incidentsSeen = 0
    private var serveUser: String?
    /// Per run, worked out at the first drop or burst (not once per row).
    private var hostCount: Int?
    private var burstsFromSeveralHosts: Bool?

    init(out: Output, style: RenderStyle) {
        self.out = out
        self.style = style
    }

    var dropOrder: DropOrder { .byHost }

    var zone: String { style.local ? "local time" : "UTC" }

    func time(_ t: UInt64, digits: Int = 3) -> String { Render.rfc3339(t, local: style.local, fractionDigits: digits) }

    /// A verdict padded to its column, coloured when colour is on.
    func paint(_ padded: String, _ verdict: Verdict) -> String {
        guard style.color else { return padded }
        let trimmed = padded.replacingOccurrences(of: " ", with: "")
        return Terminal.color(for: verdict) + trimmed + Terminal.reset + String(repeating: " ", count: padded.count - trimmed.count)
    }

    /// The drop's user for a column (terminal-safe), else its port; a port
    /// several users claim shows every claimant: `alice|bob`.
    static func userText(_ ev: Event) -> String {
        if !ev.userCandidates.isEmpty { return Render.cell(ev.userCandidates.joined(separator: "|")) }
        return ev.user.map { Render.cell($0) } ?? ev.port.map { "port:\($0)" } ?? "-"
    }

    func begin(_ run: RunHeader) throws(OutputError) {
        self.run = run
        let units = Render.cell(run.units.joined(separator: ", "))
        let window = Wording.window(run.window, local: style.local)
        switch run.command {
        case .dispatch:
            out.line("-- t3attr dispatch\(run.follow ? " --follow" : ""): \(window) (\(zone)); units: \(units)")
            out.line(
                Render.column("TIME", 26) + Render.column("USER", 10) + Render.column("KIND", 19)
                    + Render.column("CLASS", 17) + Render.column("SIDE", 10) + Render.column("PORT", 5)
                    + Render.column("DUR", 9) + "MESSAGE")
        case .report, .bursts, .serve:
            if run.follow {
                out.line(
                    "-- t3attr \(run.command.rawValue) --follow: a drop is shown \(run.settleSeconds) s after it, when its verdict is final; Ctrl-C ends"
                )
                return
            }
            out.line("-- t3attr \(run.command.rawValue): \(window) (\(zone)); units: \(units)")
            if run.command == .report, let at = run.report?.attribution { out.line(Wording.answer(at)) }
        }
        try out.check()
    }

    func event(_ ev: Event) throws(OutputError) {
        let o = out
        var start = o.count
        if style.local { o.write(Render.rfc3339(ev.realtime, local: true, fractionDigits: 3)) } else { o.rfc3339UTC(ev.realtime, fractionDigits: 3) }
        o.pad(from: start, to: 26)
        if !ev.userCandidates.isEmpty {
            o.cell(ev.userCandidates.joined(separator: "|").utf8)
        } else if let u = ev.user {
            o.cell(u.utf8)
        } else if let p = ev.port {
            o.ascii("port:")
            o.int(p)
        } else {
            o.byte(0x2D)
        }
        o.pad(from: start, to: 37)
        o.write(ev.kind.rawValue)
        o.pad(from: start, to: 57)
        if let c = ev.className { o.write(c.name) } else { o.byte(0x2D) }
        o.pad(from: start, to: 75)
        if ev.className != nil {
            if style.color {
                let c = Terminal.color(for: ev.side)
                o.write(c)
                o.write(ev.side.rawValue)
                o.write(Terminal.reset)
                start += c.utf8.count + Terminal.reset.utf8.count
            } else {
                o.write(ev.side.rawValue)
            }
        } else {
            o.byte(0x2D)
        }
        o.pad(from: start, to: 86)
        if let p = ev.port { o.int(p) } else { o.byte(0x2D) }
        o.pad(from: start, to: 92)
        if let d = ev.durationMs { o.write(EventJSON.duration(d)) } else { o.byte(0x2D) }
        o.pad(from: start, to: 102)
        var msg = ev.message[...]
        if let d = ev.dispatch, d.sourceTime != nil, msg.count >= 20 { msg = msg.dropFirst(20) }
        o.cell(msg)
        o.newline()
        try o.check()
    }

    func rows(_ bytes: [UInt8]) throws(OutputError) {
        out.bytes(bytes)
        try out.flush()
    }

    func evidenceLines(_ e: [Evidence]) {
        for x in e {
            out.line(
                "      <- \(time(x.realtime)) \(Render.cell(x.unit ?? "-")) \(x.kind.name): \(Render.cell(x.message))"
                    + (x.cursor.isEmpty ? "" : "  [cursor \(Render.cell(x.cursor))]"))
        }
    }

    func drop(_ d: Drop, in at: Attribution) throws(OutputError) {
        defer { dropsSeen += 1 }
        let ev = d.event
        let evidence = at.evidence(d.evidence)
        if run.follow {
            let evText = evidence.first.map { "\(time($0.realtime, digits: 0)) \(Render.cell($0.unit ?? "-")): \(Render.cell($0.message))" } ?? "-"
            out.line(
                Render.column(time(ev.realtime), 24) + (ev.host.map { Render.column(Render.cell($0), 12) } ?? "")
                    + Render.column(Self.userText(ev), 10) + Render.column(ev.kind.rawValue, 11) + Render.column(ev.className?.name ?? "-", 17)
                    + paint(Render.column(d.verdict.rawValue, 8), d.verdict) + Render.column(d.reason.rawValue, 21) + evText)
            try out.check()
            return
        }
        let hosts = hostCount ?? at.hosts.count
        hostCount = hosts
        let host = ev.host ?? ""
        if hosts > 1, currentHost != host {
            currentHost = host
            out.line("== host \(host.isEmpty ? "(unknown)" : Render.cell(host)): \(Wording.answer(at, host: host))")
            columnHeader()
        } else if dropsSeen == 0 && hosts <= 1 {
            columnHeader()
        }
        var evText = evidence.first.map { "\(time($0.realtime, digits: 0)) \(Render.cell($0.unit ?? "-")): \(Render.cell($0.message))" } ?? "-"
        if d.evidence.count > 1 && !style.verbose { evText += " (+\(d.evidence.count - 1) more)" }
        if let second = d.burstSecond, d.evidence.isEmpty {
            evText = "burst of \(at.bursts.first { $0.second == second }?.count ?? 0) at \(time(second * 1_000_000, digits: 0))"
        }
        if let c = d.corroboration, c.journalReason != d.reason {
            if let m = c.metrics.first {
                evText = CorroborationText.metric(m, time: { self.time($0, digits: 0) })
            } else if let e = c.tunnel.first {
                evText = "tunnel " + CorroborationText.tunnel(e, time: { self.time($0, digits: 0) })
            }
        }
        out.line(
            Render.column(time(ev.realtime), 24) + Render.column(Self.userText(ev), 10)
                + Render.column(ev.kind.rawValue, 11) + Render.column(ev.className?.name ?? "-", 17)
                + paint(Render.column(d.verdict.rawValue, 8), d.verdict) + Render.column(d.reason.rawValue, 21) + evText)
        // The corroboration is under the drop's incident; a drop outside any incident carries it here.
        if let c = d.corroboration, d.incident == nil {
            for l in CorroborationText.lines(c, time: { self.time($0, digits: 0) }) { out.line("      ~ " + l) }
        }
        if style.verbose { evidenceLines(evidence) }
        try out.check()
    }

    private func columnHeader() {
        out.line(
            Render.column("TIME", 24) + Render.column("USER", 10) + Render.column("KIND", 11)
                + Render.column("CLASS", 17) + Render.column("VERDICT", 8) + Render.column("REASON", 21) + "EVIDENCE")
    }

    func burst(_ b: Burst, in at: Attribution) throws(OutputError) {
        defer { burstsSeen += 1 }
        if run.follow {
            out.line(
                Render.column(time(b.second * 1_000_000, digits: 0), 21) + Render.column(String(b.count), 6)
                    + paint(Render.column(b.verdict.rawValue, 8), b.verdict) + Render.column(b.reason.rawValue, 15)
                    + Render.column(Counts.text(b.classes), 30) + (b.users.isEmpty ? "-" : Render.cell(b.users.joined(separator: ","))))
            try out.check()
            return
        }
        let fleet = burstsFromSeveralHosts ?? (Set(at.bursts.map { $0.host ?? "" }).count > 1)
        burstsFromSeveralHosts = fleet
        if burstsSeen == 0 {
            out.line("-- \(at.bursts.count) burst\(at.bursts.count == 1 ? "" : "s")")
            out.line(
                (fleet ? Render.column("HOST", 12) : "") + Render.column("SECOND", 21) + Render.column("COUNT", 6) + Render.column("VERDICT", 8)
                    + Render.column("REASON", 15) + Render.column("CLASSES", 30) + "USERS")
        }
        out.line(
            (fleet ? Render.column(Render.cell(b.host ?? "-"), 12) : "") + Render.column(time(b.second * 1_000_000, digits: 0), 21)
                + Render.column(String(b.count), 6)
                + paint(Render.column(b.verdict.rawValue, 8), b.verdict) + Render.column(b.reason.rawValue, 15)
                + Render.column(Counts.text(b.classes), 30) + (b.users.isEmpty ? "-" : Render.cell(b.users.joined(separator: ","))))
        if let c = b.corroboration {
            for l in CorroborationText.lines(c, time: { self.time($0, digits: 0) }) { out.line("      ~ " + l) }
        }
        if style.verbose { evidenceLines(at.evidence(b.evidence)) }
        try out.check()
    }

    func serveEvent(_ e: Event, user: String, userEvents: Int) throws(OutputError) {
        if serveUser != user {
            serveUser = user
            out.line("== \(Render.cell(user)): \(userEvents) event\(userEvents == 1 ? "" : "s")")
        }
        out.line("  " + Render.column(time(e.realtime), 24) + Render.column(e.kind.rawValue, 23) + Render.cell(e.message))
        try out.check()
    }

    func finish(_ end: RunEnd) throws(OutputError) {
        switch end {
        case .listing(let r):
            let sum = r.summary
            if sum.total == 0 {
                out.line("-- No dispatch events in \(Wording.window(run.window, local: style.local)).")
            } else {
                out.line("-- \(sum.total) event\(sum.total == 1 ? "" : "s"): \(Counts.text(Counts.byKind(sum)))")
                if !sum.byClass.isEmpty { out.line("-- by class: \(Counts.text(Counts.byClass(sum)))") }
                if !sum.bySide.isEmpty { out.line("-- by side: \(Counts.text(Counts.bySide(sum)))") }
            }
        case .report(let report):
            let at = report.attribution
            if run.command == .serve {
                if serveUser == nil { out.line("-- No serve-side events in \(Wording.window(run.window, local: style.local)).") }
                break
            }
            if run.requests {
                if requestBurstsSeen == 0 { out.line("-- No second with enough cancelled requests.") }
            } else if burstsSeen == 0 {
                out.line("-- No bursts (\(at.drops.isEmpty ? "no drops" : "no second with enough downstream teardowns")).")
            }
            if run.command == .report, !at.requestErrors.isEmpty { requestErrorLine(at) }
            if run.command == .report {
                for o in at.outages {
                    let span = o.ongoing ? "\(time(o.start)) .. (still down at \(time(o.end)))" : "\(time(o.start)) .. \(time(o.end))"
                    out.line(
                        "-- dispatch outage: \(span), \(String(format: "%.1f", o.seconds)) s, \(o.restarts) restart\(o.restarts == 1 ? "" : "s") scheduled, cause \(o.cause.rawValue)"
                            + (o.detail.map { ": " + Render.cell($0) } ?? ""))
                }
            }
            for g in at.gaps {
                out.line(
                    "-- host \(g.bootChanged ? "reboot" : "gap"): \(String(format: "%.1f", g.seconds)) s without journal entries, \(time(g.start)) .. \(time(g.end))"
                )
            }
        case .stopped:
            break
        }
        try out.flush()
    }

    /// The report leads with its incidents (issue 13, section 9).
    func incident(_ i: Incident, in at: Attribution) throws(OutputError) {
        guard !run.follow else { return }
        defer { incidentsSeen += 1 }
        if incidentsSeen == 0 {
            let n = at.incidents.count
            out.line("-- \(n) incident\(n == 1 ? "" : "s")")
            out.line(
                Render.column("#", 4) + Render.column("START", 24) + Render.column("END", 24) + Render.column("VERDICT", 9)
                    + Render.column("REASON", 23) + Render.column("DROPS", 6) + Render.column("BASIS", 12) + "USERS")
        }
        out.line(
            Render.column(String(i.id), 4) + Render.column(time(i.start), 24) + Render.column(time(i.end), 24)
                + paint(Render.column(i.verdict.rawValue, 9), i.verdict) + Render.column(i.reason.rawValue, 23)
                + Render.column(String(i.drops), 6) + Render.column(i.basis.rawValue, 12)
                + (i.users.isEmpty ? "-" : Render.cell(i.users.joined(separator: ","))))
        // Issue 14: the legs, devvm's pressure and the tunnel's events around its first drop.
        if let c = at.drops.first(where: { $0.incident == i.id && $0.corroboration != nil })?.corroboration {
            for l in CorroborationText.lines(c, time: { self.time($0, digits: 0) }) { out.line("      ~ " + l) }
        }
        try out.check()
    }

    func requestBurst(_ b: RequestBurst, in at: Attribution) throws(OutputError) {
        defer { requestBurstsSeen += 1 }
        let fleet = Set(at.requestBursts.map { $0.host ?? "" }).count > 1
        if requestBurstsSeen == 0 {
            let n = at.requestBursts.count
            out.line("-- \(n) second\(n == 1 ? "" : "s") with at least --min cancelled requests (the runbook's recipe, per second)")
            out.line((fleet ? Render.column("HOST", 12) : "") + Render.column("SECOND", 21) + "COUNT")
        }
        out.line(
            (fleet ? Render.column(Render.cell(b.host ?? "-"), 12) : "") + Render.column(time(b.second * 1_000_000, digits: 0), 21) + String(b.count))
        try out.check()
    }

    /// New-era proxy errors: counted apart from the drops.
    private func requestErrorLine(_ at: Attribution) {
        var classes: [String: Int] = [:]
        for e in at.requestErrors { classes[e.className?.name ?? "other", default: 0] += 1 }
        out.line(
            "-- \(at.requestErrors.count) request error\(at.requestErrors.count == 1 ? "" : "s") (failed plain HTTP requests, not drops): \(Counts.text(classes))"
        )
    }
}
