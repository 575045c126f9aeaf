#!/usr/bin/env python3
"""Mutation check: does the suite fail when the code is wrong?

    python3 tools/mutate.py                 # every mutation (make mutate)
    python3 tools/mutate.py -k stop_timeout # those whose name contains a word
    python3 tools/mutate.py --list          # names, files and test filters

Copies the working tree (not .git or .build*) into a scratch directory that
keeps its own .build between runs, so each mutation rebuilds incrementally.
For each mutation: restore the pristine sources, apply ONE text replacement,
build, run the tests it names (`swift test --filter`), and print caught or
SURVIVED. A mutation whose pattern is not found exactly once is reported as
MISSING with the file and the pattern: code changed and the list must follow.
Exits 1 if any mutation survived, is missing or does not build, or if the
unmutated tree fails those tests (then nothing can be judged).
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

A = "Sources/Classifiers/Attribution.swift"
G = "Sources/Classifiers/GoError.swift"
F = "Sources/Analysis/LiveAnalyzer.swift"
T = "Sources/t3attr/Rendering/Terminal.swift"
D = "Sources/Classifiers/DispatchMessage.swift"
AN = "Sources/Analysis/Analyzer.swift"
RULES = "AttributionRuleTests|RequestErrorTests|ScenarioTests"
SCEN = "ScenarioTests"
S = "Sources/Classifiers/Signals.swift"
RULES = "AttributionRuleTests|SignalTests|DispatchParserTests|ScenarioTests"
PARSE = "DispatchParserTests|ScenarioTests"
C14 = "Sources/Classifiers/Corroborate.swift"
EV14 = "AttributionRuleTests|EvidenceTests"

# (name, file, pattern, replacement, test filter). Patterns are exact text,
# whitespace included; each must occur exactly once in its file.
MUTATIONS = [
    # -- the eight of issue 11 --------------------------------------------
    ("burst-close >= becomes >", A,
     "if j - i >= burstMin && (unnamed > 0 || perUser.count >= 2) {",
     "if j - i > burstMin && (unnamed > 0 || perUser.count >= 2) {", SCEN),
    ("refused without address falls back to downstream", G,
     "var info = fromTuple(.refused)\n            if info.side == .unknown { info.side = .upstream }",
     "var info = fromTuple(.refused)\n            if info.side == .unknown { info.side = .downstream }", PARSE),
    ("rule 2 ignores side != .upstream", A,
     'if side != .upstream,\n            let r = dispatchRestarts',
     'if side == side,\n            let r = dispatchRestarts', SCEN),
    ("crash_restart checked before planned_restart", A,
     '            if wentDownByDrop,\n                has({\n                    switch $0 {\n                    case .plannedRestart, .restartFailed: true\n',
     '            if has({ if case .unit(let a) = $0 { a.isCrash } else { false } }) {\n                set(.serve, .crashRestart, mineRefs)\n                return\n            }\n            if wentDownByDrop,\n                has({\n                    switch $0 {\n                    case .plannedRestart, .restartFailed: true\n', SCEN + "|AttributionRuleTests"),
    ("rule 7: host OOM near a drop outside a burst gives edge", A,
     '        if !ooms.isEmpty {\n            set(.devvm, .oomKill, refs(ooms))\n',
     '        if !ooms.isEmpty {\n            set(.edge, .burst, [])\n', SCEN),
    ("--follow settle time 0", F,
     "return max(s.reconnectWindow, s.serveWindow, s.hostWindow) + 5_000_000",
     "return 0", "followWaitsUntilAVerdictIsFinal"),
    ("progress shown without isatty(2)", T,
     'enabled = isatty(2) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb"',
     'enabled = ProcessInfo.processInfo.environment["TERM"] != "dumb"', "noProgressWhenStderrIsNotATerminal"),
    ("upstream_no_user gives serve/eof", A,
     'set(.unknown, .upstreamNoUser, [])',
     'set(.serve, .eof, [])', SCEN),
    # -- one per verdict reason: the branch that yields it skipped or renamed --
    ("devvm/reboot", A, 'g.bootChanged ? .reboot : .hostGap', 'g.bootChanged ? .hostGap : .hostGap', SCEN),
    ("devvm/host_gap", A, 'g.bootChanged ? .reboot : .hostGap', 'g.bootChanged ? .reboot : .reboot', SCEN),
    ("dispatch/dispatch_restart (the restart itself)", A,
     "if drop.trigger == .dispatchRestart {", "if drop.trigger == .dispatchRestart && false {", SCEN),
    ("dispatch/dispatch_restart (drops near one)", A,
     'set(.dispatch, .dispatchRestart, [.restart(Int32(r))])\n            return',
     '_ = r', SCEN),
    ("devvm/oom_kill in a burst", A,
     '            if !ooms.isEmpty {\n                set(.devvm, .oomKill, refs(ooms + timeouts))\n                return\n            }\n',
     '', SCEN),
    ("devvm/serve_timeouts in a burst", A,
     '            if timeoutUnits.count >= s.unitsForHostStarvation {\n                set(.devvm, .serveTimeouts, timeoutRefs)\n                return\n            }\n            if suppressed(t) { return }\n',
     '            if suppressed(t) { return }\n', SCEN),
    ("edge/burst", A,
     '            set(.edge, .burst, [])\n',
     '            set(.unknown, .noEvidence, [])\n', SCEN),
    ("serve/oom_kill", A,
     '                set(.serve, .oomKill, mineRefs)\n                return\n',
     '', SCEN),
    ("serve/watchdog_restart", A,
     '                set(.serve, .watchdogRestart, mineRefs)\n                return\n',
     '', SCEN),
    ("serve/planned_restart", A,
     '                set(.serve, .plannedRestart, mineRefs)\n                return\n',
     '', SCEN),
    ("serve/crash_restart", A,
     '                set(.serve, .crashRestart, mineRefs)\n                return\n',
     '', SCEN),
    ("serve/stop_timeout", A,
     '                set(.serve, .stopTimeout, mineRefs)\n                return\n',
     '', SCEN),
    ("serve/unit_restart", A,
     '                set(.serve, .unitRestart, mineRefs)\n                return\n',
     '', SCEN),
    ("serve/refused", A, 'case .refused?: reason = .refused', 'case .refused?: reason = .upstreamError', SCEN),
    ("serve/reset", A, 'case .reset?, .brokenPipe?: reason = .reset', 'case .reset?, .brokenPipe?: reason = .upstreamError', SCEN),
    ("serve/eof", A, 'case .eof?, .unexpectedEOF?: reason = .eof', 'case .eof?, .unexpectedEOF?: reason = .upstreamError', SCEN),
    ("serve/serve_timeout (the error text)", A,
     'case .timeout?: reason = .serveTimeout', 'case .timeout?: reason = .upstreamError', SCEN),
    ("serve/upstream_closed", A,
     '== .upstreamClosed ? .upstreamClosed : .upstreamError', '== .upstreamClosed ? .upstreamError : .upstreamError', SCEN),
    ("serve/serve_timeout (the serve's own timeouts)", A,
     '                set(.serve, refusedOnly ? .refused : .serveTimeout, refs(starving))\n                return\n',
     '', SCEN),
    ("devvm/serve_timeouts outside a burst", A,
     '        if timeoutUnits.count >= s.unitsForHostStarvation {\n            set(.devvm, .serveTimeouts, timeoutRefs)\n            return\n        }\n',
     '', SCEN),
    ("devvm/oom_kill outside a burst (skipped)", A,
     '        if !ooms.isEmpty {\n            set(.devvm, .oomKill, refs(ooms))\n            return\n        }\n',
     '', SCEN),
    ("client/isolated_cancel", A,
     'side == .downstream ? .isolatedCancel : .isolatedDrop', 'side == .downstream ? .isolatedDrop : .isolatedDrop', SCEN),
    ("client/isolated_drop", A,
     'side == .downstream ? .isolatedCancel : .isolatedDrop', 'side == .downstream ? .isolatedCancel : .isolatedCancel', SCEN),
    ("unknown/below_burst_threshold", A,
     'set(.unknown, .belowBurstThreshold, [])',
     'set(.client, .isolatedCancel, [])', SCEN),
    ("unknown/upstream_no_user (skipped)", A,
     'if user == nil && (cls == .eof || cls == .unexpectedEOF || cls == .other || cls == nil) {', "if false {", SCEN),
    ("unknown/no_evidence", A, 'set(.unknown, .noEvidence, [])\n    }', 'set(.client, .isolatedDrop, [])\n    }', SCEN),
    # -- issue 13, section 1: what a drop is ------------------------------
    ("new era: proxy errors of a ws process stay drops", A,
     "if wsProcesses.contains(DispatchProcess(ev)) {\n                requestErrors.append(ev)",
     "if false {\n                requestErrors.append(ev)", RULES),
    ("era looked for before the window: never", AN,
     "                        attributors[h].markNewEra(p)\n", "", SCEN),
    ("a refused request of the user is no evidence", A,
     "            if !refusedReqs.isEmpty || !refusedPairings.isEmpty {", "            if !refusedPairings.isEmpty {", RULES),
    ("downstream_closed alone is client", A,
     "if ev.dispatch?.wsCause == .downstreamClosed, !(user.map { serveAnswered($0, around: t) } ?? false) {",
     "if ev.dispatch?.wsCause == .downstreamClosed, false {", RULES),
    ("serve answered: any socket of the user, at any time", A,
     "return servedSpans[user]?.contains { $0.0 <= t + w && $0.1 + w >= t } ?? false",
     "return servedSpans[user] != nil", RULES),
    ("ws line: ip runs to the first dur_ms", D,
     "var i = s.endIndex - marker.count\n        while i >= ipStart {",
     "var i = ipStart\n        while i <= s.endIndex - marker.count {", "DispatchParserTests|ScenarioTests"),
    ("a drop burst counts no cancelled requests", A,
     "for k in sec...(end / 1_000_000) { requestsCancelled += cancelledRequests[k] ?? 0 }",
     "for k in sec..<sec { requestsCancelled += cancelledRequests[k] ?? 0 }", RULES),
    ("request bursts: never", A,
     "result.requestBursts = cancelledRequests.filter { $0.value >= settings.burstMin }",
     "result.requestBursts = cancelledRequests.filter { $0.value < 0 }", "RequestErrorTests|ScenarioTests"),
    # -- issue 13, section 2: bursts as shared-segment events --------------
    ("one user's sockets make a burst", A,
     "if j - i >= burstMin && (unnamed > 0 || perUser.count >= 2) {",
     "if j - i >= burstMin && (unnamed > 0 || perUser.count >= 1) {", RULES),
    ("burst window: the written second, not a sliding second", A,
     "let from = t.subtractingClamped(1_000_000)",
     "let from = t / 1_000_000 * 1_000_000", RULES),
    ("a second's burst spans kept after a teardown joins it", A,
     "if let known = burstStarts[sec], known.counts == counts {",
     "if let known = burstStarts[sec] {", "AttributionScaleTests"),
    ("a straddling break is two bursts", A,
     "if !groups.isEmpty, at <= lastAt + 1_000_000 {", "if !groups.isEmpty, at / 1_000_000 == lastAt / 1_000_000 {", RULES),
    # -- issue 13, section 5: dispatch outages ------------------------------
    ("outage rule skipped", A,
     "        if let o = outage(at: ev.realtime), outages[o]", "        if let o = outage(at: ev.realtime), false, outages[o]", RULES + "|DispatchOutageTests"),
    ("a listening line followed by a bind failure is a restart", A,
     "            if let s = served[p], s >= e.realtime, s <= f.realtime { return false }\n            return true",
     "            if let s = served[p], s >= e.realtime, s <= f.realtime { return false }\n            return false", "DispatchOutageTests|ScenarioTests"),
    ("restarts not counted", A,
     "                if case .restartScheduled = a { o.restarts += 1 }", "", "DispatchOutageTests"),
    ("a load failure at start is a reload failure", D,
     'msg.kind = rest.hasPrefix("load ", at: start) ? .startFailed : .tableReloadFailed',
     'msg.kind = .tableReloadFailed', "DispatchParserTests|DispatchOutageTests|" + RULES),
    # -- issue 13, section 9: incidents and basis ---------------------------
    ("every drop its own incident", A,
     "            if let k = key, let n = byKey[k] {", "            if let k = key, let n = byKey[k], false {", "IncidentTests|ScenarioTests"),
    ("basis always evidence", A,
     "        if reason.isElimination { return .elimination }", "", "IncidentTests|ScenarioTests"),
    ("an elimination checks nothing", A,
     "        guard basis == .elimination else { return [] }", "        guard basis == .evidence else { return [] }", "IncidentTests|ScenarioTests"),
    # -- issue 13, helper B (sections 3, 4, 6, 8): `-k i13b` runs these --------
    ("i13b s3: a memcg kill in a serve's cgroup indicts the host", A,
     'if serveUnits.user(inCgroup: memcg) != nil { return false }', 'if serveUnits.user(in: memcg) != nil { return true }', RULES),
    ("i13b s3: a login-slice/per-pane kill indicts the host", A,
     'if memcg.hasPrefix("/user.slice/user-") { return false }', '', RULES),
    ("i13b s3: a kill in another capped slice is not the host", A,
     '        if memcg.hasPrefix("/user.slice/user-") { return false }\n        return true\n',
     '        if memcg.hasPrefix("/user.slice/user-") { return false }\n        return false\n', RULES),
    ("i13b s3: a cgroup OOM explains the drop though the serve lived on", A,
     "let unitEnds = mine.filter { if case .unit(let a)? = sigs[$0].signal { a != .oomKilled } else { false } }",
     "let unitEnds = mine.filter { if case .unit? = sigs[$0].signal { true } else { false } }", RULES),
    ("i13b s3: devvm/kernel_stall in a burst skipped", A,
     "                set(.devvm, .kernelStall, refs(stalls + timeouts))\n                return\n", "", RULES),
    ("i13b s3: kernel stall lines not parsed", S,
     'if m.hasPrefix("INFO: task ", at: 0) { return hungTaskSeconds(m) != nil ? .kernelStall : nil }', '', RULES),
    ("i13b s4: exit 130 is a crash", S, "return status != 130", "return status != 0", RULES),
    ("i13b s4: failed 'exit-code' is a crash", S,
     'return result != "exit-code" && result != "timeout"', 'return result != "timeout"', RULES),
    ("i13b s4: a killed main process is not a crash", S,
     "            return true  // killed by a signal", "            return false  // killed by a signal", RULES),
    ("i13b s4: crash_restart checked before stop_timeout", A,
     "if has({ $0 == .unit(.stopTimeout) }) {", "if has({ if case .unit(let a) = $0 { a.isCrash || a == .stopTimeout } else { false } }) {", RULES),
    ("i13b s4: t3-safe-restart's restarted line under t3-watchdog is planned", S,
     "tag == watchdogTag ? .watchdogRestart(reason: nil) : .plannedRestart(script: tag)", ".plannedRestart(script: tag)", RULES),
    ("i13b s4: restart trouble under t3-watchdog is planned", A,
     "case .restartFailed(let script): script == SignalParser.watchdogTag", "case .restartFailed: false", RULES),
    ("i13b s4: WATCHDOG: restart of ... FAILED verification ignored", S,
     'if s.hasPrefix("WATCHDOG: restart of ")', 'if s.hasPrefix("WATCHDOG: restart off ")', RULES),
    ("i13b s4: t3-safe-restart's trouble lines ignored", S,
     'guard s.hasPrefix(head), let end = s.range(of: tail) else { continue }',
     'guard s.hasPrefix(head + "\\u{0}"), let end = s.range(of: tail) else { continue }', RULES),
    ("i13b s4: serve/serve_disabled skipped", A,
     "                set(.serve, .serveDisabled, mineRefs)\n                return\n", "", RULES),
    ("i13b s4: t3-provision-users not a default tag", "Sources/Classifiers/EventStream.swift",
     '"t3-migrate-idle", "t3-provision-users"]', '"t3-migrate-idle"]', SCEN),
    ("i13b s4: an unannounced stop/exit is no unit_restart", A,
     "            if diedOrRestarted && wentDownByDrop {\n                set(.serve, .unitRestart, mineRefs)",
     "            if false {\n                set(.serve, .unitRestart, mineRefs)", RULES),
    ("i13b s6: operation was canceled points upstream", G,
     '|| err.contains("operation was canceled") ', '', RULES),
    ("i13b s6: net/http: request canceled is not downstream", G,
     ' || err.contains("net/http: request canceled")', '', RULES),
    ("i13b s6: devvm/ephemeral_ports skipped", A,
     "if ev.dispatch?.error?.errorClass == .addressExhausted {", "if false {", RULES),
    ("i13b s6: use of closed network connection blamed on the serve", G,
     'if err.contains("use of closed network connection") {', 'if err.contains("use of closed network connection") && false {', RULES),
    ("i13b s6: server closed idle connection not upstream", G,
     '            var info = fromTuple(.eof)\n            info.side = .upstream\n            return info',
     '            return fromTuple(.eof)', RULES),
    ("i13b s6: backend tried to switch protocol not upstream", G,
     '            var info = fromTuple(.other)\n            info.side = .upstream\n            return info',
     '            return fromTuple(.other)', RULES),
    ("i13b s8: every serve timeout is starvation", S,
     "public var isStarvation: Bool { self == .git || self == .process }", "public var isStarvation: Bool { true }", RULES),
    ("i13b s7: Go's local-time prefix not corrected", "Sources/Classifiers/EventStream.swift",
     "if offset != 0 { ev.writtenAt", "if false { ev.writtenAt", SCEN),
    ("i13b s7: offset not rounded to quarter-hours", "Sources/Classifiers/EventStream.swift",
     "        return d >= 0 ? (d + quarter - 1) / quarter * quarter : -((-d) / quarter * quarter)", "        return diff", SCEN),
    ("i13b s7: a hole does not touch client verdicts", A,
     "            if others == 0 {\n                if suppressed(t) { return }\n",
     "            if others == 0 {\n", RULES),
    ("i13b s7: a hole does not touch edge verdicts", A,
     "            if suppressed(t) { return }\n            set(.edge, .burst, [])", "            set(.edge, .burst, [])", RULES),
    ("i13b s7: a hole covers the time after its notice", A,
     "window(sigs, around: t, before: 0, after: s.suppressionWindow)", "window(sigs, around: t, before: s.suppressionWindow, after: s.suppressionWindow)", RULES),
    ("i13b s7: anyone's 'Suppressed' line is a hole", "Sources/Classifiers/EventStream.swift",
     'if e.transport == "driver", e.messageID == MessageID.journalDropped {',
     'if e.transport == "driver" || SignalParser.suppressed(e.message) != nil {', RULES),
    ("i13b s8: git timeouts not recognised", S,
     '$0 == "git" || $0.hasPrefix("gitcore") }) { return .git }', '$0 == "git" || $0.hasPrefix("gitcore") }) { return .other }', RULES),
    ("i13b s8: Process 'git' is another process", S,
     '== "git" ? .git : .process', '== "git" ? .process : .process', RULES),
    # -- issue 14: the probe and the tunnel's logs (`-k i14` runs these) ------------
    ("i14 devvm/probe_pressure", C14,
     "            return (.devvm, .probePressure, c)\n", "            return (verdict, reason, c)\n", EV14),
    ("i14 pressure does not take a serve timeout", C14,
     "(Self.isOpen(reason) || reason == .serveTimeout)", "Self.isOpen(reason)", EV14),
    ("i14 edge/tunnel_reconnect", C14,
     "if !events.isEmpty { return (.edge, .tunnelReconnect, c) }", "if events.isEmpty { return (.edge, .tunnelReconnect, c) }", EV14),
    ("i14 tunnel window ignored", C14,
     "e.time.map { $0 >= a && $0 <= b } ?? false", "e.time != nil", EV14),
    ("i14 edge/probe_traefik", C14, "return (.edge, .probeTraefik, c)", "return (verdict, reason, c)", EV14),
    ("i14 serve/probe_serve_stall", C14, "case .serveStalled: return (.serve, .probeServeStall, c)",
     "case .serveStalled: return (verdict, reason, c)", EV14),
    ("i14 edge/probe_cloudflare_leg", C14, "case .cloudflareOnly: return (.edge, .probeCloudflareLeg, c)",
     "case .cloudflareOnly: return (verdict, reason, c)", EV14),
    ("i14 client/probe_clean", C14, "if verdict == .client || verdict == .unknown { return (.client, .probeClean, c) }",
     "if verdict == .client && false { return (.client, .probeClean, c) }", EV14),
    ("i14 infra clean overrides a burst", C14,
     "if verdict == .client || verdict == .unknown { return (.client, .probeClean, c) }",
     "return (.client, .probeClean, c)", EV14),
    ("i14 the journal's evidence does not stand", C14,
     "        guard Self.isOpen(reason) else { return (verdict, reason, c) }\n", "", EV14),
    ("i14 bursts judged at their second in seconds", C14,
     "let from = b.start > 0 ? b.start : b.second * 1_000_000", "let from = b.second", EV14),
    ("i14 incidents keep the journal's verdict", C14,
     "            a.incidents[i].verdict = d.verdict\n", "", EV14),
    ("i14 a failed server is no note", "Sources/Analysis/Corroboration.swift",
     'notes.append(.evidenceMissing(source: "--prometheus", detail: "\\(server.description); verdicts from the journal alone"))',
     "_ = server", EV14),
    # -- late teardowns and the follower's settle (CI fix after round two) --
    ("late teardown does not recheck expired closes", A,
     "        recheckExpiredCloses(near: ev.writtenSecond)\n", "", "LateTeardownTests"),
    ("old-era cancels next to an expired close are not waited for", A,
     "for ev in deferredCloses where burstHit(at: ev.writtenAt) { keep(Drop(event: ev, trigger: .burst)) }",
     "_ = deferredCloses", "LateTeardownTests"),
    ("follower settles on the wall clock", F,
     "let readUpTo = frontier == 0 ? wall : min(wall, frontier + wall.subtractingClamped(frontierWall))",
     "let readUpTo = wall", "followJudgesADropOnWhatFollowsIt"),
    ("follower decides the era on the window alone", F,
     "if seen { attributors[host]!.markNewEra(p) }", "_ = seen", "followDecidesTheEraOnLinesBeforeTheWindow"),
    # -- the audit's disagreements that were rule bugs --------------------
    ("rule 8 counts the calendar second, not other users near", A,
     "                others = othersTearingDown(near: ev.writtenAt, user: me)\n            } else if",
     "                others = (teardowns[ev.writtenSecond]?.count ?? 1) - 1\n            } else if", SCEN),
    ("a count below the burst threshold ignores suppression", A,
     "            // Too few to be a burst, unless journald dropped the rest of the count.\n            if suppressed(t) { return }\n",
     "", SCEN),
    ("a dispatch killed by a host-wide OOM stays the dispatch's", A,
     "            if !starved.isEmpty {\n                set(.devvm, .oomKill, refs(starved) + outageRefs)",
     "            if starved.isEmpty && false {\n                set(.devvm, .oomKill, refs(starved) + outageRefs)", SCEN),
    ("a process that serves does not end an outage", A,
     "        for t in served.values { markers.append((t, .alive)) }\n", "", "DispatchOutageTests"),
    ("a host-wide incident is split per user", A,
     'let who = d.verdict == .devvm ? "host \\(d.event.host ?? "")" : "user \\(d.event.user ?? "-")"',
     'let who = "user \\(d.event.user ?? "-")"', "IncidentTests"),
    # Issue 16: the speed-ups must not change what is found.
    ("i16: a gap probe spared across a silence of the dispatch", "Sources/Analysis/GapProbe.swift",
     "k.after - k.before < threshold", "true", "GapProbeTests"),
    ("i16: a gap probe spared across a reboot", "Sources/Analysis/GapProbe.swift",
     "let oneBoot = known.boot(from: a.subtractingClamped(threshold), to: b + step + threshold)",
     'let oneBoot: String? = known.times.isEmpty ? nil : "x"', "GapProbeTests"),
    ("i16: every serve line passed over", "Sources/Classifiers/EventStream.swift",
     'uid == nil || uid == 0 || message.contains("timed out")', "false", SCEN),
    ("i16: hosts side by side lose what their handles read", "Sources/Analysis/Analyzer.swift",
     "        for c in shared.counts { setup.journal.absorb(c!) }\n", "", "FleetTests"),
    ("i16: a line both signal reads select counted twice", "Sources/Analysis/Analyzer.swift",
     "if let seen = readFirst[entry.realtime], seen.contains(c) { return nil }", "", "AnalyzerTests"),
    ("i16: a -u line both halves select listed twice", "Sources/JournalReader/Journal.swift",
     "if next?.cursor == h.cursor {", "if next?.cursor == h.cursor, false {", "DispatchCommandTests"),
    ("i16: the -u selection's rare half listed last", "Sources/JournalReader/Journal.swift",
     "n.realtime == e.realtime, n.cursor == position() {", "n.realtime == e.realtime, n.cursor == position(), false {",
     "DispatchCommandTests"),
    ("i16: the busy signal terms never read", "Sources/Analysis/ReadPlan.swift",
     '        busy.add(["_PID=1"])\n', "", SCEN),
    # Hostile input: a process's name starts some kernel lines; a directory is not a keyword.
    ("kernel oom-kill line matched on a process's name", S,
     'if m.hasPrefix("oom-kill:constraint=", at: 0) {', 'if m.contains("oom-kill:constr") {', "SignalTests"),
    ("kernel Killed process line without its pid", S,
     'guard let pid = parseUInt(rest[..<sp]), rest[sp...].starts(with: Array(" (".utf8)) else { return nil }',
     'let pid: UInt64 = parseUInt(rest[..<sp]) ?? 0', "SignalTests"),
    ("a timeout's working directory decides its kind", S,
     'if let r = s.firstRange(of: "process \'"),', 'if let r = s.firstRange(of: "process \\u{0}\'"),', "SignalTests"),
    ("bidi and zero-width characters reach the terminal", "Sources/t3attr/Rendering/SafeText.swift",
     "|| (v >= 0x0600 && isInvisibleFormat(v))", "", "HostileInputTests"),
    ("pretty JSON lets bidi characters through", "Sources/t3attr/Rendering/SafeText.swift",
     "if v >= 0x7F && isControl(v) {", "if v >= 0x7F && v <= 0x9F {", "HostileInputTests"),
    ("i16: --file copies read apart", "Sources/Analysis/SourceOpener.swift",
     "return f.count > 1 && !JournalFileHeader.anyOverlap(f) ? f : nil", "return f.count > 1 ? f : nil", "ParallelReadTests"),
    ("i16: dispatch --jobs reads a file and its copy apart", "Sources/Analysis/SourceOpener.swift",
     "f.count > 1, !JournalFileHeader.anyOverlap(f) else", "f.count > 1 else", "ParallelReadTests"),
    ("i16: dispatch --jobs puts overlapping writers' files one after another", "Sources/Analysis/DispatchListing.swift",
     "guard let all = try opener.perFileList(), JournalFileHeader.timeOrdered(all) else { return nil }",
     "guard let all = try opener.perFileList() else { return nil }", "ParallelReadTests"),
    ("i16: two writers' copies of an entry both given", "Sources/Analysis/ParallelRead.swift",
     "if ordersByHash, let l = last, l.file != currentFile[best],", "if false, let l = last, l.file != currentFile[best],",
     "ParallelReadTests"),
    ("i16: several writers: the prefilter's entries not handed on", "Sources/Analysis/ParallelRead.swift",
     "guard v != nil || hashes else { return }", "guard v != nil else { return }", "ParallelReadTests|FreshHandleTests"),
    ("a stream's repeated entries read twice", "Sources/JournalReader/ExportConverter.swift",
     "if let p = entryPlace, !placesSeen.insert(p).inserted {", "if let p = entryPlace, false, !placesSeen.insert(p).inserted {",
     "StreamTests"),
    ("a .env file's first T3_PORT wins", "Sources/Classifiers/PortMap.swift",
     "            port = Int(rest).flatMap", "            if port != nil { continue }\n            port = Int(rest).flatMap",
     "PortMapTests"),
    ("a host without dispatch lines read with the dispatch host's", AN,
     "let fleet = hosts.count > 1 || ((try? j.uniqueValues(of: \"_HOSTNAME\").count) ?? 2) > 1", "let fleet = hosts.count > 1", "FleetTests"),
    ("signals beyond the window not read around its drops", AN,
     "if scope != .serveTimeline, window.since != nil || window.until != nil {",
     "if false, scope != .serveTimeline, window.since != nil || window.until != nil {", "WindowEdgeTests"),
    ("a burst's teardowns beyond the window's edge not counted", A,
     "        if teardown { addTeardown(ev) }", "", "WindowEdgeTests"),
    ("a dispatch table's trailing comma taken", "Sources/Classifiers/PortMap.swift",
     "                if let comma { return comma }", "                _ = comma", "PortMapTests"),
    # The rules against the field guide (round six's review).
    ("a global OOM kill of the serve is the serve's", A,
     "if !globalKills.isEmpty || !earlyoomKills.isEmpty {", "if !earlyoomKills.isEmpty {", RULES),
    ("probe timeouts are not serve-side timeouts", A,
     " || ($0.signal?.isProbeTimeout ?? false)", "", RULES),
    ("curl's exit 28 is not a probe timeout", S,
     ' || reason.hasSuffix("(curl=28)")', "", RULES),
    ("a probe's reason is cut at its parenthesis", S,
     'var v = s[r.upperBound...].prefix { $0 != " " }', 'var v = s[r.upperBound...].prefix { $0 != " " && $0 != "(" }', RULES),
    ("other users' downstream_closed leave a client alone", A,
     " + othersQuittingUpgrades(near: ev.writtenAt, user: me)", "", RULES),
    ("host signals after a drop count only by when they were written", A,
     " || sigs[i].writtenAt.subtractingClamped(leads[i]) <= t + s.hostAfter", "", RULES),
    ("a global OOM kill covers no storm before it", A,
     "case .oomKill(_, _, _, global: true, _)?: lead = s.oomLead", "case .oomKill(_, _, _, global: true, _)?: lead = 0", RULES),
    ("a container's own OOM kill ends a storm too", A,
     "case .oomKill(_, _, _, global: true, _)?: lead = s.oomLead", "case .oomKill?: lead = s.oomLead", RULES),
    ("earlyoom's kill ends a storm too", A,
     "case .oomKill(_, _, _, global: true, _)?: lead = s.oomLead", "case .oomKill(_, _, _, global: true, _)?, .earlyoomKill?: lead = s.oomLead", RULES),
    ("a stall line's stated span is ignored", A,
     "case .kernelStall?: lead = SignalParser.statedSeconds(e.message).map { min($0, 86_400) * 1_000_000 } ?? 10_000_000",
     "case .kernelStall?: lead = 10_000_000", RULES),
    ("a stall's stated span overflows", A, "map { min($0, 86_400) * 1_000_000 }", "map { $0 * 1_000_000 }", RULES),
    ("a serve timeout's limit is ignored", A,
     "case .serveTimeout?: lead = min(SignalParser.timeoutLimit(e.message) ?? 0, s.serveTimeoutLead)", "case .serveTimeout?: lead = 0", RULES),
    ("a serve's stated limit is believed whole", A,
     "case .serveTimeout?: lead = min(SignalParser.timeoutLimit(e.message) ?? 0, s.serveTimeoutLead)",
     "case .serveTimeout?: lead = SignalParser.timeoutLimit(e.message) ?? 0", RULES),
    ("_SOURCE_REALTIME_TIMESTAMP not read", "Sources/JournalReader/Journal.swift",
     "                    e.sourceRealtime = Journal.uint(v)",
     "                    _ = v", "JournalTests"),
    ("a kernel line's own time not used", "Sources/Classifiers/JournalEntry.swift",
     "if let k = sourceMonotonic, monotonic >= k,", "if let k = sourceMonotonic, false, monotonic >= k,", "JournalTests|SignalTests"),
    ("a repeated source flag keeps only the last", "Sources/t3attr/Options/SourceOptions.swift",
     '("--url", urls)] where given.count > 1 {', '("--url", urls)] where given.count > 2 {', "OptionParsingTests"),
    ("usage errors echo control characters raw", "Sources/t3attr/T3Attr.swift",
     ".map { SafeText.text(String($0)) }", ".map { String($0) }", "OptionParsingTests"),
    ("an entry out of order makes a host gap", "Sources/Analysis/GapProbe.swift",
     "if !p.disordered || before.1 != after.1 {", "if true {", "HostileInputTests"),
    # Round six's review of round six.
    ("a global OOM long before the serve's end killed it", A,
     "return deaths.contains { d in sigs[d].writtenAt >= sigs[k].writtenAt && sigs[d].writtenAt - sigs[k].writtenAt <= s.oomDeathWindow }",
     "return deaths.contains { d in sigs[d].writtenAt >= sigs[k].writtenAt }", RULES),
    ("a cgroup OOM long before the unit's end ended it", A,
     "unitEnds.contains { e in sigs[e].writtenAt >= sigs[k].writtenAt && sigs[e].writtenAt - sigs[k].writtenAt <= s.oomDeathWindow }",
     "unitEnds.contains { e in sigs[e].writtenAt >= sigs[k].writtenAt }", RULES),
    ("a hung task's name may be any length", S, "colon - 11 <= 15,", "true,", "SignalTests"),
    ("a quote that closes is never closed", S,
     "if token.trimmingSuffix({ !($0.isLetter || $0.isNumber || $0 == q) }).last == q { quote = nil }", "", "SignalTests"),
    ("a script line's copies fold only forwards in time", "Sources/Classifiers/EventStream.swift",
     "(e.writtenAt >= seen ? e.writtenAt - seen : seen - e.writtenAt) < Self.foldWindow",
     "e.writtenAt >= seen && e.writtenAt - seen < Self.foldWindow", "SignalTests"),
    ("serve lines read only hostAfter past a drop", A,
     "after: max(settings.serveWindow, settings.hostWindow))", "after: max(settings.serveWindow, settings.hostAfter))", "LookaheadTests"),
    ("why's host context ends hostAfter past the drop", "Sources/Analysis/UserDrops.swift",
     "|| ($0.writtenAt <= t + settings.hostWindow && $0.writtenAt.subtractingClamped(Attributor.lead(of: $0, settings)) <= hostEnd))",
     "|| false)", "LookaheadTests"),
    # Round six's second review.
    ("a global OOM read from the cgroup names", S,
     'global: constraint != "CONSTRAINT_MEMCG"', 'global: line.contains("global_oom")', "SignalTests"),
    ("the first task_memcg= of several is believed", S, "if marks.count == 1 {", "if !marks.isEmpty {", "SignalTests"),
    ("a user's cgroup named as a serve is that serve", "Sources/Classifiers/ServeUnits.swift",
     'guard let path, !path.hasPrefix("/user.slice/") else { return nil }', "guard let path else { return nil }", "SignalTests"),
    ("a hung-task line cut short traps", S, "        guard r.upperBound <= m.count - 9 else { return nil }\n", "", "SignalTests"),
    ("a hung-task line with no name traps", S,
     'let r = m.firstRange(of: " blocked for more than ", from: 11)', 'let r = m.firstRange(of: " blocked for more than ")', "SignalTests"),
    # Round ten: a dispatch restart cuts the sockets it held (field guide 6.1).
    ("a restart cuts another host's sockets too", A,
     "for (q, users) in open where q.host == p.host && q != p {",
     "for (q, users) in open where q != p {", "AttributionRuleTests|WhyTests"),
    ("a ws close leaves its socket open", A,
     "            if let user = d.user { openSockets.closed(by: user, in: DispatchProcess(ev)) }\n", "", "AttributionRuleTests"),
    ("an outage's recovering start keeps the sockets it found", A,
     "                inOutage.insert(r.cursorKey)\n", "", "AttributionRuleTests"),
    ("the start that ended an outage is an incident of its own", A,
     "        } else if let o = d.evidence.lazy.compactMap({ if case .outage(let o, _) = $0 { o } else { nil } }).first {\n            // Before the restart",
     "        } else if d.trigger != .dispatchRestart, let o = d.evidence.lazy.compactMap({ if case .outage(let o, _) = $0 { o } else { nil } }).first {\n            // Before the restart",
     "AttributionRuleTests|ScenarioTests"),
    ("a serve stop after the drop explains it", A,
     "let wentDownByDrop = (downs.isEmpty && !announcedOfAnEarlierProcess) || downs.contains { sigs[$0].writtenAt <= t + s.stopAfterDrop }",
     "let wentDownByDrop = true", "AttributionRuleTests"),
    ("a reboot's dispatch restart is an incident of its own", A,
     "        if let g = gap, d.reason == .reboot || d.reason == .hostGap {",
     "        if let g = gap, d.reason == .hostGap {", "ScenarioTests"),
    ("a close the dying dispatch wrote is the restart's", A,
     " && !(ev.pid != nil && $0.pid != nil && ev.pid != $0.pid) && !servedAfter", " && !servedAfter", "AttributionRuleTests"),
    ("a socket opened on the restarted dispatch is the restart's, its serve down or not", A,
     "ev.pid != $0.pid) && !servedAfter($0.realtime)", "ev.pid != $0.pid)", "AttributionRuleTests|ScenarioTests"),
    ("a socket opened after an outage is the outage's, its serve down or not", A,
     "if let o = outage(at: ev.realtime), outages[o].ongoing || !servedAfter(outages[o].end) {",
     "if let o = outage(at: ev.realtime) {", "AttributionRuleTests|ScenarioTests"),
    ("a serve's exit 0 on its own is not a stop", "Sources/Classifiers/Signals.swift",
     'if m.contains(": Deactivated successfully.") || m.hasPrefix("Deactivated successfully.", at: 0) { return .stopped }', "",
     "AttributionRuleTests|SignalTests"),
    ("a window keeps a burst only by its written second", "Sources/Analysis/Report.swift",
     "attribution.bursts.removeAll { b in !listed.contains(Self.key(b.host, b.second)) && ",
     "attribution.bursts.removeAll { b in ", "ScenarioTests"),
    ("a window's edge drops are judged without what lay beyond it", "Sources/t3attr/Commands/ReportCommand.swift",
     "cursorFile == nil && !follow && config.window.bounded ?", "false ?", "ScenarioTests"),
    ("a serve stop before the socket opened cut it", A,
     "return downs.contains { $0 >= openedAt && $0 <= ev.realtime + 1_000_000 }",
     "return downs.contains { $0 + 5_000_000 >= t && $0 <= t + 5_000_000 }", "AttributionRuleTests"),
    ("a serve stop 1.4 s after the close was received cut it", A,
     "return downs.contains { $0 >= openedAt && $0 <= ev.realtime + 1_000_000 }",
     "return downs.contains { $0 >= openedAt && $0 <= t + 2_000_000 }", "AttributionRuleTests"),
    ("a serve stop seconds after the drop cut it", A,
     "return downs.contains { $0 >= openedAt && $0 <= ev.realtime + 1_000_000 }", "return downs.contains { $0 >= openedAt && $0 <= t + 5_000_000 }",
     "AttributionRuleTests"),
    ("any socket whose serve went down after a restart is the serve's", A,
     "guard let openedAt, openedAt >= back else { return false }", "guard openedAt != nil else { return false }", "AttributionRuleTests"),
    ("earlyoom's kill of a serve is the serve's crash", A,
     "            if !globalKills.isEmpty || !earlyoomKills.isEmpty {", "            if !globalKills.isEmpty {", "AttributionRuleTests"),
    ("an earlyoom kill explains any serve death after it", A,
     "                    endedBy(signal, d) && sigs[d].writtenAt >= sigs[k].writtenAt", "                    sigs[d].writtenAt >= sigs[k].writtenAt",
     "AttributionRuleTests"),
    ("a socket opened after a reboot is the reboot's", A,
     "            openedAt.map({ $0 < gaps[gi].end + 1_000_000 || beforeServeStarted(after: gaps[gi], open: $0) }) ?? true",
     "            true", "AttributionRuleTests"),
    ("a container's own memory cap indicts the host", A,
     "        if let limit, limit.split(separator: \"/\").count >= 2 { return false }\n", "", "AttributionRuleTests"),
    ("teardowns too few for a burst are an incident each", A,
     "        } else if d.reason == .belowBurstThreshold {", "        } else if false {", "AttributionRuleTests"),
    ("drops one tunnel event explains stay an incident each", "Sources/Classifiers/Corroborate.swift",
     "        Self.mergeTunnelIncidents(&a)\n", "", "EvidenceTests"),
    ("a tunnel log away from every drop is silent", AN,
     "                notes.append(.tunnelLogAway(events: events.count, from: first, to: last, window: c.window))\n", "", "EvidenceTests"),
    ("json-pretty leaves out the empty lists", "Sources/t3attr/Rendering/JSONSink.swift",
     "        for k in self.lists where lists[k] == nil { lists[k] = [] }\n", "", "JSONFieldsTests"),
    ("-S-1h is read as flags (help, exit 0)", "Sources/t3attr/T3Attr.swift",
     "            out[i] = \"--\\(name)=\" + a.dropFirst(2)\n", "", "OptionLimitsTests"),
    ("a window beyond the journal says nothing of it", "Sources/Analysis/Report.swift",
     "        if let s = window.since, s > c.to { return .windowOutsideJournal(from: c.from, to: c.to) }\n", "", "DispatchCommandTests"),
    ("markdown hides what an elimination ruled out", "Sources/t3attr/Rendering/MarkdownSink.swift",
     "            first = \"by elimination, ruled out: \" + d.checked.map(\\.rawValue).joined(separator: \", \")\n", "", "OperatorTests"),
    ("dispatch --user port:N finds nothing", "Sources/Analysis/DispatchListing.swift",
     "        return ev.userCandidates + (ev.port.map { [\"port:\\($0)\"] } ?? [])", "        return ev.userCandidates", "DispatchCommandTests"),
    ("why counts no socket opened before what it read", "Sources/Analysis/UserDrops.swift",
     "            if let i, !isDrop(drops[i], of: user) { extra[i, default: 0] += c.sockets }", "", "WhyTests"),
    # -- round thirteen ------------------------------------------------------
    ("a burst of sockets whose own serves stopped is the edge's", A,
     "(Self.isTeardown(ev) || ev.dispatch?.wsCause == .upstreamClosed) && !serveWentDown(ev.user, at: ev.writtenAt)\n",
     "(Self.isTeardown(ev) || ev.dispatch?.wsCause == .upstreamClosed)\n", SCEN),
    ("sockets a shutdown's serve stops cut are not the reboot's", A,
     "        if ownServeDown,\n            let gi = gaps.firstIndex(", "        if false,\n            let gi = gaps.firstIndex(", SCEN),
    ("a reboot's shutdown burst and its restart are two incidents", A,
     "        if let g = gap, d.reason == .reboot || d.reason == .hostGap {", "        if false, let g = gap {", "ScenarioTests|AttributionRuleTests"),
    ("a pairing the serve refused is no evidence", A,
     "detail.contains(\"connect: connection refused\")\n                ? .pairingRefused :", "false\n                ? .pairingRefused :", SCEN),
    ("a long close its serve's death cut is a user leaving", A,
     "                } else if serveWentDown(p.event.dispatch?.user, at: p.event.writtenAt) {", "                } else if false {", SCEN),
    ("a refused watchdog probe is a serve timeout", A,
     "                set(.serve, refusedOnly ? .refused : .serveTimeout, refs(starving))", "                set(.serve, .serveTimeout, refs(starving))", SCEN),
    ("a ticket's journalctl keeps a relative path", "Sources/t3attr/Rendering/MarkdownSink.swift",
     "        func absolute(_ p: String) -> String { URL(fileURLWithPath: p).standardizedFileURL.path }", "        func absolute(_ p: String) -> String { p }", "WhyTests"),
    ("a dispatch glob takes the serves", AN,
     "            if !narrowed.isEmpty { dispatch = narrowed }", "            _ = narrowed", "MistakeTests"),
    ("a walk sd-journal ended early goes unnoticed", "Sources/JournalReader/Journal.swift",
     "            if checksEnd && !endChecked { checkEnd() }", "            if false { checkEnd() }", "HostileInputTests"),
    ("a renewed handle's end check forgets where it took over", "Sources/JournalReader/JournalMatches.swift",
     "        noteSeenHere()\n        return true", "        return true", "FreshHandleTests"),
    ("an abbreviation no zoneinfo file has is a zone", "Sources/Classifiers/TimeSpec.swift",
     "            TimeSpec.isZoneName(String(s[s.index(after: sp)...])), let tz", "            let tz", "TimeSpecTests"),
    ("a journal without the dispatch says nothing of it", AN,
     "        if result.drops.isEmpty && result.requestErrors.isEmpty, let n = Note.noDispatchUnit(j, setup.dispatchUnits) { notes.append(n) }\n", "", "HostileInputTests"),
    ("an endless tunnel log is read", "Sources/Analysis/Corroboration.swift",
     "                if data.count > maxTunnelLogBytes {", "                if false {", "HostileInputTests"),
    ("a pager that cannot start swallows the output", "Sources/t3attr/Rendering/Terminal.swift",
     'guard let cmd = ([asked, "less -FRSXMK", "more"]).first(where: { Terminal.canStart($0, path: path) }) else { return nil }',
     'let cmd = asked', "OperatorTests"),
    ("report --verdict lists bursts of other verdicts", "Sources/t3attr/Commands/ReportCommand.swift",
     "                    report.attribution.bursts.removeAll { !verdict.contains($0.verdict) }\n", "", "MistakeTests"),
    ("report --user lists every request error", "Sources/t3attr/Commands/ReportCommand.swift",
     "report.attribution.keepRequestErrors { e in user.contains", "report.attribution.keepRequestErrors { e in true || user.contains", "MistakeTests"),
    ("the filters line prints the operator's text raw", "Sources/t3attr/Rendering/TableSink.swift",
     'kept (\\(at.filters.map { SafeText.text($0) }.joined(separator: " ")))', 'kept (\\(at.filters.joined(separator: " ")))', "MistakeTests"),
    ("a time error names the root command's usage", "Sources/t3attr/T3Attr.swift",
     "            if let ran, ran != T3Attr.self, error is ValidationError {", "            if let ran, ran != T3Attr.self, error is Never {", "MistakeTests"),
    # -- round fourteen ------------------------------------------------------
    ("a teardown its own serve explains counts toward a burst", A,
     "        forgetExplainedTeardowns()\n        let bursting", "        let bursting", SCEN),
    ("bursts lists a drop its own serve explains", A,
     "    public mutating func retainBurstDrops() {\n        forgetExplainedTeardowns()\n", "    public mutating func retainBurstDrops() {\n", SCEN),
    ("a journalctl option gets the parser's nearest spelling", "Sources/t3attr/T3Attr.swift",
     "            if let explained = JournalctlFlags.explain(text) { text = explained }\n", "", "MistakeTests"),
    ("serve without serve units is a usage error", AN,
     "            guard error.kind == .noData, !config.units.serveUnitGiven || config.follow else { throw error }",
     "            guard error.kind == .noData, config.scope != .serveTimeline, !config.units.serveUnitGiven || config.follow else { throw error }",
     "MistakeTests"),
    ("an upstream_closed close in a blip is its serve's", A,
     "        (Self.isTeardown(ev) || ev.dispatch?.wsCause == .upstreamClosed) && !serveWentDown", "        Self.isTeardown(ev) && !serveWentDown", SCEN),
    ("a line received late sets its process's zone", "Sources/Classifiers/EventStream.swift",
     "        if let known, line < known, diff < line - Self.zoneTolerance {", "        if false, let known, line < known, diff < line - Self.zoneTolerance {", "DispatchParserTests|ScenarioTests"),
    ("a process's zone is rounded to the nearest quarter-hour", "Sources/Classifiers/EventStream.swift",
     "        let d = diff - 5_000_000\n        return d >= 0 ? (d + quarter - 1) / quarter * quarter : -((-d) / quarter * quarter)",
     "        return (diff >= 0 ? diff + quarter / 2 : diff - quarter / 2) / quarter * quarter", "DispatchParserTests|ScenarioTests"),
    ("TZ's leading colon is kept", "Sources/t3attr/Options/LocalZone.swift",
     '        if name.hasPrefix(":") { name.removeFirst() }\n', "", "OptionParsingTests"),
    ("a TZ Foundation reads otherwise is followed", "Sources/t3attr/Options/LocalZone.swift",
     "            if tm.tm_gmtoff != foundation {", "            if false {", "OptionParsingTests"),
    ("an editor's timeout is a serve verdict's evidence", A,
     "refs(indices(near) { $0.user == u && !($0.signal?.saysNothingOfTheServe ?? false) })", "refs(indices(near) { $0.user == u })", SCEN),
    ("why counts an editor's timeout as a host signal", "Sources/Analysis/UserDrops.swift",
     "(s.user == nil || (s.signal?.isStarvation ?? false) || (s.signal?.isProbeTimeout ?? false))", "(s.user == nil || s.kind == .serveTimeout)", SCEN),
    ("why counts an outage's restart line as a socket", "Sources/Analysis/UserDrops.swift",
     "                    && (x.trigger == .dispatchRestart || x.trigger == .dispatchOutage)", "                    && false", SCEN),
    ("why takes a signal received late for one received in the host window", "Sources/Analysis/UserDrops.swift",
     "to: max(hostEnd, t + settings.hostWindow + others.maxLag)", "to: hostEnd", SCEN + "|WhyTests"),
    ("a silent gateway is still sending", "Sources/JournalReader/Import.swift",
     "                    receiver.bytesReceived == 0\n", "                    false\n", "StreamTests"),
    ("a stopped follow run ends without its totals", "Sources/t3attr/Rendering/JSONSink.swift",
     "        case .stopped(let totals): out.line(followSummary(totals))", "        case .stopped: break", "StreamTests"),
    # -- round fifteen: a fleet's parts merged by moves ---------------------
    ("merge: a part's drops keep their host-local incident ids", A,
     "p.drops[i].incident = p.drops[i].incident.map { $0 + incidentBase }",
     "p.drops[i].incident = p.drops[i].incident.map { $0 + 0 }", "AttributionMergeTests|FleetTests"),
    ("merge: drop references not renumbered after the time order", A,
     "for i in out.drops.indices { out.drops[i].evidence = out.drops[i].evidence.map(remap) }",
     "for i in out.drops.indices { out.drops[i].evidence = out.drops[i].evidence.map { $0 } }", "AttributionMergeTests|FleetTests"),
    ("merge: bursts' references not renumbered", A,
     "for i in out.bursts.indices { out.bursts[i].evidence = out.bursts[i].evidence.map(remap) }",
     "for i in out.bursts.indices { out.bursts[i].evidence = out.bursts[i].evidence.map { $0 } }", "AttributionMergeTests|FleetTests"),
    ("merge: a cycle of the permutation closed on the wrong slot", A,
     "                        (base + n).initialize(to: carried)\n",
     "                        (base + start).initialize(to: carried)\n", "AttributionMergeTests|FleetTests"),
    ("merge: signals shifted by the drops' count", A,
     "let (ds, ss, rs, gs) = (Int32(dropCount), Int32(signalCount), Int32(restartCount), Int32(gapCount))",
     "let (ds, ss, rs, gs) = (Int32(dropCount), Int32(dropCount), Int32(restartCount), Int32(gapCount))", "AttributionMergeTests|FleetTests"),
    ("incident rows: groups keyed without their host", "Sources/t3attr/Rendering/ReportLayout.swift",
     "let key = Key(host: i.host, verdict: i.verdict, reason: i.reason)",
     "let key = Key(host: nil, verdict: i.verdict, reason: i.reason)", "IncidentRowTests|FleetTests"),
    ("a serve's crash before the socket opened cuts it", A,
     "func beforeOpen(_ i: Int) -> Bool { establishedAt.map { sigs[i].writtenAt + 1_000_000 < $0 } ?? false }",
     "func beforeOpen(_ i: Int) -> Bool { false }", "AttributionRuleTests|ScenarioTests"),
    ("any socket's open time excuses the serve, established or not", A,
     "            ev.dispatch?.wsCause == .graceful\n            ? openedAt.flatMap",
     "            true\n            ? openedAt.flatMap", "AttributionRuleTests|ScenarioTests"),
    ("a restart announced after the open is of the socket's serve", A,
     "let announcedOfAnEarlierProcess = downs.isEmpty && downBeforeOpen",
     "let announcedOfAnEarlierProcess = false", "AttributionRuleTests|ScenarioTests"),
    ("a request refused before the open still says the serve was down", A,
     "&& !(establishedAt.map { open in requestErrors[q].writtenAt + 1_000_000 < open } ?? false)",
     "&& true", "AttributionRuleTests|ScenarioTests"),
    ("the dispatch's timeouts to several serves are not the host's", A,
     "Set(timeouts.compactMap { sigs[$0].unit }).union(dialed.map { serveUnits.unit(forUser: $0.user) }), by: t + s.hostAfter)",
     "Set(timeouts.compactMap { sigs[$0].unit }), by: t + s.hostAfter)", "AttributionRuleTests|ScenarioTests"),
    ("an upstream timeout is its serve's whatever other serves did", A,
     "if cls == .timeout, timeoutUnits.count >= s.unitsForHostStarvation {",
     "if cls == .timeout, timeoutUnits.count >= 99 {", "AttributionRuleTests|ScenarioTests"),
    ("the dispatch's timeouts counted over a day", A,
     "let dialed = dispatchTimeouts(from: t.subtractingClamped(s.hostWindow), to: t + s.hostAfter)",
     "let dialed = dispatchTimeouts(from: t.subtractingClamped(86_400_000_000), to: t + s.hostAfter)", "AttributionRuleTests|ScenarioTests"),
    ("a request's timeout is not the dispatch's", A,
     "for q in requestErrors.indices where Self.isServeTimeout(requestErrors[q]) {",
     "for q in requestErrors.indices where false {", "AttributionRuleTests|ScenarioTests"),
    # Round 16: serves not yet started after a reboot; a unit left down.
    ("a socket opened after a reboot is never the reboot's", A,
     "openedAt.map({ $0 < gaps[gi].end + 1_000_000 || beforeServeStarted(after: gaps[gi], open: $0) }) ?? true",
     "openedAt.map({ $0 < gaps[gi].end + 1_000_000 }) ?? true", "AttributionRuleTests|ScenarioTests"),
    ("a socket opened while the serve was down reached it", A,
     "user.flatMap { serveDown($0, at: open, signals: sigs) } == nil ? open : nil",
     "open", "AttributionRuleTests|ScenarioTests"),
    ("no unit_down", A,
     "if let down = serveDown(user, at: t, signals: sigs) {",
     "if let down = serveDown(user, at: t, signals: sigs), false {", "AttributionRuleTests|ScenarioTests"),
    ("a start does not bring the serve up", A,
     "guard let last = lines[upTo].last, sigs[last].signal != .unit(.started) else { return nil }",
     "guard let last = lines[upTo].last else { return nil }", "AttributionRuleTests|ScenarioTests"),
    ("a unit left down is an incident per serve window", A,
     "} else if d.reason == .unitDown, case .signal(let s)? = d.evidence.first {",
     "} else if d.reason == .unitDown, case .signal(let s)? = d.evidence.first, false {", "AttributionRuleTests|ScenarioTests"),
    ("no look back at a serve's state before the window", AN,
     "j.readBackward(before: since, limit: 64)", "j.readBackward(before: since, limit: 0)", "WhyTests"),
    ("back after: any host's open", "Sources/Analysis/UserDrops.swift",
     "Self.firstAtOrAfter(t, in: activity.opens[host] ?? [])",
     "Self.firstAtOrAfter(t, in: activity.opens.values.flatMap { $0 }.sorted())", "WhyTests"),
    ("a serve resetting its requests says nothing of the drop", A,
     "            if cut.count + cutPairings.count >= 2 {", "            if false {", "AttributionRuleTests|ScenarioTests"),
    ("a pairing cut off by the serve is no evidence", A,
     "? .pairingRefused : [.reset, .brokenPipe, .eof, .unexpectedEOF].contains(cls) ? .pairingCut(cls) : nil",
     "? .pairingRefused : nil", "AttributionRuleTests|ScenarioTests"),
    ("a downstream_closed's wait is not looked at", A,
     "let cutBefore = ev.dispatch?.wsCause == .downstreamClosed ? max(s.stopAfterDrop, t - (openedAt ?? t)) : s.stopAfterDrop",
     "let cutBefore = s.stopAfterDrop", "AttributionRuleTests|ScenarioTests"),
    ("any request reset, whenever", A,
     "let cut = requests(around: t, before: cutBefore, after: s.stopAfterDrop).filter { q in",
     "let cut = requests(around: t, before: s.hostWindow, after: s.hostWindow).filter { q in", "AttributionRuleTests|ScenarioTests"),
    ("every serve that timed out counts for the host", A,
     "        guard units.count >= 2 else { return units }", "        return units", "AttributionRuleTests|ScenarioTests"),
    ("no grace after a serve's start after a reboot", A,
     "return started.map { $0.writtenAt + 1_000_000 + Self.serveStartGrace > open } ?? false",
     "return started.map { $0.writtenAt + 1_000_000 > open } ?? false", "AttributionRuleTests|ScenarioTests"),
    ("a serve's first start of a boot is a restart", A,
     ".filter { !firstStarts.contains($0) }", "", "AttributionRuleTests|ScenarioTests"),
    ("one reset request is the serve's", A,
     "if cut.count + cutPairings.count >= 2 {", "if cut.count + cutPairings.count >= 1 {", "AttributionRuleTests|ScenarioTests"),
    ("the probe and the tunnel leave spread_out alone", C14,
     "case .isolatedCancel, .isolatedDrop, .belowBurstThreshold, .spreadOut, .noEvidence,",
     "case .isolatedCancel, .isolatedDrop, .belowBurstThreshold, .noEvidence,", "IncidentTests"),
    ("no spread_out", A, "        markSpreadOut(&out)\n", "", "AttributionRuleTests|ScenarioTests"),
    ("spread_out counts drops, not users", A,
     "for i in chain { if let u = out[i].event.userOrPort { users.insert(u) } else { unnamed += 1 } }",
     "for _ in chain { unnamed += 1 }", "AttributionRuleTests|ScenarioTests"),
    ("a burst's stragglers are no part of its break", A,
     "let candidates = out.indices.filter { loose($0) || out[$0].burstSecond != nil }",
     "let candidates = out.indices.filter { loose($0) }", "AttributionRuleTests|ScenarioTests"),
    ("spread_out chains any distance", A,
     "if let last = chain.last, out[i].event.writtenAt > out[last].event.writtenAt + Self.spreadGap { flush() }",
     "if let last = chain.last, out[i].event.writtenAt > out[last].event.writtenAt + 20 * Self.spreadGap { flush() }",
     "AttributionRuleTests|ScenarioTests"),
    ("spread_out drops are one incident each", A,
     '            key = "spread \\(d.event.host ?? "")"', '            key = nil', "AttributionRuleTests|ScenarioTests"),
    ("the cursor file keys entries by their whole cursor", "Sources/Analysis/CursorFile.swift",
     '.filter { !$0.hasPrefix("s=") && !$0.hasPrefix("i=") }', '.filter { _ in true }', "aGrowingStreamWithoutCursors"),
    ("-f: an outage whose first lines were pruned is a new drop", F,
     "!outagePrinted($0, host: host, in: result)", "true", "aLongOutageIsOneDrop"),
    ("-f: pruning forgets a serve still down", A,
     "signals[i].writtenAt >= keepFrom || lasting.contains(i) ? signals[i] : nil", "signals[i].writtenAt >= keepFrom ? signals[i] : nil",
     "aFollowedStreamEndsAtItsEnd"),
    ("-f: pruning forgets a dispatch still down", A,
     "        let up = max(\n", "        let up = UInt64.max / 2 + 0 * max(\n", "aLongOutageIsOneDrop"),
    ("-f: serve units are those of the glob at the start", F,
     'if config.units.serveUnit.contains(where: { "*?[".contains($0) }) { sources.serveUnits = [] }', "", "aServeUnitFirstSeen"),
    ("-f: a followed stream's end does not end the run", F,
     "if stop() || last { break }", "if stop() { break }", "aFollowedStreamEndsAtItsEnd|aLiveStreamIsShown"),
    ("a DST change back to UTC is not noted", "Sources/Classifiers/EventStream.swift",
     "if line != 0 || (known ?? 0) != 0 {", "if line != 0 {", "aProcesssZoneSurvivesLateLines"),
]


def sh(cmd, cwd, log, timeout=None):
    """Runs cmd, appending its output to log; returns the exit status (124 on timeout)."""
    with open(log, "ab") as f:
        f.write(("\n$ " + " ".join(cmd) + "\n").encode())
        f.flush()
        try:
            return subprocess.run(cmd, cwd=cwd, stdout=f, stderr=subprocess.STDOUT, timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            f.write(b"\n(timed out)\n")
            return 124


def sync(tree):
    os.makedirs(tree, exist_ok=True)
    subprocess.run(["rsync", "-a", "--delete", "--exclude", ".git", "--exclude", ".build",
                    "--exclude", ".build-*", "--exclude", ".swiftpm", ROOT + "/", tree + "/"], check=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-k", action="append", default=[], help="only mutations whose name contains this (repeatable)")
    ap.add_argument("--scratch", default=os.environ.get("MUTATE_DIR", "/tmp/t3attr-mutate"),
                    help="scratch directory (kept between runs for incremental builds)")
    ap.add_argument("--timeout", type=int, default=900, help="seconds per test run (a hang counts as caught)")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--patterns", action="store_true", help="only check that every pattern is found once")
    args = ap.parse_args()
    muts = [m for m in MUTATIONS if not args.k or any(k in m[0] for k in args.k)]
    if args.list:
        for name, path, _, _, flt in muts:
            print("%-55s %-40s %s" % (name, path, flt))
        return 0
    if not muts:
        print("no mutation matches %s" % args.k)
        return 1

    # Every pattern first: a missing one is reported before anything is built.
    missing = []
    for name, path, pat, _, _ in muts:
        text = open(os.path.join(ROOT, path), encoding="utf-8").read()
        n = text.count(pat)
        if n != 1:
            missing.append((name, path, pat, n))
    for name, path, pat, n in missing:
        print("MISSING  %s: pattern found %d times in %s (expected once):\n    %r" % (name, n, path, pat))

    if args.patterns:
        print("%d mutations, %d patterns missing" % (len(muts), len(missing)))
        return 1 if missing else 0

    tree = os.path.join(args.scratch, "tree")
    log = os.path.join(args.scratch, "mutate.log")
    sync(tree)
    open(log, "wb").close()
    swift = os.environ.get("SWIFT", "swift")
    build = [swift, "build", "--build-tests"]
    filters = sorted({m[4] for m in muts})

    print("scratch tree %s, log %s" % (tree, log))
    if sh(build, tree, log) != 0:
        print("the unmutated tree does not build: see %s" % log)
        return 1
    for flt in filters:
        if sh([swift, "test", "--skip-build", "--filter", flt], tree, log, args.timeout) != 0:
            print("the unmutated tree fails `swift test --filter %s`: nothing can be judged (see %s)" % (flt, log))
            return 1

    results = []
    for name, path, pat, rep, flt in muts:
        if any(m[0] == name for m in missing):
            results.append((name, "MISSING", 0))
            continue
        src = os.path.join(tree, path)
        pristine = open(os.path.join(ROOT, path), encoding="utf-8").read()
        start = time.time()
        try:
            with open(src, "w", encoding="utf-8") as f:
                f.write(pristine.replace(pat, rep, 1))
            with open(log, "ab") as f:
                f.write(("\n==== mutation: %s (%s)\n" % (name, path)).encode())
            if sh(build, tree, log) != 0:
                status = "BUILD-FAILED"
            else:
                rc = sh([swift, "test", "--skip-build", "--filter", flt], tree, log, args.timeout)
                status = "caught" if rc != 0 else "SURVIVED"
                if rc == 124:
                    status = "caught (timeout)"
        finally:
            with open(src, "w", encoding="utf-8") as f:
                f.write(pristine)
        took = time.time() - start
        results.append((name, status, took))
        print("%-16s %-55s %5.0f s  [%s]" % (status, name, took, flt), flush=True)

    caught = sum(1 for r in results if r[1].startswith("caught"))
    bad = [r for r in results if not r[1].startswith("caught")]
    print("\n%d mutations: %d caught, %d survived, %d missing, %d did not build"
          % (len(results), caught, sum(r[1] == "SURVIVED" for r in results),
             sum(r[1] == "MISSING" for r in results), sum(r[1] == "BUILD-FAILED" for r in results)))
    # Leave the scratch tree pristine for the next incremental run.
    sync(tree)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
