import Foundation
import DMSWatchModel
import DMSWatchRules

/// A pane's component: the commands its bindings (`panes:` in the key table) send while it has the focus, and
/// its own meaning of shared ones (`space` marks tasks in TASKS, tables in TABLES). nil: not this pane's.
protocol PaneComponent {
  static var panes: Set<Pane> { get }
  static func handle(_ command: Command, _ s: inout AppState, _ r: Reducer) -> [Effect]?
}

enum PaneComponents {
  static func component(for pane: Pane) -> (any PaneComponent.Type)? {
    switch pane {
    case .tasks: TasksPaneComponent.self
    case .tables, .flags: TablesPaneComponent.self
    case .log: LogPaneComponent.self
    case .latency: nil
    }
  }
}

/// TASKS: drill down, sorting, scopes, errors only, task marks and what marked tasks start or stop.
enum TasksPaneComponent: PaneComponent {
  static let panes: Set<Pane> = [.tasks]
  static func handle(_ command: Command, _ s: inout AppState, _ r: Reducer) -> [Effect]? {
    switch command {
    case .drillDown:
      if s.selectedTaskArn != nil { s.focus = .tables }
    case .sortNext:
      let all = TaskSortColumn.allCases
      let i = all.firstIndex(of: s.sort.column) ?? 0
      s.sort = TaskSort(column: all[(i + 1) % all.count], descending: false)
      s.recomputeTaskOrder()
    case .sortReverse:
      s.sort.descending.toggle()
      s.recomputeTaskOrder()
    case .sortByName: r.sortBy(&s, .name)
    case .sortByStatus: r.sortBy(&s, .status)
    case .sortByType: r.sortBy(&s, .type)
    case .sortByProgress: r.sortBy(&s, .progress)
    case .sortByLatency: r.sortBy(&s, .latency)
    case .sortByFlags: r.sortBy(&s, .flags)
    case .sortByHealth: r.sortBy(&s, .health)
    case .scopeNext:
      guard s.isMultiScope else {
        r.setMessage(&s, "one scope is watched (add --region/--profile or config scopes: to watch more)", .ok)
        return []
      }
      let ids = s.fleet.scopes.map(\.id)
      if let cur = s.scopeFilter, let i = ids.firstIndex(of: cur) {
        s.scopeFilter = i + 1 < ids.count ? ids[i + 1] : nil
      } else {
        s.scopeFilter = ids.first
      }
      r.setMessage(&s, s.scopeFilter.map { "showing scope \(s.fleet.scopeInfo($0)?.display ?? $0.rawValue) only (@ for the next)" } ?? "showing every scope", .ok)
      s.recomputeTaskOrder()
      s.syncTableCursor()
    case .mark:
      guard let t = s.selectedTask else { return r.noTask(&s) }
      if s.markedTasks.contains(t.arn) { s.markedTasks.remove(t.arn) } else { s.markedTasks.insert(t.arn) }
      r.move(&s, 1)
    case .start where !s.markedTasks.isEmpty:
      return r.startMarked(&s)
    case .stop where !s.markedTasks.isEmpty:
      return r.stopMarked(&s)
    default:
      return nil
    }
    return []
  }
}

/// TABLES and FLAGS: table marks, reload, errors only.
enum TablesPaneComponent: PaneComponent {
  static let panes: Set<Pane> = [.tables, .flags]
  static func handle(_ command: Command, _ s: inout AppState, _ r: Reducer) -> [Effect]? {
    switch command {
    case .reload:
      guard let t = s.selectedTask else { return r.noTask(&s) }
      if let why = TaskActions.reloadRefusal(t, what: "tables reload") { return r.refuse(&s, why) }
      let targets = r.reloadTargets(s)
      guard !targets.isEmpty else {
        r.setMessage(&s, "no table selected", .warn)
        return []
      }
      s.overlay = .confirm(Confirmation(
        command: .reload(arn: t.arn, task: t.identifier, tables: targets, option: .dataReload),
        prompt: "Reload \(targets.count == 1 ? targets[0].qualifiedName : "\(targets.count) tables") of \(t.identifier)\(r.whereText(s, t))? Target rows are reloaded from the source."))
    case .mark:
      guard let ref = r.currentTableRef(s) else { return [] }
      if s.marked.contains(ref) { s.marked.remove(ref) } else { s.marked.insert(ref) }
      r.move(&s, 1)
    case .markAll:
      let all = Set(s.shownTables.map(\.ref))
      s.marked = s.marked == all ? [] : all
    case .errorsOnly:
      s.tablesErrorsOnly.toggle()
      s.syncTableCursor()
      let n = s.shownTables.count
      if s.tablesErrorsOnly, let t = s.selectedTask, s.selectedTables?.isChecked != true {
        // Nothing is "without errors" before it was checked.
        r.setMessage(&s, "errors only: the statistics of \(t.identifier) are not checked yet (\(n) flagged so far; E for all)", .warn)
      } else {
        r.setMessage(&s, s.tablesErrorsOnly ? "errors only: \(n) table\(n == 1 ? "" : "s") with warn/critical flags (E for all)" : "showing every table", .ok)
      }
    default:
      return nil
    }
    return []
  }
}

