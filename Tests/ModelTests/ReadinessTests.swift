import XCTest

@testable import DMSWatchModel
@testable import DMSWatchRules

final class ReadinessTests: XCTestCase {
  func evaluate(
    _ task: ReplicationTask = makeTask(), _ tt: TaskTables? = tables([makeTable("a"), makeTable("b")]),
    _ m: TaskMetrics? = makeMetrics(), _ ev: [LogEntry] = [], config: RuleConfig = RuleConfig()
  ) -> Readiness {
    Readiness.evaluate(task: task, tables: tt, metrics: m, events: ev, now: t0, config: config)
  }

  func criterion(_ r: Readiness, _ name: String) -> Readiness.Criterion? { r.criteria.first { $0.name == name } }

  /// Asserts NOT READY with exactly `name` failing (passed == expected).
  func assertOnlyFailing(_ r: Readiness, _ name: String, passed: Bool? = false, detail: String? = nil, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertFalse(r.ready, file: file, line: line)
    XCTAssertEqual(r.failing.map(\.name), [name], file: file, line: line)
    XCTAssertEqual(r.failing.first?.passed, passed, file: file, line: line)
    if let detail { XCTAssertEqual(r.failing.first?.detail, detail, file: file, line: line) }
  }

  func testReady() {
    let r = evaluate()
    XCTAssertTrue(r.ready)
    XCTAssertEqual(r.criteria.map(\.name), ReadinessCriterion.all)
    XCTAssertTrue(r.criteria.allSatisfy { $0.passed == true })
    XCTAssertEqual(r.summary, "READY")
  }

  func testTablesNotCompleted() {
    let tt = tables([makeTable("a"), makeTable("b", state: TableState.fullLoad), makeTable("c", state: TableState.error)])
    assertOnlyFailing(evaluate(makeTask(), tt), ReadinessCriterion.tablesCompleted,
      detail: "2 of 3 tables not completed (1 Full load, 1 Table error): public.b, public.c")
  }

  func testCDCOnlyTaskNeedsNoCompletedTables() {
    let tt = tables([makeTable("a", state: TableState.beforeLoad)])
    let r = evaluate(makeTask(type: .cdc), tt)
    XCTAssertTrue(r.ready, r.summary)
    XCTAssertEqual(criterion(r, ReadinessCriterion.tablesCompleted)?.detail, "CDC-only task (no full load)")
  }

  func testTaskNotRunning() {
    let r = evaluate(makeTask(status: TaskStatus.stopped, stopReason: "Stop Reason NORMAL"))
    assertOnlyFailing(r, ReadinessCriterion.taskRunning, detail: "task is stopped (NORMAL)")
    // A full-load-only task that finished is fine.
    let done = evaluate(makeTask(status: TaskStatus.stopped, type: .fullLoad, stopReason: "Stop Reason FULL_LOAD_ONLY_FINISHED"), tables([makeTable()]), nil)
    XCTAssertTrue(done.ready, done.summary)
  }

  func testLatencyOverThresholdInWindow() {
    // One spike 3 minutes ago (inside the 5-minute window).
    let spike = makeMetrics(source: { i in i == 7 ? 90 : 2 })
    assertOnlyFailing(evaluate(makeTask(), tables([makeTable()]), spike), ReadinessCriterion.cdcLatency)
    // A spike 8 minutes ago is outside the window: ready.
    let old = makeMetrics(source: { i in i == 2 ? 90 : 2 })
    XCTAssertTrue(evaluate(makeTask(), tables([makeTable()]), old).ready)
    // Exactly at the limit is not "under" it.
    let edge = makeMetrics(source: { _ in 1 }, target: { _ in 60 })
    assertOnlyFailing(evaluate(makeTask(), tables([makeTable()]), edge), ReadinessCriterion.cdcLatency)
  }

  func testLatencyUnknown() {
    assertOnlyFailing(evaluate(makeTask(), tables([makeTable()]), nil), ReadinessCriterion.cdcLatency, passed: nil, detail: "no CloudWatch latency data")
    let stale = makeMetrics(end: t0.addingTimeInterval(-1800))
    assertOnlyFailing(evaluate(makeTask(), tables([makeTable()]), stale), ReadinessCriterion.cdcLatency, passed: nil,
      detail: "no latency data in the last 5m")
    var one = TaskMetrics()
    one[DMSMetric.cdcLatencySource].append(SeriesPoint(time: t0, value: 1))
    assertOnlyFailing(evaluate(makeTask(), tables([makeTable()]), one), ReadinessCriterion.cdcLatency, passed: nil)
    // Full-load tasks do not need latency.
    XCTAssertEqual(criterion(evaluate(makeTask(type: .fullLoad), tables([makeTable()]), nil), ReadinessCriterion.cdcLatency)?.passed, true)
  }

