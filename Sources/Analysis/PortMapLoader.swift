import Classifiers
import Foundation
import Glibc

/// Reads the port -> user maps a `MapConfig` names (field guide 3).
/// A default that is missing is a note (a value: the command prints it); a
/// path the operator named that cannot be read or parsed is an error that names it.
public enum PortMapLoader {
    public static let defaultTable = "/etc/t3-serve/dispatch.json"
    public static let defaultEnvDir = "/etc/t3-serve"
    /// The largest dispatch table or `.env` file read (documented in the README and man page).
    public static let maxFileSize = 16 << 20

    /// A default map source that could not be used.
    public enum Problem: Sendable, Equatable {
        /// The default dispatch table: missing or unreadable.
        case defaultTable(path: String, FileState)
        /// `.env` files in the env directory that this user cannot read.
        case unreadableEnvFiles(count: Int, dir: String)
    }

    /// Why a configuration file could not be read.
    public struct BrokenFile: Sendable, Equatable {
        public var path: String
        public var why: String
    }

    public enum FileState: Sendable, Equatable {
        case missing, unreadable
        /// Another error, in the system's words.
        case error(String)
    }

    /// What the loader has to say: the problems and whether they left the
    /// map empty (then users show as `port:<n>`).
    public struct Notice: Sendable, Equatable {
        public var problems: [Problem]
        /// No map at all: every user will be shown by port.
        public var mapEmpty: Bool

        public init(problems: [Problem], mapEmpty: Bool) {
            self.problems = problems
            self.mapEmpty = mapEmpty
        }
    }

    /// The map, the note about missing defaults (if any), and one sentence
    /// per port several users claim (always said: it changes who is blamed).
    public struct Loaded: Sendable {
        public var map: PortMap
        public var notice: Notice?
        public var conflicts: [String]
        /// `.env` files read that give no port (no `T3_PORT=` line, or not a port number).
        public var envFilesWithoutPort: [String] = []
        /// `.env` files that cannot be opened for another reason than
        /// permission (a link to nothing, a loop of links), and why.
        public var envFilesBroken: [BrokenFile] = []
    }

