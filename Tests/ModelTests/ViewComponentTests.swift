import Foundation
import TestKit
import XCTest

@testable import DMSWatchModel
@testable import DMSWatchRules
@testable import DMSWatchState

/// Issue 12, structure: view components with their own key contexts, keys from one table; the fleet store's
/// verdicts; the CDC start point; errors-only tables.
final class ViewComponentTests: XCTestCase {
  func state(_ tasks: [ReplicationTask]) -> (AppState, Reducer) {
    var s = AppState(now: t0)
    s.layout = Layout(width: 120, height: 40)
    let r = Reducer()
    _ = r.reduce(&s, .tasksLoaded(tasks, at: t0))
    return (s, r)
  }

  func press(_ keys: [Key], _ s: inout AppState, _ r: Reducer) -> [Effect] {
    keys.flatMap { r.reduce(&s, .key($0)).effects }
  }

  func testEveryKeyOfAContextMeansOneCommandAndEveryComponentHasKeys() {
    for ctx in KeyContext.allCases {
      let bindings = ViewKeys.bindings(in: ctx)
      XCTAssertFalse(bindings.isEmpty, "\(ctx) has no keys")
      var seen: [Key: ViewCommand] = [:]
      for b in bindings {
        for k in b.keys {
          if let other = seen[k] { XCTFail("\(ctx): \(k.label) is both \(other) and \(b.command)") }
          seen[k] = b.command
        }
      }
      XCTAssertFalse(ViewKeys.hints(in: ctx).isEmpty, "\(ctx) shows no hint")
    }
  }

  func testOverlayKeysComeFromTheTableAndFollowAConfigOverride() {
    var (s, r) = state([makeTask("orders")])
    var map = KeyMap()
    map.override(.copy, keys: [.char("C")])
    let custom = Reducer(keyMap: map)
    _ = press([.char("d")], &s, custom)
    guard case .detail = s.overlay else { return XCTFail("\(s.overlay)") }
    XCTAssertEqual(press([.char("C")], &s, custom), [.copy(text: s.fleet.tasks[0].arn, what: "ARN of orders")])
    // The old key now does nothing in the detail view, and says so (naming the view and its keys).
    XCTAssertEqual(press([.char("c")], &s, custom), [])
    XCTAssertTrue(s.message?.text.hasPrefix("c: nothing in detail (") == true, s.message?.text ?? "")
    XCTAssertTrue(s.message?.text.contains("C copy") == true, s.message?.text ?? "")
    // The default table: esc closes.
    _ = press([.escape], &s, r)
    XCTAssertEqual(s.overlay, .none)
  }

  func testAnUnknownKeyInAConfirmationSaysSoAndChangesNothing() {
    var (s, r) = state([makeTask("orders")])
    _ = press([.char("x")], &s, r)
    guard case .confirm(let c) = s.overlay else { return XCTFail("\(s.overlay)") }
    XCTAssertEqual(press([.char("z")], &s, r), [])
    XCTAssertEqual(s.overlay, .confirm(c))
    XCTAssertTrue(s.message?.text.contains("nothing in confirmation") == true, s.message?.text ?? "")
    // enter on the default button is No.
    XCTAssertEqual(press([.enter], &s, r), [.audit("cancelled stop orders")])
  }

  // MARK: CDC start point

  func cdcTask(_ status: String = TaskStatus.stopped, checkpoint: String? = "checkpoint:V1#27#mysql-bin-changelog.157832:1975:-1:2002:0") -> ReplicationTask {
    var t = makeTask("ledger-cdc", status: status, type: .cdc)
    t.startDate = t0 - 3600
    t.recoveryCheckpoint = checkpoint
    return t
  }

  func testTheStartMenuOffersACdcStartPointOnlyForCdcOnlyTasksThatMayStart() {
    XCTAssertEqual(TaskActions.startChoices(for: cdcTask()), [.type(.resumeProcessing), .type(.reloadTarget), .cdcFromPoint])
    XCTAssertEqual(TaskActions.startChoices(for: cdcTask(TaskStatus.failed)).last, .cdcFromPoint)
    XCTAssertEqual(TaskActions.startChoices(for: makeTask("new", status: TaskStatus.ready, type: .cdc)), [.type(.startReplication), .cdcFromPoint])
    XCTAssertEqual(TaskActions.startChoices(for: makeTask("fl", status: TaskStatus.stopped, type: .fullLoadAndCdc)), [.type(.resumeProcessing), .type(.reloadTarget)])
    XCTAssertEqual(TaskActions.startChoices(for: cdcTask(TaskStatus.running)), [])
    var sl = cdcTask()
    sl.kind = .serverless
    XCTAssertFalse(TaskActions.startChoices(for: sl).contains(.cdcFromPoint))
  }

