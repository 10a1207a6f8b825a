import Foundation

/// What went wrong talking to a service; keeps the AWS error code and message.
public struct ServiceError: Error, Sendable, Equatable, CustomStringConvertible {
  public enum Kind: String, Sendable, Equatable {
    case throttled, notFound, invalidState, accessDenied, credentials, network, timeout, malformed, server, client, unknownOutcome
  }
  public var kind: Kind
  public var code: String
  public var message: String
  public var httpStatus: Int?

  public init(kind: Kind, code: String, message: String, httpStatus: Int? = nil) {
    self.kind = kind
    self.code = code
    self.message = message
    self.httpStatus = httpStatus
  }

  public var description: String { code.isEmpty ? message : "\(code): \(message)" }
  public var isRetryable: Bool { [.throttled, .network, .timeout, .server].contains(kind) }
}

/// One CloudWatch dimension.
public struct MetricDimension: Sendable, Hashable, Codable {
  public var name: String
  public var value: String
  public init(name: String, value: String) { self.init(name, value) }
  public init(_ name: String, _ value: String) {
    self.name = name
    self.value = value
  }
}

/// A CloudWatch metric query (GetMetricData MetricStat). The backend of each kind of replication
/// resource decides the namespace, names and dimensions.
public struct MetricQuery: Sendable, Hashable, Codable {
  public var id: String
  public var namespace: String
  public var metricName: String
  public var dimensions: [MetricDimension]
  public var stat: String
  public init(id: String, namespace: String = "AWS/DMS", metricName: String, dimensions: [MetricDimension], stat: String = "Average") {
    self.id = id
    self.namespace = namespace
    self.metricName = metricName
    self.dimensions = dimensions
    self.stat = stat
  }

  /// A provisioned task's metric: dimensions ReplicationInstanceIdentifier and ReplicationTaskIdentifier.
  public init(id: String, metricName: String, instanceIdentifier: String, taskResourceId: String, stat: String = "Average") {
    self.init(
      id: id, metricName: metricName,
      dimensions: [
        MetricDimension(TaskMetricNames.instanceDimension, instanceIdentifier),
        MetricDimension(TaskMetricNames.taskDimension, taskResourceId),
      ], stat: stat)
  }

  public func dimension(_ name: String) -> String? { dimensions.first { $0.name == name }?.value }
  public var instanceIdentifier: String { dimension(TaskMetricNames.instanceDimension) ?? "" }
  public var taskResourceId: String { dimension(TaskMetricNames.taskDimension) ?? "" }
}

/// CloudWatch dimension names of provisioned tasks.
public enum TaskMetricNames {
  public static let instanceDimension = "ReplicationInstanceIdentifier"
  public static let taskDimension = "ReplicationTaskIdentifier"
}

public struct MetricResult: Sendable, Equatable, Codable {
  public var id: String
  public var label: String?
  /// Points in ascending time order.
  public var points: [SeriesPoint]
  public var statusCode: String?
  public init(id: String, label: String? = nil, points: [SeriesPoint], statusCode: String? = nil) {
    self.id = id
    self.label = label
    self.points = points
    self.statusCode = statusCode
  }
}

public struct SeriesPoint: Sendable, Equatable, Codable {
  public var time: Date
  public var value: Double
  public init(time: Date, value: Double) {
    self.time = time
    self.value = value
  }
}

/// Replication-instance metrics (namespace AWS/DMS, dimension ReplicationInstanceIdentifier only).
/// DMS's guidance: FreeableMemory near zero with rising SwapUsage means the instance is overloaded.
public enum InstanceMetric {
  public static let cpu = "CPUUtilization"
  public static let freeableMemory = "FreeableMemory"
  public static let swapUsage = "SwapUsage"
  public static let freeStorage = "FreeStorageSpace"
  public static let all = [cpu, freeableMemory, swapUsage, freeStorage]

  public static func query(id: String, metric: String, instanceIdentifier: String) -> MetricQuery {
    MetricQuery(id: id, metricName: metric, dimensions: [MetricDimension(TaskMetricNames.instanceDimension, instanceIdentifier)])
  }
}

