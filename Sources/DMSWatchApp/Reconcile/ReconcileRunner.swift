import AWSClient
import DMSReconcile
import DMSWatchModel
import DatabaseClients
import Foundation

/// What one `reconcile` run checks.
public struct ReconcileRequest: Sendable {
  /// Task identifiers or ARNs; empty: every task.
  public var tasks: [String] = []
  /// `schema.table` glob.
  public var tableGlob: String?
  public var checksum = false
  public var exactCounts = true
  public var estimateAbove: Int64 = 50_000_000
  public var statementTimeout: TimeInterval = 30
  public var connectTimeout: TimeInterval = 5
  public var maxConcurrent = 2
  public var recheckDelay: TimeInterval = 2
  public init() {}
}

/// A failure that ends the run before any database is reached (listing tasks or endpoints): exit 3.
public struct ReconcileFailure: Error, CustomStringConvertible {
  public var message: String
  public var description: String { message }
}

/// Where reconciliation gets its AWS data. The AWS session and the simulator both provide it.
public struct ReconcileServices: Sendable {
  public var dms: any DMSService
  public var metrics: (any MetricsService)?
  public var secrets: AWSSecretsManagerClient?
  public var athena: AWSAthenaClient?
  /// Connections that bypass endpoint resolution (the simulator): task ARN, endpoint, is-source → connection or nil (unsupported).
  public var endpointConnection: (@Sendable (String, Endpoint, Bool) -> (any DatabaseConnection)?)?
  public init(
    dms: any DMSService, metrics: (any MetricsService)?, secrets: AWSSecretsManagerClient?, athena: AWSAthenaClient?,
    endpointConnection: (@Sendable (String, Endpoint, Bool) -> (any DatabaseConnection)?)? = nil
  ) {
    self.dms = dms
    self.metrics = metrics
    self.secrets = secrets
    self.athena = athena
    self.endpointConnection = endpointConnection
  }
}

/// DescribeReplicationTasks → DescribeEndpoints → secret or config → connect → count/checksum/validation rows.
public struct ReconcileRunner: Sendable {
  public let services: ReconcileServices
  public let config: ReconcileConfig
  public let environment: [String: String]
  public let request: ReconcileRequest
  /// Connections for an endpoint; tests and the simulator inject their own.
  public let connect: @Sendable (DatabaseSettings) throws -> any DatabaseConnection

  public init(
    services: ReconcileServices, config: ReconcileConfig, environment: [String: String], request: ReconcileRequest,
    connect: @escaping @Sendable (DatabaseSettings) throws -> any DatabaseConnection = { try DatabasePool(settings: $0) }
  ) {
    self.services = services
    self.config = config
    self.environment = environment
    self.request = request
    self.connect = connect
  }

  public func run() async throws -> [TaskReconciliation] {
    let all: [ReplicationTask]
    let endpoints: [Endpoint]
    do {
      all = try await services.dms.allReplicationTasks()
    } catch {
      throw ReconcileFailure(message: "DescribeReplicationTasks failed: \(Self.text(error))")
    }
    let wanted = request.tasks.isEmpty ? all : all.filter { t in request.tasks.contains { $0 == t.identifier || $0 == t.arn } }
    let unknown = request.tasks.filter { id in !all.contains { $0.identifier == id || $0.arn == id } }
    do {
      endpoints = try await collectPages { try await services.dms.describeEndpoints(marker: $0) }
    } catch {
      throw ReconcileFailure(message: "DescribeEndpoints failed: \(Self.text(error))")
    }
    let byArn = Dictionary(endpoints.map { ($0.arn, $0) }, uniquingKeysWith: { a, _ in a })
    let cdc = await cdcContexts(wanted)
    var out: [TaskReconciliation] = []
    for id in unknown {
      out.append(TaskReconciliation(task: id, taskArn: "", error: "no such task", errorKind: "config"))
    }
    for task in wanted {
      if Task.isCancelled { break }
      out.append(await reconcile(task: task, endpoints: byArn, cdc: cdc[task.arn] ?? .idle))
    }
    return out
  }

