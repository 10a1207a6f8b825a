import TestKit
import DMSWatchModel
import Foundation
import XCTest

@testable import DMSWatchApp

/// Found by Tests/e2e/test_reliability_faults.py: when the task list could not be read for a reason other
/// than the network or credentials, `check` ended with ArgumentParser's exit 1 ("findings") instead of 3.
final class CheckReliabilityTests: XCTestCase {
  func testAnyErrorListingTasksIsExitThreeNamingTheOperation() async throws {
    let throttled = ServiceError(kind: .throttled, code: "ThrottlingException", message: "Rate exceeded", httpStatus: 400)
    let cases: [(String, [ServiceError])] = [
      ("throttling outlasting the retries", Array(repeating: throttled, count: 20)),
      ("503", [ServiceError(kind: .server, code: "ServiceUnavailable", message: "try later", httpStatus: 503)]),
      ("malformed", [ServiceError(kind: .malformed, code: "MalformedResponse", message: "body is not JSON")]),
    ]
    for (name, errors) in cases {
      let fake = CheckFakeService(taskCount: 3)
      fake.errors["DescribeReplicationTasks"] = errors
      let runner = CheckRunner(
        services: ServiceBundle(dms: fake, metrics: fake, logs: fake, sourceLabel: "fake"), clock: ManualClock(),
        sleep: SleepRecorder().sleeper, options: CheckOptions())
      do {
        _ = try await runner.run()
        XCTFail("\(name): expected CheckFailure")
      } catch let e as CheckFailure {
        XCTAssertEqual(e.exitCode, 3, name)
        XCTAssertTrue(e.message.contains("DescribeReplicationTasks"), "\(name): \(e.message)")
      } catch {
        XCTFail("\(name): \(error) escaped as \(type(of: error)) (exit 1)")
      }
    }
  }
}
