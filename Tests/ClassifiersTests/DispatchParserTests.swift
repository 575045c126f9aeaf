import Foundation
import Testing

@testable import Classifiers

private func parse(_ s: String) -> DispatchMessage { DispatchParser.parse(Array(s.utf8)) }
private let prefix = "2026/06/10 21:11:29 "
private let prefixUsec: UInt64 = 1_781_125_889_000_000

@Suite("t3-dispatch message shapes (field guide 2.1, 2.2)")
struct DispatchParserTests {
    @Test func goPrefixIsTheSourceTimeInUTC() {
        let m = parse(prefix + "t3-dispatch listening on :3780")
        #expect(m.kind == .listening)
        #expect(m.sourceTime == prefixUsec)
    }

    @Test func goPrefixWithMicroseconds() {
        let m = parse("2026/06/10 21:11:29.250000 http: proxy error: EOF")
        #expect(m.sourceTime == prefixUsec + 250_000)
        #expect(m.kind == .proxyError)
    }

    @Test func lineWithoutPrefixIsStillParsed() {
        let m = parse("http: proxy error: context canceled")
        #expect(m.sourceTime == nil)
        #expect(m.kind == .proxyError)
        #expect(m.error?.errorClass == .canceled)
    }

    @Test func impossibleDateIsNotAPrefix() {
        #expect(parse("2026/13/10 21:11:29 http: proxy error: EOF").sourceTime == nil)
        #expect(parse("2026/06/10 25:11:29 http: proxy error: EOF").sourceTime == nil)
    }

    @Test(
        "proxy error classes and sides",
        arguments: [
            ("context canceled", ErrorClass.canceled, Side.downstream, nil as Int?),
            ("dial tcp 127.0.0.1:3774: connect: connection refused", .refused, .upstream, 3774),
            ("read tcp 127.0.0.1:41234->127.0.0.1:3773: read: connection reset by peer", .reset, .upstream, 3773),
            ("read tcp 10.0.20.5:3780->10.0.20.203:51234: read: connection reset by peer", .reset, .downstream, nil),
            ("write tcp 127.0.0.1:41240->127.0.0.1:3775: write: broken pipe", .brokenPipe, .upstream, 3775),
            ("write tcp 10.0.20.5:3780->10.0.20.203:5123: write: broken pipe", .brokenPipe, .downstream, nil),
            ("EOF", .eof, .upstream, nil),
            ("unexpected EOF", .unexpectedEOF, .upstream, nil),
            ("dial tcp 127.0.0.1:3776: i/o timeout", .timeout, .upstream, 3776),
            ("read tcp 127.0.0.1:41234->127.0.0.1:3777: i/o timeout", .timeout, .upstream, 3777),
            ("tls: internal error", .other, .unknown, nil),
            // Refused with no address still points at a serve: nothing downstream refuses.
            ("connect: connection refused", .refused, .upstream, nil),
            ("read tcp [::1]:41234->[::1]:3773: read: connection reset by peer", .reset, .upstream, 3773),
        ])
    func proxyErrors(text: String, cls: ErrorClass, side: Side, port: Int?) {
        let m = parse(prefix + "http: proxy error: " + text)
        #expect(m.kind == .proxyError)
        #expect(m.error?.errorClass == cls)
        #expect(m.side == side)
        #expect(m.port == port)
        #expect(m.detail == text)
    }

    @Test func portOutOfRangeOrNotNumericIsNoPort() {
        let a = parse(prefix + "http: proxy error: dial tcp 127.0.0.1:99999: connect: connection refused")
        #expect(a.error?.errorClass == .refused)
        #expect(a.port == nil)
        let b = parse(prefix + "http: proxy error: dial tcp 127.0.0.1:abc: connect: connection refused")
        #expect(b.port == nil)
        #expect(b.side == .upstream)
    }

    @Test func wsCloseFieldsByKeyWithCommaIPAndSpacedCause() {
        let m = parse(
            prefix
                + "ws close user=bob ip=203.0.113.7, 10.0.20.203 dur_ms=4200 cause=read tcp 127.0.0.1:41300->127.0.0.1:3774: read: connection reset by peer"
        )
        #expect(m.kind == .wsClose)
        #expect(m.user == "bob")
        #expect(m.ip == "203.0.113.7, 10.0.20.203")
        #expect(m.durationMs == 4200)
        #expect(m.eventClass?.name == "reset")
        #expect(m.side == .upstream)
        #expect(m.port == 3774)
        #expect(m.detail == "read tcp 127.0.0.1:41300->127.0.0.1:3774: read: connection reset by peer")
    }

