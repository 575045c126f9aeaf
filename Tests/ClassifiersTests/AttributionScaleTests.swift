import Testing

@testable import Classifiers

@Suite("attribution stays linear in the number of open sockets")
struct AttributionScaleTests {
    /// 40,000 long graceful closes, all pending at once, then each user's
    /// reconnect: every close becomes one reconnect drop of its own user, and
    /// each `ws open` looks only at its own user's closes.
    @Test func fortyThousandClosesAndTheirOpens() {
        let n = 40_000
        let t0 = AttributorTests.t0
        var a = Attributor()
        for k in 0..<n {
            a.add(AttributorTests.dispatch(t0 + UInt64(k) * 500, "ws close user=u\(k) ip=1.1.1.1 dur_ms=7200000 cause=graceful"))
        }
        // Opens in reverse order (20 to 41 s after their close): the oldest close is not the one found first.
        for k in (0..<n).reversed() {
            a.add(AttributorTests.dispatch(t0 + 21_000_000 + UInt64(n - k) * 500, "ws open user=u\(k) ip=1.1.1.1"))
        }
        // One user with several closes; an open takes all its closes in the window.
        a.add(AttributorTests.dispatch(t0 + 70_000_000, "ws close user=multi ip=1.1.1.2 dur_ms=7200000 cause=graceful"))
        a.add(AttributorTests.dispatch(t0 + 71_000_000, "ws close user=multi ip=1.1.1.2 dur_ms=7200000 cause=graceful"))
        a.add(AttributorTests.dispatch(t0 + 72_000_000, "ws open user=multi ip=1.1.1.2"))
        // A close whose user never comes back expires without a drop.
        a.add(AttributorTests.dispatch(t0 + 73_000_000, "ws close user=gone ip=1.1.1.3 dur_ms=7200000 cause=graceful"))
        a.add(AttributorTests.dispatch(t0 + 200_000_000, "ws open user=gone ip=1.1.1.3"))
        #expect(a.reconnectChecks <= n + 2, "a ws open looked at \(a.reconnectChecks) pending closes for \(n + 3) opens")
        a.close()
        let drops = a.attribute(gaps: []).drops
        #expect(drops.count == n + 2)
        #expect(drops.allSatisfy { $0.trigger == .reconnect })
        #expect(Set(drops.compactMap(\.event.user)) == Set((0..<n).map { "u\($0)" } + ["multi"]))
        #expect(drops.filter { $0.event.user == "multi" }.count == 2)
        #expect(drops.map(\.event.realtime) == drops.map(\.event.realtime).sorted())
    }

    /// The index keeps working across the pending list's compaction (more than
    /// 4,096 expired closes): closes that expired are not taken by a late open.
    @Test func expiredClosesAreNotReconnects() {
        let t0 = AttributorTests.t0
        var a = Attributor()
        for k in 0..<10_000 {
            a.add(AttributorTests.dispatch(t0 + UInt64(k) * 100_000, "ws close user=u\(k % 100) ip=1.1.1.1 dur_ms=7200000 cause=graceful"))
        }
        // 1,000 s later (beyond the 60 s window): nothing is a reconnect ...
        for k in 0..<100 { a.add(AttributorTests.dispatch(t0 + 2_000_000_000 + UInt64(k), "ws open user=u\(k) ip=1.1.1.1")) }
        // ... but a fresh close and its open are.
        a.add(AttributorTests.dispatch(t0 + 2_100_000_000, "ws close user=u7 ip=1.1.1.1 dur_ms=7200000 cause=graceful"))
        a.add(AttributorTests.dispatch(t0 + 2_110_000_000, "ws open user=u7 ip=1.1.1.1"))
        a.close()
        let drops = a.attribute(gaps: []).drops
        #expect(drops.filter { $0.trigger == .reconnect }.map(\.event.realtime) == [t0 + 2_100_000_000])
    }
}