  /// One task, with progress (the dashboard's RECON view): tables so far after every table and checksum level.
  /// `checksumTables` limits the checksum to marked tables (nil: every table when `request.checksum`).
  public func runOne(
    taskArn: String, checksumTables: Set<String>? = nil, progress: @escaping @Sendable (TaskReconciliation, Int) async -> Void = { _, _ in }
  ) async throws -> TaskReconciliation {
    let all: [ReplicationTask]
    let endpoints: [Endpoint]
    do {
      all = try await services.dms.allReplicationTasks()
      endpoints = try await collectPages { try await services.dms.describeEndpoints(marker: $0) }
    } catch {
      throw ReconcileFailure(message: "DescribeReplicationTasks/DescribeEndpoints failed: \(Self.text(error))")
    }
    guard let task = all.first(where: { $0.arn == taskArn || $0.identifier == taskArn }) else {
      throw ReconcileFailure(message: "no such task \(taskArn)")
    }
    let cdc = await cdcContexts([task])[task.arn] ?? .idle
    let byArn = Dictionary(endpoints.map { ($0.arn, $0) }, uniquingKeysWith: { a, _ in a })
    return await reconcile(task: task, endpoints: byArn, cdc: cdc, checksumTables: checksumTables, progress: progress)
  }

  func reconcile(
    task: ReplicationTask, endpoints: [String: Endpoint], cdc: CDCContext, checksumTables: Set<String>? = nil,
    progress: @escaping @Sendable (TaskReconciliation, Int) async -> Void = { _, _ in }
  ) async -> TaskReconciliation {
    var base = TaskReconciliation(task: task.identifier, taskArn: task.arn)
    guard let sArn = task.sourceEndpointArn, let tArn = task.targetEndpointArn, let se = endpoints[sArn], let te = endpoints[tArn] else {
      base.error = "the task's endpoints are not in DescribeEndpoints"
      base.errorKind = "config"
      return base
    }
    base.sourceEngine = se.engineName
    base.targetEngine = te.engineName
    let src: any DatabaseConnection
    let tgt: any DatabaseConnection
    do {
      if let sim = services.endpointConnection {
        guard let a = sim(task.arn, se, true), let b = sim(task.arn, te, false) else {
          throw DatabaseError(.unsupported, "\(se.engineName ?? "?") → \(te.engineName ?? "?") is not supported for reconciliation")
        }
        (src, tgt) = (a, b)
      } else {
        src = try await connection(for: se)
        tgt = try await connection(for: te)
      }
    } catch let e as DatabaseError {
      base.error = e.message
      base.errorKind = e.kind == .unsupported ? "unsupported" : (e.kind == .config ? "config" : "unreachable")
      return base
    } catch {
      base.error = Self.text(error)
      base.errorKind = "unreachable"
      return base
    }
    defer {
      let pools = [src, tgt].compactMap { $0 as? DatabasePool }
      Task { for p in pools { await p.close() } }
    }
    let stats: [TableStatistics]
    do {
      stats = try await services.dms.allTableStatistics(taskArn: task.arn)
    } catch {
      base.error = "DescribeTableStatistics failed: \(Self.text(error)) (the task's tables are not known)"
      base.errorKind = "unreachable"
      return base
    }
    var pairs = Reconciler.pairs(from: stats)
    if tgt.dialect == .athena, let glue = glueDatabase(te) {
      pairs = pairs.map { TablePair(source: $0.source, target: TableName(schema: glue, name: $0.source.name.lowercased())) }
    }
    if let g = request.tableGlob { pairs = pairs.filter { Reconciler.matches($0.source.description, glob: g) } }
    var options = ReconcileOptions()
    options.checksum = request.checksum
    options.exactCounts = request.exactCounts
    options.estimateAbove = config.estimateAbove ?? request.estimateAbove
    options.recheckDelay = request.recheckDelay
    options.controlSchema = config.endpoints[te.identifier]?.controlSchema
    let r = Reconciler(source: src, target: tgt, options: options)
    let total = pairs.count
    var result = await r.reconcileTask(
      task: task.identifier, taskResourceId: task.resourceId, taskArn: task.arn, tables: pairs, cdc: cdc,
      checksumTables: checksumTables, readValidation: tgt.dialect != .athena, progress: { partial in await progress(partial, total) })
    result.sourceEngine = se.engineName
    result.targetEngine = te.engineName
    // A side that could not be reached at all makes the task's error, not one line per table.
    let unreachable = result.tables.filter { $0.verdict == .unknown && Self.isUnreachable($0.detail) }
    if !result.tables.isEmpty, unreachable.count == result.tables.count, let first = unreachable.first {
      result.error = first.detail
      result.errorKind = "unreachable"
    }
    return result
  }

  static func isUnreachable(_ detail: String) -> Bool {
    detail.contains("cannot connect") || detail.contains("authentication failed") || detail.contains("connection lost")
  }

  // MARK: endpoints

  /// The engine family of a DMS EngineName.
  public static func dialect(engine: String?) -> SQLDialect? {
    switch (engine ?? "").lowercased() {
    case "postgres", "aurora-postgresql", "postgresql", "babelfish": .postgres
    case "mysql", "mariadb", "aurora", "aurora-mysql": .mysql
    case "s3": .athena
    default: nil
    }
  }

