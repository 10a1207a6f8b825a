import Foundation
import DMSWatchModel

/// One problem (or unknown) found on a task or one of its tables. `event` is a stable, dotted name
/// (`dms.table.missing`, `dms.task.failed`, …) that notifications and `check --json` use.
public struct Finding: Sendable, Equatable {
  public var event: String
  public var severity: Severity
  /// Task identifier.
  public var task: String
  /// `schema.table` for table findings, nil for task findings.
  public var table: String?
  /// The operation of a MISSING/DUPLICATE finding.
  public var operation: Operation?
  public var message: String
  /// Counts, for MISSING/DUPLICATE (captured vs applied) and record counts.
  public var expected: Int64?
  public var actual: Int64?
  /// Measured value and the threshold it crossed, for metric findings (seconds, rows/s).
  public var value: Double?
  public var threshold: Double?
  /// The task's ARN and scope: names repeat across regions, so identity (and notification keys) use these.
  public var taskArn: String?
  public var scope: ScopeID?

  public init(
    event: String, severity: Severity, task: String, table: String? = nil, operation: Operation? = nil, message: String,
    expected: Int64? = nil, actual: Int64? = nil, value: Double? = nil, threshold: Double? = nil
  ) {
    self.event = event
    self.severity = severity
    self.task = task
    self.table = table
    self.operation = operation
    self.message = message
    self.expected = expected
    self.actual = actual
    self.value = value
    self.threshold = threshold
  }

  /// Identity of a finding across evaluations (used to deduplicate notifications).
  public var key: String { "\(taskArn ?? task)|\(event)|\(table ?? "")|\(operation?.rawValue ?? "")" }
}

extension Finding: Codable {
  enum CodingKeys: String, CodingKey {
    case event, severity, task, table, operation, message, expected, actual, value, threshold, taskArn, scope
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    event = try c.decode(String.self, forKey: .event)
    severity = try c.decode(SeverityLabel.self, forKey: .severity).severity
    task = try c.decode(String.self, forKey: .task)
    table = try c.decodeIfPresent(String.self, forKey: .table)
    operation = try c.decodeIfPresent(Operation.self, forKey: .operation)
    message = try c.decode(String.self, forKey: .message)
    expected = try c.decodeIfPresent(Int64.self, forKey: .expected)
    actual = try c.decodeIfPresent(Int64.self, forKey: .actual)
    value = try c.decodeIfPresent(Double.self, forKey: .value)
    threshold = try c.decodeIfPresent(Double.self, forKey: .threshold)
    taskArn = try c.decodeIfPresent(String.self, forKey: .taskArn)
    scope = try c.decodeIfPresent(ScopeID.self, forKey: .scope)
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(event, forKey: .event)
    try c.encode(SeverityLabel(severity), forKey: .severity)
    try c.encode(task, forKey: .task)
    try c.encodeIfPresent(table, forKey: .table)
    try c.encodeIfPresent(operation, forKey: .operation)
    try c.encode(message, forKey: .message)
    try c.encodeIfPresent(expected, forKey: .expected)
    try c.encodeIfPresent(actual, forKey: .actual)
    try c.encodeIfPresent(value, forKey: .value)
    try c.encodeIfPresent(threshold, forKey: .threshold)
    try c.encodeIfPresent(taskArn, forKey: .taskArn)
    try c.encodeIfPresent(scope, forKey: .scope)
  }
}

extension Severity {
  /// Parses `ok`, `unknown`, `warn` (or `warning`), `critical` (any case).
  public init?(label: String) {
    switch label.lowercased() {
    case "ok": self = .ok
    case "unknown": self = .unknown
    case "warn", "warning": self = .warn
    case "critical", "crit": self = .critical
    default: return nil
    }
  }
}

