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
    /// `--short-socket` when none is given.
    static let shortSocketDefault = "120s"
    /// `--reconnect-window` when none is given.
    static let reconnectWindowDefault = "60s"
    /// `--serve-window` when none is given.
    static let serveWindowDefault = "120s"
    /// `--host-window` when none is given.
    static let hostWindowDefault = "120s"
    /// `--gap` when none is given.
    static let gapDefault = "30s"

    @Option(
        name: .customLong("burst-min"), parsing: .unconditional,
        help: ArgumentHelp("Downstream teardowns in one second that make a burst (default: 5).", valueName: "n"))
    var burstMin: Int?

    /// `--burst-min` when none is given.
    static let defaultBurstMin = 5

    @Option(
        name: .long, parsing: .unconditional,
        help: ArgumentHelp(
            "A graceful WebSocket close shorter than this is a drop (a span: 90s, 2min, 1h). (default: \(AttributionOptions.shortSocketDefault))",
            valueName: "span"), transform: SpanArgument.parse)
    var shortSocket = SpanArgument(AttributionOptions.shortSocketDefault)

    @Option(
        name: .long, parsing: .unconditional,
        help: ArgumentHelp(
            "A close followed by the same user's ws open within this is a reconnect (a span: 90s, 2min, 1h). (default: \(AttributionOptions.reconnectWindowDefault))",
            valueName: "span"), transform: SpanArgument.parse)
    var reconnectWindow = SpanArgument(AttributionOptions.reconnectWindowDefault)

    @Option(
        name: .long, parsing: .unconditional,
        help: ArgumentHelp(
            "Serve-side events of the drop's user this long before or after it count (a span: 90s, 2min, 1h). (default: \(AttributionOptions.serveWindowDefault))",
            valueName: "span"), transform: SpanArgument.parse)
    var serveWindow = SpanArgument(AttributionOptions.serveWindowDefault)

    @Option(
        name: .long, parsing: .unconditional,
        help: ArgumentHelp(
            "Host-wide signals (OOM kills, timeouts in several serves, gaps) this long before a drop count, and after it those whose condition had begun by the drop (a span: 90s, 2min, 1h). (default: \(AttributionOptions.hostWindowDefault))",
            valueName: "span"), transform: SpanArgument.parse)
    var hostWindow = SpanArgument(AttributionOptions.hostWindowDefault)

    @Option(
        name: .long, parsing: .unconditional,
        help: ArgumentHelp(
            "Silence in the whole journal that counts as a host gap (a span: 90s, 2min, 1h). (default: \(AttributionOptions.gapDefault))",
            valueName: "span"), transform: SpanArgument.parse)
    var gap = SpanArgument(AttributionOptions.gapDefault)

    func validate() throws {
        if let burstMin, burstMin < 1 { throw ValidationError("--burst-min must be at least 1") }
        guard gap.usec > 0 else { throw ValidationError("--gap must be more than 0") }
    }

    var settings: AttributionSettings {
        var s = AttributionSettings()
        s.burstMin = burstMin ?? Self.defaultBurstMin
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
        guard let v = try? Self.parse(argument) else { return nil }
        self = v
    }

    /// Why a value is not a span, shown after ArgumentParser's "The value
    /// 'X' is invalid for '--gap <span>'".
    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    /// At most 100 years: windows are added to times (an overflow trapped at `--gap 64950y`).
    static let maxUsec: UInt64 = 100 * 31_557_600_000_000

    /// The options' `transform`: a value that is not a span, or is too long
    /// for one, is a usage error that says which.
    static func parse(_ argument: String) throws(Problem) -> SpanArgument {
        guard let v = Span.parse(argument, requireUnit: false) else {
            throw Problem(description: "not a span as journalctl writes them (90s, 2min, 1h, 2d; at most 100 years)")
        }
        guard v <= maxUsec else { throw Problem(description: "more than 100 years") }
        return SpanArgument(usec: v, description: argument)
    }

    private init(usec: UInt64, description: String) {
        self.usec = usec
        self.description = description
    }

    var defaultValueDescription: String { description }
}
