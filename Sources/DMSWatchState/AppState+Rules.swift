import Foundation
import DMSWatchModel
import DMSWatchRules

extension AppState {
  /// Log lines and events of one task currently in the LOG buffer, oldest first.
  public func logEntries(for task: ReplicationTask) -> [LogEntry] {
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

  /// Findings of one task from what the dashboard holds.
  public func findings(for task: ReplicationTask, config: RuleConfig = RuleConfig()) -> [Finding] {
    TaskRules.findings(task: task, tables: tables[task.arn], metrics: metrics[task.arn], events: errorLines(of: task), now: now, config: config)
  }

  /// Findings of every task, for `NotificationGate.update(findings:now:)`.
  public func allFindings(config: RuleConfig = RuleConfig()) -> [Finding] {
    tasks.flatMap { findings(for: $0, config: config) }
  }

  /// Cutover readiness of one task from what the dashboard holds.
  public func readiness(for task: ReplicationTask, config: RuleConfig = RuleConfig()) -> Readiness {
    Readiness.evaluate(task: task, tables: tables[task.arn], metrics: metrics[task.arn], events: errorLines(of: task), now: now, config: config)
  }

  /// Triage hints of one task from its failure message, stop reason and buffered log lines.
  public func hints(for task: ReplicationTask) -> [Hint] {
    TriageHints.hints(for: task, logLines: logEntries(for: task))
  }
}
