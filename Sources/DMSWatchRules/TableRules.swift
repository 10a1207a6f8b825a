import Foundation
import DMSWatchModel

/// Severity of a finding. Order: ok < unknown < warn < critical.
public enum Severity: Int, Sendable, Comparable, Codable, CaseIterable {
  case ok = 0, unknown = 1, warn = 2, critical = 3
  public static func < (a: Severity, b: Severity) -> Bool { a.rawValue < b.rawValue }
  public var label: String {
    switch self {
    case .ok: "ok"
    case .unknown: "unknown"
    case .warn: "warn"
    case .critical: "critical"
    }
  }
}

public enum Operation: String, Sendable, Codable, CaseIterable {
  case inserts, updates, deletes
  public var label: String {
    switch self {
    case .inserts: "inserts"
    case .updates: "updates"
    case .deletes: "deletes"
    }
  }
}

/// One validation flag on one table.
public struct TableFlag: Sendable, Equatable, Codable {
  public enum Kind: Sendable, Equatable, Codable, Hashable {
    case missing(Operation)
    case duplicate(Operation)
    case appliedUnknown
    case validationFailed
    case validationSuspended
    case validationPending
    case notValidated(String)
    case tableError
    case fullLoadErrorRows
    case conditionalCheckFailedRows
    /// Data resync (DMS 3.6.1+) could not fix rows: ResyncRowsFailed > 0 or a failed ResyncState.
    case resyncFailed
  }
  public var table: TableRef
  public var kind: Kind
  public var severity: Severity
  public var expected: Int64?
  public var actual: Int64?
  public var detail: String

  public init(table: TableRef, kind: Kind, severity: Severity, expected: Int64? = nil, actual: Int64? = nil, detail: String) {
    self.table = table
    self.kind = kind
    self.severity = severity
    self.expected = expected
    self.actual = actual
    self.detail = detail
  }

  /// A short, stable tag shown in the FLAGS pane.
  public var tag: String {
    switch kind {
    case .missing: "MISSING"
    case .duplicate: "DUPLICATE"
    case .appliedUnknown: "UNKNOWN"
    case .validationFailed: "VALIDATION FAILED"
    case .validationSuspended: "SUSPENDED"
    case .validationPending: "PENDING"
    case .notValidated: "NOT VALIDATED"
    case .tableError: "TABLE ERROR"
    case .fullLoadErrorRows: "LOAD ERRORS"
    case .conditionalCheckFailedRows: "COND CHECK FAILED"
    case .resyncFailed: "RESYNC FAILED"
    }
  }
}

/// Per-table validation flags, pure. Counts DMS does not report give "unknown", never "missing".
public enum TableRules {
  /// Validation states that mean "validation has not finished yet" rather than a failure.
  static let pendingStates: Set<String> = [
    ValidationState.pendingValidation, ValidationState.preparingTable, ValidationState.pendingRevalidation,
  ]

