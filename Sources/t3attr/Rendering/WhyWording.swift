import Analysis
import Classifiers
import Foundation

/// The sentences of `why USER` (issue 15): what an operator pastes into a
/// chat or a ticket. Facts come from `UserDrops`; only the words are here.
extension Wording {
    /// `21:10:07 UTC` (with `--local`, the local zone's offset); the date too when `withDate`.
    static func clock(_ t: UInt64, local: Bool, withDate: Bool = false) -> String {
        let p = split(Render.rfc3339(t, local: local, fractionDigits: 0))
        return (withDate ? p.date + " " : "") + p.hms + " " + p.zone
    }

    /// An RFC 3339 time without fraction as its date, clock and zone, cut at
    /// the `T` (a year may have more than four digits).
    static func split(_ s: String) -> (date: String, hms: String, zone: String) {
        let t = s.firstIndex(of: "T") ?? s.endIndex
        let rest = s[t...].dropFirst()
        return (String(s[..<t]), String(rest.prefix(8)), s.hasSuffix("Z") ? "UTC" : String(rest.dropFirst(8)))
    }

    /// The window in one short line: `2026-06-10 19:50:00 .. 20:10:00 UTC`,
    /// `2026-06-10 21:50:00 .. 22:10:00 +02:00 (Europe/Berlin)` with `--local`.
    static func shortWindow(_ w: TimeWindow, local: Bool) -> String {
        func parts(_ t: UInt64) -> (date: String, hms: String, zone: String) { split(Render.rfc3339(t, local: local, fractionDigits: 0)) }
        let a = w.since.map(parts)
        let b = w.until.map(parts)
        let zone = b?.zone ?? a?.zone ?? (local ? "" : "UTC")
        let start = a.map { "\($0.date) \($0.hms)" + ($0.zone != zone ? " \($0.zone)" : "") } ?? "(start of journal)"
        let end = b.map { ($0.date == a?.date ? "" : "\($0.date) ") + $0.hms } ?? "(end of journal)"
        let name = local ? " (\(TimeZone.current.identifier))" : ""
        return "\(start) .. \(end)" + (zone.isEmpty ? "" : " \(zone)") + name
    }

    /// `850 ms`, `9 s`, `9.5 s`, `21 s`, `2 min 5 s`.
    static func span(ms: UInt64) -> String {
        if ms < 1000 { return "\(ms) ms" }
        if ms < 10_000 {
            let tenths = (ms + 50) / 100
            return tenths % 10 == 0 ? "\(tenths / 10) s" : "\(tenths / 10).\(tenths % 10) s"
        }
        let s = (ms + 500) / 1000
        if s < 120 { return "\(s) s" }
        return s % 60 == 0 ? "\(s / 60) min" : "\(s / 60) min \(s % 60) s"
    }

    /// `back after 9 s`, or `not back by 20:12:05 UTC` (no `ws open` of the user
    /// by the end of what was read; `not back`: by the journal's end).
    static func back(_ d: UserDrop, local: Bool) -> String {
        d.backAfterMs.map { "back after \(span(ms: $0))" }
            ?? ("not back" + (d.readUntil.map { " by \(clock($0, local: local, withDate: $0 / 86_400_000_000 != d.start / 86_400_000_000))" } ?? ""))
    }

    /// `2 sockets, back after 9 s`; `1 socket` when the dispatch logs no `ws` lines (old era).
    static func socketsAndBack(_ d: UserDrop, local: Bool) -> String {
        "\(d.sockets) socket\(d.sockets == 1 ? "" : "s")" + (d.backKnown ? ", \(back(d, local: local))" : "")
    }

