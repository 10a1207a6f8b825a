import DMSWatchModel
import Foundation
import DMSWatchRules

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

/// The DMS call budget of one scope, shared by every poll and action of that scope, on the injected
/// clock (a `RateBudget` behind a reference so the lane, its planner and actions count in one place).
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

  /// A throttled response: halves the rate (AIMD).
  public func throttled() { bucket.throttled(now: clock.now()) }

  /// Waits until a token is available, then takes it. `sleep` waits in the clock's time (real
  /// time by default; tests pass one that moves a manual clock).
  public func take(sleep: Sleeper = realSleep) async {
    while !tryTake() {
      let wait = bucket.secondsUntil(tokens: 1, now: clock.now())
      try? await sleep(max(0.01, wait))
      if Task.isCancelled { return }
    }
  }
}


/// How a user action ended, reported exactly: for a reload sent in chunks, which tables DMS accepted.
public struct ActionOutcome: Sendable, Equatable {
  public var error: String?
  /// The response was lost (timeout, connection reset): DMS may or may not have acted.
  public var outcomeUnknown: Bool
  public var partial: PartialReload?
  /// What the action found (a connection test's result per endpoint).
  public var detail: String?
  public init(error: String? = nil, outcomeUnknown: Bool = false, partial: PartialReload? = nil, detail: String? = nil) {
    self.error = error
    self.outcomeUnknown = outcomeUnknown
    self.partial = partial
    self.detail = detail
  }
}

/// One scope's engine: the DMS lane (one call at a time, chosen by `PollPlanner`, inside the scope's
/// token bucket with AIMD), the CloudWatch loop (one GetMetricData for the series on screen) and the
/// focused task's log tail (other APIs, other quotas). It knows nothing of the UI: demand (focus,
/// visible rows, refresh) is pushed in, and results leave as `EngineEvent`s through `sink`.
/// Each loop is sequential, so requests for the same resource never overlap; a refresh request
/// while one is in flight is coalesced into one more run after it.
@MainActor
public final class ScopeEngine {
  public let services: ServiceBundle
  public var scope: ScopeID { services.scope.id }
  private let clock: any Clock
  private let settings: PollSettings
  private let sink: @MainActor (EngineEvent) -> Void
  public let budget: CallBudget
  public private(set) var planner: PollPlanner
  public var paused = false {
    didSet { if !paused && oldValue { refreshNow() } }
  }
  private var loops: [Task<Void, Never>] = []
  private var wakeups: [DataSource: Wakeup] = [:]
  private var inventoryLoaded = false
  public private(set) var demand = Demand()

  /// The scope's tasks as last listed, and their positions: the one list the engine keeps.
  public private(set) var tasks: [ReplicationTask] = []
  private var taskIndex: [String: Int] = [:]
  private var identifierIndex: [String: String] = [:]
  public private(set) var inventory = Inventory()
  /// Tasks whose last table statistics had findings (warn and above) or failed to load.
  private var flagged = Set<String>()
  /// Tasks whose source latency rose over the last points.
  private var rising = Set<String>()

  // Pages collected so far by the DMS lane.
  private var partialTasks: [ReplicationTask] = []
  private var partialTables: [String: [TableStatistics]] = [:]
  private var partialEvents: [DMSEvent] = []
  private var partialInstances: [ReplicationInstance] = []
  private var partialEndpoints: [Endpoint] = []
  private var loadedInstances: [ReplicationInstance]?
  private var loadedEndpoints: [Endpoint]?
  private var lastBudgetStatus: BudgetStatus?

  // Log tail of the focused task.
  private var logTaskArn: String?
  /// Forward tokens per (task, stream): coming back to a task continues, never repeats lines.
  private var logTokens: [String: String] = [:]
  /// Instance ARNs seen on tasks but not in the inventory, for which a reload was already asked.
  private var unknownInstancesAsked = Set<String>()
  // Events since.
  private var eventsSince: Date?
  private var seenEvents = Set<String>()
  // Metrics: tasks whose last hour has been backfilled.
  private var backfilled = Set<String>()
  /// Evidence of change per task (CloudWatch, events, the task list): which tasks need a DMS call.
  public private(set) var activity = ActivityTracker()
  /// When the last complete full task list was read (the TASKS age; filtered reads do not reset it).
  private var lastFullListAt: Date?
  private let startedAt: Date
  /// The off-screen CloudWatch pass: when it last ran and how many have run.
  private var lastOffscreenMetrics: Date?
  private var offscreenPasses = 0
  /// Metric queries sent so far (GetMetricData is billed per metric requested), and calls.
  public private(set) var metricQueriesSent = 0
  public private(set) var metricCalls = 0

