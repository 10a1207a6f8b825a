import DMSWatchEngine
import DMSWatchModel
import Foundation
import DMSWatchReports
import DMSWatchRules

/// One `dmswatch check` run: fetches tasks, their table statistics (all pages), the last hour of
/// CloudWatch metrics (GetMetricData, ≤ 500 queries a call), recent DMS events and recent task log
/// lines, optionally re-runs validation of flagged tables, then builds the model's `CheckReport`.
///
/// Errors: network, timeout and credential failures anywhere, and access denied on DMS calls, throw
/// `CheckFailure` (exit 3). Anything else that fails for one task (a table-statistics call, the log
/// stream) makes that part unknown and is reported as a note; the other tasks are still checked.
public struct CheckRunner: Sendable {
  public var services: ServiceBundle
  public var clock: any Clock
  public var sleep: Sleeper
  public var options: CheckOptions
  /// Called before each validate-only ReloadTables request (the CLI writes the audit log here).
  public var onReload: (@Sendable (ReplicationTask, [TableRef]) -> Void)?

  public init(
    services: ServiceBundle, clock: any Clock, sleep: @escaping Sleeper = realSleep, options: CheckOptions = CheckOptions(),
    onReload: (@Sendable (ReplicationTask, [TableRef]) -> Void)? = nil
  ) {
    self.services = services
    self.clock = clock
    self.sleep = sleep
    self.options = options
    self.onReload = onReload
  }
}

/// Per task: what the fetch found.
struct FetchedTask: Sendable {
  var task: ReplicationTask
  var tables: TaskTables?
  var logLines: [LogEntry]
  var notes: [String]
}

extension CheckRunner {
  /// The states a table is in while a revalidation is still under way.
  public static let revalidatingStates: Set<String> = [
    ValidationState.pendingValidation, ValidationState.pendingRevalidation, ValidationState.preparingTable,
  ]

  /// The most tables one ReloadTables call takes.
  public static let reloadBatch = 100
  /// The most queries one GetMetricData call takes.
  public static let metricQueryLimit = 500

  public func run() async throws -> CheckOutcome {
    var notes: [String] = []
    let fetcher = self.fetcher
    // Without the task list nothing can be judged: any failure here (after retries) is exit 3.
    let all: [ReplicationTask]
    do {
      let scope = services.scope.id
      all = ScopeFetcher.unique(
        try await collectPages { marker in
          try await self.call("DescribeReplicationTasks", dmsCall: true) { try await fetcher.taskListPage(marker: marker) }
        }
      ).map { t in
        var t = t
        t.scope = scope
        return t
      }
    } catch let e as ServiceError {
      throw CheckFailure(message: "DescribeReplicationTasks: \(Self.describe(e))")
    }
    let selected = Self.select(all, requested: options.tasks)
    for name in options.tasks where !selected.contains(where: { $0.identifier == name || $0.arn == name }) {
      notes.append("task \(name) not found")
    }

    var inventory = Inventory()
    if !selected.isEmpty {
      do {
        let instances = try await collectPages { marker in
          try await self.call("DescribeReplicationInstances", dmsCall: true) { try await fetcher.instancesPage(marker: marker) }
        }
        inventory = Inventory(instances, [])
      } catch let e as ServiceError {
        notes.append("replication instances unavailable (\(Self.oneLine(e))): metrics and task logs skipped")
      }
    }

    var fetched = try await fetchTasks(selected, inventory: inventory)
    let (metrics, metricNotes) = try await fetchMetrics(selected, inventory: inventory)
    notes += metricNotes
    let (events, eventNote) = try await fetchEvents()
    if let eventNote { notes.append(eventNote) }

    var revalidation: RevalidationSummary?
    if options.rerunValidation {
      let (summary, refreshed) = try await rerunValidation(fetched)
      revalidation = summary
      for (arn, tables) in refreshed {
        if let i = fetched.firstIndex(where: { $0.task.arn == arn }) { fetched[i].tables = tables }
      }
    }

    let now = clock.now()
    var inputs: [CheckReport.TaskInput] = []
    for f in fetched {
      notes += f.notes
      let mine = events.filter { $0.belongs(to: f.task) }
      let lines = (f.logLines + mine).sorted { $0.time < $1.time }
      inputs.append(CheckReport.TaskInput(task: f.task, tables: f.tables, metrics: metrics[f.task.arn], logLines: lines))
    }
    let report = CheckReport.build(
      inputs: inputs, requested: options.tasks, source: services.sourceLabel, now: now, config: options.ruleConfig)
    return CheckOutcome(report: report, notes: notes, revalidation: revalidation)
  }

