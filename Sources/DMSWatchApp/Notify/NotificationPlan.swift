import DMSWatchModel
import Foundation
import DMSWatchReports
import DMSWatchRules

/// Decides what goes to which target, from a check report or from the gate's notices. Pure: the
/// bodies come from the model's `NotificationPayloads`.
public enum NotificationPlan {
  /// Findings at or above this make a task worth a json/slack/SNS message in `check`.
  public static let checkMinSeverity = Severity.warn

  /// `check`: one notification per task per run and target.
  /// - compat webhooks: `NotificationPayloads.compat` for every task (`_dms_no_issues` included, as the
  ///   scheduled scripts did; a task with both MISSING and DUPLICATE gets both payloads; nothing when its
  ///   table statistics are unknown).
  /// - json, slack and SNS: only tasks with a finding at warn or above; the message is about the worst
  ///   finding, its text ends with `(+N more findings)` when there are more, plus the task's readiness.
  public static func forCheck(_ report: CheckReport, targets: [NotificationTarget]) -> [OutgoingNotification] {
    var out: [OutgoingNotification] = []
    for t in report.tasks {
      let notice = worstNotice(t, time: report.generatedAt)
      for target in targets {
        switch target {
        case .webhook(_, .compat):
          for body in NotificationPayloads.compat(task: t.identifier, findings: t.findings) {
            out.append(OutgoingNotification(target: target, payload: .body(body), task: t.identifier))
          }
        case .webhook(_, .json):
          if let notice {
            out.append(OutgoingNotification(
              target: target, payload: .body(NotificationPayloads.genericJSON(notice, readiness: t.readiness)), task: t.identifier))
          }
        case .webhook(_, .slack):
          if let notice {
            out.append(OutgoingNotification(
              target: target, payload: .body(NotificationPayloads.slack(notice, readiness: t.readiness)), task: t.identifier))
          }
        case .sns:
          if let notice {
            out.append(OutgoingNotification(
              target: target, payload: .sns(NotificationPayloads.sns(notice, readiness: t.readiness)), task: t.identifier))
          }
        }
      }
    }
    return out
  }

  /// The notice `check` sends for one task: its worst finding (warn or above), nil when it has none.
  public static func worstNotice(_ t: CheckReport.TaskReport, time: Date) -> Notice? {
    let relevant = t.findings.filter { $0.severity >= checkMinSeverity }
    guard var worst = relevant.max(by: { $0.severity < $1.severity }) else { return nil }
    // Findings are sorted worst first: take the first of the worst severity.
    if let first = relevant.first(where: { $0.severity == worst.severity }) { worst = first }
    let more = t.findings.count - 1
    if more > 0 { worst.message += " (+\(more) more finding\(more == 1 ? "" : "s"))" }
    return Notice(kind: .opened, finding: worst, time: time)
  }

  /// The dashboard: one message per notice for json, slack and SNS targets; compat targets get the
  /// task's compat payloads (computed from all its current findings) when a MISSING or DUPLICATE finding
  /// opened or resolved.
  public static func forNotices(
    _ notices: [Notice], findings: [Finding], readiness: [String: Readiness] = [:], targets: [NotificationTarget]
  ) -> [OutgoingNotification] {
    var out: [OutgoingNotification] = []
    let compatEvents: Set<String> = [FindingEvent.tableMissing, FindingEvent.tableDuplicate]
    // Per task identity (scope, ARN): two tasks of one name in two regions get their own payloads,
    // each judged on its own findings only.
    var compatTasks: [(key: String, name: String)] = []
    for n in notices where compatEvents.contains(n.finding.event) {
      let key = n.finding.taskArn ?? n.finding.task
      if !compatTasks.contains(where: { $0.key == key }) { compatTasks.append((key, n.finding.task)) }
    }
    for target in targets {
      switch target {
      case .webhook(_, .compat):
        for task in compatTasks {
          let mine = findings.filter { ($0.taskArn ?? $0.task) == task.key }
          for body in NotificationPayloads.compat(task: task.name, findings: mine) {
            out.append(OutgoingNotification(target: target, payload: .body(body), task: task.name))
          }
        }
      case .webhook(_, .json):
        for n in notices {
          out.append(OutgoingNotification(
            target: target, payload: .body(NotificationPayloads.genericJSON(n, readiness: readiness[n.finding.task])),
            task: n.finding.task))
        }
      case .webhook(_, .slack):
        for n in notices {
          out.append(OutgoingNotification(
            target: target, payload: .body(NotificationPayloads.slack(n, readiness: readiness[n.finding.task])), task: n.finding.task))
        }
      case .sns:
        for n in notices {
          out.append(OutgoingNotification(
            target: target, payload: .sns(NotificationPayloads.sns(n, readiness: readiness[n.finding.task])), task: n.finding.task))
        }
      }
    }
    return out
  }
}
