import DMSWatchEngine
import TestKit
import DMSSimulator
import DMSWatchModel
import Foundation
import XCTest

@testable import DMSWatchApp

/// The DMS budget and the planner's decisions, on a manual clock (no real time passes).
final class RateBudgetTests: XCTestCase {
  let t0 = Date(timeIntervalSince1970: 1_790_000_000)

  func testBurstThenSustainedRate() {
    var b = RateBudget(rate: 2, capacity: 5, now: t0)
    XCTAssertEqual((0..<20).filter { _ in b.tryTake(now: t0) }.count, 5, "burst")
    let t1 = t0.addingTimeInterval(1)
    XCTAssertEqual((0..<20).filter { _ in b.tryTake(now: t1) }.count, 2, "2 per second")
    XCTAssertEqual(b.secondsUntil(tokens: 1, now: t1), 0.5, accuracy: 1e-9)
  }

  func testThrottlingHalvesThenRecoversAdditively() {
    var b = RateBudget(rate: 2, capacity: 5, now: t0)
    XCTAssertTrue(b.throttled(now: t0))
    XCTAssertEqual(b.rate, 1)
    XCTAssertTrue(b.isThrottled)
    XCTAssertFalse(b.tryTake(now: t0), "bucket emptied: the next call waits")
    XCTAssertFalse(b.throttled(now: t0.addingTimeInterval(0.5)), "a burst of throttles is one signal")
    XCTAssertEqual(b.rate, 1)
    XCTAssertTrue(b.throttled(now: t0.addingTimeInterval(3)))
    XCTAssertEqual(b.rate, 0.5)
    // Additive increase: +2/8 per 5 s without throttling.
    b.refill(now: t0.addingTimeInterval(3 + 5))
    XCTAssertEqual(b.rate, 0.75, accuracy: 1e-9)
    b.refill(now: t0.addingTimeInterval(3 + 12.5))
    XCTAssertEqual(b.rate, 1.0, accuracy: 1e-9, "steps come every 5 s, not continuously")
    // The decrease stops at an eighth of the configured rate.
    var storm = RateBudget(rate: 2, capacity: 5, now: t0)
    for i in 0..<20 { storm.throttled(now: t0.addingTimeInterval(Double(i) * 3)) }
    XCTAssertEqual(storm.rate, 0.25, accuracy: 1e-9)
    b.refill(now: t0.addingTimeInterval(3 + 300))
    XCTAssertEqual(b.rate, 2, "back to the configured rate, never above")
    XCTAssertFalse(b.isThrottled)
  }

  func testForcedActionsGoIntoDebtThatPollsRepay() {
    var b = RateBudget(rate: 2, capacity: 2, now: t0)
    for _ in 0..<4 { b.spendForced(now: t0) }
    XCTAssertEqual(b.spent, 4)
    XCTAssertEqual(b.available(now: t0), -2)
    XCTAssertFalse(b.tryTake(now: t0.addingTimeInterval(1)), "1 s refills 2 tokens: still at 0")
    XCTAssertTrue(b.tryTake(now: t0.addingTimeInterval(1.5)))
  }
}

final class PollPlannerTests: XCTestCase {
  let t0 = Date(timeIntervalSince1970: 1_790_000_000)

  func settings() -> PollSettings {
    var p = PollSettings()
    p.tasks = 5
    p.tables = 5
    p.events = 15
    return p
  }

  /// Runs the planner alone for `seconds`, answering every call with one page; returns the calls.
  func run(
    _ planner: inout PollPlanner, budget: inout RateBudget, from start: Date, seconds: Double, focused: String?,
    visible: Set<String> = [], pages: (DMSJob) -> Int = { _ in 1 }
  ) -> [(Date, DMSJob)] {
    drivePlanner(&planner, budget: &budget, from: start, seconds: seconds, focused: focused, visible: visible, pages: pages)
  }

  func testPriorityOrderAtStart() {
    var p = PollPlanner(settings: settings(), capacity: 5)
    var b = RateBudget(rate: 2, capacity: 5, now: t0)
    p.setTasks((0..<3).map { TaskDigest(arn: "t\($0)", suspicion: 0) })
    var order: [DMSJob] = []
    for _ in 0..<6 {
      if case .call(let j, _) = p.next(now: t0, focusedArn: "t0", visible: [], budget: &b) {
        order.append(j)
        p.pageDone(j, nextMarker: nil)
      }
    }
    // The inventory before any table statistics; the classes interleave by their shares.
    XCTAssertEqual(order, [.taskList, .instances, .events, .endpoints, .tables("t0")], "burst of 5, then wait")
    guard case .wait(let until) = p.next(now: t0, focusedArn: "t0", visible: [], budget: &b) else { return XCTFail() }
    XCTAssertEqual(until.timeIntervalSince(t0), 1.5, accuracy: 1e-6, "background alone waits for 1 + reserve tokens at 2/s")
  }

