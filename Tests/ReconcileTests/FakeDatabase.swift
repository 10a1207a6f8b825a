import DMSReconcile
import Foundation

/// An in-memory database that answers the statements `SQLBuilder` generates (by their shape), so the
/// algorithm runs without a server. Rows are (key → row hash in hex).
final class FakeDatabase: DatabaseConnection, @unchecked Sendable {
  struct Table {
    var columns: [(String, String)]
    var primaryKey: [String]
    var rows: [Int64: String]
    var estimate: Int64?
  }
  let dialect: SQLDialect
  var label: String { "fake-\(dialect.rawValue)" }
  private let lock = NSLock()
  private var tables: [String: Table]
  private(set) var statements: [String] = []
  /// Count answers to return before the real one (simulates CDC moving between readings).
  var countOverrides: [String: [Int64]] = [:]
  var failWith: DatabaseError?

  init(_ dialect: SQLDialect, tables: [String: Table]) {
    self.dialect = dialect
    self.tables = tables
  }

  func setRows(_ table: String, _ rows: [Int64: String]) { lock.lock(); tables[table]?.rows = rows; lock.unlock() }

  func query(_ sql: String) async throws -> [[String?]] { try answer(sql) }
  /// `server_version_num` (PostgreSQL 15 unless a test says otherwise).
  var serverVersion = "150004"

  private func answer(_ sql: String) throws -> [[String?]] {
    try StatementGuard.check(sql)
    return try queryLocked(sql)
  }

  private func queryLocked(_ sql: String) throws -> [[String?]] {
    lock.lock()
    defer { lock.unlock() }
    statements.append(sql)
    if let e = failWith { throw e }
    if sql.contains("server_version_num") { return [[serverVersion]] }
    func table() -> (String, Table)? {
      for (name, t) in tables {
        let parts = name.split(separator: ".").map(String.init)
        let q = SQLBuilder(dialect)
        if sql.contains(q.table(TableName(schema: parts[0], name: parts[1]))) || sql.contains(q.literal(parts[1])) { return (name, t) }
      }
      return nil
    }
    func range() -> (Int64, Int64) {
      let lo = Self.int(after: ">= ", in: sql) ?? Int64.min
      let hi = Self.int(after: "<= ", in: sql) ?? Int64.max
      return (lo, hi)
    }
    if sql.contains("information_schema.columns") && sql.contains("awsdms") { return [] }
    guard let (name, t) = table() else { throw DatabaseError(.query, "relation does not exist") }
    if sql.hasPrefix("SELECT COUNT(*) FROM") {
      if var o = countOverrides[name], !o.isEmpty {
        let v = o.removeFirst()
        countOverrides[name] = o
        return [[String(v)]]
      }
      return [[String(t.rows.count)]]
    }
    if sql.contains("reltuples") || sql.contains("TABLE_ROWS") { return [[t.estimate.map(String.init)]] }
    if sql.contains("information_schema.columns") { return t.columns.map { [$0.0, $0.1] } }
    if sql.contains("PRIMARY KEY") || sql.contains("indisprimary") { return t.primaryKey.map { [$0] } }
    if sql.contains("MIN(") {
      return [[t.rows.keys.min().map(String.init), t.rows.keys.max().map(String.init)]]
    }
    if sql.contains(" AS seg") {
      let (lo, hi) = range()
      let marker = dialect == .mysql ? " DIV " : ") / "
      guard let width = Self.int(after: marker, in: sql) else { throw DatabaseError(.query, "no width") }
      var agg: [Int64: (Int64, Int64)] = [:]
      for (k, h) in t.rows where k >= lo && k <= hi {
        let b = (k - lo) / width
        let v = Int64(h.prefix(8), radix: 16) ?? 0  // the fake sums 32-bit prefixes (no overflow)
        agg[b, default: (0, 0)].0 += 1
        agg[b, default: (0, 0)].1 += v
      }
      return agg.map { [String($0.key), String($0.value.0), String($0.value.1)] }
    }
    if sql.contains("md5(") || sql.contains("MD5(") || sql.contains("extended(") {
      let (lo, hi) = range()
      return t.rows.filter { $0.key >= lo && $0.key <= hi }.map { [String($0.key), $0.value] }
    }
    throw DatabaseError(.query, "fake cannot answer: \(sql)")
  }

  static func int(after marker: String, in s: String) -> Int64? {
    guard let r = s.range(of: marker) else { return nil }
    let digits = s[r.upperBound...].prefix { $0.isNumber || $0 == "-" }
    return Int64(digits)
  }
}
