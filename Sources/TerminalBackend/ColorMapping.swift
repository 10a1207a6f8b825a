import DMSWatchRender

/// How many colours the backend draws with, from curses' `COLORS` (and `--no-color`/`NO_COLOR`).
public enum ColorMode: Sendable, Equatable {
  case mono, ansi8, ansi16, xterm256

  public init(colors: Int, noColor: Bool = false) {
    if noColor || colors < 8 {
      self = .mono
    } else if colors > 256 {
      // Direct-colour terminfo (xterm-direct): numbers ≥ 8 are RGB values, not palette indexes,
      // and do not fit init_pair's shorts; only 0–7 keep their ANSI meaning.
      self = .ansi8
    } else if colors < 16 {
      self = .ansi8
    } else if colors < 256 {
      self = .ansi16
    } else {
      self = .xterm256
    }
  }
}

/// Pure mapping of theme colours to curses colour numbers. -1 is the terminal's default colour.
public enum ColorMapper {
  /// xterm's default RGB for ANSI 0–15, used to degrade RGB and 256-colour values.
  static let ansiRGB: [(Int, Int, Int)] = [
    (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
    (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
  ]
  static let cubeLevels = [0, 95, 135, 175, 215, 255]

  /// The curses colour number for `color` in `mode`. `.default` is -1 when the terminal allows
  /// default colours (`use_default_colors`), otherwise white (foreground) or black (background).
  /// Mono has no colours: everything maps to -1.
  public static func cursesColor(_ color: ThemeColor, mode: ColorMode, defaultColors: Bool, foreground: Bool) -> Int {
    switch (mode, color) {
    case (.mono, _):
      return -1
    case (_, .default):
      return defaultColors ? -1 : (foreground ? 7 : 0)
    case (_, .ansi(let n)):
      return ansi(max(0, min(15, n)), mode: mode)
    case (.xterm256, .indexed(let i)):
      return max(0, min(255, i))
    case (_, .indexed(let i)):
      let i = max(0, min(255, i))
      if i < 16 { return ansi(i, mode: mode) }
      let (r, g, b) = rgb(ofIndex: i)
      return nearestANSI(r, g, b, count: mode == .ansi8 ? 8 : 16)
    case (.xterm256, .rgb(let r, let g, let b)):
      return xterm256(Int(r), Int(g), Int(b))
    case (_, .rgb(let r, let g, let b)):
      return nearestANSI(Int(r), Int(g), Int(b), count: mode == .ansi8 ? 8 : 16)
    }
  }

  /// Whether a foreground colour loses its brightness in this mode (ANSI 8–15 on an 8-colour
  /// terminal); the backend adds bold, the classic way to ask for the bright variant.
  public static func needsBoldForBright(_ color: ThemeColor, mode: ColorMode) -> Bool {
    guard mode == .ansi8 else { return false }
    switch color {
    case .ansi(let n), .indexed(let n): return n >= 8 && n <= 15
    default: return false
    }
  }

  static func ansi(_ n: Int, mode: ColorMode) -> Int { mode == .ansi8 ? n % 8 : n }

  /// The RGB value xterm uses for a 256-colour index.
  static func rgb(ofIndex i: Int) -> (Int, Int, Int) {
    if i < 16 { return ansiRGB[max(0, i)] }
    if i >= 232 {
      let v = 8 + 10 * (i - 232)
      return (v, v, v)
    }
    let c = i - 16
    return (cubeLevels[c / 36], cubeLevels[(c / 6) % 6], cubeLevels[c % 6])
  }

  /// The closest xterm 256-colour index (colour cube or grey ramp) to an RGB value.
  static func xterm256(_ r: Int, _ g: Int, _ b: Int) -> Int {
    func level(_ v: Int) -> Int {
      var best = 0
      for (k, l) in cubeLevels.enumerated() where abs(l - v) < abs(cubeLevels[best] - v) { best = k }
      return best
    }
    let (lr, lg, lb) = (level(r), level(g), level(b))
    let cube = 16 + 36 * lr + 6 * lg + lb
    let cubeDistance = distance((r, g, b), (cubeLevels[lr], cubeLevels[lg], cubeLevels[lb]))
    let grey = max(0, min(23, ((r + g + b) / 3 - 8 + 5) / 10))
    let greyValue = 8 + 10 * grey
    let greyDistance = distance((r, g, b), (greyValue, greyValue, greyValue))
    return greyDistance < cubeDistance ? 232 + grey : cube
  }

  /// The closest of the first `count` (8 or 16) ANSI colours.
  static func nearestANSI(_ r: Int, _ g: Int, _ b: Int, count: Int) -> Int {
    // Greys go to black/grey/white: plain RGB distance would pick a colour (mid grey → yellow).
    if max(r, g, b) - min(r, g, b) < 32 {
      let candidates = count >= 16 ? [0, 8, 7, 15] : [0, 7]
      var best = 0
      for k in candidates where distance((r, g, b), ansiRGB[k]) < distance((r, g, b), ansiRGB[best]) { best = k }
      return best
    }
    var best = 0
    var bestDistance = Int.max
    for k in 0..<min(count, ansiRGB.count) {
      let d = distance((r, g, b), ansiRGB[k])
      if d < bestDistance { best = k; bestDistance = d }
    }
    return best
  }

  static func distance(_ a: (Int, Int, Int), _ b: (Int, Int, Int)) -> Int {
    let (dr, dg, db) = (a.0 - b.0, a.1 - b.1, a.2 - b.2)
    return dr * dr + dg * dg + db * db
  }
}

/// A foreground/background pair of curses colour numbers.
public struct ColorPair: Sendable, Hashable {
  public var fg: Int
  public var bg: Int

  public init(fg: Int, bg: Int) {
    self.fg = fg
    self.bg = bg
  }
}

/// Hands out curses colour-pair numbers, one per distinct (fg, bg). Pair 0 is the terminal's
/// own pair and is never redefined; when pairs run out, 0 is returned.
public struct PairAllocator: Sendable {
  /// Highest usable pair number + 1 (curses' `COLOR_PAIRS`, capped to what `short` holds).
  public let limit: Int
  /// What pair 0 already shows: (-1, -1) with default colours, else white on black.
  public let pairZero: ColorPair
  /// Pairs to define with `init_pair`, in order: element k is pair k + 1.
  public private(set) var defined: [ColorPair] = []
  private var numbers: [ColorPair: Int] = [:]

  public init(limit: Int, pairZero: ColorPair) {
    self.limit = max(1, min(limit, Int(Int16.max)))
    self.pairZero = pairZero
  }

  public mutating func pair(fg: Int, bg: Int) -> Int {
    let p = ColorPair(fg: fg, bg: bg)
    if p == pairZero { return 0 }
    if let n = numbers[p] { return n }
    let n = defined.count + 1
    guard n < limit else { return 0 }
    defined.append(p)
    numbers[p] = n
    return n
  }
}

/// Text attributes, independent of curses' bit layout.
public struct TextAttributes: OptionSet, Sendable, Hashable {
  public let rawValue: UInt8
  public init(rawValue: UInt8) { self.rawValue = rawValue }

  public static let bold = TextAttributes(rawValue: 1)
  public static let underline = TextAttributes(rawValue: 2)
  public static let reverse = TextAttributes(rawValue: 4)
  public static let dim = TextAttributes(rawValue: 8)
}

/// How one role is drawn: a colour pair and attributes.
public struct RolePaint: Sendable, Equatable {
  public var pair: Int
  public var attributes: TextAttributes

  public init(pair: Int, attributes: TextAttributes) {
    self.pair = pair
    self.attributes = attributes
  }
}

/// A theme resolved for one terminal: every role's pair and attributes, and the pairs to define.
public struct Palette: Sendable {
  public let mode: ColorMode
  public let paints: [Role: RolePaint]
  /// `init_pair` calls to make: (pair number, fg, bg).
  public let pairs: [(pair: Int, colors: ColorPair)]

  public init(theme: Theme, colors: Int, colorPairs: Int, defaultColors: Bool, noColor: Bool) {
    let mode = ColorMode(colors: colors, noColor: noColor)
    self.mode = mode
    let zero = defaultColors ? ColorPair(fg: -1, bg: -1) : ColorPair(fg: 7, bg: 0)
    var allocator = PairAllocator(limit: mode == .mono ? 1 : colorPairs, pairZero: zero)
    var paints: [Role: RolePaint] = [:]
    for role in Role.allCases {
      let style = theme.style(for: role)
      var attributes = TextAttributes()
      if style.bold { attributes.insert(.bold) }
      if style.underline { attributes.insert(.underline) }
      if style.reverse { attributes.insert(.reverse) }
      if style.dim { attributes.insert(.dim) }
      if mode == .mono {
        // Without colour a coloured background (selection, buttons) must still stand out.
        if style.bg != .default { attributes.insert(.reverse) }
        paints[role] = RolePaint(pair: 0, attributes: attributes)
        continue
      }
      if ColorMapper.needsBoldForBright(style.fg, mode: mode) { attributes.insert(.bold) }
      let fg = ColorMapper.cursesColor(style.fg, mode: mode, defaultColors: defaultColors, foreground: true)
      let bg = ColorMapper.cursesColor(style.bg, mode: mode, defaultColors: defaultColors, foreground: false)
      paints[role] = RolePaint(pair: allocator.pair(fg: fg, bg: bg), attributes: attributes)
    }
    self.paints = paints
    pairs = allocator.defined.enumerated().map { (pair: $0.offset + 1, colors: $0.element) }
  }

  public func paint(for role: Role) -> RolePaint { paints[role] ?? RolePaint(pair: 0, attributes: []) }
}
