import TestKit
import DMSSimulator
import DMSWatchModel
import Foundation
import XCTest
import DMSWatchRules

let fleetStart = Date(timeIntervalSince1970: 1_795_000_000)

func makeFleet(seed: UInt64 = 1, tasks: Int = 12, tables: Int? = nil) -> (SimulatedFleet, ManualClock) {
  let clock = ManualClock(fleetStart)
  return (SimulatedFleet(config: SimulatorConfig(tasks: tasks, tablesPerTask: tables, seed: seed), clock: clock), clock)
}

func assertServiceError(
  _ kind: ServiceError.Kind, _ code: String, message: String? = nil, file: StaticString = #filePath, line: UInt = #line,
  _ body: () async throws -> Void
) async {
  do {
    try await body()
    XCTFail("expected \(code)", file: file, line: line)
  } catch let e as ServiceError {
    XCTAssertEqual(e.kind, kind, file: file, line: line)
    XCTAssertEqual(e.code, code, file: file, line: line)
    if let message { XCTAssertEqual(e.message, message, file: file, line: line) }
  } catch {
    XCTFail("unexpected error \(error)", file: file, line: line)
  }
}

extension SimulatedFleet {
  func task(arn: String) async throws -> ReplicationTask {
    let all = try await allReplicationTasks()
    guard let t = all.first(where: { $0.arn == arn }) else { throw ServiceError(kind: .notFound, code: "x", message: arn) }
    return t
  }

  func table(_ arn: String, _ ref: TableRef) async throws -> TableStatistics {
    let all = try await allTableStatistics(taskArn: arn)
    guard let t = all.first(where: { $0.ref == ref }) else { throw ServiceError(kind: .notFound, code: "x", message: ref.qualifiedName) }
    return t
  }
}

func hasDiscrepancy(_ t: TableStatistics) -> Bool {
  TableRules.flags(for: t).contains {
    if case .missing = $0.kind { return true }
    if case .duplicate = $0.kind { return true }
    return false
  }
}
