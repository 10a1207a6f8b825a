import TestKit
import DMSSimulator
import DMSWatchModel
import Foundation
import XCTest
import DMSWatchRules

/// DMS Serverless replications in the simulated fleet, on a manual clock.
final class ServerlessLifecycleTests: XCTestCase {
  func row(_ fleet: SimulatedFleet, _ id: String) async throws -> ReplicationTask {
    let rows = try await fleet.allServerlessReplications()
    return try XCTUnwrap(rows.first { $0.identifier == id }, "no replication \(id) in \(rows.map(\.identifier))")
  }

  func testDefaultFleetHasCuratedReplicationsBesideTheTasks() async throws {
    let (fleet, _) = makeFleet()
    let tasks = try await fleet.allReplicationTasks()
    XCTAssertEqual(tasks.count, 12, "tasks are unchanged by the serverless rows")
    XCTAssertTrue(tasks.allSatisfy { $0.kind == .task })
    let rows = try await fleet.allServerlessReplications()
    XCTAssertEqual(rows.map(\.identifier), ["orders-serverless-prod", "ledger-serverless-prod", "payments-serverless-prod", "zero-etl-analytics"])
    XCTAssertTrue(rows.allSatisfy { $0.kind == .serverless && $0.replicationInstanceArn == nil && $0.arn.contains(":replication-config:") })
    let byId = Dictionary(uniqueKeysWithValues: rows.map { ($0.identifier, $0) })
    XCTAssertEqual(byId["orders-serverless-prod"]?.status, ReplicationStatus.running)
    XCTAssertEqual(byId["ledger-serverless-prod"]?.status, ReplicationStatus.created)
    XCTAssertEqual(byId["ledger-serverless-prod"]?.serverless?.hasReplication, false)
    XCTAssertEqual(byId["payments-serverless-prod"]?.status, ReplicationStatus.failed)
    XCTAssertFalse(byId["payments-serverless-prod"]?.serverless?.failureMessages.isEmpty ?? true)
    XCTAssertEqual(byId["zero-etl-analytics"]?.serverless?.isReadOnly, true)
    XCTAssertEqual(ServerlessJoin.allowedStartTypes(try XCTUnwrap(byId["zero-etl-analytics"])), [])
    XCTAssertEqual(ServerlessJoin.allowedStartTypes(try XCTUnwrap(byId["ledger-serverless-prod"])), [.startReplication])
    // More tasks, more replications.
    let (big, _) = makeFleet(tasks: 212)
    let bigRows = try await big.allServerlessReplications()
    XCTAssertEqual(bigRows.count, 24)
    XCTAssertEqual(Set(bigRows.map(\.arn)).count, 24)
  }

  func testFirstStartGoesThroughEveryProvisioningPhaseThenScalesWithinMinMax() async throws {
    let (fleet, clock) = makeFleet()
    let ledger = try await row(fleet, "ledger-serverless-prod")
    await assertServiceError(.invalidState, "InvalidParameterCombinationException") {
      _ = try await fleet.startReplication(configArn: ledger.arn, type: .resumeProcessing, cdcStartTime: nil, cdcStartPosition: nil)
    }
    let started = try await fleet.startReplication(configArn: ledger.arn, type: .startReplication, cdcStartTime: nil, cdcStartPosition: nil)
    XCTAssertEqual(started.status, ReplicationStatus.initializing)
    var seen: [String] = []
    for _ in 0..<200 {
      let r = try await row(fleet, ledger.identifier)
      if seen.last != r.status { seen.append(r.status) }
      if r.status == ReplicationStatus.running { break }
      clock.advance(2)
    }
    XCTAssertEqual(seen, ReplicationStatus.startupPhases + [ReplicationStatus.running])
    let running = try await row(fleet, ledger.identifier)
    let s = try XCTUnwrap(running.serverless)
    XCTAssertEqual(s.provisionState, "provisioned")
    XCTAssertEqual(s.startReplicationType, "start-replication")
    // DCU stays within the config's bounds and changes over a day.
    var dcus = Set<Int>()
    for _ in 0..<48 {
      clock.advance(1800)
      let r = try await row(fleet, ledger.identifier)
      let dcu = try XCTUnwrap(r.serverless?.provisionedCapacityUnits)
      XCTAssertGreaterThanOrEqual(dcu, try XCTUnwrap(r.serverless?.minCapacityUnits))
      XCTAssertLessThanOrEqual(dcu, try XCTUnwrap(r.serverless?.maxCapacityUnits))
      dcus.insert(dcu)
    }
    XCTAssertGreaterThan(dcus.count, 1, "capacity never scaled")
    // Now the first run is done: start offers resume / reload-target only.
    XCTAssertEqual(ServerlessJoin.allowedStartTypes(running), [])
  }

