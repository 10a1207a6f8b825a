import DMSSimulator
import DMSWatchEngine
import DMSWatchModel
import Foundation
import TestKit
import XCTest

@testable import DMSWatchApp
import DMSWatchRules
import DMSWatchState

/// The fleet engine with several scopes, on a manual clock: each scope inside its own budget, a
/// throttled scope backing off alone, demand reaching the right lane, identity by (scope, ARN).
@MainActor
final class EngineTests: XCTestCase {
  func fleet(_ clock: ManualClock, region: String, account: String, seed: UInt64 = 5, tasks: Int = 100) -> SimulatedFleet {
    var cfg = SimulatorConfig(tasks: tasks, seed: seed)
    cfg.region = region
    cfg.account = account
    return SimulatedFleet(config: cfg, clock: clock)
  }

  func bundle(_ f: SimulatedFleet, _ id: String, label: String) -> ServiceBundle {
    ServiceBundle(
      dms: f, metrics: f, logs: f, sourceLabel: id,
      scope: ScopeInfo(id: ScopeID(id), label: label, region: f.config.region, account: f.config.account))
  }

  static func dmsCalls(_ f: SimulatedFleet) -> @Sendable () -> Int {
    { f.callCounts().filter { $0.key != "GetMetricData" && $0.key != "GetLogEvents" }.values.reduce(0, +) }
  }

  /// Two scopes of 100 tasks each for 10 simulated minutes: each stays inside its own 2 calls/s
  /// (burst 5) in every 1, 5, 10 and 60 s window, and both load their fleets.
  func testTwoScopesEachWithinItsOwnBudget() async {
    let clock = ManualClock()
    let a = fleet(clock, region: "us-east-1", account: "111111111111")
    let b = fleet(clock, region: "eu-west-1", account: "111111111111")
    let sim = PollSimulation(
      clock: clock, scopes: [bundle(a, "a", label: "A"), bundle(b, "b", label: "B")], settings: PollSettings.from(refresh: 5),
      callCounts: [Self.dmsCalls(a), Self.dmsCalls(b)])
    let (r, c) = await sim.run(seconds: 600)
    for s in [ScopeID("a"), ScopeID("b")] {
      for w in [1.0, 5, 10, 60] {
        XCTAssertLessThanOrEqual(r.busiest(window: w, scope: s), Int(2 * w + 5), "scope \(s) over its budget in a \(w) s window")
      }
      XCTAssertGreaterThan(r.callsPerMinute(scope: s), 60, "scope \(s) used its budget (\(r.callsPerMinute(scope: s))/min)")
    }
    // Together they make about twice what one scope may: the budgets are separate, not shared.
    XCTAssertGreaterThan(r.busiest(window: 60), 2 * 60 + 5)
    XCTAssertEqual(c.state.fleet.tasks.count, 200)
    XCTAssertEqual(Set(c.state.fleet.tasks.map(\.scope)), [ScopeID("a"), ScopeID("b")])
    XCTAssertEqual(Set(c.state.fleet.tasks.map(\.arn)).count, 200, "same names, different ARNs")
  }

  /// Scope B throttled on every table-statistics call: B backs off (AIMD), A keeps its pace.
  func testThrottledScopeBacksOffAlone() async {
    func run(throttleB: Bool) async -> PollSimulation.Report {
      let clock = ManualClock()
      let a = fleet(clock, region: "us-east-1", account: "1")
      let b = fleet(clock, region: "eu-west-1", account: "1")
      if throttleB { b.injectFault("DescribeTableStatistics", nil, count: 100_000) }
      let sim = PollSimulation(
        clock: clock, scopes: [bundle(a, "a", label: "A"), bundle(b, "b", label: "B")], settings: PollSettings.from(refresh: 5),
        callCounts: [Self.dmsCalls(a), Self.dmsCalls(b)])
      return await sim.run(seconds: 300).0
    }
    let calm = await run(throttleB: false)
    let storm = await run(throttleB: true)
    let aCalm = calm.callsPerMinute(scope: ScopeID("a"))
    let aStorm = storm.callsPerMinute(scope: ScopeID("a"))
    XCTAssertEqual(aStorm, aCalm, accuracy: aCalm * 0.1, "scope A is not slowed by B's throttling")
    XCTAssertEqual(storm.budgets[ScopeID("a")]?.isThrottled, false)
    XCTAssertEqual(storm.budgets[ScopeID("b")]?.isThrottled, true, "B's rate was cut")
    XCTAssertLessThan(storm.callsPerMinute(scope: ScopeID("b")), calm.callsPerMinute(scope: ScopeID("b")) * 0.6)
  }

