import Analysis
import Classifiers
import Foundation
import JournalReader

/// `why USER [TIME]` in each format: the table for people, one NDJSON `why`
/// object (or it pretty-printed), and a markdown ticket. The words are in
/// `WhyWording.swift`.
struct WhyRenderer {
    let out: Output
    let style: RenderStyle
    let source: SourceSpec

    func write(_ r: UserDrops, report: Report, format: OutputFormat) throws(OutputError) {
        switch format {
        case .table: table(r, report: report)
        case .json: out.line(json(r, report: report))
        case .jsonPretty: pretty(json(r, report: report))
        case .markdown: markdown(r, report: report)
        }
        try out.flush()
    }

    private func time(_ t: UInt64, digits: Int = 3) -> String { Render.rfc3339(t, local: style.local, fractionDigits: digits) }

    /// Context lists are cut to this many lines without `-v`.
    private var shown: Int { style.verbose ? Int.max : 5 }

    // MARK: table

    private func row(_ s: String) {
        let start = out.count
        out.write(s)
        if let w = style.width { out.fit(from: start, width: w) }
        out.newline()
    }

    /// A sentence is never cut: on a terminal it wraps at spaces.
    private func wrapped(_ s: String) {
        for line in style.wrapped(s) { out.line(line) }
    }

    private func eventLine(_ e: Evidence) -> String {
        "\(time(e.realtime)) \(Render.cell(e.unit ?? "-")) \(e.kind.name): \(Render.cell(e.message))"
            + (style.verbose && !e.cursor.isEmpty ? "  [cursor \(Render.cell(e.cursor))]" : "")
    }

    private func list(_ label: String, _ lines: [String], empty: String, limit: Int? = nil) {
        let head = Render.column(label, 10)
        let shown = limit ?? self.shown
        if lines.isEmpty { return row("   " + head + empty) }
        for (k, l) in lines.prefix(shown).enumerated() { row("   " + (k == 0 ? head : String(repeating: " ", count: head.count)) + l) }
        if lines.count > shown { row("   " + String(repeating: " ", count: head.count) + "+\(lines.count - shown) more (-v shows all)") }
    }

    /// Context lines not already shown as evidence (the evidence is shown once).
    private func context(_ events: [Event], besides evidence: [Evidence]) -> (lines: [String], empty: String) {
        let shownCursors = Set(evidence.prefix(style.verbose ? Int.max : 3).map(\.cursor).filter { !$0.isEmpty })
        let rest = events.filter { $0.cursor.isEmpty || !shownCursors.contains($0.cursor) }
        let inEvidence = events.count - rest.count
        return (rest.map { eventLine(Evidence($0)) }, inEvidence == 0 ? "quiet" : "only the evidence above")
    }

    private func table(_ r: UserDrops, report: Report) {
        // One short line that fits 80 columns with the zone.
        row("-- t3attr why \(Render.cell(r.user)): \(Wording.shortWindow(r.window.focus, local: style.local))")
        let severalHosts = report.attribution.hosts.count > 1
        for d in r.items {
            row(
                "== \(time(d.start)) \(d.verdict.rawValue)/\(d.reason.rawValue) (\(d.basis.rawValue))"
                    + (d.incident.map { ", incident \($0.id)" } ?? ""))
            row(
                "   " + Render.column("back", 10)
                    + (d.backAfterMs.map { "after \(Wording.span(ms: $0))" }
                        ?? (d.backKnown
                            ? Wording.back(d, local: style.local) + " (no ws open of the user in what was read)"
                            : "unknown (this dispatch logs no ws lines)"))
            )
            if let h = d.host, severalHosts { row("   " + Render.column("host", 10) + Render.cell(h)) }
            row("   " + Render.column("device", 10) + (d.ips.isEmpty ? "-" : d.ips.map { Render.cell($0) }.joined(separator: " | ")))
            row(
                "   " + Render.column("sockets", 10) + "\(d.sockets): "
                    + d.drops.map {
                        "\($0.event.kind.rawValue) \($0.event.className?.name ?? "-")"
                            + ($0.event.durationMs.map { ", open \(Wording.span(ms: $0))" } ?? "")
                    }
                    .joined(separator: "; "))
            list("evidence", d.evidence.map(eventLine), empty: "-", limit: style.verbose ? nil : 3)
            if !d.first.checked.isEmpty {
                row("   " + Render.column("checked", 10) + d.first.checked.map(\.rawValue).joined(separator: ", ") + ": none explains it")
            }
            if let b = d.burst {
                row(
                    "   " + Render.column("burst", 10)
                        + "\(time(b.start)) .. \(time(b.end)): \(b.count) teardown\(b.count == 1 ? "" : "s") of \(b.users.count) user\(b.users.count == 1 ? "" : "s") (\(Counts.text(b.classes))), \(b.verdict.rawValue)/\(b.reason.rawValue)"
                )
            }
            if d.others.count > 1 || d.others.first?.user != r.user {
                row(
                    "   " + Render.column("dropped", 10) + d.others.map { "\(Render.cell($0.user)) \($0.sockets)" }.joined(separator: ", ")
                        + " (the incident's sockets per user)")
            }
            let serve = context(d.serveEvents, besides: d.evidence)
            list("serve", serve.lines, empty: serve.empty)
            let host = context(d.hostSignals, besides: d.evidence)
            list("host", d.gaps.map(gapLine) + host.lines, empty: host.empty)
        }
        if r.items.isEmpty && !r.seen && r.lastSeen == nil {
            let seen = usersSeen(r.usersSeen, near: r.user)
            row(Render.cell("-- users seen: \(seen.list)\(seen.hint)"))
        }
        wrapped(Wording.whySummary(r, local: style.local))
    }

