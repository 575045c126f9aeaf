// libFuzzer target: every message parser in Classifiers on arbitrary bytes.
// Built by `make fuzz` with `swiftc -sanitize=fuzzer,address` together with
// the Classifiers sources; a crash, a trap or a sanitizer report is a finding.
import Foundation

nonisolated(unsafe) var stream = EventStream(config: SourceConfig(serveUnits: ["t3-serve@a.service"]))

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMessages(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let m = DispatchParser.parse(bytes)
    _ = m.className
    _ = m.side
    _ = GoError.classify(bytes)
    _ = SignalParser.unitAction(bytes, messageID: nil)
    _ = SignalParser.kernelOOM(bytes)
    _ = SignalParser.earlyoom(bytes)
    _ = SignalParser.script(bytes, tag: "t3-watchdog")
    let s = String(decoding: bytes, as: UTF8.self)
    _ = SignalParser.serveUser(s)
    _ = PortMap.parseEnvFile(s)
    _ = try? PortMap.parseDispatchTable(Data(bytes), path: "fuzz.json")
    // Through the event stream, as each kind of source.
    for (unit, pid, transport, ident): (String?, Int?, String?, String?) in [
        ("t3-dispatch.service", 812, "stdout", "t3-dispatch"), ("init.scope", 1, "journal", "systemd"),
        (nil, nil, "kernel", "kernel"), ("t3-serve@a.service", 900, "stdout", "t3"),
        ("t3-watchdog.service", 77, "syslog", "t3-watchdog"), ("earlyoom.service", 5, "stdout", "earlyoom"),
    ] {
        var e = JournalEntry(realtime: 1_781_125_200_000_000, message: bytes, systemdUnit: unit, pid: pid)
        e.transport = transport
        e.syslogIdentifier = ident
        e.unit = pid == 1 ? "t3-serve@a.service" : nil
        if let ev = stream.classify(e) {
            var a = Attributor()
            a.add(ev)
            a.close()
            _ = a.attribute(gaps: []).answer
        }
    }
    return 0
}
