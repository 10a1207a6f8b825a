import DMSWatchEngine
import DMSWatchModel
import Foundation
import DMSWatchState

/// Owns the UI state on the main actor, runs the reducer, schedules coalesced redraws, pushes the
/// UI's demand (focus, rows on screen, refresh) to the engines, applies what they publish and
/// carries out commands through them. No curses, no curl; the engines never read this state.
@MainActor
public final class AppController {
  public private(set) var state: AppState
  public let reducer: Reducer
  /// One service bundle per scope.
  public let scopes: [ServiceBundle]
  public let clock: any Clock
  public let audit: AuditLog?
  public let poll: PollSettings
  /// The engines (one per scope), created with the controller and started by `start()`.
  public let engine: FleetEngine

  /// Reconciliation per scope (databases behind the task's endpoints): its own budget, never the DMS lane.
  public var reconcilers: [ScopeID: ReconcileJob] = [:]

  /// Called (coalesced, on the main actor) when the screen should be redrawn.
  public var onRender: (@MainActor () -> Void)?
  /// Called once when the user quits.
  public var onQuit: (@MainActor () -> Void)?
  /// The flight recorder's hooks: a key press that changed the view (focus, filter, sort, overlay),
  /// and every audit record (request, outcome) as it is written. See `ViewSignature`.
  public var onViewKey: (@MainActor (Key, AppState) -> Void)?
  public var onAudit: (@MainActor (String, String, Date) -> Void)?
  /// `:` commands for the session loop (`dump`, replay's `at TIME`) and `:theme NAME`.
  public var onSessionCommand: (@MainActor (String, String) -> Void)?
  public var onSetTheme: (@MainActor (String) -> Void)?
  /// Sends an OSC 52 sequence to the terminal; false when it could not be written now.
  public var onCopy: (@MainActor (String) -> Bool)?

  private var renderScheduled = false
  /// The shortest time between two frames that only data or the clock asked for (see `setNeedsDataRender`).
  public var dataRenderInterval: DispatchTimeInterval = .milliseconds(1000)
  private var lastRenderAt = DispatchTime(uptimeNanoseconds: 0)
  private var dataRenderDeferred = false
  /// The first seconds after `start()` render every change: the screen fills as the first loads arrive.
  private var dataRenderFreeUntil = DispatchTime(uptimeNanoseconds: 0)
  public private(set) var renderCount = 0
  private var commandTasks: [Task<Void, Never>] = []
  private var started = false

  public convenience init(
    state: AppState, services: ServiceBundle, clock: any Clock, reducer: Reducer = Reducer(),
    audit: AuditLog?, poll: PollSettings = PollSettings()
  ) {
    self.init(state: state, scopes: [services], clock: clock, reducer: reducer, audit: audit, poll: poll)
  }

  public init(
    state: AppState, scopes: [ServiceBundle], clock: any Clock, reducer: Reducer = Reducer(),
    audit: AuditLog?, poll: PollSettings = PollSettings()
  ) {
    self.state = state
    self.scopes = scopes
    self.clock = clock
    self.reducer = reducer
    self.audit = audit
    self.poll = poll
    self.state.sourceLabel = scopes.count == 1 ? (scopes.first?.sourceLabel ?? "") : "\(scopes.count) scopes"
    for s in DataSource.allCases { self.state.fleet.sources[s]?.interval = poll.interval(s) }
    // The engine's sink holds the controller weakly: the engine must not keep it alive.
    let box = WeakController()
    engine = FleetEngine(clock: clock, settings: poll) { ev in box.value?.dispatch(.engine(ev)) }
    box.value = self
    for b in scopes { engine.add(b) }
  }

  /// Starts the background engines.
  public func start() {
    guard !started else { return }
    started = true
    dataRenderFreeUntil = DispatchTime.now() + .seconds(3)
    pushDemand()
    engine.start()
  }

  public func stop() {
    engine.stop()
    for t in commandTasks { t.cancel() }
  }

  /// Applies an action and carries out its effects.
  public func dispatch(_ action: AppAction) {
    let view = onViewKey == nil ? nil : ViewSignature(state)
    let result = reducer.reduce(&state, action)
    if let view, case .key(let k) = action, ViewSignature(state) != view { onViewKey?(k, state) }
    for e in result.effects { handle(e) }
    pushDemand()
    guard result.redraw else { return }
    switch action {
    case .key, .resize: setNeedsRender()
    default: setNeedsDataRender()
    }
  }

  /// The UI's demand, pushed after every change: the focused task and the task rows on screen.
  private func pushDemand() {
    let d = Demand(focused: state.selectedTaskArn, visible: state.visibleTaskArns)
    if d != engine.demand { engine.setDemand(d) }
  }

  /// Renders at most once per main-queue turn, however many actions arrive.
  public func setNeedsRender() {
    guard !renderScheduled else { return }
    renderScheduled = true
    DispatchQueue.main.async {
      MainActor.assumeIsolated {
        self.renderScheduled = false
        self.renderNow()
      }
    }
  }

  /// Data and clock changes render at most once per `dataRenderInterval` (keys and resizes at once): at 1,000 tasks
  /// the engines deliver several loads a second, and a frame per load was most of the idle CPU. The first change after
  /// a quiet interval renders at once; later ones are gathered into one frame at the end of the interval. Not in the
  /// first 3 s after `start()`, while the first loads fill the screen.
  public func setNeedsDataRender() {
    let due = lastRenderAt + dataRenderInterval
    let now = DispatchTime.now()
    if now >= due || now < dataRenderFreeUntil {
      setNeedsRender()
    } else if !dataRenderDeferred {
      dataRenderDeferred = true
      DispatchQueue.main.asyncAfter(deadline: due) {
        MainActor.assumeIsolated {
          self.dataRenderDeferred = false
          self.setNeedsRender()
        }
      }
    }
  }

