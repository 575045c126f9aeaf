import Analysis
import ArgumentParser
import Foundation

/// Sources outside the journal (issue 14): Prometheus and cloudflared's logs.
struct EvidenceOptions: ParsableArguments {
    /// `--evidence-window` when none is given.
    static let evidenceWindowDefault = "60s"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Prometheus' base URL: the t3-probe's legs and devvm's pressure corroborate verdicts (default: $T3ATTR_PROMETHEUS).",
            valueName: "url"))
    var prometheus: String?

    @Option(
        name: .long,
        help: ArgumentHelp("PromQL label matchers of the t3-probe's series.", valueName: "matchers"))
    var probeSelector = ProbeSelectors.defaultProbe

    @Option(
        name: .long,
        help: ArgumentHelp("PromQL label matchers of devvm's node_exporter series.", valueName: "matchers"))
    var nodeSelector = ProbeSelectors.defaultNode

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A cloudflared log (kubectl logs, with or without --timestamps/--prefix; - is stdin; repeatable).", valueName: "file"))
    var tunnelLog: [String] = []

    @Option(
        name: .long, parsing: .unconditional,
        help: ArgumentHelp(
            "Probe samples and tunnel events this long before or after a drop count for it (a span: 90s, 2min, 1h). (default: \(EvidenceOptions.evidenceWindowDefault))",
            valueName: "span"), transform: SpanArgument.parse)
    var evidenceWindow = SpanArgument(EvidenceOptions.evidenceWindowDefault)

    /// `--prometheus`, else `T3ATTR_PROMETHEUS` (empty: unset).
    var prometheusURL: String? {
        if let prometheus { return prometheus }
        let env = ProcessInfo.processInfo.environment["T3ATTR_PROMETHEUS"] ?? ""
        return env.isEmpty ? nil : env
    }

    func validate() throws {
        if let u = prometheusURL {
            do { _ = try PrometheusClient(url: u) } catch {
                throw ValidationError("--prometheus\(prometheus == nil ? " (T3ATTR_PROMETHEUS)" : ""): \(error.description)")
            }
        }
        for (flag, v) in [("--probe-selector", probeSelector), ("--node-selector", nodeSelector)]
        where v.isEmpty || v.contains("{") || v.contains("}") {
            throw ValidationError("\(flag) takes label matchers without braces, e.g. job=\"t3-probe\"")
        }
        if tunnelLog.contains(where: \.isEmpty) { throw ValidationError("--tunnel-log must not be empty") }
        guard evidenceWindow.usec > 0 else { throw ValidationError("--evidence-window must be more than 0") }
    }

    /// Standard input is read once: by the journal stream or by a tunnel log.
    func validate(with source: SourceOptions) throws {
        if source.input == "-" && tunnelLog.contains("-") {
            throw ValidationError("--input - and --tunnel-log - both read standard input: give one of them a file")
        }
    }

    var config: EvidenceConfig {
        EvidenceConfig(
            prometheus: prometheusURL, selectors: ProbeSelectors(probe: probeSelector, node: nodeSelector), tunnelLogs: tunnelLog,
            window: evidenceWindow.usec)
    }
}
