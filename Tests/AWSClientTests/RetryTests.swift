import AWSClient
import DMSWatchModel
import Foundation
import XCTest

final class RetryTests: XCTestCase {
  func testBackoffFormulaAndEnvironment() throws {
    let p = RetryPolicy(sleeper: { _ in }, random: { 0.5 })
    XCTAssertEqual(p.delay(afterAttempt: 1), 0.5)
    XCTAssertEqual(p.delay(afterAttempt: 2), 1.0)
    XCTAssertEqual(p.delay(afterAttempt: 5), 8.0)
    XCTAssertEqual(p.delay(afterAttempt: 9), 10.0, "capped at 20 s × rand")
    XCTAssertEqual(try RetryPolicy.from(environment: [:]).maxAttempts, 3)
    XCTAssertEqual(try RetryPolicy.from(environment: ["AWS_MAX_ATTEMPTS": "7"]).maxAttempts, 7)
    XCTAssertEqual(try RetryPolicy.from(environment: [:], profile: ["max_attempts": "2"]).maxAttempts, 2)
    XCTAssertEqual(try RetryPolicy.from(environment: ["AWS_RETRY_MODE": "legacy"]).maxAttempts, 5)
    XCTAssertThrowsError(try RetryPolicy.from(environment: ["AWS_MAX_ATTEMPTS": "zero"]))
    XCTAssertThrowsError(try RetryPolicy.from(environment: ["AWS_RETRY_MODE": "yolo"]))
  }

