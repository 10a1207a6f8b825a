import DMSSimulator
import DMSWatchEngine
import DMSWatchModel
import Foundation
import TestKit
import XCTest

@testable import DMSWatchApp

/// Calls in every window of `w` seconds stay within burst + rate × w.
func assertNeverAboveBudget(_ calls: [Date], rate: Double, burst: Double, file: StaticString = #filePath, line: UInt = #line) {
  for w in [1.0, 5, 10, 60] {
    var j = 0
    var worst = 0
    for i in calls.indices {
      while calls[i].timeIntervalSince(calls[j]) >= w { j += 1 }
      worst = max(worst, i - j + 1)
    }
    XCTAssertLessThanOrEqual(Double(worst), burst + rate * w + 1e-9, "window \(w) s", file: file, line: line)
  }
}

/// The planner's guarantees without any service: fairness between classes, inventory first, rows.
final class FairPlannerTests: XCTestCase {
  let t0 = Date(timeIntervalSince1970: 1_790_000_000)

  /// Answers every call with one page (or `pages(job)` pages) and records the calls.
  func drive(
    _ p: inout PollPlanner, _ b: inout RateBudget, seconds: Double, focused: String?, visible: Set<String> = [],
    pages: (DMSJob) -> Int = { _ in 1 }
  ) -> [(Date, DMSJob)] {
    drivePlanner(&p, budget: &b, from: t0, seconds: seconds, focused: focused, visible: visible, pages: pages)
  }

  func settings() -> PollSettings {
    var s = PollSettings.from(refresh: 5)
    s.inventory = 300
    return s
  }

  /// A focused task with 40 pages a round (20,000 tables) and a 10-page task list, inventory and
  /// background all wanting calls: each class gets at least its share, and the focused task does not
  /// take everything.
  func testEveryClassGetsItsShareUnderABigFocus() {
    var p = PollPlanner(settings: settings(), capacity: 5)
    var b = RateBudget(rate: 2, capacity: 5, now: t0)
    p.setTasks([TaskDigest(arn: "big", suspicion: 0)] + (0..<1000).map { TaskDigest(arn: "t\($0)", suspicion: 0) })
    let calls = drive(&p, &b, seconds: 600, focused: "big", pages: { job in
      switch job {
      case .tables("big"): 40
      case .taskList: 10
      case .instances, .endpoints: 3
      default: 1
      }
    })
    let total = Double(calls.count)
    XCTAssertLessThanOrEqual(total, 5 + 2 * 600)
    func share(_ f: (DMSJob) -> Bool) -> Double { Double(calls.filter { f($0.1) }.count) / total }
    let focused = share { $0 == .tables("big") }
    let list = share { $0 == .taskList }
    let background = share { if case .tables(let a) = $0 { a != "big" } else { false } }
    XCTAssertGreaterThanOrEqual(focused, 0.25, "the focused task keeps a large share")
    XCTAssertLessThan(focused, 0.75, "but not everything")
    XCTAssertGreaterThan(list, 0.05, "the task list is listed")
    XCTAssertGreaterThanOrEqual(background, 0.2, "background tables keep their share")
    // The task list completes at least every 3 of its (stretched) intervals.
    XCTAssertGreaterThan(calls.filter { $0.1 == .taskList }.count, 50)
    let interval = p.effectiveTaskListInterval(rate: 2)
    var last = t0
    for c in calls where c.1 == .taskList {
      XCTAssertLessThanOrEqual(c.0.timeIntervalSince(last), 3 * interval, "the task list is never starved")
      last = c.0
    }
  }

  /// Until the inventory has loaded once it goes before any table statistics.
  func testInventoryBeforePerTaskWorkAtStartUp() {
    var p = PollPlanner(settings: settings(), capacity: 5)
    var b = RateBudget(rate: 2, capacity: 5, now: t0)
    p.setTasks([TaskDigest(arn: "big", suspicion: 0), TaskDigest(arn: "t1", suspicion: 0)])
    let calls = drive(&p, &b, seconds: 30, focused: "big", pages: { job in
      switch job {
      case .tables("big"): 40
      case .instances, .endpoints: 12
      default: 1
      }
    })
    guard let lastInventory = calls.lastIndex(where: { $0.1 == .endpoints || $0.1 == .instances }),
      let firstTables = calls.firstIndex(where: { if case .tables = $0.1 { true } else { false } })
    else { return XCTFail("no inventory or no tables in \(calls.map(\.1))") }
    XCTAssertLessThan(lastInventory, firstTables, "24 inventory pages before the first table page")
    XCTAssertLessThan(calls[lastInventory].0.timeIntervalSince(t0), 20, "inventory loaded within the first seconds")
  }

