import Foundation
import DMSWatchModel
import DMSWatchRules
import DMSWatchState

enum TaskColumn: Hashable {
  case pending, scope, kind, name, status, capacity, type, load, tables, latency, spark, flags, ready, health
}

extension DashboardRenderer {
  /// Terminal width from which each task row carries a CDC latency sparkline.
  public static let sparklineMinWidth = 160

  /// `serverless`: some rows are DMS Serverless replications, so the KIND mark (`SL`; blank for a task)
  /// and the DCU column (provisioned/max capacity, dropped first when narrow) are shown. A fleet of
  /// tasks only keeps its columns as they were.
  static func taskColumns(layoutWidth: Int, inner: Rect, sorted: TaskColumn, scopes: Bool = false, serverless: Bool = false) -> [Column<TaskColumn>] {
    var cols: [Column<TaskColumn>] = [Column(.pending, "", min: 1, max: 1, priority: 0)]
    // With several scopes each row says which account/region it belongs to.
    if scopes { cols.append(Column(.scope, "SCOPE", min: 6, max: 24, priority: 1)) }
    if serverless { cols.append(Column(.kind, "KD", min: 2, max: 2, priority: 2)) }
    cols += [
      Column(.name, "NAME", min: 14, max: 48, priority: 1),
      Column(.status, "STATUS", min: 8, max: 11, priority: 2),
    ]
    if serverless { cols.append(Column(.capacity, "DCU", min: 5, max: 7, priority: 10, align: .right)) }
    cols += [
      Column(.type, "TYPE", min: 6, max: 17, priority: 8),
      Column(.load, "LOAD", min: 4, max: 4, priority: 6, align: .right),
      Column(.tables, "TBL L/L/Q/E", min: 11, max: 14, priority: 7),
      Column(.latency, "CDC SRC/TGT", min: 11, max: 13, priority: 4),
    ]
    if layoutWidth >= sparklineMinWidth { cols.append(Column(.spark, "CDC 1h", min: 12, max: 30, priority: 9)) }
    cols += [
      Column(.flags, "FLAGS", min: 5, max: 5, priority: 5, align: .right),
      Column(.ready, "READY", min: 5, max: 5, priority: 4),
      Column(.health, "HEALTH", min: 12, max: 200, priority: 3),
    ]
    // The sorted column's header has room for its arrow.
    for i in cols.indices where cols[i].id == sorted {
      cols[i].minWidth = max(cols[i].minWidth, cols[i].title.count + 1)
      cols[i].maxWidth = max(cols[i].maxWidth, cols[i].minWidth)
    }
    return Column.fit(
      cols, width: inner.width, x: inner.x,
      growth: [(.name, 20), (.health, 30), (.scope, 16), (.name, 30), (.scope, 24), (.health, 50), (.type, 17), (.status, 11), (.tables, 14), (.spark, 30), (.name, 48)])
  }

  static func sortColumn(_ c: TaskSortColumn) -> TaskColumn {
    switch c {
    case .name: .name
    case .status: .status
    case .type: .type
    case .progress: .load
    case .latency: .latency
    case .flags: .flags
    case .health: .health
    case .scope: .scope
    }
  }

  /// The role of a scope's accent (config `scopes: - accent:`); a scope labelled PROD is marked even without one.
  static func scopeRole(_ info: ScopeInfo?) -> Role {
    switch info?.accent?.lowercased() {
    case "critical", "error", "red": return .error
    case "warn", "warning", "yellow": return .warn
    case "ok", "green": return .ok
    case "dim": return .dim
    case .some: return .headerAccent
    case nil: return TextSearch.contains((info?.label ?? "").uppercased(), "PROD") ? .error : .text
    }
  }