  func testStopGoesStoppingThenStoppedAndResumeProvisionsAgain() async throws {
    let (fleet, clock) = makeFleet()
    let orders = try await row(fleet, "orders-serverless-prod")
    XCTAssertTrue(ServerlessJoin.canStop(orders))
    let r = try await fleet.stopReplication(configArn: orders.arn)
    XCTAssertEqual(r.status, ReplicationStatus.stopping)
    clock.advance(10)
    let stopped = try await row(fleet, orders.identifier)
    XCTAssertEqual(stopped.status, ReplicationStatus.stopped)
    XCTAssertEqual(stopped.serverless?.provisionState, "deprovisioned")
    XCTAssertEqual(ServerlessJoin.allowedStartTypes(stopped), [.resumeProcessing, .reloadTarget])
    await assertServiceError(.invalidState, "InvalidResourceStateFault") { _ = try await fleet.stopReplication(configArn: orders.arn) }
    _ = try await fleet.startReplication(configArn: orders.arn, type: .resumeProcessing, cdcStartTime: nil, cdcStartPosition: nil)
    clock.advance(120)
    let resumed = try await row(fleet, orders.identifier)
    XCTAssertEqual(resumed.status, ReplicationStatus.running)
    // The orchestrator stream tells the story, newest last.
    let rid = try XCTUnwrap(resumed.serverless?.resourceId)
    let page = try await fleet.getLogEvents(
      group: ServerlessLogNames.group(configResourceId: rid), stream: ServerlessLogNames.orchestratorStream(configResourceId: rid),
      startTime: nil, nextToken: nil, limit: 100)
    let states = page.events.compactMap { OrchestratorLogParser.parseLine($0.message)?.state }
    XCTAssertEqual(Array(states.suffix(10)), [ReplicationStatus.stopping, ReplicationStatus.stopped] + ReplicationStatus.startupPhases + [ReplicationStatus.running])
  }

  func testFailingReplicationFailsAtTestingConnectionWithFailureMessages() async throws {
    let (fleet, clock) = makeFleet()
    let payments = try await row(fleet, "payments-serverless-prod")
    XCTAssertEqual(ServerlessJoin.allowedStartTypes(payments), [.resumeProcessing, .reloadTarget])
    _ = try await fleet.startReplication(configArn: payments.arn, type: .resumeProcessing, cdcStartTime: nil, cdcStartPosition: nil)
    let restarted = try await row(fleet, payments.identifier)
    XCTAssertTrue(restarted.serverless?.failureMessages.isEmpty ?? false, "cleared at start")
    var last = ""
    for _ in 0..<100 {
      clock.advance(2)
      last = try await row(fleet, payments.identifier).status
      if last == ReplicationStatus.failed { break }
      XCTAssertNotEqual(last, ReplicationStatus.running)
    }
    XCTAssertEqual(last, ReplicationStatus.failed)
    let failed = try await row(fleet, payments.identifier)
    let msg = try XCTUnwrap(failed.serverless?.lastFailureMessage)
    XCTAssertTrue(msg.contains("Test connection failed"), msg)
    XCTAssertEqual(failed.lastFailureMessage, msg)
    let rid = try XCTUnwrap(failed.serverless?.resourceId)
    let page = try await fleet.getLogEvents(
      group: ServerlessLogNames.group(configResourceId: rid), stream: ServerlessLogNames.orchestratorStream(configResourceId: rid),
      startTime: nil, nextToken: nil, limit: 100)
    XCTAssertEqual(OrchestratorLogParser.lastFailure(page.events)?.message, msg)
    let lastState = page.events.last.flatMap { OrchestratorLogParser.parseLine($0.message) }
    XCTAssertEqual(lastState?.state, ReplicationStatus.failed)
  }

