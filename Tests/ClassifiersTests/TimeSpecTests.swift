import Foundation
import Testing

@testable import Classifiers

/// now = 2026-06-10 22:00:00 UTC (a Wednesday).
private let now: UInt64 = 1_781_128_800_000_000
private let utc = TimeZone(identifier: "UTC")!
private let berlin = TimeZone(identifier: "Europe/Berlin")!
private let h: UInt64 = 3_600_000_000

private func p(_ s: String, _ tz: TimeZone = utc) throws -> UInt64 { try TimeSpec.parse(s, now: now, timeZone: tz) }

@Suite("journalctl time syntax")
struct TimeSpecTests {
    static let relativeCases: [(String, UInt64)] = [
        ("-1h", now - h), ("1h ago", now - h), ("1 hour ago", now - h), ("1h30m ago", now - h * 3 / 2),
        ("1h 30min ago", now - h * 3 / 2), ("+1h", now + h), ("1h left", now + h), ("now", now),
        ("1h", now - h), ("30min", now - h / 2), ("2d", now - 48 * h), ("-90", now - 90_000_000),
        ("90s ago", now - 90_000_000), ("1.5h ago", now - h * 3 / 2), ("1w ago", now - 168 * h),
    ]

    @Test("relative forms", arguments: relativeCases)
    func relative(input: String, expected: UInt64) throws {
        #expect(try p(input) == expected)
    }

    @Test(
        "absolute forms (UTC zone)",
        arguments: [
            ("today", 1_781_049_600), ("yesterday", 1_780_963_200), ("tomorrow", 1_781_136_000),
            ("21:00", 1_781_125_200), ("21:00:30", 1_781_125_230),
            ("2026-06-10 21:00:00", 1_781_125_200), ("2026-06-10 21:00", 1_781_125_200),
            ("2026-06-10", 1_781_049_600), ("26-06-10 21:00:00", 1_781_125_200),
            ("2026-06-10 21:00:00 UTC", 1_781_125_200), ("Jun 10 21:00:00", 1_781_125_200),
            ("Wed 2026-06-10 21:00", 1_781_125_200), ("@1781125200", 1_781_125_200),
            ("2026-06-10T21:00:00Z", 1_781_125_200), ("2026-06-10T23:00:00+02:00", 1_781_125_200),
            ("2026-06-10 23:00:00 +0200", 1_781_125_200), ("2026-06-10 23:00:00 Europe/Berlin", 1_781_125_200),
        ])
    func absolute(input: String, epoch: UInt64) throws {
        #expect(try p(input) == epoch * 1_000_000)
    }

    /// What journalctl 252 gives (systemd-analyze timestamp, journalctl --since
    /// on a file, TZ=Europe/Berlin): its own abbreviations fix the offset
    /// whatever the date; the hour the fall-back repeats is its second pass.
    @Test(
        "the local zone's abbreviations and the repeated fall-back hour",
        arguments: [
            ("2026-06-10 21:00 CEST", 1_781_118_000), ("2026-06-10 21:00 CET", 1_781_121_600),
            ("2026-01-10 21:00 CEST", 1_768_071_600), ("2026-01-10 21:00 cet", 1_768_075_200),
            ("2026-10-25 02:30", 1_792_891_800), ("2026-10-25 01:30", 1_792_884_600), ("2026-10-25 03:30", 1_792_895_400),
            ("2026-03-29 02:30", 1_774_747_800), ("2026-03-29 02:30 CEST", 1_774_744_200),
            ("2026-06-10 21:00 Europe/London", 1_781_121_600), ("2026-10-25 02:30 Europe/Berlin", 1_792_891_800),
        ])
    func localZoneNames(input: String, epoch: UInt64) throws {
        let cet = TimeSpec.ZoneAbbreviations([("CET", 3600), ("CEST", 7200)])
        #expect(try TimeSpec.parse(input, now: now, timeZone: berlin, abbreviations: cet) == epoch * 1_000_000)
    }

    /// The day words after a zone, as `systemd-analyze timestamp` 252 takes
    /// them (TZ=Europe/Berlin, now 2026-06-10 22:00 UTC, 2026-06-11 00:00
    /// local): ` UTC` and the local abbreviations name the day's midnight
    /// there; after a zone's name (`CET` is one too) they are refused.
    @Test(
        "today, yesterday and tomorrow after a zone",
        arguments: [
            ("today UTC", 1_781_049_600), ("yesterday utc", 1_780_963_200), ("tomorrow UTC", 1_781_136_000),
            ("today CEST", 1_781_128_800),
        ])
    func dayWordsAfterAZone(input: String, epoch: UInt64) throws {
        let cet = TimeSpec.ZoneAbbreviations([("CET", 3600), ("CEST", 7200)])
        #expect(try TimeSpec.parse(input, now: now, timeZone: berlin, abbreviations: cet) == epoch * 1_000_000)
    }

    @Test(arguments: ["today Europe/Berlin", "tomorrow Europe/London", "today CET", "now UTC"])
    func dayWordsAfterAZonesNameAreRefused(input: String) {
        let cet = TimeSpec.ZoneAbbreviations([("CET", 3600), ("CEST", 7200)])
        #expect(throws: TimeSpecError.self) { try TimeSpec.parse(input, now: now, timeZone: berlin, abbreviations: cet) }
    }

