import Foundation

/// A configuration file that could not be read as what it should be.
public struct ConfigError: Error, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String
    /// The file could not be read at all (exit 66), rather than read and found wrong (65).
    public var unreadable: Bool
    /// This user may not read or write it (exit 77).
    public var permission: Bool
    public init(path: String, reason: String, unreadable: Bool = false, permission: Bool = false) {
        self.path = path
        self.reason = reason
        self.unreadable = unreadable
        self.permission = permission
    }
    public var description: String { "\(path): \(reason)" }
}

/// Serve port -> OS user (field guide 3). Built from dispatch.json, the
/// per-user `.env` files and the watchdog's `probe FAILED ... port=` lines.
public struct PortMap: Sendable, Equatable {
    public private(set) var userByPort: [Int: String] = [:]
    /// Ports that more than one user claims: every claimant, the one `user(forPort:)` gives first.
    public private(set) var claimantsByPort: [Int: [String]] = [:]
    /// dispatch.json's logins whose OS user has another name (`Frank` -> `frank`):
    /// a complaint comes with the login, the lines name the OS user.
    public private(set) var userByLogin: [String: String] = [:]

    public init(_ pairs: [Int: String] = [:]) { userByPort = pairs }

    public func user(forPort port: Int?) -> String? { port.flatMap { userByPort[$0] } }

    /// Every user claiming `port` when more than one does (chosen first); empty when it is unambiguous.
    public func claimants(forPort port: Int?) -> [String] { port.flatMap { claimantsByPort[$0] } ?? [] }

    /// Records that `user` claims `port` too; the first claimant stays the answer.
    public mutating func add(port: Int, user: String) {
        guard let first = userByPort[port] else {
            userByPort[port] = user
            return
        }
        guard first != user else { return }
        var list = claimantsByPort[port] ?? [first]
        if !list.contains(user) { list.append(user) }
        claimantsByPort[port] = list
    }

    /// dispatch.json and the `.env` files together. A port both sources give
    /// to one user is that user's. Where they disagree, or dispatch.json names
    /// several users for one port, every claimant is kept (`claimants(forPort:)`,
    /// `conflicts`); the answer is the one user the `.env` files name if
    /// dispatch.json names them too, else dispatch.json's first.
    public static func combining(table: PortMap, env: PortMap) -> PortMap {
        var out = table
        for port in env.userByPort.keys.sorted() {
            for u in env.all(port) { out.add(port: port, user: u) }
        }
        for (port, list) in out.claimantsByPort {
            let fromEnv = env.all(port)
            if fromEnv.count == 1, table.all(port).contains(fromEnv[0]), list[0] != fromEnv[0] {
                out.userByPort[port] = fromEnv[0]
                out.claimantsByPort[port] = [fromEnv[0]] + list.filter { $0 != fromEnv[0] }
            }
        }
        return out
    }

    /// Every user claiming `port` (the chosen one first), or none.
    func all(_ port: Int) -> [String] {
        claimantsByPort[port] ?? userByPort[port].map { [$0] } ?? []
    }

    /// One sentence per port with several claimants, for the operator.
    public var conflicts: [String] {
        claimantsByPort.keys.sorted().map { port in
            let list = claimantsByPort[port]!
            return
                "port \(port) is claimed by \(list.joined(separator: " and ")); drops on it are given to \(list[0]) and list every claimant (check the dispatch table and the .env files)"
        }
    }

    public func port(forUser user: String) -> Int? {
        userByPort.first(where: { $0.value == user })?.key
    }

    public var ports: Set<Int> { Set(userByPort.keys) }

    /// The OS user the lines name for `name`: the one of the login `name`,
    /// unless `name` is an OS user of its own; else `name`.
    public func osUser(for name: String) -> String {
        guard let u = userByLogin[name], !userByPort.values.contains(name) else { return name }
        return u
    }

    /// Adds pairs that are not known yet (the first source to name a port wins).
    public mutating func merge(_ other: PortMap) {
        for (p, u) in other.userByPort where userByPort[p] == nil {
            userByPort[p] = u
            if let c = other.claimantsByPort[p] { claimantsByPort[p] = c }
        }
        for (l, u) in other.userByLogin where userByLogin[l] == nil { userByLogin[l] = u }
    }

