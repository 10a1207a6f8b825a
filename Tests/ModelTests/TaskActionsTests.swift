import Foundation
import TestKit
import XCTest

@testable import DMSWatchModel
@testable import DMSWatchRules
@testable import DMSWatchState

/// Issue 12: the menus offer only what DMS accepts; everything else is refused before any dialog.
final class TaskActionsTests: XCTestCase {
  func started(_ t: ReplicationTask) -> ReplicationTask {
    var t = t
    t.startDate = t0 - 3600
    return t
  }

  func testStartTypesFollowTheStateAndHistory() {
    let cases: [(ReplicationTask, [StartTaskType])] = [
      (makeTask(status: TaskStatus.ready), [.startReplication]),
      (started(makeTask(status: TaskStatus.ready)), [.resumeProcessing, .reloadTarget]),
      (makeTask(status: TaskStatus.stopped), [.resumeProcessing, .reloadTarget]),
      (makeTask(status: TaskStatus.failed), [.resumeProcessing, .reloadTarget]),
      (makeTask(status: TaskStatus.running), []),
      (makeTask(status: TaskStatus.starting), []),
      (makeTask(status: TaskStatus.stopping), []),
      (makeTask(status: TaskStatus.modifying), []),
    ]
    for (t, want) in cases { XCTAssertEqual(TaskActions.startTypes(for: t), want, t.status) }
  }

  func state(_ t: ReplicationTask, tables: [TableStatistics]? = nil) -> (AppState, Reducer) {
    var s = AppState(now: t0)
    let r = Reducer()
    _ = r.reduce(&s, .tasksLoaded([t], at: t0))
    s.selectTask(arn: t.arn)
    if let tables { _ = r.reduce(&s, .tablesLoaded(taskArn: t.arn, tables, at: t0)) }
    return (s, r)
  }

  func testRunningTaskGetsNoStartMenuButAClearMessage() {
    var (s, r) = state(makeTask(status: TaskStatus.running))
    let out = r.reduce(&s, .key(.char("s")))
    XCTAssertEqual(s.overlay, .none)
    XCTAssertEqual(s.message?.text, "orders is running: nothing to start")
    XCTAssertTrue(out.effects.contains(.audit("refused: orders is running: nothing to start")))
  }

  func testNeverRunTaskStartMenuOffersStartReplicationOnlyAndEnterConfirms() {
    var (s, r) = state(makeTask(status: TaskStatus.ready, type: .cdc))
    _ = r.reduce(&s, .key(.char("s")))
    guard case .startMenu(_, 0) = s.overlay else { return XCTFail("\(s.overlay)") }
    XCTAssertEqual(TaskActions.startChoices(for: s.fleet.tasks[0]), [.type(.startReplication), .cdcFromPoint], "CDC-only: from now, or from a chosen point")
    _ = r.reduce(&s, .key(.char("3")))  // no third item: stays on the first
    guard case .startMenu(_, 0) = s.overlay else { return XCTFail("\(s.overlay)") }
    _ = r.reduce(&s, .key(.enter))
    guard case .confirm(let c) = s.overlay else { return XCTFail("\(s.overlay)") }
    XCTAssertEqual(c.command, .start(arn: s.fleet.tasks[0].arn, task: "orders", type: .startReplication))
    XCTAssertTrue(c.prompt.contains("CDC starts reading changes from now"), c.prompt)
  }

  func testStoppedTaskStartMenuResumesWithoutAsking() {
    var (s, r) = state(makeTask(status: TaskStatus.stopped))
    _ = r.reduce(&s, .key(.char("s")))
    let out = r.reduce(&s, .key(.enter))
    XCTAssertEqual(out.effects, [.perform(.start(arn: s.fleet.tasks[0].arn, task: "orders", type: .resumeProcessing))])
  }

  func testStopOnlyOnTasksThatCanStop() {
    var (s, r) = state(makeTask(status: TaskStatus.stopped))
    _ = r.reduce(&s, .key(.char("x")))
    XCTAssertEqual(s.overlay, .none)
    XCTAssertEqual(s.message?.text, "orders is stopped: nothing to stop")
    var (s2, r2) = state(makeTask(status: TaskStatus.running))
    _ = r2.reduce(&s2, .key(.char("x")))
    guard case .confirm = s2.overlay else { return XCTFail("running task: stop asks") }
  }