  /// Quiet tasks wait for the safety net; tasks with changes are due after the normal minimum age.
  func testQuietTasksCostNothingChangedOnesGoFirst() {
    var p = PollPlanner(settings: settings(), capacity: 5)
    var b = RateBudget(rate: 2, capacity: 5, now: t0)
    p.setTasks((0..<20).map { TaskDigest(arn: "t\($0)", suspicion: 0) })
    // First round: everything once.
    _ = drive(&p, &b, seconds: 60, focused: nil)
    for i in 0..<20 { p.updateActivity(arn: "t\(i)", i < 3 ? .changed : .quiet) }
    let start = t0.addingTimeInterval(60)
    var now = start
    var tables: [String] = []
    while now < start.addingTimeInterval(600) {
      switch p.next(now: now, focusedArn: nil, visible: [], budget: &b) {
      case .call(let job, _):
        if case .tables(let a) = job { tables.append(a) }
        p.pageDone(job, nextMarker: nil)
        now = now.addingTimeInterval(0.05)
      case .wait(let until): now = until
      }
    }
    XCTAssertEqual(Set(tables), ["t0", "t1", "t2"], "only the tasks with changes are read (quiet ones within their 30-minute safety net)")
    XCTAssertGreaterThanOrEqual(tables.filter { $0 == "t0" }.count, 5, "and read every few minutes")
  }

  /// Rows asked for (an event) are read with one filtered call, before the rest of a long listing.
  func testRowsRequestedGoInOneCallBetweenListPages() {
    var p = PollPlanner(settings: settings(), capacity: 5)
    var b = RateBudget(rate: 2, capacity: 5, now: t0)
    p.setTasks((0..<5).map { TaskDigest(arn: "t\($0)", suspicion: 0) })
    guard case .call(.taskList, nil) = p.next(now: t0, focusedArn: nil, visible: [], budget: &b) else { return XCTFail() }
    p.pageDone(.taskList, nextMarker: "m1")
    p.requestRows(["t3", "t4", "t3"])
    var order: [DMSJob] = []
    for _ in 0..<6 {
      guard case .call(let j, let m) = p.next(now: t0.addingTimeInterval(5), focusedArn: nil, visible: [], budget: &b) else { break }
      order.append(j)
      if j == .taskRows { XCTAssertEqual(p.rowsInFlight, ["t3", "t4"], "one call for both, once") }
      if j == .taskList { XCTAssertEqual(m, "m1", "the listing continues where it was") }
      p.pageDone(j, nextMarker: nil)
    }
    guard let rows = order.firstIndex(of: .taskRows) else { return XCTFail("\(order)") }
    XCTAssertLessThan(rows, order.firstIndex(of: .taskList) ?? .max, "rows before the rest of the listing: \(order)")
    XCTAssertEqual(order.filter { $0 == .taskRows }.count, 1)
  }
}

@MainActor
final class EventBox {
  var events: [EngineEvent] = []
}

/// The real engine lane on a manual clock against the simulated fleet.
@MainActor
final class FleetFreshnessTests: XCTestCase {
  /// Index of a curated task that is running in CDC for `seed` (the first 12 are a fixed set).
  func runningIndex(seed: UInt64) async throws -> Int {
    let fleet = SimulatedFleet(config: SimulatorConfig(tasks: 12, seed: seed), clock: ManualClock())
    let tasks = try await fleet.allReplicationTasks()
    guard let i = tasks.firstIndex(where: { $0.status == TaskStatus.running && $0.migration != .fullLoad }) else {
      throw XCTSkip("no running task")
    }
    return i
  }

