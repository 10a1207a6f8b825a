import DMSWatchModel
import TerminalBackend
import XCTest
import DMSWatchState

/// Deterministic RNG for property tests (SplitMix64).
struct SeededRNG: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

final class KeyDecoderCursesTests: XCTestCase {
  // ncurses key codes (curses.h, octal) — the ABI values, written out so a mismatch is caught.
  let keyDown: UInt32 = 0o402, keyUp: UInt32 = 0o403, keyLeft: UInt32 = 0o404, keyRight: UInt32 = 0o405
  let keyHome: UInt32 = 0o406, keyBackspace: UInt32 = 0o407, keyF0: UInt32 = 0o410, keyDC: UInt32 = 0o512
  let keyNPage: UInt32 = 0o522, keyPPage: UInt32 = 0o523, keyEnter: UInt32 = 0o527, keyBTab: UInt32 = 0o541
  let keyEnd: UInt32 = 0o550, keyResize: UInt32 = 0o632

  func testFunctionKeys() {
    let table: [(UInt32, Key)] = [
      (keyUp, .up), (keyDown, .down), (keyLeft, .left), (keyRight, .right),
      (keyHome, .home), (keyEnd, .end), (keyPPage, .pageUp), (keyNPage, .pageDown),
      (keyEnter, .enter), (keyBackspace, .backspace), (keyDC, .delete), (keyBTab, .backTab),
    ]
    for (code, key) in table {
      XCTAssertEqual(KeyDecoder.decode(code: code, isFunctionKey: true), key, "code \(String(code, radix: 8))")
    }
  }

  func testFunctionKeysF1ToF12() {
    for n in 1...12 {
      XCTAssertEqual(KeyDecoder.decode(code: keyF0 + UInt32(n), isFunctionKey: true), .function(n))
    }
    XCTAssertNil(KeyDecoder.decode(code: keyF0, isFunctionKey: true))
    XCTAssertNil(KeyDecoder.decode(code: keyF0 + 13, isFunctionKey: true))
  }

  func testUnknownFunctionCodesAndResizeAreNotKeys() {
    XCTAssertNil(KeyDecoder.decode(code: keyResize, isFunctionKey: true))
    XCTAssertNil(KeyDecoder.decode(code: 0, isFunctionKey: true))
    XCTAssertNil(KeyDecoder.decode(code: UInt32.max, isFunctionKey: true))
  }

  func testFunctionFlagDistinguishesKeyCodesFromCharacters() {
    // 0o403 as a character is U+0103 (ă), not the up arrow.
    XCTAssertEqual(KeyDecoder.decode(code: keyUp, isFunctionKey: false), .char("ă"))
  }

  func testControlCharacters() {
    let table: [(UInt32, Key)] = [
      (127, .backspace), (8, .backspace), (10, .enter), (13, .enter), (9, .tab), (27, .escape),
      (1, .ctrl("a")), (2, .ctrl("b")), (3, .ctrl("c")), (6, .ctrl("f")), (18, .ctrl("r")), (26, .ctrl("z")),
      (0, .ctrl("@")), (28, .ctrl("\\")), (31, .ctrl("_")),
    ]
    for (code, key) in table {
      XCTAssertEqual(KeyDecoder.decode(code: code, isFunctionKey: false), key, "code \(code)")
    }
  }

  func testPrintableUnicode() {
    let table: [(UInt32, Key)] = [
      (0x6A, .char("j")), (0x47, .char("G")), (0x20, .char(" ")), (0x3F, .char("?")),
      (0xE9, .char("é")), (0x4E2D, .char("中")), (0x1F600, .char("😀")),
    ]
    for (code, key) in table {
      XCTAssertEqual(KeyDecoder.decode(code: code, isFunctionKey: false), key)
    }
  }

  func testInvalidScalarsAndC1ControlsAreDropped() {
    for code: UInt32 in [0x80, 0x85, 0x9F, 0xD800, 0xDFFF, 0x110000, UInt32.max] {
      XCTAssertNil(KeyDecoder.decode(code: code, isFunctionKey: false), "code \(code)")
    }
  }
}

final class KeyDecoderBytesTests: XCTestCase {
  private func keys(_ s: String) -> [Key] { KeyDecoder.decode(bytes: Array(s.utf8)) }

  func testArrowsCSIAndSS3() {
    XCTAssertEqual(keys("\u{1B}[A\u{1B}[B\u{1B}[C\u{1B}[D"), [.up, .down, .right, .left])
    XCTAssertEqual(keys("\u{1B}OA\u{1B}OB\u{1B}OC\u{1B}OD"), [.up, .down, .right, .left])
  }

  func testHomeEndVariants() {
    XCTAssertEqual(keys("\u{1B}[H\u{1B}OH\u{1B}[1~\u{1B}[7~"), [.home, .home, .home, .home])
    XCTAssertEqual(keys("\u{1B}[F\u{1B}OF\u{1B}[4~\u{1B}[8~"), [.end, .end, .end, .end])
  }

  func testPagingDeleteAndBackTab() {
    XCTAssertEqual(keys("\u{1B}[5~\u{1B}[6~\u{1B}[3~\u{1B}[Z"), [.pageUp, .pageDown, .delete, .backTab])
  }