  /// The requested tasks (by identifier or ARN) in the order DMS returned them; all when none requested.
  public static func select(_ tasks: [ReplicationTask], requested: [String]) -> [ReplicationTask] {
    guard !requested.isEmpty else { return tasks }
    let wanted = Set(requested)
    return tasks.filter { wanted.contains($0.identifier) || wanted.contains($0.arn) }
  }

  // MARK: tables and logs

  /// The scope's fetchers: the same functions the dashboard's engine pages through.
  var fetcher: ScopeFetcher { ScopeFetcher(services: services) }

  func fetchTasks(_ tasks: [ReplicationTask], inventory: Inventory) async throws -> [FetchedTask] {
    try await Self.boundedMap(tasks, concurrency: options.concurrency) { task in
      try await self.fetchTask(task, inventory: inventory)
    }
  }

  func fetchTask(_ task: ReplicationTask, inventory: Inventory) async throws -> FetchedTask {
    var notes: [String] = []
    let tables = try await loadTables(task)
    if let e = tables.error { notes.append("\(task.identifier): table statistics unavailable: \(e)") }
    var lines: [LogEntry] = []
    if let stream = fetcher.logStream(for: task, inventory: inventory) {
      do {
        lines = try await readLog(task, stream: stream)
      } catch let e as ServiceError where e.kind == .notFound {
        notes.append("\(task.identifier): task logging is off (no log stream); log lines not checked")
      } catch let e as ServiceError where !Self.isFatal(e, dmsCall: false) {
        notes.append("\(task.identifier): task log unavailable: \(Self.oneLine(e))")
      }
    }
    return FetchedTask(task: task, tables: tables, logLines: lines, notes: notes)
  }

  /// All pages of the task's table statistics; a non-fatal failure gives tables with `error` set.
  func loadTables(_ task: ReplicationTask) async throws -> TaskTables {
    let fetcher = self.fetcher
    do {
      let list = try await collectPages { marker in
        try await self.call("DescribeTableStatistics", dmsCall: true) { try await fetcher.tablesPage(task: task, marker: marker) }
      }
      return TaskTables(tables: list, loadedAt: clock.now())
    } catch let e as ServiceError where !Self.isFatal(e, dmsCall: true) {
      var t = TaskTables(tables: [], loadedAt: nil)
      t.error = Self.oneLine(e)
      return t
    }
  }

  /// The last `logWindow` of the task's log stream, at most `logPages` pages.
  func readLog(_ task: ReplicationTask, stream: LogStreamRef) async throws -> [LogEntry] {
    let fetcher = self.fetcher
    let start = clock.now().addingTimeInterval(-options.logWindow)
    let (pages, size) = (options.logPages, options.logPageSize)
    return try await call("GetLogEvents", dmsCall: false) {
      try await fetcher.logTail(task: task, stream: stream, startTime: start, token: nil, maxPages: pages, pageSize: size).0
    }
  }

  // MARK: metrics

