import Foundation
import DMSWatchModel

/// Deterministic, stateless hashing: every simulated quantity is a function of
/// (seed, what, index, time bucket) so nothing per table has to be stored.
enum H {
  @inline(__always)
  static func mix(_ x: UInt64) -> UInt64 {
    var z = x &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  @inline(__always)
  static func h(_ a: UInt64, _ b: UInt64, _ c: UInt64 = 0, _ d: UInt64 = 0) -> UInt64 {
    mix(mix(mix(mix(a) ^ b) ^ c) ^ d)
  }

  /// Uniform in [0, 1).
  @inline(__always)
  static func u(_ a: UInt64, _ b: UInt64, _ c: UInt64 = 0, _ d: UInt64 = 0) -> Double {
    Double(h(a, b, c, d) >> 11) * (1.0 / 9_007_199_254_740_992.0)
  }

  /// Uniform integer in lo...hi.
  @inline(__always)
  static func int(_ lo: Int, _ hi: Int, _ a: UInt64, _ b: UInt64, _ c: UInt64 = 0, _ d: UInt64 = 0) -> Int {
    guard hi > lo else { return lo }
    return lo + Int(h(a, b, c, d) % UInt64(hi - lo + 1))
  }

  @inline(__always)
  static func bits(_ i: Int) -> UInt64 { UInt64(bitPattern: Int64(i)) }

  @inline(__always)
  static func bits(_ d: Double) -> UInt64 {
    d.isFinite && abs(d) < 9e18 ? UInt64(bitPattern: Int64(d.rounded(.down))) : 0
  }

  /// Smooth value noise in [0, 1): interpolates hashed knots at integer x.
  static func smooth(_ key: UInt64, _ salt: UInt64, _ x: Double) -> Double {
    let i = x.rounded(.down)
    let f = x - i
    let a = u(key, salt, bits(i))
    let b = u(key, salt, bits(i + 1))
    let s = f * f * (3 - 2 * f)
    return a + (b - a) * s
  }
}

/// Salts that keep the hash streams apart.
enum Salt {
  static let task: UInt64 = 0x7461_736B
  static let table: UInt64 = 0x7461_626C
  static let profile: UInt64 = 0x7072_6F66
  static let name: UInt64 = 0x6E61_6D65
  static let resource: UInt64 = 0x7265_7369
  static let instance: UInt64 = 0x696E_7374
  static let endpoint: UInt64 = 0x656E_6470
  static let rows: UInt64 = 0x726F_7773
  static let rate: UInt64 = 0x7261_7465
  static let latency: UInt64 = 0x6C61_7465
  static let spike: UInt64 = 0x7370_696B
  static let log: UInt64 = 0x6C6F_6767
  static let valid: UInt64 = 0x7661_6C69
  static let discrepancy: UInt64 = 0x6469_7363
  static let time: UInt64 = 0x7469_6D65
}

enum ResourceIds {
  static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

  /// A 26-character uppercase base32 id like real DMS resource ids.
  static func make(_ key: UInt64, _ salt: UInt64) -> String {
    var out = [UInt8]()
    out.reserveCapacity(26)
    var word = H.h(key, salt, 1)
    var left = 12
    var n: UInt64 = 2
    for _ in 0..<26 {
      if left == 0 {
        word = H.h(key, salt, n)
        n += 1
        left = 12
      }
      out.append(alphabet[Int(word & 31)])
      word >>= 5
      left -= 1
    }
    return String(decoding: out, as: UTF8.self)
  }
}

/// Fast UTC formatting for log prefixes (no DateFormatter, no locale).
enum UTCFormat {
  /// `2026-11-23T10:10:15`
  static func logStamp(_ date: Date) -> String {
    let secs = Int64(date.timeIntervalSince1970.rounded(.down))
    let days = secs >= 0 ? secs / 86_400 : (secs - 86_399) / 86_400
    let rem = secs - days * 86_400
    let (y, m, d) = civil(days)
    return "\(pad4(y))-\(pad2(m))-\(pad2(d))T\(pad2(rem / 3600)):\(pad2(rem % 3600 / 60)):\(pad2(rem % 60))"
  }

  /// Days since 1970-01-01 to (year, month, day), proleptic Gregorian.
  static func civil(_ days: Int64) -> (Int64, Int64, Int64) {
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let y = yoe + era * 400
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    return (m <= 2 ? y + 1 : y, m, d)
  }

  private static func pad2(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
  private static func pad4(_ v: Int64) -> String {
    let s = "\(v)"
    return s.count >= 4 ? s : String(repeating: "0", count: 4 - s.count) + s
  }
}

/// Epoch milliseconds, clamped so absurd dates cannot trap.
@inline(__always)
func epochMs(_ date: Date) -> Int64 {
  let v = (date.timeIntervalSince1970 * 1000).rounded(.down)
  return Int64(min(max(v, -1e15), 1e15))
}

/// Opaque pagination markers: base64 of "kind:offset".
enum Markers {
  static func encode(_ kind: String, _ offset: Int) -> String {
    Data("\(kind):\(offset)".utf8).base64EncodedString()
  }

  static func decode(_ kind: String, _ marker: String?) throws -> Int {
    guard let marker, !marker.isEmpty else { return 0 }
    guard let data = Data(base64Encoded: marker), let text = String(data: data, encoding: .utf8),
      text.hasPrefix(kind + ":"), let n = Int(text.dropFirst(kind.count + 1)), n >= 0, n <= 100_000_000
    else {
      throw ServiceError(
        kind: .client, code: "InvalidParameterValueException", message: "Invalid value for Marker.", httpStatus: 400)
    }
    return n
  }
}
