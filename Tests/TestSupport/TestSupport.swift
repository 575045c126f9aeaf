import Foundation
import Glibc
import Testing

/// Sanitizer reports in a child's stderr fail the test that ran it, whatever
/// the exit status: ThreadSanitizer's default exit code (66) is also t3attr's
/// "no input", so a race in a test that expects 66 would otherwise pass.
/// `make test-sanitize` gives both sanitizers their own exit codes too.
public enum Sanitizer {
    /// Exit codes `make test-sanitize` sets (`ASAN_OPTIONS`/`TSAN_OPTIONS` `exitcode=`).
    public static let asanExitCode: Int32 = 86
    public static let tsanExitCode: Int32 = 87

    /// The first line of a sanitizer report in `stderr`, if any.
    public static func report(in stderr: String) -> String? {
        for line in stderr.split(separator: "\n") {
            if line.contains("WARNING: ThreadSanitizer") || line.contains("ERROR: AddressSanitizer")
                || line.contains("ERROR: LeakSanitizer") || line.contains("SUMMARY: UndefinedBehaviorSanitizer")
                || line.contains("ERROR: ThreadSanitizer") || line.contains(": runtime error: ")
                || line.hasPrefix("runtime error: ")
            {
                return String(line)
            }
        }
        return nil
    }

    /// Records a test failure when `stderr` holds a sanitizer report or the
    /// status is a sanitizer's exit code.
    public static func check(
        _ exe: String, _ args: [String], status: Int32, stderr: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let what = ([exe] + args).joined(separator: " ")
        if let line = report(in: stderr) {
            Issue.record(
                "sanitizer report from `\(what)` (status \(status)): \(line)\n\(stderr.prefix(4000))",
                sourceLocation: sourceLocation)
        } else if status == asanExitCode || status == tsanExitCode {
            Issue.record(
                "`\(what)` exited \(status), a sanitizer's exit code:\n\(stderr.prefix(4000))",
                sourceLocation: sourceLocation)
        }
    }
}

/// Paths and tools the tests share. Anything missing fails loudly: a test
/// run without systemd-journal-remote or journalctl is not a pass.
public enum Fixtures {
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    public static var directory: URL { packageRoot.appendingPathComponent("Tests/Fixtures") }

    public static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    public static let journalRemote = "/lib/systemd/systemd-journal-remote"

