import Foundation
import DMSWatchModel

/// Cutover readiness of one task: READY only when every criterion passed. A criterion whose data is
/// missing has `passed == nil` ("unknown") and makes the task NOT READY.
public struct Readiness: Sendable, Equatable, Codable {
  public struct Criterion: Sendable, Equatable, Codable {
    public var name: String
    /// true passed, false failed, nil unknown (data missing).
    public var passed: Bool?
    public var detail: String
    public init(name: String, passed: Bool?, detail: String) {
      self.name = name
      self.passed = passed
      self.detail = detail
    }

    enum CodingKeys: String, CodingKey { case name, passed, detail }

    public init(from decoder: any Decoder) throws {
      let c = try decoder.container(keyedBy: CodingKeys.self)
      name = try c.decode(String.self, forKey: .name)
      passed = try c.decodeIfPresent(Bool.self, forKey: .passed)
      detail = try c.decode(String.self, forKey: .detail)
    }

    /// `passed` is always written: `null` means unknown.
    public func encode(to encoder: any Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(name, forKey: .name)
      try c.encode(passed, forKey: .passed)
      try c.encode(detail, forKey: .detail)
    }
  }

  public var ready: Bool
  public var criteria: [Criterion]

  public init(criteria: [Criterion]) {
    self.criteria = criteria
    self.ready = !criteria.isEmpty && criteria.allSatisfy { $0.passed == true }
  }

  enum CodingKeys: String, CodingKey { case ready, criteria }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    criteria = try c.decode([Criterion].self, forKey: .criteria)
    ready = try c.decode(Bool.self, forKey: .ready)
  }

  /// Criteria that failed or are unknown, in order.
  public var failing: [Criterion] { criteria.filter { $0.passed != true } }

  /// "READY" or "NOT READY: name (detail); name (unknown: detail)".
  public var summary: String {
    if ready { return "READY" }
    let parts = failing.map { c in "\(c.name) (\(c.passed == nil ? "unknown: " : "")\(c.detail))" }
    return "NOT READY: " + parts.joined(separator: "; ")
  }
}

/// Criterion names, stable for JSON consumers.
public enum ReadinessCriterion {
  public static let tablesCompleted = "tables_completed"
  public static let taskRunning = "task_running"
  public static let cdcLatency = "cdc_latency"
  public static let validation = "validation"
  public static let noMissingDuplicate = "no_missing_duplicate"
  public static let noRecentErrors = "no_recent_errors"
  /// Reconciliation: every table's row count matches the source (unknown until reconciled).
  public static let rowCountsMatch = "row_counts_match"
  public static let all = [tablesCompleted, taskRunning, cdcLatency, validation, noMissingDuplicate, noRecentErrors]
  /// With reconciliation tracked (`RowCountInput.tracked`), the row-count criterion comes last.
  public static let allWithRowCounts = all + [rowCountsMatch]
}

/// Whether readiness judges row counts. `.tracked(nil)`: reconciliation is part of readiness and has not
/// run (the criterion is unknown, NOT READY). `.notTracked` leaves it out (the rules' own unit tests).
public enum RowCountInput: Sendable, Equatable {
  case notTracked
  case tracked(TaskReconciliation?)

  /// What the screen and `check` pass: tracked (with the task's last reconciliation, if any) unless the
  /// config leaves row counts out of readiness.
  public static func from(_ r: TaskReconciliation?, config: RuleConfig) -> RowCountInput {
    config.requireRowCounts ? .tracked(r) : .notTracked
  }
}

