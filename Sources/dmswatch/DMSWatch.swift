import ArgumentParser
import DMSWatchApp
import DMSWatchModel
import DMSWatchRender
import Foundation

@main
struct DMSWatch: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "dmswatch",
    abstract: "A terminal dashboard for AWS Database Migration Service: tasks, table statistics, validation, CDC latency and logs.",
    version: DMSWatchVersion.string,
    subcommands: [Dashboard.self, Info.self],
    defaultSubcommand: Dashboard.self)
}

enum DMSWatchVersion {
  static let string = "0.1.0"
}

/// Flags shared by the dashboard and `check`.
struct SourceOptions: ParsableArguments {
  @Flag(help: "Use the embedded simulated fleet instead of AWS (no account needed).")
  var demo = false

  @Option(name: .customLong("demo-tasks"), help: "Number of simulated tasks (demo).")
  var demoTasks: Int = 12

  @Option(name: .customLong("demo-tables"), help: "Tables per simulated task (default: a realistic mix, 3 to 400).")
  var demoTables: Int?

  @Option(name: .customLong("demo-seed"), help: "Seed of the simulated fleet, to reproduce a run.")
  var demoSeed: UInt64 = 1

  @Option(help: "AWS profile (default: AWS_PROFILE, then 'default').")
  var profile: String?

  @Option(help: "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's region).")
  var region: String?

  @Option(name: .customLong("endpoint-url"), help: "Endpoint URL for every AWS service (e.g. a local peer).")
  var endpointURL: String?

  func validate() throws {
    guard demoTasks >= 1, demoTasks <= 20_000 else {
      throw ValidationError("--demo-tasks must be between 1 and 20000")
    }
    if let t = demoTables, t < 1 || t > 100_000 {
      throw ValidationError("--demo-tables must be between 1 and 100000")
    }
  }
}

struct Info: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Print the config, theme, log and audit paths.")

  func run() throws {
    let paths = AppPaths.resolve(environment: ProcessInfo.processInfo.environment, executableDir: executableDir())
    print("dmswatch \(DMSWatchVersion.string)")
    print("config:      \(paths.configFile)\(FileManager.default.fileExists(atPath: paths.configFile) ? "" : " (not present)")")
    print("themes:      \(paths.themeDirs.joined(separator: ", ")) (built-in: \(ThemeLoader.builtinNames.joined(separator: ", ")))")
    print("log:         \(paths.logFile)")
    print("audit log:   \(paths.auditFile)")
  }
}

func executableDir() -> String? {
  let p = CommandLine.arguments.first ?? ""
  guard p.contains("/") else { return nil }
  return (URL(fileURLWithPath: p).deletingLastPathComponent().path)
}

/// Writes a message to stderr.
func printError(_ s: String) {
  FileHandle.standardError.write(Data((s + "\n").utf8))
}
