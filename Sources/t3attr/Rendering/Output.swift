import Classifiers
import Foundation
import Glibc

/// Why output could not be written. A closed pipe (`t3attr report | head -1`)
/// is how a reader says it has enough: the command ends with status 0, as
/// journalctl does; anything else is a failure.
enum OutputError: Error, Equatable {
    case closed
    case failed(errno: Int32)
}

/// Buffered standard output (or an in-memory buffer). Rows are written as
/// bytes: no intermediate String per field on the hot path. A write error is
/// kept and reported by `flush()` and `check()`; later output is dropped.
final class Output {
    private(set) var buffer: [UInt8] = []
    /// false: an in-memory buffer (a worker's rows, json-pretty's lines), never written by itself.
    let toStdout: Bool
    /// The first write error; nothing is written after it.
    private(set) var failure: OutputError?

    init(stdout: Bool = false) {
        toStdout = stdout
        buffer.reserveCapacity(1 << 17)
        if stdout { signal(SIGPIPE, SIG_IGN) }
    }

    /// Appends text. Only `newline()` flushes, so a row's columns can be
    /// padded relative to where the row began.
    func write(_ s: String) {
        buffer.append(contentsOf: s.utf8)
    }

    /// Takes the buffered bytes (for in-memory buffers).
    func take() -> [UInt8] {
        defer { buffer = [] }
        return buffer
    }

    func line(_ s: String) {
        write(s)
        newline()
    }

    @inline(__always) func byte(_ b: UInt8) { buffer.append(b) }

    @inline(__always) func ascii(_ s: StaticString) {
        s.withUTF8Buffer { buffer.append(contentsOf: $0) }
    }

    func bytes<C: Collection>(_ b: C) where C.Element == UInt8 { buffer.append(contentsOf: b) }

    /// Ends a line; flushes when the buffer is large.
    func newline() {
        buffer.append(0x0A)
        if toStdout && buffer.count >= 1 << 16 { try? flush() }
    }

    /// Throws the write error, if writing failed: a streaming caller stops reading.
    @inline(__always) func check() throws(OutputError) {
        if let failure { throw failure }
    }

    func uint(_ v: UInt64) {
        if v == 0 {
            buffer.append(0x30)
            return
        }
        var tmp: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var n = 0
        var x = v
        withUnsafeMutableBytes(of: &tmp) { p in
            while x > 0 {
                p[n] = UInt8(0x30 + x % 10)
                x /= 10
                n += 1
            }
            for i in stride(from: n - 1, through: 0, by: -1) { buffer.append(p[i]) }
        }
    }

    func int(_ v: Int) {
        if v < 0 {
            buffer.append(UInt8(ascii: "-"))
            uint(UInt64(-v))
        } else {
            uint(UInt64(v))
        }
    }

    /// A duration for people: `850ms`, `42s`, `3m7s`, `2h5m` (written in
    /// place: no string per row, issue 16).
    func duration(_ ms: UInt64) {
        if ms < 1000 {
            uint(ms)
            ascii("ms")
            return
        }
        let s = ms / 1000
        if s < 120 {
            uint(s)
            byte(UInt8(ascii: "s"))
        } else if s < 7200 {
            uint(s / 60)
            byte(UInt8(ascii: "m"))
            uint(s % 60)
            byte(UInt8(ascii: "s"))
        } else {
            uint(s / 3600)
            byte(UInt8(ascii: "h"))
            uint((s % 3600) / 60)
            byte(UInt8(ascii: "m"))
        }
    }

    /// Zero-padded decimal of a non-negative value.
    func padded(_ v: Int, _ width: Int) {
        var digits = 1
        var x = v
        while x >= 10 {
            x /= 10
            digits += 1
        }
        if digits < width { for _ in digits..<width { buffer.append(0x30) } }
        uint(UInt64(max(0, v)))
    }

    /// A table cell from raw bytes: one line, control characters as `\xNN`,
    /// invalid UTF-8 as U+FFFD (`SafeText`).
    func cell<C: Collection>(_ b: C) where C.Element == UInt8 {
        SafeText.appendText(b, to: &buffer)
    }