    @Test(
        "ws close causes",
        arguments: [
            ("graceful", "graceful", Side.unknown),
            ("downstream_closed", "downstream_closed", .downstream),
            ("upstream_closed", "upstream_closed", .upstream),
            ("context canceled", "canceled", .downstream),
        ])
    func wsCloseCauses(cause: String, cls: String, side: Side) {
        let m = parse(prefix + "ws close user=a ip=1.2.3.4 dur_ms=10 cause=" + cause)
        #expect(m.eventClass?.name == cls)
        #expect(m.side == side)
    }

    @Test func wsCloseMissingDurationAndDuplicatedKeys() {
        // The fixed format: the user runs to the first ` ip=`.
        let m = parse(prefix + "ws close user=a user=b ip=1.2.3.4 cause=graceful")
        #expect(m.kind == .wsClose)
        #expect(m.user == "a user=b")
        #expect(m.durationMs == nil)
        let n = parse(prefix + "ws close user=a dur_ms=12x cause=graceful")
        #expect(n.durationMs == nil)
    }

    @Test func wsOpen() {
        let m = parse(prefix + "ws open user=alice ip=203.0.113.7, 10.0.20.203")
        #expect(m.kind == .wsOpen)
        #expect(m.user == "alice")
        #expect(m.ip == "203.0.113.7, 10.0.20.203")
    }

    @Test func pairing() {
        #expect(parse(prefix + "paired user=alice endpoint=/api/pair fallback=false").kind == .paired)
        let a = parse(prefix + "mint for dave failed: exit status 1")
        #expect(a.kind == .pairingFailed && a.user == "dave" && a.detail == "exit status 1")
        let b = parse(prefix + "pairing exchange for dave failed: context deadline exceeded")
        #expect(b.kind == .pairingFailed && b.user == "dave")
        let c = parse(prefix + "pairing for erin returned 502 (endpoint=/api/pair)")
        #expect(c.kind == .pairingFailed && c.user == "erin")
    }

    @Test func tableReload() {
        let m = parse(prefix + "reload /etc/t3-serve/dispatch.json: unexpected end of JSON input")
        #expect(m.kind == .tableReloadFailed)
        #expect(m.detail == "unexpected end of JSON input")
        // A table that fails to load at start is fatal (main.go: log.Fatalf("load %s: %v")).
        #expect(parse(prefix + "load /etc/t3-serve/dispatch.json: no such file").kind == .startFailed)
        #expect(parse(prefix + "listen tcp :3780: bind: address already in use").kind == .listenFailed)
        #expect(DispatchParser.parse(Array("panic: assignment to entry in nil map".utf8)).kind == .panic)
        #expect(parse(prefix + "panic: not from the runtime: it has the log prefix").kind == .other)
    }

    static let oddLineKinds: [(String, DispatchKind)] = [
        ("", .other), ("2026/06/10", .other), (prefix, .other), (prefix + "ws clos", .other),
        (prefix + "http: proxy error:", .other), (prefix + "http: proxy error: ", .proxyError), (prefix + "ws close ", .wsClose),
        (prefix + "mint for x", .other), (prefix + "pairing for", .other), ("\u{0}\u{1}binary", .other),
        (prefix + "upstream alice healthy", .other), (prefix + "http: TLS handshake error from 1.2.3.4:5: EOF", .other),
    ]

    @Test("cut short, unknown or odd lines get the kind their shape allows and never crash", arguments: oddLineKinds)
    func oddLines(_ s: String, kind: DispatchKind) {
        #expect(parse(s).kind == kind)
    }

    @Test func invalidUTF8DoesNotCrash() {
        var bytes = Array((prefix + "ws close user=").utf8)
        bytes += [0xff, 0xfe, 0x80]
        bytes += Array(" dur_ms=5 cause=graceful".utf8)
        let m = DispatchParser.parse(bytes)
        #expect(m.kind == .wsClose)
        #expect(m.durationMs == 5)
        #expect(m.user?.contains("\u{FFFD}") == true)
    }
}

@Suite struct CivilTimeTests {
    @Test func roundTrip() {
        for t in [0, 86399, 951_782_400, 1_781_125_889, 4_102_444_800] {
            let c = CivilTime.civil(fromEpochSeconds: t)
            #expect(CivilTime.epochSeconds(year: c.year, month: c.month, day: c.day, hour: c.hour, minute: c.minute, second: c.second) == t)
        }
        let c = CivilTime.civil(fromEpochSeconds: 1_781_125_889)
        #expect(c.year == 2026 && c.month == 6 && c.day == 10 && c.hour == 21 && c.minute == 11 && c.second == 29)
    }

