import Foundation
import TestKit
import XCTest

@testable import DMSWatchModel
@testable import DMSWatchRules
@testable import DMSWatchState

/// Issue 12: the `:` command line (k9s-style) with completion; per-task LOG buffers and `:log all`.
final class CommandLineTests: XCTestCase {
  func loaded(_ tasks: [ReplicationTask] = [makeTask("orders"), makeTask("billing")]) -> (AppState, Reducer) {
    var s = AppState(now: t0)
    s.layout = Layout(width: 120, height: 40)
    s.themeNames = ["default", "light", "high-contrast"]
    let r = Reducer()
    _ = r.reduce(&s, .tasksLoaded(tasks, at: t0))
    return (s, r)
  }

  @discardableResult
  func type(_ text: String, _ s: inout AppState, _ r: Reducer) -> [Effect] {
    var effects: [Effect] = []
    for c in text { effects += r.reduce(&s, .key(.char(c))).effects }
    return effects
  }

  func testColonOpensTheLineAndKeysAreTypedNotRun() {
    var (s, r) = loaded()
    type(":", &s, r)
    XCTAssertEqual(s.commandLine, CommandLineState())
    // `q` is text here, not quit; `E` is not errors-only.
    let effects = type("qE", &s, r)
    XCTAssertEqual(effects, [])
    XCTAssertEqual(s.commandLine?.text, "qE")
    XCTAssertFalse(s.errorsOnly)
    _ = r.reduce(&s, .key(.escape))
    XCTAssertNil(s.commandLine)
    XCTAssertNil(SessionKeys.command(for: .char("D"), replay: false, state: { var x = s; x.commandLine = CommandLineState(); return x }()),
                 "session keys are text while the line is open")
  }

  func testTabCompletesTheCommandThenListsWhatIsAmbiguous() {
    var (s, r) = loaded()
    type(":rec", &s, r)
    _ = r.reduce(&s, .key(.tab))
    XCTAssertEqual(s.commandLine?.text, "recon")
    _ = r.reduce(&s, .key(.escape))
    type(":t", &s, r)
    _ = r.reduce(&s, .key(.tab))
    XCTAssertEqual(s.commandLine?.text, "t")
    XCTAssertEqual(Set(s.commandLine?.candidates ?? []), ["tasks", "task", "tables", "table", "theme"])
    type("h", &s, r)
    _ = r.reduce(&s, .key(.tab))
    XCTAssertEqual(s.commandLine?.text, "theme ", "a command with an argument completes with a space")
    type("hi", &s, r)
    _ = r.reduce(&s, .key(.tab))
    XCTAssertEqual(s.commandLine?.text, "theme high-contrast")
    let effects = r.reduce(&s, .key(.enter)).effects
    XCTAssertEqual(effects, [.setTheme("high-contrast")])
    XCTAssertNil(s.commandLine)
  }

  func testRunsTheViewCommands() {
    var (s, r) = loaded()
    type(":tables", &s, r)
    _ = r.reduce(&s, .key(.enter))
    XCTAssertEqual(s.focus, .tables)
    type(":tasks", &s, r)
    _ = r.reduce(&s, .key(.enter))
    XCTAssertEqual(s.focus, .tasks)
    type(":recon", &s, r)
    let effects = r.reduce(&s, .key(.enter)).effects
    guard case .recon(let arn) = s.overlay else { return XCTFail("RECON opens, got \(s.overlay)") }
    XCTAssertEqual(arn, s.selectedTaskArn)
    XCTAssertTrue(effects.contains { if case .reconcile = $0 { return true } else { return false } })
    type(":tasks", &s, r)
    _ = r.reduce(&s, .key(.enter))
    XCTAssertEqual(s.overlay, .none, ":tasks closes an overlay")
    type(":sort health", &s, r)
    _ = r.reduce(&s, .key(.enter))
    XCTAssertEqual(s.sort.column, .health)
    type(":filter bill", &s, r)
    _ = r.reduce(&s, .key(.enter))
    XCTAssertEqual(s.visibleTasks.map(\.identifier), ["billing"])
    type(":q", &s, r)
    XCTAssertEqual(r.reduce(&s, .key(.enter)).effects, [.quit])
  }

