import Foundation
import DMSWatchModel
import DMSWatchState

/// Draws the whole dashboard from the state into a cell grid. Pure: no terminal, no clock.
/// Long lists draw only their visible window, so the cost follows the screen size, not the data size.
public enum DashboardRenderer {
  public static func render(_ state: AppState, keyMap: KeyMap, charset: Charset) -> Grid {
    var g = Grid(width: state.layout.width, height: state.layout.height)
    render(state, keyMap: keyMap, charset: charset, into: &g)
    return g
  }

  /// The same frame drawn into `grid`, reusing its storage when the size is unchanged (no allocation per frame).
  public static func render(_ state: AppState, keyMap: KeyMap, charset: Charset, into grid: inout Grid) {
    let layout = state.layout
    if grid.width == layout.width, grid.height == layout.height {
      grid.fill(Rect(x: 0, y: 0, width: grid.width, height: grid.height), .blank)
    } else {
      grid = Grid(width: layout.width, height: layout.height)
    }
    guard grid.width > 0, grid.height > 0 else { return }
    draw(state, keyMap: keyMap, charset: charset, into: &grid)
  }

  static func draw(_ state: AppState, keyMap: KeyMap, charset: Charset, into g: inout Grid) {
    let layout = state.layout
    if layout.tooSmall {
      drawTooSmall(&g, charset: charset)
    } else {
      drawHeader(&g, state, charset)
      drawTasks(&g, state, charset)
      drawTables(&g, state, charset)
      drawFlags(&g, state, charset)
      drawLatency(&g, state, charset)
      drawLog(&g, state, charset)
      drawHints(&g, state, keyMap, charset)
      switch state.overlay {
      case .none: break
      case .help(let scroll): drawHelp(&g, state, keyMap, charset, scroll: scroll)
      case .startMenu(let arn, let index): drawStartMenu(&g, state, charset, taskArn: arn, index: index)
      case .confirm(let c): drawConfirm(&g, c, charset)
      case .detail(let arn, let scroll): drawDetail(&g, state, charset, taskArn: arn, scroll: scroll)
      case .recon: drawRecon(&g, state, charset)
      case .raw(let v): drawRaw(&g, v, charset)
      case .cdcStart(let d): drawCdcStart(&g, d, state.now, charset)
      }
    }
    if charset.isASCII { g.asciiOnly() }
  }

  /// The message shown when the terminal is below `Layout.minWidth`×`Layout.minHeight`.
  public static func tooSmallMessage(width: Int, height: Int, charset: Charset) -> String {
    let x = charset.timesText
    return "terminal too small: \(width)\(x)\(height), need at least \(Layout.minWidth)\(x)\(Layout.minHeight)"
  }

  static func drawTooSmall(_ g: inout Grid, charset cs: Charset) {
    let lines = DrawText.wrap(tooSmallMessage(width: g.width, height: g.height, charset: cs), width: g.width)
    let top = max(0, (g.height - lines.count) / 2)
    let all = Rect(x: 0, y: 0, width: g.width, height: g.height)
    for (i, line) in lines.enumerated() where top + i < g.height {
      g.putCentered(line, in: all, y: top + i, role: .warn, charset: cs)
    }
  }

  // MARK: shared pieces

  /// Frame of a pane with its title, extra title segments, right-hand segments and an optional error.
  static func drawPaneFrame(
    _ g: inout Grid, _ s: AppState, _ pane: Pane, _ cs: Charset, title: [Segment], right: [Segment], error: String?,
    note: String? = nil
  ) {
    let r = s.layout.rect(for: pane)
    let focused = s.focus == pane
    let frameRole: Role = focused ? .frameFocused : .frame
    g.drawFrame(r, role: frameRole, charset: cs)
    var left = [Segment(pane.title, focused ? .titleFocused : .title)]
    left += title
    g.frameLabels(r, y: r.y, left: left, right: right, frameRole: frameRole, charset: cs)
    if let error, r.height >= 3 {
      g.frameLabels(r, y: r.y + r.height - 1, left: [Segment("! " + oneLine(error), .error)], right: [], frameRole: frameRole, charset: cs)
    } else if let note, r.height >= 3 {
      g.frameLabels(r, y: r.y + r.height - 1, left: [Segment(oneLine(note), .warn)], right: [], frameRole: frameRole, charset: cs)
    }
  }

