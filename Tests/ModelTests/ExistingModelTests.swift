import TestKit
import XCTest

@testable import DMSWatchModel
@testable import DMSWatchRules
@testable import DMSWatchState

final class FormatTests: XCTestCase {
  func testDuration() {
    let cases: [(Double, String)] = [
      (0, "0.0s"), (0.44, "0.4s"), (9.9, "9.9s"), (9.96, "10s"), (10, "10s"), (42.4, "42s"), (59.6, "1m00s"), (185, "3m05s"),
      (7800, "2h10m"), (273_600, "3d4h"), (-5, "0.0s"), (.infinity, "-"), (.nan, "-"),
    ]
    for (s, e) in cases { XCTAssertEqual(Format.duration(s), e, "\(s)") }
  }

  func testAge() {
    XCTAssertEqual([3, 119, 3600, 4 * 86_400, -1].map { Format.age(Double($0)) }, ["3s", "1m", "1h", "4d", "0s"])
  }

  func testCount() {
    let cases: [(Int64?, String)] = [
      (nil, "-"), (0, "0"), (999, "999"), (1000, "1.0k"), (1234, "1.2k"), (9_999, "10k"), (34_000, "34k"), (999_999, "999k"),
      (1_200_000, "1.2M"), (5_600_000_000, "5.6G"), (2_000_000_000_000, "2.0T"), (-1500, "-1.5k"), (-12, "-12"),
    ]
    for (n, e) in cases { XCTAssertEqual(Format.count(n), e, "\(String(describing: n))") }
  }

  func testClockAndISO() {
    XCTAssertEqual(Format.clock(t0), "14:13:20")
    XCTAssertEqual(Format.clock(Date(timeIntervalSince1970: -1)), "23:59:59")
    XCTAssertEqual(Format.iso(t0), "2026-09-21T14:13:20Z")
    XCTAssertEqual(Format.percent(42), "42%")
    XCTAssertEqual(Format.percent(nil), "-")
  }

  func testSafeText() {
    XCTAssertEqual(SafeText.clean("plain"), "plain")
    XCTAssertEqual(SafeText.clean("a\u{1b}[2Jb\tc"), "a\u{FFFD}[2Jb c")
    XCTAssertEqual(SafeText.clean("x\u{202e}y\u{9b}z"), "x\u{FFFD}y\u{FFFD}z")
    XCTAssertEqual(SafeText.clean("naïve 表"), "naïve 表")
  }
}

final class LogEntryTests: XCTestCase {
  func testParseDMSLogLine() {
    let e = DMSLogParser.parse(LogEvent(timestamp: t0, message: "2026-11-23T10:10:15 [SOURCE_CAPTURE  ]E:  ORA-01291: missing logfile (oracle_endpoint.c:123)"), task: "orders")
    XCTAssertEqual(e.component, "SOURCE_CAPTURE")
    XCTAssertEqual(e.severity, .error)
    XCTAssertEqual(e.text, "ORA-01291: missing logfile (oracle_endpoint.c:123)")
    XCTAssertEqual(e.task, "orders")
    XCTAssertEqual(e.source, .log)
    for (line, sev) in [("x [TASK_MANAGER]I:  hi", LogSeverity.info), ("x [TARGET_APPLY ]W:  w", .warning), ("[A]D: d", .debug), ("[A]T: t", .trace)] {
      XCTAssertEqual(DMSLogParser.split(line).1, sev, line)
    }
  }

  func testLinesWithoutPrefixAreInfo() {
    for line in ["plain text", "Task [x] started", "[unterminated", "[A]", "[A]E", "[A]Q: odd"] {
      let (c, s, t) = DMSLogParser.split(line)
      XCTAssertEqual(c, "", line)
      XCTAssertEqual(s, .info, line)
      XCTAssertEqual(t, line.trimmingCharacters(in: .whitespaces))
    }
    XCTAssertEqual(DMSLogParser.split("[A]E:").2, "")
  }

