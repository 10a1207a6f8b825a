import DMSWatchModel
import Foundation

/// A JSON document kept as a tree: decoding tolerates type drift (numbers vs ISO strings for
/// timestamps), encoding keeps key order so requests are byte-stable.
public enum JSONValue: Sendable, Equatable {
  case null
  case bool(Bool)
  case int(Int64)
  case double(Double)
  case string(String)
  case array([JSONValue])
  case object([(String, JSONValue)])

  public static func == (a: JSONValue, b: JSONValue) -> Bool {
    switch (a, b) {
    case (.null, .null): return true
    case (.bool(let x), .bool(let y)): return x == y
    case (.int(let x), .int(let y)): return x == y
    case (.double(let x), .double(let y)): return x == y
    case (.string(let x), .string(let y)): return x == y
    case (.array(let x), .array(let y)): return x == y
    case (.object(let x), .object(let y)):
      return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    default: return false
    }
  }
}

extension JSONValue: Decodable {
  public init(from decoder: Decoder) throws {
    if var arr = try? decoder.unkeyedContainer() {
      var out: [JSONValue] = []
      while !arr.isAtEnd { out.append(try arr.decode(JSONValue.self)) }
      self = .array(out)
      return
    }
    if let obj = try? decoder.container(keyedBy: AnyKey.self) {
      var out: [(String, JSONValue)] = []
      for k in obj.allKeys { out.append((k.stringValue, try obj.decode(JSONValue.self, forKey: k))) }
      self = .object(out)
      return
    }
    let c = try decoder.singleValueContainer()
    if c.decodeNil() {
      self = .null
    } else if let b = try? c.decode(Bool.self) {
      self = .bool(b)
    } else if let i = try? c.decode(Int64.self) {
      self = .int(i)
    } else if let d = try? c.decode(Double.self) {
      self = .double(d)
    } else {
      self = .string(try c.decode(String.self))
    }
  }
}

struct AnyKey: CodingKey {
  var stringValue: String
  var intValue: Int? { nil }
  init(stringValue: String) { self.stringValue = stringValue }
  init?(intValue: Int) { nil }
}

extension JSONValue {
  public static func parse(_ data: Data) throws -> JSONValue {
    try JSONParser.parse(data)
  }

  public subscript(key: String) -> JSONValue? {
    if case .object(let pairs) = self { return pairs.first { $0.0 == key }?.1 }
    return nil
  }

  public var string: String? {
    switch self {
    case .string(let s): return s
    case .int(let i): return String(i)
    case .double(let d): return String(d)
    case .bool(let b): return String(b)
    default: return nil
    }
  }

  public var int64: Int64? {
    switch self {
    case .int(let i): return i
    case .double(let d) where d.isFinite && abs(d) < 9.2e18: return Int64(d)
    case .string(let s): return Int64(s)
    default: return nil
    }
  }

  public var int: Int? { int64.flatMap { Int(exactly: $0) } }

  public var double: Double? {
    switch self {
    case .int(let i): return Double(i)
    case .double(let d): return d
    case .string(let s): return Double(s)
    default: return nil
    }
  }

  public var bool: Bool? {
    switch self {
    case .bool(let b): return b
    case .string(let s): return s == "true" ? true : (s == "false" ? false : nil)
    default: return nil
    }
  }

  public var array: [JSONValue]? {
    if case .array(let a) = self { return a }
    return nil
  }

  public var isNull: Bool { self == .null }

  /// A timestamp: epoch seconds (number or numeric string) or ISO 8601 with or without zone
  /// (a missing zone means UTC, as moto sends).
  public var date: Date? {
    switch self {
    case .int(let i): return Date(timeIntervalSince1970: TimeInterval(i))
    case .double(let d): return Date(timeIntervalSince1970: d)
    case .string(let s): return Timestamp.parse(s)
    default: return nil
    }
  }

  /// Serialises with keys in insertion order and no insignificant whitespace.
  public func encoded() -> Data { Data(serialized().utf8) }

