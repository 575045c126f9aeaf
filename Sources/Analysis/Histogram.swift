import Classifiers

/// One hour of a long report's per-hour histogram (issue 15, "long windows").
public struct HourCount: Sendable, Equatable {
    /// The hour's first instant, µs since the epoch (a local hour's when bucketed by a zone).
    public var start: UInt64
    /// Drops per verdict received in the hour.
    public var counts: [Verdict: Int]

    public var total: Int { counts.values.reduce(0, +) }
}

/// Drops per hour, from the first drop's hour to the last one's (empty hours included).
public enum Histogram {
    /// Windows longer than this (the window's ends, or the drops' when it has none) get a histogram.
    public static let minimumWindow: UInt64 = 3 * 3_600_000_000

    /// Whether a report over `window` with these drops is long enough for one:
    /// from `since` (else the first drop) to `until` (else `lastRead`, else the last drop).
    public static func applies(window: TimeWindow, drops: [Drop], lastRead: UInt64) -> Bool {
        guard let first = drops.map(\.event.realtime).min(), let last = drops.map(\.event.realtime).max() else { return false }
        let start = window.since ?? first
        let end = window.until ?? max(lastRead, last)
        return end > start && end - start > minimumWindow
    }

    /// `utcOffset(t)`: seconds east of UTC at `t` (0 for UTC hours; the local zone's for `--local`).
    public static func hours(_ drops: [Drop], utcOffset: (UInt64) -> Int = { _ in 0 }) -> [HourCount] {
        guard !drops.isEmpty else { return [] }
        var byHour: [Int64: [Verdict: Int]] = [:]
        var offsets: [Int64: Int] = [:]
        for k in drops.indices {
            let t = drops[k].event.realtime
            let off = utcOffset(t)
            let local = Int64(t / 1_000_000) + Int64(off)
            let hour = local >= 0 ? local / 3600 : (local - 3599) / 3600
            byHour[hour, default: [:]][drops[k].verdict, default: 0] += 1
            if offsets[hour] == nil { offsets[hour] = off }
        }
        let first = byHour.keys.min()!
        let last = byHour.keys.max()!
        var out: [HourCount] = []
        var off = offsets[first] ?? 0
        for h in first...last {
            off = offsets[h] ?? off
            let startSec = h * 3600 - Int64(off)
            out.append(HourCount(start: UInt64(max(0, startSec)) * 1_000_000, counts: byHour[h] ?? [:]))
        }
        return out
    }
}
