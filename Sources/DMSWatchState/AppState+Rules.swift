import Foundation
import DMSWatchModel
import DMSWatchRules

/// The rules' results as the view components ask for them: the fleet store's verdicts at the state's clock.
extension AppState {
  /// Log lines and events of one task currently in the LOG buffer, oldest first.
  public func logEntries(for task: ReplicationTask) -> [LogEntry] { fleet.logEntries(for: task) }

  /// The newest error lines of one task.
  public func errorLines(of task: ReplicationTask) -> [LogEntry] { fleet.errorLines(of: task) }

  /// Findings of one task from what the dashboard holds, judged with the fleet's `ruleConfig`.
  public func findings(for task: ReplicationTask) -> [Finding] { fleet.findings(for: task, now: now) }

  /// Findings of one task from what the dashboard holds, judged with `config`.
  public func findings(for task: ReplicationTask, config: RuleConfig) -> [Finding] {
    fleet.findings(for: task, now: now, config: config)
  }

  /// Findings of every task, for `NotificationGate.update(findings:now:)`.
  public func allFindings() -> [Finding] { allFindings(config: fleet.ruleConfig) }

  public func allFindings(config: RuleConfig) -> [Finding] {
    fleet.tasks.flatMap { findings(for: $0, config: config) }
  }

  /// Cutover readiness of one task, judged with the fleet's `ruleConfig`.
  public func readiness(for task: ReplicationTask) -> Readiness { fleet.readiness(for: task, now: now, config: fleet.ruleConfig) }

  /// Cutover readiness of one task from what the dashboard holds.
  public func readiness(for task: ReplicationTask, config: RuleConfig) -> Readiness {
    fleet.readiness(for: task, now: now, config: config)
  }

  /// Triage hints of one task from its failure message, stop reason and buffered log lines.
  public func hints(for task: ReplicationTask) -> [Hint] {
    TriageHints.hints(for: task, logLines: logEntries(for: task))
  }

  /// Tasks whose table statistics are loaded and whose last load did not fail (the TASKS title's `checked N/M`).
  public func checkedCount<S: Sequence>(of list: S) -> Int where S.Element == ReplicationTask { fleet.checkedCount(of: list) }
  public func checkedCount(atIndices order: [Int]) -> Int { fleet.checkedCount(atIndices: order) }

  /// The oldest statistics load among `shown` tasks: the header's "tables" age.
  public func oldestTablesLoad(of shown: [String]) -> (oldest: Date?, unchecked: Int) { fleet.oldestTablesLoad(of: shown) }
}
