import DMSWatchModel
import Foundation

/// What only a simulated serverless replication has. Its tables, counters, latency and task log
/// reuse the task machinery (a `SimTask` with `serverless` set); this adds the config, the
/// provisioning phases, capacity (DCU) and the orchestrator stream.
final class SimServerless {
  let minDCU: Int
  let maxDCU: Int
  let readOnly: Bool
  /// Resync is on (table statistics carry Resync* fields).
  let resync: Bool
  /// A start fails in this start-up phase (index into `ReplicationStatus.startupPhases`) with `failureText`.
  let failsAtPhase: Int?
  let failureText: String
  var failureMessages: [String] = []
  /// The current start: when it was asked for and the phases it goes through.
  var startRequested: Date?
  var startPhases: [String] = []
  var startType: String?
  var lastStopTime: Date?
  var provisionedAt: Date?
  /// Orchestrator lines, in time order (future lines of a start-up are written ahead and dropped on stop).
  var orchestrator: [LogLine] = []
  var nextTie = 1
  /// The state of the newest orchestrator line written (future start-up lines included).
  var lastState: String?

  init(minDCU: Int, maxDCU: Int, readOnly: Bool, resync: Bool, failsAtPhase: Int?, failureText: String) {
    self.minDCU = minDCU
    self.maxDCU = maxDCU
    self.readOnly = readOnly
    self.resync = resync
    self.failsAtPhase = failsAtPhase
    self.failureText = failureText
  }
}

extension SimulatedFleet {
  /// The dimension this simulator publishes serverless metrics under (found by clients with ListMetrics).
  public static let serverlessDimensionName = "ReplicationConfigExternalResourceId"
  static let dcuSteps = [1, 2, 4, 8, 16, 32, 64, 128, 192, 256, 384]
  static let serverlessSalt: UInt64 = 0x736C_7373

  // MARK: Building

