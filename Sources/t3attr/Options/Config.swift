import Analysis
import ArgumentParser
import Classifiers
import Foundation

/// What the user typed -> the resolved `AnalysisConfig` (the only thing the
/// library sees). Bad values end here as usage errors.
extension AnalysisConfig {
    init(
        source: SourceOptions, units: UnitConfig, maps: MapOptions, settings: AttributionSettings = AttributionSettings(),
        scope: Scope = .everyDrop, follow: Bool = false
    ) throws {
        self.init(
            source: source.spec, hosts: source.host, window: try source.window(now: try currentTime()),
            units: units, maps: maps.config, settings: settings, scope: scope, strict: source.strict, follow: follow,
            timing: ProcessInfo.processInfo.environment["T3ATTR_TIMING"] == "1")
    }
}

extension MapOptions {
    var config: MapConfig { MapConfig(dispatchTable: dispatchTable, envDir: envDir, dispatchPort: dispatchPort) }
}

extension UnitOptions {
    var config: UnitConfig {
        var c = UnitConfig(dispatchUnit: dispatchUnit)
        c.dispatchUnitGiven = dispatchUnit != UnitConfig().dispatchUnit
        return c
    }
}

/// A command that prints through the output options declares the formats it
/// accepts; `validateFormat()` is the one check.
protocol FormatDeclaring {
    static var acceptedFormats: [OutputFormat] { get }
    var out: OutputOptions { get }
}

extension FormatDeclaring {
    func validateFormat() throws {
        guard Self.acceptedFormats.contains(out.output) else {
            if out.output == .markdown { throw ValidationError("-o markdown is for 'report' and 'why' (try 'report -o markdown')") }
            throw ValidationError(
                "-o \(out.output.rawValue) is not available here (use \(Self.acceptedFormats.map(\.rawValue).joined(separator: ", ")))")
        }
    }
}
