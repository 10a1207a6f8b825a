import Foundation
import XCTest

@testable import AWSClient

final class JSONParserTests: XCTestCase {
  func p(_ s: String) throws -> JSONValue { try JSONValue.parse(Data(s.utf8)) }

  func testScalarsNumbersAndOrder() throws {
    let v = try p(#" { "b": 1, "a": [true, false, null, -0.5, 1e3, 9223372036854775807, 92233720368547758080], "c": {} } "#)
    guard case .object(let pairs) = v else { return XCTFail() }
    XCTAssertEqual(pairs.map(\.0), ["b", "a", "c"], "document order")
    XCTAssertEqual(v["b"], .int(1))
    XCTAssertEqual(
      v["a"]?.array,
      [.bool(true), .bool(false), .null, .double(-0.5), .double(1000), .int(Int64.max), .double(92233720368547758080)])
    XCTAssertEqual(v["c"], .object([]))
    XCTAssertEqual(try p("42"), .int(42))
  }

  func testStringsAndEscapes() throws {
    XCTAssertEqual(try p(#""a\"b\\c\/d\n\t\u00e9\ud83d\ude00""#), .string("a\"b\\c/d\n\té😀"))
    XCTAssertEqual(try p(#""plain ünïcödé""#), .string("plain ünïcödé"))
  }

  func testRoundTripsWithTheEncoder() throws {
    let v = JSONValue.object([("k", .string("q\"\n\u{1}")), ("n", .array([.int(-3), .double(2.5), .null]))])
    XCTAssertEqual(try JSONValue.parse(v.encoded()), v)
  }

  func testRejectsMalformed() {
    for bad in ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "\"abc", "\"\\x\"", "tru", "[1] 2", "{\"a\":1,}", "\"a\u{1}b\""] {
      XCTAssertThrowsError(try p(bad), bad)
    }
    let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
    XCTAssertThrowsError(try p(deep), "bounded nesting, no stack overflow")
  }
}

/// Issue 12 (`y`): raw JSON is indented in the service's key order, and secret values never shown.
final class RawJSONTests: XCTestCase {
  func testPrettyRedactedHidesSecretsAtAnyDepth() throws {
    let v = try JSONParser.parse(Data(#"{"ReplicationTaskIdentifier":"orders","Settings":{"Password":"hunter2","SecretsManagerSecretId":"arn:secret","SecretsManagerAccessRoleArn":"arn:role","Port":5432},"Tags":[{"Key":"SessionToken","Value":"x"}],"Empty":{},"List":[]}"#.utf8))
    let text = v.prettyRedacted()
    XCTAssertFalse(text.contains("hunter2"))
    XCTAssertTrue(text.contains(#""Password": "<redacted>""#), text)
    XCTAssertTrue(text.contains(#""SecretsManagerAccessRoleArn": "arn:role""#), "an ARN naming a role is not a secret")
    XCTAssertTrue(text.contains(#""SecretsManagerSecretId": "arn:secret""#), "an id naming a secret is not a secret")
    XCTAssertTrue(text.hasPrefix("{\n  \"ReplicationTaskIdentifier\": \"orders\",\n  \"Settings\": {\n    \"Password\""), text)
    XCTAssertTrue(text.contains(#""Empty": {}"#) && text.contains(#""List": []"#))
  }

  func testSecretsInsideSettingsStringsAreRedactedToo() throws {
    // DMS returns task settings and endpoint settings as JSON inside a string (here two levels deep).
    let nested = JSONValue.object([("AuthToken", .string("tok-123"))]).serialized()
    let settings = JSONValue.object([
      ("Logging", .object([("EnableLogging", .bool(true))])),
      ("S3Settings", .object([("Password", .string("hunter2")), ("Nested", .string(nested))])),
    ]).serialized()
    let doc = JSONValue.object([
      ("ReplicationTaskSettings", .string(settings)), ("TableMappings", .string(#"{"rules":[]}"#)), ("Note", .string("{not json")),
    ])
    let text = try JSONParser.parse(doc.encoded()).prettyRedacted()
    XCTAssertFalse(text.contains("hunter2"), text)
    XCTAssertFalse(text.contains("tok-123"), text)
    XCTAssertTrue(text.contains("<redacted>"), text)
    XCTAssertTrue(text.contains(#"\"EnableLogging\":true"#), "the rest of the settings stay as DMS sent them: \(text)")
    XCTAssertTrue(text.contains(#""TableMappings": "{\"rules\":[]}""#), "no secret: the string is untouched: \(text)")
    XCTAssertTrue(text.contains(#""Note": "{not json""#), text)
  }
}
