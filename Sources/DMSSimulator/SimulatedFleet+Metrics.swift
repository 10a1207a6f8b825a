import DMSWatchModel
import Foundation

// MARK: - MetricsService (AWS/DMS task metrics as functions of time)

extension SimulatedFleet {
  public func getMetricData(queries: [MetricQuery], start: Date, end: Date, period: Int) async throws -> [MetricResult] {
    try begin("GetMetricData")
    guard queries.count <= 500 else {
      throw ServiceError(
        kind: .client, code: "InvalidParameterValue",
        message: "The collection MetricDataQueries must not have a size greater than 500.", httpStatus: 400)
    }
    guard period > 0, period % 60 == 0 else {
      throw ServiceError(
        kind: .client, code: "InvalidParameterValue", message: "The parameter Period must be a multiple of 60.",
        httpStatus: 400)
    }
    guard start < end else {
      throw ServiceError(
        kind: .client, code: "InvalidParameterValue",
        message: "The parameter StartTime must be less than the parameter EndTime.", httpStatus: 400)
    }
    let now = clock.now()
    return lock.withLock {
      advanceAll(now)
      // CloudWatch keeps 1-minute data for 15 days; nothing exists in the future.
      let from = max(start, now.addingTimeInterval(-15 * 86_400)).timeIntervalSince1970
      let to = min(end, now).timeIntervalSince1970
      let p = Double(period)
      let first = (from / p).rounded(.up) * p
      return queries.map { q in
        if q.dimension(TaskMetricNames.instanceDimension) == nil {
          guard let t = serverlessTarget(q), ServerlessMetrics.all.contains(q.metricName) else {
            return MetricResult(id: q.id, label: q.metricName, points: [], statusCode: "Complete")
          }
          var points: [SeriesPoint] = []
          var x = first
          while x < to {
            if let v = aggregate(t, q.metricName, q.stat, from: x, period: period, until: to, value: serverlessMetricValue) {
              points.append(SeriesPoint(time: Date(timeIntervalSince1970: x), value: (v * 100).rounded() / 100))
            }
            x += p
          }
          return MetricResult(id: q.id, label: q.metricName, points: points, statusCode: "Complete")
        }
        if q.dimension(TaskMetricNames.taskDimension) == nil {
          // A replication instance's own metric (CPU, memory, swap, storage).
          guard let n = instances.firstIndex(where: { $0.identifier == q.instanceIdentifier }), InstanceMetric.all.contains(q.metricName) else {
            return MetricResult(id: q.id, label: q.metricName, points: [], statusCode: "Complete")
          }
          var points: [SeriesPoint] = []
          var x = first
          let load = instanceLoad(n)
          while x < to {
            let v = instanceMetricValue(n, q.metricName, Date(timeIntervalSince1970: x), running: load.running, overloaded: load.overloaded)
            points.append(SeriesPoint(time: Date(timeIntervalSince1970: x), value: v))
            x += p
          }
          return MetricResult(id: q.id, label: q.metricName, points: points, statusCode: "Complete")
        }
        guard let i = byResource[q.taskResourceId], instances[tasks[i].instance].identifier == q.instanceIdentifier,
          DMSMetric.all.contains(q.metricName)
        else {
          return MetricResult(id: q.id, label: q.metricName, points: [], statusCode: "Complete")
        }
        let t = tasks[i]
        var points: [SeriesPoint] = []
        var x = first
        while x < to {
          if let v = aggregate(t, q.metricName, q.stat, from: x, period: period, until: to) {
            points.append(SeriesPoint(time: Date(timeIntervalSince1970: x), value: (v * 100).rounded() / 100))
          }
          x += p
        }
        return MetricResult(id: q.id, label: q.metricName, points: points, statusCode: "Complete")
      }
    }
  }

  /// A replication instance's metric at `at`: CPU follows its running tasks; the instance that hosts the
  /// most tasks is short of memory and swapping more and more (DMS's sign of an overloaded instance).
  func instanceLoad(_ n: Int) -> (running: Int, overloaded: Bool) {
    var hosted = Array(repeating: 0, count: instances.count)
    var running = 0
    for t in tasks where t.instance < hosted.count {
      hosted[t.instance] += 1
      if t.instance == n, t.phase == .running { running += 1 }
    }
    let busiest = hosted.indices.max { hosted[$0] < hosted[$1] } ?? 0
    return (running, n == busiest && hosted[n] >= 3)
  }

  func instanceMetricValue(_ n: Int, _ metric: String, _ at: Date, running: Int, overloaded: Bool) -> Double {
    let x = at.timeIntervalSince1970
    let key = H.h(seed, UInt64(n), 0x696E_7374)
    let wobble = H.smooth(key, 1, x / 300)
    let gib = 1_073_741_824.0
    switch metric {
    case InstanceMetric.cpu: return ((min(95, 12 + Double(running) * 9 + wobble * 10 + (overloaded ? 25 : 0))) * 10).rounded() / 10
    case InstanceMetric.freeableMemory: return overloaded ? (0.12 + wobble * 0.05) * gib : (2.5 + wobble) * gib
    case InstanceMetric.swapUsage:
      // Rising steadily on the overloaded instance (0.5 GiB an hour since an hour before the fleet's start); a little, flat, elsewhere.
      return overloaded ? (0.3 + max(0, x - createdAt.timeIntervalSince1970 + 3600) / 3600 * 0.5) * gib : 0.02 * gib
    default: return (overloaded ? 18 : 60 + wobble * 5) * gib
    }
  }

