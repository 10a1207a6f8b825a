import DMSWatchApp
import DMSWatchEngine
import DMSWatchModel
import Foundation
import DMSWatchState

/// Drives the real engines' DMS lanes on a manual clock — the same controller, demand and lanes as
/// the dashboard — so simulated minutes take a few seconds, for the scheduler tests, the soak test
/// and the benchmark. Each call takes `callLatency` of simulated time; waits jump the clock. With
/// several scopes every lane steps in turn (they run side by side in the dashboard).
@MainActor
public struct PollSimulation {
  public struct Report: Sendable {
    /// Clock time of every DMS call (from `callCount`), all scopes together.
    public var calls: [Date] = []
    /// The same per scope.
    public var callsByScope: [ScopeID: [Date]] = [:]
    /// Oldest the focused task's table statistics got, once first loaded.
    public var maxFocusedAge: TimeInterval = 0
    /// Age of every task's table statistics at the end (infinity when never loaded).
    public var ages: [String: TimeInterval] = [:]
    /// Age of what the engine knows to be current at the end: since the read, or since CloudWatch,
    /// events and the task list last confirmed nothing changed (infinity when never loaded).
    public var currentAges: [String: TimeInterval] = [:]
    /// GetMetricData queries (metrics requested) and calls, when `metrics` is on.
    public var metricQueries = 0
    public var metricCalls = 0
    public var budget: RateBudget?
    public var budgets: [ScopeID: RateBudget] = [:]
    public var seconds: TimeInterval = 0

    /// Calls in the busiest window of `w` seconds (of one scope, or all).
    public func busiest(window w: TimeInterval, scope: ScopeID? = nil) -> Int {
      let calls = scope.map { callsByScope[$0] ?? [] } ?? self.calls
      var j = 0
      var worst = 0
      for i in calls.indices {
        while calls[i].timeIntervalSince(calls[j]) >= w { j += 1 }
        worst = max(worst, i - j + 1)
      }
      return worst
    }
    public var callsPerMinute: Double { seconds > 0 ? Double(calls.count) / seconds * 60 : 0 }
    public func callsPerMinute(scope: ScopeID) -> Double {
      seconds > 0 ? Double(callsByScope[scope]?.count ?? 0) / seconds * 60 : 0
    }
    public var worstAge: TimeInterval { ages.values.max() ?? .infinity }
    public var loaded: Int { ages.values.filter { $0.isFinite }.count }
  }

  public var clock: ManualClock
  public var scopes: [ServiceBundle]
  public var settings: PollSettings
  public var callLatency: TimeInterval = 0.05
  /// Also run each engine's CloudWatch poll every `settings.metrics` seconds (it decides which tasks need DMS calls).
  public var metrics = false
  /// Called before every step with the elapsed seconds (inject faults, move the focus…).
  public var beforeStep: (@MainActor (TimeInterval, AppController) -> Void)?
  /// DMS calls made so far in each scope (the simulator's own count), in `scopes` order.
  public var callCounts: [@Sendable () -> Int]

  public init(clock: ManualClock, services: ServiceBundle, settings: PollSettings, callCount: @escaping @Sendable () -> Int) {
    self.init(clock: clock, scopes: [services], settings: settings, callCounts: [callCount])
  }

  public init(clock: ManualClock, scopes: [ServiceBundle], settings: PollSettings, callCounts: [@Sendable () -> Int]) {
    self.clock = clock
    self.scopes = scopes
    self.settings = settings
    self.callCounts = callCounts
  }

  public func run(seconds: TimeInterval, width: Int = 200, height: Int = 50) async -> (Report, AppController) {
    let c = AppController(
      state: AppState(now: clock.now(), pollInterval: settings.tables), scopes: scopes, clock: clock, audit: nil, poll: settings)
    c.dispatch(.resize(width: width, height: height))
    let engines = c.engine.engines
    var r = Report()
    let start = clock.now()
    let end = start.addingTimeInterval(seconds)
    var last = callCounts.map { $0() }
    var nextMetrics = start
    while clock.now() < end {
      beforeStep?(clock.now().timeIntervalSince(start), c)
      if metrics, clock.now() >= nextMetrics {
        for e in engines { await e.pollMetrics() }
        nextMetrics = clock.now().addingTimeInterval(settings.metrics)
      }
      var called = false
      var earliest = clock.now().addingTimeInterval(1)
      for (i, e) in engines.enumerated() {
        let step = await e.runDMSStep()
        let total = i < callCounts.count ? callCounts[i]() : 0
        if total > last[i] {
          let stamps = Array(repeating: clock.now(), count: total - last[i])
          r.calls += stamps
          r.callsByScope[e.scope, default: []] += stamps
        }
        last[i] = total
        switch step {
        case .call: called = true
        case .wait(let until): earliest = min(earliest, until)
        }
      }
      if let tt = c.state.selectedTables, let at = tt.loadedAt, !tt.isSummary {
        r.maxFocusedAge = max(r.maxFocusedAge, clock.now().timeIntervalSince(at))
      }
      if called {
        clock.advance(callLatency)
      } else {
        // Wake at least once a second so `beforeStep` sees time pass.
        clock.set(max(metrics ? min(earliest, nextMetrics) : earliest, clock.now().addingTimeInterval(0.001)))
      }
    }
    for t in c.state.fleet.tasks {
      r.ages[t.arn] = c.state.fleet.tables[t.arn]?.loadedAt.map { clock.now().timeIntervalSince($0) } ?? .infinity
    }
    for e in engines {
      for t in e.tasks { r.currentAges[t.arn] = e.tablesCurrentAt(arn: t.arn).map { clock.now().timeIntervalSince($0) } ?? .infinity }
      r.metricQueries += e.metricQueriesSent
      r.metricCalls += e.metricCalls
    }
    r.budget = engines.first?.budget.bucket
    for e in engines { r.budgets[e.scope] = e.budget.bucket }
    r.seconds = seconds
    return (r, c)
  }
}
