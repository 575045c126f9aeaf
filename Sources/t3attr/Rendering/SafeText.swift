/// The one place that decides which characters of journal text may reach
/// the operator's terminal, and how the others are shown. Every field a
/// renderer prints from the journal (MESSAGE, users, hosts, units, cursors,
/// notes) goes through `appendText` (tables, `-v`, markdown, stderr) or
/// `appendJSON` (JSON); both take their decision from `isControl`.
///
/// Control characters are C0 (U+0000 to U+001F: ESC, BEL, CR, LF, TAB, ...),
/// DEL (U+007F) and C1 (U+0080 to U+009F, including U+009B, which many
/// terminals read as CSI). Text formats show them as `\xNN` (NN the code
/// point in hex), JSON as `\u00NN`. Invalid UTF-8 becomes U+FFFD first, so a
/// lone 0x9B byte cannot reach the terminal either.
///
/// Invisible format characters are escaped too (`\uNNNN` in both): the
/// bidirectional overrides, embeddings, isolates and marks (U+061C, U+200E,
/// U+200F, U+202A to U+202E, U+2066 to U+2069), which reorder what a terminal
/// shows so that a line or a `journalctl --cursor` command reads as something
/// it is not; the zero-width characters (U+200B to U+200D, U+2060 to U+2065,
/// U+FEFF), which make different text look the same; and the line and
/// paragraph separators (U+2028, U+2029).
enum SafeText {
    @inline(__always) static func isControl(_ v: UInt32) -> Bool {
        v < 0x20 || (v >= 0x7F && v <= 0x9F) || (v >= 0x0600 && isInvisibleFormat(v))
    }

    /// The invisible format characters above (all at or above U+0600).
    @inline(__always) static func isInvisibleFormat(_ v: UInt32) -> Bool {
        v == 0x061C || (v >= 0x200B && v <= 0x200F) || (v >= 0x2028 && v <= 0x202E) || (v >= 0x2060 && v <= 0x2069) || v == 0xFEFF
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `bytes` as one line of terminal-safe UTF-8.
    static func appendText<C: Collection>(_ bytes: C, to out: inout [UInt8]) where C.Element == UInt8 {
        func escaped(_ v: UInt32) {
            out.append(0x5C)
            if v > 0xFF {
                out.append(UInt8(ascii: "u"))
                for shift in [12, 8, 4, 0] as [UInt32] { out.append(hex[Int((v >> shift) & 15)]) }
                return
            }
            out.append(UInt8(ascii: "x"))
            out.append(hex[Int(v >> 4)])
            out.append(hex[Int(v & 15)])
        }
        // Printable ASCII, the common case, is copied whole (issue 16).
        if !bytes.contains(where: { $0 < 0x20 || $0 >= 0x7F }) {
            out.append(contentsOf: bytes)
            return
        }
        if !bytes.contains(where: { $0 >= 0x80 }) {
            for x in bytes { if isControl(UInt32(x)) { escaped(UInt32(x)) } else { out.append(x) } }
            return
        }
        for u in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            if isControl(u.value) { escaped(u.value) } else { UTF8.encode(u) { out.append($0) } }
        }
    }

    /// `s` with every control character shown as `\xNN`.
    static func text(_ s: String) -> String { text(s.utf8) }

    static func text<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        appendText(bytes, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the inside of a JSON string literal (no quotes): `"` and `\`
    /// escaped, control characters (and U+2028/U+2029, for JavaScript) as
    /// `\u00NN`, invalid UTF-8 as U+FFFD. Returns false when `bytes` was not
    /// valid UTF-8.
    @discardableResult
    static func appendJSON<C: Collection>(_ bytes: C, to out: inout [UInt8]) -> Bool where C.Element == UInt8 {
        func ascii(_ x: UInt8) {
            switch x {
            case 0x22:
                out.append(0x5C)
                out.append(0x22)
            case 0x5C:
                out.append(0x5C)
                out.append(0x5C)
            case 0x0A:
                out.append(0x5C)
                out.append(UInt8(ascii: "n"))
            case 0x0D:
                out.append(0x5C)
                out.append(UInt8(ascii: "r"))
            case 0x09:
                out.append(0x5C)
                out.append(UInt8(ascii: "t"))
            case _ where isControl(UInt32(x)): unicodeEscape(UInt32(x))
            default: out.append(x)
            }
        }
        func unicodeEscape(_ v: UInt32) {
            out.append(0x5C)
            out.append(UInt8(ascii: "u"))
            for shift in [12, 8, 4, 0] as [UInt32] { out.append(hex[Int((v >> shift) & 15)]) }
        }
        // Most text needs no escape at all: copied whole.
        let plain = bytes.withContiguousStorageIfAvailable { b -> Bool in
            for x in b where x < 0x20 || x >= 0x7F || x == 0x22 || x == 0x5C { return false }
            out.append(contentsOf: b)
            return true
        }
        if plain == true { return true }
        if !bytes.contains(where: { $0 >= 0x80 }) {
            for x in bytes { ascii(x) }
            return true
        }
        let s = String(decoding: bytes, as: UTF8.self)
        for u in s.unicodeScalars {
            if u.value < 0x80 {
                ascii(UInt8(u.value))
            } else if isControl(u.value) {
                unicodeEscape(u.value)
            } else {
                UTF8.encode(u) { out.append($0) }
            }
        }
        return String(validating: bytes, as: UTF8.self) != nil
    }

    /// Valid JSON text (from JSONSerialization) with DEL, the C1 controls and
    /// the invisible format characters escaped as `\uNNNN`. Those characters
    /// can only occur inside strings, where the escape means the same.
    static func escapingRawControls<C: Collection>(inJSON data: C) -> [UInt8] where C.Element == UInt8 {
        if !data.contains(where: { $0 >= 0x7F }) { return Array(data) }
        var out: [UInt8] = []
        out.reserveCapacity(data.count)
        for u in String(decoding: data, as: UTF8.self).unicodeScalars {
            let v = u.value
            if v >= 0x7F && isControl(v) {
                out.append(0x5C)
                out.append(UInt8(ascii: "u"))
                for shift in [12, 8, 4, 0] as [UInt32] { out.append(hex[Int((v >> shift) & 15)]) }
            } else {
                UTF8.encode(u) { out.append($0) }
            }
        }
        return out
    }

    /// `s` as a single shell word: single-quoted, each `'` as `'\''`. Control
    /// characters are escaped first (they have no place in a command line
    /// an operator copies from a ticket).
    static func shellWord(_ s: String) -> String {
        "'" + text(s).replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}
