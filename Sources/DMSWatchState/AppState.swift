import Foundation
import DMSWatchModel
import DMSWatchRules

public struct Confirmation: Sendable, Equatable {
  public var command: ServiceCommand
  /// Further commands confirmed by the same answer (marked tasks); each is sent once and audited on its own.
  public var more: [ServiceCommand] = []
  public var prompt: String
  /// Which button is highlighted; false (No) by default.
  public var yesSelected: Bool = false
  public init(command: ServiceCommand, more: [ServiceCommand] = [], prompt: String) {
    self.command = command
    self.more = more
    self.prompt = prompt
  }
  public var commands: [ServiceCommand] { [command] + more }
  /// `stop 3 tasks` / `stop orders` for the cancel message and the audit log.
  public var summary: String {
    more.isEmpty ? command.summary : "\(command.summary) and \(more.count) more (\(commands.map(\.taskIdentifier).joined(separator: ", ")))"
  }
}

/// The last connection test of a task (`t`): the result per endpoint, in words.
public struct ConnectionResult: Sendable, Equatable {
  public var text: String
  public var failed: Bool
  public var at: Date
  public init(text: String, failed: Bool, at: Date) {
    self.text = text
    self.failed = failed
    self.at = at
  }
}

public enum FilterTarget: Sendable, Equatable {
  case tasks, tables, log
}

/// The LOG pane's severity floor.
public enum LogLevelFilter: String, Sendable, CaseIterable {
  case all, warnings, errors
  public func admits(_ s: LogSeverity) -> Bool {
    switch self {
    case .all: true
    case .warnings: s >= .warning
    case .errors: s >= .error
    }
  }
  public var label: String {
    switch self {
    case .all: "all"
    case .warnings: "W+"
    case .errors: "E only"
    }
  }
}

public enum Overlay: Sendable, Equatable {
  case none
  case help(scroll: Int)
  case startMenu(taskArn: String, index: Int)
  case confirm(Confirmation)
  /// Task detail: readiness checklist, findings and triage hints.
  case detail(taskArn: String, scroll: Int)
  /// RECON: source↔target row counts, checksums and validation-failure rows of one task.
  case recon(taskArn: String)
  /// `y`: the raw JSON of a task or table as DMS returned it (secrets redacted).
  case raw(RawView)
}

public struct RawView: Sendable, Equatable {
  public var title: String
  /// nil while it is being read.
  public var text: String?
  public var error: String?
  public var scroll = 0
  /// Wrap long lines (a log line) instead of cutting them (JSON).
  public var wrap = false
  public init(title: String, text: String? = nil, error: String? = nil, wrap: Bool = false) {
    self.title = title
    self.text = text
    self.error = error
    self.wrap = wrap
  }
}

public struct StatusMessage: Sendable, Equatable {
  public var text: String
  public var severity: Severity
  public var expires: Date
  public init(text: String, severity: Severity, expires: Date) {
    self.text = text
    self.severity = severity
    self.expires = expires
  }
}

public enum TaskSortColumn: String, Sendable, CaseIterable, Codable {
  case name, status, type, progress, latency, flags, health, scope
}

public struct TaskSort: Sendable, Equatable {
  public var column: TaskSortColumn = .name
  public var descending = false
  public init(column: TaskSortColumn = .name, descending: Bool = false) {
    self.column = column
    self.descending = descending
  }
}

/// A cursor with a scroll offset over a list.
public struct ListCursor: Sendable, Equatable {
  public var index = 0
  public var top = 0
  public init() {}

  public mutating func clamp(count: Int, visible: Int) {
    let visible = max(1, visible)
    index = count == 0 ? 0 : min(max(0, index), count - 1)
    if index < top { top = index }
    if index >= top + visible { top = index - visible + 1 }
    top = max(0, min(top, max(0, count - visible)))
  }

  public mutating func move(by delta: Int, count: Int, visible: Int) {
    index += delta
    clamp(count: count, visible: visible)
  }
}

