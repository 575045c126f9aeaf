import Glibc

/// Which libsystemd this process runs with (for `--version`).
public enum LibSystemd {
    /// `libsystemd.so.0.35.0 (systemd 252)` from the loaded library's real path.
    public static func describe() -> String {
        // The mapped library file, from /proc/self/maps.
        guard let f = fopen("/proc/self/maps", "r") else { return "libsystemd" }
        defer { fclose(f) }
        var line = [CChar](repeating: 0, count: 4096)
        var file = "libsystemd"
        while fgets(&line, Int32(line.count), f) != nil {
            let l = String(decoding: line.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if l.contains("/libsystemd.so"), let slash = l.firstIndex(of: "/") {
                let path = l[slash...].trimmingCharacters(in: .whitespacesAndNewlines)
                file = path.split(separator: "/").last.map(String.init) ?? file
                break
            }
        }
        // libsystemd.so.0.N.0 is systemd 217 + N (0.35.0 -> 252).
        let parts = file.split(separator: ".")
        if parts.count >= 4, parts[parts.count - 3] == "0", let minor = Int(parts[parts.count - 2]) {
            return "\(file), systemd \(217 + minor)"
        }
        return file
    }
}
