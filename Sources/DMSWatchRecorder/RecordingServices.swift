import DMSWatchModel
import Foundation
import DMSWatchReports

/// Bodies of the recorded responses (the `Page` of the service interface is not Codable).
public struct RecordedPage<Item: Codable & Sendable>: Codable, Sendable {
  public var items: [Item]
  public var marker: String?
  public init(items: [Item], marker: String?) {
    self.items = items
    self.marker = marker
  }
  public init(_ p: Page<Item>) { self.init(items: p.items, marker: p.marker) }
  public var page: Page<Item> { Page(items: items, marker: marker) }
}

public struct RecordedEvents: Codable, Sendable {
  public var since: Date
  public var items: [DMSEvent]
  public var marker: String?
}

public struct RecordedMetrics: Codable, Sendable {
  public var queries: [MetricQuery]
  public var start: Date
  public var end: Date
  public var period: Int
  public var results: [MetricResult]
}

public struct RecordedLogPage: Codable, Sendable {
  public var group: String
  public var stream: String
  public var start: Date?
  public var events: [LogEvent]
  public var next: String?
}

public struct RecordedAction: Codable, Sendable {
  public var task: ReplicationTask?
  public var tables: [TableRef]?
}

/// Operation names used in the file (the AWS names; backend calls are prefixed with `list:` /
/// `tables:` and the backend's listing operation).
public enum RecordedOp {
  public static let tasks = "DescribeReplicationTasks"
  public static let tables = "DescribeTableStatistics"
  public static let events = "DescribeEvents"
  public static let instances = "DescribeReplicationInstances"
  public static let endpoints = "DescribeEndpoints"
  public static let metrics = "GetMetricData"
  public static let listMetrics = "ListMetrics"
  public static let logs = "GetLogEvents"
  public static let start = "StartReplicationTask"
  public static let stop = "StopReplicationTask"
  public static let reload = "ReloadTables"
  public static func list(_ backendOp: String) -> String { "list:\(backendOp)" }
  public static func backendTables(_ backendOp: String) -> String { "tables:\(backendOp)" }
  public static func marker(_ m: String?) -> String { "marker=\(m ?? "")" }
}

/// Runs a call, records its response or error with the time it was sent, and returns it unchanged.
func recorded<T: Sendable, B: Encodable & Sendable>(
  _ r: Recorder, _ clock: any DMSWatchModel.Clock, _ scope: ScopeID, _ op: String, _ q: String,
  body: @escaping @Sendable (T) -> B, _ call: () async throws -> T
) async throws -> T {
  let started = clock.now()
  do {
    let v = try await call()
    r.response(scope: scope, op: op, request: q, started: started, value: body(v))
    return v
  } catch {
    r.failure(scope: scope, op: op, request: q, started: started, error: error)
    throw error
  }
}

public struct RecordingDMS: DMSService {
  public let inner: any DMSService
  let r: Recorder
  let clock: any DMSWatchModel.Clock
  let scope: ScopeID

