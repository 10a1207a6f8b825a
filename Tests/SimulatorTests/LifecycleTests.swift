import DMSSimulator
import DMSWatchModel
import Foundation
import XCTest

final class LifecycleTests: XCTestCase {
  func testFullLoadProgressesWithTime() async throws {
    let (fleet, clock) = makeFleet(seed: 5, tasks: 60)
    let loading = try await fleet.allReplicationTasks().first {
      $0.status == TaskStatus.running && ($0.stats?.fullLoadProgressPercent ?? 100) < 90 && $0.migration != .cdc
    }
    let t = try XCTUnwrap(loading, "no task in full load")
    let rows0 = try await fleet.allTableStatistics(taskArn: t.arn).reduce(Int64(0)) { $0 + ($1.fullLoadRows ?? 0) }
    let p0 = t.stats?.fullLoadProgressPercent ?? 0
    let done0 = t.stats?.tablesLoaded ?? 0

    clock.advance(900)
    let t1 = try await fleet.task(arn: t.arn)
    let tables1 = try await fleet.allTableStatistics(taskArn: t.arn)
    let rows1 = tables1.reduce(Int64(0)) { $0 + ($1.fullLoadRows ?? 0) }
    XCTAssertGreaterThan(rows1, rows0)
    XCTAssertGreaterThanOrEqual(t1.stats?.fullLoadProgressPercent ?? 0, p0)
    XCTAssertGreaterThanOrEqual(t1.stats?.tablesLoaded ?? 0, done0)

    // Long enough for any load to finish: every table completed (or in error), progress 100.
    clock.advance(4 * 3600)
    let t2 = try await fleet.task(arn: t.arn)
    let tables2 = try await fleet.allTableStatistics(taskArn: t.arn)
    XCTAssertEqual(t2.stats?.fullLoadProgressPercent, 100)
    XCTAssertTrue(tables2.allSatisfy { [TableState.completed, TableState.error].contains($0.tableState ?? "") })
    XCTAssertNotNil(t2.stats?.fullLoadFinishDate)
    XCTAssertEqual(t2.stats?.tablesQueued, 0)
    XCTAssertEqual(t2.stats?.tablesLoading, 0)
    if t2.migration == .fullLoad {
      XCTAssertEqual(t2.status, TaskStatus.stopped)
      XCTAssertEqual(t2.stopReason, "Stop Reason FULL_LOAD_ONLY_FINISHED")
    } else {
      XCTAssertEqual(t2.status, TaskStatus.running)
      XCTAssertTrue(tables2.contains { ($0.inserts ?? 0) > 0 }, "CDC should have started after the load")
    }
  }

  func testTablesMoveThroughLoadStates() async throws {
    let (fleet, clock) = makeFleet(seed: 11, tables: 40)
    let starting = try await fleet.allReplicationTasks().first { $0.status == TaskStatus.starting }
    let arn = try XCTUnwrap(starting?.arn)
    var states = Set<String>()
    var loadedSeries: [Int] = []
    for _ in 0..<120 {
      clock.advance(60)
      for s in try await fleet.allTableStatistics(taskArn: arn) { states.insert(s.tableState ?? "") }
      loadedSeries.append(try await fleet.task(arn: arn).stats?.tablesLoaded ?? 0)
    }
    XCTAssertTrue(states.isSuperset(of: [TableState.beforeLoad, TableState.fullLoad, TableState.completed]), "\(states)")
    XCTAssertEqual(loadedSeries, loadedSeries.sorted(), "tables loaded never goes down")
    XCTAssertEqual(loadedSeries.last, 40)
  }

