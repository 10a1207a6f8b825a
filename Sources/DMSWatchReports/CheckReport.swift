import Foundation
import DMSWatchModel
import DMSWatchRules

/// The result of `dmswatch check`, serialised by `check --json` (schema: docs/check-json.md).
public struct CheckReport: Sendable, Equatable {
  public static let currentSchemaVersion = 1

  public struct TaskReport: Sendable, Equatable {
    public var identifier: String
    public var arn: String
    public var status: String
    public var migrationType: String
    public var stopReason: String?
    /// End-to-end CDC lag, seconds: CDCLatencyTarget (measured from the source commit), or the larger of
    /// CDCLatencySource and CDCLatencyTarget when they disagree; never their sum (nil when unknown or not a CDC task).
    public var cdcLatencySeconds: Double?
    /// Worst severity of the findings (ok when none).
    public var severity: Severity
    public var findings: [Finding]
    public var readiness: Readiness
    public var hints: [Hint]
    /// The scope (profile, region, account) the task was listed in; nil in reports of one unnamed scope.
    public var scope: ScopeInfo?
    /// `task` or `serverless` (a DMS Serverless replication: `arn` is its config ARN).
    public var kind: ReplicationKind = .task

    public init(
      identifier: String, arn: String, status: String, migrationType: String, stopReason: String? = nil,
      cdcLatencySeconds: Double? = nil, findings: [Finding], readiness: Readiness, hints: [Hint], kind: ReplicationKind = .task
    ) {
      self.kind = kind
      self.identifier = identifier
      self.arn = arn
      self.status = status
      self.migrationType = migrationType
      self.stopReason = stopReason
      self.cdcLatencySeconds = cdcLatencySeconds
      self.severity = TaskRules.worst(findings)
      self.findings = findings
      self.readiness = readiness
      self.hints = hints
    }
  }

  public struct Summary: Sendable, Equatable, Codable {
    /// Tasks reported.
    public var tasks: Int
    /// Tasks by worst severity.
    public var ok: Int
    public var unknown: Int
    public var warn: Int
    public var critical: Int
    /// Tasks ready for cutover.
    public var ready: Int
    /// Findings over all tasks.
    public var findings: Int
    /// Requested tasks that were not found.
    public var missingTasks: Int

    public init(tasks: [TaskReport], missingTasks: Int) {
      self.tasks = tasks.count
      ok = tasks.filter { $0.severity == .ok }.count
      unknown = tasks.filter { $0.severity == .unknown }.count
      warn = tasks.filter { $0.severity == .warn }.count
      critical = tasks.filter { $0.severity == .critical }.count
      ready = tasks.filter(\.readiness.ready).count
      findings = tasks.reduce(0) { $0 + $1.findings.count }
      self.missingTasks = missingTasks
    }
  }

  /// What one task's evaluation needs.
  public struct TaskInput: Sendable {
    public var task: ReplicationTask
    public var tables: TaskTables?
    public var metrics: TaskMetrics?
    /// Log lines and events of this task.
    public var logLines: [LogEntry]
    public init(task: ReplicationTask, tables: TaskTables?, metrics: TaskMetrics?, logLines: [LogEntry] = []) {
      self.task = task
      self.tables = tables
      self.metrics = metrics
      self.logLines = logLines
    }
  }

  public var schemaVersion: Int
  /// Whole seconds (fractions are dropped so the JSON round-trips exactly).
  public var generatedAt: Date
  /// Where the data came from, e.g. `aws:prod/eu-west-1` or `simulator`.
  public var source: String
  public var tasks: [TaskReport]
  public var summary: Summary
  /// Tasks asked for on the command line that do not exist (each counts as a warning).
  public var missingTasks: [String]
  /// Every scope checked, with its error when it could not be checked at all (its tasks are unknown).
  public var scopes: [ScopeReport] = []

  /// One scope of a check: who it is, how many tasks it has, and why it failed if it did.
  public struct ScopeReport: Sendable, Equatable, Codable {
    public var scope: ScopeInfo
    public var tasks: Int
    /// Set when the scope could not be checked (credentials, unreachable): its state is unknown.
    public var error: String?
    public init(scope: ScopeInfo, tasks: Int, error: String? = nil) {
      self.scope = scope
      self.tasks = tasks
      self.error = error
    }
  }

