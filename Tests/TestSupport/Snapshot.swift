import Foundation
import XCTest
import DMSWatchModel
import DMSWatchRender
import DMSWatchState

/// Compares a grid with the committed snapshot `Tests/__Snapshots__/<TestTarget>/<name>.txt`
/// (`|row|` lines, so trailing blanks survive). With `SNAPSHOT_RECORD=1` in the environment the file is
/// (re)written and the assertion fails, so a recording run is never mistaken for a passing one.
public func assertSnapshot(_ grid: Grid, named name: String, file: StaticString = #filePath, line: UInt = #line) {
  assertSnapshot(text: grid.snapshot(), named: name, file: file, line: line)
}

/// The text form of `assertSnapshot`, for anything already rendered to lines.
public func assertSnapshot(text actual: String, named name: String, file: StaticString = #filePath, line: UInt = #line) {
  let url = snapshotURL(named: name, file: file)
  let recording = ProcessInfo.processInfo.environment["SNAPSHOT_RECORD"] == "1"
  let existing = try? String(contentsOf: url, encoding: .utf8)
  if recording || existing == nil {
    do {
      try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try (actual + "\n").write(to: url, atomically: true, encoding: .utf8)
    } catch {
      XCTFail("cannot write snapshot \(url.path): \(error)", file: file, line: line)
      return
    }
    if recording {
      XCTFail("recorded snapshot \(name) (unset SNAPSHOT_RECORD to compare)", file: file, line: line)
    } else {
      XCTFail("no snapshot \(name) existed; recorded \(url.path): check it and commit it", file: file, line: line)
    }
    return
  }
  guard let existing else { return }
  let expected = existing.hasSuffix("\n") ? String(existing.dropLast()) : existing
  if expected != actual {
    XCTFail("snapshot \(name) differs (SNAPSHOT_RECORD=1 to re-record):\n" + lineDiff(expected: expected, actual: actual), file: file, line: line)
  }
}

/// `Tests/__Snapshots__/<TestTarget>/<name>.txt` for a test file `Tests/<TestTarget>/….swift`.
/// Snapshots live outside the test target directories so SwiftPM does not treat them as unhandled resources.
public func snapshotURL(named name: String, file: StaticString) -> URL {
  let targetDir = URL(fileURLWithPath: "\(file)").deletingLastPathComponent()
  return targetDir.deletingLastPathComponent().appendingPathComponent("__Snapshots__")
    .appendingPathComponent(targetDir.lastPathComponent).appendingPathComponent("\(name).txt")
}

/// A line diff: `-` expected, `+` actual, with the line number, only for lines that differ.
public func lineDiff(expected: String, actual: String) -> String {
  let e = expected.components(separatedBy: "\n"), a = actual.components(separatedBy: "\n")
  var out: [String] = []
  for i in 0..<max(e.count, a.count) {
    let l = i < e.count ? e[i] : nil, r = i < a.count ? a[i] : nil
    if l == r { continue }
    if let l { out.append(String(format: "%4d - ", i + 1) + l) }
    if let r { out.append(String(format: "%4d + ", i + 1) + r) }
  }
  if e.count != a.count { out.append("(expected \(e.count) lines, got \(a.count))") }
  return out.joined(separator: "\n")
}

extension Grid {
  /// The cells of a pane rectangle as `|row|` lines, for per-pane snapshots.
  public func snapshot(of r: Rect) -> String {
    (r.y..<min(height, r.y + r.height)).map { y in
      var s = ""
      for x in max(0, r.x)..<min(width, r.x + r.width) where !self[x, y].isContinuation { s.append(self[x, y].char) }
      return "|" + s + "|"
    }.joined(separator: "\n")
  }
}

/// One letter per role, in `Role.allCases` order, for role snapshots.
public let roleLetters: [Role: Character] = {
  let letters = Array("tdfFiIhHcSsmoWEuBRTPlLXg1234KkvVbN")
  var out: [Role: Character] = [:]
  for (i, r) in Role.allCases.enumerated() { out[r] = i < letters.count ? letters[i] : "?" }
  return out
}()

extension Grid {
  /// The roles of a rectangle as `|row|` lines, one letter per cell (blank cells with the text role are spaces),
  /// preceded by the legend of the letters used, so colouring regressions show up in a snapshot diff.
  public func roleSnapshot(of r: Rect? = nil) -> String {
    let r = r ?? Rect(x: 0, y: 0, width: width, height: height)
    var used = Set<Role>()
    var rows: [String] = []
    for y in max(0, r.y)..<min(height, r.y + r.height) {
      var line = ""
      for x in max(0, r.x)..<min(width, r.x + r.width) {
        let c = self[x, y]
        if c.role == .text && c.char == " " && !c.isContinuation {
          line.append(" ")
        } else {
          used.insert(c.role)
          line.append(roleLetters[c.role] ?? "?")
        }
      }
      rows.append("|" + line + "|")
    }
    let legend = Role.allCases.filter { used.contains($0) }.map { "\(roleLetters[$0] ?? "?")=\($0.rawValue)" }.joined(separator: " ")
    return "roles: " + legend + "\n" + rows.joined(separator: "\n")
  }
}
