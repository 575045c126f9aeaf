import Foundation
import Glibc

/// Incremental converter from Journal Export Format or `journalctl -o json`
/// lines (detected from the first byte) to Journal Export Format for
/// systemd-journal-remote: `__CURSOR` becomes `T3ATTR_CURSOR`, other `__`
/// fields except the timestamps are dropped, values with control characters
/// are written as binary fields.
///
/// The input is untrusted. Every entry is checked against what
/// journal-remote accepts before it is passed on, because journal-remote
/// stops at the first entry it cannot take (a bad timestamp or boot id) and
/// still exits 0, or silently drops fields past its limit. An entry that
/// would be refused or changed is skipped and counted with its reason; the
/// rest of the stream goes on. Buffering is linear in the input (a newline
/// is searched for once per byte), and bounded by journald's own limits.
final class ExportConverter {
    /// journal-importer.h: the largest field value and entry journal-remote takes.
    static let dataSizeMax = 768 * 1024 * 1024
    static let entrySizeMax = 770 * 1024 * 1024
    /// journal-remote keeps at most this many fields of an entry (the rest are dropped with a warning).
    static let entryFieldsMax = 1024
    /// journal_field_valid(): 1 to 64 characters of A-Z, 0-9 and _, not starting with a digit.
    static let fieldNameMax = 64
    /// VALID_REALTIME / VALID_MONOTONIC: below 2^55.
    static let timestampLimit: UInt64 = 1 << 55
    /// Below journald's limits: one JSON line is one entry.
    static let jsonLineMax = entrySizeMax

    enum Format { case unknown, export, json }

    /// Why an entry was not passed on.
    enum SkipReason: Hashable, CaseIterable {
        case badRealtime, badMonotonic, badBootID, badFieldName, tooManyFields, tooLarge, noFields, notJSON, nullField, cutOff

        var text: String {
            switch self {
            case .badRealtime: "__REALTIME_TIMESTAMP is not a time (a decimal number of microseconds below 2^55)"
            case .badMonotonic: "__MONOTONIC_TIMESTAMP is not a decimal number below 2^55"
            case .badBootID: "_BOOT_ID is not a 128-bit id"
            case .badFieldName: "a field name is not valid (1-64 characters of A-Z, 0-9 and _, not starting with a digit)"
            case .tooManyFields: "more than \(ExportConverter.entryFieldsMax) fields (journal-remote's limit)"
            case .tooLarge: "larger than \(ExportConverter.entrySizeMax >> 20) MiB (journal-remote's limit)"
            case .noFields: "no fields besides the timestamps"
            case .notJSON: "a line that is not a JSON object"
            case .nullField:
                "a field t3attr reads is null (journalctl -o json prints a field over 4096 bytes as null: give it --all, or use -o export)"
            case .cutOff: "cut off: the stream ended inside it"
            }
        }
    }

    private(set) var format = Format.unknown
    /// Entries passed on.
    private(set) var entries = 0
    /// Entries skipped, by reason, in the order the reasons were first met.
    private(set) var skipped: [(reason: SkipReason, count: Int)] = []
    /// Why the rest of the stream could not be read, once it cannot (the
    /// entries before were passed on); further input is ignored.
    private(set) var stopped: String?

    private var buffer: [UInt8] = []
    /// Start of the unconsumed input in `buffer`.
    private var pos = 0
    /// Bytes from `pos` on already searched for a newline (absolute index).
    private var scanned = 0

    // The entry being read (export format).
    private var entryOut: [UInt8] = []
    private var entryLines = 0
    private var entryFields = 0
    private var entryBad: SkipReason?
    /// The entry's place in its writer's sequence (its `__CURSOR`'s `s=` and `i=`).
    private var entryPlace: Place?

    /// An entry's writer (numbered as met) and sequence number.
    struct Place: Hashable {
        var writer: Int32
        var seqnum: UInt64
    }
    private var writers: [[UInt8]: Int32] = [:]
    private var placesSeen = Set<Place>()
    /// Entries the stream gave again (the same `__CURSOR`: two overlapping
    /// exports run together): passed on once, as one sd-journal handle shows
    /// an entry two files hold once.
    private(set) var repeats = 0

    var skippedTotal: Int { skipped.reduce(0) { $0 + $1.count } }

    func feed(_ data: Data) -> [UInt8] {
        data.withUnsafeBytes { feed($0) }
    }