  /// The UI's focus and visible rows reach only the lane of the scope that owns them; the engine
  /// never reads UI state, it gets the demand.
  func testDemandReachesTheOwningScopeOnly() async throws {
    let clock = ManualClock()
    let a = fleet(clock, region: "us-east-1", account: "1", tasks: 12)
    let b = fleet(clock, region: "eu-west-1", account: "1", tasks: 12)
    let c = AppController(
      state: AppState(now: clock.now()), scopes: [bundle(a, "a", label: "A"), bundle(b, "b", label: "B")], clock: clock, audit: nil)
    c.dispatch(.resize(width: 160, height: 40))
    let loaded = await c.runLanes(clock: clock) { c.state.fleet.tasks.count == 24 }
    XCTAssertTrue(loaded)
    let ea = try XCTUnwrap(c.engine.engine(for: ScopeID("a")))
    let eb = try XCTUnwrap(c.engine.engine(for: ScopeID("b")))
    // Move the selection to a task of scope B.
    var moved = false
    for _ in 0..<24 where c.state.selectedTask?.scope != ScopeID("b") {
      c.dispatch(.key(.char("j")))
      moved = true
    }
    XCTAssertTrue(moved)
    let focused = try XCTUnwrap(c.state.selectedTask)
    XCTAssertEqual(focused.scope, ScopeID("b"))
    XCTAssertEqual(eb.demand.focused, focused.arn)
    XCTAssertNil(ea.demand.focused, "A's lane is not asked for B's task")
    XCTAssertTrue(eb.demand.visible.allSatisfy { eb.owns(arn: $0) })
    XCTAssertTrue(ea.demand.visible.allSatisfy { ea.owns(arn: $0) })
    XCTAssertEqual(ea.demand.visible.count + eb.demand.visible.count, c.state.visibleTaskArns.count)
    // B's lane fetches the focused task's tables from B's fleet only.
    let beforeB = b.callCounts()["DescribeTableStatistics"] ?? 0
    let got = await c.runLanes(clock: clock) { c.state.fleet.tables[focused.arn]?.isSummary == false }
    XCTAssertTrue(got)
    XCTAssertGreaterThan(b.callCounts()["DescribeTableStatistics"] ?? 0, beforeB, "B's fleet was asked")
    // A's fleet does not hold B's task: had A's lane asked for it, the load would have failed, not arrived.
    let aArns = try await a.describeReplicationTasks(marker: nil, maxRecords: 100).items.map(\.arn)
    XCTAssertFalse(aArns.contains(focused.arn))
    XCTAssertNil(c.state.fleet.tables[focused.arn]?.error)
  }

