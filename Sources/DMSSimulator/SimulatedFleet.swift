import DMSWatchModel
import Foundation

/// An embedded, time-driven simulation of a DMS fleet behind the service protocols
/// (`dmswatch --demo`). Time comes only from the injected clock. Per-table quantities
/// are deterministic functions of (seed, task, table, time); only what actions change
/// is stored, sparsely, and a task is advanced lazily to `clock.now()` when touched.
public final class SimulatedFleet: DMSService, MetricsService, LogsService, @unchecked Sendable {
  public let config: SimulatorConfig
  let clock: any Clock
  let lock = NSLock()
  let seed: UInt64
  /// The clock's time when the fleet was created; history is laid out before it.
  public let createdAt: Date

  var tasks: [SimTask] = []
  /// DMS Serverless replications (config + replication), beside the tasks; see SimulatedFleet+Serverless.
  var replications: [SimTask] = []
  var byConfigArn: [String: Int] = [:]
  var byConfigResource: [String: Int] = [:]
  var byArn: [String: Int] = [:]
  var byResource: [String: Int] = [:]
  var instances: [SimInstance] = []
  var endpoints: [SimEndpoint] = []
  /// Sorted by date (stable for equal dates).
  var events: [DMSEvent] = []
  var counts: [String: Int] = [:]
  var faults: [String: (error: ServiceError, remaining: Int)] = [:]
  /// Connection tests by "instance|endpoint": when each was started.
  var connectionTests: [String: Date] = [:]
  /// Log groups that exist (instances with at least one task logging).
  var logGroups: Set<String> = []
  /// True while `build()` lays out history (events are sorted once at the end).
  var building = true

  static let loadSlots = 8

  public init(config: SimulatorConfig = SimulatorConfig(), clock: any Clock) {
    self.config = config
    self.clock = clock
    self.seed = H.mix(config.seed ^ 0x5EED_D35_F1EE7)
    self.createdAt = clock.now()
    build()
  }

  /// Calls made so far, keyed by AWS operation name (DescribeReplicationTasks, GetMetricData, …).
  public func callCounts() -> [String: Int] {
    lock.withLock { counts }
  }

  /// Makes the next `count` calls of `op` (an AWS operation name) throw `error`
  /// (a ThrottlingException when nil). A count of 0 clears the fault.
  public func injectFault(_ op: String, _ error: ServiceError?, count: Int) {
    let err =
      error ?? ServiceError(kind: .throttled, code: "ThrottlingException", message: "Rate exceeded", httpStatus: 400)
    lock.withLock {
      if count > 0 { faults[op] = (err, count) } else { faults[op] = nil }
    }
  }

  /// Identifiers of the tasks whose CloudWatch logging is off (their log stream does not exist).
  public func tasksWithLoggingOff() -> [String] {
    lock.withLock { tasks.filter { $0.profile.loggingOff }.map(\.identifier) }
  }

  /// Counts the call and throws an injected fault, if any.
  func begin(_ op: String) throws {
    try lock.withLock {
      counts[op, default: 0] += 1
      if let f = faults[op], f.remaining > 0 {
        faults[op] = f.remaining > 1 ? (f.error, f.remaining - 1) : nil
        throw f.error
      }
    }
  }

  func task(arn: String) throws -> SimTask {
    guard let i = byArn[arn] else {
      throw ServiceError(
        kind: .notFound, code: "ResourceNotFoundFault", message: "Replication task could not be found.", httpStatus: 400)
    }
    return tasks[i]
  }
}

// MARK: - Building the fleet

extension SimulatedFleet {
  /// An ARN in the simulated account and region.
  func arn(_ kind: String, _ id: String) -> String { "arn:aws:dms:\(config.region):\(config.account):\(kind):\(id)" }

