import Foundation
import Glibc
import TestSupport
import Testing

private func events(_ out: String) throws -> [[String: Any]] {
    try Fixtures.ndjson(out).filter { $0["type"] as? String == "event" }
}

/// Runs t3attr under `timeout`, so that a test of something that used to hang fails instead of hanging.
private func t3attrBounded(_ args: [String], seconds: Int = 20) throws -> Fixtures.Result {
    try Fixtures.run("/usr/bin/timeout", [String(seconds), Fixtures.binary] + args)
}

@Suite("options that speak up: values with '-', empty names, port conflicts, config files")
struct OptionLimitsTests {
    /// `--since -1h` (spaced), as documented, and `-S-1h` (attached, as
    /// journalctl takes it) mean the same as `--since=-1h`.
    @Test(
        "time options take values that start with '-'",
        arguments: [
            (["--since", "-1h"], ["--since=-1h"]),
            (["-S", "-30min"], ["--since=-30min"]),
            (["--until", "-10min"], ["--until=-10min"]),
            (["-U", "-10min", "--since", "-2h"], ["--until=-10min", "--since=-2h"]),
            // Attached, as journalctl takes them: `-S-1h` printed the help and exited 0.
            (["-S-30min"], ["--since=-30min"]),
            (["-U-10min", "-S-2h", "-j1"], ["--until=-10min", "--since=-2h", "--jobs=1"]),
            (["-S2026-06-10 20:00"], ["--since=2026-06-10 20:00"]),
        ])
    func dashValues(spaced: [String], joined: [String]) throws {
        let path = try Fixtures.journal("dispatch-basic")
        let env = ["T3ATTR_NOW": "@1781122860"]  // 20:21:00, the fixture's end
        let base = ["dispatch", "--file", path, "--dispatch-table", Fixtures.path("dispatch.json"), "-o", "json"]
        let a = try Fixtures.t3attr(base + spaced, env: env)
        let b = try Fixtures.t3attr(base + joined, env: env)
        #expect(a.status == 0, "\(a.stderr)")
        #expect(b.status == 0, "\(b.stderr)")
        #expect(a.stdout == b.stdout)
        #expect(try !events(a.stdout).isEmpty)
    }

    @Test(
        "empty unit, tag, user and host values are usage errors",
        arguments: [
            ["dispatch", "--dispatch-unit", ""],
            ["report", "--dispatch-unit", ""],
            ["report", "--serve-unit", ""],
            ["report", "--earlyoom-unit", ""],
            ["report", "--script-tag", ""],
            ["bursts", "--serve-unit", ""],
            ["serve", "--user", ""],
            ["dispatch", "--user", ""],
            ["dispatch", "--host", ""],
            // It printed the report, then failed to save the state (65): the next run reported it again.
            ["report", "--cursor-file", ""],
        ])
    func emptyValues(args: [String]) throws {
        let path = try Fixtures.journal("dispatch-basic")
        let r = try Fixtures.t3attr(args + ["--file", path, "--dispatch-table", Fixtures.path("dispatch.json")])
        #expect(r.status == 64, "\(args): \(r.status) \(r.stderr)")
        #expect(r.stderr.contains("must not be empty"), "\(r.stderr)")
        #expect(!r.stdout.contains("No drops"))
    }

