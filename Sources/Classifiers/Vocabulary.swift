/// The closed sets t3attr's results are made of. Each raw value is the
/// string the JSON output and the README use; they never change.

/// What an event is (`kind` in every JSON object).
public enum EventKind: String, Sendable, Codable, CaseIterable {
    // t3-dispatch's own lines (`DispatchKind`).
    case proxyError = "proxy_error"
    case wsOpen = "ws_open"
    case wsClose = "ws_close"
    case listening
    case paired
    case pairingFailed = "pairing_failed"
    case tableReloadFailed = "table_reload_failed"
    case other
    /// PID 1 and coredump entries of the dispatch unit, as `dispatch` lists them.
    case systemd
    case coredump
    // Signals: what the serves, systemd, the kernel, earlyoom and the scripts said.
    case serveTimeout = "serve_timeout"
    case unitStarting = "unit_starting"
    case unitStarted = "unit_started"
    case unitStopping = "unit_stopping"
    case unitStopped = "unit_stopped"
    case unitExited = "unit_exited"
    case unitFailed = "unit_failed"
    case unitRestartScheduled = "unit_restart_scheduled"
    case unitOOMKill = "unit_oom_kill"
    case unitStopTimeout = "unit_stop_timeout"
    case unitCoredump = "unit_coredump"
    case oomKill = "oom_kill"
    case earlyoomKill = "earlyoom_kill"
    case probeFailed = "probe_failed"
    case watchdogRestart = "watchdog_restart"
    case watchdogExhausted = "watchdog_exhausted"
    case plannedRestart = "planned_restart"
    // t3-dispatch dying (issue 13, section 5).
    case startFailed = "start_failed"
    case listenFailed = "listen_failed"
    case panic
    // Issue 13 (helper B): script restarts that failed, a serve disabled by
    // provisioning, the kernel's hung-task/soft-lockup lines.
    case restartFailed = "restart_failed"
    case serveDisabled = "serve_disabled"
    case kernelStall = "kernel_stall"
    case journalSuppressed = "journal_suppressed"

    public init(_ k: DispatchKind) {
        switch k {
        case .proxyError: self = .proxyError
        case .wsOpen: self = .wsOpen
        case .wsClose: self = .wsClose
        case .listening: self = .listening
        case .paired: self = .paired
        case .pairingFailed: self = .pairingFailed
        case .tableReloadFailed: self = .tableReloadFailed
        case .other: self = .other
        case .startFailed: self = .startFailed
        case .listenFailed: self = .listenFailed
        case .panic: self = .panic
        }
    }
}

/// The class of a dispatch event (`class`): the Go error class of a proxy
/// error or a raw `ws close` cause, or how a `ws close` says it ended.
public enum EventClass: Hashable, Sendable, CaseIterable {
    case error(ErrorClass)
    case graceful
    case downstreamClosed
    case upstreamClosed

    public static var allCases: [EventClass] {
        ErrorClass.allCases.map { .error($0) } + [.graceful, .downstreamClosed, .upstreamClosed]
    }

    /// The name the output and `--class` use.
    public var name: String {
        switch self {
        case .error(let c): c.rawValue
        case .graceful: "graceful"
        case .downstreamClosed: "downstream_closed"
        case .upstreamClosed: "upstream_closed"
        }
    }

    public init?(name: String) {
        guard let c = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = c
    }
}

/// Why a drop (or a burst) got its verdict (`reason`); README "Verdicts".
public enum Reason: String, Sendable, Codable, CaseIterable {
    // devvm
    case reboot
    case hostGap = "host_gap"
    case oomKill = "oom_kill"
    case serveTimeouts = "serve_timeouts"
    // dispatch
    case dispatchRestart = "dispatch_restart"
    // edge
    case burst
    // serve
    case watchdogRestart = "watchdog_restart"
    case plannedRestart = "planned_restart"
    case crashRestart = "crash_restart"
    case stopTimeout = "stop_timeout"
    case unitRestart = "unit_restart"
    /// serve: the user's serve unit was down at the drop (its last line before
    /// it a stop or failure, no start since), however long before.
    case unitDown = "unit_down"
    /// unknown: drops of `--burst-min` or more users, each within 5 s of the
    /// last, none a burst: one break spread over seconds, not so many clients.
    case spreadOut = "spread_out"
    case refused
    case reset
    case eof
    case serveTimeout = "serve_timeout"
    case upstreamClosed = "upstream_closed"
    case upstreamError = "upstream_error"
    // client
    case isolatedCancel = "isolated_cancel"
    case isolatedDrop = "isolated_drop"
    // unknown
    case upstreamNoUser = "upstream_no_user"
    case belowBurstThreshold = "below_burst_threshold"
    case noEvidence = "no_evidence"
    // dispatch (issue 13, section 5)
    case dispatchOutage = "dispatch_outage"
    /// A `downstream_closed` whose user's serve was not shown to be answering.
    case downstreamUnconfirmed = "downstream_unconfirmed"
    // Issue 13 (helper B).
    /// devvm: the kernel's hung-task or soft-lockup lines near the drop.
    case kernelStall = "kernel_stall"
    /// devvm: `connect: cannot assign requested address` (ephemeral ports exhausted).
    case ephemeralPorts = "ephemeral_ports"
    /// serve: t3-provision-users stopped and disabled the user's serve.
    case serveDisabled = "serve_disabled"
    /// unknown: an elimination verdict inside a hole journald's rate limit left.
    case journalSuppressed = "journal_suppressed"
    // Issue 14: proof from the probe (Prometheus) and the tunnel's logs.
    /// devvm: memory or IO pressure (or a fall of free swap) above its threshold around the drop.
    case probePressure = "probe_pressure"
    /// edge: the probe's cloudflare leg dropped while its internal leg stayed up.
    case probeCloudflareLeg = "probe_cloudflare_leg"
    /// edge: both WebSocket legs dropped, the journal shows no dispatch restart or host gap: Traefik.
    case probeTraefik = "probe_traefik"
    /// edge: a cloudflared connection was lost, terminated or re-registered, or a pod stopped or started.
    case tunnelReconnect = "tunnel_reconnect"
    /// serve: the probe's t3serve leg timed out or its round trip spiked.
    case probeServeStall = "probe_serve_stall"
    /// client: every leg up and pressure low: infra exonerated.
    case probeClean = "probe_clean"
}

/// What a piece of evidence is (`kind` in an evidence object): the event it
/// is, or one side of a host gap.
public enum EvidenceKind: Hashable, Sendable {
    case event(EventKind)
    case lastEntryBeforeGap
    case firstEntryAfterGap
    case firstEntryOfNewBoot

    public var name: String {
        switch self {
        case .event(let k): k.rawValue
        case .lastEntryBeforeGap: "last_entry_before_gap"
        case .firstEntryAfterGap: "first_entry_after_gap"
        case .firstEntryOfNewBoot: "first_entry_of_new_boot"
        }
    }
}