  func testCdcCountersGrowOnRunningTasks() async throws {
    let (fleet, clock) = makeFleet()
    let cdc = try await fleet.allReplicationTasks().filter {
      $0.status == TaskStatus.running && $0.migration == .cdc
    }
    XCTAssertFalse(cdc.isEmpty)
    for t in cdc {
      let before = try await fleet.allTableStatistics(taskArn: t.arn)
      clock.advance(120)
      let after = try await fleet.allTableStatistics(taskArn: t.arn)
      let sum = { (ts: [TableStatistics]) in ts.reduce(Int64(0)) { $0 + ($1.inserts ?? 0) + ($1.updates ?? 0) } }
      XCTAssertGreaterThan(sum(after), sum(before), t.identifier)
      for (a, b) in zip(before, after) {
        XCTAssertGreaterThanOrEqual(b.inserts ?? 0, a.inserts ?? 0)
        XCTAssertGreaterThanOrEqual(b.lastUpdateTime ?? .distantPast, a.lastUpdateTime ?? .distantPast)
      }
    }
    // Stopped tasks do not move.
    let stopped = try await fleet.allReplicationTasks().first { $0.status == TaskStatus.stopped && $0.migration != .fullLoad }
    if let s = stopped {
      let a = try await fleet.allTableStatistics(taskArn: s.arn)
      clock.advance(600)
      let b = try await fleet.allTableStatistics(taskArn: s.arn)
      XCTAssertEqual(a.map(\.inserts), b.map(\.inserts))
    }
  }

  func testStartGoesStartingThenRunning() async throws {
    let (fleet, clock) = makeFleet()
    let stopped = try await fleet.allReplicationTasks().first { $0.status == TaskStatus.stopped && $0.migration != .fullLoad }
    let t = try XCTUnwrap(stopped)
    let r = try await fleet.startReplicationTask(arn: t.arn, type: .resumeProcessing)
    XCTAssertEqual(r.status, TaskStatus.starting)
    clock.advance(2)
    let still = try await fleet.task(arn: t.arn).status
    XCTAssertEqual(still, TaskStatus.starting)
    clock.advance(13)
    let running = try await fleet.task(arn: t.arn)
    XCTAssertEqual(running.status, TaskStatus.running)
    XCTAssertNil(running.stopReason)
    XCTAssertGreaterThan(running.startDate ?? .distantPast, t.startDate ?? .distantPast)
    XCTAssertEqual(running.stats?.freshStartDate, t.stats?.freshStartDate, "resume is not a fresh start")
    await assertServiceError(.invalidState, "InvalidResourceStateFault") {
      _ = try await fleet.startReplicationTask(arn: t.arn, type: .startReplication)
    }
  }

  func testResumingAFinishedFullLoadTaskStopsAgain() async throws {
    let (fleet, clock) = makeFleet()
    let done = try await fleet.allReplicationTasks().first { $0.status == TaskStatus.stopped && $0.migration == .fullLoad }
    let t = try XCTUnwrap(done)
    let since = clock.now()
    let starting = try await fleet.startReplicationTask(arn: t.arn, type: .resumeProcessing)
    XCTAssertEqual(starting.status, TaskStatus.starting)
    clock.advance(30)
    let again = try await fleet.task(arn: t.arn)
    XCTAssertEqual(again.status, TaskStatus.stopped)
    XCTAssertEqual(again.stopReason, "Stop Reason FULL_LOAD_ONLY_FINISHED")
    let events = try await fleet.describeEvents(since: since, marker: nil, maxRecords: 100).items
    XCTAssertEqual(events.filter { $0.sourceIdentifier == t.identifier }.map(\.message), [
      "Replication task has started.", "Replication task has stopped. Stop Reason FULL_LOAD_ONLY_FINISHED.",
    ])
  }

