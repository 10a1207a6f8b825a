import DMSWatchModel
import Foundation

/// An interruptible sleep: `wait` returns after the timeout or as soon as `fire` is called.
@MainActor
final class Wakeup {
  private var continuation: CheckedContinuation<Void, Never>?
  private var timer: Task<Void, Never>?
  private var generation = 0
  private var pending = false

  func wait(seconds: TimeInterval) async {
    if pending {
      pending = false
      return
    }
    generation += 1
    let gen = generation
    await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
      continuation = c
      timer = Task { @MainActor [weak self] in
        try? await Task.sleep(nanoseconds: UInt64(max(0.001, seconds) * 1e9))
        guard let self, self.generation == gen else { return }
        self.resume()
      }
    }
  }

  func fire() {
    if continuation == nil {
      pending = true
    } else {
      resume()
    }
  }

  private func resume() {
    timer?.cancel()
    timer = nil
    generation += 1
    let c = continuation
    continuation = nil
    c?.resume()
  }
}

/// The DMS call budget shared by every poll and action, on the injected clock (a `RateBudget`
/// behind a reference so the poller, its planner and the controller's actions count in one place).
@MainActor
public final class CallBudget {
  public var bucket: RateBudget
  private let clock: any Clock

  public init(rate: Double, capacity: Double, clock: any Clock) {
    self.clock = clock
    bucket = RateBudget(rate: rate, capacity: capacity, now: clock.now())
  }

  public var capacity: Double { bucket.capacity }
  /// The rate in force now (halved on throttling, recovering to the configured rate).
  public var rate: Double { bucket.rate }
  public var spent: Int { bucket.spent }

  /// Takes a token if one is there.
  public func tryTake() -> Bool { bucket.tryTake(now: clock.now()) }

  /// Tokens available now (for deciding on optional work).
  public var available: Double { bucket.available(now: clock.now()) }

  /// Counts a call that must not wait (a user action).
  public func spendForced() { bucket.spendForced(now: clock.now()) }

  /// Waits (in real time) until a token is available, then takes it.
  public func take() async {
    while !tryTake() {
      let wait = bucket.secondsUntil(tokens: 1, now: clock.now())
      try? await Task.sleep(nanoseconds: UInt64(max(0.01, wait) * 1e9))
      if Task.isCancelled { return }
    }
  }
}

/// Background polling. DMS calls go through one lane driven by `PollPlanner` (priorities, the
/// budget, AIMD on throttling, page by page); CloudWatch metrics (one GetMetricData call for every
/// series on screen) and the focused task's log tail have their own loops (other APIs, other quotas).
/// Each loop is sequential, so requests for the same resource never overlap; a refresh request
/// while one is in flight is coalesced into one more run after it.
@MainActor
public final class Poller {
  private weak var controller: AppController?
  private let services: ServiceBundle
  private let clock: any Clock
  private let settings: PollSettings
  public let budget: CallBudget
  public private(set) var planner: PollPlanner
  public var paused = false {
    didSet { if !paused { refreshNow() } }
  }
  private var loops: [Task<Void, Never>] = []
  private var wakeups: [DataSource: Wakeup] = [:]
  private var inventoryLoaded = false

  // Pages collected so far by the DMS lane.
  private var partialTasks: [ReplicationTask] = []
  private var partialTables: [String: [TableStatistics]] = [:]
  private var partialEvents: [DMSEvent] = []
  private var partialInstances: [ReplicationInstance] = []
  private var partialEndpoints: [Endpoint] = []
  private var loadedInstances: [ReplicationInstance]?
  private var loadedEndpoints: [Endpoint]?
  private var lastBudgetStatus: BudgetStatus?
  /// Position of each task in `state.tasks` as of the last task list.
  private var taskIndex: [String: Int] = [:]

  // Log tail of the focused task.
  private var logTaskArn: String?
  private var logToken: String?
  /// Forward tokens of tasks tailed before: coming back to a task continues, never repeats lines.
  private var logTokens: [String: String] = [:]
  /// Instance ARNs seen on tasks but not in the inventory, for which a reload was already asked.
  private var unknownInstancesAsked = Set<String>()
  // Events since.
  private var eventsSince: Date?
  private var seenEvents = Set<String>()
  // Metrics: tasks whose last hour has been backfilled.
  private var backfilled = Set<String>()
  private var metricsFetchedAt: Date?