/// Severity as its label in JSON (`"warn"`), not the raw integer the model's own Codable uses.
public struct SeverityLabel: Codable, Sendable, Equatable {
  public var severity: Severity
  public init(_ s: Severity) { severity = s }
  public init(from decoder: any Decoder) throws {
    let c = try decoder.singleValueContainer()
    let s = try c.decode(String.self)
    guard let v = Severity(label: s) else {
      throw DecodingError.dataCorruptedError(in: c, debugDescription: "unknown severity \"\(s)\"")
    }
    severity = v
  }
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.singleValueContainer()
    try c.encode(severity.label)
  }
}

/// Every threshold the rules use, with their defaults. Decodes from partial JSON/YAML: absent keys keep the default.
public struct RuleConfig: Sendable, Equatable {
  /// End-to-end CDC lag (CDCLatencyTarget, or the larger of source and target when they disagree), seconds.
  public var latencyWarnSeconds: Double = 60
  public var latencyCriticalSeconds: Double = 300
  /// Target apply rate below which a task with incoming changes is "slow", rows/s.
  public var minThroughputRowsPerSecond: Double = 10
  /// Window over which a stall is detected (latency rising, nothing applied).
  public var stallMinutes: Double = 5
  /// Readiness: latency must stay under this for the whole window.
  public var readinessLatencySeconds: Double = 60
  public var readinessWindowMinutes: Double = 5
  /// Readiness requires validation to be enabled and finished on every table.
  public var requireValidation: Bool = true
  /// Error log lines / events younger than this (minutes) are reported as a task finding.
  public var recentErrorMinutes: Double = 5
  /// Readiness requires a reconciliation whose row counts match the source (`row_counts_match`: unknown,
  /// so NOT READY, until one ran). False leaves the criterion out, for tasks that cannot be reconciled.
  public var requireRowCounts: Bool = true

  public init() {}

  public init(
    latencyWarnSeconds: Double = 60, latencyCriticalSeconds: Double = 300, minThroughputRowsPerSecond: Double = 10,
    stallMinutes: Double = 5, readinessLatencySeconds: Double = 60, readinessWindowMinutes: Double = 5,
    requireValidation: Bool = true, recentErrorMinutes: Double = 5, requireRowCounts: Bool = true
  ) {
    self.latencyWarnSeconds = latencyWarnSeconds
    self.latencyCriticalSeconds = latencyCriticalSeconds
    self.minThroughputRowsPerSecond = minThroughputRowsPerSecond
    self.stallMinutes = stallMinutes
    self.readinessLatencySeconds = readinessLatencySeconds
    self.readinessWindowMinutes = readinessWindowMinutes
    self.requireValidation = requireValidation
    self.recentErrorMinutes = recentErrorMinutes
    self.requireRowCounts = requireRowCounts
  }

  /// The dashboard's latency thresholds from this config.
  public var thresholds: Thresholds { Thresholds(latencyWarn: latencyWarnSeconds, latencyCritical: latencyCriticalSeconds) }
}

extension RuleConfig: Codable {
  enum CodingKeys: String, CodingKey {
    case latencyWarnSeconds, latencyCriticalSeconds, minThroughputRowsPerSecond, stallMinutes
    case readinessLatencySeconds, readinessWindowMinutes, requireValidation, recentErrorMinutes, requireRowCounts
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let d = RuleConfig()
    latencyWarnSeconds = try c.decodeIfPresent(Double.self, forKey: .latencyWarnSeconds) ?? d.latencyWarnSeconds
    latencyCriticalSeconds = try c.decodeIfPresent(Double.self, forKey: .latencyCriticalSeconds) ?? d.latencyCriticalSeconds
    minThroughputRowsPerSecond =
      try c.decodeIfPresent(Double.self, forKey: .minThroughputRowsPerSecond) ?? d.minThroughputRowsPerSecond
    stallMinutes = try c.decodeIfPresent(Double.self, forKey: .stallMinutes) ?? d.stallMinutes
    readinessLatencySeconds = try c.decodeIfPresent(Double.self, forKey: .readinessLatencySeconds) ?? d.readinessLatencySeconds
    readinessWindowMinutes = try c.decodeIfPresent(Double.self, forKey: .readinessWindowMinutes) ?? d.readinessWindowMinutes
    requireValidation = try c.decodeIfPresent(Bool.self, forKey: .requireValidation) ?? d.requireValidation
    recentErrorMinutes = try c.decodeIfPresent(Double.self, forKey: .recentErrorMinutes) ?? d.recentErrorMinutes
    requireRowCounts = try c.decodeIfPresent(Bool.self, forKey: .requireRowCounts) ?? d.requireRowCounts
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(latencyWarnSeconds, forKey: .latencyWarnSeconds)
    try c.encode(latencyCriticalSeconds, forKey: .latencyCriticalSeconds)
    try c.encode(minThroughputRowsPerSecond, forKey: .minThroughputRowsPerSecond)
    try c.encode(stallMinutes, forKey: .stallMinutes)
    try c.encode(readinessLatencySeconds, forKey: .readinessLatencySeconds)
    try c.encode(readinessWindowMinutes, forKey: .readinessWindowMinutes)
    try c.encode(requireValidation, forKey: .requireValidation)
    try c.encode(recentErrorMinutes, forKey: .recentErrorMinutes)
    try c.encode(requireRowCounts, forKey: .requireRowCounts)
  }
}

