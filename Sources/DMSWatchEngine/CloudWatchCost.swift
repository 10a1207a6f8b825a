import DMSWatchModel

/// What the CloudWatch polling costs: GetMetricData is billed per metric requested (USD 0.01 per
/// 1,000 at the published price), so `dmswatch info` and the bench state it for a few fleet sizes.
public enum CloudWatchCost {
  /// Task rows on a 200×50 screen (and the focused task), for the estimates.
  public static let rowsOnScreen = 40

  public static func lines(settings: PollSettings = PollSettings()) -> [String] {
    var out: [String] = []
    for n in [10, 100, 1000] {
      let m = ScopeEngine.metricsPerHour(tasks: n, visible: min(n, rowsOnScreen), settings: settings)
      let usd = m * ScopeEngine.getMetricDataUSDPerMetric
      out.append("\(n) tasks: at most \(Int(m.rounded())) metrics/h, USD \(Format.fixed(usd, digits: 3))/h (USD \(Format.fixed(usd * 24, digits: 2))/day)")
    }
    let off = settings.offscreenMetrics > 0 ? "off screen every \(Format.duration(settings.offscreenMetrics)) (latency every \(ScopeEngine.offscreenLatencyEvery)rd pass)" : "off screen: none"
    out.append("(\(DMSMetric.all.count) metrics per task on screen every \(Format.duration(settings.metrics)), \(off); only running CDC tasks are read off screen; USD 0.01 per 1,000 metrics requested)")
    return out
  }
}
