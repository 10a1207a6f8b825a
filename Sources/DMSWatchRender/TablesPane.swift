import Foundation
import DMSWatchModel
import DMSWatchRules
import DMSWatchState

enum TableColumn: Hashable {
  case gutter, name, state, rows, ins, upd, del, ddl, validation, resync, updated
}

enum FlagColumn: Hashable {
  case gutter, tag, table, detail
}

extension DashboardRenderer {
  /// `resync`: some table reports data resync (DMS 3.6.1+), so the RESYNC column is shown.
  static func tableColumns(inner: Rect, resync: Bool = false) -> [Column<TableColumn>] {
    Column.fit(
      [
        Column(.gutter, "", min: 2, max: 2, priority: 0),
        Column(.name, "TABLE", min: 12, max: 48, priority: 1),
        Column(.state, "STATE", min: 9, max: 11, priority: 2),
        Column(.rows, "ROWS", min: 6, max: 7, priority: 8, align: .right),
        Column(.ins, "INS", min: 9, max: 11, priority: 4, align: .right),
        Column(.upd, "UPD", min: 9, max: 11, priority: 5, align: .right),
        Column(.del, "DEL", min: 9, max: 11, priority: 6, align: .right),
        Column(.ddl, "DDL", min: 5, max: 7, priority: 9, align: .right),
        Column(.validation, "VALIDATION", min: 10, max: 30, priority: 3),
      ] + (resync ? [Column(.resync, "RESYNC", min: 8, max: 14, priority: 4)] : []) + [
        Column(.updated, "UPD AGO", min: 7, max: 7, priority: 7, align: .right),
      ],
      width: inner.width, x: inner.x, growth: [(.name, 30), (.validation, 24), (.state, 11)])
  }

  /// Title segments shared by TABLES and FLAGS: the selected task's identifier.
  static func taskTitle(_ s: AppState) -> [Segment] {
    guard let arn = s.selectedTaskArn else { return [] }
    let id = selectedTask(s)?.identifier ?? ReplicationTask.resourceId(fromArn: arn)
    return [Segment(id, .text)]
  }

  /// Frame age of the selected task's tables.
  static func tablesAge(_ s: AppState) -> [Segment] {
    ageSegments(s, .tables, last: s.selectedTables?.loadedAt)
  }

  /// Body text when there is nothing to list, or nil.
  static func tablesEmptyText(_ s: AppState, _ cs: Charset) -> (String, Role)? {
    if s.selectedTaskArn == nil { return ("no task selected", .dim) }
    guard let tt = s.selectedTables else { return ("loading table statistics\(cs.ellipsisText)", .dim) }
    if tt.tables.isEmpty {
      if let e = tt.error { return (oneLine(e), .error) }
      if tt.loadedAt == nil || tt.isSummary {
        // A summary keeps flags only: the rows of the newly focused task are on their way.
        return ("loading \(tt.tableCount) tables\(cs.ellipsisText)", .dim)
      }
      return ("no table statistics reported yet", .dim)
    }
    return nil
  }