    /// Two logins on one port: both are named (stderr, and in the event), and
    /// the `.env` files decide when they name one of them.
    @Test func portClaimedByTwoUsers() throws {
        let path = try Fixtures.journal("dispatch-basic")
        let dir = try Fixtures.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let table = dir + "/dispatch.json"
        try Data(#"{"bob": {"port": 3774}, "bobby": {"port": 3774}, "alice": {"port": 3773}}"#.utf8)
            .write(to: URL(fileURLWithPath: table))
        let args = ["dispatch", "--file", path, "--dispatch-table", table, "--class", "refused", "-o", "json"]
        let r = try Fixtures.t3attr(args + ["--env-dir", dir])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("port 3774 is claimed by bob and bobby"), "\(r.stderr)")
        let ev = try #require(try events(r.stdout).first)
        #expect(ev["user"] as? String == "bob")
        #expect(ev["user_candidates"] as? [String] == ["bob", "bobby"])

        // bobby's .env file says 3774 is bobby's: bobby is the answer, bob still listed.
        try Data("T3_PORT=3774\n".utf8).write(to: URL(fileURLWithPath: dir + "/bobby.env"))
        let e = try Fixtures.t3attr(args + ["--env-dir", dir])
        let ev2 = try #require(try events(e.stdout).first)
        #expect(ev2["user"] as? String == "bobby")
        #expect(ev2["user_candidates"] as? [String] == ["bobby", "bob"])
        #expect(e.stderr.contains("port 3774 is claimed by bobby and bob"), "\(e.stderr)")
        let table2 = try Fixtures.t3attr(["dispatch", "--file", path, "--dispatch-table", table, "--class", "refused", "--env-dir", dir])
        #expect(table2.stdout.contains("bobby|bob"), "\(table2.stdout)")

        // The table and an .env file disagree: both named, the table's answer kept.
        try FileManager.default.removeItem(atPath: dir + "/bobby.env")
        try Data("T3_PORT=3773\n".utf8).write(to: URL(fileURLWithPath: dir + "/mallory.env"))
        let m = try Fixtures.t3attr(["dispatch", "--file", path, "--dispatch-table", table, "--env-dir", dir, "-o", "json"])
        #expect(m.stderr.contains("port 3773 is claimed by alice and mallory"), "\(m.stderr)")

        // No conflict: no extra key, no warning.
        let plain = try Fixtures.t3attr(["dispatch", "--file", path, "--dispatch-table", Fixtures.path("dispatch.json"), "-o", "json"])
        #expect(!plain.stdout.contains("user_candidates"))
        #expect(!plain.stderr.contains("claimed by"))
    }

    /// A FIFO, a device or an oversized file is refused by name before being read.
    @Test func configFilesMustBeRegularAndSmall() throws {
        let path = try Fixtures.journal("dispatch-basic")
        let dir = try Fixtures.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fifo = dir + "/fifo.json"
        #expect(mkfifo(fifo, 0o600) == 0)
        let f = try t3attrBounded(["dispatch", "--file", path, "--dispatch-table", fifo])
        #expect(f.status == 66, "\(f.status) \(f.stderr)")
        #expect(f.stderr.contains("\(fifo): is a FIFO, not a regular file"), "\(f.stderr)")

        let u = try t3attrBounded(["dispatch", "--file", path, "--dispatch-table", "/dev/urandom"])
        #expect(u.status == 66)
        #expect(u.stderr.contains("/dev/urandom: is a character device, not a regular file"), "\(u.stderr)")

        // 300 MB (sparse): refused from its size, without reading it.
        let big = dir + "/big.json"
        #expect(FileManager.default.createFile(atPath: big, contents: Data("{}".utf8)))
        #expect(truncate(big, 300_000_000) == 0)
        let b = try t3attrBounded(["dispatch", "--file", path, "--dispatch-table", big], seconds: 5)
        #expect(b.status == 65, "\(b.status) \(b.stderr)")
        #expect(b.stderr.contains("\(big): is 300000000 bytes, more than the 16 MiB"), "\(b.stderr)")

        let empty = dir + "/empty.json"
        #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
        let e = try t3attrBounded(["dispatch", "--file", path, "--dispatch-table", empty])
        #expect(e.status == 65)
        #expect(e.stderr.contains("\(empty): is empty"), "\(e.stderr)")

        // The same for an .env file.
        let envDir = dir + "/env"
        try FileManager.default.createDirectory(atPath: envDir, withIntermediateDirectories: true)
        #expect(mkfifo(envDir + "/bob.env", 0o600) == 0)
        let v = try t3attrBounded(["dispatch", "--file", path, "--dispatch-table", Fixtures.path("dispatch.json"), "--env-dir", envDir])
        #expect(v.status == 66, "\(v.status) \(v.stderr)")
        #expect(v.stderr.contains("\(envDir)/bob.env: is a FIFO, not a regular file"), "\(v.stderr)")
    }
}

