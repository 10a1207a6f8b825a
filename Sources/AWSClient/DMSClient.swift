import DMSWatchModel
import Foundation

/// DMS over the JSON 1.1 protocol (target AmazonDMSv20160101).
public final class AWSDMSClient: DMSService {
  public let caller: AWSCaller
  public init(caller: AWSCaller) { self.caller = caller }
}

extension AWSDMSClient {
  static func clamp(_ n: Int, _ lo: Int, _ hi: Int) -> Int { min(hi, max(lo, n)) }

  public func describeReplicationTasks(marker: String?, maxRecords: Int) async throws -> Page<ReplicationTask> {
    try await describeReplicationTasks(filters: [], marker: marker, maxRecords: maxRecords)
  }

  public func describeReplicationTasks(filters: [DMSFilter], marker: String?, maxRecords: Int) async throws -> Page<ReplicationTask> {
    var b = JSONObjectBuilder()
    if !filters.isEmpty { b.set("Filters", .array(filters.map(\.json))) }
    b.set("MaxRecords", Self.clamp(maxRecords, 20, 100))
    b.set("Marker", marker)
    b.set("WithoutSettings", true)
    let out = try await caller.json("DescribeReplicationTasks", b.value)
    return Page(items: try DMSCodec.list(out, "ReplicationTasks", DMSCodec.task), marker: DMSCodec.marker(out))
  }

  /// One call for up to 100 tasks by ARN (the `replication-task-arn` filter).
  public func describeReplicationTasks(arns: [String]) async throws -> [ReplicationTask]? {
    guard !arns.isEmpty else { return [] }
    return try await describeReplicationTasks(filters: [DMSFilter("replication-task-arn", Array(arns.prefix(100)))], marker: nil, maxRecords: 100).items
  }

  public func describeTableStatistics(taskArn: String, marker: String?, maxRecords: Int) async throws -> Page<TableStatistics> {
    var b = JSONObjectBuilder()
    b.set("ReplicationTaskArn", taskArn)
    b.set("MaxRecords", Self.clamp(maxRecords, 20, 500))
    b.set("Marker", marker)
    let out = try await caller.json("DescribeTableStatistics", b.value)
    return Page(items: try DMSCodec.list(out, "TableStatistics", DMSCodec.tableStatistics), marker: DMSCodec.marker(out))
  }

  public func describeEvents(since: Date, marker: String?, maxRecords: Int) async throws -> Page<DMSEvent> {
    var b = JSONObjectBuilder()
    b.set("SourceType", "replication-task")
    b.set("StartTime", since)
    b.set("MaxRecords", Self.clamp(maxRecords, 20, 100))
    b.set("Marker", marker)
    let out = try await caller.json("DescribeEvents", b.value)
    return Page(items: try DMSCodec.list(out, "Events", DMSCodec.event), marker: DMSCodec.marker(out))
  }

  public func describeReplicationInstances(marker: String?) async throws -> Page<ReplicationInstance> {
    var b = JSONObjectBuilder()
    b.set("MaxRecords", 100)
    b.set("Marker", marker)
    let out = try await caller.json("DescribeReplicationInstances", b.value)
    return Page(items: try DMSCodec.list(out, "ReplicationInstances", DMSCodec.instance), marker: DMSCodec.marker(out))
  }

  public func describeEndpoints(marker: String?) async throws -> Page<Endpoint> {
    var b = JSONObjectBuilder()
    b.set("MaxRecords", 100)
    b.set("Marker", marker)
    let out = try await caller.json("DescribeEndpoints", b.value)
    return Page(items: try DMSCodec.list(out, "Endpoints", DMSCodec.endpoint), marker: DMSCodec.marker(out))
  }

  public func startReplicationTask(arn: String, type: StartTaskType, from: CdcStartPoint?) async throws -> ReplicationTask {
    var b = JSONObjectBuilder()
    b.set("ReplicationTaskArn", arn)
    b.set("StartReplicationTaskType", type.rawValue)
    b.set("CdcStartPosition", from?.position)
    b.set("CdcStartTime", from?.time)
    let out = try await caller.json("StartReplicationTask", b.value, mutating: true)
    return try taskMember(out, "StartReplicationTask")
  }

