import AWSClient
import ArgumentParser
import DMSReconcile
import DMSWatchApp
import DMSWatchModel
import Foundation
import DMSWatchReports

/// `dmswatch reconcile`: source against target, from the databases themselves.
struct Reconcile: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "reconcile",
    abstract: "Compare source and target rows of the tasks' tables (counts, optional checksums, DMS validation failures).",
    discussion: """
      Every statement is a SELECT in a read-only transaction with a statement timeout; at most 2 statements \
      run at once per database. Exit status: 0 every table matches (or drifts within what CDC has in flight); \
      1 a MISMATCH, or a DRIFT past --max-drift; 2 usage or configuration error; 3 a database, secret or AWS \
      call could not be reached, or a table could not be judged. See docs/reconcile-json.md.
      """)

  @OptionGroup var source: SourceOptions

  @Option(name: .customLong("task"), help: "Task identifier or ARN (repeatable; default: the config's tasks, else all).")
  var tasks: [String] = []

  @Option(help: "Only tables whose schema.table matches this glob (* and ?).")
  var tables: String?

  @Flag(help: "Also compare the rows (row-set checksum by bisection) of tables with a primary key.")
  var checksum = false

  @Flag(help: "Print the JSON report (docs/reconcile-json.md).")
  var json = false

  @Option(name: .customLong("max-drift"), help: "Exit 1 when a table drifts (under CDC) by more than this many rows.")
  var maxDrift: String?

  @Option(name: .customLong("estimate-above"), help: "Use catalog estimates (marked ~) for tables above this many rows (default: always exact).")
  var estimateAbove: String?

  @Option(name: .customLong("statement-timeout"), help: "Seconds before the server cancels one statement (default 30).")
  var statementTimeout: String?

  @Option(name: .customLong("recheck-delay"), help: "Seconds to wait before recounting a table whose counts differ (default 2).")
  var recheckDelay: String = "2"

  @Option(name: .customLong("max-time"), help: "Give up (exit 3) after this many seconds (default 900).")
  var maxTime: String = "900"

  @Option(help: "Config file (default: $XDG_CONFIG_HOME/dmswatch/config.yaml).")
  var config: String?

  func run() throws {
    let env = ProcessInfo.processInfo.environment
    let paths = AppPaths.resolve(environment: env, executableDir: executableDir())
    var request = ReconcileRequest()
    var drift: Int64?
    if let m = maxDrift {
      guard let v = Int64(m), v >= 0 else { throw usage("--max-drift must be a whole number of rows, 0 or more (got \"\(m)\")") }
      drift = v
    }
    if let e = estimateAbove {
      guard let v = Int64(e), v >= 0 else { throw usage("--estimate-above must be a whole number of rows (got \"\(e)\")") }
      request.exactCounts = false
      request.estimateAbove = v
    }
    if let s = statementTimeout {
      guard let v = Double(s), v.isFinite, v >= 0.1, v <= 3600 else {
        throw usage("--statement-timeout must be seconds between 0.1 and 3600 (got \"\(s)\")")
      }
      request.statementTimeout = v
    }
    guard let rd = Double(recheckDelay), rd.isFinite, rd >= 0, rd <= 600 else {
      throw usage("--recheck-delay must be seconds between 0 and 600 (got \"\(recheckDelay)\")")
    }
    request.recheckDelay = rd
    guard let limit = Double(maxTime), limit.isFinite, limit >= 1, limit <= 86_400 else {
      throw usage("--max-time must be seconds between 1 and 86400 (got \"\(maxTime)\")")
    }
    if let g = tables, g.trimmingCharacters(in: .whitespaces).isEmpty { throw usage("--tables needs a glob such as 'public.*'") }
    for t in tasks where t.trimmingCharacters(in: .whitespaces).isEmpty { throw usage("--task needs a task identifier or ARN") }
    request.tableGlob = tables
    request.checksum = checksum
    request.connectTimeout = source.connectTimeout

    let cfg: AppConfig
    do {
      cfg = try AppConfig.load(path: config ?? paths.configFile, mustExist: config != nil)
    } catch let e as ConfigError {
      throw usage("config error: \(e)")
    }
    request.tasks = tasks.isEmpty ? cfg.tasks : tasks

    var bo = source.backendOptions(interactive: false)
    bo.profile = bo.profile ?? cfg.profile
    bo.region = bo.region ?? cfg.region
    bo.endpointURL = bo.endpointURL ?? cfg.endpointURL
    let log = LineLog(path: paths.logFile, component: "reconcile")
    defer { log.close() }
    let clock = SystemClock()
    let started = Date()
    let req = request
    let options = bo
    let maxDriftRows = drift
    let report: ReconcileReport
    do {
      report = try BackendFactory.blocking {
        try await withDeadline(limit) {
          let backend = try await BackendFactory.make(options, environment: env, clock: clock)
          let runner = try ReconcileSetup.runner(backend: backend, options: options, config: cfg.reconcile, environment: env, request: req)
          let results = try await runner.run()
          return ReconcileReport(tasks: results, checksum: req.checksum, maxDrift: maxDriftRows, generatedAt: Date())
        }
      }
    } catch let e as BackendError {
      log.write("cannot start: \(e.message)")
      printError("dmswatch reconcile: \(Redact.text(e.message))")
      throw ExitCode(e.exitCode)
    } catch let e as ReconcileFailure {
      log.write("failed: \(e.message)")
      printError("dmswatch reconcile: \(Redact.text(e.message))")
      throw ExitCode(3)
    } catch is DeadlineExceeded {
      printError("dmswatch reconcile: --max-time \(Int(limit)) s exceeded after \(Int(Date().timeIntervalSince(started))) s")
      throw ExitCode(3)
    }
    if json {
      FileHandle.standardOutput.write(try report.jsonData() + Data("\n".utf8))
    } else {
      FileHandle.standardOutput.write(Data(report.humanText().utf8))
    }
    for n in report.notes { printError("dmswatch reconcile: note: \(Redact.text(n))") }
    let code = report.exitCode
    log.write("result: \(report.tasks.count) tasks, exit \(code)")
    if code != 0 { throw ExitCode(code) }
  }

  func usage(_ message: String) -> ExitCode {
    printError("dmswatch reconcile: \(Redact.text(message))")
    return ExitCode(2)
  }
}
