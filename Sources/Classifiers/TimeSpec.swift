import Foundation
import Glibc

/// A time specification that could not be read; `description` names it.
public struct TimeSpecError: Error, Equatable, CustomStringConvertible {
    public var input: String
    public var reason: String
    public var description: String { "invalid time '\(input)': \(reason)" }
}

/// journalctl's `--since`/`--until` syntax (systemd 252 `parse_timestamp`),
/// plus two extensions: a bare span means "that long ago" (`1h`, `30min`), and
/// RFC 3339 (`2026-06-10T21:00:00Z`, `...+02:00`).
///
/// Accepted: `now`, `today`, `yesterday`, `tomorrow`; `@EPOCH[.frac]`;
/// `-SPAN`, `+SPAN`, `SPAN ago`, `SPAN left`; `[Weekday] YYYY-MM-DD [HH:MM[:SS[.frac]]]`
/// (also `YY-MM-DD`); `HH:MM[:SS[.frac]]` (today); `Mon DD HH:MM[:SS]` (this
/// year, journalctl's short output); each optionally followed by ` UTC`, the
/// local zone's abbreviation for its standard or daylight time (`CET`,
/// `CEST`: that offset, whatever the date), a zone name (`Europe/Berlin`) or
/// an offset (`+02:00`, `+0200`, `Z`). A local time the fall-back hour
/// repeats is its second pass (standard time), as systemd's `mktime` takes it.
/// Times without a zone are in `timeZone` (the local zone, as in journalctl),
/// looked up only for the forms that need it (issue 16: finding the local
/// zone loads ICU's zone data, a tenth of a short run's start).
public enum TimeSpec {
    public static func parse(
        _ input: String, now: UInt64, timeZone: @autoclosure () -> TimeZone = .current,
        abbreviations: @autoclosure () -> ZoneAbbreviations = localAbbreviations()
    ) throws(TimeSpecError) -> UInt64 {
        func fail(_ reason: String) -> TimeSpecError { TimeSpecError(input: input, reason: reason) }
        let s = input.trimmingCharacters(in: .whitespaces)
        if s.isEmpty { throw fail("empty") }

        switch s.lowercased() {
        case "now": return now
        case "today": return try midnight(now: now, dayOffset: 0, timeZone: timeZone(), input: input)
        case "yesterday": return try midnight(now: now, dayOffset: -1, timeZone: timeZone(), input: input)
        case "tomorrow": return try midnight(now: now, dayOffset: 1, timeZone: timeZone(), input: input)
        default: break
        }
        if s.hasPrefix("@") {
            guard let v = parseDecimalSeconds(String(s.dropFirst())) else { throw fail("expected @SECONDS since the epoch") }
            return v
        }
        if s.hasPrefix("-") || s.hasPrefix("+") {
            guard let span = Span.parse(String(s.dropFirst()), requireUnit: false) else {
                throw fail("expected a time span such as 1h, 30min, 2d")
            }
            return s.hasPrefix("-") ? now.subtractingClamped(span) : now &+ span
        }
        for (suffix, sign) in [(" ago", -1), (" left", 1)] where s.hasSuffix(suffix) {
            guard let span = Span.parse(String(s.dropLast(suffix.count)), requireUnit: false) else {
                throw fail("expected a time span before '\(suffix.dropFirst())'")
            }
            return sign < 0 ? now.subtractingClamped(span) : now &+ span
        }
        // Extension: a bare span with a unit is "that long ago".
        if let span = Span.parse(s, requireUnit: true) { return now.subtractingClamped(span) }
        return try Absolute.parse(s, now: now, timeZone: timeZone(), abbreviations: abbreviations, input: input)
    }

