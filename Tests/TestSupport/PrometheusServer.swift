import Foundation
import Glibc

/// A real Prometheus over a committed OpenMetrics fixture, started by a test and stopped by it:
/// `promtool tsdb create-blocks-from openmetrics` turns the fixture into TSDB blocks, then
/// `prometheus` serves them on a free loopback port. Also the other servers the client's failure
/// tests need (a plain HTTP file server, a listener that never answers). Every one is stopped with
/// `stop()`; call it in a `defer`.
public final class PrometheusServer: @unchecked Sendable {
    public static let prometheus = "/usr/bin/prometheus"
    public static let promtool = "/usr/bin/promtool"

    public let port: UInt16
    public let dir: String
    let process: BackgroundProcess
    public var url: String { "http://127.0.0.1:\(port)" }

    init(port: UInt16, dir: String, process: BackgroundProcess) {
        self.port = port
        self.dir = dir
        self.process = process
    }

    /// Starts Prometheus over `Tests/Fixtures/prometheus/<name>.om`. Retries on a port taken
    /// between choosing it and binding it; fails loudly (with Prometheus' log) when not ready in time.
    public static func start(fixture name: String, readyTimeout: Double = 60) throws -> PrometheusServer {
        for tool in [prometheus, promtool] where !FileManager.default.isExecutableFile(atPath: tool) {
            throw Fixtures.Missing(description: "\(tool) is missing: apt-get install prometheus (make test does)")
        }
        let dir = try Fixtures.tempDir("t3attr-prom")
        do {
            let data = dir + "/data"
            let fixture = Fixtures.path("prometheus/\(name).om")
            let r = try Fixtures.run(promtool, ["tsdb", "create-blocks-from", "openmetrics", fixture, data])
            guard r.status == 0 else {
                throw Fixtures.Missing(description: "promtool create-blocks-from openmetrics \(fixture) failed: \(r.stdout) \(r.stderr)")
            }
            let config = dir + "/prometheus.yml"
            try "global:\n  scrape_interval: 15s\n".write(toFile: config, atomically: true, encoding: .utf8)
            var lastLog = ""
            for attempt in 1...5 {
                let port = try freePort()
                let log = dir + "/prometheus-\(attempt).log"
                let p = try BackgroundProcess(
                    prometheus,
                    [
                        "--storage.tsdb.path=" + data, "--config.file=" + config,
                        "--web.listen-address=127.0.0.1:\(port)",
                        // The fixtures are dated 2026-06: keep them whatever today's date is.
                        "--storage.tsdb.retention.time=100y",
                        "--log.level=warn",
                    ], log: log)
                let server = PrometheusServer(port: port, dir: dir, process: p)
                let deadline = Date().addingTimeInterval(readyTimeout)
                while Date() < deadline {
                    if let (status, _) = httpGet(port: port, path: "/-/ready", timeout: 1), status == 200 { return server }
                    if !p.isRunning { break }
                    usleep(100_000)
                }
                lastLog = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                let exited = !p.isRunning
                p.stop()
                if exited && lastLog.contains("address already in use") { continue }
                throw Fixtures.Missing(
                    description: exited
                        ? "prometheus exited before it was ready on port \(port): \(lastLog.suffix(2000))"
                        : "prometheus not ready on port \(port) after \(readyTimeout) s: \(lastLog.suffix(2000))")
            }
            throw Fixtures.Missing(description: "prometheus could not bind a free port in 5 attempts: \(lastLog.suffix(1000))")
        } catch {
            try? FileManager.default.removeItem(atPath: dir)
            throw error
        }
    }

    /// Stops Prometheus (TERM, then KILL) and removes its data.
    public func stop() {
        process.stop()
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// A loopback port nobody listens on right now (the kernel's choice for port 0).
    public static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Fixtures.Missing(description: "socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var addr = loopback(port: 0)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw Fixtures.Missing(description: "bind 127.0.0.1:0: \(String(cString: strerror(errno)))") }
        return UInt16(bigEndian: addr.sin_port)
    }

    static func loopback(port: UInt16) -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return addr
    }

