import ArgumentParser
import Classifiers
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
/// line on stderr and an exit code; never a stack trace.
func runReporting(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as JournalError {
        Output.shared.flush()
        Diagnostics.error(e.message)
        switch e.kind {
        case .noInput: throw ExitCode(Exit.noInput)
        case .permission: throw ExitCode(Exit.noPermission)
        case .noData: throw ExitCode(Exit.usage)  // a unit name or glob that names nothing
        case .system: throw ExitCode(Exit.failure)
        }
    } catch let e as ConfigError {
        Output.shared.flush()
        Diagnostics.error(e.description)
        throw ExitCode(e.permission ? Exit.noPermission : e.unreadable ? Exit.noInput : Exit.dataError)
    } catch let e as CursorLock.Busy {
        Output.shared.flush()
        Diagnostics.error(e.description)
        throw ExitCode(Exit.tempFail)
    }
}

/// After the output: `--strict` turns anything skipped into exit 65.
func exitIfStrict(_ strict: Bool, skippedFiles: Int, skippedEntries: Int) throws {
    guard strict, skippedFiles + skippedEntries > 0 else { return }
    Diagnostics.error("--strict: \(skippedFiles) file(s) and \(skippedEntries) entr\(skippedEntries == 1 ? "y" : "ies") were skipped")
    throw ExitCode(Exit.dataError)
}
