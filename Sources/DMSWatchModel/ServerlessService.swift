import Foundation

// DMS Serverless: the service interface, the join of configs and replications into rows, the metric
// queries and log names, and the orchestrator's log-line parser. All pure except the protocol.

/// `ReplicationConfig` of DescribeReplicationConfigs (the fields dmswatch uses).
public struct ReplicationConfig: Sendable, Equatable, Codable {
  public var identifier: String
  public var arn: String
  public var sourceEndpointArn: String?
  public var targetEndpointArn: String?
  public var replicationType: String?
  /// ComputeConfig MinCapacityUnits / MaxCapacityUnits (DCU).
  public var minCapacityUnits: Int?
  public var maxCapacityUnits: Int?
  public var createTime: Date?
  public var updateTime: Date?
  public var isReadOnly: Bool?
  public init(
    identifier: String, arn: String, sourceEndpointArn: String? = nil, targetEndpointArn: String? = nil,
    replicationType: String? = nil, minCapacityUnits: Int? = nil, maxCapacityUnits: Int? = nil,
    createTime: Date? = nil, updateTime: Date? = nil, isReadOnly: Bool? = nil
  ) {
    self.isReadOnly = isReadOnly
    self.identifier = identifier
    self.arn = arn
    self.sourceEndpointArn = sourceEndpointArn
    self.targetEndpointArn = targetEndpointArn
    self.replicationType = replicationType
    self.minCapacityUnits = minCapacityUnits
    self.maxCapacityUnits = maxCapacityUnits
    self.createTime = createTime
    self.updateTime = updateTime
  }
  public var resourceId: String { ReplicationTask.resourceId(fromArn: arn) }
}

/// `Replication` of DescribeReplications / StartReplication / StopReplication.
public struct Replication: Sendable, Equatable, Codable {
  public var configIdentifier: String
  public var configArn: String
  public var sourceEndpointArn: String?
  public var targetEndpointArn: String?
  public var replicationType: String?
  public var status: String
  public var provision: ProvisionData?
  public var premigrationAssessments: [PremigrationAssessmentStatus]
  public var stopReason: String?
  public var failureMessages: [String]
  public var stats: ReplicationTaskStats?
  public var startReplicationType: String?
  public var cdcStartTime: Date?
  public var cdcStartPosition: String?
  public var cdcStopPosition: String?
  public var recoveryCheckpoint: String?
  public var createTime: Date?
  public var updateTime: Date?
  public var lastStopTime: Date?
  public var deprovisionTime: Date?
  public var isReadOnly: Bool?

  public init(
    configIdentifier: String, configArn: String, status: String, sourceEndpointArn: String? = nil,
    targetEndpointArn: String? = nil, replicationType: String? = nil, provision: ProvisionData? = nil,
    premigrationAssessments: [PremigrationAssessmentStatus] = [], stopReason: String? = nil,
    failureMessages: [String] = [], stats: ReplicationTaskStats? = nil, startReplicationType: String? = nil,
    cdcStartTime: Date? = nil, cdcStartPosition: String? = nil, cdcStopPosition: String? = nil,
    recoveryCheckpoint: String? = nil, createTime: Date? = nil, updateTime: Date? = nil, lastStopTime: Date? = nil,
    deprovisionTime: Date? = nil, isReadOnly: Bool? = nil
  ) {
    self.configIdentifier = configIdentifier
    self.configArn = configArn
    self.status = status
    self.sourceEndpointArn = sourceEndpointArn
    self.targetEndpointArn = targetEndpointArn
    self.replicationType = replicationType
    self.provision = provision
    self.premigrationAssessments = premigrationAssessments
    self.stopReason = stopReason
    self.failureMessages = failureMessages
    self.stats = stats
    self.startReplicationType = startReplicationType
    self.cdcStartTime = cdcStartTime
    self.cdcStartPosition = cdcStartPosition
    self.cdcStopPosition = cdcStopPosition
    self.recoveryCheckpoint = recoveryCheckpoint
    self.createTime = createTime
    self.updateTime = updateTime
    self.lastStopTime = lastStopTime
    self.deprovisionTime = deprovisionTime
    self.isReadOnly = isReadOnly
  }
}

