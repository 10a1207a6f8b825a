import DMSWatchModel
import Foundation

/// Warning/critical thresholds (seconds for latency).
public struct Thresholds: Sendable, Equatable, Codable {
  public var latencyWarn: Double
  public var latencyCritical: Double
  public init(latencyWarn: Double = 60, latencyCritical: Double = 300) {
    self.latencyWarn = latencyWarn
    self.latencyCritical = latencyCritical
  }
  public func severity(latency: Double?) -> Severity {
    guard let latency else { return .unknown }
    if latency >= latencyCritical { return .critical }
    if latency >= latencyWarn { return .warn }
    return .ok
  }
}

/// Per-task table statistics with the flags derived from them.
public struct TaskTables: Sendable, Equatable {
  public var tables: [TableStatistics]
  public var flags: [TableFlag]
  public var worstByTable: [TableRef: Severity]
  public var loadedAt: Date?
  public var error: String?
  /// How many tables DMS reported (kept when `tables` is dropped).
  public var tableCount: Int
  /// True when only the summary (flags, counts) is kept: unfocused tasks don't hold every row.
  public private(set) var isSummary = false

  /// The rule thresholds `summaryCriteria` were judged with (the state's `ruleConfig` on screen).
  public private(set) var criteriaConfig: RuleConfig

  public init(tables: [TableStatistics] = [], loadedAt: Date? = nil, config: RuleConfig = RuleConfig()) {
    // DMS lists a task's tables in order already: one pass checks it before anything is moved.
    let ordered = zip(tables, tables.dropFirst()).allSatisfy { !($1.ref < $0.ref) }
    // Positions are sorted, not the rows: a row is large and moves once, into its place.
    self.tables = ordered ? tables : tables.indices.sorted { tables[$0].ref < tables[$1].ref }.map { tables[$0] }
    self.tableCount = tables.count
    self.flags = TableRules.flags(for: self.tables)
    var worst: [TableRef: Severity] = [:]
    for f in flags where f.severity > (worst[f.table] ?? .ok) { worst[f.table] = f.severity }
    self.worstByTable = worst
    self.loadedAt = loadedAt
    // Judged once per load, not per frame: readiness of a 20,000-table task stays cheap to draw.
    self.criteriaConfig = config
    self.summaryCriteria = Readiness.tableCriteria(tables: self, config: config, flags: flags)
  }

  /// Judges the table-based readiness criteria again with `config` (rows still present).
  public mutating func rejudge(config: RuleConfig) {
    guard config != criteriaConfig, !isSummary else { return }
    criteriaConfig = config
    summaryCriteria = Readiness.tableCriteria(tables: self, config: config)
  }

  /// True when the statistics can be judged: loaded and the last refresh did not fail.
  public var isChecked: Bool { loadedAt != nil && error == nil }

  /// Flags that count (unknown is shown but not counted as a problem).
  public var problemCount: Int { flags.filter { $0.severity >= .warn }.count }

  /// Table-based readiness criteria, judged when the rows arrived (kept when the rows are dropped).
  public private(set) var summaryCriteria: [Readiness.Criterion]?

  /// Drops the rows, keeping flags, counts and the table-based readiness verdicts:
  /// memory stays bounded with thousands of tasks.
  public mutating func summarize(config: RuleConfig = RuleConfig()) {
    guard !isSummary else { return }
    if config != criteriaConfig {
      // Re-judged with the thresholds in force before the rows go: the dashboard and `check` agree.
      criteriaConfig = config
      summaryCriteria = Readiness.tableCriteria(tables: self, config: config)
    }
    tables = []
    isSummary = true
  }
}

/// CDC and throughput series of one task.
public struct TaskMetrics: Sendable, Equatable {
  public var series: [String: TimeSeries] = [:]
  public init() {}
  public subscript(metric: String) -> TimeSeries {
    get { series[metric] ?? TimeSeries() }
    set { series[metric] = newValue }
  }
  public var latencySource: TimeSeries { self[DMSMetric.cdcLatencySource] }
  public var latencyTarget: TimeSeries { self[DMSMetric.cdcLatencyTarget] }
  /// The end-to-end CDC lag from the newest points: CDCLatencyTarget, which DMS measures from the source
  /// commit time and so already contains the source latency. When the metrics disagree (target below source,
  /// or only source reported) the larger one. Never their sum.
  public var currentLatency: Double? { Self.endToEnd(source: latencySource.last?.value, target: latencyTarget.last?.value) }

