import Classifiers
import Foundation
import Glibc
import JournalReader

/// `--cursor-file FILE` for unattended runs (cron, a systemd timer).
///
/// A drop can only be judged with what comes after it (a reconnect, a
/// restart), so each run starts a little before where the last one ended
/// (`resume_usec`: the last entry read, less the longest correlation window)
/// and skips the drops and bursts the last run already reported (their
/// cursors are kept in the file). So no drop is reported twice, and none near
/// the end of a run is lost. The file is replaced atomically.
public struct CursorState: Codable, Equatable, Sendable {
    public var version = 1
    public var lastRealtimeUsec: UInt64
    public var resumeUsec: UInt64
    public var reported: [String]
    public var reportedBursts: [String]
    /// Request errors and request bursts printed (absent in older files).
    public var reportedRequests: [String]?
    public var reportedRequestBursts: [String]?
    /// The source and hosts of the runs that wrote it (`sourceKey`; absent in
    /// older files): a run over another journal refuses it.
    public var source: String?

    enum CodingKeys: String, CodingKey {
        case version
        case lastRealtimeUsec = "last_realtime_usec"
        case resumeUsec = "resume_usec"
        case reported
        case reportedBursts = "reported_bursts"
        case reportedRequests = "reported_requests"
        case reportedRequestBursts = "reported_request_bursts"
        case source
    }

    /// What a state file belongs to: the source as named (a directory or the
    /// files' directories as real paths, so rotation and another spelling of one
    /// path are the same source; any `--input` stream; the gateway's URL) and the
    /// `--host` selection.
    public static func sourceKey(_ source: SourceSpec, hosts: [String]) -> String {
        func real(_ p: String) -> String {
            guard let r = realpath(p, nil) else { return p }
            defer { free(r) }
            return String(cString: r)
        }
        func dir(_ p: String) -> String { CursorLock.directory(of: p) }
        var key: String
        switch source {
        case .local: key = "the local journal"
        case .merged: key = "-m (every journal)"
        case .directory(let d): key = "-D \(real(d))"
        case .files(let fs): key = "--file in " + Set(fs.map { real(dir($0)) }).sorted().joined(separator: ", ")
        case .input: key = "--input (a stream)"
        case .gateway(let url, _): key = "--url \(redactedURL(url))"
        }
        if !hosts.isEmpty { key += " --host " + Set(hosts).sorted().joined(separator: ",") }
        return key
    }

    /// Refuses a state written by runs over another source (its resume time and
    /// reported drops are that journal's: this one's would be skipped unseen).
    /// Refuses a state that resumes after what it read or after `now` (a day
    /// of clock skew allowed): every later run would skip everything, silently.
    public func check(source key: String, path: String, now: UInt64) throws {
        // A state written before URLs were shown without their user and password
        // (`--url http://user:secret@host`) is of the same source: compared, and
        // named, without them.
        if let mine = source.map({ redactedURL($0) }), mine != key {
            throw ConfigError(
                path: path,
                reason: "written by runs over \(mine); this run reads \(key) (use one --cursor-file per source, or delete it to start over)")
        }
        let day: UInt64 = 86_400_000_000
        if resumeUsec > lastRealtimeUsec {
            throw ConfigError(
                path: path,
                reason: "damaged: resume_usec \(resumeUsec) is after last_realtime_usec \(lastRealtimeUsec) (delete it to start over)")
        }
        if lastRealtimeUsec > now &+ day {
            throw ConfigError(
                path: path, reason: "damaged: last_realtime_usec \(lastRealtimeUsec) is more than a day after the clock (delete it to start over)")
        }
    }

    public static func load(_ path: String) throws -> CursorState? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        if access(path, R_OK) != 0 && (errno == EACCES || errno == EPERM) {
            throw ConfigError(path: path, reason: "permission denied (run as the user the state belongs to)", permission: true)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(path: path, reason: "cannot read it", unreadable: true)
        }
        do {
            return try JSONDecoder().decode(CursorState.self, from: data)
        } catch {
            throw ConfigError(path: path, reason: "not a t3attr cursor file (delete it to start over)")
        }
    }

    /// Writes `FILE.tmp` and renames it over `FILE`.
    public func save(_ path: String) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let data = try enc.encode(self)
        let tmp = path + ".tmp.\(getpid())"
        guard FileManager.default.createFile(atPath: tmp, contents: data) else {
            let denied = access(CursorLock.directory(of: path), W_OK) != 0 && (errno == EACCES || errno == EPERM || errno == EROFS)
            throw ConfigError(path: path, reason: "cannot write \(tmp)", permission: denied)
        }
        let fd = open(tmp, O_RDONLY)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
        guard rename(tmp, path) == 0 else {
            unlink(tmp)
            let code = errno
            throw ConfigError(
                path: path, reason: "cannot replace it: \(String(cString: strerror(code)))",
                permission: code == EACCES || code == EPERM || code == EROFS)
        }
    }

    public static func burstKey(_ b: Burst) -> String { "\(b.host ?? "")@\(b.second)" }

    /// An entry as the file remembers it: its cursor without the sequence
    /// number and its file's id (`s=`, `i=`). The rest (boot, monotonic and
    /// realtime clocks, the hash of its fields) names the entry wherever it is
    /// stored: a stream without `__CURSOR` is imported into new files each
    /// run, whose sequence numbers start over, and its drops near the last
    /// run's end were reported twice.
    public static func entryKey(_ cursor: String) -> String {
        guard cursor.contains("s="), cursor.contains(";") else { return cursor }
        return cursor.split(separator: ";", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("s=") && !$0.hasPrefix("i=") }.joined(separator: ";")
    }
    static func requestBurstKey(_ b: RequestBurst) -> String { "\(b.host ?? "")@\(b.second)" }
}