  public init(generatedAt: Date, source: String, tasks: [TaskReport], missingTasks: [String] = []) {
    schemaVersion = Self.currentSchemaVersion
    self.generatedAt = Date(timeIntervalSince1970: generatedAt.timeIntervalSince1970.rounded(.down))
    self.source = source
    self.tasks = tasks
    self.missingTasks = missingTasks
    summary = Summary(tasks: tasks, missingTasks: missingTasks.count)
  }
}

extension CheckReport {
  /// Evaluates findings, readiness and hints of every task. Tasks are sorted by identifier.
  /// `requested` are the task names the user asked for (empty = all); those matching no task identifier
  /// or ARN become `missingTasks`.
  public static func build(
    inputs: [TaskInput], requested: [String] = [], source: String, now: Date, config: RuleConfig = RuleConfig()
  ) -> CheckReport {
    let reports = inputs.map { evaluate($0, now: now, config: config) }.sorted { $0.identifier < $1.identifier }
    let known = Set(inputs.map(\.task.identifier)).union(inputs.map(\.task.arn))
    var missing: [String] = []
    for r in requested where !known.contains(r) && !missing.contains(r) { missing.append(r) }
    return CheckReport(generatedAt: now, source: source, tasks: reports, missingTasks: missing)
  }

  public static func evaluate(_ i: TaskInput, now: Date, config: RuleConfig = RuleConfig()) -> TaskReport {
    let t = i.task
    return TaskReport(
      identifier: t.identifier, arn: t.arn, status: t.status, migrationType: t.migrationType, stopReason: t.stopReason,
      cdcLatencySeconds: TaskRules.hasCDC(t) ? i.metrics?.currentLatency : nil,
      findings: TaskRules.findings(task: t, tables: i.tables, metrics: i.metrics, events: i.logLines, now: now, config: config),
      readiness: Readiness.evaluate(
        task: t, tables: i.tables, metrics: i.metrics, events: i.logLines, now: now, config: config,
        rowCounts: .from(nil, config: config)),
      hints: TriageHints.hints(for: t, logLines: i.logLines), kind: t.kind)
  }

  /// Worst severity in the report: findings, and `warn` for each missing task.
  public var worstSeverity: Severity {
    let f = tasks.flatMap(\.findings).map(\.severity).max() ?? .ok
    return missingTasks.isEmpty ? f : max(f, .warn)
  }

  /// 0 when nothing reaches `failOn`, 1 when a finding is at or above it. The default fails on critical
  /// findings only. A task asked for by name that does not exist makes it 1 whatever `failOn` says (it was
  /// not checked, so it cannot pass), unless `allowMissing`; then it is a warning like before.
  public static func exitCode(_ report: CheckReport, failOn: Severity = .critical, allowMissing: Bool = false) -> Int32 {
    if !report.missingTasks.isEmpty && !allowMissing { return 1 }
    let sev = report.tasks.flatMap(\.findings).map(\.severity) + report.missingTasks.map { _ in Severity.warn }
    return sev.contains { $0 >= failOn } ? 1 : 0
  }

  public func exitCode(failOn: Severity = .critical, allowMissing: Bool = false) -> Int32 {
    Self.exitCode(self, failOn: failOn, allowMissing: allowMissing)
  }

  /// One report over several scopes. A scope that failed is listed with its error (unknown, never
  /// passed); a requested task is missing only when no scope that answered has it.
  public static func merge(
    _ parts: [(scope: ScopeInfo, report: CheckReport?, error: String?)], requested: [String], source: String, now: Date
  ) -> CheckReport {
    var tasks: [TaskReport] = []
    var scopes: [ScopeReport] = []
    for p in parts {
      var mine = p.report?.tasks ?? []
      for i in mine.indices { mine[i].scope = p.scope }
      tasks += mine
      scopes.append(ScopeReport(scope: p.scope, tasks: mine.count, error: p.error))
    }
    tasks.sort { ($0.identifier, $0.scope?.id.rawValue ?? "") < ($1.identifier, $1.scope?.id.rawValue ?? "") }
    let known = Set(tasks.map(\.identifier)).union(tasks.map(\.arn))
    var missing: [String] = []
    for r in requested where !known.contains(r) && !missing.contains(r) { missing.append(r) }
    var out = CheckReport(generatedAt: now, source: source, tasks: tasks, missingTasks: missing)
    out.scopes = scopes
    return out
  }

