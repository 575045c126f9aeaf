import Analysis
import Classifiers
import Foundation
import Glibc

/// What a command writes to: standard output, the pager (started here, by
/// the command, and waited for in `end()`), and the sink for the format.
final class CommandOutput {
    let out = Output(stdout: true)
    let format: OutputFormat
    let style: RenderStyle
    let sink: any ReportSink
    private let pager: Pager?

    /// Follow mode renders line by line: no pager, no json-pretty gathering.
    init(_ opts: OutputOptions, _ term: TerminalOptions, follow: Bool = false, verbose: Bool = false) {
        format = follow && opts.output == .jsonPretty ? .json : opts.output
        let color = opts.output == .table && Terminal.useColor(term.color, env: ProcessInfo.processInfo.environment, isTTY: isatty(1) == 1)
        let width = opts.output == .table && !opts.full && isatty(1) == 1 ? Terminal.width() : nil
        style = RenderStyle(local: opts.local, color: color, verbose: verbose, width: width)
        sink = makeSink(format, out: out, style: style)
        pager = follow ? nil : Pager.start(term, format: opts.output)
    }

    /// Writes what is left and waits for the pager.
    func end() {
        try? out.flush()
        pager?.finish()
    }
}

/// `--jobs`: a worker's rows, rendered by a sink of the command's format into memory.
struct RowBatcher: EventBatcher {
    private let out = Output()
    private let sink: any ReportSink

    init(format: OutputFormat, style: RenderStyle) {
        sink = makeSink(format == .jsonPretty ? .json : format, out: out, style: style)
    }

    mutating func add(_ ev: Event) { try? sink.event(ev) }
    mutating func finish() -> [UInt8] { out.take() }
}

/// `report -f` / `bursts -f`: the live analyzer's settled drops and bursts into the sink.
enum Live {
    static func attribution(_ config: AnalysisConfig, command: CommandName, output: CommandOutput) throws {
        Stop.installSignals()
        let live = try LiveAnalyzer(config, stopRequested: { Stop.isRequested })
        show(live.setup.portMapLoad)
        // The same note a one-shot run gives, before following begins.
        // Not of a stream still arriving: its first entries need not name every unit.
        if let pattern = live.setup.missingServePattern, !live.setup.opener.followsStream {
            Diagnostics.warning(Wording.note(.noServeUnit(pattern: pattern)))
        }
        let sink = output.sink
        try sink.begin(
            RunHeader(
                command: command, follow: true, window: config.window,
                units: live.setup.dispatchUnits + live.setup.serveUnits, settleSeconds: live.settle / 1_000_000))
        var totals = FollowTotals()
        try live.run(
            now: Stop.nowUsec, stop: { Stop.isRequested },
            deliver: { settled in
                for d in settled.drops { try sink.drop(d, in: settled.attribution) }
                for b in settled.bursts { try sink.burst(b, in: settled.attribution) }
                totals.drops += settled.drops.count
                totals.bursts += settled.bursts.count
            }, idle: { try output.out.flush() })
        totals.entriesRead = live.setup.journal.entriesRead
        try sink.finish(.stopped(totals))
        for n in live.setup.opener.streamEndNotes { Diagnostics.warning(Wording.note(n)) }
    }
}

/// `T3ATTR_TIMING=1`: how long each phase took, on stderr.
func show(_ timings: [PhaseTiming]) {
    for t in timings {
        var memory = ""
        if let anon = t.residentAnonKiB, let file = t.residentFileKiB { memory = "; resident \(anon / 1024) MiB heap, \(file / 1024) MiB files" }
        Diagnostics.note(String(format: "timing: %.3f s %@", t.seconds, t.phase) + memory)
    }
}