    /// The `ip=` value is the raw X-Forwarded-For header: nothing in it can
    /// change the user, the duration or the cause (issue 13, section 1).
    @Test(
        "a hostile X-Forwarded-For cannot change the user, duration or cause of a ws line",
        arguments: [
            "1.2.3.4 user=mallory dur_ms=999999999 cause=graceful",
            "1.2.3.4 dur_ms=1 cause=upstream_closed",
            "evil cause=graceful dur_ms=7",
            " dur_ms=12 cause=graceful, 10.0.0.1",
        ])
    func hostileForwardedFor(_ xff: String) {
        let m = parse(prefix + "ws close user=alice ip=" + xff + " dur_ms=5000 cause=downstream_closed")
        #expect(m.user == "alice")
        #expect(m.durationMs == 5000)
        #expect(m.wsCause == .downstreamClosed)
        #expect(m.ip == xff)
        let o = parse(prefix + "ws open user=alice ip=" + xff)
        #expect(o.user == "alice")
        #expect(o.ip == xff)
    }

    /// `isWSOpen` (a listing's shortcut) says yes exactly when the classified
    /// event would be a `ws open`: with or without Go's prefix, never for
    /// other kinds that mention it, PID 1's lines or coredumps.
    @Test(arguments: [
        prefix + "ws open user=alice ip=1.2.3.4", "ws open user=alice ip=1.2.3.4", prefix + "ws open ", prefix + "ws opened user=a",
        prefix + " ws open user=a", prefix + "ws close user=alice ip=1.2.3.4 dur_ms=5 cause=graceful",
        prefix + "http: proxy error: ws open user=a", "2026/06/10 21:11:29.123456 ws open user=bob ip=1.2.3.4",
        "2026/13/10 21:11:29 ws open user=bob", "ws ope", "", prefix + "paired user=ws open",
    ])
    func theWSOpenShortcutAgreesWithTheClassifier(message: String) {
        let c = DispatchClassifier()
        for (pid, id) in [(4242, nil), (1, nil), (4242, MessageID.coredump)] as [(Int, String?)] {
            let e = JournalEntry(realtime: 1, message: Array(message.utf8), pid: pid, messageID: id)
            #expect(c.isWSOpen(e) == (c.classify(e).kind == .wsOpen), "\(message) pid \(pid) \(id ?? "-")")
        }
    }

    /// A process's first line sets its clock offset (a dispatch writing
    /// local time) whether it is a mark or an event: the close after a
    /// `ws open` written an hour ahead is put back by that hour either way,
    /// though journald read the close ten minutes late (alone, it would say
    /// 45 minutes).
    @Test func aMarkSetsItsProcesssClockOffsetAsItsEventWould() {
        let hourAhead = "2026/06/10 22:11:29 "
        let lines = [hourAhead + "ws open user=alice ip=1.2.3.4", hourAhead + "ws close user=alice ip=1.2.3.4 dur_ms=5 cause=graceful"]
        // Marks noted as the dispatch pass notes them, or through `resolve`.
        for (marks, viaResolve) in [(false, false), (true, false), (true, true)] {
            var stream = EventStream(config: SourceConfig())
            var closes: [Event] = []
            for (i, l) in lines.enumerated() {
                let e = JournalEntry(
                    realtime: prefixUsec + UInt64(i) * 600_000_000, bootID: "b1", message: Array(l.utf8), systemdUnit: "t3-dispatch.service",
                    pid: 4242)
                let p = stream.preclassify(e, cursor: { "" }, marks: marks)
                if case .mark(let m) = p, !viaResolve {
                    stream.note(m)
                } else if let ev = stream.resolve(p), ev.kind == .wsClose {
                    closes.append(ev)
                }
            }
            #expect(closes.map(\.writtenAt) == [prefixUsec], "marks \(marks) resolved \(viaResolve)")
            #expect(stream.localTimeOffsets.map(\.seconds) == [3600], "marks \(marks) resolved \(viaResolve)")
        }
    }

