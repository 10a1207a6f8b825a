// swift-tools-version:6.0
// libFuzzer targets for dmswatch's parsers. Not part of the main build:
//   cd Fuzz && swift build --sanitize=fuzzer --sanitize=address
//   SWIFT_BACKTRACE=enable=no LSAN_OPTIONS=suppressions=lsan.supp .build/debug/FuzzJSON Corpus/json -max_total_time=30
// or `make fuzz` from the repository root (FUZZ_SECONDS per target).
import PackageDescription

let fuzz: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
  name: "dmswatch-fuzz",
  platforms: [.macOS(.v13)],
  dependencies: [.package(name: "dmswatch", path: "..")],
  targets: [
    .executableTarget(name: "FuzzJSON", dependencies: [.product(name: "DMSWatchKit", package: "dmswatch")], swiftSettings: fuzz),
    .executableTarget(name: "FuzzConfig", dependencies: [.product(name: "DMSWatchKit", package: "dmswatch")], swiftSettings: fuzz),
    .executableTarget(name: "FuzzTheme", dependencies: [.product(name: "DMSWatchKit", package: "dmswatch")], swiftSettings: fuzz),
    .executableTarget(name: "FuzzKeys", dependencies: [.product(name: "DMSWatchKit", package: "dmswatch")], swiftSettings: fuzz),
    .executableTarget(name: "FuzzLogLine", dependencies: [.product(name: "DMSWatchKit", package: "dmswatch")], swiftSettings: fuzz),
  ],
  swiftLanguageModes: [.v6]
)