  func testUnknownCommandsAndBadArgumentsSaySo() {
    var (s, r) = loaded()
    type(":tsks", &s, r)
    _ = r.reduce(&s, .key(.enter))
    XCTAssertEqual(s.message?.text, "unknown command :tsks — did you mean :tasks? (: then tab lists the commands)")
    XCTAssertEqual(s.message?.severity, .warn)
    type(":sort size", &s, r)
    _ = r.reduce(&s, .key(.enter))
    XCTAssertEqual(s.message?.text.hasPrefix("usage: :sort name|status"), true, s.message?.text ?? "")
    type(":tasks now", &s, r)
    _ = r.reduce(&s, .key(.enter))
    XCTAssertEqual(s.message?.text, ":tasks takes no argument")
    type(":scope mars", &s, r)
    _ = r.reduce(&s, .key(.enter))
    XCTAssertEqual(s.message?.text, "no scope \"mars\" (scopes: none)")
    // Replay-only commands are unknown outside a replay, and session commands go to the session loop.
    type(":at 03:12", &s, r)
    XCTAssertEqual(r.reduce(&s, .key(.enter)).effects, [])
    XCTAssertEqual(s.message?.text.hasPrefix("unknown command :at"), true)
    s.replaying = true
    type(":at 03:12", &s, r)
    XCTAssertEqual(r.reduce(&s, .key(.enter)).effects, [.session(command: "at", argument: "03:12")])
    type(":at", &s, r)
    XCTAssertEqual(r.reduce(&s, .key(.enter)).effects, [])
    XCTAssertEqual(s.message?.text, "usage: :at TIME")
    type(":dump", &s, r)
    XCTAssertEqual(r.reduce(&s, .key(.enter)).effects, [.session(command: "dump", argument: "")])
  }

  func testScopeCommandCompletesAndFiltersByScope() {
    let eu = ScopeInfo(id: ScopeID("prod/eu-west-1"), label: "prod-eu", profile: "prod", region: "eu-west-1")
    let us = ScopeInfo(id: ScopeID("prod/us-east-1"), label: "prod-us", profile: "prod", region: "us-east-1")
    var s = AppState(now: t0)
    let r = Reducer()
    _ = r.reduce(&s, .engine(.scopeChanged(eu, error: nil)))
    _ = r.reduce(&s, .engine(.scopeChanged(us, error: nil)))
    _ = r.reduce(&s, .tasksLoaded([makeTask("orders")], at: t0, scope: eu.id))
    _ = r.reduce(&s, .tasksLoaded([makeTask("billing")], at: t0, scope: us.id))
    type(":scope prod-u", &s, r)
    _ = r.reduce(&s, .key(.tab))
    XCTAssertEqual(s.commandLine?.text, "scope \(us.display)")
    _ = r.reduce(&s, .key(.enter))
    XCTAssertEqual(s.scopeFilter, us.id)
    XCTAssertEqual(s.visibleTasks.map(\.identifier), ["billing"])
    type(":scope all", &s, r)
    _ = r.reduce(&s, .key(.enter))
    XCTAssertNil(s.scopeFilter)
    XCTAssertEqual(s.visibleTasks.count, 2)
  }

  func testLogShowsTheFocusedTasksOwnLinesOrAllMerged() {
    var (s, r) = loaded()
    let orders = s.fleet.tasks.first { $0.identifier == "orders" }!
    let billing = s.fleet.tasks.first { $0.identifier == "billing" }!
    // A chatty task: 3,000 lines of billing never push orders' line out of orders' view.
    let mine = LogEntry(time: t0, source: .log, severity: .error, component: "SOURCE_CAPTURE", text: "orders broke", task: "orders", taskArn: orders.arn)
    _ = r.reduce(&s, .logLoaded([mine], at: t0))
    let chatter = (0..<3000).map { i in
      LogEntry(time: t0 + Double(i), source: .log, severity: .info, component: "TARGET_APPLY", text: "line \(i)", task: "billing", taskArn: billing.arn)
    }
    _ = r.reduce(&s, .logLoaded(chatter, at: t0 + 3000))
    // An event names its task by identifier only: it lands in that task's buffer.
    let event = LogEntry(time: t0 + 3001, source: .event, severity: .warning, component: "STATE CHANGE", text: "stopped", task: "orders")
    _ = r.reduce(&s, .eventsLoaded([event], at: t0 + 3001))
    s.selectTask(arn: orders.arn)
    XCTAssertEqual(s.shownLog.toArray().map(\.text), ["orders broke", "stopped"])
    s.selectTask(arn: billing.arn)
    XCTAssertEqual(s.shownLog.count, FleetStore.taskLogCapacity)
    XCTAssertEqual(s.shownLog.last?.text, "line 2999")
    type(":log all", &s, r)
    _ = r.reduce(&s, .key(.enter))
    XCTAssertTrue(s.logAll)
    XCTAssertEqual(s.shownLog.count, 3002)
    XCTAssertEqual(s.shownLog.last?.text, "stopped", "merged in arrival (time) order")
    type(":log task", &s, r)
    _ = r.reduce(&s, .key(.enter))
    XCTAssertFalse(s.logAll)
  }