  func testFunctionKeys() {
    XCTAssertEqual(keys("\u{1B}OP\u{1B}OQ\u{1B}OR\u{1B}OS"), [.function(1), .function(2), .function(3), .function(4)])
    let csi = [11, 12, 13, 14, 15, 17, 18, 19, 20, 21, 23, 24].map { "\u{1B}[\($0)~" }.joined()
    XCTAssertEqual(keys(csi), (1...12).map { .function($0) })
    XCTAssertEqual(keys("\u{1B}[[A\u{1B}[[E"), [.function(1), .function(5)])
    XCTAssertEqual(keys("\u{1B}[1;2P\u{1B}[1;5R"), [.function(1), .function(3)])
  }

  func testModifiersAreIgnored() {
    XCTAssertEqual(keys("\u{1B}[1;5A\u{1B}[1;2D\u{1B}[5;5~\u{1B}[1;3H"), [.up, .left, .pageUp, .home])
  }

  func testMixedStream() {
    XCTAssertEqual(keys("j\u{1B}[Bk\r\tq"), [.char("j"), .down, .char("k"), .enter, .tab, .char("q")])
    XCTAssertEqual(Array(KeyDecoder.decode(bytes: [0x03, 0x7F, 0x08, 0x12, 0x1C])), [.ctrl("c"), .backspace, .backspace, .ctrl("r"), .ctrl("\\")])
  }

  func testUTF8() {
    XCTAssertEqual(keys("é中😀ü"), [.char("é"), .char("中"), .char("😀"), .char("ü")])
  }

  func testLoneEscape() {
    XCTAssertEqual(keys("\u{1B}"), [.escape])
    XCTAssertEqual(keys("\u{1B}\u{1B}"), [.escape, .escape])
    XCTAssertEqual(keys("\u{1B}\u{1B}[A"), [.escape, .up])
    XCTAssertEqual(keys("\u{1B}x"), [.escape, .char("x")])
  }

  func testInvalidBytesAreSkipped() {
    XCTAssertEqual(KeyDecoder.decode(bytes: [0xFF, 0xC0, 0x80, 0xFE, 0x61]), [.char("a")])
    // Truncated multibyte followed by ASCII.
    XCTAssertEqual(KeyDecoder.decode(bytes: [0xE4, 0xB8, 0x61]), [.char("a")])
    // UTF-8-encoded surrogate, overlong encodings, above U+10FFFF.
    XCTAssertEqual(KeyDecoder.decode(bytes: [0xED, 0xA0, 0x80]), [])
    XCTAssertEqual(KeyDecoder.decode(bytes: [0xE0, 0x80, 0xAF, 0xC1, 0xBF]), [])
    XCTAssertEqual(KeyDecoder.decode(bytes: [0xF4, 0x90, 0x80, 0x80, 0x62]), [.char("b")])
    // C1 controls encoded as UTF-8.
    XCTAssertEqual(KeyDecoder.decode(bytes: [0xC2, 0x85]), [])
  }

  func testTruncatedAndMalformedSequences() {
    XCTAssertEqual(keys("\u{1B}["), [])
    XCTAssertEqual(keys("\u{1B}[1;"), [])
    XCTAssertEqual(keys("\u{1B}O"), [])
    XCTAssertEqual(keys("\u{1B}[["), [])
    // Interrupted by a new sequence: the first is dropped, the second decodes.
    XCTAssertEqual(keys("\u{1B}[1\u{1B}[A"), [.up])
    // Unknown finals and private sequences (SGR mouse) are swallowed whole.
    XCTAssertEqual(keys("\u{1B}[5x\u{1B}[<0;10;5Mq"), [.char("q")])
    XCTAssertEqual(keys("\u{1B}[99~\u{1B}[2~z"), [.char("z")])
    // X10 mouse report: ESC [ M and three raw bytes.
    XCTAssertEqual(keys("\u{1B}[M !!q"), [.char("q")])
    // Absurdly long parameters are abandoned without overflow.
    XCTAssertEqual(keys("\u{1B}[" + String(repeating: "9", count: 100) + "~k").last, .char("k"))
    XCTAssertEqual(keys("\u{1B}[99999999999999999999999~"), [])
  }

  func testRandomBytesNeverCrashAndConsumeInput() {
    var rng = SeededRNG(seed: 0xD5_7A7C)
    // Biased alphabet so sequences are often almost valid.
    let interesting: [UInt8] = [0x1B, 0x5B, 0x4F, 0x3B, 0x7E, 0x31, 0x35, 0x32, 0x3C, 0x4D, 0x41, 0x5A, 0xC3, 0xE4, 0xF0, 0x80, 0xBF, 0xFF]
    var total = 0
    for _ in 0..<100_000 {
      let length = Int.random(in: 0...24, using: &rng)
      var bytes: [UInt8] = []
      bytes.reserveCapacity(length)
      for _ in 0..<length {
        bytes.append(Bool.random(using: &rng) ? interesting[Int.random(in: 0..<interesting.count, using: &rng)] : UInt8.random(in: 0...255, using: &rng))
      }
      let out = KeyDecoder.decode(bytes: bytes)
      // Every key consumes at least one byte.
      XCTAssertLessThanOrEqual(out.count, bytes.count)
      total += out.count
    }
    XCTAssertGreaterThan(total, 0)
  }

  func testRandomTextRoundTrips() {
    var rng = SeededRNG(seed: 42)
    let pool: [Character] = ["a", "Z", "0", " ", "é", "中", "😀", "ß", "/", "~", "ü", "日"]
    for _ in 0..<2_000 {
      let text = String((0..<Int.random(in: 0...20, using: &rng)).map { _ in pool[Int.random(in: 0..<pool.count, using: &rng)] })
      XCTAssertEqual(keys(text), text.map { Key.char($0) })
    }
  }
}