/// The DMS Serverless operations, one to one with AWS (each call is one API call the budget counts).
/// Listings return the raw shapes; `ServerlessJoin.rows(configs:replications:)` makes the rows.
/// The simulator and the AWS client implement it; mutating calls (start/stop/reload) are never re-sent.
public protocol DMSServerlessService: Sendable {
  func describeReplicationConfigs(marker: String?, maxRecords: Int) async throws -> Page<ReplicationConfig>
  func describeReplications(marker: String?, maxRecords: Int) async throws -> Page<Replication>
  func describeReplicationTableStatistics(configArn: String, marker: String?, maxRecords: Int) async throws -> Page<TableStatistics>
  func startReplication(configArn: String, type: StartTaskType, cdcStartTime: Date?, cdcStartPosition: String?) async throws -> Replication
  func stopReplication(configArn: String) async throws -> Replication
  func reloadReplicationTables(configArn: String, tables: [TableRef], option: ReloadOption) async throws
}

extension DMSServerlessService {
  /// Every page of configs and replications, joined into rows (stops on a repeated marker).
  public func allServerlessReplications() async throws -> [ReplicationTask] {
    let configs = try await collectPages { try await describeReplicationConfigs(marker: $0, maxRecords: 100) }
    let reps = try await collectPages { try await describeReplications(marker: $0, maxRecords: 100) }
    return ServerlessJoin.rows(configs: configs, replications: reps)
  }
  public func allReplicationTableStatistics(configArn: String) async throws -> [TableStatistics] {
    try await collectPages { try await describeReplicationTableStatistics(configArn: configArn, marker: $0, maxRecords: 500) }
  }
}

/// Joins configs and replications (by config ARN) into `ReplicationTask` rows of kind `.serverless`.
public enum ServerlessJoin {
  /// One row per config, in config order, then one per replication whose config is not listed
  /// (the listings are two calls; a config created between them shows up next time).
  /// A config with no replication is `created` and `hasReplication == false` (never started).
  public static func rows(configs: [ReplicationConfig], replications: [Replication]) -> [ReplicationTask] {
    var byArn: [String: Replication] = [:]
    for r in replications { byArn[r.configArn] = r }
    var out: [ReplicationTask] = []
    out.reserveCapacity(configs.count)
    var seen = Set<String>()
    for c in configs where seen.insert(c.arn).inserted {
      out.append(row(config: c, replication: byArn[c.arn]))
    }
    for r in replications where !seen.contains(r.configArn) {
      seen.insert(r.configArn)
      out.append(row(config: nil, replication: r))
    }
    return out
  }

  public static func row(config c: ReplicationConfig?, replication r: Replication?) -> ReplicationTask {
    let arn = c?.arn ?? r?.configArn ?? ""
    let identifier = c?.identifier ?? r?.configIdentifier ?? ReplicationTask.resourceId(fromArn: arn)
    let info = ServerlessInfo(
      configArn: arn, configIdentifier: identifier, replicationType: r?.replicationType ?? c?.replicationType,
      provision: r?.provision, stopReason: r?.stopReason, failureMessages: r?.failureMessages ?? [],
      isReadOnly: (r?.isReadOnly ?? false) || (c?.isReadOnly ?? false), premigrationAssessments: r?.premigrationAssessments ?? [],
      startReplicationType: r?.startReplicationType, cdcStartTime: r?.cdcStartTime, cdcStartPosition: r?.cdcStartPosition,
      cdcStopPosition: r?.cdcStopPosition, recoveryCheckpoint: r?.recoveryCheckpoint,
      minCapacityUnits: c?.minCapacityUnits, maxCapacityUnits: c?.maxCapacityUnits,
      createTime: r?.createTime ?? c?.createTime, updateTime: r?.updateTime ?? c?.updateTime,
      lastStopTime: r?.lastStopTime, deprovisionTime: r?.deprovisionTime, hasReplication: r != nil)
    return ReplicationTask(
      identifier: identifier, arn: arn, status: r?.status ?? ReplicationStatus.created,
      migrationType: r?.replicationType ?? c?.replicationType ?? "",
      sourceEndpointArn: c?.sourceEndpointArn ?? r?.sourceEndpointArn,
      targetEndpointArn: c?.targetEndpointArn ?? r?.targetEndpointArn, replicationInstanceArn: nil,
      lastFailureMessage: info.lastFailureMessage, stopReason: r?.stopReason, creationDate: c?.createTime ?? r?.createTime,
      startDate: r?.stats?.startDate, stats: r?.stats, kind: .serverless, serverless: info)
  }

