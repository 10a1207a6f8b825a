import Foundation
import DMSWatchModel
import DMSWatchState

extension DashboardRenderer {
  /// A centred box clipped to the screen (one cell of margin when it fits).
  static func overlayRect(_ g: Grid, width: Int, height: Int) -> Rect {
    let w = min(width, max(10, g.width - 4))
    let h = min(height, max(5, g.height - 2))
    return Rect(x: max(0, (g.width - w) / 2), y: max(0, (g.height - h) / 2), width: min(w, g.width), height: min(h, g.height))
  }

  static func drawOverlayBox(_ g: inout Grid, _ r: Rect, title: String, footer: String?, _ cs: Charset) {
    g.fill(r, Cell(" ", role: .overlay))
    g.repairEdges(of: r)
    g.drawFrame(r, role: .frameFocused, charset: cs)
    g.frameLabels(r, y: r.y, left: [Segment(title, .overlayTitle)], right: [], frameRole: .frameFocused, charset: cs)
    if let footer {
      g.frameLabels(r, y: r.y + r.height - 1, left: [], right: [Segment(footer, .hintText)], frameRole: .frameFocused, charset: cs)
    }
  }

  /// Draws a scrollable overlay box for `count` rows; returns its inner area and the first visible row.
  static func scrollingBox(_ g: inout Grid, _ r: Rect, title: String, count: Int, scroll: Int, _ cs: Charset) -> (inner: Rect, top: Int)? {
    let inner = r.inner
    guard inner.height > 0, inner.width > 2 else { return nil }
    let maxScroll = max(0, count - inner.height)
    let top = min(max(0, scroll), maxScroll)
    let footer = maxScroll > 0 ? "\(top + 1)-\(min(count, top + inner.height))/\(count)" : nil
    drawOverlayBox(&g, r, title: title, footer: footer, cs)
    return (inner, top)
  }

  // MARK: help

  /// Groups of help; a group title that names panes (`[TASKS]`) stands for its bindings' own pane marks.
  static let helpGroups: [(String, [Command])] = [
    ("Navigation", [.moveUp, .moveDown, .pageUp, .pageDown, .top, .bottom, .focusNext, .focusPrev, .focusLeft, .focusRight, .drillDown, .back]),
    ("Filter and sort [TASKS]", [.filter, .errorsOnly, .scopeNext, .sortNext, .sortReverse, .sortByName, .sortByStatus, .sortByType, .sortByProgress, .sortByLatency, .sortByFlags, .sortByHealth]),
    ("Actions", [.start, .stop, .reload, .validate, .mark, .markAll]),
    ("Task", [.detail, .reconcile, .testConnection, .raw, .copy]),
    ("Log [LOG]", [.followLog, .searchOlder, .searchNewer, .logLevel, .expandLine]),
    ("General", [.commandLine, .refresh, .pause, .help, .quit]),
  ]

  /// The help lines of the view components: views that scroll, then the dialogs.
  static let viewHelpGroups: [(String, [KeyContext])] = [
    ("views", [.detail, .raw, .recon, .help]),
    ("dialogs", [.confirm, .startMenu, .cdcStart]),
  ]

