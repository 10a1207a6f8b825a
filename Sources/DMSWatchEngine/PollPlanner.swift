import Foundation

/// One kind of DMS polling work. Each is a paginated listing; one page is one call.
public enum DMSJob: Hashable, Sendable, CustomStringConvertible {
  case taskList
  case instances
  case endpoints
  case events
  case tables(String)

  public var description: String {
    switch self {
    case .taskList: "DescribeReplicationTasks"
    case .instances: "DescribeReplicationInstances"
    case .endpoints: "DescribeEndpoints"
    case .events: "DescribeEvents"
    case .tables(let arn): "DescribeTableStatistics(\(arn))"
    }
  }
}

/// What the planner knows about one task for background table refreshes.
public struct TaskDigest: Sendable, Equatable {
  public var arn: String
  /// Higher is more suspicious: failed, flagged, errored tables, latency rising.
  public var suspicion: Int
  /// When its table statistics were last requested (kept by the planner).
  public var lastAttempt: Date?
  public init(arn: String, suspicion: Int) {
    self.arn = arn
    self.suspicion = suspicion
  }
}

/// The next thing the DMS lane should do.
public enum PlanStep: Sendable, Equatable {
  /// Make one call (one page of `job`, from `marker`); a token has been taken.
  case call(DMSJob, marker: String?)
  /// Nothing to do (or no token) until this time, unless woken.
  case wait(until: Date)
}

/// The DMS polling scheduler's decisions, pure: given the time, the budget and what is on screen,
/// it returns the next call or how long to wait. One call at a time (one lane), page by page, so
/// a high-priority page can go between the pages of a long listing, and no resource is ever
/// fetched twice at once.
///
/// Priorities: the focused task's table statistics, the task list, the inventory, events, then
/// other tasks' table statistics in the spare budget (a reserve of tokens is kept for the first
/// four), most overdue first — visible tasks are due after `visibleAge`, off-screen ones after
/// `offscreenFactor` times that, suspicious ones after half.
public struct PollPlanner: Sendable {
  public var tablesInterval: TimeInterval
  public var taskListInterval: TimeInterval
  public var eventsInterval: TimeInterval
  /// Jobs that have completed at least once.
  private var completedOnce = Set<DMSJob>()
  public var inventoryInterval: TimeInterval
  /// The task list may use at most this share of the (current) rate; with thousands of tasks its
  /// interval stretches instead.
  public var taskListShare = 0.5
  /// Tokens kept in the bucket for priority work: background refreshes need `1 + reserve`.
  public var reserve: Double
  /// Minimum age before a visible task's tables are refreshed in the background (default 4 table
  /// intervals, at least 20 s: small fleets leave most of the budget to the console and other tools).
  public var visibleAge: TimeInterval
  public var offscreenFactor = 4.0

  private(set) var tasks: [TaskDigest] = []
  private var taskIndex: [String: Int] = [:]
  private var lastAttempt: [DMSJob: Date] = [:]
  private var running: [DMSJob: (marker: String?, pages: Int)] = [:]
  private var requested: Set<DMSJob> = []
  public private(set) var taskListPages = 1
  /// Background table job in progress (at most one).
  private var backgroundArn: String?

  public init(settings: PollSettings, capacity: Double) {
    tablesInterval = max(0.5, settings.tables)
    taskListInterval = max(0.5, settings.tasks)
    eventsInterval = max(0.5, settings.events)
    inventoryInterval = max(10, settings.inventory)
    reserve = min(2, max(0, capacity - 1))
    visibleAge = max(20, 4 * settings.tables)
  }

  // MARK: inputs

  /// The task set (after each task list), in any order. Refresh times of tasks that stay are kept.
  public mutating func setTasks(_ digests: [TaskDigest]) {
    var next: [TaskDigest] = []
    next.reserveCapacity(digests.count)
    var index: [String: Int] = [:]
    index.reserveCapacity(digests.count)
    for var d in digests where index[d.arn] == nil {
      if let i = taskIndex[d.arn] { d.lastAttempt = tasks[i].lastAttempt }
      index[d.arn] = next.count
      next.append(d)
    }
    tasks = next
    taskIndex = index
    if let b = backgroundArn, index[b] == nil {
      running[.tables(b)] = nil
      backgroundArn = nil
    }
  }

  public mutating func updateSuspicion(arn: String, _ suspicion: Int) {
    if let i = taskIndex[arn] { tasks[i].suspicion = suspicion }
  }

  /// Asks for `job` as soon as the budget allows. A request while the job runs is coalesced into
  /// one more run after it finishes; repeated requests collapse into one.
  public mutating func request(_ job: DMSJob) { requested.insert(job) }

  public func isRunning(_ job: DMSJob) -> Bool { running[job] != nil }

  /// When `job` last started (nil if never).
  public func lastStart(_ job: DMSJob) -> Date? {
    if case .tables(let arn) = job, let i = taskIndex[arn], let t = tasks[i].lastAttempt {
      return max(t, lastAttempt[job] ?? .distantPast)
    }
    return lastAttempt[job]
  }

  /// The interval the task list is polled at now: the configured one, stretched so its pages use
  /// at most `taskListShare` of the current rate.
  public func effectiveTaskListInterval(rate: Double) -> TimeInterval {
    max(taskListInterval, Double(taskListPages) / max(0.001, taskListShare * rate))
  }

  // MARK: decisions

