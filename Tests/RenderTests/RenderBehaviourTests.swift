import XCTest
import DMSWatchModel
import TestSupport
@testable import DMSWatchRender
@testable import DMSWatchRules
@testable import DMSWatchState

final class RenderBehaviourTests: XCTestCase {
  typealias F = Fixtures

  func cell(_ g: Grid, _ text: String, offset: Int = 0, from row: Int = 0, file: StaticString = #filePath, line: UInt = #line) -> Cell? {
    guard let p = g.find(text, from: row) else {
      XCTFail("\"\(text)\" not on screen:\n\(g.snapshot())", file: file, line: line)
      return nil
    }
    return g[p.x + offset, p.y]
  }

  // MARK: geometry

  func testGridAlwaysMatchesLayoutAndKeepsIntegrity() {
    for (w, h) in [(0, 0), (1, 1), (59, 17), (60, 18), (61, 19), (80, 24), (100, 30), (159, 40), (160, 40), (200, 50), (320, 90)] {
      var s = F.dashboard(width: w, height: h)
      s.layout = Layout(width: w, height: h)
      for focus in Pane.allCases {
        s.focus = focus
        let g = F.render(s)
        XCTAssertEqual(g.width, w)
        XCTAssertEqual(g.height, h)
        XCTAssertEqual(g.integrityProblems(), [], "\(w)x\(h)")
      }
      let overlays: [Overlay] = [
        .help(scroll: 0), .help(scroll: 1000), .startMenu(taskArn: F.arn("crm-replica"), index: 2),
        .startMenu(taskArn: "gone", index: 0),
        .confirm(Confirmation(command: .stop(arn: "a", task: "t"), prompt: String(repeating: "a very long prompt ", count: 30))),
      ]
      for o in overlays {
        s.overlay = o
        for cs in [Charset.unicode, .ascii] {
          let g = F.render(s, charset: cs)
          XCTAssertEqual(g.integrityProblems(), [], "\(w)x\(h) \(o)")
          if !s.layout.tooSmall, case .confirm = o {
            XCTAssertTrue(g.contains("[ No ]"), "buttons survive a long prompt at \(w)x\(h)")
          }
        }
      }
      s.overlay = .none
    }
  }

