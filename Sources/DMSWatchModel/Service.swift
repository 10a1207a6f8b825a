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
  public init(name: String, value: String) {
    self.name = name
    self.value = value
  }
}

/// A CloudWatch metric query for one task (GetMetricData MetricStat). A provisioned task's query names
/// its instance and task resource id; a serverless one gives its dimensions explicitly
/// (`init(id:metricName:dimensions:)`, the dimension discovered with ListMetrics).
public struct MetricQuery: Sendable, Hashable, Codable {
  public var id: String
  public var metricName: String
  public var instanceIdentifier: String
  public var taskResourceId: String
  public var stat: String
  /// When set, these dimensions are sent instead of ReplicationInstanceIdentifier + ReplicationTaskIdentifier.
  public var explicitDimensions: [MetricDimension]?
  public init(id: String, metricName: String, instanceIdentifier: String, taskResourceId: String, stat: String = "Average") {
    self.id = id
    self.metricName = metricName
    self.instanceIdentifier = instanceIdentifier
    self.taskResourceId = taskResourceId
    self.stat = stat
  }
  public init(id: String, metricName: String, dimensions: [MetricDimension], stat: String = "Average") {
    self.id = id
    self.metricName = metricName
    self.instanceIdentifier = ""
    self.taskResourceId = ""
    self.stat = stat
    self.explicitDimensions = dimensions
  }

  /// The dimensions GetMetricData is asked for.
  public var dimensions: [MetricDimension] {
    explicitDimensions ?? [
      MetricDimension(name: "ReplicationInstanceIdentifier", value: instanceIdentifier),
      MetricDimension(name: "ReplicationTaskIdentifier", value: taskResourceId),
    ]
  }
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
  func describeTableStatistics(taskArn: String, marker: String?, maxRecords: Int) async throws -> Page<TableStatistics>
  func describeEvents(since: Date, marker: String?, maxRecords: Int) async throws -> Page<DMSEvent>
  func describeReplicationInstances(marker: String?) async throws -> Page<ReplicationInstance>
  func describeEndpoints(marker: String?) async throws -> Page<Endpoint>
  func startReplicationTask(arn: String, type: StartTaskType) async throws -> ReplicationTask
  func stopReplicationTask(arn: String) async throws -> ReplicationTask
  func reloadTables(arn: String, tables: [TableRef], option: ReloadOption) async throws
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

/// The three services a dashboard needs, plus a label for the header.
public struct ServiceBundle: Sendable {
  public var dms: any DMSService
  public var metrics: any MetricsService
  public var logs: any LogsService
  /// DMS Serverless (same endpoint and budget as `dms`); nil where a backend has none (test fakes).
  public var serverless: (any DMSServerlessService)?
  public var sourceLabel: String
  public init(
    dms: any DMSService, metrics: any MetricsService, logs: any LogsService, sourceLabel: String,
    serverless: (any DMSServerlessService)? = nil
  ) {
    self.dms = dms
    self.metrics = metrics
    self.logs = logs
    self.sourceLabel = sourceLabel
    self.serverless = serverless
  }
}

extension DMSService {
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

/// A clock tests move by hand.
public final class ManualClock: Clock, @unchecked Sendable {
  private let lock = NSLock()
  private var current: Date
  public init(_ start: Date = Date(timeIntervalSince1970: 1_790_000_000)) { current = start }
  public func now() -> Date { lock.withLock { current } }
  public func advance(_ seconds: TimeInterval) { lock.withLock { current = current.addingTimeInterval(seconds) } }
  public func set(_ date: Date) { lock.withLock { current = date } }
}
