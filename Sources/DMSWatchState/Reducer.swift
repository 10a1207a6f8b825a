import Foundation
import DMSWatchEngine
import DMSWatchModel
import DMSWatchRules

/// Inputs to the reducer: keys, data from pollers, results of commands, time.
public enum AppAction: Sendable {
  case key(Key)
  case resize(width: Int, height: Int)
  case tick(Date)
  /// Data from a scope's engine.
  case engine(EngineEvent)
  case commandFinished(ServiceCommand, error: String?, outcomeUnknown: Bool = false, partial: PartialReload? = nil, detail: String? = nil, at: Date)
  /// Progress or result of the RECON run of a task.
  case reconUpdated(taskArn: String, ReconState)
  /// A message for the status line from outside the reducer (e.g. a failed notification).
  case statusMessage(String, Severity)
  /// The raw JSON the `y` view asked for (or why there is none).
  case rawLoaded(title: String, text: String?, error: String?)
}

/// What the reducer asks the outside world to do.
public enum Effect: Sendable, Equatable {
  case quit
  case refreshNow
  case setPaused(Bool)
  case perform(ServiceCommand)
  case focusTaskChanged(String?)
  /// Reconcile a task against its databases (counts; checksums for `checksum` tables). Never on the DMS lane.
  case reconcile(taskArn: String, task: String, checksum: Set<String>)
  case cancelReconcile
  case audit(String)
  /// A `:` command the session loop carries out (`dump`, replay's `at TIME`).
  case session(command: String, argument: String)
  /// `:theme NAME`: the session loads the theme and repaints (or says why not).
  case setTheme(String)
  /// Put `text` on the clipboard of the terminal (OSC 52); `what` names it in the confirmation.
  case copy(text: String, what: String)
  /// Read the raw JSON of a task (or one of its tables) for the `y` view.
  case fetchRaw(taskArn: String, table: TableRef?, title: String)
}

public struct ReduceResult: Sendable, Equatable {
  public var effects: [Effect] = []
  public var redraw = false
  public init(effects: [Effect] = [], redraw: Bool = false) {
    self.effects = effects
    self.redraw = redraw
  }
}

/// The pure reducer: (state, action) -> state', effects.
public struct Reducer: Sendable {
  public var keyMap: KeyMap
  public var messageTTL: TimeInterval = 6

  public init(keyMap: KeyMap = KeyMap()) { self.keyMap = keyMap }

  public static let startMenuItems: [StartTaskType] = [.resumeProcessing, .startReplication, .reloadTarget]

  public func reduce(_ s: inout AppState, _ action: AppAction) -> ReduceResult {
    let before = s.selectedTaskArn
    var r = ReduceResult()
    switch action {
    case .key(let k):
      r = handleKey(&s, k)
    case .resize(let w, let h):
      s.layout = Layout(width: w, height: h)
      s.syncTaskCursor()
      s.syncTableCursor()
      r.redraw = true
    case .tick(let now):
      s.now = now
      if let m = s.message, m.expires <= now { s.message = nil }
      r.redraw = true
    case .engine(let event):
      r = reduceEngine(&s, event)
    case .statusMessage(let text, let sev):
      setMessage(&s, text, sev)
      r.redraw = true
    case .rawLoaded(let title, let text, let error):
      if case .raw(let v) = s.overlay, v.title == title {
        var nv = v
        nv.text = text
        nv.error = error
        s.overlay = .raw(nv)
      }
      r.redraw = true
    case .reconUpdated(let arn, var st):
      if arn == s.reconTaskArn {
        st.selected = min(s.recon.selected, max(0, (st.result?.tables.count ?? 1) - 1))
        st.scroll = s.recon.scroll
      }
      s.recon = st
      s.reconTaskArn = arn
      if case .finished = st.phase, let result = st.result { s.reconResults[arn] = result }
      if case .stopped(let why) = st.phase { setMessage(&s, "reconcile \(st.taskIdentifier ?? ""): \(why)", .warn) }
      r.redraw = true
    case .commandFinished(let cmd, let error, let unknown, let partial, let detail, let at):
      s.pending[cmd.taskArn] = nil
      if case .testConnections = cmd { s.testingConnections.remove(cmd.taskArn) }
      let scopeNote = s.isMultiScope ? " [\(s.scopeInfo(for: cmd.taskArn)?.display ?? "?")]" : ""
      if let partial {
        setMessage(&s, "\(cmd.summary)\(scopeNote): \(partial.summary)\(error.map { " — \($0)" } ?? "")", unknown ? .warn : .critical)
        r.effects.append(.refreshNow)
      } else if unknown {
        setMessage(&s, "\(cmd.summary)\(scopeNote): outcome unknown — verify (re-reading from DMS)", .warn)
        r.effects.append(.refreshNow)
      } else if let error {
        setMessage(&s, "\(cmd.summary)\(scopeNote) failed: \(error)", .critical)
        if case .testConnections = cmd { s.connectionResults[cmd.taskArn] = ConnectionResult(text: "test failed: \(error)", failed: true, at: at) }
      } else if let detail {
        // A connection test: what each endpoint answered; nothing to re-read.
        let bad = detail.contains(": failed") || detail.contains("no result")
        setMessage(&s, "\(cmd.summary)\(scopeNote): \(detail)", bad ? .critical : (detail.contains("still testing") ? .warn : .ok))
        s.connectionResults[cmd.taskArn] = ConnectionResult(text: detail, failed: bad, at: at)
      } else {
        setMessage(&s, "\(cmd.summary)\(scopeNote): requested", .ok)
        r.effects.append(.refreshNow)
      }
      let result = partial.map { "partial: \($0.summary)" } ?? (unknown ? "outcome unknown" : error ?? detail ?? "requested")
      appendLog(&s, [LogEntry(
        time: at, source: .app, severity: error == nil && !unknown ? .info : .error, component: "DMSWATCH",
        text: "\(cmd.summary): \(result)", task: cmd.taskIdentifier, taskArn: cmd.taskArn)])
      r.redraw = true
    }
    if s.selectedTaskArn != before { r.effects.append(.focusTaskChanged(s.selectedTaskArn)) }
    return r
  }

