import CCurl
import Dispatch
import Glibc

/// A URL as t3attr shows it: user and password (`http://user:secret@host`)
/// replaced by `***`, so that a ticket, a note, an error or a state file
/// never carries them (as curl and git show URLs). `as: ""`: without them at
/// all, for a command meant to be run (curl would send the user `***`).
public func redactedURL(_ s: String, as shown: String = "***") -> String {
    // The authority starts after the scheme, or after `//`, or at the start:
    // a URL typed without its scheme (`admin:pw@devvm:19531`) is refused, and
    // the refusal shows it.
    let start =
        s.range(of: "://")?.upperBound ?? (s.hasPrefix("//") ? s.index(s.startIndex, offsetBy: 2) : s.startIndex)
    let rest = s[start...]
    let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
    guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return s }
    return String(s[..<start]) + (shown.isEmpty ? String(s[s.index(after: at)...]) : shown + String(s[at...]))
}

/// One HTTP GET, for the gateway (`--url`) and Prometheus (`--prometheus`):
/// libcurl, loaded the first time a request is made (issue 16: linking it,
/// through FoundationNetworking, cost every run about 6 ms of start-up).
/// Redirects are not followed; only http and https are spoken.
public enum HTTPGet {
    /// The response's status line and the headers t3attr looks at.
    public struct Head: Sendable, Equatable {
        public var status: Int
        public var contentType: String?
        public var location: String?
    }

    public enum Failure: Error, Equatable {
        /// libcurl is not installed (the text says which package to install).
        case unavailable(String)
        /// A timeout fired: connecting, a silent server, or the whole request
        /// (`after`: seconds since the request began, which tells them apart).
        case timedOut(String, after: Double)
        /// `head` or `body` said stop.
        case stopped
        /// Anything else libcurl reports (refused, DNS, TLS, a cut stream...).
        case failed(String)

        public var text: String {
            switch self {
            case .unavailable(let t), .timedOut(let t, _), .failed(let t): t
            case .stopped: "stopped"
            }
        }
    }

    /// The timeouts of one request, in seconds; nil: none.
    public struct Timeouts: Sendable {
        /// Connecting may take this long.
        public var connect: Double?
        /// A connected server may send nothing for this long.
        public var idle: Double?
        /// The whole request may take this long.
        public var total: Double?
        public init(connect: Double? = nil, idle: Double? = nil, total: Double? = nil) {
            self.connect = connect
            self.idle = idle
            self.total = total
        }
    }

    /// GETs `url`; `head` sees the response's head once, before any body,
    /// `body` each piece of the body as it arrives (both on the calling
    /// thread); either returns false to stop. Returns the head (status 0
    /// when none arrived) and why the request did not complete, if it did not.
    public static func run(
        _ url: String, accept: String? = nil, timeouts: Timeouts = Timeouts(),
        head: (Head) -> Bool = { _ in true }, body: (UnsafeRawBufferPointer) -> Bool
    ) -> (Head, Failure?) {
        withoutActuallyEscaping(head) { head in
            withoutActuallyEscaping(body) { body in
                let handlers = Handlers(head: head, body: body)
                let began = DispatchTime.now().uptimeNanoseconds
                var req = ccurl_request()
                req.connect_timeout_ms = milliseconds(timeouts.connect)
                req.idle_timeout_s = timeouts.idle.map { max(1, Int(($0).rounded(.up))) } ?? 0
                req.total_timeout_ms = milliseconds(timeouts.total)
                var h = ccurl_head()
                var error = [CChar](repeating: 0, count: Int(CCURL_ERROR_SIZE))
                let r: Int32 = url.withCString { u in
                    func go(_ a: UnsafePointer<CChar>?) -> Int32 {
                        req.url = u
                        req.accept = a
                        return withExtendedLifetime(handlers) {
                            ccurl_get(&req, onHead, onBody, Unmanaged.passUnretained(handlers).toOpaque(), &h, &error)
                        }
                    }
                    return accept.map { $0.withCString { go($0) } } ?? go(nil)
                }
                let out = Head(status: h.status, contentType: text(of: &h.content_type), location: text(of: &h.location))
                let message = String(decoding: error.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                switch r {
                case 0: return (out, nil)
                case CCURL_UNAVAILABLE: return (out, .unavailable(message))
                case CCURL_STOPPED: return (out, .stopped)
                case CCURL_TIMED_OUT: return (out, .timedOut(message, after: Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9))
                default: return (out, .failed(message))
                }
            }
        }
    }

    private static func milliseconds(_ s: Double?) -> Int {
        guard let s, s > 0 else { return 0 }
        return max(1, Int((s * 1000).rounded(.up)))
    }

    /// A fixed-size C string field of the head; nil when empty.
    private static func text<T>(of field: inout T) -> String? {
        let s = withUnsafeBytes(of: &field) { b in
            String(decoding: b.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        return s.isEmpty ? nil : s
    }

    private final class Handlers {
        let head: (Head) -> Bool
        let body: (UnsafeRawBufferPointer) -> Bool
        init(head: @escaping (Head) -> Bool, body: @escaping (UnsafeRawBufferPointer) -> Bool) {
            self.head = head
            self.body = body
        }
    }

    private static let onHead: ccurl_head_fn = { ctx, h in
        guard let ctx, var h = h?.pointee else { return 0 }
        let handlers = Unmanaged<Handlers>.fromOpaque(ctx).takeUnretainedValue()
        let head = Head(status: h.status, contentType: text(of: &h.content_type), location: text(of: &h.location))
        return handlers.head(head) ? 1 : 0
    }

    private static let onBody: ccurl_body_fn = { ctx, data, len in
        guard let ctx else { return 0 }
        let handlers = Unmanaged<Handlers>.fromOpaque(ctx).takeUnretainedValue()
        return handlers.body(UnsafeRawBufferPointer(start: data, count: len)) ? 1 : 0
    }
}
