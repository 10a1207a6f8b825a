import AWSClient
import DMSWatchModel
import Foundation
import XCTest

final class ProtocolTests: XCTestCase {
  func testTimestampsEpochAndISO() {
    XCTAssertEqual(Timestamp.parse("2026-11-23T10:10:15.809629")?.timeIntervalSince1970 ?? 0, 1_795_428_615.809629, accuracy: 1e-5)
    XCTAssertEqual(Timestamp.parse("2026-11-23T10:10:15Z"), Date(timeIntervalSince1970: 1_795_428_615))
    XCTAssertEqual(Timestamp.parse("2026-11-23T12:10:15+02:00"), Date(timeIntervalSince1970: 1_795_428_615))
    XCTAssertEqual(Timestamp.parse("2026-11-23T09:40:15-0030"), Date(timeIntervalSince1970: 1_795_428_615))
    XCTAssertEqual(Timestamp.parse("1590619805.212"), Date(timeIntervalSince1970: 1_590_619_805.212))
    XCTAssertEqual(Timestamp.parse("2000-02-29"), Date(timeIntervalSince1970: 951_782_400))
    XCTAssertNil(Timestamp.parse("2026-13-01T00:00:00Z"))
    XCTAssertNil(Timestamp.parse("yesterday"))
    XCTAssertNil(Timestamp.parse("-inf"))
    XCTAssertNil(Timestamp.parse("nan"))
    XCTAssertEqual(Timestamp.parse("-1.5"), Date(timeIntervalSince1970: -1.5))
    XCTAssertNil(Timestamp.parse("2026-11-23T10:10:15Zjunk"))
    XCTAssertEqual(JSONValue.int(1_590_619_805).date, Date(timeIntervalSince1970: 1_590_619_805))
    XCTAssertEqual(JSONValue.double(1_590_619_805.212).date, Date(timeIntervalSince1970: 1_590_619_805.212))
  }

