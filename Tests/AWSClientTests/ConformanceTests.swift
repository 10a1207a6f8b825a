import AWSClient
import DMSWatchModel
import Foundation
import XCTest

/// The AWS client against botocore 1.43.11 and the SDKs reference (issue 15, "AWS client conformance").
final class ConformanceTests: XCTestCase {
  // testCaller's local clock: 2027-01-15T08:00:00Z.
  static let local = "20270115T080000Z"

  /// A service whose clock is `serverStamp`; it rejects requests signed more than 15 min away with the
  /// wording AWS uses for that side, as JSON (DMS) or XML (STS), with or without a Date header.
  func skewService(serverStamp: String, serverDate: String, xml: Bool, dateHeader: Bool) -> FakeTransport {
    FakeTransport { req, _ in
      let sent = req.header("x-amz-date") ?? ""
      if sent == serverStamp { return xml ? HTTPResponse(status: 200, body: Data(Self.stsOK.utf8)) : FakeTransport.json(#"{"Endpoints":[]}"#) }
      let message =
        sent > serverStamp
        ? "Signature not yet current: \(sent) is still later than X (\(serverStamp) + 15 min.)"
        : "Signature expired: \(sent) is now earlier than X (\(serverStamp) - 15 min.)"
      let headers = dateHeader ? ["date": serverDate] : [:]
      if xml {
        let body =
          "<ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>\(message)</Message></Error></ErrorResponse>"
        return HTTPResponse(status: 403, headers: headers.merging(["content-type": "text/xml"]) { a, _ in a }, body: Data(body.utf8))
      }
      return FakeTransport.json(#"{"__type":"InvalidSignatureException","message":"\#(message)"}"#, status: 400, headers: headers)
    }
  }

  static let stsOK =
    "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/u</Arn><Account>123456789012</Account><UserId>U</UserId></GetCallerIdentityResult></GetCallerIdentityResponse>"

  func testClockSkewCorrectedForSlowAndFastLocalClocksInJSONAndXML() async throws {
    let cases: [(String, String, String)] = [
      ("slow local clock", "20270115T100000Z", "Fri, 15 Jan 2027 10:00:00 GMT"),
      ("fast local clock", "20270115T060000Z", "Fri, 15 Jan 2027 06:00:00 GMT"),
    ]
    for (name, stamp, date) in cases {
      for xml in [false, true] {
        for dateHeader in [true, false] {
          let t = skewService(serverStamp: stamp, serverDate: date, xml: xml, dateHeader: dateHeader)
          let ctx = "\(name) \(xml ? "XML" : "JSON") \(dateHeader ? "Date header" : "message only")"
          if xml {
            _ = try await AWSSTSClient(caller: testCaller(.sts, t)).getCallerIdentity()
          } else {
            _ = try await AWSDMSClient(caller: testCaller(.dms, t)).describeEndpoints(marker: nil)
          }
          XCTAssertEqual(t.requests.count, 2, ctx)
          XCTAssertEqual(t.requests.last?.header("x-amz-date"), stamp, ctx)
        }
      }
    }
  }

  func testSkewLearntOncePerScopeIsUsedByEveryClient() async throws {
    let skew = ClockSkew()
    let t = skewService(serverStamp: "20270115T060000Z", serverDate: "Fri, 15 Jan 2027 06:00:00 GMT", xml: false, dateHeader: true)
    func caller(_ spec: ServiceSpec) -> AWSCaller {
      AWSCaller(
        spec: spec, endpoint: URL(string: "https://example.test")!, region: "eu-west-1",
        credentials: StaticCredentialsProvider(AWSCredentials(accessKeyId: "AK", secretAccessKey: "SK")), transport: t,
        retry: RetryPolicy(sleeper: { _ in }), now: { Date(timeIntervalSince1970: 1_800_000_000) }, clockSkew: skew)
    }
    _ = try await AWSDMSClient(caller: caller(.dms)).describeEndpoints(marker: nil)
    XCTAssertEqual(t.requests.count, 2)
    XCTAssertEqual(skew.value, -7200, accuracy: 1)
    // Another client of the same scope signs with the server's clock from its first request.
    _ = try await AWSDMSClient(caller: caller(.cloudwatch)).describeEndpoints(marker: nil)
    XCTAssertEqual(t.requests.count, 3)
    XCTAssertEqual(t.requests[2].header("x-amz-date"), "20270115T060000Z")
  }

  func testFactoryGivesEveryClientOfAScopeOneSkewHolder() async throws {
    let t = FakeTransport { _, _ in HTTPResponse(status: 200, body: Data(Self.stsOK.utf8)) }
    let s = try await AWSClientFactory.makeServices(
      settings: AWSSettings(region: "eu-west-1", endpointURL: URL(string: "http://127.0.0.1:9"), verifyIdentity: false),
      environment: ["AWS_ACCESS_KEY_ID": "AK", "AWS_SECRET_ACCESS_KEY": "SK", "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"],
      transport: t)
    XCTAssertTrue(s.dms.caller.clockSkew === s.metrics.caller.clockSkew)
    XCTAssertTrue(s.dms.caller.clockSkew === s.logs.caller.clockSkew)
    XCTAssertTrue(s.dms.caller.clockSkew === s.sts.caller.clockSkew)
    XCTAssertTrue(s.dms.caller.clockSkew === s.sns.caller.clockSkew)
  }

  func testUserAgentInvocationIdAndAttemptHeadersOnEveryAttempt() async throws {
    let t = FakeTransport { _, n in
      n < 3 ? FakeTransport.json(#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#, status: 400) : FakeTransport.json(#"{"Endpoints":[]}"#)
    }
    _ = try await AWSDMSClient(caller: testCaller(.dms, t)).describeEndpoints(marker: nil)
    XCTAssertEqual(t.requests.count, 3)
    XCTAssertEqual(t.requests.map { $0.header("amz-sdk-request") }, ["attempt=1; max=3", "attempt=2; max=3", "attempt=3; max=3"])
    let ids = Set(t.requests.compactMap { $0.header("amz-sdk-invocation-id") })
    XCTAssertEqual(ids.count, 1, "one invocation id for all attempts of a call")
    XCTAssertNotNil(ids.first.flatMap(UUID.init(uuidString:)), "a UUID, as botocore's uuid4")
    for r in t.requests {
      let ua = r.header("user-agent") ?? ""
      XCTAssertTrue(ua.hasPrefix("dmswatch/\(DMSWatchVersion.string) "), ua)
      // Signed like botocore: the SDK headers are, the User-Agent is not.
      let auth = r.header("authorization") ?? ""
      XCTAssertTrue(auth.contains("amz-sdk-invocation-id;amz-sdk-request"), auth)
      XCTAssertFalse(auth.contains("user-agent"), auth)
    }
    _ = try await AWSDMSClient(caller: testCaller(.dms, t)).describeEndpoints(marker: nil)
    XCTAssertNotEqual(t.requests[3].header("amz-sdk-invocation-id"), t.requests[0].header("amz-sdk-invocation-id"), "a new id per call")
  }

  func testPartitionAwareDefaultEndpoints() throws {
    let cases: [(String, String)] = [
      ("eu-west-1", "https://dms.eu-west-1.amazonaws.com"),
      ("cn-north-1", "https://dms.cn-north-1.amazonaws.com.cn"),
      ("us-gov-west-1", "https://dms.us-gov-west-1.amazonaws.com"),
      ("us-iso-east-1", "https://dms.us-iso-east-1.c2s.ic.gov"),
      ("us-isob-east-1", "https://dms.us-isob-east-1.sc2s.sgov.gov"),
      ("eusc-de-east-1", "https://dms.eusc-de-east-1.amazonaws.eu"),
      // Not yet in botocore's region list: the partition's pattern decides.
      ("us-isob-west-9", "https://dms.us-isob-west-9.sc2s.sgov.gov"),
      ("cn-south-7", "https://dms.cn-south-7.amazonaws.com.cn"),
    ]
    for (region, url) in cases {
      XCTAssertEqual(ServiceSpec.dms.defaultEndpoint(region: region)?.absoluteString, url, region)
    }
    XCTAssertEqual(ServiceSpec.cloudwatch.defaultEndpoint(region: "us-iso-east-1")?.absoluteString, "https://monitoring.us-iso-east-1.c2s.ic.gov")
    XCTAssertEqual(AWSPartition.of(region: "us-gov-east-1").id, "aws-us-gov")
    XCTAssertEqual(AWSPartition.of(region: "mars-north-1").id, "aws", "unknown regions fall back to aws, as botocore")
  }

  func testGeneratedPartitionsAreCurrent() throws {
    // The generator also checks every region/service against botocore's endpoint resolver.
    let (rc, _, err) = try PeerServer.python(
      [Fixtures.repoRoot.appendingPathComponent("scripts/aws/gen_partitions.py").path, "--check"], allowFailure: true)
    XCTAssertEqual(rc, 0, String(decoding: err, as: UTF8.self))
  }

  func testMissingProfileIsReportedBeforeNoRegion() async throws {
    let h = FileManager.default.temporaryDirectory.appendingPathComponent("dmswatch-conf-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: h.appendingPathComponent(".aws"), withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: h) }
    try Data("[profile other]\nregion = eu-west-1\n".utf8).write(to: h.appendingPathComponent(".aws/config"))
    let offline = FakeTransport { _, _ in throw ServiceError(kind: .network, code: "Offline", message: "no") }
    for (settings, env) in [
      (AWSSettings(profile: "prod", verifyIdentity: false), ["HOME": h.path]),
      (AWSSettings(verifyIdentity: false), ["HOME": h.path, "AWS_PROFILE": "prod"]),
    ] {
      do {
        _ = try await AWSClientFactory.makeServices(settings: settings, environment: env, transport: offline)
        XCTFail("missing profile")
      } catch let e as ServiceError {
        XCTAssertEqual(e.code, "ProfileNotFound", e.message)
        XCTAssertTrue(e.message.contains("profile 'prod'"), e.message)
      }
    }
    XCTAssertTrue(offline.requests.isEmpty)
  }
}
