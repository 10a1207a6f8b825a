import ArgumentParser
import DMSWatchApp
import DMSWatchEngine
import DMSWatchModel
import DMSWatchRender
import Foundation
import TerminalBackend
import DMSWatchThemes

@main
struct DMSWatch: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "dmswatch",
    abstract: "A terminal dashboard for AWS Database Migration Service: tasks, table statistics, validation, CDC latency and logs.",
    version: DMSWatchVersion.string,
    subcommands: [Dashboard.self, Info.self, Check.self, ConfigCommand.self, Reconcile.self, Replay.self],
    defaultSubcommand: Dashboard.self)
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

  @Option(name: .customLong("demo-scopes"), help: "Number of simulated accounts/regions (demo; some share task names).")
  var demoScopes: Int = 1

  @Option(help: "AWS profile (repeatable or a comma list; default: AWS_PROFILE, then 'default').")
  var profile: [String] = []

  @Option(help: "AWS region (repeatable or a comma list; default: AWS_REGION, AWS_DEFAULT_REGION, the profile's region).")
  var region: [String] = []

  /// Profiles and regions with comma lists split.
  var profiles: [String] { Self.split(profile) }
  var regions: [String] { Self.split(region) }
  static func split(_ values: [String]) -> [String] {
    values.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty }
  }

  @Option(name: .customLong("endpoint-url"), help: "Endpoint URL for every AWS service (e.g. a local peer).")
  var endpointURL: String?

  @Option(name: .customLong("connect-timeout"), help: "Connect timeout for AWS calls, seconds.")
  var connectTimeout: Double = 5

  @Option(name: .customLong("timeout"), help: "Total timeout for one AWS call, seconds.")
  var timeout: Double = 30

  func backendOptions(interactive: Bool) -> BackendOptions {
    var o = BackendOptions()
    o.demo = demo
    o.demoTasks = demoTasks
    o.demoTables = demoTables
    o.demoSeed = demoSeed
    o.profile = profiles.first
    o.region = regions.first
    o.endpointURL = endpointURL
    o.connectTimeout = connectTimeout
    o.totalTimeout = timeout
    if interactive {
      // MFA codes are asked for before the dashboard takes the terminal.
      o.mfaPrompt = { serial in
        FileHandle.standardError.write(Data("MFA code for \(serial): ".utf8))
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
          throw BackendError(message: "no MFA code entered", exitCode: 3)
        }
        return line
      }
    }
    return o
  }

  /// Every scope to watch: the cross product of `--profile` and `--region`; else the config's
  /// `scopes:`; else the config's profile and region; `--demo-scopes N` simulated ones in demo mode.
  /// The same scope asked twice is watched once.
  func scopeOptions(config cfg: AppConfig, interactive: Bool) -> [BackendOptions] {
    let base = backendOptions(interactive: interactive)
    var out: [BackendOptions] = []
    func ro(_ profile: String?) -> Bool { cfg.profileOverrides[profile ?? "default"]?.readOnly ?? false }
    if demo {
      for i in 0..<max(1, demoScopes) {
        var o = base
        o.demoScope = i
        if demoScopes > 1 { o.label = DemoScopes.label(i) }
        out.append(o)
      }
      return out
    }
    let ps = profiles.isEmpty ? [nil] : profiles.map { Optional($0) }
    let rs = regions.isEmpty ? [nil] : regions.map { Optional($0) }
    if profiles.isEmpty, regions.isEmpty, !cfg.scopes.isEmpty {
      for sc in cfg.scopes {
        var o = base
        o.profile = sc.profile ?? cfg.profile
        o.region = sc.region ?? cfg.region
        o.endpointURL = endpointURL ?? sc.endpointURL ?? cfg.endpointURL
        o.label = sc.label
        o.accent = sc.accent
        o.readOnly = sc.readOnly ?? ro(o.profile)
        out.append(o)
      }
    } else {
      for p in ps {
        for r in rs {
          var o = base
          o.profile = p ?? cfg.profile
          o.region = r ?? cfg.region
          o.endpointURL = endpointURL ?? cfg.endpointURL
          o.readOnly = ro(o.profile)
          out.append(o)
        }
      }
    }
    var seen = Set<ScopeID>()
    return out.filter { seen.insert($0.scopeID).inserted }
  }

  func validate() throws {
    guard demoScopes >= 1, demoScopes <= DemoScopes.max else {
      throw ValidationError("--demo-scopes must be between 1 and \(DemoScopes.max)")
    }
    guard connectTimeout > 0, connectTimeout <= 300, timeout > 0, timeout <= 3600 else {
      throw ValidationError("--connect-timeout must be in (0, 300] and --timeout in (0, 3600] seconds")
    }
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
    print("cloudwatch:  GetMetricData per scope at the default intervals, \(CloudWatchCost.rowsOnScreen) rows on screen:")
    for line in CloudWatchCost.lines() { print("             \(line)") }
  }
}

func executableDir() -> String? {
  let p = CommandLine.arguments.first ?? ""
  guard p.contains("/") else { return nil }
  return (URL(fileURLWithPath: p).deletingLastPathComponent().path)
}