  func testValidationStatesAndCounts() {
    let states = [
      ValidationState.pendingRecords, ValidationState.mismatchedRecords, ValidationState.suspendedRecords, ValidationState.noPrimaryKey,
      ValidationState.tableError, ValidationState.error, ValidationState.pendingValidation, ValidationState.preparingTable,
      ValidationState.pendingRevalidation,
    ]
    for s in states {
      let r = evaluate(makeTask(), tables([makeTable("a"), makeTable("b", validation: s)]))
      assertOnlyFailing(r, ReadinessCriterion.validation)
      XCTAssertEqual(r.failing.first?.detail, "1 not Validated (1 \(s)): public.b", s)
    }
    // Validated but with records still pending/failed/suspended.
    for (f, p, s) in [(Int64(1), Int64(0), Int64(0)), (0, 1, 0), (0, 0, 1)] {
      let r = evaluate(makeTask(), tables([makeTable("a", failed: f, pending: p, suspended: s)]))
      assertOnlyFailing(r, ReadinessCriterion.validation, detail: "records: \(f) failed, \(p) pending, \(s) suspended")
    }
  }

  func testValidationNotEnabled() {
    let tt = tables([makeTable("a", validation: ValidationState.notEnabled)])
    assertOnlyFailing(evaluate(makeTask(), tt), ReadinessCriterion.validation,
      detail: "1 not validated (validation not enabled): public.a")
    let relaxed = evaluate(makeTask(), tt, config: RuleConfig(requireValidation: false))
    XCTAssertTrue(relaxed.ready, relaxed.summary)
  }

  func testMissingDuplicateAndUnknownAppliedCounts() {
    let r = evaluate(makeTask(), tables([makeTable("a", applied: (9, 5, 1)), makeTable("b", applied: (10, 6, 1))]))
    assertOnlyFailing(r, ReadinessCriterion.noMissingDuplicate, detail: "MISSING on 1 table: public.a; DUPLICATE on 1 table: public.b")
    let unknown = evaluate(makeTask(), tables([makeTable("a", applied: (nil, nil, nil))]))
    assertOnlyFailing(unknown, ReadinessCriterion.noMissingDuplicate, passed: nil)
    XCTAssertTrue(unknown.summary.contains("unknown: applied counts not reported"), unknown.summary)
  }

  func testRecentErrors() {
    let r = evaluate(makeTask(), tables([makeTable()]), makeMetrics(), [logLine("ORA-00942: table or view does not exist", at: t0 - 120)])
    assertOnlyFailing(r, ReadinessCriterion.noRecentErrors, detail: "1 error in the last 5m; latest: ORA-00942: table or view does not exist")
    // Older than the window, warnings, other tasks: ignored.
    let ok = evaluate(makeTask(), tables([makeTable()]), makeMetrics(), [
      logLine("old", at: t0 - 600), logLine("warn", severity: .warning), logLine("other", task: "billing"),
    ])
    XCTAssertTrue(ok.ready, ok.summary)
    // Error events count too.
    let ev = LogEntry(time: t0 - 10, source: .event, severity: .error, component: "FAILURE", text: "Replication task has failed", task: "orders")
    assertOnlyFailing(evaluate(makeTask(), tables([makeTable()]), makeMetrics(), [ev]), ReadinessCriterion.noRecentErrors)
  }

  func testUnknownTablesMakeEveryTableCriterionUnknown() {
    for tt in [nil, TaskTables(), { var t = TaskTables(); t.error = "AccessDenied"; return t }()] {
      let r = evaluate(makeTask(), tt)
      XCTAssertFalse(r.ready)
      XCTAssertEqual(r.failing.map(\.name), [ReadinessCriterion.tablesCompleted, ReadinessCriterion.validation, ReadinessCriterion.noMissingDuplicate])
      XCTAssertTrue(r.failing.allSatisfy { $0.passed == nil })
    }
    XCTAssertEqual(evaluate(makeTask(), nil).failing.first?.detail, "table statistics not loaded")
    XCTAssertTrue(evaluate(makeTask(), nil).summary.hasPrefix("NOT READY: tables_completed (unknown: table statistics not loaded)"))
  }

  func testEmptyCriteriaIsNotReadyAndJSONKeepsNullPassed() throws {
    XCTAssertFalse(Readiness(criteria: []).ready)
    let r = Readiness(criteria: [.init(name: "x", passed: nil, detail: "d")])
    let json = String(decoding: try JSONEncoder().encode(r.criteria[0]), as: UTF8.self)
    XCTAssertTrue(json.contains(#""passed":null"#), json)
    XCTAssertEqual(try JSONDecoder().decode(Readiness.self, from: JSONEncoder().encode(r)), r)
  }
}
