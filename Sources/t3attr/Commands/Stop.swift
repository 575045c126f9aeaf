import Foundation
import Glibc

/// `-f`: SIGINT and SIGTERM end following with status 0. A signal handler can
/// only set a flag; this is that flag, set up by the command that follows.
enum Stop {
    nonisolated(unsafe) private static var requested: sig_atomic_t = 0

    static func installSignals() {
        // A parent may have left these blocked; a follower must hear them.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        sigprocmask(SIG_UNBLOCK, &set, nil)
        signal(SIGINT) { _ in Stop.requested = 1 }
        signal(SIGTERM) { _ in Stop.requested = 1 }
    }

    static var isRequested: Bool { requested != 0 }

    static func nowUsec() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1_000_000) }
}
