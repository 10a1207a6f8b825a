import Foundation
import DMSWatchModel
import DMSWatchRules

/// Everything the dashboard shows. Lives on the main actor; changed only by the reducer.
public struct AppState: Sendable {
  /// The data and the rules' results: the fleet store the view components read.
  public var fleet: FleetStore
  /// The last reconciliation (RECON view) and the task it is of.
  public var recon = ReconState()
  public var reconTaskArn: String?
  /// When set, TASKS shows only this scope (`:scope NAME`, or the scope key).
  public var scopeFilter: ScopeID?
  /// `:log all`: LOG shows every task merged in time order instead of the focused task's lines.
  public var logAll = false

  // View
  public var focus: Pane = .tasks
  public var selectedTaskArn: String?
  public var taskCursor = ListCursor()
  public var selectedTable: TableRef?
  public var tableCursor = ListCursor()
  public var flagCursor = ListCursor()
  public var marked: Set<TableRef> = []
  /// Marked tasks (ARNs, `space` in TASKS): stop or resume several with one confirmation.
  public var markedTasks: Set<String> = []
  public var sort = TaskSort()
  public var filter = ""
  /// `E`: TASKS shows only tasks whose findings reach warn (the same findings `check` reports).
  public var errorsOnly = false
  /// `E` in TABLES/FLAGS: TABLES shows only tables with a warn/critical flag (actions reach only those).
  public var tablesErrorsOnly = false
  public var filterEditing = false
  /// Which pane's text `/` is editing: the TASKS filter, the TABLES filter or the LOG search.
  public var filterTarget: FilterTarget = .tasks
  /// TABLES filter (`/` in TABLES): name or state text, `!` negates, terms combine.
  public var tableFilter = ""
  /// LOG search (`/` in LOG; `n`/`N` go to the next older/newer match).
  public var logSearch = ""
  /// The LOG line (index into `shownLog`) the last search went to; highlighted.
  public var logMatch: Int?
  /// LOG severity floor (`e` in LOG): every line, warnings and up, or errors only.
  public var logLevel: LogLevelFilter = .all
  /// The `:` command line while it is open (nil: closed).
  public var commandLine: CommandLineState?
  /// Theme names `:theme` completes (built-in and the theme directories'); set by the session.
  public var themeNames: [String] = []
  public var overlay: Overlay = .none
  public var logFollow = true
  /// Lines scrolled back from the newest (0 = at the bottom).
  public var logScrollBack = 0
  public var paused = false
  public var readOnly = false
  /// `AUDIT LOG FAILING` / `NO AUDIT` in the header; nil while the audit log is written normally.
  public var auditBadge: String?
  /// `REPLAY ▶ ×10` while replaying a recording (the header's clock is then the recorded time).
  public var replayBadge: String?
  /// A recording is being replayed (`:at TIME` is offered).
  public var replaying = false
  public var sourceLabel = ""
  public var message: StatusMessage?
  /// Why the focused task has no log tail (e.g. task logging is off); informational, not an error.
  public var logNotice: String?
  public var layout = Layout(width: 80, height: 24)
  public var now: Date
  public var quitting = false

  /// Row order of TASKS after filter and sort (indices into `tasks`).
  public private(set) var taskOrder: [Int] = []

  public init(now: Date, logCapacity: Int = 10_000, pollInterval: TimeInterval = 5) {
    self.now = now
    self.fleet = FleetStore(logCapacity: logCapacity, pollInterval: pollInterval)
  }

  // MARK: scopes

  /// More than one scope is watched: TASKS gets a SCOPE column, the header a segment per scope.
  public var isMultiScope: Bool { fleet.isMultiScope }

  /// True when actions on `task` are refused: the session or the task's scope is read-only.
  public func isReadOnly(_ task: ReplicationTask) -> Bool { readOnly || fleet.scopeInfo(task.scope)?.readOnly == true }

  /// New log lines and events into the fleet's buffers; the LOG view stays still while scrolled back and the
  /// search match stays on its line.
  public mutating func appendLog(_ entries: [LogEntry], scope: ScopeID? = nil) {
    let shownBefore = shownLogCount
    let filed = fleet.appendLog(entries, scope: scope)
    logFiled(filed, shownBefore: shownBefore)
  }

