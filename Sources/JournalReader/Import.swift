import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Glibc

/// Journal entries that arrive as a stream (`journalctl -o export` or
/// `-o json` over ssh, or a `systemd-journal-gatewayd`), turned into a real
/// journal file by journald's own `systemd-journal-remote`, so that unit
/// selection and time windows behave exactly as with files. The original
/// cursors are kept (in `T3ATTR_CURSOR`) and reported instead of the
/// temporary file's.
public final class ImportedJournal {
    public let directory: String
    public let path: String
    /// Set when the stream ended early (the entries before it were kept).
    public private(set) var streamError: String?
    public private(set) var entries = 0

    static let journalRemote = "/lib/systemd/systemd-journal-remote"
    public static let cursorField = "T3ATTR_CURSOR"

    let converter = ExportConverter()
    /// The converter is fed from URLSession's queue and finished from the caller's thread.
    private let feedLock = NSLock()
    private let process = Process()
    private let pipe = Pipe()
    private let errPipe = Pipe()

    init(label: String) throws(JournalError) {
        guard FileManager.default.isExecutableFile(atPath: Self.journalRemote) else {
            throw JournalError(.noInput, "reading a stream needs \(Self.journalRemote) (apt-get install systemd-journal-remote)")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("t3attr-import-\(getpid())-\(UUID().uuidString.prefix(8))").path
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw JournalError(.system, "cannot create a temporary directory: \(error)")
        }
        directory = dir
        path = dir + "/\(label).journal"
        process.executableURL = URL(fileURLWithPath: Self.journalRemote)
        process.arguments = ["--split-mode=none", "--output=" + path, "-"]
        process.standardInput = pipe
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errPipe
        do { try process.run() } catch { throw JournalError(.system, "cannot run \(Self.journalRemote): \(error)") }
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// Entries handed to journal-remote so far.
    var entriesFed: Int { feedLock.withLock { converter.entries } }

    func feed(_ data: Data) throws(JournalError) {
        feedLock.lock()
        defer { feedLock.unlock() }
        do {
            let out = try converter.feed(data)
            if !out.isEmpty { try pipe.fileHandleForWriting.write(contentsOf: out) }
        } catch let e as JournalError {
            throw e
        } catch {
            throw JournalError(.system, "systemd-journal-remote stopped reading: \(error)")
        }
    }

    /// Ends the stream and waits for journal-remote to write the file.
    func finish(what: String) throws(JournalError) {
        feedLock.lock()
        defer { feedLock.unlock() }
        do {
            let tail = try converter.finish()
            if !tail.isEmpty { try pipe.fileHandleForWriting.write(contentsOf: tail) }
        } catch let e as JournalError {
            streamError = (streamError.map { $0 + "; " } ?? "") + e.message
        } catch {
            streamError = (streamError.map { $0 + "; " } ?? "") + "\(error)"
        }
        try? pipe.fileHandleForWriting.close()
        let err = errPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        entries = converter.entries
        if converter.entries == 0 {
            throw JournalError(.noInput, "\(what): no journal entries in it (expected Journal Export Format or journalctl -o json)")
        }
        guard FileManager.default.fileExists(atPath: path) else {
            let last = String(decoding: err, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
            throw JournalError(.noInput, "\(what): systemd-journal-remote could not import it: \(last)")
        }
    }

    /// Reads a whole stream from a file descriptor (`--input -` is 0).
    public static func fromFileDescriptor(_ fd: Int32, name: String) throws(JournalError) -> ImportedJournal {
        let imp = try ImportedJournal(label: "input")
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = read(fd, &buf, buf.count)
            if n < 0 {
                if errno == EINTR { continue }
                imp.streamError = "\(name): \(String(cString: strerror(errno)))"
                break
            }
            if n == 0 { break }
            try imp.feed(Data(buf[0..<n]))
        }
        try imp.finish(what: name)
        return imp
    }

    public static func fromFile(_ path: String) throws(JournalError) -> ImportedJournal {
        if path == "-" { return try fromFileDescriptor(0, name: "standard input") }
        let fd = open(path, O_RDONLY)
        if fd < 0 {
            let e = errno
            throw JournalError(e == EACCES ? .permission : .noInput, "\(path): \(String(cString: strerror(e)))")
        }
        defer { close(fd) }
        return try fromFileDescriptor(fd, name: path)
    }

    /// Fetches `/entries` from a systemd-journal-gatewayd (Journal Export
    /// Format); the caller's unit matches and time window are applied to the
    /// imported file. A gateway that stops mid-stream keeps what was read.
    public static func fromGateway(_ base: String, timeout: TimeInterval = 30) throws(JournalError) -> ImportedJournal {
        var s = base
        while s.hasSuffix("/") { s.removeLast() }
        guard let url = URL(string: s + "/entries"), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            throw JournalError(.noInput, "\(base): not an http:// or https:// URL")
        }
        let imp = try ImportedJournal(label: "gateway")
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.setValue("application/vnd.fdo.journal", forHTTPHeaderField: "Accept")
        let receiver = GatewayReceiver(importer: imp)
        let session = URLSession(configuration: .ephemeral, delegate: receiver, delegateQueue: nil)
        session.dataTask(with: request).resume()
        receiver.done.wait()
        session.invalidateAndCancel()
        if let e = receiver.failureText {
            if receiver.bytesReceived == 0 { throw JournalError(.noInput, "\(base): \(e)") }
            imp.streamError = "\(base): the stream ended early: \(e)"
        }
        try imp.finish(what: base)
        return imp
    }
}