  /// Curated replications first (running with resync, never started, failed, read-only), then random ones.
  func buildReplications(_ t0: Date, _ endpointIndex: inout [String: Int], _ usedIds: inout Set<String>) {
    let n = config.serverlessCount
    guard n > 0 else { return }
    let curated: [(String, Role, Bool, Bool, Int?)] = [
      ("orders-serverless-prod", .healthy, false, true, nil),
      ("ledger-serverless-prod", .ready, false, false, nil),
      ("payments-serverless-prod", .failed, false, false, 2),
      ("zero-etl-analytics", .healthy, true, false, nil),
    ]
    var usedNames = Set<String>()
    for i in 0..<n {
      let key = H.h(seed, Self.serverlessSalt, H.bits(i))
      var role: Role
      var name: String
      var readOnly = false
      var resync = false
      var failsAt: Int? = nil
      if i < curated.count {
        (name, role, readOnly, resync, failsAt) = curated[i]
      } else {
        role = Self.randomRole(key)
        if role == .starting { role = .healthy }
        let domain = Catalog.domains[Int(H.h(key, Salt.name, 1) % UInt64(Catalog.domains.count))]
        name = "\(domain)-serverless"
        resync = H.u(key, Self.serverlessSalt, 3) < 0.2
      }
      var suffix = 2
      let base = name
      while !usedNames.insert(name).inserted {
        name = "\(base)-\(suffix)"
        suffix += 1
      }
      var rid = ResourceIds.make(key, Salt.resource)
      var salt = Salt.resource
      while usedIds.contains(rid) {
        salt &+= 1
        rid = ResourceIds.make(key, salt)
      }
      usedIds.insert(rid)
      var profile = Self.profile(role: role, key: key)
      if i < curated.count {
        profile.loggingOff = false
        if role == .failed { profile.failureKind = 3 }
      }
      let srcEngine = Catalog.sourceEngines[Int(H.h(key, Salt.endpoint, 1) % UInt64(Catalog.sourceEngines.count))]
      let tgtEngine = Catalog.targetEngines[Int(H.h(key, Salt.endpoint, 2) % UInt64(Catalog.targetEngines.count))]
      let src = endpoint("\(name)-src-\(srcEngine)", "source", srcEngine, &endpointIndex)
      let tgt = endpoint("\(name)-tgt-\(tgtEngine)", "target", tgtEngine, &endpointIndex)
      var tableCount = config.tablesPerTask.map { max(1, $0) } ?? Self.realisticTableCount(key)
      if config.tablesPerTask == nil, i < curated.count { tableCount = max(tableCount, 8) }
      let t = SimTask(
        index: i, key: key, identifier: name, arn: arn("replication-config", rid), resourceId: rid, instance: 0,
        sourceEndpoint: src, targetEndpoint: tgt, sourceEngine: srcEngine, domain: name, tableCount: tableCount,
        creationDate: t0.addingTimeInterval(-86_400 * (5 + 60 * H.u(key, Salt.time, 1))), profile: profile,
        loadDuration: 600 + 2400 * H.u(key, Salt.rate, 1), cdcRate: 5 * pow(60, H.u(key, Salt.rate, 2)),
        logIntervalMs: Int64(H.int(6000, 20000, key, Salt.log, 1)))
      let minDCU = [1, 2, 2, 4][Int(H.h(key, Self.serverlessSalt, 1) % 4)]
      let maxDCU = Self.dcuSteps.first { $0 >= minDCU * [4, 8, 16][Int(H.h(key, Self.serverlessSalt, 2) % 3)] } ?? 384
      let failureText = "Test connection failed for endpoint '\(name)-src-\(srcEngine)': could not connect to the source database (timeout after 60 seconds)"
      let sl = SimServerless(
        minDCU: minDCU, maxDCU: maxDCU, readOnly: readOnly, resync: resync, failsAtPhase: failsAt, failureText: failureText)
      t.serverless = sl
      byConfigArn[t.arn] = replications.count
      byConfigResource[rid] = replications.count
      replications.append(t)
      setUpHistory(t, t0)
      t.logs.sort { ($0.ms, $0.tie) < ($1.ms, $1.tie) }
      if let first = t.runs.first {
        // The run history came from the task machinery: give it its orchestrator lines and provisioning.
        sl.startType = StartTaskType.startReplication.rawValue
        sl.provisionedAt = first.start.addingTimeInterval(-60)
        for (k, phase) in ReplicationStatus.startupPhases.enumerated() {
          orchestrate(sl, at: first.start.addingTimeInterval(Double(k - 7) * 8), state: phase, message: Self.phaseMessage(phase))
        }
        orchestrate(sl, at: first.start, state: ReplicationStatus.running, message: "Replication is running")
        if t.phase == .failed, let stop = t.stopDate {
          let msg = t.lastFailure ?? failureText
          sl.failureMessages = [msg]
          orchestrate(sl, at: stop, state: ReplicationStatus.failed, message: "Replication failed", failure: msg)
        } else if t.phase == .stopped, let stop = t.stopDate {
          sl.lastStopTime = stop
          orchestrate(sl, at: stop, state: ReplicationStatus.stopped, message: "Replication stopped")
        }
      }
    }
  }

  static func phaseMessage(_ phase: String) -> String {
    switch phase {
    case ReplicationStatus.initializing: "Initializing the replication"
    case ReplicationStatus.preparingMetadataResources: "Preparing metadata resources"
    case ReplicationStatus.testingConnection: "Testing the source and target endpoint connections"
    case ReplicationStatus.fetchingMetadata: "Fetching metadata from the source database"
    case ReplicationStatus.calculatingCapacity: "Calculating the capacity the replication needs"
    case ReplicationStatus.provisioningCapacity: "Provisioning capacity"
    case ReplicationStatus.replicationStarting: "Starting the replication"
    default: phase
    }
  }