  /// The start types the state allows: nothing on a read-only (zero-ETL) replication or while it is
  /// busy; `start-replication` only for the first run; afterwards resume-processing or reload-target.
  public static func allowedStartTypes(_ row: ReplicationTask) -> [StartTaskType] {
    guard let s = row.serverless, !s.isReadOnly else { return [] }
    switch row.status {
    case ReplicationStatus.created, ReplicationStatus.ready, ReplicationStatus.stopped, ReplicationStatus.failed:
      let firstRun = s.startReplicationType == nil && row.stats?.startDate == nil
      return firstRun ? [.startReplication] : [.resumeProcessing, .reloadTarget]
    default:
      return []
    }
  }

  /// Stop is allowed while running or starting up (never on read-only replications).
  public static func canStop(_ row: ReplicationTask) -> Bool {
    guard let s = row.serverless, !s.isReadOnly else { return false }
    return row.status == ReplicationStatus.running || ReplicationStatus.isStartingUp(row.status)
  }

  /// ReloadReplicationTables works only while running.
  public static func canReload(_ row: ReplicationTask) -> Bool {
    guard let s = row.serverless, !s.isReadOnly else { return false }
    return row.status == ReplicationStatus.running
  }
}

// MARK: - Metrics

/// How the serverless dimension's values name a replication.
public enum ServerlessDimensionValue: String, Sendable, Equatable, Codable {
  case resourceId, identifier, arn
}

/// The dimension DMS Serverless metrics carry, as discovered with ListMetrics (cache it per scope).
public struct ServerlessDimension: Sendable, Equatable, Codable {
  public var name: String
  public var value: ServerlessDimensionValue
  public init(name: String, value: ServerlessDimensionValue) {
    self.name = name
    self.value = value
  }

  public func dimension(for row: ReplicationTask) -> MetricDimension {
    let v: String
    switch value {
    case .resourceId: v = row.serverless?.resourceId ?? row.resourceId
    case .identifier: v = row.identifier
    case .arn: v = row.arn
    }
    return MetricDimension(name: name, value: v)
  }
}

/// Metric names, queries and dimension discovery for DMS Serverless (namespace AWS/DMS).
public enum ServerlessMetrics {
  public static let namespace = "AWS/DMS"
  public static let capacityUtilization = "CapacityUtilization"
  /// The metric ListMetrics is asked about to discover the dimension.
  public static let discoveryMetric = capacityUtilization
  public static let all = [
    capacityUtilization, DMSMetric.cdcIncomingChanges, DMSMetric.cdcLatencySource, DMSMetric.cdcLatencyTarget,
    DMSMetric.cdcThroughputRowsSource, DMSMetric.cdcThroughputRowsTarget, "CDCThroughputBandwidthTarget",
    DMSMetric.fullLoadThroughputRowsTarget, "FullLoadThroughputBandwidthTarget",
  ]