  public init(services: ServiceBundle, clock: any Clock, settings: PollSettings, sink: @escaping @MainActor (EngineEvent) -> Void) {
    self.services = services
    self.clock = clock
    self.settings = settings
    self.sink = sink
    self.budget = CallBudget(rate: settings.dmsCallsPerSecond, capacity: settings.dmsBurst, clock: clock)
    self.planner = PollPlanner(settings: settings, capacity: settings.dmsBurst)
    self.startedAt = clock.now()
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

  // MARK: demand (pushed by the UI)

  /// The focused task and the rows on screen (ARNs of this scope only). A new focus is fetched at once.
  public func setDemand(_ d: Demand) {
    guard d != demand else { return }
    let focusChanged = d.focused != demand.focused
    demand = d
    if focusChanged {
      if let arn = d.focused { planner.request(.tables(arn)) }
      wakeups[.tables]?.fire()
      wakeups[.logs]?.fire()
      wakeups[.metrics]?.fire()
    }
  }

  /// Ctrl-R, after an action, on resume: the task list, the focused task's tables and events as
  /// soon as the budget allows (coalesced with any run in flight), metrics and logs at once.
  public func refreshNow() {
    planner.request(.taskList)
    planner.request(.events)
    if let arn = demand.focused { planner.request(.tables(arn)) }
    for w in wakeups.values { w.fire() }
  }

  public func owns(arn: String) -> Bool { taskIndex[arn] != nil }
  public func task(arn: String) -> ReplicationTask? { taskIndex[arn].map { tasks[$0] } }

  /// A DMS error from anywhere (polls or actions): throttling halves the rate.
  public func noteDMSError(_ error: Error) {
    if (error as? ServiceError)?.kind == .throttled {
      budget.throttled()
      publishBudget()
    }
  }

  // MARK: actions

  /// The most tables one ReloadTables call takes.
  public static let reloadBatch = 100

  /// How long a connection test is waited for, and how often DescribeConnections is read meanwhile
  /// (the AWS waiter reads every 5 s); tests replace the sleep.
  public var connectionTestTimeout: TimeInterval = 60
  public var connectionTestPoll: TimeInterval = 2
  public var actionSleep: Sleeper = realSleep

  /// TestConnection for the task's source and target (each sent once), then DescribeConnections until
  /// neither is `testing`; the result per endpoint, in words.
  func testConnections(_ task: ReplicationTask) async throws -> String {
    guard let instance = task.replicationInstanceArn else {
      throw ServiceError(kind: .client, code: "NoInstance", message: "\(task.identifier) has no replication instance to test from")
    }
    let ends = [("source", task.sourceEndpointArn), ("target", task.targetEndpointArn)].compactMap { n, a in a.map { (n, $0) } }
    guard !ends.isEmpty else { throw ServiceError(kind: .client, code: "NoEndpoints", message: "\(task.identifier) names no endpoints") }
    for (_, arn) in ends {
      budget.spendForced()
      _ = try await services.dms.testEndpointConnection(instanceArn: instance, endpointArn: arn)
    }
    let started = clock.now()
    var last: [EndpointConnection] = []
    // At most timeout ÷ poll reads, whatever the clock does.
    let maxPolls = max(1, Int(connectionTestTimeout / max(0.1, connectionTestPoll)))
    for _ in 0..<maxPolls {
      try await actionSleep(connectionTestPoll)
      await budget.take(sleep: actionSleep)
      do {
        let all = try await services.dms.describeEndpointConnections(endpointArns: ends.map(\.1))
        last = all.filter { $0.instanceArn == instance }
      } catch {
        // The tests were sent; only their result could not be read.
        return "TestConnection sent for \(ends.map(\.0).joined(separator: " and ")); the result could not be read (\(error)) — t to test again"
      }
      let testing = ends.contains { _, arn in last.first { $0.endpointArn == arn }.map { $0.status == "testing" } ?? true }
      if !testing || clock.now().timeIntervalSince(started) >= connectionTestTimeout { break }
    }
    return ends.map { role, arn in
      let name = inventory.endpoints[arn]?.identifier ?? last.first { $0.endpointArn == arn }?.endpointIdentifier ?? arn
      guard let c = last.first(where: { $0.endpointArn == arn }) else { return "\(role) \(name): no result" }
      switch c.status {
      case "successful": return "\(role) \(name): successful"
      case "testing": return "\(role) \(name): still testing after \(Int(connectionTestTimeout)) s (t to look again)"
      default: return "\(role) \(name): \(c.status)" + (c.lastFailureMessage.map { " — " + $0.split(whereSeparator: \.isNewline).joined(separator: " ") } ?? "")
      }
    }.joined(separator: "; ")
  }

  /// `y`: the task (or one of its tables) as DMS returns it, secrets redacted; one read inside the budget.
  public func raw(taskArn: String, table: TableRef?) async throws -> String? {
    await budget.take()
    if let table { return try await services.dms.rawTableJSON(taskArn: taskArn, table: table) }
    return try await services.dms.rawTaskJSON(arn: taskArn)
  }

  /// Sends a user action once: no automatic re-send. It does not wait for the polling budget but is
  /// counted in it. A reload of more than `reloadBatch` tables goes in chunks, and a failure part-way
  /// reports exactly which tables were accepted. Afterwards the task list and the task are re-read.
  public func perform(_ cmd: ServiceCommand) async -> ActionOutcome {
    guard let task = task(arn: cmd.taskArn) ?? tasks.first(where: { $0.arn == cmd.taskArn }),
      let backend = services.backend(for: task)
    else {
      return ActionOutcome(error: "task \(cmd.taskIdentifier) is not in scope \(services.scope.display) any more")
    }
    // What DMS would refuse in this state is refused here, before anything is sent.
    if let why = backend.refusal(cmd, task: task) {
      return ActionOutcome(error: "refused, nothing sent — \(why)")
    }
    var accepted: [TableRef] = []
    var outcome = ActionOutcome()
    do {
      switch cmd {
      case .start(_, _, let type, let from):
        budget.spendForced()
        try await backend.start(task, type: type, from: from)
      case .stop:
        budget.spendForced()
        try await backend.stop(task)
      case .testConnections:
        outcome.detail = try await testConnections(task)
      case .reload(_, _, let tables, let option):
        var i = 0
        while i < tables.count {
          let chunk = Array(tables[i..<min(i + Self.reloadBatch, tables.count)])
          budget.spendForced()
          try await backend.reload(task, tables: chunk, option: option)
          accepted += chunk
          i += Self.reloadBatch
        }
      }
    } catch let e as ServiceError {
      noteDMSError(e)
      outcome.error = e.description
      outcome.outcomeUnknown = [.network, .timeout, .unknownOutcome].contains(e.kind)
    } catch {
      outcome.error = String(describing: error)
      outcome.outcomeUnknown = true
    }
    if case .reload(_, _, let tables, _) = cmd, outcome.error != nil {
      let acceptedSet = Set(accepted)
      let rest = tables.filter { !acceptedSet.contains($0) }
      // With a lost response the chunk in flight is neither accepted nor refused: it is unknown.
      let inFlight = outcome.outcomeUnknown ? Array(rest.prefix(Self.reloadBatch)) : []
      let notSent = Array(rest.dropFirst(inFlight.count))
      // Partial only when some tables were accepted or some were never sent; one chunk is plainly failed or unknown.
      if !accepted.isEmpty || (outcome.outcomeUnknown && !notSent.isEmpty) {
        outcome.partial = PartialReload(accepted: accepted, unknown: inFlight, notAccepted: notSent)
      }
    }
    refreshNow()
    return outcome
  }

  // MARK: loops

  private func loop(_ source: DataSource, _ interval: TimeInterval, _ body: @escaping @MainActor (ScopeEngine) async -> Void) -> Task<Void, Never> {
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
    sink(.sourceFailed(scope, source, message: msg, at: clock.now(), taskArn: taskArn))
  }

  private func publishBudget() {
    let b = budget.bucket
    // Rounded to whole seconds so a slowly recovering rate does not redraw every step.
    let listInterval = planner.effectiveTaskListInterval(rate: b.rate).rounded(.up)
    let status = BudgetStatus(rate: b.rate, configuredRate: b.configuredRate, taskListInterval: listInterval)
    guard status != lastBudgetStatus else { return }
    lastBudgetStatus = status
    sink(.budgetChanged(scope, status))
  }

  // MARK: the DMS lane, one step at a time

  /// One decision of the DMS lane: makes the call the planner picks (one page) and publishes the
  /// result when the listing is complete; or returns how long to wait. The lane loop calls this;
  /// simulations call it directly with a manual clock and jump to `.wait` times.
  @discardableResult
  public func runDMSStep() async -> PlanStep {
    let focused = demand.focused.flatMap { taskIndex[$0] != nil ? $0 : nil }
    let step = planner.next(now: clock.now(), focusedArn: focused, visible: Set(demand.visible), budget: &budget.bucket)
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
      case .taskRows, .instances, .endpoints:
        fail(.tasks, error)
      case .events:
        partialEvents = []
        fail(.events, error)
      case .tables(let arn):
        partialTables[arn] = nil
        flagged.insert(arn)
        fail(.tables, error, taskArn: arn)
      }
    }
    return step
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

