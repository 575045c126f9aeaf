import Analysis
import Classifiers
import Foundation

/// Issue 14: how the probe's legs, devvm's pressure and the tunnel's events around a drop are shown.
/// Tunnel lines are untrusted text: cells and JSON strings escape them.
enum CorroborationText {
    static func number(_ v: Double) -> String {
        if v.isNaN || v.isInfinite { return String(v) }
        if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
        return String(format: "%.3g", v)
    }

    /// `down at 21:10:00Z (closed_closed)`, `up`, `no data`.
    static func legState(_ l: LegState, time: (UInt64) -> String) -> String {
        switch l.dropped {
        case nil: return "no data"
        case false?: return "up"
        case true?:
            let first = l.evidence.map(\.time).min()
            return "down" + (first.map { " at \(time($0))" } ?? "") + (l.reasons.isEmpty ? "" : " (\(l.reasons.joined(separator: ", ")))")
        }
    }

    /// `memory 0.35, io 0.01, swap fell 0 B, t3serve p99 0.02 s`.
    static func pressure(_ a: ProbeAssessment) -> String {
        var parts: [String] = []
        parts.append("memory " + (a.memoryPressureMax.map(number) ?? "no data"))
        parts.append("io " + (a.ioPressureMax.map(number) ?? "no data"))
        parts.append("swap fell " + (a.swapFall.map { "\(number($0 / 1_048_576)) MiB" } ?? "no data"))
        parts.append("t3serve p99 " + (a.t3serveRTTMax.map { "\(number($0)) s" } ?? "no data"))
        return parts.joined(separator: ", ")
    }

    /// `21:09:55Z cloudflared-7d9f-abcde connIndex=2 connection_terminated: timeout: no recent network activity`.
    static func tunnel(_ e: TunnelEvent, time: (UInt64) -> String) -> String {
        var s = (e.time.map(time) ?? "-") + " " + Render.cell(e.pod ?? "-")
        if let c = e.connIndex { s += " connIndex=\(c)" }
        s += " \(e.kind.rawValue)"
        if let err = e.error { s += ": " + Render.cell(err) } else { s += ": " + Render.cell(e.message) }
        return s
    }

    /// `metric{labels} = value @ time`.
    static func metric(_ m: MetricEvidence, time: (UInt64) -> String) -> String {
        let labels = m.labels.keys.sorted().map { "\($0)=\"\(m.labels[$0]!)\"" }.joined(separator: ",")
        return Render.cell("\(m.metric){\(labels)} = \(number(m.value)) @ ") + time(m.time)
    }

    /// The table's lines under a drop: one per leg, one for pressure, one per tunnel event.
    static func lines(_ c: DropCorroboration, time: (UInt64) -> String) -> [String] {
        var out = ["journal alone: \(c.journalVerdict.rawValue)/\(c.journalReason.rawValue)"]
        if let a = c.probe {
            for l in a.legs { out.append("probe \(l.leg.rawValue): \(legState(l, time: time))") }
            out.append("devvm: \(pressure(a)) (\(a.finding.rawValue))")
        }
        for e in c.tunnel { out.append("tunnel \(tunnel(e, time: time))") }
        return out
    }

    static func json(_ c: DropCorroboration) -> String {
        func t(_ v: UInt64?) -> String { Render.json(v.map { Render.rfc3339($0) }) }
        func d(_ v: Double?) -> String { v.map { $0.isFinite ? number($0) : Render.json(String($0)) } ?? "null" }
        var s = "{\"journal_verdict\":\(Render.json(c.journalVerdict.rawValue)),\"journal_reason\":\(Render.json(c.journalReason.rawValue))"
        if let a = c.probe {
            s += ",\"probe\":{\"finding\":\(Render.json(a.finding.rawValue)),\"from\":\(t(a.from)),\"to\":\(t(a.to))"
            s +=
                ",\"legs\":["
                + a.legs.map { l in
                    "{\"leg\":\(Render.json(l.leg.rawValue)),\"dropped\":\(l.dropped.map { String($0) } ?? "null"),\"reasons\":["
                        + l.reasons.map { Render.json($0) }.joined(separator: ",") + "]}"
                }.joined(separator: ",") + "]"
            s += ",\"memory_pressure_max\":\(d(a.memoryPressureMax)),\"io_pressure_max\":\(d(a.ioPressureMax))"
            s += ",\"swap_fall_bytes\":\(d(a.swapFall)),\"t3serve_rtt_max\":\(d(a.t3serveRTTMax))"
            s +=
                ",\"missing\":{"
                + a.missing.keys.sorted { $0.rawValue < $1.rawValue }.map {
                    "\(Render.json($0.rawValue)):\(Render.json(a.missing[$0]!))"
                }.joined(separator: ",") + "}}"
        } else {
            s += ",\"probe\":null"
        }
        s +=
            ",\"metrics\":["
            + c.metrics.map { m in
                "{\"metric\":\(Render.json(m.metric)),\"labels\":{"
                    + m.labels.keys.sorted().map { "\(Render.json($0)):\(Render.json(m.labels[$0]!))" }.joined(separator: ",")
                    + "},\"value\":\(d(m.value)),\"time\":\(t(m.time))}"
            }.joined(separator: ",") + "]"
        s +=
            ",\"tunnel\":["
            + c.tunnel.map { e in
                "{\"kind\":\(Render.json(e.kind.rawValue)),\"time\":\(t(e.time)),\"pod\":\(Render.json(e.pod)),\"conn_index\":\(Render.json(e.connIndex))"
                    + ",\"level\":\(Render.json(e.level?.rawValue)),\"error\":\(Render.json(e.error)),\"message\":\(Render.json(e.message)),\"line\":\(e.line)}"
            }.joined(separator: ",") + "]"
        return s + "}"
    }
}
