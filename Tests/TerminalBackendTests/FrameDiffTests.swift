import DMSWatchModel
import DMSWatchRender
import Foundation
import TerminalBackend
import XCTest
import DMSWatchState

final class FrameDiffTests: XCTestCase {
  private func grid(_ rows: [String], width: Int, role: Role = .text) -> Grid {
    var g = Grid(width: width, height: rows.count)
    for (y, row) in rows.enumerated() { g.put(row, x: 0, y: y, role: role) }
    return g
  }

  /// Writes runs onto a copy of `old` the way the backend does, to check that they rebuild `new`.
  private func apply(_ runs: [Run], to old: Grid) -> Grid {
    var g = old
    for run in runs {
      for (k, cell) in run.cells.enumerated() { g[run.column + k, run.row] = cell }
    }
    return g
  }

  /// Orphan continuation cells (overwritten leads) are drawn as blanks; make that explicit.
  private func normalized(_ g: Grid) -> Grid {
    var out = g
    for y in 0..<g.height {
      for x in 0..<g.width where g[x, y].isContinuation && (x == 0 || g[x - 1, y].isContinuation) {
        out[x, y] = Cell(" ", role: g[x, y].role)
      }
    }
    return out
  }

  func testIdenticalGridsHaveNoRuns() {
    let a = grid(["hello", "world"], width: 8)
    XCTAssertEqual(FrameDiff.runs(old: a, new: a), [])
  }

  func testNilOldIsAFullPaint() {
    let a = grid(["ab", "cd"], width: 4)
    let runs = FrameDiff.runs(old: nil, new: a)
    XCTAssertEqual(runs.count, 2)
    XCTAssertEqual(runs.map(\.row), [0, 1])
    XCTAssertTrue(runs.allSatisfy { $0.column == 0 && $0.cells.count == 4 && $0.role == .text })
    XCTAssertEqual(apply(runs, to: Grid(width: 4, height: 2, fill: Cell("#"))), a)
  }

  func testSizeChangeIsAFullPaint() {
    let old = grid(["ab"], width: 4)
    let new = grid(["ab", "cd"], width: 4)
    let runs = FrameDiff.runs(old: old, new: new)
    XCTAssertEqual(runs.reduce(0) { $0 + $1.cells.count }, 8)
    let wider = grid(["ab"], width: 5)
    XCTAssertEqual(FrameDiff.runs(old: old, new: wider).reduce(0) { $0 + $1.cells.count }, 5)
  }

  func testOneChangedCellIsOneRunOfOneCell() {
    let old = grid(["hello", "world"], width: 8)
    var new = old
    new[3, 1] = Cell("X")
    XCTAssertEqual(FrameDiff.runs(old: old, new: new), [Run(row: 1, column: 3, role: .text, cells: [Cell("X")])])
  }

  func testAdjacentChangesMergeAndGapsSplit() {
    let old = grid(["abcdefgh"], width: 8)
    var new = old
    new[1, 0] = Cell("1")
    new[2, 0] = Cell("2")
    new[6, 0] = Cell("6")
    let runs = FrameDiff.runs(old: old, new: new)
    XCTAssertEqual(runs, [
      Run(row: 0, column: 1, role: .text, cells: [Cell("1"), Cell("2")]),
      Run(row: 0, column: 6, role: .text, cells: [Cell("6")]),
    ])
  }

  func testRoleChangeOnlyIsARun() {
    let old = grid(["abcd"], width: 4)
    var new = old
    new.paint(Rect(x: 1, y: 0, width: 2, height: 1), role: .selected)
    XCTAssertEqual(FrameDiff.runs(old: old, new: new), [
      Run(row: 0, column: 1, role: .selected, cells: [Cell("b", role: .selected), Cell("c", role: .selected)])
    ])
  }

  func testAdjacentChangesWithDifferentRolesSplit() {
    let old = grid(["abcd"], width: 4)
    var new = old
    new[1, 0] = Cell("x", role: .error)
    new[2, 0] = Cell("y", role: .ok)
    let runs = FrameDiff.runs(old: old, new: new)
    XCTAssertEqual(runs.map(\.role), [.error, .ok])
    XCTAssertEqual(runs.map(\.column), [1, 2])
  }

  func testWideCharReplacedRepaintsBothCells() {
    let old = grid(["ab中cd"], width: 8)
    let new = grid(["ab日cd"], width: 8)
    let runs = FrameDiff.runs(old: old, new: new)
    XCTAssertEqual(runs.count, 1)
    XCTAssertEqual(runs[0].column, 2)
    XCTAssertEqual(runs[0].cells.count, 2)
    XCTAssertEqual(runs[0].cells[0].char, "日")
    XCTAssertTrue(runs[0].cells[1].isContinuation)
  }