  /// Listings left out, said once each in the log.
  private var skippedNotes = Set<String>()
  /// Backends whose listing failed in the task-list run under way: their previous rows are kept.
  private var skippedBackends = Set<Int>()

  private func noteSkipped(_ index: Int, _ text: String) {
    skippedBackends.insert(index)
    guard skippedNotes.insert(text).inserted else { return }
    let entry = LogEntry(time: clock.now(), source: .app, severity: .warning, component: "DMSWATCH", text: text)
    // Not `eventsLoaded`: that would mark DescribeEvents fresh and hide its error (seen against plain moto).
    sink(.note(scope, entry))
  }

  private func call(_ job: DMSJob, marker: String?) async throws {
    // Called from inside the listing call, on this actor's executor: recorded before the page is used.
    let skipped = SkipBox()
    let fetcher = ScopeFetcher(services: services) { index, text in skipped.add(index, text) }
    defer { for (i, t) in skipped.take() { noteSkipped(i, t) } }
    // A job that starts from the first page starts from nothing: pages of an earlier, abandoned run
    // of the same job must not be counted twice.
    if marker == nil {
      switch job {
      case .taskList: partialTasks = []
      case .taskRows: break
      case .instances: partialInstances = []
      case .endpoints: partialEndpoints = []
      case .events: partialEvents = []
      case .tables(let arn): partialTables[arn] = nil
      }
    }
    switch job {
    case .taskList:
      if marker == nil { skippedBackends = [] }
      let page = try await fetcher.taskListPage(marker: marker)
      for (i, t) in skipped.take() { noteSkipped(i, t) }
      partialTasks += page.items
      if try pageDone(job, sent: marker, next: page.marker) {
        // A backend whose listing failed keeps its rows from the last good list.
        let paused = Set(services.backends.indices.filter { services.backends[$0].isSuspended })
        // Marked as kept, with the time of the listing they come from: their status is not current.
        let keptAt = lastFullListAt ?? clock.now()
        let kept = tasks.filter { t in
          skippedBackends.union(paused).contains { i in i < services.backends.count && services.backends[i].owns(t) }
        }.map { t -> ReplicationTask in
          var k = t
          if k.keptSince == nil { k.keptSince = keptAt }
          return k
        }
        deliverTasks(ScopeFetcher.unique(partialTasks + kept))
        partialTasks = []
      }
    case .taskRows:
      let arns = planner.rowsInFlight
      var rows: [ReplicationTask] = []
      var asked: [String] = []
      var anySupported = false
      for backend in services.backends {
        let mine = arns.filter { a in task(arn: a).map { services.backend(for: $0)?.listOperation == backend.listOperation && backend.owns($0) } ?? false }
        guard !mine.isEmpty else { continue }
        // A backend that cannot read a subset leaves its rows to the full list.
        if let got = try await backend.listTasks(arns: mine) {
          rows += got
          asked += mine
          anySupported = true
        }
      }
      _ = planner.pageDone(job, nextMarker: nil)
      if !anySupported && !arns.isEmpty {
        // This service cannot read a subset at all: the full list is the only way (and may use more of the budget).
        planner.rowsSupported = false
        planner.request(.taskList)
      }
      mergeRows(rows, asked: asked)
    case .instances:
      let page = try await fetcher.instancesPage(marker: marker)
      partialInstances += page.items
      if try pageDone(job, sent: marker, next: page.marker) {
        loadedInstances = partialInstances
        partialInstances = []
        deliverInventory()
      }
    case .endpoints:
      let page = try await fetcher.endpointsPage(marker: marker)
      partialEndpoints += page.items
      if try pageDone(job, sent: marker, next: page.marker) {
        loadedEndpoints = partialEndpoints
        partialEndpoints = []
        deliverInventory()
      }
    case .events:
      let since = eventsSince ?? clock.now().addingTimeInterval(-3600)
      let page = try await fetcher.eventsPage(since: since, marker: marker)
      partialEvents += page.items
      if try pageDone(job, sent: marker, next: page.marker) {
        let events = partialEvents
        partialEvents = []
        deliverEvents(events, since: since)
      }
    case .tables(let arn):
      guard let task = task(arn: arn) else {
        _ = planner.pageDone(job, nextMarker: nil)
        return
      }
      let page = try await fetcher.tablesPage(task: task, marker: marker)
      partialTables[arn, default: []] += page.items
      if try pageDone(job, sent: marker, next: page.marker) {
        let list = partialTables.removeValue(forKey: arn) ?? []
        // The rules judge the tables once, here; the screen, check and notifications use this result.
        let tt = TaskTables(tables: list, loadedAt: clock.now())
        if tt.flags.contains(where: { $0.severity >= .warn }) { flagged.insert(arn) } else { flagged.remove(arn) }
        planner.updateSuspicion(arn: arn, suspicion(of: task))
        activity.read(arn, at: planner.lastStart(job) ?? clock.now())
        planner.updateActivity(arn: arn, activity.activity(arn))
        sink(.tablesLoaded(scope, taskArn: arn, tt, at: clock.now()))
      }
    }
  }