  func glueDatabase(_ e: Endpoint) -> String? {
    if let g = config.endpoints[e.identifier]?.glueDatabase { return g }
    guard let folder = e.s3BucketFolder ?? e.s3BucketName else { return nil }
    let last = folder.split(separator: "/").last.map(String.init) ?? folder
    return String(last.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
  }

  func connection(for e: Endpoint) async throws -> any DatabaseConnection {
    guard let dialect = Self.dialect(engine: e.engineName) else {
      throw DatabaseError(.unsupported, "\(e.engineName ?? "unknown engine") (\(e.identifier)) is not supported for reconciliation")
    }
    let o = config.endpoints[e.identifier] ?? ReconcileConfig.EndpointOverride()
    if dialect == .athena {
      guard let athena = services.athena else { throw DatabaseError(.config, "\(e.identifier): no Athena client") }
      guard glueDatabase(e) != nil else {
        throw DatabaseError(.config, "\(e.identifier): S3 target without a Glue database (set reconcile.endpoints.\(e.identifier).glue_database)")
      }
      let client = AWSAthenaClient(caller: athena.caller, workGroup: o.athenaWorkGroup, outputLocation: o.athenaOutput)
      return AthenaConnection(client: client, database: glueDatabase(e) ?? "", timeout: request.statementTimeout, label: "athena://\(e.identifier)")
    }
    let settings = try await resolve(e, dialect: dialect, override: o)
    return try connect(settings)
  }

  /// Host/port/user/database: config override, then the endpoint, then the secret. Password: config, then the secret.
  func resolve(_ e: Endpoint, dialect: SQLDialect, override o: ReconcileConfig.EndpointOverride) async throws -> DatabaseSettings {
    var secret: DatabaseSecret?
    let configPassword: DatabasePassword?
    if let env = o.passwordEnv {
      guard let v = environment[env], !v.isEmpty else {
        throw DatabaseError(.config, "\(e.identifier): password_env \(env) is not set")
      }
      configPassword = DatabasePassword(v)
    } else if let cmd = o.passwordCommand {
      configPassword = DatabasePassword(try PasswordCommand.run(cmd, endpoint: e.identifier))
    } else {
      configPassword = o.password
    }
    if configPassword == nil || o.user == nil && e.username == nil, let id = e.secretsManagerSecretId {
      guard let sm = services.secrets else { throw DatabaseError(.config, "\(e.identifier): no Secrets Manager client") }
      do {
        secret = try await sm.databaseSecret(id: id)
      } catch {
        throw DatabaseError(.unreachable, "\(e.identifier): cannot read secret \(id): \(Self.text(error))")
      }
    }
    guard let host = o.host ?? e.serverName ?? secret?.host else {
      throw DatabaseError(.config, "\(e.identifier): no server name (set reconcile.endpoints.\(e.identifier).host)")
    }
    let port = o.port ?? e.port ?? secret?.port ?? (dialect == .postgres ? 5432 : 3306)
    guard let user = o.user ?? e.username ?? secret?.username else {
      throw DatabaseError(.config, "\(e.identifier): no user name (set reconcile.endpoints.\(e.identifier).user)")
    }
    let password = configPassword ?? secret?.password.map(DatabasePassword.init)
    guard let password else {
      throw DatabaseError(
        .config,
        "\(e.identifier): no password: the endpoint has no SecretsManagerSecretId; set password_env or password_command under reconcile.endpoints.\(e.identifier)"
      )
    }
    let database = o.database ?? e.databaseName ?? secret?.database ?? (dialect == .postgres ? "postgres" : "")
    var tls = o.tls ?? .prefer
    if o.tls == nil, let m = e.sslMode?.lowercased() {
      if m == "require" { tls = .require } else if m == "verify-full" || m == "verify-ca" { tls = .verifyFull }
    }
    var s = DatabaseSettings(dialect: dialect, host: host, port: port, database: database, user: user, password: password, tls: tls)
    s.statementTimeout = config.statementTimeout ?? request.statementTimeout
    s.connectTimeout = request.connectTimeout
    s.maxConcurrent = config.maxConcurrent ?? request.maxConcurrent
    return s
  }

  // MARK: CDC in flight

  /// Latest CDCIncomingChanges and CDCLatencyTarget for tasks applying changes; unknown when metrics fail.
  func cdcContexts(_ tasks: [ReplicationTask]) async -> [String: CDCContext] {
    var out: [String: CDCContext] = [:]
    let active = tasks.filter { $0.status == TaskStatus.running && $0.migration != .fullLoad }
    for t in tasks { out[t.arn] = CDCContext(active: false) }
    guard !active.isEmpty else { return out }
    for t in active { out[t.arn] = CDCContext(active: true) }
    guard let metrics = services.metrics,
      let instances = try? await collectPages({ try await services.dms.describeReplicationInstances(marker: $0) })
    else { return out }
    let names = Dictionary(instances.map { ($0.arn, $0.identifier) }, uniquingKeysWith: { a, _ in a })
    var queries: [MetricQuery] = []
    for (i, t) in active.enumerated() {
      guard let inst = t.replicationInstanceArn.flatMap({ names[$0] }) else { continue }
      queries.append(MetricQuery(id: "in\(i)", metricName: DMSMetric.cdcIncomingChanges, instanceIdentifier: inst, taskResourceId: t.resourceId))
      queries.append(MetricQuery(id: "lt\(i)", metricName: DMSMetric.cdcLatencyTarget, instanceIdentifier: inst, taskResourceId: t.resourceId))
    }
    let end = Date()
    guard !queries.isEmpty, let results = try? await metrics.getMetricData(queries: queries, start: end.addingTimeInterval(-600), end: end, period: 60)
    else { return out }
    for (i, t) in active.enumerated() {
      let incoming = results.first { $0.id == "in\(i)" }?.points.last?.value
      let latency = results.first { $0.id == "lt\(i)" }?.points.last?.value
      out[t.arn] = CDCContext(active: true, latencySeconds: latency, inFlightChanges: incoming)
    }
    return out
  }

  static func text(_ e: any Error) -> String {
    if let s = e as? ServiceError { return s.description }
    if let d = e as? DatabaseError { return d.message }
    return String(describing: e)
  }
}

/// `password_command`: runs through /bin/sh, stdout is the password (one trailing newline dropped).
/// Neither its output nor its stderr ever goes into a message.
enum PasswordCommand {
  static func run(_ command: String, endpoint: String, timeout: TimeInterval = 15) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", command]
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    p.standardInput = FileHandle.nullDevice
    do {
      try p.run()
    } catch {
      throw DatabaseError(.config, "\(endpoint): password_command could not start")
    }
    let deadline = Date().addingTimeInterval(timeout)
    let reader = out.fileHandleForReading
    var data = Data()
    while true {
      let chunk = reader.availableData
      if chunk.isEmpty { break }
      data.append(chunk)
      if data.count > 65536 || Date() > deadline { break }
    }
    if p.isRunning, Date() > deadline { p.terminate() }
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
      throw DatabaseError(.config, "\(endpoint): password_command exited with status \(p.terminationStatus)")
    }
    var s = String(decoding: data, as: UTF8.self)
    if s.hasSuffix("\n") { s.removeLast() }
    if s.hasSuffix("\r") { s.removeLast() }
    guard !s.isEmpty else { throw DatabaseError(.config, "\(endpoint): password_command printed nothing") }
    return s
  }
}