@Suite("many journal files: the open-file limit")
struct OpenFileLimitTests {
    static let count = 120

    /// `count` small journal files in one directory, one dispatch entry each, a minute apart.
    static func manyFiles() throws -> String {
        let dir = try Fixtures.tempDir("t3attr-many")
        let src = try Fixtures.tempDir("t3attr-many-src")
        defer { try? FileManager.default.removeItem(atPath: src) }
        for i in 0..<count {
            let t = 1_781_121_600_000_000 + UInt64(i) * 60_000_000
            let text = """
                __REALTIME_TIMESTAMP=\(t)
                __MONOTONIC_TIMESTAMP=\(3_600_000_000 + UInt64(i) * 60_000_000)
                _BOOT_ID=5ae0daad7495215b8541efb25e0e7cae
                _MACHINE_ID=0f3a9c2e5b7d4e1f8a6b2c4d6e8f0a1b
                _HOSTNAME=devvm
                _TRANSPORT=stdout
                _PID=812
                _UID=0
                _SYSTEMD_UNIT=t3-dispatch.service
                SYSLOG_IDENTIFIER=t3-dispatch
                MESSAGE=entry \(i)


                """
            let name = String(format: "f%03d.journal", i)
            try Data(text.utf8).write(to: URL(fileURLWithPath: "\(src)/\(name).export"))
            let r = try Fixtures.run(Fixtures.journalRemote, ["--output=\(dir)/\(name)", "\(src)/\(name).export"])
            guard r.status == 0 else { throw Fixtures.Missing(description: "journal-remote: \(r.stderr)") }
        }
        return dir
    }

    static func summary(_ out: String) throws -> [String: Any] {
        try #require(try Fixtures.ndjson(out).last { $0["type"] as? String == "summary" })
    }

    /// Runs t3attr with RLIMIT_NOFILE set by prlimit(1) ("40:40" soft and hard, "40:" soft only).
    static func limited(_ limit: String, _ args: [String]) throws -> Fixtures.Result {
        try Fixtures.run("/usr/bin/prlimit", ["--nofile=\(limit)", Fixtures.binary] + args)
    }

    /// Hard limit lowered too: raising cannot help, so the files sd-journal
    /// could not open are named and --strict fails; nothing is silently lost.
    @Test func filesBeyondTheHardLimitAreNamed() throws {
        let dir = try Self.manyFiles()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let files = (0..<Self.count).map { String(format: "\(dir)/f%03d.journal", $0) }
        for args in [
            ["report", "-D", dir], ["dispatch", "--all", "-D", dir, "--jobs", "1"],
            ["dispatch", "--all", "--file", "\(dir)/*.journal", "--jobs", "1"],
        ] {
            let r = try Self.limited("40:40", args + ["--strict", "-o", "json", "--dispatch-table", Fixtures.path("dispatch.json")])
            #expect(r.status == 65, "\(args): \(r.status) \(r.stderr)")
            let s = try Self.summary(r.stdout)
            let skipped = (s["skipped_files"] as? [[String: Any]]) ?? []
            #expect(!skipped.isEmpty, "\(args)")
            for f in skipped {
                #expect(files.contains(f["path"] as? String ?? ""), "\(f)")
                #expect((f["reason"] as? String ?? "").contains("open-file limit"), "\(f)")
            }
            // Every file is either read (one entry each) or named.
            #expect((s["entries_read"] as? Int ?? 0) + skipped.count == Self.count, "\(args): \(s)")
            #expect(r.stderr.contains("open-file limit"))
        }
        // One handle per file: every file is read, even under the low limit.
        let j = try Self.limited(
            "40:40",
            [
                "dispatch", "--all", "-D", dir, "--jobs", "2", "--strict", "-o", "json",
                "--dispatch-table", Fixtures.path("dispatch.json"),
            ])
        #expect(j.status == 0, "\(j.stderr)")
        #expect(try Self.summary(j.stdout)["entries_read"] as? Int == Self.count)
    }