  private func deliverTasks(_ list: [ReplicationTask]) {
    var listed = list
    let now = clock.now()
    for i in listed.indices {
      listed[i].scope = scope
      activity.observeRow(old: task(arn: listed[i].arn), new: listed[i], at: now)
    }
    lastFullListAt = now
    tasks = listed
    taskIndex = Dictionary(listed.enumerated().map { ($1.arn, $0) }, uniquingKeysWith: { a, _ in a })
    identifierIndex = Dictionary(listed.map { ($0.identifier, $0.arn) }, uniquingKeysWith: { a, _ in a })
    let arns = Set(taskIndex.keys)
    flagged.formIntersection(arns)
    rising.formIntersection(arns)
    sink(.tasksLoaded(scope, listed, at: clock.now()))
    // A task on an instance created after the inventory was read: read the inventory again (once per ARN).
    if inventoryLoaded {
      let unknown = Set(listed.compactMap(\.replicationInstanceArn)).subtracting(inventory.instances.keys).subtracting(unknownInstancesAsked)
      if !unknown.isEmpty {
        unknownInstancesAsked.formUnion(unknown)
        planner.request(.instances)
        planner.request(.endpoints)
      }
    }
    activity.retain(arns)
    planner.setTasks(listed.map { TaskDigest(arn: $0.arn, suspicion: suspicion(of: $0), activity: activity.activity($0.arn)) })
  }

