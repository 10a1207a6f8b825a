import XCTest
import DMSWatchModel
import TestSupport
@testable import DMSWatchRender
@testable import DMSWatchRules
@testable import DMSWatchState

/// Issue 12 on screen: unknown rows, latency semantics, truncation.
final class TruthRenderTests: XCTestCase {
  typealias F = Fixtures

  func row(_ g: Grid, _ name: String) -> String? {
    guard let p = g.find(name) else { return nil }
    return g.rowText(p.y)
  }

  func testUncheckedRowsSayLoadingAndQuestionMarkNeverHealthy() {
    var s = F.dashboard(width: 200, height: 50)
    // A running task with metrics but no statistics yet.
    var m = TaskMetrics()
    m[DMSMetric.cdcLatencyTarget].merge([SeriesPoint(time: F.now, value: 1)])
    s.fleet.metrics[F.arn("analytics-load")] = m
    let g = F.render(s)
    for (i, t) in s.visibleTasks.enumerated() where s.fleet.tables[t.arn] == nil {
      guard let text = row(g, t.identifier) else { return XCTFail("\(t.identifier) not drawn") }
      XCTAssertFalse(text.contains("healthy"), "\(i) \(t.identifier): \(text)")
    }
    XCTAssertTrue(g.rowText(s.layout.tasks.y).contains("checked 2/10"), g.rowText(s.layout.tasks.y))
  }

  func testAFailedStatisticsLoadShowsTheErrorNotZeroFlags() {
    var s = F.dashboard(width: 200, height: 50)
    s.fleet.tables[F.arn("billing-fl")]?.error = "HTTP 500 InternalFailure"
    let g = F.render(s)
    guard let text = row(g, "billing-fl") else { return XCTFail(g.snapshot()) }
    XCTAssertTrue(text.contains("? tables: HTTP 500 InternalFailure"), text)
    XCTAssertTrue(text.contains(" ?! "), "FLAGS says not checked: \(text)")
    XCTAssertFalse(text.contains("healthy"))
  }

  func testAStoppedTaskLatencyIsNotShownAsLive() {
    var s = F.dashboard(width: 200, height: 50)
    var m = TaskMetrics()
    m[DMSMetric.cdcLatencySource].merge([SeriesPoint(time: F.now, value: 30)])
    m[DMSMetric.cdcLatencyTarget].merge([SeriesPoint(time: F.now, value: 400)])
    s.fleet.metrics[F.arn("crm-replica")] = m
    s.selectTask(arn: F.arn("crm-replica"))
    s.recomputeTaskOrder()
    let g = F.render(s)
    guard let text = row(g, "crm-replica") else { return XCTFail(g.snapshot()) }
    XCTAssertFalse(text.contains("30s/6m40s"), "stopped: not live lag: \(text)")
    let title = g.rowText(s.layout.latency.y)
    XCTAssertTrue(title.contains("at stop: lag 6m40s (tgt)"), title)
    XCTAssertEqual(g.find("at stop: lag").map { g[$0.x, $0.y].role }, .dim)
  }

  func testNamesAreTruncatedInTheMiddle() {
    XCTAssertEqual(DrawText.middle("catalog-migration-prod-2", width: 14, ellipsis: "…"), "catalog…prod-2")
    XCTAssertEqual(DrawText.middle("short", width: 14, ellipsis: "…"), "short")
    XCTAssertEqual(DrawText.width(DrawText.middle("catalog-migration-prod-2", width: 11, ellipsis: "…")), 11)
    var s = F.dashboard(width: 80, height: 24)
    s.fleet.tasks[0].identifier = "catalog-migration-eu-prod-2"
    s.recomputeTaskOrder()
    let g = F.render(s)
    XCTAssertNotNil(g.find("-prod-2"), "the distinguishing suffix stays visible:\n\(g.snapshot())")
  }
}
