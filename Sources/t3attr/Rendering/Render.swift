import Classifiers
import Foundation

/// Formatting shared by the table and JSON renderers.
enum Render {
    /// `2026-06-10T21:11:29.123456Z`, or with `local` the local zone's offset.
    static func rfc3339(_ usec: UInt64, local: Bool = false, fractionDigits: Int = 6) -> String {
        let secs = Int(usec / 1_000_000)
        let micros = Int(usec % 1_000_000)
        var offset = 0
        if local {
            offset = TimeZone.current.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(secs)))
        }
        let c = CivilTime.civil(fromEpochSeconds: secs + offset)
        var s = "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))T\(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(c.second, 2))"
        if fractionDigits > 0 {
            let frac = pad(micros, 6)
            s += "." + frac.prefix(fractionDigits)
        }
        if !local || offset == 0 && TimeZone.current.identifier == "UTC" { return s + "Z" }
        let sign = offset < 0 ? "-" : "+"
        let a = abs(offset)
        return s + "\(sign)\(pad(a / 3600, 2)):\(pad((a % 3600) / 60, 2))"
    }

    static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// A JSON string literal (`SafeText.appendJSON`): control characters are
    /// escaped; text is UTF-8 (invalid input bytes were already replaced by U+FFFD).
    static func json(_ s: String) -> String {
        var out: [UInt8] = [0x22]
        out.reserveCapacity(s.utf8.count + 2)
        SafeText.appendJSON(s.utf8, to: &out)
        out.append(0x22)
        return String(decoding: out, as: UTF8.self)
    }

    static func json(_ s: String?) -> String { s.map { json($0) } ?? "null" }
    static func json(_ v: Int?) -> String { v.map { String($0) } ?? "null" }
    static func json(_ v: UInt64?) -> String { v.map { String($0) } ?? "null" }

    /// A message for a table cell: one line, control characters shown as `\xNN` (`SafeText`).
    static func cell(_ bytes: some Collection<UInt8>) -> String { SafeText.text(bytes) }

    /// Journal text (a user, host, unit, cursor, note) for a table or a line: `SafeText`.
    static func cell(_ s: String) -> String { SafeText.text(s.utf8) }

    static func column(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count + 1)
    }
}

extension String {
    func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