/// LOG: follow, search, level, the whole line.
enum LogPaneComponent: PaneComponent {
  static let panes: Set<Pane> = [.log]
  static func handle(_ command: Command, _ s: inout AppState, _ r: Reducer) -> [Effect]? {
    switch command {
    case .bottom:
      s.logFollow = true
      s.logScrollBack = 0
    case .searchOlder, .searchNewer:
      guard !s.logSearch.isEmpty else {
        r.setMessage(&s, "no search: / in LOG to search", .warn)
        return []
      }
      r.searchLog(&s, older: command == .searchOlder, fromCurrent: false)
    case .logLevel:
      let all = LogLevelFilter.allCases
      s.logLevel = all[((all.firstIndex(of: s.logLevel) ?? 0) + 1) % all.count]
      s.logMatch = nil
      s.logFollow = true
      s.logScrollBack = 0
      r.setMessage(&s, "log level: \(s.logLevel.label)", .ok)
    case .followLog:
      s.logFollow.toggle()
      if s.logFollow { s.logScrollBack = 0 }
    case .expandLine:
      let lines = s.shownLog
      guard lines.count > 0 else {
        r.setMessage(&s, "no log line to show", .warn)
        return []
      }
      let i = s.logMatch.map { min($0, lines.count - 1) } ?? max(0, lines.count - 1 - s.logScrollBack)
      let e = lines[i]
      // Wrapped here to the view's width, so scrolling reaches the end of a long line.
      let width = max(20, min(140, s.layout.width - 4) - 4)
      let body = Reducer.wrap(e.text, width: width).joined(separator: "\n")
      let text = "\(Format.iso(e.time))  \(e.task ?? "-")  \(e.severity.rawValue)  \(e.component)\n\n\(body)"
      s.overlay = .raw(RawView(title: "log line \(i + 1)/\(lines.count)", text: text, wrap: true))
    default:
      return nil
    }
    return []
  }
}

/// Marked tasks (TASKS): one confirmation for several, listing those left out.
extension Reducer {
  // MARK: marked tasks

  /// The marked tasks TASKS shows now, in its order: a mark hidden by the filter never reaches an action.
  func markedVisible(_ s: AppState) -> (shown: [ReplicationTask], hidden: Int) {
    let shown = s.visibleTasks.filter { s.markedTasks.contains($0.arn) }
    return (shown, s.markedTasks.count - shown.count)
  }

  func names(_ tasks: [ReplicationTask]) -> String {
    let n = tasks.map(\.identifier)
    return n.count <= 8 ? n.joined(separator: ", ") : n.prefix(8).joined(separator: ", ") + " +\(n.count - 8) more"
  }

  /// One confirmation for every marked task that can stop; the others are named as left out.
  func stopMarked(_ s: inout AppState) -> [Effect] {
    confirmMarked(
      &s, eligible: { TaskActions.stopRefusal($0) == nil }, none: "can stop now", leftOut: "cannot stop now",
      prompt: { "Stop \($0): \($1)? Replication stops until each is resumed." },
      command: { .stop(arn: $0.arn, task: $0.identifier) })
  }

  /// Resume processing of every marked task that accepts it (one confirmation); never a full reload.
  func startMarked(_ s: inout AppState) -> [Effect] {
    confirmMarked(
      &s, eligible: { TaskActions.startRefusal($0) == nil && TaskActions.startTypes(for: $0).contains(.resumeProcessing) },
      none: "can resume now", noneHint: "; start one at a time with s", leftOut: "cannot resume; start them one at a time",
      prompt: { "Resume processing of \($0): \($1)?" },
      command: { .start(arn: $0.arn, task: $0.identifier, type: .resumeProcessing) })
  }

  /// The marked tasks shown that `eligible` accepts (and no read-only scope holds), in one confirmation that
  /// names the rest as left out; a refusal when none is eligible.
  func confirmMarked(
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

  func performAll(_ s: inout AppState, _ c: Confirmation) -> [Effect] {
    var out: [Effect] = []
    for cmd in c.commands { out += perform(&s, cmd) }
    if !c.more.isEmpty {
      s.markedTasks = []
      setMessage(&s, "\(c.commands.count) requests: \(c.summary)…", .ok)
    }
    return out
  }

}