extension Readiness {
  /// Evaluates every criterion, in the order of `ReadinessCriterion.all`.
  public static func evaluate(
    task: ReplicationTask, tables: TaskTables?, metrics: TaskMetrics?, events: [LogEntry], now: Date,
    config: RuleConfig = RuleConfig(), rowCounts: RowCountInput = .notTracked
  ) -> Readiness {
    let stats = usableTables(tables)
    // A summary (rows dropped for an unfocused task) carries the verdicts judged on its rows.
    // The cache records the config it was judged with; rows still present are re-judged when it differs.
    let cached = tables.flatMap { t in
      t.error == nil && (t.isSummary || t.criteriaConfig == config) ? t.summaryCriteria : nil
    }
    func table(_ name: String, _ compute: () -> Criterion) -> Criterion {
      cached?.first { $0.name == name } ?? compute()
    }
    var criteria = [
      task.migration == .cdc
        ? tablesCompleted(task: task, stats: stats, tables: tables)
        : table(ReadinessCriterion.tablesCompleted) { tablesCompleted(task: task, stats: stats, tables: tables) },
      taskRunning(task),
      cdcLatency(task: task, metrics: metrics, now: now, config: config),
      table(ReadinessCriterion.validation) { validation(stats: stats, tables: tables, config: config) },
      table(ReadinessCriterion.noMissingDuplicate) { noMissingDuplicate(stats: stats, tables: tables) },
      noRecentErrors(task: task, events: events, now: now, config: config),
    ]
    if case .tracked(let r) = rowCounts { criteria.append(rowCountsMatch(r)) }
    return Readiness(criteria: criteria)
  }

  /// "row counts match source": passed only when a reconciliation ran and every table is MATCH
  /// (DRIFT within what CDC has in flight also passes); never passed by default.
  public static func rowCountsMatch(_ r: TaskReconciliation?) -> Criterion {
    let name = ReadinessCriterion.rowCountsMatch
    guard let r else { return Criterion(name: name, passed: nil, detail: "row counts not checked (run reconcile)") }
    if let e = r.error { return Criterion(name: name, passed: nil, detail: "reconciliation failed: \(TaskRules.clip(e, 160))") }
    if r.tables.isEmpty { return Criterion(name: name, passed: nil, detail: "no tables reconciled") }
    let bad = r.tables.filter { $0.verdict == .mismatch }
    if !bad.isEmpty {
      let n = bad.prefix(3).map(\.qualifiedName).joined(separator: ", ") + (bad.count > 3 ? " +\(bad.count - 3) more" : "")
      return Criterion(name: name, passed: false, detail: "\(bad.count) of \(r.tables.count) tables MISMATCH: \(n)")
    }
    let open = r.tables.filter { ![.match, .drift].contains($0.verdict) }
    if !open.isEmpty {
      let n = open.prefix(3).map { "\($0.qualifiedName) \($0.verdict.rawValue)" }.joined(separator: ", ")
      return Criterion(name: name, passed: nil, detail: "\(open.count) of \(r.tables.count) tables not judged: \(n)")
    }
    let drift = r.count(.drift)
    return Criterion(
      name: name, passed: true,
      detail: "\(r.tables.count) tables match source" + (drift > 0 ? " (\(drift) within changes in flight)" : ""))
  }

  /// The criteria that depend on table rows only (kept when rows are summarized away).
  /// `flags`: `TableRules.flags(for: tables.tables)` when the caller has just computed them (a load).
  static func tableCriteria(tables: TaskTables, config: RuleConfig, flags: [TableFlag]? = nil) -> [Readiness.Criterion] {
    let stats = usableTables(tables)
    return [
      tablesCompleted(task: nil, stats: stats, tables: tables),
      validation(stats: stats, tables: tables, config: config),
      noMissingDuplicate(stats: stats, tables: tables, flags: flags),
    ]
  }

  /// Table statistics that can be judged: loaded, non-empty, and the last refresh did not fail.
  static func usableTables(_ t: TaskTables?) -> [TableStatistics]? {
    guard let t, t.error == nil, !t.tables.isEmpty else { return nil }
    return t.tables
  }

  static func unknownTablesDetail(_ t: TaskTables?) -> String {
    guard let t else { return "table statistics not loaded" }
    if let e = t.error { return "table statistics unavailable: \(TaskRules.clip(e, 160))" }
    return "no table statistics reported"
  }

  static func names(_ list: [TableStatistics], max: Int = 3) -> String {
    let n = list.prefix(max).map(\.qualifiedName).joined(separator: ", ")
    return list.count > max ? "\(n) +\(list.count - max) more" : n
  }