/// Everything the dashboard shows. Lives on the main actor; changed only by the reducer.
public struct AppState: Sendable {
  // Data
  public var tasks: [ReplicationTask] = []
  public var instances: [String: ReplicationInstance] = [:]
  public var endpoints: [String: Endpoint] = [:]
  public var tables: [String: TaskTables] = [:]
  public var metrics: [String: TaskMetrics] = [:]
  public var log: RingBuffer<LogEntry>
  /// Each task's own lines (by ARN), so a chatty task never pushes another's out of view.
  public var taskLog: [String: RingBuffer<LogEntry>] = [:]
  public static let taskLogCapacity = 2_000
  /// `:log all`: LOG shows every task merged in time order instead of the focused task's lines.
  public var logAll = false
  /// The newest error lines and events per task identifier, and SORTER "reading from source is paused" lines
  /// (for readiness and findings without scanning the log).
  public var errorLog: [String: [LogEntry]] = [:]
  /// The newest SORTER "reading from source is paused" line per task (by ARN, else name).
  public var sourcePaused: [String: LogEntry] = [:]
  public static let errorLogPerTask = 50
  /// Freshness of each data source over every scope (the oldest age, the first error): the header.
  public var sources: [DataSource: SourceStatus] = [:]
  /// The watched scopes in the order they were configured, with their identity.
  public var scopes: [ScopeInfo] = []
  /// A scope that failed as a whole (credentials, unreachable): its error, shown on its rows and header segment.
  public var scopeErrors: [ScopeID: String] = [:]
  /// Freshness of each data source per scope.
  public var scopeSources: [ScopeID: [DataSource: SourceStatus]] = [:]
  public var scopeBudgets: [ScopeID: BudgetStatus] = [:]
  /// The last reconciliation (RECON view) and the task it is of.
  public var recon = ReconState()
  public var reconTaskArn: String?
  /// The last finished reconciliation of each task (by ARN): readiness's row-count criterion and the
  /// MISMATCH findings are judged from it, as `check --reconcile` judges its run.
  public var reconResults: [String: TaskReconciliation] = [:]
  /// When set, TASKS shows only this scope (`:scope NAME`, or the scope key).
  public var scopeFilter: ScopeID?
  /// The rule thresholds the dashboard judges with: the config file's, the same `check` uses.
  public var ruleConfig = RuleConfig()
  /// The latency thresholds of `ruleConfig` (one value, two views).
  public var thresholds: Thresholds {
    get { ruleConfig.thresholds }
    set {
      ruleConfig.latencyWarnSeconds = newValue.latencyWarn
      ruleConfig.latencyCriticalSeconds = newValue.latencyCritical
    }
  }
  /// Commands sent whose outcome is not yet known, by task ARN.
  public var pending: [String: String] = [:]
  /// Tasks whose connection test is still running (its polling outlives a task-list refresh).
  public var testingConnections: Set<String> = []
  /// The last connection test of each task (by ARN), for the detail view.
  public var connectionResults: [String: ConnectionResult] = [:]

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
  /// The DMS call budget (nil until the poller starts); the header shows THROTTLED while reduced.
  public var budget: BudgetStatus?
  public var layout = Layout(width: 80, height: 24)
  public var now: Date
  public var quitting = false

  /// Row order of TASKS after filter and sort (indices into `tasks`).
  public private(set) var taskOrder: [Int] = []

  public init(now: Date, logCapacity: Int = 10_000, pollInterval: TimeInterval = 5) {
    self.now = now
    self.log = RingBuffer(capacity: logCapacity)
    for s in DataSource.allCases { sources[s] = SourceStatus(interval: pollInterval) }
  }

  // MARK: scopes

  /// More than one scope is watched: TASKS gets a SCOPE column, the header a segment per scope.
  public var isMultiScope: Bool { scopes.count > 1 }

  public func scopeInfo(_ id: ScopeID) -> ScopeInfo? { scopes.first { $0.id == id } }

  /// The scope of the task with this ARN.
  public func scopeInfo(for taskArn: String) -> ScopeInfo? {
    guard let t = tasks.first(where: { $0.arn == taskArn }) else { return nil }
    return scopeInfo(t.scope)
  }

  /// True when actions on `task` are refused: the session or the task's scope is read-only.
  public func isReadOnly(_ task: ReplicationTask) -> Bool { readOnly || scopeInfo(task.scope)?.readOnly == true }

  public mutating func upsertScope(_ info: ScopeInfo, error: String?) {
    if let i = scopes.firstIndex(where: { $0.id == info.id }) { scopes[i] = info } else { scopes.append(info) }
    scopeErrors[info.id] = error
    if scopeSources[info.id] == nil {
      var per: [DataSource: SourceStatus] = [:]
      for src in DataSource.allCases { per[src] = SourceStatus(interval: sources[src]?.interval ?? 5) }
      scopeSources[info.id] = per
    }
    recomputeSources()
  }

  /// Changes one scope's status of `source` and the aggregate the header shows.
  public mutating func setSource(_ source: DataSource, scope: ScopeID, _ change: (inout SourceStatus) -> Void) {
    var per = scopeSources[scope] ?? [:]
    var st = per[source] ?? SourceStatus(interval: sources[source]?.interval ?? 5)
    change(&st)
    per[source] = st
    scopeSources[scope] = per
    if scopeSources.count <= 1 {
      sources[source] = st
    } else {
      recomputeSources(only: source)
    }
  }