    /// A minimal HTTP/1.0 GET on loopback: the status and body, or nil when nothing answered in time.
    public static func httpGet(port: UInt16, path: String, timeout: Double) -> (Int, String)? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = loopback(port: port)
        let connected = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else { return nil }
        let req = Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        guard write(fd, req, req.count) == req.count else { return nil }
        var out = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fd, &buf, buf.count)
            if n <= 0 { break }
            out += buf[0..<n]
        }
        let text = String(decoding: out, as: UTF8.self)
        let parts = text.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, let status = Int(parts[1]) else { return nil }
        let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
        return (status, body)
    }
}

/// `python3 -m http.server` over a directory: an HTTP server that is not Prometheus.
public final class PlainHTTPServer: @unchecked Sendable {
    public let port: UInt16
    public let dir: String
    let process: BackgroundProcess
    public var url: String { "http://127.0.0.1:\(port)" }

    /// Serves `files` (relative path → content) from a new temporary directory.
    public init(files: [String: String]) throws {
        let dir = try Fixtures.tempDir("t3attr-http")
        self.dir = dir
        for (path, content) in files {
            let full = dir + "/" + path
            try FileManager.default.createDirectory(
                atPath: (full as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true)
            try content.write(toFile: full, atomically: true, encoding: .utf8)
        }
        var lastError = ""
        for attempt in 1...5 {
            let port = try PrometheusServer.freePort()
            let p = try BackgroundProcess(
                "/usr/bin/python3", ["-m", "http.server", "--bind", "127.0.0.1", "--directory", dir, String(port)],
                log: dir + "/.server-\(attempt).log")
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline, p.isRunning {
                if PrometheusServer.httpGet(port: port, path: "/", timeout: 1) != nil {
                    self.port = port
                    self.process = p
                    return
                }
                usleep(100_000)
            }
            lastError = (try? String(contentsOfFile: dir + "/.server-\(attempt).log", encoding: .utf8)) ?? ""
            p.stop()
        }
        try? FileManager.default.removeItem(atPath: dir)
        throw Fixtures.Missing(description: "python3 -m http.server did not start: \(lastError.suffix(1000))")
    }

    public func stop() {
        process.stop()
        try? FileManager.default.removeItem(atPath: dir)
    }
}

/// A loopback socket that listens but never accepts or answers: connections complete (the
/// kernel's backlog) and then hang, like a stalled server.
public final class SilentListener: @unchecked Sendable {
    public let port: UInt16
    let fd: Int32
    public var url: String { "http://127.0.0.1:\(port)" }

    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Fixtures.Missing(description: "socket failed") }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        var addr = PrometheusServer.loopback(port: 0)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, len) == 0 && listen(fd, 16) == 0 && getsockname(fd, $0, &len) == 0
            }
        }
        guard ok else {
            close(fd)
            throw Fixtures.Missing(description: "listen on 127.0.0.1:0 failed")
        }
        self.fd = fd
        port = UInt16(bigEndian: addr.sin_port)
    }

    public func stop() { close(fd) }
}

/// A child process running in the background, its output in a log file, stopped by `stop()`.
final class BackgroundProcess: @unchecked Sendable {
    let pid: pid_t
    private var reaped = false
    private let lock = NSLock()

    init(_ exe: String, _ args: [String], log: String) throws {
        guard FileManager.default.isExecutableFile(atPath: exe) else {
            throw Fixtures.Missing(description: "\(exe) is missing or not executable")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = ([exe] + args).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = ProcessInfo.processInfo.environment.map { strdup("\($0)=\($1)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        // The test runner's thread may block signals and the child would inherit that mask:
        // start with none blocked and SIGTERM at its default, so `stop()` works at once.
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var none = sigset_t()
        var term = sigset_t()
        sigemptyset(&none)
        sigemptyset(&term)
        sigaddset(&term, SIGTERM)
        sigaddset(&term, SIGINT)
        posix_spawnattr_setsigmask(&attr, &none)
        posix_spawnattr_setsigdefault(&attr, &term)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let r = posix_spawn(&pid, exe, &actions, &attr, argv, envp)
        guard r == 0 else { throw Fixtures.Missing(description: "cannot run \(exe): \(String(cString: strerror(r)))") }
        self.pid = pid
    }

    var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        if reaped { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid {
            reaped = true
            return false
        }
        return true
    }

    /// SIGTERM, up to 5 s to exit, then SIGKILL; always reaped.
    func stop() {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        for _ in 0..<50 {
            usleep(100_000)
            if !isRunning { return }
        }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        lock.lock()
        reaped = true
        lock.unlock()
    }

    deinit { stop() }
}
