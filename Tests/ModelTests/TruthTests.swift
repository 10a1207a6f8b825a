import Foundation
import TestKit
import XCTest

@testable import DMSWatchModel
@testable import DMSWatchReports
@testable import DMSWatchRules
@testable import DMSWatchState

/// Issue 12: the screen never claims what was not checked, and judges like `check`.
final class UncheckedIsUnknownTests: XCTestCase {
  func loaded(_ tasks: [ReplicationTask], config: RuleConfig = RuleConfig()) -> (AppState, Reducer) {
    var s = AppState(now: t0)
    s.fleet.ruleConfig = config
    let r = Reducer()
    _ = r.reduce(&s, .tasksLoaded(tasks, at: t0))
    return (s, r)
  }

  func testATaskWhoseStatisticsWereNeverLoadedIsUnknownNotHealthy() {
    let (s, _) = loaded([makeTask("orders")])
    let h = s.health(of: s.fleet.tasks[0])
    XCTAssertEqual(h.severity, .unknown)
    XCTAssertEqual(h.summary, "loading…")
    XCTAssertEqual(s.checkedCount(of: s.fleet.tasks), 0)
  }

  func testATaskWhoseLastLoadFailedIsUnknownWithTheError() {
    var (s, r) = loaded([makeTask("orders"), makeTask("billing")])
    // Unfocused task (billing) and focused one (orders): both say so.
    for t in s.fleet.tasks {
      _ = r.reduce(&s, .sourceFailed(.tables, message: "HTTP 500 InternalFailure", at: t0, taskArn: t.arn))
    }
    for t in s.fleet.tasks {
      let h = s.health(of: t)
      XCTAssertEqual(h.severity, .unknown, t.identifier)
      XCTAssertEqual(h.summary, "? tables: HTTP 500 InternalFailure", t.identifier)
    }
    XCTAssertEqual(s.checkedCount(of: s.fleet.tasks), 0)
  }

  func testAStaleLoadAfterAGoodOneIsNotCountedAsChecked() {
    var (s, r) = loaded([makeTask("orders")])
    let arn = s.fleet.tasks[0].arn
    _ = r.reduce(&s, .tablesLoaded(taskArn: arn, [makeTable()], at: t0))
    _ = r.reduce(&s, .metricsLoaded([arn: [DMSMetric.cdcLatencySource: [SeriesPoint(time: t0, value: 1)], DMSMetric.cdcLatencyTarget: [SeriesPoint(time: t0, value: 2)]]], at: t0))
    XCTAssertEqual(s.health(of: s.fleet.tasks[0]).summary, "healthy")
    XCTAssertEqual(s.checkedCount(of: s.fleet.tasks), 1)
    XCTAssertEqual(s.checkedCount(atIndices: [0]), 1, "the TASKS title's count by position agrees")
    _ = r.reduce(&s, .sourceFailed(.tables, message: "throttled", at: t0 + 10, taskArn: arn))
    XCTAssertEqual(s.health(of: s.fleet.tasks[0]).severity, .unknown)
    XCTAssertEqual(s.checkedCount(of: s.fleet.tasks), 0)
    XCTAssertEqual(s.checkedCount(atIndices: [0]), 0)
    // Loaded again, then gone from the task list: not counted, and out-of-range positions count nothing.
    _ = r.reduce(&s, .tablesLoaded(taskArn: arn, [makeTable()], at: t0 + 20))
    XCTAssertEqual(s.checkedCount(atIndices: [0, 5, -1]), 1)
    _ = r.reduce(&s, .tasksLoaded([makeTask("billing")], at: t0 + 30))
    XCTAssertEqual(s.checkedCount(of: s.fleet.tasks), 0)
    XCTAssertEqual(s.checkedCount(atIndices: [0]), 0)
    _ = r.reduce(&s, .tasksLoaded([makeTask("orders")], at: t0 + 40))
    XCTAssertEqual(s.checkedCount(atIndices: [0]), 0, "a task listed again starts unchecked")
  }

  func testUnknownSortsAboveHealthyAndFailedFirstUnderTheHealthSort() {
    let ok = makeTask("a-ok")
    let unknown = makeTask("b-unchecked")
    let failed = makeTask("c-failed", status: TaskStatus.failed, failure: "ORA-1")
    let errored = makeTask("0-errored", tablesErrored: 2)
    var (s, r) = loaded([ok, unknown, failed, errored])
    for t in [ok, failed, errored] {
      _ = r.reduce(&s, .tablesLoaded(taskArn: t.arn, [makeTable()], at: t0))
    }
    _ = r.reduce(&s, .metricsLoaded([ok.arn: [DMSMetric.cdcLatencyTarget: [SeriesPoint(time: t0, value: 1)]], errored.arn: [DMSMetric.cdcLatencyTarget: [SeriesPoint(time: t0, value: 1)]]], at: t0))
    _ = r.reduce(&s, .key(.char("H")))
    if s.sort.column != .health { s.sort = TaskSort(column: .health, descending: true); s.recomputeTaskOrder() }
    XCTAssertEqual(s.visibleTasks.map(\.identifier), ["c-failed", "0-errored", "b-unchecked", "a-ok"])
  }

