import DMSWatchModel
import DMSWatchState

/// What a cell means; only the terminal backend maps roles to colours.
public enum Role: String, Sendable, CaseIterable, Codable, Hashable {
  case text, dim, frame, frameFocused, title, titleFocused
  case header, headerAccent, columnHeader
  case selected, selectedUnfocused, marked
  case ok, warn, error, unknown
  case badgeStale, badgeReadOnly, badgeThrottled, badgePaused
  case sparkLow, sparkMid, sparkHigh, threshold
  case logError, logWarn, logInfo, logDebug
  case hintKey, hintText
  case overlay, overlayTitle, button, buttonSelected
}

/// One terminal cell. A wide character occupies its cell and a continuation cell (`isContinuation`).
public struct Cell: Sendable, Equatable {
  public var char: Character
  public var role: Role
  public var isContinuation: Bool

  public init(_ char: Character = " ", role: Role = .text, isContinuation: Bool = false) {
    self.char = char
    self.role = role
    self.isContinuation = isContinuation
  }

  public static let blank = Cell()
}

/// Frame and sparkline glyphs; ASCII when the locale is not UTF-8.
public struct Charset: Sendable, Equatable {
  public var horizontal: Character, vertical: Character
  public var topLeft: Character, topRight: Character, bottomLeft: Character, bottomRight: Character
  public var heavyHorizontal: Character
  public var spark: [Character]
  public var ellipsis: Character
  public var up: Character, down: Character
  public var mark: Character
  public var isASCII: Bool

  public static let unicode = Charset(
    horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘",
    heavyHorizontal: "━", spark: ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"], ellipsis: "…", up: "▲", down: "▼",
    mark: "●", isASCII: false)
  public static let ascii = Charset(
    horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+",
    heavyHorizontal: "=", spark: ["_", ".", "-", "~", "=", "+", "*", "#"], ellipsis: "~", up: "^", down: "v",
    mark: "*", isASCII: true)
}

/// Display width of characters, pure (no libc): 0 for combining marks and format characters,
/// 2 for East Asian wide/fullwidth and emoji presentation, 1 otherwise.
public enum CharWidth {
  public static func of(_ c: Character) -> Int {
    if let a = c.asciiValue { return a >= 0x20 && a < 0x7f ? 1 : 0 }
    var width = 0
    for (i, u) in c.unicodeScalars.enumerated() {
      let w = scalarWidth(u)
      if i == 0 { width = w } else if u.value == 0xFE0F, width == 1, u.properties.isEmoji { width = 2 }
    }
    return width
  }

  public static func scalarWidth(_ u: Unicode.Scalar) -> Int {
    let v = u.value
    if v < 0x20 || (v >= 0x7f && v < 0xa0) { return 0 }
    if v < 0x300 { return 1 }
    switch u.properties.generalCategory {
    case .nonspacingMark, .enclosingMark, .format: return 0
    default: break
    }
    if v == 0x200B || (v >= 0x1160 && v <= 0x11FF) { return 0 }
    if isWide(v) || u.properties.isEmojiPresentation { return 2 }
    return 1
  }

  static func isWide(_ v: UInt32) -> Bool {
    (v >= 0x1100 && v <= 0x115F) || (v >= 0x2E80 && v <= 0x303E) || (v >= 0x3041 && v <= 0x33FF)
      || (v >= 0x3400 && v <= 0x4DBF) || (v >= 0x4E00 && v <= 0x9FFF) || (v >= 0xA000 && v <= 0xA4CF)
      || (v >= 0xAC00 && v <= 0xD7A3) || (v >= 0xF900 && v <= 0xFAFF) || (v >= 0xFE30 && v <= 0xFE4F)
      || (v >= 0xFF00 && v <= 0xFF60) || (v >= 0xFFE0 && v <= 0xFFE6) || (v >= 0x1F300 && v <= 0x1F64F)
      || (v >= 0x1F900 && v <= 0x1F9FF) || (v >= 0x20000 && v <= 0x3FFFD)
  }

  public static func of(_ s: String) -> Int { s.reduce(0) { $0 + of($1) } }
}

/// An in-memory screen: panes draw here, tests snapshot it, the backend presents it.
public struct Grid: Sendable, Equatable {
  public let width: Int
  public let height: Int
  public private(set) var cells: [Cell]