/// Athena as a `DatabaseConnection` for S3 targets: counts only.
final class AthenaConnection: DatabaseConnection, @unchecked Sendable {
  let client: AWSAthenaClient
  let database: String
  let timeout: TimeInterval
  let label: String
  var dialect: SQLDialect { .athena }

  init(client: AWSAthenaClient, database: String, timeout: TimeInterval, label: String) {
    self.client = client
    self.database = database
    self.timeout = timeout
    self.label = label
  }

  func query(_ sql: String) async throws -> [[String?]] {
    try StatementGuard.check(sql)
    let id: String
    do {
      id = try await client.startQuery(sql, database: database)
    } catch {
      throw DatabaseError(.unreachable, "\(label): StartQueryExecution failed: \(ReconcileRunner.text(error))")
    }
    let deadline = Date().addingTimeInterval(timeout)
    var delay = 0.1
    while true {
      if Task.isCancelled {
        await client.stop(id)
        throw DatabaseError(.cancelled, "\(label): cancelled")
      }
      let (state, reason) = try await client.state(of: id)
      switch state {
      case "SUCCEEDED":
        // The first row of a SELECT result is the header.
        return Array(try await client.results(of: id).dropFirst())
      case "FAILED", "CANCELLED":
        throw DatabaseError(.query, "\(label): query \(state.lowercased()): \(reason ?? "no reason given")")
      default:
        if Date() > deadline {
          await client.stop(id)
          throw DatabaseError(.timeout, "\(label): statement timeout (\(Int(timeout)) s) exceeded")
        }
        try? await Task.sleep(nanoseconds: UInt64(delay * 1e9))
        delay = min(2, delay * 2)
      }
    }
  }
}
