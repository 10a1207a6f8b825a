import TestKit
import DMSSimulator
import DMSWatchModel
import Foundation
import XCTest

final class ScaleTests: XCTestCase {
  func testFiveThousandTasksBuildFastAndDescribe() async throws {
    let clock = ManualClock(fleetStart)
    let t0 = Date()
    let fleet = SimulatedFleet(config: SimulatorConfig(tasks: 5000), clock: clock)
    let built = Date().timeIntervalSince(t0)
    XCTAssertLessThan(built, 2.0, "construction took \(built)s")
    let tasks = try await fleet.allReplicationTasks()
    XCTAssertEqual(tasks.count, 5000)
    XCTAssertEqual(Set(tasks.map(\.identifier)).count, 5000)
    XCTAssertEqual(Set(tasks.map(\.arn)).count, 5000)
    let counts = Dictionary(grouping: tasks, by: \.status).mapValues(\.count)
    XCTAssertGreaterThan(counts[TaskStatus.running] ?? 0, 2500)
    XCTAssertGreaterThan(counts[TaskStatus.failed] ?? 0, 50)
    XCTAssertEqual(fleet.callCounts()["DescribeReplicationTasks"], 50)
    // The realistic mix: most tasks small, a few big.
    let tables = tasks.compactMap { $0.stats?.tablesLoaded }
    XCTAssertGreaterThan(tables.filter { $0 <= 60 }.count, tables.count * 3 / 4)
    XCTAssertTrue(tables.contains { $0 > 200 })
    print("5000-task fleet built in \(Int(built * 1000)) ms")
  }

  func testThousandTasksTimesTwoHundredTablesCanBeFullyDescribed() async throws {
    let (fleet, _) = makeFleet(tasks: 1000, tables: 200)
    var total = 0
    let t0 = Date()
    for t in try await fleet.allReplicationTasks() {
      let page = try await fleet.describeTableStatistics(taskArn: t.arn, marker: nil, maxRecords: 500)
      XCTAssertNil(page.marker)
      XCTAssertTrue(page.items.isEmpty || page.items.count == 200)
      total += page.items.count
    }
    XCTAssertGreaterThan(total, 150_000)
    print("described \(total) tables in \(Int(Date().timeIntervalSince(t0) * 1000)) ms")
  }
}
