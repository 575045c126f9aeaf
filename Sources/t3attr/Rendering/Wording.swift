import Analysis
import Classifiers

/// The words for the library's values: notes, port-map notices, windows.
enum Wording {
    static func note(_ n: Note) -> String {
        switch n {
        case .skippedFile(let f): "skipped \(f.path): \(f.reason)"
        case .skippedFiles(let count, let first, let reason):
            "skipped \(count) files (\(first.joined(separator: ", ")) and \(count - first.count) more; -o json lists them all): \(reason)"
        case .skippedStreamEntries(let s): "skipped \(s.count) entr\(s.count == 1 ? "y" : "ies") of \(s.source): \(s.reason)"
        case .skippedEntries(let k): "\(k) unreadable journal entr\(k == 1 ? "y was" : "ies were") skipped"
        case .readingStopped(let text): text
        case .fileReadingStopped(let path, let text): "\(path): \(text)"
        case .noServeUnit(let pattern): "no unit in the journal matches '\(pattern)': the serves' own lines are missing (the watchdog's still count)"
        case .clockWentBack(let from, let to):
            "the journal's clock went backwards from \(Render.rfc3339(from)) to \(Render.rfc3339(to))"
        case .localTime(let pid, let host, let seconds, let since):
            seconds == 0
                ? "t3-dispatch\(pid.map { " PID \($0)" } ?? "")\(host.map { " on \($0)" } ?? "") logs UTC again from \(Render.rfc3339(since))"
                : "t3-dispatch\(pid.map { " PID \($0)" } ?? "")\(host.map { " on \($0)" } ?? "") logs local time \(Self.utcOffset(seconds)) from \(Render.rfc3339(since)): its Go timestamps were corrected to UTC"
        case .evidenceMissing(let source, let detail): "\(source): \(detail)"
        case .noDispatchUnit(let units):
            "no entry of \(units.joined(separator: ", ")) in the journal: no drop can be seen in it (another host's journal? another unit name: --dispatch-unit)"
        case .windowOutsideJournal(let from, let to):
            "the window holds no entry: the journal's entries run from \(Render.rfc3339(from)) to \(Render.rfc3339(to)) (times without a zone are local: TZ)"
        case .tunnelLogAway(let events, let from, let to, let window):
            "--tunnel-log: none of its \(events) tunnel event\(events == 1 ? "" : "s") (\(Render.rfc3339(from)) .. \(Render.rfc3339(to))) is within \(window / 1_000_000) s of a drop: no verdict rests on it"
        case .journalSuppressed(let unit, let count, let at):
            "journald suppressed \(count) message\(count == 1 ? "" : "s") from \(unit) before \(Render.rfc3339(at)): a hole in the evidence; verdicts by elimination inside it are unknown/journal_suppressed"
        }
    }

    static func notes(_ ns: [Note]) -> [String] { ns.map(note) }

    /// `UTC+03:00`, `UTC-05:30`.
    static func utcOffset(_ seconds: Int) -> String {
        let m = abs(seconds) / 60
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "UTC\(seconds < 0 ? "-" : "+")\(two(m / 60)):\(two(m % 60))"
    }

    static func portMap(_ n: PortMapLoader.Notice) -> String {
        let problems = n.problems.map { p in
            switch p {
            case .defaultTable(let path, let state): "\(path) \(PortMapLoader.describe(state))"
            case .unreadableEnvFiles(let count, let dir): "\(count) .env file(s) in \(dir) are unreadable (mode 0600: run as root)"
            }
        }.joined(separator: "; ")
        return n.mapEmpty
            ? "no port-to-user map (\(problems)); users show as port:<n>; give one with --dispatch-table FILE or --env-dir DIR" : problems
    }

    /// The answer: "12 drops: 3 client, 8 edge, 1 serve; infra segments implicated: edge, serve".
    static func answer(_ drops: [Drop]) -> String { answer(Attribution.counts(drops)) }

    /// The answer for drops counted per verdict.
    static func answer(_ c: [Verdict: Int]) -> String {
        let n = c.values.reduce(0, +)
        if n == 0 { return "No drops." }
        return "\(n) drop\(n == 1 ? "" : "s"): " + verdicts(c)
    }

    /// `3 client, 1 edge; infra segments implicated: edge`.
    private static func verdicts(_ c: [Verdict: Int]) -> String {
        let parts = Verdict.allCases.compactMap { v in c[v].map { "\($0) \(v.rawValue)" } }
        let infra = Verdict.allCases.filter { $0.isInfra && c[$0] != nil }.map(\.rawValue)
        return parts.joined(separator: ", ") + "; infra segments implicated: \(infra.isEmpty ? "none" : infra.joined(separator: ", "))"
    }

    /// `bursts` keeps only the drops in bursts: the others are counted, not judged.
    /// `report --verdict/--user` says what it chose from how many (it said "No
    /// drops." or "implicated: none" above a burst of seven users).
    static func answer(_ at: Attribution) -> String {
        if !at.filters.isEmpty {
            let total = at.drops.count + at.filteredOut
            let chosen = at.filters.map { SafeText.text($0) }.joined(separator: " ")
            if at.drops.isEmpty { return "No drops with \(chosen) (\(total) drop\(total == 1 ? "" : "s") in all)." }
            return "\(at.drops.count) of \(total) drop\(total == 1 ? "" : "s") (\(chosen)): " + verdicts(at.counts)
        }
        let k = at.dropsLeftOut
        guard k > 0 else { return answer(at.counts) }
        let rest = "\(k) drop\(k == 1 ? "" : "s") not in a burst ('report' judges them)"
        return at.drops.isEmpty ? "No drops in a burst; \(rest)." : answer(at.counts) + "; " + rest
    }

    /// The answer for one host of a fleet.
    static func answer(_ at: Attribution, host: String) -> String { answer(at.counts(host: host)) }

    /// `2026-06-10T21:00:00.000000Z .. (end of journal)`.
    static func window(_ w: TimeWindow, local: Bool) -> String {
        let s = w.since.map { Render.rfc3339($0, local: local) } ?? "(start of journal)"
        let u = w.until.map { Render.rfc3339($0, local: local) } ?? "(end of journal)"
        return "\(s) .. \(u)"
    }
}