  static func drawTables(_ g: inout Grid, _ s: AppState, _ cs: Charset) {
    let r = s.layout.tables
    let inner = r.inner
    let focused = s.focus == .tables
    let tt = s.selectedTables
    var title = taskTitle(s)
    let list = s.shownTables
    if let tt, !tt.tables.isEmpty {
      // Position in the list (`17/580`), and the total when a filter hides some.
      title.append(Segment(list.isEmpty ? "0/0" : "\(min(s.tableCursor.index, list.count - 1) + 1)/\(list.count)", .dim))
      title.append(Segment(list.count == tt.tables.count ? "table\(tt.tables.count == 1 ? "" : "s")" : "of \(tt.tables.count) tables", .dim))
    }
    if s.filterEditing, s.filterTarget == .tables {
      title.append(Segment("/" + s.tableFilter + String(cs.cursorGlyph), .headerAccent))
    } else if !s.tableFilter.isEmpty {
      title.append(Segment("/" + s.tableFilter, .headerAccent))
    }
    if s.tablesErrorsOnly { title.append(Segment("errors only", .warn)) }
    if !s.marked.isEmpty { title.append(Segment("\(s.marked.count) marked", .marked)) }
    let error = (tt?.tables.isEmpty ?? true) ? nil : tt?.error
    drawPaneFrame(&g, s, .tables, cs, title: title, right: tablesAge(s), error: error)
    guard inner.height >= 1, inner.width >= 1 else { return }
    let right = inner.x + inner.width
    let cols = tableColumns(inner: inner, resync: tt.map(hasResync) ?? false)
    for c in cols where c.x < right {
      g.put(c.title, x: c.x, y: inner.y, width: min(c.width, right - c.x), role: .columnHeader, align: c.align, ellipsis: cs.ellipsis)
    }
    let body = Rect(x: inner.x, y: inner.y + 1, width: inner.width, height: inner.height - 1)
    if let (text, role) = tablesEmptyText(s, cs) {
      drawEmpty(&g, body, text, role: role, cs)
      return
    }
    guard let tt else { return }
    if list.isEmpty {
      // "No flag" is a claim only about statistics that were checked (a failed refresh keeps old rows).
      let checked = tt.isChecked
      let why = s.tablesErrorsOnly && s.tableFilter.isEmpty
        ? (checked ? "no table has a warn/critical flag (E shows all)" : "no flag in the last statistics read; the latest refresh failed (E shows all)")
        : "no table matches /\(s.tableFilter)\(s.tablesErrorsOnly ? " with flags" : "")"
      drawEmpty(&g, body, why, role: s.tablesErrorsOnly && s.tableFilter.isEmpty && checked ? .ok : .dim, cs)
      return
    }
    let visible = min(body.height, s.layout.visibleRows(.tables))
    let top = max(0, min(s.tableCursor.top, list.count - 1))
    let end = min(list.count, top + visible)
    let selRole = roleForSelection(focused)
    for i in top..<end {
      let t = list[i]
      let ref = t.ref
      let y = body.y + i - top
      let selected = i == s.tableCursor.index
      let marked = s.marked.contains(ref)
      let override: Role? = selected ? selRole : (marked ? .marked : nil)
      if let override { g.fill(Rect(x: inner.x, y: y, width: inner.width, height: 1), Cell(" ", role: override)) }
      drawTableRow(&g, s, t, worst: tt.worstByTable[ref] ?? .ok, marked: marked, cols: cols, y: y, right: right, override: override, cs)
    }
  }

  static func shortTableState(_ state: String?) -> (String, Role) {
    guard let state else { return ("-", .dim) }
    switch state {
    case TableState.completed: return ("completed", .ok)
    case TableState.fullLoad: return ("full load", .text)
    case TableState.beforeLoad: return ("before load", .dim)
    case TableState.error: return ("ERROR", .error)
    case TableState.cancelled: return ("cancelled", .warn)
    case TableState.doesNotExist: return ("no table", .warn)
    case TableState.reloading: return ("reloading", .text)
    default: return (state, .unknown)
    }
  }

  static func validationText(_ t: TableStatistics) -> (String, Role) {
    guard let state = t.validationState else { return ("-", .dim) }
    let failed = t.validationFailedRecords ?? 0
    let suspended = t.validationSuspendedRecords ?? 0
    let pending = t.validationPendingRecords ?? 0
    var text: String
    var role: Role
    switch state {
    case ValidationState.notEnabled: return ("off", .dim)
    case ValidationState.validated: text = "validated"; role = .ok
    case ValidationState.pendingRecords: text = "pending"; role = .warn
    case ValidationState.mismatchedRecords: text = "mismatched"; role = .error
    case ValidationState.suspendedRecords: text = "suspended"; role = .warn
    case ValidationState.noPrimaryKey: text = "no PK"; role = .warn
    case ValidationState.tableError, ValidationState.error: text = "error"; role = .error
    case ValidationState.pendingValidation: text = "pending"; role = .warn
    case ValidationState.preparingTable: text = "preparing"; role = .warn
    case ValidationState.pendingRevalidation: text = "revalidating"; role = .warn
    default: text = state; role = .unknown
    }
    if failed > 0 { role = .error }
    var counts: [String] = []
    if pending > 0 { counts.append("p:\(Format.count(pending))") }
    if failed > 0 { counts.append("f:\(Format.count(failed))") }
    if suspended > 0 { counts.append("s:\(Format.count(suspended))") }
    if !counts.isEmpty { text += " " + counts.joined(separator: " ") }
    return (text, role)
  }

  /// Whether any table reports resync (a state other than "Not enabled").
  static func hasResync(_ tt: TaskTables) -> Bool {
    tt.tables.contains { t in t.resyncState.map { !$0.isEmpty && $0 != "Not enabled" } ?? false }
  }