  func testTheHeaderTablesAgeIsTheOldestShownTaskNotTheFocusedOne() {
    var (s, r) = loaded([makeTask("a"), makeTask("b"), makeTask("c")])
    _ = r.reduce(&s, .tablesLoaded(taskArn: s.fleet.tasks[0].arn, [makeTable()], at: t0))
    _ = r.reduce(&s, .tablesLoaded(taskArn: s.fleet.tasks[1].arn, [makeTable()], at: t0 - 120))
    let shown = s.oldestTablesLoad(of: s.fleet.tasks.map(\.arn))
    XCTAssertEqual(shown.oldest, t0 - 120)
    XCTAssertEqual(shown.unchecked, 1)
  }
}

final class SameRulesAsCheckTests: XCTestCase {
  /// Every row's HEALTH severity equals the worst finding `check` reports on the same data and thresholds.
  func testDashboardHealthIsTheWorstCheckFinding() {
    let config = RuleConfig(latencyWarnSeconds: 10, latencyCriticalSeconds: 40, requireValidation: false)
    let cases: [(ReplicationTask, [TableStatistics]?, TaskMetrics?)] = [
      (makeTask("lat-warn"), [makeTable()], makeMetrics(source: { _ in 5 }, target: { _ in 20 })),
      (makeTask("lat-crit"), [makeTable()], makeMetrics(source: { _ in 30 }, target: { _ in 45 })),
      (makeTask("missing"), [makeTable(applied: (1, 5, 1))], makeMetrics()),
      (makeTask("no-metrics"), [makeTable()], nil),
      (makeTask("unchecked"), nil, makeMetrics()),
      (makeTask("stopped", status: TaskStatus.stopped, stopReason: "Stop Reason FATAL_ERROR"), [makeTable()], nil),
      (makeTask("fine"), [makeTable()], makeMetrics()),
      (makeTask("pending-val"), [makeTable(validation: ValidationState.pendingRecords, pending: 0)], makeMetrics()),
    ]
    var s = AppState(now: t0)
    s.fleet.ruleConfig = config
    let r = Reducer()
    _ = r.reduce(&s, .tasksLoaded(cases.map(\.0), at: t0))
    for (t, list, m) in cases {
      if let list { _ = r.reduce(&s, .tablesLoaded(taskArn: t.arn, list, at: t0)) }
      if let m { s.fleet.metrics[t.arn] = m }
    }
    for (t, list, m) in cases {
      let task = s.fleet.tasks.first { $0.arn == t.arn }!
      let input = CheckReport.TaskInput(task: task, tables: list.map { TaskTables(tables: $0, loadedAt: t0, config: config) }, metrics: m, logLines: [])
      let report = CheckReport.evaluate(input, now: t0, config: config)
      XCTAssertEqual(s.health(of: task).severity, TaskRules.worst(report.findings), t.identifier)
      XCTAssertEqual(s.readiness(for: task), report.readiness, t.identifier)
    }
    XCTAssertEqual(s.health(of: s.fleet.tasks[0]).severity, .warn, "20s target lag >= 10s warn")
    XCTAssertEqual(s.health(of: s.fleet.tasks[1]).severity, .critical)
  }

  func testSummarizedReadinessUsesTheConfiguredThresholds() {
    // requireValidation false: a not-validated table passes validation on screen as in check, even unfocused.
    let config = RuleConfig(requireValidation: false)
    var s = AppState(now: t0)
    s.fleet.ruleConfig = config
    let r = Reducer()
    let a = makeTask("a"), b = makeTask("b")
    _ = r.reduce(&s, .tasksLoaded([a, b], at: t0))
    s.selectTask(arn: a.arn)
    let rows = [makeTable(validation: ValidationState.notEnabled)]
    _ = r.reduce(&s, .tablesLoaded(taskArn: b.arn, rows, at: t0))
    XCTAssertTrue(s.fleet.tables[b.arn]?.isSummary ?? false)
    let expected = Readiness.evaluate(
      task: b, tables: TaskTables(tables: rows, loadedAt: t0), metrics: nil, events: [], now: t0, config: config, rowCounts: .tracked(nil))
    XCTAssertEqual(s.readiness(for: b), expected)
    XCTAssertEqual(s.readiness(for: b).criteria.first { $0.name == ReadinessCriterion.validation }?.passed, true)
  }