  func testFollowResumesWhenFocusChanges() {
    var (s, r) = loaded()
    s.focus = .log
    s.logFollow = false
    s.logScrollBack = 5
    let other = s.fleet.tasks.first { $0.arn != s.selectedTaskArn }!
    s.selectTask(arn: other.arn)
    XCTAssertTrue(s.logFollow)
    XCTAssertEqual(s.logScrollBack, 0)
    _ = r
  }
}

/// Issue 12: `space` marks tasks; stop/resume several with one confirmation that lists them.
final class TaskMarkTests: XCTestCase {
  func fleet() -> (AppState, Reducer) {
    var s = AppState(now: t0)
    s.layout = Layout(width: 120, height: 40)
    let r = Reducer()
    _ = r.reduce(&s, .tasksLoaded([
      makeTask("a-orders"), makeTask("b-billing"), makeTask("c-stopped", status: TaskStatus.stopped), makeTask("d-prod-eu"),
    ], at: t0))
    return (s, r)
  }

  func mark(_ names: [String], _ s: inout AppState, _ r: Reducer) {
    for n in names {
      guard let i = s.visibleTasks.firstIndex(where: { $0.identifier == n }) else { return XCTFail("no \(n)") }
      s.taskCursor.index = i
      s.selectTask(arn: s.visibleTasks[i].arn)
      _ = r.reduce(&s, .key(.char(" ")))
    }
  }

  func testStopAskedOnceForEveryMarkedTaskThatCanStop() {
    var (s, r) = fleet()
    mark(["a-orders", "b-billing", "c-stopped"], &s, r)
    XCTAssertEqual(s.markedTasks.count, 3)
    XCTAssertEqual(r.reduce(&s, .key(.char("x"))).effects, [])
    guard case .confirm(let c) = s.overlay else { return XCTFail("a confirmation, got \(s.overlay)") }
    XCTAssertFalse(c.yesSelected, "default No")
    XCTAssertEqual(c.commands.map(\.taskIdentifier), ["a-orders", "b-billing"])
    XCTAssertTrue(c.prompt.hasPrefix("Stop 2 tasks: a-orders, b-billing?"), c.prompt)
    XCTAssertTrue(c.prompt.contains("Left out (cannot stop now): c-stopped."), c.prompt)
    // Enter on the default (No) sends nothing.
    XCTAssertEqual(r.reduce(&s, .key(.enter)).effects, [.audit("cancelled \(c.summary)")])
    _ = r.reduce(&s, .key(.char("x")))
    let effects = r.reduce(&s, .key(.char("y"))).effects
    XCTAssertEqual(effects, c.commands.map { .perform($0) }, "each task's stop is one request")
    XCTAssertEqual(Set(s.fleet.pending.keys), Set(c.commands.map(\.taskArn)))
    XCTAssertTrue(s.markedTasks.isEmpty)
  }

  func testAMarkHiddenByTheFilterNeverReachesAnAction() {
    var (s, r) = fleet()
    mark(["a-orders", "d-prod-eu"], &s, r)
    s.filter = "!prod"
    s.recomputeTaskOrder()
    _ = r.reduce(&s, .key(.char("x")))
    guard case .confirm(let c) = s.overlay else { return XCTFail("a confirmation, got \(s.overlay)") }
    XCTAssertEqual(c.commands.map(\.taskIdentifier), ["a-orders"])
    XCTAssertTrue(c.prompt.contains("1 marked task is hidden by the filter and left out."), c.prompt)
  }

  func testResumeSeveralStoppedTasksAndRefuseWhenNoneCan() {
    var (s, r) = fleet()
    mark(["a-orders"], &s, r)
    _ = r.reduce(&s, .key(.char("s")))
    XCTAssertEqual(s.overlay, .none)
    XCTAssertEqual(s.message?.text, "none of the 1 marked task can resume now (a-orders); start one at a time with s")
    _ = r.reduce(&s, .key(.escape))
    XCTAssertTrue(s.markedTasks.isEmpty, "esc clears the marks")
    mark(["c-stopped", "b-billing"], &s, r)
    _ = r.reduce(&s, .key(.char("s")))
    guard case .confirm(let c) = s.overlay else { return XCTFail("a confirmation, got \(s.overlay)") }
    XCTAssertEqual(c.commands, [.start(arn: s.fleet.tasks[2].arn, task: "c-stopped", type: .resumeProcessing)])
    XCTAssertTrue(c.prompt.contains("Left out (cannot resume; start them one at a time): b-billing."), c.prompt)
    s.readOnly = true
    XCTAssertEqual(r.reduce(&s, .key(.char("y"))).effects, [.audit("refused (read-only) \(c.command.summary)")])
  }
}

