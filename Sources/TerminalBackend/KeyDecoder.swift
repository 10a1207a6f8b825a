import CNCursesW
import DMSWatchModel
import DMSWatchState

/// Pure key decoding: curses key codes and raw terminal bytes to `Key`. Never traps, on any input.
public enum KeyDecoder {
  /// Decodes one `wget_wch` result. `isFunctionKey` is true when curses returned `KEY_CODE_YES`.
  /// Returns nil for codes that are not keys the app knows (including `KEY_RESIZE`).
  public static func decode(code: UInt32, isFunctionKey: Bool) -> Key? {
    isFunctionKey ? functionKey(Int(code)) : character(code)
  }

  /// Maps a curses function-key code (`KEY_UP`, `KEY_F(n)`, …).
  static func functionKey(_ code: Int) -> Key? {
    switch code {
    case Int(KEY_UP): return .up
    case Int(KEY_DOWN): return .down
    case Int(KEY_LEFT): return .left
    case Int(KEY_RIGHT): return .right
    case Int(KEY_HOME), Int(KEY_A1): return .home
    case Int(KEY_END), Int(KEY_C1): return .end
    case Int(KEY_PPAGE), Int(KEY_A3): return .pageUp
    case Int(KEY_NPAGE), Int(KEY_C3): return .pageDown
    case Int(KEY_ENTER): return .enter
    case Int(KEY_BACKSPACE): return .backspace
    case Int(KEY_DC): return .delete
    case Int(KEY_BTAB): return .backTab
    case (Int(KEY_F0) + 1)...(Int(KEY_F0) + 12): return .function(code - Int(KEY_F0))
    default: return nil
    }
  }

  /// Maps one character code (a Unicode scalar value, or a C0 control).
  static func character(_ code: UInt32) -> Key? {
    switch code {
    case 0: return .ctrl("@")
    case 8, 127: return .backspace
    case 9: return .tab
    case 10, 13: return .enter
    case 27: return .escape
    case 1...26: return .ctrl(Character(Unicode.Scalar(UInt8(code + 96))))
    case 28...31: return .ctrl(Character(Unicode.Scalar(UInt8(code + 64))))
    case 0x80...0x9F: return nil
    default:
      guard let scalar = Unicode.Scalar(code) else { return nil }
      return .char(Character(scalar))
    }
  }

  /// Decodes raw terminal input: CSI and SS3 sequences (arrows, Home/End, PgUp/PgDn, Delete,
  /// shift-tab, F1–F12, xterm modifiers ignored), UTF-8 text, C0 controls and a lone ESC.
  /// Truncated sequences at the end are dropped; invalid bytes are skipped.
  public static func decode(bytes: [UInt8]) -> [Key] {
    var keys: [Key] = []
    var i = 0
    let n = bytes.count
    while i < n {
      let b = bytes[i]
      if b == 0x1B {
        guard i + 1 < n else { keys.append(.escape); i += 1; continue }
        switch bytes[i + 1] {
        case UInt8(ascii: "["):
          let (key, next) = csi(bytes, from: i + 2)
          if let key { keys.append(key) }
          i = next
        case UInt8(ascii: "O"):
          guard i + 2 < n else { i = n; continue }
          if let key = ss3(bytes[i + 2]) { keys.append(key) }
          // An SS3 final outside the printable range starts something else: resume there.
          i += (0x20...0x7E).contains(bytes[i + 2]) ? 3 : 2
        default:
          // ESC ESC, or ESC + key (alt-key): a lone escape; the next byte decodes on its own.
          keys.append(.escape)
          i += 1
        }
      } else if b < 0x80 {
        if let key = character(UInt32(b)) { keys.append(key) }
        i += 1
      } else {
        let (scalar, length) = utf8Scalar(bytes, at: i)
        if let scalar, let key = character(scalar) { keys.append(key) }
        i += length
      }
    }
    return keys
  }

  /// Longest CSI sequence accepted; longer ones are abandoned.
  static let maxSequenceLength = 32