/// `StopReason` of a stopped task ("Stop Reason FATAL_ERROR"), classified.
public enum StopReason: Sendable, Equatable {
  /// The task stopped by design (user stop, full load finished, stop time reached …).
  case normal(String)
  /// The task stopped because something went wrong.
  case error(String)
  /// A code dmswatch does not know.
  case unrecognized(String)

  public static let errorCodes: Set<String> = [
    "RECOVERABLE_ERROR", "FATAL_ERROR", "STOPPED_DUE_TO_LOW_MEMORY", "STOPPED_DUE_TO_LOW_DISK",
    "EXPRESS_LICENSE_LIMITS_REACHED",
  ]
  public static let normalCodes: Set<String> = [
    "NORMAL", "FULL_LOAD_ONLY_FINISHED", "STOPPED_AFTER_FULL_LOAD", "STOPPED_AFTER_CACHED_EVENTS",
    "STOPPED_AFTER_DDL_APPLY", "STOPPED_AT_SERVER_TIME", "STOPPED_AT_COMMIT_TIME", "RECONFIGURATION_RESTART",
    "RECYCLE_TASK",
  ]

  /// The bare code: "Stop Reason FATAL_ERROR" → "FATAL_ERROR" (also accepts the bare code).
  public static func code(of raw: String) -> String {
    var s = raw.trimmingCharacters(in: .whitespacesAndNewlines)
    let prefix = "stop reason"
    if s.lowercased().hasPrefix(prefix) {
      s = String(s.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
      if s.hasPrefix(":") { s = String(s.dropFirst()).trimmingCharacters(in: .whitespaces) }
    }
    return s.uppercased()
  }

  public init(_ raw: String) {
    let code = Self.code(of: raw)
    if Self.errorCodes.contains(code) {
      self = .error(code)
    } else if Self.normalCodes.contains(code) {
      self = .normal(code)
    } else if code.contains("ERROR") || code.contains("LOW_MEMORY") || code.contains("LOW_DISK") {
      // Codes DMS may add later that still say what they are.
      self = .error(code)
    } else {
      self = .unrecognized(code)
    }
  }

  public var code: String {
    switch self {
    case .normal(let c), .error(let c), .unrecognized(let c): c
    }
  }

  public var isError: Bool {
    if case .error = self { return true }
    return false
  }

  /// LastFailureMessage without DMS's own "Last Error " lead (so the screen never says "Last Error Error…").
  public static func failureText(_ raw: String) -> String {
    var s = raw.trimmingCharacters(in: .whitespacesAndNewlines)
    for lead in ["Last Error: ", "Last Error ", "Last error "] where s.hasPrefix(lead) {
      s = String(s.dropFirst(lead.count)).trimmingCharacters(in: .whitespaces)
      break
    }
    // "… Stop Reason FATAL_ERROR Error Level FATAL" at the end: said once, in words.
    if let r = s.range(of: " Stop Reason ", options: .backwards) {
      let tail = s[r.upperBound...]
      let code = tail.split(separator: " ").first.map(String.init) ?? ""
      if !code.isEmpty {
        s = String(s[..<r.lowerBound]).trimmingCharacters(in: .whitespaces) + " (\(label(code)))"
      }
    }
    return s
  }

  /// Words for the screen: "Stop Reason FATAL_ERROR" → "fatal error", "NORMAL" → "normal stop".
  public static func label(_ raw: String) -> String {
    let c = code(of: raw)
    if c == "NORMAL" { return "normal stop" }
    // "stopped: due to low memory", never "stopped: stopped due to…".
    let words = c.hasPrefix("STOPPED_") ? String(c.dropFirst("STOPPED_".count)) : c
    return words.lowercased().replacingOccurrences(of: "_", with: " ")
  }
}

/// Stable event names of findings.
public enum FindingEvent {
  public static let tableMissing = "dms.table.missing"
  public static let tableDuplicate = "dms.table.duplicate"
  public static let tableAppliedUnknown = "dms.table.applied_unknown"
  public static let tableValidationFailed = "dms.table.validation_failed"
  public static let tableValidationSuspended = "dms.table.validation_suspended"
  public static let tableValidationPending = "dms.table.validation_pending"
  public static let tableNotValidated = "dms.table.not_validated"
  public static let tableError = "dms.table.error"
  public static let tableLoadErrors = "dms.table.load_errors"
  public static let tableConditionalCheckFailed = "dms.table.load_condition_failed"
  public static let tableResyncFailed = "dms.table.resync_failed"

