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
