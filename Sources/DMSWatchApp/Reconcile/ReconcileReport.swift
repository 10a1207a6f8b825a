import DMSWatchModel
import Foundation

/// The outcome of `dmswatch reconcile`: JSON (docs/reconcile-json.md), text, exit status.
public struct ReconcileReport: Sendable {
  public var tasks: [TaskReconciliation]
  public var checksum: Bool
  public var maxDrift: Int64?
  public var generatedAt: Date

  public init(tasks: [TaskReconciliation], checksum: Bool, maxDrift: Int64?, generatedAt: Date) {
    self.tasks = tasks
    self.checksum = checksum
    self.maxDrift = maxDrift
    self.generatedAt = generatedAt
  }

  var tables: [TableReconciliation] { tasks.flatMap(\.tables) }

  /// DRIFT rows whose difference is past --max-drift.
  public var driftPastLimit: [TableReconciliation] {
    guard let m = maxDrift else { return [] }
    return tables.filter { $0.verdict == .drift && abs($0.difference ?? 0) > m }
  }

  /// 1 mismatch (or drift past --max-drift); 3 a database or task that could not be checked; 0 otherwise.
  /// Unsupported engines and catalog estimates do not set it (they are reported as notes).
  public var exitCode: Int32 {
    if tables.contains(where: { $0.verdict == .mismatch }) || !driftPastLimit.isEmpty { return 1 }
    if tasks.contains(where: { $0.error != nil && $0.errorKind != "unsupported" }) { return 3 }
    if tables.contains(where: { $0.verdict == .unknown }) { return 3 }
    if tables.contains(where: { $0.checksum?.state == .failed }) { return 3 }
    return 0
  }

  public var notes: [String] {
    var n: [String] = []
    for t in tasks {
      if let e = t.error { n.append("\(t.task): \(e)") }
      for r in t.tables where r.verdict == .estimated { n.append("\(t.task) \(r.qualifiedName): catalog estimates only (pass --exact)") }
    }
    return n
  }

  public func jsonObject() -> [String: Any] {
    var counts: [String: Int] = [:]
    for v in ReconVerdict.allCases { counts[v.rawValue.lowercased()] = tables.filter { $0.verdict == v }.count }
    var summary: [String: Any] = counts
    summary["tasks"] = tasks.count
    summary["tables"] = tables.count
    summary["tasks_failed"] = tasks.filter { $0.error != nil }.count
    summary["differing_keys"] = tables.reduce(0) { $0 + ($1.checksum?.differingKeys ?? 0) }
    summary["validation_failures"] = tasks.reduce(0) { $0 + $1.allValidationFailures.count }
    return [
      "version": 1,
      "generated_at": Format.iso(generatedAt),
      "checksum": checksum,
      "max_drift": maxDrift.map { $0 as Any } ?? NSNull(),
      "exit_code": Int(exitCode),
      "summary": summary,
      "tasks": tasks.map(Self.task),
    ]
  }

  public func jsonData() throws -> Data {
    try JSONSerialization.data(withJSONObject: jsonObject(), options: [.prettyPrinted, .sortedKeys])
  }

  static func orNull(_ v: Any?) -> Any { v ?? NSNull() }

  static func task(_ t: TaskReconciliation) -> [String: Any] {
    [
      "task": t.task, "task_arn": t.taskArn, "source_engine": orNull(t.sourceEngine), "target_engine": orNull(t.targetEngine),
      "error": orNull(t.error), "error_kind": orNull(t.errorKind), "validation_source": orNull(t.validationSource),
      "checked_at": orNull(t.checkedAt.map(Format.iso)),
      "tables": t.tables.map(table),
      "other_validation_failures": t.otherValidationFailures.map(failure),
    ]
  }

  static func table(_ r: TableReconciliation) -> [String: Any] {
    [
      "table": r.qualifiedName, "source_rows": orNull(r.source?.value), "target_rows": orNull(r.target?.value),
      "source_estimated": r.source?.estimated ?? false, "target_estimated": r.target?.estimated ?? false,
      "difference": orNull(r.difference), "verdict": r.verdict.rawValue, "detail": r.detail, "rechecked": r.rechecked,
      "checked_at": orNull(r.checkedAt.map(Format.iso)),
      "checksum": r.checksum.map(checksum) ?? NSNull(),
      "validation_failures": r.validationFailures.map(failure),
    ]
  }

  static func checksum(_ c: ChecksumResult) -> [String: Any] {
    [
      "state": c.state.rawValue, "reason": orNull(c.reason), "segments_done": c.segmentsDone, "segments_total": c.segmentsTotal,
      "queries": c.queries, "rows_transferred": c.rowsTransferred, "missing_in_target": c.missingInTarget,
      "extra_in_target": c.extraInTarget, "different": c.different, "truncated": c.truncated,
      "columns_compared": c.columnsCompared, "columns_left_out": c.columnsLeftOut,
    ]
  }

  static func failure(_ f: ValidationFailureRow) -> [String: Any] {
    [
      "table": f.qualifiedName, "failure_type": f.failureType.rawValue, "raw_failure_type": f.rawFailureType, "key": f.key,
      "key_type": orNull(f.keyType), "details": orNull(f.details), "failure_time": orNull(f.failureTime),
      "resync_result": orNull(f.resyncResult),
    ]
  }

  /// One line per table, then the keys and validation failures.
  public func humanText() -> String {
    var out = ""
    for t in tasks {
      out += "\(t.task)  \(t.sourceEngine ?? "?") → \(t.targetEngine ?? "?")\n"
      if let e = t.error {
        out += "  \(t.errorKind == "unsupported" ? "NOT SUPPORTED" : "ERROR"): \(e)\n"
        continue
      }
      for r in t.tables {
        let diff = r.difference.map { $0 == 0 ? "0" : ($0 > 0 ? "+\($0)" : "\($0)") } ?? "-"
        out += "  \(r.verdict.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) \(r.qualifiedName)  "
        out += "source \(r.source?.label ?? "-")  target \(r.target?.label ?? "-")  diff \(diff)  \(r.detail)\n"
        if let c = r.checksum {
          if c.state == .done {
            if !c.missingInTarget.isEmpty { out += "    missing in target: \(c.missingInTarget.prefix(20).joined(separator: " "))\n" }
            if !c.extraInTarget.isEmpty { out += "    extra in target:   \(c.extraInTarget.prefix(20).joined(separator: " "))\n" }
            if !c.different.isEmpty { out += "    different:         \(c.different.prefix(20).joined(separator: " "))\n" }
            out += "    checksum: \(c.queries) queries, \(c.rowsTransferred) rows transferred"
            out += c.columnsLeftOut.isEmpty ? "\n" : "; left out: \(c.columnsLeftOut.joined(separator: ", "))\n"
          } else {
            out += "    checksum \(c.state.rawValue): \(c.reason ?? "")\n"
          }
        }
        for f in r.validationFailures.prefix(20) {
          out += "    validation \(f.failureType.rawValue) key \(f.key.joined(separator: ",")) \(f.details ?? "")\n"
        }
      }
      if let v = t.validationSource { out += "  validation rows: \(v)\n" }
    }
    let s = tables
    out += "\(tasks.count) tasks, \(s.count) tables: \(s.filter { $0.verdict == .match }.count) match, "
    out += "\(s.filter { $0.verdict == .drift }.count) drift, \(s.filter { $0.verdict == .mismatch }.count) mismatch, "
    out += "\(s.filter { $0.verdict == .unknown }.count) unknown\n"
    return out
  }
}