  /// Keys whose values are never shown (`y`): passwords, secrets, tokens, credentials.
  public static func isSecretKey(_ k: String) -> Bool {
    let l = k.lowercased()
    return ["password", "secret", "token", "credential", "privatekey"].contains { l.contains($0) } && !l.hasSuffix("arn") && !l.hasSuffix("id")
  }

  /// Indented JSON (two spaces) in insertion order, with the values of secret-looking keys replaced by
  /// `"<redacted>"` at any depth: the `y` view.
  public func prettyRedacted(indent: String = "") -> String {
    let inner = indent + "  "
    switch self {
    case .array(let a):
      guard !a.isEmpty else { return "[]" }
      return "[\n" + a.map { inner + $0.prettyRedacted(indent: inner) }.joined(separator: ",\n") + "\n" + indent + "]"
    case .object(let pairs):
      guard !pairs.isEmpty else { return "{}" }
      return "{\n" + pairs.map { k, v in
        var key = ""
        JSONValue.writeString(k, into: &key)
        let value = JSONValue.isSecretKey(k) && !v.isNull ? "\"<redacted>\"" : v.redactingEmbeddedJSON().prettyRedacted(indent: inner)
        return inner + key + ": " + value
      }.joined(separator: ",\n") + "\n" + indent + "}"
    default:
      return serialized()
    }
  }

  /// DMS returns settings as JSON inside a string (ReplicationTaskSettings, TableMappings): a string that is a
  /// JSON object or array has its secret values redacted too, and stays a string.
  func redactingEmbeddedJSON() -> JSONValue {
    guard case .string(let s) = self, s.utf8.count <= 1_000_000, let first = s.first(where: { !$0.isWhitespace }),
      first == "{" || first == "[", let inner = try? JSONValue.parse(Data(s.utf8)), inner.hasSecret
    else { return self }
    return .string(inner.redacted().serialized())
  }

  /// Whether a secret-looking key holds a value anywhere inside.
  var hasSecret: Bool {
    switch self {
    case .object(let pairs): pairs.contains { (JSONValue.isSecretKey($0.0) && !$0.1.isNull) || $0.1.hasSecret }
    case .array(let a): a.contains { $0.hasSecret }
    case .string: redactingEmbeddedJSON() != self
    default: false
    }
  }

  /// The same value with every secret-looking key's value replaced by `"<redacted>"`, at any depth.
  func redacted() -> JSONValue {
    switch self {
    case .object(let pairs):
      .object(pairs.map { k, v in (k, JSONValue.isSecretKey(k) && !v.isNull ? .string("<redacted>") : v.redacted()) })
    case .array(let a): .array(a.map { $0.redacted() })
    case .string: redactingEmbeddedJSON()
    default: self
    }
  }

  public func serialized() -> String {
    var out = ""
    write(into: &out)
    return out
  }

  private func write(into out: inout String) {
    switch self {
    case .null: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .int(let i): out += String(i)
    case .double(let d):
      if d.isFinite {
        if d == d.rounded(), abs(d) < 1e15 { out += String(Int64(d)) } else { out += String(d) }
      } else {
        out += "null"
      }
    case .string(let s): JSONValue.writeString(s, into: &out)
    case .array(let a):
      out += "["
      for (i, v) in a.enumerated() {
        if i > 0 { out += "," }
        v.write(into: &out)
      }
      out += "]"
    case .object(let pairs):
      out += "{"
      for (i, (k, v)) in pairs.enumerated() {
        if i > 0 { out += "," }
        JSONValue.writeString(k, into: &out)
        out += ":"
        v.write(into: &out)
      }
      out += "}"
    }
  }

