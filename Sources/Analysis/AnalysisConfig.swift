import Classifiers
import JournalReader

/// The resolved configuration of one run: what the command line said, as
/// values. Built once by the command from its options; everything after
/// parsing sees only this (ripgrep's low args -> high args).
public struct AnalysisConfig: Sendable {
    public var source: SourceSpec
    /// `--host`: only entries from these machines (`_HOSTNAME`).
    public var hosts: [String]
    public var window: TimeWindow
    public var units: UnitConfig
    public var maps: MapConfig
    public var settings: AttributionSettings
    public var scope: Scope
    /// `--strict`: anything skipped makes the run fail (exit 65).
    public var strict: Bool
    /// `-f`: read as the journal grows (a gateway is followed, not read to its end).
    public var follow: Bool
    /// `T3ATTR_TIMING=1`: the report carries how long each phase took.
    public var timing: Bool
    /// `--prometheus`, `--tunnel-log`: sources outside the journal (issue 14).
    public var evidence: EvidenceConfig = EvidenceConfig()
    /// `--jobs`: threads that read journal files, one file each (nil: one per
    /// core); 1 reads every pass on one handle. The result is the same.
    public var jobs: Int?

    /// Which drops are judged, and how much of the serves' output is read.
    public enum Scope: Sendable, Equatable {
        /// `report`: every drop; serve lines only around the drops.
        case everyDrop
        /// `bursts`: only drops in a burst.
        case burstsOnly
        /// `serve`: every serve line of the window (the serve timelines).
        case serveTimeline
    }

    public init(
        source: SourceSpec = .local, hosts: [String] = [], window: TimeWindow = TimeWindow(),
        units: UnitConfig = UnitConfig(), maps: MapConfig = MapConfig(),
        settings: AttributionSettings = AttributionSettings(), scope: Scope = .everyDrop,
        strict: Bool = false, follow: Bool = false, timing: Bool = false
    ) {
        self.source = source
        self.hosts = hosts
        self.window = window
        self.units = units
        self.maps = maps
        self.settings = settings
        self.scope = scope
        self.strict = strict
        self.follow = follow
        self.timing = timing
    }
}

/// Where entries come from, as the user named it (journalctl's flags plus
/// the two stream sources). `SourceOpener` turns it into an open journal.
public enum SourceSpec: Sendable, Equatable {
    /// This machine's journal (journalctl without flags).
    case local
    /// `-m/--merge`: every journal on the system.
    case merged
    /// `-D/--directory DIR`.
    case directory(String)
    /// `--file PATH...` (globs allowed, expanded when opened).
    case files([String])
    /// `--input PATH|-`: a Journal Export Format or `journalctl -o json` stream.
    case input(String)
    /// `--url URL`: a systemd-journal-gatewayd; without `-f`, read for at
    /// most `deadline` seconds (`--url-timeout`).
    case gateway(String, deadline: Int = ImportedJournal.defaultGatewayDeadline)

    /// A stream t3attr imported itself: only there is `T3ATTR_CURSOR` trusted.
    public var isImport: Bool {
        switch self {
        case .input, .gateway: true
        default: false
        }
    }
}

/// A time window in µs since the epoch; nil ends are open.
public struct TimeWindow: Equatable, Sendable {
    public var since: UInt64?
    public var until: UInt64?

    public init(since: UInt64? = nil, until: UInt64? = nil) {
        self.since = since
        self.until = until
    }

    /// Whether either end is set.
    public var bounded: Bool { since != nil || until != nil }
}

/// Which units hold which source (`--dispatch-unit`, `--serve-unit`, ...).
public struct UnitConfig: Sendable, Equatable {
    public var dispatchUnit: String
    public var serveUnit: String
    public var earlyoomUnit: String
    public var scriptTags: Set<String>
    /// The operator named these units (not the defaults): naming nothing is an error, not a note.
    public var dispatchUnitGiven = false
    public var serveUnitGiven = false

    public init(
        dispatchUnit: String = "t3-dispatch.service", serveUnit: String = ServeUnits.defaultPattern,
        earlyoomUnit: String = "earlyoom.service", scriptTags: Set<String> = SourceConfig.defaultScriptTags
    ) {
        self.dispatchUnit = dispatchUnit
        self.serveUnit = serveUnit
        self.earlyoomUnit = earlyoomUnit
        self.scriptTags = scriptTags
    }

    /// How serve unit names carry their user (from `serveUnit`).
    public var serveUnits: ServeUnits { ServeUnits(pattern: serveUnit) }
}

/// Port -> user map sources (field guide 3): nil paths mean the defaults.
public struct MapConfig: Sendable, Equatable {
    public var dispatchTable: String?
    public var envDir: String?
    public var dispatchPort: Int

    public init(dispatchTable: String? = nil, envDir: String? = nil, dispatchPort: Int = GoError.defaultDispatchPort) {
        self.dispatchTable = dispatchTable
        self.envDir = envDir
        self.dispatchPort = dispatchPort
    }
}

/// Sources outside the journal that corroborate verdicts (issue 14): Prometheus
/// (`--prometheus`, the probe's legs and devvm's pressure) and cloudflared's logs
/// (`--tunnel-log`). Empty: the run reads the journal alone.
public struct EvidenceConfig: Sendable, Equatable {
    /// Prometheus' base URL, already checked to be an absolute http(s) URL.
    public var prometheus: String?
    public var selectors: ProbeSelectors
    /// Paths of cloudflared logs; `-` is standard input.
    public var tunnelLogs: [String]
    /// Metrics and tunnel events this long before or after a drop count for it (µs).
    public var window: UInt64
    /// Seconds without progress, and the hard deadline, of one Prometheus request.
    public var connectTimeout: Double
    public var requestTimeout: Double

    public init(
        prometheus: String? = nil, selectors: ProbeSelectors = ProbeSelectors(), tunnelLogs: [String] = [],
        window: UInt64 = 60_000_000, connectTimeout: Double = 3, requestTimeout: Double = 15
    ) {
        self.prometheus = prometheus
        self.selectors = selectors
        self.tunnelLogs = tunnelLogs
        self.window = window
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
    }

    public var isEmpty: Bool { prometheus == nil && tunnelLogs.isEmpty }
}