  public init(width: Int, height: Int, fill: Cell = .blank) {
    self.width = max(0, width)
    self.height = max(0, height)
    cells = Array(repeating: fill, count: self.width * self.height)
  }

  public subscript(x: Int, y: Int) -> Cell {
    get { cells[y * width + x] }
    set { cells[y * width + x] = newValue }
  }

  public func contains(x: Int, y: Int) -> Bool { x >= 0 && y >= 0 && x < width && y < height }

  public mutating func fill(_ r: Rect, _ cell: Cell = .blank) {
    let x0 = max(0, r.x), y0 = max(0, r.y)
    let x1 = min(width, r.x + r.width), y1 = min(height, r.y + r.height)
    guard x0 < x1, y0 < y1 else { return }
    for y in y0..<y1 { for x in x0..<x1 { cells[y * width + x] = cell } }
  }

  /// Sets the role of cells in a rectangle, keeping their characters.
  public mutating func paint(_ r: Rect, role: Role) {
    let x0 = max(0, r.x), y0 = max(0, r.y)
    let x1 = min(width, r.x + r.width), y1 = min(height, r.y + r.height)
    guard x0 < x1, y0 < y1 else { return }
    for y in y0..<y1 { for x in x0..<x1 { cells[y * width + x].role = role } }
  }

  /// Writes text at (x, y), at most `maxWidth` columns (default: to the grid edge), clipping safely:
  /// control characters are replaced, a wide character that does not fit is replaced by a space,
  /// and text too long ends with `ellipsis` when given. Returns the columns used.
  @discardableResult
  public mutating func put(_ text: String, x: Int, y: Int, role: Role, maxWidth: Int? = nil, ellipsis: Character? = nil) -> Int {
    guard y >= 0, y < height, x < width else { return 0 }
    let limit = min(maxWidth ?? (width - x), width - x)
    guard limit > 0 else { return 0 }
    // Fast path: printable ASCII is one column a byte and needs no cleaning.
    let utf8 = text.utf8
    if utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) {
      let n = utf8.count
      let fits = n <= limit
      let count = fits ? n : (ellipsis == nil ? limit : limit - 1)
      var col = 0
      for b in utf8 {
        guard col < count else { break }
        if x + col >= 0 { self[x + col, y] = Cell(Character(Unicode.Scalar(b)), role: role) }
        col += 1
      }
      if !fits, let e = ellipsis, x + col >= 0 {
        self[x + col, y] = Cell(e, role: role)
        col += 1
      }
      return col
    }
    var col = 0
    let clean = SafeText.clean(text)
    let total = ellipsis == nil ? 0 : CharWidth.of(clean)
    let reserve = (ellipsis != nil && total > limit) ? 1 : 0
    for ch in clean {
      let w = CharWidth.of(ch)
      if w == 0 {
        // Attach combining marks to the previous cell.
        if col > 0, x + col - 1 >= 0 {
          var prev = self[x + col - 1, y]
          // Only when the result is still one grapheme (a zero-width space or format character is dropped).
          let combined = String(prev.char) + String(ch)
          if !prev.isContinuation, prev.char != " ", combined.count == 1, let merged = combined.first {
            prev.char = merged
            self[x + col - 1, y] = prev
          }
        }
        continue
      }
      if col + w > limit - reserve {
        if reserve == 1, let e = ellipsis, x + col < width { self[x + col, y] = Cell(e, role: role); col += 1 }
        break
      }
      if x + col >= 0 {
        self[x + col, y] = Cell(ch, role: role)
        if w == 2 { self[x + col + 1, y] = Cell(" ", role: role, isContinuation: true) }
      }
      col += w
    }
    return col
  }

  /// One row as text (continuation cells omitted), for snapshots and tests.
  public func rowText(_ y: Int) -> String {
    var s = ""
    for x in 0..<width {
      let c = self[x, y]
      if !c.isContinuation { s.append(c.char) }
    }
    return s
  }

  /// The whole grid as `|row|` lines: trailing blanks survive editors and diffs.
  public func snapshot() -> String {
    (0..<height).map { "|" + rowText($0) + "|" }.joined(separator: "\n")
  }

  /// True when the text appears on some row.
  public func contains(_ text: String) -> Bool {
    (0..<height).contains { DrawText.contains(rowText($0), text) }
  }
}
