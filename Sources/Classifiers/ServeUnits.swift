/// How the per-user serve units are named, from `--serve-unit`'s pattern:
/// `t3-serve@*.service` names alice's serve `t3-serve@alice.service`. Every
/// place that turns a unit name or cgroup path into a user, or a user into a
/// unit, asks this; nothing else knows the name.
public struct ServeUnits: Sendable, Equatable {
    public static let defaultPattern = "t3-serve@*.service"
    public static let `default` = ServeUnits(pattern: defaultPattern)

    /// What comes before the user (`t3-serve@`) and after it (`.service`).
    public let prefix: String
    public let suffix: String

    /// `prefix*suffix` for a glob; a template instance (`t3-serve@alice.service`)
    /// is read as its template; any other name has no user in it.
    public init(pattern: String) {
        if let star = pattern.firstIndex(of: "*"), let last = pattern.lastIndex(of: "*") {
            prefix = String(pattern[..<star])
            suffix = String(pattern[pattern.index(after: last)...])
        } else if let at = pattern.firstIndex(of: "@") {
            prefix = String(pattern[...at])
            let rest = pattern[pattern.index(after: at)...]
            suffix = rest.lastIndex(of: ".").map { String(rest[$0...]) } ?? ""
        } else {
            prefix = ""
            suffix = ""
        }
    }

    /// The user of a serve unit name or cgroup path: `t3-serve@alice.service`
    /// or `/system.slice/.../t3-serve@alice.service` -> alice.
    public func user(in s: String?) -> String? {
        guard !prefix.isEmpty, let s, let r = s.range(of: prefix, options: .backwards) else { return nil }
        let rest = s[r.upperBound...]
        let end: String.Index? = suffix.isEmpty ? rest.endIndex : rest.range(of: suffix)?.lowerBound
        guard let end else { return nil }
        let u = String(rest[..<end])
        return u.isEmpty ? nil : u
    }

    /// The user whose serve unit's cgroup holds the cgroup `path` (a kernel
    /// OOM line's `task_memcg=`): the first path component that is a serve
    /// unit's name. Not under `/user.slice/`, where users make cgroups with
    /// any names (one named `t3-serve@alice.service` is not alice's serve).
    public func user(inCgroup path: String?) -> String? {
        guard let path, !path.hasPrefix("/user.slice/") else { return nil }
        for c in path.split(separator: "/") where c.hasPrefix(prefix) && c.hasSuffix(suffix) && c.count > prefix.count + suffix.count {
            return String(c.dropFirst(prefix.count).dropLast(suffix.count))
        }
        return nil
    }

    /// The first serve unit named in a text (`t3-serve@alice.service`), if any.
    public func unitName(in s: String) -> String? {
        guard !prefix.isEmpty, let r = s.range(of: prefix) else { return nil }
        let rest = s[r.lowerBound...]
        guard let end = rest.range(of: suffix.isEmpty ? " " : suffix) else { return nil }
        let name = suffix.isEmpty ? rest[..<end.lowerBound] : rest[..<end.upperBound]
        return name.contains(" ") ? nil : String(name)
    }

    /// `alice` -> `t3-serve@alice.service`.
    public func unit(forUser user: String) -> String { prefix + user + suffix }

    /// Whether a unit name looks like a serve unit (used when the journal
    /// names none, so `unitName(in:)` and friends still have a rule).
    public func looksLikeServe(_ unit: String) -> Bool { !prefix.isEmpty && unit.hasPrefix(prefix) }
}