    /// A process's zone (field guide 6.7) when its lines are received late or
    /// its zone changes: each case is (seconds the prefix is ahead of UTC,
    /// seconds journald received the line after it was written) per line, and
    /// the zones the stream reports. An 8-minute freeze before a UTC
    /// process's first line made it "UTC-00:15"; an autumn DST change was
    /// not seen (every later line an hour off).
    @Test(
        arguments: [
            ([(0, 490), (0, 0), (0, 1)], [Int]()),  // first line after a freeze
            ([(3600, 0), (3600, 1200), (3600, 0)], [3600]),  // a +1 h process, one line 20 min late
            ([(7200, 0), (7200, 1), (3600, 0), (3600, 2)], [7200, 3600]),  // autumn: CEST to CET
            ([(3600, 0), (7200, 0), (7200, 3)], [3600, 7200]),  // spring: CET to CEST
            ([(3600, 300), (3600, 0)], [3600]),  // first line 5 min late, ahead an hour
            ([(3600, 0), (0, 0), (0, 1)], [3600, 0]),  // autumn in London: BST to GMT, UTC again noted
            ([(0, 0), (3600, 0), (3600, 1)], [3600]),  // spring in London: GMT to BST
        ] as [([(Int, Int)], [Int])])
    func aProcesssZoneSurvivesLateLinesAndFollowsItsChanges(lines: [(ahead: Int, late: Int)], zones: [Int]) {
        var stream = EventStream(config: SourceConfig())
        var t = prefixUsec
        for (i, l) in lines.enumerated() {
            t += 600_000_000
            var tm = Glibc.tm()
            var secs = time_t(Int(t / 1_000_000) + l.ahead)
            gmtime_r(&secs, &tm)
            let prefix = String(
                format: "%04d/%02d/%02d %02d:%02d:%02d ", Int(tm.tm_year) + 1900, Int(tm.tm_mon) + 1, Int(tm.tm_mday), Int(tm.tm_hour),
                Int(tm.tm_min), Int(tm.tm_sec))
            let e = JournalEntry(
                realtime: t + UInt64(l.late) * 1_000_000, bootID: "b1",
                message: Array((prefix + "ws close user=alice ip=1.2.3.4 dur_ms=5 cause=graceful").utf8), systemdUnit: "t3-dispatch.service",
                pid: 4242)
            let ev = stream.resolve(stream.preclassify(e, cursor: { "" }, marks: true))
            #expect(ev?.writtenAt == t, "line \(i): \(l)")
        }
        #expect(stream.localTimeOffsets.map(\.seconds) == zones)
    }

    /// The attribution's dispatch pass (issue 16): a line the attribution
    /// uses for its time and process alone (`ws open`, pairing, no known
    /// kind) is a mark with what its event says, and the Go prefix's time
    /// when the process's clock offset applies (no `SOURCE_REALTIME`); any
    /// other line is its event, with its cursor.
    @Test(arguments: [
        prefix + "ws open user=alice ip=1.2.3.4", "ws open user=bob ip=1.2.3.4", prefix + "paired user=carol",
        prefix + "something else entirely", "no prefix, no kind", "",
        prefix + "ws close user=alice ip=1.2.3.4 dur_ms=5 cause=graceful", prefix + "http: proxy error: context canceled",
        prefix + "t3-dispatch listening on :3780", prefix + "mint for dave failed: boom", "panic: runtime error",
    ])
    func aMarkSaysWhatTheLinesEventSays(message: String) {
        let c = DispatchClassifier()
        let stream = EventStream(config: SourceConfig())
        let cases: [(pid: Int?, id: String?, source: UInt64?, host: String?)] = [
            (4242, nil, nil, "devvm"), (4242, nil, 7, "devvm"), (nil, nil, nil, nil), (1, nil, nil, "devvm"),
            (4242, MessageID.coredump, nil, "devvm"),
        ]
        for (pid, id, source, host) in cases {
            let e = JournalEntry(
                realtime: 1_781_125_890_000_000, sourceRealtime: source, bootID: "b1", cursor: "s=1;i=2", message: Array(message.utf8),
                systemdUnit: "t3-dispatch.service", pid: pid, messageID: id, hostname: host)
            let ev = c.classify(e)
            let what = "\(message) pid \(pid ?? -1) \(id ?? "-") source \(source.map(String.init) ?? "-") host \(host ?? "-")"
            var cursorAsked = false
            switch c.line(
                e,
                cursor: {
                    cursorAsked = true
                    return "cursor"
                })
            {
            case .mark(let m):
                #expect(ev.dispatch.map { DispatchMark.isMark($0.kind) } == true, "\(what)")
                #expect(!cursorAsked, "\(what): a mark is never printed")
                // The prefix time is the one the line's event would have set its process's clock by.
                var expected = DispatchMark(ev)
                if case .dispatchLine(let d) = stream.preclassify(e, cursor: { "" }) { expected?.prefixTime = d.writtenAt }
                #expect(m == expected, "\(what)")
                #expect(m.unit == "t3-dispatch.service" && m.host == host && m.bootID == "b1" && m.pid == pid, "\(what)")
            case .event(let got):
                #expect(ev.dispatch.map { DispatchMark.isMark($0.kind) } != true, "\(what)")
                var expected = ev
                expected.cursor = "cursor"
                #expect(got == expected, "\(what)")
            }
        }
    }
}