  /// A Python-literal orchestrator line, as DMS writes them.
  func orchestrate(_ sl: SimServerless, at date: Date, state: String, message: String, failure: String? = nil) {
    func lit(_ s: String) -> String {
      "'" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }
    var text = "{'replication_state':\(lit(state)), 'message': \(lit(message))"
    if let failure { text += ", 'failure_message': \(lit(failure))" }
    text += "}"
    let line = LogLine(ms: epochMs(date), tie: sl.nextTie, text: text)
    sl.nextTie += 1
    sl.lastState = state
    if let last = sl.orchestrator.last, (last.ms, last.tie) > (line.ms, line.tie) {
      sl.orchestrator.append(line)
      sl.orchestrator.sort { ($0.ms, $0.tie) < ($1.ms, $1.tie) }
    } else {
      sl.orchestrator.append(line)
    }
  }

  func replication(arn: String) throws -> SimTask {
    guard let i = byConfigArn[arn] else {
      throw ServiceError(
        kind: .notFound, code: "ResourceNotFoundFault", message: "Replication config \(arn) not found.", httpStatus: 400)
    }
    return replications[i]
  }

  // MARK: Time

  /// A start-up that reaches its failing phase fails there; otherwise the task machinery moves it on.
  func advanceReplication(_ t: SimTask, _ now: Date) {
    if let sl = t.serverless, case .starting(let until, _, _) = t.phase, let fail = sl.failsAtPhase,
      let requested = sl.startRequested, let at = phaseStart(sl, index: fail, requested: requested, until: until)
    {
      let failAt = at.addingTimeInterval(3)
      if failAt <= now {
        t.phase = .failed
        t.stopDate = failAt
        t.stopReason = Catalog.stopFatal
        t.lastFailure = sl.failureText
        t.statsCache = nil
        sl.failureMessages = [sl.failureText]
        sl.orchestrator.removeAll { $0.ms > epochMs(failAt) }
        orchestrate(sl, at: failAt, state: ReplicationStatus.failed, message: "Replication failed", failure: sl.failureText)
        return
      }
    }
    advance(t, now)
    // Transitions the task machinery made on its own (a full load that finished, a spontaneous failure).
    guard let sl = t.serverless, let at = t.stopDate else { return }
    if t.phase == .failed, sl.lastState != ReplicationStatus.failed {
      let msg = t.lastFailure ?? "Replication failed"
      if sl.failureMessages.isEmpty { sl.failureMessages = [msg] }
      orchestrate(sl, at: at, state: ReplicationStatus.failed, message: "Replication failed", failure: msg)
    } else if t.phase == .stopped, sl.lastState != ReplicationStatus.stopped {
      sl.lastStopTime = at
      orchestrate(sl, at: at, state: ReplicationStatus.stopped, message: "Replication stopped: \(t.stopReason ?? "")")
    }
  }

  /// When phase `index` of the current start-up begins (nil when the start does not go through it).
  func phaseStart(_ sl: SimServerless, index: Int, requested: Date, until: Date) -> Date? {
    let name = ReplicationStatus.startupPhases[index]
    guard let k = sl.startPhases.firstIndex(of: name), !sl.startPhases.isEmpty else { return nil }
    let step = until.timeIntervalSince(requested) / Double(sl.startPhases.count)
    return requested.addingTimeInterval(step * Double(k))
  }

  /// The replication's Status now.
  func serverlessStatus(_ t: SimTask, _ now: Date) -> String {
    switch t.phase {
    case .ready: return ReplicationStatus.created
    case .starting(let until, _, _):
      guard let sl = t.serverless, let req = sl.startRequested, !sl.startPhases.isEmpty else {
        return ReplicationStatus.replicationStarting
      }
      let f = now.timeIntervalSince(req) / max(1, until.timeIntervalSince(req))
      return sl.startPhases[max(0, min(sl.startPhases.count - 1, Int(f * Double(sl.startPhases.count))))]
    default: return t.phase.status
    }
  }

  /// Provisioned DCU at `at` while capacity is held: steps within min…max, following the load.
  func capacity(_ t: SimTask, _ sl: SimServerless, at: Date) -> Int {
    let x = at.timeIntervalSince1970
    let steps = Self.dcuSteps.filter { $0 >= sl.minDCU && $0 <= sl.maxDCU }
    guard !steps.isEmpty else { return sl.minDCU }
    let level = H.smooth(t.key, Self.serverlessSalt &+ 5, (x / 1800).rounded(.down) / 2)
    return steps[min(steps.count - 1, Int(level * Double(steps.count)))]
  }

