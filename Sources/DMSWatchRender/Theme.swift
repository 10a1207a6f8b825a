import DMSWatchModel

/// A colour as a theme file names it.
public enum ThemeColor: Sendable, Equatable, Hashable {
  /// The terminal's own foreground/background.
  case `default`
  /// ANSI 0–15 (black, red, green, yellow, blue, magenta, cyan, white, then bright variants).
  case ansi(Int)
  /// xterm 256-colour index.
  case indexed(Int)
  case rgb(UInt8, UInt8, UInt8)
}

public struct Style: Sendable, Equatable, Hashable {
  public var fg: ThemeColor
  public var bg: ThemeColor
  public var bold: Bool
  public var underline: Bool
  public var reverse: Bool
  public var dim: Bool

  public init(fg: ThemeColor = .default, bg: ThemeColor = .default, bold: Bool = false, underline: Bool = false, reverse: Bool = false, dim: Bool = false) {
    self.fg = fg
    self.bg = bg
    self.bold = bold
    self.underline = underline
    self.reverse = reverse
    self.dim = dim
  }
}

/// Roles mapped to styles. Themes are data (themes/*.yaml); a role a theme leaves out falls back to `text`.
public struct Theme: Sendable, Equatable {
  public var name: String
  public var styles: [Role: Style]

  public init(name: String, styles: [Role: Style]) {
    self.name = name
    self.styles = styles
  }

  public func style(for role: Role) -> Style { styles[role] ?? styles[.text] ?? Style() }
}
