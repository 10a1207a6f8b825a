import Foundation
import DMSWatchRules
import DMSWatchModel

extension CheckReport {
  /// `check --reconcile`: MISMATCH tables become critical findings and every task gains the
  /// `row_counts_match` readiness criterion (unknown for a task that was not reconciled).
  public func addingReconciliation(_ results: [TaskReconciliation]) -> CheckReport {
    let tasks = self.tasks.map { t -> TaskReport in
      let r = results.first { $0.taskArn == t.arn || $0.task == t.identifier }
      var out = TaskReport(
        identifier: t.identifier, arn: t.arn, status: t.status, migrationType: t.migrationType, stopReason: t.stopReason,
        cdcLatencySeconds: t.cdcLatencySeconds, findings: t.findings + (r.map(ReconRules.findings) ?? []),
        readiness: Readiness(
          criteria: t.readiness.criteria.filter { $0.name != ReadinessCriterion.rowCountsMatch } + [Readiness.rowCountsMatch(r)]),
        hints: t.hints, kind: t.kind)
      out.scope = t.scope
      return out
    }
    var report = CheckReport(generatedAt: generatedAt, source: source, tasks: tasks, missingTasks: missingTasks)
    report.scopes = scopes
    return report
  }
}
