import Foundation
import DMSWatchEngine
import DMSWatchModel
import DMSWatchRules

/// The rules' verdict on one task, judged once per load of its data (and again as time passes), not per frame.
public struct TaskJudgement: Sendable, Equatable {
  public var findings: [Finding]
  public var health: TaskHealth
  /// The clock the time-dependent rules (staleness, age) were judged at.
  public var at: Date
  /// Cutover readiness with the same data, clock and thresholds: judged for the rows about to be drawn (their READY
  /// column), nil for the others.
  public var readiness: Readiness?
}

/// The fleet as the engines reported it, over every scope, and the rules' results judged from it.
/// Knows nothing of panes, cursors or overlays: the view components read it, the engine events change it.
public struct FleetStore: Sendable {
  public var tasks: [ReplicationTask] {
    get { taskList }
    set {
      taskList = newValue
      judged.removeAll(keepingCapacity: true)
      indexByArn = Dictionary(taskList.enumerated().map { ($1.arn, $0) }, uniquingKeysWith: { a, _ in a })
      hasServerless = taskList.indices.contains { taskList[$0].kind == .serverless }
      checkedAt = taskList.map { tablesByTask[$0.arn]?.isChecked == true }
    }
  }
  private var taskList: [ReplicationTask] = []
  /// Some task is a serverless replication (TASKS shows its KD and DCU columns). Set with the list: an ARN's kind
  /// never changes, so replacing tasks in place keeps it.
  public private(set) var hasServerless = false
  /// Where each task is in `tasks` (the reducer judges the rows on screen after every step: no scan of the fleet).
  private var indexByArn: [String: Int] = [:]
  public var instances: [String: ReplicationInstance] = [:]
  public var endpoints: [String: Endpoint] = [:]
  /// Table statistics per task ARN. Set one task's through `setTables` (keeps the other verdicts).
  public var tables: [String: TaskTables] {
    get { tablesByTask }
    set {
      tablesByTask = newValue
      checkedAt = taskList.map { newValue[$0.arn]?.isChecked == true }
      judged.removeAll(keepingCapacity: true)
    }
  }
  private var tablesByTask: [String: TaskTables] = [:]
  /// Whether each task in `tasks` has its statistics read (`TaskTables.isChecked`), by position, kept with
  /// `tablesByTask`: the TASKS title counts them on every frame without hashing an ARN or copying a task.
  private var checkedAt: [Bool] = []
  /// CloudWatch series per task ARN (and per instance ARN). Setting it drops every verdict; a metrics load
  /// drops only the verdicts of the tasks it brought series for.
  public var metrics: [String: TaskMetrics] {
    get { metricsByArn }
    set {
      metricsByArn = newValue
      judged.removeAll(keepingCapacity: true)
      instanceHealthByArn.removeAll(keepingCapacity: true)
    }
  }
  private var metricsByArn: [String: TaskMetrics] = [:]
  /// `InstanceHealth.judge` of each series judged since it last changed (the header asks on every frame).
  private var instanceHealthByArn: [String: InstanceHealth] = [:]
  public var log: RingBuffer<LogEntry>
  /// Each task's own lines (by ARN), so a chatty task never pushes another's out of view.
  public var taskLog: [String: RingBuffer<LogEntry>] = [:]
  public static let taskLogCapacity = 2_000
  /// The newest error lines and events per task (by ARN, else identifier), for readiness and findings
  /// without scanning the log.
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
  /// The DMS call budget (nil until the poller starts); the header shows THROTTLED while reduced.
  public var budget: BudgetStatus?
  /// The last finished reconciliation of each task (by ARN): readiness's row-count criterion and the
  /// MISMATCH findings are judged from it, as `check --reconcile` judges its run.
  public var reconResults: [String: TaskReconciliation] = [:] { didSet { judged.removeAll(keepingCapacity: true) } }
  /// The rule thresholds the dashboard judges with: the config file's, the same `check` uses.
  public var ruleConfig = RuleConfig() { didSet { judged.removeAll(keepingCapacity: true) } }
  /// Commands sent whose outcome is not yet known, by task ARN.
  public var pending: [String: String] = [:]
  /// Tasks whose connection test is still running (its polling outlives a task-list refresh).
  public var testingConnections: Set<String> = []
  /// The last connection test of each task (by ARN), for the detail view.
  public var connectionResults: [String: ConnectionResult] = [:]

