import DMSWatchModel
import Foundation
import DMSWatchRules
import DMSWatchState

/// Engine events of the single default scope, for tests that feed the reducer by hand.
extension AppAction {
  public static func tasksLoaded(_ tasks: [ReplicationTask], at: Date, scope: ScopeID = .single) -> AppAction {
    .engine(.tasksLoaded(scope, tasks, at: at))
  }
  public static func tasksChanged(_ rows: [ReplicationTask], at: Date, scope: ScopeID = .single) -> AppAction {
    .engine(.tasksChanged(scope, rows, at: at))
  }
  public static func instancesLoaded(_ i: [ReplicationInstance], _ e: [Endpoint], scope: ScopeID = .single) -> AppAction {
    .engine(.inventoryLoaded(scope, i, e))
  }
  /// Judged by the rules once, as the engine does when the statistics arrive.
  public static func tablesLoaded(taskArn: String, _ list: [TableStatistics], at: Date, scope: ScopeID = .single) -> AppAction {
    .engine(.tablesLoaded(scope, taskArn: taskArn, TaskTables(tables: list, loadedAt: at), at: at))
  }
  public static func metricsLoaded(_ byTask: [String: [String: [SeriesPoint]]], at: Date, scope: ScopeID = .single) -> AppAction {
    .engine(.metricsLoaded(scope, byTask, at: at))
  }
  public static func logLoaded(_ entries: [LogEntry], at: Date, scope: ScopeID = .single) -> AppAction {
    .engine(.logLoaded(scope, entries, at: at))
  }
  public static func logUnavailable(taskArn: String, notice: String, at: Date, scope: ScopeID = .single) -> AppAction {
    .engine(.logUnavailable(scope, taskArn: taskArn, notice: notice, at: at))
  }
  public static func eventsLoaded(_ entries: [LogEntry], at: Date, scope: ScopeID = .single) -> AppAction {
    .engine(.eventsLoaded(scope, entries, at: at))
  }
  public static func sourceFailed(_ s: DataSource, message: String, at: Date, taskArn: String? = nil, scope: ScopeID = .single) -> AppAction {
    .engine(.sourceFailed(scope, s, message: message, at: at, taskArn: taskArn))
  }
  public static func budgetChanged(_ b: BudgetStatus, scope: ScopeID = .single) -> AppAction { .engine(.budgetChanged(scope, b)) }
}
