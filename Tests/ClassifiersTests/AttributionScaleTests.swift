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

    /// The one-pass burst spans (a second's starts, kept while its teardowns
    /// stay) are the spans the definition names: for random teardowns, each
    /// start is one whose `[at, at + 1 s]` holds `burstMin` of them, of two
    /// users or one unnamed, checked by brute force.
    @Test func burstSpanStartsAreTheDefinitionsSpans() {
        var rng = SystemRandomNumberGenerator()
        for round in 0..<300 {
            let n = Int.random(in: 0...40, using: &rng)
            let users = Int32.random(in: 1...3, using: &rng)
            let list = (0..<n).map { _ in
                Attributor.Teardown(
                    at: UInt64.random(in: 0...3_000_000, using: &rng), user: Int32.random(in: -1..<users, using: &rng))
            }.sorted { $0.at < $1.at }
            let burstMin = Int.random(in: 2...6, using: &rng)
            let end = UInt64.random(in: 0...3_000_000, using: &rng)
            var expected: [UInt64] = []
            for i in list.indices where list[i].at < end {
                let members = list[i...].filter { $0.at <= list[i].at + 1_000_000 }
                if members.count >= burstMin && (members.contains { $0.user < 0 } || Set(members.map(\.user)).count >= 2) {
                    expected.append(list[i].at)
                }
            }
            let found = Attributor.burstSpanStarts(list, before: end, burstMin: burstMin)
            #expect(found == expected, "round \(round): \(list), burstMin \(burstMin), end \(end)")
        }
    }

    /// A second's burst spans are worked out again once a teardown joins it
    /// or a neighbour: asked while five closes of one user were in (no
    /// burst: one user's tabs), the answer is no; after another user's, yes
    /// (an answer kept from before would still say no).
    @Test func aSecondsBurstSpansFollowItsNewTeardowns() {
        let t0 = AttributorTests.t0
        var a = Attributor()
        func close(_ k: Int, _ user: String) -> Event {
            AttributorTests.dispatch(t0 + UInt64(k) * 1_000, "ws close user=\(user) ip=1.1.1.1 dur_ms=7200000 cause=graceful")
        }
        for k in 0..<5 { a.add(close(k, "alice")) }
        let at = close(0, "alice").writtenAt
        let before = a.burstHit(at: at)
        #expect(!before)
        a.add(close(5, "bob"))
        let after = a.burstHit(at: at)
        #expect(after)
    }
}
