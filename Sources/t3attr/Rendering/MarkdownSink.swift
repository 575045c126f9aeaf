import Analysis
import Classifiers
import Foundation
import JournalReader

/// `report -o markdown`: a summary to paste into a ticket. Every evidence
/// line comes with the journalctl command that finds it again.
final class MarkdownSink: ReportSink {
    let out: Output
    let local: Bool
    private enum Section { case incidents, outages, bursts, hours, drops, requestErrors }
    private var section: Section?
    private var source: SourceSpec = .local
    private var layout = ReportLayout()
    /// Whether the incidents are of several hosts, worked out once.
    private var severalHosts = SeveralHosts()
    /// The drops given a row (their evidence and corroboration are listed in `finish`).
    private var shown: [Drop] = []

    init(out: Output, style: RenderStyle) {
        self.out = out
        self.local = style.local
    }

    func time(_ t: UInt64, digits: Int = 3) -> String { Render.rfc3339(t, local: local, fractionDigits: digits) }

    static func cell(_ s: String) -> String { escaped(Render.cell(s)) }

    private static func escaped(_ safe: String) -> String {
        var out = ""
        for ch in safe {
            switch ch {
            // Journal text is the attacker's: no link, image, emphasis, HTML (an unclosed
            // `<!--` hid the rest of the ticket), heading or table cell of its own.
            case "\\", "*", "_", "[", "]", "<", ">", "#", "!", "~", "&", "|":
                out.append("\\")
                out.append(ch)
            case "`": out.append("'")
            default: out.append(ch)
            }
        }
        return out
    }

    /// A shell command as a markdown code span: each journal value in it was
    /// already made one shell word (`SafeText.shellWord`); the fence is longer
    /// than any run of backticks inside, so none can end the span early.
    static func code(_ command: String) -> String {
        var longest = 0
        var run = 0
        for c in command {
            if c == "`" {
                run += 1
                longest = max(longest, run)
            } else {
                run = 0
            }
        }
        let fence = String(repeating: "`", count: longest + 1)
        let pad = command.hasPrefix("`") || command.hasSuffix("`") ? " " : ""
        return fence + pad + command + pad + fence
    }

    /// Cut to `n` characters of the text shown, before markdown's escapes.
    static func shortMessage(_ s: String, _ n: Int = 120) -> String {
        let c = Render.cell(s)
        return escaped(c.count > n ? String(c.prefix(n)) + "…" : c)
    }

    var dropOrder: DropOrder { .time }

    /// journalctl's flags for the journal the report was run on (pasted
    /// commands must read the same one); nil: entries from a stream or gateway.
    /// Paths are made absolute: a ticket's command is pasted in another directory.
    static func journalctlSource(_ s: SourceSpec) -> String? {
        func absolute(_ p: String) -> String { URL(fileURLWithPath: p).standardizedFileURL.path }
        return switch s {
        case .local: ""
        case .merged: " -m"
        case .directory(let d): " -D " + SafeText.shellWord(absolute(d))
        case .files(let f): f.map { " --file " + SafeText.shellWord(absolute($0)) }.joined()
        case .input, .gateway: nil
        }
    }

    func begin(_ run: RunHeader) throws(OutputError) {
        source = run.source
        layout = run.layout
        if run.follow {
            // `-f`: the title and what is followed; drops and bursts as their verdicts settle.
            out.line("# t3 drop attribution (following)")
            out.line("")
            out.line("- Units: \(run.units.map { "`\(Self.cell($0))`" }.joined(separator: ", "))")
            out.line("- A drop is listed \(run.settleSeconds) s after it, when its verdict is final")
            out.line("")
        }
        guard let report = run.report else { return }
        let at = report.attribution
        out.line("# t3 drop attribution")
        out.line("")
        out.line("**\(Self.cell(Wording.answer(at)))**")
        out.line("")
        out.line("- Window: \(Wording.window(report.window, local: local))")
        out.line("- Units: \(report.units.map { "`\(Self.cell($0))`" }.joined(separator: ", "))")
        out.line("- Made by t3attr \(T3Attr.version) from the systemd journal")
        for n in report.notes { out.line("- Note: \(Self.cell(Wording.note(n)))") }
        out.line("")
        if !at.drops.isEmpty {
            out.line("## Verdicts")
            out.line("")
            var counts: [(Verdict, Int)] = Verdict.allCases.compactMap { v in at.counts[v].map { (v, $0) } }
            counts.sort { $0.1 > $1.1 }
            out.line("| verdict | drops |")
            out.line("|---|---:|")
            for (v, n) in counts { out.line("| \(v.rawValue) | \(n) |") }
            out.line("")
        }
        try out.check()
    }

