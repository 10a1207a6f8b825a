import Foundation

/// One watched scope: an AWS profile in one region (one account), or one simulated fleet. The DMS
/// API quota is per account and region, so each scope has its own engine and budget.
public struct ScopeID: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
  public var rawValue: String
  public init(_ rawValue: String) { self.rawValue = rawValue }
  /// The scope of a session that watches one profile and region.
  public static let single = ScopeID("default")
  public var description: String { rawValue }
  public static func < (a: ScopeID, b: ScopeID) -> Bool { a.rawValue < b.rawValue }

  public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.singleValueContainer()
    try c.encode(rawValue)
  }
}

/// What the screen, `check` and the audit log say about a scope.
public struct ScopeInfo: Sendable, Equatable, Codable {
  public var id: ScopeID
  /// A short label such as PROD (config `scopes: - label:`); nil shows account/region.
  public var label: String?
  public var profile: String?
  public var region: String?
  /// The account id, once the identity is known (STS GetCallerIdentity).
  public var account: String?
  /// Actions refused in this scope (config `read_only` per scope).
  public var readOnly: Bool
  /// A theme accent for this scope's rows (a theme role name: critical, warn, accent, …); PROD scopes are marked.
  public var accent: String?

  public init(
    id: ScopeID, label: String? = nil, profile: String? = nil, region: String? = nil, account: String? = nil,
    readOnly: Bool = false, accent: String? = nil
  ) {
    self.id = id
    self.label = label
    self.profile = profile
    self.region = region
    self.account = account
    self.readOnly = readOnly
    self.accent = accent
  }

  /// `PROD`, else `account/region`, else the profile/region it was asked as.
  public var display: String {
    if let label, !label.isEmpty { return label }
    let parts = [account, region].compactMap { $0 }
    if !parts.isEmpty { return parts.joined(separator: "/") }
    return id.rawValue
  }

  /// `account 123456789012, region eu-west-1` for confirmations.
  public var longDescription: String {
    var parts: [String] = []
    if let label, !label.isEmpty { parts.append(label) }
    parts.append("account \(account ?? "unknown")")
    parts.append("region \(region ?? "unknown")")
    if let profile { parts.append("profile \(profile)") }
    return parts.joined(separator: ", ")
  }

  /// A stable id for a profile/region pair.
  public static func id(profile: String?, region: String?) -> ScopeID {
    ScopeID("\(profile ?? "default")/\(region ?? "default")")
  }
}

/// What the UI asks of the engines: which task is focused, which rows are on screen, and whether
/// everything should be refreshed now. The engines never read UI state; they get this.
public struct Demand: Sendable, Equatable {
  /// ARN of the focused task (ARNs are unique across accounts and regions).
  public var focused: String?
  /// ARNs of the task rows on screen, top to bottom.
  public var visible: [String]
  public init(focused: String? = nil, visible: [String] = []) {
    self.focused = focused
    self.visible = visible
  }
}

/// What a scope's engine publishes. Table statistics arrive with their rules already judged
/// (`TaskTables`), so the screen, `check` and notifications use one evaluation.
public enum EngineEvent: Sendable {
  case tasksLoaded(ScopeID, [ReplicationTask], at: Date)
  case inventoryLoaded(ScopeID, [ReplicationInstance], [Endpoint])
  case tablesLoaded(ScopeID, taskArn: String, TaskTables, at: Date)
  case metricsLoaded(ScopeID, [String: [String: [SeriesPoint]]], at: Date)
  case logLoaded(ScopeID, [LogEntry], at: Date)
  /// The focused task's log stream does not exist (task logging off): a notice, not a failure.
  case logUnavailable(ScopeID, taskArn: String, notice: String, at: Date)
  case eventsLoaded(ScopeID, [LogEntry], at: Date)
  case sourceFailed(ScopeID, DataSource, message: String, at: Date, taskArn: String? = nil)
  /// The scope's DMS budget changed (throttled, recovering, recovered).
  case budgetChanged(ScopeID, BudgetStatus)
  /// The scope's identity became known, or the scope failed as a whole (credentials, unreachable).
  case scopeChanged(ScopeInfo, error: String?)

  public var scope: ScopeID {
    switch self {
    case .tasksLoaded(let s, _, _), .inventoryLoaded(let s, _, _), .tablesLoaded(let s, _, _, _), .metricsLoaded(let s, _, _),
      .logLoaded(let s, _, _), .logUnavailable(let s, _, _, _), .eventsLoaded(let s, _, _), .sourceFailed(let s, _, _, _, _),
      .budgetChanged(let s, _):
      s
    case .scopeChanged(let info, _): info.id
    }
  }
}
