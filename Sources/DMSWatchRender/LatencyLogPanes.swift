import Foundation
import DMSWatchModel
import DMSWatchState

extension DashboardRenderer {
  /// The selected task without scanning every task when the cursor row already holds it.
  static func selectedTask(_ s: AppState) -> ReplicationTask? {
    guard let arn = s.selectedTaskArn else { return nil }
    let order = s.taskOrder
    if s.taskCursor.index >= 0, s.taskCursor.index < order.count {
      let t = s.fleet.tasks[order[s.taskCursor.index]]
      if t.arn == arn { return t }
    }
    return s.fleet.task(arn)
  }

  /// 60s, 5m, 1h30m: thresholds as people write them.
  static func thresholdLabel(_ v: Double) -> String {
    let n = Int(v.rounded())
    if n < 60 || n % 60 != 0 { return Format.duration(v) }
    if n < 3600 { return "\(n / 60)m" }
    return n % 3600 == 0 ? "\(n / 3600)h" : "\(n / 3600)h\(n % 3600 / 60)m"
  }

  // MARK: LATENCY

  static func drawLatency(_ g: inout Grid, _ s: AppState, _ cs: Charset) {
    let r = s.layout.latency
    let inner = r.inner
    let task = selectedTask(s)
    let metrics = s.selectedTaskArn.flatMap { s.fleet.metrics[$0] }
    var title: [Segment] = []
    if let task { title.append(Segment(task.identifier, .text)) }
    if let lag = metrics?.currentLatency {
      // The end-to-end lag is the target latency (DMS measures it from the source commit), never source + target.
      let src = metrics?.latencySource.last?.value
      let tgt = metrics?.latencyTarget.last?.value
      let which = tgt.map { t in (src ?? 0) > t ? "src" : "tgt" } ?? "src"
      if task?.status == TaskStatus.running {
        title.append(Segment("lag \(Format.duration(lag)) (\(which))", s.fleet.thresholds.severity(latency: lag).role))
      } else {
        title.append(Segment("at stop: lag \(Format.duration(lag)) (\(which))", .dim))
      }
    }
    title.append(Segment("warn \(thresholdLabel(s.fleet.thresholds.latencyWarn))", .warn))
    title.append(Segment("crit \(thresholdLabel(s.fleet.thresholds.latencyCritical))", .error))
    drawPaneFrame(&g, s, .latency, cs, title: title, right: ageSegments(s, .metrics), error: s.fleet.sources[.metrics]?.lastError)
    guard inner.height >= 1, inner.width >= 1 else { return }
    guard task != nil else {
      drawEmpty(&g, inner, "no task selected", role: .dim, cs)
      return
    }
    guard let metrics, !(metrics.latencySource.points.isEmpty && metrics.latencyTarget.points.isEmpty) else {
      let text: String
      if task?.migration == .fullLoad {
        text = "full-load task: no CDC latency"
      } else if s.fleet.sources[.metrics]?.lastSuccess == nil {
        text = "loading CDC latency\(cs.ellipsisText)"
      } else {
        text = "no CDC latency data in the last hour"
      }
      drawEmpty(&g, inner, text, role: .dim, cs)
      return
    }
    let labelW = 6, valueW = 7
    let series: [(String, TimeSeries)] = [("source", metrics.latencySource), ("target", metrics.latencyTarget)]
    let rowsPer = max(1, inner.height / 2)
    let sparkX = inner.x + labelW + 1 + valueW + 1
    let tailW = 11
    let sparkW = max(0, inner.x + inner.width - sparkX - tailW - 1)
    var sampled: [[Double?]] = []
    var peak = 0.0
    for (_, ts) in series {
      let v = Sparkline.resample(ts.points, end: s.now, window: 3600, columns: sparkW)
      for x in v { if let x { peak = max(peak, x) } }
      sampled.append(v)
    }
    let scale = Sparkline.niceMax(peak)
    for (i, (label, ts)) in series.enumerated() {
      let yTop = inner.y + i * rowsPer
      guard yTop < inner.y + inner.height else { break }
      let yBottom = min(inner.y + inner.height - 1, yTop + rowsPer - 1)
      g.put(label, x: inner.x, y: yTop, width: labelW, role: .text, align: .left, ellipsis: cs.ellipsis)
      let current = ts.last?.value
      let valueText = current.map(Format.duration) ?? "-"
      let live = task?.status == TaskStatus.running
      let role: Role = live ? current.map { s.fleet.thresholds.severity(latency: $0).role } ?? .dim : .dim
      g.put(valueText, x: inner.x + labelW + 1, y: yTop, width: valueW, role: role, align: .right, ellipsis: cs.ellipsis)
      if sparkW > 0 {
        Sparkline.draw(
          &g, values: sampled[i], x: sparkX, y: yBottom, rows: yBottom - yTop + 1, scale: scale,
          thresholds: s.fleet.thresholds, charset: cs)
      }
      let tail = i == 0 ? "max \(thresholdLabel(scale))" : "-1h\(cs.separatorText)now"
      g.put(tail, x: sparkX + sparkW + 1, y: yTop, width: tailW, role: .dim, align: .left, ellipsis: cs.ellipsis)
    }
  }

