import Foundation
import XCTest
import DMSWatchModel
@testable import DMSWatchRender
import TestSupport
@testable import DMSWatchState
@testable import DMSWatchThemes

final class ThemeTests: XCTestCase {
  /// The repository's themes/ directory, found from this file's path.
  static let themesDir: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("themes")

  static func shippedFiles() throws -> [URL] {
    try FileManager.default.contentsOfDirectory(at: themesDir, includingPropertiesForKeys: nil)
      .filter { $0.pathExtension == "yaml" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
  }

  func testEveryShippedThemeParsesAndCoversEveryRole() throws {
    let files = try Self.shippedFiles()
    let names = Set(files.map { $0.deletingPathExtension().lastPathComponent })
    XCTAssertTrue(names.isSuperset(of: ["default", "light", "high-contrast", "monochrome", "colorblind", "ansi16"]), "\(names)")
    for f in files {
      let theme = try ThemeLoader.load(nameOrPath: f.path, searchDirs: [])
      XCTAssertEqual(theme.name, f.deletingPathExtension().lastPathComponent)
      for role in Role.allCases {
        XCTAssertNotNil(theme.styles[role], "\(f.lastPathComponent) lacks \(role.rawValue)")
      }
    }
  }

  func testBuiltinThemesMatchFiles() throws {
    let files = try Self.shippedFiles()
    XCTAssertEqual(ThemeLoader.builtinNames, files.map { $0.deletingPathExtension().lastPathComponent },
      "run themes/generate-builtin.sh")
    for f in files {
      let name = f.deletingPathExtension().lastPathComponent
      let text = try String(contentsOf: f, encoding: .utf8)
      let embedded = BuiltinThemes.sources.first { $0.name == name }?.yaml
      XCTAssertEqual(embedded.map { $0 + "\n" }, text, "\(name) drifted from themes/\(name).yaml: run themes/generate-builtin.sh")
      XCTAssertEqual(ThemeLoader.builtin(name), try ThemeLoader.parse(text, name: name))
    }
    XCTAssertNil(ThemeLoader.builtin("nope"))
  }

  func testThemeSemantics() throws {
    let ansi = try XCTUnwrap(ThemeLoader.builtin("ansi16"))
    for (_, st) in ansi.styles {
      for c in [st.fg, st.bg] {
        if case .ansi(let i) = c { XCTAssertTrue((0...15).contains(i)) } else { XCTAssertEqual(c, .default) }
      }
    }
    let mono = try XCTUnwrap(ThemeLoader.builtin("monochrome"))
    XCTAssertEqual(mono.styles, Theme.monochrome().styles, "Theme.monochrome() and themes/monochrome.yaml agree")
    for (_, st) in mono.styles {
      XCTAssertEqual(st.fg, .default)
      XCTAssertEqual(st.bg, .default)
    }
    XCTAssertTrue(mono.style(for: .selected).reverse)
    XCTAssertTrue(mono.style(for: .error).bold)
    XCTAssertTrue(mono.style(for: .title).bold)
    // Colour-blind theme: ok and error differ in hue and in attributes, and avoid pure red/green.
    let cb = try XCTUnwrap(ThemeLoader.builtin("colorblind"))
    XCTAssertNotEqual(cb.style(for: .ok).fg, cb.style(for: .error).fg)
    XCTAssertTrue(cb.style(for: .error).underline)
    for role in [Role.ok, .error, .warn, .sparkLow, .sparkHigh] {
      if case .rgb(let r, let g, let b) = cb.style(for: role).fg {
        XCTAssertFalse(g > 150 && r < 100 && b < 100, "\(role) is green")
      }
    }
    let d = try XCTUnwrap(ThemeLoader.builtin("default"))
    XCTAssertEqual(d.style(for: .selected), Style(fg: .indexed(231), bg: .indexed(25), bold: true))
    XCTAssertEqual(d.style(for: .text).fg, .default)
  }

  func testColourSyntax() throws {
    let yaml = """
      name: t
      roles:
        text: { fg: default, bg: "#0a0B0c" }
        dim: 245
        ok: bright-green
        warn: { fg: Yellow, bold: yes }
        error: { fg: bright_red, underline: true, reverse: false, dim: false }
        unknown: { fg: grey }
        frame: { fg: '#ffffff' }
      """
    let t = try ThemeLoader.parse(yaml, name: "inline")
    XCTAssertEqual(t.name, "t")
    XCTAssertEqual(t.style(for: .text), Style(fg: .default, bg: .rgb(10, 11, 12)))
    XCTAssertEqual(t.style(for: .dim), Style(fg: .indexed(245)))
    XCTAssertEqual(t.style(for: .ok).fg, .ansi(10))
    XCTAssertEqual(t.style(for: .warn), Style(fg: .ansi(3), bold: true))
    XCTAssertEqual(t.style(for: .error), Style(fg: .ansi(9), underline: true))
    XCTAssertEqual(t.style(for: .unknown).fg, .ansi(8))
    XCTAssertEqual(t.style(for: .frame).fg, .rgb(255, 255, 255))
    // A role left out falls back to text.
    XCTAssertEqual(t.style(for: .logInfo), t.style(for: .text))
  }

  func assertError(
    _ yaml: String, _ kind: ThemeError.Kind, line: Int, contains: String, file: StaticString = #filePath, fline: UInt = #line
  ) {
    XCTAssertThrowsError(try ThemeLoader.parse(yaml, name: "bad.yaml"), file: file, line: fline) { e in
      guard let e = e as? ThemeError else { return XCTFail("not a ThemeError: \(e)", file: file, line: fline) }
      XCTAssertEqual(e.kind, kind, e.description, file: file, line: fline)
      XCTAssertEqual(e.line, line, e.description, file: file, line: fline)
      XCTAssertTrue(e.description.contains(contains), e.description, file: file, line: fline)
      if line > 0 { XCTAssertTrue(e.description.hasPrefix("bad.yaml:\(line): "), e.description, file: file, line: fline) }
    }
  }

  func testErrorsNameTheLine() {
    let head = "name: x\nroles:\n  text: { fg: default }\n"
    assertError(head + "  frameFocussed: { fg: red }\n", .unknownRole, line: 4, contains: "did you mean `frameFocused`")
    assertError(head + "  ok: { fg: red }\n  warn: { fg: orange }\n", .unknownColor, line: 5, contains: "unknown colour `orange`")
    assertError(head + "  ok: { fg: \"#12345\" }\n", .badHex, line: 4, contains: "bad hex colour `#12345`")
    assertError(head + "  ok: { fg: \"#gg0000\" }\n", .badHex, line: 4, contains: "#rrggbb")
    assertError(head + "  ok:\n    fg: red\n    bold: 3\n", .wrongType, line: 6, contains: "`ok.bold` must be true or false")
    assertError(head + "  ok: { fg: [1, 2] }\n", .wrongType, line: 4, contains: "`ok.fg` must be a colour")
    assertError(head + "  ok: [red]\n", .wrongType, line: 4, contains: "style of `ok`")
    assertError(head + "  ok: { fg: red, blink: true }\n", .unknownKey, line: 4, contains: "unknown key `blink` in `ok`")
    assertError(head + "colours: {}\n", .unknownKey, line: 4, contains: "unknown key `colours`")
    assertError(head + "  ok: { fg: 256 }\n", .unknownColor, line: 4, contains: "out of range")
    assertError(head + "  ok: { fg: #ff0000 }\n", .wrongType, line: 4, contains: "must be quoted")
    assertError(head + "  text: { fg: red }\n", .duplicateKey, line: 4, contains: "given twice")
    assertError("name: x\nroles:\n  text: { fg: red\n  ok: {}\n", .syntax, line: 4, contains: "invalid YAML")
    assertError("name: x\nroles: red\n", .wrongType, line: 2, contains: "`roles` must be a mapping")
    assertError("- a\n- b\n", .wrongType, line: 1, contains: "top level")
    assertError("name: x\n", .wrongType, line: 1, contains: "missing `roles:`")
  }

  func testLoadSearchOrder() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dmswatch-theme-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    // A user theme with a built-in's name wins over the built-in.
    try "name: default\nroles:\n  text: { fg: red }\n".write(to: dir.appendingPathComponent("default.yaml"), atomically: true, encoding: .utf8)
    try "roles:\n  text: { fg: blue }\n".write(to: dir.appendingPathComponent("mine.yml"), atomically: true, encoding: .utf8)
    try "roles:\n  txt: { fg: blue }\n".write(to: dir.appendingPathComponent("broken.yaml"), atomically: true, encoding: .utf8)
    let user = try ThemeLoader.load(nameOrPath: "default", searchDirs: ["/nonexistent", dir.path])
    XCTAssertEqual(user.style(for: .text).fg, .ansi(1))
    let mine = try ThemeLoader.load(nameOrPath: "mine", searchDirs: [dir.path])
    XCTAssertEqual(mine.style(for: .text).fg, .ansi(4))
    XCTAssertEqual(try ThemeLoader.load(nameOrPath: "light", searchDirs: [dir.path]), ThemeLoader.builtin("light"))
    let byPath = try ThemeLoader.load(nameOrPath: dir.appendingPathComponent("mine.yml").path, searchDirs: [])
    XCTAssertEqual(byPath.style(for: .text).fg, .ansi(4))
    XCTAssertThrowsError(try ThemeLoader.load(nameOrPath: "broken", searchDirs: [dir.path])) { e in
      let e = e as? ThemeError
      XCTAssertEqual(e?.kind, .unknownRole)
      XCTAssertEqual(e?.line, 2)
      XCTAssertTrue(e?.source.hasSuffix("broken.yaml") ?? false)
    }
    XCTAssertThrowsError(try ThemeLoader.load(nameOrPath: "solarized", searchDirs: [dir.path])) { e in
      let e = e as? ThemeError
      XCTAssertEqual(e?.kind, .notFound)
      XCTAssertTrue(e?.description.contains("high-contrast") ?? false, e?.description ?? "")
    }
    XCTAssertThrowsError(try ThemeLoader.load(nameOrPath: "/nonexistent/x.yaml", searchDirs: [])) { e in
      XCTAssertEqual((e as? ThemeError)?.kind, .unreadable)
    }
  }