    func event(_ ev: Event) throws(OutputError) {}
    func rows(_ bytes: [UInt8]) throws(OutputError) {}
    func serveEvent(_ e: Event, user: String, userEvents: Int) throws(OutputError) {}

    private func open(_ s: Section, _ lines: [String]) {
        guard section != s else { return }
        closeSection()
        section = s
        for l in lines { out.line(l) }
    }

    private func incidentTable(_ at: Attribution) {
        let n = at.incidents.count
        open(
            .incidents,
            [
                "## Incidents", "",
                "\(n) incident\(n == 1 ? "" : "s")"
                    + (at.incidents.contains { $0.verdict.isInfra } && at.incidents.contains { !$0.verdict.isInfra }
                        ? ", those that implicate infrastructure first." : ".")
                    + (layout.groupSingles ? " One-drop incidents are counted per verdict and reason (`--drops` lists each)." : ""),
                "",
                severalHosts(at)
                    ? "| # | host | start | duration | verdict | reason | drops | users | key evidence |"
                    : "| # | start | duration | verdict | reason | drops | users | key evidence |",
                severalHosts(at) ? "|---|---|---|---|---|---|---:|---|---|" : "|---|---|---|---|---|---:|---|---|",
            ])
    }

    /// A fleet's incident, outage, drop and burst rows start with the host.
    private func hostCell(_ host: String?, _ at: Attribution) -> String {
        severalHosts(at) ? "\(Self.cell(host ?? "-")) | " : ""
    }

    func incident(_ i: Incident, in at: Attribution) throws(OutputError) {
        incidentTable(at)
        let ev =
            at.evidence(i.evidence).first.map { "\(time($0.realtime, digits: 0)) \(Self.cell($0.unit ?? "-")): \(Self.shortMessage($0.message, 80))" }
            ?? (i.basis == .elimination ? "by elimination" : "-")
        out.line(
            "| \(i.id) | \(hostCell(i.host, at))\(time(i.start)) | \(ReportLayout.duration(i.end - i.start)) | **\(i.verdict.rawValue)** | \(i.reason.rawValue) | \(i.drops) | \(Self.cell(ReportLayout.users(i.users, max: 6))) | \(ev) |"
        )
        try out.check()
    }

    func incidentGroup(_ g: IncidentGroup, in at: Attribution) throws(OutputError) {
        incidentTable(at)
        out.line(
            "| - | \(hostCell(g.host, at))\(time(g.start)) | \(ReportLayout.duration(g.end - g.start)) | **\(g.verdict.rawValue)** | \(g.reason.rawValue) | \(g.count) | \(Self.cell(ReportLayout.users(g.users, max: 6))) | \(g.count) single-drop incidents |"
        )
        try out.check()
    }

    func outage(_ o: DispatchOutage, in at: Attribution) throws(OutputError) {
        open(
            .outages,
            [
                "## Dispatch outages", "", "| \(severalHosts(at) ? "host | " : "")start | end | seconds | restarts | cause | detail |",
                "|\(severalHosts(at) ? "---|" : "")---|---|---:|---:|---|---|",
            ])
        out.line(
            "| \(hostCell(o.host, at))\(time(o.start)) | \(o.ongoing ? "(still down)" : time(o.end)) | \(String(format: "%.1f", o.seconds)) | \(o.restarts) | \(o.cause.rawValue) | \(o.detail.map { Self.shortMessage($0, 80) } ?? "-") |"
        )
        try out.check()
    }

