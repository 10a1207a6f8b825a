import DMSWatchRender
import TerminalBackend
import XCTest

final class TerminalSupportTests: XCTestCase {
  private func check(_ term: String?, tty: Bool = true, terminfo: Int = 1) -> TerminalError? {
    TerminalSupport.check(term: term, stdinIsTTY: tty, stdoutIsTTY: tty, terminfo: terminfo)
  }

  func testSupportedTerminal() {
    XCTAssertNil(check("xterm-256color"))
    XCTAssertNil(check("screen"))
  }

  func testUnsupportedTerminals() {
    for (term, tty, info, needle) in [
      ("xterm", false, 1, "must be a terminal"), (nil, true, 1, "TERM is not set"), ("", true, 1, "TERM is not set"),
      ("dumb", true, 1, "TERM=dumb"), ("unknown", true, 1, "TERM=unknown"), ("vt9000", true, 0, "no terminfo entry"),
      ("xterm", true, -1, "terminfo database"),
    ] as [(String?, Bool, Int, String)] {
      guard case .unsupported(let why)? = check(term, tty: tty, terminfo: info) else {
        XCTFail("\(String(describing: term)) should be unsupported")
        continue
      }
      XCTAssertTrue(why.contains(needle), why)
    }
    XCTAssertTrue(TerminalError.unsupported("x").description.contains("unsupported terminal"))
  }

  func testUTF8Codeset() {
    XCTAssertTrue(TerminalSupport.isUTF8(codeset: "UTF-8"))
    XCTAssertTrue(TerminalSupport.isUTF8(codeset: "utf8"))
    XCTAssertFalse(TerminalSupport.isUTF8(codeset: "ANSI_X3.4-1968"))
    XCTAssertFalse(TerminalSupport.isUTF8(codeset: "ISO-8859-1"))
  }

  func testCharsetChoice() {
    XCTAssertEqual(TerminalSupport.charset(codeset: "UTF-8", term: "xterm-256color"), .unicode)
    XCTAssertEqual(TerminalSupport.charset(codeset: "UTF-8", term: "linux"), .unicode)
    XCTAssertEqual(TerminalSupport.charset(codeset: "UTF-8", term: "vt100"), .ascii)
    XCTAssertEqual(TerminalSupport.charset(codeset: "UTF-8", term: "vt220-8bit"), .ascii)
    XCTAssertEqual(TerminalSupport.charset(codeset: "ANSI_X3.4-1968", term: "xterm-256color"), .ascii)
  }
}

final class CellGlyphTests: XCTestCase {
  /// glibc-like widths for the test characters.
  private func wcwidth(_ v: UInt32) -> Int {
    switch v {
    case 0x300...0x36F, 0x200D, 0xFE0F: return 0
    case 0x4E00...0x9FFF, 0x1F600...0x1F64F: return 2
    case 0x20...0x7E, 0xA0...0x2FFF: return 1
    default: return -1
    }
  }

  private func plan(_ c: Character, _ expected: Int = 1, utf8: Bool = true) -> ([UInt32], Bool) {
    let p = CellGlyph.plan(c, expectedWidth: expected, utf8: utf8, width: wcwidth)
    return (p.codePoints, p.wide)
  }

  func testNarrowAndWide() {
    XCTAssertTrue(plan("a") == ([0x61], false))
    XCTAssertTrue(plan("中", 2) == ([0x4E2D], true))
    XCTAssertTrue(plan("😀", 2) == ([0x1F600], true))
  }

  func testWidthDisagreementWritesReplacement() {
    // A wide character where the grid has one column (last column, or clipped).
    XCTAssertTrue(plan("中", 1) == ([CellGlyph.replacement], false))
    // VS16 emoji: the grid says two columns, wcwidth says one: never shift columns.
    XCTAssertTrue(plan("❤️", 2) == ([CellGlyph.replacement], false))
    // Unknown to wcwidth (-1).
    XCTAssertTrue(plan("\u{E000}", 1) == ([CellGlyph.replacement], false))
  }

  func testCombiningMarksKeptUpToTheCursesLimit() {
    XCTAssertTrue(plan("e\u{301}") == ([0x65, 0x301], false))
    let many = Character("a\u{300}\u{301}\u{302}\u{303}\u{304}\u{305}")
    XCTAssertEqual(plan(many).0, [0x61, 0x300, 0x301, 0x302, 0x303])
  }

  func testZeroWidthJoinerIsDropped() {
    XCTAssertEqual(plan("😀\u{200D}😀", 2).0, [0x1F600])
  }

  func testNonUTF8LocaleAndControls() {
    XCTAssertTrue(plan("é", utf8: false) == ([CellGlyph.replacement], false))
    XCTAssertTrue(plan("a", utf8: false) == ([0x61], false))
    XCTAssertTrue(plan("\u{1B}") == ([CellGlyph.replacement], false))
    XCTAssertTrue(plan("\u{7F}") == ([CellGlyph.replacement], false))
  }
}