  public init(controller: AppController, services: ServiceBundle, clock: any Clock, settings: PollSettings) {
    self.controller = controller
    self.services = services
    self.clock = clock
    self.settings = settings
    self.budget = CallBudget(rate: settings.dmsCallsPerSecond, capacity: settings.dmsBurst, clock: clock)
    self.planner = PollPlanner(settings: settings, capacity: settings.dmsBurst)
    for s in DataSource.allCases { wakeups[s] = Wakeup() }
  }

  public func start() {
    publishBudget()
    loops = [
      dmsLane(),
      loop(.metrics, settings.metrics) { await $0.pollMetrics() },
      loop(.logs, settings.logs) { await $0.pollLogs() },
    ]
  }

  public func stop() {
    for l in loops { l.cancel() }
    loops = []
    for w in wakeups.values { w.fire() }
  }

  /// Ctrl-R, after an action, on resume: the task list, the focused task's tables and events as
  /// soon as the budget allows (coalesced with any run in flight), metrics and logs at once.
  public func refreshNow() {
    planner.request(.taskList)
    planner.request(.events)
    if let arn = controller?.state.selectedTaskArn { planner.request(.tables(arn)) }
    for w in wakeups.values { w.fire() }
  }

  public func focusChanged() {
    if let arn = controller?.state.selectedTaskArn { planner.request(.tables(arn)) }
    wakeups[.tables]?.fire()
    wakeups[.logs]?.fire()
    wakeups[.metrics]?.fire()
  }

  /// Counts a user action's DMS call: it does not wait for the budget but later polls repay it.
  public func countAction() {
    budget.spendForced()
  }

  /// A DMS error from anywhere (polls or actions): throttling halves the rate.
  public func noteDMSError(_ error: Error) {
    if (error as? ServiceError)?.kind == .throttled {
      budget.bucket.throttled(now: clock.now())
      publishBudget()
    }
  }

  private func loop(_ source: DataSource, _ interval: TimeInterval, _ body: @escaping @MainActor (Poller) async -> Void) -> Task<Void, Never> {
    Task { @MainActor [weak self] in
      while !Task.isCancelled {
        guard let self else { return }
        if !self.paused { await body(self) }
        guard let w = self.wakeups[source] else { return }
        await w.wait(seconds: interval)
      }
    }
  }

  /// The DMS lane: asks the planner for the next call, makes it, waits when told to.
  private func dmsLane() -> Task<Void, Never> {
    Task { @MainActor [weak self] in
      while !Task.isCancelled {
        guard let self else { return }
        let step: PlanStep
        if self.paused {
          step = .wait(until: self.clock.now().addingTimeInterval(3600))
        } else {
          step = await self.runDMSStep()
        }
        if case .wait(let until) = step {
          guard let w = self.wakeups[.tables] else { return }
          await w.wait(seconds: max(0.001, until.timeIntervalSince(self.clock.now())))
        }
      }
    }
  }

  private func fail(_ source: DataSource, _ error: Error, taskArn: String? = nil) {
    let msg = (error as? ServiceError)?.description ?? String(describing: error)
    controller?.dispatch(.sourceFailed(source, message: msg, at: clock.now(), taskArn: taskArn))
  }

  private func publishBudget() {
    let b = budget.bucket
    // Rounded to whole seconds so a slowly recovering rate does not redraw every step.
    let listInterval = planner.effectiveTaskListInterval(rate: b.rate).rounded(.up)
    let status = BudgetStatus(rate: b.rate, configuredRate: b.configuredRate, taskListInterval: listInterval)
    guard status != lastBudgetStatus else { return }
    lastBudgetStatus = status
    controller?.dispatch(.budgetChanged(status))
  }

  // MARK: the DMS lane, one step at a time

  /// One decision of the DMS lane: makes the call the planner picks (one page) and hands the
  /// result to the reducer when the listing is complete; or returns how long to wait. The lane
  /// loop calls this; simulations call it directly with a manual clock and jump to `.wait` times.
  @discardableResult
  public func runDMSStep() async -> PlanStep {
    guard let c = controller else { return .wait(until: clock.now().addingTimeInterval(3600)) }
    let s = c.state
    let step = planner.next(now: clock.now(), focusedArn: s.selectedTaskArn, visible: visibleArns(s), budget: &budget.bucket)
    publishBudget()
    guard case .call(let job, let marker) = step else { return step }
    do {
      try await call(job, marker: marker)
    } catch {
      planner.failed(job, throttled: (error as? ServiceError)?.kind == .throttled, now: clock.now(), budget: &budget.bucket)
      publishBudget()
      switch job {
      case .taskList:
        partialTasks = []
        fail(.tasks, error)
      case .instances, .endpoints:
        fail(.tasks, error)
      case .events:
        partialEvents = []
        fail(.events, error)
      case .tables(let arn):
        partialTables[arn] = nil
        fail(.tables, error, taskArn: arn)
      }
    }
    return step
  }

