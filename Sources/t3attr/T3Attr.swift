import ArgumentParser
import Glibc
import JournalReader

@main
struct T3Attr: ParsableCommand {
    static let version = "0.1.0"

    /// `t3attr --version`: ours and the libsystemd we are linked against.
    /// Found only when asked (it reads /proc/self/maps: about 1 ms that no
    /// other run needs), so the configuration carries the short form.
    static var versionText: String { "t3attr \(version) (\(LibSystemd.describe()))" }

    static let configuration = CommandConfiguration(
        commandName: "t3attr",
        abstract: "Attribute t3 WebSocket drops to a segment, from the systemd journal.",
        discussion: """
            t3attr reads the journal through sd-journal (like journalctl) and tells, for \
            each drop a t3 user saw, which segment broke: the user's network (client), \
            Cloudflare/tunnel/Traefik (edge), the host (devvm), the user's t3 serve \
            (serve) or t3-dispatch itself (dispatch). Without a command it runs report.
            """,
        version: "t3attr \(version)",
        subcommands: [Report.self, Dispatch.self, Bursts.self, Serve.self, Why.self]
    )

    /// The arguments only the top level takes: anything else without a
    /// command's name first is `report`'s (`t3attr --since 1h`).
    static let ownArguments: Set<String> = ["-h", "--help", "--generate-completion-script", "--experimental-dump-help"]

    /// `args` with `report` put first when they name no command: report is
    /// the default command. Done here, not with ArgumentParser's
    /// `defaultSubcommand`, which builds report's whole argument set on every
    /// run to see whether it takes pass-through arguments (issue 16: 1 ms of
    /// a 1-hour `dispatch`'s 17).
    static func withDefaultCommand(_ args: [String]) -> [String] {
        guard let first = args.first else { return ["report"] }
        let names = configuration.subcommands.map { $0._commandName } + ["help"]
        // `t3attr --help dispatch`: that command's help.
        if first == "-h" || first == "--help", args.count > 1, names.dropLast().contains(args[1]) { return ["help", args[1]] }
        if names.contains(first) || ownArguments.contains(first) || first.hasPrefix("--generate-completion-script=") {
            return args
        }
        return ["report"] + args
    }