  /// Finds which dimension names the listed replications: for every listed dimension set, a value equal
  /// to a row's resource id, identifier or ARN votes for (name, kind); the most votes win (ties: by name).
  /// Nil when nothing matches (no metrics yet: say so on screen, ask again later).
  public static func discover(listed: [[String: String]], rows: [ReplicationTask]) -> ServerlessDimension? {
    var byResource = Set<String>()
    var byIdentifier = Set<String>()
    var byArn = Set<String>()
    for r in rows where r.kind == .serverless {
      byResource.insert(r.serverless?.resourceId ?? r.resourceId)
      byIdentifier.insert(r.identifier)
      byArn.insert(r.arn)
    }
    var votes: [ServerlessDimension: Int] = [:]
    for set in listed {
      for (name, value) in set {
        // A resource id is more specific than a name that might equal it.
        if byArn.contains(value) {
          votes[ServerlessDimension(name: name, value: .arn), default: 0] += 1
        } else if byResource.contains(value) {
          votes[ServerlessDimension(name: name, value: .resourceId), default: 0] += 1
        } else if byIdentifier.contains(value) {
          votes[ServerlessDimension(name: name, value: .identifier), default: 0] += 1
        }
      }
    }
    return votes.max { a, b in a.value != b.value ? a.value < b.value : a.key.name > b.key.name }?.key
  }

  /// GetMetricData queries for one replication: `<prefix>_<n>` ids, one per metric in `metrics`.
  public static func queries(
    for row: ReplicationTask, dimension: ServerlessDimension, idPrefix: String, metrics: [String] = all
  ) -> [MetricQuery] {
    let d = dimension.dimension(for: row)
    return metrics.enumerated().map { i, m in MetricQuery(id: "\(idPrefix)_\(i)", metricName: m, dimensions: [d]) }
  }

  /// A query id from any text: `[a-z][A-Za-z0-9_]*` (GetMetricData's rule).
  public static func queryId(_ prefix: String, _ n: Int) -> String {
    var s = "s"
    for u in prefix.unicodeScalars where u.isASCII && (CharacterSet.alphanumerics.contains(u) || u == "_") {
      s.unicodeScalars.append(u)
    }
    return "\(s)_\(n)"
  }
}

extension ServerlessDimension: Hashable {}

// MARK: - Logs

/// Log group and stream names of a serverless replication (config resource id from the ARN).
/// Neither exists before the first run: a missing group means "no logs yet", not an error.
public enum ServerlessLogNames {
  public static func group(configResourceId id: String) -> String { "dms-serverless-replication-\(id)" }
  public static func orchestratorStream(configResourceId id: String) -> String { "dms-serverless-replication-orchestrator-\(id)" }
  /// The task log stream (when logging is on); `id` is the replication's serverless resource id.
  public static func taskStream(resourceId id: String) -> String { "dms-serverless-serv-res-id-\(id)" }
  /// Prefix of the task streams in the group (FilterLogEvents `logStreamNamePrefix`).
  public static let taskStreamPrefix = "dms-serverless-serv-res-id-"
}

/// A line of the orchestrator stream: a Python dict literal such as
/// `{'replication_state':'failed', 'message': 'Replication failed', 'failure_message': 'Could not connect'}`
/// (single or double quotes, backslash escapes, True/False/None; not JSON).
public struct OrchestratorLine: Sendable, Equatable {
  public var fields: [String: String]
  public var state: String? { fields["replication_state"] }
  public var message: String? { fields["message"] }
  public var failureMessage: String? { fields["failure_message"].flatMap { $0.isEmpty || $0 == "None" ? nil : $0 } }
}

