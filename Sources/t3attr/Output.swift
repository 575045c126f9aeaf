import Foundation
import Glibc

/// Buffered standard output that exits quietly when the reader goes away
/// (`t3attr report | head -1`), as journalctl does.
final class Output {
    nonisolated(unsafe) static let shared = Output()
    private var buffer: [UInt8] = []

    init() {
        buffer.reserveCapacity(1 << 16)
        signal(SIGPIPE, SIG_IGN)
    }

    func write(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    func line(_ s: String) {
        write(s)
        buffer.append(0x0A)
    }

    func flush() {
        var off = 0
        while off < buffer.count {
            let n = buffer[off...].withUnsafeBytes { Glibc.write(1, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                // EPIPE: the reader closed the pipe; anything else: nowhere to write.
                exit(errno == EPIPE ? 0 : 1)
            }
            off += n
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Messages for the operator on standard error, prefixed like other tools'.
enum Diagnostics {
    static func note(_ s: String) { FileHandle.standardError.write(Data("t3attr: \(s)\n".utf8)) }
    static func warning(_ s: String) { FileHandle.standardError.write(Data("t3attr: warning: \(s)\n".utf8)) }
    static func error(_ s: String) { FileHandle.standardError.write(Data("t3attr: error: \(s)\n".utf8)) }
}