  static func drawTasks(_ g: inout Grid, _ s: AppState, _ cs: Charset) {
    let r = s.layout.tasks
    let inner = r.inner
    let focused = s.focus == .tasks
    let order = s.taskOrder
    let sortCol = sortColumn(s.sort.column)
    let cols = taskColumns(
      layoutWidth: s.layout.width, inner: inner, sorted: sortCol, scopes: s.isMultiScope,
      serverless: s.fleet.hasServerless)
    let arrow = s.sort.descending ? cs.down : cs.up

    // Position in the list (`17/580`), the total when a filter hides some, and how many rows were checked.
    var title: [Segment] = [Segment(order.isEmpty ? "0/0" : "\(max(0, min(s.taskCursor.index, order.count - 1)) + 1)/\(order.count)", .dim)]
    if order.count != s.fleet.tasks.count { title.append(Segment("of \(s.fleet.tasks.count)", .dim)) }
    if !order.isEmpty {
      let checked = s.checkedCount(atIndices: order)
      title.append(Segment("checked \(checked)/\(order.count)", checked == order.count ? .dim : .unknown))
    }
    if s.errorsOnly { title.append(Segment("errors only", .warn)) }
    if !s.markedTasks.isEmpty { title.append(Segment("\(s.markedTasks.count) marked", .marked)) }
    if let only = s.scopeFilter {
      title.append(Segment("scope \(s.fleet.scopeInfo(only)?.display ?? only.rawValue)", .headerAccent))
    }
    if s.filterEditing, s.filterTarget == .tasks {
      title.append(Segment("/" + s.filter + String(cs.cursorGlyph), .headerAccent))
    } else if !s.filter.isEmpty {
      title.append(Segment("/" + s.filter, .headerAccent))
    }
    if !cols.contains(where: { $0.id == sortCol }) {
      title.append(Segment("sort \(s.sort.column.rawValue)\(arrow)", .dim))
    }
    drawPaneFrame(&g, s, .tasks, cs, title: title, right: ageSegments(s, .tasks), error: s.fleet.sources[.tasks]?.lastError)
    guard inner.height >= 1, inner.width >= 1 else { return }
    let right = inner.x + inner.width

    // Column headers.
    for c in cols where c.x < right {
      let w = min(c.width, right - c.x)
      if c.id == sortCol {
        let label = c.title + String(arrow)
        g.put(label, x: c.x, y: inner.y, width: w, role: .headerAccent, align: c.align, ellipsis: cs.ellipsis)
      } else {
        g.put(c.title, x: c.x, y: inner.y, width: w, role: .columnHeader, align: c.align, ellipsis: cs.ellipsis)
      }
    }

    let body = Rect(x: inner.x, y: inner.y + 1, width: inner.width, height: inner.height - 1)
    if order.isEmpty {
      let text: String
      let role: Role
      if s.fleet.tasks.isEmpty {
        if s.fleet.sources[.tasks]?.lastSuccess == nil {
          text = s.fleet.sources[.tasks]?.lastError == nil ? "loading replication tasks\(cs.ellipsisText)" : "no task data"
          role = s.fleet.sources[.tasks]?.lastError == nil ? .dim : .error
        } else {
          text = "no replication tasks in this region"
          role = .dim
        }
      } else {
        text = "no task matches /\(s.filter)"
        role = .dim
      }
      drawEmpty(&g, body, text, role: role, cs)
      return
    }
    let visible = min(body.height, s.layout.visibleRows(.tasks))
    let top = max(0, min(s.taskCursor.top, order.count - 1))
    let end = min(order.count, top + visible)
    let selRole = roleForSelection(focused)
    for i in top..<end {
      let task = s.fleet.tasks[order[i]]
      let y = body.y + i - top
      let selected = i == s.taskCursor.index && task.arn == s.selectedTaskArn
      if selected { g.fill(Rect(x: inner.x, y: y, width: inner.width, height: 1), Cell(" ", role: selRole)) }
      drawTaskRow(&g, s, task, cols: cols, y: y, right: right, override: selected ? selRole : nil, cs)
    }
  }