  func testErrorCodesAndKinds() {
    func err(_ status: Int, _ body: String, _ headers: [String: String] = [:]) -> ServiceError {
      AWSErrorMapper.error(from: HTTPResponse(status: status, headers: headers, body: Data(body.utf8)), service: "dms")
    }
    var e = err(400, #"{"__type":"com.amazonaws.dms#ResourceNotFoundFault:http://internal.amazon.com/coral/","message":"gone"}"#)
    XCTAssertEqual(e.code, "ResourceNotFoundFault")
    XCTAssertEqual(e.kind, .notFound)
    XCTAssertEqual(e.message, "gone")
    e = err(400, #"{"__type":"InvalidResourceStateFault","Message":"not running"}"#)
    XCTAssertEqual(e.kind, .invalidState)
    XCTAssertEqual(e.message, "not running")
    e = err(400, #"{"__type":"ThrottlingException","message":"Rate exceeded"}"#)
    XCTAssertEqual(e.kind, .throttled)
    XCTAssertTrue(e.isRetryable)
    // awsQueryCompatible: the header wins over the body.
    e = err(400, #"{"__type":"com.amazonaws.cloudwatch#InvalidParameterValueException","message":"x"}"#, ["x-amzn-query-error": "Throttling;Sender"])
    XCTAssertEqual(e.code, "Throttling")
    XCTAssertEqual(e.kind, .throttled)
    e = err(403, #"{"__type":"AccessDeniedException","message":"no"}"#)
    XCTAssertEqual(e.kind, .accessDenied)
    for code in ["UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException", "SignatureDoesNotMatch"] {
      XCTAssertEqual(err(400, #"{"__type":"\#(code)","message":"m"}"#).kind, .credentials, code)
    }
    e = err(403, "<ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message></Error></ErrorResponse>")
    XCTAssertEqual(e.code, "SignatureDoesNotMatch")
    XCTAssertEqual(e.kind, .credentials)
    XCTAssertTrue(e.message.hasPrefix("The request signature"))
    e = err(500, "<!DOCTYPE html><html><body><h1>Internal Server Error</h1><p>NotImplementedError</p></body></html>", ["content-type": "text/html"])
    XCTAssertEqual(e.kind, .server)
    XCTAssertTrue(e.message.contains("HTTP 500"), e.message)
    XCTAssertTrue(e.message.contains("NotImplementedError"), e.message)
    XCTAssertFalse(e.message.contains("<"), e.message)
    e = err(403, "<html>proxy says no</html>", ["content-type": "text/html"])
    XCTAssertEqual(e.kind, .malformed)
    XCTAssertTrue(e.message.contains("not an AWS error"), e.message)
    e = err(400, "", ["x-amzn-errortype": "ResourceNotFoundException:http://x"])
    XCTAssertEqual(e.code, "ResourceNotFoundException")
    e = err(503, "")
    XCTAssertEqual(e.kind, .server)
  }

  func testNonAWSErrorNamesTheOperation() async throws {
    // moto without the extended peer: DescribeTableStatistics is an HTML 500 page.
    let t = FakeTransport { _, _ in
      HTTPResponse(
        status: 500, headers: ["content-type": "text/html; charset=utf-8"],
        body: Data("<!doctype html><title>500 Internal Server Error</title><h1>Internal Server Error</h1>".utf8))
    }
    let dms = AWSDMSClient(caller: testCaller(.dms, t, retry: RetryPolicy(maxAttempts: 2, sleeper: { _ in })))
    do {
      _ = try await dms.describeTableStatistics(taskArn: "arn:aws:dms:us-east-1:123456789012:task:t", marker: nil, maxRecords: 500)
      XCTFail("an HTML 500 must fail")
    } catch let e as ServiceError {
      XCTAssertEqual(e.kind, .server)
      XCTAssertEqual(e.code, "HTTP500")
      XCTAssertTrue(e.message.hasPrefix("dms DescribeTableStatistics returned HTTP 500 (text/html; charset=utf-8)"), e.message)
    }
    XCTAssertEqual(t.requests.count, 2, "a 5xx is retried")
  }

  func testJSONRequestShapeAndGarbageSuccessBody() async throws {
    let t = FakeTransport { req, _ in
      if req.header("x-amz-target") == "AmazonDMSv20160101.DescribeEndpoints" {
        return HTTPResponse(status: 200, headers: ["content-type": "text/html"], body: Data("<html>captive portal</html>".utf8))
      }
      return FakeTransport.json(#"{"ReplicationTasks":[]}"#)
    }
    let dms = AWSDMSClient(caller: testCaller(.dms, t))
    _ = try await dms.describeReplicationTasks(filters: [DMSFilter("replication-task-id", ["t1"])], marker: "m1", maxRecords: 5)
    let r = try XCTUnwrap(t.requests.first)
    XCTAssertEqual(r.method, "POST")
    XCTAssertEqual(r.url.absoluteString, "https://example.test/")
    XCTAssertEqual(r.header("content-type"), "application/x-amz-json-1.1")
    XCTAssertEqual(
      String(decoding: r.body, as: UTF8.self),
      #"{"Filters":[{"Name":"replication-task-id","Values":["t1"]}],"MaxRecords":20,"Marker":"m1","WithoutSettings":true}"#)
    XCTAssertTrue(r.header("authorization")?.contains("/eu-west-1/dms/aws4_request") ?? false)
    _ = try await dms.describeReplicationTasks(arns: ["arn:a", "arn:b"])
    XCTAssertEqual(
      String(decoding: try XCTUnwrap(t.requests.last).body, as: UTF8.self),
      #"{"Filters":[{"Name":"replication-task-arn","Values":["arn:a","arn:b"]}],"MaxRecords":100,"WithoutSettings":true}"#)
    await assertThrowsKind(.malformed) { _ = try await dms.describeEndpoints(marker: nil) }

    let cw = AWSCloudWatchClient(caller: testCaller(.cloudwatch, t))
    t.setHandler { _, _ in FakeTransport.json(#"{"MetricDataResults":[]}"#) }
    _ = try await cw.getMetricData(
      queries: [MetricQuery(id: "lat", metricName: "CDCLatencySource", instanceIdentifier: "a-rep", taskResourceId: "UPII")],
      start: Date(timeIntervalSince1970: 1_704_067_200.9), end: Date(timeIntervalSince1970: 1_704_070_800), period: 60)
    let c = try XCTUnwrap(t.requests.last)
    XCTAssertEqual(c.header("content-type"), "application/x-amz-json-1.0")
    XCTAssertEqual(c.header("x-amz-target"), "GraniteServiceVersion20100801.GetMetricData")
    XCTAssertEqual(c.header("x-amzn-query-mode"), "true")
    XCTAssertTrue(c.header("authorization")?.contains("x-amzn-query-mode") ?? false)
    XCTAssertTrue(c.header("authorization")?.contains("/monitoring/aws4_request") ?? false)
    let body = String(decoding: c.body, as: UTF8.self)
    XCTAssertTrue(body.contains(#""Dimensions":[{"Name":"ReplicationInstanceIdentifier","Value":"a-rep"},{"Name":"ReplicationTaskIdentifier","Value":"UPII"}]"#), body)
    XCTAssertTrue(body.contains(#""StartTime":1704067200,"EndTime":1704070800"#), body)
  }

  func testMetricDataChunksAt500AndFollowsNextToken() async throws {
    let t = FakeTransport { req, _ in
      let body = try JSONValue.parse(req.body)
      let ids = (body["MetricDataQueries"]?.array ?? []).compactMap { $0["Id"]?.string }
      let token = body["NextToken"]?.string
      // Page 1: newest first (descending), page 2: one older point and a duplicate.
      let results = ids.map { id -> String in
        token == nil
          ? #"{"Id":"\#(id)","Label":"L","Timestamps":[1700000120,1700000060],"Values":[3,2],"StatusCode":"PartialData"}"#
          : #"{"Id":"\#(id)","Timestamps":[1700000000,1700000060],"Values":[1,2],"StatusCode":"Complete"}"#
      }
      let next = token == nil ? #","NextToken":"p2""# : ""
      return FakeTransport.json(#"{"MetricDataResults":[\#(results.joined(separator: ","))]\#(next)}"#)
    }
    let cw = AWSCloudWatchClient(caller: testCaller(.cloudwatch, t))
    let queries = (0..<1001).map { MetricQuery(id: "q\($0)", metricName: "CDCLatencySource", instanceIdentifier: "i", taskResourceId: "t\($0)") }
    let res = try await cw.getMetricData(queries: queries, start: Date(timeIntervalSince1970: 1_700_000_000), end: Date(timeIntervalSince1970: 1_700_000_200), period: 60)
    XCTAssertEqual(res.count, 1001)
    XCTAssertEqual(res.map(\.id), queries.map(\.id))
    XCTAssertEqual(t.requests.count, 6, "3 chunks (500, 500, 1) × 2 pages")
    let sizes = try t.requests.map { try JSONValue.parse($0.body)["MetricDataQueries"]?.array?.count ?? 0 }
    XCTAssertEqual(sizes, [500, 500, 500, 500, 1, 1])
    XCTAssertEqual(res[0].points.map(\.value), [1, 2, 3])
    XCTAssertEqual(res[0].points.map(\.time.timeIntervalSince1970), [1_700_000_000, 1_700_000_060, 1_700_000_120])
    XCTAssertEqual(res[0].statusCode, "Complete")
    XCTAssertEqual(res[0].label, "L")
  }

  func testLogEventsRequestAndEndOfStream() async throws {
    let t = FakeTransport { req, _ in
      let body = try JSONValue.parse(req.body)
      if body["nextToken"]?.string == "f/2" { return FakeTransport.json(#"{"events":[],"nextForwardToken":"f/2","nextBackwardToken":"b/1"}"#) }
      return FakeTransport.json(#"{"events":[{"timestamp":1700000000123,"message":"hello","ingestionTime":1}],"nextForwardToken":"f/2"}"#)
    }
    let logs = AWSLogsClient(caller: testCaller(.logs, t))
    let p1 = try await logs.getLogEvents(group: "dms-tasks-a", stream: "dms-task-X", startTime: Date(timeIntervalSince1970: 1_700_000_000), nextToken: nil, limit: 50)
    XCTAssertEqual(p1.events, [LogEvent(timestamp: Date(timeIntervalSince1970: 1_700_000_000.123), message: "hello")])
    XCTAssertEqual(p1.nextForwardToken, "f/2")
    let b1 = try JSONValue.parse(t.requests[0].body)
    XCTAssertEqual(b1["startFromHead"], .bool(true))
    XCTAssertEqual(b1["startTime"], .int(1_700_000_000_000))
    XCTAssertEqual(t.requests[0].header("x-amz-target"), "Logs_20140328.GetLogEvents")
    let p2 = try await logs.getLogEvents(group: "dms-tasks-a", stream: "dms-task-X", startTime: nil, nextToken: "f/2", limit: 50)
    XCTAssertTrue(p2.events.isEmpty)
    XCTAssertEqual(p2.nextForwardToken, "f/2", "same token back = end of stream")
    XCTAssertNil(try JSONValue.parse(t.requests[1].body)["startTime"])
  }

  func testQueryProtocolBodyAndXML() async throws {
    let t = FakeTransport { req, _ in
      HTTPResponse(status: 200, headers: ["content-type": "text/xml"], body: Data("""
        <PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>abc-123</MessageId></PublishResult></PublishResponse>
        """.utf8))
    }
    let sns = AWSSNSClient(caller: testCaller(.sns, t))
    let id = try await sns.publish(topicArn: "arn:aws:sns:eu-west-1:1:t", subject: "s", message: "a&b=c ü")
    XCTAssertEqual(id, "abc-123")
    let r = try XCTUnwrap(t.requests.first)
    XCTAssertEqual(r.header("content-type"), "application/x-www-form-urlencoded; charset=utf-8")
    XCTAssertEqual(
      String(decoding: r.body, as: UTF8.self),
      "Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aeu-west-1%3A1%3At&Message=a%26b%3Dc%20%C3%BC&Subject=s")
  }
}