  func build() {
    let n = max(0, config.tasks)
    let t0 = createdAt
    let instCount = max(1, min(64, n / 6 + 1))
    var prod = 0
    var staging = 0
    instances.reserveCapacity(instCount)
    for i in 0..<instCount {
      let isStaging = i % 4 == 3
      let name = isStaging ? "dms-staging-\(Catalog.letters(staging))" : "dms-prod-\(Catalog.letters(prod))"
      if isStaging { staging += 1 } else { prod += 1 }
      let k = H.h(seed, Salt.instance, H.bits(i))
      instances.append(SimInstance(
        identifier: name, arn: arn("rep", ResourceIds.make(k, Salt.resource)),
        instanceClass: Catalog.instanceClasses[Int(k % UInt64(Catalog.instanceClasses.count))],
        engineVersion: Catalog.engineVersions[Int((k >> 8) % UInt64(Catalog.engineVersions.count))]))
    }

    var curated = Role.allCases
    for i in stride(from: curated.count - 1, to: 0, by: -1) {
      let j = Int(H.h(seed, 0xC0_4A7E, H.bits(i)) % UInt64(i + 1))
      curated.swapAt(i, j)
    }

    var usedNames: [String: Int] = [:]
    var usedIds = Set<String>()
    var endpointIndex: [String: Int] = [:]
    tasks.reserveCapacity(n)
    byArn.reserveCapacity(n)
    byResource.reserveCapacity(n)

    for i in 0..<n {
      let key = H.h(seed, Salt.task, H.bits(i))
      let role = i < curated.count ? curated[i] : Self.randomRole(key)
      let profile = Self.profile(role: role, key: key)
      let inst = Int(H.h(key, Salt.instance) % UInt64(instCount))
      let onStaging = instances[inst].identifier.hasPrefix("dms-staging")
      let domain = Catalog.domains[Int(H.h(key, Salt.name, 1) % UInt64(Catalog.domains.count))]
      let envU = H.u(key, Salt.name, 2)
      let env = onStaging ? "staging" : (envU < 0.55 ? "prod" : (envU < 0.8 ? "" : "eu-prod"))
      let base = [domain, Catalog.typeTag(profile.type), env].filter { !$0.isEmpty }.joined(separator: "-")
      let seen = usedNames[base, default: 0]
      usedNames[base] = seen + 1
      let identifier = seen == 0 ? base : "\(base)-\(seen + 1)"

      var rid = ResourceIds.make(key, Salt.resource)
      var salt = Salt.resource
      while usedIds.contains(rid) {
        salt &+= 1
        rid = ResourceIds.make(key, salt)
      }
      usedIds.insert(rid)

      let srcEngine =
        profile.forceOracle
        ? "oracle" : Catalog.sourceEngines[Int(H.h(key, Salt.endpoint, 1) % UInt64(Catalog.sourceEngines.count))]
      let tgtEngine = Catalog.targetEngines[Int(H.h(key, Salt.endpoint, 2) % UInt64(Catalog.targetEngines.count))]
      let envPart = env.isEmpty ? "" : "\(env)-"
      let src = endpoint("\(domain)-\(envPart)src-\(srcEngine)", "source", srcEngine, &endpointIndex)
      let tgt = endpoint("\(domain)-\(envPart)tgt-\(tgtEngine)", "target", tgtEngine, &endpointIndex)

      var tableCount = config.tablesPerTask.map { max(1, $0) } ?? Self.realisticTableCount(key)
      if config.tablesPerTask == nil, role == .mixed || role == .missing { tableCount = max(tableCount, 8) }
      if let c = config.tableCounts[i] { tableCount = max(1, c) }
      let loadDuration = 900 + 3600 * H.u(key, Salt.rate, 1)
      let cdcRate = 5 * pow(60, H.u(key, Salt.rate, 2))
      let task = SimTask(
        index: i, key: key, identifier: identifier, arn: arn("task", rid), resourceId: rid, instance: inst,
        sourceEndpoint: src, targetEndpoint: tgt, sourceEngine: srcEngine, domain: domain, tableCount: tableCount,
        creationDate: t0.addingTimeInterval(-86_400 * (20 + 100 * H.u(key, Salt.time, 1))), profile: profile,
        loadDuration: loadDuration, cdcRate: cdcRate, logIntervalMs: Int64(H.int(6000, 20000, key, Salt.log, 1)))
      byArn[task.arn] = i
      byResource[rid] = i
      tasks.append(task)
      if !profile.loggingOff { logGroups.insert(TaskLogNames.group(instanceIdentifier: instances[inst].identifier)) }
      setUpHistory(task, t0)
      task.logs.sort { ($0.ms, $0.tie) < ($1.ms, $1.tie) }
    }
    buildReplications(t0, &endpointIndex, &usedIds)
    events.sort { $0.date < $1.date }
    building = false
  }

  func endpoint(_ id: String, _ type: String, _ engine: String, _ index: inout [String: Int]) -> Int {
    if let i = index[id] { return i }
    let k = H.h(seed, Salt.endpoint, UInt64(endpoints.count))
    endpoints.append(SimEndpoint(
      identifier: id, arn: arn("endpoint", ResourceIds.make(k, Salt.resource)), type: type, engine: engine))
    index[id] = endpoints.count - 1
    return endpoints.count - 1
  }

