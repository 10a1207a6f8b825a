import DMSSimulator
import DMSWatchApp
import DMSWatchEngine
import DMSWatchModel
import Foundation
import TestKit

/// Fleet freshness on a manual clock: the real engine (DMS lane + CloudWatch loop) over a simulated
/// fleet with realistic activity (most tasks idle, some busy, some in bursts).
struct FreshnessResult {
  var tasks: Int
  var minutes: Double
  /// Age of what is known about each task's tables at the end (read, or confirmed unchanged since).
  var ageP95: Double
  var ageMax: Double
  /// Age since the last DescribeTableStatistics, for comparison.
  var readAgeP95: Double
  var loaded: Int
  var callsPerMinute: Double
  var busiest60: Int
  var busiest10: Int
  var busiest1: Int
  /// GetMetricData metrics requested per simulated hour, and calls.
  var metricsPerHour: Double
  var metricCallsPerHour: Double
  /// Tasks whose counters changed and were not read within 5 minutes (after the first round), and the worst delay.
  var lateChanges: Int
  var worstChangeDelay: Double
  var firstRoundSeconds: Double?
}

func quantile(_ xs: [Double], _ q: Double) -> Double {
  guard !xs.isEmpty else { return .infinity }
  let s = xs.sorted()
  return s[min(s.count - 1, max(0, Int((q * Double(s.count)).rounded(.up)) - 1))]
}

@MainActor
func simulateFreshness(tasks: Int, minutes: Double) async -> FreshnessResult {
  let clock = ManualClock()
  let fleet = SimulatedFleet(config: SimulatorConfig(tasks: tasks, seed: 11, activity: .realistic), clock: clock)
  var sim = PollSimulation(
    clock: clock, services: ServiceBundle(dms: fleet, metrics: fleet, logs: fleet, sourceLabel: "sim"),
    settings: PollSettings.from(refresh: 5),
    callCount: { fleet.callCounts().filter { $0.key != "GetMetricData" && $0.key != "GetLogEvents" }.values.reduce(0, +) })
  sim.metrics = true
  var firstRound: TimeInterval?
  var nextSample = 0.0
  var late = Set<String>()
  var worst = 0.0
  sim.beforeStep = { elapsed, c in
    guard elapsed >= nextSample else { return }
    nextSample = elapsed + 10
    if firstRound == nil, !c.state.fleet.tasks.isEmpty, c.state.fleet.tables.values.filter({ $0.loadedAt != nil }).count >= c.state.fleet.tasks.count {
      firstRound = elapsed
    }
    guard let done = firstRound, elapsed > done + 300 else { return }
    var reads: [String: Date] = [:]
    for t in c.state.fleet.tasks { if let at = c.state.fleet.tables[t.arn]?.loadedAt { reads[t.arn] = at } }
    let now = c.clock.now()
    for (arn, change) in fleet.firstChanges(after: reads) where change < now {
      let d = now.timeIntervalSince(change)
      worst = max(worst, d)
      if d > 310 { late.insert(arn) }
    }
  }
  let (r, _) = await sim.run(seconds: minutes * 60)
  let ages = Array(r.currentAges.values)
  let hours = minutes / 60
  return FreshnessResult(
    tasks: tasks, minutes: minutes, ageP95: quantile(ages, 0.95), ageMax: ages.max() ?? .infinity,
    readAgeP95: quantile(Array(r.ages.values), 0.95), loaded: r.loaded, callsPerMinute: r.callsPerMinute,
    busiest60: r.busiest(window: 60), busiest10: r.busiest(window: 10), busiest1: r.busiest(window: 1),
    metricsPerHour: Double(r.metricQueries) / hours, metricCallsPerHour: Double(r.metricCalls) / hours,
    lateChanges: late.count, worstChangeDelay: worst, firstRoundSeconds: firstRound)
}

/// Two scopes (two accounts or regions), 500 tasks each, side by side: calls per minute of each.
@MainActor
func simulateTwoScopes(minutes: Double) async -> [String: Double] {
  let clock = ManualClock()
  var bundles: [ServiceBundle] = []
  var counts: [@Sendable () -> Int] = []
  for (i, region) in ["us-east-1", "eu-west-1"].enumerated() {
    var cfg = SimulatorConfig(tasks: 500, seed: 21 + UInt64(i), activity: .realistic)
    cfg.region = region
    let fleet = SimulatedFleet(config: cfg, clock: clock)
    bundles.append(ServiceBundle(
      dms: fleet, metrics: fleet, logs: fleet, sourceLabel: region, scope: ScopeInfo(id: ScopeID(region), region: region)))
    counts.append({ fleet.callCounts().filter { $0.key != "GetMetricData" && $0.key != "GetLogEvents" }.values.reduce(0, +) })
  }
  var sim = PollSimulation(clock: clock, scopes: bundles, settings: PollSettings.from(refresh: 5), callCounts: counts)
  sim.metrics = true
  let (r, _) = await sim.run(seconds: minutes * 60)
  var out: [String: Double] = [:]
  for b in bundles { out[b.scope.id.rawValue] = r.callsPerMinute(scope: b.scope.id) }
  return out
}

/// A 20,000-table task focused from the start among 1,000 others, 10 simulated minutes: the oldest
/// the task list got (seconds), its interval, and when the inventory loaded.
@MainActor
func simulateBigFocus(minutes: Double) async throws -> (listAgeMax: Double, interval: Double, inventoryAt: Double?) {
  let seed: UInt64 = 5
  let probe = try await SimulatedFleet(config: SimulatorConfig(tasks: 12, seed: seed), clock: ManualClock()).allReplicationTasks()
  let big = probe.firstIndex { $0.status == TaskStatus.running && $0.migration != .fullLoad } ?? 0
  let clock = ManualClock()
  var config = SimulatorConfig(tasks: 1001, seed: seed, activity: .realistic)
  config.tableCounts = [big: 20_000]
  let fleet = SimulatedFleet(config: config, clock: clock)
  let all = try await fleet.allReplicationTasks()
  @MainActor final class Box { var listAt: Date?; var inventoryAt: Date? }
  let box = Box()
  let engine = ScopeEngine(
    services: ServiceBundle(dms: fleet, metrics: fleet, logs: fleet, sourceLabel: "sim"), clock: clock,
    settings: PollSettings.from(refresh: 5)
  ) { e in
    switch e {
    case .tasksLoaded(_, _, let at), .tasksChanged(_, _, let at): box.listAt = at
    case .inventoryLoaded: if box.inventoryAt == nil { box.inventoryAt = clock.now() }
    default: break
    }
  }
  engine.setDemand(Demand(focused: all[big].arn, visible: all.prefix(40).map(\.arn)))
  let start = clock.now()
  var worst = 0.0
  var nextMetrics = start
  while clock.now() < start.addingTimeInterval(minutes * 60) {
    if clock.now() >= nextMetrics {
      await engine.pollMetrics()
      nextMetrics = clock.now().addingTimeInterval(30)
    }
    let step = await engine.runDMSStep()
    worst = max(worst, clock.now().timeIntervalSince(box.listAt ?? start))
    switch step {
    case .call: clock.advance(0.05)
    case .wait(let until): clock.set(max(min(until, nextMetrics), clock.now().addingTimeInterval(0.001)))
    }
  }
  return (worst, engine.planner.effectiveTaskListInterval(rate: engine.budget.rate), box.inventoryAt.map { $0.timeIntervalSince(start) })
}