  /// Data from an engine: each scope's part of the state is replaced or merged, the others are untouched.
  func reduceEngine(_ s: inout AppState, _ event: EngineEvent) -> ReduceResult {
    var r = ReduceResult(redraw: true)
    let scope = event.scope
    switch event {
    case .tasksLoaded(_, let tasks, let at):
      let oldArns = Set(s.tasks.lazy.filter { $0.scope == scope }.map(\.arn))
      var merged = s.tasks.filter { $0.scope != scope }
      merged.append(contentsOf: tasks.map { t in
        var t = t
        t.scope = scope
        return t
      })
      s.tasks = merged
      s.setSource(.tasks, scope: scope) { $0.lastSuccess = at; $0.lastError = nil }
      let listed = tasks.filter { !oldArns.contains($0.arn) }
      if !listed.isEmpty { s.adoptUnassignedLog(for: listed.map { t in var t = t; t.scope = scope; return t }) }
      let gone = oldArns.subtracting(tasks.map(\.arn))
      if !gone.isEmpty {
        for arn in gone {
          s.tables[arn] = nil
          s.metrics[arn] = nil
          s.taskLog[arn] = nil
          s.markedTasks.remove(arn)
        }
      }
      for t in tasks where s.pending[t.arn] != nil && !["starting", "stopping"].contains(t.status) {
        s.pending[t.arn] = nil
      }
      s.recomputeTaskOrder()
      s.syncTableCursor()
    case .inventoryLoaded(_, let instances, let endpoints):
      for i in instances { s.instances[i.arn] = i }
      for e in endpoints { s.endpoints[e.arn] = e }
    case .tablesLoaded(_, let arn, var tt, let at):
      if arn != s.selectedTaskArn { tt.summarize(config: s.ruleConfig) } else { tt.rejudge(config: s.ruleConfig) }
      s.tables[arn] = tt
      if arn == s.selectedTaskArn {
        s.setSource(.tables, scope: scope) { $0.lastSuccess = at; $0.lastError = nil }
        let refs = Set(tt.tables.map(\.ref))
        s.marked = s.marked.filter { refs.contains($0) }
        s.syncTableCursor()
      }
      if s.sort.column == .flags || s.sort.column == .health { s.recomputeTaskOrder() }
    case .metricsLoaded(_, let byTask, let at):
      for (arn, series) in byTask {
        var m = s.metrics[arn] ?? TaskMetrics()
        for (name, points) in series { m[name].merge(points) }
        s.metrics[arn] = m
      }
      s.setSource(.metrics, scope: scope) { $0.lastSuccess = at; $0.lastError = nil }
      if s.sort.column == .latency || s.sort.column == .health { s.recomputeTaskOrder() }
    case .logLoaded(_, let entries, let at):
      appendLog(&s, entries, scope: scope)
      s.logNotice = nil
      s.setSource(.logs, scope: scope) { $0.lastSuccess = at; $0.lastError = nil }
    case .logUnavailable(_, let arn, let notice, let at):
      s.setSource(.logs, scope: scope) { $0.lastSuccess = at; $0.lastError = nil }
      if arn == s.selectedTaskArn { s.logNotice = notice }
    case .note(_, let entry):
      appendLog(&s, [entry], scope: scope)
    case .eventsLoaded(_, let entries, let at):
      appendLog(&s, entries, scope: scope)
      s.setSource(.events, scope: scope) { $0.lastSuccess = at; $0.lastError = nil }
    case .sourceFailed(_, let src, let msg, let at, let arn):
      if src == .tables, let arn {
        s.tables[arn, default: TaskTables()].error = msg
        if arn != s.selectedTaskArn { return r }
      }
      s.setSource(src, scope: scope) { $0.lastError = msg; $0.lastErrorAt = at }
    case .budgetChanged(_, let status):
      r.redraw = s.scopeBudgets[scope]?.isThrottled != status.isThrottled || (status.isThrottled && s.scopeBudgets[scope]?.rate != status.rate)
      if let i = status.taskListInterval, s.scopeSources[scope]?[.tasks]?.interval != i {
        s.setSource(.tasks, scope: scope) { $0.interval = i }
        r.redraw = true
      }
      s.scopeBudgets[scope] = status
      s.budget = s.scopeBudgets.values.min { $0.rate / $0.configuredRate < $1.rate / $1.configuredRate }
    case .scopeChanged(let info, let error):
      s.upsertScope(info, error: error)
      s.recomputeTaskOrder()
    }
    return r
  }

  private func appendLog(_ s: inout AppState, _ entries: [LogEntry], scope: ScopeID? = nil) {
    s.appendLog(entries, scope: scope)
  }

  private func setMessage(_ s: inout AppState, _ text: String, _ sev: Severity) {
    s.message = StatusMessage(text: text, severity: sev, expires: s.now.addingTimeInterval(messageTTL))
  }

  // MARK: keys