  static func statusRole(_ t: ReplicationTask) -> Role {
    switch t.status {
    case TaskStatus.running: return .ok
    case TaskStatus.failed, TaskStatus.failedMove: return .error
    case TaskStatus.ready, ReplicationStatus.created: return .warn
    case TaskStatus.stopped:
      guard let reason = t.stopReason else { return .dim }
      let normal = ["NORMAL", "FULL_LOAD_ONLY_FINISHED", "STOPPED_AFTER_FULL_LOAD", "STOPPED_AT_SERVER_TIME", "STOPPED_AT_COMMIT_TIME"]
      return normal.contains(where: { reason.hasSuffix($0) }) ? .dim : .warn
    default: return .unknown
    }
  }

  /// Serverless start-up phases are long (`preparing_metadata_resources`): short forms when they do not fit.
  static func shortStatus(_ status: String, width: Int) -> String {
    if width >= DrawText.width(status) { return status }
    switch status {
    case ReplicationStatus.initializing: return "init"
    case ReplicationStatus.preparingMetadataResources: return "prep meta"
    case ReplicationStatus.testingConnection: return "test conn"
    case ReplicationStatus.fetchingMetadata: return "fetch meta"
    case ReplicationStatus.calculatingCapacity: return "calc cap"
    case ReplicationStatus.provisioningCapacity: return "provision"
    case ReplicationStatus.replicationStarting: return "starting"
    default: return status
    }
  }

  /// The DCU cell: `4/16` (provisioned/max), `prov` while provisioning, `-` otherwise; `!` when DMS has
  /// new provisioning data (capacity is being recalculated).
  static func capacityText(_ t: ReplicationTask) -> (String, Role) {
    guard let sl = t.serverless else { return ("", .dim) }
    let state = sl.provisionState?.lowercased() ?? ""
    if state == "provisioning" || t.status == ReplicationStatus.provisioningCapacity { return ("prov", .warn) }
    guard let dcu = sl.provisionedCapacityUnits, dcu > 0 else { return ("-", .dim) }
    let text = "\(dcu)/\(sl.maxCapacityUnits.map(String.init) ?? "?")\(sl.isNewProvisioningAvailable ? "!" : "")"
    return (text, sl.isNewProvisioningAvailable ? .warn : .text)
  }

  static func shortType(_ t: String, width: Int) -> String {
    if width >= DrawText.width(t) { return t }
    switch t {
    case MigrationType.fullLoad.rawValue: return "FL"
    case MigrationType.cdc.rawValue: return "CDC"
    case MigrationType.fullLoadAndCdc.rawValue: return "FL+CDC"
    default: return t
    }
  }