  func capacityUtilization(_ t: SimTask, at: Date) -> Double {
    let x = at.timeIntervalSince1970
    return 25 + 65 * H.smooth(t.key, Self.serverlessSalt &+ 6, x / 900) + 4 * (H.u(t.key, Self.serverlessSalt, 7, H.bits(x / 60)) - 0.5)
  }

  func provisionData(_ t: SimTask, _ sl: SimServerless, status: String, _ now: Date) -> ProvisionData? {
    let phases = ReplicationStatus.startupPhases
    switch status {
    case ReplicationStatus.created: return nil
    case _ where phases.firstIndex(of: status).map({ $0 < 5 }) ?? false:
      return ProvisionData(provisionState: "provisioning", provisionedCapacityUnits: 0)
    case ReplicationStatus.provisioningCapacity:
      return ProvisionData(provisionState: "provisioning", provisionedCapacityUnits: 0)
    case ReplicationStatus.running, ReplicationStatus.replicationStarting, ReplicationStatus.stopping:
      let dcu = capacity(t, sl, at: now)
      let busy = status == ReplicationStatus.running && capacityUtilization(t, at: now) > 85 && dcu < sl.maxDCU
      return ProvisionData(
        provisionState: "provisioned", provisionedCapacityUnits: dcu, dateProvisioned: sl.provisionedAt,
        isNewProvisioningAvailable: busy, dateNewProvisioningDataAvailable: busy ? now : nil,
        reasonForNewProvisioningData: busy ? "Capacity utilization above 85%" : nil)
    default:
      return ProvisionData(provisionState: "deprovisioned", provisionedCapacityUnits: 0, dateProvisioned: sl.provisionedAt)
    }
  }

  func describeConfig(_ t: SimTask) -> ReplicationConfig {
    ReplicationConfig(
      identifier: t.identifier, arn: t.arn, sourceEndpointArn: endpoints[t.sourceEndpoint].arn,
      targetEndpointArn: endpoints[t.targetEndpoint].arn, replicationType: t.type.rawValue,
      minCapacityUnits: t.serverless?.minDCU, maxCapacityUnits: t.serverless?.maxDCU, createTime: t.creationDate,
      updateTime: t.creationDate, isReadOnly: t.serverless?.readOnly)
  }

  func describeReplication(_ t: SimTask, _ now: Date) -> Replication {
    let status = serverlessStatus(t, now)
    let sl = t.serverless
    return Replication(
      configIdentifier: t.identifier, configArn: t.arn, status: status, sourceEndpointArn: endpoints[t.sourceEndpoint].arn,
      targetEndpointArn: endpoints[t.targetEndpoint].arn, replicationType: t.type.rawValue,
      provision: sl.flatMap { provisionData(t, $0, status: status, now) },
      premigrationAssessments: sl?.resync == true
        ? [PremigrationAssessmentStatus(runArn: arn("assessment-run", t.resourceId), status: "passed", progressPercent: 100)]
        : [],
      stopReason: t.stopReason,
      failureMessages: (sl?.failureMessages).flatMap { $0.isEmpty ? nil : $0 }
        ?? (t.phase == .failed ? t.lastFailure.map { [$0] } ?? [] : []),
      stats: t.runs.isEmpty && t.load == nil ? nil : stats(t, now), startReplicationType: sl?.startType,
      createTime: t.creationDate, updateTime: now, lastStopTime: sl?.lastStopTime, isReadOnly: sl?.readOnly)
  }

  /// A replication exists once the config was started (DescribeReplications lists nothing before).
  func hasReplication(_ t: SimTask) -> Bool { t.phase != .ready || !t.runs.isEmpty }

