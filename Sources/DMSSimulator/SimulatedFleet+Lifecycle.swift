import DMSWatchModel
import Foundation

// MARK: - Events, log lines and state transitions

extension SimulatedFleet {
  func addEvent(_ t: SimTask, _ message: String, _ category: String, at date: Date) {
    // Serverless replications report through the orchestrator log stream, not DescribeEvents.
    guard t.serverless == nil else { return }
    let e = DMSEvent(
      sourceIdentifier: t.identifier, sourceType: "replication-task", message: message, categories: [category], date: date)
    if building || events.last.map({ $0.date <= date }) ?? true {
      events.append(e)
    } else {
      var lo = 0
      var hi = events.count
      while lo < hi {
        let mid = (lo + hi) / 2
        if events[mid].date <= date { lo = mid + 1 } else { hi = mid }
      }
      events.insert(e, at: lo)
    }
  }

  func addLog(_ t: SimTask, at date: Date, _ component: String, _ sev: LogSeverity, _ text: String) {
    guard !t.profile.loggingOff else { return }
    let ms = epochMs(date)
    t.logs.append(LogLine(ms: ms, tie: t.nextTie, text: Catalog.logLine(date, component, sev, text)))
    t.nextTie += 1
  }

  func addStartLogs(_ t: SimTask, at date: Date, fresh: Bool) {
    let mode: String
    switch t.type {
    case .fullLoad: mode = "full load"
    case .cdc: mode = "CDC"
    case .fullLoadAndCdc: mode = "full load and CDC"
    }
    addLog(t, at: date, "TASK_MANAGER", .info, "Task '\(t.identifier)' starting in \(fresh ? "fresh start" : "resume") mode (replicationtask.c:1404)")
    addLog(t, at: date, "TASK_MANAGER", .info, "Task '\(t.identifier)' running \(mode) (replicationtask.c:1522)")
    if t.hasCdc {
      addLog(t, at: date, "SOURCE_CAPTURE", .info, "Source endpoint \(t.sourceEngine) capture started (sourcecapture.c:702)")
    }
  }

  func addStopLogs(_ t: SimTask, at date: Date, reason: String) {
    addLog(t, at: date, "TASK_MANAGER", .info, "Task '\(t.identifier)' stopped. \(reason) (replicationtask.c:2891)")
  }

  func advanceAll(_ now: Date) {
    for t in tasks { advance(t, now) }
    for r in replications { advanceReplication(r, now) }
  }

  /// Applies every scheduled transition of `t` up to `now`, in time order.
  func advance(_ t: SimTask, _ now: Date) {
    while true {
      switch t.phase {
      case .starting(let until, let type, let fresh):
        guard until <= now else { return }
        becomeRunning(t, at: until, type: type, fresh: fresh)
      case .stopping(let until):
        guard until <= now else { return }
        t.phase = .stopped
        t.stopDate = until
        t.stopReason = Catalog.stopNormal
        t.statsCache = nil
        addStopLogs(t, at: until, reason: Catalog.stopNormal)
        addEvent(t, "Replication task has stopped. \(Catalog.stopNormal).", "state change", at: until)
      case .running:
        let finish = loadFinish(t)
        if let f = t.failAt, f <= now, finish.map({ f <= $0 }) ?? true {
          failSpontaneously(t, at: f)
          continue
        }
        guard let finish, finish <= now else { return }
        completeLoad(t, at: finish)
      default:
        return
      }
    }
  }

  /// When the running full load will finish (nil when none is running).
  func loadFinish(_ t: SimTask) -> Date? {
    guard let l = t.load, l.finishedAt == nil, let since = l.clock.since else { return nil }
    return since.addingTimeInterval(max(0, t.loadDuration - l.clock.accum))
  }

  func becomeRunning(_ t: SimTask, at s: Date, type: StartTaskType, fresh: Bool) {
    let previousEnd = t.runs.last?.end
    if fresh {
      t.epoch += 1
      t.overrides = [:]
      t.freshStartDate = s
      if t.hasLoad {
        t.load = LoadState(origin: s, clock: ActiveClock(accum: 0, since: s), finishedAt: nil)
        t.cdc = ActiveClock()
      } else {
        t.load = nil
        t.cdc = ActiveClock(accum: 0, since: s)
      }
    } else if var l = t.load, l.finishedAt == nil {
      l.clock.since = s
      t.load = l
    } else if t.type == .fullLoad {
      // Resuming a finished full-load-only task: it checks the tables and stops again.
      t.load = LoadState(
        origin: t.load?.origin ?? s, clock: ActiveClock(accum: max(0, t.loadDuration - 2), since: s), finishedAt: nil)
    } else {
      t.cdc.since = s
    }
    let loading = t.isLoading
    t.runs.append(Run(
      start: s, end: nil, loading: loading, loadEnd: nil, cdcFrom: loading || !t.hasCdc ? nil : s,
      catchUp: t.cdcStartBacklog ?? (fresh ? 0 : previousEnd.map { max(0, s.timeIntervalSince($0)) } ?? 0)))
    t.cdcStartBacklog = nil
    if t.runs.count > 64 { t.runs.removeFirst(t.runs.count - 64) }
    t.phase = .running
    t.startDate = s
    t.stopDate = nil
    t.stopReason = nil
    t.lastFailure = nil
    t.statsCache = nil
    addEvent(t, "Replication task has started.", "state change", at: s)
    addStartLogs(t, at: s, fresh: fresh)
  }

