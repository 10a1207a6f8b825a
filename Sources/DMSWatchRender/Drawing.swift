import DMSWatchModel
import DMSWatchRules
import DMSWatchState

/// Glyphs and words the renderer needs beyond `Charset`, kept ASCII-safe for the ASCII charset.
extension Charset {
  var ellipsisText: String { isASCII ? "..." : "…" }
  var checkText: String { isASCII ? "(ok)" : "✓" }
  var timesText: String { isASCII ? "x" : "×" }
  var pendingGlyph: Character { isASCII ? "~" : "⟳" }
  var criticalGlyph: Character { "!" }
  var separatorText: String { isASCII ? "|" : "·" }
  var crossGlyph: String { isASCII ? "x" : "✗" }
  var cursorGlyph: Character { isASCII ? "_" : "█" }

  /// Key labels from the model use arrows; ASCII terminals get words.
  func keyLabel(_ label: String) -> String {
    guard isASCII, !label.allSatisfy({ $0.isASCII }) else { return label }
    var out = ""
    for ch in label {
      switch ch {
      case "↑": out += "up"
      case "↓": out += "down"
      case "←": out += "left"
      case "→": out += "right"
      default: out.append(ch.isASCII ? ch : "?")
      }
    }
    return out
  }
}

/// A piece of text with its role, for frame labels, the header and the hint bar.
struct Segment {
  var text: String
  var role: Role
  init(_ text: String, _ role: Role) {
    self.text = text
    self.role = role
  }
}

enum Align { case left, right }

extension Severity {
  /// The role a severity is drawn with.
  var role: Role {
    switch self {
    case .ok: .ok
    case .unknown: .unknown
    case .warn: .warn
    case .critical: .error
    }
  }
}

extension Grid {
  /// Text in a box of `width` columns, left or right aligned, truncated with the ellipsis.
  @discardableResult
  mutating func put(_ text: String, x: Int, y: Int, width: Int, role: Role, align: Align, ellipsis: Character) -> Int {
    guard width > 0 else { return 0 }
    if align == .right {
      let w = DrawText.width(text)
      if w < width { return put(text, x: x + width - w, y: y, role: role, maxWidth: w, ellipsis: ellipsis) }
    }
    return put(text, x: x, y: y, role: role, maxWidth: width, ellipsis: ellipsis)
  }

  /// Sets one cell when it is on the grid.
  mutating func set(_ x: Int, _ y: Int, _ cell: Cell) {
    guard x >= 0, y >= 0, x < width, y < height else { return }
    self[x, y] = cell
  }

  /// A one-cell box around `r`.
  mutating func drawFrame(_ r: Rect, role: Role, charset cs: Charset) {
    guard r.width >= 2, r.height >= 2 else { return }
    let x1 = r.x + r.width - 1, y1 = r.y + r.height - 1
    let h = Cell(cs.horizontal, role: role), v = Cell(cs.vertical, role: role)
    for x in (r.x + 1)..<x1 {
      set(x, r.y, h)
      set(x, y1, h)
    }
    for y in (r.y + 1)..<y1 {
      set(r.x, y, v)
      set(x1, y, v)
    }
    set(r.x, r.y, Cell(cs.topLeft, role: role))
    set(x1, r.y, Cell(cs.topRight, role: role))
    set(r.x, y1, Cell(cs.bottomLeft, role: role))
    set(x1, y1, Cell(cs.bottomRight, role: role))
  }

  /// Labels on a frame line (`y` is the top or bottom border of `r`): left segments after the corner,
  /// right segments before the other corner. Right segments win; left ones are truncated to fit.
  mutating func frameLabels(_ r: Rect, y: Int, left: [Segment], right: [Segment], frameRole: Role, charset cs: Charset) {
    guard r.width >= 6 else { return }
    let minX = r.x + 2, maxX = r.x + r.width - 2  // exclusive
    var rx = maxX
    let space = Cell(" ", role: frameRole)
    // Right: " a b " ending before the corner's dash.
    var first = true
    for seg in right.reversed() {
      let w = DrawText.width(seg.text)
      guard w > 0 else { continue }
      let start = rx - w - (first ? 2 : 1)
      guard start >= minX + 8 || (left.isEmpty && start >= minX) else { break }
      set(start, y, space)
      put(seg.text, x: start + 1, y: y, role: seg.role, maxWidth: w)
      if first { set(start + 1 + w, y, space) }
      rx = start
      first = false
    }
    // Left: " a b " after the corner's dash, truncated before the right labels.
    var lx = minX
    for seg in left {
      let avail = rx - lx - 3
      guard avail >= 1 else { break }
      set(lx, y, space)
      let used = put(seg.text, x: lx + 1, y: y, role: seg.role, maxWidth: avail, ellipsis: cs.ellipsis)
      set(lx + 1 + used, y, space)
      lx += used + 1
      if used == 0 { break }
    }
  }

  /// Centred text on row `y` within `r` (truncated).
  mutating func putCentered(_ text: String, in r: Rect, y: Int, role: Role, charset cs: Charset) {
    let w = min(DrawText.width(text), r.width)
    put(text, x: r.x + max(0, (r.width - w) / 2), y: y, role: role, maxWidth: r.width, ellipsis: cs.ellipsis)
  }

  /// After drawing over `r`, blanks half-covered wide characters just outside its left and right edges,
  /// so a wide character never loses its continuation cell (or a continuation its lead).
  mutating func repairEdges(of r: Rect) {
    let y0 = max(0, r.y), y1 = min(height, r.y + r.height)
    guard y0 < y1 else { return }
    for y in y0..<y1 {
      let lx = r.x - 1
      if lx >= 0, lx < width, !self[lx, y].isContinuation, CharWidth.of(self[lx, y].char) == 2 {
        self[lx, y] = Cell(" ", role: self[lx, y].role)
      }
      let rx = r.x + r.width
      if rx >= 0, rx < width, self[rx, y].isContinuation {
        self[rx, y] = Cell(" ", role: self[rx, y].role)
      }
    }
  }

