import DMSWatchModel
import DMSWatchRender
import TerminalBackend
import XCTest

final class ColorMappingTests: XCTestCase {
  func testColorModeFromColorCount() {
    XCTAssertEqual(ColorMode(colors: 0), .mono)
    XCTAssertEqual(ColorMode(colors: 2), .mono)
    XCTAssertEqual(ColorMode(colors: 8), .ansi8)
    XCTAssertEqual(ColorMode(colors: 16), .ansi16)
    XCTAssertEqual(ColorMode(colors: 88), .ansi16)
    XCTAssertEqual(ColorMode(colors: 256), .xterm256)
    XCTAssertEqual(ColorMode(colors: 256, noColor: true), .mono)
    XCTAssertEqual(ColorMode(colors: 16_777_216), .ansi8, "direct colour: only 0–7 are palette indexes")
  }

  private func map(_ c: ThemeColor, _ mode: ColorMode, defaults: Bool = true, fg: Bool = true) -> Int {
    ColorMapper.cursesColor(c, mode: mode, defaultColors: defaults, foreground: fg)
  }

  func testDefaultColour() {
    XCTAssertEqual(map(.default, .xterm256), -1)
    XCTAssertEqual(map(.default, .ansi8, defaults: false, fg: true), 7)
    XCTAssertEqual(map(.default, .ansi8, defaults: false, fg: false), 0)
  }

  func testANSIColours() {
    XCTAssertEqual(map(.ansi(1), .ansi8), 1)
    XCTAssertEqual(map(.ansi(9), .ansi16), 9)
    XCTAssertEqual(map(.ansi(9), .xterm256), 9)
    XCTAssertEqual(map(.ansi(9), .ansi8), 1, "bright red degrades to red")
    XCTAssertEqual(map(.ansi(42), .ansi16), 15, "out-of-range clamps")
    XCTAssertEqual(map(.ansi(-3), .ansi16), 0)
  }

  func testIndexedColours() {
    XCTAssertEqual(map(.indexed(196), .xterm256), 196)
    XCTAssertEqual(map(.indexed(300), .xterm256), 255)
    XCTAssertEqual(map(.indexed(196), .ansi16), 9, "xterm 196 is pure red")
    XCTAssertEqual(map(.indexed(196), .ansi8), 1)
    XCTAssertEqual(map(.indexed(21), .ansi16), 4, "xterm 21 is pure blue; xterm's blue is closest")
    XCTAssertEqual(map(.indexed(244), .ansi16), 8, "mid grey is bright black, not yellow")
    XCTAssertEqual(map(.indexed(250), .ansi8), 7)
    XCTAssertEqual(map(.indexed(236), .ansi8), 0)
    XCTAssertEqual(map(.indexed(232), .ansi16), 0, "darkest grey is black")
    XCTAssertEqual(map(.indexed(12), .ansi8), 4)
  }

  func testRGBColours() {
    XCTAssertEqual(map(.rgb(255, 0, 0), .xterm256), 196)
    XCTAssertEqual(map(.rgb(0, 0, 0), .xterm256), 16)
    XCTAssertEqual(map(.rgb(255, 255, 255), .xterm256), 231)
    XCTAssertEqual(map(.rgb(128, 128, 128), .xterm256), 244, "mid grey goes to the grey ramp")
    XCTAssertEqual(map(.rgb(0, 215, 95), .xterm256), 16 + 36 * 0 + 6 * 4 + 1)
    XCTAssertEqual(map(.rgb(250, 10, 10), .ansi16), 9)
    XCTAssertEqual(map(.rgb(0, 200, 0), .ansi8), 2)
    XCTAssertEqual(map(.rgb(230, 230, 230), .ansi8), 7)
  }

  func testMonoHasNoColours() {
    for c: ThemeColor in [.default, .ansi(1), .indexed(200), .rgb(1, 2, 3)] {
      XCTAssertEqual(map(c, .mono), -1)
    }
  }

  func testBoldForBrightOnlyOnEightColours() {
    XCTAssertTrue(ColorMapper.needsBoldForBright(.ansi(11), mode: .ansi8))
    XCTAssertFalse(ColorMapper.needsBoldForBright(.ansi(3), mode: .ansi8))
    XCTAssertFalse(ColorMapper.needsBoldForBright(.ansi(11), mode: .ansi16))
  }

  func testPairAllocatorDedupes() {
    var a = PairAllocator(limit: 64, pairZero: ColorPair(fg: -1, bg: -1))
    XCTAssertEqual(a.pair(fg: -1, bg: -1), 0)
    XCTAssertEqual(a.pair(fg: 1, bg: -1), 1)
    XCTAssertEqual(a.pair(fg: 2, bg: -1), 2)
    XCTAssertEqual(a.pair(fg: 1, bg: -1), 1)
    XCTAssertEqual(a.pair(fg: -1, bg: 1), 3, "fg/bg order matters")
    XCTAssertEqual(a.defined, [ColorPair(fg: 1, bg: -1), ColorPair(fg: 2, bg: -1), ColorPair(fg: -1, bg: 1)])
  }

