import Foundation

/// Shape of the simulated fleet.
public struct SimulatorConfig: Sendable, Equatable {
  /// Number of replication tasks (default 12, tested to 5,000).
  public var tasks: Int
  /// Tables per task; nil = a realistic mix (most tasks 3–60 tables, a few up to 400).
  public var tablesPerTask: Int?
  /// Same seed and same clock times give identical answers.
  public var seed: UInt64
  /// The simulated account and region (in every ARN).
  public var region = "us-east-1"
  public var account = "123456789012"
  /// DMS Serverless replications beside the tasks; nil = 4 curated ones (running, never started,
  /// failed with FailureMessages, read-only zero-ETL) plus one per 10 tasks beyond 12; none with no tasks.
  public var serverless: Int?
  /// How busy the sources are; nil = every task in CDC captures changes all the time.
  public var activity: ActivityProfile?
  /// Tables of particular tasks by index (e.g. one 20,000-table task among a thousand), over `tablesPerTask`.
  public var tableCounts: [Int: Int] = [:]

  public init(tasks: Int = 12, tablesPerTask: Int? = nil, seed: UInt64 = 1, serverless: Int? = nil, activity: ActivityProfile? = nil) {
    self.activity = activity
    self.tasks = tasks
    self.tablesPerTask = tablesPerTask
    self.seed = seed
    self.serverless = serverless
  }

  /// The number of serverless replications the fleet has.
  public var serverlessCount: Int {
    if let serverless { return max(0, serverless) }
    return tasks <= 0 ? 0 : 4 + max(0, (tasks - 12) / 10)
  }
}
