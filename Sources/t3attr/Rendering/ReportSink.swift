import Analysis
import ArgumentParser
import Classifiers

/// Where results meet output: the commands (and follow mode) call a sink's
/// methods as results come in; each output format is one implementation
/// (`TableSink`, `JSONSink`, `MarkdownSink`). A new format is one more sink
/// and one more case in `makeSink`.
protocol ReportSink: AnyObject {
    /// Drops in time order, or grouped by host (the table's fleet sections).
    var dropOrder: DropOrder { get }
    /// Before anything else: what the run is.
    func begin(_ run: RunHeader) throws(OutputError)
    /// One `dispatch` event.
    func event(_ ev: Event) throws(OutputError)
    /// Rows a `--jobs` worker's sink of the same format already rendered.
    func rows(_ bytes: [UInt8]) throws(OutputError)
    func drop(_ d: Drop, in at: Attribution) throws(OutputError)
    func burst(_ b: Burst, in at: Attribution) throws(OutputError)
    /// Drops explained by the same thing (issue 13, section 9), in the order
    /// `RunHeader.layout` gives (infrastructure first in the table and markdown).
    func incident(_ i: Incident, in at: Attribution) throws(OutputError)
    /// One-drop incidents of one verdict and reason as one row (a long report, issue 15).
    func incidentGroup(_ g: IncidentGroup, in at: Attribution) throws(OutputError)
    /// Drops per hour, for windows longer than `Histogram.minimumWindow` (issue 15).
    func hours(_ h: [HourCount], in at: Attribution) throws(OutputError)
    /// The drops that got no row of their own (`RunHeader.layout.dropRows`): how many.
    func dropsOmitted(_ count: Int, in at: Attribution) throws(OutputError)
    /// A new-era proxy error: a failed plain HTTP request, not a drop.
    func requestError(_ ev: Event, in at: Attribution) throws(OutputError)
    /// A second with at least `--min` cancelled requests (`bursts --requests`).
    func requestBurst(_ b: RequestBurst, in at: Attribution) throws(OutputError)
    /// A t3-dispatch outage (a crash loop, a start that failed).
    func outage(_ o: DispatchOutage, in at: Attribution) throws(OutputError)
    /// One serve-side event of `user` (`(host)` for host-wide OOM kills).
    func serveEvent(_ e: Event, user: String, userEvents: Int) throws(OutputError)
    /// After the last result: summaries, then everything is flushed.
    func finish(_ end: RunEnd) throws(OutputError)
}

extension ReportSink {
    func requestBurst(_ b: RequestBurst, in at: Attribution) throws(OutputError) {}
}

enum DropOrder { case time, byHost }

/// The subcommands, for headers.
enum CommandName: String {
    case dispatch, report, bursts, serve
}

/// What a run is about, given to the sink before any result.
struct RunHeader {
    var command: CommandName
    /// `-f`: rows arrive as they settle; the summary, once stopped, is of what was read and shown.
    var follow = false
    var window: TimeWindow
    var units: [String]
    /// The whole report, for the attribution commands (not in follow mode).
    var report: Report?
    /// Follow mode: seconds after a drop until it is shown.
    var settleSeconds: UInt64 = 0
    /// `bursts --requests`: request bursts, not drop bursts.
    var requests = false
    /// Where the entries came from (markdown's journalctl commands name it).
    var source: SourceSpec = .local
    /// What a long report condenses (issue 15): drop rows, grouped incidents, the histogram.
    var layout = ReportLayout()
}

/// How a run ended.
enum RunEnd {
    /// `dispatch`: what the listing read.
    case listing(ListingResult)
    /// `report`, `bursts`, `serve`.
    case report(Report)
    /// Follow mode was stopped, with what it read and showed.
    case stopped(FollowTotals)
}

/// What a follow run read and showed until it was stopped.
struct FollowTotals {
    var entriesRead = 0
    /// `dispatch -f`: the events shown.
    var events = 0
    var drops = 0
    var bursts = 0
}

/// Output settings every sink shares.
struct RenderStyle: Sendable {
    var local = false
    var color = false
    var verbose = false
    /// Table lines are cut to this many columns (a terminal without `--full`); nil: whole lines.
    var width: Int?

