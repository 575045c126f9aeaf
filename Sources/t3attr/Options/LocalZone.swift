import Foundation
import Glibc

/// The local zone (`TZ`) as journalctl reads it, for times without a zone,
/// `--local` and `why`'s TIME. glibc takes forms Foundation's
/// `TimeZone.current` does not (`:Europe/Berlin`, a zoneinfo path,
/// `:/etc/localtime`: those fell back to UTC), or reads otherwise (POSIX
/// `UTC-2` is two hours east, Foundation's `UTC-2` two hours west). A name
/// or path is turned into the zone's name before anything reads the zone; a
/// value the two still disagree on is refused, naming it.
enum LocalZone {
    /// Call before the first use of `TimeZone.current`; a message when
    /// `TZ` cannot be followed.
    static func settle() -> String? {
        guard let raw = getenv("TZ").map({ String(cString: $0) }) else { return nil }
        var name = raw
        if name.hasPrefix(":") { name.removeFirst() }
        if name.hasPrefix("/") {
            // A zoneinfo file, or /etc/localtime (a link to one): its name.
            guard let real = realpath(name, nil) else { return "TZ='\(raw)' names no file" }
            let path = String(cString: real)
            free(real)
            for root in ["/usr/share/zoneinfo/posix/", "/usr/share/zoneinfo/right/", "/usr/share/zoneinfo/"] where path.hasPrefix(root) {
                name = String(path.dropFirst(root.count))
                break
            }
        }
        if name != raw {
            setenv("TZ", name, 1)
            tzset()
        }
        // glibc's offsets against Foundation's, now and half a year either side (DST).
        let now = time(nil)
        for t in [now, now - 182 * 86_400, now + 182 * 86_400] {
            var secs = t
            var tm = tm()
            guard localtime_r(&secs, &tm) != nil else { continue }
            let foundation = TimeZone.current.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(t)))
            if tm.tm_gmtoff != foundation {
                return "TZ='\(raw)' cannot be followed (the C library reads it as UTC\(Self.offset(tm.tm_gmtoff)), "
                    + "Foundation as UTC\(Self.offset(foundation))): name the zone, e.g. TZ=Europe/Berlin (timedatectl list-timezones)"
            }
        }
        return nil
    }

    static func offset(_ s: Int) -> String {
        let a = abs(s)
        return (s < 0 ? "-" : "+") + String(format: "%02d:%02d", a / 3600, a % 3600 / 60)
    }
}
