import DMSWatchModel
import Foundation

/// JSON → model decoders for DMS shapes. Lenient on types (numbers as strings, ISO or epoch
/// timestamps); strict only on the identifying fields.
public enum DMSCodec {
  static func req(_ v: JSONValue, _ key: String, _ what: String) throws -> String {
    guard let s = v[key]?.string, !s.isEmpty else {
      throw ServiceError(kind: .malformed, code: "MalformedResponse", message: "\(what) without \(key)")
    }
    return s
  }

  public static func task(_ v: JSONValue) throws -> ReplicationTask {
    let arn = try req(v, "ReplicationTaskArn", "replication task")
    var t = ReplicationTask(
      identifier: v["ReplicationTaskIdentifier"]?.string ?? ReplicationTask.resourceId(fromArn: arn),
      arn: arn,
      status: v["Status"]?.string ?? "unknown",
      migrationType: v["MigrationType"]?.string ?? "",
      sourceEndpointArn: v["SourceEndpointArn"]?.string,
      targetEndpointArn: v["TargetEndpointArn"]?.string,
      replicationInstanceArn: v["ReplicationInstanceArn"]?.string,
      lastFailureMessage: v["LastFailureMessage"]?.string,
      stopReason: v["StopReason"]?.string,
      creationDate: v["ReplicationTaskCreationDate"]?.date,
      startDate: v["ReplicationTaskStartDate"]?.date,
      stats: v["ReplicationTaskStats"].flatMap { $0.isNull ? nil : stats($0) })
    t.recoveryCheckpoint = v["RecoveryCheckpoint"]?.string
    return t
  }

  public static func stats(_ v: JSONValue) -> ReplicationTaskStats {
    ReplicationTaskStats(
      fullLoadProgressPercent: v["FullLoadProgressPercent"]?.int,
      elapsedTimeMillis: v["ElapsedTimeMillis"]?.int64,
      tablesLoaded: v["TablesLoaded"]?.int,
      tablesLoading: v["TablesLoading"]?.int,
      tablesQueued: v["TablesQueued"]?.int,
      tablesErrored: v["TablesErrored"]?.int,
      freshStartDate: v["FreshStartDate"]?.date,
      startDate: v["StartDate"]?.date,
      stopDate: v["StopDate"]?.date,
      fullLoadStartDate: v["FullLoadStartDate"]?.date,
      fullLoadFinishDate: v["FullLoadFinishDate"]?.date)
  }

  public static func tableStatistics(_ v: JSONValue) throws -> TableStatistics {
    var t = TableStatistics(schemaName: v["SchemaName"]?.string ?? "", tableName: try req(v, "TableName", "table statistics"))
    if t.schemaName.unicodeScalars.contains("\u{FFFD}") || t.tableName.unicodeScalars.contains("\u{FFFD}") { t.nameNotUTF8 = true }
    t.inserts = v["Inserts"]?.int64
    t.deletes = v["Deletes"]?.int64
    t.updates = v["Updates"]?.int64
    t.ddls = v["Ddls"]?.int64
    t.appliedInserts = v["AppliedInserts"]?.int64
    t.appliedDeletes = v["AppliedDeletes"]?.int64
    t.appliedUpdates = v["AppliedUpdates"]?.int64
    t.appliedDdls = v["AppliedDdls"]?.int64
    t.fullLoadRows = v["FullLoadRows"]?.int64
    t.fullLoadCondtnlChkFailedRows = v["FullLoadCondtnlChkFailedRows"]?.int64
    t.fullLoadErrorRows = v["FullLoadErrorRows"]?.int64
    t.fullLoadStartTime = v["FullLoadStartTime"]?.date
    t.fullLoadEndTime = v["FullLoadEndTime"]?.date
    t.fullLoadReloaded = v["FullLoadReloaded"]?.bool
    t.lastUpdateTime = v["LastUpdateTime"]?.date
    t.tableState = v["TableState"]?.string
    t.validationPendingRecords = v["ValidationPendingRecords"]?.int64
    t.validationFailedRecords = v["ValidationFailedRecords"]?.int64
    t.validationSuspendedRecords = v["ValidationSuspendedRecords"]?.int64
    t.validationState = v["ValidationState"]?.string
    t.validationStateDetails = v["ValidationStateDetails"]?.string
    t.resyncState = v["ResyncState"]?.string
    t.resyncRowsAttempted = v["ResyncRowsAttempted"]?.int64
    t.resyncRowsSucceeded = v["ResyncRowsSucceeded"]?.int64
    t.resyncRowsFailed = v["ResyncRowsFailed"]?.int64
    t.resyncProgress = v["ResyncProgress"]?.double
    return t
  }