    /// `/etc/t3-serve/dispatch.json`: `{"<login>": {"os_user": "<u>", "port": <n>}, ...}`.
    public static func parseDispatchTable(_ data: Data, path: String) throws(ConfigError) -> PortMap {
        let obj: Any
        do {
            // A bare `null` or number is valid JSON, but not a table (said below).
            obj = try JSONSerialization.jsonObject(with: data, options: .fragmentsAllowed)
        } catch {
            throw ConfigError(path: path, reason: "not valid JSON")
        }
        // Foundation takes a comma before `}` or `]`; Go's encoding/json, which
        // t3-dispatch reads the table with, refuses it: that table is not the one it runs.
        if let at = trailingComma(in: data) {
            throw ConfigError(path: path, reason: "not valid JSON: a comma before the closing bracket at byte \(at) (t3-dispatch would not load it)")
        }
        guard let table = obj as? [String: Any] else {
            throw ConfigError(path: path, reason: "expected a JSON object keyed by login name")
        }
        var map = PortMap()
        for (login, value) in table.sorted(by: { $0.key < $1.key }) {
            guard let entry = value as? [String: Any] else {
                throw ConfigError(path: path, reason: "entry '\(login)' is not an object")
            }
            let user = (entry["os_user"] as? String) ?? login
            // An empty name would be a user no line can name (and a blank USER column).
            guard !user.isEmpty else { throw ConfigError(path: path, reason: "entry '\(login)' names an empty user") }
            guard let portValue = entry["port"] else {
                throw ConfigError(path: path, reason: "entry '\(login)' has no port")
            }
            guard let number = portValue as? NSNumber, !(portValue is String),
                isNotBoolean(number), let port = Int(exactly: number.doubleValue),
                (1...65535).contains(port)
            else {
                throw ConfigError(path: path, reason: "entry '\(login)' has a port that is not a number from 1 to 65535")
            }
            map.add(port: port, user: user)
            if login != user { map.userByLogin[login] = user }
        }
        return map
    }

    /// The offset of a comma followed (after white space) by `}` or `]`,
    /// outside strings; nil when there is none.
    static func trailingComma(in data: Data) -> Int? {
        var inString = false
        var escaped = false
        var comma: Int?
        for (i, b) in data.enumerated() {
            if inString {
                if escaped {
                    escaped = false
                } else if b == UInt8(ascii: "\\") {
                    escaped = true
                } else if b == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch b {
            case UInt8(ascii: "\""):
                inString = true
                comma = nil
            case UInt8(ascii: ","): comma = i
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if let comma { return comma }
            case 0x20, 0x09, 0x0A, 0x0D: break
            default: comma = nil
            }
        }
        return nil
    }

    /// A `<user>.env` file's `T3_PORT=<n>` (optionally quoted, `export`
    /// allowed, comments and CRLF tolerated): the last assignment, as
    /// systemd's `EnvironmentFile=` and a shell's `.` take it. nil when the
    /// file has none, or the last is not a port.
    public static func parseEnvFile(_ contents: String) -> Int? {
        var port: Int?
        for raw in contents.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
            guard line.hasPrefix("T3_PORT") else { continue }
            var rest = line.dropFirst(7).trimmingCharacters(in: .whitespaces)
            guard rest.hasPrefix("=") else { continue }
            rest = String(rest.dropFirst()).trimmingCharacters(in: .whitespaces)
            if let hash = rest.firstIndex(of: "#") { rest = String(rest[..<hash]).trimmingCharacters(in: .whitespaces) }
            if rest.count >= 2, let q = rest.first, q == "\"" || q == "'", rest.last == q {
                rest = String(rest.dropFirst().dropLast())
            }
            port = Int(rest).flatMap { (1...65535).contains($0) ? $0 : nil }
        }
        return port
    }

    /// The user an env file belongs to, from its name; nil for files to skip
    /// (`playwright-*.env`, anything not ending in `.env`).
    public static func userForEnvFile(named name: String) -> String? {
        guard name.hasSuffix(".env"), !name.hasPrefix("playwright-"), !name.hasPrefix(".") else { return nil }
        let user = String(name.dropLast(4))
        return user.isEmpty ? nil : user
    }
}

/// JSONSerialization gives booleans as NSNumber too; a port must not be one.
@inline(__always)
func isNotBoolean(_ n: NSNumber) -> Bool {
    // On Linux, a Bool decoded by JSONSerialization is an NSNumber whose
    // objCType is "c"; reject it so `"port": true` is not port 1.
    String(cString: n.objCType) != "c"
}