  /// Resync fields for a replication with resync on: one table keeps failing rows.
  func addResync(_ s: inout TableStatistics, _ t: SimTask, _ j: Int, _ now: Date) {
    guard t.serverless?.resync == true, !t.runs.isEmpty else { return }
    let k = tableKey(t, j)
    let attempted = Int64(H.int(0, 4000, k, Self.serverlessSalt, 1))
    let failed: Int64 = j == 1 ? max(1, attempted / 7) : 0
    s.resyncRowsAttempted = attempted
    s.resyncRowsSucceeded = attempted - failed
    s.resyncRowsFailed = failed
    if j % 5 == 3 {
      s.resyncState = "In progress"
      s.resyncProgress = (100 * H.u(k, Self.serverlessSalt, 2, H.bits(now.timeIntervalSince1970 / 60))).rounded()
    } else {
      s.resyncState = "Last resync at \(UTCFormat.logStamp(now.addingTimeInterval(-Double(H.int(60, 3000, k, Self.serverlessSalt, 3)))))"
      s.resyncProgress = 100
    }
  }
}

// MARK: - DMSServerlessService

extension SimulatedFleet: DMSServerlessService {
  public func describeReplicationConfigs(marker: String?, maxRecords: Int) async throws -> Page<ReplicationConfig> {
    try begin("DescribeReplicationConfigs")
    return try lock.withLock {
      let offset = try Markers.decode("configs", marker)
      let size = min(100, max(20, maxRecords))
      let end = min(replications.count, offset + size)
      let items = offset < end ? replications[offset..<end].map(describeConfig) : []
      return Page(items: items, marker: end < replications.count ? Markers.encode("configs", end) : nil)
    }
  }

  public func describeReplications(marker: String?, maxRecords: Int) async throws -> Page<Replication> {
    try begin("DescribeReplications")
    let now = clock.now()
    return try lock.withLock {
      advanceAll(now)
      let offset = try Markers.decode("replications", marker)
      let size = min(100, max(20, maxRecords))
      let end = min(replications.count, offset + size)
      let items = offset < end ? replications[offset..<end].filter(hasReplication).map { describeReplication($0, now) } : []
      return Page(items: items, marker: end < replications.count ? Markers.encode("replications", end) : nil)
    }
  }

  public func describeReplicationTableStatistics(configArn: String, marker: String?, maxRecords: Int) async throws
    -> Page<TableStatistics>
  {
    try begin("DescribeReplicationTableStatistics")
    let now = clock.now()
    return try lock.withLock {
      advanceAll(now)
      let t = try replication(arn: configArn)
      let offset = try Markers.decode("rtables", marker)
      guard !t.runs.isEmpty else { return Page(items: [], marker: nil) }
      let size = min(500, max(20, maxRecords))
      let end = min(t.tableCount, offset + size)
      guard offset < end else { return Page(items: [], marker: nil) }
      let sched = t.hasLoad && t.load != nil ? schedule(t) : nil
      var items: [TableStatistics] = []
      items.reserveCapacity(end - offset)
      for j in offset..<end {
        var s = statistics(t, j, sched, now)
        addResync(&s, t, j, now)
        items.append(s)
      }
      return Page(items: items, marker: end < t.tableCount ? Markers.encode("rtables", end) : nil)
    }
  }