  public static let taskFailed = "dms.task.failed"
  public static let taskStoppedError = "dms.task.stopped_error"
  public static let taskStoppedUnrecognized = "dms.task.stopped_unrecognized"
  public static let taskLastFailure = "dms.task.last_failure"
  public static let taskTablesErrored = "dms.task.tables_errored"
  public static let taskLatencyHigh = "dms.task.latency_high"
  public static let taskThroughputLow = "dms.task.throughput_low"
  public static let taskStalled = "dms.task.stalled"
  public static let taskErrorsLogged = "dms.task.errors_logged"
  /// SORTER "Reading from source is paused" (swap files over the limit) in the recent log.
  public static let taskSourceReadingPaused = "dms.task.source_reading_paused"
  public static let taskTablesUnknown = "dms.task.tables_unknown"
  /// The row is from an earlier listing (its kind's listing failed since): status unknown.
  public static let taskListingStale = "dms.task.listing_stale"
  public static let taskMetricsUnknown = "dms.task.metrics_unknown"
  /// Reconciliation: the target does not hold the source's rows (counts or checksum), critical.
  public static let tableRowsMismatch = "dms.table.rows_mismatch"

  /// Every name, for documentation and tests.
  public static let all: [String] = [
    tableMissing, tableDuplicate, tableAppliedUnknown, tableValidationFailed, tableValidationSuspended,
    tableValidationPending, tableNotValidated, tableError, tableLoadErrors, tableConditionalCheckFailed,
    tableResyncFailed,
    taskFailed, taskStoppedError, taskStoppedUnrecognized, taskLastFailure, taskTablesErrored, taskLatencyHigh,
    taskThroughputLow, taskStalled, taskErrorsLogged, taskTablesUnknown, taskListingStale, taskMetricsUnknown, tableRowsMismatch,
  ]

  /// The event name of a table flag.
  public static func name(of kind: TableFlag.Kind) -> String {
    switch kind {
    case .missing: tableMissing
    case .duplicate: tableDuplicate
    case .appliedUnknown: tableAppliedUnknown
    case .validationFailed: tableValidationFailed
    case .validationSuspended: tableValidationSuspended
    case .validationPending: tableValidationPending
    case .notValidated: tableNotValidated
    case .tableError: tableError
    case .fullLoadErrorRows: tableLoadErrors
    case .conditionalCheckFailedRows: tableConditionalCheckFailed
    case .resyncFailed: tableResyncFailed
    }
  }
}