    /// A zone's name as systemd takes one (`timezone_is_valid`): a file of
    /// the zoneinfo database. Foundation also takes abbreviations that are no
    /// such file and reads them its own way (`BST` as Bangladesh's +06:00,
    /// `PST` in June as -07:00); journalctl refuses them, and so does this.
    public static func isZoneName(_ name: String) -> Bool {
        guard !name.isEmpty, !name.hasPrefix("/"), !name.split(separator: "/").contains(".."), !name.hasPrefix(".") else { return false }
        var st = stat()
        return stat("/usr/share/zoneinfo/" + name, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    /// What the local zone calls its times, with their offsets (seconds
    /// east of UTC): a name after a time fixes that offset, as `mktime` with
    /// `tm_isdst` set does (Europe/Dublin's winter GMT is its "daylight" one).
    public struct ZoneAbbreviations: Sendable, Equatable {
        public var names: [(name: String, offset: Int)]
        public init(_ names: [(name: String, offset: Int)]) { self.names = names }
        public static func == (a: Self, b: Self) -> Bool { a.names.elementsEqual(b.names) { $0 == $1 } }
    }

    /// The local zone's abbreviations (systemd's `parse_timestamp` accepts
    /// `tzname`'s after a time), from `localtime_r` of this year's dates,
    /// standard time first, as systemd looks at them.
    public static func localAbbreviations() -> ZoneAbbreviations {
        var standard: (String, Int)?
        var daylight: (String, Int)?
        let now = time(nil)
        for days in [0, 91, 182, 273] {
            var t = now + days * 86_400
            var tm = Glibc.tm()
            guard localtime_r(&t, &tm) != nil, let zone = tm.tm_zone else { continue }
            let name = (String(cString: zone), tm.tm_gmtoff)
            if tm.tm_isdst > 0 { daylight = name } else { standard = name }
        }
        return ZoneAbbreviations([standard, daylight].compactMap { $0 }.filter { !$0.0.isEmpty }.map { (name: $0.0, offset: $0.1) })
    }

    static func midnight(now: UInt64, dayOffset: Int, timeZone: TimeZone, input: String) throws(TimeSpecError) -> UInt64 {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = timeZone
        let date = Date(timeIntervalSince1970: Double(now / 1_000_000))
        let start = cal.startOfDay(for: date)
        guard let d = cal.date(byAdding: .day, value: dayOffset, to: start) else {
            throw TimeSpecError(input: input, reason: "out of range")
        }
        return toUsec(d.timeIntervalSince1970)
    }

    static func toUsec(_ seconds: Double) -> UInt64 {
        seconds <= 0 ? 0 : UInt64((seconds * 1_000_000).rounded())
    }

    /// `123`, `123.456` -> µs.
    static func parseDecimalSeconds(_ s: String) -> UInt64? {
        let parts = s.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.allSatisfy(\.isASCIIDigit),
            let w = UInt64(whole), w < 1 << 44
        else { return nil }
        var frac: UInt64 = 0
        if parts.count == 2 {
            let f = parts[1]
            guard !f.isEmpty, f.allSatisfy(\.isASCIIDigit) else { return nil }
            let digits = String(f.prefix(6)).padding(toLength: 6, withPad: "0", startingAt: 0)
            frac = UInt64(digits) ?? 0
        }
        return w * 1_000_000 + frac
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension UInt64 {
    /// `self - x`, or 0 where that would be negative.
    public func subtractingClamped(_ x: UInt64) -> UInt64 { self > x ? self - x : 0 }
}

/// systemd time spans (`parse_sec`): `1h30m`, `1h 30min`, `2.5d`, `90s`.
public enum Span {
    static let units: [String: Double] = {
        var u: [String: Double] = [:]
        for k in ["seconds", "second", "sec", "s"] { u[k] = 1e6 }
        for k in ["minutes", "minute", "min", "m"] { u[k] = 60e6 }
        for k in ["hours", "hour", "hr", "h"] { u[k] = 3600e6 }
        for k in ["days", "day", "d"] { u[k] = 86400e6 }
        for k in ["weeks", "week", "w"] { u[k] = 7 * 86400e6 }
        for k in ["months", "month", "M"] { u[k] = 2_629_800e6 }
        for k in ["years", "year", "y"] { u[k] = 31_557_600e6 }
        for k in ["msec", "ms"] { u[k] = 1e3 }
        for k in ["usec", "us", "µs", "μs"] { u[k] = 1 }
        for k in ["nsec", "ns"] { u[k] = 1e-3 }
        return u
    }()

    /// Parses a span into µs. With `requireUnit`, every number needs a unit
    /// (so `2026` or `21:00` are not spans); without it a bare number is seconds.
    public static func parse(_ s: String, requireUnit: Bool) -> UInt64? {
        let chars = Array(s.trimmingCharacters(in: .whitespaces))
        guard !chars.isEmpty else { return nil }
        var i = 0
        var total = 0.0
        var parts = 0
        while i < chars.count {
            while i < chars.count, chars[i] == " " { i += 1 }
            if i == chars.count { break }
            let numStart = i
            while i < chars.count, chars[i].isASCIIDigit || chars[i] == "." { i += 1 }
            guard i > numStart, let value = Double(String(chars[numStart..<i])) else { return nil }
            while i < chars.count, chars[i] == " " { i += 1 }
            let unitStart = i
            while i < chars.count, chars[i].isLetter { i += 1 }
            let unit = String(chars[unitStart..<i])
            let factor: Double
            if unit.isEmpty {
                if requireUnit { return nil }
                factor = 1e6
            } else {
                guard let f = units[unit] else { return nil }
                factor = f
            }
            total += value * factor
            parts += 1
        }
        guard parts > 0, total.isFinite, total >= 0, total < 1.8e19 else { return nil }
        return UInt64(total.rounded())
    }
}

/// The absolute forms of `TimeSpec`.
enum Absolute {
    static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    static let weekdays = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
    static let weekdayLong = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]

    static func parse(
        _ s0: String, now: UInt64, timeZone: TimeZone, abbreviations: () -> TimeSpec.ZoneAbbreviations = { TimeSpec.localAbbreviations() },
        input: String
    ) throws(TimeSpecError) -> UInt64 {
        func fail(_ r: String) -> TimeSpecError { TimeSpecError(input: input, reason: r) }
        var s = s0
        var zone = timeZone
        /// Set by a zone abbreviation: the offset it names (seconds east of UTC).
        var named: Int?
        var standardOnly = false
        let lastWord = s.lastIndex(of: " ").map { s[s.index(after: $0)...] } ?? ""
        // Zone suffixes: " UTC", " CEST" (the local zone's), " Europe/Berlin", "Z", "+02:00", " +0200",
        // in systemd's order (a local abbreviation before a zone of that name).
        if s.uppercased().hasSuffix(" UTC") {
            s = String(s.dropLast(4))
            zone = TimeZone(identifier: "UTC")!
        } else if !lastWord.isEmpty, lastWord.allSatisfy(\.isLetter),
            let hit = abbreviations().names.first(where: { lastWord.caseInsensitiveCompare($0.name) == .orderedSame })
        {
            s = String(s.dropLast(lastWord.count + 1))
            named = hit.offset
        } else if let sp = s.lastIndex(of: " "), s[s.index(after: sp)...].contains(where: \.isLetter),
            TimeSpec.isZoneName(String(s[s.index(after: sp)...])), let tz = TimeZone(identifier: String(s[s.index(after: sp)...]))
        {
            s = String(s[..<sp])
            zone = tz
            // zoneinfo's zones named by their standard time's abbreviation: journalctl
            // reads the name as that abbreviation too (standard time, all year).
            if ["CET", "EET", "MET", "WET"].contains(tz.identifier) { standardOnly = true }
        } else if s.hasSuffix("Z") || s.hasSuffix("z") {
            s = String(s.dropLast())
            zone = TimeZone(identifier: "UTC")!
        } else if let off = trailingOffset(s) {
            s = off.rest
            zone = TimeZone(secondsFromGMT: off.seconds) ?? zone
        }
        s = s.trimmingCharacters(in: .whitespaces)

        // `today UTC`, `yesterday CEST`: midnight there. systemd 252 takes the
        // day words after ` UTC` and the local zone's abbreviations, not after
        // a zone's name (`today Europe/Berlin`, `today CET` fail there too).
        if let days = ["today": 0, "yesterday": -1, "tomorrow": 1][s.lowercased()] {
            let there: TimeZone?
            if s0.uppercased().hasSuffix(" UTC") {
                there = zone
            } else if let named, TimeZone(identifier: lastWord.uppercased()) == nil {
                there = TimeZone(secondsFromGMT: named)
            } else {
                there = nil
            }
            guard let there else { throw fail("'\(s)' takes ' UTC' or the local zone's abbreviation, not a zone's name") }
            return try TimeSpec.midnight(now: now, dayOffset: days, timeZone: there, input: input)
        }

        // Optional weekday, checked against the date as journalctl does.
        var weekday: Int?
        let lower = s.lowercased()
        let names = Array(weekdayLong.enumerated()) + Array(weekdays.enumerated())
        for (n, name) in names where lower.hasPrefix(name + " ") {
            weekday = n
            s = String(s.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces)
            break
        }

        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = zone
        let nowDate = Date(timeIntervalSince1970: Double(now) / 1e6)
        var comps = cal.dateComponents([.year, .month, .day], from: nowDate)
        var hour = 0
        var minute = 0
        var second = 0
        var micros = 0

        var datePart: Substring? = nil
        var timePart: Substring? = nil
        let pieces = s.split(whereSeparator: { $0 == " " || $0 == "T" || $0 == "t" })
        // "Mon DD HH:MM[:SS]"
        if pieces.count == 3, let mo = months.firstIndex(of: pieces[0].lowercased().prefix(3).description),
            pieces[0].count >= 3, let d = Int(pieces[1]), (1...31).contains(d)
        {
            comps.month = mo + 1
            comps.day = d
            timePart = pieces[2]
        } else if pieces.count == 2 {
            datePart = pieces[0]
            timePart = pieces[1]
        } else if pieces.count == 1 {
            if pieces[0].contains(":") { timePart = pieces[0] } else { datePart = pieces[0] }
        } else {
            throw fail("not a time journalctl understands (try '2026-06-10 21:00:00', '1h ago', '-30min', 'today', '@EPOCH')")
        }

        if let datePart {
            let f = datePart.split(separator: "-", omittingEmptySubsequences: false)
            guard f.count == 3, f.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }),
                var y = Int(f[0]), let mo = Int(f[1]), let d = Int(f[2]),
                (1...12).contains(mo), (1...31).contains(d), f[0].count == 4 || f[0].count == 2
            else { throw fail("bad date (expected YYYY-MM-DD)") }
            if f[0].count == 2 { y += y < 69 ? 2000 : 1900 }
            comps.year = y
            comps.month = mo
            comps.day = d
        }
        if let timePart {
            let f = timePart.split(separator: ":", omittingEmptySubsequences: false)
            guard f.count == 2 || f.count == 3,
                let h = Int(f[0]), f[0].allSatisfy(\.isASCIIDigit), h < 24,
                let m = Int(f[1]), f[1].allSatisfy(\.isASCIIDigit), m < 60, (1...2).contains(f[1].count)
            else { throw fail("bad time of day (expected HH:MM[:SS[.ffffff]])") }
            hour = h
            minute = m
            if f.count == 3 {
                let sec = f[2].split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
                guard let sv = Int(sec[0]), (1...2).contains(sec[0].count), sec[0].allSatisfy(\.isASCIIDigit), sv < 61
                else { throw fail("bad seconds") }
                second = sv
                if sec.count == 2 {
                    guard !sec[1].isEmpty, sec[1].allSatisfy(\.isASCIIDigit) else { throw fail("bad fraction of a second") }
                    micros = Int(String(sec[1].prefix(6)).padding(toLength: 6, withPad: "0", startingAt: 0)) ?? 0
                }
            }
        }
        comps.hour = hour
        comps.minute = minute
        comps.second = second
        comps.timeZone = zone
        // A day past the month's end rolls over (Feb 30 -> Mar 2), as mktime() does for journalctl.
        guard let date = cal.date(from: comps) else { throw fail("no such date") }
        let back = cal.dateComponents([.year, .month, .day, .weekday], from: date)
        if let weekday, back.weekday != weekday + 1 { throw fail("the weekday does not match the date") }
        var secs = date.timeIntervalSince1970
        if standardOnly { named = zone.secondsFromGMT(for: date) - Int(zone.daylightSavingTimeOffset(for: date)) }
        // The wall time read as UTC: what mktime() starts from.
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        var naive = comps
        naive.timeZone = utc.timeZone
        guard let wallAsUTC = utc.date(from: naive)?.timeIntervalSince1970 else { throw fail("no such date") }
        if let named {
            // An abbreviation fixes the offset, as mktime() with tm_isdst set does.
            secs = wallAsUTC - Double(named)
        } else {
            // mktime() with tm_isdst -1 (systemd): the wall time less the offset in force at
            // that instant, then less the offset at the result. Where the fall-back repeats an
            // hour, that is its second pass east of UTC and its first west of it; a time the
            // spring-forward skips stays as Calendar reads it (later by the shift, as mktime).
            let fields: Set<Calendar.Component> = [.year, .month, .day, .hour, .minute, .second]
            let wanted = cal.dateComponents(fields, from: date)
            var guess = wallAsUTC
            for _ in 0..<2 {
                guess = wallAsUTC - Double(zone.secondsFromGMT(for: Date(timeIntervalSince1970: guess)))
                if cal.dateComponents(fields, from: Date(timeIntervalSince1970: guess)) == wanted {
                    secs = guess
                    break
                }
            }
        }
        guard secs >= 0 else { throw fail("before 1970") }
        return UInt64(secs.rounded()) * 1_000_000 + UInt64(micros)
    }

    /// `...+02:00`, `... +0200`, `...-05` -> seconds east of UTC.
    static func trailingOffset(_ s: String) -> (rest: String, seconds: Int)? {
        let c = Array(s)
        var i = c.count - 1
        while i >= 0, c[i].isASCIIDigit || c[i] == ":" { i -= 1 }
        guard i >= 0, c[i] == "+" || c[i] == "-", i > 0 else { return nil }
        let body = String(c[(i + 1)...]).replacingOccurrences(of: ":", with: "")
        guard body.count == 4 || body.count == 2, let v = Int(body) else { return nil }
        // A '-' inside a date (2026-06-10) is not an offset: require a time before it.
        let before = String(c[..<i])
        guard before.contains(":") else { return nil }
        let hh = body.count == 4 ? v / 100 : v
        let mm = body.count == 4 ? v % 100 : 0
        guard hh <= 14, mm < 60 else { return nil }
        let secs = (hh * 3600 + mm * 60) * (c[i] == "-" ? -1 : 1)
        return (before.trimmingCharacters(in: .whitespaces), secs)
    }
}
