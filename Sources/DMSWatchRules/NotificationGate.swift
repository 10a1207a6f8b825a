import Foundation

/// Decides when to notify: on healthy → finding, on warn → critical, and on finding → resolved.
/// A finding that stays is not sent again. Per finding, at most one notice per `perFindingInterval`
/// (flapping is absorbed: a finding that resolves and comes back inside the interval sends nothing more);
/// overall at most `maxPerWindow` notices per `window`. A notice held back by a limit stays pending and
/// goes out on a later `update` if its transition still holds. Time is passed in: no clock inside.
public struct NotificationGate: Sendable {
  public struct Config: Sendable, Equatable {
    /// Findings below this are ignored (unknown and ok never notify by default).
    public var minSeverity: Severity
    public var perFindingInterval: TimeInterval
    public var maxPerWindow: Int
    public var window: TimeInterval
    public init(minSeverity: Severity = .warn, perFindingInterval: TimeInterval = 300, maxPerWindow: Int = 20, window: TimeInterval = 600) {
      self.minSeverity = minSeverity
      self.perFindingInterval = perFindingInterval
      self.maxPerWindow = maxPerWindow
      self.window = window
    }
  }

  struct Entry: Sendable {
    /// What the receivers were last told: nil = healthy.
    var notified: Severity?
    var lastSent: Date?
    var finding: Finding
  }

  public var config: Config
  var entries: [String: Entry] = [:]
  var sent: [Date] = []
  /// Transitions held back by a limit at the last update.
  public private(set) var pendingCount = 0

  public init(config: Config = Config()) { self.config = config }

  /// Marks the current findings as already notified without sending (e.g. at start-up, to notify only
  /// on later changes).
  public mutating func prime(findings: [Finding], now: Date) {
    for f in relevant(findings).values {
      entries[f.key] = Entry(notified: f.severity, lastSent: nil, finding: f)
    }
  }

  /// Feeds the complete current set of findings and returns the notices to send now.
  /// - Parameter scope: the tasks the findings cover (ARNs, or identifiers for findings without an ARN); a
  ///   notified finding of a task outside the scope is left alone (not resolved). nil = the findings cover every task.
  public mutating func update(findings: [Finding], now: Date, scope: Set<String>? = nil) -> [Notice] {
    let desired = relevant(findings)
    var candidates: [(Notice.Kind, Finding)] = []
    for (key, f) in desired {
      let notified = entries[key]?.notified
      if let notified {
        if f.severity > notified {
          candidates.append((.escalated, f))
        } else {
          // Same or lower: nothing to say; remember the latest text and the lower level.
          entries[key]?.finding = f
          entries[key]?.notified = f.severity
        }
      } else {
        candidates.append((.opened, f))
      }
    }
    for (key, e) in entries where e.notified != nil && desired[key] == nil {
      if let scope, !scope.contains(e.finding.taskArn ?? e.finding.task) { continue }
      candidates.append((.resolved, e.finding))
    }
    candidates.sort { a, b in
      let ra = rank(a.0, a.1.severity)
      let rb = rank(b.0, b.1.severity)
      if ra != rb { return ra < rb }
      return a.1.key < b.1.key
    }

    sent.removeAll { now.timeIntervalSince($0) >= config.window }
    var out: [Notice] = []
    var held = 0
    for (kind, f) in candidates {
      let key = f.key
      if kind != .escalated, let last = entries[key]?.lastSent, now.timeIntervalSince(last) < config.perFindingInterval {
        held += 1
        continue
      }
      if sent.count >= config.maxPerWindow {
        held += 1
        continue
      }
      sent.append(now)
      out.append(Notice(kind: kind, finding: f, time: now))
      entries[key] = Entry(notified: kind == .resolved ? nil : f.severity, lastSent: now, finding: f)
    }
    pendingCount = held

    // Forget healthy entries once they can no longer rate-limit anything.
    entries = entries.filter { _, e in
      e.notified != nil || (e.lastSent.map { now.timeIntervalSince($0) < config.perFindingInterval } ?? false)
    }
    return out
  }

  /// Findings the receivers currently believe open.
  public var openFindings: [Finding] {
    entries.values.filter { $0.notified != nil }.map(\.finding).sorted { $0.key < $1.key }
  }

  func relevant(_ findings: [Finding]) -> [String: Finding] {
    var out: [String: Finding] = [:]
    for f in findings where f.severity >= config.minSeverity {
      if let e = out[f.key], e.severity >= f.severity { continue }
      out[f.key] = f
    }
    return out
  }

  /// Send order when limits bite: critical news first, resolutions last.
  func rank(_ k: Notice.Kind, _ s: Severity) -> Int {
    switch k {
    case .opened, .escalated: s == .critical ? 0 : 1
    case .resolved: 2
    }
  }
}

/// A notification the gate decided to send.
public struct Notice: Sendable, Equatable {
  public enum Kind: String, Sendable, Codable, Equatable {
    /// healthy → finding
    case opened
    /// same finding, worse severity (warn → critical)
    case escalated
    /// finding → healthy
    case resolved
  }
  public var kind: Kind
  public var finding: Finding
  public var time: Date
  public init(kind: Kind, finding: Finding, time: Date) {
    self.kind = kind
    self.finding = finding
    self.time = time
  }
}