  /// One datapoint: the task publishes a sample per minute; a longer period aggregates
  /// the minutes it was running up to `until` (none → no datapoint), by CloudWatch statistic.
  func aggregate(
    _ t: SimTask, _ metric: String, _ stat: String, from x: Double, period: Int, until: Double,
    value: ((SimTask, String, Date) -> Double?)? = nil
  ) -> Double? {
    var n = 0
    var sum = 0.0
    var lo = Double.infinity
    var hi = -Double.infinity
    for m in 0..<max(1, period / 60) where m == 0 || x + Double(m * 60) < until {
      let at = Date(timeIntervalSince1970: x + Double(m * 60))
      guard let v = value.map({ $0(t, metric, at) }) ?? metricValue(t, metric, at) else { continue }
      n += 1
      sum += v
      lo = min(lo, v)
      hi = max(hi, v)
    }
    guard n > 0 else { return nil }
    switch stat {
    case "Maximum": return hi
    case "Minimum": return lo
    case "Sum": return sum
    case "SampleCount": return Double(n)
    default: return sum / Double(n)
    }
  }

  /// The value a running task publishes at `at`; nil when it was not running (no datapoint).
  func metricValue(_ t: SimTask, _ metric: String, _ at: Date) -> Double? {
    guard let run = t.runs.last(where: { $0.start <= at }), run.contains(at) else { return nil }
    let mode = run.mode(at: at)
    let x = at.timeIntervalSince1970
    let minute = H.bits(x / 60)
    let k = t.key
    switch metric {
    case DMSMetric.fullLoadThroughputRowsTarget:
      guard mode == .load else { return 0 }
      if t.loadRate == nil { _ = schedule(t) }
      let slots = Double(min(Self.loadSlots, t.tableCount))
      return (t.loadRate ?? 10_000) * slots * (0.8 + 0.4 * H.u(k, Salt.rate, 9, minute))
    case DMSMetric.cdcLatencySource:
      return mode == .cdc ? sourceLatency(t, run, x) : 0
    case DMSMetric.cdcLatencyTarget:
      return mode == .cdc ? targetLatency(t, run, x) : 0
    case DMSMetric.cdcThroughputRowsSource:
      return mode == .cdc ? sourceThroughput(t, x) : 0
    case DMSMetric.cdcThroughputRowsTarget:
      guard mode == .cdc else { return 0 }
      let catchingUp = catchUp(run, x) > 0
      return sourceThroughput(t, x) * (0.93 + 0.1 * H.u(k, Salt.rate, 10, minute)) * (catchingUp ? 2.5 : 1)
    case DMSMetric.cdcIncomingChanges:
      guard mode == .cdc else { return 0 }
      return (sourceThroughput(t, x) * min(targetLatency(t, run, x), 7200) * (0.5 + 0.4 * H.u(k, Salt.rate, 11, minute)))
        .rounded()
    default:
      return nil
    }
  }

  /// Remaining backlog (seconds) after a resume: drained at twice real time.
  func catchUp(_ run: Run, _ x: Double) -> Double {
    guard run.catchUp > 0 else { return 0 }
    let from = (run.cdcFrom ?? run.start).timeIntervalSince1970
    return max(0, run.catchUp - 2 * (x - from))
  }

  /// Noise + slow drift + hash-of-block spikes (+ catch-up backlog after a resume).
  func sourceLatency(_ t: SimTask, _ run: Run, _ x: Double) -> Double {
    let k = t.key
    let high = t.profile.highLatency
    let base = high ? 300 + 900 * H.u(k, Salt.latency, 1) : 1 + 5 * H.u(k, Salt.latency, 1)
    let drift = base * 0.7 * (H.smooth(k, Salt.latency &+ 2, x / 1800) - 0.4)
    let noise = base * 0.25 * (H.u(k, Salt.latency, 3, H.bits(x / 60)) - 0.5)
    var spike = 0.0
    let block = (x / 900).rounded(.down)
    for b in [block - 1, block] {
      let bb = H.bits(b)
      guard H.u(k, Salt.spike, bb) < (high ? 0.3 : 0.12) else { continue }
      let peak = b * 900 + 600 * H.u(k, Salt.spike, bb, 1)
      let width = 120 + 240 * H.u(k, Salt.spike, bb, 2)
      let amp = (high ? 600 : 20) + 280 * H.u(k, Salt.spike, bb, 3)
      spike += amp * max(0, 1 - abs(x - peak) / width)
    }
    return max(0.5, base + drift + noise + spike + catchUp(run, x))
  }

  func targetLatency(_ t: SimTask, _ run: Run, _ x: Double) -> Double {
    let lag = t.profile.highLatency ? 60 + 240 * H.smooth(t.key, Salt.latency &+ 5, x / 900) : 0.5 + 2 * H.smooth(t.key, Salt.latency &+ 5, x / 600)
    return sourceLatency(t, run, x) + lag
  }

  func sourceThroughput(_ t: SimTask, _ x: Double) -> Double {
    let phase = 6.283 * H.u(t.key, Salt.rate, 12)
    let diurnal = 1 + 0.35 * sin(6.283_185 * x / 86_400 + phase)
    return t.cdcRate * diurnal * (0.8 + 0.4 * H.u(t.key, Salt.rate, 13, H.bits(x / 60))) * busyFactor(t, wall: x)
  }
}
