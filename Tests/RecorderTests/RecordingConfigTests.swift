import DMSWatchApp
import Foundation
import XCTest

final class RecordingConfigTests: XCTestCase {
  func testRecordingKeys() throws {
    let c = try AppConfig.parse("recording:\n  always: true\n  max_mb: 20\n  keep: 2\n  directory: /var/tmp/rec\n")
    XCTAssertTrue(c.recording.always)
    XCTAssertEqual(c.recording.maxMB, 20)
    XCTAssertEqual(c.recording.keep, 2)
    XCTAssertEqual(c.recording.directory, "/var/tmp/rec")
    XCTAssertNotEqual(c, try AppConfig.parse("recording:\n  always: false\n"))
    XCTAssertFalse(try AppConfig.parse("theme: light\n").recording.always, "off unless asked")
  }

  func testBadRecordingKeysAreErrors() {
    for bad in ["recording:\n  always: maybe\n", "recording:\n  max_mb: 0\n", "recording:\n  directory: rel/path\n", "recording:\n  size: 3\n"] {
      XCTAssertThrowsError(try AppConfig.parse(bad), bad)
    }
  }

  func testSessionFilesAreKeptToTheLimit() throws {
    let dir = NSTemporaryDirectory() + "dmswatch-rc-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir + "/recordings", withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var c = RecordingConfig()
    c.keep = 2
    for i in 0..<4 {
      XCTAssertTrue(FileManager.default.createFile(atPath: dir + "/recordings/session-2026-01-0\(i + 1)T000000Z.dmsrec", contents: Data()))
    }
    let next = c.sessionFile(stateDir: dir, at: Date(timeIntervalSince1970: 1_790_000_000))
    XCTAssertTrue(next.hasPrefix(dir + "/recordings/session-"))
    let left = try FileManager.default.contentsOfDirectory(atPath: dir + "/recordings").sorted()
    XCTAssertEqual(left, ["session-2026-01-04T000000Z.dmsrec"], "the newest is kept; with the new one, two")
  }
}