  /// The LOG view's follow-up to lines filed in the fleet's buffers (`shownBefore`: lines shown before).
  mutating func logFiled(_ filed: [LogEntry], shownBefore: Int) {
    guard !filed.isEmpty else { return }
    let viewArn = logAll ? nil : selectedTaskArn
    let landedInView = filed.reduce(0) { $0 + (logLevel.admits($1.severity) && (viewArn == nil || $1.taskArn == viewArn) ? 1 : 0) }
    let shown = shownLogCount
    // Lines dropped off the front of the view when its buffer is full: the search match moves with its line.
    let dropped = max(0, shownBefore + landedInView - shown)
    if let m = logMatch { logMatch = m - dropped >= 0 ? m - dropped : nil }
    if !logFollow {
      // Keep the view still while new lines arrive under it.
      logScrollBack = min(logScrollBack + landedInView, max(0, shown - 1))
    }
  }

  // MARK: derived

  public var selectedTask: ReplicationTask? {
    guard let arn = selectedTaskArn else { return nil }
    return fleet.task(arn)
  }

  public var visibleTasks: [ReplicationTask] { taskOrder.map { fleet.tasks[$0] } }

  /// Judges the rows about to be drawn (and the focused task), so the frame reads verdicts instead of running the rules.
  public mutating func prepareFrame() {
    fleet.judge(now: now, only: visibleTaskArns + (selectedTaskArn.map { [$0] } ?? []))
  }

  /// ARNs of the task rows on screen now, top to bottom (the demand the UI pushes to the engines).
  public var visibleTaskArns: [String] {
    // Any state renders (the fuzz tests build odd ones): a cursor out of range or a stale order shows nothing.
    let top = max(0, taskCursor.top)
    let rows = layout.visibleRows(.tasks)
    guard top < taskOrder.count, rows > 0 else { return [] }
    return taskOrder[top..<min(taskOrder.count, top + rows)].compactMap { $0 < fleet.tasks.count ? fleet.tasks[$0].arn : nil }
  }

  public var selectedTables: TaskTables? { selectedTaskArn.flatMap { fleet.tables[$0] } }

  /// The LOG pane's lines: the focused task's own buffer, or every line merged (`:log all`, or no task),
  /// at or above the severity floor.
  /// How many lines `shownLog` holds, without building it (counted on every log event).
  public var shownLogCount: Int {
    let all: RingBuffer<LogEntry>
    if !logAll, let arn = selectedTaskArn { all = fleet.taskLog[arn] ?? RingBuffer(capacity: 1) } else { all = fleet.log }
    guard logLevel != .all else { return all.count }
    var n = 0
    for i in 0..<all.count where logLevel.admits(all[i].severity) { n += 1 }
    return n
  }

  public var shownLog: RingBuffer<LogEntry> {
    let all: RingBuffer<LogEntry>
    if !logAll, let arn = selectedTaskArn {
      all = fleet.taskLog[arn] ?? RingBuffer(capacity: 1)
    } else {
      all = fleet.log
    }
    guard logLevel != .all else { return all }
    var out = RingBuffer<LogEntry>(capacity: max(1, all.count))
    for i in 0..<all.count where logLevel.admits(all[i].severity) { out.append(all[i]) }
    return out
  }

  /// The selected task's tables that pass the TABLES filter (all of them when it is empty).
  public var shownTables: [TableStatistics] {
    guard let tt = selectedTables else { return [] }
    let all = tablesErrorsOnly ? tt.tables.filter { (tt.worstByTable[$0.ref] ?? .ok) >= .warn } : tt.tables
    let terms = tableFilter.lowercased().split(separator: " ").map { t -> (String, Bool) in
      t.hasPrefix("!") ? (String(t.dropFirst()), true) : (String(t), false)
    }.filter { !$0.0.isEmpty }
    guard !terms.isEmpty else { return all }
    return all.filter { t in
      let name = t.qualifiedName.lowercased()
      let state = (t.tableState ?? "").lowercased()
      let validation = (t.validationState ?? "").lowercased()
      return terms.allSatisfy { term, negated in
        (TextSearch.contains(name, term) || TextSearch.contains(state, term) || TextSearch.contains(validation, term)) != negated
      }
    }
  }

  /// Flags of the selected task, worst first.
  public var selectedFlags: [TableFlag] { selectedTables?.flags ?? [] }


