import Analysis
import ArgumentParser
import Classifiers

/// Which units and identifiers hold the sources the attribution reads.
struct SourceUnitOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The dispatch proxy's unit (name or glob).", valueName: "unit"))
    var dispatchUnit = "t3-dispatch.service"

    @Option(name: .long, help: ArgumentHelp("The per-user serve units (name or glob).", valueName: "unit"))
    var serveUnit = ServeUnits.defaultPattern

    @Option(name: .long, help: ArgumentHelp("earlyoom's unit.", valueName: "unit"))
    var earlyoomUnit = "earlyoom.service"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Host script identifiers whose restarts and probes are evidence (repeatable; default: t3-watchdog, t3-autoupdate, t3-migrate-idle).",
            valueName: "tag"))
    var scriptTag: [String] = []

    /// An empty name would select nothing and yield "No drops": a usage error instead.
    func validate() throws {
        for (flag, value) in [("--dispatch-unit", dispatchUnit), ("--serve-unit", serveUnit), ("--earlyoom-unit", earlyoomUnit)]
        where value.isEmpty {
            throw ValidationError("\(flag) must not be empty")
        }
        if scriptTag.contains(where: \.isEmpty) { throw ValidationError("--script-tag must not be empty") }
    }

    var scriptTags: Set<String> { scriptTag.isEmpty ? SourceConfig.defaultScriptTags : Set(scriptTag) }

    /// A value other than the default is one the operator gave: naming nothing is then an error.
    var config: UnitConfig {
        var c = UnitConfig(dispatchUnit: dispatchUnit, serveUnit: serveUnit, earlyoomUnit: earlyoomUnit, scriptTags: scriptTags)
        c.dispatchUnitGiven = dispatchUnit != UnitConfig().dispatchUnit
        c.serveUnitGiven = serveUnit != ServeUnits.defaultPattern
        return c
    }
}

/// Thresholds and correlation windows of the attribution (spans in journalctl syntax).
struct AttributionOptions: ParsableArguments {
    @Option(name: .customLong("burst-min"), help: ArgumentHelp("Downstream teardowns in one second that make a burst.", valueName: "n"))
    var burstMin = 5

    @Option(
        name: .long, help: ArgumentHelp("A graceful WebSocket close shorter than this is a drop (a span: 90s, 2min, 1h).", valueName: "span"))
    var shortSocket = SpanArgument("120s")

    @Option(
        name: .long,
        help: ArgumentHelp("A close followed by the same user's ws open within this is a reconnect (a span: 90s, 2min, 1h).", valueName: "span"))
    var reconnectWindow = SpanArgument("60s")

    @Option(
        name: .long,
        help: ArgumentHelp("Serve-side events of the drop's user this long before or after it count (a span: 90s, 2min, 1h).", valueName: "span"))
    var serveWindow = SpanArgument("120s")

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Host-wide signals (OOM kills, timeouts in several serves, gaps) this long before a drop count, and after it those whose condition had begun by the drop (a span: 90s, 2min, 1h).",
            valueName: "span"))
    var hostWindow = SpanArgument("120s")

    @Option(
        name: .long, help: ArgumentHelp("Silence in the whole journal that counts as a host gap (a span: 90s, 2min, 1h).", valueName: "span"))
    var gap = SpanArgument("30s")

    func validate() throws {
        guard burstMin >= 1 else { throw ValidationError("--burst-min must be at least 1") }
        guard gap.usec > 0 else { throw ValidationError("--gap must be more than 0") }
    }

    var settings: AttributionSettings {
        var s = AttributionSettings()
        s.burstMin = burstMin
        s.shortSocketMs = shortSocket.usec / 1000
        s.reconnectWindow = reconnectWindow.usec
        s.serveWindow = serveWindow.usec
        s.hostWindow = hostWindow.usec
        s.gapThreshold = gap.usec
        return s
    }
}

/// A span in journalctl syntax (`90s`, `2min`, `1h`; a bare number is
/// seconds), parsed while the arguments are (a bad one is a usage error
/// that shows the option's help).
struct SpanArgument: ExpressibleByArgument, CustomStringConvertible, Sendable {
    let usec: UInt64
    /// As the user wrote it (shown as the default in `--help`).
    let description: String

    /// A literal default; a bad one is a programming error caught by the tests.
    init(_ literal: String) {
        usec = Span.parse(literal, requireUnit: false) ?? 0
        description = literal
    }

    init?(argument: String) {
        // At most 100 years: windows are added to times (an overflow trapped at `--gap 64950y`).
        guard let v = Span.parse(argument, requireUnit: false), v <= 100 * 31_557_600_000_000 else { return nil }
        usec = v
        description = argument
    }

    var defaultValueDescription: String { description }
}