  public func describeReplicationTasks(marker: String?, maxRecords: Int) async throws -> Page<ReplicationTask> {
    try await recorded(r, clock, scope, RecordedOp.tasks, RecordedOp.marker(marker), body: { RecordedPage($0) }) {
      try await inner.describeReplicationTasks(marker: marker, maxRecords: maxRecords)
    }
  }
  public func describeTableStatistics(taskArn: String, marker: String?, maxRecords: Int) async throws -> Page<TableStatistics> {
    try await recorded(r, clock, scope, RecordedOp.tables, "task=\(taskArn)&\(RecordedOp.marker(marker))", body: { RecordedPage($0) }) {
      try await inner.describeTableStatistics(taskArn: taskArn, marker: marker, maxRecords: maxRecords)
    }
  }
  public func describeEvents(since: Date, marker: String?, maxRecords: Int) async throws -> Page<DMSEvent> {
    try await recorded(
      r, clock, scope, RecordedOp.events, RecordedOp.marker(marker),
      body: { RecordedEvents(since: since, items: $0.items.map(Self.redacted), marker: $0.marker) }
    ) {
      try await inner.describeEvents(since: since, marker: marker, maxRecords: maxRecords)
    }
  }
  static func redacted(_ e: DMSEvent) -> DMSEvent {
    var e = e
    e.message = Redact.text(e.message)
    return e
  }
  public func describeReplicationInstances(marker: String?) async throws -> Page<ReplicationInstance> {
    try await recorded(r, clock, scope, RecordedOp.instances, RecordedOp.marker(marker), body: { RecordedPage($0) }) {
      try await inner.describeReplicationInstances(marker: marker)
    }
  }
  public func describeEndpoints(marker: String?) async throws -> Page<Endpoint> {
    try await recorded(r, clock, scope, RecordedOp.endpoints, RecordedOp.marker(marker), body: { RecordedPage($0) }) {
      try await inner.describeEndpoints(marker: marker)
    }
  }
  public func startReplicationTask(arn: String, type: StartTaskType, from: CdcStartPoint?) async throws -> ReplicationTask {
    try await recorded(r, clock, scope, RecordedOp.start, "task=\(arn)&type=\(type.rawValue)", body: { RecordedAction(task: $0) }) {
      try await inner.startReplicationTask(arn: arn, type: type, from: from)
    }
  }
  public func stopReplicationTask(arn: String) async throws -> ReplicationTask {
    try await recorded(r, clock, scope, RecordedOp.stop, "task=\(arn)", body: { RecordedAction(task: $0) }) {
      try await inner.stopReplicationTask(arn: arn)
    }
  }
  public func reloadTables(arn: String, tables: [TableRef], option: ReloadOption) async throws {
    try await recorded(r, clock, scope, RecordedOp.reload, "task=\(arn)&option=\(option.rawValue)", body: { _ in RecordedAction(tables: tables) }) {
      try await inner.reloadTables(arn: arn, tables: tables, option: option)
    }
  }
  // Connection tests pass through unrecorded: the replay refuses actions, and their result is in the
  // recorded audit line and status message.
  public func testEndpointConnection(instanceArn: String, endpointArn: String) async throws -> EndpointConnection {
    try await inner.testEndpointConnection(instanceArn: instanceArn, endpointArn: endpointArn)
  }
  public func describeEndpointConnections(endpointArns: [String]) async throws -> [EndpointConnection] {
    try await inner.describeEndpointConnections(endpointArns: endpointArns)
  }
  public func rawTaskJSON(arn: String) async throws -> String? { try await inner.rawTaskJSON(arn: arn) }
  public func rawTableJSON(taskArn: String, table: TableRef) async throws -> String? {
    try await inner.rawTableJSON(taskArn: taskArn, table: table)
  }
}

public struct RecordingMetrics: MetricsService {
  public let inner: any MetricsService
  let r: Recorder
  let clock: any DMSWatchModel.Clock
  let scope: ScopeID

  public func getMetricData(queries: [MetricQuery], start: Date, end: Date, period: Int) async throws -> [MetricResult] {
    try await recorded(
      r, clock, scope, RecordedOp.metrics, "",
      body: { RecordedMetrics(queries: queries, start: start, end: end, period: period, results: $0) }
    ) {
      try await inner.getMetricData(queries: queries, start: start, end: end, period: period)
    }
  }
  public func listMetrics(namespace: String, metricName: String) async throws -> [[String: String]] {
    try await recorded(r, clock, scope, RecordedOp.listMetrics, "\(namespace)|\(metricName)", body: { $0 }) {
      try await inner.listMetrics(namespace: namespace, metricName: metricName)
    }
  }
}

public struct RecordingLogs: LogsService {
  public let inner: any LogsService
  let r: Recorder
  let clock: any DMSWatchModel.Clock
  let scope: ScopeID

