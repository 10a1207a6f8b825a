import DMSWatchModel
import DMSWatchRender
import XCTest

@testable import DMSWatchApp
import DMSWatchThemes

/// Nesting is bounded before Yams parses (issue 15): 5,000 `[` overflowed the stack (exit 139).
final class DeepInputTests: XCTestCase {
  static let deepInputs: [(String, String)] = [
    ("flow sequences", String(repeating: "[", count: 5000)),
    ("flow mappings", String(repeating: "{a: ", count: 5000)),
    ("block sequence entries", String(repeating: "- ", count: 5000) + "x"),
    ("indentation", (0..<3000).map { String(repeating: " ", count: $0) + "k\($0):" }.joined(separator: "\n")),
    ("a key, then flow", "poll:\n  tasks: " + String(repeating: "[", count: 5000)),
  ]

  func testDeepConfigIsAClearErrorNotACrash() {
    for (name, text) in Self.deepInputs {
      XCTAssertThrowsError(try AppConfig.parse(text, path: "c.yaml"), name) { e in
        let msg = String(describing: e)
        XCTAssertTrue(msg.hasPrefix("c.yaml:"), msg)
        XCTAssertTrue(msg.contains("nested more than 100 levels"), "\(name): \(msg)")
      }
    }
  }

  func testDeepThemeIsAClearErrorNotACrash() {
    for (name, text) in Self.deepInputs {
      XCTAssertThrowsError(try ThemeLoader.parse(text, name: "t.yaml"), name) { e in
        XCTAssertTrue(String(describing: e).contains("nested more than 100 levels"), "\(name): \(e)")
      }
    }
  }

  func testOrdinaryNestingAndBracketsInStringsAreNotCounted() throws {
    XCTAssertNil(InputLimits.yamlTooDeep("a: \"" + String(repeating: "[", count: 500) + "\"\nb: '{{{{{{'\n# [[[[[[[[\n"))
    XCTAssertNil(InputLimits.yamlTooDeep(String(repeating: "[", count: 99) + String(repeating: "]", count: 99)))
    XCTAssertNotNil(InputLimits.yamlTooDeep(String(repeating: "[", count: 101)))
    // A full config still parses.
    _ = try AppConfig.parse("refresh: 5\nkeys:\n  stop: [x, X]\nprofiles:\n  prod: {theme: high-contrast}\n", path: "c.yaml")
  }
}
