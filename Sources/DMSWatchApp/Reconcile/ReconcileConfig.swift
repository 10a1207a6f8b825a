import DatabaseClients
import Foundation
import Yams

/// `reconcile:` in the config file: limits and per-endpoint connection overrides.
public struct ReconcileConfig: Sendable, Equatable {
  public struct EndpointOverride: Sendable, Equatable {
    public var host: String?
    public var port: Int?
    public var database: String?
    public var user: String?
    public var passwordEnv: String?
    public var passwordCommand: String?
    /// A plain password; only accepted when the config file is mode 0600 (checked by `AppConfig.load`).
    public var password: DatabasePassword?
    public var passwordLine: Int?
    public var tls: TLSMode?
    /// S3 targets: the Glue database (and table prefix) Athena reads.
    public var glueDatabase: String?
    public var athenaWorkGroup: String?
    public var athenaOutput: String?
    public var controlSchema: String?
    public init() {}
  }
  public var maxConcurrent: Int?
  public var statementTimeout: Double?
  public var estimateAbove: Int64?
  public var endpoints: [String: EndpointOverride] = [:]
  public init() {}

  public var hasPlainPassword: Int? { endpoints.values.compactMap { $0.password != nil ? ($0.passwordLine ?? 0) : nil }.min() }

  static let knownKeys = ["max_concurrent", "statement_timeout", "estimate_above", "endpoints"]
  static let endpointKeys = [
    "host", "port", "database", "user", "password_env", "password_command", "password", "sslmode", "tls", "glue_database",
    "athena_workgroup", "athena_output", "control_schema",
  ]

  static func parse(_ v: Node, _ p: NodeReader) throws -> ReconcileConfig {
    var c = ReconcileConfig()
    for (k, val) in try p.mapping(v, "reconcile") {
      switch k.string ?? "" {
      case "max_concurrent": c.maxConcurrent = Int(try p.number(val, "reconcile.max_concurrent", min: 1, max: 16))
      case "statement_timeout": c.statementTimeout = try p.number(val, "reconcile.statement_timeout", min: 0.1, max: 3600)
      case "estimate_above": c.estimateAbove = Int64(try p.number(val, "reconcile.estimate_above", min: 0, max: 1e15))
      case "endpoints":
        for (ek, ev) in try p.mapping(val, "reconcile.endpoints") {
          let id = try p.string(ek, "an endpoint identifier")
          let place = "reconcile.endpoints.\(id)"
          var o = EndpointOverride()
          for (ok, ov) in try p.mapping(ev, place) {
            let key = ok.string ?? ""
            switch key {
            case "host": o.host = try p.string(ov, "\(place).host")
            case "port": o.port = Int(try p.number(ov, "\(place).port", min: 1, max: 65535))
            case "database": o.database = try p.string(ov, "\(place).database")
            case "user": o.user = try p.string(ov, "\(place).user")
            case "password_env": o.passwordEnv = try p.string(ov, "\(place).password_env")
            case "password_command": o.passwordCommand = try p.string(ov, "\(place).password_command")
            case "password":
              o.password = DatabasePassword(try p.string(ov, "\(place).password"))
              o.passwordLine = p.line(ov)
            case "sslmode", "tls":
              let s = try p.string(ov, "\(place).\(key)")
              guard let m = TLSMode(rawValue: s.lowercased()) else {
                throw ConfigError(
                  path: p.path, line: p.line(ov),
                  message: "\(place).\(key) \"\(s)\" is not one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
              }
              o.tls = m
            case "glue_database": o.glueDatabase = try p.string(ov, "\(place).glue_database")
            case "athena_workgroup": o.athenaWorkGroup = try p.string(ov, "\(place).athena_workgroup")
            case "athena_output": o.athenaOutput = try p.string(ov, "\(place).athena_output")
            case "control_schema": o.controlSchema = try p.string(ov, "\(place).control_schema")
            default: throw p.unknown(ok, in: place, known: endpointKeys)
            }
          }
          let sources = [o.passwordEnv != nil, o.passwordCommand != nil, o.password != nil].filter { $0 }.count
          if sources > 1 {
            throw ConfigError(
              path: p.path, line: p.line(ek), message: "\(place): give one of password_env, password_command, password")
          }
          c.endpoints[id] = o
        }
      default: throw p.unknown(k, in: "reconcile", known: knownKeys)
      }
    }
    return c
  }
}
