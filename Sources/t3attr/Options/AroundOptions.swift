import Analysis
import ArgumentParser
import Classifiers

/// `why USER [TIME]` and `report --around TIME`: how far either side of TIME
/// the window reaches (issue 15, "One user's complaint").
struct AroundOptions: ParsableArguments {
    @Option(
        name: .long, parsing: .unconditional,
        help: ArgumentHelp(
            "With a TIME (why) or --around (report): the window is TIME minus and plus this span (a span: 90s, 10min, 1h; default: 10min).",
            valueName: "span"), transform: SpanArgument.parse)
    var aroundWindow: SpanArgument?

    /// TIME ± this when `--around-window` is not given.
    static let defaultSpan: UInt64 = 600_000_000
    /// Without a TIME, `why` looks at the last hour.
    static let lastHour: UInt64 = 3_600_000_000

    var span: UInt64 { aroundWindow?.usec ?? Self.defaultSpan }

    func validate() throws {
        if let w = aroundWindow, w.usec == 0 { throw ValidationError("--around-window must be more than 0") }
    }

    /// The window asked about: TIME ± `--around-window`, or (no TIME) the hour
    /// before now; `--since`/`--until` given explicitly replace that end.
    /// A TIME that cannot be read is a usage error (64) naming it.
    func focus(time: String?, source: SourceOptions, now: UInt64) throws -> TimeWindow {
        var w: TimeWindow
        if let time {
            let t: UInt64
            do {
                t = try TimeSpec.parse(time, now: now)
            } catch {
                throw ValidationError("TIME: \(error)")
            }
            w = TimeWindow(since: t.subtractingClamped(span), until: t &+ span)
        } else {
            w = TimeWindow(since: now.subtractingClamped(Self.lastHour), until: now)
        }
        let given = try source.window(now: now)
        if let s = given.since { w.since = s }
        if let u = given.until { w.until = u }
        if let s = w.since, let u = w.until, s > u {
            throw ValidationError("the window starts (\(Render.rfc3339(s))) after it ends (\(Render.rfc3339(u)))")
        }
        return w
    }
}