  func testStartingCdcFromTheRecoveryCheckpointAsksThenSendsStartReplicationWithThePosition() {
    let t = cdcTask()
    var (s, r) = state([t])
    _ = press([.char("s"), .char("3"), .enter], &s, r)
    guard case .cdcStart(let d) = s.overlay else { return XCTFail("\(s.overlay)") }
    XCTAssertEqual(d.mode, .position)
    XCTAssertEqual(d.text, t.recoveryCheckpoint, "the field starts with where the task stopped")
    // `q` and `s` are text here, not quit or start.
    _ = press([.enter], &s, r)
    guard case .confirm(let c) = s.overlay else { return XCTFail("\(s.overlay)") }
    XCTAssertFalse(c.yesSelected, "default No")
    XCTAssertEqual(c.command, .start(arn: t.arn, task: t.identifier, type: .startReplication, from: .position(t.recoveryCheckpoint ?? "")))
    XCTAssertTrue(c.prompt.contains("Start CDC for ledger-cdc") && c.prompt.contains("applied again"), c.prompt)
    let effects = press([.char("y")], &s, r)
    XCTAssertEqual(effects, [.perform(c.command)])
    XCTAssertNotNil(s.fleet.pending[t.arn])
  }

  func testATimeIsTypedCheckedAndSentAsCdcStartTime() {
    let t = cdcTask(checkpoint: nil)
    var (s, r) = state([t])
    _ = press([.char("s"), .char("3"), .enter], &s, r)
    guard case .cdcStart(let d0) = s.overlay else { return XCTFail("\(s.overlay)") }
    XCTAssertEqual(d0.mode, .time, "no checkpoint known: a time")
    // A time in the future is refused in the dialog (nothing sent, nothing asked).
    for c in "2099-01-01T00:00:00Z" { _ = r.reduce(&s, .key(.char(c))) }
    XCTAssertEqual(press([.enter], &s, r), [])
    guard case .cdcStart(let d1) = s.overlay else { return XCTFail("\(s.overlay)") }
    XCTAssertTrue(d1.error?.contains("in the future") == true, d1.error ?? "")
    _ = press([.ctrl("u")], &s, r)
    for c in "qs-30m" where c != "q" && c != "s" { _ = r.reduce(&s, .key(.char(c))) }
    _ = press([.enter], &s, r)
    guard case .confirm(let c) = s.overlay else { return XCTFail("\(s.overlay)") }
    XCTAssertEqual(c.command, .start(arn: t.arn, task: t.identifier, type: .startReplication, from: .time(t0 - 1800)))
    XCTAssertTrue(c.command.summary.contains("CDC from time"), c.command.summary)
    // esc in the dialog cancels and is audited; tab switches to a position.
    _ = press([.char("n")], &s, r)
    _ = press([.char("s"), .char("3"), .enter, .tab], &s, r)
    guard case .cdcStart(let d2) = s.overlay else { return XCTFail("\(s.overlay)") }
    XCTAssertEqual(d2.mode, .position)
    for c in "mysql bin" { _ = r.reduce(&s, .key(.char(c))) }
    _ = press([.enter], &s, r)
    guard case .cdcStart(let d3) = s.overlay else { return XCTFail("\(s.overlay)") }
    XCTAssertTrue(d3.error?.contains("one word") == true, d3.error ?? "")
    XCTAssertEqual(press([.escape], &s, r), [.audit("cancelled start ledger-cdc from a CDC point")])
  }

  func testTheDialogRefusesWhenTheTaskMovedOnWhileItWasOpen() {
    let t = cdcTask()
    var (s, r) = state([t])
    _ = press([.char("s"), .char("3"), .enter], &s, r)
    var running = t
    running.status = TaskStatus.running
    _ = r.reduce(&s, .tasksLoaded([running], at: t0 + 5))
    let effects = press([.enter], &s, r)
    XCTAssertEqual(s.overlay, .none)
    XCTAssertTrue(effects.contains { if case .audit(let a) = $0 { a.hasPrefix("refused:") } else { false } }, "\(effects)")
  }