public enum OrchestratorLogParser {
  /// Parses the first `{…}` in `line`; nil when there is none or it is not a flat dict literal.
  public static func parseLine(_ line: String) -> OrchestratorLine? {
    let s = Array(line.unicodeScalars)
    guard let open = s.firstIndex(of: "{") else { return nil }
    var i = open + 1
    var fields: [String: String] = [:]
    func skipSpace() { while i < s.count, s[i] == " " || s[i] == "\t" || s[i] == "\n" || s[i] == "\r" { i += 1 } }
    func quoted() -> String? {
      guard i < s.count, s[i] == "'" || s[i] == "\"" else { return nil }
      let q = s[i]
      i += 1
      var out = String.UnicodeScalarView()
      while i < s.count {
        let c = s[i]
        if c == q { i += 1; return String(out) }
        if c == "\\", i + 1 < s.count {
          let n = s[i + 1]
          switch n {
          case "n": out.append("\n")
          case "t": out.append("\t")
          case "r": out.append("\r")
          default: out.append(n)
          }
          i += 2
          continue
        }
        out.append(c)
        i += 1
      }
      return nil
    }
    /// A bare word or number up to `,` or `}`; nested containers are kept as raw text.
    func bare() -> String {
      var out = String.UnicodeScalarView()
      var depth = 0
      while i < s.count {
        let c = s[i]
        if depth == 0, c == "," || c == "}" { break }
        if c == "[" || c == "{" || c == "(" { depth += 1 }
        if c == "]" || c == "}" || c == ")" { depth -= 1 }
        out.append(c)
        i += 1
      }
      return String(out).trimmingCharacters(in: .whitespaces)
    }
    skipSpace()
    if i < s.count, s[i] == "}" { return OrchestratorLine(fields: [:]) }
    while i < s.count {
      skipSpace()
      guard let key = quoted() else { return nil }
      skipSpace()
      guard i < s.count, s[i] == ":" else { return nil }
      i += 1
      skipSpace()
      let value: String
      if let q = quoted() { value = q } else { value = bare() }
      fields[key] = value
      skipSpace()
      guard i < s.count else { return nil }
      if s[i] == "}" { return OrchestratorLine(fields: fields) }
      guard s[i] == "," else { return nil }
      i += 1
    }
    return nil
  }

  /// A LOG-pane entry: component ORCHESTRATOR, error when failed or a failure message is present,
  /// warning while stopping; text "state: message — failure". Unparseable lines are kept as info text.
  public static func entry(_ event: LogEvent, task: String?) -> LogEntry {
    guard let p = parseLine(event.message) else {
      return LogEntry(
        time: event.timestamp, source: .log, severity: .info, component: "ORCHESTRATOR",
        text: event.message.trimmingCharacters(in: .whitespacesAndNewlines), task: task)
    }
    let state = p.state ?? ""
    let severity: LogSeverity =
      state == ReplicationStatus.failed || p.failureMessage != nil
      ? .error : (state == ReplicationStatus.stopping ? .warning : .info)
    var text = state.isEmpty ? "" : state
    if let m = p.message, !m.isEmpty { text += text.isEmpty ? m : ": \(m)" }
    if let f = p.failureMessage { text += text.isEmpty ? f : " — \(f)" }
    return LogEntry(time: event.timestamp, source: .log, severity: severity, component: "ORCHESTRATOR", text: text, task: task)
  }

  /// The newest failure message in `events` (the detail view's "orchestrator says").
  public static func lastFailure(_ events: [LogEvent]) -> (time: Date, message: String)? {
    for e in events.sorted(by: { $0.timestamp > $1.timestamp }) {
      if let p = parseLine(e.message), let f = p.failureMessage { return (e.timestamp, f) }
    }
    return nil
  }
}

// MARK: - Actions and log targets (for the backend that plugs this into the engine)

