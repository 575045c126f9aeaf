/// Turns the few distinct values of a journal field (unit names, transports,
/// identifiers) into shared Strings without allocating one per entry.
struct Interner {
    private var table: [UInt64: String] = [:]

    mutating func string(_ p: UnsafeRawBufferPointer) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in p {
            h = (h ^ UInt64(b)) &* 0x100_0000_01b3
        }
        if let s = table[h], s.utf8.elementsEqual(p) { return s }
        let s = String(decoding: p, as: UTF8.self)
        if table.count < 4096 { table[h] = s }
        return s
    }
}