  /// Rows read with a filtered call: merged into the list, and the changed ones published with the full list's time
  /// (the TASKS age stays that of the last full listing). A task asked for that is not returned may
  /// be gone: the full list is asked for.
  private func mergeRows(_ rows: [ReplicationTask], asked: [String]) {
    let now = clock.now()
    var changed: [ReplicationTask] = []
    var returned = Set<String>()
    for var row in rows {
      row.scope = scope
      returned.insert(row.arn)
      guard let i = taskIndex[row.arn] else { continue }
      activity.observeRow(old: tasks[i], new: row, at: now)
      planner.updateActivity(arn: row.arn, activity.activity(row.arn))
      if Self.differs(tasks[i], row) {
        tasks[i] = row
        changed.append(row)
        planner.updateSuspicion(arn: row.arn, suspicion(of: row))
      }
    }
    if asked.contains(where: { !returned.contains($0) && taskIndex[$0] != nil }) { planner.request(.taskList) }
    // Only the rows that moved travel: the store replaces them in place (not 1,000 rows for a page of 40).
    if !changed.isEmpty { sink(.tasksChanged(scope, changed, at: lastFullListAt ?? now)) }
  }

  /// A change the screen shows (the elapsed time of a running task moves on every read and alone does not count).
  static func differs(_ a: ReplicationTask, _ b: ReplicationTask) -> Bool {
    var x = a
    var y = b
    x.stats?.elapsedTimeMillis = nil
    y.stats?.elapsedTimeMillis = nil
    return x != y
  }

