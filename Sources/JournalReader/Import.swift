import Foundation
import Glibc

/// Entries of a stream that were not imported, and why.
public struct SkippedEntries: Sendable, Equatable {
    public var source: String
    public var reason: String
    public var count: Int
    public init(source: String, reason: String, count: Int) {
        self.source = source
        self.reason = reason
        self.count = count
    }
}

/// Journal entries that arrive as a stream (`journalctl -o export` or
/// `-o json` over ssh, or a `systemd-journal-gatewayd`), turned into real
/// journal files by journald's own `systemd-journal-remote`, so that unit
/// selection and time windows behave exactly as with files. The original
/// cursors are kept (in `T3ATTR_CURSOR`) and reported instead of the
/// temporary files'.
///
/// journal-remote writes into a temporary directory and rotates its file
/// there when it fills (`input.journal` becomes `input@....journal`), so the
/// whole directory is the journal. Every entry fed is accounted for: entries
/// the converter refuses are counted with their reason, and the entries
/// journal-remote wrote are counted against those fed. Its standard error
/// goes to a file in the directory (never a pipe that could fill up).
public final class ImportedJournal {
    public let directory: String
    /// The file journal-remote writes (rotated files sit beside it).
    public let path: String
    /// The journal to open: every file in `directory`.
    public var source: JournalSource { .directory(directory) }
    /// Set when the stream ended early (the entries before it were kept).
    public private(set) var streamError: String?
    /// Entries in the written files.
    public private(set) var entries = 0
    /// Entries of the stream that were not imported, by reason.
    public private(set) var skippedEntries: [SkippedEntries] = []

    static let journalRemote = "/lib/systemd/systemd-journal-remote"
    public static let cursorField = "T3ATTR_CURSOR"

    let converter = ExportConverter()
    let name: String
    /// The converter is fed from the gateway's reading thread and finished from the caller's thread.
    private let feedLock = NSLock()
    private var input: Int32 = -1
    private var pid: pid_t = 0
    private var finished = false
    private var stopReason: String?
    private let logPath: String
    /// Set for a followed stream (`followStream`) before its thread starts.
    var follower: StreamFollower?