  /// The next step at `now`. When it is `.call`, a token has been taken from `budget`.
  public mutating func next(now: Date, focusedArn: String?, visible: Set<String>, budget: inout RateBudget) -> PlanStep {
    budget.refill(now: now)
    var earliest = now.addingTimeInterval(3600)
    // Priority work, in order.
    var priority: [DMSJob] = []
    if let f = focusedArn { priority.append(.tables(f)) }
    // The task list before the inventory: with a thousand endpoints the inventory is 10+ pages,
    // and the task list is what the screen needs first.
    priority += [.taskList, .instances, .endpoints, .events]
    for job in priority {
      if let r = running[job] {
        return take(job, marker: r.marker, now: now, budget: &budget, minTokens: 1)
      }
      let due = dueTime(job, rate: budget.rate)
      if due <= now {
        return take(job, marker: nil, now: now, budget: &budget, minTokens: 1)
      }
      earliest = min(earliest, due)
    }
    // Background: one task's tables at a time, only with tokens beyond the reserve.
    var bgDue: Date?
    var bgJob: (DMSJob, String?)?
    if backgroundArn == nil {
      // A listing of a task that lost the focus mid-way finishes as background work.
      for (job, _) in running {
        if case .tables(let a) = job, a != focusedArn { backgroundArn = a }
      }
    }
    if let b = backgroundArn, let r = running[.tables(b)] {
      bgJob = (.tables(b), r.marker)
    } else if let (arn, due) = pickBackground(now: now, focusedArn: focusedArn, visible: visible) {
      if due <= now { bgJob = (.tables(arn), nil) } else { bgDue = due }
    }
    if let (job, marker) = bgJob {
      let need = 1 + reserve
      if budget.available(now: now) >= need {
        if case .tables(let arn) = job { backgroundArn = arn }
        return take(job, marker: marker, now: now, budget: &budget, minTokens: need)
      }
      earliest = min(earliest, now.addingTimeInterval(budget.secondsUntil(tokens: need, now: now)))
    } else if let bgDue {
      earliest = min(earliest, bgDue)
    }
    return .wait(until: max(earliest, now.addingTimeInterval(0.001)))
  }

  private mutating func take(_ job: DMSJob, marker: String?, now: Date, budget: inout RateBudget, minTokens: Double) -> PlanStep {
    guard budget.available(now: now) >= minTokens, budget.tryTake(now: now) else {
      return .wait(until: now.addingTimeInterval(max(0.001, budget.secondsUntil(tokens: minTokens, now: now))))
    }
    if running[job] == nil {
      running[job] = (nil, 0)
      if case .tables(let arn) = job, let i = taskIndex[arn] {
        tasks[i].lastAttempt = now
      } else {
        lastAttempt[job] = now
      }
      requested.remove(job)
    }
    return .call(job, marker: marker)
  }

  private func dueTime(_ job: DMSJob, rate: Double) -> Date {
    if requested.contains(job) { return .distantPast }
    guard let last = lastStart(job) else { return .distantPast }
    switch job {
    case .taskList: return last.addingTimeInterval(effectiveTaskListInterval(rate: rate))
    case .instances, .endpoints:
      // Until the inventory has loaded once (e.g. AWS was unreachable at start), retry it like the task list:
      // metrics and log names need it.
      return last.addingTimeInterval(completedOnce.contains(job) ? inventoryInterval : effectiveTaskListInterval(rate: rate))
    case .events: return last.addingTimeInterval(eventsInterval)
    case .tables: return last.addingTimeInterval(tablesInterval)
    }
  }

  /// The most overdue background task and when it is due: never-loaded first, then the largest
  /// age / minimum-age ratio (visible and suspicious tasks have shorter minimum ages). When nothing
  /// is due, the earliest due time. One pass over the tasks.
  func pickBackground(now: Date, focusedArn: String?, visible: Set<String>) -> (String, Date)? {
    var bestIndex = -1
    var bestRatio = -Double.infinity
    var earliest = Date.distantFuture
    let offscreenAge = visibleAge * offscreenFactor
    let checkRequests = !requested.isEmpty
    let bg = backgroundArn
    for (i, t) in tasks.enumerated() where t.arn != focusedArn && t.arn != bg {
      var minAge = visible.isEmpty || !visible.contains(t.arn) ? offscreenAge : visibleAge
      if t.suspicion > 0 { minAge /= 2 }
      let ratio: Double
      if checkRequests, requested.contains(.tables(t.arn)) {
        ratio = .infinity
      } else if let last = t.lastAttempt {
        let age = now.timeIntervalSince(last)
        ratio = age / minAge
        if age < minAge { earliest = min(earliest, last.addingTimeInterval(minAge)) }
      } else {
        ratio = 1e12 + Double(t.suspicion)
      }
      if ratio > bestRatio {
        bestRatio = ratio
        bestIndex = i
      }
    }
    guard bestIndex >= 0 else { return nil }
    if bestRatio >= 1 { return (tasks[bestIndex].arn, now) }
    return (tasks[bestIndex].arn, earliest)
  }

  // MARK: results

  /// A page came back. Returns true when the job is complete (no further marker).
  @discardableResult
  public mutating func pageDone(_ job: DMSJob, nextMarker: String?) -> Bool {
    guard var r = running[job] else { return true }
    r.pages += 1
    if let m = nextMarker, !m.isEmpty {
      r.marker = m
      running[job] = r
      return false
    }
    running[job] = nil
    completedOnce.insert(job)
    if job == .taskList { taskListPages = max(1, r.pages) }
    if case .tables(let a) = job, a == backgroundArn { backgroundArn = nil }
    return true
  }

  /// A call failed: the job ends (it runs again when next due); throttling halves the budget's rate.
  public mutating func failed(_ job: DMSJob, throttled: Bool, now: Date, budget: inout RateBudget) {
    running[job] = nil
    if case .tables(let a) = job, a == backgroundArn { backgroundArn = nil }
    if throttled { budget.throttled(now: now) }
  }
}
