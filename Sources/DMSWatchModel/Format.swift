import Foundation

/// Number and time formatting shared by panes and `check` output. Pure and locale-independent.
public enum Format {
  /// 0.4s, 42s, 3m05s, 2h10m, 3d4h
  public static func duration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "-" }
    let s = max(0, seconds)
    if s < 9.95 { return String(format: "%.1fs", s) }
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
      return sign + (x < 9.95 ? String(format: "%.1f", x) : String(max(10, Int(x)))) + u
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

  /// ISO-8601 UTC with seconds.
  public static func iso(_ d: Date) -> String {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime]
    return f.string(from: d)
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
