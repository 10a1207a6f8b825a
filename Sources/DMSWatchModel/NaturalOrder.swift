/// Natural ("finder") order in pure Swift: runs of ASCII digits compare by value (task-2 < task-10),
/// letters compare case-insensitively, then the exact bytes break ties so the order is total.
/// Replaces `localizedStandardCompare`, which goes through ICU collation (and pages ICU's code and
/// data into the process on every task-list sort).
public enum NaturalOrder {
  public static func less(_ a: String, _ b: String) -> Bool { compare(a, b) < 0 }

  /// -1, 0 or 1.
  public static func compare(_ a: String, _ b: String) -> Int {
    let x = Array(a.utf8)
    let y = Array(b.utf8)
    var i = 0
    var j = 0
    while i < x.count && j < y.count {
      let c = x[i]
      let d = y[j]
      if isDigit(c) && isDigit(d) {
        // Compare the two numbers: skip leading zeros, then by length, then digit by digit.
        var i0 = i
        var j0 = j
        while i0 < x.count && x[i0] == 0x30 { i0 += 1 }
        while j0 < y.count && y[j0] == 0x30 { j0 += 1 }
        var i1 = i0
        var j1 = j0
        while i1 < x.count && isDigit(x[i1]) { i1 += 1 }
        while j1 < y.count && isDigit(y[j1]) { j1 += 1 }
        if i1 - i0 != j1 - j0 { return i1 - i0 < j1 - j0 ? -1 : 1 }
        var k = 0
        while k < i1 - i0 {
          if x[i0 + k] != y[j0 + k] { return x[i0 + k] < y[j0 + k] ? -1 : 1 }
          k += 1
        }
        i = i1
        j = j1
        continue
      }
      let fc = fold(c)
      let fd = fold(d)
      if fc != fd { return fc < fd ? -1 : 1 }
      i += 1
      j += 1
    }
    if i < x.count { return 1 }
    if j < y.count { return -1 }
    // Equal but for case or leading zeros: the bytes decide.
    return a == b ? 0 : (x.lexicographicallyPrecedes(y) ? -1 : 1)
  }

  @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
  @inline(__always) static func fold(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5a ? c + 0x20 : c }
}