  func testReadOnlyRefusesActionsAndNeverStartedHasNoLogsOrTables() async throws {
    let (fleet, _) = makeFleet()
    let zero = try await row(fleet, "zero-etl-analytics")
    XCTAssertFalse(ServerlessJoin.canStop(zero))
    XCTAssertFalse(ServerlessJoin.canReload(zero))
    await assertServiceError(.invalidState, "InvalidResourceStateFault") { _ = try await fleet.stopReplication(configArn: zero.arn) }
    let ledger = try await row(fleet, "ledger-serverless-prod")
    let tables = try await fleet.allReplicationTableStatistics(configArn: ledger.arn)
    XCTAssertEqual(tables.count, 0)
    let rid = try XCTUnwrap(ledger.serverless?.resourceId)
    await assertServiceError(.notFound, "ResourceNotFoundException") {
      _ = try await fleet.getLogEvents(
        group: ServerlessLogNames.group(configResourceId: rid), stream: ServerlessLogNames.orchestratorStream(configResourceId: rid),
        startTime: nil, nextToken: nil, limit: 10)
    }
    // A config ARN is not a task ARN.
    await assertServiceError(.notFound, "ResourceNotFoundFault") {
      _ = try await fleet.describeTableStatistics(taskArn: ledger.arn, marker: nil, maxRecords: 100)
    }
  }

  func testTableStatisticsCarryResyncAndReloadWorksWhileRunning() async throws {
    let (fleet, clock) = makeFleet()
    let orders = try await row(fleet, "orders-serverless-prod")
    let tables = try await fleet.allReplicationTableStatistics(configArn: orders.arn)
    XCTAssertGreaterThanOrEqual(tables.count, 8, "curated rows have at least 8 tables")
    XCTAssertTrue(tables.allSatisfy { $0.resyncState != nil && $0.resyncRowsAttempted != nil })
    let failing = tables.filter { ($0.resyncRowsFailed ?? 0) > 0 }
    XCTAssertEqual(failing.count, 1)
    XCTAssertTrue(TableRules.flags(for: failing[0]).contains { $0.kind == .resyncFailed })
    let t = tables[0]
    try await fleet.reloadReplicationTables(configArn: orders.arn, tables: [t.ref], option: .dataReload)
    clock.advance(1)
    let after = try await fleet.allReplicationTableStatistics(configArn: orders.arn)
    XCTAssertEqual(after.first { $0.ref == t.ref }?.tableState, TableState.reloading)
    await assertServiceError(.client, "InvalidParameterValueException") {
      try await fleet.reloadReplicationTables(configArn: orders.arn, tables: [TableRef(schema: "no", table: "such")], option: .validateOnly)
    }
  }

  func testMetricsAreListedUnderTheServerlessDimensionAndDiscovered() async throws {
    let (fleet, clock) = makeFleet()
    let rows = try await fleet.allServerlessReplications()
    let listed = try await fleet.listMetrics(namespace: ServerlessMetrics.namespace, metricName: ServerlessMetrics.discoveryMetric)
    XCTAssertEqual(listed.count, rows.filter { $0.serverless?.hasReplication == true }.count)
    let dim = try XCTUnwrap(ServerlessMetrics.discover(listed: listed, rows: rows))
    XCTAssertEqual(dim, ServerlessDimension(name: SimulatedFleet.serverlessDimensionName, value: .resourceId))
    let orders = try XCTUnwrap(rows.first { $0.identifier == "orders-serverless-prod" })
    let queries = ServerlessMetrics.queries(for: orders, dimension: dim, idPrefix: "o")
    let end = clock.now()
    let results = try await fleet.getMetricData(queries: queries, start: end.addingTimeInterval(-3600), end: end, period: 60)
    let cap = try XCTUnwrap(results.first { $0.label == ServerlessMetrics.capacityUtilization })
    XCTAssertGreaterThan(cap.points.count, 50)
    XCTAssertTrue(cap.points.allSatisfy { $0.value > 0 && $0.value <= 100 })
    XCTAssertFalse(try XCTUnwrap(results.first { $0.label == DMSMetric.cdcLatencyTarget }).points.isEmpty)
    // The never-started one has no metrics.
    let ledger = try XCTUnwrap(rows.first { $0.identifier == "ledger-serverless-prod" })
    let none = try await fleet.getMetricData(
      queries: ServerlessMetrics.queries(for: ledger, dimension: dim, idPrefix: "l"), start: end.addingTimeInterval(-3600), end: end, period: 60)
    XCTAssertTrue(none.allSatisfy { $0.points.isEmpty })
    XCTAssertEqual(fleet.callCounts()["ListMetrics"], 1)
  }

