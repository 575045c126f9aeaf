import Classifiers
import Foundation
import JournalReader

/// Opens the journal a `SourceSpec` names. Streams (`--input`, `--url`) are
/// imported once per opener into temporary journal files, which are removed
/// when the opener goes away (or at exit); every journal opened from the same
/// stream reads those files.
public final class SourceOpener {
    public let spec: SourceSpec
    /// `-f`: a gateway is followed instead of read to its end.
    public let follow: Bool
    /// Follow mode: a stop was asked for (a signal) while the gateway was awaited.
    private let stopRequested: () -> Bool
    private var imported: ImportedJournal?

    public init(_ spec: SourceSpec, follow: Bool = false, stopRequested: @escaping () -> Bool = { false }) {
        self.spec = spec
        self.follow = follow
        self.stopRequested = stopRequested
    }

    deinit { imported?.remove() }

    /// The journal files or directory to open (a stream is imported first).
    public func journalSource() throws(JournalError) -> JournalSource {
        switch spec {
        case .local: return .local
        case .merged: return .merged
        case .directory(let d): return .directory(d)
        case .files(let f): return .files(try expandFileArguments(f))
        case .input(let name):
            let follow = self.follow
            let stop = stopRequested
            return try imported { () throws(JournalError) in
                follow ? try ImportedJournal.followStream(name, stopRequested: stop) : try ImportedJournal.fromFile(name)
            }.source
        case .gateway(let url, let deadline):
            let follow = self.follow
            let stop = stopRequested
            return try imported { () throws(JournalError) in
                follow
                    ? try ImportedJournal.followGateway(url, stopRequested: stop)
                    : try ImportedJournal.fromGateway(url, deadline: deadline)
            }.source
        }
    }

    private func imported(_ make: () throws(JournalError) -> ImportedJournal) throws(JournalError) -> ImportedJournal {
        if let imported { return imported }
        let j = try make()
        imported = j
        return j
    }

    /// Opens the journal; a stream that ended early is recorded as a skipped
    /// source, and the entries it could not import as skipped entries.
    /// Throws `Stopped` when a stop was asked for while a followed gateway was awaited.
    public func open() throws -> Journal {
        let source = try journalSource()
        if follow && stopRequested() { throw Stopped() }
        let j = try Journal(source: source)
        j.honoursImportedCursors = spec.isImport
        j.checksEnd = !follow
        // A followed stream is still being imported: what it skipped is known at its end (`streamEnded`).
        if !followsStream {
            for p in partial { j.noteSkipped(p) }
            for s in imported?.skippedEntries ?? [] { j.noteSkipped(entries: s) }
        }
        return j
    }

    /// `--input ... -f`: the stream is read as it arrives.
    public var followsStream: Bool {
        if case .input = spec { return follow }
        return false
    }

    /// A followed `--input` stream has ended and all of it is in the files:
    /// following ends once they are read.
    public var streamEnded: Bool { followsStream && (imported?.streamEnded ?? false) }

    /// Once `streamEnded`: what the stream could not give (it ended early,
    /// entries not imported), as a one-shot run notes it.
    public var streamEndNotes: [Note] {
        guard streamEnded else { return [] }
        return Note.skipped(partial) + (imported?.skippedEntries ?? []).map { Note.skippedStreamEntries($0) }
    }

    /// The files of a directory or file list that can hold entries of
    /// `window`, and the others (`Journal.files(of:since:until:)`); nil when
    /// every file is to be opened.
    public func windowFiles(_ window: TimeWindow) throws(JournalError) -> (kept: [String], left: [String])? {
        if spec.isImport || follow { return nil }
        if let c = chosen, c.window == window { return c.files }
        let files = Journal.files(of: try journalSource(), since: window.since, until: window.until)
        chosen = (window, files)
        return files
    }

    /// `windowFiles`' last answer: the files' headers are read once a run.
    private var chosen: (window: TimeWindow, files: (kept: [String], left: [String])?)?

    /// `open()`, but of a directory or file list only the files that can
    /// hold entries of `window` (`windowFiles`). The others are still opened
    /// alone to name one sd-journal refuses (a truncated file), as opening
    /// them all would; when the kept ones do not open cleanly, everything is
    /// opened as `open()` does. Messages name the source as given.
    public func open(for window: TimeWindow) throws -> Journal {
        if let some = try windowFiles(window), let j = try? Journal(source: .files(some.kept)), j.skippedFiles.isEmpty {
            j.describedSource = try journalSource()
            for bad in Journal.validate(some.left).bad { j.noteSkipped(bad) }
            return j
        }
        return try open()
    }

    /// Sources only partly read (a stream that ended early).
    public var partial: [SkippedFile] {
        guard let imported, let e = imported.streamError else { return [] }
        switch spec {
        case .input(let name): return [SkippedFile(path: name, reason: e)]
        case .gateway(let url, _): return [SkippedFile(path: redactedURL(url), reason: e)]
        default: return []
        }
    }

    /// The files a source is made of, when it can be read one file per
    /// thread (`dispatch --jobs`); nil for one file, the system journal, or
    /// files that hold the same entries (`JournalFileHeader.anyOverlap`).
    /// Streams are read on one handle (their notes about skipped entries go with it).
    public func perFileList() throws(JournalError) -> [String]? {
        if spec.isImport { return nil }
        switch try journalSource() {
        case .files(let f): return f.count > 1 && !JournalFileHeader.anyOverlap(f) ? f : nil
        case .directory(let d):
            try Journal.checkReadableDirectory(d)
            guard let f = Journal.filesIn(directory: d), f.count > 1, !JournalFileHeader.anyOverlap(f) else { return nil }
            return f
        case .local, .merged: return nil
        }
    }
}

/// A run ended on request (SIGINT/SIGTERM in follow mode) before it began:
/// the documented end, status 0.
public struct Stopped: Error {
    public init() {}
}
