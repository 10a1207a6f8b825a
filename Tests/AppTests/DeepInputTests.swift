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

/// `AppConfig ==` compared only twelve of its nineteen fields (issue 15, "Tests that can fail").
final class AppConfigEqualityTests: XCTestCase {
  func testEveryFieldTakesPartInEquality() {
    let base = AppConfig()
    let changes: [(String, (inout AppConfig) -> Void)] = [
      ("profile", { $0.profile = "p" }), ("region", { $0.region = "r" }), ("endpointURL", { $0.endpointURL = "http://x" }),
      ("readOnly", { $0.readOnly = true }), ("theme", { $0.theme = "t" }), ("refresh", { $0.refresh = 3 }),
      ("tasks", { $0.tasks = ["a"] }), ("latencyWarn", { $0.latencyWarn = 1 }), ("latencyCritical", { $0.latencyCritical = 2 }),
      ("lowThroughput", { $0.lowThroughput = 1 }), ("stallMinutes", { $0.stallMinutes = 1 }),
      ("readinessMinutes", { $0.readinessMinutes = 1 }), ("requireRowCounts", { $0.requireRowCounts = false }), ("dmsCallsPerSecond", { $0.dmsCallsPerSecond = 1 }),
      ("dmsBurst", { $0.dmsBurst = 1 }), ("webhooks", { $0.webhooks = [WebhookTarget(url: "u", format: .json)] }),
      ("snsTopics", { $0.snsTopics = ["s"] }), ("notifyMinInterval", { $0.notifyMinInterval = 1 }),
      ("keys", { $0.keys = [.stop: [.char("X")]] }),
      ("profileOverrides", { $0.profileOverrides = ["prod": (theme: "red", readOnly: true)] }),
      ("scopes", { $0.scopes = [ScopeConfig(profile: "prod", region: "eu-west-1")] }),
      ("reconcile", { $0.reconcile.maxConcurrent = 1 }),
      ("recording", { $0.recording.always = true }),
    ]
    var names = Set<String>()
    for (name, change) in changes {
      var c = base
      change(&c)
      XCTAssertNotEqual(c, base, "\(name) is ignored by ==")
      XCTAssertEqual(c, c)
      names.insert(name)
    }
    var a = base
    a.profileOverrides = ["prod": (theme: "red", readOnly: true)]
    var b = base
    b.profileOverrides = ["prod": (theme: "red", readOnly: false)]
    XCTAssertNotEqual(a, b)
    // Every stored property is listed above: a new field must be added to == and here.
    XCTAssertEqual(Set(Mirror(reflecting: base).children.compactMap(\.label)), names)
  }
}
