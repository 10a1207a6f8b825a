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

/// A CloudWatch Logs stream, and how its lines read (DMS task log, or a serverless orchestrator's).
public struct LogStreamRef: Sendable, Hashable {
  public enum Format: String, Sendable, Hashable { case dmsTask, orchestrator }
  public var group: String
  public var stream: String
  public var format: Format
  /// Shown instead of an error when the stream does not exist (yet).
  public var missingNotice: String?
  public init(group: String, stream: String, format: Format = .dmsTask, missingNotice: String? = nil) {
    self.group = group
    self.stream = stream
    self.format = format
    self.missingNotice = missingNotice
  }

  /// The LOG-pane entry for one event of this stream.
  public func entry(_ event: LogEvent, task: ReplicationTask) -> LogEntry {
    var e: LogEntry
    switch format {
    case .dmsTask: e = DMSLogParser.parse(event, task: task.identifier)
    case .orchestrator: e = OrchestratorLogParser.entry(event, task: task.identifier)
    }
    e.taskArn = task.arn
    return e
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
  func start(_ task: ReplicationTask, type: StartTaskType, from: CdcStartPoint?) async throws
  func stop(_ task: ReplicationTask) async throws
  func reload(_ task: ReplicationTask, tables: [TableRef], option: ReloadOption) async throws
  /// Every log stream of the task, in reading order (the first is the one whose absence is reported).
  func logStreams(for task: ReplicationTask, inventory: Inventory) -> [LogStreamRef]
  /// Learns what the metric queries need that costs no DMS call (e.g. a dimension name from ListMetrics).
  func prepareMetrics(for tasks: [ReplicationTask], metrics: any MetricsService) async
  /// Why DMS would refuse `command` on `task` in its current state, before anything is sent.
  func refusal(_ command: ServiceCommand, task: ReplicationTask) -> String?
  /// True while the listing is paused after it failed (not offered here): the task list skips it, at no cost.
  var isSuspended: Bool { get }
}

extension ReplicationBackend {
  public func logStreams(for task: ReplicationTask, inventory: Inventory) -> [LogStreamRef] {
    logStream(for: task, inventory: inventory).map { [$0] } ?? []
  }
  public func prepareMetrics(for tasks: [ReplicationTask], metrics: any MetricsService) async {}
  public func refusal(_ command: ServiceCommand, task: ReplicationTask) -> String? { nil }
  public var isSuspended: Bool { false }
}

extension ReplicationBackend {
  public func listTasks(arns: [String]) async throws -> [ReplicationTask]? { nil }
}

/// Replication tasks on replication instances.
public struct ProvisionedTaskBackend: ReplicationBackend {
  public let dms: any DMSService
  public init(dms: any DMSService) { self.dms = dms }

  public var listOperation: String { "DescribeReplicationTasks" }
  public func owns(_ task: ReplicationTask) -> Bool { task.kind == .task }

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
  public func start(_ task: ReplicationTask, type: StartTaskType, from: CdcStartPoint?) async throws {
    _ = try await dms.startReplicationTask(arn: task.arn, type: type, from: from)
  }
  public func stop(_ task: ReplicationTask) async throws {
    _ = try await dms.stopReplicationTask(arn: task.arn)
  }
  public func reload(_ task: ReplicationTask, tables: [TableRef], option: ReloadOption) async throws {
    try await dms.reloadTables(arn: task.arn, tables: tables, option: option)
  }
}

/// DMS Serverless replications (replication configs). The listing is two calls joined by config ARN:
/// every page of DescribeReplicationConfigs, then every page of DescribeReplications (markers
/// `c:<marker>` and `r:<marker>`, one page a call); the rows come with the last page. The metric
/// dimension is discovered with ListMetrics (CloudWatch's quota, not DMS's) and kept per scope.
public final class ServerlessReplicationBackend: ReplicationBackend, @unchecked Sendable {
  public let service: any DMSServerlessService
  private let lock = NSLock()
  private var configs: [ReplicationConfig] = []
  private var replications: [Replication] = []
  private var dimension: ServerlessDimension?
  private var lastDiscovery: Date?
  /// How long a failed or empty discovery waits before ListMetrics is asked again.
  public var rediscoverAfter: TimeInterval = 300
  /// After a failed listing the serverless calls pause this long (a region or peer without them must not
  /// cost the DMS budget on every task list); the rows of the last good listing are kept meanwhile.
  public var pauseAfterFailure: TimeInterval = 600
  private var pausedUntil: Date?
  public var isSuspended: Bool { lock.withLock { pausedUntil.map { Date() < $0 } ?? false } }

