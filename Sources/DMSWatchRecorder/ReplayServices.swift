import DMSWatchModel
import Foundation

/// A clock moved by the replay controller (and by tests).
public final class ReplayClock: DMSWatchModel.Clock, @unchecked Sendable {
  private let lock = NSLock()
  private var current: Date
  public init(_ start: Date) { current = start }
  public func now() -> Date { lock.withLock { current } }
  public func set(_ d: Date) { lock.withLock { current = d } }
  public func advance(_ s: TimeInterval) { lock.withLock { current = current.addingTimeInterval(s) } }

  private var lastDuration: TimeInterval?
  /// False for recordings made on a manual clock (mode `test`), where every duration is 0 because none
  /// was measured; otherwise 0 is a measured call under a millisecond (the demo's simulator).
  public var zeroIsMeasured = true
  /// Replay notes the recorded duration of each call it answers; the lane stepper takes it, so the
  /// replayed calls take as long as the recorded ones did.
  func noteCall(_ d: TimeInterval) { lock.withLock { lastDuration = d } }
  public func takeCallDuration() -> TimeInterval? {
    lock.withLock {
      defer { lastDuration = nil }
      guard let d = lastDuration else { return nil }
      if d > 0 { return d }
      // Not measured: the stepper's own latency applies. Measured under a millisecond: half of one.
      return zeroIsMeasured ? 0.0005 : nil
    }
  }
}

/// What every replayed action answers: nothing is ever sent from a replay.
public let replayReadOnly = ServiceError(kind: .client, code: "ReplayReadOnly", message: "a replay is read-only: nothing was sent")

/// Answers from a recording at the clock's time: each call gets the latest response recorded for the
/// same request at or before that time (or its recorded error); a request with none yet is an error
/// ("not in the recording"), never an invented empty answer.
struct ReplaySource: Sendable {
  let rec: Recording
  let clock: any DMSWatchModel.Clock
  let scope: ScopeID

  func answer<T: Decodable>(_ op: String, _ q: String, as t: T.Type) throws -> T {
    let now = clock.now()
    guard let call = rec.latest(scope: scope, op: op, request: q, at: now) else {
      (clock as? ReplayClock)?.noteCall(0)
      throw ServiceError(kind: .network, code: "NotRecorded", message: "\(op) was not recorded by \(Format.clock(now)) (replay)")
    }
    (clock as? ReplayClock)?.noteCall(call.duration)
    if let e = call.error { throw e.serviceError }
    return try rec.decoded(call, as: T.self)
  }
}

public struct ReplayDMS: DMSService {
  let src: ReplaySource
  public func describeReplicationTasks(marker: String?, maxRecords: Int) async throws -> Page<ReplicationTask> {
    try src.answer(RecordedOp.tasks, RecordedOp.marker(marker), as: RecordedPage<ReplicationTask>.self).page
  }
  public func describeTableStatistics(taskArn: String, marker: String?, maxRecords: Int) async throws -> Page<TableStatistics> {
    try src.answer(RecordedOp.tables, "task=\(taskArn)&\(RecordedOp.marker(marker))", as: RecordedPage<TableStatistics>.self).page
  }
  /// Every event recorded so far that is not older than `since`, in one page.
  public func describeEvents(since: Date, marker: String?, maxRecords: Int) async throws -> Page<DMSEvent> {
    let calls = src.rec.all(scope: src.scope, op: RecordedOp.events, through: src.clock.now())
    if let last = calls.last { (src.clock as? ReplayClock)?.noteCall(last.duration) }
    if let last = calls.last, let e = last.error { throw e.serviceError }
    guard !calls.isEmpty else {
      throw ServiceError(kind: .network, code: "NotRecorded", message: "DescribeEvents was not recorded by \(Format.clock(src.clock.now())) (replay)")
    }
    var out: [DMSEvent] = []
    var seen = Set<String>()
    for c in calls where c.error == nil {
      for e in try src.rec.decoded(c, as: RecordedEvents.self).items where e.date >= since {
        if seen.insert("\(e.date.timeIntervalSince1970)|\(e.sourceIdentifier)|\(e.message)").inserted { out.append(e) }
      }
    }
    return Page(items: out, marker: nil)
  }
  public func describeReplicationInstances(marker: String?) async throws -> Page<ReplicationInstance> {
    try src.answer(RecordedOp.instances, RecordedOp.marker(marker), as: RecordedPage<ReplicationInstance>.self).page
  }
  public func describeEndpoints(marker: String?) async throws -> Page<Endpoint> {
    try src.answer(RecordedOp.endpoints, RecordedOp.marker(marker), as: RecordedPage<Endpoint>.self).page
  }
  public func startReplicationTask(arn: String, type: StartTaskType, from: CdcStartPoint?) async throws -> ReplicationTask {
    throw replayReadOnly
  }
  public func stopReplicationTask(arn: String) async throws -> ReplicationTask { throw replayReadOnly }
  public func reloadTables(arn: String, tables: [TableRef], option: ReloadOption) async throws { throw replayReadOnly }
}

/// Metrics answered by query (namespace, name, dimensions, statistic), whatever ids the replaying
/// engine gives them: the points of every recorded GetMetricData so far, newest value winning.
public struct ReplayMetrics: MetricsService {
  let src: ReplaySource

  struct Identity: Hashable {
    var namespace: String, metric: String, dims: [MetricDimension], stat: String
    init(_ q: MetricQuery) {
      namespace = q.namespace
      metric = q.metricName
      dims = q.dimensions.sorted { $0.name < $1.name }
      stat = q.stat
    }
  }