  func testEventSeverity() {
    func ev(_ m: String, _ c: [String]) -> DMSEvent { DMSEvent(sourceIdentifier: "orders", sourceType: "replication-task", message: m, categories: c, date: t0) }
    XCTAssertEqual(DMSLogParser.severity(of: ev("Replication task has failed", ["failure"])), .error)
    XCTAssertEqual(DMSLogParser.severity(of: ev("Replication task has stopped", ["state change"])), .warning)
    XCTAssertEqual(DMSLogParser.severity(of: ev("Replication task started", ["state change"])), .info)
    let e = DMSLogParser.entry(for: ev("Replication task has failed", ["failure"]))
    XCTAssertEqual(e.component, "FAILURE")
    XCTAssertEqual(e.task, "orders")
    XCTAssertEqual(e.source, .event)
  }

  func testSeverityOrder() {
    XCTAssertTrue(LogSeverity.error > .warning)
    XCTAssertTrue(LogSeverity.warning > .info)
    XCTAssertTrue(LogSeverity.trace < .debug)
  }

  func testRingBuffer() {
    var r = RingBuffer<Int>(capacity: 3)
    XCTAssertTrue(r.isEmpty)
    XCTAssertNil(r.last)
    r.append(contentsOf: [1, 2, 3, 4, 5])
    XCTAssertEqual(r.toArray(), [3, 4, 5])
    XCTAssertEqual(r.count, 3)
    XCTAssertEqual(r[0], 3)
    XCTAssertEqual(r.last, 5)
    r.append(6)
    XCTAssertEqual(r.toArray(), [4, 5, 6])
    r.removeAll()
    XCTAssertEqual(r.toArray(), [])
    r.append(7)
    XCTAssertEqual(r.toArray(), [7])
    XCTAssertEqual(RingBuffer<Int>(capacity: 0).capacity, 1)
  }

  func testTimeSeriesMergeTrimAndRising() {
    var s = TimeSeries(window: 300, maxPoints: 4)
    s.merge([SeriesPoint(time: t0 + 60, value: 2), SeriesPoint(time: t0, value: 1)])
    XCTAssertEqual(s.points.map(\.value), [1, 2])
    s.merge([SeriesPoint(time: t0 + 60, value: 5)])  // same timestamp replaces
    XCTAssertEqual(s.points.map(\.value), [1, 5])
    s.append(SeriesPoint(time: t0 + 120, value: 6))
    XCTAssertTrue(s.isRising(over: 3))
    XCTAssertFalse(s.isRising(over: 4), "fewer points than asked")
    s.append(SeriesPoint(time: t0 + 180, value: 6))
    XCTAssertFalse(s.isRising(over: 2), "flat is not rising")
    XCTAssertTrue(s.isRising(over: 1) == false)
    s.append(SeriesPoint(time: t0 + 400, value: 7))  // window keeps points at or after 400 - 300
    XCTAssertEqual(s.points.map(\.time), [t0 + 120, t0 + 180, t0 + 400])
    s.merge((5...9).map { SeriesPoint(time: t0 + 400 + Double($0), value: Double($0)) })
    XCTAssertEqual(s.points.count, 4)
    XCTAssertEqual(s.last?.value, 9)
  }
}

final class TaskHealthTests: XCTestCase {
  func health(_ task: ReplicationTask, _ tt: TaskTables? = nil, _ m: TaskMetrics? = nil) -> TaskHealth {
    TaskHealth.evaluate(task: task, tables: tt, metrics: m, thresholds: Thresholds())
  }

  func testErrorStopReasonsAreCritical() {
    for code in StopReason.errorCodes.sorted() {
      XCTAssertEqual(health(makeTask(status: TaskStatus.stopped, stopReason: "Stop Reason \(code)")).severity, .critical, code)
    }
    for code in StopReason.normalCodes.sorted() {
      XCTAssertEqual(health(makeTask(status: TaskStatus.stopped, stopReason: "Stop Reason \(code)")).severity, .ok, code)
    }
  }

