import AWSClient
import DMSWatchModel
import Foundation
import XCTest

final class FactoryTests: XCTestCase {
  func home() throws -> URL {
    let h = FileManager.default.temporaryDirectory.appendingPathComponent("dmswatch-factory-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: h.appendingPathComponent(".aws"), withIntermediateDirectories: true)
    addTeardownBlock { try? FileManager.default.removeItem(at: h) }
    return h
  }

  let offline = FakeTransport { req, _ in
    throw ServiceError(kind: .network, code: "Offline", message: "unexpected request to \(req.url)")
  }

  func testMissingRegionAndBrokenConfigAreClear() async throws {
    let h = try home()
    let env = ["HOME": h.path, "AWS_EC2_METADATA_DISABLED": "true", "AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "B"]
    do {
      _ = try await AWSClientFactory.makeServices(settings: AWSSettings(verifyIdentity: false), environment: env, transport: offline)
      XCTFail("no region")
    } catch let e as ServiceError {
      XCTAssertEqual(e.code, "NoRegion")
      XCTAssertTrue(e.message.contains("--region"), e.message)
    }
    try Data("[default]\nregion = eu-west-1\n[profile x\n".utf8).write(to: h.appendingPathComponent(".aws/config"))
    do {
      _ = try await AWSClientFactory.makeServices(settings: AWSSettings(verifyIdentity: false), environment: env, transport: offline)
      XCTFail("broken config")
    } catch let e as ServiceError {
      XCTAssertEqual(e.kind, .credentials)
      XCTAssertTrue(e.message.contains(".aws/config: line 3"), e.message)
    }
  }

  func testEndpointsRegionAndRetryFromProfileWithoutNetwork() async throws {
    let h = try home()
    try Data("""
      [profile dev]
      region = ap-southeast-2
      max_attempts = 5
      services = local
      [services local]
      cloudwatch_logs =
        endpoint_url = http://127.0.0.1:4599
      """.utf8).write(to: h.appendingPathComponent(".aws/config"))
    try Data("[dev]\naws_access_key_id = AKIADEV\naws_secret_access_key = devsecret\n".utf8).write(to: h.appendingPathComponent(".aws/credentials"))
    let env = ["HOME": h.path, "AWS_EC2_METADATA_DISABLED": "true", "AWS_PROFILE": "dev"]
    let s = try await AWSClientFactory.makeServices(settings: AWSSettings(verifyIdentity: false), environment: env, transport: offline)
    XCTAssertEqual(s.region, "ap-southeast-2")
    XCTAssertEqual(s.identityLabel, "aws:dev ap-southeast-2")
    XCTAssertTrue(s.credentialSource.contains("profile dev"))
    XCTAssertEqual(s.logs.caller.endpoint.absoluteString, "http://127.0.0.1:4599")
    XCTAssertEqual(s.dms.caller.endpoint.absoluteString, "https://dms.ap-southeast-2.amazonaws.com")
    XCTAssertEqual(s.metrics.caller.endpoint.absoluteString, "https://monitoring.ap-southeast-2.amazonaws.com")
    XCTAssertEqual(s.dms.caller.retry.maxAttempts, 5)
    XCTAssertTrue(s.dms.caller.quota === s.logs.caller.quota, "one retry quota per session")
    XCTAssertTrue(offline.requests.isEmpty, "nothing was sent")
  }

  func testUnreachableIdentityStillStartsButBadCredentialsStop() async throws {
    let h = try home()
    let env = [
      "HOME": h.path, "AWS_EC2_METADATA_DISABLED": "true", "AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "B",
      "AWS_REGION": "us-east-1",
    ]
    let settings = AWSSettings(endpointURL: URL(string: "http://127.0.0.1:9"), retry: RetryPolicy(maxAttempts: 2, sleeper: { _ in }))
    // Connection refused (a network error, retried): the session starts, the identity is marked unknown.
    let s = try await AWSClientFactory.makeServices(settings: settings, environment: env, transport: offline)
    XCTAssertEqual(s.identityLabel, "aws:default us-east-1 account ?")
    XCTAssertEqual(offline.requests.count, 2, "GetCallerIdentity was tried with retries")

    // Rejected keys are not a network problem: they still stop the start-up.
    let rejecting = FakeTransport { _, _ in
      HTTPResponse(
        status: 403, headers: ["content-type": "text/xml"],
        body: Data(
          "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error></ErrorResponse>"
            .utf8))
    }
    do {
      _ = try await AWSClientFactory.makeServices(settings: settings, environment: env, transport: rejecting)
      XCTFail("rejected credentials must fail")
    } catch let e as ServiceError {
      XCTAssertEqual(e.kind, .credentials)
      XCTAssertEqual(e.code, "InvalidClientTokenId")
    }
  }
}