  func handleKey(_ s: inout AppState, _ key: Key) -> ReduceResult {
    var r = ReduceResult(redraw: true)
    if s.commandLine != nil {
      r.effects += commandLineKey(&s, key)
      return r
    }
    // `:` opens the command line over the views (help, detail, RECON), never over a question being asked.
    if keyMap.binding(for: .commandLine)?.keys.contains(key) == true, !s.filterEditing {
      switch s.overlay {
      case .none, .help, .detail, .recon, .raw:
        s.commandLine = CommandLineState()
        return r
      case .confirm, .startMenu:
        break
      }
    }
    switch s.overlay {
    case .help(let scroll):
      switch key {
      case .escape, .char("?"), .char("q"), .enter: s.overlay = .none
      case .down, .char("j"): s.overlay = .help(scroll: scroll + 1)
      case .up, .char("k"): s.overlay = .help(scroll: max(0, scroll - 1))
      case .pageDown: s.overlay = .help(scroll: scroll + 10)
      case .pageUp: s.overlay = .help(scroll: max(0, scroll - 10))
      default: break
      }
      return r
    case .startMenu(let arn, let index):
      // Only what DMS accepts for this task's state and type (TaskActions).
      let items = s.tasks.first(where: { $0.arn == arn }).map(TaskActions.startTypes(for:)) ?? []
      let n = items.count
      guard n > 0 else {
        s.overlay = .none
        return r
      }
      switch key {
      case .escape, .char("q"), .char("n"): s.overlay = .none
      case .down, .char("j"), .tab: s.overlay = .startMenu(taskArn: arn, index: (index + 1) % n)
      case .up, .char("k"), .backTab: s.overlay = .startMenu(taskArn: arn, index: (index + n - 1) % n)
      case .char("1"), .char("2"), .char("3"):
        if case .char(let c) = key, let d = c.wholeNumberValue, d <= n { s.overlay = .startMenu(taskArn: arn, index: d - 1) }
      case .enter:
        guard index >= 0, index < n, let task = s.tasks.first(where: { $0.arn == arn }) else {
          s.overlay = .none
          return r
        }
        let type = items[index]
        let cmd = ServiceCommand.start(arn: arn, task: task.identifier, type: type)
        if type == .resumeProcessing {
          s.overlay = .none
          r.effects += perform(&s, cmd)
        } else {
          let warning: String
          if type == .reloadTarget {
            warning = "Reload target for \(task.identifier)\(whereText(s, task))? Every table is truncated or recreated and loaded again."
          } else if task.migration == .cdc {
            // A CDC-only task has no full load: start-replication begins reading changes from now.
            warning = "Start replication for \(task.identifier)\(whereText(s, task))? CDC starts reading changes from now (no full load)."
          } else {
            warning = "Start replication for \(task.identifier)\(whereText(s, task))? The full load runs, then CDC."
          }
          s.overlay = .confirm(Confirmation(command: cmd, prompt: warning))
        }
      default: break
      }
      return r
    case .detail(let arn, let scroll):
      switch key {
      case .escape, .char("q"), .char("d"), .enter: s.overlay = .none
      case .down, .char("j"): s.overlay = .detail(taskArn: arn, scroll: scroll + 1)
      case .up, .char("k"): s.overlay = .detail(taskArn: arn, scroll: max(0, scroll - 1))
      case .pageDown: s.overlay = .detail(taskArn: arn, scroll: scroll + 10)
      case .pageUp: s.overlay = .detail(taskArn: arn, scroll: max(0, scroll - 10))
      case .char("g"), .home: s.overlay = .detail(taskArn: arn, scroll: 0)
      default:
        if keyMap.binding(for: .copy)?.keys.contains(key) == true, let t = s.tasks.first(where: { $0.arn == arn }) {
          r.effects.append(.copy(text: t.arn, what: "ARN of \(t.identifier)"))
        }
      }
      return r
    case .raw(var v):
      let lines = v.text.map { $0.split(separator: "\n", omittingEmptySubsequences: false).count } ?? 0
      switch key {
      case .escape, .char("q"), .char("y"), .enter: s.overlay = .none
      case .down, .char("j"): v.scroll = min(max(0, lines - 1), v.scroll + 1)
      case .up, .char("k"): v.scroll = max(0, v.scroll - 1)
      case .pageDown, .char(" "): v.scroll = min(max(0, lines - 1), v.scroll + 10)
      case .pageUp: v.scroll = max(0, v.scroll - 10)
      case .char("g"), .home: v.scroll = 0
      case .char("G"), .end: v.scroll = max(0, lines - 1)
      default:
        if keyMap.binding(for: .copy)?.keys.contains(key) == true, let text = v.text {
          r.effects.append(.copy(text: text, what: v.wrap ? "the \(v.title)" : "the raw JSON of \(v.title)"))
        }
      }
      if case .raw = s.overlay { s.overlay = .raw(v) }
      return r
    case .recon(let arn):
      let n = s.recon.result?.tables.count ?? 0
      switch key {
      case .escape:
        if case .running = s.recon.phase {
          setMessage(&s, "reconcile cancelled", .ok)
          r.effects.append(.cancelReconcile)
        } else {
          s.overlay = .none
        }
      case .char("q"), .char("R"): s.overlay = .none
      case .down, .char("j"): s.recon.selected = min(max(0, n - 1), s.recon.selected + 1)
      case .up, .char("k"): s.recon.selected = max(0, s.recon.selected - 1)
      case .pageDown: s.recon.selected = min(max(0, n - 1), s.recon.selected + 10)
      case .pageUp: s.recon.selected = max(0, s.recon.selected - 10)
      case .char("g"), .home: s.recon.selected = 0
      case .char("G"), .end: s.recon.selected = max(0, n - 1)
      case .ctrl("r"):
        if let t = s.tasks.first(where: { $0.arn == arn }) {
          r.effects.append(.reconcile(taskArn: arn, task: t.identifier, checksum: s.recon.marked))
        }
      default: break
      }
      return r
    case .confirm(var c):
      switch key {
      case .char("y"), .char("Y"):
        s.overlay = .none
        r.effects += performAll(&s, c)
      case .char("n"), .char("N"), .escape, .char("q"):
        s.overlay = .none
        setMessage(&s, "cancelled: \(c.summary)", .ok)
        r.effects.append(.audit("cancelled \(c.summary)"))
      case .left, .right, .tab, .backTab, .char("h"), .char("l"):
        c.yesSelected.toggle()
        s.overlay = .confirm(c)
      case .enter:
        s.overlay = .none
        if c.yesSelected {
          r.effects += performAll(&s, c)
        } else {
          setMessage(&s, "cancelled: \(c.summary)", .ok)
          r.effects.append(.audit("cancelled \(c.summary)"))
        }
      default: break
      }
      return r
    case .none:
      break
    }

    if s.filterEditing {
      // The text of the pane `/` was pressed in: TASKS filter, TABLES filter or LOG search.
      func edit(_ change: (inout String) -> Void) {
        switch s.filterTarget {
        case .tasks:
          change(&s.filter)
          s.recomputeTaskOrder()
          s.syncTableCursor()
        case .tables:
          change(&s.tableFilter)
          s.syncTableCursor()
        case .log:
          change(&s.logSearch)
          s.logMatch = nil
        }
      }
      switch key {
      case .enter:
        s.filterEditing = false
        if s.filterTarget == .log, !s.logSearch.isEmpty { searchLog(&s, older: true, fromCurrent: true) }
      case .escape:
        s.filterEditing = false
        edit { $0 = "" }
      case .backspace, .delete:
        edit { if !$0.isEmpty { $0.removeLast() } }
      case .char(let c):
        // Printable characters only: control and format characters never reach the filter.
        if Self.isPrintable(c) { edit { if $0.count < 128 { $0.append(c) } } }
      default: break
      }
      return r
    }

    guard let cmd = keyMap.command(for: key, in: s.focus) else {
      // Never silence: say the key does nothing here (and where it does, if anywhere).
      let elsewhere = keyMap.bindings.first { $0.keys.contains(key) }
      if let b = elsewhere {
        setMessage(&s, "\(key.label): \(b.description) — not in \(s.focus.rawValue.uppercased()) (? lists the keys)", .warn)
      } else {
        setMessage(&s, "\(key.label): no such key (? lists the keys)", .warn)
      }
      return r
    }
    if s.readOnly, let b = keyMap.binding(for: cmd), b.mutates {
      setMessage(&s, "read-only mode: \(b.description) is disabled", .warn)
      r.effects.append(.audit("refused (read-only): \(cmd.rawValue)"))
      return r
    }
    r.effects += run(&s, cmd)
    return r
  }

