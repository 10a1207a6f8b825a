import AWSClient
import DMSWatchModel
import Foundation
import XCTest

/// Calls that change AWS state are sent once; reads keep their retries (issue 15, "Actions").
final class MutatingCallTests: XCTestCase {
  typealias Handler = @Sendable (HTTPRequest, Int) throws -> HTTPResponse

  static let faults: [(String, Handler)] = [
    ("connection reset after sending", { _, _ in throw ServiceError(kind: .network, code: "Curl56", message: "Recv failure: Connection reset by peer") }),
    ("timeout", { _, _ in throw ServiceError(kind: .timeout, code: "Timeout", message: "Operation timed out after 2000 ms") }),
    ("503", { _, _ in FakeTransport.json(#"{"__type":"ServiceUnavailable","message":"injected"}"#, status: 503) }),
    ("throttling", { _, _ in FakeTransport.json(#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#, status: 400) }),
  ]

  static let actions: [(String, @Sendable (AWSDMSClient) async throws -> Void)] = [
    ("StartReplicationTask", { _ = try await $0.startReplicationTask(arn: "arn:t", type: .resumeProcessing) }),
    ("StopReplicationTask", { _ = try await $0.stopReplicationTask(arn: "arn:t") }),
    ("ReloadTables", { try await $0.reloadTables(arn: "arn:t", tables: [TableRef(schema: "s", table: "t")], option: .dataReload) }),
    ("TestConnection", { _ = try await $0.testConnection(instanceArn: "arn:i", endpointArn: "arn:e") }),
  ]

  func testMutatingDMSCallsReachTheTransportOnceUnderEveryFault() async throws {
    for (op, call) in Self.actions {
      for (fault, handler) in Self.faults {
        let t = FakeTransport(handler)
        let dms = AWSDMSClient(caller: testCaller(.dms, t, retry: RetryPolicy(maxAttempts: 5, sleeper: { _ in })))
        do {
          try await call(dms)
          XCTFail("\(op) under \(fault) succeeded")
        } catch let e as ServiceError {
          switch fault {
          case "connection reset after sending", "timeout":
            XCTAssertEqual(e.kind, .unknownOutcome, "\(op) under \(fault): \(e)")
            XCTAssertTrue(e.message.contains("outcome is unknown"), e.message)
          case "503": XCTAssertEqual(e.kind, .server, "\(op) under \(fault)")
          default: XCTAssertEqual(e.kind, .throttled, "\(op) under \(fault)")
          }
        }
        XCTAssertEqual(t.requests.count, 1, "\(op) under \(fault) was re-sent")
        XCTAssertEqual(t.requests.first?.header("x-amz-target"), "AmazonDMSv20160101.\(op)")
        XCTAssertEqual(t.requests.first?.header("amz-sdk-request"), "attempt=1; max=1")
        XCTAssertEqual(t.requests.first?.sendOnce, true, "a fresh connection: libcurl cannot re-send it")
      }
    }
  }

  func testConnectionRefusedIsNotAnUnknownOutcome() async throws {
    let t = FakeTransport { _, _ in throw ServiceError(kind: .network, code: "Curl7", message: "Failed to connect") }
    let dms = AWSDMSClient(caller: testCaller(.dms, t))
    await assertThrowsKind(.network) { _ = try await dms.stopReplicationTask(arn: "arn:t") }
    XCTAssertEqual(t.requests.count, 1)
  }

  func testSNSPublishIsSentOnceByTheClient() async throws {
    let t = FakeTransport { _, _ in throw ServiceError(kind: .timeout, code: "Timeout", message: "slow") }
    let sns = AWSSNSClient(caller: testCaller(.sns, t))
    await assertThrowsKind(.unknownOutcome) { _ = try await sns.publish(topicArn: "arn:sns", subject: nil, message: "m") }
    XCTAssertEqual(t.requests.count, 1, "the notifier's loop is the one retry policy for Publish")
  }

  func testAuthenticationRejectionOfAMutatingCallIsResentOnceWithTheServerClock() async throws {
    // Rejected at the front door (signature not yet current): nothing was carried out, so it is re-signed once.
    let t = FakeTransport { req, n in
      n == 1
        ? FakeTransport.json(
          #"{"__type":"InvalidSignatureException","message":"Signature not yet current: \#(req.header("x-amz-date") ?? "") is still later than 20270115T061500Z (20270115T060000Z + 15 min.)"}"#,
          status: 400, headers: ["date": "Fri, 15 Jan 2027 06:00:00 GMT"])
        : FakeTransport.json(#"{"ReplicationTask":{"ReplicationTaskArn":"arn:t","ReplicationTaskIdentifier":"t","Status":"stopping"}}"#)
    }
    _ = try await AWSDMSClient(caller: testCaller(.dms, t)).stopReplicationTask(arn: "arn:t")
    XCTAssertEqual(t.requests.count, 2)
    XCTAssertEqual(t.requests[1].header("x-amz-date"), "20270115T060000Z")
  }

  func testReadsKeepNetworkAnd5xxRetriesAndCanLeaveThrottlingToTheEngine() async throws {
    var noThrottle = RetryPolicy(maxAttempts: 3, sleeper: { _ in })
    noThrottle.retryThrottling = false
    let throttled = FakeTransport { _, _ in FakeTransport.json(#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#, status: 400) }
    await assertThrowsKind(.throttled) {
      _ = try await AWSDMSClient(caller: testCaller(.dms, throttled, retry: noThrottle)).describeEndpoints(marker: nil)
    }
    XCTAssertEqual(throttled.requests.count, 1, "retryThrottling=false: the engine charges throttled retries to its own bucket")
    let reset = FakeTransport { _, _ in throw ServiceError(kind: .network, code: "Curl56", message: "reset") }
    await assertThrowsKind(.network) {
      _ = try await AWSDMSClient(caller: testCaller(.dms, reset, retry: noThrottle)).describeEndpoints(marker: nil)
    }
    XCTAssertEqual(reset.requests.count, 3, "a read is still retried after a network error")
    let e503 = FakeTransport { _, _ in HTTPResponse(status: 503, body: Data()) }
    await assertThrowsKind(.server) {
      _ = try await AWSDMSClient(caller: testCaller(.dms, e503, retry: noThrottle)).describeEndpoints(marker: nil)
    }
    XCTAssertEqual(e503.requests.count, 3)
    // The default still retries throttling (check and the dashboard today).
    let t2 = FakeTransport { _, _ in FakeTransport.json(#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#, status: 400) }
    await assertThrowsKind(.throttled) { _ = try await AWSDMSClient(caller: testCaller(.dms, t2)).describeEndpoints(marker: nil) }
    XCTAssertEqual(t2.requests.count, 3)
  }
}