  static func tablesCompleted(task: ReplicationTask?, stats: [TableStatistics]?, tables: TaskTables?) -> Criterion {
    let name = ReadinessCriterion.tablesCompleted
    if task?.migration == .cdc { return Criterion(name: name, passed: true, detail: "CDC-only task (no full load)") }
    guard let stats else { return Criterion(name: name, passed: nil, detail: unknownTablesDetail(tables)) }
    let notDone = stats.filter { $0.tableState != TableState.completed }
    if notDone.isEmpty { return Criterion(name: name, passed: true, detail: "all \(stats.count) tables completed") }
    let byState = Dictionary(grouping: notDone) { $0.tableState ?? "no state" }
      .sorted { $0.key < $1.key }
      .map { "\($0.value.count) \($0.key)" }
      .joined(separator: ", ")
    return Criterion(name: name, passed: false, detail: "\(notDone.count) of \(stats.count) tables not completed (\(byState)): \(names(notDone))")
  }

  static func taskRunning(_ task: ReplicationTask) -> Criterion {
    let name = ReadinessCriterion.taskRunning
    if task.status == TaskStatus.running { return Criterion(name: name, passed: true, detail: "running") }
    if task.migration == .fullLoad, task.status == TaskStatus.stopped,
      let r = task.stopReason, StopReason(r) == .normal("FULL_LOAD_ONLY_FINISHED")
    {
      return Criterion(name: name, passed: true, detail: "full load finished (FULL_LOAD_ONLY_FINISHED)")
    }
    let why = task.stopReason.map { " (\(StopReason.code(of: $0)))" } ?? ""
    return Criterion(name: name, passed: false, detail: "task is \(task.status)\(why)")
  }

  static func cdcLatency(task: ReplicationTask, metrics: TaskMetrics?, now: Date, config: RuleConfig) -> Criterion {
    let name = ReadinessCriterion.cdcLatency
    if !TaskRules.hasCDC(task) { return Criterion(name: name, passed: true, detail: "full-load task (no CDC)") }
    let window = config.readinessWindowMinutes * 60
    let label = TaskRules.minutesLabel(config.readinessWindowMinutes)
    let limit = config.readinessLatencySeconds
    guard let metrics else { return Criterion(name: name, passed: nil, detail: "no CloudWatch latency data") }
    let points = TaskRules.endToEndLatency(metrics).filter { $0.time > now.addingTimeInterval(-window) && $0.time <= now }
    guard let worst = points.map(\.value).max() else {
      return Criterion(name: name, passed: nil, detail: "no latency data in the last \(label)")
    }
    guard points.count >= 2 else {
      return Criterion(name: name, passed: nil, detail: "only 1 latency point in the last \(label)")
    }
    if worst < limit {
      return Criterion(name: name, passed: true, detail: "max \(Format.duration(worst)) < \(Format.duration(limit)) over \(label)")
    }
    return Criterion(name: name, passed: false, detail: "latency reached \(Format.duration(worst)) (limit \(Format.duration(limit))) in the last \(label)")
  }