  // MARK: LOG

  static func drawLog(_ g: inout Grid, _ s: AppState, _ cs: Charset) {
    let r = s.layout.log
    let inner = r.inner
    let lines = s.shownLog
    let n = lines.count
    let visible = min(max(0, inner.height), s.layout.visibleRows(.log))
    let back = max(0, min(s.logScrollBack, max(0, n - visible)))
    var right: [Segment] = []
    if s.logFollow && back == 0 {
      right.append(Segment("FOLLOW", .ok))
    } else {
      right.append(Segment(back > 0 ? "PAUSED \(back) below" : "PAUSED", .badgePaused))
    }
    right += ageSegments(s, .logs)
    let error = s.fleet.sources[.logs]?.lastError ?? s.fleet.sources[.events]?.lastError
    // Whose lines: the focused task's own buffer, or every task merged (`:log all`).
    let whose = s.logAll || s.selectedTaskArn == nil ? "all tasks" : (s.selectedTask?.identifier ?? "task")
    // Position: the bottom line shown, of all (`234/234` while following).
    var title = [Segment(whose, .text), Segment(n == 0 ? "0" : "\(n - back)/\(n)", .dim)]
    if s.logLevel != .all { title.append(Segment(s.logLevel.label, .warn)) }
    if s.filterEditing, s.filterTarget == .log {
      title.append(Segment("/" + s.logSearch + String(cs.cursorGlyph), .headerAccent))
    } else if !s.logSearch.isEmpty {
      title.append(Segment("/" + s.logSearch, .headerAccent))
    }
    drawPaneFrame(&g, s, .log, cs, title: title, right: right, error: error, note: s.logNotice)
    guard inner.height >= 1, inner.width >= 1 else { return }
    if n == 0 {
      let text: String
      if s.fleet.sources[.logs]?.lastSuccess == nil {
        text = "waiting for task logs and events\(cs.ellipsisText)"
      } else if !s.logAll, let t = s.selectedTask, s.fleet.log.count > 0 {
        text = "no lines for \(t.identifier) yet (:log all shows every task's)"
      } else {
        text = "no log lines yet"
      }
      drawEmpty(&g, inner, text, role: .dim, cs)
      return
    }
    let last = n - 1 - back
    let first = max(0, last - visible + 1)
    let right0 = inner.x + inner.width
    // The task column widens with the terminal (a sixth of the width, 12 to 40 cells).
    let taskW = min(40, max(12, inner.width / 6))
    let compW = inner.width >= 120 ? 16 : (inner.width >= 90 ? 14 : 10)
    for (row, i) in (first...max(first, last)).enumerated() where i <= last {
      let e = lines[i]
      let y = inner.y + row
      let role = logRole(e.severity)
      if i == s.logMatch { g.fill(Rect(x: inner.x, y: y, width: inner.width, height: 1), Cell(" ", role: .marked)) }
      var x = inner.x
      x += g.put(Format.clock(e.time), x: x, y: y, role: .dim, maxWidth: right0 - x)
      x += 1
      guard x < right0 else { continue }
      g.put(e.task ?? "-", x: x, y: y, width: min(taskW, right0 - x), role: .text, align: .left, ellipsis: cs.ellipsis)
      x += taskW + 1
      guard x < right0 else { continue }
      g.put(e.severity.rawValue, x: x, y: y, role: role, maxWidth: 1)
      x += 2
      guard x < right0 else { continue }
      g.put(e.component, x: x, y: y, width: min(compW, right0 - x), role: .dim, align: .left, ellipsis: cs.ellipsis)
      x += compW + 1
      guard x < right0 else { continue }
      g.put(oneLine(e.text), x: x, y: y, width: right0 - x, role: role, align: .left, ellipsis: cs.ellipsis)
    }
  }

  static func logRole(_ sev: LogSeverity) -> Role {
    switch sev {
    case .error: .logError
    case .warning: .logWarn
    case .info: .logInfo
    case .debug, .trace: .logDebug
    }
  }
}