/// Issue 12: `/` filters by name, status, scope, health, type or kind; `!` negates; terms combine.
final class TaskFilterTests: XCTestCase {
  func testFieldsNegationAndCombinedTerms() {
    var s = AppState(now: t0)
    let r = Reducer()
    _ = r.reduce(&s, .tasksLoaded([
      makeTask("orders-prod"), makeTask("billing-prod", status: TaskStatus.failed, failure: "ORA-1"),
      makeTask("crm-dev", status: TaskStatus.stopped), makeTask("audit-prod", type: .cdc),
    ], at: t0))
    func shown(_ f: String) -> [String] {
      s.filter = f
      s.recomputeTaskOrder()
      return s.visibleTasks.map(\.identifier).sorted()
    }
    XCTAssertEqual(shown("status:failed"), ["billing-prod"])
    XCTAssertEqual(shown("!prod"), ["crm-dev"])
    XCTAssertEqual(shown("prod !status:failed"), ["audit-prod", "orders-prod"])
    XCTAssertEqual(shown("type:cdc"), ["audit-prod", "billing-prod", "crm-dev", "orders-prod"], "full-load-and-cdc contains cdc")
    XCTAssertEqual(shown("type:full"), ["billing-prod", "crm-dev", "orders-prod"])
    XCTAssertEqual(shown("health:crit"), ["billing-prod"], "a failed task is critical")
    XCTAssertEqual(shown("health:unknown"), ["audit-prod", "crm-dev", "orders-prod"], "never loaded: unknown, not healthy")
    XCTAssertEqual(shown("name:"), ["audit-prod", "billing-prod", "crm-dev", "orders-prod"], "an empty term matches all")
    XCTAssertEqual(shown("STATUS:Stopped"), ["crm-dev"], "case does not matter")
    XCTAssertEqual(shown("kind:serverless"), [])
    XCTAssertEqual(shown("nothing-like-this"), [])
    XCTAssertNil(s.selectedTaskArn, "a filter that hides every task leaves nothing selected")
  }
}

/// Issue 12: `/` filters the focused pane — TABLES by name or state — and searches LOG (`n`/`N`); `e` sets LOG's level.
final class PaneFilterTests: XCTestCase {
  func withTables() -> (AppState, Reducer, String) {
    var s = AppState(now: t0)
    s.layout = Layout(width: 120, height: 40)
    let r = Reducer()
    _ = r.reduce(&s, .tasksLoaded([makeTask("orders")], at: t0))
    let arn = s.fleet.tasks[0].arn
    _ = r.reduce(&s, .tablesLoaded(taskArn: arn, [
      makeTable("orders"), makeTable("order_items"), makeTable("customers", state: TableState.error), makeTable("audit", schema: "ops"),
    ], at: t0))
    return (s, r, arn)
  }

  func type(_ text: String, _ s: inout AppState, _ r: Reducer) { for c in text { _ = r.reduce(&s, .key(.char(c))) } }

  func testSlashInTablesFiltersTablesAndActionsReachOnlyShownOnes() {
    var (s, r, _) = withTables()
    s.focus = .tables
    type("/order", &s, r)
    XCTAssertEqual(s.filterTarget, .tables)
    XCTAssertEqual(s.shownTables.map(\.qualifiedName).sorted(), ["public.order_items", "public.orders"])
    XCTAssertEqual(s.filter, "", "the TASKS filter is untouched")
    _ = r.reduce(&s, .key(.enter))
    XCTAssertFalse(s.filterEditing)
    // `a` marks all shown; `v` then revalidates just those, and the prompt says it is the filtered set.
    _ = r.reduce(&s, .key(.char("a")))
    XCTAssertEqual(s.marked.count, 2)
    s.marked = []
    _ = r.reduce(&s, .key(.char("v")))
    guard case .confirm(let c) = s.overlay, case .reload(_, _, let tables, _) = c.command else { return XCTFail("\(s.overlay)") }
    XCTAssertEqual(tables.map(\.qualifiedName).sorted(), ["public.order_items", "public.orders"])
    XCTAssertTrue(c.prompt.contains("the 2 shown (filter /order)"), c.prompt)
    _ = r.reduce(&s, .key(.char("n")))
    // State text and negation.
    s.tableFilter = "error"
    XCTAssertEqual(s.shownTables.map(\.qualifiedName), ["public.customers"])
    s.tableFilter = "!public"
    XCTAssertEqual(s.shownTables.map(\.qualifiedName), ["ops.audit"])
    _ = r.reduce(&s, .key(.escape))
    XCTAssertEqual(s.tableFilter, "", "esc clears the TABLES filter")
    XCTAssertEqual(s.shownTables.count, 4)
  }