  public func getMetricData(queries: [MetricQuery], start: Date, end: Date, period: Int) async throws -> [MetricResult] {
    let calls = src.rec.all(scope: src.scope, op: RecordedOp.metrics, through: src.clock.now())
    if let last = calls.last, let e = last.error { throw e.serviceError }
    guard !calls.isEmpty else {
      throw ServiceError(kind: .network, code: "NotRecorded", message: "GetMetricData was not recorded by \(Format.clock(src.clock.now())) (replay)")
    }
    // Each query gets the points of the newest recorded call that asked for it (CloudWatch aligns
    // periods to the request's start, so answers of different windows are not merged).
    var missing = Set(queries.map(Identity.init))
    var points: [Identity: [SeriesPoint]] = [:]
    for c in calls.reversed() where c.error == nil {
      if missing.isEmpty { break }
      let m = try src.rec.decoded(c, as: RecordedMetrics.self)
      let byId = Dictionary(m.queries.map { ($0.id, Identity($0)) }, uniquingKeysWith: { a, _ in a })
      for r in m.results {
        guard let ident = byId[r.id], missing.contains(ident) else { continue }
        points[ident] = r.points
      }
      for q in m.queries { missing.remove(Identity(q)) }
    }
    return queries.map { q in
      let pts = (points[Identity(q)] ?? []).filter { $0.time >= start && $0.time <= end }.sorted { $0.time < $1.time }
      return MetricResult(id: q.id, label: q.metricName, points: pts, statusCode: "Complete")
    }
  }

  public func listMetrics(namespace: String, metricName: String) async throws -> [[String: String]] {
    try src.answer(RecordedOp.listMetrics, "\(namespace)|\(metricName)", as: [[String: String]].self)
  }
}

/// A log stream as the recording saw it: the events of every recorded page so far, in order, with
/// replay's own forward tokens (`replay:<n>`).
public struct ReplayLogs: LogsService {
  let src: ReplaySource

  public func getLogEvents(group: String, stream: String, startTime: Date?, nextToken: String?, limit: Int) async throws -> LogEventsPage {
    let calls = src.rec.all(scope: src.scope, op: RecordedOp.logs, through: src.clock.now())
      .filter { $0.request.hasPrefix("\(group)|\(stream)|") }
    guard let last = calls.last else {
      throw ServiceError(kind: .network, code: "NotRecorded", message: "the log stream \(group)/\(stream) was not recorded (replay)")
    }
    if let e = last.error, calls.allSatisfy({ $0.error != nil }) { throw e.serviceError }
    var events: [LogEvent] = []
    for c in calls where c.error == nil { events += try src.rec.decoded(c, as: RecordedLogPage.self).events }
    var from = 0
    if let t = nextToken, t.hasPrefix("replay:"), let n = Int(t.dropFirst(7)) {
      from = min(max(0, n), events.count)
    } else if let s = startTime {
      from = events.firstIndex { $0.timestamp >= s } ?? events.count
    }
    let upto = min(events.count, from + max(1, limit))
    return LogEventsPage(events: Array(events[from..<upto]), nextForwardToken: "replay:\(upto)")
  }
}

/// A recorded backend: its listing and table statistics from the recording; names, metric queries and
/// log streams from the backend kind's own rules (provisioned tasks are known; another kind answers
/// nil, so its metrics and logs are not replayed). Actions are refused.
public struct ReplayBackend: ReplicationBackend {
  let src: ReplaySource
  public let listOperation: String
  let rules: (any ReplicationBackend)?

  public func owns(_ task: ReplicationTask) -> Bool { rules?.owns(task) ?? true }
  public func listPage(marker: String?) async throws -> Page<ReplicationTask> {
    try src.answer(RecordedOp.list(listOperation), RecordedOp.marker(marker), as: RecordedPage<ReplicationTask>.self).page
  }
  public func tableStatisticsPage(task: ReplicationTask, marker: String?) async throws -> Page<TableStatistics> {
    try src.answer(
      RecordedOp.backendTables(listOperation), "task=\(task.arn)&\(RecordedOp.marker(marker))", as: RecordedPage<TableStatistics>.self
    ).page
  }
  public func metricQueries(for task: ReplicationTask, inventory: Inventory, idPrefix: String) -> [TaskMetricQuery]? {
    rules?.metricQueries(for: task, inventory: inventory, idPrefix: idPrefix)
  }
  public func logStream(for task: ReplicationTask, inventory: Inventory) -> LogStreamRef? {
    rules?.logStream(for: task, inventory: inventory)
  }
  public func start(_ task: ReplicationTask, type: StartTaskType, from: CdcStartPoint?) async throws { throw replayReadOnly }
  public func stop(_ task: ReplicationTask) async throws { throw replayReadOnly }
  public func reload(_ task: ReplicationTask, tables: [TableRef], option: ReloadOption) async throws { throw replayReadOnly }
}

extension Recording {
  /// One service bundle per recorded scope, answering from the recording at `clock`'s time.
  public func bundles(clock: any DMSWatchModel.Clock) -> [ServiceBundle] {
    scopes.map { s in
      let src = ReplaySource(rec: self, clock: clock, scope: s.info.id)
      let dms = ReplayDMS(src: src)
      let backends: [any ReplicationBackend] = s.backends.map { op in
        ReplayBackend(src: src, listOperation: op, rules: op == RecordedOp.tasks ? ProvisionedTaskBackend(dms: dms) : nil)
      }
      var info = s.info
      info.readOnly = true
      return ServiceBundle(
        dms: dms, metrics: ReplayMetrics(src: src), logs: ReplayLogs(src: src), sourceLabel: s.label, scope: info, backends: backends)
    }
  }
}
