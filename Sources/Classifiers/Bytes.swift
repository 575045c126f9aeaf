/// Small helpers for matching ASCII patterns in raw message bytes, so that a
/// message is classified before (and usually without) building a String.
extension Collection where Element == UInt8, Index == Int {
    /// The index of the first occurrence of `needle`, or nil.
    @inlinable
    func firstRange(of needle: StaticString, from start: Int? = nil) -> Range<Int>? {
        let n = needle.utf8CodeUnitCount
        let lower = start ?? startIndex
        guard n > 0, count >= n, lower <= endIndex - n else { return nil }
        return needle.withUTF8Buffer { nb -> Range<Int>? in
            let first = nb[0]
            var i = lower
            let last = endIndex - n
            while i <= last {
                if self[i] == first {
                    var k = 1
                    while k < n && self[i + k] == nb[k] { k += 1 }
                    if k == n { return i..<(i + n) }
                }
                i += 1
            }
            return nil
        }
    }

    @inlinable
    func contains(_ needle: StaticString) -> Bool { firstRange(of: needle) != nil }

    @inlinable
    func hasPrefix(_ prefix: StaticString, at start: Int) -> Bool {
        let n = prefix.utf8CodeUnitCount
        guard start >= startIndex, start + n <= endIndex else { return false }
        return prefix.withUTF8Buffer { pb in
            for k in 0..<n where self[start + k] != pb[k] { return false }
            return true
        }
    }

    /// Whether the bytes are exactly `text`.
    @inlinable
    func isExactly(_ text: StaticString) -> Bool {
        count == text.utf8CodeUnitCount && hasPrefix(text, at: startIndex)
    }

    @inlinable
    func hasSuffix(_ suffix: StaticString) -> Bool {
        let n = suffix.utf8CodeUnitCount
        return count >= n && hasPrefix(suffix, at: endIndex - n)
    }
}

@inlinable
func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

/// Parses an unsigned decimal in `bytes[range]`; nil when empty, not all
/// digits, or too large.
@inlinable
func parseUInt<C: Collection>(_ bytes: C) -> UInt64? where C.Element == UInt8 {
    var v: UInt64 = 0
    var any = false
    for b in bytes {
        guard isDigit(b) else { return nil }
        let (m, o1) = v.multipliedReportingOverflow(by: 10)
        let (s, o2) = m.addingReportingOverflow(UInt64(b - 0x30))
        if o1 || o2 { return nil }
        v = s
        any = true
    }
    return any ? v : nil
}

func text<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    String(decoding: bytes, as: UTF8.self)
}
