import Foundation

/// One kind of DMS polling work. Each is a paginated listing; one page is one call.
public enum DMSJob: Hashable, Sendable, CustomStringConvertible {
  case taskList
  /// The current rows of a few tasks (the visible page, tasks named by events): one filtered call.
  case taskRows
  case instances
  case endpoints
  case events
  case tables(String)

  public var description: String {
    switch self {
    case .taskList: "DescribeReplicationTasks"
    case .taskRows: "DescribeReplicationTasks(filtered)"
    case .instances: "DescribeReplicationInstances"
    case .endpoints: "DescribeEndpoints"
    case .events: "DescribeEvents"
    case .tables(let arn): "DescribeTableStatistics(\(arn))"
    }
  }
}

/// The classes of DMS work; each has a guaranteed minimum share of the budget whenever it has work.
public enum WorkClass: Int, CaseIterable, Sendable, CustomStringConvertible {
  case focused, taskList, inventory, events, background
  public var description: String {
    switch self {
    case .focused: "focused"
    case .taskList: "task list"
    case .inventory: "inventory"
    case .events: "events"
    case .background: "background"
    }
  }
}

/// What is known about whether a task's table statistics can have changed since they were last read,
/// from sources that cost no DMS call (CloudWatch throughput, events, the task list).
public enum TaskActivity: Sendable, Equatable {
  /// No evidence either way (no metrics for it yet): refreshed round-robin like before.
  case unknown
  /// Evidence of no change since the last read: the statistics stand; only a slow safety-net refresh.
  case quiet
  /// Changes since the last read (throughput, an event, a new status or progress).
  case changed
}