  /// `f:3/12` when rows failed (error), `42%` in progress, `ok 40` after a resync, `pending`, `no PK`.
  static func resyncText(_ t: TableStatistics) -> (String, Role) {
    guard let state = t.resyncState, !state.isEmpty, state != "Not enabled" else { return ("-", .dim) }
    let failed = t.resyncRowsFailed ?? 0
    if failed > 0 { return ("f:\(Format.count(failed))/\(Format.count(t.resyncRowsAttempted))", .error) }
    let lower = state.lowercased()
    if TextSearch.contains(lower, "fail") || TextSearch.contains(lower, "error") { return ("failed", .error) }
    if lower.hasPrefix("in progress") { return (t.resyncProgress.map { "\(Int($0.rounded(.down)))%" } ?? "running", .text) }
    if lower.hasPrefix("last resync") { return ((t.resyncRowsAttempted ?? 0) > 0 ? "ok \(Format.count(t.resyncRowsSucceeded))" : "ok", .ok) }
    if lower.hasPrefix("pending") { return ("pending", .warn) }
    if TextSearch.contains(lower, "primary key") { return ("no PK", .warn) }
    return (state, .unknown)
  }

  /// `captured/applied`, coloured: error when they differ, unknown when applied is not reported.
  /// A difference is never hidden by rounding: exact counts when they fit, else the difference (`-12`, `+10`).
  static func appliedText(_ captured: Int64?, _ applied: Int64?, width: Int) -> (String, Role) {
    guard let captured else { return (applied.map { "-/\(Format.count($0))" } ?? "-", .dim) }
    guard let applied else { return ("\(Format.count(captured))/?", captured > 0 ? .unknown : .dim) }
    let text = "\(Format.count(captured))/\(Format.count(applied))"
    if applied != captured {
      let exact = "\(captured)/\(applied)"
      if exact.count <= width { return (exact, .error) }
      let d = applied - captured
      return ((d > 0 ? "+" : "") + Format.count(d) + (d > 0 ? " dup" : " miss"), .error)
    }
    return (text, captured == 0 ? .dim : .text)
  }

  static func drawTableRow(
    _ g: inout Grid, _ s: AppState, _ t: TableStatistics, worst: Severity, marked: Bool, cols: [Column<TableColumn>],
    y: Int, right: Int, override: Role?, _ cs: Charset
  ) {
    for c in cols where c.x < right {
      let w = min(c.width, right - c.x)
      var text = ""
      var role: Role = .text
      switch c.id {
      case .gutter:
        if marked { g.set(c.x, y, Cell(cs.mark, role: override ?? .marked)) }
        if worst == .critical { g.set(c.x + 1, y, Cell(cs.criticalGlyph, role: override ?? .error)) }
        continue
      case .name:
        // A name with bytes that are not UTF-8 (shown as U+FFFD) is marked, so nobody copies it as the real name.
        if t.nameNotUTF8 == true {
          text = "(not UTF-8) " + t.qualifiedName
          role = .warn
        } else {
          text = t.qualifiedName
        }
      case .state: (text, role) = shortTableState(t.tableState)
      case .rows:
        text = Format.count(t.fullLoadRows)
        role = (t.fullLoadErrorRows ?? 0) > 0 ? .error : .text
      case .ins: (text, role) = appliedText(t.inserts, t.appliedInserts, width: w)
      case .upd: (text, role) = appliedText(t.updates, t.appliedUpdates, width: w)
      case .del: (text, role) = appliedText(t.deletes, t.appliedDeletes, width: w)
      case .ddl: (text, role) = appliedText(t.ddls, t.appliedDdls, width: w)
      case .validation: (text, role) = validationText(t)
      case .resync: (text, role) = resyncText(t)
      case .updated:
        if let u = t.lastUpdateTime {
          text = Format.age(s.now.timeIntervalSince(u))
          role = .dim
        } else {
          text = "-"
          role = .dim
        }
      }
      g.put(text, x: c.x, y: y, width: w, role: override ?? role, align: c.align, ellipsis: cs.ellipsis)
    }
  }

  // MARK: FLAGS

