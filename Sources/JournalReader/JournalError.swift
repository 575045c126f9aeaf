import Glibc

/// Why a journal could not be opened or read. The message is meant for an
/// operator: it says what and why, and what to do when there is something to do.
public struct JournalError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable {
        /// Nothing to read: no such path, no journal files, nothing matched.
        case noInput
        /// Files exist but may not be read by this user.
        case permission
        /// Bad selection (for example a unit pattern that matches no unit).
        case noData
        /// sd-journal itself failed.
        case system
    }

    public var kind: Kind
    public var message: String
    /// What the message summarises (the files, one a line), shown under `-v`.
    public var details: [String] = []

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    static func errno(_ what: String, _ r: Int32) -> JournalError {
        let code = r < 0 ? -r : r
        let text = String(cString: strerror(code))
        switch code {
        case EACCES, EPERM:
            return JournalError(.permission, "\(what): \(text); \(accessHint)")
        case EBADMSG, EPROTONOSUPPORT, ENODATA, ENOENT:
            return JournalError(.noInput, "\(what): not a journal file, or a damaged one (\(text))")
        default:
            return JournalError(.system, "\(what): \(text)")
        }
    }

    static let accessHint =
        "members of the 'systemd-journal' or 'adm' group can read the system journal (or run with sudo)"
}