    /// What broke, in words, from the verdict's reason and the facts around it.
    static func cause(_ d: UserDrop, local: Bool) -> String {
        let at = d.evidence.first.map { " at \(clock($0.realtime, local: local))" } ?? ""
        let gap = d.gaps.first
        switch d.reason {
        case .burst:
            guard let b = d.burst else { return "part of a same-second burst of teardowns" }
            let when = b.seconds > 1 ? "within \(b.seconds) seconds" : "in the same second"
            if b.users.isEmpty { return "\(b.count) connections were torn down \(when)" }
            return "\(b.count) socket\(b.count == 1 ? "" : "s") of \(b.users.count) user\(b.users.count == 1 ? "" : "s") died \(when)"
        case .reboot: return "the host rebooted" + (gap.map { " (\(String(format: "%.0f", $0.seconds)) s without journal entries)" } ?? "")
        case .hostGap: return "the host's journal went silent" + (gap.map { " for \(String(format: "%.0f", $0.seconds)) s" } ?? "")
        case .oomKill: return d.verdict == .serve ? "the serve was OOM-killed\(at)" : "the kernel's OOM killer struck the host\(at)"
        case .serveTimeouts: return "several serves timed out at once (the host was starved)"
        case .dispatchRestart: return "t3-dispatch restarted\(at), dropping every socket"
        case .dispatchOutage: return "t3-dispatch was down\(at)"
        case .watchdogRestart: return "the watchdog restarted the serve\(at)"
        case .plannedRestart: return "a planned restart of the serve\(at)"
        case .crashRestart: return "the serve crashed and was restarted\(at)"
        case .stopTimeout: return "the serve did not stop in time and was killed\(at)"
        case .unitRestart: return "the serve's unit was restarted\(at)"
        case .unitDown: return "the serve's unit was down (it went down\(at) and had not started again)"
        case .refused: return "the serve refused connections on its port\(at) (it was down)"
        case .reset: return "the serve reset the connection"
        case .eof: return "the serve ended the connection mid-response"
        case .serveTimeout: return "the serve timed out\(at)"
        case .upstreamClosed: return "the serve closed the socket"
        case .upstreamError: return "an error on the serve's side of the proxy"
        case .isolatedCancel: return "the client side went away and nobody else dropped"
        case .isolatedDrop:
            // "Nothing else happened" above "the serve logged 2 events nearby" said two things.
            let rest =
                d.serveEvents.isEmpty && d.hostSignals.isEmpty && d.gaps.isEmpty ? "nothing else happened" : "nothing logged nearby explains it"
            return d.drops.count > 1 ? "only this user's \(d.drops.count) sockets dropped and \(rest)" : "only this socket dropped and \(rest)"
        case .upstreamNoUser: return "an error from a port no user is mapped to"
        case .belowBurstThreshold: return "a few teardowns together, fewer than --burst-min"
        case .spreadOut: return "one of many users' drops seconds apart, too spread out for a burst: a shared cause, not shown which"
        case .noEvidence: return "nothing in the journal explains it"
        case .downstreamUnconfirmed: return "the client side closed, but the serve was not shown to be answering"
        case .kernelStall: return "the kernel reported a stall\(at)"
        case .ephemeralPorts: return "the host ran out of ephemeral ports"
        case .serveDisabled: return "t3-provision-users disabled the serve\(at)"
        case .journalSuppressed: return "journald suppressed lines around it, so nothing can be ruled out"
        default: return d.reason.rawValue.replacingOccurrences(of: "_", with: " ")
        }
    }

    /// `the serve and the host were quiet`, or what they logged.
    static func quiet(_ d: UserDrop) -> String {
        let serve = d.serveEvents.count
        let host = d.hostSignals.count + d.gaps.count
        switch (serve, host) {
        // The dispatch's connections to several serves timed out: its lines are the evidence.
        case (0, 0) where d.reason == .serveTimeouts: return "only the dispatch's timeouts show it: the serves and the host logged nothing"
        case (0, 0) where d.reason == .unitDown: return "its unit logged nothing since and the host was quiet"
        case (0, 0): return "the serve and the host were quiet"
        case (0, _): return "the serve was quiet; the host logged \(host) signal\(host == 1 ? "" : "s")"
        case (_, 0): return "the serve logged \(serve) event\(serve == 1 ? "" : "s") nearby; the host was quiet"
        default: return "the serve logged \(serve) event\(serve == 1 ? "" : "s") and the host \(host) signal\(host == 1 ? "" : "s") nearby"
        }
    }

    /// "alice dropped at 21:10:07 UTC (2 sockets, back after 9 s): edge — 11 sockets of 5 users died in the same second; the serve and the host were quiet."
    static func whySentence(_ d: UserDrop, user: String, local: Bool) -> String {
        var s =
            "\(Render.cell(user)) dropped at \(clock(d.start, local: local)) (\(socketsAndBack(d, local: local))): \(d.verdict.rawValue) — \(cause(d, local: local))"
        if d.reason != .burst, let b = d.burst {
            s += " (in a burst of \(b.count) socket\(b.count == 1 ? "" : "s") of \(b.users.count) user\(b.users.count == 1 ? "" : "s"))"
        }
        return s + "; " + quiet(d) + "."
    }

    /// The one sentence `why` ends with: the item's sentence when there is
    /// one; with several, how many and the latest; with none, that there were
    /// none and when the user was last seen (or that the user never was).
    static func whySummary(_ r: UserDrops, local: Bool) -> String {
        let user = Render.cell(r.user)
        let window =
            "\(clock(r.window.focus.since ?? 0, local: local, withDate: true)) and \(clock(r.window.focus.until ?? UInt64(Date().timeIntervalSince1970 * 1e6), local: local, withDate: true))"
        switch r.items.count {
        case 0:
            if let last = r.lastSeen {
                return
                    "\(user) had no drops between \(window); last seen connected at \(clock(last.realtime, local: local, withDate: true)) (\(last.kind == .wsOpen ? "ws open" : "ws close"))."
            }
            if r.seen { return "\(user) had no drops between \(window)." }
            return "\(user) had no drops between \(window): \(user) was never seen there."
        case 1:
            return whySentence(r.items[0], user: r.user, local: local)
        default:
            var counts: [Verdict: Int] = [:]
            for i in r.items { counts[i.verdict, default: 0] += 1 }
            let parts = Verdict.allCases.compactMap { v in counts[v].map { "\($0) \(v.rawValue)" } }.joined(separator: ", ")
            let last = r.items[r.items.count - 1]
            // `report --user` counts sockets: say how many when some dropped together.
            let sockets = r.items.reduce(0) { $0 + $1.sockets }
            let times = sockets == r.items.count ? "\(r.items.count) times" : "\(r.items.count) times (\(sockets) sockets)"
            return "\(user) dropped \(times) between \(window) (\(parts)); the last: " + whySentence(last, user: r.user, local: local)
        }
    }
}
