import DMSWatchModel
import XCTest

@testable import DMSWatchApp
import DMSWatchRules

final class ConfigTests: XCTestCase {
  func testFullConfigParses() throws {
    let c = try AppConfig.parse(
      """
      profile: prod
      region: eu-west-1
      read_only: true
      theme: high-contrast
      refresh: 5
      tasks: [orders-cdc, billing]
      thresholds:
        latency_warn: 30
        latency_critical: 120
      budget:
        dms_calls_per_second: 1.5
        burst: 4
      notifications:
        webhooks:
          - url: https://hooks.example.test/x
            format: compat
        sns_topics: [arn:aws:sns:us-east-1:123456789012:dms]
      keys:
        stop: [X, ctrl-x]
        quit: q
      profiles:
        prod: {theme: high-contrast, read_only: true}
      """)
    XCTAssertEqual(c.profile, "prod")
    XCTAssertEqual(c.readOnly, true)
    XCTAssertEqual(c.tasks, ["orders-cdc", "billing"])
    XCTAssertEqual(c.thresholds, Thresholds(latencyWarn: 30, latencyCritical: 120))
    XCTAssertEqual(c.webhooks, [WebhookTarget(url: "https://hooks.example.test/x", format: .compat)])
    XCTAssertEqual(c.keys[.stop], [.char("X"), .ctrl("x")])
    XCTAssertEqual(c.keys[.quit], [.char("q")])
    XCTAssertEqual(c.profileOverrides["prod"]?.readOnly, true)
  }

  func assertError(_ yaml: String, line: Int?, contains: String, file: StaticString = #filePath, fileLine: UInt = #line) {
    XCTAssertThrowsError(try AppConfig.parse(yaml, path: "c.yaml"), file: file, line: fileLine) { e in
      guard let ce = e as? ConfigError else { return XCTFail("not a ConfigError: \(e)", file: file, line: fileLine) }
      XCTAssertEqual(ce.line, line, "\(ce)", file: file, line: fileLine)
      XCTAssertTrue(ce.description.contains(contains), "\(ce)", file: file, line: fileLine)
      if let line { XCTAssertTrue(ce.description.hasPrefix("c.yaml:\(line):"), "\(ce)", file: file, line: fileLine) }
    }
  }

  func testErrorsCarryLineNumbers() {
    assertError("region: x\ntreshold: 3\n", line: 2, contains: "unknown key \"treshold\"")
    assertError("thresholds:\n  latency_warn: fast\n", line: 2, contains: "must be a number")
    assertError("thresholds:\n  latency_warn: 400\n  latency_critical: 300\n", line: 2, contains: "above latency_critical")
    assertError("read_only: maybe\n", line: 1, contains: "true or false")
    assertError("refresh: 0\n", line: 1, contains: "between 1.0 and 3600.0")
    assertError("keys:\n  explode: x\n", line: 2, contains: "unknown command \"explode\"")
    assertError("keys:\n  stop: ctrl-\n", line: 2, contains: "cannot read key")
    assertError("notifications:\n  webhooks:\n    - format: slack\n", line: 3, contains: "needs a url")
    assertError("notifications:\n  webhooks:\n    - url: ftp://x\n", line: 3, contains: "http(s) URL")
    assertError("region: [a\n", line: 2, contains: "not valid YAML")
    assertError("- a\n- b\n", line: 1, contains: "the top level must be a mapping")
    assertError("region: a\nregion: b\n", line: 2, contains: "duplicate key")
  }

  func testEmptyAndMissingFiles() throws {
    XCTAssertEqual(try AppConfig.parse(""), AppConfig())
    XCTAssertEqual(try AppConfig.load(path: "/nonexistent/dmswatch.yaml"), AppConfig())
    XCTAssertThrowsError(try AppConfig.load(path: "/nonexistent/dmswatch.yaml", mustExist: true))
  }

  func testKeySpecs() {
    XCTAssertEqual(KeySpec.parse("ctrl-r"), .ctrl("r"))
    XCTAssertEqual(KeySpec.parse("F5"), .function(5))
    XCTAssertEqual(KeySpec.parse("PgDn"), .pageDown)
    XCTAssertEqual(KeySpec.parse("space"), .char(" "))
    XCTAssertNil(KeySpec.parse("F13"))
    XCTAssertNil(KeySpec.parse("xy"))
  }
}
