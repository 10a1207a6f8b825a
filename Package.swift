// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = []

let package = Package(
  name: "dmswatch",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "dmswatch", targets: ["dmswatch"]),
    .executable(name: "dmswatch-bench", targets: ["dmswatch-bench"]),
    // For the fuzz package in Fuzz/ (it depends on this package by path and needs a product).
    .library(
      name: "DMSWatchKit",
      targets: ["DMSWatchModel", "DMSWatchState", "DMSWatchRender", "DMSWatchThemes", "AWSClient", "TerminalBackend", "DMSWatchApp"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
    .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
  ],
  targets: [
    // System libraries: module map + typed shims only.
    .systemLibrary(
      name: "CNCursesW",
      providers: [.apt(["libncurses-dev"])]),
    .systemLibrary(
      name: "CCurl", pkgConfig: "libcurl",
      providers: [.apt(["libcurl4-openssl-dev"])]),
    .systemLibrary(
      name: "CLibPQ", pkgConfig: "libpq",
      providers: [.apt(["libpq-dev"])]),
    .systemLibrary(
      name: "CZlib", pkgConfig: "zlib",
      providers: [.apt(["zlib1g-dev"])]),
    .systemLibrary(
      name: "CMariaDB", pkgConfig: "libmariadb",
      providers: [.apt(["libmariadb-dev"])]),

    // Pure domain: resources, scopes, the service and backend interfaces, formatting. No curses, curl or databases.
    .target(name: "DMSWatchModel", swiftSettings: strict),
    // Pure rules: table and task rules, health, readiness, triage hints, the notification gate (one RuleConfig).
    .target(name: "DMSWatchRules", dependencies: ["DMSWatchModel"], swiftSettings: strict),
    // Pure reports: check text/JSON, notification payloads, redaction.
    .target(name: "DMSWatchReports", dependencies: ["DMSWatchModel", "DMSWatchRules"], swiftSettings: strict),
    // Pure UI state: the dashboard's state, reducer, key map and layout.
    .target(name: "DMSWatchState", dependencies: ["DMSWatchModel", "DMSWatchRules", "DMSWatchEngine"], swiftSettings: strict),
    // Pure render into a cell grid (no file I/O).
    .target(name: "DMSWatchRender", dependencies: ["DMSWatchModel", "DMSWatchRules", "DMSWatchState"], swiftSettings: strict),
    // Theme files (YAML) read into render themes.
    .target(
      name: "DMSWatchThemes", dependencies: ["DMSWatchModel", "DMSWatchRender", .product(name: "Yams", package: "Yams")], swiftSettings: strict),
    // The fleet engine: per scope, the call lane, planner, token bucket with AIMD, fetchers and actions.
    // Knows the model's domain only (no UI state, curses, curl or databases).
    .target(name: "DMSWatchEngine", dependencies: ["DMSWatchModel", "DMSWatchRules"], swiftSettings: strict),
    // Flight recorder and replay: service wrappers that record responses, the versioned gzip'd
    // line format (zlib, no hand-written compressor), and replay services on a manual clock.
    .target(name: "DMSWatchRecorder", dependencies: ["CZlib", "DMSWatchModel", "DMSWatchReports", "DMSWatchState"], swiftSettings: strict),
    // Simulated fleet behind the service interface.
    .target(name: "DMSSimulator", dependencies: ["DMSWatchModel", "DMSReconcile"], swiftSettings: strict),
    // Reconciliation, pure: verdicts, checksum bisection, SQL per dialect, validation-failure rows (no drivers).
    .target(name: "DMSReconcile", dependencies: ["DMSWatchModel", "DMSWatchRules"], swiftSettings: strict),
    // PostgreSQL (libpq) and MySQL/MariaDB (MariaDB Connector/C) behind `DatabaseConnection`.
    .target(
      name: "DatabaseClients", dependencies: ["CLibPQ", "CMariaDB", "DMSReconcile"], swiftSettings: strict),
    // AWS: SigV4, credentials, retries, DMS/CloudWatch/Logs/STS/SNS calls over an abstract transport.
    .target(
      name: "AWSClient",
      dependencies: ["DMSWatchModel", "DMSWatchReports", .product(name: "Crypto", package: "swift-crypto")],
      swiftSettings: strict),
    // libcurl implementation of the transport.
    .target(name: "CurlTransport", dependencies: ["AWSClient", "CCurl", "DMSWatchModel"], swiftSettings: strict),
    // curses: present(grid) with diffing, keys, resize, restore.
    .target(name: "TerminalBackend", dependencies: ["CNCursesW", "DMSWatchModel", "DMSWatchRender", "DMSWatchState"], swiftSettings: strict),
    // Wiring: pollers, controller, config, check command.
    .target(
      name: "DMSWatchApp",
      dependencies: ["AWSClient", "CurlTransport", "DMSReconcile", "DMSSimulator", "DMSWatchEngine", "DMSWatchModel", "DMSWatchRecorder", "DMSWatchRender", "DMSWatchReports", "DMSWatchRules", "DMSWatchState", "DatabaseClients", .product(name: "Yams", package: "Yams")],
      swiftSettings: strict),
    .executableTarget(
      name: "dmswatch",
      dependencies: ["AWSClient", "DMSReconcile", "DMSWatchApp", "DMSWatchEngine", "DMSWatchModel", "DMSWatchRecorder", "DMSWatchRender", "DMSWatchReports", "DMSWatchRules", "DMSWatchState", "DMSWatchThemes", "TerminalBackend", .product(name: "ArgumentParser", package: "swift-argument-parser")],
      swiftSettings: strict),
    // Pseudo-terminal spawning for the benchmark (C: fork/exec with a controlling tty).
    .target(name: "CPty"),
    .executableTarget(
      name: "dmswatch-bench",
      dependencies: ["AWSClient", "CPty", "DMSReconcile", "DMSSimulator", "DMSWatchApp", "DMSWatchEngine", "DMSWatchModel", "DMSWatchRecorder", "DMSWatchRender", "DMSWatchRules", "DMSWatchState", "DatabaseClients", "TerminalBackend", "TestKit"],
      swiftSettings: strict),
    // Test support without XCTest (manual clock, lane simulation), for tests and the benchmark.
    .target(name: "TestKit", dependencies: ["DMSWatchApp", "DMSWatchEngine", "DMSWatchModel", "DMSWatchRules", "DMSWatchState"], path: "Tests/TestKit"),
    .target(name: "TestSupport", dependencies: ["DMSWatchModel", "DMSWatchRender", "DMSWatchState"], path: "Tests/TestSupport"),

    .testTarget(name: "ModelTests", dependencies: ["DMSWatchModel", "DMSWatchReports", "DMSWatchRules", "DMSWatchState", "TestKit"]),
    .testTarget(name: "RenderTests", dependencies: ["DMSWatchModel", "DMSWatchRender", "DMSWatchRules", "DMSWatchState", "DMSWatchThemes", "TestSupport"]),
    .testTarget(name: "SimulatorTests", dependencies: ["DMSReconcile", "DMSSimulator", "DMSWatchModel", "DMSWatchRules", "TestKit"]),
    .testTarget(name: "AWSClientTests", dependencies: ["AWSClient", "CurlTransport", "DMSWatchModel", "DMSWatchRules"], exclude: ["Fixtures"]),
    .testTarget(name: "TerminalBackendTests", dependencies: ["DMSWatchModel", "DMSWatchRender", "DMSWatchState", "TerminalBackend"]),
    .testTarget(name: "ReconcileTests", dependencies: ["DMSReconcile", "DatabaseClients", "DMSWatchModel"]),
    .testTarget(
      name: "RecorderTests",
      dependencies: ["DMSSimulator", "DMSWatchApp", "DMSWatchEngine", "DMSWatchModel", "DMSWatchRecorder", "DMSWatchRender", "DMSWatchState"]),
    .testTarget(
      name: "AppTests",
      dependencies: ["AWSClient", "DMSSimulator", "DMSWatchApp", "DMSWatchEngine", "DMSWatchModel", "DMSWatchRender", "DMSWatchReports", "DMSWatchRules", "DMSWatchState", "DMSWatchThemes", "TestKit"]),
  ],
  swiftLanguageModes: [.v6]
)
