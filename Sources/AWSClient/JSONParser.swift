import Foundation

/// A small JSON parser straight into `JSONValue` (RFC 8259): one pass over the UTF-8 bytes, object
/// keys in document order. About ten times faster than going through `JSONDecoder` and `Decodable`,
/// which matters for 500-row DescribeTableStatistics pages.
struct JSONParser {
  struct Failure: Error, CustomStringConvertible {
    var offset: Int
    var reason: String
    var description: String { "invalid JSON at byte \(offset): \(reason)" }
  }

  private let b: UnsafeBufferPointer<UInt8>
  private var i = 0
  private var depth = 0
  static let maxDepth = 512

  private init(_ b: UnsafeBufferPointer<UInt8>) { self.b = b }

  static func parse(_ data: Data) throws -> JSONValue {
    try data.withUnsafeBytes { raw in
      var p = JSONParser(raw.bindMemory(to: UInt8.self))
      p.skipSpace()
      let v = try p.value()
      p.skipSpace()
      guard p.i == p.b.count else { throw p.fail("trailing characters") }
      return v
    }
  }

  private func fail(_ reason: String) -> Failure { Failure(offset: i, reason: reason) }

  private mutating func skipSpace() {
    while i < b.count {
      switch b[i] {
      case 0x20, 0x0A, 0x0D, 0x09: i += 1
      default: return
      }
    }
  }

  private mutating func value() throws -> JSONValue {
    guard i < b.count else { throw fail("unexpected end") }
    switch b[i] {
    case UInt8(ascii: "{"): return try object()
    case UInt8(ascii: "["): return try array()
    case UInt8(ascii: "\""): return .string(try string())
    case UInt8(ascii: "t"): try literal("true"); return .bool(true)
    case UInt8(ascii: "f"): try literal("false"); return .bool(false)
    case UInt8(ascii: "n"): try literal("null"); return .null
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
    default: throw fail("unexpected character")
    }
  }

  private mutating func literal(_ word: StaticString) throws {
    let n = word.utf8CodeUnitCount
    guard i + n <= b.count else { throw fail("unexpected end") }
    let w = word.utf8Start
    for k in 0..<n where b[i + k] != w[k] { throw fail("bad literal") }
    i += n
  }

  private mutating func object() throws -> JSONValue {
    depth += 1
    guard depth <= Self.maxDepth else { throw fail("nested too deeply") }
    defer { depth -= 1 }
    i += 1
    var pairs: [(String, JSONValue)] = []
    skipSpace()
    if i < b.count, b[i] == UInt8(ascii: "}") {
      i += 1
      return .object(pairs)
    }
    while true {
      skipSpace()
      guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw fail("expected a key") }
      let key = try string()
      skipSpace()
      guard i < b.count, b[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
      i += 1
      skipSpace()
      pairs.append((key, try value()))
      skipSpace()
      guard i < b.count else { throw fail("unexpected end") }
      if b[i] == UInt8(ascii: ",") {
        i += 1
        continue
      }
      guard b[i] == UInt8(ascii: "}") else { throw fail("expected ',' or '}'") }
      i += 1
      return .object(pairs)
    }
  }

  private mutating func array() throws -> JSONValue {
    depth += 1
    guard depth <= Self.maxDepth else { throw fail("nested too deeply") }
    defer { depth -= 1 }
    i += 1
    var items: [JSONValue] = []
    skipSpace()
    if i < b.count, b[i] == UInt8(ascii: "]") {
      i += 1
      return .array(items)
    }
    while true {
      skipSpace()
      items.append(try value())
      skipSpace()
      guard i < b.count else { throw fail("unexpected end") }
      if b[i] == UInt8(ascii: ",") {
        i += 1
        continue
      }
      guard b[i] == UInt8(ascii: "]") else { throw fail("expected ',' or ']'") }
      i += 1
      return .array(items)
    }
  }

