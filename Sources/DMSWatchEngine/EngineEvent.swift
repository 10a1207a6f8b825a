import DMSWatchModel
import DMSWatchRules
import Foundation

/// What a scope's engine publishes. Table statistics arrive with their rules already judged
/// (`TaskTables`), so the screen, `check` and notifications use one evaluation.
public enum EngineEvent: Sendable {
  case tasksLoaded(ScopeID, [ReplicationTask], at: Date)
  /// Rows of a filtered read (the visible page) that differ from what was published; the rest of the
  /// list stands. `at` is the last full listing's time (the TASKS age).
  case tasksChanged(ScopeID, [ReplicationTask], at: Date)
  case inventoryLoaded(ScopeID, [ReplicationInstance], [Endpoint])
  case tablesLoaded(ScopeID, taskArn: String, TaskTables, at: Date)
  case metricsLoaded(ScopeID, [String: [String: [SeriesPoint]]], at: Date)
  case logLoaded(ScopeID, [LogEntry], at: Date)
  /// The focused task's log stream does not exist (task logging off): a notice, not a failure.
  case logUnavailable(ScopeID, taskArn: String, notice: String, at: Date)
  case eventsLoaded(ScopeID, [LogEntry], at: Date)
  /// A line of the engine's own for LOG (a listing left out); says nothing about any data source's freshness.
  case note(ScopeID, LogEntry)
  case sourceFailed(ScopeID, DataSource, message: String, at: Date, taskArn: String? = nil)
  /// The scope's DMS budget changed (throttled, recovering, recovered).
  case budgetChanged(ScopeID, BudgetStatus)
  /// The scope's identity became known, or the scope failed as a whole (credentials, unreachable).
  case scopeChanged(ScopeInfo, error: String?)

  public var scope: ScopeID {
    switch self {
    case .tasksLoaded(let s, _, _), .tasksChanged(let s, _, _), .inventoryLoaded(let s, _, _), .tablesLoaded(let s, _, _, _), .metricsLoaded(let s, _, _),
      .logLoaded(let s, _, _), .logUnavailable(let s, _, _, _), .eventsLoaded(let s, _, _), .sourceFailed(let s, _, _, _, _),
      .budgetChanged(let s, _), .note(let s, _):
      s
    case .scopeChanged(let info, _): info.id
    }
  }
}
