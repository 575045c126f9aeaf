import Classifiers
import Foundation

/// Reads the port -> user maps a `MapConfig` names (field guide 3).
/// A default that is missing is a note (a value: the command prints it); a
/// path the operator named that cannot be read or parsed is an error that names it.
public enum PortMapLoader {
    public static let defaultTable = "/etc/t3-serve/dispatch.json"
    public static let defaultEnvDir = "/etc/t3-serve"

    /// A default map source that could not be used.
    public enum Problem: Sendable, Equatable {
        /// The default dispatch table: missing, empty or unreadable.
        case defaultTable(path: String, FileState)
        /// `.env` files in the env directory that this user cannot read.
        case unreadableEnvFiles(count: Int, dir: String)
    }

    public enum FileState: Sendable, Equatable {
        case missing, empty, unreadable
    }

    /// What the loader has to say: nothing, or the problems and whether they
    /// left the map empty (then users show as `port:<n>`).
    public struct Notice: Sendable, Equatable {
        public var problems: [Problem]
        /// No map at all: every user will be shown by port.
        public var mapEmpty: Bool
    }

    public static func load(_ opts: MapConfig) throws(ConfigError) -> (map: PortMap, notice: Notice?) {
        var map = PortMap()
        var problems: [Problem] = []
        let tablePath = opts.dispatchTable ?? defaultTable
        if let data = FileManager.default.contents(atPath: tablePath) {
            map.merge(try PortMap.parseDispatchTable(data, path: tablePath))
        } else if opts.dispatchTable != nil {
            throw ConfigError(path: tablePath, reason: "cannot read (\(describe(state(tablePath))))", unreadable: true)
        } else {
            problems.append(.defaultTable(path: tablePath, state(tablePath)))
        }
        let envDir = opts.envDir ?? defaultEnvDir
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: envDir, isDirectory: &isDir), isDir.boolValue {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: envDir)) ?? []).sorted()
            var unreadable = 0
            for name in names {
                guard let user = PortMap.userForEnvFile(named: name) else { continue }
                guard let data = FileManager.default.contents(atPath: envDir + "/" + name) else {
                    unreadable += 1
                    continue
                }
                if let port = PortMap.parseEnvFile(String(decoding: data, as: UTF8.self)) {
                    map.merge(PortMap([port: user]))
                }
            }
            if unreadable > 0 { problems.append(.unreadableEnvFiles(count: unreadable, dir: envDir)) }
        } else if opts.envDir != nil {
            throw ConfigError(path: envDir, reason: "cannot read (not a directory)", unreadable: true)
        }
        guard !problems.isEmpty else { return (map, nil) }
        if map.userByPort.isEmpty { return (map, Notice(problems: problems, mapEmpty: true)) }
        // A partial map from the defaults: worth a note; from paths the operator named: not.
        if opts.dispatchTable == nil && opts.envDir == nil { return (map, Notice(problems: problems, mapEmpty: false)) }
        return (map, nil)
    }

    static func state(_ path: String) -> FileState {
        if !FileManager.default.fileExists(atPath: path) { return .missing }
        return FileManager.default.isReadableFile(atPath: path) ? .empty : .unreadable
    }

    /// The words the loader's own errors use for a file's state.
    public static func describe(_ s: FileState) -> String {
        switch s {
        case .missing: "does not exist"
        case .empty: "is empty"
        case .unreadable: "is not readable (run as root)"
        }
    }
}
