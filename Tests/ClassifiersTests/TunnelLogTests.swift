import Testing

@testable import Classifiers

/// 2026-06-10T21:10:03Z in microseconds.
private let t0: UInt64 = 1_781_125_803 * 1_000_000

@Suite("cloudflared log lines (kubectl logs, field guide 6.6)")
struct TunnelLogTests {
    // One row per message text, with the cloudflared source line it comes from
    // (github.com/cloudflare/cloudflared at d1df7985).
    @Test(
        "message texts from cloudflared's source",
        arguments: [
            // supervisor/supervisor.go:158 (level ERR with no connection left, WRN otherwise)
            ("ERR Connection terminated error=\"timeout: no recent network activity\" connIndex=2", TunnelEventKind.connectionTerminated),
            ("WRN Connection terminated error=\"control stream encountered a failure while serving\" connIndex=0", .connectionTerminated),
            // connection/http2.go:94
            ("INF Lost connection with the edge connIndex=1", .connectionLost),
            // supervisor/tunnel.go:661, :430
            (
                "ERR failed to serve tunnel connection error=\"timeout: no recent network activity\" connIndex=3 event=0 ip=198.41.200.113",
                .connectionLost
            ),
            ("ERR Serve tunnel error error=\"timeout: no recent network activity\" connIndex=3 event=0 ip=198.41.200.113", .connectionLost),
            // supervisor/tunnel.go:408, :487, :610; supervisor/supervisor.go:135
            (
                "ERR Unable to establish connection. error=\"DialContext error: dial tcp: i/o timeout\" connIndex=0 event=0 ip=198.41.192.7",
                .connectFailed
            ),
            (
                "ERR Unable to establish connection with Cloudflare edge error=\"TLS handshake timeout\" connIndex=1 event=0 ip=198.41.192.7",
                .connectFailed
            ),
            (
                "ERR Failed to dial a quic connection error=\"failed to dial to edge with quic: timeout: no recent network activity\" connIndex=0 event=0 ip=198.41.192.7",
                .connectFailed
            ),
            ("ERR initial tunnel connection failed error=\"there are no free edge addresses left to resolve to\" connIndex=0", .connectFailed),
            // supervisor/tunnel.go:264, :422
            ("INF Retrying connection in up to 2s connIndex=2 event=0 ip=198.41.200.113", .retrying),
            ("INF Restarting connection due to reconnect signal in 10s connIndex=0 event=0 ip=198.41.192.7", .retrying),
            // connection/observer.go:66
            (
                "INF Registered tunnel connection connIndex=2 connection=6b2a5c4e-8f4d-4c36-9d6f-1d2c1a0b9e11 event=0 ip=198.41.200.113 location=ams08 protocol=quic",
                .registered
            ),
            // connection/control.go:145
            ("INF Unregistered tunnel connection connIndex=1 event=0 ip=198.41.192.7", .unregistered),
            // cmd/cloudflared/tunnel/signal.go:19
            ("INF Initiating graceful shutdown due to signal terminated ...", .shuttingDown),
            // cmd/cloudflared/tunnel/cmd.go:573
            ("ERR Initiating shutdown error=\"context canceled\"", .shuttingDown),
            ("ERR Initiating shutdown error=\"cloudflared has been updated to version 2026.5.0\"", .exitAfterUpdate),
            // cmd/cloudflared/tunnel/cmd.go:515; supervisor/supervisor.go:178
            ("INF Tunnel server stopped", .stopped),
            ("ERR no more connections active and exiting", .stopped),
            // cmd/cloudflared/tunnel/subcommand_context.go:279
            ("INF Starting tunnel tunnelID=4f0c6e1a-2b7d-4b8e-9a55-0d3f1e2c7b90", .starting),
            // cmd/cloudflared/updater/update.go:193
            ("INF cloudflared has been updated version=2026.5.0", .updated),
        ])
    func messageTexts(line: String, kind: TunnelEventKind) {
        guard case .event(let e) = TunnelLogParser.parseLine("2026-06-10T21:10:03Z " + line) else {
            Issue.record("not recognised: \(line)")
            return
        }
        #expect(e.kind == kind)
        #expect(e.time == t0)
    }

    @Test func fieldsLevelAndIdleTimeout() throws {
        let line = "2026-06-10T21:10:03Z ERR Connection terminated error=\"timeout: no recent network activity\" connIndex=2"
        guard case .event(let e) = TunnelLogParser.parseLine(line[...], number: 7) else {
            Issue.record("no event")
            return
        }
        #expect(e.level == .error)
        #expect(e.connIndex == 2)
        #expect(e.error == "timeout: no recent network activity")
        #expect(e.isIdleTimeout)
        #expect(e.message == "Connection terminated")
        #expect(e.raw == line && e.line == 7)
        #expect(e.pod == nil && e.receivedAt == nil && e.loggedAt == t0)
    }

    @Test func registeredFields() {
        let line =
            "2026-06-10T21:10:03Z INF Registered tunnel connection connIndex=0 connection=6b2a5c4e event=0 ip=198.41.192.7 location=ams08 protocol=quic"
        guard case .event(let e) = TunnelLogParser.parseLine(line[...]) else {
            Issue.record("no event")
            return
        }
        #expect(e.field("location") == "ams08" && e.field("protocol") == "quic" && e.connIndex == 0)
        #expect(!e.isIdleTimeout)
    }

