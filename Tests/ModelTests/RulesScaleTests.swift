import XCTest

@testable import DMSWatchModel
@testable import DMSWatchReports
@testable import DMSWatchRules

/// Scale: rules, readiness and hints must stay cheap enough to run on every refresh.
final class RulesScaleTests: XCTestCase {
  func testLargeFleetEvaluatesQuickly() {
    let tableList = (0..<500).map { i in makeTable("t\(i)", applied: i % 50 == 0 ? (9, 5, 1) : nil) }
    let tt = tables(tableList)
    let metrics = makeMetrics(minutes: 60, source: { i in Double(i) })
    var lines: [LogEntry] = []
    for i in 0..<10_000 {
      let text: String = i % 100 == 0 ? "ORA-01291: missing logfile \(i)" : "Load finished for table \(i) rows received"
      let sev: LogSeverity = i % 3 == 0 ? .error : .info
      lines.append(logLine(text, task: nil, at: t0 - Double(i), severity: sev))
    }
    let inputs = (0..<20).map { i in CheckReport.TaskInput(task: makeTask("task\(i)"), tables: tt, metrics: metrics, logLines: lines) }
    let start = Date()
    let report = CheckReport.build(inputs: inputs, source: "scale", now: t0)
    let elapsed = Date().timeIntervalSince(start)
    print("scale: 20 tasks x 500 tables x 10k log lines -> \(report.summary.findings) findings in \(String(format: "%.3f", elapsed)) s")
    XCTAssertEqual(report.tasks.count, 20)
    XCTAssertEqual(report.tasks[0].findings.filter { $0.event == FindingEvent.tableMissing }.count, 10)
    XCTAssertEqual(report.tasks[0].hints.map { $0.id }, ["oracle-missing-archived-log"])
    XCTAssertLessThan(elapsed, 20, "debug build on a shared 2-core machine; release is far faster")
  }
}