    /// The t3attr binary `swift build` made (or `T3ATTR_BIN`).
    public static var binary: String {
        if let b = ProcessInfo.processInfo.environment["T3ATTR_BIN"] { return b }
        for config in ["debug", "release"] {
            let p = packageRoot.appendingPathComponent(".build/\(config)/t3attr").path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return packageRoot.appendingPathComponent(".build/debug/t3attr").path
    }

    public struct Missing: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// A new temporary directory. The caller may remove it; whatever is left
    /// is removed when the test process exits (a suite run leaves nothing in /tmp).
    public static func tempDir(_ tag: String = "t3attr-test") throws -> String {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(tag)-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        TempDirs.shared.add(dir)
        return dir
    }

    /// Builds a real journal file from `Tests/Fixtures/<name>.export` with
    /// systemd-journal-remote and returns its path.
    public static func journal(_ name: String, in dir: String? = nil, fileName: String? = nil) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: journalRemote) else {
            throw Missing(description: "\(journalRemote) is missing: apt-get install systemd-journal-remote (make test does)")
        }
        let d = try dir ?? tempDir()
        let out = d + "/" + (fileName ?? name + ".journal")
        let r = try run(journalRemote, ["--output=" + out, path(name + ".export")])
        guard r.status == 0, FileManager.default.fileExists(atPath: out) else {
            throw Missing(description: "systemd-journal-remote failed on \(name).export: \(r.stderr)")
        }
        return out
    }

    /// Builds a journal from export text given inline.
    public static func journal(exportText: Data, in dir: String? = nil, fileName: String = "inline.journal") throws -> String {
        let d = try dir ?? tempDir()
        let src = d + "/" + fileName + ".export"
        try exportText.write(to: URL(fileURLWithPath: src))
        let out = d + "/" + fileName
        let r = try run(journalRemote, ["--output=" + out, src])
        guard r.status == 0 else { throw Missing(description: "systemd-journal-remote failed: \(r.stderr)") }
        return out
    }

    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var stdoutData: Data
    }

    /// Runs a program to completion (environment: the test's, plus `env`,
    /// minus `unset`). posix_spawn with close-on-exec pipes: tests run in
    /// parallel, and a child that inherited another test's pipe would keep
    /// that test from ever seeing end-of-file.
    public static func run(
        _ exe: String, _ args: [String], env: [String: String] = [:], stdin: Data? = nil,
        unset: [String] = []
    ) throws -> Result {
        guard FileManager.default.isExecutableFile(atPath: exe) else {
            throw Missing(description: "\(exe) is missing or not executable")
        }
        var e = ProcessInfo.processInfo.environment
        e["TZ"] = e["TZ"] ?? "UTC"
        for (k, v) in env { e[k] = v }
        for k in unset { e.removeValue(forKey: k) }
        var inPipe: [Int32] = [0, 0]
        var outPipe: [Int32] = [0, 0]
        var errPipe: [Int32] = [0, 0]
        guard pipe(&inPipe) == 0, pipe(&outPipe) == 0, pipe(&errPipe) == 0 else {
            throw Missing(description: "pipe: \(String(cString: strerror(errno)))")
        }
        // Close-on-exec: no other child (of a test running in parallel) inherits them.
        for fd in inPipe + outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        let argv: [UnsafeMutablePointer<CChar>?] = ([exe] + args).map { (w: String) in strdup(w) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = e.map { (k: String, v: String) in strdup("\(k)=\(v)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid: pid_t = 0
        let r = posix_spawn(&pid, exe, &actions, nil, argv, envp)
        close(inPipe[0])
        close(outPipe[1])
        close(errPipe[1])
        guard r == 0 else {
            close(inPipe[1])
            close(outPipe[0])
            close(errPipe[0])
            throw Missing(description: "cannot run \(exe): \(String(cString: strerror(r)))")
        }
        // Feed stdin and drain stdout and stderr together. A child that dies
        // before reading all its input is a failed test, not a killed test run.
        signal(SIGPIPE, SIG_IGN)
        let input = [UInt8](stdin ?? Data())
        var written = 0
        var inFD: Int32 = inPipe[1]
        if input.isEmpty {
            close(inFD)
            inFD = -1
        } else {
            _ = fcntl(inFD, F_SETFL, O_NONBLOCK)
        }
        var out = [UInt8]()
        var err = [UInt8]()
        var open: [Int32] = [outPipe[0], errPipe[0]]
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while !open.isEmpty || inFD >= 0 {
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if inFD >= 0 { fds.append(pollfd(fd: inFD, events: Int16(POLLOUT), revents: 0)) }
            if poll(&fds, nfds_t(fds.count), -1) < 0 { if errno == EINTR { continue } else { break } }
            for f in fds where f.revents != 0 {
                if f.fd == inFD {
                    let n = input[written...].withUnsafeBytes { Glibc.write(inFD, $0.baseAddress, $0.count) }
                    if n > 0 { written += n }
                    if n < 0 && errno != EAGAIN && errno != EINTR || written == input.count {
                        close(inFD)
                        inFD = -1
                    }
                } else {
                    let n = read(f.fd, &buf, buf.count)
                    if n > 0 {
                        if f.fd == outPipe[0] { out += buf[0..<n] } else { err += buf[0..<n] }
                    } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                        close(f.fd)
                        open.removeAll { $0 == f.fd }
                    }
                }
            }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let errText = String(decoding: err, as: UTF8.self)
        Sanitizer.check(exe, args, status: code, stderr: errText)
        return Result(
            status: code, stdout: String(decoding: out, as: UTF8.self),
            stderr: errText, stdoutData: Data(out))
    }

    /// A process started in the background with posix_spawn: stdin from
    /// /dev/null, stdout to `stdoutPath` (or /dev/null), stderr to a
    /// temporary file that `stop` checks for sanitizer reports, signals
    /// unblocked. Foundation's Process is not used: its reaping races with
    /// children spawned from other test threads.
    public struct Background: Sendable {
        public let pid: pid_t
        public let exe: String
        public let args: [String]
        /// Where the child's stderr goes.
        public let stderrPath: String
        /// When it was started.
        public var started = Date()

        /// Sends `signal` and waits for the exit status; a sanitizer report
        /// on the child's stderr fails the calling test.
        public func stop(_ signal: Int32 = SIGKILL, sourceLocation: SourceLocation = #_sourceLocation) -> Int32 {
            kill(pid, signal)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            let code: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            let err = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(atPath: stderrPath)
            Sanitizer.check(exe, args, status: code, stderr: err, sourceLocation: sourceLocation)
            return code
        }

        /// Whether the child has ended (it is not reaped: `stop` still gets its status).
        public var hasExited: Bool {
            var info = siginfo_t()
            return waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_signo == SIGCHLD
        }

        /// What the child wrote on stderr so far.
        public var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
    }

    public static func background(_ exe: String, _ args: [String], stdoutPath: String? = nil, stdinPath: String? = nil) throws -> Background {
        let started = Date()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdinPath ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath ?? "/dev/null", O_WRONLY | O_APPEND | O_CREAT, 0o644)
        let errPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("t3attr-bg-\(UUID().uuidString.prefix(8)).stderr").path
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK))
        var e = ProcessInfo.processInfo.environment
        e["TZ"] = e["TZ"] ?? "UTC"
        let argv: [UnsafeMutablePointer<CChar>?] = ([exe] + args).map { (w: String) in strdup(w) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = e.map { (k: String, v: String) in strdup("\(k)=\(v)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid: pid_t = 0
        let r = posix_spawn(&pid, exe, &actions, &attr, argv, envp)
        guard r == 0 else { throw Missing(description: "cannot run \(exe): \(String(cString: strerror(r)))") }
        return Background(pid: pid, exe: exe, args: args, stderrPath: errPath, started: started)
    }

    /// Runs the built t3attr.
    public static func t3attr(_ args: [String], env: [String: String] = [:], stdin: Data? = nil) throws -> Result {
        try run(binary, args, env: env, stdin: stdin)
    }

    /// The cursors `journalctl ARGS -o export` prints: the oracle for selection.
    public static func journalctlCursors(_ args: [String]) throws -> [String] {
        let r = try run("/usr/bin/journalctl", args + ["-o", "export", "--no-pager"])
        guard r.status == 0 else { throw Missing(description: "journalctl \(args) failed: \(r.stderr)") }
        return r.stdout.split(separator: "\n").compactMap { line in
            line.hasPrefix("__CURSOR=") ? String(line.dropFirst(9)) : nil
        }
    }

    /// Parses NDJSON output into objects.
    public static func ndjson(_ s: String) throws -> [[String: Any]] {
        try s.split(separator: "\n").map { line in
            guard let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw Missing(description: "not a JSON object: \(line)")
            }
            return o
        }
    }
}

/// The directories `Fixtures.tempDir` made in this process, removed at exit.
final class TempDirs: @unchecked Sendable {
    static let shared = TempDirs()
    private let lock = NSLock()
    private var dirs: [String] = []
    private var registered = false

    func add(_ dir: String) {
        lock.withLock {
            dirs.append(dir)
            if !registered {
                registered = true
                atexit { TempDirs.shared.removeAll() }
            }
        }
    }

    func removeAll() {
        for d in lock.withLock({ dirs }) { try? FileManager.default.removeItem(atPath: d) }
    }
}

/// One drop of a scenario's hand-written expectations (`<name>.expected.json`,
/// written by tools/fixtures.py independently of the Swift code).
public struct ExpectedDrop: Decodable, Sendable {
    public var realtimeUsec: Int
    public var verdict: String
    public var reason: String
    public var message: String?
    /// Fleet scenarios: the host the drop must name.
    public var host: String?

    /// `<realtime_usec> <verdict>/<reason>`, the form tests compare.
    public var key: String { "\(realtimeUsec) \(verdict)/\(reason)" }

    enum CodingKeys: String, CodingKey {
        case realtimeUsec = "realtime_usec"
        case verdict
        case reason
        case message
        case host
    }
}

extension Fixtures {
    /// The hand-written expected drops of a scenario fixture.
    public static func expectedDrops(_ name: String) throws -> [ExpectedDrop] {
        try JSONDecoder().decode([ExpectedDrop].self, from: Data(contentsOf: URL(fileURLWithPath: path(name + ".expected.json"))))
    }
}
