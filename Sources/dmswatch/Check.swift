import AWSClient
import ArgumentParser
import DMSWatchApp
import DMSWatchModel
import Foundation
import DMSWatchReports
import DMSWatchRules

/// `dmswatch check`: evaluate the tasks once, print a report, notify, exit with a status for schedulers.
struct Check: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Check the tasks once and exit (for cron and schedulers).",
    discussion: """
      Exit status: 0 nothing at or above --fail-on; 1 findings at or above --fail-on, or a task named with \
      --task or the config's tasks: does not exist (--allow-missing makes that a warning); 2 usage or configuration error; 3 AWS unreachable, credentials failed, \
      or --max-time exceeded. A failed notification does not change the exit status (it is reported on \
      stderr and in the log). See docs/check.md.
      """)

  @OptionGroup var source: SourceOptions

  @Option(name: .customLong("task"), help: "Task identifier or ARN to check (repeatable; default: the config's tasks, else all).")
  var tasks: [String] = []

  @Flag(name: .customLong("allow-missing"), help: "A named task that does not exist is a warning, not exit 1.")
  var allowMissing = false

  @Flag(help: "Print the JSON report (docs/check-json.md) instead of the table.")
  var json = false

  @Option(name: .customLong("fail-on"), help: "Lowest severity that makes the exit status 1: warn or critical.")
  var failOn: String = "critical"

  @Flag(name: .customLong("rerun-validation"), help: "Request validate-only reloads of flagged tables first and wait for the result.")
  var rerunValidation = false

  @Option(help: "Seconds to wait for --rerun-validation.")
  var wait: String = "300"

  @Option(name: .customLong("poll-interval"), help: "Seconds between table-statistics polls while waiting.")
  var pollInterval: String = "10"

  @Option(name: .customLong("max-time"), help: "Give up (exit 3) after this many seconds (default 300, plus --wait with --rerun-validation).")
  var maxTime: String?

  @Option(name: .customLong("webhook"), help: "Webhook URL to notify (repeatable).")
  var webhooks: [String] = []

  @Option(name: .customLong("webhook-format"), help: "Format of --webhook bodies: json, compat or slack.")
  var webhookFormat: String = "json"

  @Option(name: .customLong("sns-topic"), help: "SNS topic ARN to notify (repeatable).")
  var snsTopics: [String] = []

  @Flag(name: .customLong("no-notify"), help: "Send no notifications (config, flags and NOTIFIER_URL are ignored).")
  var noNotify = false

  @Option(help: "Config file (default: $XDG_CONFIG_HOME/dmswatch/config.yaml).")
  var config: String?

  @Flag(help: "Also count the rows of every table in source and target (see dmswatch reconcile); a MISMATCH is critical.")
  var reconcile = false

  func run() throws {
    let env = ProcessInfo.processInfo.environment
    let paths = AppPaths.resolve(environment: env, executableDir: executableDir())
    let settings = try parseSettings()

    // Config file: a named file must exist; the default one may be absent.
    let cfg: AppConfig
    do {
      cfg = try AppConfig.load(path: config ?? paths.configFile, mustExist: config != nil)
    } catch let e as ConfigError {
      throw usageError("config error: \(e)")
    }

    let targets: [NotificationTarget]
    do {
      targets = noNotify
        ? []
        : try NotificationTarget.resolve(
          config: cfg, webhooks: webhooks, webhookFormat: settings.format, snsTopics: snsTopics, environment: env)
    } catch let e as NotificationTargetError {
      throw usageError(e.message)
    }

    var options = CheckOptions()
    options.tasks = tasks.isEmpty ? cfg.tasks : tasks
    options.ruleConfig = cfg.ruleConfig
    options.rerunValidation = rerunValidation
    options.wait = settings.wait
    options.pollInterval = settings.pollInterval

    let scopeOptions = source.scopeOptions(config: cfg, interactive: false)
    let backendOptions = scopeOptions.first ?? source.backendOptions(interactive: false)

    let log = LineLog(path: paths.logFile, component: "check")
    defer { log.close() }
    let clock = SystemClock()

    // --max-time bounds everything that talks to AWS: setting up each scope's session and the check itself.
    // Each scope is checked on its own; one that fails is reported as unknown with its error, and the
    // exit status is 3 only when every scope failed.
    let started = Date()
    let audit = rerunValidation ? AuditLog(path: paths.auditFile, source: scopeOptions.map { $0.profile ?? "default" }.joined(separator: ",")) : nil
    defer { audit?.close() }
    // --rerun-validation changes AWS state: refused unless it can be audited.
    if let audit, let why = audit.refusal {
      log.write("refused --rerun-validation: \(why)")
      printError("dmswatch check: --rerun-validation refused, nothing sent: \(why)")
      throw ExitCode(2)
    }
    var parts: [(scope: ScopeInfo, report: CheckReport?, error: String?)] = []
    var notes: [String] = []
    var revalidation: RevalidationSummary?
    var firstBackend: Backend?
    var lastFailure: (message: String, code: Int32)?
    let multi = scopeOptions.count > 1
    for bo in scopeOptions {
      let asked = ScopeInfo(id: bo.scopeID, label: bo.label, profile: bo.profile, region: bo.region, readOnly: bo.readOnly, accent: bo.accent)
      let prefix = multi ? "\(asked.display): " : ""
      let remaining = max(1, settings.maxTime - Date().timeIntervalSince(started))
      let backend: Backend
      do {
        backend = try BackendFactory.blocking {
          try await withDeadline(remaining) { try await BackendFactory.make(bo, environment: env, clock: clock) }
        }
      } catch let e as BackendError {
        log.write("cannot start \(prefix)\(e.message)")
        if e.exitCode == 2 || !multi {
          printError("dmswatch check: \(prefix)\(Redact.text(e.message))")
          throw ExitCode(e.exitCode)
        }
        printError("dmswatch check: \(prefix)\(Redact.text(e.message))")
        parts.append((asked, nil, Redact.text(e.message)))
        lastFailure = (e.message, e.exitCode)
        continue
      } catch let e as DeadlineExceeded {
        log.write("failed: \(e) setting up the AWS session \(prefix)")
        let msg = "--max-time \(Int(settings.maxTime)) s exceeded setting up the AWS session; AWS too slow or unreachable"
        printError("dmswatch check: \(prefix)\(msg)")
        if !multi { throw ExitCode(3) }
        parts.append((asked, nil, msg))
        lastFailure = (msg, 3)
        continue
      }
      // Two profiles of one account in one region are one scope (same resources, one quota).
      if let key = backend.bundle.scope.accountRegion, parts.contains(where: { $0.scope.accountRegion == key }) {
        printError("dmswatch check: \(backend.bundle.scope.display) reaches the same account and region (\(key)) as an earlier scope: checked once")
        continue
      }
      firstBackend = firstBackend ?? backend
      let scope = backend.bundle.scope
      log.write("check started (\(backend.bundle.sourceLabel), \(options.tasks.isEmpty ? "all tasks" : "\(options.tasks.count) tasks requested"))")
      let runner = CheckRunner(
        services: backend.bundle, clock: clock, sleep: realSleep, options: options,
        onReload: { task, tables in
          let names = tables.prefix(10).map(\.qualifiedName).joined(separator: ", ") + (tables.count > 10 ? ", …" : "")
          audit?.record(
            "reload",
            "check --rerun-validation: validate-only reload of \(tables.count) tables on \(task.identifier) [\(task.arn)] scope=\(scope.display): \(names)",
            at: clock.now())
        })
      do {
        let limit = max(1, settings.maxTime - Date().timeIntervalSince(started))
        let outcome = try BackendFactory.blocking { try await withDeadline(limit) { try await runner.run() } }
        parts.append((scope, outcome.report, nil))
        // A requested task missing from one scope may be in another: judged over all scopes below.
        notes += outcome.notes.filter { !(multi && $0.hasPrefix("task ") && $0.hasSuffix(" not found")) }.map { prefix + $0 }
        if let r = outcome.revalidation {
          revalidation = RevalidationSummary(
            requested: (revalidation?.requested ?? 0) + r.requested, stillPending: (revalidation?.stillPending ?? 0) + r.stillPending,
            waited: max(revalidation?.waited ?? 0, r.waited), failures: (revalidation?.failures ?? []) + r.failures.map { prefix + $0 })
        }
      } catch let e as CheckFailure {
        log.write("failed: \(prefix)\(e.message)")
        printError("dmswatch check: \(prefix)\(Redact.text(e.message))")
        if !multi { throw ExitCode(e.exitCode) }
        parts.append((scope, nil, Redact.text(e.message)))
        lastFailure = (e.message, e.exitCode)
      } catch let e as DeadlineExceeded {
        log.write("failed: \(prefix)\(e)")
        let msg = "--max-time \(Int(settings.maxTime)) s exceeded; AWS too slow or unreachable"
        printError("dmswatch check: \(prefix)\(msg)")
        if !multi { throw ExitCode(3) }
        parts.append((scope, nil, msg))
        lastFailure = (msg, 3)
      }
    }
    guard let backend = firstBackend else {
      // Every scope failed: nothing was checked.
      printError("dmswatch check: every scope failed")
      throw ExitCode(lastFailure?.code ?? 3)
    }
    if multi {
      for r in options.tasks where !parts.contains(where: { p in p.report?.tasks.contains { $0.identifier == r || $0.arn == r } == true }) {
        notes.append("task \(r) not found in any scope")
      }
    }
    let source = multi ? parts.map { $0.scope.display }.joined(separator: ", ") : backend.bundle.sourceLabel
    let merged = CheckReport.merge(parts, requested: options.tasks, source: source, now: clock.now())
    let outcome = CheckOutcome(report: merged, notes: notes, revalidation: revalidation)
    var report = outcome.report
    if reconcile {
      // Row counts come from the databases behind the first scope's endpoints (documented in docs/check.md).
      report = try reconciled(report, backend: backend, options: backendOptions, config: cfg, env: env, log: log,
                              limit: max(1, settings.maxTime - Date().timeIntervalSince(started)))
    }
    if json {
      let data = try report.jsonData()
      FileHandle.standardOutput.write(data + Data("\n".utf8))
    } else {
      let width = Int(env["COLUMNS"] ?? "").flatMap { $0 >= 40 ? $0 : nil } ?? 100
      FileHandle.standardOutput.write(Data(report.humanText(width: width).utf8))
    }
    for note in outcome.notes {
      printError("dmswatch check: note: \(Redact.text(note))")
      log.write("note: \(note)")
    }
    if let r = outcome.revalidation {
      let line = r.requested == 0
        ? "revalidation: no table needed it"
        : "revalidation: \(r.requested) table\(r.requested == 1 ? "" : "s") requested, \(r.stillPending) still pending after \(Int(r.waited.rounded())) s"
      printError("dmswatch check: \(line)")
      log.write(line)
      for f in r.failures {
        printError("dmswatch check: \(Redact.text(f))")
        log.write(f)
      }
    }
    let code = report.exitCode(failOn: settings.failOn, allowMissing: allowMissing)
    log.write(
      "result: \(report.summary.tasks) tasks, \(report.summary.critical) critical, \(report.summary.warn) warn, "
        + "\(report.summary.missingTasks) missing; exit \(code)")

    if !targets.isEmpty {
      notify(report: report, targets: targets, backend: backend, backendOptions: backendOptions, env: env, log: log)
    }
    if code != 0 { throw ExitCode(code) }
  }

  /// Sends one notification per task and target; failures go to stderr and the log, never to the exit status.
  func notify(
    report: CheckReport, targets: [NotificationTarget], backend: Backend, backendOptions: BackendOptions, env: [String: String],
    log: LineLog
  ) {
    let items = NotificationPlan.forCheck(report, targets: targets)
    if targets.contains(where: { if case .webhook(_, .compat) = $0 { true } else { false } }) {
      for t in report.tasks where t.findings.contains(where: { $0.event == FindingEvent.taskTablesUnknown }) {
        log.write("no compat notification for \(t.identifier): its table statistics are unknown")
      }
    }
    guard !items.isEmpty else { return }
    let needsSNS = targets.contains { if case .sns = $0 { true } else { false } }
    let transport = backend.transport
    let aws = backend.aws
    let results: [DeliveryResult]
    do {
      results = try BackendFactory.blocking {
        try await withDeadline(90) {
          var publisher: (any SNSPublisher)? = aws?.sns
          var why = "no AWS session for SNS"
          if needsSNS, publisher == nil {
            // Demo mode: SNS still goes to AWS (or --endpoint-url) with the usual credentials.
            do {
              publisher = try await Check.snsSession(backendOptions, env: env, transport: transport)
            } catch {
              why = "no AWS session for SNS: \(Redact.text((error as? ServiceError)?.message ?? String(describing: error)))"
            }
          }
          let notifier = Notifier(
            transport: transport, sns: publisher, snsUnavailable: why, userAgent: "dmswatch/\(DMSWatchVersion.string)",
            log: { log.write($0) })
          return await notifier.deliver(items)
        }
      }
    } catch {
      printError("dmswatch check: notifications: \(error)")
      log.write("notifications: \(error)")
      return
    }
    for r in results where !r.delivered { printError("dmswatch check: \(r.summary)") }
  }

  /// Adds row-count reconciliation to the report (`--reconcile`); a run that cannot start leaves the criterion unknown.
  func reconciled(
    _ report: CheckReport, backend: Backend, options: BackendOptions, config cfg: AppConfig, env: [String: String], log: LineLog,
    limit: TimeInterval
  ) throws -> CheckReport {
    var req = ReconcileRequest()
    req.tasks = report.tasks.map(\.arn)
    let runner = try ReconcileSetup.runner(backend: backend, options: options, config: cfg.reconcile, environment: env, request: req)
    do {
      let results = try BackendFactory.blocking { try await withDeadline(limit) { try await runner.run() } }
      for r in results where r.error != nil {
        printError("dmswatch check: note: reconcile \(r.task): \(Redact.text(r.error ?? ""))")
      }
      log.write("reconcile: \(results.reduce(0) { $0 + $1.count(.mismatch) }) tables MISMATCH")
      return report.addingReconciliation(results)
    } catch {
      printError("dmswatch check: note: reconcile did not run: \(Redact.text(String(describing: error)))")
      return report.addingReconciliation([])
    }
  }

  static func snsSession(_ o: BackendOptions, env: [String: String], transport: any HTTPTransport) async throws -> any SNSPublisher {
    var endpoint: URL?
    if let e = o.endpointURL { endpoint = URL(string: e) }
    let settings = AWSSettings(
      profile: o.profile, region: o.region, endpointURL: endpoint, connectTimeout: o.connectTimeout, totalTimeout: o.totalTimeout,
      verifyIdentity: false)
    return try await AWSClientFactory.makeServices(settings: settings, environment: env, transport: transport).sns
  }

  struct Settings {
    var failOn: Severity
    var wait: TimeInterval
    var pollInterval: TimeInterval
    var maxTime: TimeInterval
    var format: WebhookTarget.Format
  }

  /// Flag values are checked here (not by the parser) so that a bad value exits 2 with a clear message.
  func parseSettings() throws -> Settings {
    guard let sev = Severity(label: failOn), sev >= .warn else {
      throw usageError("--fail-on must be warn or critical (got \"\(failOn)\")")
    }
    guard let w = Double(wait), w.isFinite, w >= 0, w <= 86_400 else {
      throw usageError("--wait must be a number of seconds between 0 and 86400 (got \"\(wait)\")")
    }
    guard let p = Double(pollInterval), p.isFinite, p >= 0.1, p <= 3600 else {
      throw usageError("--poll-interval must be a number of seconds between 0.1 and 3600 (got \"\(pollInterval)\")")
    }
    var limit = 300 + (rerunValidation ? w : 0)
    if let m = maxTime {
      guard let v = Double(m), v.isFinite, v >= 1, v <= 172_800 else {
        throw usageError("--max-time must be a number of seconds between 1 and 172800 (got \"\(m)\")")
      }
      limit = v
    }
    guard let f = WebhookTarget.Format(rawValue: webhookFormat.lowercased()) else {
      throw usageError("--webhook-format must be json, compat or slack (got \"\(webhookFormat)\")")
    }
    for t in tasks where t.trimmingCharacters(in: .whitespaces).isEmpty {
      throw usageError("--task needs a task identifier or ARN")
    }
    return Settings(failOn: sev, wait: w, pollInterval: p, maxTime: limit, format: f)
  }

  func usageError(_ message: String) -> ExitCode {
    printError("dmswatch check: \(Redact.text(message))")
    return ExitCode(2)
  }
}

// MARK: usage errors exit 2 for check and config

/// `check` and `config` are run by schedulers that read the exit status: a command line the parser
/// rejects (unknown flag, missing value, a `validate()` failure) exits 2 there, not ArgumentParser's 64.
/// Every other subcommand keeps ArgumentParser's behaviour.