  func testSelectHonoursNoColor() throws {
    XCTAssertEqual(try ThemeLoader.select(nameOrPath: "default", environment: ["NO_COLOR": "1"], searchDirs: [], colors: 256), Theme.monochrome())
    XCTAssertEqual(ThemeLoader.monochrome(), Theme.monochrome())
    let d = try ThemeLoader.select(nameOrPath: nil, environment: ["NO_COLOR": ""], searchDirs: [], colors: 16)
    XCTAssertEqual(d.name, "default")
    XCTAssertTrue([ThemeColor.ansi(4), .ansi(12)].contains(d.style(for: .selected).bg), "selection stays blue")
    XCTAssertThrowsError(try ThemeLoader.select(nameOrPath: "nope", environment: [:], searchDirs: [], colors: 256))
  }

  // MARK: degradation

  func testColourDegradation() {
    let red = ThemeColor.rgb(255, 0, 0)
    XCTAssertEqual(red.degraded(toColors: 16_777_216), red)
    XCTAssertEqual(red.degraded(toColors: 256), .indexed(196))
    XCTAssertEqual(red.degraded(toColors: 16), .ansi(9))
    XCTAssertEqual(red.degraded(toColors: 8), .ansi(1))
    XCTAssertEqual(red.degraded(toColors: 2), .default)
    XCTAssertEqual(ThemeColor.rgb(0x87, 0xaf, 0xd7).degraded(toColors: 256), .indexed(110), "exact cube colour")
    XCTAssertEqual(ThemeColor.rgb(0x80, 0x80, 0x80).degraded(toColors: 256), .indexed(244), "grey ramp")
    XCTAssertEqual(ThemeColor.rgb(128, 128, 128).degraded(toColors: 16), .ansi(8))
    XCTAssertEqual(ThemeColor.rgb(128, 128, 128).degraded(toColors: 8), .ansi(7), "grey is not black on 8 colours")
    XCTAssertEqual(ThemeColor.rgb(0, 0, 20).degraded(toColors: 8), .ansi(0))
    XCTAssertEqual(ThemeColor.indexed(196).degraded(toColors: 256), .indexed(196))
    XCTAssertEqual(ThemeColor.indexed(196).degraded(toColors: 16), .ansi(9))
    XCTAssertEqual(ThemeColor.indexed(21).degraded(toColors: 16), .ansi(4))
    XCTAssertEqual(ThemeColor.indexed(69).degraded(toColors: 16), .ansi(12))
    XCTAssertEqual(ThemeColor.indexed(250).degraded(toColors: 16), .ansi(7))
    XCTAssertEqual(ThemeColor.indexed(4).degraded(toColors: 16), .ansi(4))
    XCTAssertEqual(ThemeColor.indexed(12).degraded(toColors: 8), .ansi(4))
    XCTAssertEqual(ThemeColor.ansi(9).degraded(toColors: 16), .ansi(9))
    XCTAssertEqual(ThemeColor.ansi(9).degraded(toColors: 8), .ansi(1))
    XCTAssertEqual(ThemeColor.ansi(3).degraded(toColors: 8), .ansi(3))
    XCTAssertEqual(ThemeColor.default.degraded(toColors: 8), .default)
    XCTAssertEqual(ThemeColor.default.degraded(toColors: 256), .default)
    // Degrading is idempotent and monotone.
    for c in [ThemeColor.rgb(12, 200, 99), .rgb(250, 128, 0), .indexed(137), .ansi(13)] {
      for n in [256, 16, 8] {
        let d = c.degraded(toColors: n)
        XCTAssertEqual(d.degraded(toColors: n), d)
      }
    }
  }