  /// Parses a CSI sequence whose parameters start at `start` (just after `ESC [`).
  /// Returns the key (nil when unknown or malformed) and where decoding continues (always > start - 2).
  static func csi(_ bytes: [UInt8], from start: Int) -> (Key?, Int) {
    let n = bytes.count
    // Linux console F1–F5: ESC [ [ A … E.
    if start < n, bytes[start] == UInt8(ascii: "[") {
      guard start + 1 < n else { return (nil, n) }
      let f = bytes[start + 1]
      if f >= UInt8(ascii: "A"), f <= UInt8(ascii: "E") { return (.function(Int(f - UInt8(ascii: "A")) + 1), start + 2) }
      return (nil, start + 1)
    }
    var params: [Int] = []
    var current: Int? = nil
    var privateMarker = false
    var hasIntermediate = false
    var j = start
    while j < n {
      let c = bytes[j]
      if j - start >= maxSequenceLength { return (nil, j) }
      switch c {
      case 0x30...0x39:
        if hasIntermediate { return (nil, j) }
        current = min(99_999, (current ?? 0) * 10 + Int(c - 0x30))
      case UInt8(ascii: ";"), UInt8(ascii: ":"):
        if hasIntermediate { return (nil, j) }
        params.append(current ?? 0)
        current = nil
      case 0x3C...0x3F:
        if hasIntermediate { return (nil, j) }
        privateMarker = true
      case 0x20...0x2F:
        hasIntermediate = true
      case 0x40...0x7E:
        if let current { params.append(current) }
        var next = j + 1
        // X10 mouse report: ESC [ M and three raw bytes; swallow them.
        if c == UInt8(ascii: "M"), params.isEmpty, !privateMarker { next = min(n, j + 4) }
        if privateMarker || hasIntermediate { return (nil, next) }
        return (csiFinal(c, params), next)
      default:
        // A control or non-ASCII byte cannot be inside CSI: abandon it and decode from here.
        return (nil, j)
      }
      j += 1
    }
    return (nil, n)
  }

  static func csiFinal(_ final: UInt8, _ params: [Int]) -> Key? {
    switch final {
    case UInt8(ascii: "A"): return .up
    case UInt8(ascii: "B"): return .down
    case UInt8(ascii: "C"): return .right
    case UInt8(ascii: "D"): return .left
    case UInt8(ascii: "H"): return .home
    case UInt8(ascii: "F"): return .end
    case UInt8(ascii: "Z"): return .backTab
    case UInt8(ascii: "P"): return .function(1)
    case UInt8(ascii: "Q"): return .function(2)
    case UInt8(ascii: "R"): return params.isEmpty ? nil : .function(3)  // bare CSI R is a cursor report
    case UInt8(ascii: "S"): return .function(4)
    case UInt8(ascii: "~"):
      let p = params.first ?? 0
      switch p {
      case 1, 7: return .home
      case 4, 8: return .end
      case 3: return .delete
      case 5: return .pageUp
      case 6: return .pageDown
      case 11...15: return .function(p - 10)
      case 17...21: return .function(p - 11)
      case 23, 24: return .function(p - 12)
      default: return nil
      }
    default: return nil
    }
  }

  /// SS3 finals are the CSI letter finals (arrows, Home/End, F1–F4) plus keypad Enter; `~` and `Z` are not SS3.
  static func ss3(_ final: UInt8) -> Key? {
    switch final {
    case UInt8(ascii: "M"): return .enter
    case UInt8(ascii: "Z"), UInt8(ascii: "~"): return nil
    // A parameter keeps `R` as F3 (bare CSI R is a cursor report, SS3 R is not).
    default: return csiFinal(final, [1])
    }
  }

  /// Decodes one UTF-8 scalar at `i`. Invalid or truncated input yields (nil, 1): skip one byte.
  static func utf8Scalar(_ bytes: [UInt8], at i: Int) -> (UInt32?, Int) {
    let b0 = bytes[i]
    let length: Int
    var lower: UInt8 = 0x80
    var upper: UInt8 = 0xBF
    switch b0 {
    case 0xC2...0xDF: length = 2
    case 0xE0: length = 3; lower = 0xA0
    case 0xE1...0xEC, 0xEE...0xEF: length = 3
    case 0xED: length = 3; upper = 0x9F
    case 0xF0: length = 4; lower = 0x90
    case 0xF1...0xF3: length = 4
    case 0xF4: length = 4; upper = 0x8F
    default: return (nil, 1)
    }
    guard i + length <= bytes.count else { return (nil, 1) }
    var value = UInt32(b0) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
    for k in 1..<length {
      let b = bytes[i + k]
      let lo: UInt8 = k == 1 ? lower : 0x80
      let hi: UInt8 = k == 1 ? upper : 0xBF
      guard b >= lo, b <= hi else { return (nil, 1) }
      value = value << 6 | UInt32(b & 0x3F)
    }
    return (value, length)
  }
}