    /// Only the soft limit lowered: t3attr raises it to the hard limit, as journalctl does, and reads every file.
    @Test func softLimitIsRaised() throws {
        let dir = try Self.manyFiles()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for args in [
            ["report", "-D", dir], ["dispatch", "--all", "-D", dir, "--jobs", "1"],
            ["dispatch", "--all", "--file", "\(dir)/*.journal", "--jobs", "1"],
        ] {
            let r = try Self.limited("40:", args + ["--strict", "-o", "json", "--dispatch-table", Fixtures.path("dispatch.json")])
            #expect(r.status == 0, "\(args): \(r.stderr)")
            let s = try Self.summary(r.stdout)
            #expect(s["entries_read"] as? Int == Self.count, "\(args)")
            #expect((s["skipped_files"] as? [Any])?.isEmpty == true, "\(args)")
        }
    }
}

@Suite("--cursor-file: one run at a time, permission problems found first")
struct CursorFileLockTests {
    static func dropCursors(_ out: String) throws -> [String] {
        try Fixtures.ndjson(out).filter { $0["type"] as? String == "drop" }.compactMap { $0["cursor"] as? String }
    }

    /// Two runs started together: the second waits for the first's lock, then
    /// reads the state it saved, so no drop is printed twice.
    @Test func concurrentRunsPrintEachDropOnce() throws {
        let journal = try Fixtures.journal("sample-incident")
        let dir = try Fixtures.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let args = [
            "report", "--file", journal, "--dispatch-table", Fixtures.path("dispatch.json"),
            "--cursor-file", dir + "/state.json", "-o", "json",
        ]
        let all = try Self.dropCursors(try Fixtures.t3attr(Array(args.dropLast(4)) + ["-o", "json"]).stdout)
        #expect(all.count > 5)
        for _ in 0..<3 {
            try? FileManager.default.removeItem(atPath: dir + "/state.json")
            let a = Fixtures.t3attrAsync(args)
            let b = Fixtures.t3attrAsync(args)
            let ra = try a.wait()
            let rb = try b.wait()
            #expect(ra.status == 0 && rb.status == 0, "\(ra.stderr) \(rb.stderr)")
            let ca = try Self.dropCursors(ra.stdout)
            let cb = try Self.dropCursors(rb.stdout)
            #expect(Set(ca).isDisjoint(with: cb), "both runs printed \(Set(ca).intersection(cb).count) drops")
            #expect(Set(ca).union(cb) == Set(all))
        }
    }

    /// A lock held longer than t3attr waits: a clear message and 75, nothing printed.
    @Test func heldLockEndsWithAClearMessage() throws {
        let journal = try Fixtures.journal("sample-incident")
        let dir = try Fixtures.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let holder = try Fixtures.background("/usr/bin/flock", [dir + "/state.json.lock", "sleep", "30"])
        defer { _ = holder.stop() }
        // Until flock(1) has the lock.
        for _ in 0..<50 {
            let fd = open(dir + "/state.json.lock", O_RDONLY)
            if fd >= 0 {
                defer { close(fd) }
                if flock(fd, LOCK_EX | LOCK_NB) != 0 { break } else { flock(fd, LOCK_UN) }
            }
            usleep(100_000)
        }
        let start = Date()
        let r = try Fixtures.t3attr([
            "report", "--file", journal, "--dispatch-table", Fixtures.path("dispatch.json"),
            "--cursor-file", dir + "/state.json", "-o", "json",
        ])
        #expect(r.status == 75, "\(r.status) \(r.stderr)")
        #expect(r.stderr.contains("\(dir)/state.json.lock: another t3attr run"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        #expect(Date().timeIntervalSince(start) >= 9)
    }

