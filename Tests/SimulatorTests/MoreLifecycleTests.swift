import DMSSimulator
import DMSWatchModel
import Foundation
import XCTest

final class MoreLifecycleTests: XCTestCase {
  func testStartingFullLoadTaskRunsLoadsAndStopsWhenDone() async throws {
    let (fleet, clock) = makeFleet()
    let starting = try await fleet.allReplicationTasks().first { $0.status == TaskStatus.starting }
    let t = try XCTUnwrap(starting)
    XCTAssertEqual(t.migration, .fullLoad)
    clock.advance(10)
    let running = try await fleet.task(arn: t.arn)
    XCTAssertEqual(running.status, TaskStatus.running)
    XCTAssertLessThan(running.stats?.fullLoadProgressPercent ?? 100, 100)
    var sawLoading = false
    for _ in 0..<100 {
      clock.advance(60)
      let now = try await fleet.task(arn: t.arn)
      if (now.stats?.tablesLoading ?? 0) > 0 { sawLoading = true }
      if now.status == TaskStatus.stopped { break }
    }
    XCTAssertTrue(sawLoading)
    let done = try await fleet.task(arn: t.arn)
    XCTAssertEqual(done.status, TaskStatus.stopped)
    XCTAssertEqual(done.stopReason, "Stop Reason FULL_LOAD_ONLY_FINISHED")
    XCTAssertEqual(done.stats?.fullLoadProgressPercent, 100)
    let events = try await fleet.describeEvents(since: fleetStart, marker: nil, maxRecords: 100).items.filter {
      $0.sourceIdentifier == t.identifier
    }
    XCTAssertEqual(events.map(\.message), [
      "Replication task has started.", "Replication task has stopped. Stop Reason FULL_LOAD_ONLY_FINISHED.",
    ])
  }

  func testStartReplicationOnCdcTaskRestartsCdc() async throws {
    let (fleet, clock) = makeFleet()
    let cdc = try await fleet.allReplicationTasks().first { $0.status == TaskStatus.running && $0.migration == .cdc }
    let t = try XCTUnwrap(cdc)
    _ = try await fleet.stopReplicationTask(arn: t.arn)
    clock.advance(10)
    let before = try await fleet.allTableStatistics(taskArn: t.arn)
    XCTAssertTrue(before.contains { ($0.inserts ?? 0) > 0 })
    _ = try await fleet.startReplicationTask(arn: t.arn, type: .startReplication)
    clock.advance(10)
    let fresh = try await fleet.allTableStatistics(taskArn: t.arn)
    let sum = { (ts: [TableStatistics]) in ts.reduce(Int64(0)) { $0 + ($1.inserts ?? 0) + ($1.updates ?? 0) + ($1.deletes ?? 0) } }
    XCTAssertLessThan(sum(fresh), sum(before))
    clock.advance(600)
    let later = try await fleet.allTableStatistics(taskArn: t.arn)
    XCTAssertGreaterThan(sum(later), sum(fresh))
    let task = try await fleet.task(arn: t.arn)
    XCTAssertEqual(task.status, TaskStatus.running)
    XCTAssertEqual(task.stats?.freshStartDate, task.startDate)
  }

  func testResumeAfterDowntimeCatchesUpWithHighLatency() async throws {
    let (fleet, clock) = makeFleet()
    let running = try await fleet.allReplicationTasks().first { $0.status == TaskStatus.running && $0.migration == .cdc }
    let t = try XCTUnwrap(running)
    let inst = try await fleet.describeReplicationInstances(marker: nil).items.first { $0.arn == t.replicationInstanceArn }
    let q = [MetricQuery(id: "l", metricName: DMSMetric.cdcLatencySource, instanceIdentifier: try XCTUnwrap(inst?.identifier), taskResourceId: t.resourceId)]
    let normal = try await fleet.getMetricData(queries: q, start: clock.now().addingTimeInterval(-600), end: clock.now(), period: 60)
    let typical = normal[0].points.map(\.value).max() ?? 0
    _ = try await fleet.stopReplicationTask(arn: t.arn)
    clock.advance(3600)
    _ = try await fleet.startReplicationTask(arn: t.arn, type: .resumeProcessing)
    clock.advance(200)
    let after = try await fleet.getMetricData(queries: q, start: clock.now().addingTimeInterval(-300), end: clock.now(), period: 60)
    let first = try XCTUnwrap(after[0].points.first)
    XCTAssertGreaterThan(first.value, max(typical, 1000), "backlog after an hour down")
  }

