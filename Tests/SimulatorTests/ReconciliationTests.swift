import DMSReconcile
import DMSSimulator
import DMSWatchModel
import Foundation
import XCTest

/// The simulated databases answer COUNT(*) consistently with the simulated counters.
final class SimulatedReconciliationTests: XCTestCase {
  func testCountsFollowCountersAndAMissingTableIsShortInTheTarget() async throws {
    let (fleet, clock) = makeFleet(tasks: 40)
    clock.advance(600)
    var short = 0
    var equal = 0
    for task in try await fleet.allReplicationTasks() {
      let stats = try await fleet.allTableStatistics(taskArn: task.arn)
      let src = SimulatedDatabase(fleet: fleet, taskArn: task.arn, side: .source, dialect: .postgres)
      let tgt = SimulatedDatabase(fleet: fleet, taskArn: task.arn, side: .target, dialect: .postgres)
      for s in stats.prefix(30) {
        let sql = SQLBuilder(.postgres).count(TableName(schema: s.schemaName, name: s.tableName))
        let a = try await src.query(sql).first?.first ?? nil
        let b = try await tgt.query(sql).first?.first ?? nil
        let sv = try XCTUnwrap(a.flatMap { Int64($0) })
        let tv = try XCTUnwrap(b.flatMap { Int64($0) })
        XCTAssertEqual(sv, SimulatedDatabase.rows(s, side: .source))
        if let applied = s.appliedInserts, let captured = s.inserts, applied < captured, s.appliedDeletes == s.deletes {
          XCTAssertLessThan(tv, sv, "\(s.qualifiedName): missing inserts must leave the target short")
          short += 1
        } else if s.appliedInserts == s.inserts && s.appliedDeletes == s.deletes {
          XCTAssertEqual(tv, sv, s.qualifiedName)
          equal += 1
        }
      }
    }
    XCTAssertGreaterThan(short, 0, "the curated fleet has a table with missing inserts")
    XCTAssertGreaterThan(equal, 100)
  }

  func testAMissingTableIsAMismatchThroughTheReconciler() async throws {
    let (fleet, clock) = makeFleet(tasks: 40)
    clock.advance(600)
    for task in try await fleet.allReplicationTasks() {
      let stats = try await fleet.allTableStatistics(taskArn: task.arn)
      guard let s = stats.first(where: { ($0.appliedInserts ?? 0) < ($0.inserts ?? 0) && $0.appliedDeletes == $0.deletes }) else { continue }
      var o = ReconcileOptions()
      o.recheckDelay = 0
      let r = Reconciler(
        source: SimulatedDatabase(fleet: fleet, taskArn: task.arn, side: .source, dialect: .postgres),
        target: SimulatedDatabase(fleet: fleet, taskArn: task.arn, side: .target, dialect: .postgres), options: o)
      let name = TableName(schema: s.schemaName, name: s.tableName)
      let row = await r.reconcile(TablePair(source: name, target: name), cdc: .idle)
      XCTAssertEqual(row.verdict, .mismatch, row.detail)
      XCTAssertGreaterThan(row.difference ?? 0, 0)
      return
    }
    XCTFail("no table with missing inserts in the simulated fleet")
  }
}
