import DMSWatchModel
import Foundation

/// Polling intervals (seconds). The DMS budget caps calls per second across all pollers.
public struct PollSettings: Sendable, Equatable {
  public var tasks: TimeInterval = 5
  public var tables: TimeInterval = 5
  public var metrics: TimeInterval = 60
  public var logs: TimeInterval = 3
  public var events: TimeInterval = 15
  public var inventory: TimeInterval = 300
  /// Sustained DMS calls per second and burst.
  public var dmsCallsPerSecond: Double = 2
  public var dmsBurst: Double = 5
  public init() {}

  /// All intervals scaled from one refresh interval (the `--refresh` flag).
  public static func from(refresh: TimeInterval) -> PollSettings {
    var p = PollSettings()
    let r = max(1, refresh)
    p.tasks = r
    p.tables = r
    p.logs = max(1, min(r, 3))
    p.events = max(r, 3 * r)
    p.metrics = max(15, min(60, 6 * r))
    return p
  }
}

/// Owns the state on the main actor, runs the reducer, schedules coalesced redraws,
/// starts the pollers and performs commands. No curses, no curl.
@MainActor
public final class AppController {
  public private(set) var state: AppState
  public let reducer: Reducer
  public let services: ServiceBundle
  public let clock: any Clock
  public let audit: AuditLog?
  public let poll: PollSettings
  public private(set) var poller: Poller?

  /// Called (coalesced, on the main actor) when the screen should be redrawn.
  public var onRender: (@MainActor () -> Void)?
  /// Called once when the user quits.
  public var onQuit: (@MainActor () -> Void)?

  private var renderScheduled = false
  public private(set) var renderCount = 0
  private var commandTasks: [Task<Void, Never>] = []

  public init(
    state: AppState, services: ServiceBundle, clock: any Clock, reducer: Reducer = Reducer(),
    audit: AuditLog?, poll: PollSettings = PollSettings()
  ) {
    self.state = state
    self.services = services
    self.clock = clock
    self.reducer = reducer
    self.audit = audit
    self.poll = poll
    self.state.sourceLabel = services.sourceLabel
    for s in DataSource.allCases {
      let interval: TimeInterval
      switch s {
      case .tasks: interval = poll.tasks
      case .tables: interval = poll.tables
      case .metrics: interval = poll.metrics
      case .logs: interval = poll.logs
      case .events: interval = poll.events
      }
      self.state.sources[s]?.interval = interval
    }
  }

  /// Starts the background pollers.
  public func start() {
    let p = Poller(controller: self, services: services, clock: clock, settings: poll)
    poller = p
    p.start()
  }

  public func stop() {
    poller?.stop()
    for t in commandTasks { t.cancel() }
  }

  /// Applies an action and carries out its effects.
  public func dispatch(_ action: AppAction) {
    let result = reducer.reduce(&state, action)
    for e in result.effects { handle(e) }
    if result.redraw { setNeedsRender() }
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

  public func renderNow() {
    state.auditBadge = audit?.badge
    renderCount += 1
    onRender?()
  }

  private func handle(_ e: Effect) {
    let now = clock.now()
    switch e {
    case .quit:
      audit?.record("quit", "user quit", at: now)
      stop()
      onQuit?()
    case .refreshNow:
      poller?.refreshNow()
    case .setPaused(let p):
      poller?.paused = p
      audit?.record(p ? "pause" : "resume", "polling \(p ? "paused" : "resumed")", at: now)
    case .perform(let cmd):
      perform(cmd)
    case .focusTaskChanged:
      poller?.focusChanged()
    case .audit(let text):
      audit?.record("ui", text, at: now)
    }
  }

  /// Sends a command to the service; a lost response is reported as "unknown — verify", never assumed.
  public func perform(_ cmd: ServiceCommand) {
    // Every action is audited or refused: no request goes out unless its record was written whole.
    if let audit, !audit.record("request", cmd.summary + " [\(cmd.taskArn)]", at: clock.now()) {
      let why = audit.refusal ?? "the audit log cannot be written"
      dispatch(.commandFinished(cmd, error: "refused, nothing sent — \(why)", at: clock.now()))
      return
    }
    let dms = services.dms
    let t = Task { @MainActor [weak self] in
      var errorText: String? = nil
      var unknown = false
      do {
        // Actions do not wait for the polling budget, but each call is counted in it.
        switch cmd {
        case .start(let arn, _, let type):
          self?.poller?.countAction()
          _ = try await dms.startReplicationTask(arn: arn, type: type)
        case .stop(let arn, _):
          self?.poller?.countAction()
          _ = try await dms.stopReplicationTask(arn: arn)
        case .reload(let arn, _, let tables, let option):
          // ReloadTables accepts at most 100 tables a call in practice; send in chunks.
          var i = 0
          while i < tables.count {
            let chunk = Array(tables[i..<min(i + 100, tables.count)])
            self?.poller?.countAction()
            try await dms.reloadTables(arn: arn, tables: chunk, option: option)
            i += 100
          }
        }
      } catch let e as ServiceError {
        self?.poller?.noteDMSError(e)
        errorText = e.description
        unknown = [.network, .timeout, .unknownOutcome].contains(e.kind)
      } catch {
        errorText = String(describing: error)
        unknown = true
      }
      guard let self else { return }
      let now = self.clock.now()
      self.audit?.record(
        unknown ? "unknown" : (errorText == nil ? "ok" : "failed"),
        cmd.summary + (errorText.map { ": \($0)" } ?? ""), at: now)
      self.dispatch(.commandFinished(cmd, error: errorText, outcomeUnknown: unknown, at: now))
    }
    commandTasks.removeAll { $0.isCancelled }
    commandTasks.append(t)
  }
}
