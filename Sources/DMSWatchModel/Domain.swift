import Foundation

/// DMS migration types, as the API spells them.
public enum MigrationType: String, Sendable, Codable, CaseIterable {
  case fullLoad = "full-load"
  case cdc = "cdc"
  case fullLoadAndCdc = "full-load-and-cdc"
}

/// `ReplicationTaskStats` of DescribeReplicationTasks.
public struct ReplicationTaskStats: Sendable, Equatable, Codable {
  public var fullLoadProgressPercent: Int?
  public var elapsedTimeMillis: Int64?
  public var tablesLoaded: Int?
  public var tablesLoading: Int?
  public var tablesQueued: Int?
  public var tablesErrored: Int?
  public var freshStartDate: Date?
  public var startDate: Date?
  public var stopDate: Date?
  public var fullLoadStartDate: Date?
  public var fullLoadFinishDate: Date?

  public init(
    fullLoadProgressPercent: Int? = nil, elapsedTimeMillis: Int64? = nil, tablesLoaded: Int? = nil,
    tablesLoading: Int? = nil, tablesQueued: Int? = nil, tablesErrored: Int? = nil,
    freshStartDate: Date? = nil, startDate: Date? = nil, stopDate: Date? = nil,
    fullLoadStartDate: Date? = nil, fullLoadFinishDate: Date? = nil
  ) {
    self.fullLoadProgressPercent = fullLoadProgressPercent
    self.elapsedTimeMillis = elapsedTimeMillis
    self.tablesLoaded = tablesLoaded
    self.tablesLoading = tablesLoading
    self.tablesQueued = tablesQueued
    self.tablesErrored = tablesErrored
    self.freshStartDate = freshStartDate
    self.startDate = startDate
    self.stopDate = stopDate
    self.fullLoadStartDate = fullLoadStartDate
    self.fullLoadFinishDate = fullLoadFinishDate
  }
}

/// A replication task as DescribeReplicationTasks returns it (WithoutSettings).
public struct ReplicationTask: Sendable, Equatable, Codable, Identifiable {
  public var identifier: String
  public var arn: String
  public var status: String
  public var migrationType: String
  public var sourceEndpointArn: String?
  public var targetEndpointArn: String?
  public var replicationInstanceArn: String?
  public var lastFailureMessage: String?
  public var stopReason: String?
  public var creationDate: Date?
  public var startDate: Date?
  public var stats: ReplicationTaskStats?

  public var id: String { arn }

  public init(
    identifier: String, arn: String, status: String, migrationType: String,
    sourceEndpointArn: String? = nil, targetEndpointArn: String? = nil,
    replicationInstanceArn: String? = nil, lastFailureMessage: String? = nil,
    stopReason: String? = nil, creationDate: Date? = nil, startDate: Date? = nil,
    stats: ReplicationTaskStats? = nil
  ) {
    self.identifier = identifier
    self.arn = arn
    self.status = status
    self.migrationType = migrationType
    self.sourceEndpointArn = sourceEndpointArn
    self.targetEndpointArn = targetEndpointArn
    self.replicationInstanceArn = replicationInstanceArn
    self.lastFailureMessage = lastFailureMessage
    self.stopReason = stopReason
    self.creationDate = creationDate
    self.startDate = startDate
    self.stats = stats
  }

  /// The resource id at the end of the ARN (`…:task:RESOURCEID`): CloudWatch's
  /// ReplicationTaskIdentifier dimension and the log stream suffix.
  public var resourceId: String { Self.resourceId(fromArn: arn) }

  public static func resourceId(fromArn arn: String) -> String {
    if let r = arn.range(of: ":task:") { return String(arn[r.upperBound...]) }
    if let i = arn.lastIndex(of: ":") { return String(arn[arn.index(after: i)...]) }
    return arn
  }

  public var migration: MigrationType? { MigrationType(rawValue: migrationType) }
}

/// Known task statuses (the API returns a plain string).
public enum TaskStatus {
  public static let running = "running"
  public static let stopped = "stopped"
  public static let failed = "failed"
  public static let starting = "starting"
  public static let stopping = "stopping"
  public static let ready = "ready"
  public static let creating = "creating"
  public static let deleting = "deleting"
  public static let modifying = "modifying"
  public static let moving = "moving"
  public static let failedMove = "failed-move"
  public static let testing = "testing"
}

/// Table states (DescribeTableStatistics `TableState`).
public enum TableState {
  public static let doesNotExist = "Table does not exist"
  public static let beforeLoad = "Before load"
  public static let fullLoad = "Full load"
  public static let completed = "Table completed"
  public static let cancelled = "Table cancelled"
  public static let error = "Table error"
  public static let reloading = "Table is being reloaded"
}