  static func realisticTableCount(_ key: UInt64) -> Int {
    let u = H.u(key, Salt.table, 1)
    let v = H.u(key, Salt.table, 2)
    if u < 0.82 { return 3 + Int(57 * pow(v, 1.6)) }
    if u < 0.96 { return 60 + Int(90 * v) }
    return 150 + Int(250 * v)
  }

  static func randomRole(_ key: UInt64) -> Role {
    let r = H.u(key, Salt.profile, 1)
    switch r {
    case ..<0.52: return .healthy
    case ..<0.60: return .loading
    case ..<0.63: return .missing
    case ..<0.65: return .duplicate
    case ..<0.68: return .failed
    case ..<0.69: return .failedOracle
    case ..<0.76: return .stoppedNormal
    case ..<0.83: return .fullLoadDone
    case ..<0.86: return .ready
    case ..<0.87: return .starting
    case ..<0.90: return .unreported
    case ..<0.93: return .mixed
    default: return .healthy
    }
  }

  static func profile(role: Role, key: UInt64) -> Profile {
    let u = { (n: UInt64) in H.u(key, Salt.profile, n) }
    let anyType: MigrationType = u(2) < 0.45 ? .cdc : (u(2) < 0.9 ? .fullLoadAndCdc : .fullLoad)
    let cdcType: MigrationType = u(2) < 0.5 ? .cdc : .fullLoadAndCdc
    var p = Profile(type: anyType, role: role)
    p.validation = u(3) < 0.4
    p.highLatency = u(4) < 0.05
    p.appliedUnreported = u(5) < 0.1
    p.loggingOff = u(6) < 0.08
    p.failureKind = Int(H.h(key, Salt.profile, 7) % 4)
    switch role {
    case .healthy:
      p.type = anyType == .fullLoad ? .fullLoadAndCdc : anyType
    case .missing:
      p.type = cdcType
      p.discrepancy = .missing
      p.validation = true
      p.appliedUnreported = false
    case .loading:
      p.type = u(2) < 0.7 ? .fullLoadAndCdc : .fullLoad
      p.validation = true
    case .failed:
      p.type = cdcType
      p.tableErrors = true
      if p.failureKind == 1 { p.failureKind = 0 }
    case .duplicate:
      p.type = cdcType
      p.discrepancy = .duplicate
      p.highLatency = true
      p.appliedUnreported = false
      p.validation = false
    case .fullLoadDone:
      p.type = .fullLoad
    case .unreported:
      p.type = .fullLoadAndCdc
      p.appliedUnreported = true
      p.loggingOff = true
      p.validation = false
    case .stoppedNormal:
      p.type = cdcType
    case .failedOracle:
      p.type = .fullLoadAndCdc
      p.failureKind = 1
      p.forceOracle = true
    case .starting:
      p.type = .fullLoad
    case .ready:
      p.type = .fullLoadAndCdc
    case .mixed:
      p.type = .cdc
      p.tableErrors = true
      p.validation = true
      p.mixedValidation = true
      p.discrepancy = .both
      p.appliedUnreported = false
    }
    return p
  }

