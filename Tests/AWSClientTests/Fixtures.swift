import Foundation
import XCTest

/// Fixture files live next to the tests (Tests/AWSClientTests/Fixtures) and are read by path.
enum Fixtures {
  static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
  static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  static func data(_ name: String) throws -> Data {
    try Data(contentsOf: dir.appendingPathComponent(name))
  }
}