extension ImportedJournal {
    /// `--url ... -f`: streams `/entries?follow` into journal-remote for as
    /// long as the process runs; returns once the journal file has its first
    /// entries, so that it can be followed like any file.
    public static func followGateway(_ base: String) throws(JournalError) -> ImportedJournal {
        var s = base
        while s.hasSuffix("/") { s.removeLast() }
        guard let url = URL(string: s + "/entries?follow"), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            throw JournalError(.noInput, "\(base): not an http:// or https:// URL")
        }
        let imp = try ImportedJournal(label: "gateway")
        var request = URLRequest(url: url, timeoutInterval: 365 * 86400)
        request.setValue("application/vnd.fdo.journal", forHTTPHeaderField: "Accept")
        let receiver = GatewayReceiver(importer: imp)
        let session = URLSession(configuration: .ephemeral, delegate: receiver, delegateQueue: nil)
        session.dataTask(with: request).resume()
        FollowedGateways.keep(session, receiver)
        // Wait for the first entries to reach journal-remote (or for a failure).
        let arrived = receiver.firstEntries.wait(timeout: .now() + 10) == .success
        if let failure = receiver.failureText { throw JournalError(.noInput, "\(base): \(failure)") }
        guard arrived else { throw JournalError(.noInput, "\(base): no journal entries arrived within 10 s") }
        // journal-remote writes the file as the entries arrive.
        for _ in 0..<100 {
            var st = stat()
            if stat(imp.path, &st) == 0 && st.st_size > 0 { return imp }
            usleep(50_000)
        }
        throw JournalError(.noInput, "\(base): systemd-journal-remote wrote no journal file")
    }
}

/// Keeps followed gateway sessions alive for the life of the process.
enum FollowedGateways {
    nonisolated(unsafe) static var live: [(URLSession, GatewayReceiver)] = []
    static func keep(_ s: URLSession, _ r: GatewayReceiver) { live.append((s, r)) }
}