  func testThemeDegradation() throws {
    let hc = try XCTUnwrap(ThemeLoader.builtin("high-contrast"))
    for n in [256, 16, 8] {
      let d = hc.degraded(toColors: n)
      XCTAssertEqual(Set(d.styles.keys), Set(hc.styles.keys))
      for (role, st) in d.styles {
        XCTAssertEqual(st.bold, hc.styles[role]?.bold, "attributes survive")
        for c in [st.fg, st.bg] {
          switch c {
          case .default: break
          case .ansi(let i): XCTAssertLessThan(i, n >= 16 ? 16 : 8)
          case .indexed: XCTAssertEqual(n, 256)
          case .rgb: XCTFail("rgb left at \(n) colours")
          }
        }
      }
    }
    XCTAssertEqual(hc.degraded(toColors: 16).style(for: .error).bg, .ansi(9))
    XCTAssertEqual(hc.degraded(toColors: 2).styles, Theme.monochrome().styles)
    XCTAssertEqual(hc.degraded(toColors: 2).name, "high-contrast")
    XCTAssertEqual(hc.degraded(toColors: 1 << 24), hc)
  }
}

final class SnapshotSupportTests: XCTestCase {
  func testLineDiffShowsOnlyChangedLines() {
    let d = lineDiff(expected: "|a|\n|b|\n|c|", actual: "|a|\n|B|\n|c|\n|d|")
    XCTAssertEqual(d.components(separatedBy: "\n"), ["   2 - |b|", "   2 + |B|", "   4 + |d|", "(expected 3 lines, got 4)"])
    XCTAssertEqual(lineDiff(expected: "|x|", actual: "|x|"), "")
  }

