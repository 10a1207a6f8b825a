import ArgumentParser
import DMSWatchApp
import DMSWatchEngine
import DMSWatchModel
import DMSWatchRecorder
import DMSWatchRender
import Foundation
import TerminalBackend
import DMSWatchRules
import DMSWatchState
import DMSWatchThemes

struct Dashboard: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "dashboard", abstract: "The full-screen dashboard (default).")

  @OptionGroup var source: SourceOptions

  @Flag(name: .customLong("read-only"), help: "Disable every action (start, stop, reload, revalidate).")
  var readOnly = false

  @Option(help: "Theme name (default, light, high-contrast, monochrome, colorblind, ansi16) or a path to a theme file.")
  var theme: String?

  @Option(help: "Config file (default: $XDG_CONFIG_HOME/dmswatch/config.yaml).")
  var config: String?

  @Option(help: "Refresh interval in seconds (minimum 1).")
  var refresh: Double?

  @Option(name: .customLong("dms-rate"), help: "DMS API calls per second dmswatch may make (default 2; config budget.dms_calls_per_second).")
  var dmsRate: Double?

  @Option(name: .customLong("audit-log"), help: "Audit log path (default: $XDG_STATE_HOME/dmswatch/audit.log).")
  var auditLog: String?

  @Flag(name: .customLong("no-audit"), help: "Run without an audit log (a NO AUDIT badge stays in the header). Actions are otherwise refused while the audit log cannot be written.")
  var noAudit = false

  @Option(name: .customLong("record"), help: "Record the session (every response, view key and action) into FILE for `dmswatch replay` (docs/recording-format.md).")
  var record: String?

  func validate() throws {
    if let r = record, r.isEmpty { throw ValidationError("--record needs a file name") }
    if let r = refresh, r < 1 || r > 3600 { throw ValidationError("--refresh must be between 1 and 3600 seconds") }
    if let r = dmsRate, !(r >= 0.1 && r <= 50) { throw ValidationError("--dms-rate must be between 0.1 and 50 calls per second") }
  }

  func run() throws {
    let env = ProcessInfo.processInfo.environment
    let paths = AppPaths.resolve(environment: env, executableDir: executableDir())
    let noColor = !(env["NO_COLOR"] ?? "").isEmpty
    // Everything that can fail on bad input is checked before the terminal is touched.
    let cfg: AppConfig
    do {
      cfg = try AppConfig.load(path: config ?? paths.configFile, mustExist: config != nil)
    } catch {
      printError("dmswatch: \(error)")
      throw ExitCode(2)
    }
    let source = self.source
    let scopeOptions = source.scopeOptions(config: cfg, interactive: true)
    let profileName = scopeOptions.first?.profile ?? env["AWS_PROFILE"] ?? "default"
    let perProfile = source.demo ? nil : cfg.profileOverrides[profileName]
    let themeName = theme ?? perProfile?.theme ?? cfg.theme ?? "default"
    // One scope: its read-only setting is the session's. Several: each scope's shows on its rows.
    let readOnly = self.readOnly || cfg.readOnly == true || (scopeOptions.count == 1 && (scopeOptions.first?.readOnly ?? false))
    let loadedTheme: Theme
    do {
      loadedTheme = noColor ? ThemeLoader.monochrome() : try ThemeLoader.load(nameOrPath: themeName, searchDirs: paths.themeDirs)
    } catch {
      printError("dmswatch: \(error)")
      throw ExitCode(2)
    }
    var keyMap = KeyMap()
    for (command, keys) in cfg.keys.sorted(by: { $0.key.rawValue < $1.key.rawValue }) { keyMap.override(command, keys: keys) }
    // Every scope is set up before the terminal is taken (credentials, MFA prompts). A scope that
    // fails is kept with its error, so the others run; when every scope fails, nothing can be shown.
    var backends: [Backend] = []
    var failed: [(ScopeInfo, String)] = []
    var reconcilers: [ScopeID: ReconcileJob] = [:]
    var firstError: BackendError?
    for opts in scopeOptions {
      do {
        // Start-up progress instead of a blank screen that echoes keys (a slow credential_process or STS).
        if !source.demo {
          StartupPhase.shared.begin("resolving credentials for profile \(opts.profile ?? profileName) (\(opts.region ?? "default region")) and connecting to AWS…")
        }
        let b = try BackendFactory.blocking { try await BackendFactory.make(opts, environment: env, clock: SystemClock()) }
        backends.append(b)
        // RECON reaches the databases behind the task's endpoints (SELECT only, its own connection budget).
        var request = ReconcileRequest()
        request.checksum = true  // for the tables marked when R is pressed (ReconcileJob passes the marks)
        if let runner = try? ReconcileSetup.runner(backend: b, options: opts, config: cfg.reconcile, environment: env, request: request) {
          reconcilers[b.bundle.scope.id] = ReconcileJob(runner: runner)
        }
      } catch let e as BackendError {
        if e.exitCode == 2 || scopeOptions.count == 1 {
          StartupPhase.shared.end()
          printError("dmswatch: \(e.message)")
          throw ExitCode(e.exitCode)
        }
        firstError = firstError ?? e
        failed.append((ScopeInfo(id: opts.scopeID, label: opts.label, profile: opts.profile, region: opts.region, readOnly: opts.readOnly, accent: opts.accent), e.message))
      }
    }
    let (distinct, sameAccount) = BackendFactory.distinctAccounts(backends)
    for note in sameAccount { printError("dmswatch: \(note)") }
    backends = distinct
    guard let backend = backends.first else {
      StartupPhase.shared.end()
      let e = firstError ?? BackendError(message: "no scope to watch", exitCode: 2)
      printError("dmswatch: every scope failed: \(e.message)")
      throw ExitCode(e.exitCode)
    }
    let clock = SystemClock()
    var services = backends.map(\.bundle)
    let audit = AuditLog(path: auditLog ?? paths.auditFile, source: backends.map(\.auditSource).joined(separator: ","), disabled: noAudit)
    var poll = PollSettings.from(refresh: refresh ?? cfg.refresh ?? (source.demo ? 2 : 5))
    if let r = cfg.dmsCallsPerSecond { poll.dmsCallsPerSecond = r }
    if let b = cfg.dmsBurst { poll.dmsBurst = b }
    if let r = dmsRate { poll.dmsCallsPerSecond = r }
    // The flight recorder: --record FILE, or config `recording: always: true` into the state directory.
    var recorder: Recorder?
    if let file = record {
      recorder = Recorder(path: file, clock: clock, options: .init(mode: source.demo ? "demo" : "live", poll: poll.recorded))
    } else if cfg.recording.always {
      let file = cfg.recording.sessionFile(stateDir: paths.stateDir, at: clock.now())
      recorder = Recorder(
        path: file, clock: clock,
        options: .init(maxBytes: Int64(cfg.recording.maxMB * 1_000_000), keep: cfg.recording.keep, mode: source.demo ? "demo" : "live", poll: poll.recorded))
    }
    if let recorder { services = FlightRecording.wrap(services, recorder: recorder, clock: clock) }
    // One set of thresholds: the screen judges with what `check` judges with.
    let ruleConfig = cfg.ruleConfig
    try MainActor.assumeIsolated {
      try runDashboard(
        theme: loadedTheme, noColor: noColor, services: services, failedScopes: failed, reconcilers: reconcilers, clock: clock,
        audit: audit, poll: poll,
        readOnly: readOnly, keyMap: keyMap, ruleConfig: ruleConfig, notify: (cfg, env, backend, paths.logFile),
        recorder: recorder, stateDir: paths.stateDir, themeDirs: paths.themeDirs)
    }
  }
}

