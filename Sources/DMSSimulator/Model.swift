import DMSWatchModel
import Foundation

/// What a task is doing when the fleet is created; fixes its history.
enum Role: Int, CaseIterable {
  case healthy, missing, loading, failed, duplicate, fullLoadDone, unreported, stoppedNormal, failedOracle,
    starting, ready, mixed
}

enum Discrepancy: Int { case none, missing, duplicate, both }

/// Per-task traits, all derived from the seed at creation.
struct Profile {
  var type: MigrationType
  var role: Role
  var discrepancy: Discrepancy = .none
  var tableErrors = false
  var highLatency = false
  var validation = false
  var mixedValidation = false
  var appliedUnreported = false
  var loggingOff = false
  var failureKind = 0
  var forceOracle = false
}

/// Seconds of "active" time: accumulated plus the open interval since `since`.
struct ActiveClock {
  var accum: Double = 0
  var since: Date? = nil

  func at(_ t: Date) -> Double {
    guard let since else { return accum }
    return accum + max(0, t.timeIntervalSince(since))
  }

  mutating func pause(_ t: Date) {
    accum = at(t)
    since = nil
  }
}

/// The current full load: load-seconds elapsed drive the per-table schedule.
struct LoadState {
  var origin: Date
  var clock: ActiveClock
  var finishedAt: Date?
}

/// One period in `running`, for metrics and periodic log lines.
struct Run {
  var start: Date
  var end: Date?
  /// The run began with a full load in progress.
  var loading: Bool
  var loadEnd: Date?
  /// CDC was active from here to the end of the run.
  var cdcFrom: Date?
  /// Seconds of backlog to catch up at the start (resume after downtime).
  var catchUp: Double

  enum Mode { case load, cdc, idle }

  func mode(at t: Date) -> Mode {
    if let c = cdcFrom, t >= c { return .cdc }
    if loading, loadEnd.map({ t < $0 }) ?? true { return .load }
    return .idle
  }

  func contains(_ t: Date) -> Bool { t >= start && (end.map { t < $0 } ?? true) }
}

enum Phase: Equatable {
  case ready
  case starting(until: Date, type: StartTaskType, fresh: Bool)
  case running
  case stopping(until: Date)
  case stopped
  case failed

  var status: String {
    switch self {
    case .ready: TaskStatus.ready
    case .starting: TaskStatus.starting
    case .running: TaskStatus.running
    case .stopping: TaskStatus.stopping
    case .stopped: TaskStatus.stopped
    case .failed: TaskStatus.failed
    }
  }
}

/// Per-table state that actions create; sparse (only touched tables).
struct TableOverride {
  var reloadAt: Date?
  var reloadDone: Date?
  /// CDC active-seconds when the reload finished: counters restart there.
  var cdcMark: Double = 0
  var validateAt: Date?
  var validateDone: Date?
}

/// A log line written by an action or a transition (periodic lines are computed).
struct LogLine {
  var ms: Int64
  var tie: Int
  var text: String
}

/// Per-table facts, computed from hashes on demand (never stored).
struct TableTraits {
  var rows: Int64
  var cdcRate: Double
  var insFrac: Double
  var updFrac: Double
  var ddls: Int64
  var discrepancy: Discrepancy
  var discrepancyOp: Int
  var discrepancyAmount: Int64
  var tableError: Bool
  var errorRows: Int64
  var condFailed: Int64
  var validation: BaseValidation
  var appliedReported: Bool
}

enum BaseValidation { case off, validated, pending, suspended, noPrimaryKey, mismatched, tableError }

final class SimTask {
  let index: Int
  let key: UInt64
  let identifier: String
  let arn: String
  let resourceId: String
  let instance: Int
  let sourceEndpoint: Int
  let targetEndpoint: Int
  let sourceEngine: String
  let domain: String
  let tableCount: Int
  let creationDate: Date
  let profile: Profile
  /// Seconds a full load of all tables takes with 8 parallel subtasks.
  let loadDuration: Double
  /// Rows per second across the task in CDC.
  let cdcRate: Double
  /// Milliseconds between periodic log lines.
  let logIntervalMs: Int64
  /// Source schema of the tables, and whether every ninth table lives in `archive`.
  let schema: String
  let schemaIsPostgresStyle: Bool
  /// Rotates the table-name word list per task.
  let tableWordOffset: Int

  var phase: Phase = .ready
  var stopReason: String?
  var lastFailure: String?
  var startDate: Date?
  var freshStartDate: Date?
  var stopDate: Date?
  /// Incremented by each fresh start / reload-target: epoch 0 carries the seeded problems.
  var epoch = 0
  var load: LoadState?
  var cdc = ActiveClock()
  /// A start from a chosen CDC point (StartReplicationTask's CdcStartPosition/Time): the backlog the next run
  /// begins with, in seconds, and the point as DMS echoes it.
  var cdcStartBacklog: Double?
  var cdcStartPoint: CdcStartPoint?
  var runs: [Run] = []
  var overrides: [Int: TableOverride] = [:]
  var logs: [LogLine] = []
  var nextTie = 1
  var loadRate: Double?
  /// A scheduled spontaneous failure (one-shot) while running.
  var failAt: Date?
  var statsCache: ReplicationTaskStats?
  /// Set on DMS Serverless replications (they live in `SimulatedFleet.replications`, not `tasks`).
  var serverless: SimServerless?

  init(
    index: Int, key: UInt64, identifier: String, arn: String, resourceId: String, instance: Int,
    sourceEndpoint: Int, targetEndpoint: Int, sourceEngine: String, domain: String, tableCount: Int,
    creationDate: Date, profile: Profile, loadDuration: Double, cdcRate: Double, logIntervalMs: Int64
  ) {
    self.index = index
    self.key = key
    self.identifier = identifier
    self.arn = arn
    self.resourceId = resourceId
    self.instance = instance
    self.sourceEndpoint = sourceEndpoint
    self.targetEndpoint = targetEndpoint
    self.sourceEngine = sourceEngine
    self.domain = domain
    self.tableCount = tableCount
    self.creationDate = creationDate
    self.profile = profile
    self.loadDuration = loadDuration
    self.cdcRate = cdcRate
    self.logIntervalMs = logIntervalMs
    (schema, schemaIsPostgresStyle) = Catalog.schema(engine: sourceEngine, domain: domain, key: key)
    tableWordOffset = Int(H.h(key, Salt.name, 3) % UInt64(Catalog.tableWords.count))
  }

  var type: MigrationType { profile.type }
  var hasLoad: Bool { type != .cdc }
  var hasCdc: Bool { type != .fullLoad }
  var isLoading: Bool { load.map { $0.finishedAt == nil && $0.clock.since != nil } ?? false }
}

struct SimInstance {
  var identifier: String
  var arn: String
  var instanceClass: String
  var engineVersion: String
}

struct SimEndpoint {
  var identifier: String
  var arn: String
  var type: String
  var engine: String
}