  public func getLogEvents(group: String, stream: String, startTime: Date?, nextToken: String?, limit: Int) async throws -> LogEventsPage {
    try await recorded(
      r, clock, scope, RecordedOp.logs, "\(group)|\(stream)|\(nextToken ?? "")",
      body: {
        RecordedLogPage(
          group: group, stream: stream, start: startTime,
          events: $0.events.map { LogEvent(timestamp: $0.timestamp, message: Redact.text($0.message)) }, next: $0.nextForwardToken)
      }
    ) {
      try await inner.getLogEvents(group: group, stream: stream, startTime: startTime, nextToken: nextToken, limit: limit)
    }
  }
}

/// A recording backend around any backend: its listing and table statistics are recorded under
/// `list:<op>` / `tables:<op>`; names, queries and streams come from the backend itself.
public struct RecordingBackend: ReplicationBackend {
  public let inner: any ReplicationBackend
  let r: Recorder
  let clock: any DMSWatchModel.Clock
  let scope: ScopeID

  public var listOperation: String { inner.listOperation }
  public func owns(_ task: ReplicationTask) -> Bool { inner.owns(task) }
  public func listPage(marker: String?) async throws -> Page<ReplicationTask> {
    try await recorded(r, clock, scope, RecordedOp.list(inner.listOperation), RecordedOp.marker(marker), body: { RecordedPage($0) }) {
      try await inner.listPage(marker: marker)
    }
  }
  public func tableStatisticsPage(task: ReplicationTask, marker: String?) async throws -> Page<TableStatistics> {
    try await recorded(
      r, clock, scope, RecordedOp.backendTables(inner.listOperation), "task=\(task.arn)&\(RecordedOp.marker(marker))",
      body: { RecordedPage($0) }
    ) {
      try await inner.tableStatisticsPage(task: task, marker: marker)
    }
  }
  public func metricQueries(for task: ReplicationTask, inventory: Inventory, idPrefix: String) -> [TaskMetricQuery]? {
    inner.metricQueries(for: task, inventory: inventory, idPrefix: idPrefix)
  }
  public func logStream(for task: ReplicationTask, inventory: Inventory) -> LogStreamRef? {
    inner.logStream(for: task, inventory: inventory)
  }
  public func start(_ task: ReplicationTask, type: StartTaskType, from: CdcStartPoint?) async throws {
    try await recorded(r, clock, scope, "start:\(inner.listOperation)", "task=\(task.arn)&type=\(type.rawValue)\(from.map { "&cdc=\($0.summary)" } ?? "")", body: { _ in RecordedAction() }) {
      try await inner.start(task, type: type, from: from)
    }
  }
  public func stop(_ task: ReplicationTask) async throws {
    try await recorded(r, clock, scope, "stop:\(inner.listOperation)", "task=\(task.arn)", body: { _ in RecordedAction() }) {
      try await inner.stop(task)
    }
  }
  public func reload(_ task: ReplicationTask, tables: [TableRef], option: ReloadOption) async throws {
    try await recorded(
      r, clock, scope, "reload:\(inner.listOperation)", "task=\(task.arn)&option=\(option.rawValue)", body: { _ in RecordedAction(tables: tables) }
    ) {
      try await inner.reload(task, tables: tables, option: option)
    }
  }
}

extension ServiceBundle {
  /// The same services, every response recorded into `recorder` with this scope and the clock's time.
  /// The scope's identity and label are recorded first.
  public func recording(into recorder: Recorder, clock: any DMSWatchModel.Clock) -> ServiceBundle {
    let id = scope.id
    recorder.scope(scope, label: sourceLabel, backends: backends.map(\.listOperation))
    return ServiceBundle(
      dms: RecordingDMS(inner: dms, r: recorder, clock: clock, scope: id),
      metrics: RecordingMetrics(inner: metrics, r: recorder, clock: clock, scope: id),
      logs: RecordingLogs(inner: logs, r: recorder, clock: clock, scope: id),
      sourceLabel: sourceLabel, scope: scope,
      backends: backends.map { RecordingBackend(inner: $0, r: recorder, clock: clock, scope: id) })
  }
}