  func testSnapshotsLiveOutsideTheTestTarget() {
    let url = snapshotURL(named: "dashboard-80x24", file: "/repo/Tests/RenderTests/SnapshotTests.swift")
    XCTAssertEqual(url.path, "/repo/Tests/__Snapshots__/RenderTests/dashboard-80x24.txt")
  }

  func testGridSnapshotKeepsTrailingBlanksAndPaneCut() {
    var g = Grid(width: 6, height: 2)
    g.put("ab", x: 0, y: 0, role: .text)
    g.put("注", x: 3, y: 1, role: .text)
    XCTAssertEqual(g.snapshot(), "|ab    |\n|   注 |")
    XCTAssertEqual(g.snapshot(of: Rect(x: 1, y: 1, width: 4, height: 1)), "|  注|")
  }
}

final class GridPutTests: XCTestCase {
  /// The ASCII fast path and the general path agree on clipping and ellipsis.
  func testPutClipsAndEllipsises() {
    for text in ["", "a", "abcdef", "abcdefghij", "abc\u{e9}fghij", "ab注cdefgh"] {
      for limit in 1...8 {
        for e in [nil, Character("…")] {
          var g = Grid(width: 12, height: 1)
          let used = g.put(text, x: 2, y: 0, role: .text, maxWidth: limit, ellipsis: e)
          XCTAssertLessThanOrEqual(used, limit, "\(text) \(limit)")
          let w = CharWidth.of(text)
          if w <= limit { XCTAssertEqual(used, w, "\(text) \(limit)") }
          if w > limit, e != nil { XCTAssertTrue(g.rowText(0).contains("…"), "\(text) \(limit): \(g.rowText(0))") }
          XCTAssertEqual(g.rowText(0).prefix(2), "  ")
        }
      }
    }
    var g = Grid(width: 5, height: 1)
    XCTAssertEqual(g.put("abcdefgh", x: -2, y: 0, role: .text), 7, "columns from x, including the clipped ones")
    XCTAssertEqual(g.rowText(0), "cdefg")
    XCTAssertEqual(g.put("zz", x: 5, y: 0, role: .text), 0)
  }
}

final class RoleSnapshotTests: XCTestCase {
  func testRoleLettersAreUnique() {
    XCTAssertEqual(Set(roleLetters.values).count, Role.allCases.count)
    var g = Grid(width: 3, height: 1)
    g.put("x", x: 1, y: 0, role: .error)
    XCTAssertEqual(g.roleSnapshot(), "roles: E=error\n| E |")
  }
}
