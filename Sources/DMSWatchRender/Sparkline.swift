import Foundation
import DMSWatchModel
import DMSWatchRules

/// Resampling of time series to a number of columns, and the glyph/role of each column.
public enum Sparkline {
  /// The largest value of each of `columns` equal time buckets ending at `end`; nil where there is no data.
  /// A bucket without points repeats the previous value when the last point is at most `hold` seconds older,
  /// so 1-minute metrics do not turn into dotted lines on wide terminals.
  public static func resample(
    _ points: [SeriesPoint], end: Date, window: TimeInterval, columns: Int, hold: TimeInterval = 180
  ) -> [Double?] {
    guard columns > 0, window > 0 else { return [] }
    var out = [Double?](repeating: nil, count: columns)
    guard !points.isEmpty else { return out }
    let endT = end.timeIntervalSinceReferenceDate
    let startT = endT - window
    let step = window / Double(columns)
    // Binary search for the first point inside the window; points are ascending by time.
    var lo = 0, hi = points.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if points[mid].time.timeIntervalSinceReferenceDate < startT { lo = mid + 1 } else { hi = mid }
    }
    var lastBefore: (t: Double, v: Double)? = lo > 0
      ? (points[lo - 1].time.timeIntervalSinceReferenceDate, points[lo - 1].value) : nil
    var i = lo
    for col in 0..<columns {
      let bucketEnd = col == columns - 1 ? endT : startT + step * Double(col + 1)
      var best: Double?
      while i < points.count {
        let t = points[i].time.timeIntervalSinceReferenceDate
        if t > bucketEnd { break }
        let v = points[i].value
        if v.isFinite { best = max(best ?? v, v) }
        lastBefore = (t, v)
        i += 1
      }
      if let best {
        out[col] = best
      } else if let lb = lastBefore, lb.v.isFinite, startT + step * Double(col) - lb.t <= max(hold, step) {
        out[col] = lb.v
      }
    }
    return out
  }

  /// Bar height in eighths of `rows` rows (1…8·rows) for a value; at least 1 so data is visible.
  static func level(_ v: Double, scale: Double, rows: Int) -> Int {
    let top = 8 * rows
    guard scale > 0, v.isFinite else { return 1 }
    return min(top, max(1, Int((max(0, v) / scale * Double(top)).rounded(.up))))
  }

  /// Role of a value relative to the latency thresholds.
  static func role(_ v: Double, thresholds: Thresholds) -> Role {
    if v >= thresholds.latencyCritical { return .sparkHigh }
    if v >= thresholds.latencyWarn { return .sparkMid }
    return .sparkLow
  }

  /// A scale maximum that reads well as a duration (1s, 2s, 5s, 10s, 15s, 30s, 1m, 2m, 5m, …, at least 1 s).
  static func niceMax(_ v: Double) -> Double {
    guard v.isFinite, v > 1 else { return 1 }
    let steps: [Double] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400, 28_800, 43_200, 86_400]
    if let s = steps.first(where: { $0 >= v }) { return s }
    return (v / 86_400).rounded(.up) * 86_400
  }

  /// Draws `values` as bars `rows` high with the bottom row at `y`.
  static func draw(
    _ g: inout Grid, values: [Double?], x: Int, y: Int, rows: Int, scale: Double, thresholds: Thresholds,
    charset cs: Charset, override: Role? = nil
  ) {
    let glyphs = cs.spark
    guard !glyphs.isEmpty else { return }
    for (i, value) in values.enumerated() {
      guard let v = value else { continue }
      let lvl = level(v, scale: scale, rows: rows)
      let role = override ?? self.role(v, thresholds: thresholds)
      for r in 0..<rows {
        let part = min(8, lvl - 8 * r)
        guard part > 0 else { break }
        let glyph = glyphs[min(glyphs.count - 1, (part - 1) * glyphs.count / 8)]
        g.set(x + i, y - r, Cell(glyph, role: role))
      }
    }
  }
}