  /// The header's view of every scope: the oldest success, the first error, the longest interval.
  mutating func recomputeSources(only: DataSource? = nil) {
    guard !scopeSources.isEmpty else { return }
    for src in only.map({ [$0] }) ?? DataSource.allCases {
      let all = scopes.compactMap { scopeSources[$0.id]?[src] }
      guard !all.isEmpty else { continue }
      var agg = SourceStatus(interval: all.map(\.interval).max() ?? 5)
      agg.lastSuccess = all.contains { $0.lastSuccess == nil } ? nil : all.compactMap(\.lastSuccess).min()
      if let failing = zip(scopes, scopes.map { scopeSources[$0.id]?[src] }).first(where: { $0.1?.lastError != nil }) {
        agg.lastError = isMultiScope ? "\(failing.0.display): \(failing.1?.lastError ?? "")" : failing.1?.lastError
        agg.lastErrorAt = failing.1?.lastErrorAt
      }
      if agg.lastSuccess == nil, agg.lastError == nil, let some = all.compactMap(\.lastSuccess).min() {
        // Some scope has not answered yet, none failed: show the age of those that have.
        agg.lastSuccess = some
      }
      sources[src] = agg
    }
  }

  /// Events that arrived before their task was listed name it only by identifier: once it is listed they join
  /// its own buffer (in time order), so the focused task's LOG never misses them. Only entries of the task's
  /// own scope are taken, and each is resolved once (its ARN is written into the merged buffer).
  public mutating func adoptUnassignedLog(for listed: [ReplicationTask]) {
    var byName: [String: ReplicationTask] = [:]
    for t in listed { byName[t.identifier] = t }
    guard !byName.isEmpty else { return }
    var adopted: [String: [LogEntry]] = [:]
    for i in 0..<log.count {
      var e = log[i]
      guard e.taskArn == nil, let n = e.task, let t = byName[n], e.scope == nil || e.scope == t.scope else { continue }
      e.taskArn = t.arn
      log[i] = e
      adopted[t.arn, default: []].append(e)
    }
    for (arn, lines) in adopted {
      var all = (taskLog[arn]?.toArray() ?? []) + lines
      all.sort { $0.time < $1.time }
      var buf = RingBuffer<LogEntry>(capacity: AppState.taskLogCapacity)
      buf.append(contentsOf: all)
      taskLog[arn] = buf
    }
  }

  /// New log lines and events: the merged buffer, each task's own buffer (an event names its task by
  /// identifier, resolved in its scope), the per-task error lines and the newest "reading from source is
  /// paused" line, and a still view while scrolled back (and the search match kept on its line).
  public mutating func appendLog(_ entries: [LogEntry], scope: ScopeID? = nil) {
    let shownBefore = shownLog.count
    var byName: [String: String]?
    var resolved: [LogEntry] = []
    resolved.reserveCapacity(entries.count)
    var landedInView = 0
    let viewArn = logAll ? nil : selectedTaskArn
    for var e in entries {
      if e.taskArn == nil, let name = e.task {
        if byName == nil {
          var m: [String: String] = [:]
          for t in tasks where scope == nil || t.scope == scope { m[t.identifier] = t.arn }
          byName = m
        }
        e.taskArn = byName?[name]
        if e.taskArn == nil { e.scope = scope }
      }
      if let key = e.taskArn {
        taskLog[key, default: RingBuffer(capacity: AppState.taskLogCapacity)].append(e)
      }
      if logLevel.admits(e.severity), viewArn == nil || e.taskArn == viewArn { landedInView += 1 }
      resolved.append(e)
    }
    log.append(contentsOf: resolved)
    for e in resolved {
      // Keyed by ARN when known (names repeat across scopes), else by name.
      guard let key = e.taskArn ?? e.task else { continue }
      if TaskRules.isSourcePausedLine(e) {
        // Kept apart: a line DMS repeats must not push the error lines out.
        sourcePaused[key] = e
        continue
      }
      guard e.severity == .error else { continue }
      var list = errorLog[key, default: []]
      list.append(e)
      if list.count > AppState.errorLogPerTask { list.removeFirst(list.count - AppState.errorLogPerTask) }
      errorLog[key] = list
    }
    let shown = shownLog.count
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
    return tasks.first { $0.arn == arn }
  }

  public var visibleTasks: [ReplicationTask] { taskOrder.map { tasks[$0] } }

