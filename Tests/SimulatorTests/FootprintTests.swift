import DMSSimulator
import DMSWatchModel
import Foundation
import XCTest

/// Resident set size in bytes (Linux /proc), nil elsewhere.
func residentBytes() -> Int? {
  guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
  for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
    let digits = line.filter(\.isNumber)
    return Int(digits).map { $0 * 1024 }
  }
  return nil
}

final class FootprintTests: XCTestCase {
  func testThousandByTwoHundredStaysSmall() async throws {
    let before = residentBytes()
    let (fleet, clock) = makeFleet(tasks: 1000, tables: 200)
    var described = 0
    for t in try await fleet.allReplicationTasks() {
      described += try await fleet.allTableStatistics(taskArn: t.arn).count
    }
    clock.advance(600)
    _ = try await fleet.allReplicationTasks()
    XCTAssertGreaterThan(described, 150_000)
    if let before, let after = residentBytes() {
      let grown = Double(after - before) / 1_048_576
      print("RSS before \(before / 1_048_576) MB, after \(after / 1_048_576) MB, grown \(String(format: "%.1f", grown)) MB")
      XCTAssertLessThan(grown, 20, "the fleet's own state must stay small")
    }
  }

  func testPageOfFiveHundredTablesIsCheap() async throws {
    let (fleet, _) = makeFleet(seed: 3, tasks: 20, tables: 500)
    let t = try await fleet.allReplicationTasks().first { $0.status == TaskStatus.running }
    let arn = try XCTUnwrap(t?.arn)
    let rounds = 50
    let start = Date()
    for _ in 0..<rounds {
      let page = try await fleet.describeTableStatistics(taskArn: arn, marker: nil, maxRecords: 500)
      XCTAssertEqual(page.items.count, 500)
    }
    let per = Date().timeIntervalSince(start) / Double(rounds) * 1000
    print("500-row DescribeTableStatistics page: \(String(format: "%.3f", per)) ms")
    XCTAssertLessThan(per, 50, "generous bound for debug builds")
  }
}

final class CallCostTests: XCTestCase {
  func testFiveHundredMetricQueriesForAnHourAreCheap() async throws {
    let (fleet, clock) = makeFleet(tasks: 200)
    let tasks = try await fleet.allReplicationTasks()
    let insts = try await fleet.describeReplicationInstances(marker: nil).items
    var queries: [MetricQuery] = []
    for t in tasks where queries.count < 500 {
      let inst = try XCTUnwrap(insts.first { $0.arn == t.replicationInstanceArn }?.identifier)
      for m in [DMSMetric.cdcLatencySource, DMSMetric.cdcLatencyTarget, DMSMetric.cdcThroughputRowsTarget] where queries.count < 500 {
        queries.append(MetricQuery(id: "q\(queries.count)", metricName: m, instanceIdentifier: inst, taskResourceId: t.resourceId))
      }
    }
    let start = Date()
    let r = try await fleet.getMetricData(queries: queries, start: clock.now().addingTimeInterval(-3600), end: clock.now(), period: 60)
    let ms = Date().timeIntervalSince(start) * 1000
    print("GetMetricData 500 queries x 1 h: \(Int(ms)) ms, \(r.reduce(0) { $0 + $1.points.count }) points")
    XCTAssertEqual(r.count, 500)
    XCTAssertGreaterThan(r.reduce(0) { $0 + $1.points.count }, 500 * 30)
    XCTAssertLessThan(ms, 2000)
  }
}
