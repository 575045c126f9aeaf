import ArgumentParser

/// `-j/--jobs N`: how many journal files are read at once (dispatch, report,
/// bursts, serve); the output is the one a single handle gives.
struct JobsOptions: ParsableArguments {
    @Option(
        name: [.short, .long], parsing: .unconditional,
        help: ArgumentHelp(
            "Read journal files on N threads, one sd-journal handle each, and a collector's hosts N at a time (default: the number of cores when there are several files; output is identical).",
            valueName: "n"))
    var jobs: Int?

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if let jobs, jobs > 1024 { throw ValidationError("--jobs must be at most 1024") }
    }
}