    func feed(_ data: UnsafeRawBufferPointer) -> [UInt8] {
        guard stopped == nil else { return [] }
        buffer.append(contentsOf: data)
        if format == .unknown {
            guard let first = buffer[pos...].first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) else { return [] }
            format = first == UInt8(ascii: "{") ? .json : .export
        }
        var out = [UInt8]()
        switch format {
        case .export: convertExport(&out, final: false)
        case .json: convertJSON(&out, final: false)
        case .unknown: break
        }
        compact()
        return out
    }

    /// The end of the stream: an entry not ended by a blank line is passed on
    /// when its last field is complete; one cut inside a field is skipped.
    func finish() -> [UInt8] {
        var out = [UInt8]()
        guard stopped == nil else { return out }
        switch format {
        case .export:
            convertExport(&out, final: true)
            if pos < buffer.count {  // a field cut off by the end of the stream
                entryLines += 1
                entryBad = .cutOff
                pos = buffer.count
            }
            endEntry(&out)
        case .json: convertJSON(&out, final: true)
        case .unknown: break
        }
        buffer = []
        pos = 0
        scanned = 0
        return out
    }

    /// Drops consumed input when that costs no more than what was consumed.
    private func compact() {
        dropped += pos
        if pos == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.count <= 1 << 20)
            pos = 0
            scanned = 0
        } else if pos >= buffer.count - pos {
            buffer.removeFirst(pos)
            scanned = max(0, scanned - pos)
            pos = 0
        } else {
            dropped -= pos  // kept: `pos` still counts it
        }
    }

    /// Bytes of the stream before `buffer` (consumed and dropped).
    private var dropped = 0

    /// The stream cannot be read on from here: says where, and what was read.
    private func stop(_ why: String) {
        guard entries > 0 || !skipped.isEmpty else {
            stopped = why
            return
        }
        stopped = "at byte \(dropped + pos) (after \(entries) entries, which are read): \(why); the rest of the stream is not read"
    }

    private func skip(_ reason: SkipReason) {
        if let i = skipped.firstIndex(where: { $0.reason == reason }) { skipped[i].count += 1 } else { skipped.append((reason, 1)) }
    }

    /// The index of the next newline at or after `pos`, searching each byte once.
    private func nextNewline() -> Int? {
        let from = max(scanned, pos)
        guard from < buffer.count else { return nil }
        let hit: Int? = buffer.withUnsafeBytes { p in
            guard let r = memchr(p.baseAddress! + from, 0x0A, p.count - from) else { return nil }
            return UnsafeRawPointer(r) - p.baseAddress!
        }
        if hit == nil { scanned = buffer.count }
        return hit
    }

    private func indexOf(_ byte: UInt8, in range: Range<Int>) -> Int? {
        guard !range.isEmpty else { return nil }
        return buffer.withUnsafeBytes { p in
            guard let r = memchr(p.baseAddress! + range.lowerBound, Int32(byte), range.count) else { return nil }
            return UnsafeRawPointer(r) - p.baseAddress!
        }
    }

    // MARK: Export format

    private func convertExport(_ out: inout [UInt8], final: Bool) {
        while pos < buffer.count && stopped == nil {
            guard let nl = nextNewline() else {
                // A line still arriving: it must start like a field, and stay within the limits.
                let have = buffer.count - pos
                if let eq = indexOf(UInt8(ascii: "="), in: pos..<(pos + min(have, Self.fieldNameMax + 1))) {
                    if buffer.count - eq - 1 > Self.dataSizeMax {
                        stop("a field is larger than \(Self.dataSizeMax >> 20) MiB (journald's limit)")
                    }
                } else if have > Self.fieldNameMax {
                    stop("not Journal Export Format: a line starts with more than \(Self.fieldNameMax) bytes that are not a field name")
                }
                return
            }
            if nl == pos {  // blank line: end of entry
                pos = nl + 1
                endEntry(&out)
                continue
            }
            if let eq = indexOf(UInt8(ascii: "="), in: pos..<nl) {
                // The same limits as for a line still arriving, whatever the cuts.
                guard eq - pos <= Self.fieldNameMax else {
                    stop("not Journal Export Format: a line starts with more than \(Self.fieldNameMax) bytes that are not a field name")
                    return
                }
                guard nl - eq - 1 <= Self.dataSizeMax else {
                    stop("a field is larger than \(Self.dataSizeMax >> 20) MiB (journald's limit)")
                    return
                }
                addField(name: pos..<eq, value: (eq + 1)..<nl)
                pos = nl + 1
                continue
            }
            // Binary field: NAME\n, 64-bit little-endian size, data, \n.
            guard Self.validName(buffer[pos..<nl]) else {
                stop("not Journal Export Format: a line is neither FIELD=value nor a field name")
                return
            }
            let dataStart = nl + 1 + 8
            guard dataStart <= buffer.count else { return }
            var size: UInt64 = 0
            for k in 0..<8 { size |= UInt64(buffer[nl + 1 + k]) << (8 * UInt64(k)) }
            guard size <= UInt64(Self.dataSizeMax) else {
                stop("not Journal Export Format: a binary field of \(size) bytes (journald's limit is \(Self.dataSizeMax >> 20) MiB)")
                return
            }
            let end = dataStart + Int(size)
            guard end + 1 <= buffer.count else { return }
            guard buffer[end] == 0x0A else {
                stop("not Journal Export Format: a binary field is not followed by a newline")
                return
            }
            addField(name: pos..<nl, value: dataStart..<end)
            pos = end + 1
            scanned = pos
        }
    }

    private static let realtimeName = Array("__REALTIME_TIMESTAMP".utf8)
    private static let monotonicName = Array("__MONOTONIC_TIMESTAMP".utf8)
    private static let cursorName = Array("__CURSOR".utf8)
    private static let bootIDName = Array("_BOOT_ID".utf8)
    private static let cursorField = Array("T3ATTR_CURSOR".utf8)

    private func addField(name: Range<Int>, value: Range<Int>) {
        entryLines += 1
        guard entryBad == nil else { return }
        let n = buffer[name]
        if n.elementsEqual(Self.cursorName) {
            if entryPlace == nil { entryPlace = place(ofCursor: buffer[value]) }
            emitField(Self.cursorField[...], buffer[value])
            return
        }
        // The stream's own T3ATTR_CURSOR fields were logged by some process on
        // the host, not kept by t3attr: only __CURSOR may fill that field.
        if n.elementsEqual(Self.cursorField) { return }
        if n.elementsEqual(Self.realtimeName) {
            guard let t = Self.decimal(buffer[value]), t > 0, t < Self.timestampLimit else {
                entryBad = .badRealtime
                return
            }
            emit(n, buffer[value])
            return
        }
        if n.elementsEqual(Self.monotonicName) {
            guard let t = Self.decimal(buffer[value]), t < Self.timestampLimit else {
                entryBad = .badMonotonic
                return
            }
            emit(n, buffer[value])
            return
        }
        if n.starts(with: [0x5F, 0x5F]) { return }  // other `__` lines: journal-remote ignores them
        guard Self.validName(n) else {
            entryBad = .badFieldName
            return
        }
        if n.elementsEqual(Self.bootIDName) && !Self.validID128(buffer[value]) {
            entryBad = .badBootID
            return
        }
        emitField(n, buffer[value])
    }

    /// A payload field (counted against journal-remote's limit).
    private func emitField(_ name: ArraySlice<UInt8>, _ value: ArraySlice<UInt8>) {
        entryFields += 1
        if entryFields > Self.entryFieldsMax {
            entryBad = .tooManyFields
            return
        }
        emit(name, value)
    }

    private func emit(_ name: ArraySlice<UInt8>, _ value: ArraySlice<UInt8>) {
        Self.emit(&entryOut, name: name, value: value)
        if entryOut.count > Self.entrySizeMax { entryBad = .tooLarge }
    }

    private func endEntry(_ out: inout [UInt8]) {
        defer {
            entryOut.removeAll(keepingCapacity: entryOut.count <= 1 << 20)
            entryLines = 0
            entryFields = 0
            entryBad = nil
            entryPlace = nil
        }
        guard entryLines > 0 else { return }
        if let bad = entryBad {
            skip(bad)
            return
        }
        if entryFields == 0 {
            skip(.noFields)
            return
        }
        if let p = entryPlace, !placesSeen.insert(p).inserted {
            repeats += 1
            return
        }
        out += entryOut
        out.append(0x0A)
        entries += 1
    }

    /// The writer (`s=`) and sequence number (`i=`, hex) of a cursor; nil
    /// when it has not both (then the entry is not checked for a repeat).
    private func place(ofCursor c: ArraySlice<UInt8>) -> Place? {
        var writer: ArraySlice<UInt8>?
        var seqnum: UInt64?
        for part in c.split(separator: UInt8(ascii: ";")) {
            guard part.count > 2, part[part.startIndex + 1] == UInt8(ascii: "=") else { continue }
            let v = part.dropFirst(2)
            switch part.first {
            case UInt8(ascii: "s"): writer = v
            case UInt8(ascii: "i"): seqnum = UInt64(String(decoding: v, as: UTF8.self), radix: 16)
            default: break
            }
        }
        guard let writer, let seqnum else { return nil }
        let key = Array(writer)
        let w = writers[key] ?? Int32(writers.count)
        writers[key] = w
        return Place(writer: w, seqnum: seqnum)
    }

    static func emit(_ out: inout [UInt8], name: ArraySlice<UInt8>, value: ArraySlice<UInt8>) {
        if value.contains(where: { $0 < 0x20 && $0 != 0x09 }) {
            out += name
            out.append(0x0A)
            var len = UInt64(value.count).littleEndian
            withUnsafeBytes(of: &len) { out += $0 }
            out += value
            out.append(0x0A)
        } else {
            out += name
            out.append(UInt8(ascii: "="))
            out += value
            out.append(0x0A)
        }
    }

    /// journal_field_valid(name, allow_protected: true).
    static func validName<C: Collection>(_ n: C) -> Bool where C.Element == UInt8 {
        guard !n.isEmpty, n.count <= fieldNameMax, let first = n.first, !(0x30...0x39).contains(first) else { return false }
        return n.allSatisfy { (0x41...0x5A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F }
    }

    static func decimal(_ v: ArraySlice<UInt8>) -> UInt64? {
        guard !v.isEmpty, v.count <= 20 else { return nil }
        var x: UInt64 = 0
        for b in v {
            guard (0x30...0x39).contains(b) else { return nil }
            let (m, o1) = x.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(b - 0x30))
            if o1 || o2 { return nil }
            x = s
        }
        return x
    }

    /// sd_id128_from_string: 32 hex digits, or the UUID form with dashes.
    static func validID128(_ v: ArraySlice<UInt8>) -> Bool {
        func hex(_ b: UInt8) -> Bool { (0x30...0x39).contains(b) || (0x61...0x66).contains(b) || (0x41...0x46).contains(b) }
        if v.count == 32 { return v.allSatisfy(hex) }
        guard v.count == 36 else { return false }
        for (i, b) in v.enumerated() {
            if [8, 13, 18, 23].contains(i) { if b != UInt8(ascii: "-") { return false } } else if !hex(b) { return false }
        }
        return true
    }

    // MARK: journalctl -o json

    private func convertJSON(_ out: inout [UInt8], final: Bool) {
        while pos < buffer.count && stopped == nil {
            let nl = nextNewline()
            if nl == nil && !final {
                if buffer.count - pos > Self.jsonLineMax {
                    stop("a JSON line is longer than \(Self.jsonLineMax >> 20) MiB (journald's entry limit)")
                }
                return
            }
            let end = nl ?? buffer.count
            let line = pos..<end
            pos = end + (nl == nil ? 0 : 1)
            if buffer[line].allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
            guard let obj = try? JSONSerialization.jsonObject(with: Data(buffer[line])) as? [String: Any] else {
                skip(.notJSON)
                continue
            }
            // journalctl's stand-in for a field it left out (over 4096 bytes, no --all):
            // an entry missing one that t3attr reads is skipped and named; another such
            // field (a long _CMDLINE) is left out of the entry.
            if obj.contains(where: { key, value in
                Self.fieldsRead.contains(key) && (value is NSNull || (value as? [Any])?.contains { $0 is NSNull } == true)
            }) {
                skip(.nullField)
                continue
            }
            // The fields go through the same checks as the export format's.
            let saved = (buffer, pos, scanned)
            var fields: [UInt8] = []
            var ranges: [(Range<Int>, Range<Int>)] = []
            for (key, value) in obj.sorted(by: { $0.key < $1.key }) {
                let name = Array(key.utf8)
                for v in Self.values(value) {
                    let ns = fields.count
                    fields += name
                    let vs = fields.count
                    fields += v
                    ranges.append((ns..<vs, vs..<fields.count))
                }
            }
            buffer = fields
            for (n, v) in ranges { addField(name: n, value: v) }
            if ranges.isEmpty { entryLines = 1 }
            (buffer, pos, scanned) = saved
            endEntry(&out)
        }
    }

    /// The fields t3attr reads or selects by: an entry without one of them is not what it was.
    static let fieldsRead: Set<String> = [
        "MESSAGE", "MESSAGE_ID", "_PID", "_UID", "_HOSTNAME", "_BOOT_ID", "_TRANSPORT", "_SYSTEMD_UNIT", "_SYSTEMD_SLICE",
        "UNIT", "OBJECT_SYSTEMD_UNIT", "COREDUMP_UNIT", "SYSLOG_IDENTIFIER", "_SOURCE_REALTIME_TIMESTAMP",
        "_SOURCE_MONOTONIC_TIMESTAMP", "__REALTIME_TIMESTAMP", "__MONOTONIC_TIMESTAMP", "__CURSOR",
    ]

    /// journalctl -o json: a string, a byte array (binary), or an array of those (several values).
    static func values(_ v: Any) -> [[UInt8]] {
        if let s = v as? String { return [Array(s.utf8)] }
        if let a = v as? [Any] {
            if !a.isEmpty, a.allSatisfy({ $0 is NSNumber }) {
                return [a.map { UInt8(truncatingIfNeeded: ($0 as? NSNumber)?.intValue ?? 0) }]
            }
            return a.flatMap { values($0) }
        }
        if let n = v as? NSNumber { return [Array(n.stringValue.utf8)] }
        return []
    }
}