  func testWideReplacedByNarrowAndBack() {
    let wide = grid(["a中b"], width: 6)
    let narrow = grid(["axyb"], width: 6)
    let toNarrow = FrameDiff.runs(old: wide, new: narrow)
    XCTAssertEqual(toNarrow, [Run(row: 0, column: 1, role: .text, cells: [Cell("x"), Cell("y")])])
    let toWide = FrameDiff.runs(old: narrow, new: wide)
    XCTAssertEqual(toWide.count, 1)
    XCTAssertEqual(toWide[0].column, 1)
    XCTAssertEqual(toWide[0].cells.map(\.isContinuation), [false, true])
  }

  func testChangeInContinuationSlotRepaintsTheLead() {
    // Something overwrote the right half of a wide character: the lead must be repainted too.
    let old = grid(["a中b"], width: 6)
    var new = old
    new[2, 0] = Cell("z")
    let runs = FrameDiff.runs(old: old, new: new)
    XCTAssertEqual(runs.count, 1)
    XCTAssertEqual(runs[0].column, 1)
    XCTAssertEqual(runs[0].cells.first?.char, "中")
  }

  func testRoleChangeOfWideCharKeepsContinuationInTheRun() {
    let old = grid(["中"], width: 4)
    var new = old
    new[0, 0] = Cell("中", role: .error)  // continuation keeps role .text
    let runs = FrameDiff.runs(old: old, new: new)
    XCTAssertEqual(runs.count, 1)
    XCTAssertEqual(runs[0].role, .error)
    XCTAssertEqual(runs[0].cells.count, 2)
  }

  func testOrphanContinuationBecomesABlankAndNeverStartsARun() {
    var new = Grid(width: 4, height: 1)
    new[0, 0] = Cell(" ", isContinuation: true)
    let runs = FrameDiff.runs(old: nil, new: new)
    XCTAssertEqual(runs.count, 1)
    XCTAssertFalse(runs[0].cells[0].isContinuation)
    XCTAssertEqual(runs[0].cells[0].char, " ")
  }

  func testZeroSizeGridHasNoRuns() {
    XCTAssertEqual(FrameDiff.runs(old: nil, new: Grid(width: 0, height: 3)), [])
  }

  func testRandomEditsRebuildTheNewGridAndNeverStartOnAContinuation() {
    var rng = SeededRNG(seed: 7)
    let words = ["ok", "中文", "x", "😀", "abc", "日本語", "é", " "]
    let roles: [Role] = [.text, .error, .ok, .selected]
    for _ in 0..<300 {
      var old = Grid(width: 17, height: 3)
      for _ in 0..<6 {
        old.put(words[Int.random(in: 0..<words.count, using: &rng)], x: Int.random(in: 0..<17, using: &rng),
                y: Int.random(in: 0..<3, using: &rng), role: roles[Int.random(in: 0..<roles.count, using: &rng)])
      }
      old = normalized(old)
      var new = old
      for _ in 0..<Int.random(in: 0...4, using: &rng) {
        new.put(words[Int.random(in: 0..<words.count, using: &rng)], x: Int.random(in: 0..<17, using: &rng),
                y: Int.random(in: 0..<3, using: &rng), role: roles[Int.random(in: 0..<roles.count, using: &rng)])
      }
      new = normalized(new)
      let runs = FrameDiff.runs(old: old, new: new)
      for run in runs {
        XCTAssertFalse(run.cells.isEmpty)
        XCTAssertFalse(run.cells[0].isContinuation, "run starts on a continuation cell")
        XCTAssertEqual(run.cells[0].role, run.role)
        // A wide lead in a run is followed by its continuation in the same run.
        for (k, cell) in run.cells.enumerated() where k + 1 < run.cells.count || run.column + k + 1 < new.width {
          if run.column + k + 1 < new.width, new[run.column + k + 1, run.row].isContinuation, !cell.isContinuation {
            XCTAssertLessThan(k + 1, run.cells.count, "wide lead without its continuation")
          }
        }
      }
      XCTAssertEqual(apply(runs, to: old), new)
      if old == new { XCTAssertEqual(runs, []) }
    }
  }

  func testPerformance200x50With40Changes() {
    var old = Grid(width: 200, height: 50)
    for y in 0..<50 { old.put(String(repeating: "task-\(y) running 12.5% ", count: 8), x: 0, y: y, role: y % 3 == 0 ? .text : .dim) }
    var new = old
    var rng = SeededRNG(seed: 1)
    for _ in 0..<40 { new[Int.random(in: 0..<200, using: &rng), Int.random(in: 0..<50, using: &rng)] = Cell("#", role: .warn) }
    var runs: [Run] = []
    let iterations = 200
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<iterations { runs = FrameDiff.runs(old: old, new: new) }
    let perFrame = Double(DispatchTime.now().uptimeNanoseconds - start) / Double(iterations) / 1_000_000
    print("FrameDiff 200x50, ~40 changed cells: \(String(format: "%.3f", perFrame)) ms/frame, \(runs.count) runs")
    XCTAssertGreaterThan(runs.count, 0)
    XCTAssertLessThanOrEqual(runs.reduce(0) { $0 + $1.cells.count }, 80)
    XCTAssertLessThan(perFrame, 50, "diff too slow")
  }
}