/// URLSession delegate feeding the importer as the body arrives. It runs on
/// URLSession's queue; what the caller reads is behind `lock`.
final class GatewayReceiver: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    let importer: ImportedJournal
    let done = DispatchSemaphore(value: 0)
    /// Signalled once when the first entries were handed to journal-remote, or on failure.
    let firstEntries = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var failure: String?
    private var bytes = 0
    private var signalled = false

    init(importer: ImportedJournal) { self.importer = importer }

    var failureText: String? { lock.withLock { failure } }
    var bytesReceived: Int { lock.withLock { bytes } }

    private func fail(_ text: String) {
        let first = lock.withLock { () -> Bool in
            if failure == nil { failure = text }
            defer { signalled = true }
            return !signalled
        }
        if first { firstEntries.signal() }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void) {
        if let http = response as? HTTPURLResponse {
            let type = http.value(forHTTPHeaderField: "Content-Type") ?? "none"
            if http.statusCode != 200 {
                fail("HTTP \(http.statusCode) (not a journal gateway?)")
                completionHandler(.cancel)
                return
            }
            if !type.hasPrefix("application/vnd.fdo.journal") {
                fail("not a journal gateway (Content-Type: \(type))")
                completionHandler(.cancel)
                return
            }
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard failureText == nil else { return }
        lock.withLock { bytes += data.count }
        do {
            try importer.feed(data)
        } catch {
            fail(error.message)
            dataTask.cancel()
            return
        }
        let first = lock.withLock { () -> Bool in
            guard !signalled, importer.entriesFed > 0 else { return false }
            signalled = true
            return true
        }
        if first { firstEntries.signal() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        if let error {
            let ns = error as NSError
            var text = ns.localizedDescription.isEmpty ? "\(error)" : ns.localizedDescription
            if let under = ns.userInfo[NSUnderlyingErrorKey] as? NSError, under.localizedDescription != text {
                text += " (\(under.localizedDescription))"
            }
            fail(text)
        }
        done.signal()
    }
}

/// Incremental converter from Journal Export Format or `journalctl -o json`
/// lines (detected from the first byte) to Journal Export Format for
/// journal-remote: `__CURSOR` becomes `T3ATTR_CURSOR`, other `__` fields
/// except the timestamps are dropped, binary values are length-prefixed.
final class ExportConverter {
    enum Format { case unknown, export, json }
    var format = Format.unknown
    var buffer: [UInt8] = []
    var pos = 0
    var entries = 0
    private var entryHasFields = false

    func feed(_ data: Data) throws(JournalError) -> Data {
        buffer.append(contentsOf: data)
        if format == .unknown {
            guard let first = buffer.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) else { return Data() }
            format = first == UInt8(ascii: "{") ? .json : .export
        }
        var out = [UInt8]()
        switch format {
        case .export: try convertExport(&out, final: false)
        case .json: try convertJSON(&out, final: false)
        case .unknown: break
        }
        if pos > 0 { buffer.removeFirst(pos); pos = 0 }
        return Data(out)
    }

    func finish() throws(JournalError) -> Data {
        var out = [UInt8]()
        switch format {
        case .export: try convertExport(&out, final: true)
        case .json: try convertJSON(&out, final: true)
        case .unknown: break
        }
        if entryHasFields { out.append(0x0A); entries += 1; entryHasFields = false }
        return Data(out)
    }

    static func emit(_ out: inout [UInt8], name: [UInt8], value: ArraySlice<UInt8>) {
        var name = name
        // The stream's own T3ATTR_CURSOR fields were logged by some process on
        // the host, not kept by t3attr: only __CURSOR may fill that field.
        if name == Array(ImportedJournal.cursorField.utf8) { return }
        if name == Array("__CURSOR".utf8) { name = Array(ImportedJournal.cursorField.utf8) }
        else if name.starts(with: [0x5F, 0x5F]) && name != Array("__REALTIME_TIMESTAMP".utf8)
                    && name != Array("__MONOTONIC_TIMESTAMP".utf8) { return }
        if value.contains(0x0A) || value.contains(where: { $0 < 0x20 && $0 != 0x09 }) {
            out += name
            out.append(0x0A)
            var len = UInt64(value.count).littleEndian
            withUnsafeBytes(of: &len) { out += $0 }
            out += value
            out.append(0x0A)
        } else {
            out += name
            out.append(UInt8(ascii: "="))
            out += value
            out.append(0x0A)
        }
    }

    private func convertExport(_ out: inout [UInt8], final: Bool) throws(JournalError) {
        while pos < buffer.count {
            guard let nl = buffer[pos...].firstIndex(of: 0x0A) else {
                if final && pos < buffer.count { throw JournalError(.noInput, "the export stream ends in the middle of an entry") }
                return
            }
            if nl == pos {  // blank line: end of entry
                if entryHasFields { out.append(0x0A); entries += 1; entryHasFields = false }
                pos = nl + 1
                continue
            }
            let line = buffer[pos..<nl]
            if let eq = line.firstIndex(of: UInt8(ascii: "=")) {
                Self.emit(&out, name: Array(buffer[pos..<eq]), value: buffer[(eq + 1)..<nl])
                entryHasFields = true
                pos = nl + 1
            } else {
                // Binary field: NAME\n, 64-bit little-endian size, data, \n.
                let dataStart = nl + 1 + 8
                guard dataStart <= buffer.count else {
                    if final { throw JournalError(.noInput, "the export stream ends in the middle of a binary field") }
                    return
                }
                var size: UInt64 = 0
                for k in 0..<8 { size |= UInt64(buffer[nl + 1 + k]) << (8 * UInt64(k)) }
                guard size < 1 << 30 else { throw JournalError(.noInput, "not Journal Export Format (a field of \(size) bytes)") }
                let end = dataStart + Int(size)
                guard end + 1 <= buffer.count else {
                    if final { throw JournalError(.noInput, "the export stream ends in the middle of a binary field") }
                    return
                }
                Self.emit(&out, name: Array(buffer[pos..<nl]), value: buffer[dataStart..<end])
                entryHasFields = true
                pos = end + 1
            }
        }
    }

    private func convertJSON(_ out: inout [UInt8], final: Bool) throws(JournalError) {
        while pos < buffer.count {
            let nl = buffer[pos...].firstIndex(of: 0x0A)
            if nl == nil && !final { return }
            let end = nl ?? buffer.count
            let line = buffer[pos..<end]
            pos = end + (nl == nil ? 0 : 1)
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
            guard let obj = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                throw JournalError(.noInput, "not journalctl -o json: a line is not a JSON object")
            }
            for (key, value) in obj.sorted(by: { $0.key < $1.key }) {
                let name = Array(key.utf8)
                for v in Self.values(value) { Self.emit(&out, name: name, value: v[...]) }
            }
            out.append(0x0A)
            entries += 1
        }
    }

    /// journalctl -o json: a string, a byte array (binary), or an array of those (several values).
    static func values(_ v: Any) -> [[UInt8]] {
        if let s = v as? String { return [Array(s.utf8)] }
        if let a = v as? [Any] {
            if a.allSatisfy({ $0 is NSNumber }) { return [a.map { UInt8(truncatingIfNeeded: ($0 as! NSNumber).intValue) }] }
            return a.flatMap { values($0) }
        }
        if let n = v as? NSNumber { return [Array(n.stringValue.utf8)] }
        return []
    }
}