  func testFailedAndFailedMoveAreCritical() {
    XCTAssertEqual(health(makeTask(status: TaskStatus.failed, failure: "boom")).summary, "failed: boom")
    XCTAssertEqual(health(makeTask(status: TaskStatus.failedMove)).severity, .critical)
  }

  func testOrder() {
    XCTAssertEqual(health(makeTask(tablesErrored: 1)).summary, "1 table errored")
    XCTAssertEqual(health(makeTask(), tables([makeTable(applied: (1, 5, 1))])).summary, "1 critical: MISSING public.orders")
    XCTAssertEqual(health(makeTask(), tables([makeTable()]), makeMetrics(source: { _ in 400 })).severity, .critical)
    XCTAssertEqual(health(makeTask(), tables([makeTable(validation: ValidationState.pendingRecords)]), makeMetrics()).summary, "1 flag")
    XCTAssertEqual(health(makeTask(), tables([makeTable()]), makeMetrics()).summary, "healthy")
    XCTAssertEqual(health(makeTask(status: TaskStatus.starting)).severity, .unknown)
  }

  func testThresholdsAndSourceStatus() {
    let t = Thresholds()
    XCTAssertEqual([nil, 0, 59.9, 60, 299, 300].map { t.severity(latency: $0) }, [.unknown, .ok, .ok, .warn, .warn, .critical])
    var s = SourceStatus(interval: 5)
    XCTAssertFalse(s.isStale(now: t0))
    s.lastError = "boom"
    XCTAssertTrue(s.isStale(now: t0))
    s.lastSuccess = t0
    XCTAssertFalse(s.isStale(now: t0 + 15))
    XCTAssertTrue(s.isStale(now: t0 + 16))
    XCTAssertEqual(s.age(now: t0 - 10), 0)
  }
}

final class ReducerTests: XCTestCase {
  func state(_ tasks: [ReplicationTask]) -> (AppState, Reducer) {
    var s = AppState(now: t0)
    let r = Reducer()
    _ = r.reduce(&s, .resize(width: 120, height: 40))
    _ = r.reduce(&s, .tasksLoaded(tasks, at: t0))
    return (s, r)
  }

  func testSelectionFollowsARNWhenRowsMove() {
    var (s, r) = state([makeTask("a"), makeTask("b"), makeTask("c")])
    XCTAssertEqual(s.selectedTask?.identifier, "a")
    _ = r.reduce(&s, .key(.char("j")))
    XCTAssertEqual(s.selectedTask?.identifier, "b")
    // A refresh adds a task that sorts before b: the selection stays on b.
    _ = r.reduce(&s, .tasksLoaded([makeTask("a"), makeTask("aa"), makeTask("b"), makeTask("c")], at: t0 + 5))
    XCTAssertEqual(s.selectedTask?.identifier, "b")
    XCTAssertEqual(s.taskCursor.index, 2)
  }

  func testStopAsksAndDefaultsToNo() {
    var (s, r) = state([makeTask("a")])
    var res = r.reduce(&s, .key(.char("x")))
    guard case .confirm(let c) = s.overlay else { return XCTFail("no confirmation") }
    XCTAssertFalse(c.yesSelected)
    XCTAssertEqual(res.effects, [])
    res = r.reduce(&s, .key(.enter))
    XCTAssertEqual(s.overlay, .none)
    XCTAssertFalse(res.effects.contains { if case .perform = $0 { return true } else { return false } })
    _ = r.reduce(&s, .key(.char("x")))
    res = r.reduce(&s, .key(.char("y")))
    XCTAssertEqual(res.effects, [.perform(.stop(arn: makeTask("a").arn, task: "a"))])
    XCTAssertEqual(s.fleet.pending[makeTask("a").arn], "stop a")
  }