  /// Help lines: every binding of the key map, grouped; a binding whose command is in no group goes under "Other".
  static func helpLines(_ keyMap: KeyMap, readOnly: Bool, replay: Bool = false, _ cs: Charset) -> [(key: String, text: String, role: Role)] {
    var out: [(String, String, Role)] = []
    var used = Set<Int>()
    var groupPanes = ""
    func scope(_ b: KeyBinding) -> String {
      guard !b.panes.isEmpty else { return "" }
      let names = Pane.allCases.filter { b.panes.contains($0) }.map { $0.title }
      let mark = "[\(names.joined(separator: ", "))]"
      return mark == groupPanes ? "" : " " + mark
    }
    func add(_ idx: Int) {
      let b = keyMap.bindings[idx]
      let keys = b.keys.isEmpty ? "(unbound)" : b.keys.map { cs.keyLabel($0.label) }.joined(separator: " ")
      let disabled = readOnly && b.mutates
      out.append((keys, b.description + scope(b) + (disabled ? " (disabled: read-only)" : ""), disabled ? .dim : .overlay))
      used.insert(idx)
    }
    for (name, commands) in helpGroups {
      let idxs = keyMap.bindings.indices.filter { commands.contains(keyMap.bindings[$0].command) }
      guard !idxs.isEmpty else { continue }
      if !out.isEmpty { out.append(("", "", .overlay)) }
      out.append(("", name, .overlayTitle))
      groupPanes = name.firstIndex(of: "[").map { String(name[$0...]) } ?? ""
      for i in idxs { add(i) }
    }
    groupPanes = ""
    let rest = keyMap.bindings.indices.filter { !used.contains($0) }
    if !rest.isEmpty {
      out.append(("", "", .overlay))
      out.append(("", "Other", .overlayTitle))
      for i in rest { add(i) }
    }
    // The keys of the views and of the dialogs, from the table their components handle keys with.
    out.append(("", "", .overlay))
    out.append(("", "In views and dialogs", .overlayTitle))
    for (label, contexts) in viewHelpGroups {
      var seen = Set<String>()
      // One mention per key (esc closes or cancels, enter runs or confirms: the view's own hint bar says which).
      let pairs = contexts.flatMap { ViewKeys.hints(in: $0, bindings: keyMap.views) }.filter { !seen.contains($0.hint) && seen.insert($0.key).inserted && seen.insert($0.hint).inserted }
      out.append((label, pairs.map { "\(cs.keyLabel($0.key)) \($0.hint)" }.joined(separator: " · "), .overlay))
    }
    // The `:` commands (the same table the command line runs and completes from).
    out.append(("", "", .overlay))
    out.append(("", "Commands (: then tab completes)", .overlayTitle))
    for c in PromptCommands.available(replay: replay) {
      let names = ([c.usage] + c.aliases.filter { $0.count <= 2 }).map { ":" + $0 }.joined(separator: " ")
      out.append((names, c.description, .overlay))
    }
    // The session keys (screen dump) and, in a replay, the replay's own keys.
    for (name, replayOnly) in [("Session", false), ("Replay", true)] where !replayOnly || replay {
      out.append(("", "", .overlay))
      out.append(("", name, .overlayTitle))
      for b in SessionKeys.bindings where b.replayOnly == replayOnly {
        out.append((b.keys.map { cs.keyLabel($0.label) }.joined(separator: " "), b.description, .overlay))
      }
    }
    return out
  }

