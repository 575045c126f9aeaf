import Foundation
import TestSupport
import Testing

private let table = ["--dispatch-table", Fixtures.path("dispatch.json")]

/// Issue 15, "mistakes get answers, not silence": each mistake an operator
/// can make names what exists and ends with a non-zero status.
@Suite("mistakes get answers: misspelt units, users and commands")
struct MistakeTests {
    @Test(
        "a unit name or glob the operator gave that names nothing is a usage error naming the nearest units",
        arguments: [
            (
                ["report", "--dispatch-unit", "t3-dispach"],
                "no entries for unit 't3-dispach.service' in the journal; did you mean t3-dispatch.service?"
            ),
            (
                ["dispatch", "--dispatch-unit", "t3-dispach"],
                "no entries for unit 't3-dispach.service' in the journal; did you mean t3-dispatch.service?"
            ),
            (
                ["dispatch", "-j", "2", "--dispatch-unit", "t3-dispach"],
                "no entries for unit 't3-dispach.service' in the journal; did you mean t3-dispatch.service?"
            ),
            (["report", "--serve-unit", "t3-serv@*"], "no unit in the journal matches 't3-serv@*'; did you mean t3-serve@frank.service?"),
            (
                ["bursts", "--serve-unit", "t3-srve@frank"],
                "no entries for unit 't3-srve@frank.service' in the journal; did you mean t3-serve@frank.service?"
            ),
            (["report", "--dispatch-unit", "t3-dispatch@*"], "no unit in the journal matches 't3-dispatch@*'; did you mean t3-dispatch.service?"),
        ])
    func unitNamesThatNameNothing(args: [String], message: String) throws {
        let path = try Fixtures.journal("scenario-serve-oom")
        let r = try Fixtures.t3attr(args + ["--file", path] + table)
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stderr.contains("t3attr: error: " + message), "\(r.stderr)")
        #expect(r.stdout.isEmpty || !r.stdout.contains("No drops."))
    }

    @Test(
        "--host naming no host of the journal is a usage error naming those there are; one of several is a warning",
        arguments: ["report", "bursts", "why alice 2026-06-16T10:00:00Z", "dispatch", "dispatch -j 2"])
    func hostNamesThatNameNothing(command: String) throws {
        let path = try Fixtures.journal("scenario-fleet")
        let cmd = command.split(separator: " ").map(String.init)
        let typo = try Fixtures.t3attr(cmd + ["--file", path, "--host", "devvm-d"] + table)
        #expect(typo.status == 64, "\(typo.stderr)")
        #expect(
            typo.stderr.contains("t3attr: error: no entries from host 'devvm-d' in the journal (hosts in it: devvm-a, devvm-b, devvm-c)"),
            "\(typo.stderr)")
        #expect(typo.stdout.isEmpty, "\(typo.stdout)")
        // One real host among the names: its output, and a warning for the other.
        let one = try Fixtures.t3attr(cmd + ["--file", path, "--host", "devvm-b"] + table)
        let both = try Fixtures.t3attr(cmd + ["--file", path, "--host", "devvm-b", "--host", "devvm-x"] + table)
        #expect(one.status == 0 && both.status == 0, "\(one.stderr) \(both.stderr)")
        #expect(both.stdout == one.stdout)
        let warning = "t3attr: warning: no entries from host 'devvm-x' in the journal; the other hosts given are read"
        #expect(both.stderr.split(separator: "\n").sorted() == (one.stderr.split(separator: "\n") + [warning[...]]).sorted(), "\(both.stderr)")
    }

    @Test("the default serve units matching nothing stay a note, status 0", arguments: ["report", "serve", "serve -o json", "bursts"])
    func defaultsMatchingNothingAreANote(command: String) throws {
        let path = try Fixtures.journal("scenario-fleet")
        let r = try Fixtures.t3attr(command.split(separator: " ").map(String.init) + ["--file", path] + table)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(
            r.stderr.contains(
                "warning: no unit in the journal matches 't3-serve@*.service': the serves' own lines are missing (the watchdog's still count)"),
            "\(r.stderr)")
        if command == "serve" {
            #expect(r.stdout.contains("-- No serve-side events in "), "\(r.stdout)")
        }
        if command == "serve -o json" {
            #expect(
                r.stdout.contains(
                    "\"notes\":[\"no unit in the journal matches 't3-serve@*.service': the serves' own lines are missing (the watchdog's still count)\"]"
                ), "\(r.stdout)")
        }
        // Named by the operator, the same units are a mistake (status 64).
        let named = try Fixtures.t3attr(["serve", "--serve-unit", "t3-serve@*", "--file", path] + table)
        #expect(named.status == 64 && named.stderr.contains("no unit in the journal matches 't3-serve@*'"), "\(named.stderr)")
    }

    @Test("--user naming nobody seen says so, names who was seen, status 1; a known user is status 0")
    func unknownUser() throws {
        let path = try Fixtures.journal("scenario-serve-oom")
        let r = try Fixtures.t3attr(["serve", "--file", path, "--user", "franc"] + table)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("warning: user 'franc' is not seen in the window (did you mean frank?); users seen: "), "\(r.stderr)")
        #expect(r.stderr.contains("frank"))
        let ok = try Fixtures.t3attr(["serve", "--file", path, "--user", "frank"] + table)
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(!ok.stderr.contains("not seen"))
    }

    @Test(
        "dispatch --user naming nobody seen says so with the users that were, status 1, with one handle or several",
        arguments: [["--jobs", "1"], ["--jobs", "2"]])
    func dispatchUnknownUser(jobs: [String]) throws {
        // Two files, so that --jobs 2 reads on two threads.
        let dir = try Fixtures.tempDir("t3attr-dispatch-user")
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("sample-incident.export"))), as: UTF8.self)
        let entries = text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        for (name, part) in [("a.journal", entries[..<(entries.count / 2)]), ("b.journal", entries[(entries.count / 2)...])] {
            _ = try Fixtures.journal(exportText: Data((part.joined(separator: "\n\n") + "\n\n").utf8), in: dir, fileName: name)
        }
        let r = try Fixtures.t3attr(["dispatch", "-D", dir, "--user", "alcie"] + jobs + table)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(
            r.stderr.contains("warning: user 'alcie' is not seen in the window (did you mean alice?); users seen: alice, bob, carol"), "\(r.stderr)")
        let ok = try Fixtures.t3attr(["dispatch", "-D", dir, "--user", "alice", "--user", "zed"] + jobs + table)
        #expect(ok.status == 0, "one of the users was seen: \(ok.stderr)")
        #expect(ok.stderr.contains("user 'zed' is not seen in the window; users seen: alice"), "\(ok.stderr)")
        #expect(!ok.stderr.contains("'alice' is not seen"))
    }

    @Test("report --user keeps that user's drops; a user not seen is named with those that were, status 1")
    func reportUser() throws {
        let path = try Fixtures.journal("scenario-serve-oom")
        let r = try Fixtures.t3attr(["report", "--file", path, "--user", "franc", "-o", "json"] + table)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("warning: user 'franc' is not seen in the window (did you mean frank?); users seen: frank"), "\(r.stderr)")
        let ok = try Fixtures.t3attr(["report", "--file", path, "--user", "frank", "--user", "nobody"] + table)
        #expect(ok.status == 0, "one of the users was seen: \(ok.stderr)")
        // Its proxy errors are request errors (issue 13); the answer says what chose the drops.
        #expect(ok.stdout.contains("1 of 1 drop (--user frank --user nobody): 1 serve"), "\(ok.stdout)")
        #expect(ok.stderr.contains("user 'nobody' is not seen in the window; users seen: frank"), "\(ok.stderr)")
        // A user seen whose drops --verdict leaves out was seen all the same: no drops, status 0.
        let sample = try Fixtures.journal("sample-incident")
        let other = try Fixtures.t3attr(["report", "--file", sample, "--user", "alice", "--verdict", "serve"] + table)
        #expect(other.status == 0, "\(other.stderr)")
        #expect(other.stdout.contains("No drops with --verdict serve --user alice (12 drops in all)."), "\(other.stdout)")
        #expect(!other.stderr.contains("not seen"), "\(other.stderr)")
        // A filter says so: it printed "No drops." or "implicated: none" above a burst of seven users.
        let client = try Fixtures.t3attr(["report", "--file", sample, "--verdict", "client", "-o", "json"] + table)
        let summary = try #require(try Fixtures.ndjson(client.stdout).last)
        #expect(summary["answer"] as? String == "1 of 12 drops (--verdict client): 1 client; infra segments implicated: none")
        #expect(summary["drops"] as? Int == 1 && summary["drops_before_filters"] as? Int == 12)
    }

    @Test(
        "--verdict and --user keep the bursts' evidence whole (filtering drops used to crash on it)",
        arguments: [["--verdict", "serve"], ["--user", "alice"]])
    func filteringKeepsBurstEvidence(filter: [String]) throws {
        let path = try Fixtures.journal("scenario-fleet")
        let all = try Fixtures.t3attr(["report", "--file", path, "-o", "json"] + table)
        let some = try Fixtures.t3attr(["report", "--file", path, "-o", "json"] + filter + table)
        #expect(some.status == 0, "\(some.stderr)")
        func bursts(_ s: String) throws -> [String] {
            try Fixtures.ndjson(s).filter { $0["type"] as? String == "burst" }.map {
                String(decoding: try JSONSerialization.data(withJSONObject: $0, options: .sortedKeys), as: UTF8.self)
            }
        }
        // The bursts left are whole: each is one the unfiltered report listed.
        let kept = try bursts(some.stdout)
        let every = try bursts(all.stdout)
        #expect(kept.allSatisfy { every.contains($0) })
        #expect(!every.isEmpty)
        for format in ["table", "markdown"] {
            let r = try Fixtures.t3attr(["report", "--file", path, "-o", format] + filter + table)
            #expect(r.status == 0, "\(format): \(r.stderr)")
        }
    }

    /// A bad --since is found once the command runs: its usage line named the
    /// root command (`t3attr <subcommand>`), not the one that was run.
    @Test(arguments: ["report", "dispatch", "bursts", "serve"])
    func aBadTimeNamesTheCommandsUsage(command: String) throws {
        let sample = try Fixtures.journal("sample-incident")
        let r = try Fixtures.t3attr([command, "--file", sample, "--since", "yesterdy"] + table)
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stderr.contains("Error: invalid time 'yesterdy'"), "\(r.stderr)")
        #expect(r.stderr.contains("Usage: t3attr \(command) "), "\(r.stderr)")
        #expect(r.stderr.contains("See 't3attr \(command) --help'"), "\(r.stderr)")
        #expect(!r.stderr.contains("<subcommand>"), "\(r.stderr)")
    }

    /// `--dispatch-unit 't3-*'` matched every serve too: their lines were read
    /// as the dispatch's and the serve rules saw no serve (frank's OOM kill
    /// was no longer his serve's). A dispatch glob leaves the serves to them.
    @Test func aDispatchGlobThatMatchesTheServesLeavesThemServes() throws {
        let sample = try Fixtures.journal("sample-incident")
        func verdicts(_ extra: [String]) throws -> [String] {
            let r = try Fixtures.t3attr(["report", "--file", sample, "-o", "json"] + extra + table)
            #expect(r.status == 0, "\(r.stderr)")
            return try Fixtures.ndjson(r.stdout).filter { $0["type"] as? String == "drop" }.map {
                "\($0["verdict"] ?? "")/\($0["reason"] ?? "")"
            }
        }
        let plain = try verdicts([])
        #expect(plain.contains("serve/oom_kill") && plain.contains("serve/planned_restart"))
        #expect(try verdicts(["--dispatch-unit", "t3-*"]) == plain)
    }

    /// `report --verdict client` listed the edge burst of seven users and every
    /// request error under its one client drop; `--user frank` the others' requests.
    @Test func filtersKeepTheBurstsAndRequestErrorsOfWhatTheyKept() throws {
        let sample = try Fixtures.journal("sample-incident")
        func lines(_ filter: [String]) throws -> [[String: Any]] {
            let r = try Fixtures.t3attr(["report", "--file", sample, "-o", "json"] + filter + table)
            #expect(r.status == 0, "\(r.stderr)")
            return try Fixtures.ndjson(r.stdout)
        }
        func of(_ type: String, _ l: [[String: Any]]) -> [[String: Any]] { l.filter { $0["type"] as? String == type } }
        let all = try lines([])
        #expect(of("burst", all).count == 1 && of("request_error", all).count == 8)
        let client = try lines(["--verdict", "client"])
        #expect(of("burst", client).isEmpty && of("request_error", client).isEmpty)
        #expect(of("drop", client).count == 1)
        let edge = try lines(["--verdict", "edge"])
        #expect(of("burst", edge).count == 1 && of("request_error", edge).isEmpty)
        let frank = try lines(["--user", "frank"])
        #expect(of("burst", frank).count == 1, "frank's socket was in the burst")
        let requests = of("request_error", frank)
        #expect(!requests.isEmpty && requests.count < 8)
        #expect(requests.allSatisfy { $0["user"] as? String == "frank" }, "\(requests)")
        #expect(of("burst", try lines(["--user", "dave", "--verdict", "client"])).isEmpty)
        let text = try Fixtures.t3attr(["report", "--file", sample, "--verdict", "client"] + table)
        #expect(text.stdout.contains("-- No bursts among the drops kept (--verdict client)."), "\(text.stdout)")
        #expect(!text.stdout.contains("request errors"), "\(text.stdout)")
        // The options named there are the operator's text: escaped as every other.
        let odd = try Fixtures.t3attr(["report", "--file", sample, "--verdict", "client", "--user", "bob\u{1b}[2J"] + table)
        #expect(odd.stdout.contains("-- No bursts among the drops kept (--verdict client --user bob\\x1b[2J)."), "\(odd.stdout)")
        #expect(!odd.stdout.contains("\u{1b}"))
    }

    /// `bursts -v` lists at most 8 evidence lines: it says how many more the
    /// burst held (12 drops showed 8 lines and no word of the other 4).
    @Test func burstEvidenceSaysWhatItLeftOut() throws {
        let long = try Fixtures.journal("scenario-long-window")
        let r = try Fixtures.t3attr(
            ["bursts", "-v", "--file", long, "--since", "2026-06-20 20:30", "--until", "2026-06-20 21:30"] + table, env: ["TZ": "UTC"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("      <- 2026") }.count == 8)
        #expect(r.stdout.contains("      <- (+4 more: 12 drops and 0 cancelled requests in all)"), "\(r.stdout)")
        let sample = try Fixtures.t3attr(["bursts", "-v", "--file", try Fixtures.journal("sample-incident")] + table)
        #expect(sample.stdout.contains("      <- (+2 more: 7 drops and 3 cancelled requests in all)"), "\(sample.stdout)")
    }

    @Test("an unknown command close to a real one suggests it, status 64", arguments: [("reprt", "report"), ("burst", "bursts"), ("servr", "serve")])
    func unknownCommand(typed: String, meant: String) throws {
        let r = try Fixtures.t3attr([typed])
        #expect(r.status == 64)
        #expect(r.stderr.contains("t3attr: error: unknown command '\(typed)'; did you mean \(meant)?"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    @Test("the missing port map note says how to give one")
    func missingPortMapNote() throws {
        let path = try Fixtures.journal("scenario-serve-oom")
        let dir = try Fixtures.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The note is about the default table; a machine that has one has no note to check.
        guard !FileManager.default.fileExists(atPath: "/etc/t3-serve/dispatch.json") else { return }
        let r = try Fixtures.t3attr(["report", "--file", path, "--env-dir", dir])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("no port-to-user map"), "\(r.stderr)")
        #expect(r.stderr.contains("give one with --dispatch-table FILE or --env-dir DIR"), "\(r.stderr)")
    }

    @Test("permission denied on many files is one message naming the group that owns them; -v lists the files")
    func manyUnreadableFiles() throws {
        // Giving the files to group adm takes root (the tests run as root in `make test`).
        guard getuid() == 0 else { return }
        let dir = try Fixtures.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        chmod(dir, 0o755)
        let names = ["a", "b", "c", "d"]
        for n in names {
            _ = try Fixtures.journal("sample-incident", in: dir, fileName: n + ".journal")
            #expect(chown(dir + "/\(n).journal", 0, 4) == 0)  // group adm (gid 4 on Debian)
            chmod(dir + "/\(n).journal", 0o640)
        }
        let tableCopy = dir + "/dispatch.json"
        _ = try Fixtures.run("/bin/cp", [Fixtures.path("dispatch.json"), tableCopy])
        chmod(tableCopy, 0o644)
        func run(_ args: [String]) throws -> Fixtures.Result {
            try Fixtures.run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", Fixtures.binary] + args)
        }
        let r = try run(["report", "-D", dir, "--dispatch-table", tableCopy])
        #expect(r.status == 77, "\(r.stderr)")
        #expect(
            r.stderr.contains("t3attr: error: 4 journal files in \(dir): permission denied; they belong to group 'adm' (mode 0640)"), "\(r.stderr)")
        #expect(r.stderr.contains("(-v lists them)"))
        #expect(r.stderr.split(separator: "\n").count == 1, "one short message: \(r.stderr)")
        let v = try run(["report", "-v", "-D", dir, "--dispatch-table", tableCopy])
        #expect(v.status == 77)
        for n in names { #expect(v.stderr.contains(dir + "/\(n).journal"), "\(v.stderr)") }
    }

    @Test(
        "a journalctl option t3attr does not take names what to use instead, not the nearest spelling of another option",
        arguments: [
            (["dispatch", "-u", "t3-dispatch"], "-u", "--dispatch-unit and --serve-unit"),
            (["report", "--unit=t3-dispatch"], "--unit", "--dispatch-unit and --serve-unit"),
            (["dispatch", "--cursor", "s=1"], "--cursor", "--cursor-file FILE"),
            (["bursts", "-n10"], "-n10", "--since/--until"),
            (["why", "alice", "-b"], "-b", "--since/--until"),
            (["report", "-k"], "-k", "reads the kernel's"),
        ])
    func journalctlOptions(args: [String], option: String, hint: String) throws {
        let path = try Fixtures.journal("scenario-serve-oom")
        let r = try Fixtures.t3attr(args + ["--file", path] + table)
        #expect(r.status == 64, "\(r.stderr)")
        let first = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
        #expect(first.hasPrefix("Error: Unknown option '\(option)': that is journalctl's; "), "\(r.stderr)")
        #expect(first.contains(hint) && !first.contains("Did you mean"), "\(r.stderr)")
        #expect(r.stderr.contains("See 't3attr \(args[0]) --help'"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        // Another unknown option keeps the parser's own message.
        let other = try Fixtures.t3attr([args[0], "--sinse", "1h", "--file", path] + table)
        #expect(other.status == 64 && other.stderr.contains("Unknown option '--sinse'") && !other.stderr.contains("journalctl's"), "\(other.stderr)")
    }
}