  static func shortTag(_ f: TableFlag) -> String {
    switch f.kind {
    case .missing: "MISSING"
    case .duplicate: "DUPLICATE"
    case .appliedUnknown: "UNKNOWN"
    case .validationFailed: "VAL FAIL"
    case .validationSuspended: "SUSPENDED"
    case .validationPending: "PENDING"
    case .notValidated: "NOT VALID"
    case .tableError: "TBL ERROR"
    case .fullLoadErrorRows: "LOAD ERR"
    case .conditionalCheckFailedRows: "COND FAIL"
    case .resyncFailed: "RESYNC"
    }
  }

  /// The flag's detail with the difference first, so truncation keeps the fact that matters.
  static func flagDetail(_ f: TableFlag) -> String {
    switch f.kind {
    case .missing(let op), .duplicate(let op):
      guard let e = f.expected, let a = f.actual else { return f.detail }
      let d = a - e
      return "\(d > 0 ? "+" : "")\(d) \(op.label): \(e) captured, \(a) applied"
    default:
      return f.detail
    }
  }

  static func drawFlags(_ g: inout Grid, _ s: AppState, _ cs: Charset) {
    let r = s.layout.flags
    let inner = r.inner
    let focused = s.focus == .flags
    let flags = s.selectedFlags
    var title: [Segment] = []
    if let tt = s.selectedTables, !tt.tables.isEmpty {
      if flags.isEmpty {
        title.append(Segment("0", .ok))
      } else {
        // Position in the list (`3/8`), coloured by the worst flag.
        title.append(Segment("\(min(s.flagCursor.index, flags.count - 1) + 1)/\(flags.count)", flags[0].severity.role))
      }
    }
    let tt = s.selectedTables
    let error = (tt?.tables.isEmpty ?? true) ? nil : tt?.error
    drawPaneFrame(&g, s, .flags, cs, title: title, right: tablesAge(s), error: error)
    guard inner.height >= 1, inner.width >= 1 else { return }
    let right = inner.x + inner.width
    let wide = inner.width >= 60
    let cols = Column.fit(
      [
        Column(FlagColumn.gutter, "", min: 1, max: 1, priority: 0),
        Column(.tag, "FLAG", min: wide ? 17 : 9, max: wide ? 17 : 9, priority: 1),
        Column(.table, "TABLE", min: 10, max: 32, priority: 2),
        Column(.detail, "DETAIL", min: 10, max: 300, priority: 3),
      ],
      width: inner.width, x: inner.x, growth: [(.table, 24), (.detail, 300)])
    for c in cols where c.x < right {
      g.put(c.title, x: c.x, y: inner.y, width: min(c.width, right - c.x), role: .columnHeader, align: c.align, ellipsis: cs.ellipsis)
    }
    let body = Rect(x: inner.x, y: inner.y + 1, width: inner.width, height: inner.height - 1)
    if let (text, role) = tablesEmptyText(s, cs) {
      drawEmpty(&g, body, text, role: role, cs)
      return
    }
    if flags.isEmpty {
      drawEmpty(&g, body, "no flags \(cs.checkText)", role: .ok, cs)
      return
    }
    let visible = min(body.height, s.layout.visibleRows(.flags))
    let top = max(0, min(s.flagCursor.top, flags.count - 1))
    let end = min(flags.count, top + visible)
    let selRole = roleForSelection(focused)
    for i in top..<end {
      let f = flags[i]
      let y = body.y + i - top
      let selected = i == s.flagCursor.index
      let marked = s.marked.contains(f.table)
      let override: Role? = selected ? selRole : (marked ? .marked : nil)
      if let override { g.fill(Rect(x: inner.x, y: y, width: inner.width, height: 1), Cell(" ", role: override)) }
      for c in cols where c.x < right {
        let w = min(c.width, right - c.x)
        switch c.id {
        case .gutter:
          if marked { g.set(c.x, y, Cell(cs.mark, role: override ?? .marked)) }
        case .tag:
          g.put(wide ? f.tag : shortTag(f), x: c.x, y: y, width: w, role: override ?? f.severity.role, align: .left, ellipsis: cs.ellipsis)
        case .table:
          g.put(f.table.qualifiedName, x: c.x, y: y, width: w, role: override ?? .text, align: .left, ellipsis: cs.ellipsis)
        case .detail:
          g.put(flagDetail(f), x: c.x, y: y, width: w, role: override ?? .dim, align: .left, ellipsis: cs.ellipsis)
        }
      }
    }
  }
}
