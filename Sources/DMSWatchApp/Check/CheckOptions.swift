import DMSWatchModel
import Foundation
import DMSWatchReports
import DMSWatchRules

/// What `CheckRunner` fetches and how long it may wait.
public struct CheckOptions: Sendable {
  /// Task identifiers or ARNs to check; empty = every task.
  public var tasks: [String] = []
  /// Thresholds of the rules.
  public var ruleConfig = RuleConfig()
  /// Request validate-only reloads of flagged tables first, then wait for them.
  public var rerunValidation = false
  /// How long to wait for revalidation, seconds.
  public var wait: TimeInterval = 300
  /// Pause between table-statistics polls while waiting for revalidation, seconds.
  public var pollInterval: TimeInterval = 10
  /// CloudWatch history fetched (the last hour).
  public var metricsWindow: TimeInterval = 3600
  /// DescribeEvents history.
  public var eventsWindow: TimeInterval = 3600
  /// Task log history read per task, seconds.
  public var logWindow: TimeInterval = 900
  /// GetLogEvents pages per task (each at most `logPageSize` lines).
  public var logPages = 3
  public var logPageSize = 500
  /// Tasks fetched at the same time.
  public var concurrency = 4
  /// Attempts for a throttled call (the AWS client retries too; the simulator and fakes do not).
  public var throttleAttempts = 4
  public var throttleBaseDelay: TimeInterval = 0.5

  public init() {}
}

/// Tables re-validated by `--rerun-validation`.
public struct RevalidationSummary: Sendable, Equatable {
  /// Tables a validate-only reload was requested for.
  public var requested: Int
  /// Of those, tables still pending when the wait ended.
  public var stillPending: Int
  /// Seconds waited (on the runner's clock).
  public var waited: TimeInterval
  /// Reload requests that failed (task not running…), one line each.
  public var failures: [String]
  public var timedOut: Bool { stillPending > 0 }
  public init(requested: Int, stillPending: Int, waited: TimeInterval, failures: [String]) {
    self.requested = requested
    self.stillPending = stillPending
    self.waited = waited
    self.failures = failures
  }
}

/// Result of one check run.
public struct CheckOutcome: Sendable {
  public var report: CheckReport
  /// Things the user should know that are not findings (logging off, metrics unavailable…), one line each.
  public var notes: [String]
  public var revalidation: RevalidationSummary?
  public init(report: CheckReport, notes: [String], revalidation: RevalidationSummary?) {
    self.report = report
    self.notes = notes
    self.revalidation = revalidation
  }
}

/// The check could not reach AWS, or credentials failed: exit status 3.
public struct CheckFailure: Error, CustomStringConvertible, Sendable {
  public var message: String
  public var exitCode: Int32
  public init(message: String, exitCode: Int32 = 3) {
    self.message = message
    self.exitCode = exitCode
  }
  public var description: String { message }
}

extension AppConfig {
  /// The rule thresholds the config file sets (others keep their defaults).
  public var ruleConfig: RuleConfig {
    var r = RuleConfig()
    if let v = latencyWarn { r.latencyWarnSeconds = v }
    if let v = latencyCritical { r.latencyCriticalSeconds = v }
    if let v = lowThroughput { r.minThroughputRowsPerSecond = v }
    if let v = stallMinutes { r.stallMinutes = v }
    if let v = readinessMinutes { r.readinessWindowMinutes = v }
    if let v = requireRowCounts { r.requireRowCounts = v }
    return r
  }
}