  /// The serverless listing fails: its rows stay from the last good listing, but each is marked as such
  /// (`keptSince`), judged unknown (`dms.task.listing_stale`, never healthy) and sorted with the unknown.
  func testRowsKeptFromAFailedListingAreMarkedUnknown() async throws {
    let clock = ManualClock()
    let f = fleet(clock, region: "us-east-1", account: "1", tasks: 12)
    var b = bundle(f, "a", label: "A")
    b = ServiceBundle(dms: f, metrics: f, logs: f, sourceLabel: "a", scope: b.scope, serverless: f)
    let c = AppController(state: AppState(now: clock.now()), scopes: [b], clock: clock, audit: nil)
    c.dispatch(.resize(width: 160, height: 40))
    let loaded = await c.runLanes(clock: clock) { c.state.fleet.tasks.contains { $0.isServerless } }
    XCTAssertTrue(loaded)
    XCTAssertTrue(c.state.fleet.tasks.allSatisfy { $0.keptSince == nil })
    let listedAt = clock.now()
    f.injectFault("DescribeReplicationConfigs", ServiceError(kind: .server, code: "InternalFailure", message: "boom", httpStatus: 500), count: 100)
    c.dispatch(.key(.ctrl("r")))
    let marked = await c.runLanes(clock: clock) { c.state.fleet.tasks.contains { $0.keptSince != nil } }
    XCTAssertTrue(marked, "the kept rows are marked")
    let kept = c.state.fleet.tasks.filter { $0.isServerless }
    XCTAssertFalse(kept.isEmpty, "the rows are kept")
    for t in kept {
      let since = try XCTUnwrap(t.keptSince)
      XCTAssertLessThanOrEqual(since, listedAt.addingTimeInterval(60))
      let f = c.state.findings(for: t).first { $0.event == FindingEvent.taskListingStale }
      XCTAssertEqual(f?.severity, .unknown, t.identifier)
      XCTAssertNotEqual(c.state.health(of: t).severity, .ok, "never healthy: \(t.identifier)")
    }
    XCTAssertTrue(c.state.fleet.tasks.filter { !$0.isServerless }.allSatisfy { $0.keptSince == nil }, "the tasks were listed")
  }

  /// Two tasks with one name in two scopes: their findings, error lines and notification keys stay apart.
  func testSameNameInTwoScopesNeverMerges() {
    var s = AppState(now: Date(timeIntervalSince1970: 1_790_000_000))
    let r = Reducer()
    let ta = ReplicationTask(identifier: "orders-cdc", arn: "arn:aws:dms:us-east-1:1:task:A", status: "running", migrationType: "cdc")
    let tb = ReplicationTask(identifier: "orders-cdc", arn: "arn:aws:dms:eu-west-1:1:task:B", status: "running", migrationType: "cdc")
    _ = r.reduce(&s, .engine(.scopeChanged(ScopeInfo(id: ScopeID("a"), region: "us-east-1"), error: nil)))
    _ = r.reduce(&s, .engine(.scopeChanged(ScopeInfo(id: ScopeID("b"), region: "eu-west-1"), error: nil)))
    _ = r.reduce(&s, .engine(.tasksLoaded(ScopeID("a"), [ta], at: s.now)))
    _ = r.reduce(&s, .engine(.tasksLoaded(ScopeID("b"), [tb], at: s.now)))
    XCTAssertEqual(s.fleet.tasks.count, 2, "one scope's list does not replace the other's")
    // A new list of scope B keeps scope A's task.
    _ = r.reduce(&s, .engine(.tasksLoaded(ScopeID("b"), [tb], at: s.now)))
    XCTAssertEqual(s.fleet.tasks.map(\.scope).sorted(), [ScopeID("a"), ScopeID("b")])
    // An error line of B's task is B's only.
    let line = LogEntry(time: s.now, source: .log, severity: .error, component: "TARGET_APPLY", text: "boom", task: "orders-cdc", taskArn: tb.arn)
    _ = r.reduce(&s, .engine(.logLoaded(ScopeID("b"), [line], at: s.now)))
    let fa = s.findings(for: s.fleet.tasks.first { $0.arn == ta.arn }!)
    let fb = s.findings(for: s.fleet.tasks.first { $0.arn == tb.arn }!)
    XCTAssertFalse(fa.contains { $0.event == FindingEvent.taskErrorsLogged }, "A's task did not log the error")
    XCTAssertTrue(fb.contains { $0.event == FindingEvent.taskErrorsLogged })
    XCTAssertTrue(Set(fa.map(\.key)).isDisjoint(with: fb.map(\.key)), "notification keys differ")
    // A failed scope's error does not touch the other's status.
    _ = r.reduce(&s, .engine(.sourceFailed(ScopeID("a"), .tasks, message: "ExpiredToken", at: s.now)))
    XCTAssertEqual(s.fleet.scopeSources[ScopeID("a")]?[.tasks]?.lastError, "ExpiredToken")
    XCTAssertNil(s.fleet.scopeSources[ScopeID("b")]?[.tasks]?.lastError)
  }