  func testTooSmallShowsOnlyTheMessage() {
    var s = F.dashboard(width: 50, height: 15)
    s.overlay = .help(scroll: 0)
    let g = F.render(s)
    let rows = (0..<g.height).map { g.rowText($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    XCTAssertEqual(rows, ["terminal too small: 50×15, need at least 60×18"])
    let ascii = F.render(s, charset: .ascii)
    XCTAssertTrue(ascii.contains("terminal too small: 50x15, need at least 60x18"))
    // Narrower than the message: wrapped, still complete.
    s.layout = Layout(width: 20, height: 10)
    let narrow = F.render(s)
    let text = (0..<narrow.height).map { narrow.rowText($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " ")
    XCTAssertEqual(text, "terminal too small: 20×10, need at least 60×18")
  }

  func testColumnsAdaptToWidth() {
    let s80 = F.render(F.dashboard(width: 80, height: 24))
    XCTAssertFalse(s80.rowText(2).contains("TYPE"), "TYPE is dropped at 80 columns")
    XCTAssertTrue(s80.rowText(2).contains("HEALTH"))
    XCTAssertTrue(s80.rowText(2).contains("STATUS"))
    let s159 = F.render(F.dashboard(width: 159, height: 40))
    XCTAssertTrue(s159.rowText(2).contains("TYPE"))
    XCTAssertFalse(s159.rowText(2).contains("CDC 1h"), "no sparkline column below 160")
    let s160 = F.render(F.dashboard(width: 160, height: 40))
    XCTAssertTrue(s160.rowText(2).contains("CDC 1h"))
  }

  // MARK: roles

  func testStatusCellsAreColouredByRole() {
    let g = F.render(F.dashboard(width: 200, height: 50))
    let tasks = F.dashboard(width: 200, height: 50).layout.tasks
    XCTAssertEqual(cell(g, "failed ", from: tasks.y)?.role, .error)
    XCTAssertEqual(cell(g, "running ", from: tasks.y)?.role, .ok)
    XCTAssertEqual(cell(g, "starting ", from: tasks.y)?.role, .unknown)
    XCTAssertEqual(cell(g, "ready ", from: tasks.y)?.role, .warn)
    // Stopped after a normal finish is dim; after an error it is a warning.
    guard let legacy = g.find("legacy-archive"), let crm = g.find("crm-replica") else { return XCTFail("rows missing") }
    let statusX = g.find("STATUS")?.x ?? 0
    XCTAssertEqual(g[statusX, legacy.y].role, .dim)
    XCTAssertEqual(g[statusX, crm.y].role, .warn)
    // Pending command marker.
    XCTAssertEqual(g[crm.x - 2, crm.y].char, "⟳")
    XCTAssertEqual(g[crm.x - 2, crm.y].role, .warn)
    // Source 1m58s, target 4m55s: the lag is 4m55s (target), under the 5m critical threshold — a warning,
    // not the 6m53s critical their sum would make it.
    XCTAssertEqual(cell(g, "1m58s/4m55s")?.role, .warn)
    XCTAssertEqual(cell(g, "CDC lag 4m55s")?.role, .warn)
    XCTAssertNil(g.find("6m53s"), "never source + target")
  }

  func testSelectedRowAndFocusedFrame() {
    var s = F.dashboard(width: 200, height: 50)
    var g = F.render(s)
    guard let row = g.find("orders-cdc", from: s.layout.tasks.y) else { return XCTFail() }
    XCTAssertEqual(g[row.x, row.y].role, .selected)
    XCTAssertEqual(g[s.layout.tasks.x + 1, row.y].role, .selected, "the whole row is highlighted")
    XCTAssertEqual(g[s.layout.tasks.x, s.layout.tasks.y].role, .frameFocused)
    XCTAssertEqual(cell(g, "TASKS")?.role, .titleFocused)
    XCTAssertEqual(cell(g, "TABLES")?.role, .title)
    s.focus = .tables
    g = F.render(s)
    XCTAssertEqual(g[row.x, row.y].role, .selectedUnfocused)
    XCTAssertEqual(g[s.layout.tasks.x, s.layout.tasks.y].role, .frame)
    XCTAssertEqual(g[s.layout.tables.x, s.layout.tables.y].role, .frameFocused)
    XCTAssertEqual(cell(g, "TABLES")?.role, .titleFocused)
    // The table cursor (public.order_items, index 1 after sorting) is selected.
    guard let t = g.find("public.customers", from: s.layout.tables.y) else { return XCTFail() }
    XCTAssertEqual(g[t.x, t.y].role, .selected)
  }

  func testSortIndicatorAndFilter() {
    var s = F.dashboard(width: 200, height: 50)
    s.sort = TaskSort(column: .latency, descending: true)
    s.recomputeTaskOrder()
    var g = F.render(s)
    XCTAssertEqual(cell(g, "CDC SRC/TGT▼")?.role, .headerAccent)
    XCTAssertFalse(g.rowText(2).contains("NAME▲"))
    // Latency-descending puts payments-cdc (about 7 minutes) first.
    XCTAssertTrue(g.rowText(3).contains("payments-cdc"), g.rowText(3))
    s.sort = TaskSort(column: .type, descending: false)
    s.layout = Layout(width: 80, height: 24)
    s.recomputeTaskOrder()
    g = F.render(s)
    XCTAssertTrue(g.rowText(1).contains("sort type▲"), "hidden sort column is named in the frame: \(g.rowText(1))")
    s.filter = "pay"
    s.filterEditing = true
    s.recomputeTaskOrder()
    g = F.render(s)
    XCTAssertTrue(g.rowText(1).contains("TASKS 1/1 of 10 checked 0/1 /pay█"), g.rowText(1))
    XCTAssertTrue(g.rowText(3).contains("payments-cdc"))
    s.filter = "zzz"
    s.filterEditing = false
    s.recomputeTaskOrder()
    g = F.render(s)
    XCTAssertTrue(g.contains("no task matches /zzz"))
  }

  func testTablesRowsMarksAndMismatches() {
    var s = F.dashboard(width: 200, height: 50)
    s.focus = .flags
    var g = F.render(s)
    let top = s.layout.tables.y
    guard let cust = g.find("public.customers", from: top) else { return XCTFail() }
    XCTAssertEqual(g[cust.x - 3, cust.y].char, "●")
    XCTAssertEqual(g[cust.x + 20, cust.y].role, .selectedUnfocused, "cursor row, TABLES not focused")
    XCTAssertEqual(cell(g, "120/?", from: top)?.role, .unknown)
    s.tableCursor = ListCursor()
    s.selectedTable = nil
    s.syncTableCursor()
    g = F.render(s)
    XCTAssertEqual(g[cust.x - 3, cust.y].char, "●")
    XCTAssertEqual(g[cust.x - 3, cust.y].role, .marked)
    XCTAssertEqual(g[cust.x + 20, cust.y].role, .marked, "marked row")
    guard let orders = g.find("public.orders ", in: s.layout.tables) else { return XCTFail() }
    XCTAssertEqual(g[orders.x - 2, orders.y].char, "!")
    XCTAssertEqual(g[orders.x - 2, orders.y].role, .error)
    XCTAssertEqual(cell(g, "5000/4988", from: top)?.role, .error, "a mismatch is never rounded away")
    XCTAssertEqual(cell(g, "mismatched f:3", from: top)?.role, .error)
    XCTAssertEqual(cell(g, "pending p:42", from: top)?.role, .warn)
    XCTAssertTrue(g.rowText(top).contains("1 marked"))
    // Narrow: exact counts do not fit, the difference is shown.
    XCTAssertEqual(DashboardRenderer.appliedText(5_000_000, 4_999_988, width: 9).0, "-12 miss")
    XCTAssertEqual(DashboardRenderer.appliedText(800, 810, width: 11).0, "800/810")
    XCTAssertEqual(DashboardRenderer.appliedText(1200, 1200, width: 11).0, "1.2k/1.2k")
  }

  func testFlagsPane() {
    var s = F.dashboard(width: 200, height: 50)
    var g = F.render(s)
    let flags = s.layout.flags
    let rows = (flags.y..<(flags.y + flags.height)).map { g.rowText($0) }
    guard let audit = rows.first(where: { $0.contains("public.audit_log") && $0.contains("│  ") && $0.hasSuffix("┐") == false }) else { return XCTFail() }
    _ = audit
    let flagText = (flags.y..<(flags.y + flags.height)).map { y -> String in
      let chars = (flags.x..<(flags.x + flags.width)).filter { !g[$0, y].isContinuation }.map { g[$0, y].char }
      return String(chars)
    }
    let auditLine = flagText.first { $0.contains("public.audit_log") } ?? ""
    XCTAssertTrue(auditLine.contains("UNKNOWN"), auditLine)
    XCTAssertTrue(auditLine.contains("unknown"), auditLine)
    XCTAssertFalse(auditLine.lowercased().contains("missing"), "unknown applied counts are never called missing")
    guard let missing = g.find("MISSING", from: flags.y) else { return XCTFail() }
    XCTAssertEqual(g[missing.x, missing.y].role, .error)
    XCTAssertEqual(cell(g, "UNKNOWN", from: flags.y)?.role, .unknown)
    XCTAssertEqual(cell(g, "SUSPENDED", from: flags.y)?.role, .warn)
    // No flags.
    s.selectTask(arn: F.arn("billing-fl"))
    g = F.render(s)
    XCTAssertTrue(g.contains("no flags ✓"))
    XCTAssertTrue(F.render(s, charset: .ascii).contains("no flags (ok)"))
    // Not loaded yet.
    s.selectTask(arn: F.arn("payments-cdc"))
    g = F.render(s)
    XCTAssertTrue(g.contains("loading table statistics…"))
    s.selectTask(arn: nil)
    g = F.render(s)
    XCTAssertTrue(g.contains("no task selected"))
  }

  func testErrorsKeepLastGoodData() {
    var s = F.dashboard(width: 200, height: 50)
    s.fleet.tables[F.arn("orders-cdc")]?.error = "AccessDeniedException: not authorized to DescribeTableStatistics"
    s.fleet.sources[.tasks]?.lastError = "ThrottlingException: Rate exceeded (DescribeReplicationTasks)"
    let g = F.render(s)
    XCTAssertEqual(cell(g, "! AccessDeniedException")?.role, .error)
    XCTAssertTrue(g.contains("public.customers"), "rows stay visible")
    guard let err = g.find("! ThrottlingException") else { return XCTFail() }
    XCTAssertEqual(err.y, s.layout.tasks.y + s.layout.tasks.height - 1, "in the TASKS pane's frame")
    XCTAssertEqual(g[err.x, err.y].role, .error)
    XCTAssertTrue(g.contains("orders-cdc"))
    XCTAssertNil(g.find("THROTTLED"), "an error's text alone is not the badge: the budget state is")
    s.fleet.budget = BudgetStatus(rate: 0.5, configuredRate: 2)
    XCTAssertEqual(cell(F.render(s), " THROTTLED 0.50/s ")?.role, .badgeThrottled, "badge with the current rate")
    // Tables error with nothing loaded: the body says so.
    var e = F.dashboard(width: 100, height: 30)
    e.selectTask(arn: F.arn("payments-cdc"))
    e.fleet.tables[F.arn("payments-cdc")] = { var t = TaskTables(); t.error = "ResourceNotFoundFault"; return t }()
    let g2 = F.render(e)
    XCTAssertEqual(cell(g2, "ResourceNotFoundFault")?.role, .error)
  }

  func testBadgesAndHeader() {
    var s = F.dashboard(width: 200, height: 50)
    var g = F.render(s)
    XCTAssertTrue(g.rowText(0).contains("dmswatch prod-admin / eu-west-1"))
    XCTAssertTrue(g.rowText(0).hasSuffix("08:00:00 UTC "))
    XCTAssertTrue(g.rowText(0).contains("tasks 3s"))
    XCTAssertFalse(g.rowText(0).contains("STALE"))
    XCTAssertFalse(g.rowText(0).contains("READ-ONLY"))
    s.readOnly = true
    s.paused = true
    s.fleet.sources[.metrics]?.lastSuccess = F.now.addingTimeInterval(-600)
    g = F.render(s)
    XCTAssertEqual(cell(g, " READ-ONLY ")?.role, .badgeReadOnly)
    XCTAssertEqual(cell(g, " STALE ")?.role, .badgeStale)
    XCTAssertEqual(cell(g, " PAUSED ")?.role, .badgePaused)
    XCTAssertEqual(g.find(" READ-ONLY ")?.y, 0)
    XCTAssertEqual(cell(g, "STALE 10m", from: 1)?.role, .badgeStale, "the LATENCY frame shows its stale age")
    XCTAssertFalse(g.rowText(49).contains("stop"), "read-only hides mutating hints: \(g.rowText(49))")
    XCTAssertTrue(g.rowText(49).contains("? help"))
    // Badges still fit at 80 columns.
    s.layout = Layout(width: 80, height: 24)
    g = F.render(s)
    XCTAssertTrue(g.rowText(0).contains("READ-ONLY"))
    XCTAssertTrue(g.rowText(0).contains("STALE"))
    XCTAssertTrue(g.rowText(0).contains("08:00:00"))
    // Every source's age still fits at 100 columns, with short labels.
    s.readOnly = false
    s.paused = false
    s.layout = Layout(width: 100, height: 30)
    g = F.render(s)
    // tbl: the oldest statistics among the rows shown (30s), and 5 shown rows never checked.
    for label in ["tsk 3s", "tbl 30s ?5", "met 10m", "log 3s", "evt 3s"] {
      XCTAssertTrue(g.rowText(0).contains(label), "\(label) in \(g.rowText(0))")
    }
    XCTAssertEqual(cell(g, "met 10m", offset: 4)?.role, .warn, "a stale source's age is a warning")
  }

  func testHintsAndMessages() {
    var s = F.dashboard(width: 80, height: 24)
    var g = F.render(s)
    let last = g.height - 1
    XCTAssertEqual(cell(g, "tab pane", from: last)?.role, .hintKey)
    XCTAssertEqual(cell(g, "tab pane", offset: 4, from: last)?.role, .hintText)
    XCTAssertTrue(g.rowText(last).contains("q quit"))
    s.message = StatusMessage(text: "stop orders-cdc failed: InvalidResourceStateFault", severity: .critical, expires: F.now.addingTimeInterval(3))
    g = F.render(s)
    XCTAssertEqual(cell(g, "stop orders-cdc failed", from: last)?.role, .error)
    s.message?.expires = F.now
    g = F.render(s)
    XCTAssertFalse(g.contains("InvalidResourceStateFault"), "expired messages are not drawn")
    s.focus = .log
    g = F.render(s)
    XCTAssertTrue(g.rowText(last).contains("f follow"))
  }

  // MARK: latency

  func testLatencyPane() {
    var s = F.dashboard(width: 200, height: 50)
    var g = F.render(s)
    let lat = s.layout.latency
    XCTAssertTrue(g.rowText(lat.y).contains("LATENCY orders-cdc lag 2m14s (tgt) warn 1m crit 5m"), g.rowText(lat.y))
    XCTAssertTrue(g.rowText(lat.y).contains("12s"))
    XCTAssertTrue(g.contains("max 5m"))
    var roles = Set<Role>()
    for y in lat.y..<(lat.y + lat.height) { for x in 0..<g.width where s.layout.latency.inner.x <= x { roles.insert(g[x, y].role) } }
    XCTAssertTrue(roles.contains(.sparkLow))
    XCTAssertTrue(roles.contains(.sparkMid), "target latency passes the 60 s warning")
    s.selectTask(arn: F.arn("payments-cdc"))
    s.fleet.thresholds.latencyCritical = 200
    g = F.render(s)
    roles = []
    for y in lat.y..<(lat.y + lat.height) { for x in 0..<g.width { roles.insert(g[x, y].role) } }
    XCTAssertTrue(roles.contains(.sparkHigh), "target latency passes the 300 s critical threshold")
    s.selectTask(arn: F.arn("billing-fl"))
    g = F.render(s)
    XCTAssertTrue(g.contains("full-load task: no CDC latency"))
  }

  func testResample() {
    let now = F.now
    let pts = [
      SeriesPoint(time: now.addingTimeInterval(-7200), value: 999),  // outside the window
      SeriesPoint(time: now.addingTimeInterval(-3500), value: 1),
      SeriesPoint(time: now.addingTimeInterval(-3400), value: 5),
      SeriesPoint(time: now.addingTimeInterval(-1000), value: 7),
      SeriesPoint(time: now.addingTimeInterval(-10), value: 3),
    ]
    let v = Sparkline.resample(pts, end: now, window: 3600, columns: 6, hold: 0)
    XCTAssertEqual(v.count, 6)
    XCTAssertEqual(v[0], 5, "max of the bucket")
    XCTAssertEqual(v[1], 5, "held for one bucket width")
    XCTAssertNil(v[2])
    XCTAssertEqual(v[4], 7)
    XCTAssertEqual(v[5], 3)
    XCTAssertEqual(Sparkline.resample([], end: now, window: 3600, columns: 4), [nil, nil, nil, nil])
    XCTAssertEqual(Sparkline.resample(pts, end: now, window: 3600, columns: 0), [])
    XCTAssertEqual(Sparkline.niceMax(134), 300)
    XCTAssertEqual(Sparkline.niceMax(0.2), 1)
    XCTAssertEqual(Sparkline.level(0, scale: 10, rows: 1), 1)
    XCTAssertEqual(Sparkline.level(10, scale: 10, rows: 2), 16)
  }

  // MARK: log

  func testLogFollowAndScrollBack() {
    var s = F.dashboard(width: 100, height: 30)
    s.fleet.log.removeAll()
    s.fleet.taskLog = [:]
    for i in 0..<200 {
      s.appendLog([LogEntry(time: F.now.addingTimeInterval(Double(i - 200)), source: .log, severity: [.error, .warning, .info, .debug, .trace][i % 5],
        component: "TARGET_APPLY", text: "line \(i)", task: "orders-cdc")])
    }
    let inner = s.layout.log.inner
    var g = F.render(s)
    XCTAssertTrue(g.rowText(inner.y + inner.height - 1).contains("line 199 "), "newest at the bottom")
    XCTAssertTrue(g.rowText(s.layout.log.y).contains("FOLLOW"))
    s.logFollow = false
    s.logScrollBack = 10
    g = F.render(s)
    XCTAssertTrue(g.rowText(inner.y + inner.height - 1).contains("line 189 "))
    XCTAssertTrue(g.rowText(inner.y).contains("line \(189 - inner.height + 1) "))
    XCTAssertEqual(cell(g, "PAUSED 10 below")?.role, .badgePaused)
    // Severity roles.
    guard let e = g.find("line 185 "), let w = g.find("line 186 "), let i = g.find("line 187 "), let d = g.find("line 188 ") else { return XCTFail() }
    XCTAssertEqual(g[e.x, e.y].role, .logError)
    XCTAssertEqual(g[w.x, w.y].role, .logWarn)
    XCTAssertEqual(g[i.x, i.y].role, .logInfo)
    XCTAssertEqual(g[d.x, d.y].role, .logDebug)
    XCTAssertTrue(g.rowText(e.y).contains(" E TARGET_APPLY "))
    // Scrolled past the oldest line: clamped.
    s.logScrollBack = 10_000
    g = F.render(s)
    XCTAssertTrue(g.rowText(inner.y).contains("line 0 "))
  }

  // MARK: overlays

  func testHelpListsEveryBinding() {
    var keyMap = KeyMap()
    keyMap.override(.quit, keys: [.char("Q")])
    func assertComplete(_ text: String, _ label: String) {
      let all = text.replacingOccurrences(of: "│", with: " ")
        .split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
      for b in keyMap.bindings {
        XCTAssertTrue(all.contains(b.description), "\(label): help lacks \(b.description)")
        let keys = b.keys.map(\.label).joined(separator: " ")
        XCTAssertTrue(all.contains(keys + " " + b.description), "\(label): help lacks keys \(keys)")
      }
      for b in SessionKeys.bindings where !b.replayOnly {
        XCTAssertTrue(all.contains(b.description), "\(label): help lacks the session key \(b.description)")
      }
      XCTAssertFalse(all.contains(SessionKeys.bindings.first { $0.replayOnly }?.description ?? "-"), "\(label): replay keys outside a replay")
      XCTAssertTrue(all.contains("Q quit"))
    }
    // One column (it scrolls): reassemble the list from the first box row at every scroll position, plus the last page.
    for (w, h) in [(80, 24)] {
      var s = F.dashboard(width: w, height: h)
      var rows: [String] = []
      var last: Grid?
      var topY = 0, x0 = 0
      for scroll in 0..<300 {
        s.overlay = .help(scroll: scroll)
        let g = DashboardRenderer.render(s, keyMap: keyMap, charset: .unicode)
        guard let title = g.find("HELP: keys") else { return XCTFail("no help box") }
        topY = title.y + 1
        x0 = title.x - 3
        func boxRow(_ y: Int) -> String {
          String((x0..<(g.width - x0)).filter { !g[$0, y].isContinuation }.map { g[$0, y].char })
        }
        if let last, last == g { break }
        rows.append(boxRow(topY))
        last = g
      }
      if let g = last {
        var y = topY + 1
        while y < g.height, g[x0, y].char == "│" {
          rows.append(String((x0..<(g.width - x0)).filter { !g[$0, y].isContinuation }.map { g[$0, y].char }))
          y += 1
        }
      }
      assertComplete(rows.joined(separator: " "), "\(w)x\(h)")
    }
    // 120×40 and wider: two columns side by side and no scrolling; read the left column, then the right.
    for (w, h) in [(120, 40), (200, 50)] {
    var wide = F.dashboard(width: w, height: h)
    wide.overlay = .help(scroll: 0)
    let g = DashboardRenderer.render(wide, keyMap: keyMap, charset: .unicode)
    guard let title = g.find("HELP: keys") else { return XCTFail("no help box") }
    let left = title.x - 3
    var right = left + 1
    while right < g.width, g[right, title.y].char != "┐" { right += 1 }
    let half = (right - left - 1) / 2
    var bottom = title.y + 1
    while bottom < g.height, g[left, bottom].char == "│" { bottom += 1 }
    XCTAssertFalse(g.rowText(bottom).contains("/"), "no scroll footer: everything fits")
    func column(_ x0: Int) -> String {
      (title.y + 1..<bottom).map { y in String((x0..<x0 + half).filter { !g[$0, y].isContinuation }.map { g[$0, y].char }) }
        .joined(separator: " ")
    }
    let leftText = column(left + 1)
    let rightText = column(left + 1 + half)
    XCTAssertFalse(leftText.trimmingCharacters(in: .whitespaces).isEmpty || rightText.trimmingCharacters(in: .whitespaces).isEmpty,
                   "both columns are used")
    assertComplete(leftText + " " + rightText, "\(w)x\(h)")
    for c in PromptCommands.available(replay: false) {
      XCTAssertTrue((leftText + rightText).contains(c.description), "\(w)x\(h): help lacks :\(c.name)")
    }
    }
    var wide = F.dashboard(width: 200, height: 50)
    wide.overlay = .help(scroll: 0)
    // In a replay the replay's own keys are listed too.
    wide.replayBadge = "REPLAY"
    let replayText = GridText.plain(DashboardRenderer.render(wide, keyMap: keyMap, charset: .unicode))
    for b in SessionKeys.bindings where b.replayOnly {
      XCTAssertTrue(replayText.contains(b.description), "replay help lacks \(b.description)")
    }
    let lines = DashboardRenderer.helpLines(KeyMap(), readOnly: false, .unicode).filter { !$0.key.isEmpty }
    XCTAssertEqual(
      lines.count,
      KeyMap().bindings.count + SessionKeys.bindings.filter { !$0.replayOnly }.count + PromptCommands.available(replay: false).count
        + DashboardRenderer.viewHelpGroups.count,
      "each binding and command exactly once")
    var ro = F.dashboard(width: 200, height: 50)
    ro.readOnly = true
    ro.overlay = .help(scroll: 0)
    XCTAssertTrue(F.render(ro).contains("(disabled: read-only)"))
  }

  func testConfirmDefaultsToNo() {
    var s = F.dashboard(width: 80, height: 24)
    var c = Confirmation(command: .stop(arn: F.arn("orders-cdc"), task: "orders-cdc"), prompt: "Stop task orders-cdc (running)? Replication stops until it is resumed.")
    s.overlay = .confirm(c)
    var g = F.render(s)
    XCTAssertEqual(cell(g, "[ No ]")?.role, .buttonSelected)
    XCTAssertEqual(cell(g, "[ Yes ]")?.role, .button)
    XCTAssertTrue(g.contains("y/n, ←/→, enter"))
    XCTAssertTrue(g.contains("Stop task orders-cdc (running)?"))
    c.yesSelected = true
    s.overlay = .confirm(c)
    g = F.render(s)
    XCTAssertEqual(cell(g, "[ No ]")?.role, .button)
    XCTAssertEqual(cell(g, "[ Yes ]")?.role, .buttonSelected)
    XCTAssertTrue(F.render(s, charset: .ascii).contains("y/n, left/right, enter"))
  }

  func testStartMenu() {
    var s = F.dashboard(width: 100, height: 30)
    s.overlay = .startMenu(taskArn: F.arn("crm-replica"), index: 1)
    let g = F.render(s)
    // A stopped task that ran before: resume-processing or reload-target, never start-replication as such
    // (a CDC-only task also gets the CDC start point, which is start-replication from a chosen point).
    XCTAssertFalse(g.contains("1  start-replication") || g.contains("2  start-replication") || g.contains("3  start-replication"))
    XCTAssertEqual(cell(g, "2  reload-target")?.role, .buttonSelected)
    XCTAssertEqual(cell(g, "1  resume-processing")?.role, .button)
    XCTAssertTrue(g.contains("crm-replica is stopped"))
    XCTAssertEqual(cell(g, "3  start CDC from a position or time…")?.role, .button, "a CDC-only task: the CDC start point too")
    // A task that never ran: start-replication only.
    s.overlay = .startMenu(taskArn: F.arn("new-task"), index: 0)
    let g2 = F.render(s)
    XCTAssertEqual(cell(g2, "1  start-replication")?.role, .buttonSelected)
    XCTAssertFalse(g2.contains("resume-processing"))
  }

  func testCdcStartDialogShowsWhatTheTextMeansAndWhyItIsRefused() throws {
    var s = F.dashboard(width: 100, height: 30)
    var t = try XCTUnwrap(s.fleet.tasks.first { $0.identifier == "crm-replica" })
    t.recoveryCheckpoint = "checkpoint:V1#27#mysql-bin-changelog.157832:1975"
    var d = CdcStartDialog(task: t)
    s.overlay = .cdcStart(d)
    var g = F.render(s)
    XCTAssertTrue(g.contains("START CDC FROM"))
    XCTAssertEqual(cell(g, "[position]")?.role, .overlay)
    XCTAssertTrue(g.contains("> checkpoint:V1#27#mysql-bin-changelog.157832:1975"))
    XCTAssertEqual(cell(g, "→ CdcStartPosition as typed")?.role, .ok)
    d.mode = .time
    d.text = "-90m"
    s.overlay = .cdcStart(d)
    g = F.render(s)
    XCTAssertTrue(g.contains("→ CdcStartTime \(Format.iso(s.now - 5400)) (1h30m ago)"), GridText.plain(g))
    d.text = "next tuesday"
    d.error = "not a time: use 2026-12-01T03:00:00Z (UTC), 2026-12-01 03:00, -30m, -2h or 90m ago"
    s.overlay = .cdcStart(d)
    g = F.render(s)
    XCTAssertEqual(cell(g, "not a time")?.role, .error)
    XCTAssertTrue(GridText.plain(g).contains("enter run"), "the hint bar comes from the view-binding table")
  }

  // MARK: charsets and hostile text

  func testASCIICharset() {
    var s = F.dashboard(width: 200, height: 50)
    s.fleet.tasks[0].identifier = "注文-🚀-tâche"
    s.recomputeTaskOrder()
    for overlay in [Overlay.none, .help(scroll: 0), .confirm(Confirmation(command: .stop(arn: "a", task: "t"), prompt: "Stop?"))] {
      s.overlay = overlay
      let g = F.render(s, charset: .ascii)
      for y in 0..<g.height {
        for x in 0..<g.width {
          let c = g[x, y]
          XCTAssertFalse(c.isContinuation)
          XCTAssertTrue(c.char.isASCII, "non-ASCII \(c.char) at \(x),\(y)")
        }
      }
    }
    s.overlay = .none
    let g = F.render(s, charset: .ascii)
    XCTAssertEqual(g[0, 1].char, "+")
    XCTAssertEqual(g[1, 1].char, "-")
    XCTAssertEqual(g[0, 2].char, "|")
    let lat = s.layout.latency.inner
    var sparkChars = Set<Character>()
    for y in lat.y..<(lat.y + lat.height) { for x in (lat.x + 16)..<(lat.x + lat.width - 12) { sparkChars.insert(g[x, y].char) } }
    sparkChars.remove(" ")
    XCTAssertFalse(sparkChars.isEmpty)
    XCTAssertTrue(sparkChars.isSubset(of: Set(Charset.ascii.spark)), "\(sparkChars)")
    XCTAssertTrue(g.rowText(2).contains("NAME^"))
  }

  func testHostileNamesKeepAlignment() {
    var s = F.dashboard(width: 200, height: 50)
    let hostile = [
      String(repeating: "注文テーブル同期タスク", count: 12), "emoji-🚀🔥-task", "cafe\u{301}-combining-e\u{301}\u{301}", "esc-\u{1b}[31mred\u{1b}[0m-\u{7}bell",
      "bidi-\u{202e}lieve\u{202c}-\u{2066}x", "tab\tand\nnewline\r", String(repeating: "very-long-name-", count: 20), "zero\u{200b}width",
    ]
    for (i, name) in hostile.enumerated() where i < s.fleet.tasks.count { s.fleet.tasks[i].identifier = name }
    s.fleet.tables[F.arn("orders-cdc")] = TaskTables(tables: hostile.enumerated().map { i, n in
      F.stats("スキーマ\(i)", n) { $0.validationStateDetails = n }
    }, loadedAt: F.now)
    s.logAll = true
    s.fleet.log.append(LogEntry(time: F.now, source: .log, severity: .error, component: "\u{1b}]0;pwned\u{7}", text: hostile.joined(separator: " "), task: hostile[0]))
    s.sourceLabel = "prof\u{1b}[2J / 地域"
    s.message = StatusMessage(text: "failed: \u{1b}[31m注文🚀\u{202e}", severity: .critical, expires: F.now.addingTimeInterval(5))
    s.recomputeTaskOrder()
    s.syncTableCursor()
    for (w, h) in [(80, 24), (123, 37), (200, 50)] {
      s.layout = Layout(width: w, height: h)
      for focus in Pane.allCases {
        s.focus = focus
        let g = F.render(s)
        XCTAssertEqual(g.integrityProblems(), [], "\(w)x\(h) \(focus)")
        // Right frame borders stay in their column on every body row.
        for y in 2..<(h - 1) {
          let c = g[w - 1, y]
          XCTAssertTrue("│┐┘┤".contains(c.char), "\(w)x\(h) row \(y) ends with \(c.char): \(g.rowText(y))")
        }
      }
    }
    // Overlays drawn over wide characters cut them cleanly.
    for (w, h) in [(80, 24), (121, 33), (200, 50)] {
      s.layout = Layout(width: w, height: h)
      s.focus = .tasks
      for o in [Overlay.help(scroll: 3), .startMenu(taskArn: F.arn("orders-cdc"), index: 1),
                .confirm(Confirmation(command: .stop(arn: "a", task: hostile[0]), prompt: "Stop \(hostile.joined(separator: " "))?"))] {
        s.overlay = o
        XCTAssertEqual(F.render(s).integrityProblems(), [], "\(w)x\(h) \(o)")
      }
    }
    s.overlay = .none
    s.layout = Layout(width: 200, height: 50)
    let g = F.render(s)
    let longRow = (0..<g.height).map { g.rowText($0) }.first { $0.contains("very-long-name-") } ?? ""
    XCTAssertNotNil(longRow.range(of: #"very-long-name-[a-z-]*…[a-z0-9-]+"#, options: .regularExpression), "long names are cut in the middle: \(longRow)")
  }

  // MARK: scale

  func testOnlyVisibleTablesAreDrawn() {
    var s = F.dashboard(width: 200, height: 50)
    let many = (0..<20_000).map { i in F.stats("s", String(format: "t%05d", i)) { $0.inserts = Int64(i); $0.appliedInserts = Int64(i) } }
    s.fleet.tables[F.arn("orders-cdc")] = TaskTables(tables: many, loadedAt: F.now)
    s.focus = .tables
    s.tableCursor = ListCursor()
    s.tableCursor.move(by: 15_000, count: many.count, visible: s.layout.visibleRows(.tables))
    s.syncTableCursor()
    let start = Date()
    var g = F.render(s)
    for _ in 0..<20 { g = F.render(s) }
    let per = Date().timeIntervalSince(start) / 21
    XCTAssertLessThan(per, 0.05, "render with 20,000 tables took \(per * 1000) ms")
    XCTAssertTrue(g.contains("s.t15000"))
    guard let row = g.find("s.t15000") else { return XCTFail() }
    XCTAssertEqual(g[row.x, row.y].role, .selected)
    XCTAssertTrue(g.contains("15k/15k"))
    XCTAssertFalse(g.contains("s.t00000"))
    XCTAssertTrue(g.rowText(s.layout.tables.y).contains("20000 tables"))
  }

  func testProblemCountMatchesModel() {
    for tt in F.dashboard(width: 80, height: 24).fleet.tables.values {
      XCTAssertEqual(DashboardRenderer.problemCount(tt), tt.problemCount)
    }
    let many = TaskTables(tables: (0..<500).map { i in
      F.stats("s", "t\(i)") { $0.inserts = 10; $0.appliedInserts = i % 3 == 0 ? 9 : (i % 3 == 1 ? nil : 10)
        $0.validationState = i % 5 == 0 ? ValidationState.pendingRecords : ValidationState.validated }
    })
    XCTAssertEqual(DashboardRenderer.problemCount(many), many.problemCount)
    XCTAssertEqual(DashboardRenderer.problemCount(TaskTables()), 0)
  }

  func testFiveThousandTasks() {
    var s = F.dashboard(width: 200, height: 50)
    s.fleet.tasks = (0..<5000).map { i in F.task(String(format: "task-%04d", i), i % 7 == 0 ? TaskStatus.failed : TaskStatus.running, .cdc) }
    s.selectedTaskArn = nil
    s.recomputeTaskOrder()
    s.taskCursor = ListCursor()
    s.taskCursor.move(by: 4321, count: s.taskOrder.count, visible: s.layout.visibleRows(.tasks))
    s.selectTask(arn: s.fleet.tasks[s.taskOrder[s.taskCursor.index]].arn)
    let start = Date()
    var g = F.render(s)
    for _ in 0..<20 { g = F.render(s) }
    let per = Date().timeIntervalSince(start) / 21
    XCTAssertLessThan(per, 0.05, "render with 5,000 tasks took \(per * 1000) ms")
    guard let row = g.find("task-4321") else { return XCTFail(g.snapshot()) }
    XCTAssertEqual(g[row.x, row.y].role, .selected)
    XCTAssertTrue(g.rowText(1).contains("TASKS 4322/5000 checked 0/5000"), g.rowText(1))
  }
}

/// Issue 12: README's key table matches the help screen: every binding and `:` command is in it.
final class ReadmeKeysTests: XCTestCase {
  func testReadmeKeyTableListsEveryBindingAndCommand() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
    guard let start = readme.range(of: "## Keys\n"), let end = readme.range(of: "\n## ", range: start.upperBound..<readme.endIndex) else {
      return XCTFail("no Keys section")
    }
    let section = String(readme[start.upperBound..<end.lowerBound])
    // Tokens written as code: `j`/`k`, `N S T P L F H`, `ctrl-r`, `:recon`.
    var tokens = Set<String>()
    var inCode = false
    var cur = ""
    for ch in section {
      if ch == "`" {
        if inCode {
          tokens.insert(cur)
          for t in cur.split(whereSeparator: { $0 == " " || $0 == "/" || $0 == "," }) { tokens.insert(String(t)) }
        }
        cur = ""
        inCode.toggle()
      } else if inCode {
        cur.append(ch)
      }
    }
    for b in KeyMap().bindings {
      let found = b.keys.contains { k in
        if case .char(let c) = k { return tokens.contains(String(c)) || (c == " " && tokens.contains("space")) }
        return section.lowercased().contains(k.label.lowercased())
      }
      XCTAssertTrue(found, "README's key table lacks \(b.keyLabel) (\(b.description))")
    }
    for c in PromptCommands.available(replay: true) {
      XCTAssertTrue(tokens.contains { $0.hasPrefix(":" + c.name) || c.aliases.contains(String($0.dropFirst())) }, "README lacks :\(c.name)")
    }
    for b in SessionKeys.bindings where !b.replayOnly {
      XCTAssertTrue(b.keys.contains { k in if case .char(let c) = k { return tokens.contains(String(c)) } else { return false } }, "README lacks \(b.description)")
    }
  }
}