  static func drawTaskRow(
    _ g: inout Grid, _ s: AppState, _ task: ReplicationTask, cols: [Column<TaskColumn>], y: Int, right: Int,
    override: Role?, _ cs: Charset
  ) {
    let tt = s.fleet.tables[task.arn]
    let metrics = s.fleet.metrics[task.arn]
    for c in cols where c.x < right {
      let w = min(c.width, right - c.x)
      var text = ""
      var role: Role = .text
      switch c.id {
      case .pending:
        if s.fleet.pending[task.arn] != nil {
          text = String(cs.pendingGlyph)
          role = .warn
        } else if s.markedTasks.contains(task.arn) {
          text = String(cs.mark)
          role = .marked
        }
      case .scope:
        let info = s.fleet.scopeInfo(task.scope)
        text = (info?.display ?? task.scope.rawValue) + (info?.readOnly == true ? " RO" : "")
        role = scopeRole(info)
      case .kind:
        if task.kind == .serverless {
          text = "SL"
          role = .headerAccent
        }
      case .capacity:
        (text, role) = capacityText(task)
      case .name:
        // Middle truncation: `-prod` and `-prod-2` stay apart when the column is narrow.
        text = DrawText.middle(task.identifier, width: w, ellipsis: cs.ellipsis)
      case .status:
        text = shortStatus(task.status, width: w)
        role = statusRole(task)
      case .type:
        text = shortType(task.migrationType, width: w)
        role = .dim
      case .load:
        if task.migration == .cdc {
          text = "-"
          role = .dim
        } else {
          text = Format.percent(task.stats?.fullLoadProgressPercent)
          role = task.stats?.fullLoadProgressPercent == 100 ? .ok : .text
        }
      case .tables:
        if let st = task.stats {
          func n(_ v: Int?) -> String { v.map(String.init) ?? "-" }
          text = "\(n(st.tablesLoaded))/\(n(st.tablesLoading))/\(n(st.tablesQueued))/\(n(st.tablesErrored))"
          role = (st.tablesErrored ?? 0) > 0 ? .error : .text
        } else {
          text = "-"
          role = .dim
        }
      case .latency:
        let src = metrics?.latencySource.last?.value
        let tgt = metrics?.latencyTarget.last?.value
        if src == nil && tgt == nil || task.status != TaskStatus.running {
          // Not running: the last values are not live lag (the LATENCY pane shows them "at stop").
          text = "-"
          role = .dim
        } else {
          // Both raw metrics; the colour is the end-to-end lag (target, or the larger), never their sum.
          text = "\(src.map(Format.duration) ?? "-")/\(tgt.map(Format.duration) ?? "-")"
          role = s.fleet.thresholds.severity(latency: metrics?.currentLatency).role
        }
      case .spark:
        if let m = metrics {
          drawTaskSpark(&g, s, m, x: c.x, y: y, width: w, override: override, cs)
        }
        continue
      case .ready:
        let rd = s.readiness(for: task)
        if rd.ready {
          text = "yes"
          role = .ok
        } else if rd.criteria.allSatisfy({ $0.passed != false }) {
          text = "?"
          role = .unknown
        } else {
          text = "no"
          role = .warn
        }
      case .flags:
        if let tt, tt.isChecked {
          let n = problemCount(tt)
          text = "\(n)"
          role = n == 0 ? .ok : (tt.flags.first?.severity == .critical ? .error : .warn)
        } else {
          // Never loaded, or the last load failed: not checked, so not zero.
          text = tt?.error != nil ? "?!" : "?"
          role = tt?.error != nil ? .error : .unknown
        }
      case .health:
        let h = s.health(of: task)
        if let p = s.fleet.pending[task.arn] {
          text = "\(p)\(cs.ellipsisText) \(cs.separatorText) \(h.summary)"
          role = .warn
        } else if s.isMultiScope, let err = s.fleet.scopeSources[task.scope]?[.tasks]?.lastError {
          // This scope's task list is failing: its rows are the last data it gave.
          text = "STALE \(cs.separatorText) \(err)"
          role = .error
        } else {
          text = h.summary
          role = h.severity.role
        }
      }
      g.put(text, x: c.x, y: y, width: w, role: override ?? role, align: c.align, ellipsis: cs.ellipsis)
    }
  }

  /// `TaskTables.problemCount` in O(log n): flags are kept worst first, so the flags that count
  /// (warn and critical) are a prefix. Falls back to counting when the order does not hold.
  static func problemCount(_ tt: TaskTables) -> Int {
    let f = tt.flags
    guard let first = f.first, let last = f.last, first.severity >= last.severity else { return tt.problemCount }
    var lo = 0, hi = f.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if f[mid].severity >= .warn { lo = mid + 1 } else { hi = mid }
    }
    return lo
  }

  /// End-to-end CDC lag (target latency, or the larger of the two) over the last hour, one row high.
  static func drawTaskSpark(_ g: inout Grid, _ s: AppState, _ m: TaskMetrics, x: Int, y: Int, width: Int, override: Role?, _ cs: Charset) {
    guard width > 0 else { return }
    let a = Sparkline.resample(m.latencySource.points, end: s.now, window: 3600, columns: width)
    let b = Sparkline.resample(m.latencyTarget.points, end: s.now, window: 3600, columns: width)
    var total = [Double?](repeating: nil, count: width)
    var peak = 0.0
    for i in 0..<width {
      guard let v = TaskMetrics.endToEnd(source: a[i], target: b[i]) else { continue }
      total[i] = v
      peak = max(peak, v)
    }
    let scale = max(Sparkline.niceMax(peak), 1)
    Sparkline.draw(&g, values: total, x: x, y: y, rows: 1, scale: scale, thresholds: s.fleet.thresholds, charset: cs, override: override)
  }
}
