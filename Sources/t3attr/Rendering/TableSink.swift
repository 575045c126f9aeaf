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
    private var requestErrorsSeen = 0
    /// Each incident's first corroborated drop's corroboration, found in one pass at
    /// the first incident (a search per incident was quadratic: 90 s on a week).
    private var incidentCorroboration: [Int: DropCorroboration]?
    private var serveUser: String?
    /// Per run, worked out at the first drop or burst (not once per row).
    private var hostCount: Int?
    private var burstsFromSeveralHosts: Bool?
    /// The drop table's column widths, sized to the run's content (at the first drop).
    private var dropWidths: (user: Int, kind: Int, cls: Int, reason: Int)?

    init(out: Output, style: RenderStyle) {
        self.out = out
        self.style = style
    }

    var dropOrder: DropOrder { .byHost }

    var zone: String { style.local ? "local time, \(TimeZone.current.identifier)" : "UTC" }
    /// `--local` times end in `+HH:MM`, not `Z`: the time columns are this much wider.
    var localShift: Int { style.local ? 5 : 0 }

    func time(_ t: UInt64, digits: Int = 3) -> String { Render.rfc3339(t, local: style.local, fractionDigits: digits) }

    /// A verdict padded to its column, coloured when colour is on.
    func paint(_ padded: String, _ verdict: Verdict) -> String {
        guard style.color else { return padded }
        let trimmed = padded.replacingOccurrences(of: " ", with: "")
        return Terminal.color(for: verdict) + trimmed + Terminal.reset + String(repeating: " ", count: padded.count - trimmed.count)
    }

    /// The drop's user for a column (terminal-safe), else its port; a port
    /// several users claim shows every claimant: `alice|bob`.
    /// A drop's user; for a dispatch restart or outage, the users whose sockets it cut
    /// (the first three, then +N).
    static func userText(_ d: Drop) -> String {
        guard d.event.user == nil, d.event.userCandidates.isEmpty, !d.severed.isEmpty else { return userText(d.event) }
        let users = Array(Set(d.severed)).sorted()
        return Render.cell(users.prefix(3).joined(separator: ",")) + (users.count > 3 ? "+\(users.count - 3)" : "")
    }

    static func userText(_ ev: Event) -> String {
        if !ev.userCandidates.isEmpty { return Render.cell(ev.userCandidates.joined(separator: "|")) }
        return ev.user.map { Render.cell($0) } ?? ev.port.map { "port:\($0)" } ?? "-"
    }

    /// One table line, cut to the terminal's width (see `RenderStyle.width`).
    func row(_ s: String) {
        let start = out.count
        out.write(s)
        if let w = style.width { out.fit(from: start, width: w) }
        out.newline()
    }

    /// The answer is never cut: on a terminal it wraps at spaces, the rest indented.
    func wrapped(_ s: String) {
        for line in style.wrapped(s) { out.line(line) }
    }

    func begin(_ run: RunHeader) throws(OutputError) {
        self.run = run
        let units = Render.cell(run.units.joined(separator: ", "))
        let window = Wording.window(run.window, local: style.local)
        switch run.command {
        case .dispatch:
            row("-- t3attr dispatch\(run.follow ? " --follow" : ""): \(window) (\(zone))")
            row(
                Render.column("TIME", 25 + localShift) + Render.column("USER", 10) + Render.column("KIND", 19)
                    + Render.column("CLASS", 17) + Render.column("SIDE", 10) + Render.column("PORT", 5)
                    + Render.column("DUR", 9) + "MESSAGE")
        case .report, .bursts, .serve:
            if run.follow {
                row(
                    "-- t3attr \(run.command.rawValue) --follow: a \(run.command == .bursts ? "burst" : "drop") is shown \(run.settleSeconds) s after it, when its verdict is final; Ctrl-C ends"
                )
                // The columns of the rows to come (`bursts -f` printed rows under no header).
                if run.command == .bursts {
                    row(
                        Render.column("SECOND", 21 + localShift) + Render.column("COUNT", 6) + Render.column("VERDICT", 8)
                            + Render.column("REASON", 15) + Render.column("CLASSES", 30) + "USERS")
                } else if run.command == .report {
                    row(
                        Render.column("TIME", 24 + localShift) + Render.column("HOST", 12) + Render.column("USER", 10)
                            + Render.column("KIND", 11) + Render.column("CLASS", 17) + Render.column("VERDICT", 8)
                            + Render.column("REASON", 21) + "EVIDENCE")
                }
                try out.check()
                return
            }
            row("-- t3attr \(run.command.rawValue): \(window) (\(zone))" + (style.verbose ? "; units: \(units)" : ""))
            if run.command == .report, let at = run.report?.attribution { wrapped(Wording.answer(at)) }
        }
        try out.check()
    }

    func event(_ ev: Event) throws(OutputError) {
        let o = out
        let lineStart = o.count
        var start = lineStart
        let shift = localShift
        if style.local { o.write(Render.rfc3339(ev.realtime, local: true, fractionDigits: 3)) } else { o.rfc3339UTC(ev.realtime, fractionDigits: 3) }
        o.pad(from: start, to: 26 + shift)
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
        o.pad(from: start, to: 37 + shift)
        o.write(ev.kind.rawValue)
        o.pad(from: start, to: 57 + shift)
        if let c = ev.className { o.write(c.name) } else { o.byte(0x2D) }
        o.pad(from: start, to: 75 + shift)
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
        o.pad(from: start, to: 86 + shift)
        if let p = ev.port { o.int(p) } else { o.byte(0x2D) }
        o.pad(from: start, to: 92 + shift)
        if let d = ev.durationMs { o.duration(d) } else { o.byte(0x2D) }
        o.pad(from: start, to: 102 + shift)
        var msg = ev.message[...]
        if let d = ev.dispatch, d.sourceTime != nil, msg.count >= 20 { msg = msg.dropFirst(20) }
        o.cell(msg)
        if let w = style.width { o.fit(from: lineStart, width: w) }
        o.newline()
        try o.check()
    }

    func rows(_ bytes: [UInt8]) throws(OutputError) {
        out.bytes(bytes)
        try out.flush()
    }

    /// Evidence entries already listed (`-v` shows each once: under its incident first).
    private var evidenceShown = Set<String>()

    func evidenceLines(_ e: [Evidence]) {
        var repeated = 0
        for x in e {
            if !x.cursor.isEmpty && !evidenceShown.insert(x.cursor).inserted {
                repeated += 1
                continue
            }
            row(
                "      <- \(time(x.realtime)) \(Render.cell(x.unit ?? "-")) \(x.kind.name): \(Render.cell(x.message))"
                    + (x.cursor.isEmpty ? "" : "  [cursor \(Render.cell(x.cursor))]"))
        }
        if repeated > 0 { row("      <- (+\(repeated) listed above)") }
    }

    func drop(_ d: Drop, in at: Attribution) throws(OutputError) {
        defer { dropsSeen += 1 }
        let ev = d.event
        let evidence = at.evidence(d.evidence)
        if run.follow {
            let evText = evidence.first.map { "\(time($0.realtime, digits: 0)) \(Render.cell($0.unit ?? "-")): \(Render.cell($0.message))" } ?? "-"
            row(
                Render.column(time(ev.realtime), 24 + localShift) + (ev.host.map { Render.column(Render.cell($0), 12) } ?? "")
                    + Render.column(Self.userText(d), 10) + Render.column(ev.kind.rawValue, 11) + Render.column(ev.className?.name ?? "-", 17)
                    + paint(Render.column(d.verdict.rawValue, 8), d.verdict) + Render.column(d.reason.rawValue, 21) + evText)
            try out.check()
            return
        }
        let hosts = hostCount ?? at.hosts.count
        hostCount = hosts
        _ = widths(at)
        let host = ev.host ?? ""
        if hosts > 1, currentHost != host {
            currentHost = host
            wrapped("== host \(host.isEmpty ? "(unknown)" : Render.cell(host)): \(Wording.answer(at, host: host))")
            columnHeader()
        } else if dropsSeen == 0 && hosts <= 1 {
            columnHeader()
        }
        var evText = evidence.first.map { "\(time($0.realtime, digits: 0)) \(Render.cell($0.unit ?? "-")): \(Render.cell($0.message))" } ?? "-"
        // With -v the evidence is listed once, under the drop's incident.
        if d.evidence.count > 1 && (!style.verbose || d.incident != nil) { evText += " (+\(d.evidence.count - 1) more)" }
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
        let w = widths(at)
        row(
            Render.column(time(ev.realtime), 24 + localShift) + Render.column(Self.userText(d), w.user)
                + Render.column(ev.kind.rawValue, w.kind) + Render.column(ev.className?.name ?? "-", w.cls)
                + paint(Render.column(d.verdict.rawValue, 8), d.verdict) + Render.column(d.reason.rawValue, w.reason) + evText)
        // The corroboration is under the drop's incident; a drop outside any incident carries it here.
        if let c = d.corroboration, d.incident == nil {
            for l in CorroborationText.lines(c, time: { self.time($0, digits: 0) }) { out.line("      ~ " + l) }
        }
        if style.verbose && d.incident == nil { evidenceLines(evidence) }
        try out.check()
    }

    private func columnHeader() {
        let w = dropWidths ?? (10, 11, 17, 21)
        row(
            Render.column("TIME", 24 + localShift) + Render.column("USER", w.user) + Render.column("KIND", w.kind)
                + Render.column("CLASS", w.cls) + Render.column("VERDICT", 8) + Render.column("REASON", w.reason) + "EVIDENCE")
    }

    /// Fixed columns as wide as their widest cell in this run (at least the header's).
    private func widths(_ at: Attribution) -> (user: Int, kind: Int, cls: Int, reason: Int) {
        if let w = dropWidths { return w }
        var w = (user: 4, kind: 4, cls: 5, reason: 6)
        for d in at.drops {
            w.user = max(w.user, Self.userText(d).count)
            w.kind = max(w.kind, d.event.kind.rawValue.count)
            w.cls = max(w.cls, (d.event.className?.name ?? "-").count)
            w.reason = max(w.reason, d.reason.rawValue.count)
        }
        dropWidths = w
        return w
    }

    func burst(_ b: Burst, in at: Attribution) throws(OutputError) {
        defer { burstsSeen += 1 }
        if run.follow {
            row(
                Render.column(time(b.second * 1_000_000, digits: 0), 21 + localShift) + Render.column(String(b.count), 6)
                    + paint(Render.column(b.verdict.rawValue, 8), b.verdict) + Render.column(b.reason.rawValue, 15)
                    + Render.column(Counts.text(b.classes), 30) + (b.users.isEmpty ? "-" : Render.cell(b.users.joined(separator: ","))))
            try out.check()
            return
        }
        // A fleet's report names the host of every burst, as of every incident.
        let fleet = burstsFromSeveralHosts ?? (at.hosts.count > 1 || Set(at.bursts.map { $0.host ?? "" }).count > 1)
        burstsFromSeveralHosts = fleet
        if burstsSeen == 0 {
            row("-- \(at.bursts.count) burst\(at.bursts.count == 1 ? "" : "s")")
            row(
                (fleet ? Render.column("HOST", 12) : "") + Render.column("SECOND", 21 + localShift) + Render.column("COUNT", 6)
                    + Render.column("VERDICT", 8)
                    + Render.column("REASON", 15) + Render.column("CLASSES", 30) + "USERS")
        }
        row(
            (fleet ? Render.column(Render.cell(b.host ?? "-"), 12) : "") + Render.column(time(b.second * 1_000_000, digits: 0), 21 + localShift)
                + Render.column(String(b.count), 6)
                + paint(Render.column(b.verdict.rawValue, 8), b.verdict) + Render.column(b.reason.rawValue, 15)
                + Render.column(Counts.text(b.classes), 30) + (b.users.isEmpty ? "-" : Render.cell(b.users.joined(separator: ","))))
        if let c = b.corroboration {
            for l in CorroborationText.lines(c, time: { self.time($0, digits: 0) }) { out.line("      ~ " + l) }
        }
        if style.verbose {
            evidenceLines(at.evidence(b.evidence))
            // Evidence keeps `maxEvidence` lines: say what else the burst held.
            let shown = b.evidence.count { if case .drop = $0 { true } else { false } }
            let shownRequests = b.evidence.count - shown
            let more = (shown > 0 ? max(0, b.count - shown) : 0) + max(0, b.requestsCancelled - shownRequests)
            if more > 0 {
                row(
                    "      <- (+\(more) more: \(b.count) drop\(b.count == 1 ? "" : "s") and \(b.requestsCancelled) cancelled request\(b.requestsCancelled == 1 ? "" : "s") in all)"
                )
            }
        }
        try out.check()
    }

    func serveEvent(_ e: Event, user: String, userEvents: Int) throws(OutputError) {
        if serveUser != user {
            serveUser = user
            row("== \(Render.cell(user)): \(userEvents) event\(userEvents == 1 ? "" : "s")")
        }
        row("  " + Render.column(time(e.realtime), 24) + Render.column(e.kind.rawValue, 23) + Render.cell(e.message))
        try out.check()
    }

    func finish(_ end: RunEnd) throws(OutputError) {
        switch end {
        case .listing(let r):
            let sum = r.summary
            if sum.total == 0 {
                row("-- No dispatch events in \(Wording.window(run.window, local: style.local)).")
            } else {
                wrapped("-- \(sum.total) event\(sum.total == 1 ? "" : "s"): \(Counts.text(Counts.byKind(sum)))")
                if !sum.byClass.isEmpty { wrapped("-- by class: \(Counts.text(Counts.byClass(sum)))") }
                if !sum.bySide.isEmpty { wrapped("-- by side: \(Counts.text(Counts.bySide(sum)))") }
            }
        case .report(let report):
            let at = report.attribution
            if run.command == .serve {
                if serveUser == nil { row("-- No serve-side events in \(Wording.window(run.window, local: style.local)).") }
                break
            }
            if run.requests {
                if requestBurstsSeen == 0 { row("-- No second with enough cancelled requests.") }
            } else if burstsSeen == 0 && !at.filters.isEmpty {
                row("-- No bursts among the drops kept (\(at.filters.map { SafeText.text($0) }.joined(separator: " "))).")
            } else if burstsSeen == 0 {
                // `bursts` lists no drop outside a burst: it says how many there were.
                let k = at.dropsLeftOut
                let why =
                    at.drops.isEmpty && k == 0
                    ? "no drops" : (k > 0 ? "\(k) drop\(k == 1 ? "" : "s"), " : "") + "no second with enough downstream teardowns"
                row("-- No bursts (\(why)).")
            }
            for g in at.gaps {
                row(
                    "-- host \(g.bootChanged ? "reboot" : "gap"): \(String(format: "%.1f", g.seconds)) s without journal entries, \(time(g.start)) .. \(time(g.end))"
                )
            }
        case .stopped(let t):
            let events = "\(t.events) event\(t.events == 1 ? "" : "s")"
            let drops = "\(t.drops) drop\(t.drops == 1 ? "" : "s")"
            let bursts = "\(t.bursts) burst\(t.bursts == 1 ? "" : "s")"
            let shown =
                switch run.command {
                case .dispatch: events
                case .bursts: bursts
                default: drops
                }
            row("-- stopped: \(t.entriesRead) entries read, \(shown) shown")
        }
        try out.flush()
    }

    /// The incident table's column widths, sized to the run's rows (at the first row).
    private var incidentWidths: (id: Int, reason: Int, drops: Int, users: Int)?
    /// Drop indices per incident id (for `-v`: evidence once per incident).
    private var dropsByIncident: [Int: [Int]]?
    /// Whether the incidents are of several hosts, worked out once.
    private var severalHosts = SeveralHosts()

    private func incidentColumns(_ at: Attribution) -> (id: Int, reason: Int, drops: Int, users: Int) {
        if let w = incidentWidths { return w }
        var w = (id: 1, reason: 6, drops: 5, users: 5)
        for row in run.layout.incidentRows(at.incidents) {
            switch row {
            case .one(let i):
                w.id = max(w.id, String(i.id).count)
                w.reason = max(w.reason, i.reason.rawValue.count)
                w.drops = max(w.drops, String(i.drops).count)
                w.users = max(w.users, ReportLayout.users(i.users).count)
            case .group(let g):
                w.reason = max(w.reason, g.reason.rawValue.count)
                w.drops = max(w.drops, String(g.count).count)
                w.users = max(w.users, ReportLayout.users(g.users).count)
            }
        }
        w.users = min(w.users, 24)
        incidentWidths = w
        return w
    }

    private func incidentHeader(_ at: Attribution) {
        guard incidentsSeen == 0 else { return }
        let w = incidentColumns(at)
        let n = at.incidents.count
        let infra = at.incidents.filter { $0.verdict.isInfra }.count
        row("-- \(n) incident\(n == 1 ? "" : "s")" + (infra > 0 && infra < n ? ", \(infra) implicating infrastructure (listed first)" : ""))
        let fleet = severalHosts(at)
        row(
            Render.column("#", w.id) + (fleet ? Render.column("HOST", 12) : "") + Render.column("START", 20 + localShift)
                + Render.column("DURATION", 8) + Render.column("VERDICT", 8)
                + Render.column("REASON", w.reason) + Render.column("DROPS", w.drops) + Render.column("USERS", w.users) + "EVIDENCE")
    }

    private func incidentRow(
        id: String, host: String?, start: UInt64, end: UInt64, verdict: Verdict, reason: Reason, drops: Int, users: [String], evidence: String,
        in at: Attribution
    ) {
        let w = incidentColumns(at)
        let hostCell = severalHosts(at) ? Render.column(Render.cell(host ?? "-"), 12) : ""
        row(
            Render.column(id, w.id) + hostCell + Render.column(time(start, digits: 0), 20 + localShift)
                + Render.column(ReportLayout.duration(end - start), 8)
                + paint(Render.column(verdict.rawValue, 8), verdict) + Render.column(reason.rawValue, w.reason)
                + Render.column(String(drops), w.drops) + Render.column(ReportLayout.users(users), w.users) + evidence)
    }

    /// The report leads with its incidents (issue 13, section 9): one row each
    /// (start, duration, verdict, reason, drops, users, key evidence).
    func incident(_ i: Incident, in at: Attribution) throws(OutputError) {
        guard !run.follow else { return }
        incidentHeader(at)
        defer { incidentsSeen += 1 }
        let evidence = at.evidence(i.evidence)
        let members = style.verbose ? incidentEvidence(i, in: at) : []
        var evText = evidence.first.map { "\(time($0.realtime, digits: 0)) \(Render.cell($0.unit ?? "-")): \(Render.cell($0.message))" } ?? "-"
        if evidence.isEmpty, let k = memberIndices(of: i, in: at).first {
            let d = at.drops[k]
            // No other line: elimination names what was quiet; evidence is the drop's own line.
            evText =
                i.basis == .elimination
                ? "by elimination, ruled out: " + d.checked.map(\.rawValue).joined(separator: ",")
                : "\(time(d.event.realtime, digits: 0)) \(Render.cell(d.event.unit ?? "-")): \(Render.cell(d.event.messageText))"
        }
        let more = (style.verbose ? members.count : evidence.count) - 1
        if more > 0 && !style.verbose { evText += " (+\(more) more)" }
        incidentRow(
            id: String(i.id), host: i.host, start: i.start, end: i.end, verdict: i.verdict, reason: i.reason, drops: i.drops, users: i.users,
            evidence: evText,
            in: at)
        // Issue 14: the legs, devvm's pressure and the tunnel's events around its first drop.
        if incidentCorroboration == nil {
            var first: [Int: DropCorroboration] = [:]
            for k in at.drops.indices {
                if let id = at.drops[k].incident, first[id] == nil, let c = at.drops[k].corroboration { first[id] = c }
            }
            incidentCorroboration = first
        }
        if let c = incidentCorroboration?[i.id] {
            for l in CorroborationText.lines(c, time: { self.time($0, digits: 0) }) { out.line("      ~ " + l) }
        }
        // `-v`: the evidence of all its drops, once (issue 15), cut with "+N more".
        if style.verbose {
            let cap = Self.verboseEvidenceMax
            evidenceLines(Array(members.prefix(cap)))
            if members.count > cap { row("      <- +\(members.count - cap) more") }
        }
        try out.check()
    }

    /// Indices of an incident's drops in `at.drops`.
    private func memberIndices(of i: Incident, in at: Attribution) -> [Int] {
        if dropsByIncident == nil {
            var m: [Int: [Int]] = [:]
            for k in at.drops.indices { if let id = at.drops[k].incident { m[id, default: []].append(k) } }
            dropsByIncident = m
        }
        return dropsByIncident?[i.id] ?? []
    }

    /// Evidence lines shown under one incident with `-v` (its drops' evidence, each entry once).
    static let verboseEvidenceMax = 8

    /// The evidence of an incident's drops, each entry once, in time order.
    private func incidentEvidence(_ i: Incident, in at: Attribution) -> [Evidence] {
        var seen = Set<String>()
        var all: [Evidence] = []
        for e in at.evidence(i.evidence) where seen.insert(e.cursor + "\(e.realtime)").inserted { all.append(e) }
        for k in memberIndices(of: i, in: at) {
            for e in at.evidence(at.drops[k].evidence) where seen.insert(e.cursor + "\(e.realtime)").inserted { all.append(e) }
        }
        return all.sorted { $0.realtime < $1.realtime }
    }

    func incidentGroup(_ g: IncidentGroup, in at: Attribution) throws(OutputError) {
        incidentHeader(at)
        defer { incidentsSeen += 1 }
        incidentRow(
            id: "-", host: g.host, start: g.start, end: g.end, verdict: g.verdict, reason: g.reason, drops: g.count, users: g.users,
            evidence: "\(g.count) single-drop incidents \(g.verdict.rawValue)/\(g.reason.rawValue) (--drops or -v lists each)", in: at)
        try out.check()
    }

    /// One line per hour: the hour, its drops, a bar scaled to the busiest hour, the counts per verdict.
    /// Two or more hours without drops in a row are one line.
    func hours(_ h: [HourCount], in at: Attribution) throws(OutputError) {
        let busiest = h.map(\.total).max() ?? 0
        let zoneText = run.layout.localHours ? "local time, \(TimeZone.current.identifier)" : "UTC"
        row("-- drops per hour (\(zoneText)), \(h.count) hour\(h.count == 1 ? "" : "s")")
        let countWidth = max(5, String(busiest).count)
        let barWidth = 30
        func hourText(_ t: UInt64) -> String {
            String(Render.rfc3339(t, local: run.layout.localHours, fractionDigits: 0).prefix(16)).replacingOccurrences(of: "T", with: " ")
        }
        var k = 0
        while k < h.count {
            if h[k].total == 0 {
                var e = k
                while e + 1 < h.count && h[e + 1].total == 0 { e += 1 }
                if e > k {
                    row(Render.column(hourText(h[k].start), 16) + Render.column("0", countWidth) + "(no drops for \(e - k + 1) hours)")
                    k = e + 1
                    continue
                }
            }
            let n = h[k].total
            let bar = busiest == 0 || n == 0 ? "" : String(repeating: "█", count: max(1, (n * barWidth + busiest / 2) / busiest))
            let counts = Verdict.allCases.sorted { ReportLayout.rank($0) < ReportLayout.rank($1) }.compactMap { v in
                h[k].counts[v].map { "\($0) \(v.rawValue)" }
            }.joined(separator: ", ")
            row(Render.column(hourText(h[k].start), 16) + Render.column(String(n), countWidth) + Render.column(bar, barWidth) + counts)
            k += 1
        }
        try out.check()
    }

    func dropsOmitted(_ count: Int, in at: Attribution) throws(OutputError) {
        row(
            "-- \(count) drop\(count == 1 ? "" : "s") without a row of their own (more than \(ReportLayout.dropRowsMax) drops: --drops lists every drop)"
        )
        try out.check()
    }

    /// t3-dispatch outages, one line each.
    func outage(_ o: DispatchOutage, in at: Attribution) throws(OutputError) {
        guard !run.follow else { return }
        let span = o.ongoing ? "\(time(o.start)) .. (still down at \(time(o.end)))" : "\(time(o.start)) .. \(time(o.end))"
        row(
            "-- dispatch outage: \(span), \(String(format: "%.1f", o.seconds)) s, \(o.restarts) restart\(o.restarts == 1 ? "" : "s") scheduled, cause \(o.cause.rawValue)"
                + (o.detail.map { ": " + Render.cell($0) } ?? ""))
        try out.check()
    }

    /// New-era proxy errors: counted apart from the drops (one line; with `-v`, one row each).
    func requestError(_ ev: Event, in at: Attribution) throws(OutputError) {
        guard !run.follow else { return }
        defer { requestErrorsSeen += 1 }
        if requestErrorsSeen == 0 { requestErrorLine(at) }
        if style.verbose {
            var msg = ev.message[...]
            if let d = ev.dispatch, d.sourceTime != nil, msg.count >= 20 { msg = msg.dropFirst(20) }
            row(
                "   " + Render.column(time(ev.realtime), 24 + localShift) + Render.column(Self.userText(ev), 10)
                    + Render.column(ev.className?.name ?? "-", 17) + Render.cell(msg))
        }
        try out.check()
    }

    func requestBurst(_ b: RequestBurst, in at: Attribution) throws(OutputError) {
        defer { requestBurstsSeen += 1 }
        let fleet = at.hosts.count > 1 || Set(at.requestBursts.map { $0.host ?? "" }).count > 1
        if requestBurstsSeen == 0 {
            let n = at.requestBursts.count
            row("-- \(n) second\(n == 1 ? "" : "s") with at least --min cancelled requests (the runbook's recipe, per second)")
            row((fleet ? Render.column("HOST", 12) : "") + Render.column("SECOND", 21) + "COUNT")
        }
        row(
            (fleet ? Render.column(Render.cell(b.host ?? "-"), 12) : "") + Render.column(time(b.second * 1_000_000, digits: 0), 21) + String(b.count))
        try out.check()
    }

    /// New-era proxy errors: counted apart from the drops.
    private func requestErrorLine(_ at: Attribution) {
        var classes: [String: Int] = [:]
        for e in at.requestErrors { classes[e.className?.name ?? "other", default: 0] += 1 }
        row(
            "-- \(at.requestErrors.count) request error\(at.requestErrors.count == 1 ? "" : "s") (failed plain HTTP requests, not drops): \(Counts.text(classes))"
        )
    }
}
