import DMSReconcile
import DMSWatchModel
import Foundation

/// One side of a simulated task's databases, behind the same `DatabaseConnection` the real drivers use.
/// Row counts follow the simulated counters: the source holds full-load rows plus captured inserts minus
/// captured deletes; the target the same with the applied counts, so a MISSING table is short in the target.
public final class SimulatedDatabase: DatabaseConnection, @unchecked Sendable {
  public enum Side: Sendable { case source, target }
  let fleet: SimulatedFleet
  let taskArn: String
  let side: Side
  public let dialect: SQLDialect
  public var label: String { "simulated \(side == .source ? "source" : "target") of \(taskArn)" }

  public init(fleet: SimulatedFleet, taskArn: String, side: Side, dialect: SQLDialect) {
    self.fleet = fleet
    self.taskArn = taskArn
    self.side = side
    self.dialect = dialect
  }

  /// Rows on this side for a table's statistics.
  public static func rows(_ s: TableStatistics, side: Side) -> Int64 {
    let base = s.fullLoadRows ?? 0
    switch side {
    case .source: return max(0, base + (s.inserts ?? 0) - (s.deletes ?? 0))
    case .target: return max(0, base + (s.appliedInserts ?? s.inserts ?? 0) - (s.appliedDeletes ?? s.deletes ?? 0))
    }
  }

  public func query(_ sql: String) async throws -> [[String?]] {
    try StatementGuard.check(sql)
    guard sql.hasPrefix("SELECT COUNT(*) FROM ") else { return [] }
    let names = Self.identifiers(in: String(sql.dropFirst("SELECT COUNT(*) FROM ".count)))
    guard names.count == 2 else { throw DatabaseError(.query, "simulated database: cannot read the table name") }
    let stats = try await fleet.allTableStatistics(taskArn: taskArn)
    guard let s = stats.first(where: { $0.schemaName == names[0] && $0.tableName == names[1] }) else {
      throw DatabaseError(.query, "relation \(names[0]).\(names[1]) does not exist")
    }
    return [[String(Self.rows(s, side: side))]]
  }

  /// `"a"."b"` or `` `a`.`b` `` → ["a", "b"].
  static func identifiers(in s: String) -> [String] {
    var out: [String] = []
    var cur = ""
    var quote: Character?
    var it = Array(s)[...]
    while let c = it.first {
      it = it.dropFirst()
      if let q = quote {
        if c == q {
          if it.first == q {
            cur.append(c)
            it = it.dropFirst()
          } else {
            out.append(cur)
            cur = ""
            quote = nil
          }
        } else {
          cur.append(c)
        }
      } else if c == "\"" || c == "`" {
        quote = c
      } else if c == " " {
        break
      }
    }
    return out
  }
}

extension SimulatedFleet {
  /// A simulated connection for the task's source or target endpoint (nil for engines reconciliation does not support).
  public func reconciliationDatabase(taskArn: String, endpoint: Endpoint, side: SimulatedDatabase.Side) -> SimulatedDatabase? {
    let engine = (endpoint.engineName ?? "").lowercased()
    let dialect: SQLDialect
    if engine.contains("postgres") {
      dialect = .postgres
    } else if engine.contains("mysql") || engine.contains("mariadb") || engine == "aurora" {
      dialect = .mysql
    } else {
      return nil
    }
    return SimulatedDatabase(fleet: self, taskArn: taskArn, side: side, dialect: dialect)
  }
}