  func testSameSeedSameAnswers() async throws {
    let (a, _) = makeFleet(seed: 9, tasks: 40)
    let (b, _) = makeFleet(seed: 9, tasks: 40)
    let ra = try await a.allServerlessReplications()
    let rb = try await b.allServerlessReplications()
    XCTAssertEqual(ra, rb)
  }

  /// 20,000 tasks bring 2,002 replications; all pages of both listings and one page of tables stay cheap.
  func testLargeFleetListsEveryReplication() async throws {
    let t0 = Date()
    let (fleet, clock) = makeFleet(tasks: 20_000)
    let built = Date().timeIntervalSince(t0)
    let t1 = Date()
    let rows = try await fleet.allServerlessReplications()
    let listed = Date().timeIntervalSince(t1)
    XCTAssertEqual(rows.count, 2_002)
    XCTAssertEqual(Set(rows.map(\.identifier)).count, 2_002, "identifiers are unique")
    XCTAssertEqual(fleet.callCounts()["DescribeReplicationConfigs"], 21)
    XCTAssertEqual(fleet.callCounts()["DescribeReplications"], 21)
    clock.advance(60)
    let running = try XCTUnwrap(rows.first { $0.status == ReplicationStatus.running })
    _ = try await fleet.describeReplicationTableStatistics(configArn: running.arn, marker: nil, maxRecords: 500)
    let t2 = Date()
    _ = SimulatedFleet(config: SimulatorConfig(tasks: 20_000, serverless: 0), clock: ManualClock(fleetStart))
    let bare = Date().timeIntervalSince(t2)
    print("serverless scale: build 20,000 tasks alone \(String(format: "%.2f", bare)) s; with 2,002 replications \(String(format: "%.2f", built)) s, list both \(String(format: "%.2f", listed)) s")
  }

  /// A full-load-only replication that finishes on its own stops, and the orchestrator says so.
  func testFullLoadOnlyReplicationStopsOnItsOwnWithAnOrchestratorLine() async throws {
    for seed in UInt64(1)...20 {
      let (fleet, clock) = makeFleet(seed: seed, tasks: 212)
      let rows = try await fleet.allServerlessReplications()
      guard let r = rows.first(where: { $0.status == ReplicationStatus.running && $0.migrationType == MigrationType.fullLoad.rawValue })
      else { continue }
      clock.advance(6 * 3600)
      let later = try await fleet.allServerlessReplications()
      let after = try XCTUnwrap(later.first { $0.arn == r.arn })
      XCTAssertEqual(after.status, ReplicationStatus.stopped)
      XCTAssertEqual(after.stopReason, "Stop Reason FULL_LOAD_ONLY_FINISHED")
      let rid = try XCTUnwrap(after.serverless?.resourceId)
      let page = try await fleet.getLogEvents(
        group: ServerlessLogNames.group(configResourceId: rid), stream: ServerlessLogNames.orchestratorStream(configResourceId: rid),
        startTime: nil, nextToken: nil, limit: 100)
      XCTAssertEqual(page.events.last.flatMap { OrchestratorLogParser.parseLine($0.message) }?.state, ReplicationStatus.stopped)
      return
    }
    XCTFail("no running full-load replication in 20 seeds")
  }
}