/// Metric names dmswatch reads (namespace AWS/DMS).
public enum DMSMetric {
  public static let cdcLatencySource = "CDCLatencySource"
  public static let cdcLatencyTarget = "CDCLatencyTarget"
  public static let cdcIncomingChanges = "CDCIncomingChanges"
  public static let cdcThroughputRowsSource = "CDCThroughputRowsSource"
  public static let cdcThroughputRowsTarget = "CDCThroughputRowsTarget"
  public static let fullLoadThroughputRowsTarget = "FullLoadThroughputRowsTarget"
  public static let all = [
    cdcLatencySource, cdcLatencyTarget, cdcIncomingChanges, cdcThroughputRowsSource,
    cdcThroughputRowsTarget, fullLoadThroughputRowsTarget,
  ]
}

public struct LogEventsPage: Sendable {
  public var events: [LogEvent]
  public var nextForwardToken: String?
  public init(events: [LogEvent], nextForwardToken: String?) {
    self.events = events
    self.nextForwardToken = nextForwardToken
  }
}

/// Log group / stream names for a provisioned task.
public enum TaskLogNames {
  public static func group(instanceIdentifier: String) -> String { "dms-tasks-\(instanceIdentifier)" }
  public static func stream(taskResourceId: String) -> String { "dms-task-\(taskResourceId)" }
}

/// The service interface: the simulator and the AWS client are two implementations.
/// Calls mirror the AWS operations one to one so that a call here is a call there
/// (the polling budget counts them).
public protocol DMSService: Sendable {
  func describeReplicationTasks(marker: String?, maxRecords: Int) async throws -> Page<ReplicationTask>
  /// The named tasks only (DescribeReplicationTasks with a `replication-task-arn` filter, one call);
  /// nil when the service cannot filter (then only the full listing refreshes them).
  func describeReplicationTasks(arns: [String]) async throws -> [ReplicationTask]?
  func describeTableStatistics(taskArn: String, marker: String?, maxRecords: Int) async throws -> Page<TableStatistics>
  func describeEvents(since: Date, marker: String?, maxRecords: Int) async throws -> Page<DMSEvent>
  func describeReplicationInstances(marker: String?) async throws -> Page<ReplicationInstance>
  func describeEndpoints(marker: String?) async throws -> Page<Endpoint>
  /// `from`: CdcStartPosition or CdcStartTime (CDC-only tasks).
  func startReplicationTask(arn: String, type: StartTaskType, from: CdcStartPoint?) async throws -> ReplicationTask
  func stopReplicationTask(arn: String) async throws -> ReplicationTask
  func reloadTables(arn: String, tables: [TableRef], option: ReloadOption) async throws
  /// TestConnection (a request DMS acts on: sent once); the result comes from `describeEndpointConnections`.
  func testEndpointConnection(instanceArn: String, endpointArn: String) async throws -> EndpointConnection
  /// DescribeConnections for these endpoints (one call, `endpoint-arn` filter).
  func describeEndpointConnections(endpointArns: [String]) async throws -> [EndpointConnection]
  /// The task as the service returns it (one DescribeReplicationTasks filtered by ARN), as indented JSON
  /// with secret values redacted; nil when the service cannot say (`y`).
  func rawTaskJSON(arn: String) async throws -> String?
  /// One table's statistics as returned (DescribeTableStatistics filtered by schema and table name).
  func rawTableJSON(taskArn: String, table: TableRef) async throws -> String?
}

/// One endpoint's connection test from a replication instance (TestConnection / DescribeConnections).
public struct EndpointConnection: Sendable, Equatable {
  public var instanceArn: String
  public var endpointArn: String
  /// `testing`, `successful`, `failed` or `deleting`.
  public var status: String
  public var lastFailureMessage: String?
  public var endpointIdentifier: String?
  public init(instanceArn: String, endpointArn: String, status: String, lastFailureMessage: String? = nil, endpointIdentifier: String? = nil) {
    self.instanceArn = instanceArn
    self.endpointArn = endpointArn
    self.status = status
    self.lastFailureMessage = lastFailureMessage
    self.endpointIdentifier = endpointIdentifier
  }
}

public protocol MetricsService: Sendable {
  /// GetMetricData for up to 500 queries, period in seconds (multiple of 60).
  func getMetricData(queries: [MetricQuery], start: Date, end: Date, period: Int) async throws -> [MetricResult]
  /// ListMetrics (every page): the dimension sets of the metrics named `metricName` in `namespace`,
  /// each as dimension name → value. Used to discover the (undocumented) DMS Serverless dimension.
  func listMetrics(namespace: String, metricName: String) async throws -> [[String: String]]
}