  /// ARNs of the task rows on screen now, top to bottom (the demand the UI pushes to the engines).
  public var visibleTaskArns: [String] {
    // Any state renders (the fuzz tests build odd ones): a cursor out of range or a stale order shows nothing.
    let top = max(0, taskCursor.top)
    let rows = layout.visibleRows(.tasks)
    guard top < taskOrder.count, rows > 0 else { return [] }
    return taskOrder[top..<min(taskOrder.count, top + rows)].compactMap { $0 < tasks.count ? tasks[$0].arn : nil }
  }

  public var selectedTables: TaskTables? { selectedTaskArn.flatMap { tables[$0] } }

  /// The LOG pane's lines: the focused task's own buffer, or every line merged (`:log all`, or no task),
  /// at or above the severity floor.
  public var shownLog: RingBuffer<LogEntry> {
    let all: RingBuffer<LogEntry>
    if !logAll, let arn = selectedTaskArn {
      all = taskLog[arn] ?? RingBuffer(capacity: 1)
    } else {
      all = log
    }
    guard logLevel != .all else { return all }
    var out = RingBuffer<LogEntry>(capacity: max(1, all.count))
    for i in 0..<all.count where logLevel.admits(all[i].severity) { out.append(all[i]) }
    return out
  }

  /// The selected task's tables that pass the TABLES filter (all of them when it is empty).
  public var shownTables: [TableStatistics] {
    guard let all = selectedTables?.tables else { return [] }
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

  public func instanceIdentifier(for task: ReplicationTask) -> String? {
    guard let arn = task.replicationInstanceArn else { return nil }
    return instances[arn]?.identifier
  }

  /// A replication instance's health from its metrics (filed under its ARN by the engine).
  public func instanceHealth(_ instanceArn: String) -> InstanceHealth { InstanceHealth.judge(metrics[instanceArn]) }

  /// Instances of the tasks on screen whose health reaches warn, worst first (the header's mark).
  public var troubledInstances: [(identifier: String, health: InstanceHealth)] {
    var seen = Set<String>()
    var out: [(String, InstanceHealth)] = []
    for arn in visibleTaskArns {
      guard let t = tasks.first(where: { $0.arn == arn }), let i = t.replicationInstanceArn, seen.insert(i).inserted else { continue }
      let h = instanceHealth(i)
      if h.severity >= .warn { out.append((instances[i]?.identifier ?? i, h)) }
    }
    return out.sorted { $0.1.severity > $1.1.severity }
  }

  public func isStale(_ source: DataSource) -> Bool { sources[source]?.isStale(now: now) ?? false }
  public var anyStale: Bool { DataSource.allCases.contains { isStale($0) } }

  /// Health of one task for the TASKS mark and sorting: the worst of the findings `check` would report
  /// from the same data and thresholds (unknown while statistics or metrics are not loaded).
  public func health(of task: ReplicationTask) -> TaskHealth {
    TaskHealth.judge(task: task, tables: tables[task.arn], findings: findings(for: task))
  }

  // MARK: ordering

  public mutating func recomputeTaskOrder() {
    let filter = TaskFilter(self.filter)
    var idx: [Int] = []
    idx.reserveCapacity(tasks.count)
    let multi = isMultiScope
    let labels = Dictionary(scopes.map { ($0.id, $0.display.lowercased()) }, uniquingKeysWith: { a, _ in a })
    for (i, t) in tasks.enumerated() {
      if let only = scopeFilter, t.scope != only { continue }
      if errorsOnly, health(of: t).severity < .warn { continue }
      if filter.isEmpty || filter.matches(t, scopeLabel: labels[t.scope] ?? "", plainMatchesScope: multi, health: { health(of: t).severity }) {
        idx.append(i)
      }
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
    let keys = Dictionary(uniqueKeysWithValues: idx.map { ($0, key($0)) })
    idx.sort { a, b in
      let ka = keys[a] ?? .number(0)
      let kb = keys[b] ?? .number(0)
      if ka != kb { return sort.descending ? kb < ka : ka < kb }
      if tasks[a].identifier != tasks[b].identifier { return tasks[a].identifier < tasks[b].identifier }
      return tasks[a].scope < tasks[b].scope
    }
    taskOrder = idx
    syncTaskCursor()
  }

  /// Keeps the selection on the same ARN when rows move; picks the nearest row when it vanished.
  public mutating func syncTaskCursor() {
    let visible = layout.visibleRows(.tasks)
    if let arn = selectedTaskArn, let pos = taskOrder.firstIndex(where: { tasks[$0].arn == arn }) {
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
      if let old = selectedTaskArn { tables[old]?.summarize(config: ruleConfig) }
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
