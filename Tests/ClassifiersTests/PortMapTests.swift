import Foundation
import Testing

@testable import Classifiers

@Suite("port to user")
struct PortMapTests {
    @Test func dispatchTable() throws {
        let json = #"{"alice": {"os_user": "alice", "port": 3773}, "Bob": {"os_user": "bob", "port": 3774}}"#
        let m = try PortMap.parseDispatchTable(Data(json.utf8), path: "d.json")
        #expect(m.user(forPort: 3773) == "alice")
        #expect(m.user(forPort: 3774) == "bob")
        #expect(m.port(forUser: "bob") == 3774)
        #expect(m.user(forPort: 3775) == nil)
    }

    /// A complaint names the login; the lines name the OS user (field guide 3).
    @Test func aLoginIsItsOSUser() throws {
        let json = #"""
            {"alice": {"os_user": "alice", "port": 3773}, "Bob": {"os_user": "bob", "port": 3774},
             "carol": {"os_user": "Bob", "port": 3775}}
            """#
        let m = try PortMap.parseDispatchTable(Data(json.utf8), path: "d.json")
        #expect(m.osUser(for: "alice") == "alice")
        #expect(m.osUser(for: "carol") == "Bob")
        #expect(m.osUser(for: "nobody") == "nobody")
        // "Bob" is the login of bob and an OS user of its own (carol's): the OS user stands.
        #expect(m.osUser(for: "Bob") == "Bob")
        var merged = PortMap()
        merged.merge(m)
        #expect(merged.osUser(for: "carol") == "Bob")
    }

    @Test(
        "malformed tables are errors naming the file",
        arguments: [
            "", "{", "[]", #"{"a": 1}"#, #"{"a": {"port": "3773"}}"#, #"{"a": {"os_user": "a"}}"#,
            #"{"a": {"port": 70000}}"#, #"{"a": {"port": true}}"#, #"{"a": {"port": 3773.5}}"#,
            // An empty user: a blank USER column no line can name.
            #"{"": {"port": 3773}}"#, #"{"a": {"os_user": "", "port": 3773}}"#,
            // Trailing commas: Foundation takes them, Go's encoding/json (t3-dispatch's) does not.
            #"{"a": {"port": 3773},}"#, #"{"a": {"port": 3773, }}"#, "{\"a\": {\"port\": 3773},\n}",
        ])
    func malformed(json: String) {
        #expect {
            try PortMap.parseDispatchTable(Data(json.utf8), path: "/etc/t3-serve/dispatch.json")
        } throws: { e in
            (e as? ConfigError)?.path == "/etc/t3-serve/dispatch.json"
        }
    }

    @Test func aCommaInAStringIsNoTrailingComma() throws {
        let map = try PortMap.parseDispatchTable(Data(#"{"a,}": {"os_user": "a\",]", "port": 3773}}"#.utf8), path: "t.json")
        #expect(map.user(forPort: 3773) == "a\",]")
    }

    @Test(
        "env files",
        arguments: [
            ("T3_PORT=3773\n", 3773 as Int?), ("T3_PORT=\"3774\"\n", 3774), ("T3_PORT='3775'\r\n", 3775),
            ("# T3_PORT=1\nFOO=bar\nT3_PORT=3776 # main\n", 3776), ("export T3_PORT=3777", 3777),
            ("FOO=1\n", nil), ("T3_PORT=abc\n", nil), ("T3_PORT=99999\n", nil), ("T3_PORTX=1\n", nil),
            // The last assignment, as systemd's EnvironmentFile= and a shell take it.
            ("T3_PORT=3778\nT3_PORT=3790\n", 3790), ("T3_PORT=abc\nT3_PORT=3791\n", 3791), ("T3_PORT=3792\nT3_PORT=abc\n", nil),
        ])
    func env(contents: String, port: Int?) {
        #expect(PortMap.parseEnvFile(contents) == port)
    }

    @Test func envFileNames() {
        #expect(PortMap.userForEnvFile(named: "alice.env") == "alice")
        #expect(PortMap.userForEnvFile(named: "playwright-alice.env") == nil)
        #expect(PortMap.userForEnvFile(named: "notes.txt") == nil)
        #expect(PortMap.userForEnvFile(named: ".env") == nil)
    }

    @Test func mergeKeepsFirstSource() {
        var a = PortMap([3773: "alice"])
        a.merge(PortMap([3773: "mallory", 3774: "bob"]))
        #expect(a.user(forPort: 3773) == "alice")
        #expect(a.user(forPort: 3774) == "bob")
    }
}