  /// Pretty, key-sorted JSON (the documented `check --json` output).
  public func jsonData() throws -> Data {
    let e = JSONEncoder()
    e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return try e.encode(self)
  }

  public static func decode(_ data: Data) throws -> CheckReport {
    try JSONDecoder().decode(CheckReport.self, from: data)
  }
}

// MARK: Codable (severity as its label, dates as ISO-8601 strings, whatever the encoder's strategies)

extension CheckReport: Codable {
  enum CodingKeys: String, CodingKey { case schemaVersion, generatedAt, source, tasks, summary, missingTasks, scopes }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    schemaVersion = try c.decode(Int.self, forKey: .schemaVersion)
    let iso = try c.decode(String.self, forKey: .generatedAt)
    guard let d = ISO8601DateFormatter().date(from: iso) else {
      throw DecodingError.dataCorruptedError(forKey: .generatedAt, in: c, debugDescription: "not an ISO-8601 time: \(iso)")
    }
    generatedAt = d
    source = try c.decode(String.self, forKey: .source)
    tasks = try c.decode([TaskReport].self, forKey: .tasks)
    summary = try c.decode(Summary.self, forKey: .summary)
    missingTasks = try c.decode([String].self, forKey: .missingTasks)
    scopes = try c.decodeIfPresent([ScopeReport].self, forKey: .scopes) ?? []
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(schemaVersion, forKey: .schemaVersion)
    try c.encode(Format.iso(generatedAt), forKey: .generatedAt)
    try c.encode(source, forKey: .source)
    try c.encode(tasks, forKey: .tasks)
    try c.encode(summary, forKey: .summary)
    try c.encode(missingTasks, forKey: .missingTasks)
    if !scopes.isEmpty { try c.encode(scopes, forKey: .scopes) }
  }
}

extension CheckReport.TaskReport: Codable {
  enum CodingKeys: String, CodingKey {
    case identifier, arn, status, migrationType, stopReason, cdcLatencySeconds, severity, findings, readiness, hints, scope, kind
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    identifier = try c.decode(String.self, forKey: .identifier)
    arn = try c.decode(String.self, forKey: .arn)
    status = try c.decode(String.self, forKey: .status)
    migrationType = try c.decode(String.self, forKey: .migrationType)
    stopReason = try c.decodeIfPresent(String.self, forKey: .stopReason)
    cdcLatencySeconds = try c.decodeIfPresent(Double.self, forKey: .cdcLatencySeconds)
    severity = try c.decode(SeverityLabel.self, forKey: .severity).severity
    findings = try c.decode([Finding].self, forKey: .findings)
    readiness = try c.decode(Readiness.self, forKey: .readiness)
    hints = try c.decode([Hint].self, forKey: .hints)
    scope = try c.decodeIfPresent(ScopeInfo.self, forKey: .scope)
    kind = try c.decodeIfPresent(ReplicationKind.self, forKey: .kind) ?? .task
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(identifier, forKey: .identifier)
    try c.encode(arn, forKey: .arn)
    try c.encode(status, forKey: .status)
    try c.encode(migrationType, forKey: .migrationType)
    try c.encodeIfPresent(stopReason, forKey: .stopReason)
    try c.encodeIfPresent(cdcLatencySeconds, forKey: .cdcLatencySeconds)
    try c.encode(SeverityLabel(severity), forKey: .severity)
    try c.encode(findings, forKey: .findings)
    try c.encode(readiness, forKey: .readiness)
    try c.encode(hints, forKey: .hints)
    try c.encodeIfPresent(scope, forKey: .scope)
    try c.encode(kind, forKey: .kind)
  }
}
