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
    ///
    /// `known` (issue 16): entries of the host already read (the dispatch's),
    /// which make most probes unnecessary. A probe at `x` straddles the two
    /// entries around it; when known entries of one boot lie less than the
    /// threshold apart on both sides of `x`, every entry between them is
    /// closer still, so the probe could only find what it finds there: no
    /// gap, the same boot, and the next probe one step on. It is skipped.
    /// Only where the known entries of the interval are of one boot (a
    /// reboot's entries can interleave with the old boot's when the clock
    /// went back), so the answer is the same as probing every step.
    ///
    /// `renew` (issue 16): a fresh handle on the same source, with the same
    /// matches, to go on with every `probesPerHandle` probes (nil: the rest
    /// on the first handle). A handle keeps every page it touched mapped, and
    /// each probe touches every file: a week's 3,400 probes held 180 MB of
    /// the report's peak on one handle.
    static func gaps(
        in j: Journal, intervals: [(UInt64, UInt64)], threshold: UInt64, known: KnownEntries = KnownEntries(),
        renew: (() -> Journal?)? = nil
    ) throws(JournalError) -> [HostGap] {
        var probes = 0
        return try gaps(in: j, intervals: intervals, threshold: threshold, known: known, probes: &probes, renew: renew)
    }

    static let probesPerHandle = 256

    /// `gaps`, counting the probes made in `probes`.
    static func gaps(
        in first: Journal, intervals: [(UInt64, UInt64)], threshold: UInt64, known: KnownEntries, probes: inout Int,
        renew: (() -> Journal?)? = nil, probesPerHandle: Int = Self.probesPerHandle
    ) throws(JournalError) -> [HostGap] {
        var j = first
        var onThisHandle = 0
        var renewing = renew != nil
        var finder = GapFinder(threshold: threshold)
        let step = max(threshold * 9 / 10, 1)
        for (a, b) in intervals {
            var x = a
            var lastBoot: (UInt64, String)?
            let oneBoot = known.boot(from: a.subtractingClamped(threshold), to: b + step + threshold)
            while x <= b + step {
                if let boot = oneBoot, lastBoot == nil || lastBoot!.1 == boot, let k = known.around(x), k.after < x + step,
                    k.after - k.before < threshold
                {
                    lastBoot = (k.after, boot)
                    x += step
                    continue
                }
                probes += 1
                onThisHandle += 1
                // A fresh handle that found a file damaged (and dropped it) is kept
                // to the end, as the run's handle would have gone on without it.
                if renewing, onThisHandle > probesPerHandle, let renew, !j.lostFiles {
                    j = first  // the last fresh handle goes before the next opens
                    if let fresh = renew() {
                        j = fresh
                        onThisHandle = 1
                    } else {
                        renewing = false
                    }
                }
                let p = j.straddle(x)
                if let before = p.before, let after = p.after {
                    finder.reset()
                    // Out of order within one boot: no gap can be read from the pair.
                    if !p.disordered || before.1 != after.1 {
                        finder.add(realtime: before.0, bootID: before.1)
                        finder.add(realtime: after.0, bootID: after.1)
                    }
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
        defer {
            // What a fresh handle found damaged is the run's to report.
            if j !== first, j.lostFiles {
                var c = Journal.ReadCounts()
                c.damaged = j.damagedFilesAfterReading()
                first.absorb(c)
            }
        }
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

/// The receive times (sorted) and boots of entries of one host already read.
struct KnownEntries {
    private(set) var times: [UInt64] = []
    private var boots: [String] = []
    private var sorted = true

    mutating func add(_ realtime: UInt64, boot: String) {
        if let last = times.last, realtime < last { sorted = false }
        times.append(realtime)
        boots.append(boot)
    }

    /// Sorts them by time (once, after the reads).
    mutating func finish() {
        guard !sorted else { return }
        let order = times.indices.sorted { times[$0] < times[$1] }
        times = order.map { times[$0] }
        boots = order.map { boots[$0] }
        sorted = true
    }

    /// The boot of every known entry in [from, to] when they share one and
    /// there is at least one; nil otherwise.
    func boot(from: UInt64, to: UInt64) -> String? {
        var i = firstIndex(atOrAfter: from)
        guard i < times.count, times[i] <= to, !boots[i].isEmpty else { return nil }
        let b = boots[i]
        while i < times.count, times[i] <= to {
            if boots[i] != b { return nil }
            i += 1
        }
        return b
    }

    /// The last known time before `x` and the first at or after it.
    func around(_ x: UInt64) -> (before: UInt64, after: UInt64)? {
        let i = firstIndex(atOrAfter: x)
        guard i > 0, i < times.count else { return nil }
        return (times[i - 1], times[i])
    }

    private func firstIndex(atOrAfter x: UInt64) -> Int {
        var lo = 0
        var hi = times.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if times[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