  func testFocusedPageGoesBetweenPagesOfALongTaskList() {
    var p = PollPlanner(settings: settings(), capacity: 5)
    var b = RateBudget(rate: 2, capacity: 5, now: t0)
    p.setTasks([TaskDigest(arn: "f", suspicion: 0)])
    let calls = run(&p, budget: &b, from: t0, seconds: 120, focused: "f", pages: { $0 == .taskList ? 50 : 1 })
    let focused = calls.filter { $0.1 == .tables("f") }.map(\.0)
    var prev = t0
    for t in focused {
      XCTAssertLessThanOrEqual(t.timeIntervalSince(prev), 5.6, "focused tables every interval despite a 50-page list")
      prev = t
    }
    XCTAssertGreaterThanOrEqual(calls.filter { $0.1 == .taskList }.count, 50, "the list still completes")
    XCTAssertGreaterThanOrEqual(p.effectiveTaskListInterval(rate: 2), 125, "50 pages at a fifth of 2/s: stretched to 125 s")
  }

  func testRequestWhileRunningIsCoalescedIntoOneMoreRun() {
    var p = PollPlanner(settings: settings(), capacity: 10)
    var b = RateBudget(rate: 2, capacity: 10, now: t0)
    /// The next task-list call (other classes' calls are answered on the way).
    func nextList() -> String?? {
      for _ in 0..<10 {
        guard case .call(let j, let m) = p.next(now: t0, focusedArn: nil, visible: [], budget: &b) else { return nil }
        if j == .taskList { return .some(m) }
        p.pageDone(j, nextMarker: nil)
      }
      return nil
    }
    guard case .some(nil) = nextList() else { return XCTFail() }
    XCTAssertTrue(p.isRunning(.taskList))
    p.request(.taskList)
    p.request(.taskList)
    // Page 2 continues the same run (no second listing in parallel).
    p.pageDone(.taskList, nextMarker: "m1")
    guard case .some(let m) = nextList() else { return XCTFail() }
    XCTAssertEqual(m, "m1")
    p.pageDone(.taskList, nextMarker: nil)
    // Then exactly one more run for the two requests.
    guard case .some(nil) = nextList() else { return XCTFail() }
    p.pageDone(.taskList, nextMarker: nil)
    var more = 0
    for _ in 0..<5 {
      if case .call(.taskList, _) = p.next(now: t0, focusedArn: nil, visible: [], budget: &b) { more += 1 }
    }
    XCTAssertEqual(more, 0)
  }

  func testBackgroundVisibleMoreOftenThanOffscreenAndSuspiciousFirst() {
    var p = PollPlanner(settings: settings(), capacity: 5)
    var b = RateBudget(rate: 2, capacity: 5, now: t0)
    var digests = (0..<40).map { TaskDigest(arn: "t\($0)", suspicion: 0) }
    digests[30].suspicion = 3
    p.setTasks(digests)
    let visible: Set<String> = ["t1", "t2", "t3"]
    let calls = run(&p, budget: &b, from: t0, seconds: 600, focused: "t0", visible: visible)
    func count(_ arn: String) -> Int { calls.filter { $0.1 == .tables(arn) }.count }
    XCTAssertGreaterThan(count("t1"), 2 * count("t20"), "visible vs off screen")
    XCTAssertGreaterThan(count("t30"), count("t20"), "suspicious vs plain")
    for i in 1..<40 { XCTAssertGreaterThan(count("t\(i)"), 0, "every task refreshed") }
    // Never-loaded tasks go first, suspicious first among them.
    let firstBackground = calls.first { if case .tables(let a) = $0.1 { return a != "t0" } else { return false } }
    XCTAssertEqual(firstBackground?.1, .tables("t30"))
  }

