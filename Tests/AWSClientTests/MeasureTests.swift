import AWSClient
import DMSWatchModel
import Foundation
import XCTest

/// Rough costs, printed for the report; the bounds only catch pathologies (debug build, 2 shared cores).
final class MeasureTests: XCTestCase {
  func testSigningAndDecodingCosts() async throws {
    let signer = SigV4Signer(service: "dms", region: "eu-west-1")
    let creds = AWSCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: "token")
    let req = HTTPRequest(
      method: "POST", url: URL(string: "https://dms.eu-west-1.amazonaws.com/")!,
      headers: ["Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AmazonDMSv20160101.DescribeReplicationTasks"],
      body: Data(String(repeating: "x", count: 200).utf8))
    let n = 2000
    var t0 = Date()
    var last = ""
    for i in 0..<n {
      last = signer.sign(req, credentials: creds, date: Date(timeIntervalSince1970: 1_800_000_000 + Double(i))).header("authorization") ?? ""
    }
    let signUs = Date().timeIntervalSince(t0) / Double(n) * 1e6
    XCTAssertFalse(last.isEmpty)

    var rows: [String] = []
    for i in 0..<500 {
      rows.append(#"{"SchemaName":"HR","TableName":"T\#(i)","Inserts":\#(i),"Updates":1,"Deletes":2,"Ddls":0,"FullLoadRows":123456,"TableState":"Table completed","LastUpdateTime":1790000000.5,"FullLoadStartTime":"2026-11-23T10:10:15.809629","ValidationState":"Validated","ValidationPendingRecords":0}"#)
    }
    let body = Data(#"{"ReplicationTaskArn":"arn","TableStatistics":[\#(rows.joined(separator: ","))]}"#.utf8)
    let t = FakeTransport { _, _ in HTTPResponse(status: 200, body: body) }
    let dms = AWSDMSClient(caller: testCaller(.dms, t))
    t0 = Date()
    let page = try await dms.describeTableStatistics(taskArn: "arn", marker: nil, maxRecords: 500)
    let decodeMs = Date().timeIntervalSince(t0) * 1000
    XCTAssertEqual(page.items.count, 500)
    print("MEASURE sigv4 sign: \(Int(signUs)) µs/request; DescribeTableStatistics 500 rows (\(body.count) bytes) decode: \(Int(decodeMs)) ms")
    XCTAssertLessThan(signUs, 5000)
    XCTAssertLessThan(decodeMs, 3000)
  }
}
