import Classifiers
import Foundation
import Glibc

/// Reads the port -> user maps named by `MapOptions` (field guide 3).
/// A default that is missing is a one-line note; a path the operator named
/// that cannot be read or parsed is an error that names it.
enum PortMapLoader {
    static let defaultTable = "/etc/t3-serve/dispatch.json"
    static let defaultEnvDir = "/etc/t3-serve"
    /// The largest dispatch table or `.env` file read (documented in the README and man page).
    static let maxFileSize = 16 << 20

    static func load(_ opts: MapOptions, quiet: Bool = false) throws(ConfigError) -> PortMap {
        var table = PortMap()
        var notes: [String] = []
        let tablePath = opts.dispatchTable ?? defaultTable
        switch try readConfigFile(tablePath) {
        case .contents(let data):
            if data.isEmpty { throw ConfigError(path: tablePath, reason: "is empty (expected a JSON object keyed by login name)") }
            table = try PortMap.parseDispatchTable(data, path: tablePath)
        case .missing(let why):
            if opts.dispatchTable != nil { throw ConfigError(path: tablePath, reason: "cannot read (\(why))", unreadable: true) }
            notes.append("\(tablePath) \(why)")
        }
        var env = PortMap()
        let envDir = opts.envDir ?? defaultEnvDir
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: envDir, isDirectory: &isDir), isDir.boolValue {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: envDir)) ?? []).sorted()
            var unreadable = 0
            for name in names {
                guard let user = PortMap.userForEnvFile(named: name) else { continue }
                guard case .contents(let data) = try readConfigFile(envDir + "/" + name) else {
                    unreadable += 1
                    continue
                }
                if let port = PortMap.parseEnvFile(String(decoding: data, as: UTF8.self)) {
                    env.add(port: port, user: user)
                }
            }
            if unreadable > 0 { notes.append("\(unreadable) .env file(s) in \(envDir) are unreadable (mode 0600: run as root)") }
        } else if opts.envDir != nil {
            throw ConfigError(path: envDir, reason: "cannot read (not a directory)", unreadable: true)
        }
        let map = PortMap.combining(table: table, env: env)
        if !notes.isEmpty && !quiet && map.userByPort.isEmpty {
            Diagnostics.note("no port-to-user map (\(notes.joined(separator: "; "))); users show as port:<n>")
        } else if !notes.isEmpty && !quiet && opts.dispatchTable == nil && opts.envDir == nil {
            Diagnostics.note(notes.joined(separator: "; "))
        }
        // A port two users claim changes who is blamed: always said.
        for c in map.conflicts { Diagnostics.warning(c) }
        return map
    }

    enum ReadResult {
        case contents(Data)
        /// Does not exist or may not be read: why, in words ("does not exist").
        case missing(String)
    }

    /// Reads a small configuration file. Something that is there but is not a
    /// regular file (a FIFO, a device, a directory) or is larger than
    /// `maxFileSize` is an error naming it, found before anything is read;
    /// a FIFO is never waited on.
    static func readConfigFile(_ path: String) throws(ConfigError) -> ReadResult {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 {
            switch errno {
            case ENOENT, ENOTDIR: return .missing("does not exist")
            case EACCES, EPERM: return .missing("is not readable (run as root)")
            default: return .missing(String(cString: strerror(errno)))
            }
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return .missing(String(cString: strerror(errno))) }
        let type = st.st_mode & S_IFMT
        guard type == S_IFREG else {
            let what = switch type {
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