  func testTimesParse() {
    let now = t0
    XCTAssertEqual(CdcStartDialog.parseTime("2026-12-01T03:00:00Z", now: now), ISO8601DateFormatter().date(from: "2026-12-01T03:00:00Z"))
    XCTAssertEqual(CdcStartDialog.parseTime("2026-12-01 03:00", now: now), ISO8601DateFormatter().date(from: "2026-12-01T03:00:00Z"), "no zone: UTC")
    XCTAssertEqual(CdcStartDialog.parseTime("-90s", now: now), now - 90)
    XCTAssertEqual(CdcStartDialog.parseTime("2h ago", now: now), now - 7200)
    XCTAssertEqual(CdcStartDialog.parseTime("-1d", now: now), now - 86400)
    XCTAssertNil(CdcStartDialog.parseTime("-15d", now: now), "beyond any log retention")
    XCTAssertNil(CdcStartDialog.parseTime("-5x", now: now))
    XCTAssertNil(CdcStartDialog.parseTime("yesterday", now: now))
  }

  func testTheHintsThatNeedANewCdcPointSayHow() {
    let failed = makeTask("ledger-cdc", status: TaskStatus.failed, type: .cdc, failure: "ORA-01291: missing logfile")
    let hints = TriageHints.hints(for: failed, logLines: [])
    XCTAssertTrue(hints.contains { $0.recommendsCdcStart }, "\(hints.map(\.id))")
    XCTAssertTrue(TaskActions.offersCdcStartPoint(failed))
  }

  // MARK: errors-only tables

  func testErrorsOnlyInTablesShowsFlaggedTablesAndActionsReachOnlyThose() {
    var (s, r) = state([makeTask("orders")])
    let arn = s.fleet.tasks[0].arn
    let tables = [makeTable("a"), makeTable("b", applied: (5, 5, 1)), makeTable("c"), makeTable("d", state: TableState.error)]
    _ = r.reduce(&s, .tablesLoaded(taskArn: arn, tables, at: t0))
    _ = press([.tab, .char("E")], &s, r)
    XCTAssertEqual(s.focus, .tables)
    XCTAssertTrue(s.tablesErrorsOnly)
    XCTAssertEqual(s.shownTables.map(\.tableName), ["b", "d"])
    XCTAssertEqual(s.message?.text, "errors only: 2 tables with warn/critical flags (E for all)")
    _ = press([.char("a")], &s, r)
    XCTAssertEqual(s.marked.map(\.table).sorted(), ["b", "d"], "a marks the tables shown")
    _ = press([.escape, .escape], &s, r)
    XCTAssertFalse(s.tablesErrorsOnly, "esc: marks first, then errors only")
    XCTAssertEqual(s.shownTables.count, 4)
  }

  func testErrorsOnlyBeforeTheStatisticsAreCheckedSaysSo() {
    var (s, r) = state([makeTask("orders")])
    _ = press([.tab, .char("E")], &s, r)
    XCTAssertTrue(s.tablesErrorsOnly)
    XCTAssertEqual(s.message?.severity, .warn)
    XCTAssertTrue(s.message?.text.contains("not checked yet") == true, s.message?.text ?? "")
  }

  // MARK: the fleet store's verdicts

  func testVerdictsAreJudgedOncePerLoadAndOnlyTheChangedTaskIsJudgedAgain() {
    var (s, r) = state([makeTask("orders"), makeTask("billing")])
    let a = s.fleet.tasks[0], b = s.fleet.tasks[1]
    _ = r.reduce(&s, .tick(t0 + 1))
    let before = s.fleet.judged[b.arn]
    XCTAssertNotNil(before, "the rows drawn were judged")
    _ = r.reduce(&s, .tablesLoaded(taskArn: a.arn, [makeTable("x", applied: (1, 5, 1))], at: t0 + 2))
    XCTAssertEqual(s.fleet.judged[b.arn], before, "another task's load leaves this verdict alone")
    XCTAssertTrue(s.health(of: a).summary.contains("missing") || s.health(of: a).severity >= .warn, s.health(of: a).summary)
    // The verdict is the rules' own answer, not a copy that drifts.
    for t in s.fleet.tasks {
      XCTAssertEqual(s.findings(for: t), TaskRules.findings(
        task: t, tables: s.fleet.tables[t.arn], metrics: s.fleet.metrics[t.arn], events: s.fleet.errorLines(of: t), now: s.now,
        config: s.fleet.ruleConfig))
    }
    // Time passes: the time-dependent rules are judged again (never an old verdict read at a new time).
    let judgedAt = s.fleet.judged[b.arn]?.at
    _ = r.reduce(&s, .tick(t0 + 1 + FleetStore.rejudgeAfter))
    XCTAssertNotEqual(s.fleet.judged[b.arn]?.at, judgedAt)
  }

