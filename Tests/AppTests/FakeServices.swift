import DMSWatchModel
import Foundation

/// A scriptable in-memory service for controller and poller tests.
final class FakeDMS: DMSService, MetricsService, LogsService, @unchecked Sendable {
  private let lock = NSLock()
  var tasks: [ReplicationTask] = []
  var tables: [String: [TableStatistics]] = [:]
  var instances: [ReplicationInstance] = [ReplicationInstance(identifier: "ri-1", arn: "arn:aws:dms:us-east-1:1:rep:RI1")]
  var calls: [String] = []
  var failNext: [String: ServiceError] = [:]
  var logEvents: [LogEvent] = []
  var missingLogGroup = false

  init(taskCount: Int) {
    tasks = (0..<taskCount).map { i in
      ReplicationTask(
        identifier: "task-\(i)", arn: "arn:aws:dms:us-east-1:1:task:RES\(i)", status: "running",
        migrationType: "full-load-and-cdc", replicationInstanceArn: "arn:aws:dms:us-east-1:1:rep:RI1")
    }
    for t in tasks {
      var s = TableStatistics(schemaName: "public", tableName: "orders")
      s.inserts = 10
      s.appliedInserts = 10
      tables[t.arn] = [s]
    }
  }

  private func record(_ op: String) throws {
    try lock.withLock {
      calls.append(op)
      if let e = failNext.removeValue(forKey: op) { throw e }
    }
  }

  func callCount(_ op: String) -> Int { lock.withLock { calls.filter { $0 == op }.count } }

  func describeReplicationTasks(marker: String?, maxRecords: Int) async throws -> Page<ReplicationTask> {
    try record("DescribeReplicationTasks")
    let start = Int(marker ?? "0") ?? 0
    let end = min(tasks.count, start + maxRecords)
    return Page(items: Array(tasks[start..<end]), marker: end < tasks.count ? String(end) : nil)
  }
  func describeTableStatistics(taskArn: String, marker: String?, maxRecords: Int) async throws -> Page<TableStatistics> {
    try record("DescribeTableStatistics")
    guard let t = tables[taskArn] else {
      throw ServiceError(kind: .notFound, code: "ResourceNotFoundFault", message: "Replication task could not be found.")
    }
    return Page(items: t, marker: nil)
  }
  func describeEvents(since: Date, marker: String?, maxRecords: Int) async throws -> Page<DMSEvent> {
    try record("DescribeEvents")
    return Page(items: [], marker: nil)
  }
  func describeReplicationInstances(marker: String?) async throws -> Page<ReplicationInstance> {
    try record("DescribeReplicationInstances")
    return Page(items: instances, marker: nil)
  }
  func describeEndpoints(marker: String?) async throws -> Page<Endpoint> {
    try record("DescribeEndpoints")
    return Page(items: [], marker: nil)
  }
  func startReplicationTask(arn: String, type: StartTaskType, from: CdcStartPoint?) async throws -> ReplicationTask {
    try record("StartReplicationTask")
    return try lock.withLock {
      guard let i = tasks.firstIndex(where: { $0.arn == arn }) else {
        throw ServiceError(kind: .notFound, code: "ResourceNotFoundFault", message: "Replication task could not be found.")
      }
      tasks[i].status = "starting"
      return tasks[i]
    }
  }
  func stopReplicationTask(arn: String) async throws -> ReplicationTask {
    try record("StopReplicationTask")
    return try lock.withLock {
      guard let i = tasks.firstIndex(where: { $0.arn == arn }) else {
        throw ServiceError(kind: .notFound, code: "ResourceNotFoundFault", message: "Replication task could not be found.")
      }
      guard tasks[i].status == "running" else {
        throw ServiceError(kind: .invalidState, code: "InvalidResourceStateFault", message: "Replication task is not running")
      }
      tasks[i].status = "stopping"
      return tasks[i]
    }
  }
  func reloadTables(arn: String, tables: [TableRef], option: ReloadOption) async throws {
    try record("ReloadTables")
  }
  func listMetrics(namespace: String, metricName: String) async throws -> [[String: String]] {
    try record("ListMetrics")
    return []
  }
  func getMetricData(queries: [MetricQuery], start: Date, end: Date, period: Int) async throws -> [MetricResult] {
    try record("GetMetricData")
    return queries.map { q in
      MetricResult(id: q.id, points: [SeriesPoint(time: end, value: q.metricName == DMSMetric.cdcLatencySource ? 3 : 1)])
    }
  }
  func getLogEvents(group: String, stream: String, startTime: Date?, nextToken: String?, limit: Int) async throws -> LogEventsPage {
    try record("GetLogEvents")
    if missingLogGroup {
      throw ServiceError(kind: .notFound, code: "ResourceNotFoundException", message: "The specified log group does not exist.")
    }
    let start = Int(nextToken ?? "0") ?? 0
    let page = Array(logEvents.dropFirst(start))
    return LogEventsPage(events: page, nextForwardToken: String(logEvents.count))
  }
}