  private func visibleArns(_ s: AppState) -> Set<String> {
    let order = s.taskOrder
    let top = s.taskCursor.top
    let rows = s.layout.visibleRows(.tasks)
    guard top < order.count, rows > 0 else { return [] }
    return Set(order[top..<min(order.count, top + rows)].map { s.tasks[$0].arn })
  }

  /// Markers seen by each job in progress: a marker that comes back is a loop, not more pages.
  private var seenMarkers: [DMSJob: Set<String>] = [:]

  private func pageDone(_ job: DMSJob, sent: String?, next: String?) throws -> Bool {
    if sent == nil { seenMarkers[job] = [] }
    if let next, !next.isEmpty {
      var seen = seenMarkers[job, default: []]
      if next == sent || !seen.insert(next).inserted || seen.count > 10_000 {
        seenMarkers[job] = nil
        throw ServiceError(
          kind: .malformed, code: "PaginationLoop",
          message: "\(job) returned marker \(next.prefix(24)) again; stopped paging (the last complete data is kept)")
      }
      seenMarkers[job] = seen
    } else {
      seenMarkers[job] = nil
    }
    return planner.pageDone(job, nextMarker: next)
  }

  private func call(_ job: DMSJob, marker: String?) async throws {
    let dms = services.dms
    // A job that starts from the first page starts from nothing: pages of an earlier, abandoned run
    // of the same job must not be counted twice.
    if marker == nil {
      switch job {
      case .taskList: partialTasks = []
      case .instances: partialInstances = []
      case .endpoints: partialEndpoints = []
      case .events: partialEvents = []
      case .tables(let arn): partialTables[arn] = nil
      }
    }
    switch job {
    case .taskList:
      let page = try await dms.describeReplicationTasks(marker: marker, maxRecords: 100)
      partialTasks += page.items
      if try pageDone(job, sent: marker, next: page.marker) {
        // One row per ARN even if a page repeats an item.
        var seen = Set<String>()
        let tasks = partialTasks.filter { seen.insert($0.arn).inserted }
        partialTasks = []
        controller?.dispatch(.tasksLoaded(tasks, at: clock.now()))
        // A task on an instance created after the inventory was read: read the inventory again (once per ARN).
        if let s = controller?.state, inventoryLoaded {
          let unknown = Set(tasks.compactMap(\.replicationInstanceArn)).subtracting(s.instances.keys).subtracting(unknownInstancesAsked)
          if !unknown.isEmpty {
            unknownInstancesAsked.formUnion(unknown)
            planner.request(.instances)
            planner.request(.endpoints)
          }
        }
        refreshDigests()
      }
    case .instances:
      let page = try await dms.describeReplicationInstances(marker: marker)
      partialInstances += page.items
      if try pageDone(job, sent: marker, next: page.marker) {
        loadedInstances = partialInstances
        partialInstances = []
        deliverInventory()
      }
    case .endpoints:
      let page = try await dms.describeEndpoints(marker: marker)
      partialEndpoints += page.items
      if try pageDone(job, sent: marker, next: page.marker) {
        loadedEndpoints = partialEndpoints
        partialEndpoints = []
        deliverInventory()
      }
    case .events:
      let since = eventsSince ?? clock.now().addingTimeInterval(-3600)
      let page = try await dms.describeEvents(since: since, marker: marker, maxRecords: 100)
      partialEvents += page.items
      if try pageDone(job, sent: marker, next: page.marker) {
        let events = partialEvents
        partialEvents = []
        deliverEvents(events, since: since)
      }
    case .tables(let arn):
      let page = try await dms.describeTableStatistics(taskArn: arn, marker: marker, maxRecords: 500)
      partialTables[arn, default: []] += page.items
      if try pageDone(job, sent: marker, next: page.marker) {
        let list = partialTables.removeValue(forKey: arn) ?? []
        controller?.dispatch(.tablesLoaded(taskArn: arn, list, at: clock.now()))
        if let c = controller { planner.updateSuspicion(arn: arn, suspicion(of: arn, in: c.state)) }
      }
    }
  }

