import Foundation
import XCTest

@testable import AWSClient

final class SigV4Tests: XCTestCase {
  struct Vector: Decodable {
    var name: String
    var method: String
    var url: String
    var headers: [String: String]
    var body_b64: String
    var access_key: String
    var secret_key: String
    var session_token: String?
    var region: String
    var service: String
    var epoch: Double
    var expected_authorization: String
    var expected_signed_headers: [String: String]
  }
  struct File: Decodable {
    var botocore: String
    var vectors: [Vector]
  }

  func testBotocoreVectorsMatchByteForByte() throws {
    let file = try JSONDecoder().decode(File.self, from: Fixtures.data("sigv4_vectors.json"))
    XCTAssertGreaterThanOrEqual(file.vectors.count, 30)
    var services = Set<String>()
    for v in file.vectors {
      services.insert(v.service)
      let url = try XCTUnwrap(URL(string: v.url), v.name)
      let req = HTTPRequest(method: v.method, url: url, headers: v.headers, body: try XCTUnwrap(Data(base64Encoded: v.body_b64)))
      let creds = AWSCredentials(accessKeyId: v.access_key, secretAccessKey: v.secret_key, sessionToken: v.session_token)
      let signed = SigV4Signer(service: v.service, region: v.region)
        .sign(req, credentials: creds, date: Date(timeIntervalSince1970: v.epoch))
      XCTAssertEqual(signed.header("Authorization"), v.expected_authorization, v.name)
      for (name, value) in v.expected_signed_headers {
        XCTAssertEqual(signed.header(name), value, "\(v.name): header \(name)")
      }
    }
    XCTAssertTrue(services.isSuperset(of: ["dms", "monitoring", "logs", "sts", "sns"]), "\(services)")
  }

  func testSessionTokenAddedAndStaleAuthReplaced() {
    let req = HTTPRequest(
      method: "POST", url: URL(string: "https://dms.eu-west-1.amazonaws.com/")!,
      headers: ["authorization": "stale", "X-AMZ-DATE": "old", "Content-Type": "application/x-amz-json-1.1"], body: Data("{}".utf8))
    let signer = SigV4Signer(service: "dms", region: "eu-west-1")
    let date = Date(timeIntervalSince1970: 1_800_000_000)
    let a = signer.sign(req, credentials: AWSCredentials(accessKeyId: "AK", secretAccessKey: "S", sessionToken: "TOK"), date: date)
    XCTAssertEqual(a.header("x-amz-security-token"), "TOK")
    XCTAssertEqual(a.header("x-amz-date"), "20270115T080000Z")
    XCTAssertEqual(a.headers.keys.filter { $0.lowercased() == "authorization" }.count, 1)
    XCTAssertTrue(a.header("authorization")?.contains("x-amz-security-token") ?? false)
    // A different secret gives a different signature; same inputs give the same one (pure).
    let b = signer.sign(req, credentials: AWSCredentials(accessKeyId: "AK", secretAccessKey: "S2", sessionToken: "TOK"), date: date)
    XCTAssertNotEqual(a.header("authorization"), b.header("authorization"))
    let c = signer.sign(req, credentials: AWSCredentials(accessKeyId: "AK", secretAccessKey: "S", sessionToken: "TOK"), date: date)
    XCTAssertEqual(a, c)
  }

  func testHostHeaderDropsDefaultPorts() {
    XCTAssertEqual(SigV4Signer.hostHeader(URL(string: "https://Logs.US-EAST-1.amazonaws.com:443/")!), "logs.us-east-1.amazonaws.com")
    XCTAssertEqual(SigV4Signer.hostHeader(URL(string: "http://127.0.0.1:80/")!), "127.0.0.1")
    XCTAssertEqual(SigV4Signer.hostHeader(URL(string: "http://127.0.0.1:5055/")!), "127.0.0.1:5055")
  }

  /// The request date is computed from the civil date (no Calendar): leap days, year ends, fractions cut.
  func testAmzDateAtTheEdges() {
    XCTAssertEqual(SigV4Signer.amzDateString(Date(timeIntervalSince1970: 1_709_251_199.999)), "20240229T235959Z")
    XCTAssertEqual(SigV4Signer.amzDateString(Date(timeIntervalSince1970: 946_684_799)), "19991231T235959Z")
    XCTAssertEqual(SigV4Signer.amzDateString(Date(timeIntervalSince1970: 946_684_800)), "20000101T000000Z")
    XCTAssertEqual(SigV4Signer.amzDateString(Date(timeIntervalSince1970: 0)), "19700101T000000Z")
  }
}

final class RedactionTests: XCTestCase {
  func testSignedRequestDescriptionHidesSecrets() {
    let req = HTTPRequest(method: "POST", url: URL(string: "https://dms.eu-west-1.amazonaws.com/")!, headers: ["X-Amz-Target": "T"])
    let signed = SigV4Signer(service: "dms", region: "eu-west-1")
      .sign(req, credentials: AWSCredentials(accessKeyId: "AKIA1234567890", secretAccessKey: "SECRETVALUE", sessionToken: "TOKENVALUE"), date: Date())
    let text = "\(signed) \(String(reflecting: signed))"
    XCTAssertFalse(text.contains("TOKENVALUE"))
    XCTAssertFalse(text.contains("Signature="))
    XCTAssertTrue(text.contains("Authorization: <redacted>"))
    XCTAssertTrue(text.contains("X-Amz-Target: T"))
    let creds = AWSCredentials(accessKeyId: "AKIA1234567890", secretAccessKey: "SECRETVALUE", sessionToken: "TOKENVALUE")
    let ctext = "\(creds) \(String(reflecting: creds))"
    XCTAssertFalse(ctext.contains("SECRETVALUE"))
    XCTAssertFalse(ctext.contains("TOKENVALUE"))
    XCTAssertTrue(ctext.contains("AKIA…7890"))
  }
}