  /// Age of a source's data for a frame: `12s`, or a STALE badge, or loading / no data.
  static func ageSegments(_ s: AppState, _ source: DataSource) -> [Segment] {
    ageSegments(s, source, last: s.fleet.sources[source]?.lastSuccess)
  }

  /// Age segments for data loaded at `last` (e.g. the selected task's tables), judged by the source's interval.
  static func ageSegments(_ s: AppState, _ source: DataSource, last: Date?) -> [Segment] {
    guard let status = s.fleet.sources[source] else { return [] }
    guard let last else {
      return [Segment(status.lastError == nil ? "loading" : "no data", status.lastError == nil ? .dim : .error)]
    }
    let age = max(0, s.now.timeIntervalSince(last))
    if age > 3 * status.interval { return [Segment("STALE \(Format.age(age))", .badgeStale)] }
    return [Segment(Format.age(age), .dim)]
  }

  static func oneLine(_ s: String) -> String {
    guard s.contains(where: { $0.isNewline }) else { return s }
    return s.split(whereSeparator: { $0.isNewline }).joined(separator: " ")
  }

  static func roleForSelection(_ focused: Bool) -> Role { focused ? .selected : .selectedUnfocused }

  /// A centred message in a pane body.
  static func drawEmpty(_ g: inout Grid, _ inner: Rect, _ text: String, role: Role, _ cs: Charset) {
    guard inner.height > 0 else { return }
    let lines = DrawText.wrap(text, width: max(1, inner.width - 2))
    let top = inner.y + max(0, (inner.height - lines.count) / 2)
    for (i, line) in lines.enumerated() where top + i < inner.y + inner.height {
      g.putCentered(line, in: inner, y: top + i, role: role, charset: cs)
    }
  }

  // MARK: header