/// The exclusive lock a `--cursor-file` run holds from before it reads the
/// state until after it saved the next one: `flock` on `FILE.lock` beside it
/// (the state file itself is replaced on every save). A second run waits up to
/// `maxWait`, then exits 75 naming the lock. Taking the lock also proves,
/// before anything is printed, that the state's directory can be written.
public final class CursorLock {
    static let maxWait: Double = 10
    private let fd: Int32

    public struct Busy: Error, CustomStringConvertible {
        public var lockPath: String
        public var description: String {
            "\(lockPath): another t3attr run with this --cursor-file has held the lock for \(Int(CursorLock.maxWait)) s; try again later"
        }
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    public init(for path: String) throws {
        let dir = CursorLock.directory(of: path)
        var st = stat()
        guard stat(dir, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
            throw ConfigError(path: path, reason: "its directory \(dir) does not exist", unreadable: true)
        }
        // The next state is written beside it (FILE.tmp.PID, then renamed).
        if access(dir, W_OK | X_OK) != 0 {
            let code = errno
            throw ConfigError(
                path: path, reason: "cannot write in \(dir) (\(String(cString: strerror(code)))): the next state could not be saved",
                permission: code == EACCES || code == EPERM || code == EROFS)
        }
        let lockPath = path + ".lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        if fd < 0 {
            let code = errno
            throw ConfigError(
                path: lockPath, reason: "cannot open the lock file: \(String(cString: strerror(code)))",
                unreadable: true, permission: code == EACCES || code == EPERM || code == EROFS)
        }
        let deadline = Date().addingTimeInterval(CursorLock.maxWait)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, Date() < deadline else {
                close(fd)
                throw Busy(lockPath: lockPath)
            }
            usleep(100_000)
        }
        self.fd = fd
    }

    deinit { close(fd) }
}

extension CursorState {
    /// Where a run with this file starts: the window's start, or the last
    /// run's resume point when that is later.
    public static func resumedWindow(_ w: TimeWindow, previous: CursorState?) -> TimeWindow {
        var w = w
        if let p = previous { w.since = max(w.since ?? 0, p.resumeUsec) }
        return w
    }
}

extension Report {
    /// Applies a cursor file: what the last runs printed is left out, and so
    /// is a drop or burst whose evidence can still be written (less than the
    /// correlation window before `now`: the next run judges it, as `-f`
    /// waits); returns the state to save after the output.
    public mutating func applyCursorFile(previous: CursorState?, settings: AttributionSettings, now: UInt64) -> CursorState {
        let last = max(stats.lastRealtime, previous?.lastRealtimeUsec ?? 0)
        let horizon = FocusWindow.margin(settings)
        let resume = max(previous?.resumeUsec ?? 0, last > horizon ? last - horizon : 0)
        func settled(_ t: UInt64) -> Bool { t &+ horizon <= now }
        let seen = Set((previous?.reported ?? []).map(CursorState.entryKey))
        let seenBursts = Set(previous?.reportedBursts ?? [])
        let seenRequests = Set((previous?.reportedRequests ?? []).map(CursorState.entryKey))
        let seenRequestBursts = Set(previous?.reportedRequestBursts ?? [])
        // This run re-read everything from the previous resume point on, so what it
        // printed (or an earlier run did) after the new one is what the next run skips.
        let printed = { (cursor: String, t: UInt64) in seen.contains(CursorState.entryKey(cursor)) || settled(t) }
        let reported = attribution.drops.filter { $0.event.realtime >= resume && printed($0.event.cursor, $0.event.realtime) }
            .map { CursorState.entryKey($0.event.cursor) }
        let burstPrinted = { (b: Burst) in seenBursts.contains(CursorState.burstKey(b)) || settled(b.end) }
        let bursts = attribution.bursts.filter { $0.second * 1_000_000 + 1_000_000 >= resume && burstPrinted($0) }.map(CursorState.burstKey)
        let requests = attribution.requestErrors.filter { $0.realtime >= resume }.map { CursorState.entryKey($0.cursor) }
        let requestBursts = attribution.requestBursts.filter { $0.second * 1_000_000 + 1_000_000 >= resume }.map(CursorState.requestBurstKey)
        attribution.keepDrops { !seen.contains(CursorState.entryKey($0.event.cursor)) && settled($0.event.realtime) }
        attribution.bursts.removeAll { seenBursts.contains(CursorState.burstKey($0)) || !settled($0.end) }
        attribution.keepRequestErrors { !seenRequests.contains(CursorState.entryKey($0.cursor)) }
        attribution.requestBursts.removeAll { seenRequestBursts.contains(CursorState.requestBurstKey($0)) }
        return CursorState(
            lastRealtimeUsec: last, resumeUsec: resume, reported: Array(Set(reported)).sorted(),
            reportedBursts: Array(Set(bursts)).sorted(), reportedRequests: Array(Set(requests)).sorted(),
            reportedRequestBursts: Array(Set(requestBursts)).sorted())
    }
}
