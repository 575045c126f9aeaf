import Classifiers
import Foundation
import JournalReader

/// Opens the journal a `SourceSpec` names. Streams (`--input`, `--url`) are
/// imported once per opener into a temporary journal file, which is removed
/// when the opener goes away; every journal opened from the same stream reads
/// that one file.
public final class SourceOpener {
    public let spec: SourceSpec
    /// `-f`: a gateway is followed instead of read to its end.
    public let follow: Bool
    private var imported: ImportedJournal?

    public init(_ spec: SourceSpec, follow: Bool = false) {
        self.spec = spec
        self.follow = follow
    }

    deinit {
        if let imported { try? FileManager.default.removeItem(atPath: imported.directory) }
    }

    /// The journal files or directory to open (a stream is imported first).
    public func journalSource() throws(JournalError) -> JournalSource {
        switch spec {
        case .local: return .local
        case .merged: return .merged
        case .directory(let d): return .directory(d)
        case .files(let f): return .files(try expandFileArguments(f))
        case .input(let name): return .files([try imported { () throws(JournalError) in try ImportedJournal.fromFile(name) }.path])
        case .gateway(let url):
            let follow = self.follow
            return .files([try imported { () throws(JournalError) in
                follow ? try ImportedJournal.followGateway(url) : try ImportedJournal.fromGateway(url)
            }.path])
        }
    }

    private func imported(_ make: () throws(JournalError) -> ImportedJournal) throws(JournalError) -> ImportedJournal {
        if let imported { return imported }
        let j = try make()
        imported = j
        return j
    }

    /// Opens the journal; a stream that ended early is recorded as a skipped source.
    public func open() throws(JournalError) -> Journal {
        let j = try Journal(source: try journalSource())
        j.honoursImportedCursors = spec.isImport
        for p in partial { j.noteSkipped(p) }
        return j
    }

    /// Sources only partly read (a stream that ended early).
    public var partial: [SkippedFile] {
        guard let imported, let e = imported.streamError else { return [] }
        switch spec {
        case .input(let name), .gateway(let name): return [SkippedFile(path: name, reason: e)]
        default: return []
        }
    }

    /// The files a source is made of, when it can be read one file per
    /// thread (`dispatch --jobs`); nil for one file or the system journal.
    public func perFileList() throws(JournalError) -> [String]? {
        switch try journalSource() {
        case .files(let f): return f.count > 1 ? f : nil
        case .directory(let d):
            try Journal.checkReadableDirectory(d)
            guard let f = Journal.filesIn(directory: d), f.count > 1 else { return nil }
            return f
        case .local, .merged: return nil
        }
    }
}