  /// A reload of 250 tables whose third chunk fails reports exactly which 200 DMS accepted.
  func testPartialReloadIsReportedExactly() async throws {
    let clock = ManualClock()
    let f = fleet(clock, region: "us-east-1", account: "1", tasks: 1)
    let recorder = ReloadRecorder(failOnCall: 3)
    let services = ServiceBundle(dms: f, metrics: f, logs: f, sourceLabel: "a", scope: ScopeInfo(id: ScopeID("a")), backends: [recorder])
    let engine = ScopeEngine(services: services, clock: clock, settings: PollSettings()) { _ in }
    let arn = ReloadRecorder.task.arn
    for _ in 0..<100 where !engine.owns(arn: arn) {
      _ = await engine.runDMSStep()
      clock.advance(0.1)
    }
    XCTAssertTrue(engine.owns(arn: arn))
    let tables = (0..<250).map { TableRef(schema: "s", table: "t\($0)") }
    let out = await engine.perform(.reload(arn: arn, task: "only", tables: tables, option: .dataReload))
    XCTAssertEqual(recorder.calls, 3, "sent once per chunk, never re-sent")
    XCTAssertEqual(out.partial?.accepted.count, 200)
    XCTAssertEqual(out.partial?.notAccepted.count, 50)
    XCTAssertEqual(out.partial?.accepted.last, TableRef(schema: "s", table: "t199"))
    XCTAssertFalse(out.outcomeUnknown)
    XCTAssertNotNil(out.error)
  }
}

/// A backend that lists the simulator's tasks and records reloads, failing the n-th.
final class ReloadRecorder: ReplicationBackend, @unchecked Sendable {
  private let lock = NSLock()
  private var n = 0
  let failOnCall: Int
  init(failOnCall: Int) { self.failOnCall = failOnCall }
  var calls: Int { lock.withLock { n } }
  static let task = ReplicationTask(identifier: "only", arn: "arn:aws:dms:us-east-1:1:task:ONLY", status: "running", migrationType: "cdc")
  var listOperation: String { "DescribeReplicationTasks" }
  func owns(_ task: ReplicationTask) -> Bool { true }
  func listPage(marker: String?) async throws -> Page<ReplicationTask> {
    Page(items: [Self.task], marker: nil)
  }
  func tableStatisticsPage(task: ReplicationTask, marker: String?) async throws -> Page<TableStatistics> { Page(items: [], marker: nil) }
  func metricQueries(for task: ReplicationTask, inventory: Inventory, idPrefix: String) -> [TaskMetricQuery]? { nil }
  func logStream(for task: ReplicationTask, inventory: Inventory) -> LogStreamRef? { nil }
  func start(_ task: ReplicationTask, type: StartTaskType, from: CdcStartPoint?) async throws {}
  func stop(_ task: ReplicationTask) async throws {}
  func reload(_ task: ReplicationTask, tables: [TableRef], option: ReloadOption) async throws {
    let k = lock.withLock {
      n += 1
      return n
    }
    if k == failOnCall {
      throw ServiceError(kind: .invalidState, code: "InvalidResourceStateFault", message: "too many tables reloading")
    }
  }
}

/// Issue 12: `t` tests a task's source and target endpoint connections (TestConnection once each,
/// then DescribeConnections until neither is `testing`) and says what each answered.
@MainActor
final class ConnectionTestEngineTests: XCTestCase {
  func engine(_ clock: ManualClock, _ f: SimulatedFleet) async -> ScopeEngine {
    let services = ServiceBundle(dms: f, metrics: f, logs: f, sourceLabel: "a", scope: ScopeInfo(id: ScopeID("a")))
    let e = ScopeEngine(services: services, clock: clock, settings: PollSettings()) { _ in }
    e.actionSleep = { clock.advance($0) }
    for _ in 0..<400 where e.tasks.count < 12 || e.inventory.endpoints.isEmpty {
      _ = await e.runDMSStep()
      clock.advance(0.5)
    }
    return e
  }

