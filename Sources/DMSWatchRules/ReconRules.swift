import DMSWatchModel
import Foundation

/// Findings from a reconciliation: MISMATCH is critical (`dms.table.rows_mismatch`).
public enum ReconRules {
  public static func findings(_ r: TaskReconciliation) -> [Finding] {
    r.tables.filter { $0.verdict == .mismatch }.map { t in
      var msg = "target rows differ from source: \(t.detail)"
      if let c = t.checksum, c.state == .done, c.differingKeys > 0 {
        let keys = (c.missingInTarget.prefix(3).map { "missing \($0)" } + c.extraInTarget.prefix(3).map { "extra \($0)" }
          + c.different.prefix(3).map { "different \($0)" }).joined(separator: ", ")
        msg += " (\(keys)\(c.differingKeys > 9 ? ", …" : ""))"
      }
      return Finding(
        event: FindingEvent.tableRowsMismatch, severity: .critical, task: r.task, table: t.qualifiedName, message: msg,
        expected: t.source?.value, actual: t.target?.value)
    }
  }
}