/// Validation states (DescribeTableStatistics `ValidationState`).
public enum ValidationState {
  public static let notEnabled = "Not enabled"
  public static let pendingRecords = "Pending records"
  public static let mismatchedRecords = "Mismatched records"
  public static let suspendedRecords = "Suspended records"
  public static let noPrimaryKey = "No primary key"
  public static let tableError = "Table error"
  public static let validated = "Validated"
  public static let error = "Error"
  public static let pendingValidation = "Pending validation"
  public static let preparingTable = "Preparing table"
  public static let pendingRevalidation = "Pending revalidation"
}

/// One item of DescribeTableStatistics, every field DMS returns.
public struct TableStatistics: Sendable, Equatable, Codable {
  public var schemaName: String
  public var tableName: String
  public var inserts: Int64?
  public var deletes: Int64?
  public var updates: Int64?
  public var ddls: Int64?
  public var appliedInserts: Int64?
  public var appliedDeletes: Int64?
  public var appliedUpdates: Int64?
  public var appliedDdls: Int64?
  public var fullLoadRows: Int64?
  public var fullLoadCondtnlChkFailedRows: Int64?
  public var fullLoadErrorRows: Int64?
  public var fullLoadStartTime: Date?
  public var fullLoadEndTime: Date?
  public var fullLoadReloaded: Bool?
  public var lastUpdateTime: Date?
  public var tableState: String?
  public var validationPendingRecords: Int64?
  public var validationFailedRecords: Int64?
  public var validationSuspendedRecords: Int64?
  public var validationState: String?
  public var validationStateDetails: String?
  public var resyncState: String?
  public var resyncRowsAttempted: Int64?
  public var resyncRowsSucceeded: Int64?
  public var resyncRowsFailed: Int64?
  public var resyncProgress: Double?

  public init(schemaName: String, tableName: String) {
    self.schemaName = schemaName
    self.tableName = tableName
  }

  public var ref: TableRef { TableRef(schema: schemaName, table: tableName) }
  public var qualifiedName: String { "\(schemaName).\(tableName)" }
}

public struct TableRef: Sendable, Hashable, Codable, Comparable {
  public var schema: String
  public var table: String
  public init(schema: String, table: String) {
    self.schema = schema
    self.table = table
  }
  public static func < (a: TableRef, b: TableRef) -> Bool {
    (a.schema, a.table) < (b.schema, b.table)
  }
  public var qualifiedName: String { "\(schema).\(table)" }
}

public struct ReplicationInstance: Sendable, Equatable, Codable {
  public var identifier: String
  public var arn: String
  public var instanceClass: String?
  public var status: String?
  public var engineVersion: String?
  public init(identifier: String, arn: String, instanceClass: String? = nil, status: String? = nil, engineVersion: String? = nil) {
    self.identifier = identifier
    self.arn = arn
    self.instanceClass = instanceClass
    self.status = status
    self.engineVersion = engineVersion
  }
}

public struct Endpoint: Sendable, Equatable, Codable {
  public var identifier: String
  public var arn: String
  public var endpointType: String?
  public var engineName: String?
  public var status: String?
  /// Connection details (DescribeEndpoints), for reconciliation. The password is never part of it.
  public var serverName: String?
  public var port: Int?
  public var databaseName: String?
  public var username: String?
  public var sslMode: String?
  /// Top-level or from PostgreSQLSettings / MySQLSettings.
  public var secretsManagerSecretId: String?
  /// S3 targets: BucketName and BucketFolder from S3Settings.
  public var s3BucketName: String?
  public var s3BucketFolder: String?
  public init(identifier: String, arn: String, endpointType: String? = nil, engineName: String? = nil, status: String? = nil) {
    self.identifier = identifier
    self.arn = arn
    self.endpointType = endpointType
    self.engineName = engineName
    self.status = status
  }
}

/// DescribeEvents item.
public struct DMSEvent: Sendable, Equatable, Codable {
  public var sourceIdentifier: String
  public var sourceType: String
  public var message: String
  public var categories: [String]
  public var date: Date
  public init(sourceIdentifier: String, sourceType: String, message: String, categories: [String], date: Date) {
    self.sourceIdentifier = sourceIdentifier
    self.sourceType = sourceType
    self.message = message
    self.categories = categories
    self.date = date
  }
}

/// A CloudWatch Logs event (GetLogEvents / FilterLogEvents).
public struct LogEvent: Sendable, Equatable, Codable {
  public var timestamp: Date
  public var message: String
  public init(timestamp: Date, message: String) {
    self.timestamp = timestamp
    self.message = message
  }
}

public enum StartTaskType: String, Sendable, Codable, CaseIterable {
  case startReplication = "start-replication"
  case resumeProcessing = "resume-processing"
  case reloadTarget = "reload-target"
}

public enum ReloadOption: String, Sendable, Codable {
  case dataReload = "data-reload"
  case validateOnly = "validate-only"
}

/// A page of a paginated DMS call.
public struct Page<Item: Sendable>: Sendable {
  public var items: [Item]
  public var marker: String?
  public init(items: [Item], marker: String?) {
    self.items = items
    self.marker = marker
  }
}