  /// Lays out the task's past (runs, stops, failures) before `t0`.
  func setUpHistory(_ t: SimTask, _ t0: Date) {
    let k = t.key
    let u = { (n: UInt64) in H.u(k, Salt.time, n) }
    let d = t.loadDuration
    var role = t.profile.role
    if t.type == .fullLoad, [.healthy, .missing, .duplicate, .unreported, .mixed].contains(role) { role = .loading }

    switch role {
    case .ready:
      addEvent(t, "Replication task has been created.", "creation", at: t.creationDate)
    case .starting:
      t.phase = .starting(until: t0.addingTimeInterval(Double(H.int(4, 9, k, Salt.time, 9))), type: .startReplication, fresh: true)
    case .loading:
      let start = t0.addingTimeInterval(-d * (0.1 + 0.4 * u(2)))
      t.freshStartDate = start
      t.load = LoadState(origin: start, clock: ActiveClock(accum: 0, since: start), finishedAt: nil)
      beginHistoricRun(t, at: start, loading: true, cdcFrom: nil, fresh: true)
      t.phase = .running
    case .fullLoadDone:
      let start = t0.addingTimeInterval(-d - 600 - 172_800 * u(2))
      let end = start.addingTimeInterval(d)
      t.freshStartDate = start
      t.load = LoadState(origin: start, clock: ActiveClock(accum: d, since: nil), finishedAt: end)
      beginHistoricRun(t, at: start, loading: true, cdcFrom: nil, fresh: true)
      t.runs[t.runs.count - 1].loadEnd = end
      endHistoricRun(t, at: end, phase: .stopped, reason: Catalog.stopFullLoadFinished, failure: nil)
    case .healthy, .missing, .duplicate, .unreported, .mixed:
      let start = t0.addingTimeInterval(-(t.hasLoad ? d : 0) - 2400 - 259_200 * u(2))
      startSteady(t, at: start, prior: 1_728_000 * u(3))
      t.phase = .running
      // A few running tasks (and the demo's high-latency one) fail on their own later.
      if role == .duplicate || (role == .healthy && u(5) < 0.03) {
        t.failAt = t0.addingTimeInterval(1200 + 2400 * u(6))
      }
    case .stoppedNormal, .failed, .failedOracle:
      let stopAgo = role == .stoppedNormal ? 600 + 86_400 * u(4) : 300 + 10_800 * u(4)
      let stopAt = t0.addingTimeInterval(-stopAgo)
      let runLen = (t.type == .fullLoad ? d * 0.5 : (t.hasLoad ? d + 900 : 900)) + (t.type == .fullLoad ? 0 : 172_800 * u(2))
      let start = stopAt.addingTimeInterval(-runLen)
      startSteady(t, at: start, prior: 864_000 * u(3))
      if role == .stoppedNormal {
        endHistoricRun(t, at: stopAt, phase: .stopped, reason: Catalog.stopNormal, failure: nil)
      } else {
        let table = qualifiedName(t, 0)
        let (msg, lines) = Catalog.failure(
          kind: t.profile.failureKind, task: t.identifier, engine: t.sourceEngine, table: table)
        for (comp, sev, text) in lines { addLog(t, at: stopAt, comp, sev, text) }
        let reason = t.profile.failureKind == 2 ? Catalog.stopRecoverable : Catalog.stopFatal
        endHistoricRun(t, at: stopAt, phase: .failed, reason: reason, failure: msg)
      }
    }
  }

  /// A run that started at `start` and, for load tasks, finished its full load `loadDuration` later.
  private func startSteady(_ t: SimTask, at start: Date, prior: Double) {
    t.freshStartDate = start
    if t.hasLoad {
      let end = start.addingTimeInterval(t.loadDuration)
      t.load = LoadState(origin: start, clock: ActiveClock(accum: t.loadDuration, since: nil), finishedAt: end)
      if t.type == .fullLoad {
        t.load = LoadState(origin: start, clock: ActiveClock(accum: 0, since: start), finishedAt: nil)
        beginHistoricRun(t, at: start, loading: true, cdcFrom: nil, fresh: true)
        return
      }
      t.cdc = ActiveClock(accum: 0, since: end)
      beginHistoricRun(t, at: start, loading: true, cdcFrom: end, fresh: true)
      t.runs[t.runs.count - 1].loadEnd = end
      addLog(t, at: end, "TASK_MANAGER", .info, "All tables are loaded. Full load finished; starting CDC (replicationtask.c:2617)")
    } else {
      t.cdc = ActiveClock(accum: prior, since: start)
      beginHistoricRun(t, at: start, loading: false, cdcFrom: start, fresh: true)
    }
  }

  private func beginHistoricRun(_ t: SimTask, at start: Date, loading: Bool, cdcFrom: Date?, fresh: Bool) {
    t.runs.append(Run(start: start, end: nil, loading: loading, loadEnd: nil, cdcFrom: cdcFrom, catchUp: 0))
    t.startDate = start
    addEvent(t, "Replication task has started.", "state change", at: start)
    addStartLogs(t, at: start, fresh: fresh)
  }

  private func endHistoricRun(_ t: SimTask, at end: Date, phase: Phase, reason: String, failure: String?) {
    if var l = t.load {
      if l.finishedAt == nil { l.clock.pause(end) }
      t.load = l
    }
    t.cdc.pause(end)
    t.runs[t.runs.count - 1].end = end
    t.phase = phase
    t.stopDate = end
    t.stopReason = reason
    t.lastFailure = failure
    if let failure {
      addEvent(t, "Replication task has failed. Reason: \(failure)", "failure", at: end)
    } else {
      addStopLogs(t, at: end, reason: reason)
      addEvent(t, "Replication task has stopped. \(reason).", "state change", at: end)
    }
  }
}

extension SimulatedFleet {
  /// The fleet as the three services a dashboard needs (`dmswatch --demo`).
  public func serviceBundle(label: String? = nil) -> ServiceBundle {
    ServiceBundle(
      dms: self, metrics: self, logs: self,
      sourceLabel: label ?? "demo: simulated fleet (\(config.tasks) tasks, seed \(config.seed))", serverless: self)
  }
}