  /// The last hour of every DMS metric of the tasks, in calls of at most 500 queries (whole tasks per call).
  func fetchMetrics(_ tasks: [ReplicationTask], inventory: Inventory) async throws -> ([String: TaskMetrics], [String]) {
    let fetcher = self.fetcher
    let now = clock.now()
    let start = now.addingTimeInterval(-options.metricsWindow)
    var out: [String: TaskMetrics] = [:]
    var notes: [String] = []
    await fetcher.prepareMetrics(for: tasks)
    var rest = tasks
    while !rest.isEmpty {
      let (queries, idMap, left) = fetcher.metricQueries(for: rest, inventory: inventory, limit: Self.metricQueryLimit)
      guard !queries.isEmpty else { break }
      // Tasks whose names are not known (no instance) are left out; those over the limit go in the next call.
      let taken = Set(idMap.values.map(\.arn))
      rest = left.filter { t in fetcher.services.backend(for: t)?.metricQueries(for: t, inventory: inventory, idPrefix: "x") != nil }
      do {
        let byTask = try await call("GetMetricData", dmsCall: false) {
          try await fetcher.metrics(queries: queries, idMap: idMap, start: start, end: now)
        }
        for (arn, series) in byTask {
          var m = TaskMetrics()
          for (name, points) in series { m[name].merge(points) }
          out[arn] = m
        }
      } catch let e as ServiceError where !Self.isFatal(e, dmsCall: false) {
        notes.append("CloudWatch metrics unavailable for \(taken.count) tasks: \(Self.oneLine(e))")
      }
    }
    return (out, notes)
  }

  // MARK: events

  func fetchEvents() async throws -> ([LogEntry], String?) {
    let fetcher = self.fetcher
    let since = clock.now().addingTimeInterval(-options.eventsWindow)
    do {
      let events = try await collectPages { marker in
        try await self.call("DescribeEvents", dmsCall: true) { try await fetcher.eventsPage(since: since, marker: marker) }
      }
      return (events.map(DMSLogParser.entry(for:)), nil)
    } catch let e as ServiceError where !Self.isFatal(e, dmsCall: true) {
      return ([], "DMS events unavailable: \(Self.oneLine(e))")
    }
  }

  // MARK: revalidation

  /// Tables worth re-validating: validation flagged (pending, suspended, failed, not validated other
  /// than "No primary key"), on running tasks, once the table's load has finished.
  public static func revalidationCandidates(_ tables: TaskTables) -> [TableRef] {
    var refs = Set<TableRef>()
    for f in tables.flags {
      switch f.kind {
      case .validationPending, .validationSuspended, .validationFailed: refs.insert(f.table)
      case .notValidated(let state) where state != ValidationState.noPrimaryKey: refs.insert(f.table)
      default: break
      }
    }
    let loading: Set<String> = [TableState.beforeLoad, TableState.fullLoad, TableState.reloading]
    let byRef = Dictionary(tables.tables.map { ($0.ref, $0) }, uniquingKeysWith: { a, _ in a })
    return refs.filter { ref in !loading.contains(byRef[ref]?.tableState ?? "") }.sorted()
  }

  /// Requests validate-only reloads (≤ 100 tables a call), then polls table statistics every
  /// `pollInterval` until no requested table is still revalidating or `wait` has passed (on `clock`).
  func rerunValidation(_ fetched: [FetchedTask]) async throws -> (RevalidationSummary, [String: TaskTables]) {
    var requested: [(task: ReplicationTask, tables: [TableRef])] = []
    var failures: [String] = []
    for f in fetched where f.task.status == TaskStatus.running {
      guard let tables = f.tables, tables.error == nil else { continue }
      let refs = Self.revalidationCandidates(tables)
      guard !refs.isEmpty else { continue }
      var done: [TableRef] = []
      var i = 0
      while i < refs.count {
        let batch = Array(refs[i..<min(refs.count, i + Self.reloadBatch)])
        i += Self.reloadBatch
        onReload?(f.task, batch)
        guard let backend = services.backend(for: f.task) else { break }
        let task = f.task
        do {
          // A call that changes AWS state is sent once: never through the retrying `call`.
          try await once("ReloadTables") { try await backend.reload(task, tables: batch, option: .validateOnly) }
          done += batch
        } catch let e as ServiceError where !Self.isFatal(e, dmsCall: true) {
          failures.append("\(f.task.identifier): revalidation of \(batch.count) table\(batch.count == 1 ? "" : "s") refused: \(Self.oneLine(e))")
        }
      }
      if !done.isEmpty { requested.append((f.task, done)) }
    }
    let total = requested.reduce(0) { $0 + $1.tables.count }
    let started = clock.now()
    var latest: [String: TaskTables] = [:]
    var pending = total
    guard total > 0 else {
      return (RevalidationSummary(requested: 0, stillPending: 0, waited: 0, failures: failures), latest)
    }
    while true {
      let elapsed = clock.now().timeIntervalSince(started)
      if elapsed >= options.wait { break }
      try await sleep(min(max(0.01, options.pollInterval), options.wait - elapsed))
      pending = 0
      for r in requested {
        let tables = try await loadTables(r.task)
        guard tables.error == nil else {
          pending += r.tables.count
          continue
        }
        latest[r.task.arn] = tables
        let wanted = Set(r.tables)
        pending += tables.tables.filter { wanted.contains($0.ref) && Self.revalidatingStates.contains($0.validationState ?? "") }.count
      }
      if pending == 0 { break }
    }
    let waited = clock.now().timeIntervalSince(started)
    return (RevalidationSummary(requested: total, stillPending: pending, waited: waited, failures: failures), latest)
  }

