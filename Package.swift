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
      name: "CMariaDB", pkgConfig: "libmariadb",
      providers: [.apt(["libmariadb-dev"])]),

    // Pure model: no curses, no curl.
    .target(name: "DMSWatchModel", swiftSettings: strict),
    // Pure render into a cell grid; knows the model only.
    .target(
      name: "DMSWatchRender",
      dependencies: ["DMSWatchModel", .product(name: "Yams", package: "Yams")],
      swiftSettings: strict),
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
        "DMSWatchModel", "DMSWatchRender", "DMSSimulator", "AWSClient", "CurlTransport", "DMSReconcile", "DatabaseClients",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Yams", package: "Yams"),
      ],
      swiftSettings: strict),
    .executableTarget(
      name: "dmswatch",
      dependencies: [
        "DMSWatchApp", "TerminalBackend", "DMSWatchModel", "DMSWatchRender", "DMSSimulator", "AWSClient", "DMSReconcile",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      swiftSettings: strict),
    // Pseudo-terminal spawning for the benchmark (C: fork/exec with a controlling tty).
    .target(name: "CPty"),
    .executableTarget(
      name: "dmswatch-bench",
      dependencies: [
        "CPty", "DMSWatchApp", "DMSWatchModel", "DMSWatchRender", "DMSSimulator", "TerminalBackend", "AWSClient", "DMSReconcile",
        "DatabaseClients",
      ],
      swiftSettings: strict),
    .target(name: "TestSupport", dependencies: ["DMSWatchModel", "DMSWatchRender"], path: "Tests/TestSupport"),

    .testTarget(name: "ModelTests", dependencies: ["DMSWatchModel", "TestSupport"]),
    .testTarget(name: "RenderTests", dependencies: ["DMSWatchRender", "DMSWatchModel", "TestSupport"]),
    .testTarget(name: "SimulatorTests", dependencies: ["DMSSimulator", "DMSWatchModel", "TestSupport", "DMSReconcile"]),
    .testTarget(name: "AWSClientTests", dependencies: ["AWSClient", "CurlTransport", "DMSWatchModel"], exclude: ["Fixtures"]),
    .testTarget(name: "TerminalBackendTests", dependencies: ["TerminalBackend", "DMSWatchRender", "DMSWatchModel"]),
    .testTarget(name: "ReconcileTests", dependencies: ["DMSReconcile", "DatabaseClients", "DMSWatchModel"]),
    .testTarget(name: "AppTests", dependencies: ["DMSWatchApp", "DMSWatchModel", "DMSWatchRender", "DMSSimulator", "TestSupport"]),
  ],
  swiftLanguageModes: [.v6]
)