@MainActor
func runDashboard(
  theme: Theme, noColor: Bool, services: [ServiceBundle], failedScopes: [(ScopeInfo, String)], reconcilers: [ScopeID: ReconcileJob],
  clock: any Clock, audit: AuditLog,
  poll: PollSettings, readOnly: Bool,
  keyMap: KeyMap, ruleConfig: RuleConfig, notify: (config: AppConfig, env: [String: String], backend: Backend, logFile: String),
  recorder: Recorder? = nil, stateDir: String, themeDirs: [String] = []
) throws {
  // Notifications on transitions (config `notifications:` and NOTIFIER_URL); failures go to the status line and the log.
  let notifyLog = LineLog(path: notify.logFile, component: "notify", clock: clock)
  let notifier: DashboardNotifier?
  do {
    notifier = try DashboardNotifier.make(
      config: notify.config, environment: notify.env, backend: notify.backend, clock: clock, log: { notifyLog.write($0) })
  } catch {
    printError("dmswatch: \(error)")
    throw ExitCode(2)
  }
  let term: CursesTerminal
  // The UI takes over from the start-up phase (modes restored, keys typed meanwhile dropped).
  StartupPhase.shared.end()
  do {
    term = try CursesTerminal(theme: theme, noColor: noColor)
  } catch {
    printError("dmswatch: \(error)")
    throw ExitCode(2)
  }
  var state = AppState(now: clock.now(), pollInterval: poll.tasks)
  state.readOnly = readOnly
  state.themeNames = availableThemeNames(themeDirs)
  state.fleet.ruleConfig = ruleConfig
  let controller = AppController(
    state: state, scopes: services, clock: clock, reducer: Reducer(keyMap: keyMap), audit: audit, poll: poll)
  for (info, error) in failedScopes { controller.dispatch(.engine(.scopeChanged(info, error: error))) }
  controller.reconcilers = reconcilers
  let scopeList = services.map { "\($0.scope.display) [\($0.scope.longDescription)]" }.joined(separator: "; ")
  audit.record(
    "session", "dashboard started (\(controller.state.sourceLabel): \(scopeList)\(readOnly ? ", read-only" : ""))", at: clock.now())

  if let recorder {
    controller.attach(recorder: recorder)
    // A full disk or an unwritable file: said once on screen; recording stops, nothing else does.
    recorder.setFailureHandler { msg in
      DispatchQueue.main.async { MainActor.assumeIsolated { controller.dispatch(.statusMessage(msg, .critical)) } }
    }
  }

  func finish(_ code: Int32) -> Never {
    controller.stop()
    recorder?.close()
    term.restore()
    audit.record("session", "dashboard ended (exit \(code))", at: clock.now())
    audit.close()
    exit(code)
  }

  // For the benchmark's comparison only: repaint every cell of every frame.
  let fullRepaint = ProcessInfo.processInfo.environment["DMSWATCH_FULL_REPAINT"] == "1"
  controller.onRender = {
    let grid = DashboardRenderer.render(controller.state, keyMap: keyMap, charset: term.charset)
    if fullRepaint { term.forceFullRepaint() }
    term.present(grid)
  }
  controller.onQuit = { finish(0) }

  SignalRouter.onTerminate = { sig in finish(128 + sig) }
  SignalRouter.onResize = {
    let size = term.size
    controller.dispatch(.resize(width: size.width, height: size.height))
  }
  SignalRouter.onContinue = {
    term.forceFullRepaint()
    controller.renderNow()
  }

  let size = term.size
  controller.dispatch(.resize(width: size.width, height: size.height))
  controller.renderNow()
  if let why = audit.refusal {
    // On screen, not only on stderr (the full-screen UI hides stderr).
    controller.dispatch(.statusMessage("actions refused until it can be written (or --no-audit): \(why)", .critical))
  }

  // Keys; a terminal that goes away (hang-up) ends the session cleanly.
  var theme = theme
  func dump() {
    let grid = DashboardRenderer.render(controller.state, keyMap: keyMap, charset: term.charset)
    dumpScreen(grid, theme: theme, stateDir: stateDir, at: clock.now(), controller: controller)
  }
  controller.onSessionCommand = { command, _ in
    if command == "dump" { dump() } else { controller.dispatch(.statusMessage(":\(command) works only in a replay", .warn)) }
  }
  controller.onCopy = { term.sendControlString($0) }
  controller.onSetTheme = { name in
    if noColor {
      controller.dispatch(.statusMessage("colours are off (NO_COLOR or --no-color): the theme stays monochrome", .warn))
      return
    }
    do {
      theme = try ThemeLoader.load(nameOrPath: name, searchDirs: themeDirs)
      term.setTheme(theme)
      controller.dispatch(.statusMessage("theme \(theme.name)", .ok))
    } catch {
      controller.dispatch(.statusMessage("theme \(name): \(error)", .warn))
    }
  }
  let input = term.startReadingInput(
    onEvents: { events in
      for e in events {
        if case .key(let k) = e, let cmd = SessionKeys.command(for: k, replay: false, state: controller.state) {
          switch cmd {
          case .dump: dump()
          default: break
          }
          continue
        }
        switch e {
        case .key(.ctrl("l")):
          term.forceFullRepaint()
          controller.renderNow()
        case .key(let k):
          controller.dispatch(.key(k))
        case .resize(let w, let h):
          controller.dispatch(.resize(width: w, height: h))
        }
      }
    },
    onHangup: { finish(129) })

  // A one-second tick updates ages and expires messages.
  let timer = DispatchSource.makeTimerSource(queue: .main)
  timer.schedule(deadline: .now() + 1, repeating: 1, leeway: .milliseconds(100))
  timer.setEventHandler {
    MainActor.assumeIsolated { controller.dispatch(.tick(clock.now())) }
  }
  timer.resume()

  // Feed findings to the notifier every 5 s once data is in; findings present at start are primed, not sent.
  var primed = false
  var lastFailureShown: String?
  let notifyTimer = DispatchSource.makeTimerSource(queue: .main)
  notifyTimer.schedule(deadline: .now() + 5, repeating: 5, leeway: .milliseconds(500))
  notifyTimer.setEventHandler {
    MainActor.assumeIsolated {
      guard let notifier, controller.state.fleet.sources[.tasks]?.lastSuccess != nil else { return }
      let s = controller.state
      // Identity is the ARN: tasks of one name in two regions never resolve each other's alerts.
      let scope = Set(s.fleet.tasks.filter { s.fleet.tables[$0.arn] != nil }.map(\.arn))
      let findings = s.allFindings().filter { $0.taskArn.map(scope.contains) ?? scope.contains($0.task) }
      if !primed {
        notifier.prime(findings: findings)
        primed = true
      } else {
        notifier.update(findings: findings, scope: scope)
      }
      if let f = notifier.lastFailure, f != lastFailureShown {
        lastFailureShown = f
        controller.dispatch(.statusMessage("notification failed: \(f)", .warn))
      }
    }
  }
  notifyTimer.resume()

  controller.start()
  withExtendedLifetime((input, timer, notifyTimer)) {
    dispatchMain()
  }
}