  /// The rules' results per task ARN (see `judge(now:)`).
  public private(set) var judged: [String: TaskJudgement] = [:]
  /// How long a verdict stands before the time-dependent rules are judged again.
  public static let rejudgeAfter: TimeInterval = 5

  public init(logCapacity: Int = 10_000, pollInterval: TimeInterval = 5) {
    log = RingBuffer(capacity: logCapacity)
    for s in DataSource.allCases { sources[s] = SourceStatus(interval: pollInterval) }
  }

  /// The latency thresholds of `ruleConfig` (one value, two views).
  public var thresholds: Thresholds {
    get { ruleConfig.thresholds }
    set {
      ruleConfig.latencyWarnSeconds = newValue.latencyWarn
      ruleConfig.latencyCriticalSeconds = newValue.latencyCritical
    }
  }

  // MARK: changes from the engines

  /// True when `list` names exactly the tasks `tasks` holds for `scope`, in the same order.
  private func sameTasks(_ list: [ReplicationTask], scope: ScopeID) -> Bool {
    var n = 0
    for t in taskList where t.scope == scope {
      guard n < list.count, list[n].arn == t.arn else { return false }
      n += 1
    }
    return n == list.count
  }

  /// Tasks the store already holds (a poll where only counters moved, a refreshed page): replaced where they
  /// differ, only those verdicts dropped; the index and the other verdicts stand. Rows it does not hold are left
  /// out (only a full listing adds tasks). Returns the positions replaced.
  @discardableResult
  private mutating func replaceInPlace(_ list: [ReplicationTask], scope: ScopeID) -> [Int] {
    var replaced: [Int] = []
    for var t in list {
      guard let i = position(of: t.arn) else { continue }
      t.scope = scope
      if taskList[i] != t {
        taskList[i] = t
        judged[t.arn] = nil
        replaced.append(i)
      }
    }
    return replaced
  }

  /// After a listing or a page: the source's age, and the actions those rows settled.
  private mutating func tasksListed(_ list: [ReplicationTask], scope: ScopeID, at: Date) {
    setSource(.tasks, scope: scope) { $0.lastSuccess = at; $0.lastError = nil }
    for t in list where pending[t.arn] != nil && ![TaskStatus.starting, TaskStatus.stopping].contains(t.status) {
      pending[t.arn] = nil
    }
  }

  /// A listing that added or dropped tasks: the scope's tasks replaced (index and verdicts rebuilt), new tasks
  /// adopt their unassigned log lines, and what belonged to the dropped ones goes. Returns the dropped ARNs.
  private mutating func replaceScope(_ list: [ReplicationTask], scope: ScopeID) -> Set<String> {
    let oldArns = Set(taskList.lazy.filter { $0.scope == scope }.map(\.arn))
    let scoped = list.map { t in
      var t = t
      t.scope = scope
      return t
    }
    tasks = taskList.filter { $0.scope != scope } + scoped
    let listed = scoped.filter { !oldArns.contains($0.arn) }
    if !listed.isEmpty { adoptUnassignedLog(for: listed) }
    let gone = oldArns.subtracting(list.map(\.arn))
    for arn in gone {
      tablesByTask[arn] = nil
      metricsByArn[arn] = nil
      taskLog[arn] = nil
    }
    return gone
  }

  /// One task's statistics: only that task's verdict is judged again.
  public mutating func setTables(_ arn: String, _ tt: TaskTables?) {
    tablesByTask[arn] = tt
    if let i = position(of: arn), i < checkedAt.count { checkedAt[i] = tt?.isChecked == true }
    judged[arn] = nil
  }

  /// Keeps only the summary of a task's statistics (it lost focus).
  public mutating func summarizeTables(_ arn: String) {
    tablesByTask[arn]?.summarize(config: ruleConfig)
  }