  func completeLoad(_ t: SimTask, at f: Date) {
    guard var l = t.load else { return }
    l.finishedAt = f
    l.clock = ActiveClock(accum: t.loadDuration, since: nil)
    t.load = l
    t.statsCache = nil
    if !t.runs.isEmpty { t.runs[t.runs.count - 1].loadEnd = f }
    addLog(t, at: f, "TASK_MANAGER", .info, "All tables are loaded. Full load finished (replicationtask.c:2617)")
    if t.type == .fullLoad {
      t.cdc.pause(f)
      if !t.runs.isEmpty { t.runs[t.runs.count - 1].end = f }
      t.phase = .stopped
      t.stopDate = f
      t.stopReason = Catalog.stopFullLoadFinished
      addStopLogs(t, at: f, reason: Catalog.stopFullLoadFinished)
      addEvent(t, "Replication task has stopped. \(Catalog.stopFullLoadFinished).", "state change", at: f)
    } else {
      t.cdc.since = f
      if !t.runs.isEmpty { t.runs[t.runs.count - 1].cdcFrom = f }
      addLog(t, at: f, "SOURCE_CAPTURE", .info, "Start processing cached changes and CDC (sourcecapture.c:1187)")
    }
  }

  /// A running task fails on its own (scheduled at creation): events, log lines, failed status.
  func failSpontaneously(_ t: SimTask, at f: Date) {
    t.failAt = nil
    if var l = t.load, l.finishedAt == nil {
      l.clock.pause(f)
      t.load = l
    }
    t.cdc.pause(f)
    if !t.runs.isEmpty { t.runs[t.runs.count - 1].end = f }
    let (msg, lines) = Catalog.failure(kind: 4, task: t.identifier, engine: t.sourceEngine, table: qualifiedName(t, 0))
    for (comp, sev, text) in lines { addLog(t, at: f, comp, sev, text) }
    t.phase = .failed
    t.stopDate = f
    t.stopReason = Catalog.stopRecoverable
    t.lastFailure = msg
    t.statsCache = nil
    addEvent(t, "Replication task has failed. Reason: \(msg)", "failure", at: f)
  }

  /// Start request: `starting` now, `running` a few seconds later.
  func requestStart(_ t: SimTask, type: StartTaskType, from: CdcStartPoint? = nil, now: Date) throws {
    switch t.phase {
    case .running, .starting, .stopping:
      throw ServiceError(
        kind: .invalidState, code: "InvalidResourceStateFault",
        message: "Replication task is currently \(t.phase.status) and cannot be started.", httpStatus: 400)
    case .ready, .stopped, .failed:
      break
    }
    if let from {
      // DMS: a CDC start point is for CDC-only tasks, and a time cannot be in the future.
      guard t.type == .cdc else {
        throw ServiceError(
          kind: .client, code: "InvalidParameterCombinationException",
          message: "CdcStartPosition/CdcStartTime can be used only with a CDC-only task (migration type cdc).", httpStatus: 400)
      }
      switch from {
      case .time(let d) where d > now:
        throw ServiceError(
          kind: .client, code: "InvalidParameterValueException", message: "CdcStartTime is in the future.", httpStatus: 400)
      case .position(let p) where p.trimmingCharacters(in: .whitespaces).isEmpty:
        throw ServiceError(kind: .client, code: "InvalidParameterValueException", message: "CdcStartPosition is empty.", httpStatus: 400)
      case .time(let d):
        t.cdcStartBacklog = now.timeIntervalSince(d)
      case .position(let p):
        // A native position lies somewhere in the retained log: 10 minutes to an hour behind.
        t.cdcStartBacklog = Double(H.int(600, 3600, t.key, Salt.time, H.bits(Double(p.utf8.count))))
      }
      t.cdcStartPoint = from
    }
    let fresh = t.phase == .ready || t.runs.isEmpty || type != .resumeProcessing
    let delay = Double(H.int(4, 10, t.key, Salt.time, H.bits(now.timeIntervalSince1970)))
    t.phase = .starting(until: now.addingTimeInterval(delay), type: type, fresh: fresh)
    t.statsCache = nil
    addLog(
      t, at: now, "TASK_MANAGER", .info,
      "Task '\(t.identifier)' start requested: \(type.rawValue)\(from.map { ", CDC from \($0.summary)" } ?? "") (replicationtask.c:1187)")
  }

  /// Stop request: `stopping` now, `stopped` a few seconds later; progress freezes now.
  func requestStop(_ t: SimTask, now: Date) throws {
    guard t.phase == .running else {
      throw ServiceError(
        kind: .invalidState, code: "InvalidResourceStateFault", message: "Replication task is not running", httpStatus: 400)
    }
    if var l = t.load, l.finishedAt == nil {
      l.clock.pause(now)
      t.load = l
    }
    t.cdc.pause(now)
    t.failAt = nil
    if !t.runs.isEmpty { t.runs[t.runs.count - 1].end = now }
    let delay = Double(H.int(3, 8, t.key, Salt.time, H.bits(now.timeIntervalSince1970) &+ 7))
    t.phase = .stopping(until: now.addingTimeInterval(delay))
    t.statsCache = nil
    addLog(t, at: now, "TASK_MANAGER", .info, "Task '\(t.identifier)' stop requested by user (replicationtask.c:2740)")
  }
}
