import XCTest

@testable import DMSWatchModel
@testable import DMSWatchReports
@testable import DMSWatchRules

/// Four tasks: failed full-load with unknown tables, healthy, lagging, and one with MISSING inserts.
/// The sample fleet judged without the row-count criterion (`requireRowCounts: false`), so one task is READY.
func sampleCheckReport(requested: [String] = [], config: RuleConfig = RuleConfig(requireRowCounts: false)) -> CheckReport {
    let inputs = [
      CheckReport.TaskInput(task: makeTask("orders"), tables: tables([makeTable("orders", applied: (8, 5, 1))]), metrics: makeMetrics()),
      CheckReport.TaskInput(task: makeTask("billing"), tables: tables([makeTable("invoices")]), metrics: makeMetrics()),
      CheckReport.TaskInput(
        task: makeTask("archive", status: TaskStatus.failed, type: .fullLoad, failure: "ORA-00942: table or view does not exist"),
        tables: nil, metrics: nil),
      CheckReport.TaskInput(task: makeTask("lagging"), tables: tables([makeTable("events")]), metrics: makeMetrics(source: { _ in 70 })),
    ]
    return CheckReport.build(inputs: inputs, requested: requested, source: "simulator", now: t0.addingTimeInterval(0.75), config: config)
}

final class CheckReportTests: XCTestCase {
  func sampleReport(requested: [String] = []) -> CheckReport { sampleCheckReport(requested: requested) }

  /// By default readiness needs row counts that match the source: unknown (NOT READY) until a reconciliation
  /// ran, READY once one matched, and a MISMATCH fails it with a critical finding.
  func testRowCountsAreARequiredReadinessCriterionByDefault() {
    let plain = sampleCheckReport(config: RuleConfig())
    let billing = plain.tasks[1]
    XCTAssertEqual(billing.identifier, "billing")
    XCTAssertFalse(billing.readiness.ready)
    XCTAssertEqual(billing.readiness.criteria.last?.name, ReadinessCriterion.rowCountsMatch)
    XCTAssertNil(billing.readiness.criteria.last?.passed, "unknown, never passed by default")
    XCTAssertEqual(plain.summary.ready, 0)
    let match = TaskReconciliation(task: "billing", taskArn: billing.arn, tables: [
      TableReconciliation(schema: "public", table: "invoices", source: RowCount(10), target: RowCount(10), verdict: .match, detail: "10 = 10")
    ])
    let reconciled = plain.addingReconciliation([match])
    XCTAssertTrue(reconciled.tasks[1].readiness.ready, reconciled.tasks[1].readiness.summary)
    XCTAssertEqual(reconciled.tasks[1].readiness.criteria.filter { $0.name == ReadinessCriterion.rowCountsMatch }.count, 1, "replaced, not added twice")
    var bad = match
    bad.tables[0].verdict = .mismatch
    bad.tables[0].target = RowCount(7)
    let mismatched = plain.addingReconciliation([bad]).tasks[1]
    XCTAssertEqual(mismatched.readiness.criteria.last?.passed, false)
    XCTAssertEqual(mismatched.findings.map(\.event), [FindingEvent.tableRowsMismatch])
    XCTAssertEqual(mismatched.severity, .critical)
  }

  func testBuildEvaluatesEveryTaskSortedByIdentifier() {
    let r = sampleReport()
    XCTAssertEqual(r.schemaVersion, 1)
    XCTAssertEqual(r.tasks.map(\.identifier), ["archive", "billing", "lagging", "orders"])
    XCTAssertEqual(r.tasks.map(\.severity), [.critical, .ok, .warn, .critical])
    XCTAssertEqual(r.tasks.map(\.readiness.ready), [false, true, false, false])
    XCTAssertEqual(r.tasks[0].hints.map(\.id), ["table-not-found"])
    XCTAssertEqual(r.tasks[0].cdcLatencySeconds, nil)
    XCTAssertEqual(r.tasks[1].cdcLatencySeconds, 2, "the larger of source 2 s and target 1 s, not their sum")
    XCTAssertEqual(r.tasks[3].findings.map(\.event), [FindingEvent.tableMissing])
    XCTAssertEqual(r.summary, {
      var s = CheckReport.Summary(tasks: [], missingTasks: 0)
      s.tasks = 4; s.ok = 1; s.warn = 1; s.critical = 2; s.ready = 1; s.findings = r.tasks.reduce(0) { $0 + $1.findings.count }
      return s
    }())
    XCTAssertEqual(r.generatedAt, t0, "fractional seconds dropped")
  }