  /// At 1,000 tasks the full listing is stretched and the visible page is read again between listings; what it
  /// publishes is the rows that changed (a task stopped at DMS among them), never the whole list again, and each
  /// with the last full listing's time.
  func testARefreshedPagePublishesOnlyItsChangedRows() async throws {
    let clock = ManualClock()
    let fleet = SimulatedFleet(config: SimulatorConfig(tasks: 1000, seed: 3, activity: .realistic), clock: clock)
    let all = try await fleet.allReplicationTasks()
    let visible = Array(all.prefix(20).map(\.arn))
    guard let victim = all.prefix(20).first(where: { $0.status == TaskStatus.running }) else { return XCTFail("no running task") }
    let box = EventBox()
    let services = ServiceBundle(dms: fleet, metrics: fleet, logs: fleet, sourceLabel: "sim")
    let engine = ScopeEngine(services: services, clock: clock, settings: PollSettings.from(refresh: 5)) { e in box.events.append(e) }
    engine.setDemand(Demand(focused: nil, visible: visible))
    let start = clock.now()
    var fullListAt: Date?
    var pages: [([ReplicationTask], Date)] = []
    var stopped = false
    while clock.now() < start.addingTimeInterval(180) {
      if !stopped, fullListAt != nil {
        _ = try await fleet.stopReplicationTask(arn: victim.arn)
        stopped = true
      }
      let step = await engine.runDMSStep()
      for e in box.events {
        switch e {
        case .tasksLoaded(_, let list, let at):
          XCTAssertEqual(list.count, all.count, "a full listing carries every task")
          fullListAt = at
        case .tasksChanged(_, let rows, let at):
          pages.append((rows, at))
          XCTAssertEqual(at, fullListAt, "a page keeps the full listing's time")
        default: break
        }
      }
      box.events = []
      switch step {
      case .call: clock.advance(0.05)
      case .wait(let until): clock.set(max(until, clock.now().addingTimeInterval(0.001)))
      }
    }
    XCTAssertFalse(pages.isEmpty, "the visible page was read again and something on it changed")
    XCTAssertTrue(pages.contains { $0.0.contains { visible.contains($0.arn) } }, "rows of the visible page among them")
    for (rows, _) in pages {
      // The rows asked for are the visible page and tasks named by events, at most one filtered call's worth.
      XCTAssertLessThanOrEqual(rows.count, PollPlanner.rowsPerCall, "never more than one call asked for")
      XCTAssertEqual(Set(rows.map(\.arn)).count, rows.count, "each row once")
    }
    let seen = pages.flatMap(\.0).filter { $0.arn == victim.arn }.map(\.status)
    XCTAssertTrue(seen.contains { $0 == TaskStatus.stopping || $0 == TaskStatus.stopped }, "the stop shows through a page: \(seen)")
  }