  func testInventoryRetriesSoonUntilFirstLoaded() {
    var p = PollPlanner(settings: settings(), capacity: 10)
    var b = RateBudget(rate: 2, capacity: 10, now: t0)
    var got: [DMSJob] = []
    for _ in 0..<4 {
      if case .call(let j, _) = p.next(now: t0, focusedArn: nil, visible: [], budget: &b) { got.append(j) }
      if got.last == .instances { p.failed(.instances, throttled: false, now: t0, budget: &b) } else if let j = got.last { p.pageDone(j, nextMarker: nil) }
    }
    XCTAssertEqual(Set(got), [.taskList, .instances, .endpoints, .events])
    // Due again after one task-list interval (5 s), not the 5-minute inventory interval; endpoints loaded fine.
    var later: [DMSJob] = []
    for _ in 0..<3 {
      if case .call(let j, _) = p.next(now: t0.addingTimeInterval(5.01), focusedArn: nil, visible: [], budget: &b) {
        later.append(j)
        p.pageDone(j, nextMarker: nil)
      }
    }
    XCTAssertTrue(later.contains(.instances), "\(later)")
    XCTAssertFalse(later.contains(.endpoints))
  }

  /// A low rate (after a throttling storm, or configured) stretches the full list's interval; the visible rows
  /// are then due every task-list interval, yet the full list still runs whenever it is due (it was starved).
  func testVisibleRowsNeverStarveAStretchedFullList() {
    var p = PollPlanner(settings: settings(), capacity: 2)
    var b = RateBudget(rate: 0.25, capacity: 2, now: t0)
    p.setTasks((0..<3).map { TaskDigest(arn: "t\($0)", suspicion: 0) })
    // Three pages a list (the tasks, serverless configs, replications).
    let pages: (DMSJob) -> Int = { $0 == .taskList ? 3 : 1 }
    _ = run(&p, budget: &b, from: t0, seconds: 30, focused: nil, pages: pages)
    let interval = p.effectiveTaskListInterval(rate: b.rate)
    XCTAssertEqual(interval, 24, accuracy: 1e-9, "three pages at half of 0.25/s")
    let start = t0.addingTimeInterval(30)
    let calls = run(&p, budget: &b, from: start, seconds: 600, focused: nil, visible: ["t0", "t1"], pages: pages)
    let rows = calls.filter { $0.1 == .taskRows }.count
    let lists = calls.filter { $0.1 == .taskList }.map(\.0)
    XCTAssertGreaterThan(rows, 0, "the visible rows are read between full lists")
    XCTAssertGreaterThanOrEqual(lists.count, 3 * 10, "ten full lists of three pages in 10 minutes: \(lists.count) pages")
    var prev = start
    for t in lists.enumerated().filter({ $0.offset % 3 == 0 }).map(\.element) {
      // Start to start: the interval plus the list's own pages, at a quarter call a second shared by every class.
      XCTAssertLessThanOrEqual(t.timeIntervalSince(prev), 3 * interval, "a full list starts within three stretched intervals")
      prev = t
    }
  }

  func testThrottlingHalvesAndTheListIntervalStretches() {
    var p = PollPlanner(settings: settings(), capacity: 5)
    var b = RateBudget(rate: 2, capacity: 5, now: t0)
    _ = p.next(now: t0, focusedArn: nil, visible: [], budget: &b)
    p.failed(.taskList, throttled: true, now: t0, budget: &b)
    XCTAssertEqual(b.rate, 1)
    XCTAssertFalse(p.isRunning(.taskList))
    XCTAssertEqual(p.lastStart(.taskList), t0, "not retried at once")
  }
}

/// The real Poller over a simulated fleet, minutes of simulated time on a manual clock.
@MainActor
final class PollerSimulationTests: XCTestCase {
  func simulate(
    tasks: Int, minutes: Double, rate: Double = 2, burst: Double = 5, refresh: TimeInterval = 5,
    throttleAt: Double? = nil, moveFocusEvery: Double? = nil
  ) async throws -> (PollSimulation.Report, SimulatedFleet, AppController) {
    let clock = ManualClock()
    let fleet = SimulatedFleet(config: SimulatorConfig(tasks: tasks, seed: 3), clock: clock)
    var poll = PollSettings.from(refresh: refresh)
    poll.dmsCallsPerSecond = rate
    poll.dmsBurst = burst
    var sim = PollSimulation(
      clock: clock, services: ServiceBundle(dms: fleet, metrics: fleet, logs: fleet, sourceLabel: "sim"), settings: poll,
      callCount: { fleet.callCounts().filter { $0.key != "GetMetricData" && $0.key != "GetLogEvents" }.values.reduce(0, +) })
    var throttled = false
    var moved = 0.0
    sim.beforeStep = { elapsed, c in
      if let at = throttleAt, !throttled, elapsed >= at {
        fleet.injectFault("DescribeTableStatistics", nil, count: 1)
        fleet.injectFault("DescribeReplicationTasks", nil, count: 1)
        throttled = true
      }
      if let every = moveFocusEvery, elapsed >= moved + every {
        c.dispatch(.key(.down))
        moved += every
      }
    }
    let (r, c) = await sim.run(seconds: minutes * 60)
    return (r, fleet, c)
  }

