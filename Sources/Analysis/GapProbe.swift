import Classifiers
import JournalReader

/// Host gaps around the drops: every source of the host is probed, but only
/// in the intervals where a gap can change a verdict.
///
/// Probes land a little closer together than the threshold: each lands
/// inside any gap that long and sees the entries on both sides of it. Where
/// two probes see different boots, the stretch between them is read whole.
enum GapProbe {
    /// The gaps in `intervals`, each with the entries on its two sides as
    /// evidence. The journal's matches must select the host's every source.
    static func gaps(in j: Journal, intervals: [(UInt64, UInt64)], threshold: UInt64) throws(JournalError) -> [HostGap] {
        var finder = GapFinder(threshold: threshold)
        let step = max(threshold * 9 / 10, 1)
        for (a, b) in intervals {
            var x = a
            var lastBoot: (UInt64, String)?
            while x <= b + step {
                let p = j.straddle(x)
                if let before = p.before, let after = p.after {
                    finder.reset()
                    finder.add(realtime: before.0, bootID: before.1)
                    finder.add(realtime: after.0, bootID: after.1)
                }
                if let seen = p.after ?? p.before {
                    if let lb = lastBoot, lb.1 != seen.1, !lb.1.isEmpty, !seen.1.isEmpty {
                        finder.reset()
                        try j.scanTimes(from: lb.0, to: seen.0) { t, boot in finder.add(realtime: t, bootID: boot) }
                    }
                    lastBoot = seen
                }
                // Skip ahead: nothing between x and the next entry needs another probe.
                x = max(x + step, (p.after?.0 ?? x) + 1)
            }
        }
        var gaps = finder.gaps
        for i in gaps.indices {
            let n = j.neighbours(of: gaps[i].end)
            gaps[i].before = n.before.map {
                Evidence(realtime: $0.realtime, unit: $0.aboutUnit, kind: .lastEntryBeforeGap, message: $0.messageText, cursor: $0.cursor)
            }
            gaps[i].after = n.after.map {
                Evidence(
                    realtime: $0.realtime, unit: $0.aboutUnit,
                    kind: $0.bootID != n.before?.bootID ? .firstEntryOfNewBoot : .firstEntryAfterGap,
                    message: $0.messageText, cursor: $0.cursor)
            }
        }
        return gaps
    }
}
