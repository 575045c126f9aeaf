import Analysis
import Classifiers
import Foundation

/// One-drop incidents of one verdict and reason, shown as one row in a long
/// report (issue 15, "long windows").
struct IncidentGroup: Equatable {
    /// The machine (a fleet's incidents are grouped per host).
    var host: String?
    var verdict: Verdict
    var reason: Reason
    /// How many incidents (each one drop).
    var count: Int
    /// Receive times of the first and the last of them.
    var start: UInt64
    var end: UInt64
    /// Their users, sorted.
    var users: [String]
}

/// A row of the incident list: an incident, or one-drop incidents grouped.
enum IncidentRow: Equatable {
    case one(Incident)
    case group(IncidentGroup)

    var verdict: Verdict {
        switch self {
        case .one(let i): i.verdict
        case .group(let g): g.verdict
        }
    }

    var start: UInt64 {
        switch self {
        case .one(let i): i.start
        case .group(let g): g.start
        }
    }
}

/// Which drops get a row of their own.
enum DropRows: Equatable {
    /// Every drop.
    case all
    /// Only drops of incidents that implicate infrastructure (markdown, long windows).
    case infra
    /// None: the incidents, bursts and histogram stand for them (table, long windows).
    case none
}

/// What a report shows, decided once per run from its size (issue 15, "long
/// windows"): the table and markdown condense a long report; JSON always
/// carries everything (in time order) plus the histogram's hours.
struct ReportLayout {
    /// Per-drop rows are shown when there are at most this many drops (or with `--drops`).
    static let dropRowsMax = 50
    /// With more incidents than this, one-drop incidents are grouped by verdict
    /// and reason (not with `--drops` or `-v`).
    static let incidentRowsMax = 50

    var dropRows = DropRows.all
    /// Group one-drop incidents by (verdict, reason).
    var groupSingles = false
    /// Infrastructure incidents first (devvm, dispatch, edge, serve), then client and unknown.
    var infraFirst = false
    /// The per-hour histogram; empty when the window is not long (`Histogram.minimumWindow`).
    var hours: [HourCount] = []
    /// The hours are local ones (`--local`).
    var localHours = false

    init() {}

    /// `condense`: the table and markdown (JSON gets every drop and incident).
    init(_ report: Report, condense: Bool, markdown: Bool, drops: Bool, verbose: Bool, local: Bool) {
        let at = report.attribution
        let long = Histogram.applies(window: report.window, drops: at.drops, lastRead: report.stats.lastRealtime)
        if long {
            let zone = condense && local
            hours = Histogram.hours(
                at.drops,
                utcOffset: zone ? { TimeZone.current.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval($0 / 1_000_000))) } : { _ in 0 })
            localHours = zone
        }
        guard condense else { return }
        infraFirst = true
        if !drops && at.drops.count > Self.dropRowsMax { dropRows = markdown ? .infra : .none }
        groupSingles = !drops && !verbose && at.incidents.count > Self.incidentRowsMax
    }

    /// Verdicts in the order a long report lists their incidents.
    static func rank(_ v: Verdict) -> Int {
        switch v {
        case .devvm: 0
        case .dispatch: 1
        case .edge: 2
        case .serve: 3
        case .client: 4
        case .unknown: 5
        }
    }

    /// Whether the incidents are of several machines (a fleet): the lists name each one's host.
    static func severalHosts(_ incidents: [Incident]) -> Bool {
        guard let first = incidents.first?.host else { return false }
        return incidents.contains { $0.host != first }
    }

    /// The incident list's rows, in the order they are shown.
    func incidentRows(_ incidents: [Incident]) -> [IncidentRow] {
        /// What single-drop incidents share to be one row.
        struct Key: Hashable {
            let host: String?
            let verdict: Verdict
            let reason: Reason
        }
        /// A group, and the one incident it stands for while it has no other.
        enum Row {
            case one(Int)
            case group(Int)
        }
        var order: [Row] = []
        var groupOf: [Key: Int] = [:]
        var groups: [(group: IncidentGroup, first: Int, users: Set<String>)] = []
        for n in incidents.indices {
            let i = incidents[n]
            guard groupSingles, i.drops == 1 else {
                order.append(.one(n))
                continue
            }
            let key = Key(host: i.host, verdict: i.verdict, reason: i.reason)
            if let k = groupOf[key] {
                groups[k].group.count += 1
                groups[k].group.start = min(groups[k].group.start, i.start)
                groups[k].group.end = max(groups[k].group.end, i.end)
                groups[k].users.formUnion(i.users)
            } else {
                groupOf[key] = groups.count
                order.append(.group(groups.count))
                groups.append(
                    (
                        IncidentGroup(host: i.host, verdict: i.verdict, reason: i.reason, count: 1, start: i.start, end: i.end, users: []), n,
                        Set(i.users)
                    ))
            }
        }
        // The incidents first, then the groups, in order of first appearance.
        var rows: [IncidentRow] = []
        rows.reserveCapacity(order.count)
        for case .one(let n) in order { rows.append(.one(incidents[n])) }
        for case .group(let k) in order {
            // A group of one is that incident.
            if groups[k].group.count == 1 {
                rows.append(.one(incidents[groups[k].first]))
                continue
            }
            var g = groups[k].group
            g.users = groups[k].users.sorted()
            rows.append(.group(g))
        }
        guard infraFirst else { return rows }
        let keys = rows.map { (Self.rank($0.verdict), $0.start) }
        return keys.indices.sorted { (keys[$0].0, keys[$0].1, $0) < (keys[$1].0, keys[$1].1, $1) }.map { rows[$0] }
    }

    /// Whether a drop gets a row of its own.
    func showsRow(_ d: Drop) -> Bool {
        switch dropRows {
        case .all: true
        case .infra: d.verdict.isInfra
        case .none: false
        }
    }

    /// `2h05m`, `3m07s`, `4.2s`: an incident's duration, compact.
    static func duration(_ usec: UInt64) -> String {
        let s = usec / 1_000_000
        if s < 60 { return usec % 1_000_000 == 0 || s >= 10 ? "\(s)s" : String(format: "%.1fs", Double(usec) / 1e6) }
        if s < 3600 { return "\(s / 60)m" + Render.pad(Int(s % 60), 2) + "s" }
        return "\(s / 3600)h" + Render.pad(Int((s % 3600) / 60), 2) + "m"
    }

    /// Users for a narrow column: `alice,bob,+3`.
    static func users(_ u: [String], max: Int = 3) -> String {
        if u.isEmpty { return "-" }
        let shown = u.prefix(max).map { Render.cell($0) }.joined(separator: ",")
        return u.count > max ? shown + ",+\(u.count - max)" : shown
    }
}

/// `ReportLayout.severalHosts` of a report's incidents, worked out at its
/// first row and kept (asked per row, over every incident, a week's 11,557
/// incidents cost 0.3 s).
struct SeveralHosts {
    private var known: Bool?

    mutating func callAsFunction(_ at: Attribution) -> Bool {
        if let known { return known }
        let several = ReportLayout.severalHosts(at.incidents)
        known = several
        return several
    }
}