  /// When a task's table statistics were last known to be current: read, or confirmed unchanged since
  /// by CloudWatch, events and the task list. Nil before the first read.
  public func tablesCurrentAt(arn: String) -> Date? { activity.currentAt(arn) }

  /// Instances and endpoints are published together, once both listings are complete
  /// (a failed one keeps the last good inventory).
  private func deliverInventory() {
    guard let instances = loadedInstances, let endpoints = loadedEndpoints else { return }
    loadedInstances = nil
    loadedEndpoints = nil
    inventory = Inventory(instances, endpoints)
    sink(.inventoryLoaded(scope, instances, endpoints))
    inventoryLoaded = true
    // Metrics dimensions and log group names need the instance names: fetch them now.
    wakeups[.metrics]?.fire()
    wakeups[.logs]?.fire()
  }

  /// Failed, errored tables, flagged, latency rising: each adds to the score.
  private func suspicion(of task: ReplicationTask) -> Int {
    var score = 0
    if task.status == TaskStatus.failed || task.status == TaskStatus.failedMove { score += 4 }
    if let e = task.stats?.tablesErrored, e > 0 { score += 3 }
    if flagged.contains(task.arn) { score += 2 }
    if rising.contains(task.arn) { score += 1 }
    return score
  }

  // MARK: CloudWatch and Logs

  /// Metrics of off-screen tasks: throughput (has anything changed?) on every pass, latency
  /// (source and target, for sorting the whole fleet) on every `offscreenLatencyEvery`-th.
  public nonisolated static let offscreenActivityMetrics = [DMSMetric.cdcThroughputRowsSource]
  public nonisolated static let offscreenLatencyMetrics = [DMSMetric.cdcLatencySource, DMSMetric.cdcLatencyTarget]
  public nonisolated static let offscreenLatencyEvery = 3

  /// CloudWatch, two tiers. On screen (the focused task and the visible rows): every metric, every
  /// `metrics` interval, in one GetMetricData call (≤ 500 queries); a task seen for the first time
  /// gets the last hour. Off screen: every `offscreenMetrics` interval, every other running task's
  /// throughput (and every third pass its latency) in as few calls as fit (500 series each), so that
  /// sort by latency ranks the whole fleet and idle tasks cost no DMS call.
  public func pollMetrics() async {
    var wanted: [ReplicationTask] = []
    var seen = Set<String>()
    for arn in [demand.focused].compactMap({ $0 }) + demand.visible where seen.insert(arn).inserted {
      if let t = task(arn: arn) { wanted.append(t) }
    }
    let now = clock.now()
    let fetcher = ScopeFetcher(services: services)
    await fetcher.prepareMetrics(for: wanted)
    var (queries, idMap, _) = fetcher.metricQueries(for: wanted, inventory: inventory, limit: ScopeFetcher.metricQueryLimit)
    // The instances of those tasks: CPU, freeable memory, swap, free storage (filed under the instance's ARN).
    var instanceArns: [String] = []
    for t in wanted {
      if let i = t.replicationInstanceArn, inventory.instances[i] != nil, !instanceArns.contains(i) { instanceArns.append(i) }
    }
    for (n, arn) in instanceArns.enumerated() where queries.count + InstanceMetric.all.count <= ScopeFetcher.metricQueryLimit {
      guard let ident = inventory.instances[arn]?.identifier else { continue }
      for (k, m) in InstanceMetric.all.enumerated() {
        let q = InstanceMetric.query(id: "inst\(n)m\(k)", metric: m, instanceIdentifier: ident)
        queries.append(q)
        idMap[q.id] = (arn, m)
      }
    }
    if !queries.isEmpty {
      let backfill = wanted.contains { !backfilled.contains($0.arn) }
      let oldest = now.addingTimeInterval(backfill ? -3600 : -600)
      do {
        metricQueriesSent += queries.count
        metricCalls += 1
        let byTask = try await fetcher.metrics(queries: queries, idMap: idMap, start: oldest, end: now)
        for t in wanted { backfilled.insert(t.arn) }
        observeMetrics(byTask, end: now)
        sink(.metricsLoaded(scope, byTask, at: clock.now()))
      } catch {
        fail(.metrics, error)
      }
    }
    await pollOffscreenMetrics(skip: seen)
  }

