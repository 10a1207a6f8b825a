import DMSWatchModel
import DMSWatchRules
import Foundation

/// Which actions DMS accepts for a task's state and type: the menus offer only these, and anything else
/// is refused with a clear message before any dialog opens.
public enum TaskActions {
  /// Statuses in which a task is busy changing state: nothing can be started or stopped by hand.
  static let busy: Set<String> = [
    TaskStatus.starting, TaskStatus.stopping, TaskStatus.creating, TaskStatus.modifying, "deleting", "moving",
    "testing",
  ]

  /// Start types for the start menu, in menu order. A task that never ran gets start-replication only;
  /// afterwards resume-processing (first: it keeps the CDC checkpoint) or reload-target. Empty while
  /// running or busy. Serverless replications use `ServerlessJoin.allowedStartTypes`.
  public static func startTypes(for t: ReplicationTask) -> [StartTaskType] {
    if t.kind == .serverless { return ServerlessJoin.allowedStartTypes(t) }
    switch t.status {
    case TaskStatus.ready:
      // Created and never started (DMS reports "ready" until the first start).
      return t.startDate == nil && t.stats?.startDate == nil ? [.startReplication] : [.resumeProcessing, .reloadTarget]
    case TaskStatus.stopped, TaskStatus.failed:
      return [.resumeProcessing, .reloadTarget]
    default:
      return []
    }
  }

  /// One line of the start menu: a start type, or "start CDC from a position or time…" (a dialog).
  public enum StartChoice: Sendable, Equatable {
    case type(StartTaskType)
    case cdcFromPoint
  }

  /// The start menu: the start types, then the CDC start point for a CDC-only task that may start
  /// (DMS: a CDC-only task starts from a chosen point with start-replication and CdcStartPosition/Time).
  public static func startChoices(for t: ReplicationTask) -> [StartChoice] {
    let types = startTypes(for: t).map(StartChoice.type)
    return types + (offersCdcStartPoint(t) ? [.cdcFromPoint] : [])
  }

  /// CDC-only provisioned tasks that are ready, stopped or failed.
  public static func offersCdcStartPoint(_ t: ReplicationTask) -> Bool {
    t.kind != .serverless && t.migration == .cdc && [TaskStatus.ready, TaskStatus.stopped, TaskStatus.failed].contains(t.status)
  }

  /// Why the start menu does not open for `t`, or nil when it offers something.
  public static func startRefusal(_ t: ReplicationTask) -> String? {
    guard startChoices(for: t).isEmpty else { return nil }
    if t.status == TaskStatus.running { return "\(t.identifier) is running: nothing to start" }
    if t.serverless?.isReadOnly == true { return "\(t.identifier) is read-only (zero-ETL integration): no actions" }
    return "\(t.identifier) is \(t.status): it cannot be started now"
  }

  /// Stop is offered while the task runs or is starting.
  public static func stopRefusal(_ t: ReplicationTask) -> String? {
    if t.kind == .serverless {
      return ServerlessJoin.canStop(t) ? nil : "\(t.identifier) is \(t.status): nothing to stop"
    }
    return t.status == TaskStatus.running || t.status == TaskStatus.starting
      ? nil : "\(t.identifier) is \(t.status): nothing to stop"
  }

  /// Table reloads (data or validate-only) are accepted only while the task runs.
  public static func reloadRefusal(_ t: ReplicationTask, what: String) -> String? {
    if t.kind == .serverless, t.serverless?.isReadOnly == true {
      return "\(t.identifier) is read-only (zero-ETL integration): no actions"
    }
    return t.status == TaskStatus.running ? nil : "\(t.identifier) is \(t.status): \(what) only while the task is running"
  }

  /// Why `v` must not revalidate: validation is not enabled on any loaded table (nil when it is, or unknown).
  public static func validationRefusal(_ t: ReplicationTask, tables: TaskTables?) -> String? {
    guard let tables, tables.isChecked, !tables.tables.isEmpty else { return nil }
    // Only when DMS says so on every table: an absent state is unknown, not "off".
    let off = tables.tables.allSatisfy { $0.validationState == ValidationState.notEnabled }
    return !off ? nil : "validation is not enabled for \(t.identifier) (task settings ValidationSettings.EnableValidation): nothing to revalidate"
  }
}