  /// Instances of the tasks on screen whose health reaches warn, worst first (the header's mark).
  public var troubledInstances: [(identifier: String, health: InstanceHealth)] {
    var seen = Set<String>()
    var out: [(String, InstanceHealth)] = []
    for arn in visibleTaskArns {
      guard let t = fleet.task(arn), let i = t.replicationInstanceArn, seen.insert(i).inserted else { continue }
      let h = fleet.instanceHealth(i)
      if h.severity >= .warn { out.append((fleet.instances[i]?.identifier ?? i, h)) }
    }
    return out.sorted { $0.1.severity > $1.1.severity }
  }

  public func isStale(_ source: DataSource) -> Bool { fleet.sources[source]?.isStale(now: now) ?? false }
  public var anyStale: Bool { DataSource.allCases.contains { isStale($0) } }

  /// Health of one task for the TASKS mark and sorting: the worst of the findings `check` would report
  /// from the same data and thresholds (unknown while statistics or metrics are not loaded).
  public func health(of task: ReplicationTask) -> TaskHealth {
    fleet.health(of: task, now: now)
  }

  // MARK: ordering

  /// Filters and sorts TASKS again. `changed`: only the tasks at these positions of `fleet.tasks` changed since the
  /// last call (a merged page); when the order does not read health, and each still passes or fails the filter as
  /// before and sits between its neighbours, the order stands without looking at the other rows.
  public mutating func recomputeTaskOrder(changed: [Int]? = nil) {
    // Filtering by health and sorting by it read verdicts: judge what changed first.
    let filter = TaskFilter(self.filter)
    let readsHealth = errorsOnly || sort.column == .health || filter.needsHealth
    if readsHealth { fleet.judge(now: now) }
    let tasks = fleet.tasks
    let tables = fleet.tables
    let metrics = fleet.metrics
    let multi = isMultiScope
    let labels = Dictionary(fleet.scopes.map { ($0.id, $0.display.lowercased()) }, uniquingKeysWith: { a, _ in a })
    func passes(_ t: ReplicationTask) -> Bool {
      if let only = scopeFilter, t.scope != only { return false }
      if errorsOnly, health(of: t).severity < .warn { return false }
      return filter.isEmpty || filter.matches(t, scopeLabel: labels[t.scope] ?? "", plainMatchesScope: multi, health: { health(of: t).severity })
    }
    let sort = self.sort
    func key(_ i: Int) -> SortKey {
      let t = tasks[i]
      switch sort.column {
      case .name: return .text(t.identifier)
      case .status: return .text(t.status)
      case .type: return .text(t.migrationType)
      case .progress: return .number(Double(t.stats?.fullLoadProgressPercent ?? -1))
      case .latency: return .number(metrics[t.arn]?.currentLatency ?? -1)
      case .flags: return .number(Double(tables[t.arn]?.problemCount ?? -1))
      case .health:
        // Failed tasks first among the critical ones (descending is the health sort's default).
        let failed = t.status == TaskStatus.failed || t.status == TaskStatus.failedMove
        return .number(Double(health(of: t).severity.rawValue) + (failed ? 0.5 : 0))
      case .scope: return .text(labels[t.scope] ?? t.scope.rawValue)
      }
    }
    func less(_ a: Int, _ ka: SortKey, _ b: Int, _ kb: SortKey) -> Bool {
      if ka != kb { return sort.descending ? kb < ka : ka < kb }
      if tasks[a].identifier != tasks[b].identifier { return tasks[a].identifier < tasks[b].identifier }
      return tasks[a].scope < tasks[b].scope
    }
    // Verdicts also age with the clock (any row's health can move): then the whole order is checked.
    if let changed, !readsHealth, Self.holdsAround(changed, order: taskOrder, count: tasks.count, passes: { passes(tasks[$0]) }, key: key, less: less) {
      syncTaskCursor()
      return
    }
    var idx: [Int] = []
    idx.reserveCapacity(tasks.count)
    for i in tasks.indices where passes(tasks[i]) { idx.append(i) }
    // Each row's key computed once, beside its position (no lookup per comparison).
    var keyAt = [SortKey?](repeating: nil, count: tasks.count)
    for i in idx { keyAt[i] = key(i) }
    // Most recomputes follow a poll that moved counters, not names: when the previous order holds exactly these rows
    // and is still in order, one pass checks it (n comparisons instead of a sort's n log n).
    if taskOrder.count == idx.count, Self.stillOrdered(taskOrder, keyAt, less) {
      syncTaskCursor()
      return
    }
    var keyed = idx.map { ($0, keyAt[$0] ?? .number(0)) }
    keyed.sort { x, y in less(x.0, x.1, y.0, y.1) }
    taskOrder = keyed.map(\.0)
    syncTaskCursor()
  }

