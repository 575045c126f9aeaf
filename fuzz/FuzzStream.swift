// libFuzzer target: the export/JSON stream converter that feeds systemd-journal-remote
// (untrusted input with binary length fields). Invariants, besides never crashing:
//  - the output is valid Journal Export Format as journal-remote accepts it: valid field
//    names, text values without newlines, binary fields with their exact length, valid
//    timestamps, at most 1024 fields and at least one per entry;
//  - the number of entries in the output is the converter's count;
//  - the same input fed in pieces (cut where the first bytes say) converts identically.
import Foundation

func convert(_ bytes: [UInt8], cuts: [Int]) -> (out: [UInt8], entries: Int, skipped: Int, stopped: Bool) {
    let c = ExportConverter()
    var out: [UInt8] = []
    var from = 0
    for cut in cuts + [bytes.count] where cut >= from && cut <= bytes.count {
        bytes[from..<cut].withUnsafeBytes { out += c.feed($0) }
        from = cut
    }
    out += c.finish()
    return (out, c.entries, c.skippedTotal, c.stopped != nil)
}

/// Parses journal-remote's input strictly; returns the number of entries or traps.
func checkExport(_ b: [UInt8]) -> Int {
    var i = 0, entries = 0, fields = 0
    while i < b.count {
        if b[i] == 0x0A {
            precondition(fields > 0, "an empty entry")
            entries += 1
            fields = 0
            i += 1
            continue
        }
        guard let nl = b[i...].firstIndex(of: 0x0A) else { preconditionFailure("a line without a newline") }
        let line = b[i..<nl]
        if let eq = line.firstIndex(of: UInt8(ascii: "=")) {
            let name = b[i..<eq], value = b[(eq + 1)..<nl]
            precondition(ExportConverter.validName(name), "invalid field name")
            precondition(!value.contains { $0 < 0x20 && $0 != 0x09 }, "a control character in a text value")
            if name.elementsEqual("__REALTIME_TIMESTAMP".utf8) {
                let t = ExportConverter.decimal(value)
                precondition(t != nil && t! > 0 && t! < 1 << 55, "bad realtime")
            } else if name.elementsEqual("__MONOTONIC_TIMESTAMP".utf8) {
                let t = ExportConverter.decimal(value)
                precondition(t != nil && t! < 1 << 55, "bad monotonic")
            } else {
                precondition(!name.starts(with: "__".utf8), "a dunder field passed on")
                if name.elementsEqual("_BOOT_ID".utf8) { precondition(ExportConverter.validID128(value), "bad boot id") }
                fields += 1
            }
            i = nl + 1
        } else {
            precondition(ExportConverter.validName(line) && !line.starts(with: "__".utf8), "invalid binary field name")
            precondition(nl + 9 <= b.count, "a cut size")
            var size = 0
            for k in 0..<8 { size |= Int(b[nl + 1 + k]) << (8 * k) }
            let end = nl + 9 + size
            precondition(end < b.count && b[end] == 0x0A, "binary length does not match")
            fields += 1
            i = end + 1
        }
        precondition(fields <= ExportConverter.entryFieldsMax, "too many fields")
    }
    precondition(fields == 0, "the last entry is not ended")
    return entries
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStream(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let whole = convert(bytes, cuts: [])
    precondition(checkExport(whole.out) == whole.entries, "entry count differs from the output")
    if size > 2 {
        let a = Int(bytes[0]) * size / 256, b = a + Int(bytes[1]) * (size - a) / 256
        let pieces = convert(bytes, cuts: [a, b])
        precondition(pieces.stopped == whole.stopped, "stopping depends on the pieces")
        if !whole.stopped {
            precondition(pieces.out == whole.out && pieces.entries == whole.entries && pieces.skipped == whole.skipped,
                         "the pieces convert differently")
        }
        let bytewise = convert(Array(bytes.prefix(512)), cuts: Array(0..<min(size, 512)))
        let prefix = convert(Array(bytes.prefix(512)), cuts: [])
        if !prefix.stopped { precondition(bytewise.out == prefix.out, "byte-by-byte feeding converts differently") }
    }
    return 0
}
