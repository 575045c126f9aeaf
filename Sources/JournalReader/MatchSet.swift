import Classifiers
import Glibc

/// An sd-journal match expression in the one shape t3attr needs: an OR of
/// terms, each term an AND of fields, where several values of one field
/// inside a term are ORed (that is how sd-journal reads `add_match`).
public struct MatchSet: Sendable, Equatable {
    public var terms: [[String]] = []

    public init(terms: [[String]] = []) { self.terms = terms }

    /// ANDs `_HOSTNAME` ∈ hosts into every term (`--host`).
    public mutating func restrict(toHosts hosts: [String]) {
        guard !hosts.isEmpty else { return }
        if terms.isEmpty { terms = [[]] }
        terms = terms.map { $0 + hosts.map { "_HOSTNAME=\($0)" } }
    }

    public mutating func add(_ term: [String]) {
        if !terms.contains(term) { terms.append(term) }
    }

    /// The four-way OR that `journalctl -u UNIT` builds on systemd 252
    /// (`add_matches_for_unit`): the unit's own messages, its coredumps,
    /// PID 1's messages about it, and authorised daemons' messages about it.
    public mutating func addUnit(_ unit: String) {
        add(["_SYSTEMD_UNIT=\(unit)"])
        add(["MESSAGE_ID=\(MessageID.coredump)", "_UID=0", "COREDUMP_UNIT=\(unit)"])
        add(["_PID=1", "UNIT=\(unit)"])
        add(["_UID=0", "OBJECT_SYSTEMD_UNIT=\(unit)"])
        if unit.hasSuffix(".slice") { add(["_SYSTEMD_SLICE=\(unit)"]) }
    }

    /// The same selection as `addUnit` for each of `units`, folded into four
    /// terms (sd-journal ORs the values of one field inside a term). One OR
    /// over 4 terms instead of 4 per unit: with many units sd-journal's
    /// match walk is several times faster, and the entries are the same.
    public mutating func addUnits(_ units: [String], extraUnits: [String] = []) {
        guard !units.isEmpty || !extraUnits.isEmpty else { return }
        add((units + extraUnits).map { "_SYSTEMD_UNIT=\($0)" })
        guard !units.isEmpty else { return }
        add(["MESSAGE_ID=\(MessageID.coredump)", "_UID=0"] + units.map { "COREDUMP_UNIT=\($0)" })
        add(["_PID=1"] + units.map { "UNIT=\($0)" })
        add(["_UID=0"] + units.map { "OBJECT_SYSTEMD_UNIT=\($0)" })
        let slices = units.filter { $0.hasSuffix(".slice") }
        if !slices.isEmpty { add(slices.map { "_SYSTEMD_SLICE=\($0)" }) }
    }

    /// `journalctl -u units` split in two (issue 16): `busy`, the units' own
    /// lines (and their slices), and `rare`, PID 1's, coredumps' and
    /// authorised daemons' messages about them. Read with
    /// `Journal.readUnion`, they give `addUnits`' entries in its order, and
    /// sd-journal walks one term per entry instead of four.
    public static func unitsSplit(_ units: [String], hosts: [String]) -> (busy: MatchSet, rare: MatchSet) {
        var all = MatchSet()
        all.addUnits(units)
        var busy = MatchSet()
        var rare = MatchSet()
        for t in all.terms {
            if t.allSatisfy({ $0.hasPrefix("_SYSTEMD_UNIT=") || $0.hasPrefix("_SYSTEMD_SLICE=") }) { busy.add(t) } else { rare.add(t) }
        }
        busy.restrict(toHosts: hosts)
        rare.restrict(toHosts: hosts)
        return (busy, rare)
    }
}

/// Unit name handling as systemctl/journalctl do it.
public enum UnitName {
    /// The fields journalctl 252 lists to expand a `-u` glob (`get_possible_units`).
    public static let unitFields = ["_SYSTEMD_UNIT", "COREDUMP_UNIT", "UNIT", "OBJECT_SYSTEMD_UNIT", "_SYSTEMD_SLICE"]

    static let unitSuffixes = [
        ".service", ".socket", ".target", ".device", ".mount", ".automount",
        ".swap", ".timer", ".path", ".slice", ".scope",
    ]

    public static func isGlob(_ s: String) -> Bool { s.contains(where: { "*?[".contains($0) }) }

    /// `t3-dispatch` -> `t3-dispatch.service`; globs and typed names unchanged.
    public static func mangle(_ s: String) -> String {
        if isGlob(s) || unitSuffixes.contains(where: { s.hasSuffix($0) }) { return s }
        return s + ".service"
    }
}

/// Expands `--file` arguments: a glob pattern to the files it matches (in
/// order), a plain path as it is. A pattern that matches nothing is an error.
public func expandFileArguments(_ args: [String]) throws(JournalError) -> [String] {
    var out: [String] = []
    for a in args {
        guard UnitName.isGlob(a) else {
            out.append(a)
            continue
        }
        var g = glob_t()
        defer { globfree(&g) }
        let r = glob(a, 0, nil, &g)
        guard r == 0, g.gl_pathc > 0 else {
            throw JournalError(.noInput, "\(a): no files match")
        }
        for i in 0..<Int(g.gl_pathc) {
            if let p = g.gl_pathv[i] { out.append(String(cString: p)) }
        }
    }
    return out
}

/// The names nearest to a mistyped one, for "did you mean" answers.
public enum Nearest {
    /// Up to `limit` of `candidates` closest to `name` (edit distance, case
    /// ignored; ties by name), only those close enough to be a typo of it.
    public static func names(to name: String, among candidates: [String], limit: Int = 3, within: Int? = nil) -> [String] {
        let n = Array(name.lowercased())
        let scored = Set(candidates).map { c -> (Int, String) in (distance(n, Array(c.lowercased())), c) }
        let close = within ?? max(3, n.count / 3)
        return scored.filter { $0.0 <= close }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.prefix(limit).map(\.1)
    }

    /// For a glob: the candidates whose start is close to the glob's literal
    /// start (`t3-serv@*` -> `t3-serve@alice.service`), up to `limit`.
    public static func matching(glob: String, among candidates: [String], limit: Int = 3) -> [String] {
        let lit = Array(glob.prefix(while: { !"*?[".contains($0) }).lowercased())
        guard lit.count >= 3 else { return [] }
        let scored = Set(candidates).map { c -> (Int, String) in
            let head = Array(c.lowercased())
            // The best of the candidate's starts one shorter, as long, one longer.
            let d = (max(0, lit.count - 1)...lit.count + 1).map { distance(lit, Array(head.prefix($0))) }.min() ?? Int.max
            return (d, c)
        }
        return scored.filter { $0.0 <= 2 }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.prefix(limit).map(\.1)
    }

    /// Levenshtein distance.
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count)
        var cur = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&prev, &cur)
        }
        return prev[b.count]
    }

    /// " (did you mean a or b?)", or "" when nothing is close.
    public static func suggestion(_ names: [String]) -> String {
        guard !names.isEmpty else { return "" }
        let list = names.count == 1 ? names[0] : names.dropLast().joined(separator: ", ") + " or " + names.last!
        return "; did you mean \(list)?"
    }
}