  static func drawHelp(_ g: inout Grid, _ s: AppState, _ keyMap: KeyMap, _ cs: Charset, scroll: Int) {
    var entries = helpLines(keyMap, readOnly: s.readOnly, replay: s.replayBadge != nil || s.replaying, cs)
    // Two columns side by side when the screen is wide enough and one column would scroll
    // (at 120×40 every key and command fits one screen); the group titles then separate the groups.
    let twoColumns = g.width >= 100 && entries.count + 2 > g.height - 2
    if twoColumns { entries.removeAll { $0.key.isEmpty && $0.text.isEmpty } }
    let boxW = twoColumns ? min(g.width - 2, 168) : 84
    let r0 = overlayRect(g, width: boxW, height: g.height)
    let colW = twoColumns ? r0.inner.width / 2 : r0.inner.width
    let longestKey = entries.map { DrawText.width($0.key) }.max() ?? 6
    let keyW = twoColumns ? min(18, max(6, longestKey + 1)) : min(16, max(6, colW / 4))
    let textW = max(8, colW - keyW - 4)
    // Long descriptions wrap under themselves instead of being cut. In two columns, two short entries of
    // one group share a row (htop-style), so every key and command fits one screen at 120×40.
    struct Row {
      var key: String
      var text: String
      var role: Role
      var pair: (key: String, text: String, role: Role)?
      var isTitle: Bool { key.isEmpty }
    }
    let half = colW / 2
    func short(_ e: (key: String, text: String, role: Role)) -> Bool {
      !e.key.isEmpty && DrawText.width(e.key) + 1 + DrawText.width(e.text) + 3 <= half
    }
    var rows: [Row] = []
    var i = 0
    while i < entries.count {
      let e = entries[i]
      if e.key.isEmpty {
        rows.append(Row(key: "", text: e.text, role: e.role))
        i += 1
        continue
      }
      if twoColumns, i + 1 < entries.count, short(e), short(entries[i + 1]) {
        rows.append(Row(key: e.key, text: e.text, role: e.role, pair: entries[i + 1]))
        i += 2
        continue
      }
      for (n, part) in DrawText.wrap(e.text, width: textW).enumerated() {
        rows.append(Row(key: n == 0 ? e.key : " ", text: part, role: e.role))
      }
      i += 1
    }
    var columns = [rows]
    if twoColumns {
      // Split at the group title nearest the middle; the right column starts with that title.
      let titles = rows.indices.filter { rows[$0].isTitle && rows[$0].role == .overlayTitle && $0 > 0 }
      if let split = titles.min(by: { abs($0 - rows.count / 2) < abs($1 - rows.count / 2) }) {
        var left = Array(rows[..<split])
        while left.last.map({ $0.key.isEmpty && $0.text.isEmpty }) == true { left.removeLast() }
        columns = [left, Array(rows[split...])]
      }
    }
    let count = columns.map(\.count).max() ?? 0
    let r = overlayRect(g, width: boxW, height: count + 2)
    guard let (inner, top) = scrollingBox(&g, r, title: "HELP: keys", count: count, scroll: scroll, cs) else { return }
    let width = columns.count == 2 ? inner.width / 2 : inner.width
    for (c, col) in columns.enumerated() {
      let x0 = inner.x + c * width
      for row in 0..<inner.height {
        let i = top + row
        guard i < col.count else { break }
        let line = col[i]
        let y = inner.y + row
        if line.isTitle {
          g.put(line.text, x: x0 + 1, y: y, role: line.role, maxWidth: width - 2, ellipsis: cs.ellipsis)
        } else if let p = line.pair {
          // Two short entries: each key just before its text, the second at the middle of the column.
          for (k, (key, text, role)) in [(line.key, line.text, line.role), p].enumerated() {
            let kx = x0 + 2 + k * (width / 2)
            let kw = g.put(key, x: kx, y: y, role: .hintKey, maxWidth: width / 2 - 2)
            g.put(text, x: kx + kw + 1, y: y, role: role, maxWidth: max(0, x0 + (k + 1) * (width / 2) - (kx + kw + 1) - 1), ellipsis: cs.ellipsis)
          }
        } else {
          if line.key != " " {
            g.put(line.key, x: x0 + 2, y: y, width: keyW, role: .hintKey, align: .left, ellipsis: cs.ellipsis)
          }
          let tx = x0 + 3 + keyW
          g.put(line.text, x: tx, y: y, role: line.role, maxWidth: x0 + width - 1 - tx, ellipsis: cs.ellipsis)
        }
      }
    }
  }

  // MARK: start menu

  /// What each start type does, for the start menu.
  public static func startExplanation(_ t: StartTaskType) -> String {
    switch t {
    case .resumeProcessing: "continue from where the task stopped (CDC resumes at its checkpoint)"
    case .startReplication: "first start: the full load runs, then CDC (a CDC-only task reads changes from now; asks first)"
    case .reloadTarget: "truncate or recreate every target table and load again (asks first)"
    }
  }

  public static func startExplanation(_ c: TaskActions.StartChoice) -> (label: String, text: String) {
    switch c {
    case .type(let t): (t.rawValue, startExplanation(t))
    case .cdcFromPoint:
      ("start CDC from a position or time…",
       "start-replication from a chosen position (recovery checkpoint, LSN/SCN) or time, e.g. after a purged log (asks first)")
    }
  }

  static func drawStartMenu(_ g: inout Grid, _ s: AppState, _ cs: Charset, taskArn: String, index: Int) {
    let task = s.fleet.task(taskArn)
    let items = task.map(TaskActions.startChoices(for:)) ?? []
    let width = min(78, g.width - 4)
    let textW = max(10, width - 4)
    var lines: [(String, Role, Int?)] = []
    if let task {
      lines.append(("\(task.identifier) is \(task.status)", .overlay, nil))
      lines.append(("", .overlay, nil))
    }
    for (i, item) in items.enumerated() {
      let (label, text) = startExplanation(item)
      lines.append(("\(i + 1)  \(label)", i == index ? .buttonSelected : .button, i))
      for l in DrawText.wrap(text, width: textW - 5) { lines.append(("     " + l, .overlay, nil)) }
    }
    let r = overlayRect(g, width: width, height: lines.count + 2)
    let inner = r.inner
    drawOverlayBox(&g, r, title: "START TASK", footer: "\(cs.keyLabel("↑/↓")) enter esc", cs)
    for (row, line) in lines.enumerated() where row < inner.height {
      let y = inner.y + row
      if line.2 != nil {
        g.fill(Rect(x: inner.x + 1, y: y, width: inner.width - 2, height: 1), Cell(" ", role: line.1))
      }
      g.put(line.0, x: inner.x + 2, y: y, role: line.1, maxWidth: inner.width - 3, ellipsis: cs.ellipsis)
    }
  }