  func testEachEndpointIsTestedOnceAndTheResultIsSaid() async throws {
    let clock = ManualClock()
    let f = SimulatedFleet(config: SimulatorConfig(tasks: 12, seed: 1), clock: clock)
    let e = await engine(clock, f)
    let ok = try XCTUnwrap(e.tasks.first { $0.status == TaskStatus.running && $0.kind == .task })
    let before = f.callCounts()
    let out = await e.perform(.testConnections(arn: ok.arn, task: ok.identifier))
    XCTAssertNil(out.error)
    let after = f.callCounts()
    XCTAssertEqual((after["TestConnection"] ?? 0) - (before["TestConnection"] ?? 0), 2, "source and target, each sent once")
    XCTAssertGreaterThanOrEqual((after["DescribeConnections"] ?? 0) - (before["DescribeConnections"] ?? 0), 1)
    let src = try XCTUnwrap(e.inventory.endpoints[ok.sourceEndpointArn ?? ""]?.identifier)
    XCTAssertEqual(out.detail?.hasPrefix("source \(src): successful; target "), true, out.detail ?? "")
    XCTAssertEqual(out.detail?.hasSuffix(": successful"), true, out.detail ?? "")
  }

  func testTheSourceOfAFailedTaskFailsWithDMSsMessage() async throws {
    let clock = ManualClock()
    let f = SimulatedFleet(config: SimulatorConfig(tasks: 12, seed: 1), clock: clock)
    let e = await engine(clock, f)
    let failed = try XCTUnwrap(e.tasks.first { $0.status == TaskStatus.failed })
    let out = await e.perform(.testConnections(arn: failed.arn, task: failed.identifier))
    XCTAssertEqual(out.detail?.contains(": failed — Test connection for endpoint"), true, out.detail ?? "")
    // The reducer says it as critical and keeps it for the detail view.
    var s = AppState(now: clock.now())
    let r = Reducer()
    _ = r.reduce(&s, .tasksLoaded(e.tasks, at: clock.now()))
    _ = r.reduce(&s, .commandFinished(.testConnections(arn: failed.arn, task: failed.identifier), error: nil, detail: out.detail, at: clock.now()))
    XCTAssertEqual(s.message?.severity, .critical)
    XCTAssertEqual(s.fleet.connectionResults[failed.arn]?.failed, true)
  }

  func testServerlessAndReadOnlyAreRefusedBeforeAnythingIsSent() {
    var s = AppState(now: Date())
    let r = Reducer()
    var sl = ReplicationTask(identifier: "orders-sl", arn: "arn:aws:dms:us-east-1:1:replication-config:X", status: "running", migrationType: "cdc")
    sl.kind = .serverless
    _ = r.reduce(&s, .tasksLoaded([sl], at: Date()))
    XCTAssertEqual(r.reduce(&s, .key(.char("t"))).effects, [.audit("refused: orders-sl is a serverless replication: no replication instance to test its endpoints from")])
    s.readOnly = true
    XCTAssertEqual(r.reduce(&s, .key(.char("t"))).effects, [.audit("refused (read-only): testConnection")])
  }
}

/// Issue 12: the log of a task that failed is read from an hour before it stopped, so the E: lines
/// before the stop are in LOG when the triage hint says to read them.
final class LogBackfillTests: XCTestCase {
  func testAFailedTaskIsReadFromAnHourBeforeItStopped() {
    let now = Date(timeIntervalSince1970: 1_790_000_000)
    var t = ReplicationTask(identifier: "a", arn: "arn:a", status: TaskStatus.failed, migrationType: "cdc")
    var st = ReplicationTaskStats()
    st.stopDate = now.addingTimeInterval(-7200)
    t.stats = st
    XCTAssertEqual(ScopeEngine.logBackfillStart(t, now: now), now.addingTimeInterval(-10_800))
    t.stats?.stopDate = now.addingTimeInterval(-60)
    XCTAssertEqual(ScopeEngine.logBackfillStart(t, now: now), now.addingTimeInterval(-3660))
    t.status = TaskStatus.running
    XCTAssertEqual(ScopeEngine.logBackfillStart(t, now: now), now.addingTimeInterval(-900), "a running task: the last 15 minutes")
  }
}