  func testReadOnlyRefusesMutations() {
    var (s, r) = state([makeTask("a")])
    s.readOnly = true
    let res = r.reduce(&s, .key(.char("x")))
    XCTAssertEqual(s.overlay, .none)
    XCTAssertEqual(s.message?.severity, .warn)
    XCTAssertTrue(res.effects.contains { if case .audit = $0 { return true } else { return false } })
  }

  func testTablesLoadedDerivesFlagsAndSourceFailureKeepsData() {
    var (s, r) = state([makeTask("a")])
    let arn = makeTask("a").arn
    _ = r.reduce(&s, .tablesLoaded(taskArn: arn, [makeTable(applied: (1, 5, 1))], at: t0))
    XCTAssertEqual(s.selectedFlags.map(\.tag), ["MISSING"])
    _ = r.reduce(&s, .sourceFailed(.tables, message: "Rate exceeded", at: t0 + 5, taskArn: arn))
    XCTAssertEqual(s.fleet.tables[arn]?.tables.count, 1, "last good data kept")
    XCTAssertEqual(s.fleet.tables[arn]?.error, "Rate exceeded")
    XCTAssertEqual(s.fleet.sources[.tables]?.lastError, "Rate exceeded")
  }

  func testFilterAndInvert() {
    var (s, r) = state([makeTask("orders"), makeTask("billing"), makeTask("orders-2")])
    for ch in "/ord" { _ = r.reduce(&s, .key(.char(ch))) }
    XCTAssertEqual(s.visibleTasks.map(\.identifier), ["orders", "orders-2"])
    _ = r.reduce(&s, .key(.escape))
    XCTAssertEqual(s.visibleTasks.count, 3)
    for ch in "/!ord" { _ = r.reduce(&s, .key(.char(ch))) }
    XCTAssertEqual(s.visibleTasks.map(\.identifier), ["billing"])
  }
}

final class AppStateRulesTests: XCTestCase {
  func testSortByNameIsDeterministicForLocalizedEqualNames() {
    var s = AppState(now: t0)
    s.fleet.tasks = [makeTask("task-2"), makeTask("task-02"), makeTask("Task-2"), makeTask("a")]
    for _ in 0..<20 {
      s.fleet.tasks.shuffle()
      s.recomputeTaskOrder()
      // Natural order (2 == 02, case folded), then the bytes: one total order whatever the input order.
      XCTAssertEqual(s.visibleTasks.map(\.identifier), ["a", "Task-2", "task-02", "task-2"])
    }
  }

  func testFindingsReadinessAndHintsFromState() {
    var s = AppState(now: t0)
    let r = Reducer()
    let task = makeTask("orders", failure: "ORA-01291: missing logfile")
    _ = r.reduce(&s, .tasksLoaded([task, makeTask("billing")], at: t0))
    s.selectTask(arn: task.arn)
    _ = r.reduce(&s, .tablesLoaded(taskArn: task.arn, [makeTable(applied: (1, 5, 1))], at: t0))
    _ = r.reduce(&s, .metricsLoaded([task.arn: [DMSMetric.cdcLatencySource: [SeriesPoint(time: t0 - 60, value: 1), SeriesPoint(time: t0, value: 2)]]], at: t0))
    _ = r.reduce(&s, .logLoaded([logLine("Connection timed out", at: t0 - 1), logLine("other", task: "billing", at: t0 - 1)], at: t0))
    XCTAssertEqual(s.logEntries(for: task).map(\.text), ["Connection timed out"])
    XCTAssertEqual(events(s.findings(for: task)), [FindingEvent.tableMissing, FindingEvent.taskErrorsLogged, FindingEvent.taskLastFailure])
    XCTAssertEqual(
      s.readiness(for: task).failing.map(\.name),
      [ReadinessCriterion.noMissingDuplicate, ReadinessCriterion.noRecentErrors, ReadinessCriterion.rowCountsMatch])
    // Row counts are part of readiness and unknown until the task is reconciled: never passed by default.
    let rows = s.readiness(for: task).criteria.first { $0.name == ReadinessCriterion.rowCountsMatch }
    XCTAssertEqual(rows?.passed, nil)
    XCTAssertEqual(rows?.detail, "row counts not checked (run reconcile)")
    XCTAssertEqual(s.hints(for: task).map(\.id), ["oracle-missing-archived-log", "network-timeout"])
    XCTAssertEqual(Set(s.allFindings().map(\.task)), ["orders", "billing"])
  }
}

