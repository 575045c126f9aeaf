/// Issue 14: the sources outside the journal, gathered once per run (not per drop): the probe's
/// legs and devvm's pressure from Prometheus, and cloudflared's logs. Failures are notes; the
/// verdicts then come from the journal alone.
import Classifiers
import Foundation

public struct Corroboration: Sendable, Equatable {
    /// What Prometheus gave over the drops' span (nil: not asked, or the server failed).
    public var probe: ProbeSeries?
    /// The tunnel's logs, all files together (nil: none given).
    public var tunnel: TunnelLog?
    /// `EvidenceConfig.window`: how far from a drop metrics and tunnel events count.
    public var window: UInt64

    public init(probe: ProbeSeries? = nil, tunnel: TunnelLog? = nil, window: UInt64) {
        self.probe = probe
        self.tunnel = tunnel
        self.window = window
    }

    /// The most a `--tunnel-log` may hold: a day of three pods' logs is a few MiB.
    public static let maxTunnelLogBytes = 256 << 20

    /// Fetches Prometheus once over `[from - window, to + window]` (the span of the drops) and reads
    /// every tunnel log. A tunnel log that cannot be read is an error (exit 66); Prometheus'
    /// failures are notes.
    public static func gather(
        _ config: EvidenceConfig, span: (from: UInt64, to: UInt64)?,
        readStdin: () -> Data? = { try? FileHandle.standardInput.read(upToCount: Corroboration.maxTunnelLogBytes + 1) }
    ) throws -> (Corroboration, [Note]) {
        var notes: [Note] = []
        var c = Corroboration(window: config.window)
        if !config.tunnelLogs.isEmpty {
            var log = TunnelLog()
            for path in config.tunnelLogs {
                var data: Data
                if path == "-" {
                    data = readStdin() ?? Data()
                } else {
                    // Read as a stream: `--tunnel-log <(kubectl logs ...)` is a pipe. At most
                    // `maxTunnelLogBytes` (`/dev/zero` or a binary grew without bound).
                    guard let h = FileHandle(forReadingAtPath: path), let d = try? h.read(upToCount: maxTunnelLogBytes + 1) ?? Data() else {
                        var isDir: ObjCBool = false
                        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDir)
                        let denied = exists && !isDir.boolValue && !FileManager.default.isReadableFile(atPath: path)
                        let why =
                            denied
                            ? "permission denied" : !exists ? "no such file" : isDir.boolValue ? "is a directory, not a log file" : "cannot read it"
                        throw ConfigError(path: path, reason: "\(why) (--tunnel-log)", unreadable: !denied, permission: denied)
                    }
                    try? h.close()
                    data = d
                }
                if data.count > maxTunnelLogBytes {
                    throw ConfigError(
                        path: path,
                        reason:
                            "larger than \(maxTunnelLogBytes >> 20) MiB (--tunnel-log): not a cloudflared log; give the hours around the drops (kubectl logs --since)",
                        unreadable: true)
                }
                let one = TunnelLogParser.parse(String(decoding: data, as: UTF8.self))
                if one.events.isEmpty && one.lines > 0 && one.otherLines == 0 {
                    notes.append(.evidenceMissing(source: "--tunnel-log \(path)", detail: "no line in cloudflared's format (\(one.lines) lines)"))
                }
                log.events += one.events
                log.otherLines += one.otherLines
                log.unrecognisedLines += one.unrecognisedLines
                log.lines += one.lines
            }
            log.events.sort { ($0.time ?? 0, $0.line) < ($1.time ?? 0, $1.line) }
            c.tunnel = log
        }
        if let url = config.prometheus, let span {
            do {
                let client = try PrometheusClient(url: url, connectTimeout: config.connectTimeout, overallTimeout: config.requestTimeout)
                let fetcher = ProbeFetcher(client: client, selectors: config.selectors)
                // On a whole minute: query steps (15 s, 30 s, 60 s) then fall on the scrapes' times.
                var start = span.from >= config.window ? span.from - config.window : 0
                start -= start % 60_000_000
                let (series, errors) = fetcher.fetch(start: start, end: span.to &+ config.window &+ fetcher.rateWindow)
                if let server = errors.values.first(where: \.isServerFailure) {
                    notes.append(.evidenceMissing(source: "--prometheus", detail: "\(server.description); verdicts from the journal alone"))
                } else {
                    for q in ProbeQuery.allCases {
                        // The disconnect counter has no series until a first disconnect: nothing missing.
                        if q == .disconnects, case .emptySeries? = errors[q] { continue }
                        if let e = errors[q] {
                            notes.append(.evidenceMissing(source: "--prometheus \(q.metric)", detail: e.description))
                        }
                    }
                    c.probe = series
                }
            } catch {
                notes.append(.evidenceMissing(source: "--prometheus", detail: error.description))
            }
        }
        return (c, notes)
    }
}

extension Corroboration {
    /// Turns eliminations into evidence where the probe or the tunnel's logs say so (issue 14's table).
    public func corroborate(_ result: inout Attribution) {
        Corroborator(probe: probe, tunnel: tunnel?.events ?? [], window: window).apply(&result)
    }
}