  public static func event(_ v: JSONValue) throws -> DMSEvent {
    guard let date = v["Date"]?.date else {
      throw ServiceError(kind: .malformed, code: "MalformedResponse", message: "event without Date")
    }
    return DMSEvent(
      sourceIdentifier: v["SourceIdentifier"]?.string ?? "",
      sourceType: v["SourceType"]?.string ?? "",
      message: v["Message"]?.string ?? "",
      categories: (v["EventCategories"]?.array ?? []).compactMap { $0.string },
      date: date)
  }

  public static func instance(_ v: JSONValue) throws -> ReplicationInstance {
    let arn = try req(v, "ReplicationInstanceArn", "replication instance")
    return ReplicationInstance(
      identifier: v["ReplicationInstanceIdentifier"]?.string ?? ReplicationTask.resourceId(fromArn: arn), arn: arn,
      instanceClass: v["ReplicationInstanceClass"]?.string, status: v["ReplicationInstanceStatus"]?.string,
      engineVersion: v["EngineVersion"]?.string)
  }

  public static func endpoint(_ v: JSONValue) throws -> Endpoint {
    let arn = try req(v, "EndpointArn", "endpoint")
    var e = Endpoint(
      identifier: v["EndpointIdentifier"]?.string ?? ReplicationTask.resourceId(fromArn: arn), arn: arn,
      endpointType: v["EndpointType"]?.string, engineName: v["EngineName"]?.string, status: v["Status"]?.string)
    let settings = [v["PostgreSQLSettings"], v["MySQLSettings"], v["GcpMySQLSettings"]].compactMap { $0 }.filter { !$0.isNull }
    func first(_ key: String) -> JSONValue? {
      if let x = v[key], !x.isNull { return x }
      return settings.lazy.compactMap { s -> JSONValue? in s[key].flatMap { $0.isNull ? nil : $0 } }.first
    }
    e.serverName = first("ServerName")?.string
    e.port = first("Port").flatMap { $0.int64 }.map { Int($0) }
    e.databaseName = first("DatabaseName")?.string
    e.username = first("Username")?.string
    e.sslMode = v["SslMode"]?.string
    e.secretsManagerSecretId = first("SecretsManagerSecretId")?.string
    e.s3BucketName = v["S3Settings"]?["BucketName"]?.string
    e.s3BucketFolder = v["S3Settings"]?["BucketFolder"]?.string
    return e
  }

  public static func connection(_ v: JSONValue) -> DMSConnection {
    DMSConnection(
      replicationInstanceArn: v["ReplicationInstanceArn"]?.string ?? "", endpointArn: v["EndpointArn"]?.string ?? "",
      status: v["Status"]?.string ?? "", lastFailureMessage: v["LastFailureMessage"]?.string,
      endpointIdentifier: v["EndpointIdentifier"]?.string,
      replicationInstanceIdentifier: v["ReplicationInstanceIdentifier"]?.string)
  }

  /// Items of `key` (missing or null means none), each decoded by `f`.
  static func list<T>(_ v: JSONValue, _ key: String, _ f: (JSONValue) throws -> T) throws -> [T] {
    guard let raw = v[key], !raw.isNull else { return [] }
    guard let arr = raw.array else {
      throw ServiceError(kind: .malformed, code: "MalformedResponse", message: "\(key) is not a list")
    }
    return try arr.map(f)
  }

  static func marker(_ v: JSONValue) -> String? {
    guard let m = v["Marker"]?.string, !m.isEmpty else { return nil }
    return m
  }
}

/// TestConnection / DescribeConnections result.
public struct DMSConnection: Sendable, Equatable {
  public var replicationInstanceArn: String
  public var endpointArn: String
  public var status: String
  public var lastFailureMessage: String?
  public var endpointIdentifier: String?
  public var replicationInstanceIdentifier: String?
}

/// Filter for Describe* calls.
public struct DMSFilter: Sendable, Equatable {
  public var name: String
  public var values: [String]
  public init(_ name: String, _ values: [String]) {
    self.name = name
    self.values = values
  }
  var json: JSONValue { .object([("Name", .string(name)), ("Values", .array(values.map { .string($0) }))]) }
}