final class SummaryTablesTests: XCTestCase {
  func testUnfocusedTaskKeepsFlagsAndReadinessVerdictsWithoutRows() {
    let t0 = Date(timeIntervalSince1970: 1_790_000_000)
    var s = AppState(now: t0)
    let r = Reducer()
    let a = ReplicationTask(identifier: "a", arn: "arn:aws:dms:us-east-1:1:task:A", status: "running", migrationType: "full-load-and-cdc")
    let b = ReplicationTask(identifier: "b", arn: "arn:aws:dms:us-east-1:1:task:B", status: "running", migrationType: "full-load-and-cdc")
    _ = r.reduce(&s, .tasksLoaded([a, b], at: t0))
    XCTAssertEqual(s.selectedTaskArn, a.arn)
    var bad = TableStatistics(schemaName: "s", tableName: "orders")
    bad.tableState = TableState.fullLoad
    bad.inserts = 10
    bad.appliedInserts = 7
    _ = r.reduce(&s, .tablesLoaded(taskArn: b.arn, [bad], at: t0))
    let summary = s.fleet.tables[b.arn]
    XCTAssertEqual(summary?.isSummary, true)
    XCTAssertEqual(summary?.tables.count, 0, "rows dropped for the unfocused task")
    XCTAssertEqual(summary?.tableCount, 1)
    XCTAssertEqual(summary?.flags.map(\.tag), ["MISSING"])
    let failing = s.readiness(for: b).failing.map(\.name)
    XCTAssertTrue(failing.contains(ReadinessCriterion.tablesCompleted), "\(failing)")
    XCTAssertTrue(failing.contains(ReadinessCriterion.noMissingDuplicate), "\(failing)")
    // Focusing the task and reloading gives full rows again.
    _ = r.reduce(&s, .key(.char("j")))
    XCTAssertEqual(s.selectedTaskArn, b.arn)
    _ = r.reduce(&s, .tablesLoaded(taskArn: b.arn, [bad], at: t0))
    XCTAssertEqual(s.fleet.tables[b.arn]?.tables.count, 1)
    XCTAssertEqual(s.fleet.tables[a.arn] == nil, true)
  }
}

final class FilterSafetyTests: XCTestCase {
  func testTextSearch() {
    XCTAssertTrue(TextSearch.contains("orders-cdc", "cdc"))
    XCTAssertFalse(TextSearch.contains("a_", "_\u{0}"))
    XCTAssertFalse(TextSearch.contains("Å\u{FE0F}_", "_\u{0}"))
    XCTAssertTrue(TextSearch.contains("x", ""))
    XCTAssertFalse(TextSearch.contains("", "x"))
  }

  func testFilterIgnoresControlCharactersAndNeverCrashes() {
    var s = AppState(now: Date(timeIntervalSince1970: 0))
    let r = Reducer()
    let tasks = ["Å\u{FE0F}_x", "orders-cdc", "billing"].enumerated().map {
      ReplicationTask(identifier: $0.element, arn: "arn:aws:dms:us-east-1:1:task:T\($0.offset)", status: "running", migrationType: "cdc")
    }
    _ = r.reduce(&s, .tasksLoaded(tasks, at: s.now))
    _ = r.reduce(&s, .key(.char("/")))
    for c: Character in ["_", "\u{0}", "\u{1b}", "\u{202e}"] { _ = r.reduce(&s, .key(.char(c))) }
    XCTAssertEqual(s.filter, "_")
    XCTAssertEqual(s.visibleTasks.map(\.identifier), ["Å\u{FE0F}_x"])
  }
}