  public init(service: any DMSServerlessService) { self.service = service }

  public var listOperation: String { "DescribeReplications" }
  public func owns(_ task: ReplicationTask) -> Bool { task.kind == .serverless }

  public func listPage(marker: String?) async throws -> Page<ReplicationTask> {
    do {
      return try await listPageOnce(marker: marker)
    } catch let e as ServiceError where e.kind != .throttled {
      lock.withLock { pausedUntil = Date().addingTimeInterval(pauseAfterFailure) }
      throw e
    }
  }

  private func listPageOnce(marker: String?) async throws -> Page<ReplicationTask> {
    if marker == nil || marker?.hasPrefix("c:") == true {
      let inner = marker.flatMap { $0.count > 2 ? String($0.dropFirst(2)) : nil }
      let page = try await service.describeReplicationConfigs(marker: inner, maxRecords: 100)
      lock.withLock {
        if marker == nil { configs = [] }
        configs += page.items
      }
      if let m = page.marker, !m.isEmpty { return Page(items: [], marker: "c:\(m)") }
      return Page(items: [], marker: "r:")
    }
    let inner = marker.flatMap { $0.count > 2 ? String($0.dropFirst(2)) : nil }
    let page = try await service.describeReplications(marker: inner, maxRecords: 100)
    let rows: [ReplicationTask]? = lock.withLock {
      if inner == nil { replications = [] }
      replications += page.items
      guard page.marker?.isEmpty ?? true else { return nil }
      return ServerlessJoin.rows(configs: configs, replications: replications)
    }
    if let m = page.marker, !m.isEmpty { return Page(items: [], marker: "r:\(m)") }
    return Page(items: rows ?? [], marker: nil)
  }

  public func tableStatisticsPage(task: ReplicationTask, marker: String?) async throws -> Page<TableStatistics> {
    try await service.describeReplicationTableStatistics(configArn: task.arn, marker: marker, maxRecords: 500)
  }

  public func prepareMetrics(for tasks: [ReplicationTask], metrics: any MetricsService) async {
    let rows = tasks.filter(owns)
    guard !rows.isEmpty else { return }
    let due: Bool = lock.withLock {
      dimension == nil && (lastDiscovery.map { Date().timeIntervalSince($0) >= rediscoverAfter } ?? true)
    }
    guard due else { return }
    let listed = try? await metrics.listMetrics(namespace: ServerlessMetrics.namespace, metricName: ServerlessMetrics.discoveryMetric)
    let found = listed.flatMap { ServerlessMetrics.discover(listed: $0, rows: rows) }
    lock.withLock {
      lastDiscovery = Date()
      if let found { dimension = found }
    }
  }

  /// Nil until the dimension is known: "no metrics yet", never a guess.
  public func metricQueries(for task: ReplicationTask, inventory: Inventory, idPrefix: String) -> [TaskMetricQuery]? {
    guard let d = lock.withLock({ dimension }) else { return nil }
    return ServerlessMetrics.queries(for: task, dimension: d, idPrefix: String(idPrefix.dropLast()))
      .map { TaskMetricQuery(query: $0, metric: $0.metricName) }
  }

  public func logStream(for task: ReplicationTask, inventory: Inventory) -> LogStreamRef? {
    logStreams(for: task, inventory: inventory).first
  }

  public func logStreams(for task: ReplicationTask, inventory: Inventory) -> [LogStreamRef] {
    ServerlessLogs.targets(for: task).map { t in
      LogStreamRef(
        group: t.group, stream: t.stream, format: t.kind == .orchestrator ? .orchestrator : .dmsTask,
        missingNotice: ServerlessLogs.notCreatedYetText(task, t))
    }
  }

  public func refusal(_ command: ServiceCommand, task: ReplicationTask) -> String? { ServerlessActions.refusal(command, row: task) }

  public func start(_ task: ReplicationTask, type: StartTaskType, from: CdcStartPoint?) async throws {
    _ = try await service.startReplication(configArn: task.arn, type: type, cdcStartTime: from?.time, cdcStartPosition: from?.position)
  }
  public func stop(_ task: ReplicationTask) async throws { _ = try await service.stopReplication(configArn: task.arn) }
  public func reload(_ task: ReplicationTask, tables: [TableRef], option: ReloadOption) async throws {
    try await service.reloadReplicationTables(configArn: task.arn, tables: tables, option: option)
  }
}
