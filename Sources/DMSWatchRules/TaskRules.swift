import Foundation
import DMSWatchModel

/// Task- and table-level findings, pure: the same inputs always give the same findings.
public enum TaskRules {
  /// Every finding of one task, worst first (task findings before table findings of the same severity).
  /// - Parameters:
  ///   - tables: the task's table statistics; nil when never loaded (gives an `unknown` finding).
  ///   - metrics: CloudWatch series; nil when never loaded.
  ///   - events: DMS events and task log lines; only `.error` lines of this task younger than
  ///     `config.recentErrorMinutes` count.
  public static func findings(
    task: ReplicationTask, tables: TaskTables?, metrics: TaskMetrics?, events: [LogEntry], now: Date,
    config: RuleConfig = RuleConfig()
  ) -> [Finding] {
    var out = statusFindings(task: task)
    let id = task.identifier
    if let since = task.keptSince {
      out.append(Finding(
        event: FindingEvent.taskListingStale, severity: .unknown, task: id,
        message: "not in the latest listing (it failed); row as listed at \(Format.clock(since)), status unknown"))
    }

    if let e = task.stats?.tablesErrored, e > 0 {
      out.append(Finding(
        event: FindingEvent.taskTablesErrored, severity: .critical, task: id,
        message: "\(e) table\(e == 1 ? "" : "s") errored", actual: Int64(e)))
    }

    out += metricFindings(task: task, metrics: metrics, now: now, config: config)

    let errors = recentErrors(task: task, entries: events, now: now, minutes: config.recentErrorMinutes)
    if let latest = errors.last {
      out.append(Finding(
        event: FindingEvent.taskErrorsLogged, severity: .warn, task: id,
        message: "\(errors.count) error line\(errors.count == 1 ? "" : "s") in the last \(minutesLabel(config.recentErrorMinutes)); latest: \(clip(latest.text, 200))",
        actual: Int64(errors.count)))
    }

    if let paused = sourceReadingPaused(task: task, entries: events, now: now, minutes: config.recentErrorMinutes) {
      out.append(Finding(
        event: FindingEvent.taskSourceReadingPaused, severity: .warn, task: id,
        message: "SORTER paused reading from the source at \(Format.clock(paused.time)) (swap files over the limit: the instance is short of memory or storage; see its health in the detail): \(clip(paused.text, 160))"))
    }

    if let unknown = tablesUnknownReason(tables) {
      out.append(Finding(event: FindingEvent.taskTablesUnknown, severity: .unknown, task: id, message: unknown))
    }
    if let tables { out += tableFindings(task: id, tables: tables) }
    // Identity is (scope, ARN): two tasks of one name in two regions never share a finding key.
    for i in out.indices {
      out[i].taskArn = task.arn
      out[i].scope = task.scope
    }
    return sorted(out)
  }

  /// Findings from the table flags (TableRules): one per flag.
  public static func tableFindings(task: String, tables: TaskTables) -> [Finding] {
    tables.flags.map { f in
      var op: Operation?
      switch f.kind {
      case .missing(let o), .duplicate(let o): op = o
      default: op = nil
      }
      return Finding(
        event: FindingEvent.name(of: f.kind), severity: f.severity, task: task, table: f.table.qualifiedName,
        operation: op, message: f.detail, expected: f.expected, actual: f.actual)
    }
  }

  /// Worst severity among findings (ok when none).
  public static func worst(_ findings: [Finding]) -> Severity { findings.map(\.severity).max() ?? .ok }

  /// Worst first; task findings before table findings; then table, event, operation.
  public static func sorted(_ findings: [Finding]) -> [Finding] {
    findings.enumerated().sorted { x, y in
      let a = x.element
      let b = y.element
      if a.severity != b.severity { return a.severity > b.severity }
      if (a.table == nil) != (b.table == nil) { return a.table == nil }
      if (a.table ?? "") != (b.table ?? "") { return (a.table ?? "") < (b.table ?? "") }
      if a.event != b.event { return a.event < b.event }
      if a.operation?.rawValue != b.operation?.rawValue { return (a.operation?.rawValue ?? "") < (b.operation?.rawValue ?? "") }
      return x.offset < y.offset
    }.map(\.element)
  }

  /// True when the task replicates changes (cdc or full-load-and-cdc). Unknown types count as CDC.
  public static func hasCDC(_ task: ReplicationTask) -> Bool { task.migration != .fullLoad }