  public static func flags(for t: TableStatistics) -> [TableFlag] {
    var out: [TableFlag] = []
    let ref = t.ref
    let pairs: [(Operation, Int64?, Int64?)] = [
      (.inserts, t.inserts, t.appliedInserts),
      (.updates, t.updates, t.appliedUpdates),
      (.deletes, t.deletes, t.appliedDeletes),
    ]
    var unknownOps: [String] = []
    for (op, expected, applied) in pairs {
      guard let expected else { continue }
      guard let applied else {
        if expected > 0 { unknownOps.append(op.label) }
        continue
      }
      if applied < expected {
        out.append(TableFlag(
          table: ref, kind: .missing(op), severity: .critical, expected: expected, actual: applied,
          detail: "\(op.label): \(expected) captured, \(applied) applied (\(expected - applied) missing)"))
      } else if applied > expected {
        out.append(TableFlag(
          table: ref, kind: .duplicate(op), severity: .critical, expected: expected, actual: applied,
          detail: "\(op.label): \(expected) captured, \(applied) applied (\(applied - expected) extra)"))
      }
    }
    if !unknownOps.isEmpty {
      out.append(TableFlag(
        table: ref, kind: .appliedUnknown, severity: .unknown,
        detail: "applied counts unknown for \(unknownOps.joined(separator: "/")) (not reported in this apply mode)"))
    }
    if t.tableState == TableState.error {
      out.append(TableFlag(table: ref, kind: .tableError, severity: .critical, detail: "TableState is \"Table error\""))
    }
    if let n = t.fullLoadErrorRows, n > 0 {
      out.append(TableFlag(table: ref, kind: .fullLoadErrorRows, severity: .critical, actual: n, detail: "\(n) full-load error rows"))
    }
    if let n = t.fullLoadCondtnlChkFailedRows, n > 0 {
      out.append(TableFlag(
        table: ref, kind: .conditionalCheckFailedRows, severity: .warn, actual: n, detail: "\(n) full-load conditional-check failed rows"))
    }
    if let flag = resyncFlag(t) { out.append(flag) }
    if let state = t.validationState, state != ValidationState.notEnabled, state != ValidationState.validated {
      let failed = t.validationFailedRecords ?? 0
      let suspended = t.validationSuspendedRecords ?? 0
      let pending = t.validationPendingRecords ?? 0
      if state == ValidationState.mismatchedRecords || failed > 0 {
        out.append(TableFlag(
          table: ref, kind: .validationFailed, severity: .critical, actual: failed,
          detail: "validation \(state.lowercased()): \(failed) failed records"))
      }
      if state == ValidationState.suspendedRecords || suspended > 0 {
        out.append(TableFlag(
          table: ref, kind: .validationSuspended, severity: .warn, actual: suspended,
          detail: "\(suspended) suspended records"))
      }
      if state == ValidationState.pendingRecords || pendingStates.contains(state) {
        out.append(TableFlag(
          table: ref, kind: .validationPending, severity: .warn, actual: pending > 0 ? pending : nil,
          // "Pending records: 0 pending records" said nothing: the count only when DMS gives one.
          detail: pending > 0 ? "validation pending: \(pending) record\(pending == 1 ? "" : "s")" : "validation \(state.lowercased()), no record count yet"))
      } else if ![ValidationState.mismatchedRecords, ValidationState.suspendedRecords].contains(state) {
        // No primary key, Table error, Error, or anything DMS adds later.
        out.append(TableFlag(
          table: ref, kind: .notValidated(state), severity: state == ValidationState.noPrimaryKey ? .warn : .critical,
          detail: "not validated: \(state)\(t.validationStateDetails.map { " — \($0)" } ?? "")"))
      }
    }
    return out
  }

  /// Resync (tasks and serverless replications alike): rows that resync attempted and could not fix are
  /// still different on the target, so critical; a ResyncState naming a failure or error is too.
  static func resyncFlag(_ t: TableStatistics) -> TableFlag? {
    let failed = t.resyncRowsFailed ?? 0
    let state = t.resyncState ?? ""
    // Most tables have no resync state: nothing to look into (the substring search is Foundation's, not free).
    guard failed > 0 || !state.isEmpty else { return nil }
    let lower = state.lowercased()
    let stateFailed = lower.contains("fail") || lower.contains("error")
    guard failed > 0 || stateFailed else { return nil }
    var detail = failed > 0 ? "resync: \(failed) of \(t.resyncRowsAttempted.map(String.init) ?? "?") rows failed" : "resync failed"
    if !state.isEmpty { detail += " (\(state))" }
    return TableFlag(
      table: t.ref, kind: .resyncFailed, severity: .critical, expected: t.resyncRowsAttempted, actual: failed > 0 ? failed : nil,
      detail: detail)
  }

  /// Flags of every table, worst first, then by table name.
  public static func flags(for tables: [TableStatistics]) -> [TableFlag] {
    tables.flatMap(flags(for:)).sorted { a, b in
      if a.severity != b.severity { return a.severity > b.severity }
      if a.table != b.table { return a.table < b.table }
      return a.tag < b.tag
    }
  }

  /// Worst severity of a table's flags (ok when none).
  public static func worst(_ flags: [TableFlag]) -> Severity {
    flags.map(\.severity).max() ?? .ok
  }
}