  func testThresholdsAreAViewOfTheRuleConfig() {
    var s = AppState(now: t0)
    s.fleet.ruleConfig = RuleConfig(latencyWarnSeconds: 7, latencyCriticalSeconds: 70)
    XCTAssertEqual(s.fleet.thresholds, Thresholds(latencyWarn: 7, latencyCritical: 70))
    s.fleet.thresholds.latencyCritical = 99
    XCTAssertEqual(s.fleet.ruleConfig.latencyCriticalSeconds, 99)
  }
}

final class LatencySemanticsTests: XCTestCase {
  func metrics(source: Double?, target: Double?) -> TaskMetrics {
    var m = TaskMetrics()
    if let source { m[DMSMetric.cdcLatencySource].merge([SeriesPoint(time: t0, value: source)]) }
    if let target { m[DMSMetric.cdcLatencyTarget].merge([SeriesPoint(time: t0, value: target)]) }
    return m
  }

  func testEndToEndLagIsTheTargetLatencyOrTheLargerNeverTheSum() {
    let cases: [(Double?, Double?, Double?)] = [
      (5640, 5640, 5640),  // 1h34m/1h34m is 1h34m, not 3h08m
      (2, 30, 30), (90, 30, 90), (nil, 12, 12), (12, nil, 12), (nil, nil, nil),
    ]
    for (src, tgt, want) in cases {
      XCTAssertEqual(metrics(source: src, target: tgt).currentLatency, want, "\(String(describing: src))/\(String(describing: tgt))")
    }
  }

  func testAlarmsFireAtTheConfiguredLagNotAtHalfOfIt() {
    // 200 s each: the lag is 200 s — warn (>= 60), not critical (>= 300) as the sum 400 would make it.
    let f = TaskRules.findings(task: makeTask(), tables: tables([makeTable()]), metrics: metrics(source: 200, target: 200), events: [], now: t0)
    let lat = f.first { $0.event == FindingEvent.taskLatencyHigh }
    XCTAssertEqual(lat?.severity, .warn)
    XCTAssertEqual(lat?.value, 200)
    XCTAssertEqual(lat?.message, "CDC lag 3m20s (target latency; source 3m20s) >= 1m00s")
    let r = CheckReport.evaluate(CheckReport.TaskInput(task: makeTask(), tables: tables([makeTable()]), metrics: metrics(source: 200, target: 200), logLines: []), now: t0)
    XCTAssertEqual(r.cdcLatencySeconds, 200)
  }

  func testTheMessageSaysWhichMetricWhenTheyDisagree() {
    XCTAssertEqual(TaskRules.latencyBasis(source: 300, target: 60), "source latency, above target 1m00s")
    XCTAssertEqual(TaskRules.latencyBasis(source: nil, target: 60), "target latency; source not reported")
  }

  func testReadinessWindowJudgesTheLagNotTheSum() {
    // 40 s + 40 s for the whole window: the lag (40 s) is under the 60 s readiness limit.
    let m = makeMetrics(minutes: 10, source: { _ in 40 }, target: { _ in 40 })
    let rd = Readiness.evaluate(task: makeTask(), tables: tables([makeTable()]), metrics: m, events: [], now: t0)
    XCTAssertEqual(rd.criteria.first { $0.name == ReadinessCriterion.cdcLatency }?.passed, true)
  }
}

final class MissingTaskExitTests: XCTestCase {
  func report(missing: [String], findings: [Finding] = []) -> CheckReport {
    CheckReport(generatedAt: t0, source: "test", tasks: [], missingTasks: missing)
  }

  func testAMissingNamedTaskExitsOneUnlessAllowed() {
    XCTAssertEqual(report(missing: ["ghost"]).exitCode(), 1)
    XCTAssertEqual(report(missing: ["ghost"]).exitCode(failOn: .critical, allowMissing: true), 0)
    XCTAssertEqual(report(missing: ["ghost"]).exitCode(failOn: .warn, allowMissing: true), 1, "still a warning")
    XCTAssertEqual(report(missing: []).exitCode(), 0)
  }
}

final class StopReasonWordingTests: XCTestCase {
  func testStopReasonsAreWordsNotRawCodes() {
    XCTAssertEqual(StopReason.label("Stop Reason FATAL_ERROR"), "fatal error")
    XCTAssertEqual(StopReason.label("Stop Reason NORMAL"), "normal stop")
    XCTAssertEqual(StopReason.label("STOPPED_AFTER_FULL_LOAD"), "after full load")
    XCTAssertEqual(
      StopReason.failureText("Last Error Error in replication: ORA-01291 Stop Reason FATAL_ERROR Error Level FATAL"),
      "Error in replication: ORA-01291 (fatal error)")
    XCTAssertEqual(StopReason.failureText("boom"), "boom")
  }
}