    /// A sentence that is never cut: on a terminal narrower than it, wrapped at
    /// spaces, the lines after the first indented.
    func wrapped(_ s: String) -> [String] {
        guard let w = width, s.count > w, w > 20 else { return [s] }
        var lines: [String] = []
        var line = ""
        for word in s.split(separator: " ", omittingEmptySubsequences: false) {
            if !line.isEmpty && line.count + 1 + word.count > w {
                lines.append(line)
                line = "   " + word
            } else {
                line += (line.isEmpty ? "" : " ") + word
            }
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }
}

/// `-o FORMAT`. A new format is a case here (in `everywhere` when every
/// command prints it), a sink, and a line in `makeSink`.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case table, json
    /// One pretty-printed JSON document instead of NDJSON.
    case jsonPretty = "json-pretty"
    /// A ticket-ready summary (report).
    case markdown

    /// The formats every command prints; a command declares what it accepts
    /// (`FormatDeclaring.acceptedFormats`) from these and its own.
    static let everywhere: [OutputFormat] = [.table, .json, .jsonPretty]
}

/// The sink for a format (json-pretty gathers the NDJSON sink's objects).
func makeSink(_ format: OutputFormat, out: Output, style: RenderStyle) -> any ReportSink {
    switch format {
    case .table: TableSink(out: out, style: style)
    case .json: JSONSink(out: out, style: style)
    case .jsonPretty: PrettyJSONSink(out: out, style: style)
    case .markdown: MarkdownSink(out: out, style: style)
    }
}

/// Feeds a finished report to a sink: the sections a command shows, in order.
enum Feed {
    static func drops(_ at: Attribution, to sink: any ReportSink) throws(OutputError) {
        switch sink.dropOrder {
        case .time:
            for d in at.drops { try sink.drop(d, in: at) }
        case .byHost:
            let hosts = at.hosts
            // Each host's drops found in one pass: a pass over every drop per
            // host copied hosts x drops records (issue 16's fleet row).
            var byHost: [String: [Int]] = [:]
            if hosts.count > 1 { for i in at.drops.indices { byHost[at.drops[i].event.host ?? "", default: []].append(i) } }
            for host in hosts {
                for i in hosts.count == 1 ? Array(at.drops.indices) : byHost[host] ?? [] { try sink.drop(at.drops[i], in: at) }
            }
        }
    }

    static func bursts(_ at: Attribution, to sink: any ReportSink) throws(OutputError) {
        for b in at.bursts { try sink.burst(b, in: at) }
    }

    static func requestErrors(_ at: Attribution, to sink: any ReportSink) throws(OutputError) {
        for e in at.requestErrors { try sink.requestError(e, in: at) }
    }

    static func incidents(_ at: Attribution, to sink: any ReportSink) throws(OutputError) {
        for i in at.incidents { try sink.incident(i, in: at) }
    }

    /// A whole `report`: incidents (as `layout` orders and groups them), outages,
    /// bursts, the histogram, the drops that get rows, request errors.
    static func report(_ at: Attribution, layout: ReportLayout, to sink: any ReportSink) throws(OutputError) {
        for row in layout.incidentRows(at.incidents) {
            switch row {
            case .one(let i): try sink.incident(i, in: at)
            case .group(let g): try sink.incidentGroup(g, in: at)
            }
        }
        try outages(at, to: sink)
        try bursts(at, to: sink)
        if !layout.hours.isEmpty { try sink.hours(layout.hours, in: at) }
        if layout.dropRows == .all {
            try drops(at, to: sink)
        } else {
            var omitted = 0
            for d in at.drops {
                if layout.showsRow(d) { try sink.drop(d, in: at) } else { omitted += 1 }
            }
            if omitted > 0 { try sink.dropsOmitted(omitted, in: at) }
        }
        try requestErrors(at, to: sink)
    }

    static func outages(_ at: Attribution, to sink: any ReportSink) throws(OutputError) {
        for o in at.outages { try sink.outage(o, in: at) }
    }

    static func requestBursts(_ at: Attribution, to sink: any ReportSink) throws(OutputError) {
        for b in at.requestBursts { try sink.requestBurst(b, in: at) }
    }

    /// Per-user serve-side timelines (`(host)`: OOM kills not in a serve).
    static func serveEvents(_ report: Report, users: [String], to sink: any ReportSink) throws(OutputError) {
        for (user, events) in report.serveTimelines(users: users) {
            for e in events { try sink.serveEvent(e, user: user, userEvents: events.count) }
        }
    }
}