  // MARK: status

  static func statusFindings(task: ReplicationTask) -> [Finding] {
    let id = task.identifier
    // DMS's "Last Error … Stop Reason X Error Level Y" read once, in words (never "Last Error Error…").
    let failure = task.lastFailureMessage.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : StopReason.failureText($0) }
    var out: [Finding] = []
    var failureShown = false
    if task.status == TaskStatus.failed || task.status == TaskStatus.failedMove {
      let why = failure ?? task.stopReason ?? "no reason given"
      out.append(Finding(event: FindingEvent.taskFailed, severity: .critical, task: id, message: "task \(task.status): \(clip(why, 300))"))
      failureShown = true
    } else if task.status == TaskStatus.stopped, let raw = task.stopReason, !raw.isEmpty {
      switch StopReason(raw) {
      case .error(let code):
        out.append(Finding(
          event: FindingEvent.taskStoppedError, severity: .critical, task: id,
          message: "stopped: \(StopReason.label(code))\(failure.map { ": \(clip($0, 300))" } ?? "")"))
        failureShown = true
      case .unrecognized(let code):
        out.append(Finding(
          event: FindingEvent.taskStoppedUnrecognized, severity: .unknown, task: id,
          message: "stopped with an unrecognized stop reason: \(code)"))
      case .normal:
        break
      }
    }
    if let failure, !failureShown {
      out.append(Finding(event: FindingEvent.taskLastFailure, severity: .warn, task: id, message: "last failure: \(clip(failure, 300))"))
    }
    return out
  }

  // MARK: metrics

  static func metricFindings(task: ReplicationTask, metrics: TaskMetrics?, now: Date, config: RuleConfig) -> [Finding] {
    guard task.status == TaskStatus.running, hasCDC(task) else { return [] }
    let id = task.identifier
    guard let metrics, let latency = metrics.currentLatency else {
      return [Finding(event: FindingEvent.taskMetricsUnknown, severity: .unknown, task: id, message: "CDC latency not known yet (no CloudWatch data)")]
    }
    var out: [Finding] = []
    if latency >= config.latencyCriticalSeconds || latency >= config.latencyWarnSeconds {
      let critical = latency >= config.latencyCriticalSeconds
      let threshold = critical ? config.latencyCriticalSeconds : config.latencyWarnSeconds
      let src = metrics.latencySource.last?.value
      let tgt = metrics.latencyTarget.last?.value
      let basis = Self.latencyBasis(source: src, target: tgt)
      out.append(Finding(
        event: FindingEvent.taskLatencyHigh, severity: critical ? .critical : .warn, task: id,
        message: "CDC lag \(Format.duration(latency)) (\(basis)) >= \(Format.duration(threshold))",
        value: latency, threshold: threshold))
    }
    let stalled = isStalled(metrics, now: now, window: config.stallMinutes * 60)
    if stalled == true {
      out.append(Finding(
        event: FindingEvent.taskStalled, severity: .critical, task: id,
        message: "stalled: latency rising and nothing applied for \(minutesLabel(config.stallMinutes))",
        value: latency))
    } else if let incoming = metrics[DMSMetric.cdcIncomingChanges].last?.value, incoming > 0,
      let rate = metrics[DMSMetric.cdcThroughputRowsTarget].last?.value, rate < config.minThroughputRowsPerSecond
    {
      out.append(Finding(
        event: FindingEvent.taskThroughputLow, severity: .warn, task: id,
        message: "target applies \(formatRate(rate)) rows/s with \(Format.count(Int64(incoming.rounded()))) changes waiting (minimum \(formatRate(config.minThroughputRowsPerSecond)))",
        value: rate, threshold: config.minThroughputRowsPerSecond))
    }
    return out
  }

  /// Which metric the end-to-end lag is: "target latency; source 2s" or, when the metrics disagree,
  /// "source latency 5m, above target 1m".
  public static func latencyBasis(source: Double?, target: Double?) -> String {
    switch (source, target) {
    case (nil, nil): return "no latency data"
    case (_?, nil): return "source latency; target not reported"
    case (nil, _?): return "target latency; source not reported"
    case (let s?, let t?):
      return t >= s
        ? "target latency; source \(Format.duration(s))"
        : "source latency, above target \(Format.duration(t))"
    }
  }

  /// End-to-end lag per timestamp: CDCLatencyTarget (measured from the source commit, so it contains the
  /// source latency); the larger of the two when they disagree; a timestamp with only one of them uses that one.
  public static func endToEndLatency(_ metrics: TaskMetrics) -> [SeriesPoint] {
    // Each series is ascending with one point per timestamp (`TimeSeries`): one merge pass, no hashing or sort.
    let a = metrics.latencySource.points
    let b = metrics.latencyTarget.points
    var out: [SeriesPoint] = []
    out.reserveCapacity(max(a.count, b.count))
    var i = 0
    var j = 0
    while i < a.count || j < b.count {
      if j == b.count || (i < a.count && a[i].time < b[j].time) {
        out.append(a[i])
        i += 1
      } else if i == a.count || b[j].time < a[i].time {
        out.append(b[j])
        j += 1
      } else {
        out.append(SeriesPoint(time: a[i].time, value: max(a[i].value, b[j].value)))
        i += 1
        j += 1
      }
    }
    return out
  }

  /// Stall: over the `window` ending at the newest latency point, total latency never falls and ends higher,
  /// and CDCThroughputRowsTarget is zero at every point. nil when there is not enough data to tell:
  /// fewer than 3 latency points, points spanning less than 3/4 of the window, newest point older than
  /// one window before `now`, or no throughput points in the window.
  public static func isStalled(_ metrics: TaskMetrics, now: Date, window: TimeInterval) -> Bool? {
    let total = endToEndLatency(metrics)
    guard window > 0, let newest = total.last?.time, newest >= now.addingTimeInterval(-window) else { return nil }
    let start = newest.addingTimeInterval(-window)
    let lat = total.filter { $0.time >= start }
    guard lat.count >= 3, let first = lat.first, let last = lat.last,
      last.time.timeIntervalSince(first.time) >= window * 0.75
    else { return nil }
    let thr = metrics[DMSMetric.cdcThroughputRowsTarget].points.filter { $0.time >= start && $0.time <= newest }
    guard !thr.isEmpty else { return nil }
    let rising = zip(lat, lat.dropFirst()).allSatisfy { $0.value <= $1.value } && last.value > first.value
    let frozen = thr.allSatisfy { $0.value == 0 }
    return rising && frozen
  }

  // MARK: helpers

  /// `.error` entries of this task (matched by identifier) with time in (now - minutes, now], oldest first.
  /// The newest SORTER "Reading from source is paused" line of the task in the recent window, if any.
  public static func sourceReadingPaused(task: ReplicationTask, entries: [LogEntry], now: Date, minutes: Double) -> LogEntry? {
    let cutoff = now.addingTimeInterval(-minutes * 60)
    return entries.last { isSourcePausedLine($0) && $0.belongs(to: task) && $0.time > cutoff && $0.time <= now }
  }

  /// DMS's sorter line when swap files or the disk exceed their limit: `[SORTER ]W: Reading from source is paused. …`
  /// (`SORTER_STORAGE` for the disk); the text decides, whatever the component.
  public static func isSourcePausedLine(_ e: LogEntry) -> Bool {
    TextSearch.contains(e.text.lowercased(), "reading from source is paused")
  }

  public static func recentErrors(task: ReplicationTask, entries: [LogEntry], now: Date, minutes: Double) -> [LogEntry] {
    let cutoff = now.addingTimeInterval(-minutes * 60)
    return entries.filter {
      $0.severity == .error && $0.belongs(to: task) && $0.time > cutoff && $0.time <= now
    }.sorted { $0.time < $1.time }
  }

  /// Why table statistics cannot be judged, or nil when they can.
  static func tablesUnknownReason(_ tables: TaskTables?) -> String? {
    guard let tables else { return "table statistics not loaded" }
    if let err = tables.error {
      return tables.loadedAt == nil
        ? "table statistics unavailable: \(clip(err, 200))"
        : "table statistics may be stale (last refresh failed: \(clip(err, 200)))"
    }
    return nil
  }

  static func clip(_ s: String, _ n: Int) -> String {
    let oneLine = s.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
    return oneLine.count <= n ? oneLine : String(oneLine.prefix(max(0, n - 3))) + "..."
  }

  static func minutesLabel(_ m: Double) -> String {
    m == m.rounded() ? "\(Int(m))m" : Format.duration(m * 60)
  }

  static func formatRate(_ r: Double) -> String {
    r == r.rounded() && abs(r) < 1e15 ? "\(Int64(r))" : String(format: "%.1f", r)
  }
}