  /// Instances and endpoints go to the reducer together, once both listings are complete
  /// (a failed one keeps the last good inventory).
  private func deliverInventory() {
    guard let instances = loadedInstances, let endpoints = loadedEndpoints else { return }
    loadedInstances = nil
    loadedEndpoints = nil
    controller?.dispatch(.instancesLoaded(instances, endpoints))
    inventoryLoaded = true
    // Metrics dimensions and log group names need the instance names: fetch them now.
    wakeups[.metrics]?.fire()
    wakeups[.logs]?.fire()
  }

  /// Rebuilds the planner's task digests from the state (after each task list), in place over the
  /// task array (no per-task copies: this runs for thousands of tasks).
  private func refreshDigests() {
    guard let c = controller else { return }
    var digests: [TaskDigest] = []
    var index: [String: Int] = [:]
    let count = c.state.tasks.count
    digests.reserveCapacity(count)
    index.reserveCapacity(count)
    for i in 0..<count {
      let arn = c.state.tasks[i].arn
      index[arn] = i
      digests.append(TaskDigest(arn: arn, suspicion: Self.suspicion(at: i, in: c.state)))
    }
    taskIndex = index
    planner.setTasks(digests)
  }

  /// Suspicion of one task after its tables were loaded.
  private func suspicion(of arn: String, in s: AppState) -> Int {
    guard let i = taskIndex[arn], i < s.tasks.count, s.tasks[i].arn == arn else { return 0 }
    return Self.suspicion(at: i, in: s)
  }

  /// Failed, errored tables, flagged, latency rising: each adds to the score.
  static func suspicion(at i: Int, in s: AppState) -> Int {
    var score = 0
    let status = s.tasks[i].status
    if status == TaskStatus.failed || status == TaskStatus.failedMove { score += 4 }
    if let e = s.tasks[i].stats?.tablesErrored, e > 0 { score += 3 }
    let arn = s.tasks[i].arn
    if let tt = s.tables[arn], tt.error != nil || tt.flags.contains(where: { $0.severity >= .warn }) { score += 2 }
    if s.metrics[arn]?.latencySource.isRising(over: 3) == true { score += 1 }
    return score
  }

  // MARK: whole listings at once (tests and one-off loads; each page still takes a token)

  public func pollTasks() async {
    let dms = services.dms
    do {
      if !inventoryLoaded {
        await budget.take()
        let instances = try await collectPages { try await dms.describeReplicationInstances(marker: $0) }
        await budget.take()
        let endpoints = try await collectPages { try await dms.describeEndpoints(marker: $0) }
        controller?.dispatch(.instancesLoaded(instances, endpoints))
        inventoryLoaded = true
      }
      let tasks = try await collectPages { marker -> Page<ReplicationTask> in
        await self.budget.take()
        return try await dms.describeReplicationTasks(marker: marker, maxRecords: 100)
      }
      controller?.dispatch(.tasksLoaded(tasks, at: clock.now()))
      refreshDigests()
    } catch {
      noteDMSError(error)
      fail(.tasks, error)
    }
  }

  /// The focused task's tables, then the most overdue other task's if the budget has room.
  public func pollTables() async {
    guard let controller else { return }
    if let arn = controller.state.selectedTaskArn {
      await loadTables(arn)
    }
    if budget.available >= 1 + planner.reserve,
      let (arn, _) = planner.pickBackground(now: clock.now(), focusedArn: controller.state.selectedTaskArn, visible: visibleArns(controller.state))
    {
      await loadTables(arn)
    }
  }

  public func loadTables(_ arn: String) async {
    let dms = services.dms
    do {
      let list = try await collectPages { marker -> Page<TableStatistics> in
        await self.budget.take()
        return try await dms.describeTableStatistics(taskArn: arn, marker: marker, maxRecords: 500)
      }
      controller?.dispatch(.tablesLoaded(taskArn: arn, list, at: clock.now()))
    } catch {
      noteDMSError(error)
      fail(.tables, error, taskArn: arn)
    }
  }