    private func gapLine(_ g: HostGap) -> String {
        "\(time(g.start)) .. \(time(g.end)) host \(g.bootChanged ? "reboot" : "gap"): \(String(format: "%.1f", g.seconds)) s without journal entries"
    }

    // MARK: JSON

    private func gapJSON(_ g: HostGap) -> String {
        "{\"start\":\(Render.json(Render.rfc3339(g.start))),\"end\":\(Render.json(Render.rfc3339(g.end))),\"seconds\":\(String(format: "%.3f", g.seconds)),\"boot_changed\":\(g.bootChanged)}"
    }

    private func itemJSON(_ d: UserDrop, user: String) -> String {
        var s = "{\"time\":\(Render.json(Render.rfc3339(d.start))),\"realtime_usec\":\(d.start),\"host\":\(Render.json(d.host))"
        s += ",\"sockets\":\(d.sockets),\"ips\":[" + d.ips.map { Render.json($0) }.joined(separator: ",") + "]"
        s += ",\"reconnect_after_ms\":\(Render.json(d.backAfterMs)),\"back_known\":\(d.backKnown),\"incident\":\(Render.json(d.incident?.id))"
        s += ",\"verdict\":\(Render.json(d.verdict.rawValue)),\"reason\":\(Render.json(d.reason.rawValue))"
        s +=
            ",\"basis\":\(Render.json(d.basis.rawValue)),\"checked\":[" + d.first.checked.map { Render.json($0.rawValue) }.joined(separator: ",")
            + "]"
        s += ",\"triggers\":[" + d.drops.map { Render.json($0.trigger.rawValue) }.joined(separator: ",") + "]"
        s += ",\"cursors\":[" + d.drops.map { Render.json($0.event.cursor) }.joined(separator: ",") + "]"
        s += ",\"sentence\":\(Render.json(Wording.whySentence(d, user: user, local: false)))"
        s += ",\"evidence\":" + EventJSON.evidence(d.evidence)
        s += ",\"serve_events\":" + EventJSON.evidence(d.serveEvents.map { Evidence($0) })
        s += ",\"host_signals\":" + EventJSON.evidence(d.hostSignals.map { Evidence($0) })
        s += ",\"gaps\":[" + d.gaps.map(gapJSON).joined(separator: ",") + "]"
        if let b = d.burst {
            s +=
                ",\"burst\":{\"second\":\(Render.json(Render.rfc3339(b.second * 1_000_000, fractionDigits: 0))),\"start\":\(Render.json(Render.rfc3339(b.start)))"
            s +=
                ",\"end\":\(Render.json(Render.rfc3339(b.end))),\"count\":\(b.count),\"users\":["
                + b.users.map { Render.json($0) }.joined(separator: ",") + "]"
            s += ",\"verdict\":\(Render.json(b.verdict.rawValue)),\"reason\":\(Render.json(b.reason.rawValue))}"
        } else {
            s += ",\"burst\":null"
        }
        s += ",\"dropped_with\":[" + d.others.map { "{\"user\":\(Render.json($0.user)),\"sockets\":\($0.sockets)}" }.joined(separator: ",") + "]"
        return s + "}"
    }

    private func json(_ r: UserDrops, report: Report) -> String {
        var s = "{\"type\":\"why\",\"user\":\(Render.json(r.user))"
        s +=
            ",\"since\":\(Render.json(r.window.focus.since.map { Render.rfc3339($0) })),\"until\":\(Render.json(r.window.focus.until.map { Render.rfc3339($0) }))"
        s += ",\"since_usec\":\(Render.json(r.window.focus.since)),\"until_usec\":\(Render.json(r.window.focus.until))"
        s +=
            ",\"read_since\":\(Render.json(r.window.read.since.map { Render.rfc3339($0) })),\"read_until\":\(Render.json(r.window.read.until.map { Render.rfc3339($0) }))"
        s += ",\"sentence\":\(Render.json(Wording.whySummary(r, local: false)))"
        s += ",\"drops\":[" + r.items.map { itemJSON($0, user: r.user) }.joined(separator: ",") + "]"
        s += ",\"sockets\":\(r.items.reduce(0) { $0 + $1.sockets })"
        s += ",\"seen\":\(r.seen),\"users_seen\":[" + r.usersSeen.map { Render.json($0) }.joined(separator: ",") + "]"
        if let l = r.lastSeen {
            s +=
                ",\"last_seen\":{\"time\":\(Render.json(Render.rfc3339(l.realtime))),\"kind\":\(Render.json(l.kind.rawValue)),\"ip\":\(Render.json(l.dispatch?.ip)),\"cursor\":\(Render.json(l.cursor))}"
        } else {
            s += ",\"last_seen\":null"
        }
        s += ",\"units\":[" + report.units.map { Render.json($0) }.joined(separator: ",") + "]"
        s += ",\"entries_read\":\(report.stats.entriesRead),\"entries_skipped\":\(report.stats.entriesSkipped)"
        s += ",\"skipped_files\":" + EventJSON.skippedFilesJSON(report.stats.skippedFiles)
        s += ",\"notes\":[" + Wording.notes(report.notes).map { Render.json($0) }.joined(separator: ",") + "]"
        return s + "}"
    }

