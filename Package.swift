// swift-tools-version:6.0
import PackageDescription

// Release builds skip the dynamic exclusivity checks on the per-entry hot path
// (profiled: about a fifth of the Swift time went to swift_beginAccess); debug
// builds, which the tests use, keep them.
let fast: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "t3attr",
    products: [
        .executable(name: "t3attr", targets: ["t3attr"])
    ],
    dependencies: [
        // Pinned to the version the build machines provide; Package.resolved is committed.
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2")
    ],
    targets: [
        // <systemd/sd-journal.h>, linked through pkg-config's libsystemd.
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        // libcurl, loaded with dlopen when --url or --prometheus is used (not linked).
        .target(name: "CCurl"),
        // Pure logic: entries in, typed events, bursts and verdicts out. No I/O.
        .target(name: "Classifiers", swiftSettings: fast),
        // sd-journal: opening journals, unit matches, time windows, iteration.
        .target(name: "JournalReader", dependencies: ["CSystemd", "CCurl", "Classifiers"], swiftSettings: fast),
        // Between the readers and the commands: configuration, the read plan, the
        // analyzers (one run -> a Report; live for -f), listings; no printing.
        .target(name: "Analysis", dependencies: ["Classifiers", "JournalReader"], swiftSettings: fast),
        // The command line: one file per subcommand, rendering.
        .executableTarget(
            name: "t3attr",
            dependencies: [
                "Analysis", "JournalReader", "Classifiers",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: fast
        ),
        // Helpers shared by the tests: fixture paths, building real journal files
        // with systemd-journal-remote, running the built binary.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "ClassifiersTests", dependencies: ["Classifiers"]),
        .testTarget(name: "JournalReaderTests", dependencies: ["JournalReader", "Classifiers", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["t3attr", "TestSupport"]),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis", "Classifiers", "JournalReader", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