  /// True when `order` (sorted before the rows at `changed` changed) is still the filtered, sorted order: each changed
  /// row is in it exactly when it passes the filter, and is not less than the row before it nor greater than the one
  /// after it. A sorted list whose other rows did not move is sorted again exactly when those neighbours are in order.
  static func holdsAround(
    _ changed: [Int], order: [Int], count: Int, passes: (Int) -> Bool, key: (Int) -> SortKey,
    less: (Int, SortKey, Int, SortKey) -> Bool
  ) -> Bool {
    guard !changed.isEmpty else { return true }
    var posOf: [Int: Int] = [:]
    let wanted = Set(changed)
    for (p, i) in order.enumerated() where wanted.contains(i) { posOf[i] = p }
    for i in changed {
      guard i >= 0, i < count else { return false }
      let pos = posOf[i]
      guard (pos != nil) == passes(i) else { return false }
      guard let p = pos else { continue }
      let k = key(i)
      if p > 0, less(i, k, order[p - 1], key(order[p - 1])) { return false }
      if p + 1 < order.count, less(order[p + 1], key(order[p + 1]), i, k) { return false }
    }
    return true
  }

  /// True when `order` lists each keyed row exactly once (rows without a key are not in the new selection) and each
  /// row is not less than the one before it.
  static func stillOrdered(
    _ order: [Int], _ keyAt: [SortKey?], _ less: (Int, SortKey, Int, SortKey) -> Bool
  ) -> Bool {
    var seen = [Bool](repeating: false, count: keyAt.count)
    var prev: (Int, SortKey)?
    for i in order {
      guard i >= 0, i < keyAt.count, !seen[i], let k = keyAt[i] else { return false }
      seen[i] = true
      if let (p, pk) = prev, less(i, k, p, pk) { return false }
      prev = (i, k)
    }
    return true
  }

  /// Keeps the selection on the same ARN when rows move; picks the nearest row when it vanished.
  public mutating func syncTaskCursor() {
    let visible = layout.visibleRows(.tasks)
    let tasks = fleet.tasks
    if let arn = selectedTaskArn, let i = fleet.position(of: arn), let pos = taskOrder.firstIndex(of: i) {
      taskCursor.index = pos
    } else if !taskOrder.isEmpty {
      taskCursor.index = min(taskCursor.index, taskOrder.count - 1)
      selectTask(arn: tasks[taskOrder[taskCursor.index]].arn)
    } else if selectedTaskArn != nil {
      // Everything is filtered out: nothing is selected, so no action can reach a hidden task.
      selectTask(arn: nil)
    }
    taskCursor.clamp(count: taskOrder.count, visible: visible)
  }

  public mutating func selectTask(arn: String?) {
    if arn != selectedTaskArn {
      if let old = selectedTaskArn { fleet.summarizeTables(old) }
      selectedTaskArn = arn
      logNotice = nil
      // The log of the newly focused task starts at its newest line.
      logFollow = true
      logScrollBack = 0
      logMatch = nil
      tableFilter = ""
      marked = []
      selectedTable = nil
      tableCursor = ListCursor()
      flagCursor = ListCursor()
    }
  }

  public mutating func syncTableCursor() {
    let list = shownTables
    if let sel = selectedTable, let pos = list.firstIndex(where: { $0.ref == sel }) {
      tableCursor.index = pos
    }
    tableCursor.clamp(count: list.count, visible: layout.visibleRows(.tables))
    selectedTable = list.isEmpty ? nil : list[tableCursor.index].ref
    flagCursor.clamp(count: selectedFlags.count, visible: layout.visibleRows(.flags))
  }
}

enum SortKey: Equatable, Comparable {
  case text(String)
  case number(Double)
  static func < (a: SortKey, b: SortKey) -> Bool {
    switch (a, b) {
    case (.text(let x), .text(let y)): NaturalOrder.less(x, y)
    case (.number(let x), .number(let y)): x < y
    case (.number, .text): true
    case (.text, .number): false
    }
  }
}