  /// A task-list poll naming the same tasks (only one of them changed) replaces that task in place: its verdict is
  /// judged again, the other's stands, and the store's index still finds both.
  func testATaskListPollOfTheSameTasksReJudgesOnlyTheChangedOne() {
    var (s, r) = state([makeTask("orders"), makeTask("billing")])
    _ = r.reduce(&s, .tick(t0 + 1))
    let a = s.fleet.tasks[0], b = s.fleet.tasks[1]
    let keptB = s.fleet.judged[b.arn]
    XCTAssertNotNil(keptB)
    var stopped = a
    stopped.status = TaskStatus.failed
    _ = r.reduce(&s, .tasksLoaded([stopped, b], at: t0 + 2))
    XCTAssertEqual(s.fleet.tasks.map(\.arn), [a.arn, b.arn])
    XCTAssertEqual(s.fleet.task(a.arn)?.status, TaskStatus.failed)
    XCTAssertEqual(s.fleet.judged[b.arn], keptB, "the unchanged task keeps its verdict")
    XCTAssertEqual(s.health(of: s.fleet.tasks[0]).severity, .critical, "the changed task is judged again")
    // A poll that drops a task takes the full path: gone from the list and the index.
    _ = r.reduce(&s, .tasksLoaded([b], at: t0 + 3))
    XCTAssertEqual(s.fleet.tasks.map(\.arn), [b.arn])
    XCTAssertNil(s.fleet.task(a.arn))
    XCTAssertEqual(s.fleet.task(b.arn)?.arn, b.arn)
  }

  /// The order is checked before it is sorted again: a poll that moves counters keeps the name order as it is, a poll
  /// that moves the sorted column reorders, and a task added in the middle lands in its place.
  func testTaskOrderFollowsTheSortedColumnAcrossPolls() {
    var (s, r) = state([makeTask("a"), makeTask("b"), makeTask("c")])
    func names() -> [String] { s.taskOrder.map { s.fleet.tasks[$0].identifier } }
    XCTAssertEqual(names(), ["a", "b", "c"])
    var tasks = s.fleet.tasks
    tasks[2].stats = ReplicationTaskStats(fullLoadProgressPercent: 90)
    tasks[0].stats = ReplicationTaskStats(fullLoadProgressPercent: 10)
    _ = r.reduce(&s, .tasksLoaded(tasks, at: t0 + 1))
    XCTAssertEqual(names(), ["a", "b", "c"], "name order: counters moving change nothing")
    s.sort = TaskSort(column: .progress, descending: true)
    s.recomputeTaskOrder()
    XCTAssertEqual(names(), ["c", "a", "b"])
    tasks[1].stats = ReplicationTaskStats(fullLoadProgressPercent: 95)
    _ = r.reduce(&s, .tasksLoaded(tasks, at: t0 + 2))
    XCTAssertEqual(names(), ["b", "c", "a"], "the sorted column moved: sorted again")
    s.sort = TaskSort(column: .name, descending: false)
    s.recomputeTaskOrder()
    _ = r.reduce(&s, .tasksLoaded(tasks + [makeTask("ab")], at: t0 + 3))
    XCTAssertEqual(names(), ["a", "ab", "b", "c"])
  }