  func testReloadAndRevalidateOnlyWhileRunning() {
    var (s, r) = state(makeTask(status: TaskStatus.stopped), tables: [makeTable()])
    s.focus = .tables
    s.syncTableCursor()
    for key in ["r", "v"] {
      s.message = nil
      _ = r.reduce(&s, .key(.char(Character(key))))
      XCTAssertEqual(s.overlay, .none, key)
      XCTAssertTrue(s.message?.text.contains("only while the task is running") ?? false, "\(key): \(String(describing: s.message))")
    }
  }

  func testRevalidateWithoutMarksAsksNamingTheTableCount() {
    var (s, r) = state(makeTask(status: TaskStatus.running), tables: [makeTable("a"), makeTable("b"), makeTable("c")])
    let out = r.reduce(&s, .key(.char("v")))
    XCTAssertFalse(out.effects.contains { if case .perform = $0 { return true } else { return false } }, "nothing sent before Yes")
    guard case .confirm(let c) = s.overlay else { return XCTFail("\(s.overlay)") }
    XCTAssertTrue(c.prompt.hasPrefix("Revalidate all 3 tables of orders"), c.prompt)
    XCTAssertFalse(c.yesSelected)
  }

  func testRevalidateRefusesWhenValidationIsNotEnabled() {
    var (s, r) = state(makeTask(status: TaskStatus.running), tables: [makeTable(validation: ValidationState.notEnabled)])
    _ = r.reduce(&s, .key(.char("v")))
    XCTAssertEqual(s.overlay, .none)
    XCTAssertTrue(s.message?.text.hasPrefix("validation is not enabled for orders") ?? false, "\(String(describing: s.message))")
  }
}

final class ConventionKeysTests: XCTestCase {
  func testErrorsOnlyShowsOnlyTasksWithWarnOrCriticalFindings() {
    var s = AppState(now: t0)
    let r = Reducer()
    let ok = makeTask("a-ok"), bad = makeTask("b-bad", status: TaskStatus.failed, failure: "boom"), unchecked = makeTask("c-unchecked")
    _ = r.reduce(&s, .tasksLoaded([ok, bad, unchecked], at: t0))
    _ = r.reduce(&s, .tablesLoaded(taskArn: ok.arn, [makeTable()], at: t0))
    _ = r.reduce(&s, .metricsLoaded([ok.arn: [DMSMetric.cdcLatencyTarget: [SeriesPoint(time: t0, value: 1)]]], at: t0))
    _ = r.reduce(&s, .key(.char("E")))
    XCTAssertEqual(s.visibleTasks.map(\.identifier), ["b-bad"])
    XCTAssertEqual(s.selectedTaskArn, bad.arn, "the selection moves to a shown task")
    _ = r.reduce(&s, .key(.char("E")))
    XCTAssertEqual(s.visibleTasks.count, 3)
  }

  func testUnknownKeysGetAOneLineMessage() {
    var s = AppState(now: t0)
    let r = Reducer()
    _ = r.reduce(&s, .tasksLoaded([makeTask()], at: t0))
    _ = r.reduce(&s, .key(.char("Z")))
    XCTAssertEqual(s.message?.text, "Z: no such key (? lists the keys)")
    _ = r.reduce(&s, .key(.char("a")))  // mark all: a TABLES/FLAGS key
    XCTAssertTrue(s.message?.text.hasPrefix("a: mark all / none — not in TASKS") ?? false, "\(String(describing: s.message))")
  }
}

final class ValidationUnknownIsNotOffTests: XCTestCase {
  func testTablesWithoutAValidationStateDoNotRefuseRevalidation() {
    let t = makeTask()
    XCTAssertNil(TaskActions.validationRefusal(t, tables: tables([makeTable(validation: nil)])))
    XCTAssertNotNil(TaskActions.validationRefusal(t, tables: tables([makeTable(validation: ValidationState.notEnabled)])))
  }
}