  /// One GetMetricData call (≤ 500 queries) for the focused task and the tasks on screen;
  /// a task seen for the first time gets the last hour, the others the last few minutes.
  public func pollMetrics() async {
    guard let c = controller else { return }
    let s = c.state
    var wanted: [ReplicationTask] = []
    if let t = s.selectedTask { wanted.append(t) }
    let visible = s.visibleTasks
    let top = s.taskCursor.top
    let rows = s.layout.visibleRows(.tasks)
    if top < visible.count {
      for t in visible[top..<min(visible.count, top + rows)] where t.arn != s.selectedTaskArn { wanted.append(t) }
    }
    let now = clock.now()
    let metricsPerTask = DMSMetric.all
    let maxTasks = 500 / metricsPerTask.count
    wanted = Array(wanted.prefix(maxTasks))
    var queries: [MetricQuery] = []
    var idMap: [String: (String, String)] = [:]
    var oldest = now.addingTimeInterval(-600)
    for (ti, t) in wanted.enumerated() {
      guard let instance = s.instanceIdentifier(for: t) else { continue }
      if !backfilled.contains(t.arn) { oldest = now.addingTimeInterval(-3600) }
      for (mi, m) in metricsPerTask.enumerated() {
        let id = "m\(ti)_\(mi)"
        queries.append(MetricQuery(id: id, metricName: m, instanceIdentifier: instance, taskResourceId: t.resourceId))
        idMap[id] = (t.arn, m)
      }
    }
    guard !queries.isEmpty else { return }
    let start = Date(timeIntervalSince1970: (oldest.timeIntervalSince1970 / 60).rounded(.down) * 60)
    do {
      let results = try await services.metrics.getMetricData(queries: queries, start: start, end: now, period: 60)
      var byTask: [String: [String: [SeriesPoint]]] = [:]
      for r in results {
        guard let (arn, metric) = idMap[r.id] else { continue }
        byTask[arn, default: [:]][metric] = r.points
      }
      for t in wanted { backfilled.insert(t.arn) }
      metricsFetchedAt = now
      controller?.dispatch(.metricsLoaded(byTask, at: clock.now()))
    } catch {
      fail(.metrics, error)
    }
  }

  /// Tails the focused task's log stream with forward tokens.
  public func pollLogs() async {
    guard let c = controller, let task = c.state.selectedTask else { return }
    guard let instance = c.state.instanceIdentifier(for: task) else { return }
    if logTaskArn != task.arn {
      if let old = logTaskArn, let t = logToken { logTokens[old] = t }
      logTaskArn = task.arn
      logToken = logTokens[task.arn]
      if logTokens.count > 5_000 { logTokens.removeAll() }
    }
    let group = TaskLogNames.group(instanceIdentifier: instance)
    let stream = TaskLogNames.stream(taskResourceId: task.resourceId)
    let start = logToken == nil ? clock.now().addingTimeInterval(-900) : nil
    do {
      var entries: [LogEntry] = []
      var token = logToken
      for _ in 0..<5 {
        let page = try await services.logs.getLogEvents(group: group, stream: stream, startTime: token == nil ? start : nil, nextToken: token, limit: 500)
        entries += page.events.map { DMSLogParser.parse($0, task: task.identifier) }
        let done = page.nextForwardToken == nil || page.nextForwardToken == token || page.events.isEmpty
        token = page.nextForwardToken ?? token
        if done { break }
      }
      // The focus may have moved while we waited.
      guard logTaskArn == task.arn else { return }
      logToken = token
      controller?.dispatch(.logLoaded(entries, at: clock.now()))
    } catch let e as ServiceError where e.kind == .notFound {
      controller?.dispatch(.logUnavailable(taskArn: task.arn, notice: "task logging is off for this task (no log stream \(group)/\(stream))", at: clock.now()))
    } catch {
      fail(.logs, error)
    }
  }

  public func pollEvents() async {
    let dms = services.dms
    let since = eventsSince ?? clock.now().addingTimeInterval(-3600)
    do {
      let events = try await collectPages { marker -> Page<DMSEvent> in
        await self.budget.take()
        return try await dms.describeEvents(since: since, marker: marker, maxRecords: 100)
      }
      deliverEvents(events, since: since)
    } catch {
      noteDMSError(error)
      fail(.events, error)
    }
  }

  private func deliverEvents(_ events: [DMSEvent], since: Date) {
    var fresh: [LogEntry] = []
    var newest = since
    for e in events.sorted(by: { $0.date < $1.date }) {
      let key = "\(e.date.timeIntervalSince1970)|\(e.sourceIdentifier)|\(e.message)"
      if seenEvents.insert(key).inserted { fresh.append(DMSLogParser.entry(for: e)) }
      if e.date > newest { newest = e.date }
    }
    if seenEvents.count > 20_000 { seenEvents.removeAll() }
    eventsSince = newest
    controller?.dispatch(.eventsLoaded(fresh, at: clock.now()))
  }
}