    /// A standard descriptor closed by the caller (`>&-`, `<&-`) is held by
    /// /dev/null opened the other way round, so that writing (or reading) it
    /// still fails as on a closed one, and no file t3attr opens takes its
    /// number: the `--cursor-file` lock took descriptor 1 and the report was
    /// written into it; `--input -` read t3attr's own pipe and never ended.
    static func holdClosedStandardDescriptors() {
        for fd: Int32 in [0, 1, 2] where fcntl(fd, F_GETFD) == -1 && errno == EBADF {
            let held = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY)
            if held >= 0 && held != fd {
                dup2(held, fd)
                close(held)
            }
        }
    }

    /// `why USER -1h`: a relative TIME that starts with '-' (no option of t3attr
    /// starts with a digit) is moved after `--`, where the parser takes it as
    /// TIME; it read `-1h` as the flags -1 and -h (help, exit 0) and `-15min` as
    /// -m. Left alone as the value of an option that takes one as it stands
    /// (`-S/--since`, `-U/--until`, a span, a count: refused there if negative).
    static let takesDashValue: Set<String> = [
        "--since", "-S", "--until", "-U", "--around-window", "--gap", "--serve-window", "--host-window", "--short-socket",
        "--reconnect-window", "--evidence-window", "--url-timeout", "--burst-min", "--jobs", "-j", "--dispatch-port",
    ]

    static func relativeTimeLast(_ args: [String]) -> [String] {
        guard args.first == "why" else { return args }
        let end = args.firstIndex(of: "--") ?? args.endIndex
        var kept: [String] = []
        var moved: [String] = []
        for (i, a) in args[..<end].enumerated() {
            let isTime = a.count > 1 && a.hasPrefix("-") && a.dropFirst().first!.isASCII && a.dropFirst().first!.isNumber
            if isTime, i > 0, !takesDashValue.contains(args[i - 1]) {
                moved.append(a)
            } else {
                kept.append(a)
            }
        }
        guard !moved.isEmpty else { return args }
        return kept + (end < args.endIndex ? Array(args[end...]) : ["--"]) + moved
    }

    /// `-S-1h`, `-Stoday`, `-Dcopied`, `-ojson`, `-j2`: a short option's value
    /// attached, as journalctl takes it, becomes `--since=-1h` (the parser read
    /// `-S-1h` as the flags -S, -1 and -h: help, exit 0). Not after `--`, and
    /// not a word that is the value of the option before it.
    static func attachedShortValues(_ args: [String]) -> [String] {
        let long: [Character: String] = ["S": "since", "U": "until", "D": "directory", "o": "output", "j": "jobs"]
        let end = args.firstIndex(of: "--") ?? args.endIndex
        var out = args
        for i in args.indices where i < end {
            let a = args[i]
            guard a.count > 2, a.hasPrefix("-"), !a.hasPrefix("--"), let name = long[a.dropFirst().first!] else { continue }
            if i > 0, ["-S", "-U", "-D", "-o", "-j", "--since", "--until", "--directory", "--output", "--jobs"].contains(args[i - 1]) { continue }
            out[i] = "--\(name)=" + a.dropFirst(2)
        }
        return out
    }

    /// A first word close to a command's name is a typo of it, not an
    /// argument of the default command: "did you mean report?", status 64.
    static func main() {
        // A closed pipe on stdout or stderr is a write error t3attr handles (an
        // argument error to a closed stderr still exits 64, not by SIGPIPE).
        signal(SIGPIPE, SIG_IGN)
        holdClosedStandardDescriptors()
        let args = Array(CommandLine.arguments.dropFirst())
        // ArgumentParser prints the version wherever `--version` stands (before `--`).
        if args.prefix(while: { $0 != "--" }).contains("--version") {
            print(versionText)
            Glibc.exit(0)
        }
        if let problem = LocalZone.settle() {
            Diagnostics.error(problem)
            Glibc.exit(Exit.usage)
        }
        let names = configuration.subcommands.map { $0._commandName }
        // `help NAME` for a command that does not exist is an error (the parser printed
        // the overview and exited 0).
        if args.first == "help", args.count > 1, !args[1].hasPrefix("-"), !(names + ["help"]).contains(args[1]) {
            let near = Nearest.names(to: args[1], among: names, limit: 1, within: 2)
            Diagnostics.error("unknown command '\(args[1])'\(Nearest.suggestion(near)) (commands: \(names.joined(separator: ", ")))")
            Glibc.exit(Exit.usage)
        }
        if let first = args.first, !first.hasPrefix("-"), first != "help" {
            if !names.contains(first) {
                let near = Nearest.names(to: first, among: names, limit: 1, within: 2)
                if !near.isEmpty {
                    Diagnostics.error("unknown command '\(first)'\(Nearest.suggestion(near)) (commands: \(names.joined(separator: ", ")))")
                    Glibc.exit(Exit.usage)
                }
            }
        }
        var ran: (any ParsableCommand.Type)?
        do {
            var command = try parseAsRoot(withDefaultCommand(relativeTimeLast(attachedShortValues(args))))
            ran = type(of: command)
            try command.run()
        } catch {
            // As ArgumentParser's `main`, but an error that echoes the
            // operator's arguments cannot drive the terminal (`--x$'\e[31m'`).
            var text = fullMessage(for: error)
            let code = exitCode(for: error)
            // A usage error found once the command ran (a bad --since) names that
            // command's usage, as one found while parsing does, not the root's.
            if let ran, ran != T3Attr.self, error is ValidationError {
                let name = ran._commandName
                text = "Error: \(message(for: error))\nUsage: \(usageString(for: ran))\n  See 't3attr \(name) --help' for more information."
            }
            // `why alice 2026-06-10 20:00`, `why alice 1h ago`: a time in two words, unquoted.
            if args.first == "why", let r = text.range(of: "Unexpected argument '"),
                let word = text[r.upperBound...].split(separator: "'").first, let at = args.firstIndex(of: String(word)), at > 2
            {
                let time = args[(at - 1)...at].joined(separator: " ")
                text = text.replacingOccurrences(
                    of: "Unexpected argument '\(word)'",
                    with: "Unexpected argument '\(word)' (a time of several words is one argument: quote it, '\(time)')")
            }
            if let explained = JournalctlFlags.explain(text) { text = explained }
            if code == .success {
                if !text.isEmpty { print(text) }
            } else if !text.isEmpty {
                let safe = text.split(separator: "\n", omittingEmptySubsequences: false).map { SafeText.text(String($0)) }
                let bytes = Array((safe.joined(separator: "\n") + "\n").utf8)
                _ = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
            }
            Glibc.exit(code.rawValue)
        }
    }
}