  private mutating func string() throws -> String {
    i += 1
    let start = i
    // Fast path: no escapes.
    while i < b.count {
      let c = b[i]
      if c == UInt8(ascii: "\"") {
        let s = decodeUTF8(start, i)
        i += 1
        return s
      }
      if c == UInt8(ascii: "\\") { break }
      if c < 0x20 { throw fail("control character in string") }
      i += 1
    }
    var out = Array(b[start..<min(i, b.count)])
    while i < b.count {
      let c = b[i]
      if c == UInt8(ascii: "\"") {
        i += 1
        // Invalid UTF-8 becomes U+FFFD, as in the fast path.
        return String(decoding: out, as: UTF8.self)
      }
      if c < 0x20 { throw fail("control character in string") }
      if c != UInt8(ascii: "\\") {
        out.append(c)
        i += 1
        continue
      }
      i += 1
      guard i < b.count else { break }
      let e = b[i]
      i += 1
      switch e {
      case UInt8(ascii: "\""): out.append(0x22)
      case UInt8(ascii: "\\"): out.append(0x5C)
      case UInt8(ascii: "/"): out.append(0x2F)
      case UInt8(ascii: "b"): out.append(0x08)
      case UInt8(ascii: "f"): out.append(0x0C)
      case UInt8(ascii: "n"): out.append(0x0A)
      case UInt8(ascii: "r"): out.append(0x0D)
      case UInt8(ascii: "t"): out.append(0x09)
      case UInt8(ascii: "u"):
        var scalar = try hex4()
        if (0xD800...0xDBFF).contains(scalar) {
          // A high surrogate must be followed by an escaped low surrogate.
          if i + 1 < b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") {
            i += 2
            let low = try hex4()
            // An unpaired surrogate is replaced (U+FFFD), like invalid UTF-8, not a reason to refuse the page.
            if (0xDC00...0xDFFF).contains(low) {
              scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else {
              out.append(contentsOf: [0xEF, 0xBF, 0xBD])
              scalar = low
            }
          } else {
            scalar = 0xFFFD
          }
        }
        if (0xD800...0xDFFF).contains(scalar) { scalar = 0xFFFD }
        guard let u = Unicode.Scalar(scalar) else { throw fail("invalid escape") }
        out.append(contentsOf: Array(String(Character(u)).utf8))
      default: throw fail("invalid escape")
      }
    }
    throw fail("unterminated string")
  }

  /// A string value's bytes. Invalid UTF-8 (one bad table name from a source database) becomes U+FFFD
  /// rather than refusing the whole page, which hid every table of the task on every poll.
  private func decodeUTF8(_ from: Int, _ to: Int) -> String {
    String(decoding: UnsafeBufferPointer(rebasing: b[from..<to]), as: UTF8.self)
  }

  private mutating func hex4() throws -> UInt32 {
    guard i + 4 <= b.count else { throw fail("short \\u escape") }
    var v: UInt32 = 0
    for _ in 0..<4 {
      let c = b[i]
      let d: UInt32
      switch c {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
      case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
      case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
      default: throw fail("bad \\u escape")
      }
      v = v * 16 + d
      i += 1
    }
    return v
  }

  private mutating func number() throws -> JSONValue {
    let start = i
    if b[i] == UInt8(ascii: "-") { i += 1 }
    let intStart = i
    while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
    guard i > intStart else { throw fail("bad number") }
    if i - intStart > 1, b[intStart] == 0x30 { throw fail("leading zero") }
    var isInteger = true
    if i < b.count, b[i] == UInt8(ascii: ".") {
      isInteger = false
      i += 1
      let f = i
      while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
      guard i > f else { throw fail("bad fraction") }
    }
    if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
      isInteger = false
      i += 1
      if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
      let e = i
      while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
      guard i > e else { throw fail("bad exponent") }
    }
    let text = String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
    if isInteger, let v = Int64(text) { return .int(v) }
    guard let d = Double(text) else { throw fail("bad number") }
    return .double(d)
  }
}
