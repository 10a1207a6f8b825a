import DMSWatchModel
import Foundation

/// Reads DMS's `awsdms_validation_failures_v1` (and `_v2`) rows for one task from the target.
public enum ValidationFailures {
  public static let tables = ["awsdms_validation_failures_v1", "awsdms_validation_failures_v2"]
  /// Columns read, in this order; `_v2` adds RESYNC_RESULT.
  public static let columns = ["TABLE_OWNER", "TABLE_NAME", "FAILURE_TIME", "KEY_TYPE", "KEY", "FAILURE_TYPE", "DETAILS"]
  public static let limit = 1000

  /// The control schema DMS uses when the task sets none.
  public static func defaultControlSchema(_ d: SQLDialect) -> String? {
    switch d {
    case .mysql: "awsdms_control"
    case .postgres: "public"
    case .athena: nil
    }
  }

  public struct Outcome: Sendable, Equatable {
    public var rows: [ValidationFailureRow]
    /// `awsdms_control.awsdms_validation_failures_v1`, or why nothing was read.
    public var source: String
    public var truncated: Bool
  }

  /// Looks the tables up in the catalog (names and column spelling), then reads the task's rows.
  public static func read(on db: any DatabaseConnection, schema: String?, taskResourceId: String) async throws -> Outcome {
    guard let schema = schema ?? defaultControlSchema(db.dialect) else {
      return Outcome(rows: [], source: "no validation tables on \(db.dialect.rawValue)", truncated: false)
    }
    let sql = SQLBuilder(db.dialect)
    var rows: [ValidationFailureRow] = []
    var read: [String] = []
    var truncated = false
    for table in tables {
      // Catalog names: PostgreSQL folds to lower case, DMS creates the columns upper case (quoted).
      let cols = try await db.query(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = \(sql.literal(schema)) "
          + "AND lower(table_name) = \(sql.literal(table))")
      guard !cols.isEmpty else { continue }
      let actualTable = try await db.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = \(sql.literal(schema)) AND lower(table_name) = \(sql.literal(table))"
      ).first?.first ?? table
      let names = cols.compactMap { $0.first ?? nil }
      func spelled(_ c: String) -> String? { names.first { $0.uppercased() == c } }
      guard let taskCol = spelled("TASK_NAME") else { continue }
      var wanted = columns
      if table.hasSuffix("_v2") { wanted.append("RESYNC_RESULT") }
      let present = wanted.map { spelled($0) }
      let selected = present.compactMap { $0 }
      guard !selected.isEmpty else { continue }
      let result = try await db.query(
        sql.validationFailures(
          schema: schema, table: actualTable ?? table, columns: selected, taskColumn: taskCol, task: taskResourceId, limit: limit + 1))
      read.append("\(schema).\(actualTable ?? table)")
      if result.count > limit { truncated = true }
      for r in result.prefix(limit) {
        var values: [String: String?] = [:]
        for (i, name) in selected.enumerated() where i < r.count { values[name.uppercased()] = r[i] }
        rows.append(parse(values))
      }
    }
    let source = read.isEmpty ? "no awsdms_validation_failures table in \(schema)" : read.joined(separator: ", ")
    return Outcome(rows: rows, source: source, truncated: truncated)
  }

  /// One row, by upper-case column name.
  public static func parse(_ v: [String: String?]) -> ValidationFailureRow {
    func get(_ k: String) -> String? { v[k] ?? nil }
    let rawType = (get("FAILURE_TYPE") ?? "").trimmingCharacters(in: .whitespaces)
    let type = ValidationFailureRow.FailureType(rawValue: rawType.uppercased()) ?? .other
    let rawKey = get("KEY")
    return ValidationFailureRow(
      schema: get("TABLE_OWNER") ?? "", table: get("TABLE_NAME") ?? "", failureType: type, rawFailureType: rawType,
      keyType: get("KEY_TYPE"), key: rawKey.map(parseKey) ?? [], rawKey: rawKey, details: get("DETAILS"),
      failureTime: get("FAILURE_TIME"), resyncResult: get("RESYNC_RESULT"))
  }

  /// `{"key": ["3451491"]}` → `["3451491"]`; anything else → the text itself.
  public static func parseKey(_ s: String) -> [String] {
    guard let data = s.data(using: .utf8),
      let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
      let list = obj["key"] as? [Any]
    else { return s.isEmpty ? [] : [s] }
    return list.map { item in
      if let str = item as? String { return str }
      if let n = item as? NSNumber { return n.stringValue }
      return String(describing: item)
    }
  }
}
