import DMSSimulator
import DMSWatchModel
import Foundation
import XCTest
import DMSWatchRules

final class FleetShapeTests: XCTestCase {
  func testSameSeedAndTimesGiveIdenticalAnswers() async throws {
    let (a, ca) = makeFleet(seed: 7)
    let (b, cb) = makeFleet(seed: 7)
    ca.advance(300)
    cb.advance(300)
    let ta = try await a.allReplicationTasks()
    let tb = try await b.allReplicationTasks()
    XCTAssertEqual(ta, tb)
    for t in ta {
      let sa = try await a.allTableStatistics(taskArn: t.arn)
      let sb = try await b.allTableStatistics(taskArn: t.arn)
      XCTAssertEqual(sa, sb)
    }
    let ea = try await a.describeEvents(since: .distantPast, marker: nil, maxRecords: 100)
    let eb = try await b.describeEvents(since: .distantPast, marker: nil, maxRecords: 100)
    XCTAssertEqual(ea.items, eb.items)
    XCTAssertFalse(ea.items.isEmpty)

    let (c, _) = makeFleet(seed: 8)
    let tc = try await c.allReplicationTasks()
    XCTAssertNotEqual(ta.map(\.identifier), tc.map(\.identifier))
    XCTAssertNotEqual(ta.map(\.arn), tc.map(\.arn))
  }

  func testDefaultFleetHasTheRealisticMix() async throws {
    for seed: UInt64 in [1, 2, 3, 42, 1234] {
      let (fleet, _) = makeFleet(seed: seed)
      let tasks = try await fleet.allReplicationTasks()
      XCTAssertEqual(tasks.count, 12)
      XCTAssertEqual(Set(tasks.compactMap(\.migration)), Set(MigrationType.allCases), "seed \(seed)")
      let statuses = Set(tasks.map(\.status))
      for s in [TaskStatus.running, TaskStatus.stopped, TaskStatus.failed, TaskStatus.starting, TaskStatus.ready] {
        XCTAssertTrue(statuses.contains(s), "seed \(seed) lacks \(s)")
      }
      let failed = tasks.filter { $0.status == TaskStatus.failed }
      XCTAssertTrue(failed.allSatisfy { ($0.lastFailureMessage ?? "").hasPrefix("Last Error") })
      XCTAssertTrue(failed.allSatisfy { ($0.stopReason ?? "").hasPrefix("Stop Reason ") })
      XCTAssertTrue(failed.contains { $0.lastFailureMessage?.contains("ORA-01291: missing log file") ?? false })
      XCTAssertTrue(failed.contains { $0.lastFailureMessage?.contains("Stop Reason FATAL_ERROR") ?? false })
      XCTAssertEqual(Set(tasks.map(\.identifier)).count, 12)

      var kinds = Set<String>()
      var validation = Set<String>()
      var tableStates = Set<String>()
      for t in tasks {
        for s in try await fleet.allTableStatistics(taskArn: t.arn) {
          for f in TableRules.flags(for: s) { kinds.insert(f.tag) }
          validation.insert(s.validationState ?? "nil")
          tableStates.insert(s.tableState ?? "nil")
        }
      }
      for tag in ["MISSING", "DUPLICATE", "UNKNOWN", "TABLE ERROR"] {
        XCTAssertTrue(kinds.contains(tag), "seed \(seed) lacks \(tag) flag: \(kinds)")
      }
      for v in [
        ValidationState.validated, ValidationState.pendingRecords, ValidationState.mismatchedRecords,
        ValidationState.suspendedRecords, ValidationState.notEnabled, ValidationState.noPrimaryKey,
      ] {
        XCTAssertTrue(validation.contains(v), "seed \(seed) lacks validation state \(v)")
      }
      XCTAssertTrue(tableStates.isSuperset(of: [TableState.completed, TableState.error]), "\(tableStates)")
    }
  }

  func testArnsInstancesAndEndpointsLookReal() async throws {
    let (fleet, _) = makeFleet(tasks: 40)
    let tasks = try await fleet.allReplicationTasks()
    let instances = try await fleet.describeReplicationInstances(marker: nil).items
    let endpoints = try await fleet.describeEndpoints(marker: nil).items
    let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    for t in tasks {
      XCTAssertTrue(t.arn.hasPrefix("arn:aws:dms:us-east-1:123456789012:task:"))
      XCTAssertEqual(t.resourceId.count, 26)
      XCTAssertTrue(t.resourceId.allSatisfy { allowed.contains($0) }, t.resourceId)
      XCTAssertFalse(t.arn.contains(t.identifier))
      XCTAssertTrue(instances.contains { $0.arn == t.replicationInstanceArn })
      XCTAssertEqual(endpoints.first { $0.arn == t.sourceEndpointArn }?.endpointType, "source")
      XCTAssertEqual(endpoints.first { $0.arn == t.targetEndpointArn }?.endpointType, "target")
    }
    XCTAssertTrue(instances.contains { $0.identifier == "dms-prod-a" })
    XCTAssertTrue(instances.allSatisfy { $0.arn.contains(":rep:") && $0.status == "available" })
    let engines = Set(endpoints.compactMap(\.engineName))
    XCTAssertGreaterThanOrEqual(engines.count, 4, "\(engines)")
    XCTAssertTrue(tasks.contains { $0.identifier.contains("-cdc") })
  }

  func testTaskStatsAreConsistentWithTables() async throws {
    let (fleet, clock) = makeFleet(seed: 3, tasks: 30)
    clock.advance(120)
    for t in try await fleet.allReplicationTasks() {
      let tables = try await fleet.allTableStatistics(taskArn: t.arn)
      guard let st = t.stats, !tables.isEmpty else { continue }
      XCTAssertEqual(st.tablesLoaded, tables.filter { $0.tableState == TableState.completed }.count, t.identifier)
      XCTAssertEqual(st.tablesErrored, tables.filter { $0.tableState == TableState.error }.count, t.identifier)
      XCTAssertEqual(st.tablesQueued, tables.filter { $0.tableState == TableState.beforeLoad }.count, t.identifier)
      XCTAssertEqual(st.tablesLoading, tables.filter { $0.tableState == TableState.fullLoad }.count, t.identifier)
    }
  }

  func testReadyTaskHasNoTablesUntilStarted() async throws {
    let (fleet, clock) = makeFleet()
    let ready = try await fleet.allReplicationTasks().first { $0.status == TaskStatus.ready }
    let arn = try XCTUnwrap(ready?.arn)
    let before = try await fleet.allTableStatistics(taskArn: arn)
    XCTAssertTrue(before.isEmpty)
    _ = try await fleet.startReplicationTask(arn: arn, type: .startReplication)
    clock.advance(15)
    let after = try await fleet.allTableStatistics(taskArn: arn)
    XCTAssertFalse(after.isEmpty)
  }
}