  func testLogSearchGoesToMatchesAndTheLevelFilters() {
    var (s, r, arn) = withTables()
    var lines: [LogEntry] = []
    for i in 0..<100 {
      let sev: LogSeverity = i % 10 == 0 ? .error : .info
      let text: String = i == 20 || i == 70 ? "ORA-01555 snapshot too old" : "line \(i)"
      lines.append(LogEntry(time: t0.addingTimeInterval(Double(i)), source: .log, severity: sev, component: "TARGET_APPLY", text: text, task: "orders", taskArn: arn))
    }
    _ = r.reduce(&s, .logLoaded(lines, at: t0 + 100))
    s.focus = .log
    type("/ora-0", &s, r)
    XCTAssertEqual(s.filterTarget, .log)
    _ = r.reduce(&s, .key(.enter))
    XCTAssertEqual(s.logMatch, 70, "the newest match first")
    XCTAssertEqual(s.shownLog[s.shownLog.count - 1 - s.logScrollBack].text, "ORA-01555 snapshot too old")
    XCTAssertFalse(s.logFollow)
    _ = r.reduce(&s, .key(.char("n")))
    XCTAssertEqual(s.logMatch, 20, "n: the next older match")
    _ = r.reduce(&s, .key(.char("N")))
    XCTAssertEqual(s.logMatch, 70, "N: back to the newer one")
    XCTAssertEqual(s.message?.text, "/ora-0: line 71 of 100 (n older, N newer)")
    type("/zzz", &s, r)
    _ = r.reduce(&s, .key(.enter))
    XCTAssertEqual(s.message?.text, "/zzz: not found in 100 lines")
    // e: warnings and up, errors only, all.
    _ = r.reduce(&s, .key(.char("e")))
    XCTAssertEqual(s.logLevel, .warnings)
    XCTAssertEqual(s.shownLog.count, 10)
    _ = r.reduce(&s, .key(.char("e")))
    XCTAssertEqual(s.logLevel, .errors)
    XCTAssertTrue(s.shownLog.toArray().allSatisfy { $0.severity == .error })
    _ = r.reduce(&s, .key(.char("e")))
    XCTAssertEqual(s.shownLog.count, 100)
  }
}

/// Issue 12: `y` shows the raw JSON of the selected task or table; `c` there copies it.
final class RawViewTests: XCTestCase {
  func testYReadsTheTaskOrTableThenShowsAndCopiesIt() {
    var s = AppState(now: t0)
    s.layout = Layout(width: 120, height: 40)
    let r = Reducer()
    _ = r.reduce(&s, .tasksLoaded([makeTask("orders")], at: t0))
    let arn = s.fleet.tasks[0].arn
    XCTAssertEqual(r.reduce(&s, .key(.char("y"))).effects, [.fetchRaw(taskArn: arn, table: nil, title: "orders")])
    XCTAssertEqual(s.overlay, .raw(RawView(title: "orders")))
    _ = r.reduce(&s, .rawLoaded(title: "orders", text: "{\n  \"Status\": \"running\"\n}", error: nil))
    guard case .raw(let v) = s.overlay else { return XCTFail() }
    XCTAssertEqual(v.text?.contains("running"), true)
    XCTAssertEqual(r.reduce(&s, .key(.char("c"))).effects, [.copy(text: "{\n  \"Status\": \"running\"\n}", what: "the raw JSON of orders")])
    _ = r.reduce(&s, .key(.escape))
    XCTAssertEqual(s.overlay, .none)
    // In TABLES: the selected table.
    _ = r.reduce(&s, .tablesLoaded(taskArn: arn, [makeTable("orders")], at: t0))
    s.focus = .tables
    XCTAssertEqual(r.reduce(&s, .key(.char("y"))).effects, [.fetchRaw(taskArn: arn, table: TableRef(schema: "public", table: "orders"), title: "orders public.orders")])
    // A late answer for a view that was closed changes nothing.
    _ = r.reduce(&s, .key(.escape))
    _ = r.reduce(&s, .rawLoaded(title: "orders public.orders", text: "{}", error: nil))
    XCTAssertEqual(s.overlay, .none)
  }
}

