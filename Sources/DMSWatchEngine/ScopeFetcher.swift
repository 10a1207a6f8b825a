import DMSWatchModel
import Foundation

/// The one fetch path of a scope: how each kind of data is read, page by page, through the scope's
/// backends. The engine's lane calls the page functions one at a time; `check`, the soak test and the
/// bench use the same functions (through `ScopeEngine` or `collect`), so every caller reads DMS,
/// CloudWatch and Logs the same way.
public struct ScopeFetcher: Sendable {
  public let services: ServiceBundle
  /// Told when a secondary listing is left out (not offered, not allowed).
  public var onSkipped: (@Sendable (Int, String) -> Void)?
  public init(services: ServiceBundle, onSkipped: (@Sendable (Int, String) -> Void)? = nil) {
    self.services = services
    self.onSkipped = onSkipped
  }

  /// The most queries one GetMetricData call takes.
  public static let metricQueryLimit = 500

  // MARK: DMS

  /// One page of the combined task list of every backend. The marker is the fetcher's own:
  /// `<backend index>|<that backend's marker>`, so one listing job walks every backend in turn.
  public func taskListPage(marker: String?) async throws -> Page<ReplicationTask> {
    let backends = services.backends
    guard !backends.isEmpty else { return Page(items: [], marker: nil) }
    var index = 0
    var inner: String? = nil
    if let marker, let bar = marker.firstIndex(of: "|"), let i = Int(marker[..<bar]), i >= 0, i < backends.count {
      index = i
      let rest = String(marker[marker.index(after: bar)...])
      inner = rest.isEmpty ? nil : rest
    }
    let page: Page<ReplicationTask>
    do {
      page = try await backends[index].listPage(marker: inner)
    } catch let e as ServiceError where index > 0 && e.kind != .throttled {
      // A later kind of resource that fails (not offered in this region or by this peer, not allowed for
      // the role, or failing right now) never hides the tasks: its rows from the last good listing are
      // kept (the engine merges them back) and the failure is said once.
      onSkipped?(index, "\(backends[index].listOperation) failed; those rows are from the last good listing, if any: \(e.description)")
      let following = backends.indices.first(where: { $0 > index && !backends[$0].isSuspended })
      return Page(items: [], marker: following.map { "\($0)|" })
    }
    let next: String?
    if let m = page.marker, !m.isEmpty {
      next = "\(index)|\(m)"
    } else if let following = backends.indices.first(where: { $0 > index && !backends[$0].isSuspended }) {
      next = "\(following)|"
    } else {
      next = nil
    }
    return Page(items: page.items, marker: next)
  }

  public func tablesPage(task: ReplicationTask, marker: String?) async throws -> Page<TableStatistics> {
    guard let backend = services.backend(for: task) else { return Page(items: [], marker: nil) }
    return try await backend.tableStatisticsPage(task: task, marker: marker)
  }

  public func instancesPage(marker: String?) async throws -> Page<ReplicationInstance> {
    try await services.dms.describeReplicationInstances(marker: marker)
  }

  public func endpointsPage(marker: String?) async throws -> Page<Endpoint> {
    try await services.dms.describeEndpoints(marker: marker)
  }

  public func eventsPage(since: Date, marker: String?) async throws -> Page<DMSEvent> {
    try await services.dms.describeEvents(since: since, marker: marker, maxRecords: 100)
  }

  /// One row per ARN even if a page repeats an item.
  public static func unique(_ tasks: [ReplicationTask]) -> [ReplicationTask] {
    var seen = Set<String>()
    return tasks.filter { seen.insert($0.arn).inserted }
  }

  // MARK: CloudWatch

  /// Lets every backend learn what its metric queries need (e.g. a dimension from ListMetrics).
  public func prepareMetrics(for tasks: [ReplicationTask]) async {
    for b in services.backends { await b.prepareMetrics(for: tasks, metrics: services.metrics) }
  }

  /// The metric queries of `tasks` (whole tasks only, at most `limit` queries), the map from query
  /// id to (task ARN, metric), and the tasks left out (no names yet, or over the limit).
  public func metricQueries(
    for tasks: [ReplicationTask], inventory: Inventory, limit: Int
  ) -> ([MetricQuery], [String: (arn: String, metric: String)], [ReplicationTask]) {
    var queries: [MetricQuery] = []
    var idMap: [String: (arn: String, metric: String)] = [:]
    var left: [ReplicationTask] = []
    for (ti, t) in tasks.enumerated() {
      guard let backend = services.backend(for: t), let qs = backend.metricQueries(for: t, inventory: inventory, idPrefix: "m\(ti)_"),
        !qs.isEmpty, queries.count + qs.count <= limit
      else {
        left.append(t)
        continue
      }
      for q in qs {
        queries.append(q.query)
        idMap[q.query.id] = (t.arn, q.metric)
      }
    }
    return (queries, idMap, left)
  }

  /// GetMetricData for `queries` from `start` (rounded down to the minute) to `end`, one-minute
  /// points, filed by task ARN and metric name.
  public func metrics(
    queries: [MetricQuery], idMap: [String: (arn: String, metric: String)], start: Date, end: Date
  ) async throws -> [String: [String: [SeriesPoint]]] {
    let from = Date(timeIntervalSince1970: (start.timeIntervalSince1970 / 60).rounded(.down) * 60)
    let results = try await services.metrics.getMetricData(queries: queries, start: from, end: end, period: 60)
    var byTask: [String: [String: [SeriesPoint]]] = [:]
    for q in queries { if let m = idMap[q.id], byTask[m.arn] == nil { byTask[m.arn] = [:] } }
    for r in results {
      guard let m = idMap[r.id] else { continue }
      byTask[m.arn, default: [:]][m.metric] = r.points
    }
    return byTask
  }

  // MARK: Logs

  public func logStream(for task: ReplicationTask, inventory: Inventory) -> LogStreamRef? {
    logStreams(for: task, inventory: inventory).first
  }

  /// Every log stream of the task (a serverless replication has an orchestrator and a task stream).
  public func logStreams(for task: ReplicationTask, inventory: Inventory) -> [LogStreamRef] {
    services.backend(for: task)?.logStreams(for: task, inventory: inventory) ?? []
  }

  /// Up to `maxPages` pages of the task's log from `token` (or from `startTime` when there is none);
  /// returns the entries and the token to continue from.
  public func logTail(
    task: ReplicationTask, stream: LogStreamRef, startTime: Date?, token: String?, maxPages: Int, pageSize: Int = 500
  ) async throws -> ([LogEntry], String?) {
    var entries: [LogEntry] = []
    var token = token
    for _ in 0..<max(1, maxPages) {
      let page = try await services.logs.getLogEvents(
        group: stream.group, stream: stream.stream, startTime: token == nil ? startTime : nil, nextToken: token, limit: pageSize)
      entries += page.events.map { stream.entry($0, task: task) }
      let done = page.nextForwardToken == nil || page.nextForwardToken == token || page.events.isEmpty
      token = page.nextForwardToken ?? token
      if done { break }
    }
    return (entries, token)
  }
}
