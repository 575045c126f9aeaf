// libFuzzer target: the --since/--until parser and time spans.
import Foundation

nonisolated(unsafe) let zones = [TimeZone(identifier: "UTC")!, TimeZone(identifier: "Europe/Berlin")!]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTimeSpec(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let s = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    for tz in zones {
        _ = try? TimeSpec.parse(s, now: 1_781_128_800_000_000, timeZone: tz)
    }
    _ = Span.parse(s, requireUnit: true)
    _ = Span.parse(s, requireUnit: false)
    return 0
}