    @Test("kubectl --timestamps --prefix: pod, container, Kubernetes' nanosecond time first")
    func prefixAndTimestamps() {
        let line =
            "[pod/cloudflared-6d5f7c9b8-x2k4q/cloudflared] 2026-06-10T21:10:03.512345678Z 2026-06-10T21:10:03Z INF Retrying connection in up to 1s connIndex=2 event=0 ip=198.41.200.113"
        guard case .event(let e) = TunnelLogParser.parseLine(line[...]) else {
            Issue.record("no event")
            return
        }
        #expect(e.kind == .retrying)
        #expect(e.pod == "cloudflared-6d5f7c9b8-x2k4q" && e.container == "cloudflared")
        #expect(e.receivedAt == t0 + 512_345 && e.loggedAt == t0 && e.time == t0 + 512_345)
        #expect(e.connIndex == 2)
    }

    @Test("--timestamps without --prefix, and --prefix without --timestamps")
    func eachFlagAlone() {
        guard case .event(let a) = TunnelLogParser.parseLine("2026-06-10T21:10:04.000001Z 2026-06-10T21:10:03Z INF Tunnel server stopped") else {
            Issue.record("timestamps only")
            return
        }
        #expect(a.receivedAt == t0 + 1_000_001 && a.loggedAt == t0 && a.pod == nil)
        guard case .event(let b) = TunnelLogParser.parseLine("[pod/cf-1/cloudflared] 2026-06-10T21:10:03Z INF Starting tunnel tunnelID=x") else {
            Issue.record("prefix only")
            return
        }
        #expect(b.pod == "cf-1" && b.receivedAt == nil && b.time == t0 && b.kind == .starting)
    }

    @Test func offsetsAndColour() {
        guard
            case .event(let e) = TunnelLogParser.parseLine(
                "2026-06-10T23:10:03+02:00 \u{1B}[1m\u{1B}[31mERR\u{1B}[0m\u{1B}[0m Connection terminated \u{1B}[36merror=\u{1B}[0m\"x\" connIndex=1")
        else {
            Issue.record("no event")
            return
        }
        #expect(e.time == t0 && e.level == .error && e.connIndex == 1 && e.error == "x")
    }

    @Test("the bare exit text of the updater (urfave/cli prints the exit coder's message)")
    func bareUpdateExit() {
        guard case .event(let e) = TunnelLogParser.parseLine("cloudflared has been updated to version 2026.5.0") else {
            Issue.record("no event")
            return
        }
        #expect(e.kind == .exitAfterUpdate && e.time == nil && e.level == nil)
        #expect(TunnelEventKind.exitAfterUpdate.severs)
        // With --timestamps --prefix, the same text carries Kubernetes' time and the pod.
        let log = TunnelLogParser.parse("[pod/cf-c/cloudflared] 2026-06-10T21:10:03.000000000Z cloudflared has been updated to version 2026.5.0\r\n")
        #expect(log.events.first?.kind == .exitAfterUpdate && log.events.first?.time == t0 && log.events.first?.pod == "cf-c")
        #expect(log.lines == 1 && log.unrecognisedLines == 0)
    }

    @Test("unrecognised lines are counted, other cloudflared lines are counted apart, nothing is fatal")
    func countsInterleavedPods() {
        let text = """
            [pod/cf-a/cloudflared] 2026-06-10T21:10:03.100000000Z 2026-06-10T21:10:03Z ERR Connection terminated error="timeout: no recent network activity" connIndex=2
            [pod/cf-b/cloudflared] 2026-06-10T21:10:03.200000000Z 2026-06-10T21:10:03Z INF Updated to new configuration config="{}" version=7
            [pod/cf-a/cloudflared] 2026-06-10T21:10:04.100000000Z 2026-06-10T21:10:04Z INF Retrying connection in up to 1s connIndex=2 event=0 ip=198.41.200.113
            panic: something the operator pasted
            [pod/cf-a/cloudflared] 2026-06-10T21:10:05.100000000Z 2026-06-10T21:10:05Z INF Registered tunnel connection connIndex=2 connection=abc event=0 ip=198.41.200.113 location=ams08 protocol=quic

            ERR Connection terminated error="no time"
            2026-06-10T21:10:03Z Connection terminated connIndex=1
            """
        let log = TunnelLogParser.parse(text)
        #expect(log.events.map(\.kind) == [.connectionTerminated, .retrying, .registered])
        #expect(log.events.map(\.line) == [1, 3, 5])
        #expect(log.otherLines == 1)
        #expect(log.unrecognisedLines == 3)
        #expect(log.lines == 7)
        #expect(log.pods == ["cf-a"])
        #expect(log.events(from: t0 + 1_000_000, to: t0 + 2_000_000).map(\.kind) == [.retrying])
    }

    @Test("a hostile message cannot forge fields before the real ones")
    func quotedValues() {
        let line = #"2026-06-10T21:10:03Z ERR Connection terminated error="a \"connIndex=9\" b\\c" connIndex=2"#
        guard case .event(let e) = TunnelLogParser.parseLine(line[...]) else {
            Issue.record("no event")
            return
        }
        #expect(e.error == #"a "connIndex=9" b\c"#)
        #expect(e.connIndex == 2)
    }

    @Test func badTimes() {
        #expect(TunnelLogParser.leadingTime("2026-13-10T21:10:03Z x") == nil)
        #expect(TunnelLogParser.leadingTime("2026-06-10T21:10:03 x") == nil)
        #expect(TunnelLogParser.leadingTime("2026-06-10T21:10:03.Z") == nil)
        #expect(TunnelLogParser.leadingTime("2026-06-10T21:10:03Z")?.0 == t0)
    }
}
