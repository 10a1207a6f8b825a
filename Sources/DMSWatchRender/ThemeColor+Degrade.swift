extension ThemeColor {
  /// xterm's default RGB for ANSI colours 0–15.
  static let ansiRGB: [(Int, Int, Int)] = [
    (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
    (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
  ]
  static let cubeLevels = [0, 95, 135, 175, 215, 255]

  /// RGB of an xterm 256-colour index.
  static func rgb(ofIndex i: Int) -> (Int, Int, Int) {
    let i = min(255, max(0, i))
    if i < 16 { return ansiRGB[i] }
    if i < 232 {
      let c = i - 16
      return (cubeLevels[c / 36], cubeLevels[(c / 6) % 6], cubeLevels[c % 6])
    }
    let v = 8 + 10 * (i - 232)
    return (v, v, v)
  }

  /// Perceptual-ish distance ("redmean" weighting).
  static func distance(_ a: (Int, Int, Int), _ b: (Int, Int, Int)) -> Int {
    let rm = (a.0 + b.0) / 2
    let dr = a.0 - b.0, dg = a.1 - b.1, db = a.2 - b.2
    return (((512 + rm) * dr * dr) >> 8) + 4 * dg * dg + (((767 - rm) * db * db) >> 8)
  }

  /// The nearest palette entry; a grey only ever maps to a grey (never to a tinted colour).
  static func nearest(_ c: (Int, Int, Int), in indices: ClosedRange<Int>) -> Int {
    var best = indices.lowerBound, bestD = Int.max
    let neutral = max(c.0, c.1, c.2) - min(c.0, c.1, c.2) <= 24
    for i in indices {
      if neutral {
        let p = rgb(ofIndex: i)
        if max(p.0, p.1, p.2) - min(p.0, p.1, p.2) > 24 { continue }
      }
      let d = distance(c, rgb(ofIndex: i))
      if d < bestD {
        best = i
        bestD = d
      }
    }
    return best
  }

  /// RGB of this colour, nil for `default`.
  public var rgbValue: (r: Int, g: Int, b: Int)? {
    switch self {
    case .default: nil
    case .ansi(let i): Self.rgb(ofIndex: min(15, max(0, i)))
    case .indexed(let i): Self.rgb(ofIndex: i)
    case .rgb(let r, let g, let b): (Int(r), Int(g), Int(b))
    }
  }

  /// The nearest colour a terminal with `n` colours can show: truecolor → 256 → 16 → 8.
  /// `default` stays; fewer than 8 colours gives `default` (attributes carry the meaning then).
  public func degraded(toColors n: Int) -> ThemeColor {
    guard let c = rgbValue else { return .default }
    if n > 256 { return self }
    if n < 8 { return .default }
    switch self {
    case .default: return .default
    case .ansi(let i):
      if n >= 16 || i < 8 { return .ansi(min(15, max(0, i))) }
      return .ansi(Self.nearest(c, in: 0...7))
    case .indexed(let i):
      if n >= 256 { return .indexed(i) }
      if i < 16 { return n >= 16 || i < 8 ? .ansi(i) : .ansi(Self.nearest(c, in: 0...7)) }
      return .ansi(Self.nearest(c, in: n >= 16 ? 0...15 : 0...7))
    case .rgb:
      if n >= 256 { return .indexed(Self.nearest(c, in: 16...255)) }
      return .ansi(Self.nearest(c, in: n >= 16 ? 0...15 : 0...7))
    }
  }
}
