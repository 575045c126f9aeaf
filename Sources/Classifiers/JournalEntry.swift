/// One journal entry as the classifiers see it: a plain value, built by
/// JournalReader from sd-journal or by a test from literals.
///
/// Only the fields the classifiers need are kept. `message` holds MESSAGE's raw
/// bytes: journald stores binary and non-UTF-8 payloads as they came, so
/// nothing here assumes valid UTF-8 until a string is made for printing.
public struct JournalEntry: Sendable, Equatable {
    /// `__REALTIME_TIMESTAMP`: when journald received the entry (µs since the epoch).
    public var realtime: UInt64
    /// `_SOURCE_REALTIME_TIMESTAMP`: journald's record of when the message was
    /// sent (the socket's timestamp), when it has one (µs).
    public var sourceRealtime: UInt64?
    /// `__MONOTONIC_TIMESTAMP`: journald's receive time on the boot's clock (µs).
    public var monotonic: UInt64 = 0
    /// `_SOURCE_MONOTONIC_TIMESTAMP`: the kernel's own time of a kernel
    /// message on the same clock (µs since boot).
    public var sourceMonotonic: UInt64?
    /// `_BOOT_ID` as 32 lower-case hex digits.
    public var bootID: String
    /// The sd-journal cursor; empty when the entry did not come from a journal.
    public var cursor: String
    public var message: [UInt8]
    public var systemdUnit: String?
    /// `UNIT=`: set by PID 1 on messages about a unit.
    public var unit: String?
    public var pid: Int?
    public var uid: Int?
    public var transport: String?
    public var syslogIdentifier: String?
    public var messageID: String?
    public var hostname: String?
    public var coredumpUnit: String?
    public var objectSystemdUnit: String?

    public init(
        realtime: UInt64, sourceRealtime: UInt64? = nil, bootID: String = "", cursor: String = "",
        message: [UInt8], systemdUnit: String? = nil, unit: String? = nil, pid: Int? = nil,
        uid: Int? = nil, transport: String? = nil, syslogIdentifier: String? = nil,
        messageID: String? = nil, hostname: String? = nil, coredumpUnit: String? = nil,
        objectSystemdUnit: String? = nil
    ) {
        self.realtime = realtime
        self.sourceRealtime = sourceRealtime
        self.bootID = bootID
        self.cursor = cursor
        self.message = message
        self.systemdUnit = systemdUnit
        self.unit = unit
        self.pid = pid
        self.uid = uid
        self.transport = transport
        self.syslogIdentifier = syslogIdentifier
        self.messageID = messageID
        self.hostname = hostname
        self.coredumpUnit = coredumpUnit
        self.objectSystemdUnit = objectSystemdUnit
    }

    public init(realtime: UInt64, message: String, systemdUnit: String? = nil, pid: Int? = nil) {
        self.init(realtime: realtime, message: Array(message.utf8), systemdUnit: systemdUnit, pid: pid)
    }

    /// MESSAGE as text: invalid UTF-8 sequences become U+FFFD.
    public var messageText: String { String(decoding: message, as: UTF8.self) }

    /// The unit this entry is about, as `journalctl -u` sees it: PID 1's
    /// `UNIT=` for systemd's messages, else the writer's `_SYSTEMD_UNIT=`.
    public var aboutUnit: String? {
        if pid == 1, let unit { return unit }
        return systemdUnit ?? coredumpUnit ?? objectSystemdUnit ?? unit
    }

    /// The best estimate of when the line was written (field guide 2.7: on a
    /// stalled host journald receives lines late): the time journald recorded
    /// for the sending (`_SOURCE_REALTIME_TIMESTAMP`), or for a kernel message
    /// the receive time less how long after the kernel's own timestamp it was
    /// received (`__MONOTONIC_TIMESTAMP` - `_SOURCE_MONOTONIC_TIMESTAMP`),
    /// else the receive time. A source time more than `maxLag` from the
    /// receive time is not believed.
    public var writtenAt: UInt64 {
        if let s = sourceRealtime, s <= realtime + Self.maxLag, s + Self.maxLag >= realtime { return s }
        if let k = sourceMonotonic, monotonic >= k, monotonic - k <= Self.maxLag { return realtime.subtractingClamped(monotonic - k) }
        return realtime
    }

    /// How far a source time may be from the receive time (1 h).
    public static let maxLag: UInt64 = 3_600_000_000
}

/// Well-known MESSAGE_IDs (systemd 252's catalog).
public enum MessageID {
    public static let coredump = "fc2e22bc6ee647b6b90729ab34a250b1"
    /// journald's `Suppressed N messages from <unit>` (SD_MESSAGE_JOURNAL_DROPPED, sd-messages.h).
    public static let journalDropped = "a596d6fe7bfa4994828e72309e95d61e"
    public static let oomKill = "fe6faa94e7774663a0da52717891d8ef"
    public static let processExited = "98e322203f7a4ed290d09fe03c09fe15"
    public static let unitFailed = "d9b373ed55a64feb8242e02dbe79a49c"
    public static let restartScheduled = "5eb03494b6584870a536b337290809b3"
}
