import Classifiers
import Foundation

/// Reads the port -> user maps named by `MapOptions` (field guide 3).
/// A default that is missing is a one-line note; a path the operator named
/// that cannot be read or parsed is an error that names it.
enum PortMapLoader {
    static let defaultTable = "/etc/t3-serve/dispatch.json"
    static let defaultEnvDir = "/etc/t3-serve"

    static func load(_ opts: MapOptions, quiet: Bool = false) throws(ConfigError) -> PortMap {
        var map = PortMap()
        var notes: [String] = []
        let tablePath = opts.dispatchTable ?? defaultTable
        if let data = FileManager.default.contents(atPath: tablePath) {
            map.merge(try PortMap.parseDispatchTable(data, path: tablePath))
        } else if opts.dispatchTable != nil {
            throw ConfigError(path: tablePath, reason: "cannot read (\(reason(tablePath)))", unreadable: true)
        } else {
            notes.append("\(tablePath) \(reason(tablePath))")
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
            if unreadable > 0 { notes.append("\(unreadable) .env file(s) in \(envDir) are unreadable (mode 0600: run as root)") }
        } else if opts.envDir != nil {
            throw ConfigError(path: envDir, reason: "cannot read (not a directory)", unreadable: true)
        }
        if !notes.isEmpty && !quiet && map.userByPort.isEmpty {
            Diagnostics.note("no port-to-user map (\(notes.joined(separator: "; "))); users show as port:<n>")
        } else if !notes.isEmpty && !quiet && opts.dispatchTable == nil && opts.envDir == nil {
            Diagnostics.note(notes.joined(separator: "; "))
        }
        return map
    }

    static func reason(_ path: String) -> String {
        if !FileManager.default.fileExists(atPath: path) { return "does not exist" }
        return FileManager.default.isReadableFile(atPath: path) ? "is empty" : "is not readable (run as root)"
    }
}
