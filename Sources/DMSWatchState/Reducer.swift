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

  var isEngineEvent: Bool {
    if case .engine = self { return true }
    return false
  }
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
      if case .finished = st.phase, let result = st.result { s.fleet.reconResults[arn] = result }
      if case .stopped(let why) = st.phase { setMessage(&s, "reconcile \(st.taskIdentifier ?? ""): \(why)", .warn) }
      r.redraw = true
    case .commandFinished(let cmd, let error, let unknown, let partial, let detail, let at):
      s.fleet.pending[cmd.taskArn] = nil
      if case .testConnections = cmd { s.fleet.testingConnections.remove(cmd.taskArn) }
      let scopeNote = s.isMultiScope ? " [\(s.fleet.scopeInfo(for: cmd.taskArn)?.display ?? "?")]" : ""
      if let partial {
        setMessage(&s, "\(cmd.summary)\(scopeNote): \(partial.summary)\(error.map { " — \($0)" } ?? "")", unknown ? .warn : .critical)
        r.effects.append(.refreshNow)
      } else if unknown {
        setMessage(&s, "\(cmd.summary)\(scopeNote): outcome unknown — verify (re-reading from DMS)", .warn)
        r.effects.append(.refreshNow)
      } else if let error {
        setMessage(&s, "\(cmd.summary)\(scopeNote) failed: \(error)", .critical)
        if case .testConnections = cmd { s.fleet.connectionResults[cmd.taskArn] = ConnectionResult(text: "test failed: \(error)", failed: true, at: at) }
      } else if let detail {
        // A connection test: what each endpoint answered; nothing to re-read.
        let bad = detail.contains(": failed") || detail.contains("no result")
        setMessage(&s, "\(cmd.summary)\(scopeNote): \(detail)", bad ? .critical : (detail.contains("still testing") ? .warn : .ok))
        s.fleet.connectionResults[cmd.taskArn] = ConnectionResult(text: detail, failed: bad, at: at)
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
    // The rows about to be drawn read verdicts, not the rules. Engine events come several a second and their frames
    // at most one a second: the controller judges those rows just before the frame (`prepareFrame`).
    if r.redraw, !action.isEngineEvent { s.prepareFrame() }
    return r
  }

  /// Data from an engine: the fleet store takes it (each scope's part replaced or merged, the others
  /// untouched); the views follow what changed.
  func reduceEngine(_ s: inout AppState, _ event: EngineEvent) -> ReduceResult {
    // Only events that carry lines move the LOG view.
    let carriesLines: Bool
    switch event {
    case .logLoaded, .eventsLoaded, .note: carriesLines = true
    default: carriesLines = false
    }
    let shownBefore = carriesLines ? s.shownLogCount : 0
    let change = s.fleet.apply(event, focusedTask: s.selectedTaskArn)
    if !change.log.isEmpty { s.logFiled(change.log, shownBefore: shownBefore) }
    if let notice = change.logNotice { s.logNotice = notice }
    for arn in change.gone { s.markedTasks.remove(arn) }
    if change.focusedTables, let tt = s.selectedTables {
      let refs = Set(tt.tables.map(\.ref))
      s.marked = s.marked.filter { refs.contains($0) }
    }
    let sortColumn = s.sort.column
    if change.order || (change.judged && (sortColumn == .flags || sortColumn == .health || s.errorsOnly))
      || (change.latency && sortColumn == .latency) {
      // Rows of a merged page: the order is checked around them, unless a verdict or latency sort also moved.
      let onlyRows = change.judged || change.latency ? nil : change.changedRows
      s.recomputeTaskOrder(changed: onlyRows)
      s.syncTableCursor()
    } else if change.focusedTables {
      s.syncTableCursor()
    }
    return ReduceResult(redraw: change.redraw)
  }

  private func appendLog(_ s: inout AppState, _ entries: [LogEntry], scope: ScopeID? = nil) {
    s.appendLog(entries, scope: scope)
  }

  func setMessage(_ s: inout AppState, _ text: String, _ sev: Severity) {
    s.message = StatusMessage(text: text, severity: sev, expires: s.now.addingTimeInterval(messageTTL))
  }

  // MARK: keys

  func handleKey(_ s: inout AppState, _ key: Key) -> ReduceResult {
    var r = ReduceResult(redraw: true)
    // `:` opens the command line over the views (help, detail, RECON, raw), never over a question being asked
    // or a line being typed.
    if keyMap.binding(for: .commandLine)?.keys.contains(key) == true, s.commandLine == nil, !s.filterEditing {
      switch s.overlay {
      case .none, .help, .detail, .recon, .raw:
        s.commandLine = CommandLineState()
        return r
      case .confirm, .startMenu, .cdcStart:
        break
      }
    }
    if let context = s.keyContext {
      // A view component has the keys: its own context in the view-binding table, then typed text.
      let component = ViewComponents.component(for: context)
      if let cmd = keyMap.viewCommand(for: key, in: context) {
        r.effects += component.handle(cmd, &s, self)
      } else if let text = component as? any TextComponent.Type, case .char(let c) = key {
        if Self.isPrintable(c) { text.type(c, &s) }
      } else {
        let keys = ViewKeys.hints(in: context, bindings: keyMap.views).map { "\($0.key) \($0.hint)" }.joined(separator: ", ")
        setMessage(&s, "\(key.label): nothing in \(context.title) (\(keys))", .warn)
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
    // The focused pane's component first (its own commands, and its meaning of shared ones), then what every
    // pane shares.
    if let handled = PaneComponents.component(for: s.focus)?.handle(cmd, &s, self) { return handled }
    switch cmd {
    case .moveUp: move(&s, -1)
    case .moveDown: move(&s, 1)
    case .pageUp: move(&s, -s.layout.visibleRows(s.focus))
    case .pageDown: move(&s, s.layout.visibleRows(s.focus))
    case .top: move(&s, Int.min / 2)
    case .bottom: move(&s, Int.max / 2)
    case .focusNext: s.focus = cycle(s.focus, 1)
    case .focusPrev: s.focus = cycle(s.focus, -1)
    case .focusLeft:
      if s.focus == .flags { s.focus = .tables } else { s.focus = cycle(s.focus, -1) }
    case .focusRight:
      if s.focus == .tables { s.focus = .flags } else { s.focus = cycle(s.focus, 1) }
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
    case .back:
      if !s.marked.isEmpty {
        s.marked = []
      } else if !s.markedTasks.isEmpty {
        s.markedTasks = []
      } else if s.focus == .log, !s.logSearch.isEmpty {
        s.logSearch = ""
        s.logMatch = nil
      } else if (s.focus == .tables || s.focus == .flags), !s.tableFilter.isEmpty || s.tablesErrorsOnly {
        s.tableFilter = ""
        s.tablesErrorsOnly = false
        s.syncTableCursor()
      } else if s.focus != .tasks {
        s.focus = .tasks
      } else if !s.filter.isEmpty {
        s.filter = ""
        s.recomputeTaskOrder()
      }
    case .start:
      guard let t = s.selectedTask else { return noTask(&s) }
      if let why = TaskActions.startRefusal(t) { return refuse(&s, why) }
      s.overlay = .startMenu(taskArn: t.arn, index: 0)
    case .stop:
      guard let t = s.selectedTask else { return noTask(&s) }
      if let why = TaskActions.stopRefusal(t) { return refuse(&s, why) }
      s.overlay = .confirm(Confirmation(
        command: .stop(arn: t.arn, task: t.identifier),
        prompt: "Stop task \(t.identifier) (\(t.status))\(whereText(s, t))? Replication stops until it is resumed."))
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
        let shownBy = [s.tableFilter.isEmpty ? nil : "filter /\(s.tableFilter)", s.tablesErrorsOnly ? "errors only" : nil].compactMap { $0 }
        let all = shownBy.isEmpty ? "all \(targets.count)" : "the \(targets.count) shown (\(shownBy.joined(separator: ", ")))"
        s.overlay = .confirm(Confirmation(
          command: cmd,
          prompt: "Revalidate \(all) table\(targets.count == 1 ? "" : "s") of \(t.identifier)\(whereText(s, t))? Validation runs again on each (no data is reloaded)."))
        return []
      }
      return perform(&s, cmd)
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
    case .errorsOnly:
      s.errorsOnly.toggle()
      s.recomputeTaskOrder()
      s.syncTableCursor()
      setMessage(&s, s.errorsOnly ? "errors only: \(s.taskOrder.count) task\(s.taskOrder.count == 1 ? "" : "s") with warn/critical findings (E for all)" : "showing every task", .ok)
    case .commandLine:
      s.commandLine = CommandLineState()
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
      if s.fleet.testingConnections.contains(t.arn) { return refuse(&s, "\(t.identifier): a connection test is still under way") }
      let effects = perform(&s, .testConnections(arn: t.arn, task: t.identifier))
      if effects.contains(where: { if case .perform = $0 { return true } else { return false } }) { s.fleet.testingConnections.insert(t.arn) }
      return effects
    case .drillDown, .reload, .mark, .markAll, .sortNext, .sortReverse, .sortByName, .sortByStatus, .sortByType, .sortByProgress,
      .sortByLatency, .sortByFlags, .sortByHealth, .scopeNext, .followLog, .searchOlder, .searchNewer, .logLevel, .expandLine:
      // A pane's own command outside its pane (the key table sends them only there).
      let panes = keyMap.bindings.filter { $0.command == cmd }.flatMap(\.panes).map(\.title)
      setMessage(&s, "\(keyMap.binding(for: cmd)?.description ?? cmd.rawValue): only in \(Set(panes).sorted().joined(separator: ", "))", .warn)
    case .copy:
      if s.focus == .tables || s.focus == .flags, let ref = currentTableRef(s) {
        return [.copy(text: ref.qualifiedName, what: "table \(ref.qualifiedName)")]
      }
      guard let t = s.selectedTask else { return noTask(&s) }
      return [.copy(text: t.arn, what: "ARN of \(t.identifier)")]
    }
    return []
  }

  // MARK: log search

  /// Scrolls LOG so that the next match older (or newer) than the line at the bottom is the bottom line.
  func searchLog(_ s: inout AppState, older: Bool, fromCurrent: Bool) {
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

  func sortBy(_ s: inout AppState, _ c: TaskSortColumn) {
    if s.sort.column == c {
      s.sort.descending.toggle()
    } else {
      // Numbers that mean "worse when larger" start descending.
      s.sort = TaskSort(column: c, descending: [.latency, .flags, .health].contains(c))
    }
    s.recomputeTaskOrder()
  }

  /// A refusal before any dialog: a one-line reason on the status line, and the audit log.
  func refuse(_ s: inout AppState, _ why: String) -> [Effect] {
    setMessage(&s, why, .warn)
    return [.audit("refused: \(why)")]
  }

  func noTask(_ s: inout AppState) -> [Effect] {
    setMessage(&s, "no task selected", .warn)
    return []
  }

  func perform(_ s: inout AppState, _ c: ServiceCommand) -> [Effect] {
    if s.readOnly {
      setMessage(&s, "read-only mode: \(c.summary) refused", .warn)
      return [.audit("refused (read-only) \(c.summary)")]
    }
    if let scope = s.fleet.scopeInfo(for: c.taskArn), scope.readOnly {
      setMessage(&s, "scope \(scope.display) is read-only: \(c.summary) refused", .warn)
      return [.audit("refused (read-only scope \(scope.display)) \(c.summary) [\(c.taskArn)]")]
    }
    s.fleet.pending[c.taskArn] = c.summary
    setMessage(&s, "\(c.summary)…", .ok)
    return [.perform(c)]
  }

  /// ` in account 1234…, region eu-west-1` for a confirmation (which account and region an action reaches).
  func whereText(_ s: AppState, _ t: ReplicationTask) -> String {
    guard let info = s.fleet.scopeInfo(t.scope), info.region != nil || info.account != nil else { return "" }
    return " in \(info.longDescription)"
  }

  func reloadTargets(_ s: AppState) -> [TableRef] {
    if !s.marked.isEmpty { return s.marked.intersection(s.shownTables.map(\.ref)).sorted() }
    return currentTableRef(s).map { [$0] } ?? []
  }

  func currentTableRef(_ s: AppState) -> TableRef? {
    if s.focus == .flags {
      let f = s.selectedFlags
      return f.isEmpty ? nil : f[min(s.flagCursor.index, f.count - 1)].table
    }
    return s.selectedTable
  }

  func cycle(_ p: Pane, _ d: Int) -> Pane {
    let all = Pane.allCases
    let i = all.firstIndex(of: p) ?? 0
    return all[(i + d + all.count) % all.count]
  }

  func move(_ s: inout AppState, _ delta: Int) {
    switch s.focus {
    case .tasks:
      guard !s.taskOrder.isEmpty else { return }
      s.taskCursor.move(by: delta, count: s.taskOrder.count, visible: s.layout.visibleRows(.tasks))
      s.selectTask(arn: s.fleet.tasks[s.taskOrder[s.taskCursor.index]].arn)
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
      let maxBack = max(0, s.shownLogCount - s.layout.visibleRows(.log))
      let back = delta >= Int.max / 4 ? 0 : delta <= Int.min / 4 ? maxBack : s.logScrollBack - delta
      s.logScrollBack = min(max(0, back), maxBack)
      s.logFollow = s.logScrollBack == 0
    }
  }
}