  static func drawHeader(_ g: inout Grid, _ s: AppState, _ cs: Charset) {
    let r = s.layout.header
    g.fill(r, Cell(" ", role: .header))
    let y = r.y
    var x = r.x + 1
    x += g.put("dmswatch", x: x, y: y, role: .headerAccent)
    if !s.sourceLabel.isEmpty {
      x += 1
      x += g.put(s.sourceLabel, x: x, y: y, role: .header, maxWidth: max(0, min(40, r.width / 3)), ellipsis: cs.ellipsis)
    }
    // Right: badges and the clock, right-aligned.
    var right: [Segment] = []
    if s.anyStale { right.append(Segment(" STALE ", .badgeStale)) }
    let troubled = s.troubledInstances
    if let worst = troubled.first {
      // DMS's sign of an overloaded instance (FreeableMemory near zero, swap rising), or low storage / high CPU.
      let text = troubled.count == 1 ? " INSTANCE \(worst.identifier) \(worst.health.severity == .critical ? "OVERLOADED" : "WARN") " : " \(troubled.count) INSTANCES WARN "
      right.append(Segment(text, worst.health.severity == .critical ? .badgeStale : .badgeThrottled))
    }
    if let b = s.fleet.budget, b.isThrottled { right.append(Segment(" THROTTLED \(rateText(b.rate)) ", .badgeThrottled)) }
    if let a = s.auditBadge { right.append(Segment(" \(a) ", .badgeStale)) }
    if s.readOnly { right.append(Segment(" READ-ONLY ", .badgeReadOnly)) }
    if s.paused { right.append(Segment(" PAUSED ", .badgePaused)) }
    if let r = s.replayBadge { right.append(Segment(" \(r) ", .badgePaused)) }
    right.append(Segment(Format.clock(s.now) + " UTC", .header))
    var rx = r.x + r.width - 1
    for seg in right.reversed() {
      let w = DrawText.width(seg.text)
      guard rx - w > x + 1 else { break }
      rx -= w
      g.put(seg.text, x: rx, y: y, role: seg.role, maxWidth: w)
      rx -= 1
    }
    x += 2
    // Several scopes: one segment each (label, age of its task list, its own badges and error) first.
    if s.isMultiScope {
      for info in s.fleet.scopes {
        let per = s.fleet.scopeSources[info.id]
        let tasksSt = per?[.tasks]
        var text = info.display
        var role: Role = .header
        if let err = s.fleet.scopeErrors[info.id] {
          text += " \(cs.crossGlyph) \(err)"
          role = .error
        } else {
          text += " " + (tasksSt?.age(now: s.now).map { Format.age($0) } ?? "-")
          if let e = tasksSt?.lastError {
            text += " \(cs.crossGlyph) \(e)"
            role = .error
          } else if DataSource.allCases.contains(where: { per?[$0]?.isStale(now: s.now) == true }) {
            text += " STALE"
            role = .warn
          }
          if s.fleet.scopeBudgets[info.id]?.isThrottled == true {
            text += " THR"
            if role == .header { role = .warn }
          }
        }
        if info.readOnly { text += " RO" }
        let w = min(DrawText.width(text), max(8, (rx - x) / max(1, s.fleet.scopes.count)))
        guard x + w < rx else { break }
        g.put(text, x: x, y: y, role: role == .header && DashboardRenderer.scopeRole(info) == .error ? .badgeStale : role, maxWidth: w, ellipsis: cs.ellipsis)
        x += w + 2
      }
    }
    // Middle: refresh age of each data source; short labels when the long ones do not all fit.
    var items: [(long: String, short: String, value: String, role: Role)] = []
    for src in DataSource.allCases {
      guard let st = s.fleet.sources[src] else { continue }
      var value = (st.age(now: s.now).map { Format.age($0) } ?? "-") + (st.lastError != nil ? "!" : "")
      var role: Role = st.lastError != nil ? .error : (st.isStale(now: s.now) ? .warn : .header)
      if src == .tables, !s.taskOrder.isEmpty {
        // The least fresh statistics among the rows on screen, `?N` for rows never checked (or failing).
        let order = s.taskOrder
        let top = max(0, min(s.taskCursor.top, order.count - 1))
        let rows = max(0, min(s.layout.visibleRows(.tasks), order.count - top))
        let shown = s.oldestTablesLoad(of: order[top..<(top + rows)].compactMap { $0 < s.fleet.tasks.count ? s.fleet.tasks[$0].arn : nil })
        let age = shown.oldest.map { max(0, s.now.timeIntervalSince($0)) }
        value = [age.map { Format.age($0) }, shown.unchecked > 0 ? "?\(shown.unchecked)" : nil].compactMap { $0 }.joined(separator: " ")
        if value.isEmpty { value = "-" }
        if st.lastError != nil { value += "!" }
        role = st.lastError != nil ? .error : (shown.unchecked > 0 || (age ?? 0) > 3 * st.interval ? .warn : .header)
      }
      items.append((src.shortLabel, shortSourceLabel(src), value, role))
    }
    let longW = items.reduce(0) { $0 + DrawText.width($1.long) + 1 + DrawText.width($1.value) + 2 }
    let useLong = x + longW - 2 < rx
    for item in items {
      let label = (useLong ? item.long : item.short) + " "
      let w = DrawText.width(label) + DrawText.width(item.value)
      guard x + w < rx else { break }
      x += g.put(label, x: x, y: y, role: .dim)
      x += g.put(item.value, x: x, y: y, role: item.role)
      x += useLong ? 2 : 1
    }
  }

  static func shortSourceLabel(_ s: DataSource) -> String {
    switch s {
    case .tasks: "tsk"
    case .tables: "tbl"
    case .metrics: "met"
    case .logs: "log"
    case .events: "evt"
    }
  }

