// libFuzzer target: the --since/--until parser and time spans, with round
// trips: whatever time the parser accepts, written back in the syntaxes it
// documents (`@EPOCH.USEC`, `YYYY-MM-DD HH:MM:SS.USEC UTC`, RFC 3339 with Z),
// parses to the same microsecond; whatever span it accepts, written back in
// `us`, is the same span. The text is made with glibc's gmtime_r, not with
// the code under test. "now" and the zone vary with the input.
import Foundation
import Glibc

let zones = [TimeZone(identifier: "UTC")!, TimeZone(identifier: "Europe/Berlin")!,
                                 TimeZone(identifier: "America/St_Johns")!, TimeZone(identifier: "Asia/Kathmandu")!]

func utcText(_ t: UInt64, separator: String, suffix: String) -> String? {
    var secs = time_t(t / 1_000_000)
    var tm = Glibc.tm()
    guard gmtime_r(&secs, &tm) != nil else { return nil }
    let year = Int(tm.tm_year) + 1900
    guard (1970...9999).contains(year) else { return nil }
    return String(format: "%04d-%02d-%02d%@%02d:%02d:%02d.%06d%@", year, Int(tm.tm_mon) + 1, Int(tm.tm_mday), separator,
                  Int(tm.tm_hour), Int(tm.tm_min), Int(tm.tm_sec), Int(t % 1_000_000), suffix)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTimeSpec(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let s = String(decoding: bytes, as: UTF8.self)
    // "now" from the first byte: days apart, around a DST change and a leap day.
    let now: UInt64 = 1_781_128_800_000_000 &+ UInt64(bytes.first ?? 0) &* 3_600_000_000 &* 7
    for tz in zones {
        guard let t = try? TimeSpec.parse(s, now: now, timeZone: tz) else { continue }
        let epoch = "@\(t / 1_000_000).\(String(format: "%06d", Int(t % 1_000_000)))"
        let back = try? TimeSpec.parse(epoch, now: now, timeZone: tz)
        precondition(back == t, "\(epoch) parses to \(String(describing: back)), not \(t)")
        for (sep, suffix) in [(" ", " UTC"), ("T", "Z")] {
            guard let text = utcText(t, separator: sep, suffix: suffix) else { continue }
            let again = try? TimeSpec.parse(text, now: now, timeZone: tz)
            precondition(again == t, "\(text) parses to \(String(describing: again)), not \(t) (from \(s.debugDescription))")
        }
    }
    for requireUnit in [true, false] {
        guard let v = Span.parse(s, requireUnit: requireUnit), v < 1 << 52 else { continue }
        let back = Span.parse("\(v)us", requireUnit: true)
        precondition(back == v, "\(v)us parses to \(String(describing: back))")
    }
    return 0
}
