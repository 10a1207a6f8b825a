import TestKit
import AWSClient
import DMSWatchApp
import DMSWatchModel
import Foundation

/// A scriptable service for CheckRunner tests: pages, scripted errors per operation, recorded calls.
final class CheckFakeService: DMSService, MetricsService, LogsService, @unchecked Sendable {
  private let lock = NSLock()
  var tasks: [ReplicationTask] = []
  var tables: [String: [TableStatistics]] = [:]
  var instances = [ReplicationInstance(identifier: "ri-1", arn: "arn:aws:dms:us-east-1:1:rep:RI1")]
  var events: [DMSEvent] = []
  var logLines: [LogEvent] = []
  var logError: ServiceError?
  /// Errors thrown by the next calls of an operation, in order.
  var errors: [String: [ServiceError]] = [:]
  /// Errors thrown by every call of an operation for these task ARNs.
  var tableErrors: [String: ServiceError] = [:]
  private(set) var calls: [String] = []
  private(set) var metricBatches: [Int] = []
  private(set) var reloads: [(arn: String, tables: [TableRef], option: ReloadOption)] = []
  var tablePageSize = 500

  init(taskCount: Int, tablesPerTask: Int = 1) {
    let ri = "arn:aws:dms:us-east-1:1:rep:RI1"
    tasks = (0..<taskCount).map { i in
      ReplicationTask(
        identifier: "task-\(i)", arn: "arn:aws:dms:us-east-1:1:task:RES\(i)", status: "running", migrationType: "full-load-and-cdc",
        replicationInstanceArn: ri)
    }
    for t in tasks {
      tables[t.arn] = (0..<tablesPerTask).map { Self.healthyTable("t\($0)") }
    }
  }

  static func healthyTable(_ name: String, schema: String = "public") -> TableStatistics {
    var s = TableStatistics(schemaName: schema, tableName: name)
    s.inserts = 10
    s.appliedInserts = 10
    s.updates = 0
    s.appliedUpdates = 0
    s.deletes = 0
    s.appliedDeletes = 0
    s.tableState = TableState.completed
    s.validationState = ValidationState.validated
    s.validationFailedRecords = 0
    s.validationPendingRecords = 0
    s.validationSuspendedRecords = 0
    return s
  }

  private func record(_ op: String) throws {
    try lock.withLock {
      calls.append(op)
      if var list = errors[op], !list.isEmpty {
        let e = list.removeFirst()
        errors[op] = list
        throw e
      }
    }
  }

  func count(_ op: String) -> Int { lock.withLock { calls.filter { $0 == op }.count } }

  func describeReplicationTasks(marker: String?, maxRecords: Int) async throws -> Page<ReplicationTask> {
    try record("DescribeReplicationTasks")
    let start = Int(marker ?? "0") ?? 0
    let end = min(tasks.count, start + maxRecords)
    return Page(items: Array(tasks[start..<end]), marker: end < tasks.count ? String(end) : nil)
  }

  func describeTableStatistics(taskArn: String, marker: String?, maxRecords: Int) async throws -> Page<TableStatistics> {
    try record("DescribeTableStatistics")
    if let e = lock.withLock({ tableErrors[taskArn] }) { throw e }
    guard let all = lock.withLock({ tables[taskArn] }) else {
      throw ServiceError(kind: .notFound, code: "ResourceNotFoundFault", message: "Replication task could not be found.")
    }
    let size = min(maxRecords, tablePageSize)
    let start = Int(marker ?? "0") ?? 0
    let end = min(all.count, start + size)
    return Page(items: Array(all[start..<end]), marker: end < all.count ? String(end) : nil)
  }

  func describeEvents(since: Date, marker: String?, maxRecords: Int) async throws -> Page<DMSEvent> {
    try record("DescribeEvents")
    return Page(items: events.filter { $0.date >= since }, marker: nil)
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
    throw ServiceError(kind: .client, code: "NotSupported", message: "check never starts tasks")
  }

  func stopReplicationTask(arn: String) async throws -> ReplicationTask {
    try record("StopReplicationTask")
    throw ServiceError(kind: .client, code: "NotSupported", message: "check never stops tasks")
  }

