/// Which way a connection failure points: towards the browser side
/// (Cloudflare, tunnel, Traefik, the user's network) or towards the serve.
public enum Side: String, Sendable, Codable, CaseIterable {
    case downstream, upstream, unknown
}

/// The class of a Go network error text, as printed after
/// `http: proxy error: ` or in a raw `ws close ... cause=`.
public enum ErrorClass: String, Sendable, Codable, CaseIterable {
    case canceled, refused, reset
    case brokenPipe = "broken_pipe"
    case eof
    case unexpectedEOF = "unexpected_eof"
    case timeout, other
    /// `connect: cannot assign requested address`: the host ran out of
    /// ephemeral ports (issue 13, section 6).
    case addressExhausted = "address_exhausted"
    /// `use of closed network connection`: dispatch closed its own socket.
    case closedByDispatch = "closed_by_dispatch"
}

/// A TCP endpoint from a Go error text (`127.0.0.1:3773`, `[::1]:3773`).
public struct Endpoint: Sendable, Equatable {
    public var host: String
    /// nil when the text had no valid port (non-numeric or out of range).
    public var port: Int?

    public var isLoopback: Bool {
        host.hasPrefix("127.") || host == "::1" || host == "localhost"
    }

    /// Parses `host:port` or `[v6]:port`; nil when there is no colon at all.
    public static func parse<C: Collection>(_ bytes: C) -> Endpoint? where C.Element == UInt8, C.Index == Int {
        let a = Array(bytes)
        guard let colon = a.lastIndex(of: UInt8(ascii: ":")) else { return nil }
        var host = Array(a[..<colon])
        if host.first == UInt8(ascii: "["), host.last == UInt8(ascii: "]") {
            host = Array(host.dropFirst().dropLast())
        }
        let portBytes = a[(colon + 1)...]
        var port: Int?
        if let p = parseUInt(portBytes), p >= 1, p <= 65535 { port = Int(p) }
        return Endpoint(host: text(host), port: port)
    }
}

/// What a Go error text says: class, side and the serve port when there is one.
public struct GoErrorInfo: Sendable, Equatable {
    public var errorClass: ErrorClass
    public var side: Side
    /// The serve port the error points at (upstream side only).
    public var port: Int?
    public var local: Endpoint?
    public var peer: Endpoint?

    public init(errorClass: ErrorClass, side: Side, port: Int? = nil, local: Endpoint? = nil, peer: Endpoint? = nil) {
        self.errorClass = errorClass
        self.side = side
        self.port = port
        self.local = local
        self.peer = peer
    }
}

public enum GoError {
    /// The port t3-dispatch listens on; a connection whose local end is this
    /// port was accepted from the front (Traefik), so its peer is downstream.
    public static let defaultDispatchPort = 3780

    /// Classifies a Go error text (bytes after `http: proxy error: `).
    ///
    /// Direction comes from the tcp tuple (`local->peer`), not from the words:
    /// the end after `->` is the one that reset, went away or did not answer.
    public static func classify<C: Collection>(_ err: C, dispatchPort: Int = defaultDispatchPort) -> GoErrorInfo
    where C.Element == UInt8, C.Index == Int {
        let dial = dialAddress(err)
        let tuple = tcpTuple(err)
        func fromTuple(_ cls: ErrorClass) -> GoErrorInfo {
            if let dial {
                return GoErrorInfo(errorClass: cls, side: .upstream, port: dial.port, peer: dial)
            }
            guard let (local, peer) = tuple else { return GoErrorInfo(errorClass: cls, side: .unknown) }
            if local.port == dispatchPort || !peer.isLoopback {
                return GoErrorInfo(errorClass: cls, side: .downstream, local: local, peer: peer)
            }
            return GoErrorInfo(errorClass: cls, side: .upstream, port: peer.port, local: local, peer: peer)
        }
        // Issue 13, section 6: classified by the side that failed, Go's own texts.
        // `context canceled`; `operation was canceled` (net's errCanceled: the
        // request's context ended while dialling, i.e. the client went away);
        // `net/http: request canceled` (net/http's errRequestCanceled).
        if err.contains("context canceled") || err.contains("operation was canceled") || err.contains("net/http: request canceled") {
            return GoErrorInfo(errorClass: .canceled, side: .downstream)
        }
        // EADDRNOTAVAIL on connect: no free ephemeral port on this host.
        if err.contains("cannot assign requested address") {
            return GoErrorInfo(errorClass: .addressExhausted, side: .unknown, peer: dial ?? tuple?.1)
        }
        // net.ErrClosed: dispatch used a socket it had closed itself; not the serve.
        if err.contains("use of closed network connection") {
            return GoErrorInfo(errorClass: .closedByDispatch, side: .unknown, local: tuple?.0, peer: tuple?.1)
        }
        // net/http's errServerClosedIdle: the serve closed a kept-alive connection.
        if err.contains("http: server closed idle connection") {
            var info = fromTuple(.eof)
            info.side = .upstream
            return info
        }
        // net/http/httputil: `backend tried to switch protocol %q when %q was requested`
        // and `backend tried to switch to protocol %q when %q was requested`.
        if err.contains("backend tried to switch") {
            var info = fromTuple(.other)
            info.side = .upstream
            return info
        }
        if err.contains("connection refused") {
            var info = fromTuple(.refused)
            if info.side == .unknown { info.side = .upstream }
            return info
        }
        if err.contains("connection reset by peer") { return fromTuple(.reset) }
        if err.contains("broken pipe") { return fromTuple(.brokenPipe) }
        if err.contains("unexpected EOF") {
            var info = fromTuple(.unexpectedEOF)
            if info.side == .unknown { info.side = .upstream }
            return info
        }
        if err.contains("EOF") {
            var info = fromTuple(.eof)
            if info.side == .unknown { info.side = .upstream }
            return info
        }
        if err.contains("timeout") || err.contains("deadline exceeded") || err.contains("timed out") {
            return fromTuple(.timeout)
        }
        var info = fromTuple(.other)
        if tuple == nil && dial == nil { info.side = .unknown }
        return info
    }

    /// `dial tcp ADDR: ...` -> ADDR.
    static func dialAddress<C: Collection>(_ err: C) -> Endpoint? where C.Element == UInt8, C.Index == Int {
        guard let r = err.firstRange(of: "dial tcp ") else { return nil }
        let start = r.upperBound
        let end = err.firstRange(of: ": ", from: start)?.lowerBound ?? err.endIndex
        guard start < end else { return nil }
        return Endpoint.parse(err[start..<end])
    }

    /// `read tcp A->B: ...` / `write tcp A->B: ...` -> (A, B).
    static func tcpTuple<C: Collection>(_ err: C) -> (Endpoint, Endpoint)? where C.Element == UInt8, C.Index == Int {
        guard let r = err.firstRange(of: "tcp ") else { return nil }
        let start = r.upperBound
        let end = err.firstRange(of: ": ", from: start)?.lowerBound ?? err.endIndex
        guard start < end, let arrow = err.firstRange(of: "->", from: start), arrow.upperBound <= end else {
            return nil
        }
        guard let a = Endpoint.parse(err[start..<arrow.lowerBound]),
            let b = Endpoint.parse(err[arrow.upperBound..<end])
        else { return nil }
        return (a, b)
    }
}
