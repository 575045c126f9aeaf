import Analysis
import ArgumentParser
import Classifiers
import Glibc
import JournalReader

/// Exit codes (sysexits.h), documented in the README and the man page.
enum Exit {
    static let ok: Int32 = 0
    static let failure: Int32 = 1
    static let usage: Int32 = 64
    static let dataError: Int32 = 65
    static let noInput: Int32 = 66
    /// Another run holds the `--cursor-file` lock longer than t3attr waits (EX_TEMPFAIL).
    static let tempFail: Int32 = 75
    static let noPermission: Int32 = 77
}

/// Runs a command body, turning the errors operators can cause into one
/// line on stderr and an exit code; never a stack trace. What was already
/// written is flushed first. A closed pipe (the reader has enough) is status 0.
/// `verbose` (`-v`) also lists what a summarised error stands for (the files);
/// nil: the command has no `-v`, and the first few are named.
func runReporting(_ out: Output, verbose: Bool? = nil, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch is Stopped {
        return  // SIGINT/SIGTERM before following began: the documented end
    } catch let e as OutputError {
        switch e {
        case .closed: return
        case .failed(let code):
            Diagnostics.error("cannot write the output: \(String(cString: strerror(code)))")
            throw ExitCode(Exit.failure)
        }
    } catch let e as JournalError {
        try? out.flush()
        switch (verbose, e.details.isEmpty) {
        case (_, true): Diagnostics.error(e.message)
        case (true?, false):
            Diagnostics.error(e.message)
            for d in e.details { Diagnostics.note("  " + d) }
        case (false?, false): Diagnostics.error(e.message + " (-v lists them)")
        case (nil, false):
            let more = e.details.count > 3 ? ", +\(e.details.count - 3) more" : ""
            Diagnostics.error(e.message + " (" + e.details.prefix(3).joined(separator: ", ") + more + ")")
        }
        switch e.kind {
        case .noInput: throw ExitCode(Exit.noInput)
        case .permission: throw ExitCode(Exit.noPermission)
        case .noData: throw ExitCode(Exit.usage)  // a unit name or glob that names nothing
        case .system: throw ExitCode(Exit.failure)
        }
    } catch let e as ConfigError {
        try? out.flush()
        Diagnostics.error(e.description)
        throw ExitCode(e.permission ? Exit.noPermission : e.unreadable ? Exit.noInput : Exit.dataError)
    } catch let e as CursorLock.Busy {
        try? out.flush()
        Diagnostics.error(e.description)
        throw ExitCode(Exit.tempFail)
    }
}

/// After the output: the notes on stderr, then `--strict` turns anything skipped into exit 65.
func finishRun(notes: [Note], stats: ReadStats, strict: Bool) throws {
    for n in notes { Diagnostics.warning(Wording.note(n)) }
    guard strict, stats.skippedAnything else { return }
    let files = stats.skippedFiles.count
    let entries = stats.entriesSkipped
    Diagnostics.error(
        "--strict: \(files) file(s) and \(entries) entr\(entries == 1 ? "y" : "ies") were skipped"
            + (stats.readingStopped ? "; reading stopped early" : ""))
    throw ExitCode(Exit.dataError)
}

/// The port map loader's note, when it has one, and each port several users claim.
func show(_ load: PortMapLoader.Loaded) {
    if let notice = load.notice { Diagnostics.note(Wording.portMap(notice)) }
    for c in load.conflicts { Diagnostics.warning(c) }
    for f in load.envFilesBroken { Diagnostics.warning("\(f.path): cannot be opened (\(f.why)); that user's port is not known from it") }
    for f in load.envFilesWithoutPort { Diagnostics.warning("\(f): no T3_PORT=<port> line (1-65535); that user's port is not known from it") }
}

/// The users asked for as the lines name them: a login of the dispatch table
/// whose OS user has another name (`why Frank`) is that OS user, said on stderr.
func osUsers(_ asked: [String], in map: PortMap) -> [String] {
    var out: [String] = []
    for name in asked {
        let u = map.osUser(for: name)
        if u != name { Diagnostics.note("'\(name)' is a login of the dispatch table: its OS user '\(u)' is what the journal names") }
        if !out.contains(u) { out.append(u) }
    }
    return out
}

/// `--user` names nobody seen in the window: say so, name who was, and end
/// with status 1 when none of the named users was there (as grep does).
func unknownUsers(_ asked: [String], seen: [String]) throws {
    let known = Set(seen.filter { $0 != "(host)" })
    let missing = asked.filter { !known.contains($0) }
    guard !missing.isEmpty else { return }
    let list = known.sorted()
    for m in missing {
        let seen = usersSeen(list, near: m)
        Diagnostics.warning("user '\(m)' is not seen in the window\(seen.hint); users seen: \(seen.list)")
    }
    if missing.count == asked.count { throw ExitCode(Exit.failure) }
}

/// `--host` names some of which wrote no entry in the journal (when none
/// did, opening the source failed): the others are read.
func unknownHosts(_ missing: [String]) {
    for h in missing { Diagnostics.warning("no entries from host '\(h)' in the journal; the other hosts given are read") }
}

/// The users seen (the first 20, "+N more"; "none") and, when one is a typo
/// away from `name`, " (did you mean NAME?)": for `--user` and `why`.
func usersSeen(_ sorted: [String], near name: String) -> (list: String, hint: String) {
    let shown = sorted.prefix(20).joined(separator: ", ") + (sorted.count > 20 ? ", +\(sorted.count - 20) more" : "")
    let near = Nearest.names(to: name, among: sorted, limit: 1, within: 2)
    return (sorted.isEmpty ? "none" : shown, near.isEmpty ? "" : " (did you mean \(near[0])?)")
}
