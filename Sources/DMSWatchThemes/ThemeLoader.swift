import Foundation
import DMSWatchModel
import Yams
import DMSWatchRender

/// A theme file that cannot be used: where and why.
public struct ThemeError: Error, CustomStringConvertible, Equatable, Sendable {
  public enum Kind: String, Sendable, Equatable {
    case syntax, unknownKey, unknownRole, unknownColor, badHex, wrongType, duplicateKey, notFound, unreadable
  }
  public var kind: Kind
  /// The theme name or file path.
  public var source: String
  /// 1-based line, 0 when the error is not about one line.
  public var line: Int
  public var message: String

  public init(_ kind: Kind, source: String, line: Int, _ message: String) {
    self.kind = kind
    self.source = source
    self.line = line
    self.message = message
  }

  public var description: String { line > 0 ? "\(source):\(line): \(message)" : "\(source): \(message)" }
}

/// Reads themes: YAML that maps every `Role` to colours and attributes.
///
/// ```yaml
/// name: mine
/// description: optional
/// roles:
///   text:     { fg: default }
///   error:    { fg: bright-red, bg: "#300000", bold: true }
///   selected: { fg: 231, bg: 25 }
///   dim: 245            # shorthand for { fg: 245 }
/// ```
public enum ThemeLoader {
  public static let colorNames = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]
  static let topKeys = ["name", "description", "roles"]
  static let styleKeys = ["fg", "bg", "bold", "underline", "reverse", "dim"]

  /// Names of the themes built into the binary.
  public static var builtinNames: [String] { BuiltinThemes.sources.map(\.name) }

  /// A built-in theme by name (the same text as themes/<name>.yaml).
  public static func builtin(_ name: String) -> Theme? {
    guard let src = BuiltinThemes.sources.first(where: { $0.name == name }) else { return nil }
    return try? parse(src.yaml, name: src.name)
  }

  /// A theme by path (contains `/` or ends in .yaml/.yml), else `<name>.yaml` in the first search directory
  /// that has it, else a built-in theme.
  public static func load(nameOrPath: String, searchDirs: [String]) throws -> Theme {
    let fm = FileManager.default
    let looksLikePath = nameOrPath.contains("/") || nameOrPath.hasSuffix(".yaml") || nameOrPath.hasSuffix(".yml")
    if looksLikePath {
      return try loadFile(nameOrPath)
    }
    for dir in searchDirs {
      for ext in ["yaml", "yml"] {
        let path = (dir as NSString).appendingPathComponent("\(nameOrPath).\(ext)")
        if fm.fileExists(atPath: path) { return try loadFile(path) }
      }
    }
    if let t = builtin(nameOrPath) { return t }
    let dirs = searchDirs.isEmpty ? "" : "; searched \(searchDirs.joined(separator: ", "))"
    throw ThemeError(.notFound, source: nameOrPath, line: 0,
      "no such theme (built-in: \(builtinNames.joined(separator: ", "))\(dirs))")
  }

  /// No colours, attributes only: the theme for `NO_COLOR` (same as `Theme.monochrome()`).
  public static func monochrome() -> Theme { Theme.monochrome() }

  /// The theme to draw with: monochrome when `NO_COLOR` is set and not empty (no-color.org), else the requested
  /// theme (default: `default`) degraded to the terminal's colour count.
  public static func select(nameOrPath: String?, environment: [String: String], searchDirs: [String], colors: Int) throws -> Theme {
    if let v = environment["NO_COLOR"], !v.isEmpty { return Theme.monochrome() }
    return try load(nameOrPath: nameOrPath ?? "default", searchDirs: searchDirs).degraded(toColors: colors)
  }

  static func loadFile(_ path: String) throws -> Theme {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ThemeError(.unreadable, source: path, line: 0, "cannot read theme file")
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw ThemeError(.unreadable, source: path, line: 0, "theme file is not UTF-8")
    }
    return try parse(text, name: path)
  }

  /// Parses theme YAML. `name` names the source in errors and is the theme name unless the file sets `name:`.
  public static func parse(_ yaml: String, name: String) throws -> Theme {
    if let line = unquotedHexLine(yaml) {
      throw ThemeError(.wrongType, source: name, line: line,
        "hex colours must be quoted (\"#rrggbb\"): an unquoted # starts a YAML comment")
    }
    // Yams recurses once per nesting level: 5,000 `[` overflowed the stack (exit 139).
    if let line = InputLimits.yamlTooDeep(yaml) {
      throw ThemeError(.syntax, source: name, line: line, "nested more than \(InputLimits.maxNesting) levels deep")
    }
    let root: Node?
    do {
      root = try Yams.compose(yaml: yaml)
    } catch let e as YamlError {
      throw syntaxError(e, source: name)
    } catch {
      throw ThemeError(.syntax, source: name, line: 0, "invalid YAML: \(error)")
    }
    guard let root else { throw ThemeError(.wrongType, source: name, line: 1, "empty theme: expected a mapping with `roles:`") }
    guard let top = root.mapping else {
      throw ThemeError(.wrongType, source: name, line: line(root), "expected a mapping with `name`, `description` and `roles` at the top level")
    }
    var themeName = name
    var styles: [Role: Style] = [:]
    var seen = Set<String>()
    var rolesSeen = false
    for (k, v) in top {
      guard let key = k.scalar?.string else { throw ThemeError(.wrongType, source: name, line: line(k), "keys must be plain words") }
      guard seen.insert(key).inserted else { throw ThemeError(.duplicateKey, source: name, line: line(k), "duplicate key `\(key)`") }
      switch key {
      case "name":
        guard let s = v.scalar?.string, !s.isEmpty else { throw ThemeError(.wrongType, source: name, line: line(v), "`name` must be a non-empty string") }
        themeName = s
      case "description":
        guard v.scalar != nil else { throw ThemeError(.wrongType, source: name, line: line(v), "`description` must be a string") }
      case "roles":
        rolesSeen = true
        guard let roles = v.mapping else {
          throw ThemeError(.wrongType, source: name, line: line(v), "`roles` must be a mapping of role name to style")
        }
        var seenRoles = Set<String>()
        for (rk, rv) in roles {
          guard let roleName = rk.scalar?.string else { throw ThemeError(.wrongType, source: name, line: line(rk), "role names must be plain words") }
          guard let role = Role(rawValue: roleName) else {
            throw ThemeError(.unknownRole, source: name, line: line(rk),
              "unknown role `\(roleName)`\(suggestion(roleName, Role.allCases.map(\.rawValue)))")
          }
          guard seenRoles.insert(roleName).inserted else {
            throw ThemeError(.duplicateKey, source: name, line: line(rk), "role `\(roleName)` is given twice")
          }
          styles[role] = try parseStyle(rv, role: roleName, source: name)
        }
      default:
        throw ThemeError(.unknownKey, source: name, line: line(k),
          "unknown key `\(key)` (expected \(topKeys.map { "`\($0)`" }.joined(separator: ", ")))")
      }
    }
    guard rolesSeen else { throw ThemeError(.wrongType, source: name, line: 1, "missing `roles:` mapping") }
    return Theme(name: themeName, styles: styles)
  }

  static func parseStyle(_ node: Node, role: String, source: String) throws -> Style {
    if node.scalar != nil {
      // Shorthand: a bare colour is the foreground.
      return Style(fg: try parseColor(node, field: "\(role)", source: source))
    }
    guard let m = node.mapping else {
      throw ThemeError(.wrongType, source: source, line: line(node), "style of `\(role)` must be a mapping like { fg: red, bold: true } or a colour")
    }
    var style = Style()
    var seen = Set<String>()
    for (k, v) in m {
      guard let key = k.scalar?.string else { throw ThemeError(.wrongType, source: source, line: line(k), "style keys must be plain words") }
      guard seen.insert(key).inserted else { throw ThemeError(.duplicateKey, source: source, line: line(k), "`\(role).\(key)` is given twice") }
      switch key {
      case "fg": style.fg = try parseColor(v, field: "\(role).fg", source: source)
      case "bg": style.bg = try parseColor(v, field: "\(role).bg", source: source)
      case "bold": style.bold = try parseBool(v, field: "\(role).bold", source: source)
      case "underline": style.underline = try parseBool(v, field: "\(role).underline", source: source)
      case "reverse": style.reverse = try parseBool(v, field: "\(role).reverse", source: source)
      case "dim": style.dim = try parseBool(v, field: "\(role).dim", source: source)
      default:
        throw ThemeError(.unknownKey, source: source, line: line(k),
          "unknown key `\(key)` in `\(role)` (expected \(styleKeys.joined(separator: ", ")))\(suggestion(key, styleKeys))")
      }
    }
    return style
  }

  static func parseBool(_ node: Node, field: String, source: String) throws -> Bool {
    guard let s = node.scalar, s.style == .plain || s.style == .any else {
      throw ThemeError(.wrongType, source: source, line: line(node), "`\(field)` must be true or false")
    }
    switch s.string.lowercased() {
    case "true", "yes", "on": return true
    case "false", "no", "off": return false
    default: throw ThemeError(.wrongType, source: source, line: line(node), "`\(field)` must be true or false, not `\(s.string)`")
    }
  }

  static func parseColor(_ node: Node, field: String, source: String) throws -> ThemeColor {
    guard let s = node.scalar else {
      throw ThemeError(.wrongType, source: source, line: line(node), "`\(field)` must be a colour name, 0-255 or \"#rrggbb\"")
    }
    let raw = s.string.trimmingCharacters(in: .whitespaces)
    let quoted = s.style == .singleQuoted || s.style == .doubleQuoted
    if raw.isEmpty || (!quoted && ["~", "null"].contains(raw.lowercased())) {
      throw ThemeError(.wrongType, source: source, line: line(node),
        "`\(field)` has no colour (hex colours must be quoted: \"#rrggbb\", or # starts a comment)")
    }
    if raw.hasPrefix("#") {
      let hex = raw.dropFirst()
      guard hex.count == 6, hex.allSatisfy(\.isHexDigit), let v = UInt32(hex, radix: 16) else {
        throw ThemeError(.badHex, source: source, line: line(node), "`\(field)`: bad hex colour `\(raw)` (expected #rrggbb)")
      }
      return .rgb(UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff))
    }
    if raw.allSatisfy(\.isNumber) {
      guard let n = Int(raw), (0...255).contains(n) else {
        throw ThemeError(.unknownColor, source: source, line: line(node), "`\(field)`: colour index \(raw) is out of range 0-255")
      }
      return .indexed(n)
    }
    let lower = raw.lowercased()
    if lower == "default" { return .default }
    if let i = colorNames.firstIndex(of: lower) { return .ansi(i) }
    for prefix in ["bright-", "bright_", "bright"] where lower.hasPrefix(prefix) {
      if let i = colorNames.firstIndex(of: String(lower.dropFirst(prefix.count))) { return .ansi(8 + i) }
    }
    if lower == "gray" || lower == "grey" { return .ansi(8) }
    let known = ["default"] + colorNames + colorNames.map { "bright-\($0)" }
    throw ThemeError(.unknownColor, source: source, line: line(node),
      "`\(field)`: unknown colour `\(raw)` (use default, a name such as red or bright-red, 0-255, or \"#rrggbb\")\(suggestion(lower, known))")
  }

  static func line(_ n: Node) -> Int { n.mark?.line ?? 0 }

  /// The first line with `key: #abc…` (a colour YAML would silently read as a comment), or nil.
  static func unquotedHexLine(_ yaml: String) -> Int? {
    for (i, raw) in yaml.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = Array(raw)
      if raw.drop(while: { $0 == " " }).first == "#" { continue }
      var j = 0
      while j < line.count {
        if line[j] == ":" {
          var k = j + 1
          while k < line.count, line[k] == " " || line[k] == "\t" { k += 1 }
          if k > j + 1, k < line.count, line[k] == "#" {
            var h = k + 1
            while h < line.count, line[h].isHexDigit { h += 1 }
            if h - k - 1 >= 3 { return i + 1 }
          }
        }
        j += 1
      }
    }
    return nil
  }

  static func syntaxError(_ e: YamlError, source: String) -> ThemeError {
    switch e {
    case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
      return ThemeError(.syntax, source: source, line: mark.line, "invalid YAML: \(problem)")
    default:
      return ThemeError(.syntax, source: source, line: 0, "invalid YAML: \(e)")
    }
  }

  /// " (did you mean `x`?)" for a near miss.
  static func suggestion(_ word: String, _ candidates: [String]) -> String {
    let w = word.lowercased()
    var best: (String, Int)?
    for c in candidates {
      let d = editDistance(w, c.lowercased())
      if d <= max(1, w.count / 4), d < (best?.1 ?? .max) { best = (c, d) }
    }
    return best.map { " (did you mean `\($0.0)`?)" } ?? ""
  }

  static func editDistance(_ a: String, _ b: String) -> Int { TextSearch.editDistance(a, b) }

}

