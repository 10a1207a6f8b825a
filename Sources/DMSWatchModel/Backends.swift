import Foundation

/// A scope's inventory: replication instances and endpoints by ARN.
public struct Inventory: Sendable, Equatable {
  public var instances: [String: ReplicationInstance]
  public var endpoints: [String: Endpoint]
  public init(instances: [String: ReplicationInstance] = [:], endpoints: [String: Endpoint] = [:]) {
    self.instances = instances
    self.endpoints = endpoints
  }
  public init(_ instances: [ReplicationInstance], _ endpoints: [Endpoint]) {
    self.instances = Dictionary(instances.map { ($0.arn, $0) }, uniquingKeysWith: { a, _ in a })
    self.endpoints = Dictionary(endpoints.map { ($0.arn, $0) }, uniquingKeysWith: { a, _ in a })
  }
}

/// A CloudWatch Logs stream.
public struct LogStreamRef: Sendable, Hashable {
  public var group: String
  public var stream: String
  public init(group: String, stream: String) {
    self.group = group
    self.stream = stream
  }
}

/// One metric query of a task and the dmswatch metric name (`DMSMetric`) its points are filed under.
public struct TaskMetricQuery: Sendable, Equatable {
  public var query: MetricQuery
  public var metric: String
  public init(query: MetricQuery, metric: String) {
    self.query = query
    self.metric = metric
  }
}

/// Everything that differs between kinds of replication resource (provisioned tasks, serverless
/// replications): how they are listed, how their table statistics are read, the CloudWatch names
/// and dimensions, the log stream names, and the calls that act on them. The engine polls and acts
/// through this protocol only, so a new kind is a new backend, with no change to the UI.
public protocol ReplicationBackend: Sendable {
  /// The listing operation's name, for messages and budgets (`DescribeReplicationTasks`).
  var listOperation: String { get }
  /// True when `task` is one of this backend's resources.
  func owns(_ task: ReplicationTask) -> Bool
  func listPage(marker: String?) async throws -> Page<ReplicationTask>
  func tableStatisticsPage(task: ReplicationTask, marker: String?) async throws -> Page<TableStatistics>
  /// The current rows of the named tasks in one call; nil when this backend cannot read a subset.
  func listTasks(arns: [String]) async throws -> [ReplicationTask]?
  /// The task's metric queries with ids `prefix0`, `prefix1`, …; nil while the names cannot be known
  /// (e.g. the instance inventory has not loaded).
  func metricQueries(for task: ReplicationTask, inventory: Inventory, idPrefix: String) -> [TaskMetricQuery]?
  /// The task's log stream; nil while it cannot be known.
  func logStream(for task: ReplicationTask, inventory: Inventory) -> LogStreamRef?
  func start(_ task: ReplicationTask, type: StartTaskType) async throws
  func stop(_ task: ReplicationTask) async throws
  func reload(_ task: ReplicationTask, tables: [TableRef], option: ReloadOption) async throws
}

extension ReplicationBackend {
  public func listTasks(arns: [String]) async throws -> [ReplicationTask]? { nil }
}

/// Replication tasks on replication instances.
public struct ProvisionedTaskBackend: ReplicationBackend {
  public let dms: any DMSService
  public init(dms: any DMSService) { self.dms = dms }

  public var listOperation: String { "DescribeReplicationTasks" }
  public func owns(_ task: ReplicationTask) -> Bool { task.replicationInstanceArn != nil || TextSearch.contains(task.arn, ":task:") }

  public func listPage(marker: String?) async throws -> Page<ReplicationTask> {
    try await dms.describeReplicationTasks(marker: marker, maxRecords: 100)
  }
  public func tableStatisticsPage(task: ReplicationTask, marker: String?) async throws -> Page<TableStatistics> {
    try await dms.describeTableStatistics(taskArn: task.arn, marker: marker, maxRecords: 500)
  }
  public func listTasks(arns: [String]) async throws -> [ReplicationTask]? {
    try await dms.describeReplicationTasks(arns: arns)
  }
  public func metricQueries(for task: ReplicationTask, inventory: Inventory, idPrefix: String) -> [TaskMetricQuery]? {
    guard let arn = task.replicationInstanceArn, let instance = inventory.instances[arn]?.identifier else { return nil }
    return DMSMetric.all.enumerated().map { i, m in
      TaskMetricQuery(
        query: MetricQuery(id: "\(idPrefix)\(i)", metricName: m, instanceIdentifier: instance, taskResourceId: task.resourceId),
        metric: m)
    }
  }
  public func logStream(for task: ReplicationTask, inventory: Inventory) -> LogStreamRef? {
    guard let arn = task.replicationInstanceArn, let instance = inventory.instances[arn]?.identifier else { return nil }
    return LogStreamRef(
      group: TaskLogNames.group(instanceIdentifier: instance), stream: TaskLogNames.stream(taskResourceId: task.resourceId))
  }
  public func start(_ task: ReplicationTask, type: StartTaskType) async throws {
    _ = try await dms.startReplicationTask(arn: task.arn, type: type)
  }
  public func stop(_ task: ReplicationTask) async throws {
    _ = try await dms.stopReplicationTask(arn: task.arn)
  }
  public func reload(_ task: ReplicationTask, tables: [TableRef], option: ReloadOption) async throws {
    try await dms.reloadTables(arn: task.arn, tables: tables, option: option)
  }
}
