import Foundation

/// Paths and tools the tests share. Anything missing fails loudly: a test
/// run without systemd-journal-remote or journalctl is not a pass.
public enum Fixtures {
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    public static var directory: URL { packageRoot.appendingPathComponent("Tests/Fixtures") }

    public static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    public static let journalRemote = "/lib/systemd/systemd-journal-remote"

    /// The t3attr binary `swift build` made (or `T3ATTR_BIN`).
    public static var binary: String {
        if let b = ProcessInfo.processInfo.environment["T3ATTR_BIN"] { return b }
        for config in ["debug", "release"] {
            let p = packageRoot.appendingPathComponent(".build/\(config)/t3attr").path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return packageRoot.appendingPathComponent(".build/debug/t3attr").path
    }

    public struct Missing: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// A new temporary directory, removed by the caller when it wants to.
    public static func tempDir(_ tag: String = "t3attr-test") throws -> String {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(tag)-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Builds a real journal file from `Tests/Fixtures/<name>.export` with
    /// systemd-journal-remote and returns its path.
    public static func journal(_ name: String, in dir: String? = nil, fileName: String? = nil) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: journalRemote) else {
            throw Missing(description: "\(journalRemote) is missing: apt-get install systemd-journal-remote (make test does)")
        }
        let d = try dir ?? tempDir()
        let out = d + "/" + (fileName ?? name + ".journal")
        let r = try run(journalRemote, ["--output=" + out, path(name + ".export")])
        guard r.status == 0, FileManager.default.fileExists(atPath: out) else {
            throw Missing(description: "systemd-journal-remote failed on \(name).export: \(r.stderr)")
        }
        return out
    }

    /// Builds a journal from export text given inline.
    public static func journal(exportText: Data, in dir: String? = nil, fileName: String = "inline.journal") throws -> String {
        let d = try dir ?? tempDir()
        let src = d + "/" + fileName + ".export"
        try exportText.write(to: URL(fileURLWithPath: src))
        let out = d + "/" + fileName
        let r = try run(journalRemote, ["--output=" + out, src])
        guard r.status == 0 else { throw Missing(description: "systemd-journal-remote failed: \(r.stderr)") }
        return out
    }

    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var stdoutData: Data
    }

    /// Runs a program to completion (environment: the test's, plus `env`).
    public static func run(_ exe: String, _ args: [String], env: [String: String] = [:], stdin: Data? = nil,
                           unset: [String] = []) throws -> Result {
        guard FileManager.default.isExecutableFile(atPath: exe) else {
            throw Missing(description: "\(exe) is missing or not executable")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        var e = ProcessInfo.processInfo.environment
        e["TZ"] = e["TZ"] ?? "UTC"
        for (k, v) in env { e[k] = v }
        for k in unset { e.removeValue(forKey: k) }
        p.environment = e
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        try p.run()
        if let stdin { inp.fileHandleForWriting.write(stdin) }
        try? inp.fileHandleForWriting.close()
        // Read both pipes concurrently so a full stderr cannot block stdout.
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self), stdoutData: outData)
    }

    /// Runs the built t3attr.
    public static func t3attr(_ args: [String], env: [String: String] = [:], stdin: Data? = nil) throws -> Result {
        try run(binary, args, env: env, stdin: stdin)
    }

    /// The cursors `journalctl ARGS -o export` prints: the oracle for selection.
    public static func journalctlCursors(_ args: [String]) throws -> [String] {
        let r = try run("/usr/bin/journalctl", args + ["-o", "export", "--no-pager"])
        guard r.status == 0 else { throw Missing(description: "journalctl \(args) failed: \(r.stderr)") }
        return r.stdout.split(separator: "\n").compactMap { line in
            line.hasPrefix("__CURSOR=") ? String(line.dropFirst(9)) : nil
        }
    }

    /// Parses NDJSON output into objects.
    public static func ndjson(_ s: String) throws -> [[String: Any]] {
        try s.split(separator: "\n").map { line in
            guard let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw Missing(description: "not a JSON object: \(line)")
            }
            return o
        }
    }
}