  func run(_ s: inout AppState, _ cmd: Command) -> [Effect] {
    switch cmd {
    case .moveUp: move(&s, -1)
    case .moveDown: move(&s, 1)
    case .pageUp: move(&s, -s.layout.visibleRows(s.focus))
    case .pageDown: move(&s, s.layout.visibleRows(s.focus))
    case .top: move(&s, Int.min / 2)
    case .bottom:
      if s.focus == .log {
        s.logFollow = true
        s.logScrollBack = 0
      } else {
        move(&s, Int.max / 2)
      }
    case .focusNext: s.focus = cycle(s.focus, 1)
    case .focusPrev: s.focus = cycle(s.focus, -1)
    case .focusLeft:
      if s.focus == .flags { s.focus = .tables } else { s.focus = cycle(s.focus, -1) }
    case .focusRight:
      if s.focus == .tables { s.focus = .flags } else { s.focus = cycle(s.focus, 1) }
    case .drillDown:
      if s.selectedTaskArn != nil { s.focus = .tables }
    case .filter:
      switch s.focus {
      case .tables, .flags:
        s.focus = .tables
        s.filterTarget = .tables
      case .log:
        // A new search each time (as in less and vim); filters keep their text for editing.
        s.filterTarget = .log
        s.logSearch = ""
        s.logMatch = nil
      case .tasks, .latency:
        s.focus = .tasks
        s.filterTarget = .tasks
      }
      s.filterEditing = true
    case .searchOlder, .searchNewer:
      guard !s.logSearch.isEmpty else {
        setMessage(&s, "no search: / in LOG to search", .warn)
        return []
      }
      searchLog(&s, older: cmd == .searchOlder, fromCurrent: false)
    case .logLevel:
      let all = LogLevelFilter.allCases
      s.logLevel = all[((all.firstIndex(of: s.logLevel) ?? 0) + 1) % all.count]
      s.logMatch = nil
      s.logFollow = true
      s.logScrollBack = 0
      setMessage(&s, "log level: \(s.logLevel.label)", .ok)
    case .back:
      if !s.marked.isEmpty {
        s.marked = []
      } else if !s.markedTasks.isEmpty {
        s.markedTasks = []
      } else if s.focus == .log, !s.logSearch.isEmpty {
        s.logSearch = ""
        s.logMatch = nil
      } else if (s.focus == .tables || s.focus == .flags), !s.tableFilter.isEmpty {
        s.tableFilter = ""
        s.syncTableCursor()
      } else if s.focus != .tasks {
        s.focus = .tasks
      } else if !s.filter.isEmpty {
        s.filter = ""
        s.recomputeTaskOrder()
      }
    case .start:
      if s.focus == .tasks, !s.markedTasks.isEmpty { return startMarked(&s) }
      guard let t = s.selectedTask else { return noTask(&s) }
      if let why = TaskActions.startRefusal(t) { return refuse(&s, why) }
      s.overlay = .startMenu(taskArn: t.arn, index: 0)
    case .stop:
      if s.focus == .tasks, !s.markedTasks.isEmpty { return stopMarked(&s) }
      guard let t = s.selectedTask else { return noTask(&s) }
      if let why = TaskActions.stopRefusal(t) { return refuse(&s, why) }
      s.overlay = .confirm(Confirmation(
        command: .stop(arn: t.arn, task: t.identifier),
        prompt: "Stop task \(t.identifier) (\(t.status))\(whereText(s, t))? Replication stops until it is resumed."))
    case .reload:
      guard let t = s.selectedTask else { return noTask(&s) }
      if let why = TaskActions.reloadRefusal(t, what: "tables reload") { return refuse(&s, why) }
      let targets = reloadTargets(s)
      guard !targets.isEmpty else {
        setMessage(&s, "no table selected", .warn)
        return []
      }
      s.overlay = .confirm(Confirmation(
        command: .reload(arn: t.arn, task: t.identifier, tables: targets, option: .dataReload),
        prompt: "Reload \(targets.count == 1 ? targets[0].qualifiedName : "\(targets.count) tables") of \(t.identifier)\(whereText(s, t))? Target rows are reloaded from the source."))
    case .validate:
      guard let t = s.selectedTask else { return noTask(&s) }
      if let why = TaskActions.reloadRefusal(t, what: "tables revalidate") { return refuse(&s, why) }
      if let why = TaskActions.validationRefusal(t, tables: s.selectedTables) { return refuse(&s, why) }
      // With a TABLES filter, "all" is the tables shown, and a mark hidden by the filter is left out.
      let shownRefs = s.shownTables.map(\.ref)
      let targets = s.marked.isEmpty ? shownRefs : s.marked.intersection(shownRefs).sorted()
      guard !targets.isEmpty else {
        setMessage(&s, "no table statistics loaded yet for \(t.identifier)", .warn)
        return []
      }
      let cmd = ServiceCommand.reload(arn: t.arn, task: t.identifier, tables: targets, option: .validateOnly)
      if s.marked.isEmpty {
        // No marks: every table of the task — ask, naming how many.
        let all = s.tableFilter.isEmpty ? "all \(targets.count)" : "the \(targets.count) shown (filter /\(s.tableFilter))"
        s.overlay = .confirm(Confirmation(
          command: cmd,
          prompt: "Revalidate \(all) table\(targets.count == 1 ? "" : "s") of \(t.identifier)\(whereText(s, t))? Validation runs again on each (no data is reloaded)."))
        return []
      }
      return perform(&s, cmd)
    case .mark:
      if s.focus == .tasks {
        guard let t = s.selectedTask else { return noTask(&s) }
        if s.markedTasks.contains(t.arn) { s.markedTasks.remove(t.arn) } else { s.markedTasks.insert(t.arn) }
        move(&s, 1)
        return []
      }
      guard let ref = currentTableRef(s) else { return [] }
      if s.marked.contains(ref) { s.marked.remove(ref) } else { s.marked.insert(ref) }
      move(&s, 1)
    case .markAll:
      let all = Set(s.shownTables.map(\.ref))
      s.marked = s.marked == all ? [] : all
    case .refresh:
      setMessage(&s, "refreshing…", .ok)
      return [.refreshNow]
    case .pause:
      s.paused.toggle()
      setMessage(&s, s.paused ? "polling paused (p to resume)" : "polling resumed", .ok)
      return [.setPaused(s.paused)]
    case .help:
      s.overlay = .help(scroll: 0)
    case .quit:
      s.quitting = true
      return [.quit]
    case .sortNext:
      let all = TaskSortColumn.allCases
      let i = all.firstIndex(of: s.sort.column) ?? 0
      s.sort = TaskSort(column: all[(i + 1) % all.count], descending: false)
      s.recomputeTaskOrder()
    case .sortReverse:
      s.sort.descending.toggle()
      s.recomputeTaskOrder()
    case .sortByName: sortBy(&s, .name)
    case .sortByStatus: sortBy(&s, .status)
    case .sortByType: sortBy(&s, .type)
    case .sortByProgress: sortBy(&s, .progress)
    case .sortByLatency: sortBy(&s, .latency)
    case .sortByFlags: sortBy(&s, .flags)
    case .sortByHealth: sortBy(&s, .health)
    case .detail:
      guard let t = s.selectedTask else { return noTask(&s) }
      s.overlay = .detail(taskArn: t.arn, scroll: 0)
    case .reconcile:
      guard let t = s.selectedTask else { return noTask(&s) }
      let marked = Set(s.marked.map(\.qualifiedName))
      s.overlay = .recon(taskArn: t.arn)
      if s.reconTaskArn != t.arn || s.recon.marked != marked || { if case .running = s.recon.phase { return false }; return true }() {
        // Counts for every table, checksums for the marked ones; reads only, on the databases' own budget.
        s.reconTaskArn = t.arn
        s.recon = ReconState(taskIdentifier: t.identifier, phase: .running(done: 0, total: 0), marked: marked)
        return [.reconcile(taskArn: t.arn, task: t.identifier, checksum: marked)]
      }
    case .scopeNext:
      guard s.isMultiScope else {
        setMessage(&s, "one scope is watched (add --region/--profile or config scopes: to watch more)", .ok)
        return []
      }
      let ids = s.scopes.map(\.id)
      if let cur = s.scopeFilter, let i = ids.firstIndex(of: cur) {
        s.scopeFilter = i + 1 < ids.count ? ids[i + 1] : nil
      } else {
        s.scopeFilter = ids.first
      }
      setMessage(&s, s.scopeFilter.map { "showing scope \(s.scopeInfo($0)?.display ?? $0.rawValue) only (@ for the next)" } ?? "showing every scope", .ok)
      s.recomputeTaskOrder()
      s.syncTableCursor()
    case .errorsOnly:
      s.errorsOnly.toggle()
      s.recomputeTaskOrder()
      s.syncTableCursor()
      setMessage(&s, s.errorsOnly ? "errors only: \(s.taskOrder.count) task\(s.taskOrder.count == 1 ? "" : "s") with warn/critical findings (E for all)" : "showing every task", .ok)
    case .followLog:
      s.logFollow.toggle()
      if s.logFollow { s.logScrollBack = 0 }
    case .commandLine:
      s.commandLine = CommandLineState()
    case .expandLine:
      let lines = s.shownLog
      guard lines.count > 0 else {
        setMessage(&s, "no log line to show", .warn)
        return []
      }
      let i = s.logMatch.map { min($0, lines.count - 1) } ?? max(0, lines.count - 1 - s.logScrollBack)
      let e = lines[i]
      // Wrapped here to the view's width, so scrolling reaches the end of a long line.
      let width = max(20, min(140, s.layout.width - 4) - 4)
      let body = Self.wrap(e.text, width: width).joined(separator: "\n")
      let text = "\(Format.iso(e.time))  \(e.task ?? "-")  \(e.severity.rawValue)  \(e.component)\n\n\(body)"
      s.overlay = .raw(RawView(title: "log line \(i + 1)/\(lines.count)", text: text, wrap: true))
    case .raw:
      guard let t = s.selectedTask else { return noTask(&s) }
      let table = (s.focus == .tables || s.focus == .flags) ? currentTableRef(s) : nil
      let title = table.map { "\(t.identifier) \($0.qualifiedName)" } ?? t.identifier
      s.overlay = .raw(RawView(title: title))
      return [.fetchRaw(taskArn: t.arn, table: table, title: title)]
    case .testConnection:
      guard let t = s.selectedTask else { return noTask(&s) }
      if t.kind == .serverless {
        return refuse(&s, "\(t.identifier) is a serverless replication: no replication instance to test its endpoints from")
      }
      guard t.replicationInstanceArn != nil, t.sourceEndpointArn != nil || t.targetEndpointArn != nil else {
        return refuse(&s, "\(t.identifier): its replication instance or endpoints are not known yet")
      }
      if s.testingConnections.contains(t.arn) { return refuse(&s, "\(t.identifier): a connection test is still under way") }
      let effects = perform(&s, .testConnections(arn: t.arn, task: t.identifier))
      if effects.contains(where: { if case .perform = $0 { return true } else { return false } }) { s.testingConnections.insert(t.arn) }
      return effects
    case .copy:
      if s.focus == .tables || s.focus == .flags, let ref = currentTableRef(s) {
        return [.copy(text: ref.qualifiedName, what: "table \(ref.qualifiedName)")]
      }
      guard let t = s.selectedTask else { return noTask(&s) }
      return [.copy(text: t.arn, what: "ARN of \(t.identifier)")]
    }
    return []
  }