  private func pollOffscreenMetrics(skip: Set<String>) async {
    let now = clock.now()
    guard inventoryLoaded, settings.offscreenMetrics > 0 else { return }
    if let last = lastOffscreenMetrics, now.timeIntervalSince(last) < settings.offscreenMetrics - 0.5 { return }
    lastOffscreenMetrics = now
    let withLatency = offscreenPasses % Self.offscreenLatencyEvery == 0
    offscreenPasses += 1
    var names = Self.offscreenActivityMetrics
    if withLatency { names += Self.offscreenLatencyMetrics }
    let fetcher = ScopeFetcher(services: services)
    var queries: [MetricQuery] = []
    var idMap: [String: (arn: String, metric: String)] = [:]
    var byTask: [String: [String: [SeriesPoint]]] = [:]
    var failed = false
    func flush() async {
      guard !queries.isEmpty, !failed else { return }
      do {
        metricQueriesSent += queries.count
        metricCalls += 1
        let got = try await fetcher.metrics(queries: queries, idMap: idMap, start: now.addingTimeInterval(-600), end: now)
        for (arn, series) in got { byTask[arn] = series }
      } catch {
        failed = true
        fail(.metrics, error)
      }
      queries = []
      idMap = [:]
    }
    for (ti, t) in tasks.enumerated() where !skip.contains(t.arn) && t.status == TaskStatus.running && t.migration != .fullLoad {
      guard let backend = services.backend(for: t),
        let qs = backend.metricQueries(for: t, inventory: inventory, idPrefix: "o\(ti)_")?.filter({ names.contains($0.metric) }),
        !qs.isEmpty
      else { continue }
      if queries.count + qs.count > ScopeFetcher.metricQueryLimit { await flush() }
      for q in qs {
        queries.append(q.query)
        idMap[q.query.id] = (t.arn, q.metric)
      }
    }
    await flush()
    guard !byTask.isEmpty else { return }
    observeMetrics(byTask, end: now)
    // The screen needs only the newest points of tasks it does not show (sorting, the health mark);
    // a task that scrolls into view gets its last hour then.
    var newest: [String: [String: [SeriesPoint]]] = [:]
    newest.reserveCapacity(byTask.count)
    for (arn, series) in byTask { newest[arn] = series.mapValues { Array($0.suffix(3)) } }
    sink(.metricsLoaded(scope, newest, at: clock.now()))
  }

  /// Throughput and latency as evidence for the planner.
  private func observeMetrics(_ byTask: [String: [String: [SeriesPoint]]], end: Date) {
    for (arn, series) in byTask {
      if let pts = series[DMSMetric.cdcLatencySource] {
        if pts.count >= 3, let a = pts.dropLast(2).last?.value, let b = pts.last?.value, b > a { rising.insert(arn) } else { rising.remove(arn) }
      }
      if let tp = series[DMSMetric.cdcThroughputRowsSource] {
        activity.observeThroughput(arn, tp, end: end)
        planner.updateActivity(arn: arn, activity.activity(arn))
      }
      if let t = task(arn: arn) { planner.updateSuspicion(arn: arn, suspicion(of: t)) }
    }
  }

  /// GetMetricData metrics requested per hour for `tasks` tasks of which `visible` are on screen, at
  /// these settings (for `dmswatch info` and the bench; GetMetricData is billed per metric requested).
  public nonisolated static func metricsPerHour(tasks: Int, visible: Int, settings: PollSettings) -> Double {
    let onScreen = Double(min(tasks, visible) * DMSMetric.all.count) * 3600 / max(1, settings.metrics)
    let off = Double(max(0, tasks - visible))
    guard settings.offscreenMetrics > 0 else { return onScreen }
    let passes = 3600 / settings.offscreenMetrics
    let perPass = Double(offscreenActivityMetrics.count) + Double(offscreenLatencyMetrics.count) / Double(offscreenLatencyEvery)
    return onScreen + off * perPass * passes
  }

