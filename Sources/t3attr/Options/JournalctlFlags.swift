/// journalctl's options that t3attr does not take, with what to use
/// instead: an operator's `t3attr dispatch -u t3-dispatch -b` names the
/// flag, not the nearest spelling of another option (`--cursor` is not
/// `--color`, `--unit` is not `--until`).
enum JournalctlFlags {
    /// The hint for `option` (as the parser names it: `-u`, `--unit`).
    static func hint(for option: String) -> String? {
        switch option {
        case "-u", "--unit", "--user-unit":
            "t3attr selects the units itself: name them with --dispatch-unit and --serve-unit"
        case "-b", "--boot", "--list-boots":
            "give the boot's times with --since/--until (journalctl --list-boots lists them)"
        case "-n", "--lines", "-e", "--pager-end":
            "choose the window with --since/--until"
        case "-r", "--reverse":
            "output is in time order"
        case "-c", "--cursor", "--after-cursor", "--since-cursor", "--show-cursor":
            "--cursor-file FILE starts where the last run with that file ended; -o json carries each line's cursor"
        case "-k", "--dmesg", "-p", "--priority", "--facility", "-t", "--identifier", "-T", "--exclude-identifier":
            "t3attr reads the kernel's, systemd's and the host scripts' lines it needs by itself"
        case "-g", "--grep", "--case-sensitive":
            "t3attr classifies the lines itself: keep drops with --user/--verdict, or filter its output with grep"
        case "-M", "--machine", "--root", "--image", "--namespace":
            "read another machine's journal files with -D DIR or --file FILE"
        case "-x", "--catalog", "-q", "--quiet", "-a", "--all", "--no-full", "--no-tail", "--no-hostname", "--output-fields":
            "it has no equivalent here (see t3attr --help)"
        default: nil
        }
    }

    /// ArgumentParser's "Unknown option 'X'" (with its "Did you mean"
    /// guess) turned into one that says what to use instead, for a
    /// journalctl option; nil for any other message.
    static func explain(_ text: String) -> String? {
        let marker = "Unknown option '"
        guard let r = text.range(of: marker), let end = text[r.upperBound...].firstIndex(of: "'") else { return nil }
        let option = String(text[r.upperBound..<end])
        // `-n10`: a short option with its value attached.
        let short = option.count > 2 && option.hasPrefix("-") && !option.hasPrefix("--") ? String(option.prefix(2)) : option
        guard let hint = hint(for: option) ?? hint(for: short) else { return nil }
        let line = text[text.startIndex..<(text[r.upperBound...].firstIndex(of: "\n") ?? text.endIndex)]
        return text.replacingOccurrences(of: line, with: "Error: Unknown option '\(option)': that is journalctl's; \(hint)")
    }
}
