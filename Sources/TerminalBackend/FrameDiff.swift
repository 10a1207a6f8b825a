import DMSWatchRender
import Foundation

/// Consecutive cells on one row to write with one role. The first cell is never a continuation
/// cell; a wide character's continuation cell always follows its lead in the same run.
public struct Run: Sendable, Equatable {
  public var row: Int
  public var column: Int
  public var role: Role
  public var cells: [Cell]

  public init(row: Int, column: Int, role: Role, cells: [Cell]) {
    self.row = row
    self.column = column
    self.role = role
    self.cells = cells
  }
}

/// Pure frame diffing: which cells changed between the last presented grid and the new one.
public enum FrameDiff {
  /// Runs of changed cells, merged when adjacent with the same role. A nil old grid or one of a
  /// different size yields a full paint. When a wide character changes (or replaces/is replaced
  /// by narrow ones), both of its cells are repainted.
  public static func runs(old: Grid?, new: Grid) -> [Run] {
    let width = new.width
    guard width > 0, new.height > 0 else { return [] }
    let full = old.map { $0.width != new.width || $0.height != new.height } ?? true
    var runs: [Run] = []
    var mark = [Bool](repeating: false, count: width)
    var changed = [Bool](repeating: false, count: width)
    new.cells.withUnsafeBufferPointer { newCells in
      for y in 0..<new.height {
        let base = y * width
        if full {
          for x in 0..<width { mark[x] = true }
        } else if let old {
          var any = false
          old.cells.withUnsafeBufferPointer { oldCells in
            // Fast path: a bitwise-identical row is unchanged (a bitwise difference proves nothing,
            // e.g. padding or a different string representation, so fall back to ==).
            if let o = oldCells.baseAddress, let n = newCells.baseAddress,
              memcmp(o + base, n + base, width * MemoryLayout<Cell>.stride) == 0
            {
              return
            }
            for x in 0..<width {
              let c = !same(oldCells[base + x], newCells[base + x])
              changed[x] = c
              mark[x] = c
              any = any || c
            }
            guard any else { return }
            // Widen: a changed cell next to a wide character (old or new) repaints the whole glyph.
            for x in 0..<width where changed[x] {
              if x > 0, newCells[base + x].isContinuation || oldCells[base + x].isContinuation { mark[x - 1] = true }
              if x + 1 < width, newCells[base + x + 1].isContinuation || oldCells[base + x + 1].isContinuation {
                mark[x + 1] = true
              }
            }
          }
          if !any { continue }
        }
        appendRuns(row: y, base: base, width: width, cells: newCells, mark: mark, into: &runs)
      }
    }
    return runs
  }

  /// Cell equality with a cheap path for the common single-scalar ASCII case.
  @inline(__always)
  static func same(_ a: Cell, _ b: Cell) -> Bool {
    a.role == b.role && a.isContinuation == b.isContinuation && a.char == b.char
  }

  private static func appendRuns(
    row: Int, base: Int, width: Int, cells: UnsafeBufferPointer<Cell>, mark: [Bool], into runs: inout [Run]
  ) {
    var open = false  // whether runs.last belongs to this row and may be extended
    for x in 0..<width where mark[x] {
      var cell = cells[base + x]
      // A continuation cell is proper only right after a non-continuation lead; otherwise it is a blank.
      let proper = cell.isContinuation && x > 0 && !cells[base + x - 1].isContinuation
      if cell.isContinuation, !proper { cell = Cell(" ", role: cell.role) }
      let last = runs.count - 1
      if open, runs[last].column + runs[last].cells.count == x, proper || runs[last].role == cell.role {
        runs[last].cells.append(cell)
      } else {
        runs.append(Run(row: row, column: x, role: cell.role, cells: [cell]))
        open = true
      }
    }
  }
}