  /// The published GetMetricData price: USD 0.01 per 1,000 metrics requested.
  public nonisolated static let getMetricDataUSDPerMetric = 0.01 / 1000

  /// Where the first read of a task's log starts: the last 15 minutes, or for a task that failed or
  /// stopped the hour before it stopped (the E: lines the triage hints point at), whichever is earlier.
  public nonisolated static func logBackfillStart(_ task: ReplicationTask, now: Date) -> Date {
    let recent = now.addingTimeInterval(-900)
    guard [TaskStatus.failed, TaskStatus.stopped, TaskStatus.failedMove].contains(task.status) else { return recent }
    let stop = task.stats?.stopDate ?? now
    return min(recent, stop.addingTimeInterval(-3600))
  }

  /// Tails the focused task's log streams with forward tokens (one per stream).
  public func pollLogs() async {
    guard let arn = demand.focused, let task = task(arn: arn) else { return }
    let fetcher = ScopeFetcher(services: services)
    let streams = fetcher.logStreams(for: task, inventory: inventory)
    guard !streams.isEmpty else { return }
    if logTaskArn != task.arn {
      logTaskArn = task.arn
      if logTokens.count > 5_000 { logTokens.removeAll() }
    }
    var entries: [LogEntry] = []
    var notices: [String] = []
    var anyRead = false
    for stream in streams {
      let key = "\(task.arn)|\(stream.group)|\(stream.stream)"
      let token = logTokens[key]
      let start = token == nil ? Self.logBackfillStart(task, now: clock.now()) : nil
      do {
        let (got, next) = try await fetcher.logTail(task: task, stream: stream, startTime: start, token: token, maxPages: 5)
        // The focus may have moved while we waited.
        guard logTaskArn == task.arn else { return }
        if let next { logTokens[key] = next }
        entries += got
        anyRead = true
      } catch let e as ServiceError where e.kind == .notFound || e.code == "ResourceNotFoundException" {
        notices.append(stream.missingNotice ?? "task logging is off for this task (no log stream \(stream.group)/\(stream.stream))")
      } catch {
        fail(.logs, error)
        return
      }
    }
    if anyRead {
      sink(.logLoaded(scope, entries.sorted { $0.time < $1.time }, at: clock.now()))
    }
    if !notices.isEmpty, !anyRead || streams.count > 1 && notices.count == streams.count {
      sink(.logUnavailable(scope, taskArn: task.arn, notice: notices.joined(separator: "; "), at: clock.now()))
    }
  }

  private func deliverEvents(_ events: [DMSEvent], since: Date) {
    var fresh: [LogEntry] = []
    var newest = since
    for e in events.sorted(by: { $0.date < $1.date }) {
      let key = "\(e.date.timeIntervalSince1970)|\(e.sourceIdentifier)|\(e.message)"
      if seenEvents.insert(key).inserted {
        var entry = DMSLogParser.entry(for: e)
        // Within one scope a task identifier is unique: the event belongs to that ARN.
        entry.taskArn = identifierIndex[e.sourceIdentifier]
        fresh.append(entry)
        // Something happened to the task: read its row now (one filtered call for many) and count it
        // as a change; an event about a task not in the list means the list changed.
        if e.date >= startedAt.addingTimeInterval(-60) {
          if let arn = entry.taskArn {
            activity.changed(arn, at: e.date)
            planner.updateActivity(arn: arn, activity.activity(arn))
            planner.requestRows([arn])
          } else if e.sourceType == "replication-task" {
            planner.request(.taskList)
          }
        }
      }
      if e.date > newest { newest = e.date }
    }
    if seenEvents.count > 20_000 { seenEvents.removeAll() }
    eventsSince = newest
    sink(.eventsLoaded(scope, fresh, at: clock.now()))
  }
}

/// Collects skipped-listing notes from inside a fetch (a Sendable box, read back on the engine's actor).
final class SkipBox: @unchecked Sendable {
  private let lock = NSLock()
  private var items: [(Int, String)] = []
  func add(_ i: Int, _ t: String) { lock.withLock { items.append((i, t)) } }
  func take() -> [(Int, String)] {
    lock.withLock {
      let out = items
      items = []
      return out
    }
  }
}
