import Foundation

/// The verdict on one table's rows, source against target.
public enum ReconVerdict: String, Sendable, Equatable, Codable, CaseIterable {
  /// Same count (and, when checksummed, same rows).
  case match = "MATCH"
  /// Counts differ by no more than what is in flight under CDC (judged after a recheck).
  case drift = "DRIFT"
  /// Counts or rows differ and nothing in flight explains it.
  case mismatch = "MISMATCH"
  /// Catalog estimates only (large table): neither a match nor a mismatch is claimed.
  case estimated = "ESTIMATED"
  /// Could not be judged (a side failed, timed out, or the table is missing on one side).
  case unknown = "UNKNOWN"
  /// The engine cannot be reconciled (Oracle, SQL Server, …).
  case unsupported = "UNSUPPORTED"

  /// Worse verdicts sort first.
  public var rank: Int {
    switch self {
    case .mismatch: 0
    case .unknown: 1
    case .drift: 2
    case .estimated: 3
    case .unsupported: 4
    case .match: 5
    }
  }
}

/// A row count and whether it came from the catalog (an estimate, shown with `~`).
public struct RowCount: Sendable, Equatable, Codable {
  public var value: Int64
  public var estimated: Bool
  public init(_ value: Int64, estimated: Bool = false) {
    self.value = value
    self.estimated = estimated
  }
  /// `1234` or `~1234`.
  public var label: String { (estimated ? "~" : "") + String(value) }
}

/// One row of `awsdms_validation_failures_v1` / `_v2` on the target.
public struct ValidationFailureRow: Sendable, Equatable, Codable {
  public enum FailureType: String, Sendable, Equatable, Codable, CaseIterable {
    case recordDiff = "RECORD_DIFF"
    case missingSource = "MISSING_SOURCE"
    case missingTarget = "MISSING_TARGET"
    case tableWarning = "TABLE_WARNING"
    case other = "OTHER"
  }
  public var schema: String
  public var table: String
  public var failureType: FailureType
  /// The type as written in the table (kept when it is not one of the known four).
  public var rawFailureType: String
  public var keyType: String?
  /// Key values, from `{"key": ["3451491"]}`; the raw text when it is not that shape.
  public var key: [String]
  public var rawKey: String?
  public var details: String?
  public var failureTime: String?
  /// `_v2` only: the resync outcome.
  public var resyncResult: String?

  public init(
    schema: String, table: String, failureType: FailureType, rawFailureType: String, keyType: String? = nil, key: [String] = [],
    rawKey: String? = nil, details: String? = nil, failureTime: String? = nil, resyncResult: String? = nil
  ) {
    self.schema = schema
    self.table = table
    self.failureType = failureType
    self.rawFailureType = rawFailureType
    self.keyType = keyType
    self.key = key
    self.rawKey = rawKey
    self.details = details
    self.failureTime = failureTime
    self.resyncResult = resyncResult
  }

  public var qualifiedName: String { "\(schema).\(table)" }
}

/// The row-set checksum of one table: how far it got and the keys it found.
public struct ChecksumResult: Sendable, Equatable, Codable {
  public enum State: String, Sendable, Equatable, Codable {
    case running, done, skipped, failed
  }
  public var state: State
  /// Why it was skipped or failed.
  public var reason: String?
  /// Segments judged so far and the segments known to need judging (grows while bisecting).
  public var segmentsDone: Int
  public var segmentsTotal: Int
  public var queries: Int
  /// Rows (aggregate rows and key rows) fetched from both databases together.
  public var rowsTransferred: Int64
  public var missingInTarget: [String]
  public var extraInTarget: [String]
  public var different: [String]
  /// True when more keys differ than were listed.
  public var truncated: Bool
  public var columnsCompared: [String]
  /// Columns not compared, with why (`price (float: inexact)`).
  public var columnsLeftOut: [String]

  public init(
    state: State, reason: String? = nil, segmentsDone: Int = 0, segmentsTotal: Int = 0, queries: Int = 0, rowsTransferred: Int64 = 0,
    missingInTarget: [String] = [], extraInTarget: [String] = [], different: [String] = [], truncated: Bool = false,
    columnsCompared: [String] = [], columnsLeftOut: [String] = []
  ) {
    self.state = state
    self.reason = reason
    self.segmentsDone = segmentsDone
    self.segmentsTotal = segmentsTotal
    self.queries = queries
    self.rowsTransferred = rowsTransferred
    self.missingInTarget = missingInTarget
    self.extraInTarget = extraInTarget
    self.different = different
    self.truncated = truncated
    self.columnsCompared = columnsCompared
    self.columnsLeftOut = columnsLeftOut
  }