  func testStopGoesStoppingThenStoppedAndEmitsEvents() async throws {
    let (fleet, clock) = makeFleet()
    let running = try await fleet.allReplicationTasks().first { $0.status == TaskStatus.running }
    let t = try XCTUnwrap(running)
    let since = clock.now()
    let r = try await fleet.stopReplicationTask(arn: t.arn)
    XCTAssertEqual(r.status, TaskStatus.stopping)
    clock.advance(15)
    let stopped = try await fleet.task(arn: t.arn)
    XCTAssertEqual(stopped.status, TaskStatus.stopped)
    XCTAssertEqual(stopped.stopReason, "Stop Reason NORMAL")
    XCTAssertNotNil(stopped.stats?.stopDate)

    await assertServiceError(.invalidState, "InvalidResourceStateFault", message: "Replication task is not running") {
      _ = try await fleet.stopReplicationTask(arn: t.arn)
    }
    let events = try await fleet.describeEvents(since: since, marker: nil, maxRecords: 100).items
    XCTAssertTrue(events.contains {
      $0.sourceIdentifier == t.identifier && $0.message == "Replication task has stopped. Stop Reason NORMAL."
        && $0.sourceType == "replication-task" && $0.categories == ["state change"]
    }, "\(events)")

    _ = try await fleet.startReplicationTask(arn: t.arn, type: .resumeProcessing)
    clock.advance(15)
    let started = try await fleet.describeEvents(since: since, marker: nil, maxRecords: 100).items
    XCTAssertTrue(started.contains { $0.sourceIdentifier == t.identifier && $0.message == "Replication task has started." })
    XCTAssertEqual(started.map(\.date), started.map(\.date).sorted())
  }

  func testStartOnRunningAndUnknownArnFail() async throws {
    let (fleet, _) = makeFleet()
    let running = try await fleet.allReplicationTasks().first { $0.status == TaskStatus.running }
    let t = try XCTUnwrap(running)
    await assertServiceError(.invalidState, "InvalidResourceStateFault") {
      _ = try await fleet.startReplicationTask(arn: t.arn, type: .startReplication)
    }
    let bogus = "arn:aws:dms:us-east-1:123456789012:task:NOPE"
    let msg = "Replication task could not be found."
    await assertServiceError(.notFound, "ResourceNotFoundFault", message: msg) {
      _ = try await fleet.startReplicationTask(arn: bogus, type: .startReplication)
    }
    await assertServiceError(.notFound, "ResourceNotFoundFault", message: msg) {
      _ = try await fleet.stopReplicationTask(arn: bogus)
    }
    await assertServiceError(.notFound, "ResourceNotFoundFault", message: msg) {
      _ = try await fleet.describeTableStatistics(taskArn: bogus, marker: nil, maxRecords: 100)
    }
    await assertServiceError(.notFound, "ResourceNotFoundFault", message: msg) {
      try await fleet.reloadTables(arn: bogus, tables: [], option: .dataReload)
    }
  }

  func testFailedTasksHaveFailureEvents() async throws {
    let (fleet, _) = makeFleet()
    let events = try await collectPages { try await fleet.describeEvents(since: .distantPast, marker: $0, maxRecords: 20) }
    let failed = try await fleet.allReplicationTasks().filter { $0.status == TaskStatus.failed }
    XCTAssertFalse(failed.isEmpty)
    for t in failed {
      XCTAssertTrue(events.contains {
        $0.sourceIdentifier == t.identifier && $0.categories == ["failure"]
          && $0.message.hasPrefix("Replication task has failed.")
      })
    }
  }

  func testReloadTargetRestartsTheFullLoad() async throws {
    let (fleet, clock) = makeFleet(seed: 2, tasks: 40)
    let candidate = try await fleet.allReplicationTasks().first {
      $0.status == TaskStatus.running && $0.migration == .fullLoadAndCdc && $0.stats?.fullLoadProgressPercent == 100
    }
    let t = try XCTUnwrap(candidate)
    _ = try await fleet.stopReplicationTask(arn: t.arn)
    clock.advance(10)
    _ = try await fleet.startReplicationTask(arn: t.arn, type: .reloadTarget)
    clock.advance(12)
    let r = try await fleet.task(arn: t.arn)
    XCTAssertEqual(r.status, TaskStatus.running)
    XCTAssertLessThan(r.stats?.fullLoadProgressPercent ?? 100, 100)
    let tables = try await fleet.allTableStatistics(taskArn: t.arn)
    XCTAssertTrue(tables.allSatisfy { ($0.inserts ?? 0) == 0 })
    XCTAssertTrue(tables.contains { $0.tableState == TableState.beforeLoad || $0.tableState == TableState.fullLoad })
    XCTAssertFalse(tables.contains(where: hasDiscrepancy))
  }
}
