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

/// A token bucket for DMS API calls: `capacity` burst, `rate` tokens per second, on the injected clock.
@MainActor
public final class CallBudget {
  public let capacity: Double
  public var rate: Double
  private var tokens: Double
  private var last: Date
  private let clock: any Clock
  public private(set) var spent = 0

  public init(rate: Double, capacity: Double, clock: any Clock) {
    self.rate = max(0.01, rate)
    self.capacity = max(1, capacity)
    self.tokens = max(1, capacity)
    self.clock = clock
    self.last = clock.now()
  }

  private func refill() {
    let now = clock.now()
    tokens = min(capacity, tokens + max(0, now.timeIntervalSince(last)) * rate)
    last = now
  }

  /// Takes a token if one is there.
  public func tryTake() -> Bool {
    refill()
    guard tokens >= 1 else { return false }
    tokens -= 1
    spent += 1
    return true
  }

  /// Tokens available now (for deciding on optional work).
  public var available: Double {
    refill()
    return tokens
  }

  /// Waits (in real time) until a token is available, then takes it.
  public func take() async {
    while !tryTake() {
      let wait = (1 - tokens) / rate
      try? await Task.sleep(nanoseconds: UInt64(max(0.01, wait) * 1e9))
      if Task.isCancelled { return }
    }
  }
}

/// Background polling: tasks, the focused task's tables first, other tasks' tables round-robin
/// in the remaining budget, CloudWatch metrics for visible tasks, the focused task's log stream, events.
/// Each source is one sequential loop, so requests for the same resource never overlap; a refresh
/// request while one is in flight just shortens the next wait.
@MainActor
public final class Poller {
  private weak var controller: AppController?
  private let services: ServiceBundle
  private let clock: any Clock
  private let settings: PollSettings
  public let budget: CallBudget
  public var paused = false
  private var loops: [Task<Void, Never>] = []
  private var wakeups: [DataSource: Wakeup] = [:]
  private var inventoryLoaded = false

  // Log tail of the focused task.
  private var logTaskArn: String?
  private var logToken: String?
  // Events since.
  private var eventsSince: Date?
  private var seenEvents = Set<String>()
  // Metrics: tasks whose last hour has been backfilled.
  private var backfilled = Set<String>()
  private var metricsFetchedAt: Date?
  // Round-robin cursor over other tasks' table statistics.
  private var backgroundCursor = 0

  public init(controller: AppController, services: ServiceBundle, clock: any Clock, settings: PollSettings) {
    self.controller = controller
    self.services = services
    self.clock = clock
    self.settings = settings
    self.budget = CallBudget(rate: settings.dmsCallsPerSecond, capacity: settings.dmsBurst, clock: clock)
    for s in DataSource.allCases { wakeups[s] = Wakeup() }
  }

  public func start() {
    loops = [
      loop(.tasks, settings.tasks) { await $0.pollTasks() },
      loop(.tables, settings.tables) { await $0.pollTables() },
      loop(.metrics, settings.metrics) { await $0.pollMetrics() },
      loop(.logs, settings.logs) { await $0.pollLogs() },
      loop(.events, settings.events) { await $0.pollEvents() },
    ]
  }

  public func stop() {
    for l in loops { l.cancel() }
    loops = []
    for w in wakeups.values { w.fire() }
  }

  public func refreshNow() {
    for w in wakeups.values { w.fire() }
  }

  public func focusChanged() {
    wakeups[.tables]?.fire()
    wakeups[.logs]?.fire()
    wakeups[.metrics]?.fire()
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

  private func fail(_ source: DataSource, _ error: Error, taskArn: String? = nil) {
    let msg = (error as? ServiceError)?.description ?? String(describing: error)
    controller?.dispatch(.sourceFailed(source, message: msg, at: clock.now(), taskArn: taskArn))
  }

  // MARK: polls (each is also callable directly from tests)

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
      var pages = 0
      let tasks = try await collectPages { marker -> Page<ReplicationTask> in
        await self.budget.take()
        pages += 1
        return try await dms.describeReplicationTasks(marker: marker, maxRecords: 100)
      }
      controller?.dispatch(.tasksLoaded(tasks, at: clock.now()))
    } catch {
      fail(.tasks, error)
    }
  }

  /// Focused task first; then, while the budget has room, one other task round-robin, most suspicious first.
  public func pollTables() async {
    guard let controller else { return }
    if let arn = controller.state.selectedTaskArn {
      await loadTables(arn)
    }
    // Background: spend only spare tokens (keep 2 in reserve for the task list and the focused task).
    let others = backgroundOrder()
    var loaded = 0
    while loaded < 4, !others.isEmpty, budget.available >= 3 {
      let arn = others[backgroundCursor % others.count]
      backgroundCursor += 1
      await loadTables(arn)
      loaded += 1
    }
  }

  private func backgroundOrder() -> [String] {
    guard let c = controller else { return [] }
    let s = c.state
    let selected = s.selectedTaskArn
    let scored: [(String, Int)] = s.tasks.compactMap { t in
      guard t.arn != selected else { return nil }
      var score = 0
      if t.status == TaskStatus.failed { score += 4 }
      if (s.tables[t.arn]?.problemCount ?? 0) > 0 { score += 2 }
      if s.tables[t.arn] == nil { score += 3 }
      if s.metrics[t.arn]?.latencySource.isRising(over: 3) == true { score += 1 }
      return (t.arn, score)
    }
    return scored.sorted { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }.map(\.0)
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
      logTaskArn = task.arn
      logToken = nil
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
    } catch {
      fail(.events, error)
    }
  }
}
