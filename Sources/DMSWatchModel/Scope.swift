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
