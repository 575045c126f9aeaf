import ArgumentParser
import JournalReader

@main
struct T3Attr: ParsableCommand {
    static let version = "0.1.0"

    /// `t3attr --version`: ours and the libsystemd we are linked against.
    static var versionText: String { "t3attr \(version) (\(LibSystemd.describe()))" }

    static let configuration = CommandConfiguration(
        commandName: "t3attr",
        abstract: "Attribute t3 WebSocket drops to a segment, from the systemd journal.",
        discussion: """
            t3attr reads the journal through sd-journal (like journalctl) and tells, for \
            each drop a t3 user saw, which segment broke: the user's network (client), \
            Cloudflare/tunnel/Traefik (edge), the host (devvm), the user's t3 serve \
            (serve) or t3-dispatch itself (dispatch).
            """,
        version: versionText,
        subcommands: [Report.self, Dispatch.self, Bursts.self, Serve.self],
        defaultSubcommand: Report.self
    )
}