  /// Applies one engine event to the data. Returns what the view must follow up on.
  public mutating func apply(_ event: EngineEvent, focusedTask: String?) -> FleetChange {
    var change = FleetChange()
    let scope = event.scope
    switch event {
    case .tasksLoaded(_, let list, let at):
      if sameTasks(list, scope: scope) {
        replaceInPlace(list, scope: scope)
      } else {
        change.gone = replaceScope(list, scope: scope)
      }
      tasksListed(list, scope: scope, at: at)
      change.order = true
    case .tasksChanged(_, let rows, let at):
      // Rows of a refreshed page: replaced where they are, nothing else touched; the order is checked around them.
      change.changedRows = replaceInPlace(rows, scope: scope)
      tasksListed(rows, scope: scope, at: at)
      change.order = true
    case .inventoryLoaded(_, let instances, let endpoints):
      for i in instances { self.instances[i.arn] = i }
      for e in endpoints { self.endpoints[e.arn] = e }
    case .tablesLoaded(_, let arn, var tt, let at):
      if arn != focusedTask { tt.summarize(config: ruleConfig) } else { tt.rejudge(config: ruleConfig) }
      setTables(arn, tt)
      if arn == focusedTask {
        setSource(.tables, scope: scope) { $0.lastSuccess = at; $0.lastError = nil }
        change.focusedTables = true
      }
      change.judged = true
    case .metricsLoaded(_, let byTask, let at):
      for (arn, series) in byTask {
        var t = metricsByArn.removeValue(forKey: arn) ?? TaskMetrics()
        for (name, points) in series { t[name].merge(points) }
        metricsByArn[arn] = t
        judged[arn] = nil
        instanceHealthByArn[arn] = instances[arn] == nil ? nil : InstanceHealth.judge(t)
      }
      setSource(.metrics, scope: scope) { $0.lastSuccess = at; $0.lastError = nil }
      change.latency = true
      change.judged = true
    case .logLoaded(_, let entries, let at):
      change.log = appendLog(entries, scope: scope)
      setSource(.logs, scope: scope) { $0.lastSuccess = at; $0.lastError = nil }
      change.logNotice = .some(nil)
    case .logUnavailable(_, let arn, let notice, let at):
      setSource(.logs, scope: scope) { $0.lastSuccess = at; $0.lastError = nil }
      if arn == focusedTask { change.logNotice = .some(notice) }
    case .note(_, let entry):
      change.log = appendLog([entry], scope: scope)
    case .eventsLoaded(_, let entries, let at):
      change.log = appendLog(entries, scope: scope)
      setSource(.events, scope: scope) { $0.lastSuccess = at; $0.lastError = nil }
    case .sourceFailed(_, let src, let msg, let at, let arn):
      if src == .tables, let arn {
        var tt = tablesByTask[arn] ?? TaskTables()
        tt.error = msg
        setTables(arn, tt)
        change.judged = true
        // Another task's failure shows in its row (FLAGS/HEALTH say why), not in the header's "tables" age.
        change.redraw = true
        if arn != focusedTask { return change }
      }
      setSource(src, scope: scope) { $0.lastError = msg; $0.lastErrorAt = at }
    case .budgetChanged(_, let status):
      change.redraw = scopeBudgets[scope]?.isThrottled != status.isThrottled
        || (status.isThrottled && scopeBudgets[scope]?.rate != status.rate)
      if let i = status.taskListInterval, scopeSources[scope]?[.tasks]?.interval != i {
        setSource(.tasks, scope: scope) { $0.interval = i }
        change.redraw = true
      }
      scopeBudgets[scope] = status
      budget = scopeBudgets.values.min { $0.rate / $0.configuredRate < $1.rate / $1.configuredRate }
      return change
    case .scopeChanged(let info, let error):
      upsertScope(info, error: error)
      change.order = true
    }
    change.redraw = true
    return change
  }

  // MARK: scopes

  /// More than one scope is watched: TASKS gets a SCOPE column, the header a segment per scope.
  public var isMultiScope: Bool { scopes.count > 1 }

  public func scopeInfo(_ id: ScopeID) -> ScopeInfo? { scopes.first { $0.id == id } }

  /// The task with this ARN (an index lookup, not a scan).
  public func task(_ arn: String) -> ReplicationTask? {
    guard let i = indexByArn[arn], i < tasks.count, tasks[i].arn == arn else { return tasks.first { $0.arn == arn } }
    return tasks[i]
  }

  /// Where the task with this ARN is in `tasks`.
  public func position(of arn: String) -> Int? {
    guard let i = indexByArn[arn], i < taskList.count, taskList[i].arn == arn else { return nil }
    return i
  }

  /// The scope of the task with this ARN.
  public func scopeInfo(for taskArn: String) -> ScopeInfo? {
    guard let t = task(taskArn) else { return nil }
    return scopeInfo(t.scope)
  }

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