    /// The same against journalctl 252 in other zones: west of UTC the
    /// repeated hour is its first pass (mktime starts from offset 0); Dublin
    /// calls its winter time "daylight"; CET, EET, MET and WET named as zones
    /// are their standard time all year; Lord Howe shifts by half an hour.
    @Test(
        "other zones",
        arguments: [
            ("America/New_York", "2026-11-01 01:30", 1_793_511_000), ("America/New_York", "2026-03-08 02:30", 1_772_955_000),
            ("America/Los_Angeles", "2026-11-01 01:30", 1_793_521_800), ("Australia/Sydney", "2026-04-05 02:30", 1_775_320_200),
            ("Australia/Lord_Howe", "2026-04-05 01:45", 1_775_315_700), ("America/Santiago", "2026-04-04 23:30", 1_775_356_200),
            ("UTC", "2026-06-10 21:00 CET", 1_781_121_600), ("UTC", "2026-06-10 21:00 EET", 1_781_118_000),
            ("UTC", "2026-11-01 01:30 America/New_York", 1_793_511_000),
        ])
    func otherZones(zone: String, input: String, epoch: UInt64) throws {
        let tz = try #require(TimeZone(identifier: zone))
        let none = TimeSpec.ZoneAbbreviations([])
        #expect(try TimeSpec.parse(input, now: now, timeZone: tz, abbreviations: none) == epoch * 1_000_000)
    }

    @Test(
        "Europe/Dublin's abbreviations",
        arguments: [("2026-01-10 21:00 GMT", 1_768_078_800), ("2026-06-10 21:00 IST", 1_781_121_600), ("2026-06-10 21:00 GMT", 1_781_125_200)])
    func dublin(input: String, epoch: UInt64) throws {
        // localtime_r: winter GMT has tm_isdst 1 (offset 0), summer IST 0 (offset +1 h).
        let names = TimeSpec.ZoneAbbreviations([("IST", 3600), ("GMT", 0)])
        let dublin = try #require(TimeZone(identifier: "Europe/Dublin"))
        #expect(try TimeSpec.parse(input, now: now, timeZone: dublin, abbreviations: names) == epoch * 1_000_000)
    }

    @Test func anotherZonesAbbreviationIsNotATime() {
        let utcNames = TimeSpec.ZoneAbbreviations([("UTC", 0)])
        #expect(throws: TimeSpecError.self) { try TimeSpec.parse("2026-06-10 21:00 CEST", now: now, timeZone: utc, abbreviations: utcNames) }
    }

    /// Foundation takes `BST` as Bangladesh (+06:00) and `PST` in June as
    /// -07:00; journalctl refuses both (no zoneinfo file has the name), so does this.
    @Test(arguments: ["2026-06-10 21:00 BST", "2026-06-10 21:00 PST", "2026-06-10 21:00 CST", "2026-06-10 21:00 IST"])
    func anAbbreviationNoZoneinfoFileHasIsNotAZone(input: String) {
        let utcNames = TimeSpec.ZoneAbbreviations([("UTC", 0)])
        #expect(throws: TimeSpecError.self) { try TimeSpec.parse(input, now: now, timeZone: utc, abbreviations: utcNames) }
        #expect(TimeSpec.isZoneName("Europe/Berlin") && TimeSpec.isZoneName("EST") && !TimeSpec.isZoneName("BST"))
        #expect(!TimeSpec.isZoneName("../../etc/passwd") && !TimeSpec.isZoneName("/etc/passwd"))
    }

    /// As systemd 252's parse_timestamp (strptime, then mktime): one-digit
    /// fields, and a day past the month's end rolling over.
    @Test func shortFieldsAndRolledOverDays() throws {
        #expect(try p("2026-06-10 21:5") == 1_781_125_500 * 1_000_000)
        #expect(try p("2026-06-10 21:05:7") == 1_781_125_507 * 1_000_000)
        #expect(try p("2026-6-1 1:2:3") == p("2026-06-01 01:02:03"))
        #expect(try p("2026-02-30 10:00") == p("2026-03-02 10:00"))
        #expect(try p("2026-06-31") == p("2026-07-01"))
    }

    @Test func fractionalSeconds() throws {
        #expect(try p("2026-06-10 21:00:00.123456") == 1_781_125_200_123_456)
        #expect(try p("2026-06-10 21:00:00.5 UTC") == 1_781_125_200_500_000)
        #expect(try p("@1781125200.25") == 1_781_125_200_250_000)
    }

    @Test func zonelessTimesAreLocal() throws {
        // 21:00 in Berlin (CEST, +02:00) is 19:00 UTC.
        #expect(try p("2026-06-10 21:00:00", berlin) == 1_781_118_000 * 1_000_000)
        #expect(try p("2026-06-10 21:00:00 UTC", berlin) == 1_781_125_200 * 1_000_000)
    }

    @Test(
        "rejected",
        arguments: [
            "", "soon", "2026-13-10", "2026-02-32 10:00", "25:00", "1 fortnight ago", "Thu 2026-06-10",
            "2026-06-10 21:00:00 Mars/Olympus", "@abc", "--1h", "21:60",
        ])
    func rejected(input: String) {
        #expect(throws: TimeSpecError.self) { try p(input) }
    }

    @Test func errorNamesTheValue() {
        do {
            _ = try p("soon")
            Issue.record("expected an error")
        } catch let error as TimeSpecError {
            #expect(error.description.contains("'soon'"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
