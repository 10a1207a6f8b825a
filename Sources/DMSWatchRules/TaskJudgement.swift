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

  public init(tables: [TableStatistics] = [], loadedAt: Date? = nil) {
    self.tables = tables.sorted { $0.ref < $1.ref }
    self.tableCount = tables.count
    self.flags = TableRules.flags(for: self.tables)
    var worst: [TableRef: Severity] = [:]
    for f in flags where f.severity > (worst[f.table] ?? .ok) { worst[f.table] = f.severity }
    self.worstByTable = worst
    self.loadedAt = loadedAt
    // Judged once per load, not per frame: readiness of a 20,000-table task stays cheap to draw.
    self.summaryCriteria = Readiness.tableCriteria(tables: self, config: RuleConfig())
  }

  /// Flags that count (unknown is shown but not counted as a problem).
  public var problemCount: Int { flags.filter { $0.severity >= .warn }.count }

  /// Table-based readiness criteria, judged when the rows arrived (kept when the rows are dropped).
  public private(set) var summaryCriteria: [Readiness.Criterion]?

  /// Drops the rows, keeping flags, counts and the table-based readiness verdicts:
  /// memory stays bounded with thousands of tasks.
  public mutating func summarize(config: RuleConfig = RuleConfig()) {
    guard !isSummary else { return }
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
  /// Current total lag = source + target latency, from the newest points.
  public var currentLatency: Double? {
    let s = latencySource.last?.value
    let t = latencyTarget.last?.value
    if s == nil && t == nil { return nil }
    return (s ?? 0) + (t ?? 0)
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
