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

/// What kind of DMS resource a row is: a task on a replication instance, or a DMS Serverless
/// replication (a replication config and its replication).
public enum ReplicationKind: String, Sendable, Equatable, Codable, CaseIterable {
  case task, serverless
}

/// A replication task as DescribeReplicationTasks returns it (WithoutSettings), or a DMS Serverless
/// replication joined from DescribeReplicationConfigs + DescribeReplications (`kind == .serverless`:
/// `arn` is the ReplicationConfigArn, `identifier` the ReplicationConfigIdentifier, `status` and
/// `stats` the replication's, `replicationInstanceArn` nil, details in `serverless`).
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
  /// The scope (profile/region, account) the task was listed in.
  public var scope: ScopeID = .single
  public var kind: ReplicationKind = .task
  /// Serverless details; nil for tasks.
  public var serverless: ServerlessInfo?
  /// Set when this row was not in the latest listing because its backend's listing failed: the row is the
  /// one from the last good listing, listed at this time (shown as such; its status is not current).
  public var keptSince: Date?
  /// Where CDC would resume (DMS's RecoveryCheckpoint), for a start from a chosen CDC point.
  public var recoveryCheckpoint: String?

  public var id: String { arn }
  public var isServerless: Bool { kind == .serverless }

  public init(
    identifier: String, arn: String, status: String, migrationType: String,
    sourceEndpointArn: String? = nil, targetEndpointArn: String? = nil,
    replicationInstanceArn: String? = nil, lastFailureMessage: String? = nil,
    stopReason: String? = nil, creationDate: Date? = nil, startDate: Date? = nil,
    stats: ReplicationTaskStats? = nil, kind: ReplicationKind = .task, serverless: ServerlessInfo? = nil, scope: ScopeID = .single
  ) {
    self.scope = scope
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
    self.kind = kind
    self.serverless = serverless
  }

  /// The resource id at the end of the ARN (`…:task:RESOURCEID`): CloudWatch's
  /// ReplicationTaskIdentifier dimension and the log stream suffix.
  public var resourceId: String { Self.resourceId(fromArn: arn) }

  public static func resourceId(fromArn arn: String) -> String {
    if let r = arn.range(of: ":task:") { return String(arn[r.upperBound...]) }
    if let r = arn.range(of: ":replication-config:") { return String(arn[r.upperBound...]) }
    if let i = arn.lastIndex(of: ":") { return String(arn[arn.index(after: i)...]) }
    return arn
  }

  public var migration: MigrationType? { MigrationType(rawValue: migrationType) }
}

extension LogEntry {
  /// True when the entry is about `task`: by ARN when the entry has one (names repeat across
  /// scopes), else by name.
  public func belongs(to task: ReplicationTask) -> Bool {
    if let a = taskArn { return a == task.arn }
    return self.task == task.identifier
  }
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
  /// The schema or table name arrived with bytes that are not UTF-8 and is shown with U+FFFD in their
  /// place: the row says so, and the name on screen is not the exact name at DMS.
  public var nameNotUTF8: Bool?

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

extension ReplicationTask {
  enum CodingKeys: String, CodingKey {
    case identifier, arn, status, migrationType, sourceEndpointArn, targetEndpointArn, replicationInstanceArn
    case lastFailureMessage, stopReason, creationDate, startDate, stats, kind, serverless
  }

  /// `kind` and `serverless` may be absent (documents written before serverless support).
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    identifier = try c.decode(String.self, forKey: .identifier)
    arn = try c.decode(String.self, forKey: .arn)
    status = try c.decode(String.self, forKey: .status)
    migrationType = try c.decode(String.self, forKey: .migrationType)
    sourceEndpointArn = try c.decodeIfPresent(String.self, forKey: .sourceEndpointArn)
    targetEndpointArn = try c.decodeIfPresent(String.self, forKey: .targetEndpointArn)
    replicationInstanceArn = try c.decodeIfPresent(String.self, forKey: .replicationInstanceArn)
    lastFailureMessage = try c.decodeIfPresent(String.self, forKey: .lastFailureMessage)
    stopReason = try c.decodeIfPresent(String.self, forKey: .stopReason)
    creationDate = try c.decodeIfPresent(Date.self, forKey: .creationDate)
    startDate = try c.decodeIfPresent(Date.self, forKey: .startDate)
    stats = try c.decodeIfPresent(ReplicationTaskStats.self, forKey: .stats)
    kind = try c.decodeIfPresent(ReplicationKind.self, forKey: .kind) ?? .task
    serverless = try c.decodeIfPresent(ServerlessInfo.self, forKey: .serverless)
  }
}

/// `ProvisionData` of a DMS Serverless replication.
public struct ProvisionData: Sendable, Equatable, Codable {
  public var provisionState: String?
  public var provisionedCapacityUnits: Int?
  public var dateProvisioned: Date?
  public var isNewProvisioningAvailable: Bool?
  public var dateNewProvisioningDataAvailable: Date?
  public var reasonForNewProvisioningData: String?
  public init(
    provisionState: String? = nil, provisionedCapacityUnits: Int? = nil, dateProvisioned: Date? = nil,
    isNewProvisioningAvailable: Bool? = nil, dateNewProvisioningDataAvailable: Date? = nil,
    reasonForNewProvisioningData: String? = nil
  ) {
    self.provisionState = provisionState
    self.provisionedCapacityUnits = provisionedCapacityUnits
    self.dateProvisioned = dateProvisioned
    self.isNewProvisioningAvailable = isNewProvisioningAvailable
    self.dateNewProvisioningDataAvailable = dateNewProvisioningDataAvailable
    self.reasonForNewProvisioningData = reasonForNewProvisioningData
  }
}

