import DMSWatchEngine
import TestKit
import DMSWatchModel
import Foundation
import XCTest

@testable import DMSWatchApp
import DMSWatchReports
import DMSWatchState

@MainActor
final class AppControllerTests: XCTestCase {
  var tmp: URL!

  override func setUp() async throws {
    tmp = FileManager.default.temporaryDirectory.appendingPathComponent("dmswatch-apptests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
  }

  override func tearDown() async throws {
    try? FileManager.default.removeItem(at: tmp)
  }

  func makeController(_ fake: FakeDMS, readOnly: Bool = false) -> (AppController, AuditLog, ManualClock) {
    let clock = ManualClock()
    let audit = AuditLog(path: tmp.appendingPathComponent("audit.log").path, source: "test", environment: ["USER": "oncall"])
    var state = AppState(now: clock.now())
    state.readOnly = readOnly
    let c = AppController(
      state: state, services: ServiceBundle(dms: fake, metrics: fake, logs: fake, sourceLabel: "fake"), clock: clock,
      audit: audit, poll: PollSettings())
    c.dispatch(.resize(width: 120, height: 40))
    return (c, audit, clock)
  }

  func auditLines() throws -> [AuditLog.Record] {
    let text = try String(contentsOf: tmp.appendingPathComponent("audit.log"), encoding: .utf8)
    return try text.split(separator: "\n").map { try JSONDecoder().decode(AuditLog.Record.self, from: Data($0.utf8)) }
  }

  /// Waits for `cond`; a timeout is a test failure (it used to return silently and let the asserts after it pass or fail by luck).
  func waitUntil(
    _ cond: @escaping @MainActor () -> Bool, timeout: TimeInterval = 3, _ what: String = "the condition",
    file: StaticString = #filePath, line: UInt = #line
  ) async {
    let deadline = Date().addingTimeInterval(timeout)
    while !cond() {
      if Date() >= deadline {
        XCTFail("timed out after \(timeout) s waiting for \(what)", file: file, line: line)
        return
      }
      try? await Task.sleep(nanoseconds: 5_000_000)
    }
  }

  /// The task list and the inventory, through the real lane on the manual clock.
  func loadTasks(_ c: AppController, _ clock: ManualClock, file: StaticString = #filePath, line: UInt = #line) async {
    let ok = await c.runLanes(clock: clock) { c.state.fleet.sources[.tasks]?.lastSuccess != nil && !c.state.fleet.instances.isEmpty }
    XCTAssertTrue(ok, "the lane never loaded the task list and inventory", file: file, line: line)
  }

  /// The focused task's table statistics (loaded or failed), through the lane.
  func loadFocusedTables(_ c: AppController, _ clock: ManualClock, after: Date? = nil, file: StaticString = #filePath, line: UInt = #line) async {
    let since = after ?? .distantPast
    let ok = await c.runLanes(clock: clock) {
      (c.state.fleet.sources[.tables]?.lastSuccess ?? .distantPast) > since || (c.state.fleet.sources[.tables]?.lastErrorAt ?? .distantPast) > since
    }
    XCTAssertTrue(ok, "the lane never loaded the focused task's tables", file: file, line: line)
  }

  func testPollTasksLoadsAllPagesAndSelectsFirstTask() async throws {
    let fake = FakeDMS(taskCount: 250)
    let (c, _, clock) = makeController(fake)
    await loadTasks(c, clock)
    XCTAssertEqual(c.state.fleet.tasks.count, 250)
    XCTAssertEqual(fake.callCount("DescribeReplicationTasks"), 3, "100 per page")
    XCTAssertEqual(c.state.selectedTask?.identifier, "task-0")
    XCTAssertEqual(c.state.fleet.instances.count, 1)
    XCTAssertNotNil(c.state.fleet.sources[.tasks]?.lastSuccess)
  }

  func testStopAsksFirstAndNoDoesNothing() async throws {
    let fake = FakeDMS(taskCount: 3)
    let (c, _, clock) = makeController(fake)
    await loadTasks(c, clock)
    c.dispatch(.key(.char("x")))
    guard case .confirm(let conf) = c.state.overlay else { return XCTFail("expected a confirmation") }
    XCTAssertFalse(conf.yesSelected, "default is No")
    c.dispatch(.key(.enter))  // Enter on the default button = No
    XCTAssertEqual(c.state.overlay, .none)
    try await Task.sleep(nanoseconds: 50_000_000)
    XCTAssertEqual(fake.callCount("StopReplicationTask"), 0)
    XCTAssertTrue(try auditLines().contains { $0.detail.contains("cancelled stop task-0") })
  }

  func testStopConfirmedCallsServiceAndAudits() async throws {
    let fake = FakeDMS(taskCount: 3)
    let (c, _, clock) = makeController(fake)
    await loadTasks(c, clock)
    c.dispatch(.key(.char("j")))
    c.dispatch(.key(.char("x")))
    c.dispatch(.key(.char("y")))
    await waitUntil { fake.callCount("StopReplicationTask") == 1 && c.state.fleet.pending.isEmpty }
    XCTAssertEqual(fake.tasks[1].status, "stopping")
    XCTAssertTrue(c.state.message?.text.contains("stop task-1: requested") ?? false, "\(String(describing: c.state.message))")
    let audit = try auditLines()
    XCTAssertTrue(audit.contains { $0.event == "request" && $0.detail.contains("stop task-1") })
    XCTAssertTrue(audit.contains { $0.event == "ok" && $0.detail.contains("stop task-1") })
    XCTAssertEqual(audit.first?.user, "oncall")
  }

  func testStopOnAStoppedTaskIsRefusedBeforeAnyDialog() async throws {
    let fake = FakeDMS(taskCount: 1)
    fake.tasks[0].status = "stopped"
    let (c, _, clock) = makeController(fake)
    await loadTasks(c, clock)
    c.dispatch(.key(.char("x")))
    XCTAssertEqual(c.state.overlay, .none)
    XCTAssertEqual(c.state.message?.text, "task-0 is stopped: nothing to stop")
    c.dispatch(.key(.char("y")))
    XCTAssertEqual(fake.callCount("StopReplicationTask"), 0, "nothing sent")
    XCTAssertTrue(try auditLines().contains { $0.detail.contains("refused: task-0 is stopped") })
  }

  func testServiceErrorIsShownNotAssumed() async throws {
    let fake = FakeDMS(taskCount: 1)
    // The task looks running (so stop is offered) but DMS answers that it is not.
    fake.failNext["StopReplicationTask"] = ServiceError(kind: .invalidState, code: "InvalidResourceStateFault", message: "Replication task is not running")
    let (c, _, clock) = makeController(fake)
    await loadTasks(c, clock)
    c.dispatch(.key(.char("x")))
    c.dispatch(.key(.char("y")))
    await waitUntil { fake.callCount("StopReplicationTask") == 1 && c.state.fleet.pending.isEmpty }
    XCTAssertEqual(c.state.message?.severity, .critical)
    XCTAssertTrue(c.state.message?.text.contains("InvalidResourceStateFault") ?? false)
    XCTAssertTrue(try auditLines().contains { $0.event == "failed" })
  }

  func testLostResponseIsReportedAsUnknown() async throws {
    let fake = FakeDMS(taskCount: 1)
    let (c, _, clock) = makeController(fake)
    await loadTasks(c, clock)
    fake.failNext["StopReplicationTask"] = ServiceError(kind: .timeout, code: "RequestTimeout", message: "no response in 30 s")
    c.dispatch(.key(.char("x")))
    c.dispatch(.key(.char("y")))
    await waitUntil { fake.callCount("StopReplicationTask") == 1 && c.state.fleet.pending.isEmpty }
    XCTAssertTrue(c.state.message?.text.contains("outcome unknown — verify") ?? false, "\(String(describing: c.state.message))")
    XCTAssertTrue(try auditLines().contains { $0.event == "unknown" })
    // The re-read that follows is a read, never a second stop.
    let before = c.state.fleet.sources[.tasks]?.lastSuccess ?? .distantPast
    let reread = await c.runLanes(clock: clock) { (c.state.fleet.sources[.tasks]?.lastSuccess ?? .distantPast) > before }
    XCTAssertTrue(reread, "the task list is re-read after an unknown outcome")
    XCTAssertEqual(fake.callCount("StopReplicationTask"), 1, "exactly one stop")
  }

  func testReadOnlyRefusesAndAudits() async throws {
    let fake = FakeDMS(taskCount: 2)
    let (c, _, clock) = makeController(fake, readOnly: true)
    await loadTasks(c, clock)
    for k: Key in [.char("x"), .char("s"), .char("v")] {
      c.dispatch(.key(k))
      XCTAssertEqual(c.state.overlay, .none)
      XCTAssertTrue(c.state.message?.text.hasPrefix("read-only mode") ?? false)
    }
    try await Task.sleep(nanoseconds: 30_000_000)
    XCTAssertEqual(fake.callCount("StopReplicationTask") + fake.callCount("StartReplicationTask") + fake.callCount("ReloadTables"), 0)
    XCTAssertEqual(try auditLines().filter { $0.detail.contains("refused (read-only)") }.count, 3)
  }

  func testTablesFocusedTaskFirstAndMetricsBackfillHour() async throws {
    let fake = FakeDMS(taskCount: 5)
    let (c, _, clock) = makeController(fake)
    await loadTasks(c, clock)
    await loadFocusedTables(c, clock)
    XCTAssertNotNil(c.state.fleet.tables["arn:aws:dms:us-east-1:1:task:RES0"], "focused task loaded")
    await c.engine.engines[0].pollMetrics()
    XCTAssertEqual(fake.callCount("GetMetricData"), 1, "one call for all visible tasks")
    XCTAssertEqual(c.state.fleet.metrics["arn:aws:dms:us-east-1:1:task:RES0"]?.currentLatency, 3, "the target latency, not source + target")
  }

  func testTableErrorKeepsLastGoodData() async throws {
    let fake = FakeDMS(taskCount: 1)
    let (c, _, clock) = makeController(fake)
    await loadTasks(c, clock)
    await loadFocusedTables(c, clock)
    fake.failNext["DescribeTableStatistics"] = ServiceError(kind: .throttled, code: "ThrottlingException", message: "Rate exceeded")
    await loadFocusedTables(c, clock, after: clock.now())
    XCTAssertEqual(c.state.selectedTables?.tables.count, 1, "last good data kept")
    XCTAssertEqual(c.state.fleet.sources[.tables]?.lastError, "ThrottlingException: Rate exceeded")
  }

  func testLogTailFollowsTokensAndMissingGroupSaysLoggingOff() async throws {
    let fake = FakeDMS(taskCount: 1)
    let (c, _, clock) = makeController(fake)
    await loadTasks(c, clock)
    fake.logEvents = [LogEvent(timestamp: clock.now(), message: "2026-11-23T10:10:15 [SOURCE_CAPTURE  ]E:  boom (a.c:1)")]
    await c.engine.engines[0].pollLogs()
    XCTAssertEqual(c.state.fleet.log.count, 1)
    XCTAssertEqual(c.state.fleet.log.last?.severity, .error)
    XCTAssertEqual(c.state.fleet.log.last?.component, "SOURCE_CAPTURE")
    await c.engine.engines[0].pollLogs()
    XCTAssertEqual(c.state.fleet.log.count, 1, "token continues, no duplicates")
    fake.missingLogGroup = true
    await c.engine.engines[0].pollLogs()
    XCTAssertTrue(c.state.logNotice?.contains("task logging is off") ?? false)
    XCTAssertNil(c.state.fleet.sources[.logs]?.lastError, "logging off is not an error")
    XCTAssertFalse(c.state.isStale(.logs))
  }

  func testBudgetNeverExceeded() async throws {
    let clock = ManualClock()
    let b = CallBudget(rate: 2, capacity: 5, clock: clock)
    var taken = 0
    for _ in 0..<20 where b.tryTake() { taken += 1 }
    XCTAssertEqual(taken, 5, "burst")
    clock.advance(1)
    taken = 0
    for _ in 0..<20 where b.tryTake() { taken += 1 }
    XCTAssertEqual(taken, 2, "2 per second sustained")
  }

  func testRenderIsCoalesced() async throws {
    let fake = FakeDMS(taskCount: 3)
    let (c, _, clock) = makeController(fake)
    var renders = 0
    c.onRender = { renders += 1 }
    for _ in 0..<50 { c.dispatch(.tick(clock.now())) }
    await waitUntil { renders > 0 }
    try await Task.sleep(nanoseconds: 20_000_000)
    XCTAssertEqual(renders, 1)
  }

  /// Data and clock changes inside the interval are gathered into one later frame (the newest state); a key renders
  /// at once even inside it.
  func testDataRendersAreRateLimitedAndKeysAreNot() async throws {
    let fake = FakeDMS(taskCount: 3)
    let (c, _, clock) = makeController(fake)
    c.dataRenderInterval = .milliseconds(300)
    var renders: [Date] = []
    c.onRender = { renders.append(Date()) }
    let t0 = Date()
    c.dispatch(.tick(clock.now()))
    await waitUntil({ renders.count == 1 }, "the first data frame, at once")
    XCTAssertLessThan(renders[0].timeIntervalSince(t0), 0.25)
    for _ in 0..<20 { c.dispatch(.tick(clock.now())) }
    await waitUntil({ renders.count == 2 }, "one gathered frame at the end of the interval")
    XCTAssertGreaterThanOrEqual(renders[1].timeIntervalSince(renders[0]), 0.28, "not before the interval ended")
    // A key right after a frame is not held back.
    let k0 = Date()
    c.dispatch(.key(.char("j")))
    await waitUntil({ renders.count == 3 }, "the key's frame")
    XCTAssertLessThan(renders[2].timeIntervalSince(k0), 0.2, "a key renders at once, inside the interval")
  }

  func testRedactorHidesSecrets() {
    let s = Redact.text("key AKIAABCDEFGHIJKLMNOP secret=abc123 https://hooks.slack.com/services/T0/B0/XYZ")
    XCTAssertFalse(s.contains("ABCDEFGHIJKLMNOP"))
    XCTAssertFalse(s.contains("abc123"))
    XCTAssertFalse(s.contains("XYZ"))
    XCTAssertTrue(s.contains("https://hooks.slack.com/***"))
  }
}
