import Foundation

/// The data sources polled in the background.
public enum DataSource: String, Sendable, CaseIterable, Hashable {
  case tasks, tables, metrics, logs, events
  public var shortLabel: String {
    switch self {
    case .tasks: "tasks"
    case .tables: "tables"
    case .metrics: "metrics"
    case .logs: "logs"
    case .events: "events"
    }
  }
}

/// Freshness of one data source. Last good data is kept on failure.
public struct SourceStatus: Sendable, Equatable {
  public var interval: TimeInterval
  public var lastSuccess: Date?
  public var lastError: String?
  public var lastErrorAt: Date?
  public init(interval: TimeInterval) { self.interval = interval }

  public func age(now: Date) -> TimeInterval? { lastSuccess.map { max(0, now.timeIntervalSince($0)) } }
  /// Older than 3 poll intervals (or never loaded while an error is showing).
  public func isStale(now: Date) -> Bool {
    guard let age = age(now: now) else { return lastError != nil }
    return age > 3 * interval
  }
}

/// The DMS call budget as the poller runs it: the rate in force (halved on throttling, recovering
/// gradually) and the configured one.
public struct BudgetStatus: Sendable, Equatable {
  public var rate: Double
  public var configuredRate: Double
  /// The interval the task list is polled at now (stretched for large fleets and while throttled);
  /// the TASKS age is judged STALE against it. Nil keeps the configured interval.
  public var taskListInterval: TimeInterval?
  public init(rate: Double, configuredRate: Double, taskListInterval: TimeInterval? = nil) {
    self.rate = rate
    self.configuredRate = configuredRate
    self.taskListInterval = taskListInterval
  }
  /// True while the rate is below the configured one (after throttling).
  public var isThrottled: Bool { rate < configuredRate - 1e-9 }
}

/// Where CDC starts when a task is started from a chosen point (StartReplicationTask's CdcStartPosition or
/// CdcStartTime; never both).
public enum CdcStartPoint: Sendable, Equatable {
  /// A native position: a checkpoint (`checkpoint:V1#…`), an LSN/SCN or a binlog position (`mysql-bin-changelog.000024:373`).
  case position(String)
  case time(Date)

  /// Whole, never shortened: the audit log records exactly the point that was sent.
  public var summary: String {
    switch self {
    case .position(let p): "position \(p)"
    case .time(let d): "time \(Format.iso(d))"
    }
  }

  public var time: Date? { if case .time(let d) = self { d } else { nil } }
  public var position: String? { if case .position(let p) = self { p } else { nil } }
}

/// An action against AWS (or the simulator) that the user asked for.
public enum ServiceCommand: Sendable, Equatable {
  /// `from`: start CDC from a chosen point (CDC-only tasks, start-replication).
  case start(arn: String, task: String, type: StartTaskType, from: CdcStartPoint? = nil)
  case stop(arn: String, task: String)
  case reload(arn: String, task: String, tables: [TableRef], option: ReloadOption)
  /// TestConnection of the task's source and target endpoints from its replication instance.
  case testConnections(arn: String, task: String)

  public var taskIdentifier: String {
    switch self {
    case .start(_, let t, _, _), .stop(_, let t), .reload(_, let t, _, _), .testConnections(_, let t): t
    }
  }
  public var taskArn: String {
    switch self {
    case .start(let a, _, _, _), .stop(let a, _), .reload(let a, _, _, _), .testConnections(let a, _): a
    }
  }

  /// A one-line description for prompts, the status line and the audit log.
  public var summary: String {
    switch self {
    case .start(_, let t, let type, nil): "start \(t) (\(type.rawValue))"
    case .start(_, let t, let type, let from?): "start \(t) (\(type.rawValue), CDC from \(from.summary))"
    case .stop(_, let t): "stop \(t)"
    case .reload(_, let t, let tables, let option):
      "\(option == .validateOnly ? "revalidate" : "reload") \(tables.count == 1 ? tables[0].qualifiedName : "\(tables.count) tables") of \(t)"
    case .testConnections(_, let t): "test endpoint connections of \(t)"
    }
  }
}

/// Substring search in pure Swift over Unicode scalars (Foundation's `contains` on Linux can crash
/// on some scalar sequences, and a filter is typed by the user).
public enum TextSearch {
  /// Levenshtein distance (for "did you mean" suggestions).
  public static func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var prev = Array(0...y.count)
    for i in 1...x.count {
      var cur = [i] + Array(repeating: 0, count: y.count)
      for j in 1...y.count {
        cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
      }
      prev = cur
    }
    return prev[y.count]
  }

  public static func contains(_ haystack: String, _ needle: String) -> Bool {
    if needle.isEmpty { return true }
    let h = Array(haystack.unicodeScalars)
    let n = Array(needle.unicodeScalars)
    guard n.count <= h.count else { return false }
    var i = 0
    while i + n.count <= h.count {
      if h[i] == n[0] {
        var j = 1
        while j < n.count && h[i + j] == n[j] { j += 1 }
        if j == n.count { return true }
      }
      i += 1
    }
    return false
  }
}

/// A reload sent in chunks that did not complete: exactly which tables DMS accepted, which chunk's
/// outcome is unknown (response lost), and which were refused or never sent.
public struct PartialReload: Sendable, Equatable {
  public var accepted: [TableRef]
  public var unknown: [TableRef]
  public var notAccepted: [TableRef]
  public init(accepted: [TableRef], unknown: [TableRef] = [], notAccepted: [TableRef]) {
    self.accepted = accepted
    self.unknown = unknown
    self.notAccepted = notAccepted
  }
  public var summary: String {
    var parts = ["\(accepted.count) table\(accepted.count == 1 ? "" : "s") accepted"]
    if !unknown.isEmpty { parts.append("\(unknown.count) unknown — verify") }
    if !notAccepted.isEmpty { parts.append("\(notAccepted.count) not accepted") }
    return parts.joined(separator: ", ")
  }
}

