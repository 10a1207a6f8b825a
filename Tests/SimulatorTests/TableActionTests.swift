import DMSSimulator
import DMSWatchModel
import Foundation
import XCTest
import DMSWatchRules

final class TableActionTests: XCTestCase {
  /// A running task and one of its tables matching `pick`.
  func find(_ fleet: SimulatedFleet, _ pick: (TableStatistics) -> Bool) async throws -> (ReplicationTask, TableStatistics)? {
    for t in try await fleet.allReplicationTasks() where t.status == TaskStatus.running {
      if let s = try await fleet.allTableStatistics(taskArn: t.arn).first(where: pick) { return (t, s) }
    }
    return nil
  }

  func testDataReloadFixesMissingAndDuplicate() async throws {
    let (fleet, clock) = makeFleet()
    for wanted in ["MISSING", "DUPLICATE"] {
      let found = try await find(fleet) { TableRules.flags(for: $0).contains { $0.tag == wanted } }
      let (t, s) = try XCTUnwrap(found, wanted)
      try await fleet.reloadTables(arn: t.arn, tables: [s.ref], option: .dataReload)
      clock.advance(1)
      let during = try await fleet.table(t.arn, s.ref)
      XCTAssertEqual(during.tableState, TableState.reloading)
      clock.advance(200)
      let after = try await fleet.table(t.arn, s.ref)
      XCTAssertEqual(after.tableState, TableState.completed)
      XCTAssertEqual(after.fullLoadReloaded, true)
      XCTAssertFalse(hasDiscrepancy(after), "\(after)")
      XCTAssertNotNil(after.fullLoadEndTime)
      // Still not broken a while later, and counting again.
      clock.advance(300)
      let later = try await fleet.table(t.arn, s.ref)
      XCTAssertFalse(hasDiscrepancy(later))
    }
  }

  func testDataReloadFixesTableError() async throws {
    let (fleet, clock) = makeFleet()
    let found = try await find(fleet) { $0.tableState == TableState.error }
    let (t, s) = try XCTUnwrap(found)
    let before = try await fleet.task(arn: t.arn)
    XCTAssertGreaterThan(before.stats?.tablesErrored ?? 0, 0)
    try await fleet.reloadTables(arn: t.arn, tables: [s.ref], option: .dataReload)
    clock.advance(200)
    let after = try await fleet.table(t.arn, s.ref)
    XCTAssertEqual(after.tableState, TableState.completed)
    let task = try await fleet.task(arn: t.arn)
    XCTAssertEqual(task.stats?.tablesErrored, (before.stats?.tablesErrored ?? 0) - 1)
  }

  func testValidateOnlyOnATableInErrorDoesNotValidateIt() async throws {
    let (fleet, clock) = makeFleet()
    let found = try await find(fleet) { $0.tableState == TableState.error && $0.validationState != ValidationState.notEnabled }
    let (t, s) = try XCTUnwrap(found)
    try await fleet.reloadTables(arn: t.arn, tables: [s.ref], option: .validateOnly)
    clock.advance(70)
    let after = try await fleet.table(t.arn, s.ref)
    XCTAssertEqual(after.tableState, TableState.error)
    XCTAssertEqual(after.validationState, ValidationState.tableError)
  }

  func testValidateOnlyPendingThenValidated() async throws {
    let (fleet, clock) = makeFleet()
    let found = try await find(fleet) {
      [ValidationState.pendingRecords, ValidationState.suspendedRecords, ValidationState.validated].contains($0.validationState ?? "")
        && !hasDiscrepancy($0)
    }
    let (t, s) = try XCTUnwrap(found)
    try await fleet.reloadTables(arn: t.arn, tables: [s.ref], option: .validateOnly)
    clock.advance(1)
    let pending = try await fleet.table(t.arn, s.ref)
    XCTAssertEqual(pending.validationState, ValidationState.pendingValidation)
    clock.advance(70)
    let done = try await fleet.table(t.arn, s.ref)
    XCTAssertEqual(done.validationState, ValidationState.validated)
    XCTAssertEqual(done.validationFailedRecords, 0)
    XCTAssertEqual(done.validationSuspendedRecords, 0)
  }

  func testMismatchedStaysMismatchedUntilDataReloaded() async throws {
    let (fleet, clock) = makeFleet()
    let found = try await find(fleet) { $0.validationState == ValidationState.mismatchedRecords && hasDiscrepancy($0) }
    let (t, s) = try XCTUnwrap(found)
    try await fleet.reloadTables(arn: t.arn, tables: [s.ref], option: .validateOnly)
    clock.advance(1)
    let pending = try await fleet.table(t.arn, s.ref)
    XCTAssertEqual(pending.validationState, ValidationState.pendingValidation)
    clock.advance(70)
    let still = try await fleet.table(t.arn, s.ref)
    XCTAssertEqual(still.validationState, ValidationState.mismatchedRecords)
    XCTAssertGreaterThan(still.validationFailedRecords ?? 0, 0)

    try await fleet.reloadTables(arn: t.arn, tables: [s.ref], option: .dataReload)
    clock.advance(200)
    try await fleet.reloadTables(arn: t.arn, tables: [s.ref], option: .validateOnly)
    clock.advance(70)
    let fixed = try await fleet.table(t.arn, s.ref)
    XCTAssertEqual(fixed.validationState, ValidationState.validated)
    XCTAssertTrue(TableRules.flags(for: fixed).isEmpty, "\(TableRules.flags(for: fixed))")
  }

  func testReloadNeedsARunningTaskAndKnownTables() async throws {
    let (fleet, _) = makeFleet()
    let tasks = try await fleet.allReplicationTasks()
    let stopped = try XCTUnwrap(tasks.first { $0.status == TaskStatus.stopped })
    let ref = try await fleet.allTableStatistics(taskArn: stopped.arn)[0].ref
    await assertServiceError(.invalidState, "InvalidResourceStateFault") {
      try await fleet.reloadTables(arn: stopped.arn, tables: [ref], option: .dataReload)
    }
    let running = try XCTUnwrap(tasks.first { $0.status == TaskStatus.running })
    await assertServiceError(.client, "InvalidParameterValueException") {
      try await fleet.reloadTables(arn: running.arn, tables: [TableRef(schema: "nope", table: "nope")], option: .dataReload)
    }
    let events = try await fleet.describeEvents(since: fleetStart, marker: nil, maxRecords: 100).items
    XCTAssertTrue(events.isEmpty, "failed reloads emit nothing: \(events)")
  }

  func testAppliedCountsUnknownForSomeTables() async throws {
    let (fleet, _) = makeFleet()
    var unknown = 0
    var known = 0
    for t in try await fleet.allReplicationTasks() {
      for s in try await fleet.allTableStatistics(taskArn: t.arn) {
        if s.appliedInserts == nil { unknown += 1 } else { known += 1 }
        XCTAssertEqual(s.appliedInserts == nil, s.appliedUpdates == nil)
      }
    }
    XCTAssertGreaterThan(unknown, 0)
    XCTAssertGreaterThan(known, unknown)
  }
}
