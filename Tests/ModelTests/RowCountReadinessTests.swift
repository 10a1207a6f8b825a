import XCTest

@testable import DMSWatchModel
import DMSWatchRules

/// "row counts match source": unknown until reconciled, never passed by default; MISMATCH is a critical finding.
final class RowCountReadinessTests: XCTestCase {
  func recon(_ verdicts: [ReconVerdict], error: String? = nil) -> TaskReconciliation {
    TaskReconciliation(
      task: "t1", taskArn: "arn:t1",
      tables: verdicts.enumerated().map { i, v in
        TableReconciliation(schema: "s", table: "t\(i)", source: RowCount(10), target: RowCount(v == .mismatch ? 7 : 10), verdict: v, detail: "d")
      }, error: error)
  }

  func evaluate(_ input: RowCountInput) -> Readiness {
    Readiness.evaluate(
      task: makeTask(), tables: tables([makeTable("a")]), metrics: makeMetrics(), events: [], now: t0, rowCounts: input)
  }

  func testUnknownUntilReconciledMakesNotReady() {
    let r = evaluate(.tracked(nil))
    XCTAssertFalse(r.ready)
    XCTAssertEqual(r.criteria.map(\.name), ReadinessCriterion.allWithRowCounts)
    XCTAssertEqual(r.failing.map(\.name), [ReadinessCriterion.rowCountsMatch])
    XCTAssertNil(r.failing.first?.passed)
  }

  func testMatchAndDriftPassMismatchFailsUnknownStaysUnknown() {
    XCTAssertTrue(evaluate(.tracked(recon([.match, .drift]))).ready)
    let bad = evaluate(.tracked(recon([.match, .mismatch])))
    XCTAssertEqual(bad.failing.first?.passed, false)
    XCTAssertTrue(bad.failing.first?.detail.contains("s.t1") == true)
    XCTAssertNil(evaluate(.tracked(recon([.match, .unknown]))).failing.first?.passed)
    XCTAssertNil(evaluate(.tracked(recon([.estimated]))).failing.first?.passed)
    XCTAssertNil(evaluate(.tracked(recon([], error: "cannot connect"))).failing.first?.passed)
    XCTAssertNil(evaluate(.tracked(recon([]))).failing.first?.passed)
  }

  func testMismatchIsACriticalFindingWithItsOwnEvent() {
    let f = ReconRules.findings(recon([.match, .mismatch, .drift]))
    XCTAssertEqual(f.count, 1)
    XCTAssertEqual(f.first?.event, FindingEvent.tableRowsMismatch)
    XCTAssertEqual(f.first?.severity, .critical)
    XCTAssertEqual(f.first?.table, "s.t1")
    XCTAssertEqual(f.first?.expected, 10)
    XCTAssertEqual(f.first?.actual, 7)
    XCTAssertTrue(FindingEvent.all.contains(FindingEvent.tableRowsMismatch))
  }
}
