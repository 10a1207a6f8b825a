import AWSClient
import DMSWatchModel
import Foundation
import XCTest

/// Inputs that must not crash (issue 15): deep XML, invalid UTF-8 inside JSON string values.
final class InputBoundsTests: XCTestCase {
  func testDeeplyNestedSTSBodyIsAMalformedResponseNotACrash() async throws {
    // 50,000 nested elements crashed the dashboard and `check` in the recursive XMLNode deinit.
    let deep = String(repeating: "<a>", count: 50_000) + String(repeating: "</a>", count: 50_000)
    let body = "<GetCallerIdentityResponse><GetCallerIdentityResult>\(deep)</GetCallerIdentityResult></GetCallerIdentityResponse>"
    let t = FakeTransport { _, _ in HTTPResponse(status: 200, body: Data(body.utf8)) }
    do {
      _ = try await AWSSTSClient(caller: testCaller(.sts, t)).getCallerIdentity()
      XCTFail("accepted")
    } catch let e as ServiceError {
      XCTAssertEqual(e.kind, .malformed)
      XCTAssertTrue(e.message.contains("nested more than 100 levels"), e.message)
    }
    XCTAssertNil(XMLNode.parse(Data(String(repeating: "<a>", count: 50_000).utf8)))
    // An error body nested as deep is not parsed either (no crash), and the status still says what failed.
    let t2 = FakeTransport { _, _ in HTTPResponse(status: 500, body: Data(deep.utf8)) }
    await assertThrowsKind(.server) { _ = try await AWSSTSClient(caller: testCaller(.sts, t2, retry: RetryPolicy(maxAttempts: 1))).getCallerIdentity() }
  }

  func testShallowXMLStillParsesAtTheLimit() {
    let ok = String(repeating: "<a>", count: 100) + "x" + String(repeating: "</a>", count: 100)
    XCTAssertNotNil(XMLNode.parse(Data(ok.utf8)))
    let selfClosing = "<r>" + String(repeating: "<e/>", count: 5000) + "<!-- <x> --><?pi <y>?></r>"
    XCTAssertEqual(XMLNode.parse(Data(selfClosing.utf8))?.children.count, 5000)
    XCTAssertNil(XMLNode.parse(Data((String(repeating: "<a>", count: 101) + String(repeating: "</a>", count: 101)).utf8)))
  }

  func testInvalidUTF8InATableNameIsReplacedAndTheRowIsMarked() async throws {
    // One table name with a stray Latin-1 byte made the whole DescribeTableStatistics page be refused.
    var body = Data(#"{"TableStatistics":[{"SchemaName":"public","TableName":"caf"#.utf8)
    body.append(0xE9)  // "é" in Latin-1: not UTF-8
    body.append(contentsOf: Array(#"","TableState":"Table completed"},{"SchemaName":"public","TableName":"orders","Inserts":5}]}"#.utf8))
    let page1 = body
    let t = FakeTransport { _, _ in HTTPResponse(status: 200, headers: ["content-type": "application/x-amz-json-1.1"], body: page1) }
    let page = try await AWSDMSClient(caller: testCaller(.dms, t)).describeTableStatistics(taskArn: "arn:t", marker: nil, maxRecords: 500)
    XCTAssertEqual(page.items.count, 2, "the other tables of the page are shown")
    XCTAssertEqual(page.items[0].tableName, "caf\u{FFFD}")
    XCTAssertEqual(page.items[0].nameNotUTF8, true)
    XCTAssertNil(page.items[1].nameNotUTF8)
    XCTAssertEqual(page.items[1].inserts, 5)
  }

  func testInvalidUTF8AndUnpairedSurrogatesBecomeReplacementCharacters() throws {
    func parse(_ bytes: [UInt8]) throws -> String? { try JSONValue.parse(Data(bytes)).string }
    XCTAssertEqual(try parse(Array(#"""#.utf8) + [0xC3, 0x28] + Array(#"""#.utf8)), "\u{FFFD}(")
    XCTAssertEqual(try parse(Array(#""a\n"#.utf8) + [0xFF] + Array(#"""#.utf8)), "a\n\u{FFFD}", "the escape path too")
    XCTAssertEqual(try JSONValue.parse(Data(#""\ud800x""#.utf8)).string, "\u{FFFD}x")
    XCTAssertEqual(try JSONValue.parse(Data(#""\udc00""#.utf8)).string, "\u{FFFD}")
    XCTAssertEqual(try JSONValue.parse(Data(#""\ud800\u0041""#.utf8)).string, "\u{FFFD}A")
    XCTAssertEqual(try JSONValue.parse(Data(#""\ud83d\ude80""#.utf8)).string, "🚀")
    // Structure errors are still errors.
    XCTAssertThrowsError(try JSONValue.parse(Data([0x22, 0xFF])))
  }
}
