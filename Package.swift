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
      name: "DMSWatchKit", targets: ["DMSWatchModel", "DMSWatchRender", "AWSClient", "TerminalBackend", "DMSWatchApp"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
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

    // Pure model: no curses, no curl.
    .target(name: "DMSWatchModel", swiftSettings: strict),
    // Pure render into a cell grid; knows the model only.
    .target(
      name: "DMSWatchRender",
      dependencies: ["DMSWatchModel", .product(name: "Yams", package: "Yams")],
      swiftSettings: strict),
    // The fleet engine: per scope, the call lane, planner, token bucket with AIMD, fetchers and actions.
    // Knows the model's domain only (no UI state, curses, curl or databases).
    .target(name: "DMSWatchEngine", dependencies: ["DMSWatchModel"], swiftSettings: strict),
    // Flight recorder and replay: service wrappers that record responses, the versioned gzip'd
    // line format (zlib, no hand-written compressor), and replay services on a manual clock.
    .target(name: "DMSWatchRecorder", dependencies: ["DMSWatchModel", "CZlib"], swiftSettings: strict),
    // Simulated fleet behind the service interface.
    .target(name: "DMSSimulator", dependencies: ["DMSWatchModel", "DMSReconcile"], swiftSettings: strict),
    // Reconciliation, pure: verdicts, checksum bisection, SQL per dialect, validation-failure rows (no drivers).
    .target(name: "DMSReconcile", dependencies: ["DMSWatchModel"], swiftSettings: strict),
    // PostgreSQL (libpq) and MySQL/MariaDB (MariaDB Connector/C) behind `DatabaseConnection`.
    .target(
      name: "DatabaseClients", dependencies: ["CLibPQ", "CMariaDB", "DMSReconcile", "DMSWatchModel"], swiftSettings: strict),
    // AWS: SigV4, credentials, retries, DMS/CloudWatch/Logs/STS/SNS calls over an abstract transport.
    .target(
      name: "AWSClient",
      dependencies: [
        "DMSWatchModel",
        .product(name: "Crypto", package: "swift-crypto"),
      ],
      swiftSettings: strict),
    // libcurl implementation of the transport.
    .target(name: "CurlTransport", dependencies: ["CCurl", "AWSClient"], swiftSettings: strict),
    // curses: present(grid) with diffing, keys, resize, restore.
    .target(name: "TerminalBackend", dependencies: ["CNCursesW", "DMSWatchRender", "DMSWatchModel"], swiftSettings: strict),
    // Wiring: pollers, controller, config, check command.
    .target(
      name: "DMSWatchApp",
      dependencies: [
        "DMSWatchModel", "DMSWatchRender", "DMSWatchEngine", "DMSSimulator", "AWSClient", "CurlTransport", "DMSReconcile", "DatabaseClients",
        "DMSWatchRecorder",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Yams", package: "Yams"),
      ],
      swiftSettings: strict),
    .executableTarget(
      name: "dmswatch",
      dependencies: [
        "DMSWatchApp", "DMSWatchEngine", "TerminalBackend", "DMSWatchModel", "DMSWatchRender", "DMSSimulator", "AWSClient", "DMSReconcile",
        "DMSWatchRecorder",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      swiftSettings: strict),
    // Pseudo-terminal spawning for the benchmark (C: fork/exec with a controlling tty).
    .target(name: "CPty"),
    .executableTarget(
      name: "dmswatch-bench",
      dependencies: [
        "CPty", "DMSWatchApp", "DMSWatchEngine", "DMSWatchModel", "DMSWatchRender", "DMSSimulator", "TerminalBackend", "AWSClient",
        "DMSReconcile", "DatabaseClients", "TestKit", "DMSWatchRecorder",
      ],
      swiftSettings: strict),
    // Test support without XCTest (manual clock, lane simulation), for tests and the benchmark.
    .target(name: "TestKit", dependencies: ["DMSWatchModel", "DMSWatchEngine", "DMSWatchApp"], path: "Tests/TestKit"),
    .target(name: "TestSupport", dependencies: ["DMSWatchModel", "DMSWatchRender"], path: "Tests/TestSupport"),

    .testTarget(name: "ModelTests", dependencies: ["DMSWatchModel", "TestSupport", "TestKit"]),
    .testTarget(name: "RenderTests", dependencies: ["DMSWatchRender", "DMSWatchModel", "TestSupport", "TestKit"]),
    .testTarget(name: "SimulatorTests", dependencies: ["DMSSimulator", "DMSWatchModel", "TestSupport", "TestKit"]),
    .testTarget(name: "AWSClientTests", dependencies: ["AWSClient", "CurlTransport", "DMSWatchModel", "TestKit"], exclude: ["Fixtures"]),
    .testTarget(name: "TerminalBackendTests", dependencies: ["TerminalBackend", "DMSWatchRender", "DMSWatchModel"]),
    .testTarget(name: "ReconcileTests", dependencies: ["DMSReconcile", "DatabaseClients", "DMSWatchModel"]),
    .testTarget(
      name: "RecorderTests",
      dependencies: [
        "DMSWatchRecorder", "DMSWatchApp", "DMSWatchEngine", "DMSWatchModel", "DMSWatchRender", "DMSSimulator",
      ]),
    .testTarget(
      name: "AppTests",
      dependencies: ["DMSWatchApp", "DMSWatchEngine", "DMSWatchModel", "DMSWatchRender", "DMSSimulator", "TestSupport", "TestKit"]),
  ],
  swiftLanguageModes: [.v6]
)