  // MARK: command line

  /// A key while the `:` line is open: text, `tab` completion, `enter` runs, `esc` closes.
  func commandLineKey(_ s: inout AppState, _ key: Key) -> [Effect] {
    guard var line = s.commandLine else { return [] }
    let replay = s.replaying
    switch key {
    case .escape, .ctrl("c"):
      s.commandLine = nil
    case .enter:
      s.commandLine = nil
      return runCommandLine(&s, line.text)
    case .tab:
      s.commandLine = PromptCommands.complete(line, s, replay: replay)
    case .backspace, .delete:
      if line.text.isEmpty {
        s.commandLine = nil
      } else {
        line.text.removeLast()
        line.candidates = []
        s.commandLine = line
      }
    case .char(let c):
      if line.text.count < 120, Self.isPrintable(c) {
        line.text.append(c)
        line.candidates = []
        s.commandLine = line
      }
    default:
      break
    }
    return []
  }

  /// Greedy word wrap at `width` characters (a word longer than the width is cut).
  static func wrap(_ text: String, width: Int) -> [String] {
    var out: [String] = []
    var line = ""
    for word in text.split(separator: " ", omittingEmptySubsequences: false) {
      var w = String(word)
      while w.count > width {
        if !line.isEmpty { out.append(line); line = "" }
        out.append(String(w.prefix(width)))
        w = String(w.dropFirst(width))
      }
      if line.isEmpty { line = w } else if line.count + 1 + w.count <= width { line += " " + w } else { out.append(line); line = w }
    }
    out.append(line)
    return out
  }

