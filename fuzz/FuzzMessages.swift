// libFuzzer target: every message parser in Classifiers on arbitrary bytes,
// with invariants. Built by `make fuzz` with `swiftc -sanitize=fuzzer,address`
// together with the Classifiers sources and the renderer's escaping
// (Sources/t3attr/Render.swift); a crash, a trap (a broken invariant) or a
// sanitizer report is a finding.
import Foundation

/// A port only on the upstream side; a class whenever the kind is a proxy error.
func checkDispatch(_ m: DispatchMessage) {
    if m.port != nil { precondition(m.side == .upstream, "a port on the \(m.side) side") }
    if m.kind == .proxyError { precondition(m.eventClass != nil && m.error != nil, "a proxy error with no class") }
    if let e = m.error, e.port != nil { precondition(e.side == .upstream, "GoErrorInfo: a port on the \(e.side) side") }
}

/// No control character reaches a table cell or a JSON string raw.
func checkRendered(_ bytes: [UInt8]) {
    for b in Array(Render.cell(bytes).utf8) { precondition(b >= 0x20 && b != 0x7F, "control byte \(b) in a table cell") }
    for b in Array(Render.json(String(decoding: bytes, as: UTF8.self)).utf8) {
        precondition(b >= 0x20 && b != 0x7F, "control byte \(b) in a JSON string")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMessages(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let m = DispatchParser.parse(bytes)
    checkDispatch(m)
    let info = GoError.classify(bytes)
    if info.port != nil { precondition(info.side == .upstream, "GoError.classify: a port on the \(info.side) side") }
    _ = SignalParser.unitAction(bytes, messageID: nil)
    _ = SignalParser.kernelOOM(bytes)
    _ = SignalParser.earlyoom(bytes)
    _ = SignalParser.script(bytes, tag: "t3-watchdog")
    let s = String(decoding: bytes, as: UTF8.self)
    _ = ServeUnits.default.user(in: s)
    _ = ServeUnits(pattern: s).user(in: s)
    _ = PortMap.parseEnvFile(s)
    _ = try? PortMap.parseDispatchTable(Data(bytes), path: "fuzz.json")
    checkRendered(bytes)
    // Through the event stream, as each kind of source; fresh state for every
    // input (a finding must reproduce from its input alone), and a time taken
    // from the input so the fold windows (OOM pairs, doubled script lines) see
    // both near and far repeats.
    var stream = EventStream(config: SourceConfig(serveUnits: ["t3-serve@a.service"]))
    var t: UInt64 = 1_781_125_200_000_000
    for (k, (unit, pid, transport, ident)) in ([
        ("t3-dispatch.service", 812, "stdout", "t3-dispatch"), ("init.scope", 1, "journal", "systemd"),
        (nil, nil, "kernel", "kernel"), ("t3-serve@a.service", 900, "stdout", "t3"),
        ("t3-watchdog.service", 77, "syslog", "t3-watchdog"), ("t3-watchdog.service", 78, "stdout", "t3-watchdog"),
        ("earlyoom.service", 5, "stdout", "earlyoom"), (nil, nil, "kernel", "kernel"),
    ] as [(String?, Int?, String?, String?)]).enumerated() {
        let step = k < bytes.count ? UInt64(bytes[k]) : 0
        t += step * step * 4_000  // 0 .. 260 ms apart, often the same microsecond
        var e = JournalEntry(realtime: t, message: bytes, systemdUnit: unit, pid: pid)
        e.transport = transport
        e.syslogIdentifier = ident
        e.unit = pid == 1 ? "t3-serve@a.service" : nil
        if step & 1 == 1 { e.sourceRealtime = t - step * 1_000 }
        guard let ev = stream.classify(e) else { continue }
        if let d = ev.dispatch { checkDispatch(d) }
        if ev.kind == .proxyError { precondition(ev.className != nil, "a proxy_error event with no class") }
        var a = Attributor()
        if ev.signal != nil { a.addSignal(ev) } else { a.add(ev) }
        a.close()
        let r = a.attribute(gaps: [])
        precondition(r.counts.values.reduce(0, +) == r.drops.count, "the verdict counts do not add up to the drops")
    }
    return 0
}
