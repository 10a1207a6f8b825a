import DMSWatchModel
import TestSupport
import XCTest

@testable import DMSWatchRender
import DMSWatchState

/// The RECON pane drawn from a `ReconState`, as committed snapshots.
final class ReconPaneTests: XCTestCase {
  static let now = Date(timeIntervalSince1970: 1_790_000_000)

  static func state() -> ReconState {
    let at = now.addingTimeInterval(-42)
    var checksum = ChecksumResult(
      state: .done, segmentsDone: 9, segmentsTotal: 9, queries: 18, rowsTransferred: 310, missingInTarget: ["10", "11", "12"],
      columnsCompared: ["id", "name"], columnsLeftOut: ["weight (double precision: inexact)"])
    let running = ChecksumResult(state: .running, segmentsDone: 3, segmentsTotal: 8, queries: 6)
    let failures = [
      ValidationFailureRow(schema: "shop", table: "items", failureType: .missingTarget, rawFailureType: "MISSING_TARGET", key: ["10"]),
    ]
    let tables = [
      TableReconciliation(
        schema: "shop", table: "items", source: RowCount(300), target: RowCount(297), verdict: .mismatch,
        detail: "differs by +3 after a recheck; the task is not applying changes", checkedAt: at, rechecked: true, checksum: checksum,
        validationFailures: failures),
      TableReconciliation(
        schema: "shop", table: "orders", source: RowCount(500), target: RowCount(500), verdict: .match, detail: "500 rows on both sides",
        checkedAt: at, checksum: running),
      TableReconciliation(
        schema: "shop", table: "events", source: RowCount(1_000_000), target: RowCount(999_990), verdict: .drift,
        detail: "differs by +10, within 40 changes in flight", checkedAt: at),
      TableReconciliation(
        schema: "shop", table: "big", source: RowCount(90_000_000, estimated: true), target: RowCount(89_000_000, estimated: true),
        verdict: .estimated, detail: "catalog estimates"),
      TableReconciliation(schema: "shop", table: "slow", verdict: .unknown, detail: "statement timeout (30 s) exceeded", checkedAt: at),
    ]
    checksum.state = .done
    return ReconState(
      taskIdentifier: "orders-cdc", result: TaskReconciliation(task: "orders-cdc", taskArn: "arn:x", tables: tables),
      phase: .running(done: 5, total: 7), marked: ["shop.items"], selected: 0)
  }

  func render(_ s: ReconState, _ w: Int, _ h: Int, charset: Charset = .unicode) -> Grid {
    var g = Grid(width: w, height: h)
    ReconPane.draw(&g, s, in: Rect(x: 0, y: 0, width: w, height: h), now: Self.now, focused: true, charset: charset)
    return g
  }

  func testSnapshots() {
    assertSnapshot(render(Self.state(), 120, 16), named: "pane-recon-120x16")
    assertSnapshot(render(Self.state(), 80, 12, charset: .ascii), named: "pane-recon-ascii-80x12")
  }

  func testEmptyAndErrorStates() {
    let idle = render(ReconState(taskIdentifier: "t1"), 80, 8).snapshot()
    XCTAssertTrue(idle.contains("not reconciled yet"))
    let unsupported = ReconState(
      taskIdentifier: "ora", result: TaskReconciliation(task: "ora", taskArn: "a", error: "oracle → postgres is not supported for reconciliation", errorKind: "unsupported"))
    let g = render(unsupported, 80, 8)
    XCTAssertTrue(g.snapshot().contains("not supported for reconciliation"))
  }

  func testExactCountsAreNeverRounded() {
    let text = render(Self.state(), 120, 16).snapshot()
    XCTAssertTrue(text.contains("1000000") && text.contains("999990"), text)
    XCTAssertTrue(text.contains("~90000000"))
  }
}