  func testPairAllocatorWithoutDefaultColoursAndExhaustion() {
    var a = PairAllocator(limit: 3, pairZero: ColorPair(fg: 7, bg: 0))
    XCTAssertEqual(a.pair(fg: 7, bg: 0), 0)
    XCTAssertEqual(a.pair(fg: 1, bg: 0), 1)
    XCTAssertEqual(a.pair(fg: 2, bg: 0), 2)
    XCTAssertEqual(a.pair(fg: 3, bg: 0), 0, "no pairs left: terminal default")
    XCTAssertEqual(a.pair(fg: 1, bg: 0), 1)
    XCTAssertEqual(a.defined.count, 2)
  }

  private let theme = Theme(name: "t", styles: [
    .text: Style(),
    .selected: Style(fg: .ansi(0), bg: .ansi(6), bold: true),
    .button: Style(fg: .ansi(0), bg: .ansi(6)),
    .error: Style(fg: .ansi(9), bold: true),
    .dim: Style(fg: .indexed(244), dim: true),
    .hintKey: Style(fg: .rgb(255, 255, 0), underline: true),
  ])

  func testPaletteOn256ColoursWithDefaults() {
    let p = Palette(theme: theme, colors: 256, colorPairs: 65536, defaultColors: true, noColor: false)
    XCTAssertEqual(p.mode, .xterm256)
    XCTAssertEqual(p.paint(for: .text), RolePaint(pair: 0, attributes: []))
    let selected = p.paint(for: .selected)
    XCTAssertEqual(selected.attributes, [.bold])
    XCTAssertEqual(p.paint(for: .button).pair, selected.pair, "same colours share a pair")
    XCTAssertEqual(p.paint(for: .dim).attributes, [.dim])
    XCTAssertEqual(p.paint(for: .hintKey).attributes, [.underline])
    // Roles the theme leaves out fall back to text.
    XCTAssertEqual(p.paint(for: .logDebug), p.paint(for: .text))
    let defined = Dictionary(uniqueKeysWithValues: p.pairs.map { ($0.pair, $0.colors) })
    XCTAssertEqual(defined[selected.pair], ColorPair(fg: 0, bg: 6))
    XCTAssertEqual(defined[p.paint(for: .error).pair], ColorPair(fg: 9, bg: -1))
    XCTAssertEqual(defined[p.paint(for: .dim).pair], ColorPair(fg: 244, bg: -1))
    XCTAssertEqual(defined[p.paint(for: .hintKey).pair], ColorPair(fg: 226, bg: -1))
    XCTAssertEqual(Set(p.pairs.map(\.colors)).count, p.pairs.count, "no duplicate pairs")
    XCTAssertEqual(p.pairs.map(\.pair), Array(1...p.pairs.count))
  }

  func testPaletteOnEightColoursWithoutDefaults() {
    let p = Palette(theme: theme, colors: 8, colorPairs: 64, defaultColors: false, noColor: false)
    XCTAssertEqual(p.mode, .ansi8)
    XCTAssertEqual(p.paint(for: .text).pair, 0, "white on black is pair 0")
    let error = p.paint(for: .error)
    XCTAssertTrue(error.attributes.contains(.bold))
    let defined = Dictionary(uniqueKeysWithValues: p.pairs.map { ($0.pair, $0.colors) })
    XCTAssertEqual(defined[error.pair], ColorPair(fg: 1, bg: 0))
    XCTAssertEqual(p.paint(for: .dim).pair, 0, "grey 244 degrades to white on black: pair 0")
    XCTAssertTrue(p.pairs.allSatisfy { (0...7).contains($0.colors.fg) && (0...7).contains($0.colors.bg) })
  }

  func testPaletteMonoUsesAttributesOnly() {
    for p in [
      Palette(theme: theme, colors: 256, colorPairs: 256, defaultColors: true, noColor: true),
      Palette(theme: theme, colors: 2, colorPairs: 2, defaultColors: false, noColor: false),
    ] {
      XCTAssertEqual(p.mode, .mono)
      XCTAssertEqual(p.pairs.count, 0)
      XCTAssertTrue(Role.allCases.allSatisfy { p.paint(for: $0).pair == 0 })
      XCTAssertEqual(p.paint(for: .selected).attributes, [.bold, .reverse], "a coloured background becomes reverse")
      XCTAssertEqual(p.paint(for: .button).attributes, [.reverse])
      XCTAssertEqual(p.paint(for: .text).attributes, [])
    }
  }

  func testPaletteMonoKeepsReverseOnReversedColouredBackground() {
    let t = Theme(name: "t", styles: [.text: Style(), .selected: Style(fg: .ansi(7), bg: .ansi(4), reverse: true)])
    let p = Palette(theme: t, colors: 0, colorPairs: 0, defaultColors: false, noColor: false)
    XCTAssertEqual(p.paint(for: .selected).attributes, [.reverse])
  }
}