    private func pretty(_ line: String) {
        guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)),
            let data = try? JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        else { return out.line(line) }
        out.bytes(SafeText.escapingRawControls(inJSON: data))
        out.newline()
    }

    // MARK: markdown

    private func markdown(_ r: UserDrops, report: Report) {
        let cell = MarkdownSink.cell
        out.line("# Why did \(cell(r.user)) drop?")
        out.line("")
        out.line("**\(cell(Wording.whySummary(r, local: style.local)))**")
        out.line("")
        out.line(
            "- Window: \(Wording.window(r.window.focus, local: style.local)) (read: \(Wording.window(r.window.read, local: style.local)), so evidence near the edges counts)"
        )
        out.line("- Units: \(report.units.map { "`\(cell($0))`" }.joined(separator: ", "))")
        out.line("- Made by t3attr \(T3Attr.version) from the systemd journal")
        for n in report.notes { out.line("- Note: \(cell(Wording.note(n)))") }
        if r.items.isEmpty && !r.seen && r.lastSeen == nil {
            out.line("- Users seen: \(r.usersSeen.isEmpty ? "none" : r.usersSeen.map { cell($0) }.joined(separator: ", "))")
        }
        out.line("")
        guard !r.items.isEmpty else { return }
        out.line("## Drops")
        out.line("")
        out.line("| time | sockets | device | back | incident | verdict | reason | basis |")
        out.line("|---|---:|---|---|---:|---|---|---|")
        for d in r.items {
            out.line(
                "| \(time(d.start)) | \(d.sockets) | \(d.ips.isEmpty ? "-" : d.ips.map { cell($0) }.joined(separator: "; ")) | \(d.backAfterMs.map { Wording.span(ms: $0) } ?? (d.backKnown ? Wording.back(d, local: style.local) : "unknown")) | \(d.incident.map { String($0.id) } ?? "-") | **\(d.verdict.rawValue)** | \(d.reason.rawValue) | \(d.basis.rawValue) |"
            )
        }
        out.line("")
        out.line("## Evidence")
        out.line("")
        let flags = MarkdownSink.journalctlSource(source)
        switch source {
        case .input(let path): out.line("Run each command where the stream (`--input \(cell(path))`) was exported from.")
        case .gateway(let url, _): out.line("Run each command on the machine behind the gateway (\(cell(redactedURL(url)))).")
        default: out.line("Each line is re-found with the command under it.")
        }
        out.line("")
        for d in r.items {
            out.line("### \(time(d.start)): \(d.verdict.rawValue) (\(d.reason.rawValue))")
            out.line("")
            out.line(cell(Wording.whySentence(d, user: r.user, local: style.local)))
            out.line("")
            if let b = d.burst {
                out.line("- Burst: \(b.count) teardowns of \(b.users.count) users, \(time(b.start)) .. \(time(b.end)) (\(Counts.text(b.classes)))")
            }
            if d.others.count > 1 || d.others.first?.user != r.user {
                out.line("- Dropped in the same incident: \(d.others.map { "\(cell($0.user)) \($0.sockets)" }.joined(separator: ", "))")
            }
            if !d.first.checked.isEmpty { out.line("- Checked, none explains it: \(d.first.checked.map(\.rawValue).joined(separator: ", "))") }
            let sockets = d.drops.map { Evidence($0.event) }
            for (title, lines) in [
                ("The drop", sockets), ("Key evidence", d.evidence), ("Serve", d.serveEvents.map { Evidence($0) }),
                ("Host", d.hostSignals.map { Evidence($0) }),
            ] {
                out.line("- \(title):" + (lines.isEmpty ? " quiet" : ""))
                for e in lines {
                    out.line("  - \(time(e.realtime)) \(cell(e.unit ?? "-")): \(MarkdownSink.shortMessage(e.message))")
                    if !e.cursor.isEmpty {
                        out.line("    " + MarkdownSink.code("journalctl\(flags ?? "") --cursor \(SafeText.shellWord(e.cursor)) -n 1"))
                    }
                }
            }
            for g in d.gaps { out.line("- Host: \(gapLine(g))") }
            out.line("")
        }
    }
}