  func testMissingTasksFailUnlessAllowedThenAreWarnings() {
    let r = sampleReport(requested: ["orders", "ghost", "arn:aws:dms:us-east-1:123456789012:task:BILLINGRES", "ghost"])
    XCTAssertEqual(r.missingTasks, ["ghost"])
    XCTAssertEqual(r.summary.missingTasks, 1)

    let clean = CheckReport.build(
      inputs: [.init(task: makeTask("billing"), tables: tables([makeTable()]), metrics: makeMetrics())],
      requested: ["billing", "nope"], source: "sim", now: t0)
    XCTAssertEqual(clean.worstSeverity, .warn)
    XCTAssertEqual(clean.exitCode(failOn: .warn), 1)
    XCTAssertEqual(clean.exitCode(failOn: .critical), 1, "a named task that does not exist was not checked")
    XCTAssertEqual(clean.exitCode(failOn: .critical, allowMissing: true), 0)
  }

  func testExitCodes() {
    func report(_ sevs: [Severity]) -> CheckReport {
      let findings = sevs.map { Finding(event: "x", severity: $0, task: "t", message: "m") }
      let tr = CheckReport.TaskReport(identifier: "t", arn: "a", status: "running", migrationType: "cdc", findings: findings,
        readiness: Readiness(criteria: []), hints: [])
      return CheckReport(generatedAt: t0, source: "s", tasks: [tr])
    }
    let cases: [([Severity], Severity, Int32)] = [
      ([], .critical, 0), ([], .warn, 0), ([.unknown], .critical, 0), ([.unknown], .warn, 0), ([.unknown], .unknown, 1),
      ([.warn], .critical, 0), ([.warn], .warn, 1), ([.critical], .critical, 1), ([.critical], .warn, 1),
      ([.warn, .unknown], .critical, 0),
    ]
    for (sevs, failOn, code) in cases {
      XCTAssertEqual(CheckReport.exitCode(report(sevs), failOn: failOn), code, "\(sevs) failOn \(failOn)")
    }
    XCTAssertEqual(CheckReport.exitCode(report([.warn])), 0, "default failOn is critical")
    XCTAssertEqual(sampleReport().exitCode(), 1)
    XCTAssertEqual(CheckReport.build(inputs: [], source: "s", now: t0).exitCode(failOn: .warn), 0)
  }

  func testJSONRoundTrip() throws {
    let r = sampleReport(requested: ["ghost"])
    let data = try r.jsonData()
    let back = try CheckReport.decode(data)
    XCTAssertEqual(back, r)
    // Same bytes again: deterministic output.
    XCTAssertEqual(try back.jsonData(), data)
  }