  public func renderNow() {
    lastRenderAt = DispatchTime.now()
    state.auditBadge = audit?.badge
    state.prepareFrame()
    renderCount += 1
    onRender?()
  }

  private func handle(_ e: Effect) {
    let now = clock.now()
    switch e {
    case .quit:
      audit?.record("quit", "user quit", at: now)
      onAudit?("quit", "user quit", now)
      stop()
      onQuit?()
    case .refreshNow:
      engine.refreshNow()
    case .setPaused(let p):
      engine.paused = p
      audit?.record(p ? "pause" : "resume", "polling \(p ? "paused" : "resumed")", at: now)
    case .perform(let cmd):
      perform(cmd)
    case .focusTaskChanged:
      break  // the demand carries the focus
    case .reconcile(let arn, let task, let checksum):
      reconcile(taskArn: arn, task: task, checksum: checksum)
    case .cancelReconcile:
      for job in reconcilers.values { Task { await job.cancel() } }
    case .audit(let text):
      audit?.record("ui", text, at: now)
    case .session(let command, let argument):
      if let f = onSessionCommand {
        f(command, argument)
      } else {
        dispatch(.statusMessage(":\(command) is not available here", .warn))
      }
    case .fetchRaw(let arn, let table, let title):
      let engine = self.engine
      Task { @MainActor [weak self] in
        let (text, error) = await engine.raw(taskArn: arn, table: table)
        self?.dispatch(.rawLoaded(title: title, text: text, error: error))
      }
    case .copy(let text, let what):
      guard let send = onCopy else {
        dispatch(.statusMessage("copy is not available here", .warn))
        return
      }
      let (seq, cut) = OSC52.sequence(copying: text)
      if send(seq) {
        let part = cut ? " (its first \(OSC52.maxBytes) bytes)" : ""
        dispatch(.statusMessage("copied \(what)\(part) to the clipboard (OSC 52; the terminal must allow it)", cut ? .warn : .ok))
      } else {
        dispatch(.statusMessage("copy failed: the terminal is not taking output", .warn))
      }
    case .setTheme(let name):
      if let f = onSetTheme {
        f(name)
      } else {
        dispatch(.statusMessage(":theme is not available here", .warn))
      }
    }
  }

  private func reconcile(taskArn: String, task: String, checksum: Set<String>) {
    let scope = state.fleet.task(taskArn)?.scope ?? .single
    guard let job = reconcilers[scope] ?? (reconcilers.count == 1 ? reconcilers.values.first : nil) else {
      dispatch(.reconUpdated(taskArn: taskArn, ReconState(taskIdentifier: task, phase: .stopped("reconciliation is not available for this scope"))))
      return
    }
    audit?.record("ui", "reconcile \(task) [\(taskArn)] (counts\(checksum.isEmpty ? "" : ", checksums of \(checksum.count) tables"); SELECT only)", at: clock.now())
    Task {
      await job.start(taskArn: taskArn, taskIdentifier: task, marked: checksum) { [weak self] st in
        await MainActor.run { self?.dispatch(.reconUpdated(taskArn: taskArn, st)) }
      }
    }
  }

  /// Where an action goes, for the audit log: task ARN and scope.
  private func target(_ cmd: ServiceCommand) -> String {
    let scope = state.fleet.scopeInfo(for: cmd.taskArn).map { " scope=\($0.display) (\($0.longDescription))" } ?? ""
    return " [\(cmd.taskArn)]\(scope)"
  }

  /// Sends a command once through the engine of its task's scope; a lost response is reported as
  /// "unknown — verify" and followed by a re-read, never assumed; a partial reload is reported exactly.
  public func perform(_ cmd: ServiceCommand) {
    let where_ = target(cmd)
    // Every action is audited or refused: no request goes out unless its record was written whole.
    onAudit?("request", cmd.summary + where_, clock.now())
    if let audit, !audit.record("request", cmd.summary + where_, at: clock.now()) {
      let why = audit.refusal ?? "the audit log cannot be written"
      onAudit?("refused", cmd.summary + where_ + ": " + why, clock.now())
      dispatch(.commandFinished(cmd, error: "refused, nothing sent — \(why)", at: clock.now()))
      return
    }
    let engine = self.engine
    let t = Task { @MainActor [weak self] in
      let outcome = await engine.perform(cmd)
      guard let self else { return }
      let now = self.clock.now()
      let kind = outcome.partial != nil ? "partial" : outcome.outcomeUnknown ? "unknown" : (outcome.error == nil ? "ok" : "failed")
      var text = cmd.summary + where_
      if let p = outcome.partial {
        text += ": \(p.summary); accepted: \(p.accepted.map(\.qualifiedName).joined(separator: ","))"
        if !p.unknown.isEmpty { text += "; unknown: \(p.unknown.map(\.qualifiedName).joined(separator: ","))" }
        if !p.notAccepted.isEmpty { text += "; not accepted: \(p.notAccepted.map(\.qualifiedName).joined(separator: ","))" }
      }
      if let e = outcome.error { text += ": \(e)" }
      if let d = outcome.detail { text += ": \(d)" }
      self.audit?.record(kind, text, at: now)
      self.onAudit?(kind, text, now)
      self.dispatch(.commandFinished(
        cmd, error: outcome.error, outcomeUnknown: outcome.outcomeUnknown, partial: outcome.partial, detail: outcome.detail, at: now))
    }
    commandTasks.removeAll { $0.isCancelled }
    commandTasks.append(t)
  }
}

@MainActor
private final class WeakController {
  weak var value: AppController?
}
