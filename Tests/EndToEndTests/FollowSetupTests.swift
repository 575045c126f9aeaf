import Foundation
import Glibc
import TestSupport
import Testing

/// `report -f` and `bursts -f` set up their run as a one-shot run does
/// (Analysis.RunSetup): the same notes, before following begins.
@Suite("follow mode shares the one-shot run's setup")
struct FollowSetupTests {
    @Test(arguments: ["report", "bursts"])
    func aServeGlobThatMatchesNothingIsNotedBeforeFollowing(command: String) throws {
        let dir = try Fixtures.tempDir("t3attr-follow-setup")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try Fixtures.journal("dispatch-basic", in: dir)
        let args = [command, "-f", "-D", dir, "--serve-unit", "nosuch-*", "--dispatch-table", Fixtures.path("dispatch.json")]
        let p = try Fixtures.background(Fixtures.binary, args)
        let want = "no unit in the journal matches 'nosuch-*': the serves' own lines are missing (the watchdog's still count)"
        let deadline = Date().addingTimeInterval(60)
        while !p.stderr.contains(want) && !p.hasExited && Date() < deadline { usleep(100_000) }
        let err = p.stderr
        #expect(p.stop(SIGINT) == 0, "SIGINT ends it with 0")
        #expect(err.contains("t3attr: warning: " + want), "\(err)")
    }
}
