import DMSWatchModel
import Foundation

// MARK: - DMSService

extension SimulatedFleet {
  public func describeReplicationTasks(marker: String?, maxRecords: Int) async throws -> Page<ReplicationTask> {
    try begin("DescribeReplicationTasks")
    let now = clock.now()
    return try lock.withLock {
      advanceAll(now)
      let offset = try Markers.decode("tasks", marker)
      let size = min(100, max(20, maxRecords))
      let end = min(tasks.count, offset + size)
      let items = offset < end ? tasks[offset..<end].map { describe($0, now) } : []
      return Page(items: items, marker: end < tasks.count ? Markers.encode("tasks", end) : nil)
    }
  }

  public func describeTableStatistics(taskArn: String, marker: String?, maxRecords: Int) async throws -> Page<TableStatistics> {
    try begin("DescribeTableStatistics")
    let now = clock.now()
    return try lock.withLock {
      advanceAll(now)
      let t = try task(arn: taskArn)
      let offset = try Markers.decode("tables", marker)
      guard !t.runs.isEmpty else { return Page(items: [], marker: nil) }
      let size = min(500, max(20, maxRecords))
      let end = min(t.tableCount, offset + size)
      guard offset < end else { return Page(items: [], marker: nil) }
      let sched = t.hasLoad && t.load != nil ? schedule(t) : nil
      var items: [TableStatistics] = []
      items.reserveCapacity(end - offset)
      for j in offset..<end { items.append(statistics(t, j, sched, now)) }
      return Page(items: items, marker: end < t.tableCount ? Markers.encode("tables", end) : nil)
    }
  }

  public func describeEvents(since: Date, marker: String?, maxRecords: Int) async throws -> Page<DMSEvent> {
    try begin("DescribeEvents")
    let now = clock.now()
    return try lock.withLock {
      advanceAll(now)
      var lo = 0
      var hi = events.count
      while lo < hi {
        let mid = (lo + hi) / 2
        if events[mid].date < since { lo = mid + 1 } else { hi = mid }
      }
      let first = lo + (try Markers.decode("events", marker))
      let size = min(100, max(20, maxRecords))
      let end = min(events.count, first + size)
      let items = first < end ? Array(events[first..<end]) : []
      return Page(items: items, marker: end < events.count ? Markers.encode("events", end - lo) : nil)
    }
  }

  public func describeReplicationInstances(marker: String?) async throws -> Page<ReplicationInstance> {
    try begin("DescribeReplicationInstances")
    return try lock.withLock {
      let offset = try Markers.decode("instances", marker)
      let end = min(instances.count, offset + 100)
      let items = offset < end
        ? instances[offset..<end].map {
          ReplicationInstance(
            identifier: $0.identifier, arn: $0.arn, instanceClass: $0.instanceClass, status: "available",
            engineVersion: $0.engineVersion)
        } : []
      return Page(items: items, marker: end < instances.count ? Markers.encode("instances", end) : nil)
    }
  }

  public func describeEndpoints(marker: String?) async throws -> Page<Endpoint> {
    try begin("DescribeEndpoints")
    return try lock.withLock {
      let offset = try Markers.decode("endpoints", marker)
      let end = min(endpoints.count, offset + 100)
      let items = offset < end
        ? endpoints[offset..<end].map {
          Endpoint(identifier: $0.identifier, arn: $0.arn, endpointType: $0.type, engineName: $0.engine, status: "active")
        } : []
      return Page(items: items, marker: end < endpoints.count ? Markers.encode("endpoints", end) : nil)
    }
  }

  public func startReplicationTask(arn: String, type: StartTaskType, from: CdcStartPoint?) async throws -> ReplicationTask {
    try begin("StartReplicationTask")
    let now = clock.now()
    return try lock.withLock {
      advanceAll(now)
      let t = try task(arn: arn)
      try requestStart(t, type: type, from: from, now: now)
      return describe(t, now)
    }
  }

  public func stopReplicationTask(arn: String) async throws -> ReplicationTask {
    try begin("StopReplicationTask")
    let now = clock.now()
    return try lock.withLock {
      advanceAll(now)
      let t = try task(arn: arn)
      try requestStop(t, now: now)
      return describe(t, now)
    }
  }

  public func reloadTables(arn: String, tables: [TableRef], option: ReloadOption) async throws {
    try begin("ReloadTables")
    let now = clock.now()
    try lock.withLock {
      advanceAll(now)
      try reloadLocked(try task(arn: arn), tables: tables, option: option, now: now)
    }
  }

  /// ReloadTables / ReloadReplicationTables on a task or replication (lock held).
  func reloadLocked(_ t: SimTask, tables: [TableRef], option: ReloadOption, now: Date) throws {
    do {
      guard t.phase == .running else {
        throw ServiceError(
          kind: .invalidState, code: "InvalidResourceStateFault", message: "Replication task is not running",
          httpStatus: 400)
      }
      let wanted = Set(tables)
      var matched: [Int] = []
      for j in 0..<t.tableCount where wanted.contains(TableRef(schema: schemaName(t, j), table: tableName(t, j))) {
        matched.append(j)
      }
      guard !matched.isEmpty else {
        throw ServiceError(
          kind: .client, code: "InvalidParameterValueException",
          message: "None of the tables to reload are part of replication task \(t.identifier).", httpStatus: 400)
      }
      if t.loadRate == nil { _ = schedule(t) }
      let rate = t.loadRate ?? 20_000
      for j in matched {
        var ov = t.overrides[j] ?? TableOverride()
        let r = Double(rows(tableKey(t, j)))
        switch option {
        case .dataReload:
          let d = min(180, max(5, r / max(1, rate)))
          let done = now.addingTimeInterval(d)
          ov.reloadAt = now
          ov.reloadDone = done
          ov.cdcMark = t.cdc.at(done)
          ov.validateAt = nil
          ov.validateDone = nil
          addLog(t, at: now, "TASK_MANAGER", .info, "Reloading table \(qualifiedName(t, j)) (Id = \(j + 1)) by subtask 1 (replicationtask.c:2863)")
        case .validateOnly:
          let start = max(now, ov.reloadDone ?? now)
          ov.validateAt = start
          ov.validateDone = start.addingTimeInterval(min(60, 10 + r / 200_000))
          addLog(t, at: now, "VALIDATOR", .info, "Revalidation of table \(qualifiedName(t, j)) requested (validator_table.c:412)")
        }
        t.overrides[j] = ov
      }
      t.statsCache = nil
      addEvent(
        t, "Replication task table reload requested for \(matched.count) table(s) (\(option.rawValue)).",
        "configuration change", at: now)
    }
  }
}