  /// Calls in every window of `w` seconds stay within burst + rate × w.
  func assertWithinBudget(_ r: PollSimulation.Report, rate: Double, burst: Double, file: StaticString = #filePath, line: UInt = #line) {
    for w in [1.0, 5, 10, 60] {
      XCTAssertLessThanOrEqual(Double(r.busiest(window: w)), burst + rate * w + 1e-9, "window \(w) s", file: file, line: line)
    }
  }

  func testHundredTasksTenMinutes() async throws {
    let (r, _, c) = try await simulate(tasks: 100, minutes: 10)
    assertWithinBudget(r, rate: 2, burst: 5)
    XCTAssertGreaterThan(r.calls.count, 600, "the spare budget is used")
    XCTAssertLessThanOrEqual(r.maxFocusedAge, 2 * 5, "focused statistics never older than 2 poll intervals")
    XCTAssertEqual(r.loaded, 100, "every task's statistics loaded")
    // Tasks that are not running (and were not at their read) cannot change: they keep their statistics
    // and are current as of the last list; the rest are re-read.
    XCTAssertLessThan(r.currentAges.values.max() ?? .infinity, 300, "worst-case age of what is known")
    XCTAssertFalse(c.state.fleet.budget?.isThrottled ?? true)
  }

  func testFiveThousandTasksTenMinutesStaysInBudget() async throws {
    let (r, fleet, c) = try await simulate(tasks: 5000, minutes: 10, moveFocusEvery: 90)
    // The TASKS age is judged against the stretched interval: a 50-page list every ~50 s is not STALE.
    XCTAssertGreaterThanOrEqual(c.state.fleet.sources[.tasks]?.interval ?? 0, 50)
    c.dispatch(.tick(c.clock.now()))
    XCTAssertFalse(c.state.isStale(.tasks))
    assertWithinBudget(r, rate: 2, burst: 5)
    XCTAssertLessThanOrEqual(Double(r.calls.count), 5 + 2 * 600)
    XCTAssertLessThanOrEqual(r.maxFocusedAge, 2 * 5, "focused statistics never older than 2 poll intervals")
    // 50 pages per task list: it may use half the budget, so it is listed about every 50 s.
    let lists = fleet.callCounts()["DescribeReplicationTasks"] ?? 0
    XCTAssertGreaterThanOrEqual(lists, 8 * 50)
    XCTAssertLessThanOrEqual(lists, 13 * 50)
    // Every background refresh went to a different task: round-robin, no task twice before the rest
    // (the focused task's own refreshes, one per 5 s, are the repeats).
    let tableCalls = fleet.callCounts()["DescribeTableStatistics"] ?? 0
    XCTAssertGreaterThanOrEqual(r.loaded, tableCalls - 600 / 5)
    XCTAssertGreaterThan(r.loaded, 300, "the spare budget goes to table statistics")
    XCTAssertEqual(r.worstAge, .infinity, "10 minutes are not enough for 5,000 tasks at 2 calls/s: reported as never")
  }

  func testThrottlingHalvesShowsBadgeAndRecovers() async throws {
    let (r, _, c) = try await simulate(tasks: 50, minutes: 0.5, throttleAt: 20)
    guard let b = r.budget else { return XCTFail() }
    XCTAssertGreaterThanOrEqual(b.throttles, 1)
    XCTAssertLessThan(b.rate, 2, "still below the configured rate 10 s later")
    XCTAssertEqual(c.state.fleet.budget?.rate ?? 0, b.rate, accuracy: 1e-9, "the header knows the rate")
    XCTAssertTrue(c.state.fleet.budget?.isThrottled ?? false)
    assertWithinBudget(r, rate: 2, burst: 5)
    // Recovery: a few minutes later the configured rate is back.
    let (r2, _, c2) = try await simulate(tasks: 50, minutes: 3, throttleAt: 20)
    XCTAssertEqual(r2.budget?.rate, 2)
    XCTAssertFalse(c2.state.fleet.budget?.isThrottled ?? true)
  }
}