public protocol LogsService: Sendable {
  /// GetLogEvents (startFromHead) from `nextToken` or, when nil, from `startTime`.
  func getLogEvents(group: String, stream: String, startTime: Date?, nextToken: String?, limit: Int) async throws -> LogEventsPage
}

/// The services of one scope: DMS (inventory, events), CloudWatch, Logs, and one backend per kind of
/// replication resource; plus the scope's identity and a label for the header.
public struct ServiceBundle: Sendable {
  public var dms: any DMSService
  public var metrics: any MetricsService
  public var logs: any LogsService
  /// DMS Serverless (same endpoint and budget as `dms`); nil where a backend has none (test fakes).
  public var serverless: (any DMSServerlessService)?
  public var sourceLabel: String
  public var scope: ScopeInfo
  public var backends: [any ReplicationBackend]
  public init(
    dms: any DMSService, metrics: any MetricsService, logs: any LogsService, sourceLabel: String,
    scope: ScopeInfo = ScopeInfo(id: .single), backends: [any ReplicationBackend]? = nil,
    serverless: (any DMSServerlessService)? = nil
  ) {
    self.dms = dms
    self.metrics = metrics
    self.logs = logs
    self.sourceLabel = sourceLabel
    self.serverless = serverless
    self.scope = scope
    self.backends = backends ?? ([ProvisionedTaskBackend(dms: dms)] + (serverless.map { [ServerlessReplicationBackend(service: $0)] } ?? []))
  }

  /// The backend that owns `task` (the first backend when none claims it).
  public func backend(for task: ReplicationTask) -> (any ReplicationBackend)? {
    backends.first { $0.owns(task) } ?? backends.first
  }
}

extension DMSService {
  public func describeReplicationTasks(arns: [String]) async throws -> [ReplicationTask]? { nil }
  /// StartReplicationTask without a CDC start point.
  public func startReplicationTask(arn: String, type: StartTaskType) async throws -> ReplicationTask {
    try await startReplicationTask(arn: arn, type: type, from: nil)
  }
  public func testEndpointConnection(instanceArn: String, endpointArn: String) async throws -> EndpointConnection {
    throw ServiceError(kind: .client, code: "Unsupported", message: "connection tests are not available from this source")
  }
  public func describeEndpointConnections(endpointArns: [String]) async throws -> [EndpointConnection] {
    throw ServiceError(kind: .client, code: "Unsupported", message: "connection tests are not available from this source")
  }
  public func rawTaskJSON(arn: String) async throws -> String? { nil }
  public func rawTableJSON(taskArn: String, table: TableRef) async throws -> String? { nil }
  /// Every page of DescribeReplicationTasks; stops on a repeated marker.
  public func allReplicationTasks() async throws -> [ReplicationTask] {
    try await collectPages { try await describeReplicationTasks(marker: $0, maxRecords: 100) }
  }
  public func allTableStatistics(taskArn: String) async throws -> [TableStatistics] {
    try await collectPages { try await describeTableStatistics(taskArn: taskArn, marker: $0, maxRecords: 500) }
  }
}

/// Follows markers until none is returned; a marker that repeats is an error, not a loop.
public func collectPages<T: Sendable>(
  maxPages: Int = 10_000, isolation: isolated (any Actor)? = #isolation,
  _ fetch: (String?) async throws -> Page<T>
) async throws -> [T] {
  var out: [T] = []
  var marker: String? = nil
  var seen = Set<String>()
  for _ in 0..<maxPages {
    let page = try await fetch(marker)
    out.append(contentsOf: page.items)
    guard let next = page.marker, !next.isEmpty else { return out }
    if !seen.insert(next).inserted {
      throw ServiceError(kind: .malformed, code: "PaginationLoop", message: "the service returned marker \(next.prefix(32)) twice")
    }
    marker = next
  }
  throw ServiceError(kind: .malformed, code: "PaginationLimit", message: "more than \(maxPages) pages")
}

/// An injectable clock: the simulator, pollers and render take time from here.
public protocol Clock: Sendable {
  func now() -> Date
}

public struct SystemClock: Clock {
  public init() {}
  public func now() -> Date { Date() }
}

/// A sleep that tests replace (e.g. with one that advances a `ManualClock`).
public typealias Sleeper = @Sendable (TimeInterval) async throws -> Void

/// The real sleep.
public let realSleep: Sleeper = { seconds in
  try await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1e9))
}