  /// End-to-end lag of one sample: the larger of source and target latency (nil when neither is known).
  public static func endToEnd(source: Double?, target: Double?) -> Double? {
    switch (source, target) {
    case (nil, nil): return nil
    case (let s?, nil): return s
    case (nil, let t?): return t
    case (let s?, let t?): return max(s, t)
    }
  }
}

/// The one-line health mark of a task (the full readiness rules build on this).
public struct TaskHealth: Sendable, Equatable {
  public var severity: Severity
  public var summary: String

  public static func evaluate(task: ReplicationTask, tables: TaskTables?, metrics: TaskMetrics?, thresholds: Thresholds) -> TaskHealth {
    if task.status == TaskStatus.failed || task.status == TaskStatus.failedMove {
      return TaskHealth(severity: .critical, summary: "failed: \(task.lastFailureMessage ?? task.stopReason ?? "no reason given")")
    }
    if task.status == TaskStatus.stopped, let r = task.stopReason, StopReason(r).isError {
      return TaskHealth(severity: .critical, summary: "stopped: \(r)")
    }
    if let e = task.stats?.tablesErrored, e > 0 {
      return TaskHealth(severity: .critical, summary: "\(e) table\(e == 1 ? "" : "s") errored")
    }
    if let tables {
      let critical = tables.flags.filter { $0.severity == .critical }
      if let first = critical.first {
        return TaskHealth(severity: .critical, summary: "\(critical.count) critical: \(first.tag) \(first.table.qualifiedName)")
      }
    }
    let lat = metrics?.currentLatency
    let latSev = task.status == TaskStatus.running && task.migration != .fullLoad ? thresholds.severity(latency: lat) : .ok
    if latSev >= .warn, let lat {
      return TaskHealth(severity: latSev, summary: "CDC latency \(Format.duration(lat))")
    }
    if let tables, tables.problemCount > 0 {
      return TaskHealth(severity: .warn, summary: "\(tables.problemCount) flag\(tables.problemCount == 1 ? "" : "s")")
    }
    switch task.status {
    case TaskStatus.running: return TaskHealth(severity: .ok, summary: "healthy")
    case TaskStatus.stopped: return TaskHealth(severity: .ok, summary: task.stopReason.map { "stopped: \($0)" } ?? "stopped")
    case TaskStatus.ready: return TaskHealth(severity: .ok, summary: "ready to start")
    case TaskStatus.starting, TaskStatus.stopping, TaskStatus.creating, TaskStatus.modifying:
      return TaskHealth(severity: .unknown, summary: "\(task.status)…")
    default: return TaskHealth(severity: .unknown, summary: task.status)
    }
  }
}

extension TaskHealth {
  /// The HEALTH cell from the findings `check` reports on the same data: the worst finding's severity and
  /// message. A task whose statistics are not loaded, or whose last load failed, is unknown — never healthy.
  public static func judge(task: ReplicationTask, tables: TaskTables?, findings: [Finding]) -> TaskHealth {
    let ranked = TaskRules.sorted(findings)
    let worst = ranked.first?.severity ?? .ok
    if let first = ranked.first, worst >= .warn {
      let problems = ranked.filter { $0.severity >= .warn }.count
      let text = first.table.map { "\($0): \(first.message)" } ?? first.message
      return TaskHealth(severity: worst, summary: problems > 1 ? "\(text) (+\(problems - 1))" : text)
    }
    let transitional = [TaskStatus.starting, TaskStatus.stopping, TaskStatus.creating, TaskStatus.modifying].contains(task.status)
    if worst == .unknown, !transitional {
      if let err = tables?.error {
        return TaskHealth(severity: .unknown, summary: "? tables: \(err)")
      }
      if tables == nil || tables?.loadedAt == nil { return TaskHealth(severity: .unknown, summary: "loading…") }
      if let first = ranked.first { return TaskHealth(severity: .unknown, summary: "? \(first.message)") }
    }
    switch task.status {
    case TaskStatus.running: return TaskHealth(severity: .ok, summary: "healthy")
    case TaskStatus.stopped:
      return TaskHealth(severity: .ok, summary: task.stopReason.map { "stopped: \(StopReason.label($0))" } ?? "stopped")
    case TaskStatus.ready: return TaskHealth(severity: .ok, summary: "ready to start")
    case TaskStatus.starting, TaskStatus.stopping, TaskStatus.creating, TaskStatus.modifying:
      return TaskHealth(severity: .unknown, summary: "\(task.status)…")
    default: return TaskHealth(severity: .unknown, summary: task.status)
    }
  }
}