/// The dashboard before its UI runs: the terminal is in its original (cooked) modes, with echo turned
/// off so typed keys are not echoed over the progress line; a terminating signal restores the modes,
/// stops a credential helper and exits.
final class StartupPhase: @unchecked Sendable {
  static let shared = StartupPhase()
  private let lock = NSLock()
  private var active = true
  /// A terminating signal arrived during start-up: the process is exiting with its status.
  private var interrupting = false
  private var saved: termios?

  /// Prints `text` (when stderr is a terminal) and turns echo and line editing off on stdin.
  func begin(_ text: String) {
    guard isatty(2) == 1 else { return }
    printError("dmswatch: \(text)")
    lock.withLock {
      guard saved == nil, isatty(0) == 1 else { return }
      var t = termios()
      guard tcgetattr(0, &t) == 0 else { return }
      saved = t
      t.c_lflag &= ~tcflag_t(ECHO | ICANON)
      _ = tcsetattr(0, TCSANOW, &t)
    }
  }

  /// The UI takes over (or the command ends): keys typed meanwhile are dropped, modes restored.
  /// After a terminating signal the signal thread is exiting with 128 + signal; the start-up thread waits for it
  /// here instead of reporting the credential helper it just killed as a failure (and exiting 3 first).
  func end() {
    let exiting = lock.withLock { () -> Bool in
      active = false
      restoreLocked()
      return interrupting
    }
    if exiting { while true { pause() } }
  }

  private func restoreLocked() {
    guard var t = saved else { return }
    _ = tcflush(0, TCIFLUSH)
    _ = tcsetattr(0, TCSANOW, &t)
    saved = nil
  }

  /// False once the UI runs (the signal then goes to the dashboard's own handler on the main queue).
  func interrupted(by sig: Int32) -> Bool {
    let act = lock.withLock { () -> Bool in
      guard active else { return false }
      interrupting = true
      restoreLocked()
      return true
    }
    guard act else { return false }
    HelperProcesses.killAll()
    printError("dmswatch: interrupted during start-up (signal \(sig))")
    exit(128 + sig)
  }
}

/// Writes a message to stderr.
func printError(_ s: String) {
  FileHandle.standardError.write(Data((s + "\n").utf8))
}

extension DMSWatch {
  /// Usage errors (bad flags or values) exit 2, like config errors, for every subcommand.
  static func main() {
    let arguments = Array(CommandLine.arguments.dropFirst())
    if arguments == ["--help"] || arguments == ["-h"] || arguments == ["help"] {
      print(CLIHelp.rootHelp())
      Foundation.exit(0)
    }
    if let hint = CLIHelp.suggestion(for: arguments) {
      printError(hint)
      Foundation.exit(2)
    }
    // The dashboard's signal handling must be in place before any other thread starts
    // (threads inherit the blocked mask); headless subcommands keep the default handling.
    // A credential helper (credential_process) never outlives dmswatch: exit kills its process group.
    atexit { HelperProcesses.killAll() }
    if SignalRouter.isDashboard(arguments) {
      CursesTerminal.stalledExitHook = { HelperProcesses.killAll() }
      MainActor.assumeIsolated { SignalRouter.install() }
    } else {
      // check / config: ctrl-c and SIGTERM also stop a credential helper (its own process group).
      MainActor.assumeIsolated {
        CursesTerminal.installBackgroundTermination { sig in
          HelperProcesses.killAll()
          Foundation.exit(128 + sig)
        }
      }
    }
    do {
      var command = try parseAsRoot(arguments)
      try command.run()
    } catch {
      if exitCode(for: error) == .validationFailure {
        printError(fullMessage(for: error))
        Foundation.exit(2)
      }
      exit(withError: error)
    }
  }
}

/// Routes signals to whatever the dashboard has set up so far; before that, terminating signals just exit.
@MainActor
enum SignalRouter {
  static var onTerminate: (@MainActor (Int32) -> Void)?
  static var onResize: (@MainActor () -> Void)?
  static var onContinue: (@MainActor () -> Void)?

  nonisolated static func isDashboard(_ arguments: [String]) -> Bool {
    guard let first = arguments.first else { return true }
    if ["check", "config", "info", "reconcile", "help", "--help", "-h", "--version"].contains(first) { return false }
    // `replay FILE --check` / `--dump-at` are headless.
    if first == "replay", arguments.contains(where: { $0 == "--check" || $0.hasPrefix("--dump-at") }) { return false }
    return !arguments.contains("--help") && !arguments.contains("-h")
  }

  static func install() {
    CursesTerminal.installSignalHandlers(
      // Until the UI runs, the main queue is busy resolving credentials: ctrl-c/SIGTERM are handled there.
      beforeMain: { sig in StartupPhase.shared.interrupted(by: sig) },
      onTerminate: { sig in
        if let t = onTerminate { t(sig) } else { exit(128 + sig) }
      },
      onResize: { onResize?() },
      onContinue: { onContinue?() })
  }
}