    init(label: String, name: String) throws(JournalError) {
        guard FileManager.default.isExecutableFile(atPath: Self.journalRemote) else {
            throw JournalError(.noInput, "reading a stream needs \(Self.journalRemote) (apt-get install systemd-journal-remote)")
        }
        ImportCleanup.install()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("t3attr-import-\(getpid())-\(UUID().uuidString.prefix(8))").path
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw JournalError(.system, "cannot create a temporary directory: \(error)")
        }
        directory = dir
        self.name = name
        path = dir + "/\(label).journal"
        logPath = dir + "/journal-remote.stderr"
        ImportCleanup.shared.add(directory: dir)
        do {
            (pid, input) = try Self.spawn(["--split-mode=none", "--output=" + path, "-"], stderr: logPath)
        } catch {
            remove()
            throw error
        }
        ImportCleanup.shared.setChild(pid, of: dir)
    }

    /// journal-remote with its standard input from a pipe (returned) and its
    /// standard error into a file; in its own process group (a Ctrl-C is for
    /// t3attr, which ends it), default signal dispositions.
    private static func spawn(_ args: [String], stderr: String) throws(JournalError) -> (pid_t, Int32) {
        var fds: [Int32] = [0, 0]
        guard cloexecPipe(&fds) else {
            throw JournalError(.system, "cannot make a pipe: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGINT, SIGTERM, SIGHUP, SIGPIPE] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setpgroup(&attr, 0)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
        let argv: [UnsafeMutablePointer<CChar>?] = ([journalRemote] + args).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let r = posix_spawn(&pid, journalRemote, &actions, &attr, argv, environ)
        close(fds[0])
        guard r == 0 else {
            close(fds[1])
            throw JournalError(.system, "cannot run \(journalRemote): \(String(cString: strerror(r)))")
        }
        return (pid, fds[1])
    }

    deinit { remove() }

    /// Ends journal-remote if it still runs and removes the directory.
    public func remove() {
        feedLock.withLock {
            if input >= 0 {
                close(input)
                input = -1
            }
            if pid > 0 {
                kill(pid, SIGKILL)
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                pid = 0
            }
        }
        try? FileManager.default.removeItem(atPath: directory)
        ImportCleanup.shared.remove(directory: directory)
    }

    /// Why the stream could not go on, once it cannot.
    var stopText: String? { feedLock.withLock { stopReason } }

    /// Entries handed to journal-remote so far.
    var entriesFed: Int { feedLock.withLock { converter.entries } }

    /// Converts and passes on a piece of the stream; false once the stream
    /// cannot go on (`stopReason` says why; what was passed on is kept).
    @discardableResult
    func feed(_ data: Data) -> Bool {
        feedLock.withLock {
            guard !finished, stopReason == nil else { return false }
            let out = converter.feed(data)
            if !out.isEmpty { writeOut(out) }
            if let s = converter.stopped, stopReason == nil { stopReason = s }
            return stopReason == nil
        }
    }

    private func writeOut(_ bytes: [UInt8]) {
        var off = 0
        bytes.withUnsafeBytes { p in
            while off < p.count {
                let n = write(input, p.baseAddress! + off, p.count - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    ImportCleanup.shared.haltIfTerminating()
                    stopReason = "systemd-journal-remote stopped reading: \(String(cString: strerror(errno)))"
                    return
                }
                off += n
            }
        }
    }

    /// The last line journal-remote wrote on its standard error.
    private var lastLogLine: String {
        guard let d = FileManager.default.contents(atPath: logPath) else { return "" }
        let tail = d.suffix(4096)
        return String(decoding: tail, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
    }

    /// Ends the stream, waits for journal-remote to write the files and
    /// accounts for every entry.
    func finish(what: String) throws(JournalError) {
        feedLock.lock()
        defer { feedLock.unlock() }
        guard !finished else { return }
        finished = true
        ImportCleanup.shared.haltIfTerminating()
        if stopReason == nil {
            let tail = converter.finish()
            if !tail.isEmpty { writeOut(tail) }
        }
        if let s = stopReason, !(streamError ?? "").contains(s) { streamError = (streamError.map { $0 + "; " } ?? "") + s }
        if input >= 0 {
            close(input)
            input = -1
        }
        var status: Int32 = 0
        if pid > 0 {
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            pid = 0
            ImportCleanup.shared.setChild(0, of: directory)
        }
        let fed = converter.entries
        for s in converter.skipped {
            skippedEntries.append(SkippedEntries(source: what, reason: s.reason.text, count: s.count))
        }
        let written = Self.entriesWritten(in: directory)
        entries = written
        if written < fed {
            skippedEntries.append(
                SkippedEntries(
                    source: what, reason: "systemd-journal-remote wrote \(written) of the \(fed) entries fed to it (it said: \(lastLogLine))",
                    count: fed - written))
        }
        if written == 0 {
            var why = streamError.map { " (\($0))" } ?? ""
            if why.isEmpty, let s = skippedEntries.first { why = " (\(s.count) skipped: \(s.reason))" }
            if fed > 0 {
                throw JournalError(.noInput, "\(what): systemd-journal-remote could not import it: \(lastLogLine)")
            }
            throw JournalError(.noInput, "\(what): no journal entries in it (expected Journal Export Format or journalctl -o json)\(why)")
        }
    }

    /// The entries in the journal files of `dir`, from each file's header
    /// (`n_entries`, see systemd's JOURNAL_FILE_FORMAT.md).
    static func entriesWritten(in dir: String) -> Int {
        var total = 0
        for f in Journal.journalFiles(under: dir, depth: 0) {
            let fd = open(f, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            var header = [UInt8](repeating: 0, count: 160)
            guard pread(fd, &header, 160, 0) == 160, header[0..<8].elementsEqual("LPKSHHRH".utf8) else { continue }
            var n: UInt64 = 0
            for k in 0..<8 { n |= UInt64(header[152 + k]) << (8 * UInt64(k)) }
            total += Int(clamping: n)
        }
        return total
    }

    /// Reads a whole stream from a file descriptor (`--input -` is 0).
    public static func fromFileDescriptor(_ fd: Int32, name: String) throws(JournalError) -> ImportedJournal {
        let imp = try ImportedJournal(label: "input", name: name)
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = read(fd, &buf, buf.count)
            if n < 0 {
                if errno == EINTR { continue }
                imp.streamError = "\(name): \(String(cString: strerror(errno)))"
                break
            }
            if n == 0 { break }
            if !imp.feed(Data(buf[0..<n])) { break }
        }
        try imp.finish(what: name)
        return imp
    }

    public static func fromFile(_ path: String) throws(JournalError) -> ImportedJournal {
        if path == "-" { return try fromFileDescriptor(0, name: "standard input") }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let e = errno
            throw JournalError(e == EACCES ? .permission : .noInput, "\(path): \(String(cString: strerror(e)))")
        }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
            throw JournalError(.noInput, "\(path): is a directory (use -D/--directory for a directory of journal files)")
        }
        return try fromFileDescriptor(fd, name: path)
    }

    /// `--url` without `-f`: the default overall deadline, in seconds.
    public static let defaultGatewayDeadline = 600

    /// Fetches `/entries` from a systemd-journal-gatewayd (Journal Export
    /// Format); the caller's unit matches and time window are applied to the
    /// imported files. A gateway that stops mid-stream, goes quiet for
    /// `timeout` seconds or is still sending after `deadline` seconds keeps
    /// what was read. Redirects are not followed.
    public static func fromGateway(
        _ base: String, timeout: TimeInterval = 30,
        deadline: Int = defaultGatewayDeadline
    ) throws(JournalError) -> ImportedJournal {
        let url = try gatewayURL(base, path: "/entries")
        let imp = try ImportedJournal(label: "gateway", name: redactedURL(base))
        let receiver = GatewayReceiver(importer: imp)
        let (_, failure) = HTTPGet.run(
            url.absoluteString, accept: "application/vnd.fdo.journal",
            timeouts: .init(connect: timeout, idle: timeout, total: Double(deadline)),
            head: receiver.accepts, body: receiver.take)
        var inTime = true
        if let failure {
            if case .timedOut(_, let took) = failure, took >= Double(deadline) {
                inTime = false
                receiver.fail(
                    receiver.bytesReceived == 0
                        ? "no answer within \(deadline) s (the --url-timeout)" : "still sending after \(deadline) s (the --url-timeout)")
            } else {
                receiver.fail(failure.text)
            }
        }
        if let e = receiver.failureText {
            if receiver.bytesReceived == 0 || imp.entriesFed == 0 && !inTime { throw JournalError(.noInput, "\(redactedURL(base)): \(e)") }
            imp.streamError = "\(redactedURL(base)): the stream ended early: \(e)"
        }
        try imp.finish(what: redactedURL(base))
        return imp
    }

    static func gatewayURL(_ base: String, path: String) throws(JournalError) -> URL {
        var s = base
        while s.hasSuffix("/") { s.removeLast() }
        guard let url = URL(string: s + path), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            throw JournalError(.noInput, "\(redactedURL(base)): not an http:// or https:// URL")
        }
        return url
    }
}