  private static func writeString(_ s: String, into out: inout String) {
    out += "\""
    for u in s.unicodeScalars {
      switch u {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if u.value < 0x20 {
          let h = String(u.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
        } else {
          out.unicodeScalars.append(u)
        }
      }
    }
    out += "\""
  }
}

/// Builds request objects, dropping nil members.
struct JSONObjectBuilder {
  var pairs: [(String, JSONValue)] = []
  mutating func set(_ k: String, _ v: JSONValue?) { if let v { pairs.append((k, v)) } }
  mutating func set(_ k: String, _ v: String?) { if let v { pairs.append((k, .string(v))) } }
  mutating func set(_ k: String, _ v: Int?) { if let v { pairs.append((k, .int(Int64(v)))) } }
  mutating func set(_ k: String, _ v: Bool?) { if let v { pairs.append((k, .bool(v))) } }
  /// Timestamps go out as whole epoch seconds, as botocore sends them.
  mutating func set(_ k: String, _ v: Date?) {
    if let v { pairs.append((k, .int(Int64(v.timeIntervalSince1970.rounded(.down))))) }
  }
  var value: JSONValue { .object(pairs) }
}

/// Timestamp parsing shared by the JSON and XML decoders.
public enum Timestamp {
  /// ISO 8601 (`2026-11-23T10:10:15.809629`, `…Z`, `…+02:00`, date and time with a space) or epoch seconds.
  public static func parse(_ raw: String) -> Date? {
    let s = raw.trimmingCharacters(in: .whitespaces)
    if let d = Double(s), d.isFinite, s.first.map({ $0.isNumber || $0 == "-" }) == true, !s.dropFirst().contains("-") {
      return Date(timeIntervalSince1970: d)
    }
    let b = Array(s.utf8)
    func num(_ from: Int, _ len: Int) -> Int? {
      guard from + len <= b.count else { return nil }
      var v = 0
      for i in from..<(from + len) {
        guard b[i] >= 48, b[i] <= 57 else { return nil }
        v = v * 10 + Int(b[i] - 48)
      }
      return v
    }
    guard b.count >= 10, let y = num(0, 4), b[4] == UInt8(ascii: "-"), let mo = num(5, 2), b[7] == UInt8(ascii: "-"),
      let d = num(8, 2), (1...12).contains(mo), (1...31).contains(d)
    else { return nil }
    var h = 0, mi = 0, sec = 0
    var frac = 0.0
    var i = 10
    var offset = 0
    if i < b.count, b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: "t") || b[i] == UInt8(ascii: " ") {
      guard let hh = num(i + 1, 2), i + 3 < b.count, b[i + 3] == UInt8(ascii: ":"), let mm = num(i + 4, 2) else { return nil }
      h = hh
      mi = mm
      i += 6
      if i < b.count, b[i] == UInt8(ascii: ":") {
        guard let ss = num(i + 1, 2) else { return nil }
        sec = ss
        i += 3
        if i < b.count, b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: ",") {
          var j = i + 1
          var scale = 0.1
          while j < b.count, b[j] >= 48, b[j] <= 57 {
            frac += Double(b[j] - 48) * scale
            scale /= 10
            j += 1
          }
          guard j > i + 1 else { return nil }
          i = j
        }
      }
      guard h < 24, mi < 60, sec <= 60 else { return nil }
    }
    if i < b.count {
      if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
        i += 1
      } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
        let sign = b[i] == UInt8(ascii: "+") ? 1 : -1
        guard let oh = num(i + 1, 2) else { return nil }
        var j = i + 3
        var om = 0
        if j < b.count, b[j] == UInt8(ascii: ":") { j += 1 }
        if let m = num(j, 2) {
          om = m
          j += 2
        }
        offset = sign * (oh * 3600 + om * 60)
        i = j
      }
      guard i == b.count else { return nil }
    }
    let days = daysFromCivil(y, mo, d)
    let secs = Double(days * 86400 + h * 3600 + mi * 60 + sec - offset) + frac
    return Date(timeIntervalSince1970: secs)
  }

  /// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
  static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
    let y = m <= 2 ? y0 - 1 : y0
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let mp = (m + 9) % 12
    let doy = (153 * mp + 2) / 5 + d - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146097 + doe - 719468
  }
}
