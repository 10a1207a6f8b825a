import Foundation
import XCTest

@testable import DMSWatchModel
@testable import DMSWatchRules

let t0 = Date(timeIntervalSince1970: 1_790_000_000)

func makeTask(
  _ id: String = "orders", status: String = TaskStatus.running, type: MigrationType = .fullLoadAndCdc,
  stopReason: String? = nil, failure: String? = nil, tablesErrored: Int? = nil
) -> ReplicationTask {
  ReplicationTask(
    identifier: id, arn: "arn:aws:dms:us-east-1:123456789012:task:\(id.uppercased())RES", status: status,
    migrationType: type.rawValue, lastFailureMessage: failure, stopReason: stopReason,
    stats: ReplicationTaskStats(tablesErrored: tablesErrored))
}

/// A table with matching captured/applied counts, completed and validated.
func makeTable(
  _ name: String = "orders", schema: String = "public", inserts: Int64? = 10, updates: Int64? = 5, deletes: Int64? = 1,
  applied: (Int64?, Int64?, Int64?)? = nil, state: String? = TableState.completed, validation: String? = ValidationState.validated,
  failed: Int64? = 0, pending: Int64? = 0, suspended: Int64? = 0
) -> TableStatistics {
  var t = TableStatistics(schemaName: schema, tableName: name)
  t.inserts = inserts
  t.updates = updates
  t.deletes = deletes
  let a = applied ?? (inserts, updates, deletes)
  t.appliedInserts = a.0
  t.appliedUpdates = a.1
  t.appliedDeletes = a.2
  t.tableState = state
  t.validationState = validation
  t.validationFailedRecords = failed
  t.validationPendingRecords = pending
  t.validationSuspendedRecords = suspended
  t.fullLoadErrorRows = 0
  t.fullLoadCondtnlChkFailedRows = 0
  return t
}

func tables(_ list: [TableStatistics]) -> TaskTables { TaskTables(tables: list, loadedAt: t0) }

/// Metrics with one point a minute over the last `minutes` minutes ending at `end`, from closures of the minute index.
func makeMetrics(
  end: Date = t0, minutes: Int = 10, source: ((Int) -> Double)? = { _ in 2 }, target: ((Int) -> Double)? = { _ in 1 },
  throughput: ((Int) -> Double)? = { _ in 100 }, incoming: ((Int) -> Double)? = { _ in 0 }
) -> TaskMetrics {
  var m = TaskMetrics()
  func series(_ f: ((Int) -> Double)?) -> [SeriesPoint] {
    guard let f else { return [] }
    return (0...minutes).map { i in SeriesPoint(time: end.addingTimeInterval(Double(i - minutes) * 60), value: f(i)) }
  }
  m[DMSMetric.cdcLatencySource].merge(series(source))
  m[DMSMetric.cdcLatencyTarget].merge(series(target))
  m[DMSMetric.cdcThroughputRowsTarget].merge(series(throughput))
  m[DMSMetric.cdcIncomingChanges].merge(series(incoming))
  return m
}

func events(_ f: [Finding]) -> [String] { f.map(\.event) }

func logLine(_ text: String, task: String? = "orders", at: Date = t0, severity: LogSeverity = .error) -> LogEntry {
  LogEntry(time: at, source: .log, severity: severity, component: "SOURCE_CAPTURE", text: text, task: task)
}