/// Issue 12: a replication instance's health from CPUUtilization, FreeableMemory, SwapUsage and
/// FreeStorageSpace; FreeableMemory near zero with rising swap is DMS's sign of an overloaded instance.
final class InstanceHealthTests: XCTestCase {
  let gib = 1_073_741_824.0
  func metrics(cpu: Double = 30, free: Double, swap: [Double], storage: Double = 60 * 1_073_741_824) -> TaskMetrics {
    var m = TaskMetrics()
    let now = t0
    m[InstanceMetric.cpu].merge([SeriesPoint(time: now, value: cpu)])
    m[InstanceMetric.freeableMemory].merge([SeriesPoint(time: now, value: free)])
    m[InstanceMetric.swapUsage].merge(swap.enumerated().map { SeriesPoint(time: now.addingTimeInterval(Double($0.offset - swap.count + 1) * 300), value: $0.element) })
    m[InstanceMetric.freeStorage].merge([SeriesPoint(time: now, value: storage)])
    return m
  }

  func testJudgement() {
    XCTAssertEqual(InstanceHealth.judge(nil).severity, .unknown, "never ok without metrics")
    let ok = InstanceHealth.judge(metrics(free: 2.5 * gib, swap: [0.02 * gib, 0.02 * gib, 0.02 * gib]))
    XCTAssertEqual(ok.severity, .ok)
    XCTAssertEqual(ok.figures, ["CPU 30%", "memory 2.5 GiB free", "swap 20 MiB", "storage 60.0 GiB free"])
    let over = InstanceHealth.judge(metrics(free: 0.1 * gib, swap: [0.5 * gib, 0.6 * gib, 0.8 * gib]))
    XCTAssertEqual(over.severity, .critical)
    XCTAssertEqual(over.summary, "overloaded: FreeableMemory 102 MiB with swap rising")
    let low = InstanceHealth.judge(metrics(free: 0.1 * gib, swap: [0.5 * gib, 0.5 * gib, 0.5 * gib]))
    XCTAssertEqual(low.severity, .warn, "low memory without swap growth is a warning")
    XCTAssertEqual(InstanceHealth.judge(metrics(free: 3 * gib, swap: [0], storage: 0.5 * gib)).severity, .critical)
    XCTAssertEqual(InstanceHealth.judge(metrics(cpu: 97, free: 3 * gib, swap: [0])).summary, "CPU 97%")
  }

  func testTheHeaderNamesAnOverloadedInstanceOfATaskOnScreen() {
    var s = AppState(now: t0)
    s.layout = Layout(width: 160, height: 40)
    let r = Reducer()
    var t = makeTask("orders")
    t.replicationInstanceArn = "arn:aws:dms:us-east-1:1:rep:I1"
    _ = r.reduce(&s, .tasksLoaded([t], at: t0))
    _ = r.reduce(&s, .instancesLoaded([ReplicationInstance(identifier: "dms-prod-c", arn: "arn:aws:dms:us-east-1:1:rep:I1")], []))
    XCTAssertTrue(s.troubledInstances.isEmpty, "unknown is not a warning")
    let m = metrics(free: 0.1 * gib, swap: [0.5 * gib, 0.8 * gib])
    _ = r.reduce(&s, .metricsLoaded(["arn:aws:dms:us-east-1:1:rep:I1": m.series.mapValues(\.points)], at: t0))
    XCTAssertEqual(s.troubledInstances.map(\.identifier), ["dms-prod-c"])
    XCTAssertEqual(s.troubledInstances.first?.health.severity, .critical)
    // The health is kept with the series: a later load that brings memory back is judged again.
    let fine = metrics(free: 4 * gib, swap: [0, 0])
    _ = r.reduce(&s, .metricsLoaded(["arn:aws:dms:us-east-1:1:rep:I1": fine.series.mapValues(\.points)], at: t0 + 300))
    XCTAssertEqual(s.fleet.instanceHealth("arn:aws:dms:us-east-1:1:rep:I1"), InstanceHealth.judge(s.fleet.metrics["arn:aws:dms:us-east-1:1:rep:I1"]))
    XCTAssertTrue(s.troubledInstances.isEmpty, "\(s.troubledInstances)")
    // Series replaced wholesale (a replay): judged from the new ones.
    s.fleet.metrics = ["arn:aws:dms:us-east-1:1:rep:I1": m]
    XCTAssertEqual(s.troubledInstances.map(\.identifier), ["dms-prod-c"])
  }
}