extension Theme {
  /// No colours, attributes only (for NO_COLOR and terminals without colour): reverse for selection and badges,
  /// bold for titles and errors, underline for column headers and unknowns. Equal to themes/monochrome.yaml.
  public static func monochrome() -> Theme {
    let b = Style(bold: true), u = Style(underline: true), rv = Style(reverse: true), d = Style(dim: true)
    let bu = Style(bold: true, underline: true), rb = Style(bold: true, reverse: true), plain = Style()
    let styles: [Role: Style] = [
      .text: plain, .dim: d, .frame: plain, .frameFocused: b, .title: b, .titleFocused: bu,
      .header: rv, .headerAccent: rb, .columnHeader: u,
      .selected: rb, .selectedUnfocused: rv, .marked: bu,
      .ok: plain, .warn: b, .error: bu, .unknown: u,
      .badgeStale: rb, .badgeReadOnly: rb, .badgeThrottled: rb, .badgePaused: rv,
      .sparkLow: plain, .sparkMid: b, .sparkHigh: rb, .threshold: d,
      .logError: b, .logWarn: u, .logInfo: plain, .logDebug: d,
      .hintKey: rb, .hintText: plain, .overlay: plain, .overlayTitle: bu, .button: plain, .buttonSelected: rb,
    ]
    return Theme(name: "monochrome", styles: styles)
  }

  /// The theme with every colour degraded to a terminal with `n` colours; below 8 colours, monochrome.
  public func degraded(toColors n: Int) -> Theme {
    if n < 8 {
      var m = Theme.monochrome()
      m.name = name
      return m
    }
    var out = self
    for (role, style) in styles {
      var s = style
      s.fg = style.fg.degraded(toColors: n)
      s.bg = style.bg.degraded(toColors: n)
      out.styles[role] = s
    }
    return out
  }
}
