import Foundation

/// Number and time formatting shared by panes and `check` output. Pure and locale-independent.
public enum Format {
  /// 0.4s, 42s, 3m05s, 2h10m, 3d4h
  public static func duration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "-" }
    let s = max(0, seconds)
    if s < 9.95 { return fixed(s, digits: 1) + "s" }
    let total = Int(s.rounded())
    if total < 60 { return "\(total)s" }
    if total < 3600 { return "\(total / 60)m\(pad2(total % 60))s" }
    if total < 86_400 { return "\(total / 3600)h\(pad2((total % 3600) / 60))m" }
    return "\(total / 86_400)d\((total % 86_400) / 3600)h"
  }

  /// Age label: 3s, 2m, 1h, 4d.
  public static func age(_ seconds: Double) -> String {
    let s = Int(max(0, seconds))
    if s < 60 { return "\(s)s" }
    if s < 3600 { return "\(s / 60)m" }
    if s < 86_400 { return "\(s / 3600)h" }
    return "\(s / 86_400)d"
  }

  /// Compact counts: 999, 1.2k, 34k, 1.2M, 5.6G.
  public static func count(_ n: Int64?) -> String {
    guard let n else { return "-" }
    let a = abs(Double(n))
    let sign = n < 0 ? "-" : ""
    if a < 1000 { return "\(n)" }
    let units: [(Double, String)] = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
    for (v, u) in units where a >= v {
      let x = a / v
      return sign + (x < 9.95 ? fixed(x, digits: 1) : String(max(10, Int(x)))) + u
    }
    return "\(n)"
  }

  public static func percent(_ p: Int?) -> String { p.map { "\($0)%" } ?? "-" }

  private static func pad2(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

  /// HH:MM:SS in UTC.
  public static func clock(_ d: Date) -> String {
    let t = Int(d.timeIntervalSince1970.rounded(.down))
    let day = ((t % 86_400) + 86_400) % 86_400
    return "\(pad2(day / 3600)):\(pad2((day % 3600) / 60)):\(pad2(day % 60))"
  }

  /// `x` rounded to `digits` decimals, as `String(format: "%.Nf")` prints it
  /// for the values dmswatch shows, without Foundation's formatter (pure Swift, no locale).
  public static func fixed(_ x: Double, digits: Int) -> String {
    guard x.isFinite else { return x.isNaN ? "nan" : (x < 0 ? "-inf" : "inf") }
    let d = max(0, min(9, digits))
    var scale = 1.0
    for _ in 0..<d { scale *= 10 }
    let scaled = (abs(x) * scale).rounded(.toNearestOrEven)
    guard scaled < 9e15 else { return String(Int64(x)) }
    let n = Int64(scaled)
    let sign = x < 0 && n != 0 ? "-" : ""
    guard d > 0 else { return sign + String(n) }
    let p = Int64(scale)
    var frac = String(n % p)
    while frac.count < d { frac = "0" + frac }
    return sign + String(n / p) + "." + frac
  }

  /// ISO-8601 UTC with seconds (`2026-12-01T10:00:00Z`), computed (no ISO8601DateFormatter, no ICU).
  public static func iso(_ d: Date) -> String {
    let t = Int64(d.timeIntervalSince1970.rounded(.down))
    let days = t >= 0 ? t / 86_400 : (t - 86_399) / 86_400
    let secs = Int(t - days * 86_400)
    // Civil date from days since 1970-01-01 (proleptic Gregorian).
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let day = doy - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    var y = String(year)
    while y.count < 4 { y = "0" + y }
    return "\(y)-\(pad2(Int(month)))-\(pad2(Int(day)))T\(pad2(secs / 3600)):\(pad2((secs % 3600) / 60)):\(pad2(secs % 60))Z"
  }
}

/// Makes text from AWS safe to draw: control characters, escape sequences and bidi overrides
/// become visible placeholders; nothing from data can reach the terminal as a sequence.
public enum SafeText {
  public static func clean(_ s: String) -> String {
    if s.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7f }) { return s }
    var out = String.UnicodeScalarView()
    for u in s.unicodeScalars {
      switch u.value {
      case 0x09: out.append(" ")
      case 0x00..<0x20, 0x7f..<0xa0: out.append("\u{FFFD}")
      case 0x200e, 0x200f, 0x202a...0x202e, 0x2066...0x2069, 0x061c: out.append("\u{FFFD}")
      default: out.append(u)
      }
    }
    return String(out)
  }
}