  /// Replaces everything that is not printable ASCII, for terminals without UTF-8.
  mutating func asciiOnly() {
    for y in 0..<height {
      for x in 0..<width {
        let c = self[x, y]
        if c.isContinuation {
          self[x, y] = Cell("?", role: c.role)
        } else if let a = c.char.asciiValue, a >= 0x20, a < 0x7f {
          continue
        } else {
          self[x, y] = Cell("?", role: c.role)
        }
      }
    }
  }
}

enum DrawText {
  /// Substring test on UTF-8 bytes (pure Swift; Foundation's `String.contains` has crashed on Linux for some inputs).
  static func contains(_ haystack: String, _ needle: String) -> Bool {
    let h = Array(haystack.utf8), n = Array(needle.utf8)
    guard !n.isEmpty else { return true }
    guard h.count >= n.count else { return false }
    for i in 0...(h.count - n.count) where h[i] == n[0] {
      var j = 1
      while j < n.count, h[i + j] == n[j] { j += 1 }
      if j == n.count { return true }
    }
    return false
  }

  /// Display width after sanitising, as `Grid.put` will draw it.
  static func width(_ s: String) -> Int { CharWidth.of(SafeText.clean(s)) }

  /// Cuts the middle out of a name that does not fit (`catalog-mi…prod-2`): the suffix that tells
  /// `-prod` from `-prod-2` stays visible. Returns `s` when it fits.
  static func middle(_ s: String, width: Int, ellipsis: Character) -> String {
    let clean = SafeText.clean(s)
    guard width > 0, CharWidth.of(clean) > width else { return clean }
    guard width >= 5 else { return clean }
    let chars = Array(clean)
    let keep = width - CharWidth.of(String(ellipsis))
    let tailBudget = keep / 2
    let headBudget = keep - tailBudget
    var head = "", headW = 0
    for c in chars {
      let w = CharWidth.of(String(c))
      if headW + w > headBudget { break }
      head.append(c)
      headW += w
    }
    var tail: [Character] = [], tailW = 0
    for c in chars.reversed() {
      let w = CharWidth.of(String(c))
      if tailW + w > tailBudget { break }
      tail.insert(c, at: 0)
      tailW += w
    }
    return head + String(ellipsis) + String(tail)
  }

  /// Greedy word wrap by display width; words longer than a line are cut.
  static func wrap(_ text: String, width: Int) -> [String] {
    guard width > 0 else { return [] }
    var lines: [String] = []
    var line = "", lineW = 0
    for word in SafeText.clean(text).split(separator: " ", omittingEmptySubsequences: true) {
      var word = String(word)
      var w = CharWidth.of(word)
      if lineW > 0, lineW + 1 + w <= width {
        line += " " + word
        lineW += 1 + w
        continue
      }
      if lineW > 0 {
        lines.append(line)
        line = ""
        lineW = 0
      }
      while w > width {
        var head = "", hw = 0
        var rest = Substring(word)
        while let ch = rest.first, hw + CharWidth.of(ch) <= width {
          head.append(ch)
          hw += CharWidth.of(ch)
          rest = rest.dropFirst()
        }
        if head.isEmpty, let ch = rest.first {
          head.append(ch)
          rest = rest.dropFirst()
        }
        lines.append(head)
        word = String(rest)
        w = CharWidth.of(word)
      }
      line = word
      lineW = w
    }
    if lineW > 0 { lines.append(line) }
    return lines
  }
}

/// A table column: fitted to the width available by dropping the least important ones.
struct Column<ID: Hashable> {
  var id: ID
  var title: String
  var minWidth: Int
  var maxWidth: Int
  /// Lower is more important; 0 is never dropped.
  var priority: Int
  var align: Align = .left
  var x = 0
  var width = 0

  init(_ id: ID, _ title: String, min: Int, max: Int, priority: Int, align: Align = .left) {
    self.id = id
    self.title = title
    self.minWidth = min
    self.maxWidth = max
    self.priority = priority
    self.align = align
  }

  /// Keeps the most important columns whose minimum widths fit in `width` (one blank between columns),
  /// then grows them in `growth` order (column id, target width) and finally by priority.
  static func fit(_ columns: [Column], width: Int, x: Int, growth: [(ID, Int)] = []) -> [Column] {
    var cols = columns
    func need(_ c: [Column]) -> Int { c.reduce(0) { $0 + $1.minWidth } + max(0, c.count - 1) }
    while need(cols) > width, cols.count > 1 {
      guard let worst = cols.indices.max(by: { cols[$0].priority < cols[$1].priority }), cols[worst].priority > 0 else { break }
      cols.remove(at: worst)
    }
    for i in cols.indices { cols[i].width = cols[i].minWidth }
    var extra = width - need(cols)
    for (id, target) in growth where extra > 0 {
      guard let i = cols.firstIndex(where: { $0.id == id }) else { continue }
      let add = min(extra, max(0, min(target, cols[i].maxWidth) - cols[i].width))
      cols[i].width += add
      extra -= add
    }
    for i in cols.indices.sorted(by: { cols[$0].priority < cols[$1].priority }) where extra > 0 {
      let add = min(extra, max(0, cols[i].maxWidth - cols[i].width))
      cols[i].width += add
      extra -= add
    }
    var cx = x
    for i in cols.indices {
      cols[i].x = cx
      cx += cols[i].width + 1
    }
    return cols
  }
}
