import CSystemd
import Classifiers
import Glibc

/// Probes for host gaps: cheap reads of receive times and boot ids around a
/// point, under the matches applied, which they leave as they were.
extension Journal {
    /// Walks every entry (no matches: all sources) with receive time in
    /// [from, to], giving only its receive time and boot id: the cheap scan
    /// that finds host gaps around drops. Under the matches applied (apply an
    /// empty set, or one host's, for every source); leaves them as they are.
    public func scanTimes(from: UInt64, to: UInt64, _ body: (UInt64, String) -> Void) throws(JournalError) {
        let r = sd_journal_seek_realtime_usec(j, from)
        if r < 0 { throw JournalError.errno("cannot seek", r) }
        // The last entry before `from` too: a gap may begin before the interval.
        if sd_journal_previous(j) > 0 {
            var t: UInt64 = 0
            if sd_journal_get_realtime_usec(j, &t) >= 0 { body(t, currentBoot()) }
        } else {
            _ = sd_journal_seek_realtime_usec(j, from)
        }
        while sd_journal_next(j) > 0 {
            var t: UInt64 = 0
            guard sd_journal_get_realtime_usec(j, &t) >= 0 else { continue }
            if t > to { break }
            body(t, currentBoot())
        }
    }

    /// The receive time and boot of the last entry before `x` and of the first
    /// at or after it, under the matches applied (see `scanTimes`); leaves them as they are.
    public func straddle(_ x: UInt64) -> (before: (UInt64, String)?, after: (UInt64, String)?, disordered: Bool) {
        guard sd_journal_seek_realtime_usec(j, x) >= 0 else { return (nil, nil, false) }
        var after: (UInt64, String)?
        var t: UInt64 = 0
        if sd_journal_next(j) > 0, sd_journal_get_realtime_usec(j, &t) >= 0 { after = (t, currentBoot()) }
        var before: (UInt64, String)?
        if after != nil {
            if sd_journal_previous(j) > 0, sd_journal_get_realtime_usec(j, &t) >= 0, t < x { before = (t, currentBoot()) }
        } else if sd_journal_seek_realtime_usec(j, x) >= 0, sd_journal_previous(j) > 0, sd_journal_get_realtime_usec(j, &t) >= 0 {
            before = (t, currentBoot())
        }
        // Receive times out of order around the pair (an entry placed among
        // later ones: a clock stepped back, or a stream that says so): the
        // seek by time found a pair that is not neighbours in time, and the
        // silence between them says nothing.
        var disordered = false
        if let b = before, let a = after {
            if sd_journal_previous(j) > 0, sd_journal_get_realtime_usec(j, &t) >= 0, t > b.0 { disordered = true }
            if !disordered, sd_journal_seek_realtime_usec(j, x) >= 0, sd_journal_next(j) > 0, sd_journal_next(j) > 0,
                sd_journal_get_realtime_usec(j, &t) >= 0, t < a.0
            {
                disordered = true
            }
        }
        return (before, after, disordered)
    }

    /// The entries received before `t`, newest first, with their cursors,
    /// under the matches applied, until `body` says stop (false) or `limit`
    /// were given: what was last said of something before a window.
    public func readBackward(before t: UInt64, limit: Int, _ body: (JournalEntry, String) -> Bool) {
        guard sd_journal_seek_realtime_usec(j, t) >= 0 else { return }
        var given = 0
        while given < limit, sd_journal_previous(j) > 0 {
            var rt: UInt64 = 0
            guard sd_journal_get_realtime_usec(j, &rt) >= 0, rt < t, case .entry(let e) = readCurrent(realtime: rt) else { continue }
            given += 1
            if !body(e, cursor()) { return }
        }
    }

    /// The entries just before and at-or-after `realtime` (any source), with
    /// cursors: the two sides of a host gap. Under the matches applied (see
    /// `scanTimes`); leaves them as they are.
    public func neighbours(of realtime: UInt64) -> (before: JournalEntry?, after: JournalEntry?) {
        guard sd_journal_seek_realtime_usec(j, realtime) >= 0 else { return (nil, nil) }
        func read() -> JournalEntry? {
            var t: UInt64 = 0
            guard sd_journal_get_realtime_usec(j, &t) >= 0, case .entry(var e) = readCurrent(realtime: t) else { return nil }
            e.cursor = cursor()
            return e
        }
        var after: JournalEntry?
        if sd_journal_next(j) > 0 { after = read() }
        var before: JournalEntry?
        if sd_journal_previous(j) > 0 { before = read() }
        return (before, after)
    }
}
