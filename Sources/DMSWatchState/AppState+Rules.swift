import Foundation
import DMSWatchModel
import DMSWatchRules

extension AppState {
  /// Log lines and events of one task currently in the LOG buffer, oldest first.
  public func logEntries(for task: ReplicationTask) -> [LogEntry] {
    if let own = taskLog[task.arn] { return own.toArray() }
    var out: [LogEntry] = []
    for i in 0..<log.count where log[i].belongs(to: task) { out.append(log[i]) }
    return out
  }

  /// The newest error lines of one task (by ARN; by name for lines that came without one).
  public func errorLines(of task: ReplicationTask) -> [LogEntry] {
    let byArn = errorLog[task.arn] ?? []
    let byName = (errorLog[task.identifier] ?? []).filter { $0.belongs(to: task) }
    return byName.isEmpty ? byArn : (byArn + byName).sorted { $0.time < $1.time }
  }

  /// Findings of one task from what the dashboard holds, judged with the state's `ruleConfig`.
  public func findings(for task: ReplicationTask) -> [Finding] { findings(for: task, config: ruleConfig) }

  /// Findings of one task from what the dashboard holds.
  public func findings(for task: ReplicationTask, config: RuleConfig) -> [Finding] {
    let paused = (sourcePaused[task.arn] ?? sourcePaused[task.identifier]).map { [$0] } ?? []
    return TaskRules.findings(
      task: task, tables: tables[task.arn], metrics: metrics[task.arn], events: errorLines(of: task) + paused, now: now, config: config)
      + (reconResults[task.arn].map(ReconRules.findings) ?? [])
  }

  /// Findings of every task, for `NotificationGate.update(findings:now:)`.
  public func allFindings() -> [Finding] { allFindings(config: ruleConfig) }

  public func allFindings(config: RuleConfig) -> [Finding] {
    tasks.flatMap { findings(for: $0, config: config) }
  }

  /// Cutover readiness of one task from what the dashboard holds, judged with the state's `ruleConfig`.
  public func readiness(for task: ReplicationTask) -> Readiness { readiness(for: task, config: ruleConfig) }

  /// Cutover readiness of one task from what the dashboard holds.
  public func readiness(for task: ReplicationTask, config: RuleConfig) -> Readiness {
    Readiness.evaluate(
      task: task, tables: tables[task.arn], metrics: metrics[task.arn], events: errorLines(of: task), now: now, config: config,
      rowCounts: .from(reconResults[task.arn], config: config))
  }

  /// Triage hints of one task from its failure message, stop reason and buffered log lines.
  public func hints(for task: ReplicationTask) -> [Hint] {
    TriageHints.hints(for: task, logLines: logEntries(for: task))
  }
}

extension AppState {
  /// Tasks whose table statistics are loaded and whose last load did not fail (the TASKS title's `checked N/M`).
  public func checkedCount(of list: [ReplicationTask]) -> Int {
    list.reduce(0) { $0 + ((tables[$1.arn]?.isChecked ?? false) ? 1 : 0) }
  }

  /// The oldest statistics load among `shown` tasks (nil when one of them was never checked): the header's
  /// "tables" age is the least fresh thing on screen, not the focused task's.
  public func oldestTablesLoad(of shown: [String]) -> (oldest: Date?, unchecked: Int) {
    var oldest: Date?
    var unchecked = 0
    for arn in shown {
      guard let at = tables[arn]?.loadedAt, tables[arn]?.error == nil else {
        unchecked += 1
        continue
      }
      if oldest.map({ at < $0 }) ?? true { oldest = at }
    }
    return (oldest, unchecked)
  }
}