  func testJSONShapeMatchesDocumentation() throws {
    let r = sampleReport(requested: ["ghost"])
    let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: r.jsonData()) as? [String: Any])
    XCTAssertEqual(Set(obj.keys), ["schemaVersion", "generatedAt", "source", "tasks", "summary", "missingTasks"])
    XCTAssertEqual(obj["generatedAt"] as? String, "2026-09-21T14:13:20Z")
    XCTAssertEqual(obj["schemaVersion"] as? Int, 1)
    let tasks = try XCTUnwrap(obj["tasks"] as? [[String: Any]])
    let orders = try XCTUnwrap(tasks.first { $0["identifier"] as? String == "orders" })
    XCTAssertEqual(orders["severity"] as? String, "critical")
    let finding = try XCTUnwrap((orders["findings"] as? [[String: Any]])?.first)
    XCTAssertEqual(finding["event"] as? String, "dms.table.missing")
    XCTAssertEqual(finding["expected"] as? Int, 10)
    XCTAssertEqual(finding["actual"] as? Int, 8)
    XCTAssertEqual(finding["operation"] as? String, "inserts")
    let readiness = try XCTUnwrap(orders["readiness"] as? [String: Any])
    XCTAssertEqual(readiness["ready"] as? Bool, false)
    let archive = try XCTUnwrap(tasks.first { $0["identifier"] as? String == "archive" })
    let crit = try XCTUnwrap((archive["readiness"] as? [String: Any])?["criteria"] as? [[String: Any]])
    XCTAssertTrue(crit.contains { $0["passed"] is NSNull }, "unknown criteria serialise passed: null")
    let hint = try XCTUnwrap((archive["hints"] as? [[String: Any]])?.first)
    XCTAssertEqual(Set(hint.keys), ["id", "title", "cause", "nextStep", "source", "evidence"])
    let summary = try XCTUnwrap(obj["summary"] as? [String: Any])
    XCTAssertEqual(Set(summary.keys), ["tasks", "ok", "unknown", "warn", "critical", "ready", "findings", "missingTasks"])
    XCTAssertEqual(obj["missingTasks"] as? [String], ["ghost"])
  }

  func testDecodeRejectsBadSeverityAndTime() throws {
    let json = String(decoding: try sampleReport().jsonData(), as: UTF8.self)
    XCTAssertThrowsError(try CheckReport.decode(Data(json.replacingOccurrences(of: "\"severity\" : \"critical\"", with: "\"severity\" : \"fatal\"").utf8)))
    XCTAssertThrowsError(try CheckReport.decode(Data(json.replacingOccurrences(of: "2026-09-21T14:13:20Z", with: "yesterday").utf8)))
  }

  func testHumanTextTableAndDetails() {
    let text = sampleReport(requested: ["ghost"]).humanText(width: 100)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    XCTAssertEqual(lines[0], "dmswatch check: 4 tasks (2 critical, 1 warn, 1 ok), 1 ready")
    XCTAssertEqual(lines[1], "source: simulator  at 2026-09-21T14:13:20Z")
    XCTAssertEqual(lines[3], "TASK     STATUS   TYPE               HEALTH    READY      CDC LAG  FINDINGS")
    XCTAssertEqual(lines[4], "archive  failed   full-load          CRITICAL  NOT READY        -         2")
    XCTAssertEqual(lines[5], "billing  running  full-load-and-cdc  OK        READY         2.0s         0")
    XCTAssertEqual(lines[6], "lagging  running  full-load-and-cdc  WARN      NOT READY    1m10s         1")
    XCTAssertTrue(lines.contains("orders  CRITICAL  NOT READY"))
    XCTAssertTrue(lines.contains("  CRITICAL dms.table.missing public.orders: inserts: 10 captured, 8 applied (2 missing)"), text)
    XCTAssertTrue(lines.contains("  hint [table-not-found] Table not found"), text)
    XCTAssertTrue(lines.contains("WARN tasks not found: ghost"))
    XCTAssertTrue(text.hasSuffix("\n"))
    XCTAssertFalse(lines.contains { $0.hasSuffix(" ") }, "no trailing blanks")
  }

  func testHumanTextFitsWidthAndIsASCII() {
    var inputs = [CheckReport.TaskInput(
      task: makeTask("a-very-long-task-identifier-for-the-orders-database-cdc", status: TaskStatus.failed,
        failure: "Überlauf — “quoted” ≥ 5 … \u{1b}[31m control\nnewline"),
      tables: tables([makeTable()]), metrics: makeMetrics())]
    inputs.append(.init(task: makeTask("b"), tables: nil, metrics: nil))
    let r = CheckReport.build(inputs: inputs, source: "aws:prod/eu-west-1", now: t0)
    for width in [40, 60, 80, 120] {
      let text = r.humanText(width: width)
      for line in text.split(separator: "\n") {
        XCTAssertLessThanOrEqual(line.count, width, "width \(width): \(line)")
        XCTAssertTrue(line.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7f }, "non-ASCII: \(line)")
      }
    }
    let text = r.humanText(width: 200)
    XCTAssertTrue(text.contains("?berlauf - \"quoted\" >= 5 ... ?[31m control newline"), text)
    // The task column is shrunk with a marker when the table is too wide.
    XCTAssertTrue(r.humanText(width: 60).contains("a-very-~"), r.humanText(width: 60))
  }

  func testEmptyReportText() {
    let text = CheckReport.build(inputs: [], source: "sim", now: t0).humanText(width: 80)
    XCTAssertEqual(text, "dmswatch check: 0 tasks, 0 ready\nsource: sim  at 2026-09-21T14:13:20Z\n\nno tasks\n")
  }

  func testWrap() {
    XCTAssertEqual(CheckReport.wrap("aaa bbb ccc ddd", width: 8, indent: 2), ["aaa bbb", "  ccc", "  ddd"])
    XCTAssertEqual(CheckReport.wrap("abcdefghijkl", width: 5, indent: 1), ["abcde", " fghi", " jkl"])
    XCTAssertEqual(CheckReport.wrap("short", width: 50, indent: 2), ["short"])
    XCTAssertEqual(CheckReport.wrap("  next:  aaa bbb ccc", width: 16, indent: 8), ["  next:  aaa bbb", "        ccc"])
  }
}