  /// A 20,000-table focused task and 1,000 others at 2 calls/s: the inventory loads within seconds,
  /// the task list is never older than 3 of its intervals, a task stopped at DMS shows stopped within
  /// one task-list interval, and no 1/5/10/60 s window goes above the budget.
  func testBigFocusStarvesNothing() async throws {
    let seed: UInt64 = 5
    let big = try await runningIndex(seed: seed)
    let clock = ManualClock()
    var config = SimulatorConfig(tasks: 1001, seed: seed, activity: .realistic)
    config.tableCounts = [big: 20_000]
    let fleet = SimulatedFleet(config: config, clock: clock)
    let all = try await fleet.allReplicationTasks()
    let bigArn = all[big].arn
    guard let victim = all.dropFirst(20).first(where: { $0.status == TaskStatus.running }) else { return XCTFail("no running task") }
    let start = clock.now()
    var inventoryAt: Date?
    var listTimes: [Date] = []
    var shownStoppedAt: Date?
    var focusedLoads = 0
    let box = EventBox()
    let services = ServiceBundle(dms: fleet, metrics: fleet, logs: fleet, sourceLabel: "sim")
    let engine = ScopeEngine(services: services, clock: clock, settings: PollSettings.from(refresh: 5)) { e in
      box.events.append(e)
    }
    // The focus is on the big task from the start (as with --task at start-up).
    engine.setDemand(Demand(focused: bigArn, visible: all.prefix(40).map(\.arn)))
    var calls: [Date] = []
    var lastCount = 0
    func dmsCalls() -> Int { fleet.callCounts().filter { $0.key != "GetMetricData" && $0.key != "GetLogEvents" }.values.reduce(0, +) }
    lastCount = dmsCalls()  // the test's own listing above is not the engine's
    var stopAt: Date?
    var maxListAgeRatio = 0.0
    var nextMetrics = start
    while clock.now() < start.addingTimeInterval(600) {
      let now = clock.now()
      if stopAt == nil, now.timeIntervalSince(start) >= 300 {
        _ = try await fleet.stopReplicationTask(arn: victim.arn)
        lastCount = dmsCalls()  // the stop is the test's call, not the engine's
        stopAt = now
      }
      if now >= nextMetrics {
        await engine.pollMetrics()
        nextMetrics = now.addingTimeInterval(30)
      }
      let step = await engine.runDMSStep()
      let n = dmsCalls()
      if n > lastCount { calls += Array(repeating: clock.now(), count: n - lastCount) }
      lastCount = n
      for e in box.events {
        switch e {
        case .inventoryLoaded: if inventoryAt == nil { inventoryAt = clock.now() }
        case .tasksLoaded(_, let list, let at), .tasksChanged(_, let list, let at):
          if listTimes.last != at { listTimes.append(at) }
          if stopAt != nil, shownStoppedAt == nil, list.first(where: { $0.arn == victim.arn })?.status == TaskStatus.stopped {
            shownStoppedAt = clock.now()
          }
        case .tablesLoaded(_, let arn, _, _): if arn == bigArn { focusedLoads += 1 }
        default: break
        }
      }
      box.events = []
      if let last = listTimes.last {
        let interval = engine.planner.effectiveTaskListInterval(rate: engine.budget.rate)
        maxListAgeRatio = max(maxListAgeRatio, clock.now().timeIntervalSince(last) / interval)
      }
      switch step {
      case .call: clock.advance(0.05)
      case .wait(let until): clock.set(max(min(until, nextMetrics), clock.now().addingTimeInterval(0.001)))
      }
    }
    let interval = engine.planner.effectiveTaskListInterval(rate: 2)
    XCTAssertLessThanOrEqual(inventoryAt.map { $0.timeIntervalSince(start) } ?? .infinity, 15, "inventory within the first seconds")
    XCTAssertLessThanOrEqual(maxListAgeRatio, 3, "task list never older than 3 intervals (\(interval) s)")
    XCTAssertGreaterThan(Double(listTimes.count), 600 / (3 * interval), "the full list keeps coming")
    guard let stopAt, let shown = shownStoppedAt else { return XCTFail("the stopped task was never shown stopped") }
    // DMS reports it stopped 3–8 s after the request; then it must show within one task-list interval.
    XCTAssertLessThanOrEqual(shown.timeIntervalSince(stopAt), 8 + interval, "stopped at DMS → shown stopped")
    XCTAssertGreaterThanOrEqual(focusedLoads, 4, "the 20,000-table task is still read in full, round after round")
    assertNeverAboveBudget(calls, rate: 2, burst: 5)
  }

  /// 1,000 tasks, most idle, some busy, 30 simulated minutes at 2 calls/s with CloudWatch deciding
  /// which tasks need a DMS call: p95 age of what is known ≤ 5 min, max ≤ 15 min, and every task whose
  /// counters changed read within 5 minutes of the change once the first round is done.
  func testThousandTasksFreshWithinFiveMinutes() async throws {
    let clock = ManualClock()
    let fleet = SimulatedFleet(config: SimulatorConfig(tasks: 1000, seed: 11, activity: .realistic), clock: clock)
    var sim = PollSimulation(
      clock: clock, services: ServiceBundle(dms: fleet, metrics: fleet, logs: fleet, sourceLabel: "sim"),
      settings: PollSettings.from(refresh: 5),
      callCount: { fleet.callCounts().filter { $0.key != "GetMetricData" && $0.key != "GetLogEvents" }.values.reduce(0, +) })
    sim.metrics = true
    var firstRoundDone: TimeInterval?
    var nextSample = 0.0
    var worstLate = 0.0
    var lateTasks = Set<String>()
    var checkedChanges = 0
    sim.beforeStep = { elapsed, c in
      guard elapsed >= nextSample else { return }
      nextSample = elapsed + 10
      let loaded = c.state.fleet.tables.values.filter { $0.loadedAt != nil }.count
      if firstRoundDone == nil, loaded >= c.state.fleet.tasks.count, !c.state.fleet.tasks.isEmpty { firstRoundDone = elapsed }
      guard let done = firstRoundDone, elapsed > done + 300 else { return }
      var reads: [String: Date] = [:]
      for t in c.state.fleet.tasks { if let at = c.state.fleet.tables[t.arn]?.loadedAt { reads[t.arn] = at } }
      let now = c.clock.now()
      for (arn, change) in fleet.firstChanges(after: reads) where change < now {
        checkedChanges += 1
        let late = now.timeIntervalSince(change)
        worstLate = max(worstLate, late)
        if late > 300 + 10 { lateTasks.insert(arn) }
      }
    }
    let (r, _) = await sim.run(seconds: 1800)
    let ages = r.currentAges.values.sorted()
    XCTAssertEqual(ages.count, 1000)
    let p95 = ages[Int(Double(ages.count) * 0.95) - 1]
    XCTAssertLessThanOrEqual(p95, 300, "p95 age of what is known about a task's tables")
    XCTAssertLessThanOrEqual(ages.last ?? .infinity, 900, "max age")
    XCTAssertNotNil(firstRoundDone, "every task read once")
    XCTAssertGreaterThan(checkedChanges, 1000, "the check saw changing tasks")
    XCTAssertTrue(lateTasks.isEmpty, "tasks with changes not read within 5 min: \(lateTasks.count), worst \(Int(worstLate)) s")
    assertNeverAboveBudget(r.calls, rate: 2, burst: 5)
    // CloudWatch decided: far fewer DMS table calls than a round-robin over every task would make.
    XCTAssertGreaterThan(r.metricCalls, 0)
  }
}