/// What the planner knows about one task for background table refreshes.
public struct TaskDigest: Sendable, Equatable {
  public var arn: String
  /// Higher is more suspicious: failed, flagged, errored tables, latency rising.
  public var suspicion: Int
  public var activity: TaskActivity = .unknown
  /// When its table statistics were last requested (kept by the planner).
  public var lastAttempt: Date?
  public init(arn: String, suspicion: Int, activity: TaskActivity = .unknown) {
    self.arn = arn
    self.suspicion = suspicion
    self.activity = activity
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
/// every listing yields between its pages and no resource is ever fetched twice at once.
///
/// Fairness: each class of work (focused tables, task list, inventory, events, background tables)
/// has a weight; among the classes that have a call due, the one furthest behind its share goes
/// next (start-time fair queueing over calls), so a class with work always gets at least
/// `weight / Σ weights` of the calls and unused shares go to the others. Until the inventory has
/// loaded once it goes before any table statistics (metrics and logs need its names).
///
/// Background tables: never-loaded tasks first, then the most overdue by age / minimum age — tasks
/// with changes (CloudWatch throughput, events, list changes) or no evidence either way are due
/// after `visibleAge` (on screen) or `offscreenFactor` × that; suspicious ones after half; tasks
/// known to be quiet only after `quietAge` (a safety net: their statistics cannot have moved).
public struct PollPlanner: Sendable {
  public var tablesInterval: TimeInterval
  public var taskListInterval: TimeInterval
  public var eventsInterval: TimeInterval
  /// Jobs that have completed at least once.
  private var completedOnce = Set<DMSJob>()
  public var inventoryInterval: TimeInterval
  /// The full task list may use at most this share of the (current) rate; with thousands of tasks its
  /// interval stretches instead, and the visible rows and tasks named by events are read with
  /// filtered calls in between (`rowsSupported`).
  public var taskListShare = 0.2
  /// Without filtered reads the full list is the only way to see a stop: it may use more.
  public var taskListShareUnfiltered = 0.5
  /// The backend can read a subset of tasks by ARN.
  public var rowsSupported = true
  /// Tokens kept in the bucket for priority work: background refreshes need `1 + reserve` when no
  /// other class is waiting.
  public var reserve: Double
  /// Minimum age before a visible task's tables are refreshed in the background (default 4 table
  /// intervals, at least 20 s: small fleets leave most of the budget to the console and other tools).
  public var visibleAge: TimeInterval
  public var offscreenFactor = 4.0
  /// Safety-net refresh of tasks known to be quiet (validation states move without throughput).
  public var quietAge: TimeInterval = 1800
  /// Quiet but suspicious (findings, latency rising): re-read sooner than plain quiet ones.
  public var quietSuspiciousAge: TimeInterval = 600
  /// Weights of the classes (guaranteed shares when they have work).
  public var weights: [WorkClass: Double] = [.focused: 0.3, .taskList: 0.25, .inventory: 0.1, .events: 0.1, .background: 0.25]

  private(set) var tasks: [TaskDigest] = []
  private var taskIndex: [String: Int] = [:]
  private var lastAttempt: [DMSJob: Date] = [:]
  private var running: [DMSJob: (marker: String?, pages: Int)] = [:]
  private var requested: Set<DMSJob> = []
  public private(set) var taskListPages = 1
  /// Background table job in progress (at most one).
  private var backgroundArn: String?
  /// Tasks whose rows should be read with the next filtered call (events, actions).
  private var rowsWanted: [String] = []
  private var rowsWantedSet = Set<String>()
  /// The ARNs of the filtered call in flight.
  public private(set) var rowsInFlight: [String] = []
  /// The most ARNs one filtered call takes.
  public static let rowsPerCall = 50
  // Start-time fair queueing: the finish tag of each class and the system virtual time.
  private var finish: [WorkClass: Double] = [:]
  /// The job each class made its last call for (a due job goes between a listing's pages, not twice in a row).
  private var lastPick: [WorkClass: DMSJob] = [:]
  private var virtual = 0.0
  /// Calls made by each class (for tests and the bench).
  public private(set) var callsByClass: [WorkClass: Int] = [:]

  public init(settings: PollSettings, capacity: Double) {
    tablesInterval = max(0.5, settings.tables)
    taskListInterval = max(0.5, settings.tasks)
    eventsInterval = max(0.5, settings.events)
    inventoryInterval = max(10, settings.inventory)
    reserve = min(2, max(0, capacity - 1))
    visibleAge = max(20, 4 * settings.tables)
  }

  // MARK: inputs

  /// The task set (after each task list), in any order. Refresh times and activity of tasks that stay are kept.
  public mutating func setTasks(_ digests: [TaskDigest]) {
    var next: [TaskDigest] = []
    next.reserveCapacity(digests.count)
    var index: [String: Int] = [:]
    index.reserveCapacity(digests.count)
    for var d in digests where index[d.arn] == nil {
      if let i = taskIndex[d.arn] {
        d.lastAttempt = tasks[i].lastAttempt
        if d.activity == .unknown { d.activity = tasks[i].activity }
      }
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

  public mutating func updateActivity(arn: String, _ activity: TaskActivity) {
    if let i = taskIndex[arn] { tasks[i].activity = activity }
  }

  public func digest(arn: String) -> TaskDigest? { taskIndex[arn].map { tasks[$0] } }

  /// Asks for `job` as soon as the budget allows. A request while the job runs is coalesced into
  /// one more run after it finishes; repeated requests collapse into one.
  public mutating func request(_ job: DMSJob) { requested.insert(job) }

  /// Asks for the current rows of these tasks (one filtered call for up to `rowsPerCall`).
  public mutating func requestRows(_ arns: [String]) {
    guard rowsSupported else {
      request(.taskList)
      return
    }
    for a in arns where rowsWantedSet.insert(a).inserted { rowsWanted.append(a) }
  }

  public func isRunning(_ job: DMSJob) -> Bool { running[job] != nil }

  /// When `job` last started (nil if never).
  public func lastStart(_ job: DMSJob) -> Date? {
    if case .tables(let arn) = job, let i = taskIndex[arn], let t = tasks[i].lastAttempt {
      return max(t, lastAttempt[job] ?? .distantPast)
    }
    return lastAttempt[job]
  }

  /// The interval the full task list is polled at now: the configured one, stretched so its pages
  /// use at most the task list's share of the current rate.
  public func effectiveTaskListInterval(rate: Double) -> TimeInterval {
    // A short list (up to four pages: the tasks, plus the serverless configs and replications) costs what
    // filtered reads cost: it keeps the larger share (as before).
    let share = rowsSupported && taskListPages > 4 ? taskListShare : taskListShareUnfiltered
    return max(taskListInterval, Double(taskListPages) / max(0.001, share * rate))
  }

  // MARK: decisions

  /// The next step at `now`. When it is `.call`, a token has been taken from `budget`.
  public mutating func next(now: Date, focusedArn: String?, visible: Set<String>, budget: inout RateBudget) -> PlanStep {
    budget.refill(now: now)
    var earliest = now.addingTimeInterval(3600)
    var candidates: [(WorkClass, DMSJob, String?)] = []

    // A class's first job (in the order given) that is running (its next page) or due. Among due jobs the
    // one due longest, so a job due every interval (the visible rows) never starves a stretched one (the
    // full task list) that is due but not started; a due job goes between the pages of a running one, but
    // never twice in a row, so the running listing always advances.
    func consider(_ c: WorkClass, _ jobs: [DMSJob]) {
      var pick: (job: DMSJob, due: Date)?
      for job in jobs {
        if let r = running[job] {
          if let p = pick, lastPick[c] != p.job {
            candidates.append((c, p.job, nil))
          } else {
            candidates.append((c, job, r.marker))
          }
          return
        }
        let due = dueTime(job, rate: budget.rate, visible: visible)
        if due <= now {
          if pick.map({ due < $0.due }) ?? true { pick = (job, due) }
        } else {
          earliest = min(earliest, due)
        }
      }
      if let p = pick { candidates.append((c, p.job, nil)) }
    }
    let inventoryReady = completedOnce.contains(.instances) && completedOnce.contains(.endpoints)
    if let f = focusedArn { consider(.focused, [.tables(f)]) }
    // Filtered rows before the rest of a long listing: they are what changed.
    consider(.taskList, rowsSupported ? [.taskRows, .taskList] : [.taskList])
    consider(.inventory, [.instances, .endpoints])
    consider(.events, [.events])

    // Background: one task's tables at a time.
    if backgroundArn == nil {
      // A listing of a task that lost the focus mid-way finishes as background work.
      for (job, _) in running {
        if case .tables(let a) = job, a != focusedArn { backgroundArn = a }
      }
    }
    if let b = backgroundArn, let r = running[.tables(b)] {
      candidates.append((.background, .tables(b), r.marker))
    } else if let (arn, due) = pickBackground(now: now, focusedArn: focusedArn, visible: visible) {
      if due <= now { candidates.append((.background, .tables(arn), nil)) } else { earliest = min(earliest, due) }
    }
    // At start-up the inventory goes before any table statistics.
    if !inventoryReady, candidates.contains(where: { $0.0 == .inventory }) {
      candidates.removeAll { $0.0 == .focused || $0.0 == .background }
    }
    guard !candidates.isEmpty else { return .wait(until: max(earliest, now.addingTimeInterval(0.001))) }

    // The class furthest behind its share (smallest start tag); ties in the order above.
    var best = 0
    var bestTag = Double.infinity
    for (i, c) in candidates.enumerated() {
      let tag = max(virtual, finish[c.0] ?? 0)
      if tag < bestTag {
        bestTag = tag
        best = i
      }
    }
    let (cls, job, marker) = candidates[best]
    // The reserve is kept only for background work that nobody else is waiting behind.
    let minTokens = cls == .background && candidates.count == 1 && marker == nil ? 1 + reserve : 1
    guard budget.available(now: now) >= minTokens, budget.tryTake(now: now) else {
      let wait = max(0.001, budget.secondsUntil(tokens: minTokens, now: now))
      return .wait(until: now.addingTimeInterval(wait))
    }
    virtual = bestTag
    lastPick[cls] = job
    finish[cls] = bestTag + 1 / max(0.01, weights[cls] ?? 0.1)
    callsByClass[cls, default: 0] += 1
    if running[job] == nil {
      running[job] = (nil, 0)
      if case .tables(let arn) = job, let i = taskIndex[arn] {
        tasks[i].lastAttempt = now
        if cls == .background { backgroundArn = arn }
      } else {
        lastAttempt[job] = now
      }
      requested.remove(job)
      if job == .taskRows { takeRows(visible: visible) }
    }
    return .call(job, marker: marker)
  }

  /// Moves the wanted rows (events first, then the visible page) into the call in flight.
  private mutating func takeRows(visible: Set<String>) {
    var batch = Array(rowsWanted.prefix(Self.rowsPerCall))
    rowsWanted.removeFirst(batch.count)
    for a in batch { rowsWantedSet.remove(a) }
    if batch.count < Self.rowsPerCall {
      let have = Set(batch)
      batch += visible.sorted().filter { !have.contains($0) && taskIndex[$0] != nil }.prefix(Self.rowsPerCall - batch.count)
    }
    rowsInFlight = batch
  }

  private func dueTime(_ job: DMSJob, rate: Double, visible: Set<String>) -> Date {
    if requested.contains(job) { return .distantPast }
    switch job {
    case .taskRows:
      if !rowsWanted.isEmpty { return .distantPast }
      // The visible page sooner than the full list, when the full list is stretched.
      let full = effectiveTaskListInterval(rate: rate)
      guard !visible.isEmpty, full > 2 * taskListInterval, let listed = lastAttempt[.taskList] else { return .distantFuture }
      let last = max(listed, lastAttempt[.taskRows] ?? .distantPast)
      return last.addingTimeInterval(taskListInterval)
    default: break
    }
    guard let last = lastStart(job) else { return .distantPast }
    switch job {
    case .taskList: return last.addingTimeInterval(effectiveTaskListInterval(rate: rate))
    case .instances, .endpoints:
      // Until the inventory has loaded once (e.g. AWS was unreachable at start), retry it like the task list:
      // metrics and log names need it.
      return last.addingTimeInterval(completedOnce.contains(job) ? inventoryInterval : taskListInterval)
    case .events: return last.addingTimeInterval(eventsInterval)
    case .tables: return last.addingTimeInterval(tablesInterval)
    case .taskRows: return .distantFuture
    }
  }

  /// The minimum age before a background refresh of `t`.
  func minimumAge(_ t: TaskDigest, visible: Bool) -> TimeInterval {
    let base = visible ? visibleAge : visibleAge * offscreenFactor
    switch t.activity {
    case .quiet: return t.suspicion > 0 ? quietSuspiciousAge : quietAge
    case .changed, .unknown: return t.suspicion > 0 ? base / 2 : base
    }
  }

  /// The most overdue background task and when it is due: never-loaded first, then the largest
  /// age / minimum-age ratio. When nothing is due, the earliest due time. One pass over the tasks.
  func pickBackground(now: Date, focusedArn: String?, visible: Set<String>) -> (String, Date)? {
    var bestIndex = -1
    var bestRatio = -Double.infinity
    var earliest = Date.distantFuture
    let checkRequests = !requested.isEmpty
    // Positions, not ARNs, inside the loop: it runs every step over the whole fleet, and hashing or copying
    // each task's ARN there was most of its cost.
    let skipA = focusedArn.flatMap { taskIndex[$0] } ?? -1
    let skipB = backgroundArn.flatMap { taskIndex[$0] } ?? -1
    var onScreen = [Bool](repeating: false, count: tasks.count)
    for arn in visible { if let i = taskIndex[arn], i < onScreen.count { onScreen[i] = true } }
    for i in tasks.indices where i != skipA && i != skipB {
      let t = tasks[i]
      let minAge = minimumAge(t, visible: onScreen[i])
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
    if job == .taskRows { rowsInFlight = [] }
    if case .tables(let a) = job, a == backgroundArn { backgroundArn = nil }
    return true
  }

  /// A call failed: the job ends (it runs again when next due); throttling halves the budget's rate.
  public mutating func failed(_ job: DMSJob, throttled: Bool, now: Date, budget: inout RateBudget) {
    running[job] = nil
    if case .tables(let a) = job, a == backgroundArn { backgroundArn = nil }
    if job == .taskRows {
      // The rows are asked again with the next call.
      requestRows(rowsInFlight)
      rowsInFlight = []
    }
    if throttled { budget.throttled(now: now) }
  }
}
