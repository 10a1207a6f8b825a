import DMSWatchModel
import DMSWatchRules
import Foundation

/// The TASKS filter (`/`): space-separated terms, all of which must match. A term is text (found in the
/// name, status, migration type or scope) or `field:text` for one field — `status:failed`, `scope:prod`,
/// `health:crit`, `type:cdc`, `kind:serverless`, `name:orders` — and `!` in front negates it (`!prod`).
public struct TaskFilter: Sendable, Equatable {
  public enum Field: String, Sendable, CaseIterable {
    case name, status, scope, health, type, kind
  }
  public struct Term: Sendable, Equatable {
    public var field: Field?
    public var text: String
    public var negated: Bool
  }
  public var terms: [Term]

  public init(_ text: String) {
    terms = text.split(separator: " ").compactMap { raw -> Term? in
      var t = String(raw).lowercased()
      let negated = t.hasPrefix("!")
      if negated { t.removeFirst() }
      var field: Field?
      if let colon = t.firstIndex(of: ":"), let f = Field(rawValue: String(t[..<colon])) {
        field = f
        t = String(t[t.index(after: colon)...])
      }
      // A lone `!` or `status:` matches everything rather than nothing.
      guard !t.isEmpty else { return nil }
      return Term(field: field, text: t, negated: negated)
    }
  }

  public var isEmpty: Bool { terms.isEmpty }
  public var needsHealth: Bool { terms.contains { $0.field == .health } }

  /// Whether `task` passes; `scopeLabel` is its scope's display name (lower case), `health` its judged severity.
  /// `plainMatchesScope`: whether plain text also looks at the scope (only when several are watched).
  public func matches(_ task: ReplicationTask, scopeLabel: String, plainMatchesScope: Bool = true, health: () -> Severity) -> Bool {
    for term in terms {
      let hit: Bool
      switch term.field {
      case nil:
        hit = TextSearch.contains(task.identifier.lowercased(), term.text) || TextSearch.contains(task.status, term.text)
          || TextSearch.contains(task.migrationType, term.text) || (plainMatchesScope && TextSearch.contains(scopeLabel, term.text))
      case .name: hit = TextSearch.contains(task.identifier.lowercased(), term.text)
      case .status: hit = TextSearch.contains(task.status.lowercased(), term.text)
      case .scope: hit = TextSearch.contains(scopeLabel, term.text)
      case .type: hit = TextSearch.contains(task.migrationType.lowercased(), term.text)
      case .kind: hit = (task.kind == .serverless ? "serverless" : "task").hasPrefix(term.text)
      case .health: hit = health().label.hasPrefix(term.text)
      }
      if hit == term.negated { return false }
    }
    return true
  }
}