  static func validation(stats: [TableStatistics]?, tables: TaskTables?, config: RuleConfig) -> Criterion {
    let name = ReadinessCriterion.validation
    guard let stats else { return Criterion(name: name, passed: nil, detail: unknownTablesDetail(tables)) }
    let notEnabled = stats.filter { $0.validationState == nil || $0.validationState == ValidationState.notEnabled }
    if !config.requireValidation && notEnabled.count == stats.count {
      return Criterion(name: name, passed: true, detail: "validation not enabled (not required)")
    }
    var problems: [String] = []
    if !notEnabled.isEmpty && config.requireValidation {
      problems.append("\(notEnabled.count) not validated (validation not enabled): \(names(notEnabled))")
    }
    let enabled = stats.filter { $0.validationState != nil && $0.validationState != ValidationState.notEnabled }
    let notValidated = enabled.filter { $0.validationState != ValidationState.validated }
    if !notValidated.isEmpty {
      let byState = Dictionary(grouping: notValidated) { $0.validationState ?? "" }
        .sorted { $0.key < $1.key }.map { "\($0.value.count) \($0.key)" }.joined(separator: ", ")
      problems.append("\(notValidated.count) not Validated (\(byState)): \(names(notValidated))")
    }
    let failed = enabled.reduce(Int64(0)) { $0 + ($1.validationFailedRecords ?? 0) }
    let pending = enabled.reduce(Int64(0)) { $0 + ($1.validationPendingRecords ?? 0) }
    let suspended = enabled.reduce(Int64(0)) { $0 + ($1.validationSuspendedRecords ?? 0) }
    if failed + pending + suspended > 0 {
      problems.append("records: \(failed) failed, \(pending) pending, \(suspended) suspended")
    }
    // Data resync fixes rows validation found different; rows it could not fix are still different.
    let resyncFailed = stats.filter { TableRules.resyncFlag($0) != nil }
    if !resyncFailed.isEmpty {
      let rows = resyncFailed.reduce(Int64(0)) { $0 + ($1.resyncRowsFailed ?? 0) }
      problems.append("resync failed on \(resyncFailed.count) table\(resyncFailed.count == 1 ? "" : "s") (\(rows) rows): \(names(resyncFailed))")
    }
    if problems.isEmpty {
      return Criterion(name: name, passed: true, detail: "\(enabled.count) tables Validated, 0 failed/pending/suspended records")
    }
    return Criterion(name: name, passed: false, detail: problems.joined(separator: "; "))
  }

  static func noMissingDuplicate(stats: [TableStatistics]?, tables: TaskTables?, flags known: [TableFlag]? = nil) -> Criterion {
    let name = ReadinessCriterion.noMissingDuplicate
    guard let stats else { return Criterion(name: name, passed: nil, detail: unknownTablesDetail(tables)) }
    let flags = known ?? TableRules.flags(for: stats)
    var missing = Set<TableRef>()
    var dup = Set<TableRef>()
    var unknown = Set<TableRef>()
    for f in flags {
      switch f.kind {
      case .missing: missing.insert(f.table)
      case .duplicate: dup.insert(f.table)
      case .appliedUnknown: unknown.insert(f.table)
      default: break
      }
    }
    if !missing.isEmpty || !dup.isEmpty {
      var parts: [String] = []
      if !missing.isEmpty { parts.append("MISSING on \(missing.count) table\(missing.count == 1 ? "" : "s"): \(refNames(missing))") }
      if !dup.isEmpty { parts.append("DUPLICATE on \(dup.count) table\(dup.count == 1 ? "" : "s"): \(refNames(dup))") }
      return Criterion(name: name, passed: false, detail: parts.joined(separator: "; "))
    }
    if !unknown.isEmpty {
      return Criterion(name: name, passed: nil, detail: "applied counts not reported for \(unknown.count) table\(unknown.count == 1 ? "" : "s"): \(refNames(unknown))")
    }
    return Criterion(name: name, passed: true, detail: "captured and applied counts match on \(stats.count) tables")
  }

  static func refNames(_ s: Set<TableRef>, max: Int = 3) -> String {
    let sorted = s.sorted()
    let n = sorted.prefix(max).map(\.qualifiedName).joined(separator: ", ")
    return sorted.count > max ? "\(n) +\(sorted.count - max) more" : n
  }

  static func noRecentErrors(task: ReplicationTask, events: [LogEntry], now: Date, config: RuleConfig) -> Criterion {
    let name = ReadinessCriterion.noRecentErrors
    let label = TaskRules.minutesLabel(config.readinessWindowMinutes)
    let errors = TaskRules.recentErrors(task: task, entries: events, now: now, minutes: config.readinessWindowMinutes)
    guard let latest = errors.last else { return Criterion(name: name, passed: true, detail: "no error events or log lines in the last \(label)") }
    return Criterion(
      name: name, passed: false,
      detail: "\(errors.count) error\(errors.count == 1 ? "" : "s") in the last \(label); latest: \(TaskRules.clip(latest.text, 160))")
  }
}