/// Routing of the dashboard's commands to the serverless calls, and the refusals the state demands.
public enum ServerlessActions {
  /// Why `command` must not be sent to this replication, or nil when it may (read-only: never;
  /// start only with a type `ServerlessJoin.allowedStartTypes` offers; stop while running or starting
  /// up; reload/revalidate only while running).
  public static func refusal(_ command: ServiceCommand, row: ReplicationTask) -> String? {
    guard let sl = row.serverless else { return "\(row.identifier) is not a serverless replication" }
    if sl.isReadOnly { return "\(row.identifier) is read-only (zero-ETL integration): no actions" }
    switch command {
    case .start(_, _, let type, let from):
      if from != nil, row.migration != .cdc {
        return "\(row.identifier) is \(row.migrationType): a CDC start point applies to CDC-only replications"
      }
      let allowed = ServerlessJoin.allowedStartTypes(row)
      if allowed.contains(type) { return nil }
      if allowed.isEmpty { return "\(row.identifier) is \(row.status): it cannot be started now" }
      return "\(row.identifier) allows \(allowed.map(\.rawValue).joined(separator: " or ")), not \(type.rawValue)"
    case .stop:
      return ServerlessJoin.canStop(row) ? nil : "\(row.identifier) is \(row.status): nothing to stop"
    case .reload:
      return ServerlessJoin.canReload(row) ? nil : "\(row.identifier) is \(row.status): tables reload only while running"
    case .testConnections:
      return "\(row.identifier) is a serverless replication: it has no replication instance to test endpoint connections from"
    }
  }

  /// Sends `command` once (StartReplication / StopReplication / ReloadReplicationTables) and returns the
  /// replication the call answered with (nil for a reload). The caller handles a lost outcome
  /// ("outcome unknown — verify") and audits; nothing here retries.
  public static func perform(_ command: ServiceCommand, on service: any DMSServerlessService) async throws -> Replication? {
    switch command {
    case .start(let arn, _, let type, let from):
      return try await service.startReplication(configArn: arn, type: type, cdcStartTime: from?.time, cdcStartPosition: from?.position)
    case .stop(let arn, _):
      return try await service.stopReplication(configArn: arn)
    case .reload(let arn, _, let tables, let option):
      try await service.reloadReplicationTables(configArn: arn, tables: tables, option: option)
      return nil
    case .testConnections:
      throw ServiceError(kind: .client, code: "Unsupported", message: "serverless replications have no connection test from an instance")
    }
  }
}

/// A log stream of a serverless replication and how to read its lines.
public struct ServerlessLogTarget: Sendable, Equatable {
  public enum Kind: String, Sendable, Equatable { case orchestrator, task }
  public var kind: Kind
  public var group: String
  public var stream: String

  /// The LOG-pane entry for one event of this stream.
  public func entry(_ event: LogEvent, task: String?) -> LogEntry {
    switch kind {
    case .orchestrator: OrchestratorLogParser.entry(event, task: task)
    case .task: DMSLogParser.parse(event, task: task)
    }
  }
}

public enum ServerlessLogs {
  /// The orchestrator stream, then the task stream (named after the config resource id; see DECISIONS).
  public static func targets(for row: ReplicationTask) -> [ServerlessLogTarget] {
    guard let sl = row.serverless else { return [] }
    let group = ServerlessLogNames.group(configResourceId: sl.resourceId)
    return [
      ServerlessLogTarget(kind: .orchestrator, group: group, stream: ServerlessLogNames.orchestratorStream(configResourceId: sl.resourceId)),
      ServerlessLogTarget(kind: .task, group: group, stream: ServerlessLogNames.taskStream(resourceId: sl.resourceId)),
    ]
  }

  /// A missing group or stream: before the first run (or with logging off) this is normal, not an error.
  public static func isNotCreatedYet(_ error: any Error) -> Bool {
    guard let e = error as? ServiceError else { return false }
    return e.kind == .notFound || e.code == "ResourceNotFoundException"
  }

  /// What to say instead of an error for `isNotCreatedYet` failures.
  public static func notCreatedYetText(_ row: ReplicationTask, _ target: ServerlessLogTarget) -> String {
    if row.serverless?.hasReplication == false { return "no logs yet: the first run creates the log group" }
    return target.kind == .task
      ? "no task log stream (logging is off or the replication has not run yet)"
      : "no orchestrator log yet"
  }
}