    /// `2026-06-10T21:11:29.123456Z` in UTC (the JSON form).
    func rfc3339UTC(_ usec: UInt64, fractionDigits: Int = 6) {
        let c = CivilTime.civil(fromEpochSeconds: Int(usec / 1_000_000))
        padded(c.year, 4)
        byte(0x2D)
        padded(c.month, 2)
        byte(0x2D)
        padded(c.day, 2)
        byte(UInt8(ascii: "T"))
        padded(c.hour, 2)
        byte(0x3A)
        padded(c.minute, 2)
        byte(0x3A)
        padded(c.second, 2)
        if fractionDigits > 0 {
            byte(0x2E)
            var micros = Int(usec % 1_000_000)
            var div = 100_000
            for _ in 0..<fractionDigits {
                byte(UInt8(0x30 + micros / div))
                micros %= div
                div /= 10
            }
        }
        byte(UInt8(ascii: "Z"))
    }

    /// A JSON string literal from raw bytes. Valid UTF-8 is copied as it is
    /// (with `"`, `\` and control characters escaped: `SafeText`); invalid
    /// sequences become U+FFFD. Returns false when the input was not valid UTF-8.
    @discardableResult
    func jsonString<C: Collection>(_ b: C) -> Bool where C.Element == UInt8 {
        buffer.append(0x22)
        let valid = SafeText.appendJSON(b, to: &buffer)
        buffer.append(0x22)
        return valid
    }

    func jsonString(_ s: String) { jsonString(s.utf8) }

    func jsonOrNull(_ s: String?) {
        if let s { jsonString(s.utf8) } else { ascii("null") }
    }

    /// A JSON array of strings.
    func jsonStrings(_ list: [String]) {
        buffer.append(0x5B)
        for (i, s) in list.enumerated() {
            if i > 0 { buffer.append(0x2C) }
            jsonString(s.utf8)
        }
        buffer.append(0x5D)
    }

    /// Pads the current line with spaces to `column` bytes after `lineStart`.
    func pad(from lineStart: Int, to column: Int) {
        let used = buffer.count - lineStart
        if used < column { for _ in used..<column { buffer.append(0x20) } } else { buffer.append(0x20) }
    }

    var count: Int { buffer.count }

    /// Cuts the line begun at `start` to `width` columns, its last shown
    /// column an ellipsis, as journalctl does on a terminal. Colour escapes
    /// take no column; one code point is one column (cells are sanitised).
    func fit(from start: Int, width: Int) {
        guard width > 1 else { return }
        var i = start
        var shown = 0
        var cut: Int?
        var coloured = false
        while i < buffer.count {
            let b = buffer[i]
            if b == 0x1B {
                coloured = true
                i += 1
                if i < buffer.count && buffer[i] == 0x5B {
                    i += 1
                    while i < buffer.count && !(0x40...0x7E).contains(buffer[i]) { i += 1 }
                }
                i += 1
                continue
            }
            if b & 0xC0 != 0x80 {  // a code point starts
                if shown == width - 1 { cut = i }
                shown += 1
            }
            i += 1
        }
        guard shown > width, let cut else { return }
        buffer.removeSubrange(cut...)
        buffer.append(contentsOf: "…".utf8)
        if coloured { buffer.append(contentsOf: Terminal.reset.utf8) }
    }

    /// Writes what is buffered (standard output only).
    func flush() throws(OutputError) {
        if let failure {
            buffer.removeAll(keepingCapacity: true)
            throw failure
        }
        guard toStdout else { return }
        var off = 0
        while off < buffer.count {
            let n = buffer[off...].withUnsafeBytes { Glibc.write(1, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                // EPIPE: the reader closed the pipe; anything else: nowhere to write.
                let f: OutputError = errno == EPIPE ? .closed : .failed(errno: errno)
                failure = f
                buffer.removeAll(keepingCapacity: true)
                throw f
            }
            off += n
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Messages for the operator on standard error, prefixed like other tools'.
enum Diagnostics {
    static func note(_ s: String) { write("t3attr: \(SafeText.text(s))\n") }
    static func warning(_ s: String) { write("t3attr: warning: \(SafeText.text(s))\n") }
    static func error(_ s: String) { write("t3attr: error: \(SafeText.text(s))\n") }

    /// Writes `s` to standard error whole. A closed or failing standard
    /// error (`2>&1 | head`) loses the message, not the run's exit status:
    /// FileHandle's write stops the process there.
    static func write(_ s: String) {
        let bytes = Array(s.utf8)
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(STDERR_FILENO, $0.baseAddress! + off, $0.count - off) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            off += n
        }
    }
}