  static func isPrintable(_ c: Character) -> Bool {
    c.unicodeScalars.allSatisfy {
      $0.value >= 0x20 && $0.value != 0x7f && $0.properties.generalCategory != .control && $0.properties.generalCategory != .format
    }
  }

  /// Runs one `:` line. Unknown commands and bad arguments get a one-line message, never silence.
  public func runCommandLine(_ s: inout AppState, _ text: String) -> [Effect] {
    let line = text.trimmingCharacters(in: .whitespaces)
    guard !line.isEmpty else { return [] }
    let replay = s.replaying
    let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
    let word = parts[0]
    let arg = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
    guard let cmd = PromptCommands.find(word, replay: replay) else {
      let hint = PromptCommands.suggestion(for: word, replay: replay).map { " — did you mean :\($0)?" } ?? ""
      setMessage(&s, "unknown command :\(word)\(hint) (: then tab lists the commands)", .warn)
      return []
    }
    if cmd.argument == .none, !arg.isEmpty {
      setMessage(&s, ":\(cmd.name) takes no argument", .warn)
      return []
    }
    if case .text(optional: false) = cmd.argument, arg.isEmpty {
      setMessage(&s, "usage: :\(cmd.usage)", .warn)
      return []
    }
    if cmd.session { return [.session(command: cmd.name, argument: arg)] }
    switch cmd.name {
    case "tasks":
      s.overlay = .none
      s.focus = .tasks
    case "tables":
      guard s.selectedTaskArn != nil else { return noTask(&s) }
      s.overlay = .none
      s.focus = .tables
    case "recon":
      s.overlay = .none
      return run(&s, .reconcile)
    case "detail":
      return run(&s, .detail)
    case "help":
      s.overlay = .help(scroll: 0)
    case "errors":
      return run(&s, .errorsOnly)
    case "quit":
      return run(&s, .quit)
    case "filter":
      s.filter = String(arg.prefix(128))
      s.focus = .tasks
      s.recomputeTaskOrder()
      s.syncTableCursor()
    case "sort":
      guard let c = TaskSortColumn(rawValue: arg.lowercased()) else {
        setMessage(&s, "usage: :sort \(TaskSortColumn.allCases.map(\.rawValue).joined(separator: "|"))", .warn)
        return []
      }
      sortBy(&s, c)
    case "log":
      switch arg.lowercased() {
      case "all": s.logAll = true
      case "task", "": s.logAll = false
      default:
        setMessage(&s, "usage: :log all|task", .warn)
        return []
      }
      s.logFollow = true
      s.logScrollBack = 0
      s.logMatch = nil
      setMessage(&s, s.logAll ? "LOG: every task, merged in time order (:log task for the focused task)" : "LOG: the focused task's lines (:log all for every task)", .ok)
    case "scope":
      let a = arg.lowercased()
      if a.isEmpty || a == "all" {
        s.scopeFilter = nil
        setMessage(&s, "showing every scope", .ok)
      } else if let hit = s.scopes.first(where: { $0.display.lowercased() == a || $0.id.rawValue.lowercased() == a })
        ?? s.scopes.first(where: { $0.display.lowercased().hasPrefix(a) })
      {
        s.scopeFilter = hit.id
        setMessage(&s, "showing scope \(hit.display) only (:scope all for every scope)", .ok)
      } else {
        let names = s.scopes.map(\.display).joined(separator: ", ")
        setMessage(&s, "no scope \"\(arg)\" (scopes: \(names.isEmpty ? "none" : names))", .warn)
        return []
      }
      s.recomputeTaskOrder()
      s.syncTableCursor()
    case "theme":
      guard !arg.isEmpty else {
        setMessage(&s, "usage: :theme NAME (\(s.themeNames.joined(separator: ", ")))", .warn)
        return []
      }
      return [.setTheme(arg)]
    default:
      setMessage(&s, "unknown command :\(word)", .warn)
    }
    return []
  }