/// The evidence rules that decide which tasks need a DMS call.
final class ActivityTrackerTests: XCTestCase {
  let t0 = Date(timeIntervalSince1970: 1_790_000_040)

  func task(_ status: String, loaded: Int? = nil, loading: Int? = nil) -> ReplicationTask {
    var t = ReplicationTask(identifier: "t", arn: "arn:t", status: status, migrationType: "cdc")
    t.stats = ReplicationTaskStats(tablesLoaded: loaded, tablesLoading: loading)
    return t
  }

  func testThroughputAfterTheReadIsAChangeZerosAreQuiet() {
    var a = ActivityTracker()
    XCTAssertEqual(a.activity("arn:t"), .unknown, "never read")
    a.read("arn:t", at: t0)
    XCTAssertEqual(a.activity("arn:t"), .unknown, "no evidence yet")
    // Zeros for the minute of the read and the next two: quiet up to the end of the last minute seen.
    let m = Date(timeIntervalSince1970: 1_790_000_000)
    a.observeThroughput("arn:t", [0, 60, 120].map { SeriesPoint(time: m.addingTimeInterval($0), value: 0) }, end: m.addingTimeInterval(150))
    XCTAssertEqual(a.activity("arn:t"), .quiet)
    XCTAssertEqual(a.currentAt("arn:t"), m.addingTimeInterval(150), "current up to the reading, never beyond")
    // One busy minute later: changed; the read time is what is known.
    a.observeThroughput("arn:t", [SeriesPoint(time: m.addingTimeInterval(180), value: 3.5)], end: m.addingTimeInterval(200))
    XCTAssertEqual(a.activity("arn:t"), .changed)
    XCTAssertEqual(a.currentAt("arn:t"), t0)
    // A new read after the change: no longer changed.
    a.read("arn:t", at: m.addingTimeInterval(300))
    XCTAssertNotEqual(a.activity("arn:t"), .changed)
  }

  func testBusyMinuteOverlappingTheReadCountsAsAChange() {
    var a = ActivityTracker()
    a.read("arn:t", at: t0)  // 40 s into the minute
    a.observeThroughput("arn:t", [SeriesPoint(time: Date(timeIntervalSince1970: 1_790_000_000), value: 1)], end: t0.addingTimeInterval(60))
    XCTAssertEqual(a.activity("arn:t"), .changed, "changes may have come after the read within that minute")
  }

  func testTaskListEvidence() {
    var a = ActivityTracker()
    a.read("arn:t", at: t0)
    a.observeRow(old: task("stopped"), new: task("stopped"), at: t0.addingTimeInterval(30))
    XCTAssertEqual(a.activity("arn:t"), .quiet, "stopped before and after: cannot change")
    a.observeRow(old: task("stopped"), new: task("starting"), at: t0.addingTimeInterval(60))
    XCTAssertEqual(a.activity("arn:t"), .changed)
    var b = ActivityTracker()
    b.read("arn:t", at: t0)
    b.observeRow(old: task("running", loaded: 3, loading: 2), new: task("running", loaded: 3, loading: 2), at: t0.addingTimeInterval(30))
    XCTAssertEqual(b.activity("arn:t"), .changed, "a full load in progress is changing")
    var c = ActivityTracker()
    c.read("arn:t", at: t0)
    c.observeRow(old: task("running"), new: task("running"), at: t0.addingTimeInterval(30))
    XCTAssertEqual(c.activity("arn:t"), .unknown, "a running task is not judged by the list alone")
  }
}