extension ImportedJournal {
    /// `--url ... -f`: streams `/entries?follow` into journal-remote for as
    /// long as the process runs; returns once the journal file has its first
    /// entries, so that it can be followed like any file, or as soon as
    /// `stopRequested` says so (a signal while waiting).
    public static func followGateway(_ base: String, stopRequested: () -> Bool = { false }) throws(JournalError) -> ImportedJournal {
        let url = try gatewayURL(base, path: "/entries?follow")
        let imp = try ImportedJournal(label: "gateway", name: redactedURL(base))
        let receiver = GatewayReceiver(importer: imp)
        // The stream lasts as long as the process: read on a thread of its own.
        Thread.detachNewThread {
            let (_, failure) = HTTPGet.run(
                url.absoluteString, accept: "application/vnd.fdo.journal", timeouts: .init(connect: 30),
                head: receiver.accepts, body: receiver.take)
            if let failure { receiver.fail(failure.text) }
        }
        // Wait for the first entries to reach journal-remote (or for a failure).
        var arrived = false
        for _ in 0..<100 {
            if stopRequested() { return imp }
            if receiver.firstEntries.wait(timeout: .now() + .milliseconds(100)) == .success {
                arrived = true
                break
            }
        }
        if let failure = receiver.failureText { throw JournalError(.noInput, "\(redactedURL(base)): \(failure)") }
        guard arrived else { throw JournalError(.noInput, "\(redactedURL(base)): no journal entries arrived within 10 s") }
        // journal-remote writes the file as the entries arrive.
        for _ in 0..<100 {
            if stopRequested() { return imp }
            var st = stat()
            if stat(imp.path, &st) == 0 && st.st_size > 0 { return imp }
            usleep(50_000)
        }
        throw JournalError(.noInput, "\(redactedURL(base)): systemd-journal-remote wrote no journal file")
    }
}