/// Issue 12: the SORTER "reading from source is paused" line is a finding, on screen and in `check` alike;
/// `enter` in LOG shows a whole line.
final class SourcePausedAndLineViewTests: XCTestCase {
  func testPausedLineIsAWarningFindingFromTheSameRule() {
    var s = AppState(now: t0)
    let r = Reducer()
    _ = r.reduce(&s, .tasksLoaded([makeTask("orders")], at: t0))
    let t = s.fleet.tasks[0]
    let line = LogEntry(time: t0 - 30, source: .log, severity: .warning, component: "SORTER",
                        text: "Reading from source is paused. Total storage used by swap files exceeded the limit of 1048576000 bytes",
                        task: "orders", taskArn: t.arn)
    _ = r.reduce(&s, .logLoaded([line], at: t0))
    let screen = s.findings(for: t).filter { $0.event == FindingEvent.taskSourceReadingPaused }
    XCTAssertEqual(screen.map(\.severity), [.warn])
    // `check` hands the rules every log line it read: the same finding from the same line.
    let check = TaskRules.findings(task: t, tables: nil, metrics: nil, events: [line], now: t0).filter { $0.event == FindingEvent.taskSourceReadingPaused }
    XCTAssertEqual(check.map(\.message), screen.map(\.message))
    // Older than the recent window: no finding.
    XCTAssertTrue(TaskRules.findings(task: t, tables: nil, metrics: nil, events: [line], now: t0 + 3600).allSatisfy { $0.event != FindingEvent.taskSourceReadingPaused })
  }

  func testEnterInLogShowsTheWholeLine() {
    var s = AppState(now: t0)
    s.layout = Layout(width: 120, height: 40)
    let r = Reducer()
    _ = r.reduce(&s, .tasksLoaded([makeTask("orders")], at: t0))
    let long = String(repeating: "ORA-01555 snapshot too old; ", count: 20)
    _ = r.reduce(&s, .logLoaded([LogEntry(time: t0, source: .log, severity: .error, component: "TARGET_APPLY", text: long, task: "orders", taskArn: s.fleet.tasks[0].arn)], at: t0))
    s.focus = .log
    _ = r.reduce(&s, .key(.enter))
    guard case .raw(let v) = s.overlay else { return XCTFail("\(s.overlay)") }
    XCTAssertTrue(v.wrap)
    XCTAssertEqual(v.title, "log line 1/1")
    // Wrapped to the view's width here (so scrolling reaches the end), every character kept.
    let body = (v.text ?? "").split(separator: "\n", omittingEmptySubsequences: false).dropFirst(2)
    XCTAssertGreaterThan(body.count, 3)
    XCTAssertTrue(body.allSatisfy { $0.count <= 112 }, "\(body.map(\.count))")
    XCTAssertEqual(body.joined().filter { $0 != " " }, long.filter { $0 != " " })
  }
}

final class LogAdoptionTests: XCTestCase {
  func testAnEventThatArrivedBeforeItsTaskWasListedIsInThatTasksLog() {
    var s = AppState(now: t0)
    let r = Reducer()
    let ev = LogEntry(time: t0, source: .event, severity: .info, component: "STATE CHANGE", text: "Replication task started", task: "orders")
    _ = r.reduce(&s, .eventsLoaded([ev], at: t0))
    XCTAssertTrue(s.fleet.taskLog.isEmpty, "no task listed yet: only the merged log has it")
    _ = r.reduce(&s, .tasksLoaded([makeTask("orders")], at: t0 + 1))
    XCTAssertEqual(s.shownLog.toArray().map(\.text), ["Replication task started"])
  }
}

/// Review follow-ups: what the second reading of the change found.
final class ReviewFollowUpTests: XCTestCase {
  func loaded() -> (AppState, Reducer, ReplicationTask) {
    var s = AppState(now: t0)
    s.layout = Layout(width: 120, height: 40)
    let r = Reducer()
    var t = makeTask("orders")
    t.replicationInstanceArn = "arn:aws:dms:us-east-1:1:rep:I"
    t.sourceEndpointArn = "arn:aws:dms:us-east-1:1:endpoint:S"
    _ = r.reduce(&s, .tasksLoaded([t], at: t0))
    return (s, r, s.fleet.tasks[0])
  }

