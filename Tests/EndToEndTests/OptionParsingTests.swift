import Foundation
import TestSupport
import Testing

/// Values are parsed into their types while the arguments are (spans,
/// `--class`): a bad one is a usage error that names the option, and the
/// defaults show in `--help`.
@Suite("typed options")
struct OptionParsingTests {
    @Test(arguments: [
        (["report", "--short-socket", "xyz"], "--short-socket <span>"),
        (["bursts", "--gap", "soon"], "--gap <span>"),
        (["dispatch", "--class", "bogus"], "unknown class 'bogus'"),
        // A span journalctl would take, but longer than a window can be; one it would not.
        (["report", "--gap", "999y"], "'999y' is invalid for '--gap <span>': more than 100 years"),
        (["report", "--serve-window", "5parsecs"], "'5parsecs' is invalid for '--serve-window <span>': not a span"),
        // A negative number is the option's value, refused as such (not "Missing value").
        (["bursts", "--min", "-5"], "--min must be at least 1"),
        (["report", "--burst-min", "-2"], "--burst-min must be at least 1"),
        (["dispatch", "-j", "-1"], "--jobs must be at least 1"),
        (["report", "--gap", "-5s"], "'-5s' is invalid for '--gap <span>': not a span"),
        (["report", "--host-window", "-1min"], "'-1min' is invalid for '--host-window <span>'"),
        (["why", "alice", "20:00", "--around-window", "-5min"], "'-5min' is invalid for '--around-window <span>'"),
        (["report", "--evidence-window", "-2s"], "'-2s' is invalid for '--evidence-window <span>'"),
        (["report", "--url", "http://h:1", "--url-timeout", "-3"], "--url-timeout must be at least 1"),
        (["why", "alice", "20:00", "--dispatch-port", "-1"], "--dispatch-port must be from 1 to 65535"),
        // A URL's password is not shown, not even in a usage error.
        (["report", "--url", "ftp://alice:s3cret@example.invalid"], "--url 'ftp://***@example.invalid' is not an http://"),
        (["report", "--url", "admin:s3cret@devvm:19531"], "--url '***@devvm:19531' is not an http://"),
        (["report", "--url", "//admin:s3cret@devvm:19531"], "--url '//***@devvm:19531' is not an http://"),
        (["report", "--prometheus", "u:s3cret@127.0.0.1:9090"], "not an http(s) URL: ***@127.0.0.1:9090"),
        (["report", "--url", "http://u:s3cret@devvm:19531 "], "--url 'http://***@devvm:19531 ' holds a space"),
        // Two names of one threshold that disagree: neither silently wins.
        (["bursts", "--min", "3", "--burst-min", "7"], "--min 3 and --burst-min 7 name two thresholds"),
        (["report", "-f", "--cursor-file", "/tmp/state.json"], "--cursor-file is for unattended runs and does not work with --follow"),
    ])
    func badValuesAreUsageErrors(args: [String], mention: String) throws {
        let r = try Fixtures.t3attr(args)
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stderr.contains(mention), "\(r.stderr)")
        #expect(!r.stderr.contains("s3cret"), "a password shown: \(r.stderr)")
    }

    /// `--min` and `--burst-min` that agree are one threshold, and it applies.
    @Test func minAndBurstMinThatAgreeAreAccepted() throws {
        let path = try Fixtures.journal("sample-incident")
        let table = ["--dispatch-table", Fixtures.path("dispatch.json"), "-o", "json"]
        let both = try Fixtures.t3attr(["bursts", "--file", path, "--min", "40", "--burst-min", "40"] + table)
        let one = try Fixtures.t3attr(["bursts", "--file", path, "--min", "40"] + table)
        let low = try Fixtures.t3attr(["bursts", "--file", path, "--burst-min", "2"] + table)
        #expect(both.status == 0 && one.status == 0 && low.status == 0, "\(both.stderr)")
        #expect(both.stdout == one.stdout)
        #expect(both.stdout != low.stdout, "a threshold of 40 and one of 2 found the same bursts")
    }

    /// `TZ` as the C library and journalctl read it: a time without a zone is
    /// the zone's (22:00 in Berlin's summer is 20:00Z) whatever form names
    /// it, and a value Foundation would read otherwise is refused, not
    /// silently UTC or the wrong side of it (`UTC-2` is two hours east).
    @Test(
        arguments: [
            ("Europe/Berlin", "2026-06-10T20:00:00"), (":Europe/Berlin", "2026-06-10T20:00:00"),
            ("/usr/share/zoneinfo/Europe/Berlin", "2026-06-10T20:00:00"), ("UTC", "2026-06-10T22:00:00"),
            ("UTC-2", nil), ("CET-1CEST,M3.5.0,M10.5.0/3", nil),
        ] as [(String, String?)])
    func theLocalZoneIsTheCLibrarys(tz: String, window: String?) throws {
        let path = try Fixtures.journal("sample-incident")
        let r = try Fixtures.t3attr(
            ["report", "--since", "2026-06-10 22:00:00", "--until", "+1s", "--file", path, "--dispatch-table", Fixtures.path("dispatch.json")],
            env: ["TZ": tz])
        if let window {
            #expect(r.status == 0, "\(tz): \(r.stderr)")
            #expect(r.stdout.hasPrefix("-- t3attr report: \(window).000000Z .. "), "\(tz): \(r.stdout)")
        } else {
            #expect(r.status == 64, "\(tz): \(r.stderr)")
            #expect(r.stderr.hasPrefix("t3attr: error: TZ='\(tz)' cannot be followed (the C library reads it as UTC+0"), "\(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
    }

    /// A usage error that echoes the operator's argument shows its control characters escaped.
    @Test(arguments: [["report", "--x\u{1b}[31m"], ["report", "--since", "2026\u{1b}]0;t\u{07}"], ["dispatch", "--class", "\u{9b}2J"]])
    func usageErrorsEscapeWhatTheyEcho(args: [String]) throws {
        let r = try Fixtures.t3attr(args)
        #expect(r.status == 64, "\(args): \(r.stderr)")
        #expect(!r.stderr.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x9B }, "\(args): \(r.stderr)")
        #expect(r.stderr.contains("\\x1b") || r.stderr.contains("\\x9b"), "\(args): \(r.stderr)")
    }

    /// A second source of one kind is an error, not silently the only one read.
    @Test(arguments: [
        (["report", "-D", "/tmp", "-D", "/var/tmp"], "-D/--directory was given 2 times"),
        (["dispatch", "--input", "a.export", "--input", "b.export"], "--input was given 2 times"),
        (["bursts", "--url", "http://a:19531", "--url", "http://b:19531"], "--url was given 2 times"),
    ])
    func aRepeatedSourceIsAUsageError(args: [String], mention: String) throws {
        let r = try Fixtures.t3attr(args)
        #expect(r.status == 64, "\(args): \(r.stderr)")
        #expect(r.stderr.contains(mention), "\(args): \(r.stderr)")
    }

    /// Report is the default command: arguments that name no command are
    /// its own; the top level keeps its help and the other commands theirs.
    @Test(arguments: [
        (["--short-socket", "xyz"], 64, "--short-socket <span>"),
        (["stray"], 64, "t3attr report <options>"),
        (["-h"], 0, "SUBCOMMANDS:"),
        (["--help"], 0, "Without a command it runs report."),
        (["help", "bursts"], 0, "USAGE: t3attr bursts"),
        (["help", "burst"], 64, "unknown command 'burst'; did you mean bursts?"),
        (["help", "bogus"], 64, "unknown command 'bogus' (commands: report, dispatch, bursts, serve, why)"),
        (["help", "help"], 0, "Show subcommand help information."),
        (["--help", "dispatch"], 0, "USAGE: t3attr dispatch"),
        (["-h", "serve"], 0, "USAGE: t3attr serve"),
        (["bursts", "--gap", "soon"], 64, "t3attr bursts <options>"),
    ])
    func argumentsWithoutACommandAreReports(args: [String], status: Int32, mention: String) throws {
        let r = try Fixtures.t3attr(args)
        #expect(r.status == status, "\(args): \(r.stderr)")
        #expect((r.stdout + r.stderr).replacingOccurrences(of: "\n", with: " ").contains(mention), "\(args): \(r.stdout) \(r.stderr)")
    }

    @Test func spanDefaultsShowInHelp() throws {
        let r = try Fixtures.t3attr(["report", "--help"])
        #expect(r.status == 0)
        let help = r.stdout.replacingOccurrences(of: "\n", with: " ").split(separator: " ").joined(separator: " ")
        for d in ["(default: 120s)", "(default: 60s)", "(default: 30s)"] { #expect(help.contains(d), "\(d) in \(help)") }
    }
}