extension ImportedJournal {
    /// `--input ... -f`: reads the stream on a thread of its own as it
    /// arrives (`ssh devvm journalctl -f -o export | t3attr report --input - -f`)
    /// and returns once journal-remote has written its first entries, so that
    /// the file can be followed like any file. At the stream's end the import
    /// is finished (`streamEnded`): following ends there, as `tail -f` on a
    /// pipe does. Returns early when `stopRequested` says so.
    public static func followStream(_ path: String, stopRequested: () -> Bool = { false }) throws(JournalError) -> ImportedJournal {
        let name = path == "-" ? "standard input" : path
        let imp = try ImportedJournal(label: "input", name: name)
        let follower = StreamFollower()
        imp.follower = follower
        let shared = Shared(imp)
        Thread.detachNewThread {
            let imp = shared.importer
            // Opened here: a FIFO's open waits for its writer, and the caller
            // must stay free to see a stop (SIGINT restarts a blocked open).
            var input: Int32 = 0
            if path != "-" {
                input = open(path, O_RDONLY | O_CLOEXEC)
                if input < 0 {
                    let e = errno
                    follower.end(JournalError(e == EACCES ? .permission : .noInput, "\(path): \(String(cString: strerror(e)))"))
                    return
                }
                var st = stat()
                if fstat(input, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
                    close(input)
                    follower.end(JournalError(.noInput, "\(path): is a directory (use -D/--directory for a directory of journal files)"))
                    return
                }
            }
            var buf = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = read(input, &buf, buf.count)
                if n < 0 {
                    if errno == EINTR { continue }
                    imp.noteStreamError("\(name): \(String(cString: strerror(errno)))")
                    break
                }
                if n == 0 { break }
                if !imp.feed(Data(buf[0..<n])) { break }
                if imp.entriesFed > 0 { follower.arrived() }
            }
            if input != 0 { close(input) }
            var failure: JournalError?
            do throws(JournalError) { try imp.finish(what: name) } catch { failure = error }
            follower.end(failure)
        }
        // Wait for the first entries (or the stream's end, or a stop).
        while !follower.waitForFirst(milliseconds: 100) {
            if stopRequested() { return imp }
        }
        if let e = follower.failure { throw e }
        // journal-remote writes the file as the entries arrive.
        for _ in 0..<200 {
            if stopRequested() || imp.streamEnded { return imp }
            var st = stat()
            if stat(imp.path, &st) == 0 && st.st_size > 0 { return imp }
            usleep(50_000)
        }
        throw JournalError(.noInput, "\(name): systemd-journal-remote wrote no journal file")
    }

    /// A followed stream (`followStream`) has ended and every entry of it is
    /// in the files: what is read after this is all there is.
    public var streamEnded: Bool { follower?.hasEnded ?? false }

    func noteStreamError(_ text: String) { feedLock.withLock { streamError = text } }
}

/// The importer, handed to the thread that feeds it (its feeding and
/// finishing are behind its own lock).
private final class Shared: @unchecked Sendable {
    let importer: ImportedJournal
    init(_ i: ImportedJournal) { importer = i }
}

/// The state of a followed stream's reading thread.
final class StreamFollower: @unchecked Sendable {
    private let lock = NSLock()
    private let first = DispatchSemaphore(value: 0)
    private var signalled = false
    private var ended = false
    private var error: JournalError?

    var hasEnded: Bool { lock.withLock { ended } }
    var failure: JournalError? { lock.withLock { error } }

    func arrived() {
        let now = lock.withLock { () -> Bool in
            defer { signalled = true }
            return !signalled
        }
        if now { first.signal() }
    }

    func end(_ e: JournalError?) {
        let now = lock.withLock { () -> Bool in
            error = e
            ended = true
            defer { signalled = true }
            return !signalled
        }
        if now { first.signal() }
    }

    /// True once the first entries arrived or the stream ended.
    func waitForFirst(milliseconds: Int) -> Bool {
        if first.wait(timeout: .now() + .milliseconds(milliseconds)) == .success {
            first.signal()  // for any later caller
            return true
        }
        return false
    }
}

/// A pipe whose ends no other child inherits.
func cloexecPipe(_ fds: inout [Int32]) -> Bool {
    guard pipe(&fds) == 0 else { return false }
    for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    return true
}

/// Removes the temporary import directories when a signal ends the process
/// (SIGINT, SIGTERM, SIGHUP) and at exit (normal ends also remove them
/// through `remove()`).
/// The handler only writes the signal's number to a pipe; a thread reads it,
/// ends journal-remote, removes the directories and ends the process by the
/// same signal. SIGPIPE is ignored while importing: a write to a reader
/// that went away fails with EPIPE and is handled where it happens (stdout:
/// a quiet exit; journal-remote: the stream ends, named).
/// A handler already installed (follow mode's SIGINT/SIGTERM, which end the
/// run with status 0 and normal cleanup) is left in place.
final class ImportCleanup: @unchecked Sendable {
    static let shared = ImportCleanup()
    private let lock = NSLock()
    private var dirs: [String: pid_t] = [:]
    private var installed = false
    /// Set once a signal is ending the process.
    private var terminating = false
    /// The pipe the handler writes to: created before any handler is installed.
    static let wake: (read: Int32, write: Int32) = {
        var fds: [Int32] = [-1, -1]
        _ = cloexecPipe(&fds)
        return (fds[0], fds[1])
    }()