    func hours(_ h: [HourCount], in at: Attribution) throws(OutputError) {
        closeSection()
        out.line("## Drops per hour (\(layout.localHours ? "local time" : "UTC"))")
        out.line("")
        out.line("| hour | drops | by verdict | |")
        out.line("|---|---:|---|---|")
        let busiest = max(1, h.map(\.total).max() ?? 1)
        for x in h where x.total > 0 {
            let bar = String(repeating: "█", count: max(1, (x.total * 20 + busiest / 2) / busiest))
            let counts = Verdict.allCases.sorted { ReportLayout.rank($0) < ReportLayout.rank($1) }.compactMap { v in
                x.counts[v].map { "\($0) \(v.rawValue)" }
            }
            out.line(
                "| \(String(time(x.start, digits: 0).prefix(16)).replacingOccurrences(of: "T", with: " ")) | \(x.total) | \(counts.joined(separator: ", ")) | \(bar) |"
            )
        }
        out.line("")
        try out.check()
    }

    func dropsOmitted(_ count: Int, in at: Attribution) throws(OutputError) {
        closeSection()
        out.line(
            "\(count) drop\(count == 1 ? "" : "s") of incidents that do not implicate infrastructure (client, unknown) are not listed (more than \(ReportLayout.dropRowsMax) drops; `--drops` lists every drop)."
        )
        out.line("")
        try out.check()
    }

    func requestError(_ ev: Event, in at: Attribution) throws(OutputError) {
        guard section != .requestErrors else { return }
        closeSection()
        section = .requestErrors
        var classes: [String: Int] = [:]
        for e in at.requestErrors { classes[e.className?.name ?? "other", default: 0] += 1 }
        out.line("## Request errors")
        out.line("")
        out.line("\(at.requestErrors.count) failed plain HTTP request\(at.requestErrors.count == 1 ? "" : "s") (not drops): \(Counts.text(classes)).")
        try out.check()
    }

    func drop(_ d: Drop, in at: Attribution) throws(OutputError) {
        shown.append(d)
        if section != .drops {
            closeSection()
            section = .drops
            out.line(layout.dropRows == .infra ? "## Drops of incidents that implicate infrastructure" : "## Drops")
            out.line("")
            out.line("| \(severalHosts(at) ? "host | " : "")time | user | kind | class | verdict | reason | key evidence |")
            out.line("|\(severalHosts(at) ? "---|" : "")---|---|---|---|---|---|---|")
        }
        let ev = d.event
        var first =
            at.evidence(d.evidence).first.map { "\(time($0.realtime, digits: 0)) \(Self.cell($0.unit ?? "-")): \(Self.shortMessage($0.message, 80))" }
            ?? "-"
        // A ticket says why infrastructure was ruled out, as the table does.
        if at.evidence(d.evidence).isEmpty, d.basis == .elimination, !d.checked.isEmpty {
            first = "by elimination, ruled out: " + d.checked.map(\.rawValue).joined(separator: ", ")
        }
        if let c = d.corroboration, c.journalReason != d.reason {
            if let m = c.metrics.first {
                first = "`" + Self.cell(CorroborationText.metric(m, time: { self.time($0, digits: 0) })) + "`"
            } else if let e = c.tunnel.first {
                first = "tunnel " + Self.cell(CorroborationText.tunnel(e, time: { self.time($0, digits: 0) }))
            }
        }
        out.line(
            "| \(hostCell(ev.host, at))\(time(ev.realtime)) | \(Self.cell(TableSink.userText(d))) | \(ev.kind.rawValue) | \(ev.className?.name ?? "-") | **\(d.verdict.rawValue)** | \(d.reason.rawValue) | \(first) |"
        )
        try out.check()
    }

    func burst(_ b: Burst, in at: Attribution) throws(OutputError) {
        if section != .bursts {
            closeSection()
            section = .bursts
            out.line("## Bursts")
            out.line("")
            out.line("| \(severalHosts(at) ? "host | " : "")second | teardowns | verdict | reason | classes | users |")
            out.line("|\(severalHosts(at) ? "---|" : "")---|---:|---|---|---|---|")
        }
        out.line(
            "| \(hostCell(b.host, at))\(time(b.second * 1_000_000, digits: 0)) | \(b.count) | **\(b.verdict.rawValue)** | \(b.reason.rawValue) | \(Counts.text(b.classes)) | \(b.users.isEmpty ? "-" : Self.cell(b.users.joined(separator: ", "))) |"
        )
        try out.check()
    }