  /// DMS calls per second for the THROTTLED badge: `1/s`, `0.5/s`, `0.13/s`.
  static func rateText(_ rate: Double) -> String {
    if rate >= 10 || rate == rate.rounded() { return "\(Int(rate.rounded()))/s" }
    if rate >= 1 { return Format.fixed(rate, digits: 1) + "/s" }
    return Format.fixed(rate, digits: 2) + "/s"
  }

  // MARK: hint bar

  static func drawHints(_ g: inout Grid, _ s: AppState, _ keyMap: KeyMap, _ cs: Charset) {
    let r = s.layout.hints
    g.fill(r, Cell(" ", role: .hintText))
    let y = r.y
    if let line = s.commandLine {
      // The `:` line: what is typed, a cursor, then what tab found (or a reminder of the keys).
      var x = r.x + 1
      x += g.put(":" + line.text, x: x, y: y, role: .text, maxWidth: r.width - 2)
      x += g.put(cs.isASCII ? "_" : "▏", x: x, y: y, role: .hintKey, maxWidth: max(0, r.x + r.width - x))
      let after = line.candidates.isEmpty ? "tab complete · enter run · esc close" : line.candidates.joined(separator: "  ")
      g.put(after, x: x + 2, y: y, role: .dim, maxWidth: max(0, r.x + r.width - x - 3), ellipsis: cs.ellipsis)
      return
    }
    var pairs: [(String, String)]
    if let context = s.keyContext {
      // An open view's keys, from the same view-binding table its component handles them with.
      pairs = ViewKeys.hints(in: context, bindings: keyMap.views).map { ($0.key, $0.hint) }
      if context == .filterEdit { pairs.append(("!", "invert")) }
    } else {
      pairs = keyMap.hints(for: s.focus, readOnly: s.readOnly).map { b in
        (b.keys.first?.label ?? "", b.hint ?? "")
      }
    }
    var limit = r.x + r.width
    if let m = s.message, m.expires > s.now {
      let text = oneLine(m.text)
      let w = DrawText.width(text)
      let role: Role = m.severity == .ok ? .text : m.severity.role
      if w + 2 > r.width / 2 {
        // Long messages replace the hints.
        g.put(text, x: r.x + 1, y: y, role: role, maxWidth: r.width - 2, ellipsis: cs.ellipsis)
        return
      }
      let mx = r.x + r.width - 1 - w
      g.put(text, x: mx, y: y, role: role, maxWidth: w)
      limit = mx - 2
    }
    // Help and quit always stay visible: other hints give way first.
    func width(_ p: (String, String)) -> Int { DrawText.width(cs.keyLabel(p.0)) + 1 + DrawText.width(p.1) + 2 }
    let essential = pairs.filter { $0.1 == "help" || $0.1 == "quit" }
    var budget = limit - r.x - 1 - essential.reduce(0) { $0 + width($1) }
    var shown: [(String, String)] = []
    for p in pairs {
      if p.1 == "help" || p.1 == "quit" {
        shown.append(p)
      } else if width(p) <= budget {
        shown.append(p)
        budget -= width(p)
      } else {
        budget = 0
      }
    }
    var x = r.x + 1
    for (key, label) in shown {
      let k = cs.keyLabel(key)
      let w = DrawText.width(k) + 1 + DrawText.width(label)
      guard x + w <= limit else { break }
      x += g.put(k, x: x, y: y, role: .hintKey)
      x += 1
      x += g.put(label, x: x, y: y, role: .hintText)
      x += 2
    }
  }
}

extension DashboardRenderer {
  /// The RECON view over the lower panes: counts, verdicts, checksum progress, differing keys, validation rows.
  static func drawRecon(_ g: inout Grid, _ s: AppState, _ cs: Charset) {
    let w = max(20, s.layout.width - 4)
    let h = max(6, s.layout.height - 4)
    let r = Rect(x: (s.layout.width - w) / 2, y: 2, width: min(w, s.layout.width), height: min(h, s.layout.height - 2))
    g.fill(r, Cell(" ", role: .overlay))
    ReconPane.draw(&g, s.recon, in: r, now: s.now, focused: true, charset: cs)
  }
}