    func add(directory: String) { lock.withLock { dirs[directory] = 0 } }
    func setChild(_ pid: pid_t, of directory: String) { lock.withLock { dirs[directory] = pid } }
    func remove(directory: String) { _ = lock.withLock { dirs.removeValue(forKey: directory) } }

    static func install() {
        let first = shared.lock.withLock { () -> Bool in
            defer { shared.installed = true }
            return !shared.installed
        }
        guard first else { return }
        _ = wake
        // Also at exit: an import that failed after its gateway session was kept alive.
        atexit { ImportCleanup.shared.removeAll() }
        signal(SIGPIPE, SIG_IGN)
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            var old = sigaction()
            sigaction(sig, nil, &old)
            guard old.__sigaction_handler.sa_handler == nil else { continue }  // SIG_DFL is nil
            var sa = sigaction()
            sa.__sigaction_handler.sa_handler = { sig in
                var b = UInt8(truncatingIfNeeded: sig)
                _ = write(ImportCleanup.wake.write, &b, 1)
            }
            sigemptyset(&sa.sa_mask)
            sa.sa_flags = SA_RESTART
            sigaction(sig, &sa, nil)
        }
        Thread.detachNewThread {
            var b: UInt8 = 0
            while read(ImportCleanup.wake.read, &b, 1) < 0 && errno == EINTR {}
            shared.removeAll()
            let sig = Int32(b)
            signal(sig, SIG_DFL)
            var set = sigset_t()
            sigemptyset(&set)
            sigaddset(&set, sig)
            pthread_sigmask(SIG_UNBLOCK, &set, nil)
            kill(getpid(), sig)
            pause()
        }
    }

    /// A signal is ending the process (and ended journal-remote): the caller
    /// waits for it instead of reporting a broken import.
    func haltIfTerminating() {
        guard lock.withLock({ terminating }) else { return }
        while true { pause() }
    }

    func removeAll() {
        let all = lock.withLock { () -> [String: pid_t] in
            terminating = true
            return dirs
        }
        for (dir, pid) in all {
            if pid > 0 {
                kill(pid, SIGKILL)
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            }
            try? FileManager.default.removeItem(atPath: dir)
        }
    }
}

/// Feeds the importer as a gateway's body arrives. For `-f` it runs on the
/// stream's own thread; what the caller reads is behind `lock`.
final class GatewayReceiver: @unchecked Sendable {
    let importer: ImportedJournal
    /// Signalled once when the first entries were handed to journal-remote, or on failure.
    let firstEntries = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var failure: String?
    private var bytes = 0
    private var signalled = false

    init(importer: ImportedJournal) { self.importer = importer }

    var failureText: String? { lock.withLock { failure } }
    var bytesReceived: Int { lock.withLock { bytes } }

    func fail(_ text: String) {
        let first = lock.withLock { () -> Bool in
            if failure == nil { failure = text }
            defer { signalled = true }
            return !signalled
        }
        if first { firstEntries.signal() }
    }

    /// The response's head: only a journal gateway's own answer is read.
    func accepts(_ head: HTTPGet.Head) -> Bool {
        if (300..<400).contains(head.status) {
            let to = head.location.map { redactedURL($0) } ?? "(no Location)"
            fail("HTTP \(head.status): the server redirects to \(to); t3attr does not follow redirects (give the gateway's own URL)")
            return false
        }
        if head.status != 200 {
            fail("HTTP \(head.status) (not a journal gateway?)")
            return false
        }
        let type = head.contentType ?? "none"
        if !type.hasPrefix("application/vnd.fdo.journal") {
            fail("not a journal gateway (Content-Type: \(type))")
            return false
        }
        return true
    }

    /// A piece of the body, handed to journal-remote.
    func take(_ piece: UnsafeRawBufferPointer) -> Bool {
        guard failureText == nil else { return false }
        lock.withLock { bytes += piece.count }
        guard importer.feed(Data(piece)) else {
            fail(importer.stopText ?? "the stream could not be read on")
            return false
        }
        let first = lock.withLock { () -> Bool in
            guard !signalled, importer.entriesFed > 0 else { return false }
            signalled = true
            return true
        }
        if first { firstEntries.signal() }
        return true
    }
}