  func reloadTables(arn: String, tables refs: [TableRef], option: ReloadOption) async throws {
    try record("ReloadTables")
    lock.withLock {
      reloads.append((arn, refs, option))
      // Validation finishes at once: the next describe shows Validated.
      if var list = tables[arn] {
        for i in list.indices where refs.contains(list[i].ref) {
          list[i].validationState = ValidationState.validated
          list[i].validationPendingRecords = 0
        }
        tables[arn] = list
      }
    }
  }

  func listMetrics(namespace: String, metricName: String) async throws -> [[String: String]] {
    try record("ListMetrics")
    return []
  }
  func getMetricData(queries: [MetricQuery], start: Date, end: Date, period: Int) async throws -> [MetricResult] {
    try record("GetMetricData")
    lock.withLock { metricBatches.append(queries.count) }
    if queries.count > 500 {
      throw ServiceError(kind: .client, code: "ValidationError", message: "too many queries")
    }
    return queries.map { q in
      let v: (Double, Double)
      switch q.metricName {
      case DMSMetric.cdcLatencySource: v = (2, 3)
      case DMSMetric.cdcLatencyTarget: v = (1, 1)
      case DMSMetric.cdcIncomingChanges: v = (0, 0)
      default: v = (100, 100)
      }
      return MetricResult(id: q.id, points: [
        SeriesPoint(time: end.addingTimeInterval(-120), value: v.0), SeriesPoint(time: end.addingTimeInterval(-60), value: v.1),
      ])
    }
  }

  func getLogEvents(group: String, stream: String, startTime: Date?, nextToken: String?, limit: Int) async throws -> LogEventsPage {
    try record("GetLogEvents")
    if let e = logError { throw e }
    let start = Int(nextToken ?? "0") ?? 0
    let page = Array(logLines.dropFirst(start).prefix(limit))
    return LogEventsPage(events: page, nextForwardToken: String(start + page.count))
  }
}

/// Records HTTP requests and answers from a script (last answer repeats).
final class RecordingTransport: HTTPTransport, @unchecked Sendable {
  enum Answer {
    case status(Int, String)
    case error(ServiceError)
  }
  private let lock = NSLock()
  private var script: [Answer]
  private(set) var requests: [HTTPRequest] = []

  init(_ script: [Answer] = [.status(200, "ok")]) { self.script = script }

  var bodies: [String] { lock.withLock { requests.map { String(decoding: $0.body, as: UTF8.self) } } }

  func send(_ req: HTTPRequest) async throws -> HTTPResponse {
    let answer: Answer = lock.withLock {
      requests.append(req)
      return script.count > 1 ? script.removeFirst() : (script.first ?? .status(200, "ok"))
    }
    switch answer {
    case .status(let s, let body): return HTTPResponse(status: s, body: Data(body.utf8))
    case .error(let e): throw e
    }
  }
}

/// Records SNS publishes; fails with the scripted errors first.
final class RecordingSNS: SNSPublisher, @unchecked Sendable {
  private let lock = NSLock()
  var failures: [ServiceError] = []
  private(set) var published: [(topic: String, subject: String?, message: String)] = []

  func publish(topicArn: String, subject: String?, message: String) async throws -> String {
    try lock.withLock {
      if !failures.isEmpty { throw failures.removeFirst() }
      published.append((topicArn, subject, message))
      return "msg-\(published.count)"
    }
  }
}

/// Records sleeps and (optionally) advances a manual clock by them.
final class SleepRecorder: @unchecked Sendable {
  private let lock = NSLock()
  private(set) var sleeps: [TimeInterval] = []
  let clock: ManualClock?
  init(clock: ManualClock? = nil) { self.clock = clock }

  var sleeper: Sleeper {
    { [self] s in
      lock.withLock { sleeps.append(s) }
      clock?.advance(s)
    }
  }
}

/// Collects log lines.
final class LineCollector: @unchecked Sendable {
  private let lock = NSLock()
  private(set) var lines: [String] = []
  var sink: @Sendable (String) -> Void { { [self] l in lock.withLock { lines.append(l) } } }
}