  /// A refreshed page carries only its changed rows: they are replaced where they are, the other rows, verdicts and
  /// the checked count stand, and the order is checked around the changed rows — kept when they still sit between
  /// their neighbours, sorted again when one moved past one, rebuilt when one entered or left the filter.
  func testAChangedPageReplacesOnlyItsRowsAndTheOrderStaysHonest() {
    func task(_ name: String, _ pct: Int) -> ReplicationTask {
      var t = makeTask(name)
      t.stats = ReplicationTaskStats(fullLoadProgressPercent: pct)
      return t
    }
    var (s, r) = state([task("a", 40), task("b", 30), task("c", 20), task("d", 10)])
    s.sort = TaskSort(column: .progress, descending: true)
    s.recomputeTaskOrder()
    func names() -> [String] { s.taskOrder.map { s.fleet.tasks[$0].identifier } }
    XCTAssertEqual(names(), ["a", "b", "c", "d"])
    _ = r.reduce(&s, .tablesLoaded(taskArn: s.fleet.tasks[3].arn, [], at: t0))
    _ = r.reduce(&s, .tick(t0 + 1))
    let d = s.fleet.tasks[3]
    let keptD = s.fleet.judged[d.arn]
    XCTAssertNotNil(keptD)
    XCTAssertEqual(s.checkedCount(atIndices: s.taskOrder), 1)

    var b = s.fleet.tasks[1]
    b.stats = ReplicationTaskStats(fullLoadProgressPercent: 35)
    b.status = TaskStatus.stopped
    _ = r.reduce(&s, .tasksChanged([b], at: t0 + 2))
    XCTAssertEqual(s.fleet.tasks.map(\.identifier), ["a", "b", "c", "d"], "replaced in place, nothing added")
    XCTAssertEqual(s.fleet.task(b.arn)?.status, TaskStatus.stopped)
    XCTAssertEqual(names(), ["a", "b", "c", "d"], "35 % still sits between 40 % and 20 %")
    XCTAssertEqual(s.fleet.judged[d.arn], keptD, "an unchanged row keeps its verdict")
    XCTAssertEqual(s.checkedCount(atIndices: s.taskOrder), 1)
    XCTAssertEqual(s.fleet.sources[.tasks]?.lastSuccess, t0 + 2, "the page carries the full list's time")

    var c = s.fleet.tasks[2]
    c.stats = ReplicationTaskStats(fullLoadProgressPercent: 50)
    _ = r.reduce(&s, .tasksChanged([c], at: t0 + 2))
    XCTAssertEqual(names(), ["c", "a", "b", "d"], "a row that moved past its neighbour: sorted again")

    // A row that leaves the filter leaves TASKS; one that enters it comes back in its place.
    s.filter = "status:running"
    s.recomputeTaskOrder()
    XCTAssertEqual(names(), ["c", "a", "d"])
    var a = s.fleet.tasks[0]
    a.status = TaskStatus.stopped
    _ = r.reduce(&s, .tasksChanged([a], at: t0 + 3))
    XCTAssertEqual(names(), ["c", "d"])
    b.status = TaskStatus.running
    _ = r.reduce(&s, .tasksChanged([b], at: t0 + 4))
    XCTAssertEqual(names(), ["c", "b", "d"])

    // A row the store does not hold is not added by a page (only a full listing adds tasks).
    _ = r.reduce(&s, .tasksChanged([task("zz", 99)], at: t0 + 5))
    XCTAssertEqual(s.fleet.tasks.count, 4)
    XCTAssertEqual(names(), ["c", "b", "d"])
  }

  /// Engine events arrive several a second and frames at most one a second: an event leaves the changed row's
  /// verdict to the frame (`prepareFrame`), which judges the rows on screen with READY, as `check` would.
  func testTheFrameJudgesTheRowsOnScreenNotEachEngineEvent() {
    var (s, r) = state([makeTask("a"), makeTask("b")])
    _ = r.reduce(&s, .tick(t0 + 1))
    let a = s.fleet.tasks[0]
    XCTAssertNotNil(s.fleet.judged[a.arn]?.readiness, "a tick's frame judged the rows on screen, READY included")
    var failed = a
    failed.status = TaskStatus.failed
    _ = r.reduce(&s, .tasksChanged([failed], at: t0 + 2))
    XCTAssertNil(s.fleet.judged[a.arn], "the event dropped the verdict and did not judge again")
    s.prepareFrame()
    XCTAssertEqual(s.fleet.judged[a.arn]?.health.severity, .critical)
    XCTAssertEqual(s.fleet.judged[a.arn]?.readiness, Readiness.evaluate(task: s.fleet.tasks[0], tables: nil, metrics: nil, events: s.fleet.errorLines(of: s.fleet.tasks[0]), now: s.now, config: s.fleet.ruleConfig, rowCounts: .from(nil, config: s.fleet.ruleConfig)))
  }
}