  // MARK: calls

  /// Errors that end the check with exit 3: AWS unreachable or credentials refused. (The task listing
  /// itself is essential: any failure of it ends the check with exit 3, see `run`.)
  public static func isFatal(_ e: ServiceError, dmsCall: Bool) -> Bool {
    switch e.kind {
    case .network, .timeout, .credentials: true
    case .accessDenied: dmsCall
    default: false
    }
  }

  /// Runs a call that changes AWS state exactly once; fatal errors become `CheckFailure`.
  func once(_ op: String, _ body: @Sendable () async throws -> Void) async throws {
    do {
      try await body()
    } catch let e as ServiceError where Self.isFatal(e, dmsCall: true) {
      throw CheckFailure(message: "\(op): \(Self.describe(e))")
    }
  }

  /// Runs one read, retrying throttling with jittered exponential backoff (this is the one place a
  /// throttled read of `check` is tried again); fatal errors become `CheckFailure`.
  @discardableResult
  func call<T: Sendable>(_ op: String, dmsCall: Bool, _ body: @Sendable () async throws -> T) async throws -> T {
    var attempt = 1
    while true {
      do {
        return try await body()
      } catch let e as ServiceError {
        if Self.isFatal(e, dmsCall: dmsCall) {
          throw CheckFailure(message: "\(op): \(Self.describe(e))")
        }
        if e.kind == .throttled, attempt < options.throttleAttempts {
          // Full jitter, as the SDKs do: retries of many checks at once do not line up.
          try await sleep(options.throttleBaseDelay * pow(2, Double(attempt - 1)) * Double.random(in: 0.5..<1))
          attempt += 1
          continue
        }
        throw e
      }
    }
  }

  static func describe(_ e: ServiceError) -> String {
    let what: String
    switch e.kind {
    case .network: what = "AWS is unreachable"
    case .timeout: what = "AWS did not answer in time"
    case .credentials: what = "AWS credentials failed"
    case .accessDenied: what = "access denied"
    case .throttled: what = "AWS kept throttling"
    case .server: what = "AWS returned a server error"
    case .malformed: what = "AWS returned a malformed response"
    default: what = "failed"
    }
    return "\(what): \(oneLine(e))"
  }

  static func oneLine(_ e: ServiceError) -> String {
    Redact.text(e.description.replacingOccurrences(of: "\n", with: " "))
  }

  /// Maps `items` with at most `concurrency` bodies running at once; results keep the input order.
  static func boundedMap<T: Sendable, R: Sendable>(
    _ items: [T], concurrency: Int, _ body: @escaping @Sendable (T) async throws -> R
  ) async throws -> [R] {
    guard !items.isEmpty else { return [] }
    return try await withThrowingTaskGroup(of: (Int, R).self) { group in
      var results = [R?](repeating: nil, count: items.count)
      var next = 0
      for _ in 0..<min(max(1, concurrency), items.count) {
        let i = next
        group.addTask { (i, try await body(items[i])) }
        next += 1
      }
      while let (i, r) = try await group.next() {
        results[i] = r
        if next < items.count {
          let j = next
          group.addTask { (j, try await body(items[j])) }
          next += 1
        }
      }
      return results.compactMap { $0 }
    }
  }
}