  public func stopReplicationTask(arn: String) async throws -> ReplicationTask {
    let out = try await caller.json("StopReplicationTask", .object([("ReplicationTaskArn", .string(arn))]), mutating: true)
    return try taskMember(out, "StopReplicationTask")
  }

  public func reloadTables(arn: String, tables: [TableRef], option: ReloadOption) async throws {
    let list = JSONValue.array(tables.map { .object([("SchemaName", .string($0.schema)), ("TableName", .string($0.table))]) })
    _ = try await caller.json(
      "ReloadTables",
      .object([("ReplicationTaskArn", .string(arn)), ("TablesToReload", list), ("ReloadOption", .string(option.rawValue))]),
      mutating: true)
  }

  /// Starts a connection test; poll with `describeConnections`.
  public func testConnection(instanceArn: String, endpointArn: String) async throws -> DMSConnection {
    let out = try await caller.json(
      "TestConnection", .object([("ReplicationInstanceArn", .string(instanceArn)), ("EndpointArn", .string(endpointArn))]),
      mutating: true)
    guard let c = out["Connection"], !c.isNull else {
      throw AWSErrorMapper.malformed("dms", "TestConnection", "no Connection in the response")
    }
    return DMSCodec.connection(c)
  }

  public func describeConnections(filters: [DMSFilter] = [], marker: String? = nil) async throws -> Page<DMSConnection> {
    var b = JSONObjectBuilder()
    if !filters.isEmpty { b.set("Filters", .array(filters.map(\.json))) }
    b.set("MaxRecords", 100)
    b.set("Marker", marker)
    let out = try await caller.json("DescribeConnections", b.value)
    return Page(items: try DMSCodec.list(out, "Connections", DMSCodec.connection), marker: DMSCodec.marker(out))
  }

  public func testEndpointConnection(instanceArn: String, endpointArn: String) async throws -> EndpointConnection {
    let c = try await testConnection(instanceArn: instanceArn, endpointArn: endpointArn)
    return EndpointConnection(
      instanceArn: c.replicationInstanceArn, endpointArn: c.endpointArn, status: c.status, lastFailureMessage: c.lastFailureMessage,
      endpointIdentifier: c.endpointIdentifier)
  }

  public func describeEndpointConnections(endpointArns: [String]) async throws -> [EndpointConnection] {
    let page = try await describeConnections(filters: [DMSFilter("endpoint-arn", endpointArns)])
    return page.items.map {
      EndpointConnection(
        instanceArn: $0.replicationInstanceArn, endpointArn: $0.endpointArn, status: $0.status, lastFailureMessage: $0.lastFailureMessage,
        endpointIdentifier: $0.endpointIdentifier)
    }
  }

  public func rawTaskJSON(arn: String) async throws -> String? {
    var b = JSONObjectBuilder()
    b.set("Filters", .array([DMSFilter("replication-task-arn", [arn]).json]))
    b.set("MaxRecords", 20)
    let out = try await caller.json("DescribeReplicationTasks", b.value)
    guard case .array(let list)? = out["ReplicationTasks"], let first = list.first else { return nil }
    return first.prettyRedacted()
  }

  public func rawTableJSON(taskArn: String, table: TableRef) async throws -> String? {
    var b = JSONObjectBuilder()
    b.set("ReplicationTaskArn", taskArn)
    b.set("Filters", .array([DMSFilter("schema-name", [table.schema]).json, DMSFilter("table-name", [table.table]).json]))
    b.set("MaxRecords", 20)
    let out = try await caller.json("DescribeTableStatistics", b.value)
    guard case .array(let list)? = out["TableStatistics"] else { return nil }
    let match = list.first { $0["SchemaName"]?.string == table.schema && $0["TableName"]?.string == table.table }
    return match?.prettyRedacted()
  }

  private func taskMember(_ out: JSONValue, _ op: String) throws -> ReplicationTask {
    guard let t = out["ReplicationTask"], !t.isNull else {
      throw AWSErrorMapper.malformed("dms", op, "no ReplicationTask in the response")
    }
    return try DMSCodec.task(t)
  }
}