  func testStartFromACdcPointReplaysFromThereAndDMSRulesAreKept() async throws {
    let (fleet, clock) = makeFleet()
    let all = try await fleet.allReplicationTasks()
    let t = try XCTUnwrap(all.first { $0.status == TaskStatus.running && $0.migration == .cdc })
    let inst = try await fleet.describeReplicationInstances(marker: nil).items.first { $0.arn == t.replicationInstanceArn }
    let q = [MetricQuery(id: "l", metricName: DMSMetric.cdcLatencySource, instanceIdentifier: try XCTUnwrap(inst?.identifier), taskResourceId: t.resourceId)]
    _ = try await fleet.stopReplicationTask(arn: t.arn)
    clock.advance(30)
    let stopped = try await fleet.task(arn: t.arn)
    XCTAssertNotNil(stopped.recoveryCheckpoint, "a CDC task that ran has a recovery checkpoint")
    // A time in the future and a full-load-and-cdc task are refused, as DMS refuses them.
    await assertServiceError(.client, "InvalidParameterValueException") {
      _ = try await fleet.startReplicationTask(arn: t.arn, type: .startReplication, from: .time(clock.now().addingTimeInterval(60)))
    }
    if let fl = all.first(where: { $0.migration == .fullLoadAndCdc && $0.status == TaskStatus.running }) {
      _ = try await fleet.stopReplicationTask(arn: fl.arn)
      clock.advance(30)
      await assertServiceError(.client, "InvalidParameterCombinationException") {
        _ = try await fleet.startReplicationTask(arn: fl.arn, type: .startReplication, from: .position("mysql-bin-changelog.000024:373"))
      }
    }
    // From two hours back: the task replays two hours of changes, so its latency starts near two hours.
    _ = try await fleet.startReplicationTask(arn: t.arn, type: .startReplication, from: .time(clock.now().addingTimeInterval(-7200)))
    clock.advance(120)
    let after = try await fleet.getMetricData(queries: q, start: clock.now().addingTimeInterval(-120), end: clock.now(), period: 60)
    let first = try XCTUnwrap(after[0].points.first)
    XCTAssertGreaterThan(first.value, 6000, "backlog from the chosen point")
    let logs = try await fleet.task(arn: t.arn)
    XCTAssertEqual(logs.status, TaskStatus.running)
  }

  func testLogsAndMetricsAreDeterministicBySeed() async throws {
    let (a, ca) = makeFleet(seed: 21)
    let (b, cb) = makeFleet(seed: 21)
    ca.advance(90)
    cb.advance(90)
    let tasks = try await a.allReplicationTasks()
    let insts = try await a.describeReplicationInstances(marker: nil).items
    let off = Set(a.tasksWithLoggingOff())
    var compared = 0
    for t in tasks where t.status == TaskStatus.running && !off.contains(t.identifier) {
      let inst = try XCTUnwrap(insts.first { $0.arn == t.replicationInstanceArn }?.identifier)
      let g = TaskLogNames.group(instanceIdentifier: inst)
      let s = TaskLogNames.stream(taskResourceId: t.resourceId)
      let la = try await a.getLogEvents(group: g, stream: s, startTime: ca.now().addingTimeInterval(-900), nextToken: nil, limit: 500)
      let lb = try await b.getLogEvents(group: g, stream: s, startTime: cb.now().addingTimeInterval(-900), nextToken: nil, limit: 500)
      XCTAssertEqual(la.events, lb.events)
      XCTAssertEqual(la.nextForwardToken, lb.nextForwardToken)
      let q = DMSMetric.all.map { MetricQuery(id: "q", metricName: $0, instanceIdentifier: inst, taskResourceId: t.resourceId) }
      let ma = try await a.getMetricData(queries: q, start: ca.now().addingTimeInterval(-3600), end: ca.now(), period: 60)
      let mb = try await b.getMetricData(queries: q, start: cb.now().addingTimeInterval(-3600), end: cb.now(), period: 60)
      XCTAssertEqual(ma, mb)
      compared += 1
    }
    XCTAssertGreaterThan(compared, 2)
  }
}

final class SpontaneousAndConcurrencyTests: XCTestCase {
  func testAHighLatencyTaskFailsOnItsOwnDuringTheDemo() async throws {
    let (fleet, clock) = makeFleet()
    let before = try await fleet.allReplicationTasks()
    clock.advance(3700)
    let after = try await fleet.allReplicationTasks()
    let newlyFailed = zip(before, after).filter { $0.status == TaskStatus.running && $1.status == TaskStatus.failed }.map(\.1)
    XCTAssertFalse(newlyFailed.isEmpty)
    for t in newlyFailed {
      XCTAssertEqual(t.stopReason, "Stop Reason RECOVERABLE_ERROR")
      XCTAssertTrue(t.lastFailureMessage?.hasPrefix("Last Error") ?? false)
      let stop = try XCTUnwrap(t.stats?.stopDate)
      XCTAssertGreaterThan(stop, fleetStart.addingTimeInterval(1100))
      let events = try await fleet.describeEvents(since: fleetStart, marker: nil, maxRecords: 100).items
      XCTAssertTrue(events.contains { $0.sourceIdentifier == t.identifier && $0.categories == ["failure"] && $0.date == stop })
    }
  }

  func testConcurrentCallersSeeConsistentState() async throws {
    let (fleet, clock) = makeFleet(tasks: 100)
    let tasks = try await fleet.allReplicationTasks()
    try await withThrowingTaskGroup(of: Void.self) { group in
      for (i, t) in tasks.enumerated() {
        group.addTask {
          if i % 3 == 0, t.status == TaskStatus.running { _ = try await fleet.stopReplicationTask(arn: t.arn) }
          _ = try await fleet.allTableStatistics(taskArn: t.arn)
          _ = try await fleet.describeEvents(since: fleetStart, marker: nil, maxRecords: 100)
        }
        if i % 10 == 0 { clock.advance(1) }
      }
      try await group.waitForAll()
    }
    clock.advance(30)
    let after = try await fleet.allReplicationTasks()
    XCTAssertEqual(after.count, 100)
    XCTAssertFalse(after.contains { $0.status == TaskStatus.stopping })
    let calls = fleet.callCounts()
    XCTAssertGreaterThanOrEqual(calls["DescribeTableStatistics"] ?? 0, 100)
  }
}
