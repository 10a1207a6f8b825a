import DMSWatchEngine
import DMSWatchModel
import Foundation

/// Drives a controller's engines on a manual clock, deterministically: the DMS lane of every scope one
/// step at a time (each call takes `callLatency`, waits jump the clock), the CloudWatch and log loops
/// at their intervals (at once when the focus moves or the inventory arrives), a tick every second.
/// Replay uses it; so do tests that record a session to replay, so both runs make the same calls at
/// the same clock times.
@MainActor
public final class LaneStepper {
  public var callLatency: TimeInterval = 0.05
  /// The duration of the lane's last call, when known (replay: as recorded); else `callLatency`.
  public var lastCallDuration: (() -> TimeInterval?)?
  private var nextMetrics: Date?
  private var nextLogs: Date?
  private var nextTick: Date?
  private var lastFocus: String?
  private var lastInstances = 0

  public init() {}

  /// Runs until the clock reaches `end`. `before` is called with the clock's time before every step
  /// (replay applies recorded keys there).
  public func run(
    _ c: AppController, clock set: (Date) -> Void, now: () -> Date, until end: Date, before: (Date) -> Void = { _ in }
  ) async {
    let poll = c.poll
    var steps = 0
    while now() < end {
      // A long seek lets keys and signals through now and then (ctrl-c, q) instead of freezing.
      steps += 1
      if steps % 256 == 0 { await Task.yield() }
      let t = now()
      before(t)
      // The DMS lane first: in the dashboard its call usually leaves before the other loops wake.
      var called = false
      var earliest = t.addingTimeInterval(1)
      for e in c.engine.engines {
        switch await e.runDMSStep() {
        case .call: called = true
        case .wait(let until): earliest = min(earliest, until)
        }
      }
      if c.state.selectedTaskArn != lastFocus || c.state.fleet.instances.count != lastInstances {
        lastFocus = c.state.selectedTaskArn
        lastInstances = c.state.fleet.instances.count
        // Woken now, they run after the lane's next call (which leaves first in the dashboard).
        nextMetrics = t.addingTimeInterval(0.001)
        nextLogs = t.addingTimeInterval(0.001)
      }
      if t >= (nextMetrics ?? t) {
        for e in c.engine.engines { await e.pollMetrics() }
        nextMetrics = t.addingTimeInterval(poll.metrics)
      }
      if t >= (nextLogs ?? t) {
        for e in c.engine.engines { await e.pollLogs() }
        nextLogs = t.addingTimeInterval(poll.logs)
      }
      earliest = min(earliest, nextMetrics ?? t, nextLogs ?? t)
      if t >= (nextTick ?? t) {
        c.dispatch(.tick(t))
        nextTick = t.addingTimeInterval(1)
      }
      let latency = called ? max(0.0002, lastCallDuration?() ?? callLatency) : 0
      let next = called ? t.addingTimeInterval(latency) : max(earliest, t.addingTimeInterval(0.001))
      set(min(next, end))
    }
    c.dispatch(.tick(now()))
  }
}
