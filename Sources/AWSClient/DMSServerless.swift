import DMSWatchModel
import Foundation

/// DMS Serverless over the same JSON 1.1 caller as `AWSDMSClient` (one caller, one endpoint, one quota).
public final class AWSDMSServerlessClient: DMSServerlessService {
  public let caller: AWSCaller
  public init(caller: AWSCaller) { self.caller = caller }

  /// The operations that change AWS state: never re-sent after a network error or timeout.
  public static let mutatingOperations: Set<String> = ["StartReplication", "StopReplication", "ReloadReplicationTables"]
}

extension AWSDMSServerlessClient {
  /// The model gives no MaxRecords bounds for the serverless listings; the DMS convention (20–100) is safe.
  static func records(_ n: Int) -> Int { min(100, max(20, n)) }

  public func describeReplicationConfigs(marker: String?, maxRecords: Int) async throws -> Page<ReplicationConfig> {
    try await describeReplicationConfigs(filters: [], marker: marker, maxRecords: maxRecords)
  }

  public func describeReplicationConfigs(filters: [DMSFilter], marker: String?, maxRecords: Int) async throws -> Page<ReplicationConfig> {
    var b = JSONObjectBuilder()
    if !filters.isEmpty { b.set("Filters", .array(filters.map(\.json))) }
    b.set("MaxRecords", Self.records(maxRecords))
    b.set("Marker", marker)
    let out = try await caller.json("DescribeReplicationConfigs", b.value)
    return Page(items: try DMSCodec.list(out, "ReplicationConfigs", ServerlessCodec.config), marker: DMSCodec.marker(out))
  }

  public func describeReplications(marker: String?, maxRecords: Int) async throws -> Page<Replication> {
    try await describeReplications(filters: [], marker: marker, maxRecords: maxRecords)
  }

  /// Filters: `replication-config-arn`, `replication-config-id`.
  public func describeReplications(filters: [DMSFilter], marker: String?, maxRecords: Int) async throws -> Page<Replication> {
    var b = JSONObjectBuilder()
    if !filters.isEmpty { b.set("Filters", .array(filters.map(\.json))) }
    b.set("MaxRecords", Self.records(maxRecords))
    b.set("Marker", marker)
    let out = try await caller.json("DescribeReplications", b.value)
    return Page(items: try DMSCodec.list(out, "Replications", ServerlessCodec.replication), marker: DMSCodec.marker(out))
  }

  public func describeReplicationTableStatistics(configArn: String, marker: String?, maxRecords: Int) async throws -> Page<TableStatistics> {
    var b = JSONObjectBuilder()
    b.set("ReplicationConfigArn", configArn)
    b.set("MaxRecords", min(500, max(20, maxRecords)))
    b.set("Marker", marker)
    let out = try await caller.json("DescribeReplicationTableStatistics", b.value)
    return Page(
      items: try DMSCodec.list(out, "ReplicationTableStatistics", DMSCodec.tableStatistics), marker: DMSCodec.marker(out))
  }

  public func startReplication(
    configArn: String, type: StartTaskType, cdcStartTime: Date?, cdcStartPosition: String?
  ) async throws -> Replication {
    var b = JSONObjectBuilder()
    b.set("ReplicationConfigArn", configArn)
    b.set("StartReplicationType", type.rawValue)
    b.set("CdcStartTime", cdcStartTime)
    b.set("CdcStartPosition", cdcStartPosition)
    return try replicationMember(try await caller.json("StartReplication", b.value), "StartReplication")
  }

  public func stopReplication(configArn: String) async throws -> Replication {
    let out = try await caller.json("StopReplication", .object([("ReplicationConfigArn", .string(configArn))]))
    return try replicationMember(out, "StopReplication")
  }

  public func reloadReplicationTables(configArn: String, tables: [TableRef], option: ReloadOption) async throws {
    let list = JSONValue.array(tables.map { .object([("SchemaName", .string($0.schema)), ("TableName", .string($0.table))]) })
    _ = try await caller.json(
      "ReloadReplicationTables",
      .object([("ReplicationConfigArn", .string(configArn)), ("TablesToReload", list), ("ReloadOption", .string(option.rawValue))]))
  }

  private func replicationMember(_ out: JSONValue, _ op: String) throws -> Replication {
    guard let r = out["Replication"], !r.isNull else {
      throw AWSErrorMapper.malformed("dms", op, "no Replication in the response")
    }
    return try ServerlessCodec.replication(r)
  }
}
