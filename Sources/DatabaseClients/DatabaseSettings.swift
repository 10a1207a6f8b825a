import DMSReconcile
import Foundation

/// A database password. It prints, dumps and mirrors as `<redacted>`; only the drivers read `reveal()`.
public struct DatabasePassword: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
  private let value: String
  public init(_ value: String) { self.value = value }
  public var description: String { "<redacted>" }
  public var debugDescription: String { "<redacted>" }
  public var customMirror: Mirror { Mirror(self, children: []) }
  public var isEmpty: Bool { value.isEmpty }
  /// The clear text, for the driver's connect call only.
  func reveal() -> String { value }
}

/// TLS: `prefer` (the default: TLS when the server offers it), `require`, `verify-full`, `disable`.
public enum TLSMode: String, Sendable, Equatable, CaseIterable {
  case disable, prefer, require
  case verifyFull = "verify-full"
}

/// Everything needed to reach one database. Never contains a password in clear in its description.
public struct DatabaseSettings: Sendable, Equatable, CustomStringConvertible {
  public var dialect: SQLDialect
  public var host: String
  public var port: Int
  public var database: String
  public var user: String
  public var password: DatabasePassword?
  public var tls: TLSMode = .prefer
  public var connectTimeout: TimeInterval = 5
  /// Every statement is cancelled by the server after this long.
  public var statementTimeout: TimeInterval = 30
  /// At most this many statements at once on this database.
  public var maxConcurrent: Int = 2
  /// Connections idle this long are closed.
  public var idleClose: TimeInterval = 30

  public init(
    dialect: SQLDialect, host: String, port: Int, database: String, user: String, password: DatabasePassword?, tls: TLSMode = .prefer
  ) {
    self.dialect = dialect
    self.host = host
    self.port = port
    self.database = database
    self.user = user
    self.password = password
    self.tls = tls
  }

  /// `postgres://user@host:5432/db` (no password).
  public var label: String {
    let scheme = dialect == .postgres ? "postgres" : "mysql"
    return "\(scheme)://\(user)@\(host):\(port)/\(database)"
  }
  public var description: String { label }
}