  // MARK: log search

  /// Scrolls LOG so that the next match older (or newer) than the line at the bottom is the bottom line.
  private func searchLog(_ s: inout AppState, older: Bool, fromCurrent: Bool) {
    let lines = s.shownLog
    let n = lines.count
    let needle = s.logSearch.lowercased()
    guard n > 0 else { return }
    let from = s.logMatch.map { min($0, n - 1) } ?? (n - 1 - s.logScrollBack)
    var i = fromCurrent ? from : (older ? from - 1 : from + 1)
    var scanned = 0
    while scanned < n {
      if i < 0 { i = n - 1 } else if i >= n { i = 0 }
      let e = lines[i]
      if TextSearch.contains(e.text.lowercased(), needle) || TextSearch.contains(e.component.lowercased(), needle)
        || TextSearch.contains((e.task ?? "").lowercased(), needle)
      {
        let maxBack = max(0, n - s.layout.visibleRows(.log))
        s.logScrollBack = min(n - 1 - i, max(maxBack, 0))
        if n - 1 - i > maxBack { s.logScrollBack = maxBack }
        s.logFollow = s.logScrollBack == 0
        s.logMatch = i
        setMessage(&s, "/\(s.logSearch): line \(i + 1) of \(n) (n older, N newer)", .ok)
        return
      }
      i += older ? -1 : 1
      scanned += 1
    }
    s.logMatch = nil
    setMessage(&s, "/\(s.logSearch): not found in \(n) lines", .warn)
  }

  // MARK: marked tasks

  /// The marked tasks TASKS shows now, in its order: a mark hidden by the filter never reaches an action.
  private func markedVisible(_ s: AppState) -> (shown: [ReplicationTask], hidden: Int) {
    let shown = s.visibleTasks.filter { s.markedTasks.contains($0.arn) }
    return (shown, s.markedTasks.count - shown.count)
  }

  private func names(_ tasks: [ReplicationTask]) -> String {
    let n = tasks.map(\.identifier)
    return n.count <= 8 ? n.joined(separator: ", ") : n.prefix(8).joined(separator: ", ") + " +\(n.count - 8) more"
  }

  /// One confirmation for every marked task that can stop; the others are named as left out.
  private func stopMarked(_ s: inout AppState) -> [Effect] {
    confirmMarked(
      &s, eligible: { TaskActions.stopRefusal($0) == nil }, none: "can stop now", leftOut: "cannot stop now",
      prompt: { "Stop \($0): \($1)? Replication stops until each is resumed." },
      command: { .stop(arn: $0.arn, task: $0.identifier) })
  }

  /// Resume processing of every marked task that accepts it (one confirmation); never a full reload.
  private func startMarked(_ s: inout AppState) -> [Effect] {
    confirmMarked(
      &s, eligible: { TaskActions.startRefusal($0) == nil && TaskActions.startTypes(for: $0).contains(.resumeProcessing) },
      none: "can resume now", noneHint: "; start one at a time with s", leftOut: "cannot resume; start them one at a time",
      prompt: { "Resume processing of \($0): \($1)?" },
      command: { .start(arn: $0.arn, task: $0.identifier, type: .resumeProcessing) })
  }