  public func startReplication(
    configArn: String, type: StartTaskType, cdcStartTime: Date?, cdcStartPosition: String?
  ) async throws -> Replication {
    try begin("StartReplication")
    let now = clock.now()
    return try lock.withLock {
      advanceAll(now)
      let t = try replication(arn: configArn)
      guard let sl = t.serverless else { throw ServiceError(kind: .notFound, code: "ResourceNotFoundFault", message: configArn) }
      if sl.readOnly {
        throw ServiceError(
          kind: .invalidState, code: "InvalidResourceStateFault",
          message: "Replication \(t.identifier) is read-only (zero-ETL integration).", httpStatus: 400)
      }
      let firstRun = sl.startType == nil
      if firstRun != (type == .startReplication) {
        throw ServiceError(
          kind: .invalidState, code: "InvalidParameterCombinationException",
          message: firstRun
            ? "StartReplicationType must be start-replication for the first run."
            : "Replication was started before: use resume-processing or reload-target.",
          httpStatus: 400)
      }
      switch t.phase {
      case .ready, .stopped, .failed: break
      default:
        throw ServiceError(
          kind: .invalidState, code: "InvalidResourceStateFault",
          message: "Replication is currently \(serverlessStatus(t, now)) and cannot be started.", httpStatus: 400)
      }
      // Capacity was released at the stop: every start goes through the provisioning phases.
      let phases = ReplicationStatus.startupPhases
      let step = Double(H.int(5, 9, t.key, Self.serverlessSalt, H.bits(now.timeIntervalSince1970)))
      let until = now.addingTimeInterval(step * Double(phases.count))
      let fresh = t.runs.isEmpty || type != .resumeProcessing
      t.phase = .starting(until: until, type: type, fresh: fresh)
      t.statsCache = nil
      sl.startRequested = now
      sl.startPhases = phases
      sl.startType = type.rawValue
      sl.failureMessages = []
      t.lastFailure = nil
      for (k, p) in phases.enumerated() {
        orchestrate(sl, at: now.addingTimeInterval(step * Double(k)), state: p, message: Self.phaseMessage(p))
      }
      sl.provisionedAt = now.addingTimeInterval(step * 6)
      orchestrate(sl, at: until, state: ReplicationStatus.running, message: "Replication is running")
      return describeReplication(t, now)
    }
  }

  public func stopReplication(configArn: String) async throws -> Replication {
    try begin("StopReplication")
    let now = clock.now()
    return try lock.withLock {
      advanceAll(now)
      let t = try replication(arn: configArn)
      guard let sl = t.serverless else { throw ServiceError(kind: .notFound, code: "ResourceNotFoundFault", message: configArn) }
      if sl.readOnly {
        throw ServiceError(
          kind: .invalidState, code: "InvalidResourceStateFault",
          message: "Replication \(t.identifier) is read-only (zero-ETL integration).", httpStatus: 400)
      }
      switch t.phase {
      case .running:
        try requestStop(t, now: now)
      case .starting:
        // Stopping during start-up: drop the phases not reached yet.
        sl.orchestrator.removeAll { $0.ms > epochMs(now) }
        t.phase = .stopping(until: now.addingTimeInterval(Double(H.int(3, 8, t.key, Salt.time, H.bits(now.timeIntervalSince1970)))))
        t.statsCache = nil
      default:
        throw ServiceError(
          kind: .invalidState, code: "InvalidResourceStateFault", message: "Replication is not running", httpStatus: 400)
      }
      sl.lastStopTime = now
      orchestrate(sl, at: now, state: ReplicationStatus.stopping, message: "Stop requested by user")
      if case .stopping(let until) = t.phase {
        orchestrate(sl, at: until, state: ReplicationStatus.stopped, message: "Replication stopped")
      }
      return describeReplication(t, now)
    }
  }

  public func reloadReplicationTables(configArn: String, tables: [TableRef], option: ReloadOption) async throws {
    try begin("ReloadReplicationTables")
    let now = clock.now()
    try lock.withLock {
      advanceAll(now)
      let t = try replication(arn: configArn)
      guard t.serverless?.readOnly == false else {
        throw ServiceError(kind: .invalidState, code: "InvalidResourceStateFault", message: "Replication is read-only.", httpStatus: 400)
      }
      try reloadLocked(t, tables: tables, option: option, now: now)
    }
  }
}

// MARK: - Metrics and logs

extension SimulatedFleet {
  /// ListMetrics: task metrics for every task that ran, serverless metrics for every replication that ran.
  public func listMetrics(namespace: String, metricName: String) async throws -> [[String: String]] {
    try begin("ListMetrics")
    let now = clock.now()
    return lock.withLock {
      advanceAll(now)
      guard namespace == ServerlessMetrics.namespace else { return [] }
      var out: [[String: String]] = []
      if ServerlessMetrics.all.contains(metricName) {
        for r in replications where !r.runs.isEmpty {
          out.append([Self.serverlessDimensionName: r.resourceId])
        }
      }
      if DMSMetric.all.contains(metricName) {
        for t in tasks where !t.runs.isEmpty {
          out.append(["ReplicationInstanceIdentifier": instances[t.instance].identifier, "ReplicationTaskIdentifier": t.resourceId])
        }
      }
      return out
    }
  }

