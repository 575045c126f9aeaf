import Foundation
import Testing

@testable import Classifiers

/// A fleet's hosts are attributed apart and merged (issue 16): the merged
/// attribution is each host's, drops in time order, every reference still
/// naming the entry it named in its host's part.
@Suite("merging hosts' attributions")
struct AttributionMergeTests {
    /// One host's drops: a burst of `--burst-min` cancels and isolated ones,
    /// at times that interleave with the other host's.
    static func part(host: String, offset: UInt64) -> Attribution {
        let t0 = AttributorTests.t0 + offset
        var a = Attributor()
        var k = 0
        func add(_ t: UInt64, _ text: String) {
            var ev = AttributorTests.dispatch(t, text)
            ev.host = host
            ev.cursor = "\(host)-\(k)"
            k += 1
            a.add(ev)
        }
        // A global OOM kill 30 s before the burst: the burst's drops cite it.
        var oom = JournalEntry(
            realtime: t0 - 30_000_000,
            message: Array(
                "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/user.slice,task=cc1plus,pid=60123,uid=1003"
                    .utf8), transport: "kernel")
        oom.cursor = "\(host)-oom"
        var stream = EventStream(config: SourceConfig())
        if var ev = stream.classify(oom) {
            ev.host = host
            a.addSignal(ev)
        }
        for n in 0..<6 { add(t0 + UInt64(n) * 50_000, "http: proxy error: context canceled") }
        for n in 1...5 { add(t0 + UInt64(n) * 700_000_000, "http: proxy error: context canceled") }
        for n in 1...3 {
            add(t0 + 5_000_000_000 + UInt64(n) * 300_000_000, "http: proxy error: dial tcp 127.0.0.1:3101: connect: connection refused")
        }
        a.close()
        return a.attribute(gaps: [])
    }

    /// What a reference names, by the cursors of its entries.
    static func named(_ refs: [EvidenceRef], in at: Attribution) -> [String] { at.evidence(refs).map(\.cursor) }

    /// A drop as its part and the merge must both describe it.
    static func described(_ d: Drop, in at: Attribution) -> String {
        let incident = d.incident.map { id in at.incidents.first { $0.id == id } } ?? nil
        return [
            d.event.cursor, d.verdict.rawValue, d.reason.rawValue, named(d.evidence, in: at).joined(separator: ","),
            incident.map { "\($0.verdict.rawValue)/\($0.reason.rawValue)/\($0.drops)/\(named($0.evidence, in: at).joined(separator: ","))" }
                ?? "-",
        ].joined(separator: " ")
    }

    @Test func mergedDropsKeepTheirEvidenceAndIncidentsInTimeOrder() {
        let a = Self.part(host: "a", offset: 0)
        let b = Self.part(host: "b", offset: 350_000_000)
        #expect(a.bursts.count == 1 && b.bursts.count == 1)
        #expect(a.signals.count == 1 && a.drops.contains { $0.reason == .oomKill && $0.evidence.contains(.signal(0)) })
        let want = (a.drops.map { Self.described($0, in: a) } + b.drops.map { Self.described($0, in: b) }).sorted()
        let wantBursts = [a, b].flatMap { p in p.bursts.map { Self.named($0.evidence, in: p) } }
        let m = Attribution.merge([a, b])
        #expect(m.drops.count == a.drops.count + b.drops.count)
        #expect(m.drops.map { Self.described($0, in: m) }.sorted() == want)
        // Time order across the hosts: the parts interleave.
        let times = m.drops.map(\.event.realtime)
        #expect(times == times.sorted())
        #expect(Set(m.drops.prefix(8).compactMap(\.event.host)) == ["a", "b"])
        // Incident ids are unique and in order of start; bursts keep their drops.
        #expect(Set(m.incidents.map(\.id)).count == m.incidents.count)
        #expect(m.incidents.map(\.start) == m.incidents.map(\.start).sorted())
        #expect(m.incidents.count == a.incidents.count + b.incidents.count)
        #expect(
            m.bursts.map { Self.named($0.evidence, in: m) }.sorted { $0.joined() < $1.joined() } == wantBursts.sorted { $0.joined() < $1.joined() })
        #expect(m.requestErrors.count == a.requestErrors.count + b.requestErrors.count)
    }

    /// Hosts with nothing to merge, merged on two threads at once (a fleet
    /// read side by side where the window leaves two hosts no drops): the
    /// merge allocates nothing shared. It wrote the empty array's count into
    /// the runtime's one empty-array storage, a race ThreadSanitizer reports
    /// (`make test-sanitize`; CI's stop 31 failed on it in a fleet test).
    @Test func emptyPartsMergeOnTwoThreadsAtOnce() {
        let done = Counter()
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            for _ in 0..<200 {
                let none = Attribution(drops: [], bursts: [], signals: [], gaps: [], restarts: [], clockWentBack: [])
                let m = Attribution.merge([none, none])
                if m.drops.isEmpty && m.incidents.isEmpty && m.bursts.isEmpty { done.add() }
            }
        }
        #expect(done.value == 400)
    }
}

/// A count two threads add to.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func add() { lock.withLock { n += 1 } }
    var value: Int { lock.withLock { n } }
}
