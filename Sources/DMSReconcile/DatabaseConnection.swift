import Foundation

/// The SQL flavour of one side.
public enum SQLDialect: String, Sendable, Equatable, CaseIterable {
  case postgres
  case mysql
  /// Presto/Trino SQL over S3 (counts only).
  case athena
}

/// What went wrong reaching or querying a database.
public struct DatabaseError: Error, Sendable, Equatable, CustomStringConvertible {
  public enum Kind: String, Sendable, Equatable {
    /// Connection refused, host unknown, server down.
    case unreachable
    /// Wrong user or password, no access.
    case authentication
    /// The statement timeout fired.
    case timeout
    /// Cancelled by the user (esc) or the caller.
    case cancelled
    /// The statement failed (missing table, syntax, permission on one object).
    case query
    /// The engine cannot be reconciled.
    case unsupported
    /// The connection settings are unusable (no host, no password source…).
    case config
    /// A statement that is not a SELECT was refused before it was sent.
    case refused
  }
  public var kind: Kind
  public var message: String
  public init(_ kind: Kind, _ message: String) {
    self.kind = kind
    self.message = message
  }
  public var description: String { message }
}

/// One database the reconciliation reads. Every statement is a SELECT; an implementation runs it
/// inside a read-only transaction with a statement timeout and returns the rows as text (NULL as nil).
public protocol DatabaseConnection: Sendable {
  var dialect: SQLDialect { get }
  /// A short label for messages: `postgres://db.example:5432/app` (never a password).
  var label: String { get }
  func query(_ sql: String) async throws -> [[String?]]
}

/// Counts the queries and rows one connection answered (the bench and the checksum report use it).
public final class CountingConnection: DatabaseConnection, @unchecked Sendable {
  public let base: any DatabaseConnection
  private let lock = NSLock()
  private var queriesValue = 0
  private var rowsValue: Int64 = 0

  public init(_ base: any DatabaseConnection) { self.base = base }
  public var dialect: SQLDialect { base.dialect }
  public var label: String { base.label }
  public var queries: Int { locked { queriesValue } }
  public var rows: Int64 { locked { rowsValue } }

  private func locked<T>(_ f: () -> T) -> T {
    lock.lock()
    defer { lock.unlock() }
    return f()
  }

  public func query(_ sql: String) async throws -> [[String?]] {
    let r = try await base.query(sql)
    locked {
      queriesValue += 1
      rowsValue += Int64(r.count)
    }
    return r
  }
}

/// The statement guard every driver applies before sending: SELECT (or WITH … SELECT) only.
public enum StatementGuard {
  public static func check(_ sql: String) throws {
    let t = sql.trimmingCharacters(in: .whitespacesAndNewlines)
    let head = t.prefix(7).uppercased()
    guard head.hasPrefix("SELECT") || head.hasPrefix("WITH ") else {
      throw DatabaseError(.refused, "refused a statement that is not a SELECT")
    }
    // One statement only: a `;` outside quotes would start another.
    var quote: Character?
    for c in t {
      if let q = quote {
        if c == q { quote = nil }
      } else if c == "'" || c == "\"" || c == "`" {
        quote = c
      } else if c == ";" {
        throw DatabaseError(.refused, "refused a statement with more than one command")
      }
    }
  }
}
