import XCTest

@testable import DMSWatchModel
@testable import DMSWatchRules

final class TaskRulesTests: XCTestCase {
  let config = RuleConfig()

  func findings(
    _ task: ReplicationTask, _ tt: TaskTables? = tables([makeTable()]), _ m: TaskMetrics? = makeMetrics(),
    _ ev: [LogEntry] = [], config: RuleConfig = RuleConfig()
  ) -> [Finding] {
    TaskRules.findings(task: task, tables: tt, metrics: m, events: ev, now: t0, config: config)
  }

  func testHealthyRunningTaskHasNoFindings() {
    XCTAssertEqual(findings(makeTask()), [])
  }

  func testDefaults() {
    let c = RuleConfig()
    XCTAssertEqual(c.latencyWarnSeconds, 60)
    XCTAssertEqual(c.latencyCriticalSeconds, 300)
    XCTAssertEqual(c.minThroughputRowsPerSecond, 10)
    XCTAssertEqual(c.stallMinutes, 5)
    XCTAssertEqual(c.readinessWindowMinutes, 5)
  }

  func testRuleConfigDecodesPartialJSONKeepingDefaults() throws {
    let c = try JSONDecoder().decode(RuleConfig.self, from: Data(#"{"latencyWarnSeconds": 30, "stallMinutes": 10}"#.utf8))
    XCTAssertEqual(c.latencyWarnSeconds, 30)
    XCTAssertEqual(c.stallMinutes, 10)
    XCTAssertEqual(c.latencyCriticalSeconds, 300)
    let back = try JSONDecoder().decode(RuleConfig.self, from: JSONEncoder().encode(c))
    XCTAssertEqual(back, c)
  }

  func testFailedTask() {
    let f = findings(makeTask(status: TaskStatus.failed, failure: "Last Error ORA-01291: missing logfile"))
    XCTAssertEqual(events(f), [FindingEvent.taskFailed])
    XCTAssertEqual(f.first?.severity, .critical)
    XCTAssertEqual(f.first?.message, "task failed: ORA-01291: missing logfile", "no doubled Last Error prefix")
    let noReason = findings(makeTask(status: TaskStatus.failed))
    XCTAssertEqual(noReason.first?.message, "task failed: no reason given")
    XCTAssertEqual(events(findings(makeTask(status: TaskStatus.failedMove))), [FindingEvent.taskFailed])
  }

  func testEveryStopReason() {
    let errors = ["RECOVERABLE_ERROR", "FATAL_ERROR", "STOPPED_DUE_TO_LOW_MEMORY", "STOPPED_DUE_TO_LOW_DISK", "EXPRESS_LICENSE_LIMITS_REACHED"]
    let normal = [
      "NORMAL", "FULL_LOAD_ONLY_FINISHED", "STOPPED_AFTER_FULL_LOAD", "STOPPED_AFTER_CACHED_EVENTS", "STOPPED_AFTER_DDL_APPLY",
      "STOPPED_AT_SERVER_TIME", "STOPPED_AT_COMMIT_TIME", "RECONFIGURATION_RESTART", "RECYCLE_TASK",
    ]
    for code in errors {
      let f = findings(makeTask(status: TaskStatus.stopped, stopReason: "Stop Reason \(code)"), tables([makeTable()]), nil)
      XCTAssertEqual(events(f), [FindingEvent.taskStoppedError], code)
      XCTAssertEqual(f.first?.severity, .critical, code)
      XCTAssertEqual(f.first?.message, "stopped: \(StopReason.label(code))")
      XCTAssertFalse(f.first?.message.contains("_") ?? true, "in words, not the raw code")
      XCTAssertTrue(StopReason("Stop Reason \(code)").isError)
      XCTAssertTrue(StopReason(code).isError, "bare code")
    }
    for code in normal {
      let f = findings(makeTask(status: TaskStatus.stopped, stopReason: "Stop Reason \(code)"), tables([makeTable()]), nil)
      XCTAssertEqual(f, [], code)
      XCTAssertEqual(StopReason("Stop Reason \(code)"), .normal(code))
    }
    let odd = findings(makeTask(status: TaskStatus.stopped, stopReason: "Stop Reason SOMETHING_NEW"), tables([makeTable()]), nil)
    XCTAssertEqual(events(odd), [FindingEvent.taskStoppedUnrecognized])
    XCTAssertEqual(odd.first?.severity, .unknown)
    XCTAssertEqual(StopReason("Stop Reason NEW_KIND_OF_ERROR").isError, true)
    XCTAssertEqual(StopReason.code(of: "  stop reason: fatal_error "), "FATAL_ERROR")
  }

  func testStoppedWithErrorCarriesFailureMessageOnce() {
    let f = findings(makeTask(status: TaskStatus.stopped, stopReason: "Stop Reason FATAL_ERROR", failure: "Error 1236 binlog"), tables([makeTable()]), nil)
    XCTAssertEqual(events(f), [FindingEvent.taskStoppedError])
    XCTAssertEqual(f.first?.message, "stopped: fatal error: Error 1236 binlog")
  }

  func testLastFailureMessageOnRunningTaskWarns() {
    let f = findings(makeTask(failure: "Task error notification received from subtask 0"))
    XCTAssertEqual(events(f), [FindingEvent.taskLastFailure])
    XCTAssertEqual(f.first?.severity, .warn)
    XCTAssertEqual(findings(makeTask(failure: "   ")), [], "blank message is no finding")
  }

  func testTablesErrored() {
    let f = findings(makeTask(tablesErrored: 2))
    XCTAssertEqual(events(f), [FindingEvent.taskTablesErrored])
    XCTAssertEqual(f.first?.actual, 2)
    XCTAssertEqual(f.first?.message, "2 tables errored")
    XCTAssertEqual(findings(makeTask(tablesErrored: 0)), [])
  }

  func testLatencyThresholdsUseTheEndToEndLagNotTheSum() {
    // (source, target) → severity, nil = no finding; the lag is the larger of the two (target, normally).
    let cases: [(Double, Double, Severity?, Double?)] = [
      (0, 0, nil, nil), (30, 29, nil, nil), (30, 30, nil, nil), (50, 20, nil, nil), (20, 60, .warn, 60), (299, 0, .warn, 60),
      (200, 100, .warn, 60), (100, 300, .critical, 300), (0, 1000, .critical, 300),
    ]
    for (s, t, sev, threshold) in cases {
      let f = findings(makeTask(), tables([makeTable()]), makeMetrics(source: { _ in s }, target: { _ in t })).filter { $0.event == FindingEvent.taskLatencyHigh }
      XCTAssertEqual(f.first?.severity, sev, "\(s)/\(t)")
      XCTAssertEqual(f.first?.threshold, threshold)
      if sev != nil { XCTAssertEqual(f.first?.value, max(s, t)) }
    }
    // Custom thresholds.
    let custom = RuleConfig(latencyWarnSeconds: 5, latencyCriticalSeconds: 10)
    let f = findings(makeTask(), tables([makeTable()]), makeMetrics(source: { _ in 6 }, target: { _ in 0 }), config: custom)
    XCTAssertEqual(f.first?.severity, .warn)
  }

  func testLatencyOnlyForRunningCDCTasks() {
    let high = makeMetrics(source: { _ in 900 })
    XCTAssertEqual(findings(makeTask(type: .fullLoad), tables([makeTable()]), high), [])
    XCTAssertEqual(findings(makeTask(status: TaskStatus.stopped, stopReason: "Stop Reason NORMAL"), tables([makeTable()]), high), [])
    XCTAssertEqual(events(findings(makeTask(type: .cdc), tables([makeTable()]), high)), [FindingEvent.taskLatencyHigh])
  }

  func testMissingMetricsAreUnknownForRunningCDC() {
    let f = findings(makeTask(), tables([makeTable()]), nil)
    XCTAssertEqual(events(f), [FindingEvent.taskMetricsUnknown])
    XCTAssertEqual(f.first?.severity, .unknown)
    XCTAssertEqual(events(findings(makeTask(), tables([makeTable()]), TaskMetrics())), [FindingEvent.taskMetricsUnknown])
  }

  func testLowThroughput() {
    let cases: [(Double, Double, Bool)] = [(5, 100, true), (9.9, 1, true), (10, 100, false), (0, 0, false), (50, 100, false)]
    for (rate, incoming, expect) in cases {
      let m = makeMetrics(throughput: { _ in rate }, incoming: { _ in incoming })
      let f = findings(makeTask(), tables([makeTable()]), m)
      XCTAssertEqual(events(f) == [FindingEvent.taskThroughputLow], expect, "rate \(rate) incoming \(incoming)")
      if expect {
        XCTAssertEqual(f.first?.severity, .warn)
        XCTAssertEqual(f.first?.value, rate)
        XCTAssertEqual(f.first?.threshold, 10)
      }
    }
  }

  func testStallFromSyntheticSeries() {
    // Latency rising 60 s a minute, nothing applied, changes waiting: stalled (and not also "low throughput").
    let stalled = makeMetrics(source: { i in Double(i * 60) }, target: { _ in 0 }, throughput: { _ in 0 }, incoming: { _ in 500 })
    XCTAssertEqual(TaskRules.isStalled(stalled, now: t0, window: 300), true)
    let f = findings(makeTask(), tables([makeTable()]), stalled)
    XCTAssertTrue(events(f).contains(FindingEvent.taskStalled))
    XCTAssertFalse(events(f).contains(FindingEvent.taskThroughputLow))
    XCTAssertEqual(f.first { $0.event == FindingEvent.taskStalled }?.severity, .critical)

    // Rising latency but rows applied: not stalled.
    let busy = makeMetrics(source: { i in Double(i * 60) }, throughput: { _ in 50 })
    XCTAssertEqual(TaskRules.isStalled(busy, now: t0, window: 300), false)
    // Zero throughput but flat latency (idle source): not stalled.
    let idle = makeMetrics(source: { _ in 1 }, target: { _ in 1 }, throughput: { _ in 0 })
    XCTAssertEqual(TaskRules.isStalled(idle, now: t0, window: 300), false)
    // Latency dipped inside the window: not stalled.
    let dip = makeMetrics(source: { i in i == 8 ? 10 : Double(i * 60) }, throughput: { _ in 0 })
    XCTAssertEqual(TaskRules.isStalled(dip, now: t0, window: 300), false)
    // One applied row in the window is progress.
    let trickle = makeMetrics(source: { i in Double(i * 60) }, throughput: { i in i == 9 ? 1 : 0 })
    XCTAssertEqual(TaskRules.isStalled(trickle, now: t0, window: 300), false)
    // Rising then frozen only in the last 2 minutes of a 5-minute window: rising yes, frozen no.
    let recent = makeMetrics(source: { i in Double(i * 60) }, throughput: { i in i >= 8 ? 0 : 20 })
    XCTAssertEqual(TaskRules.isStalled(recent, now: t0, window: 300), false)
  }

  func testStallNeedsEnoughData() {
    // Only 2 minutes of data.
    let short = makeMetrics(minutes: 2, source: { i in Double(i * 60) }, throughput: { _ in 0 })
    XCTAssertNil(TaskRules.isStalled(short, now: t0, window: 300))
    // Old data: newest point more than one window before now.
    let old = makeMetrics(end: t0.addingTimeInterval(-3600), source: { i in Double(i * 60) }, throughput: { _ in 0 })
    XCTAssertNil(TaskRules.isStalled(old, now: t0, window: 300))
    // No throughput series.
    let noThroughput = makeMetrics(source: { i in Double(i * 60) }, throughput: nil)
    XCTAssertNil(TaskRules.isStalled(noThroughput, now: t0, window: 300))
    // CloudWatch lag: newest point 2 minutes old still counts (window anchored on the newest point).
    let lagging = makeMetrics(end: t0.addingTimeInterval(-120), source: { i in Double(i * 60) }, throughput: { _ in 0 })
    XCTAssertEqual(TaskRules.isStalled(lagging, now: t0, window: 300), true)
    // Configurable window: 15 minutes needs 15 minutes of data.
    let ten = makeMetrics(minutes: 10, source: { i in Double(i * 60) }, throughput: { _ in 0 })
    XCTAssertNil(TaskRules.isStalled(ten, now: t0, window: 900))
  }

  func testEndToEndLatencyIsTheLargerOfSourceAndTargetPerTimestamp() {
    var m = TaskMetrics()
    m[DMSMetric.cdcLatencySource].merge([SeriesPoint(time: t0, value: 3), SeriesPoint(time: t0 + 60, value: 4)])
    m[DMSMetric.cdcLatencyTarget].merge([SeriesPoint(time: t0 + 60, value: 10), SeriesPoint(time: t0 + 120, value: 1)])
    XCTAssertEqual(TaskRules.endToEndLatency(m).map(\.value), [3, 10, 1])
  }

  /// The merge pass gives what a per-timestamp maximum, sorted by time, gives, for series that overlap in any way
  /// (one empty, interleaved, one inside the other, the same timestamps).
  func testEndToEndLatencyMergesLikeAPerTimestampMaximum() {
    var rng = SystemRandomNumberGenerator()
    for _ in 0..<200 {
      var m = TaskMetrics()
      let src = (0..<Int.random(in: 0...30, using: &rng)).map { _ in SeriesPoint(time: t0 + Double(Int.random(in: 0...40, using: &rng) * 60), value: Double.random(in: 0...100, using: &rng)) }
      let tgt = (0..<Int.random(in: 0...30, using: &rng)).map { _ in SeriesPoint(time: t0 + Double(Int.random(in: 0...40, using: &rng) * 60), value: Double.random(in: 0...100, using: &rng)) }
      m[DMSMetric.cdcLatencySource].merge(src)
      m[DMSMetric.cdcLatencyTarget].merge(tgt)
      var byTime: [Date: Double] = [:]
      for p in m.latencySource.points + m.latencyTarget.points { byTime[p.time] = max(byTime[p.time] ?? p.value, p.value) }
      let expected = byTime.sorted { $0.key < $1.key }.map { SeriesPoint(time: $0.key, value: $0.value) }
      XCTAssertEqual(TaskRules.endToEndLatency(m), expected)
    }
  }

  func testRecentErrorLinesOfThisTaskOnly() {
    let lines = [
      logLine("ORA-01291: missing logfile", at: t0 - 60),
      logLine("older error", at: t0 - 3600),
      logLine("other task error", task: "billing", at: t0 - 30),
      logLine("just a warning", at: t0 - 30, severity: .warning),
      logLine("untagged error", task: nil, at: t0 - 10),
      logLine("second error", at: t0 - 5),
    ]
    let f = findings(makeTask(), tables([makeTable()]), makeMetrics(), lines)
    XCTAssertEqual(events(f), [FindingEvent.taskErrorsLogged])
    XCTAssertEqual(f.first?.actual, 2)
    XCTAssertEqual(f.first?.message, "2 error lines in the last 5m; latest: second error")
  }

  func testTableFindingsCarryOperationCountsAndNames() {
    let tt = tables([makeTable("orders", applied: (7, 5, 1)), makeTable("items", applied: (10, 9, 1))])
    let f = findings(makeTask(), tt)
    XCTAssertEqual(events(f), [FindingEvent.tableDuplicate, FindingEvent.tableMissing])
    XCTAssertEqual(f.map(\.table), ["public.items", "public.orders"])
    XCTAssertEqual(f[1].operation, .inserts)
    XCTAssertEqual(f[1].expected, 10)
    XCTAssertEqual(f[1].actual, 7)
    XCTAssertNotEqual(f[0].key, f[1].key)
  }

  func testEveryTableFlagKindHasAnEventName() {
    var t = makeTable(applied: (nil, nil, 1), state: TableState.error, validation: ValidationState.mismatchedRecords, failed: 1, pending: 1, suspended: 1)
    t.fullLoadErrorRows = 1
    t.fullLoadCondtnlChkFailedRows = 1
    let f = TaskRules.tableFindings(task: "x", tables: tables([t]))
    XCTAssertEqual(
      Set(events(f)),
      [FindingEvent.tableAppliedUnknown, FindingEvent.tableError, FindingEvent.tableLoadErrors, FindingEvent.tableConditionalCheckFailed,
       FindingEvent.tableValidationFailed, FindingEvent.tableValidationSuspended])
    XCTAssertTrue(Set(events(f)).isSubset(of: Set(FindingEvent.all)))
    XCTAssertEqual(Set(FindingEvent.all).count, FindingEvent.all.count)
  }

  func testUnknownTables() {
    XCTAssertEqual(events(findings(makeTask(), nil)), [FindingEvent.taskTablesUnknown])
    var failed = TaskTables()
    failed.error = "ThrottlingException: Rate exceeded"
    let f = findings(makeTask(), failed)
    XCTAssertEqual(f.first?.message, "table statistics unavailable: ThrottlingException: Rate exceeded")
    var stale = tables([makeTable(applied: (1, 5, 1))])
    stale.error = "timeout"
    XCTAssertEqual(events(findings(makeTask(), stale)), [FindingEvent.tableMissing, FindingEvent.taskTablesUnknown])
  }

  func testSortingWorstFirstTaskBeforeTable() {
    let f = findings(makeTask(failure: "x", tablesErrored: 1), tables([makeTable(applied: (1, 5, 1))]), makeMetrics(source: { _ in 100 }))
    XCTAssertEqual(events(f), [FindingEvent.taskTablesErrored, FindingEvent.tableMissing, FindingEvent.taskLastFailure, FindingEvent.taskLatencyHigh])
    XCTAssertEqual(TaskRules.worst(f), .critical)
  }

  func testFindingJSONUsesSeverityLabels() throws {
    let f = Finding(event: "dms.table.missing", severity: .critical, task: "t", table: "s.t", operation: .inserts, message: "m", expected: 2, actual: 1)
    let e = JSONEncoder()
    e.outputFormatting = .sortedKeys
    let s = String(decoding: try e.encode(f), as: UTF8.self)
    XCTAssertEqual(s, #"{"actual":1,"event":"dms.table.missing","expected":2,"message":"m","operation":"inserts","severity":"critical","table":"s.t","task":"t"}"#)
    XCTAssertEqual(try JSONDecoder().decode(Finding.self, from: Data(s.utf8)), f)
    XCTAssertThrowsError(try JSONDecoder().decode(Finding.self, from: Data(s.replacingOccurrences(of: "critical", with: "bad").utf8)))
  }
}
