import DMSWatchModel
import DMSWatchRender
import DMSWatchState

public enum TerminalError: Error, CustomStringConvertible, Equatable {
  /// The terminal cannot run a full-screen UI (TERM=dumb, TERM unset or unknown, not a tty).
  case unsupported(String)
  /// curses failed to start.
  case initFailed(String)

  public var description: String {
    switch self {
    case .unsupported(let why): "unsupported terminal: \(why)"
    case .initFailed(let why): "terminal initialisation failed: \(why)"
    }
  }
}

public struct TerminalCapabilities: Sendable, Equatable {
  public var colors: Int
  public var utf8: Bool

  public init(colors: Int, utf8: Bool) {
    self.colors = colors
    self.utf8 = utf8
  }
}

public enum InputEvent: Sendable, Equatable {
  case key(Key)
  case resize(width: Int, height: Int)
}

/// Pure decisions about the environment, made before curses touches the terminal.
public enum TerminalSupport {
  /// Why this environment cannot run the UI, or nil when it can.
  /// `terminfo` is the result of looking TERM up (1 found, 0 not found, -1 no database).
  public static func check(term: String?, stdinIsTTY: Bool, stdoutIsTTY: Bool, terminfo: Int) -> TerminalError? {
    guard stdinIsTTY, stdoutIsTTY else {
      return .unsupported("standard input and output must be a terminal (use `dmswatch check` or a snapshot command in scripts)")
    }
    guard let term, !term.isEmpty else {
      return .unsupported("TERM is not set; set it to your terminal type, e.g. TERM=xterm-256color")
    }
    if term == "dumb" || term == "unknown" {
      return .unsupported("TERM=\(term) cannot draw a full-screen UI; set TERM to your terminal type, e.g. TERM=xterm-256color")
    }
    if terminfo == 0 {
      return .unsupported("no terminfo entry for TERM=\(term); try TERM=xterm-256color (or install ncurses-term)")
    }
    if terminfo < 0 {
      return .unsupported("the terminfo database was not found (TERM=\(term)); install ncurses-base / ncurses-term")
    }
    return nil
  }

  /// Whether the locale's character set is UTF-8 (`nl_langinfo(CODESET)`).
  public static func isUTF8(codeset: String) -> Bool {
    let c = codeset.lowercased()
    return c == "utf-8" || c == "utf8"
  }

  /// Frame glyphs: Unicode only with a UTF-8 locale on a terminal type that can show it.
  public static func charset(codeset: String, term: String?) -> Charset {
    guard isUTF8(codeset: codeset) else { return .ascii }
    let t = (term ?? "").lowercased()
    let asciiOnly = ["vt52", "vt100", "vt102", "vt220", "vt320", "ansi", "cons25", "sun"]
    if asciiOnly.contains(where: { t == $0 || t.hasPrefix($0 + "-") }) { return .ascii }
    return .unicode
  }
}

/// What to hand curses for one cell: the code points, and whether a following continuation
/// cell is covered (the glyph is two columns wide). Pure; `width` is curses' idea of a scalar's
/// width (`wcwidth`), so columns never shift even when it disagrees with `CharWidth`.
public enum CellGlyph {
  /// Written instead of characters the terminal cannot show at the width the grid expects.
  public static let replacement: UInt32 = 0x3F  // "?"
  /// curses keeps at most CCHARW_MAX (5) code points per cell.
  public static let maxCodePoints = 5

  /// `expectedWidth` is 2 when the next grid cell is this cell's continuation, else 1.
  public static func plan(_ char: Character, expectedWidth: Int, utf8: Bool, width: (UInt32) -> Int) -> (codePoints: [UInt32], wide: Bool) {
    let scalars = Array(char.unicodeScalars)
    guard let base = scalars.first else { return ([0x20], false) }
    if base.value < 0x20 || base.value == 0x7F { return ([replacement], false) }
    if !utf8, !base.isASCII { return ([replacement], false) }
    let baseWidth = width(base.value)
    guard baseWidth == expectedWidth else { return ([replacement], false) }
    var points = [base.value]
    for s in scalars.dropFirst() where points.count < maxCodePoints {
      // Only non-spacing marks can share a cell; anything else (ZWJ partners, VS16 emoji) is dropped.
      if width(s.value) == 0, s.value >= 0x20, s.value != 0x200D, utf8 { points.append(s.value) }
    }
    return (points, baseWidth == 2)
  }
}