/// One `PremigrationAssessmentStatuses` item (the fields dmswatch shows).
public struct PremigrationAssessmentStatus: Sendable, Equatable, Codable {
  public var runArn: String?
  public var status: String?
  public var progressPercent: Int?
  public var lastFailureMessage: String?
  public var createdAt: Date?
  public init(runArn: String? = nil, status: String? = nil, progressPercent: Int? = nil, lastFailureMessage: String? = nil, createdAt: Date? = nil) {
    self.runArn = runArn
    self.status = status
    self.progressPercent = progressPercent
    self.lastFailureMessage = lastFailureMessage
    self.createdAt = createdAt
  }
}

/// What only a DMS Serverless replication has (config + replication), beside the task-shaped fields.
public struct ServerlessInfo: Sendable, Equatable, Codable {
  public var configArn: String
  public var configIdentifier: String
  /// The resource id at the end of the config ARN: log group and stream names use it.
  public var resourceId: String
  /// `full-load | cdc | full-load-and-cdc`.
  public var replicationType: String?
  public var provision: ProvisionData?
  public var stopReason: String?
  public var failureMessages: [String]
  /// Zero-ETL integrations: never offer actions.
  public var isReadOnly: Bool
  public var premigrationAssessments: [PremigrationAssessmentStatus]
  /// StartReplicationType of the last start (`start-replication` …); nil before the first run.
  public var startReplicationType: String?
  public var cdcStartTime: Date?
  public var cdcStartPosition: String?
  public var cdcStopPosition: String?
  public var recoveryCheckpoint: String?
  /// ComputeConfig of the config.
  public var minCapacityUnits: Int?
  public var maxCapacityUnits: Int?
  public var createTime: Date?
  public var updateTime: Date?
  public var lastStopTime: Date?
  public var deprovisionTime: Date?
  /// False when the config exists but DescribeReplications has no replication for it (never started).
  public var hasReplication: Bool

  public init(
    configArn: String, configIdentifier: String, resourceId: String? = nil, replicationType: String? = nil,
    provision: ProvisionData? = nil, stopReason: String? = nil, failureMessages: [String] = [], isReadOnly: Bool = false,
    premigrationAssessments: [PremigrationAssessmentStatus] = [], startReplicationType: String? = nil,
    cdcStartTime: Date? = nil, cdcStartPosition: String? = nil, cdcStopPosition: String? = nil,
    recoveryCheckpoint: String? = nil, minCapacityUnits: Int? = nil, maxCapacityUnits: Int? = nil,
    createTime: Date? = nil, updateTime: Date? = nil, lastStopTime: Date? = nil, deprovisionTime: Date? = nil,
    hasReplication: Bool = true
  ) {
    self.configArn = configArn
    self.configIdentifier = configIdentifier
    self.resourceId = resourceId ?? ReplicationTask.resourceId(fromArn: configArn)
    self.replicationType = replicationType
    self.provision = provision
    self.stopReason = stopReason
    self.failureMessages = failureMessages
    self.isReadOnly = isReadOnly
    self.premigrationAssessments = premigrationAssessments
    self.startReplicationType = startReplicationType
    self.cdcStartTime = cdcStartTime
    self.cdcStartPosition = cdcStartPosition
    self.cdcStopPosition = cdcStopPosition
    self.recoveryCheckpoint = recoveryCheckpoint
    self.minCapacityUnits = minCapacityUnits
    self.maxCapacityUnits = maxCapacityUnits
    self.createTime = createTime
    self.updateTime = updateTime
    self.lastStopTime = lastStopTime
    self.deprovisionTime = deprovisionTime
    self.hasReplication = hasReplication
  }

  public var provisionState: String? { provision?.provisionState }
  public var provisionedCapacityUnits: Int? { provision?.provisionedCapacityUnits }
  public var isNewProvisioningAvailable: Bool { provision?.isNewProvisioningAvailable ?? false }
  /// The newest failure message (DMS lists them oldest first).
  public var lastFailureMessage: String? { failureMessages.last(where: { !$0.isEmpty }) }
  /// One line for the detail view: "3 assessments: 1 failed, 2 passed".
  public var assessmentSummary: String? {
    guard !premigrationAssessments.isEmpty else { return nil }
    var counts: [String: Int] = [:]
    for a in premigrationAssessments { counts[a.status ?? "unknown", default: 0] += 1 }
    let parts = counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
    let n = premigrationAssessments.count
    return "\(n) assessment\(n == 1 ? "" : "s"): \(parts.joined(separator: ", "))"
  }
}

/// Statuses of a serverless replication (free-form in the API; these are the documented ones).
public enum ReplicationStatus {
  public static let created = "created"
  public static let ready = "ready"
  public static let running = "running"
  public static let stopping = "stopping"
  public static let stopped = "stopped"
  public static let failed = "failed"
  public static let initializing = "initializing"
  public static let preparingMetadataResources = "preparing_metadata_resources"
  public static let testingConnection = "testing_connection"
  public static let fetchingMetadata = "fetching_metadata"
  public static let calculatingCapacity = "calculating_capacity"
  public static let provisioningCapacity = "provisioning_capacity"
  public static let replicationStarting = "replication_starting"
  public static let modifying = "modifying"
  /// The start-up phases in order (initializing … replication_starting), before `running`.
  public static let startupPhases = [
    initializing, preparingMetadataResources, testingConnection, fetchingMetadata, calculatingCapacity,
    provisioningCapacity, replicationStarting,
  ]
  public static func isStartingUp(_ s: String) -> Bool { startupPhases.contains(s) }
}