  public var differingKeys: Int { missingInTarget.count + extraInTarget.count + different.count }
  /// 0…1 for the progress bar.
  public var fraction: Double {
    if state == .done { return 1 }
    guard segmentsTotal > 0 else { return 0 }
    return min(1, Double(segmentsDone) / Double(segmentsTotal))
  }
}

/// Source against target for one table.
public struct TableReconciliation: Sendable, Equatable, Codable {
  public var schema: String
  public var table: String
  public var source: RowCount?
  public var target: RowCount?
  public var verdict: ReconVerdict
  /// One line: why this verdict (`differs by 3 after a recheck; 0 changes in flight`).
  public var detail: String
  public var checkedAt: Date?
  /// Counts were taken twice because the first pair differed.
  public var rechecked: Bool
  public var checksum: ChecksumResult?
  public var validationFailures: [ValidationFailureRow]

  public init(
    schema: String, table: String, source: RowCount? = nil, target: RowCount? = nil, verdict: ReconVerdict, detail: String,
    checkedAt: Date? = nil, rechecked: Bool = false, checksum: ChecksumResult? = nil, validationFailures: [ValidationFailureRow] = []
  ) {
    self.schema = schema
    self.table = table
    self.source = source
    self.target = target
    self.verdict = verdict
    self.detail = detail
    self.checkedAt = checkedAt
    self.rechecked = rechecked
    self.checksum = checksum
    self.validationFailures = validationFailures
  }

  public var qualifiedName: String { "\(schema).\(table)" }
  /// source − target, when both are known.
  public var difference: Int64? {
    guard let s = source, let t = target else { return nil }
    return s.value - t.value
  }
}

/// Reconciliation of one task's tables.
public struct TaskReconciliation: Sendable, Equatable, Codable {
  public var task: String
  public var taskArn: String
  public var sourceEngine: String?
  public var targetEngine: String?
  public var tables: [TableReconciliation]
  /// Validation-failure rows of the task whose table is not among `tables`.
  public var otherValidationFailures: [ValidationFailureRow]
  /// Where the validation-failure rows came from, or why there are none (`awsdms_control.awsdms_validation_failures_v1`).
  public var validationSource: String?
  /// A failure that stopped the whole task (endpoint unreachable, credentials, unsupported engine).
  public var error: String?
  /// The kind of `error`: `unsupported`, `unreachable`, `config`.
  public var errorKind: String?
  public var checkedAt: Date?

  public init(
    task: String, taskArn: String, sourceEngine: String? = nil, targetEngine: String? = nil, tables: [TableReconciliation] = [],
    otherValidationFailures: [ValidationFailureRow] = [], validationSource: String? = nil, error: String? = nil, errorKind: String? = nil,
    checkedAt: Date? = nil
  ) {
    self.task = task
    self.taskArn = taskArn
    self.sourceEngine = sourceEngine
    self.targetEngine = targetEngine
    self.tables = tables
    self.otherValidationFailures = otherValidationFailures
    self.validationSource = validationSource
    self.error = error
    self.errorKind = errorKind
    self.checkedAt = checkedAt
  }

  public func count(_ v: ReconVerdict) -> Int { tables.filter { $0.verdict == v }.count }
  /// Every validation-failure row, per table first.
  public var allValidationFailures: [ValidationFailureRow] { tables.flatMap(\.validationFailures) + otherValidationFailures }
}

/// What the RECON pane draws: the selected task's reconciliation and how far the current run is.
public struct ReconState: Sendable, Equatable {
  public enum Phase: Sendable, Equatable {
    /// Never run for this task.
    case idle
    /// Running: tables counted so far of the total.
    case running(done: Int, total: Int)
    case finished
    /// The run stopped (cancelled with esc, or failed).
    case stopped(String)
  }
  public var taskIdentifier: String?
  public var result: TaskReconciliation?
  public var phase: Phase
  /// Tables marked for a checksum (qualified names).
  public var marked: Set<String>
  /// Row under the cursor and the first drawn row.
  public var selected: Int
  public var scroll: Int

  public init(
    taskIdentifier: String? = nil, result: TaskReconciliation? = nil, phase: Phase = .idle, marked: Set<String> = [], selected: Int = 0,
    scroll: Int = 0
  ) {
    self.taskIdentifier = taskIdentifier
    self.result = result
    self.phase = phase
    self.marked = marked
    self.selected = selected
    self.scroll = scroll
  }
}