  // MARK: log buffers

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
      var buf = RingBuffer<LogEntry>(capacity: FleetStore.taskLogCapacity)
      buf.append(contentsOf: all)
      taskLog[arn] = buf
    }
  }

  /// New log lines and events: the merged buffer, each task's own buffer (an event names its task by
  /// identifier, resolved in its scope), the per-task error lines and the newest "reading from source is
  /// paused" line. Returns the lines as filed (with their task ARN where it resolved).
  @discardableResult
  public mutating func appendLog(_ entries: [LogEntry], scope: ScopeID? = nil) -> [LogEntry] {
    var byName: [String: String]?
    var resolved: [LogEntry] = []
    resolved.reserveCapacity(entries.count)
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
        taskLog[key, default: RingBuffer(capacity: FleetStore.taskLogCapacity)].append(e)
      }
      resolved.append(e)
    }
    log.append(contentsOf: resolved)
    for e in resolved {
      // Keyed by ARN when known (names repeat across scopes), else by name.
      guard let key = e.taskArn ?? e.task else { continue }
      if TaskRules.isSourcePausedLine(e) {
        // Kept apart: a line DMS repeats must not push the error lines out.
        sourcePaused[key] = e
        forget(verdictOf: e)
        continue
      }
      guard e.severity == .error else { continue }
      var list = errorLog[key, default: []]
      list.append(e)
      if list.count > FleetStore.errorLogPerTask { list.removeFirst(list.count - FleetStore.errorLogPerTask) }
      errorLog[key] = list
      forget(verdictOf: e)
    }
    return resolved
  }

  /// A line that changes a task's findings: its verdict is judged again.
  private mutating func forget(verdictOf e: LogEntry) {
    if let arn = e.taskArn {
      judged[arn] = nil
    } else if let name = e.task {
      for t in tasks where t.identifier == name { judged[t.arn] = nil }
    }
  }

  // MARK: the rules' results

  /// Judges the tasks (all, or those of `only`) whose verdict is missing or older than `rejudgeAfter`: the
  /// reducer asks for the rows it is about to draw, a health filter or sort for all, so drawing, sorting and
  /// counting read verdicts instead of running the rules again.
  public mutating func judge(now: Date, only: [String]? = nil) {
    func judgeOne(_ t: ReplicationTask, readiness: Bool) {
      if let j = verdict(t.arn, now: now) {
        if readiness, j.readiness == nil {
          let r = self.readiness(of: t, now: j.at, config: ruleConfig)
          judged[t.arn]?.readiness = r
        }
        return
      }
      let f = computeFindings(for: t, now: now, config: ruleConfig)
      judged[t.arn] = TaskJudgement(
        findings: f, health: TaskHealth.judge(task: t, tables: tablesByTask[t.arn], findings: f), at: now,
        readiness: readiness ? self.readiness(of: t, now: now, config: ruleConfig) : nil)
    }
    guard let only else {
      for t in tasks { judgeOne(t, readiness: false) }
      return
    }
    for arn in only {
      if let i = indexByArn[arn], i < tasks.count { judgeOne(tasks[i], readiness: true) }
    }
  }

  /// Findings of one task, judged with `ruleConfig` (the cached verdict when there is one).
  public func findings(for task: ReplicationTask, now: Date) -> [Finding] {
    if let j = verdict(task.arn, now: now) { return j.findings }
    return computeFindings(for: task, now: now, config: ruleConfig)
  }

  /// Findings of one task judged with another configuration (never cached).
  public func findings(for task: ReplicationTask, now: Date, config: RuleConfig) -> [Finding] {
    config == ruleConfig ? findings(for: task, now: now) : computeFindings(for: task, now: now, config: config)
  }

  /// Health of one task for the TASKS mark and sorting: the worst of the findings `check` would report
  /// from the same data and thresholds (unknown while statistics or metrics are not loaded).
  public func health(of task: ReplicationTask, now: Date) -> TaskHealth {
    if let j = verdict(task.arn, now: now) { return j.health }
    return TaskHealth.judge(task: task, tables: tablesByTask[task.arn], findings: computeFindings(for: task, now: now, config: ruleConfig))
  }

  /// The cached verdict while it still stands at `now` (a clock moved without a reducer step judges afresh).
  private func verdict(_ arn: String, now: Date) -> TaskJudgement? {
    guard let j = judged[arn], j.at <= now, now.timeIntervalSince(j.at) < FleetStore.rejudgeAfter else { return nil }
    return j
  }

  private func computeFindings(for task: ReplicationTask, now: Date, config: RuleConfig) -> [Finding] {
    let paused = (sourcePaused[task.arn] ?? sourcePaused[task.identifier]).map { [$0] } ?? []
    return TaskRules.findings(
      task: task, tables: tablesByTask[task.arn], metrics: metrics[task.arn], events: errorLines(of: task) + paused, now: now,
      config: config)
      + (reconResults[task.arn].map(ReconRules.findings) ?? [])
  }

  /// Log lines and events of one task currently in the LOG buffer, oldest first.
  public func logEntries(for task: ReplicationTask) -> [LogEntry] {
    if let own = taskLog[task.arn] { return own.toArray() }
    var out: [LogEntry] = []
    for i in 0..<log.count where log[i].belongs(to: task) { out.append(log[i]) }
    return out
  }

  /// The newest error lines of one task (by ARN; by name for lines that came without one).
  public func errorLines(of task: ReplicationTask) -> [LogEntry] {
    let byArn = errorLog[task.arn] ?? []
    let byName = (errorLog[task.identifier] ?? []).filter { $0.belongs(to: task) }
    return byName.isEmpty ? byArn : (byArn + byName).sorted { $0.time < $1.time }
  }

  /// Cutover readiness of one task from what the dashboard holds (the verdict's when it was judged with it).
  public func readiness(for task: ReplicationTask, now: Date, config: RuleConfig) -> Readiness {
    if config == ruleConfig, let r = verdict(task.arn, now: now)?.readiness { return r }
    return readiness(of: task, now: now, config: config)
  }

  private func readiness(of task: ReplicationTask, now: Date, config: RuleConfig) -> Readiness {
    Readiness.evaluate(
      task: task, tables: tablesByTask[task.arn], metrics: metrics[task.arn], events: errorLines(of: task), now: now, config: config,
      rowCounts: .from(reconResults[task.arn], config: config))
  }

  public func instanceIdentifier(for task: ReplicationTask) -> String? {
    guard let arn = task.replicationInstanceArn else { return nil }
    return instances[arn]?.identifier
  }

  /// A replication instance's health from its metrics (filed under its ARN by the engine).
  public func instanceHealth(_ instanceArn: String) -> InstanceHealth {
    instanceHealthByArn[instanceArn] ?? InstanceHealth.judge(metricsByArn[instanceArn])
  }

  /// Tasks whose table statistics are loaded and whose last load did not fail (the TASKS title's `checked N/M`).
  public func checkedCount<S: Sequence>(of list: S) -> Int where S.Element == ReplicationTask {
    list.reduce(0) { $0 + (tablesByTask[$1.arn]?.isChecked == true ? 1 : 0) }
  }

  /// `checkedCount(of:)` for the tasks at these positions of `tasks` (the TASKS order), without copying them.
  public func checkedCount(atIndices order: [Int]) -> Int {
    var n = 0
    for i in order where i >= 0 && i < checkedAt.count && checkedAt[i] { n += 1 }
    return n
  }

  /// The oldest statistics load among `shown` tasks (nil when one of them was never checked): the header's
  /// "tables" age is the least fresh thing on screen, not the focused task's.
  public func oldestTablesLoad(of shown: [String]) -> (oldest: Date?, unchecked: Int) {
    var oldest: Date?
    var unchecked = 0
    for arn in shown {
      guard let at = tablesByTask[arn]?.loadedAt, tablesByTask[arn]?.error == nil else {
        unchecked += 1
        continue
      }
      if oldest.map({ at < $0 }) ?? true { oldest = at }
    }
    return (oldest, unchecked)
  }
}

/// What an engine event changed that the view components follow up on.
public struct FleetChange: Sendable {
  public var redraw = false
  /// The task list changed: filter and sort again.
  public var order = false
  /// Set when only these positions of `tasks` changed (a merged page): the order need only be checked around them.
  public var changedRows: [Int]?
  /// Verdicts changed: sorts by flags or health order again.
  public var judged = false
  /// Latency changed: the latency sort orders again.
  public var latency = false
  /// The focused task's statistics were replaced: its table cursor and marks follow.
  public var focusedTables = false
  /// Tasks that left their scope's list.
  public var gone: Set<String> = []
  /// Lines filed into the log buffers.
  public var log: [LogEntry] = []
  /// The focused task's log notice: `.some(nil)` clears it.
  public var logNotice: String?? = .none
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