  func line(_ t: ReplicationTask, _ i: Int, _ text: String = "", sev: LogSeverity = .info, comp: String = "TARGET_APPLY") -> LogEntry {
    LogEntry(time: t0.addingTimeInterval(Double(i)), source: .log, severity: sev, component: comp, text: text.isEmpty ? "line \(i)" : text, task: t.identifier, taskArn: t.arn)
  }

  func testRepeatedPausedLinesNeverPushTheErrorLinesOut() {
    var (s, r, t) = loaded()
    _ = r.reduce(&s, .logLoaded([line(t, 0, "ORA-00942 table or view does not exist", sev: .error)], at: t0))
    let paused = (1...80).map { line(t, $0, "Reading from source is paused. Total storage used by swap files exceeded the limit", sev: .warning, comp: "SORTER") }
    _ = r.reduce(&s, .logLoaded(paused, at: t0 + 80))
    s.now = t0 + 90
    XCTAssertEqual(s.errorLines(of: t).map(\.text), ["ORA-00942 table or view does not exist"])
    let events = Set(s.findings(for: t).map(\.event))
    XCTAssertTrue(events.contains(FindingEvent.taskErrorsLogged) && events.contains(FindingEvent.taskSourceReadingPaused), "\(events)")
  }

  func testAScrolledBackViewStaysStillWhenItsBufferIsFullAndTheMatchMovesWithItsLine() {
    var (s, r, t) = loaded()
    _ = r.reduce(&s, .logLoaded((0..<FleetStore.taskLogCapacity).map { line(t, $0) }, at: t0))
    s.logFollow = false
    s.logScrollBack = 10
    s.logMatch = 500
    let bottomBefore = s.shownLog[s.shownLog.count - 1 - s.logScrollBack].text
    _ = r.reduce(&s, .logLoaded((0..<5).map { line(t, 3000 + $0) }, at: t0 + 10))
    XCTAssertEqual(s.logScrollBack, 15)
    XCTAssertEqual(s.shownLog[s.shownLog.count - 1 - s.logScrollBack].text, bottomBefore, "the same line stays at the bottom")
    XCTAssertEqual(s.logMatch, 495, "the match follows its line as 5 old lines drop off")
  }

  func testASecondConnectionTestWaitsForTheFirstEvenAfterARefresh() {
    var (s, r, t) = loaded()
    XCTAssertEqual(r.reduce(&s, .key(.char("t"))).effects, [.perform(.testConnections(arn: t.arn, task: "orders"))])
    _ = r.reduce(&s, .tasksLoaded([t], at: t0 + 5))
    XCTAssertEqual(r.reduce(&s, .key(.char("t"))).effects, [.audit("refused: orders: a connection test is still under way")])
    _ = r.reduce(&s, .commandFinished(.testConnections(arn: t.arn, task: "orders"), error: nil, detail: "source s: successful", at: t0 + 8))
    XCTAssertEqual(r.reduce(&s, .key(.char("t"))).effects, [.perform(.testConnections(arn: t.arn, task: "orders"))])
  }

  func testOSC52CutsAtACharacterAndSaysSo() {
    let (short, cut0) = OSC52.sequence(copying: "arn:aws:dms:us-east-1:1:task:X")
    XCTAssertFalse(cut0)
    XCTAssertEqual(short, "\u{1B}]52;c;" + Data("arn:aws:dms:us-east-1:1:task:X".utf8).base64EncodedString() + "\u{07}")
    let long = String(repeating: "é", count: OSC52.maxBytes)  // 2 bytes each
    let (seq, cut) = OSC52.sequence(copying: long)
    XCTAssertTrue(cut)
    let b64 = String(seq.dropFirst(7).dropLast())
    let decoded = Data(base64Encoded: b64).map { String(decoding: $0, as: UTF8.self) }
    XCTAssertEqual(decoded, String(repeating: "é", count: OSC52.maxBytes / 2), "whole characters only")
  }

  func testScopeTermWorksWithOneScope() {
    var s = AppState(now: t0)
    let r = Reducer()
    _ = r.reduce(&s, .engine(.scopeChanged(ScopeInfo(id: .single, label: "prod-eu"), error: nil)))
    _ = r.reduce(&s, .tasksLoaded([makeTask("orders")], at: t0))
    s.filter = "scope:prod"
    s.recomputeTaskOrder()
    XCTAssertEqual(s.visibleTasks.map(\.identifier), ["orders"])
    s.filter = "prod"
    s.recomputeTaskOrder()
    XCTAssertEqual(s.visibleTasks.count, 0, "plain text looks at the scope only when several are watched")
  }
}