  /// The replication a serverless query names (by the simulator's dimension), if any.
  func serverlessTarget(_ q: MetricQuery) -> SimTask? {
    let dims = q.dimensions
    guard dims.count == 1, dims[0].name == Self.serverlessDimensionName else { return nil }
    return byConfigResource[dims[0].value].map { replications[$0] }
  }

  func serverlessMetricValue(_ t: SimTask, _ metric: String, _ at: Date) -> Double? {
    guard let run = t.runs.last(where: { $0.start <= at }), run.contains(at) else { return nil }
    switch metric {
    case ServerlessMetrics.capacityUtilization: return capacityUtilization(t, at: at)
    case "CDCThroughputBandwidthTarget":
      return metricValue(t, DMSMetric.cdcThroughputRowsTarget, at).map { $0 * 0.4 }
    case "FullLoadThroughputBandwidthTarget":
      return metricValue(t, DMSMetric.fullLoadThroughputRowsTarget, at).map { $0 * 0.4 }
    default: return metricValue(t, metric, at)
    }
  }

  /// GetLogEvents on a serverless log group: the orchestrator stream or the task stream.
  func serverlessLogEvents(group: String, stream: String, startTime: Date?, nextToken: String?, limit: Int) throws
    -> LogEventsPage
  {
    let now = clock.now()
    return try lock.withLock {
      advanceAll(now)
      let rid = String(group.dropFirst("dms-serverless-replication-".count))
      guard let t = byConfigResource[rid].map({ replications[$0] }), let sl = t.serverless, !t.runs.isEmpty || !sl.orchestrator.isEmpty,
        group == ServerlessLogNames.group(configResourceId: rid)
      else {
        throw ServiceError(
          kind: .notFound, code: "ResourceNotFoundException", message: "The specified log group does not exist.", httpStatus: 400)
      }
      let cursor: LogCursor
      if let nextToken {
        guard let c = LogCursor(token: nextToken) else {
          throw ServiceError(kind: .client, code: "InvalidParameterException", message: "The specified nextToken is invalid.", httpStatus: 400)
        }
        cursor = c
      } else if let startTime {
        cursor = LogCursor(ms: epochMs(startTime), tie: -1)
      } else {
        cursor = LogCursor(ms: Int64.min, tie: -1)
      }
      let cap = limit <= 0 ? 10_000 : min(10_000, limit)
      let nowMs = epochMs(now)
      var lines: [LogLine]
      if stream == ServerlessLogNames.orchestratorStream(configResourceId: rid) {
        lines = sl.orchestrator.filter { LogCursor(ms: $0.ms, tie: $0.tie) > cursor && $0.ms <= nowMs }
      } else if stream == ServerlessLogNames.taskStream(resourceId: rid), !t.profile.loggingOff, !t.runs.isEmpty {
        lines = periodicLines(t, after: cursor, upTo: nowMs, limit: cap)
        lines.append(contentsOf: writtenLines(t, after: cursor, upTo: nowMs, limit: cap))
        lines.sort { ($0.ms, $0.tie) < ($1.ms, $1.tie) }
      } else {
        throw ServiceError(
          kind: .notFound, code: "ResourceNotFoundException", message: "The specified log stream does not exist.", httpStatus: 400)
      }
      if lines.count > cap { lines.removeLast(lines.count - cap) }
      let events = lines.map { LogEvent(timestamp: Date(timeIntervalSince1970: Double($0.ms) / 1000), message: $0.text) }
      let token = lines.last.map { LogCursor(ms: $0.ms, tie: $0.tie).token } ?? nextToken ?? cursor.token
      return LogEventsPage(events: events, nextForwardToken: token)
    }
  }
}
