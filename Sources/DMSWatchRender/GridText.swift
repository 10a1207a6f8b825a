import DMSWatchModel

/// A rendered frame as text, for screen dumps and `replay --dump-at`: plain (what is on screen, no
/// trailing blanks) or with ANSI SGR colours from the theme's roles (what `cat` shows in a terminal).
public enum GridText {
  public static func plain(_ g: Grid) -> String {
    var out = ""
    for y in 0..<g.height {
      var line = ""
      for x in 0..<g.width {
        let c = g[x, y]
        if !c.isContinuation { line.append(c.char) }
      }
      while line.last == " " { line.removeLast() }
      out += line + "\n"
    }
    return out
  }

  public static func ansi(_ g: Grid, theme: Theme) -> String {
    var out = ""
    for y in 0..<g.height {
      var current: Role?
      for x in 0..<g.width {
        let c = g[x, y]
        if c.isContinuation { continue }
        if c.role != current {
          out += sgr(theme.style(for: c.role))
          current = c.role
        }
        out.append(c.char)
      }
      out += "\u{1b}[0m\n"
    }
    return out
  }

  static func sgr(_ s: Style) -> String {
    var codes = ["0"]
    if s.bold { codes.append("1") }
    if s.dim { codes.append("2") }
    if s.underline { codes.append("4") }
    if s.reverse { codes.append("7") }
    codes += color(s.fg, base: 30)
    codes += color(s.bg, base: 40)
    return "\u{1b}[" + codes.joined(separator: ";") + "m"
  }

  static func color(_ c: ThemeColor, base: Int) -> [String] {
    switch c {
    case .default: return []
    case .ansi(let i):
      let n = min(15, max(0, i))
      return [String(n < 8 ? base + n : base + 60 + n - 8)]
    case .indexed(let i): return [String(base + 8), "5", String(min(255, max(0, i)))]
    case .rgb(let r, let g, let b): return [String(base + 8), "2", String(r), String(g), String(b)]
    }
  }
}