    /// Port maps this user may not read: a table or an `--env-dir` named is
    /// permission denied (77), not a map quietly left empty; a `.env` link
    /// to nothing is named as that, not as a file root may not read.
    @Test func portMapsThisUserMayNotReadAreDenied() throws {
        let dir = try Fixtures.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        chmod(dir, 0o755)
        let journal = try Fixtures.journal("sample-incident", in: dir)
        chmod(journal, 0o644)
        let table = dir + "/dispatch.json"
        try FileManager.default.copyItem(atPath: Fixtures.path("dispatch.json"), toPath: table)
        let env = dir + "/env"
        try FileManager.default.createDirectory(atPath: env, withIntermediateDirectories: true)
        try Data("T3_PORT=3773\n".utf8).write(to: URL(fileURLWithPath: env + "/alice.env"))
        chmod(env + "/alice.env", 0o644)
        func run(_ args: [String]) throws -> Fixtures.Result {
            getuid() == 0
                ? try Fixtures.run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", Fixtures.binary] + args)
                : try Fixtures.t3attr(args)
        }
        chmod(table, 0o600)
        chmod(env, 0o755)
        let t = try run(["report", "--file", journal, "--dispatch-table", table, "--env-dir", env])
        #expect(t.status == 77, "\(t.status) \(t.stderr)")
        #expect(t.stderr.contains(table), "\(t.stderr)")
        chmod(table, 0o644)
        chmod(env, 0o700)
        let e = try run(["report", "--file", journal, "--dispatch-table", table, "--env-dir", env])
        #expect(e.status == 77, "\(e.status) \(e.stderr)")
        #expect(e.stderr.contains("\(env): cannot be listed"), "\(e.stderr)")
        chmod(env, 0o755)
        try FileManager.default.createSymbolicLink(atPath: env + "/bob.env", withDestinationPath: dir + "/nowhere")
        let l = try Fixtures.t3attr(["report", "--file", journal, "--dispatch-table", table, "--env-dir", env])
        #expect(l.status == 0, "\(l.stderr)")
        #expect(l.stderr.contains("\(env)/bob.env: cannot be opened (a link to nothing)"), "\(l.stderr)")
    }

    /// A state directory this user cannot write: exit 77 before any drop is printed.
    @Test func unwritableStateDirectoryIsFoundFirst() throws {
        let journal = try Fixtures.journal("sample-incident")
        let dir = try Fixtures.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        chmod(dir, 0o755)
        let state = dir + "/state"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        chmod(state, 0o555)
        chmod(journal, 0o644)
        chmod((journal as NSString).deletingLastPathComponent, 0o755)
        let table = dir + "/dispatch.json"
        try FileManager.default.copyItem(atPath: Fixtures.path("dispatch.json"), toPath: table)
        chmod(table, 0o644)
        let args = ["report", "--file", journal, "--dispatch-table", table, "--cursor-file", state + "/state.json", "-o", "json"]
        let r =
            getuid() == 0
            ? try Fixtures.run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", Fixtures.binary] + args)
            : try Fixtures.t3attr(args)
        #expect(r.status == 77, "\(r.status) \(r.stderr)")
        #expect(r.stderr.contains("cannot write in \(state)"), "\(r.stderr)")
        #expect(!r.stdout.contains("\"type\":\"drop\""), "drops were printed before the failure")
        // An existing state file this user may not read: also 77.
        chmod(state, 0o777)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: state + "/state.json"))
        chmod(state + "/state.json", 0o600)
        let u =
            getuid() == 0
            ? try Fixtures.run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", Fixtures.binary] + args)
            : try Fixtures.t3attr(args)
        #expect(u.status == 77, "\(u.status) \(u.stderr)")
        #expect(u.stdout.isEmpty)
    }
}

extension Fixtures {
    /// A t3attr run on its own thread; `wait()` returns its result.
    final class AsyncRun: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private var result: Swift.Result<Fixtures.Result, any Error>?
        init(_ args: [String]) {
            Thread.detachNewThread { [self] in
                result = Swift.Result { try Fixtures.t3attr(args) }
                done.signal()
            }
        }
        func wait() throws -> Fixtures.Result {
            done.wait()
            return try result!.get()
        }
    }

    static func t3attrAsync(_ args: [String]) -> AsyncRun { AsyncRun(args) }
}
