import Glibc

/// Turns the few distinct values of a journal field (unit names, transports,
/// identifiers) into shared Strings without allocating one per entry: a small
/// open-addressing table keyed by an FNV-1a hash of the bytes, compared with
/// `memcmp` against a copy of each value's bytes.
struct Interner {
    private var keys = [UInt64](repeating: 0, count: 512)
    private var values = [String?](repeating: nil, count: 512)
    private var bytes = [[UInt8]](repeating: [], count: 512)
    private var used = 0
    /// Per field, the value seen last: consecutive entries of one writer
    /// mostly repeat it, and comparing spares hashing it (issue 16).
    private var lastBytes = [[UInt8]](repeating: [], count: Field.count)
    private var lastValue = [String?](repeating: nil, count: Field.count)

    /// The fields interned, each with its own last value.
    enum Field: Int {
        case unit, transport, messageID, systemdUnit, coredumpUnit, syslogIdentifier, hostname, objectSystemdUnit
        static let count = 8
    }

    mutating func string(_ p: UnsafeRawBufferPointer, field: Field) -> String {
        let f = field.rawValue
        if let v = lastValue[f], Self.same(lastBytes[f], p) { return v }
        let s = string(p)
        lastBytes[f].removeAll(keepingCapacity: true)
        lastBytes[f].append(contentsOf: p)
        lastValue[f] = s
        return s
    }

    mutating func string(_ p: UnsafeRawBufferPointer) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in p { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        var slot = Int(truncatingIfNeeded: h & 511)
        for _ in 0..<8 {
            guard let v = values[slot] else {
                let s = String(decoding: p, as: UTF8.self)
                if used < 384 {
                    keys[slot] = h
                    values[slot] = s
                    bytes[slot] = Array(p)
                    used += 1
                }
                return s
            }
            if keys[slot] == h, Self.same(bytes[slot], p) { return v }
            slot = (slot + 1) & 511
        }
        return String(decoding: p, as: UTF8.self)
    }

    @inline(__always)
    private static func same(_ a: [UInt8], _ p: UnsafeRawBufferPointer) -> Bool {
        guard a.count == p.count else { return false }
        guard let q = p.baseAddress, !a.isEmpty else { return true }
        return a.withUnsafeBytes { memcmp($0.baseAddress!, q, p.count) == 0 }
    }
}
