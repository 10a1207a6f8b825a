import XCTest
import DMSWatchModel
import TestSupport
@testable import DMSWatchRender
@testable import DMSWatchState

/// Committed cell-grid snapshots of every pane and of the whole dashboard at 80×24 and 200×50.
final class SnapshotTests: XCTestCase {
  static let sizes = [(80, 24), (200, 50)]

  func testDashboard() {
    for (w, h) in Self.sizes {
      let g = Fixtures.render(Fixtures.dashboard(width: w, height: h))
      XCTAssertEqual(g.width, w)
      XCTAssertEqual(g.height, h)
      XCTAssertEqual(g.integrityProblems(), [])
      assertSnapshot(g, named: "dashboard-\(w)x\(h)")
    }
  }

  func testEveryPane() {
    for (w, h) in Self.sizes {
      var s = Fixtures.dashboard(width: w, height: h)
      for pane in Pane.allCases {
        s.focus = pane
        let g = Fixtures.render(s)
        assertSnapshot(text: g.snapshot(of: s.layout.rect(for: pane)), named: "pane-\(pane.rawValue)-\(w)x\(h)")
      }
    }
  }

  /// Roles (colours) of the whole dashboard: selection, status colours, badges, sparkline bands.
  func testDashboardRoles() {
    for (w, h) in Self.sizes {
      var s = Fixtures.dashboard(width: w, height: h)
      s.readOnly = true
      s.fleet.sources[.logs]?.lastSuccess = Fixtures.now.addingTimeInterval(-100)
      s.message = StatusMessage(text: "read-only mode: stop is disabled", severity: .warn, expires: Fixtures.now.addingTimeInterval(5))
      assertSnapshot(text: Fixtures.render(s).roleSnapshot(), named: "roles-dashboard-\(w)x\(h)")
    }
  }

  func testDashboardASCII() {
    let g = Fixtures.render(Fixtures.dashboard(width: 80, height: 24), charset: .ascii)
    assertSnapshot(g, named: "dashboard-ascii-80x24")
  }

  func testOverlays() {
    for (w, h) in Self.sizes {
      var s = Fixtures.dashboard(width: w, height: h)
      s.overlay = .help(scroll: 0)
      assertSnapshot(Fixtures.render(s), named: "overlay-help-\(w)x\(h)")
      s.overlay = .startMenu(taskArn: Fixtures.arn("crm-replica"), index: 0)
      assertSnapshot(Fixtures.render(s), named: "overlay-start-\(w)x\(h)")
      s.overlay = .confirm(Confirmation(
        command: .stop(arn: Fixtures.arn("orders-cdc"), task: "orders-cdc"),
        prompt: "Stop task orders-cdc (running)? Replication stops until it is resumed."))
      assertSnapshot(Fixtures.render(s), named: "overlay-confirm-\(w)x\(h)")
    }
  }

  func testEmptyStatesAndFilter() {
    var s = AppState(now: Fixtures.now)
    s.layout = Layout(width: 100, height: 30)
    assertSnapshot(Fixtures.render(s), named: "empty-loading-100x30")

    var f = Fixtures.dashboard(width: 100, height: 30)
    f.filter = "cdc"
    f.filterEditing = true
    f.recomputeTaskOrder()
    f.message = StatusMessage(text: "stop orders-cdc: requested", severity: .ok, expires: Fixtures.now.addingTimeInterval(5))
    assertSnapshot(Fixtures.render(f), named: "filter-editing-100x30")
  }

  func testErrorsOnlyTablesAndTheCdcStartDialog() throws {
    var s = Fixtures.dashboard(width: 120, height: 36)
    s.selectTask(arn: Fixtures.arn("orders-cdc"))
    s.focus = .tables
    s.tablesErrorsOnly = true
    s.syncTableCursor()
    assertSnapshot(Fixtures.render(s), named: "tables-errors-only-120x36")
    var t = try XCTUnwrap(s.fleet.tasks.first { $0.identifier == "crm-replica" })
    t.recoveryCheckpoint = "checkpoint:V1#27#mysql-bin-changelog.157832:1975:-1:2002:677883278264080:mysql-bin-changelog.157832:1876#0#0#*#0#93"
    s.overlay = .cdcStart(CdcStartDialog(task: t))
    assertSnapshot(Fixtures.render(s), named: "cdc-start-position-120x36")
  }

  func testTooSmall() {
    var s = Fixtures.dashboard(width: 50, height: 15)
    s.layout = Layout(width: 50, height: 15)
    assertSnapshot(Fixtures.render(s), named: "too-small-50x15")
  }
}