    public static func load(_ opts: MapConfig) throws(ConfigError) -> Loaded {
        var table = PortMap()
        var problems: [Problem] = []
        let tablePath = opts.dispatchTable ?? defaultTable
        switch try readConfigFile(tablePath) {
        case .contents(let data):
            if data.isEmpty { throw ConfigError(path: tablePath, reason: "is empty (expected a JSON object keyed by login name)") }
            table = try PortMap.parseDispatchTable(data, path: tablePath)
        case .missing(let why):
            if opts.dispatchTable != nil {
                throw ConfigError(path: tablePath, reason: "cannot read (\(describe(why)))", unreadable: true, permission: why == .unreadable)
            }
            problems.append(.defaultTable(path: tablePath, why))
        }
        var env = PortMap()
        var envFilesWithoutPort: [String] = []
        var envFilesBroken: [(String, String)] = []
        let envDir = opts.envDir ?? defaultEnvDir
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: envDir, isDirectory: &isDir), isDir.boolValue {
            let listed: [String]
            do {
                listed = try FileManager.default.contentsOfDirectory(atPath: envDir)
            } catch {
                // A directory named that cannot be listed is an error, as a table that
                // cannot be read is; the default one is a note (its files are unknown).
                let denied = access(envDir, R_OK | X_OK) != 0 && (errno == EACCES || errno == EPERM)
                if opts.envDir != nil {
                    throw ConfigError(
                        path: envDir, reason: denied ? "cannot be listed (run as root)" : "cannot be listed", unreadable: true,
                        permission: denied)
                }
                problems.append(.unreadableEnvFiles(count: 1, dir: envDir))
                listed = []
            }
            let names = listed.sorted()
            var unreadable = 0
            var noPort: [String] = []
            var broken: [(String, String)] = []
            for name in names {
                guard let user = PortMap.userForEnvFile(named: name) else { continue }
                let file: ReadResult
                do {
                    file = try readConfigFile(envDir + "/" + name)
                } catch {
                    // A FIFO or a directory named like a user's file is no user's port.
                    if opts.envDir != nil { throw error }
                    unreadable += 1
                    continue
                }
                guard case .contents(let data) = file else {
                    // A dangling link or a loop is a file that is not there, not one root may not read.
                    switch file {
                    case .missing(.unreadable): unreadable += 1
                    case .missing(.missing): broken.append((envDir + "/" + name, "a link to nothing"))
                    case .missing(.error(let text)): broken.append((envDir + "/" + name, text))
                    case .contents: break
                    }
                    continue
                }
                if let port = PortMap.parseEnvFile(String(decoding: data, as: UTF8.self)) {
                    env.add(port: port, user: user)
                } else {
                    noPort.append(envDir + "/" + name)
                }
            }
            if unreadable > 0 { problems.append(.unreadableEnvFiles(count: unreadable, dir: envDir)) }
            envFilesWithoutPort = noPort
            envFilesBroken = broken
        } else if opts.envDir != nil {
            let missing = access(envDir, F_OK) != 0 && errno == ENOENT
            throw ConfigError(path: envDir, reason: missing ? "no such directory" : "cannot read (not a directory)", unreadable: true)
        }
        let map = PortMap.combining(table: table, env: env)
        var notice: Notice?
        if !problems.isEmpty && map.userByPort.isEmpty {
            notice = Notice(problems: problems, mapEmpty: true)
        } else if !problems.isEmpty && opts.dispatchTable == nil && opts.envDir == nil {
            // A partial map from the defaults: worth a note; from paths the operator named: not.
            notice = Notice(problems: problems, mapEmpty: false)
        }
        return Loaded(
            map: map, notice: notice, conflicts: map.conflicts, envFilesWithoutPort: envFilesWithoutPort,
            envFilesBroken: envFilesBroken.map { BrokenFile(path: $0.0, why: $0.1) })
    }

    /// The words the loader's own errors and notes use for a file's state.
    public static func describe(_ s: FileState) -> String {
        switch s {
        case .missing: "does not exist"
        case .unreadable: "is not readable (run as root)"
        case .error(let text): text
        }
    }

    enum ReadResult {
        case contents(Data)
        /// Does not exist or may not be read.
        case missing(FileState)
    }

    /// Reads a small configuration file. Something that is there but is not a
    /// regular file (a FIFO, a device, a directory) or is larger than
    /// `maxFileSize` is an error naming it, found before anything is read;
    /// a FIFO is never waited on.
    static func readConfigFile(_ path: String) throws(ConfigError) -> ReadResult {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 {
            switch errno {
            case ENOENT, ENOTDIR: return .missing(.missing)
            case EACCES, EPERM: return .missing(.unreadable)
            default: return .missing(.error(String(cString: strerror(errno))))
            }
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return .missing(.error(String(cString: strerror(errno)))) }
        let type = st.st_mode & S_IFMT
        guard type == S_IFREG else {
            let what =
                switch type {
                case S_IFIFO: "a FIFO"
                case S_IFCHR: "a character device"
                case S_IFBLK: "a block device"
                case S_IFDIR: "a directory"
                case S_IFSOCK: "a socket"
                default: "not a regular file"
                }
            throw ConfigError(path: path, reason: "is \(what), not a regular file", unreadable: true)
        }
        if st.st_size > maxFileSize {
            throw ConfigError(path: path, reason: "is \(st.st_size) bytes, more than the \(maxFileSize >> 20) MiB a configuration file may have")
        }
        // At most one byte more than the limit: a file that grows while read is refused too.
        var data = Data()
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while data.count <= maxFileSize {
            let n = read(fd, &buf, buf.count)
            if n == 0 { break }
            if n < 0 {
                if errno == EINTR { continue }
                throw ConfigError(path: path, reason: "cannot read: \(String(cString: strerror(errno)))", unreadable: true)
            }
            data.append(contentsOf: buf[0..<n])
        }
        if data.count > maxFileSize {
            throw ConfigError(path: path, reason: "is more than the \(maxFileSize >> 20) MiB a configuration file may have")
        }
        return .contents(data)
    }
}
