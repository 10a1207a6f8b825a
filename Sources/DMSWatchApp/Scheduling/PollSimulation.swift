import DMSWatchModel
import Foundation

/// Drives the real `Poller` DMS lane on a manual clock: simulated minutes in a few seconds, for the
/// scheduler tests and the benchmark. Each call takes `callLatency` of simulated time; waits jump
/// the clock. Metrics and logs (other APIs) are not driven.
@MainActor
public struct PollSimulation {
  public struct Report: Sendable {
    /// Clock time of every DMS call (from `callCount`).
    public var calls: [Date] = []
    /// Oldest the focused task's table statistics got, once first loaded.
    public var maxFocusedAge: TimeInterval = 0
    /// Age of every task's table statistics at the end (infinity when never loaded).
    public var ages: [String: TimeInterval] = [:]
    public var budget: RateBudget?
    public var seconds: TimeInterval = 0

    /// Calls in the busiest window of `w` seconds.
    public func busiest(window w: TimeInterval) -> Int {
      var j = 0
      var worst = 0
      for i in calls.indices {
        while calls[i].timeIntervalSince(calls[j]) >= w { j += 1 }
        worst = max(worst, i - j + 1)
      }
      return worst
    }
    public var callsPerMinute: Double { seconds > 0 ? Double(calls.count) / seconds * 60 : 0 }
    public var worstAge: TimeInterval { ages.values.max() ?? .infinity }
    public var loaded: Int { ages.values.filter { $0.isFinite }.count }
  }

  public var clock: ManualClock
  public var services: ServiceBundle
  public var settings: PollSettings
  public var callLatency: TimeInterval = 0.05
  /// Called before every step with the elapsed seconds (inject faults, move the focus…).
  public var beforeStep: (@MainActor (TimeInterval, AppController) -> Void)?
  /// DMS calls made so far (the simulator's own count).
  public var callCount: @Sendable () -> Int

  public init(clock: ManualClock, services: ServiceBundle, settings: PollSettings, callCount: @escaping @Sendable () -> Int) {
    self.clock = clock
    self.services = services
    self.settings = settings
    self.callCount = callCount
  }

  public func run(seconds: TimeInterval, width: Int = 200, height: Int = 50) async -> (Report, AppController) {
    let c = AppController(
      state: AppState(now: clock.now(), pollInterval: settings.tables), services: services, clock: clock, audit: nil, poll: settings)
    c.dispatch(.resize(width: width, height: height))
    let poller = Poller(controller: c, services: services, clock: clock, settings: settings)
    var r = Report()
    let start = clock.now()
    let end = start.addingTimeInterval(seconds)
    var last = callCount()
    while clock.now() < end {
      beforeStep?(clock.now().timeIntervalSince(start), c)
      let step = await poller.runDMSStep()
      let total = callCount()
      if total > last { r.calls += Array(repeating: clock.now(), count: total - last) }
      last = total
      if let tt = c.state.selectedTables, let at = tt.loadedAt, !tt.isSummary {
        r.maxFocusedAge = max(r.maxFocusedAge, clock.now().timeIntervalSince(at))
      }
      switch step {
      case .call: clock.advance(callLatency)
      case .wait(let until):
        // Wake at least once a second so `beforeStep` sees time pass.
        clock.set(min(max(until, clock.now().addingTimeInterval(0.001)), clock.now().addingTimeInterval(1)))
      }
    }
    for t in c.state.tasks {
      r.ages[t.arn] = c.state.tables[t.arn]?.loadedAt.map { clock.now().timeIntervalSince($0) } ?? .infinity
    }
    r.budget = poller.budget.bucket
    r.seconds = seconds
    return (r, c)
  }
}