    private func closeSection() {
        if section != nil { out.line("") }
        section = nil
    }

    func finish(_ end: RunEnd) throws(OutputError) {
        closeSection()
        guard case .report(let report) = end else { return try out.flush() }
        let at = report.attribution
        var byUser: [String: [Event]] = [:]
        for s in at.signals { if let u = s.user { byUser[u, default: []].append(s) } }
        if !byUser.isEmpty {
            out.line("## Serve side, per user")
            out.line("")
            for u in byUser.keys.sorted() {
                out.line("### \(Self.cell(u))")
                out.line("")
                for e in byUser[u]! {
                    out.line("- \(time(e.realtime)) `\(e.kind.rawValue)` \(Self.shortMessage(e.messageText))")
                }
                out.line("")
            }
        }
        // Issue 14: the probe's legs, devvm's pressure and the tunnel's events around each corroborated drop.
        let corroborated = shown.filter { $0.corroboration != nil }
        if !corroborated.isEmpty {
            out.line("## Corroboration")
            out.line("")
            for d in corroborated {
                let c = d.corroboration!
                out.line(
                    "### \(time(d.event.realtime)) \(Self.cell(TableSink.userText(d.event))): **\(d.verdict.rawValue)** \(d.reason.rawValue) (journal alone: \(c.journalVerdict.rawValue)/\(c.journalReason.rawValue))"
                )
                out.line("")
                out.line("| source | state |")
                out.line("|---|---|")
                if let a = c.probe {
                    for l in a.legs {
                        out.line("| probe `\(l.leg.rawValue)` | \(CorroborationText.legState(l, time: { self.time($0, digits: 0) })) |")
                    }
                    out.line("| devvm | \(CorroborationText.pressure(a)) |")
                }
                for e in c.tunnel { out.line("| tunnel | \(Self.cell(CorroborationText.tunnel(e, time: { self.time($0, digits: 0) }))) |") }
                for m in c.metrics { out.line("| evidence | `\(Self.cell(CorroborationText.metric(m, time: { self.time($0, digits: 0) })))` |") }
                out.line("")
            }
        }
        // Every evidence entry once, with the command that re-finds it.
        var seen = Set<String>()
        var lines: [Evidence] = []
        for d in shown { for e in at.evidence(d.evidence) where !e.cursor.isEmpty && seen.insert(e.cursor).inserted { lines.append(e) } }
        for b in at.bursts { for e in at.evidence(b.evidence) where !e.cursor.isEmpty && seen.insert(e.cursor).inserted { lines.append(e) } }
        if !lines.isEmpty {
            out.line("## Evidence")
            out.line("")
            let flags = Self.journalctlSource(source)
            switch source {
            case .input(let path):
                out.line(
                    "Each line is re-found with the command under it, run where the journal of the stream (`--input \(Self.cell(path))`) was exported from (or add `-D`/`--file` for a copy of it)."
                )
            case .gateway(let url, _):
                out.line(
                    "Each line is re-found with the command under it, run on the machine behind the gateway (\(Self.cell(redactedURL(url)))), or there as `curl -H 'Range: entries=CURSOR:0:1' \(Self.cell(redactedURL(url, as: "")))/entries`."
                )
            default:
                out.line("Each line is re-found with the command under it.")
            }
            out.line("")
            for e in lines.sorted(by: { $0.realtime < $1.realtime }) {
                out.line("- \(time(e.realtime)) \(Self.cell(e.unit ?? "-")): \(Self.shortMessage(e.message))")
                out.line("  " + Self.code("journalctl\(flags ?? "") --cursor \(SafeText.shellWord(e.cursor)) -n 1"))
            }
            out.line("")
        }
        try out.flush()
    }
}
