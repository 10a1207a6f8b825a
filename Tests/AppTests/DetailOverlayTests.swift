import TestKit
import DMSSimulator
import DMSWatchModel
import DMSWatchRender
import XCTest

@testable import DMSWatchApp
import DMSWatchState

@MainActor
final class DetailOverlayTests: XCTestCase {
  func testDetailShowsReadinessFindingsAndHintsForAFailedTask() async throws {
    let clock = ManualClock()
    let fleet = SimulatedFleet(config: SimulatorConfig(tasks: 12, seed: 1), clock: clock)
    var state = AppState(now: clock.now())
    let r = Reducer()
    _ = r.reduce(&state, .resize(width: 160, height: 60))
    _ = r.reduce(&state, .tasksLoaded(try await fleet.allReplicationTasks(), at: clock.now()))
    guard let failed = state.fleet.tasks.first(where: { $0.status == TaskStatus.failed && $0.lastFailureMessage != nil }) else {
      return XCTFail("the demo fleet has a failed task")
    }
    state.selectTask(arn: failed.arn)
    _ = r.reduce(&state, .tablesLoaded(taskArn: failed.arn, try await fleet.allTableStatistics(taskArn: failed.arn), at: clock.now()))
    _ = r.reduce(&state, .key(.char("d")))
    XCTAssertEqual(state.overlay, .detail(taskArn: failed.arn, scroll: 0))
    let lines = DashboardRenderer.detailLines(state, task: failed, width: 140, .unicode).map(\.text)
    let text = lines.joined(separator: "\n")
    XCTAssertTrue(text.contains("CUTOVER READINESS: NOT READY"), text)
    XCTAssertTrue(text.contains("✗ task running"), text)
    XCTAssertTrue(text.contains("FINDINGS"), text)
    XCTAssertTrue(text.contains("dms.task.failed") || text.contains("CRITICAL"), text)
    let hints = state.hints(for: failed)
    XCTAssertFalse(hints.isEmpty, "a failed demo task matches a triage hint: \(failed.lastFailureMessage ?? "")")
    XCTAssertTrue(text.contains(hints[0].title), text)
    let grid = DashboardRenderer.render(state, keyMap: KeyMap(), charset: .unicode)
    XCTAssertTrue(grid.contains("DETAIL \(failed.identifier)"))
    // Scrolls and closes.
    _ = r.reduce(&state, .key(.char("j")))
    XCTAssertEqual(state.overlay, .detail(taskArn: failed.arn, scroll: 1))
    _ = r.reduce(&state, .key(.escape))
    XCTAssertEqual(state.overlay, .none)
  }
}
