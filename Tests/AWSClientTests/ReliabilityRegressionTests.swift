import AWSClient
import DMSWatchModel
import Foundation
import XCTest

/// Regressions found by the reliability tests (Tests/e2e/test_reliability_faults.py).
final class ReliabilityRegressionTests: XCTestCase {
  func testEmptySuccessBodyIsMalformedNotAnEmptyList() async throws {
    let t = FakeTransport { _, _ in HTTPResponse(status: 200, headers: ["content-type": "application/x-amz-json-1.1"], body: Data()) }
    let dms = AWSDMSClient(caller: testCaller(.dms, t))
    do {
      let page = try await dms.describeReplicationTasks(marker: nil, maxRecords: 100)
      XCTFail("an empty body decoded as \(page.items.count) tasks")
    } catch let e as ServiceError {
      XCTAssertEqual(e.kind, .malformed)
      XCTAssertTrue(e.message.contains("empty body"), e.message)
    }
    t.setHandler { _, _ in HTTPResponse(status: 200, body: Data("  \n".utf8)) }
    do {
      _ = try await dms.describeTableStatistics(taskArn: "arn:t", marker: nil, maxRecords: 500)
      XCTFail("a blank body decoded as a page")
    } catch let e as ServiceError {
      XCTAssertEqual(e.kind, .malformed)
    }
  }
}

/// Found by Fuzz/FuzzJSON: Foundation's XMLParser crashed the process on `<` followed by bytes that are not UTF-8.
final class XMLFuzzRegressionTests: XCTestCase {
  func testInvalidUTF8ElementNameIsRefusedNotACrash() {
    XCTAssertNil(XMLNode.parse(Data([0x3C, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])))
    XCTAssertNil(XMLNode.parse(Data([0x3C, 0x61, 0x3E, 0xC3, 0x28, 0x3C, 0x2F, 0x61, 0x3E])))
    XCTAssertEqual(XMLNode.parse(Data("<a><b>ü</b></a>".utf8))?.child("b")?.text, "ü")
  }
}