  // MARK: CDC start point

  static func drawCdcStart(_ g: inout Grid, _ d: CdcStartDialog, _ now: Date, _ cs: Charset) {
    let width = min(84, g.width - 4)
    let textW = max(10, width - 6)
    var lines: [(String, Role)] = [
      ("\(d.task): start-replication with a CDC start point", .overlay),
      ("", .overlay),
      ("  \(d.mode == .position ? "[position]" : " position ")  \(d.mode == .time ? "[time]" : " time ")   (tab switches)", .overlay),
    ]
    if d.mode == .position {
      lines.append(("  checkpoint:…, an LSN/SCN, or binlog file:offset", .dim))
      if d.recoveryCheckpoint != nil { lines.append(("  starts as the task's recovery checkpoint (where it stopped)", .dim)) }
    } else {
      lines.append(("  2026-12-01T03:00:00Z, 2026-12-01 03:00 (UTC), -30m, 2h ago", .dim))
    }
    lines.append(("", .overlay))
    // The field, cut from the left so the end being typed stays in view.
    let shown = d.text.count > textW - 3 ? String(cs.ellipsis) + String(d.text.suffix(textW - 4)) : d.text
    lines.append(("> " + shown + (cs.isASCII ? "_" : "▏"), .text))
    lines.append(("", .overlay))
    switch d.parsed(now: now) {
    case .success(.time(let t)): lines.append(("  → CdcStartTime \(Format.iso(t)) (\(Format.duration(max(0, now.timeIntervalSince(t)))) ago)", .ok))
    case .success(.position): lines.append(("  → CdcStartPosition as typed", .ok))
    case .failure(let e): if d.error == nil { lines.append(("  " + e.message, .dim)) }
    }
    if let e = d.error {
      for l in DrawText.wrap(e, width: textW - 2) { lines.append(("  " + l, .error)) }
    }
    let r = overlayRect(g, width: width, height: lines.count + 2)
    let inner = r.inner
    drawOverlayBox(&g, r, title: "START CDC FROM", footer: "enter confirm · tab position/time · esc cancel", cs)
    for (row, line) in lines.enumerated() where row < inner.height {
      g.put(line.0, x: inner.x + 1, y: inner.y + row, role: line.1, maxWidth: inner.width - 2, ellipsis: cs.ellipsis)
    }
  }

  // MARK: confirmation

  static func drawConfirm(_ g: inout Grid, _ c: Confirmation, _ cs: Charset) {
    let width = min(64, g.width - 4)
    let prompt = DrawText.wrap(c.prompt, width: max(10, width - 4))
    let hint = "y/n, \(cs.keyLabel("←/→")), enter"
    let height = prompt.count + 6
    let r = overlayRect(g, width: width, height: height)
    let inner = r.inner
    drawOverlayBox(&g, r, title: "CONFIRM", footer: nil, cs)
    var y = inner.y + 1
    for line in prompt where y < inner.y + inner.height - 3 {
      g.put(line, x: inner.x + 1, y: y, role: .overlay, maxWidth: inner.width - 2, ellipsis: cs.ellipsis)
      y += 1
    }
    let no = "[ No ]", yes = "[ Yes ]"
    let by = inner.y + inner.height - 2
    let total = no.count + 3 + yes.count
    let bx = inner.x + max(0, (inner.width - total) / 2)
    g.put(no, x: bx, y: by, role: c.yesSelected ? .button : .buttonSelected)
    g.put(yes, x: bx + no.count + 3, y: by, role: c.yesSelected ? .buttonSelected : .button)
    g.putCentered(hint, in: Rect(x: inner.x, y: 0, width: inner.width, height: 1), y: by + 1, role: .hintText, charset: cs)
  }
}
