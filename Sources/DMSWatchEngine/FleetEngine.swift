import DMSWatchModel
import Foundation

/// Polling intervals (seconds). The DMS budget caps each scope's calls per second.
public struct PollSettings: Sendable, Equatable {
  public var tasks: TimeInterval = 5
  public var tables: TimeInterval = 5
  public var metrics: TimeInterval = 60
  /// CloudWatch for tasks not on screen (throughput to tell which need a DMS call, latency to sort
  /// the fleet); 0 = only the tasks on screen.
  public var offscreenMetrics: TimeInterval = 120
  public var logs: TimeInterval = 3
  public var events: TimeInterval = 15
  public var inventory: TimeInterval = 300
  /// Sustained DMS calls per second and burst, per scope (the DMS quota is per account and region).
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

  public func interval(_ s: DataSource) -> TimeInterval {
    switch s {
    case .tasks: tasks
    case .tables: tables
    case .metrics: metrics
    case .logs: logs
    case .events: events
    }
  }
}

/// Every scope's engine behind one front: demand goes to the scope that owns each task, actions to
/// the scope of their task, and every scope's events come out of one sink. A scope that cannot be
/// set up (credentials, unreachable region) is kept as a failed scope with its error, so the others run.
@MainActor
public final class FleetEngine {
  public private(set) var engines: [ScopeEngine] = []
  private let sink: @MainActor (EngineEvent) -> Void
  private let clock: any Clock
  private let settings: PollSettings
  public private(set) var demand = Demand()
  public var paused = false {
    didSet { for e in engines { e.paused = paused } }
  }

  public init(clock: any Clock, settings: PollSettings, sink: @escaping @MainActor (EngineEvent) -> Void) {
    self.clock = clock
    self.settings = settings
    self.sink = sink
  }

  /// Adds a scope (before or after `start`).
  @discardableResult
  public func add(_ services: ServiceBundle, start: Bool = false) -> ScopeEngine {
    let e = ScopeEngine(services: services, clock: clock, settings: settings) { [weak self] ev in self?.forward(ev) }
    engines.append(e)
    sink(.scopeChanged(services.scope, error: nil))
    if start { e.start() }
    return e
  }

  private func forward(_ ev: EngineEvent) {
    sink(ev)
    // A new task list may move tasks into a scope: the demand follows.
    if case .tasksLoaded = ev, engines.count > 1 { route() }
  }

  public func start() { for e in engines { e.start() } }
  public func stop() { for e in engines { e.stop() } }

  public func engine(for scope: ScopeID) -> ScopeEngine? { engines.first { $0.scope == scope } }

  /// The engine whose task list holds `arn`.
  public func engine(owning arn: String) -> ScopeEngine? { engines.first { $0.owns(arn: arn) } }

  /// Splits the UI's demand by scope: each engine sees only its own tasks.
  public func setDemand(_ d: Demand) {
    demand = d
    route()
  }

  /// Re-applies the demand (after a task list arrived, a task's scope may now be known).
  public func route() {
    let d = demand
    if engines.count == 1 {
      engines[0].setDemand(d)
      return
    }
    for e in engines {
      let focused = d.focused.flatMap { e.owns(arn: $0) ? $0 : nil }
      e.setDemand(Demand(focused: focused, visible: d.visible.filter { e.owns(arn: $0) }))
    }
  }

  public func refreshNow() { for e in engines { e.refreshNow() } }

  /// `y`: raw JSON of a task or table from the scope that lists it.
  public func raw(taskArn: String, table: TableRef?) async -> (text: String?, error: String?) {
    guard let e = engine(owning: taskArn) else { return (nil, "the task is not listed in any scope any more") }
    do {
      guard let text = try await e.raw(taskArn: taskArn, table: table) else { return (nil, "this source cannot show raw JSON") }
      return (text, nil)
    } catch {
      return (nil, String(describing: error))
    }
  }

  /// Sends the action to the scope of its task, once.
  public func perform(_ cmd: ServiceCommand) async -> ActionOutcome {
    guard let e = engine(owning: cmd.taskArn) else {
      return ActionOutcome(error: "task \(cmd.taskIdentifier) is not listed in any scope any more")
    }
    return await e.perform(cmd)
  }
}