  func testThrottlingRetriedWithJitteredSleepsThenSucceeds() async throws {
    let sleeps = Box<[TimeInterval]>([])
    let t = FakeTransport { _, n in
      n < 3 ? FakeTransport.json(#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#, status: 400) : FakeTransport.json(#"{"Endpoints":[]}"#)
    }
    let quota = RetryQuota()
    let retry = RetryPolicy(maxAttempts: 3, sleeper: { s in sleeps.value.append(s) }, random: { 0.25 })
    let dms = AWSDMSClient(caller: testCaller(.dms, t, retry: retry, quota: quota))
    _ = try await dms.describeEndpoints(marker: nil)
    XCTAssertEqual(t.requests.count, 3)
    XCTAssertEqual(sleeps.value, [0.25, 0.5])
    let avail = await quota.available
    XCTAssertEqual(avail, 500, "the 10 tokens the retries took are refunded on success")
    // Each attempt is signed afresh (same date here, so same signature, but never stale headers).
    XCTAssertEqual(t.requests.map { $0.headers.keys.filter { $0.lowercased() == "authorization" }.count }, [1, 1, 1])
  }

  func testNonRetryableErrorsFailFastAndAttemptsAreBounded() async throws {
    let t = FakeTransport { _, _ in FakeTransport.json(#"{"__type":"ResourceNotFoundFault","message":"x"}"#, status: 400) }
    let dms = AWSDMSClient(caller: testCaller(.dms, t))
    await assertThrowsKind(.notFound) { _ = try await dms.describeEndpoints(marker: nil) }
    XCTAssertEqual(t.requests.count, 1)

    let t2 = FakeTransport { _, _ in HTTPResponse(status: 503, body: Data()) }
    let dms2 = AWSDMSClient(caller: testCaller(.dms, t2, retry: RetryPolicy(maxAttempts: 4, sleeper: { _ in })))
    await assertThrowsKind(.server) { _ = try await dms2.describeEndpoints(marker: nil) }
    XCTAssertEqual(t2.requests.count, 4)

    let t3 = FakeTransport { _, _ in throw ServiceError(kind: .timeout, code: "Timeout", message: "slow") }
    let dms3 = AWSDMSClient(caller: testCaller(.dms, t3))
    await assertThrowsKind(.timeout) { _ = try await dms3.describeEndpoints(marker: nil) }
    XCTAssertEqual(t3.requests.count, 3)
  }

  func testQuotaExhaustionStopsRetries() async throws {
    let quota = RetryQuota(capacity: 12)
    let t = FakeTransport { _, _ in throw ServiceError(kind: .network, code: "Curl7", message: "refused") }
    let dms = AWSDMSClient(caller: testCaller(.dms, t, retry: RetryPolicy(maxAttempts: 10, sleeper: { _ in }), quota: quota))
    await assertThrowsKind(.network) { _ = try await dms.describeEndpoints(marker: nil) }
    XCTAssertEqual(t.requests.count, 3, "12 tokens pay for two retries of cost 5")
    let left = await quota.available
    XCTAssertEqual(left, 2)
    let t2 = FakeTransport { _, _ in throw ServiceError(kind: .timeout, code: "Timeout", message: "slow") }
    let q2 = RetryQuota(capacity: 12)
    let dms2 = AWSDMSClient(caller: testCaller(.dms, t2, retry: RetryPolicy(maxAttempts: 10, sleeper: { _ in }), quota: q2))
    await assertThrowsKind(.timeout) { _ = try await dms2.describeEndpoints(marker: nil) }
    XCTAssertEqual(t2.requests.count, 2, "a timeout retry costs 10")
  }

  struct CountingProvider: CredentialsProvider {
    let n = Box(0)
    func credentials() async throws -> AWSCredentials {
      n.value += 1
      return AWSCredentials(accessKeyId: "ASIAGEN\(n.value)", secretAccessKey: "s", sessionToken: "t", expiration: Date().addingTimeInterval(3600))
    }
  }

  func testExpiredTokenDropsCachedCredentialsAndRetriesOnce() async throws {
    let t = FakeTransport { req, _ in
      req.header("authorization")?.contains("ASIAGEN1/") == true
        ? FakeTransport.json(#"{"__type":"ExpiredTokenException","message":"The security token included in the request is expired"}"#, status: 400)
        : FakeTransport.json(#"{"Endpoints":[]}"#)
    }
    let cache = CachingCredentialsProvider(CountingProvider())
    let caller = AWSCaller(
      spec: .dms, endpoint: URL(string: "https://example.test")!, region: "eu-west-1", credentials: cache, transport: t,
      retry: RetryPolicy(sleeper: { _ in }))
    _ = try await AWSDMSClient(caller: caller).describeEndpoints(marker: nil)
    XCTAssertEqual(t.requests.count, 2)
    XCTAssertTrue(t.requests[1].header("authorization")?.contains("ASIAGEN2/") ?? false)
    // Always expired: exactly one refresh, then the typed error.
    let t2 = FakeTransport { _, _ in FakeTransport.json(#"{"__type":"ExpiredTokenException","message":"expired"}"#, status: 400) }
    let caller2 = AWSCaller(
      spec: .dms, endpoint: URL(string: "https://example.test")!, region: "eu-west-1", credentials: CachingCredentialsProvider(CountingProvider()),
      transport: t2, retry: RetryPolicy(sleeper: { _ in }))
    await assertThrowsKind(.credentials) { _ = try await AWSDMSClient(caller: caller2).describeEndpoints(marker: nil) }
    XCTAssertEqual(t2.requests.count, 2)
  }

  func testNewRetries2026OptIn() async throws {
    var p = try RetryPolicy.from(environment: ["AWS_NEW_RETRIES_2026": "true"])
    p.random = { 0.5 }
    XCTAssertTrue(p.newRetries2026)
    XCTAssertEqual(p.delay(afterAttempt: 1, throttled: true), 0.5)
    XCTAssertEqual(p.delay(afterAttempt: 1, throttled: false), 0.025, accuracy: 1e-9)
    XCTAssertEqual(p.delay(afterAttempt: 3, throttled: false), 0.1, accuracy: 1e-9)
    XCTAssertEqual(p.delay(afterAttempt: 1, throttled: true, retryAfter: 2), 2, "retry-after honoured")
    XCTAssertEqual(p.delay(afterAttempt: 1, throttled: true, retryAfter: 60), 5.5, "adds at most 5 s")
    XCTAssertEqual(RetryPolicy(random: { 0.5 }).delay(afterAttempt: 1, throttled: false, retryAfter: 60), 0.5, "ignored in standard mode")
    let q = RetryQuota(capacity: 20)
    let c1 = await q.acquire(for: ServiceError(kind: .server, code: "X", message: ""), newRetries: true)
    let c2 = await q.acquire(for: ServiceError(kind: .throttled, code: "Throttling", message: ""), newRetries: true)
    XCTAssertEqual(c1, 14)
    XCTAssertEqual(c2, 5)

    let sleeps = Box<[TimeInterval]>([])
    let t = FakeTransport { _, n in
      n == 1 ? FakeTransport.json(#"{"__type":"ThrottlingException","message":"slow down"}"#, status: 400, headers: ["x-amz-retry-after": "1500"])
        : FakeTransport.json(#"{"Endpoints":[]}"#)
    }
    var policy = p
    policy.sleeper = { s in sleeps.value.append(s) }
    _ = try await AWSDMSClient(caller: testCaller(.dms, t, retry: policy)).describeEndpoints(marker: nil)
    XCTAssertEqual(sleeps.value, [1.5])
  }

  func testClockSkewCorrectedFromDateHeader() async throws {
    // The local clock (testCaller: 2027-01-15T08:00:00Z) is 2 hours behind the service.
    let server = Date(timeIntervalSince1970: 1_800_000_000 + 7200)
    let t = FakeTransport { req, _ in
      let sent = req.header("x-amz-date") ?? ""
      if sent != "20270115T100000Z" {
        return FakeTransport.json(
          #"{"__type":"InvalidSignatureException","message":"Signature expired: \#(sent) is now earlier than 20270115T095500Z"}"#, status: 400,
          headers: ["date": "Fri, 15 Jan 2027 10:00:00 GMT"])
      }
      return FakeTransport.json(#"{"Endpoints":[]}"#)
    }
    let dms = AWSDMSClient(caller: testCaller(.dms, t))
    _ = try await dms.describeEndpoints(marker: nil)
    XCTAssertEqual(t.requests.count, 2)
    XCTAssertEqual(t.requests[1].header("x-amz-date"), SigV4Signer.amzDateString(server))
    _ = try await dms.describeEndpoints(marker: nil)
    XCTAssertEqual(t.requests.count, 3, "the learnt offset sticks")
  }
}