  /// The marked tasks shown that `eligible` accepts (and no read-only scope holds), in one confirmation that
  /// names the rest as left out; a refusal when none is eligible.
  private func confirmMarked(
    _ s: inout AppState, eligible: (ReplicationTask) -> Bool, none: String, noneHint: String = "", leftOut: String,
    prompt: (_ count: String, _ names: String) -> String, command: (ReplicationTask) -> ServiceCommand
  ) -> [Effect] {
    let (shown, hidden) = markedVisible(s)
    let ok = shown.filter { eligible($0) && !s.isReadOnly($0) }
    let skipped = shown.filter { t in !ok.contains { $0.arn == t.arn } }
    guard !ok.isEmpty else {
      return refuse(&s, "none of the \(shown.count) marked task\(shown.count == 1 ? "" : "s") \(none) (\(names(shown)))\(noneHint)")
    }
    var text = prompt("\(ok.count) task\(ok.count == 1 ? "" : "s")", names(ok))
    if !skipped.isEmpty { text += " Left out (\(leftOut)): \(names(skipped))." }
    if hidden > 0 { text += " \(hidden) marked task\(hidden == 1 ? " is" : "s are") hidden by the filter and left out." }
    let cmds = ok.map(command)
    s.overlay = .confirm(Confirmation(command: cmds[0], more: Array(cmds.dropFirst()), prompt: text))
    return []
  }

  private func performAll(_ s: inout AppState, _ c: Confirmation) -> [Effect] {
    var out: [Effect] = []
    for cmd in c.commands { out += perform(&s, cmd) }
    if !c.more.isEmpty {
      s.markedTasks = []
      setMessage(&s, "\(c.commands.count) requests: \(c.summary)…", .ok)
    }
    return out
  }

  private func sortBy(_ s: inout AppState, _ c: TaskSortColumn) {
    if s.sort.column == c {
      s.sort.descending.toggle()
    } else {
      // Numbers that mean "worse when larger" start descending.
      s.sort = TaskSort(column: c, descending: [.latency, .flags, .health].contains(c))
    }
    s.recomputeTaskOrder()
  }

  /// A refusal before any dialog: a one-line reason on the status line, and the audit log.
  private func refuse(_ s: inout AppState, _ why: String) -> [Effect] {
    setMessage(&s, why, .warn)
    return [.audit("refused: \(why)")]
  }

  private func noTask(_ s: inout AppState) -> [Effect] {
    setMessage(&s, "no task selected", .warn)
    return []
  }

  private func perform(_ s: inout AppState, _ c: ServiceCommand) -> [Effect] {
    if s.readOnly {
      setMessage(&s, "read-only mode: \(c.summary) refused", .warn)
      return [.audit("refused (read-only) \(c.summary)")]
    }
    if let scope = s.scopeInfo(for: c.taskArn), scope.readOnly {
      setMessage(&s, "scope \(scope.display) is read-only: \(c.summary) refused", .warn)
      return [.audit("refused (read-only scope \(scope.display)) \(c.summary) [\(c.taskArn)]")]
    }
    s.pending[c.taskArn] = c.summary
    setMessage(&s, "\(c.summary)…", .ok)
    return [.perform(c)]
  }

  /// ` in account 1234…, region eu-west-1` for a confirmation (which account and region an action reaches).
  private func whereText(_ s: AppState, _ t: ReplicationTask) -> String {
    guard let info = s.scopeInfo(t.scope), info.region != nil || info.account != nil else { return "" }
    return " in \(info.longDescription)"
  }

  private func reloadTargets(_ s: AppState) -> [TableRef] {
    if !s.marked.isEmpty { return s.marked.intersection(s.shownTables.map(\.ref)).sorted() }
    return currentTableRef(s).map { [$0] } ?? []
  }

  private func currentTableRef(_ s: AppState) -> TableRef? {
    if s.focus == .flags {
      let f = s.selectedFlags
      return f.isEmpty ? nil : f[min(s.flagCursor.index, f.count - 1)].table
    }
    return s.selectedTable
  }

  private func cycle(_ p: Pane, _ d: Int) -> Pane {
    let all = Pane.allCases
    let i = all.firstIndex(of: p) ?? 0
    return all[(i + d + all.count) % all.count]
  }

  private func move(_ s: inout AppState, _ delta: Int) {
    switch s.focus {
    case .tasks:
      guard !s.taskOrder.isEmpty else { return }
      s.taskCursor.move(by: delta, count: s.taskOrder.count, visible: s.layout.visibleRows(.tasks))
      s.selectTask(arn: s.tasks[s.taskOrder[s.taskCursor.index]].arn)
      s.syncTableCursor()
    case .tables:
      let list = s.shownTables
      s.tableCursor.move(by: delta, count: list.count, visible: s.layout.visibleRows(.tables))
      s.selectedTable = list.isEmpty ? nil : list[s.tableCursor.index].ref
    case .flags:
      s.flagCursor.move(by: delta, count: s.selectedFlags.count, visible: s.layout.visibleRows(.flags))
    case .latency:
      break
    case .log:
      // Up = back in time.
      let maxBack = max(0, s.shownLog.count - s.layout.visibleRows(.log))
      let back = delta >= Int.max / 4 ? 0 : delta <= Int.min / 4 ? maxBack : s.logScrollBack - delta
      s.logScrollBack = min(max(0, back), maxBack)
      s.logFollow = s.logScrollBack == 0
    }
  }
}
