import DMSWatchModel
import Foundation
import DMSWatchRules

/// What CDC has in flight when the counts are taken.
public struct CDCContext: Sendable, Equatable {
  /// The task is running and applying changes (CDC or full load + CDC past the load).
  public var active: Bool
  /// Current end-to-end latency (CDCLatencyTarget), seconds; nil when unknown.
  public var latencySeconds: Double?
  /// CDCIncomingChanges: changes captured and not yet applied; nil when unknown.
  public var inFlightChanges: Double?

  public init(active: Bool, latencySeconds: Double? = nil, inFlightChanges: Double? = nil) {
    self.active = active
    self.latencySeconds = latencySeconds
    self.inFlightChanges = inFlightChanges
  }

  public static let idle = CDCContext(active: false)

  /// From the task and its latest metrics.
  public static func from(task: ReplicationTask, metrics: TaskMetrics?) -> CDCContext {
    let active = task.status == TaskStatus.running && task.migration != .fullLoad
    let incoming = metrics?[DMSMetric.cdcIncomingChanges].last?.value
    let latency = metrics?[DMSMetric.cdcLatencyTarget].last?.value
    return CDCContext(active: active, latencySeconds: latency, inFlightChanges: incoming)
  }
}

/// Judges a pair of counts (and the recheck) into MATCH / DRIFT / MISMATCH.
public enum CountJudge {
  public struct Judgement: Sendable, Equatable {
    public var verdict: ReconVerdict
    public var detail: String
  }

  /// `first` is the first (source, target) pair; `recheck` the pair taken again when the first differed.
  public static func judge(first: (RowCount, RowCount), recheck: (RowCount, RowCount)?, cdc: CDCContext) -> Judgement {
    let (s, t) = recheck ?? first
    if s.estimated || t.estimated {
      return Judgement(
        verdict: .estimated, detail: "catalog estimates \(s.label) / \(t.label): not an exact count (ask for exact counts)")
    }
    let d1 = first.0.value - first.1.value
    if d1 == 0 { return Judgement(verdict: .match, detail: "\(s.value) rows on both sides") }
    guard let recheck else {
      return Judgement(verdict: .unknown, detail: "differs by \(signed(d1)); not rechecked")
    }
    let d2 = recheck.0.value - recheck.1.value
    if d2 == 0 { return Judgement(verdict: .match, detail: "\(s.value) rows on both sides (equal on the recheck)") }
    let moved = d1 == d2 ? "" : " (was \(signed(d1)))"
    guard cdc.active else {
      return Judgement(
        verdict: .mismatch,
        detail: "differs by \(signed(d2))\(moved) after a recheck; the task is not applying changes")
    }
    guard let inFlight = cdc.inFlightChanges else {
      return Judgement(
        verdict: .unknown, detail: "differs by \(signed(d2))\(moved) under CDC; changes in flight unknown (no CDCIncomingChanges)")
    }
    let allowance = Int64(inFlight.rounded(.up))
    let lat = cdc.latencySeconds.map { ", latency \(Format.duration($0))" } ?? ""
    if abs(d2) <= allowance {
      return Judgement(verdict: .drift, detail: "differs by \(signed(d2))\(moved), within \(allowance) changes in flight\(lat)")
    }
    return Judgement(
      verdict: .mismatch, detail: "differs by \(signed(d2))\(moved), more than the \(allowance) changes in flight\(lat)")
  }

  /// `+3` / `-2`: source − target.
  public static func signed(_ d: Int64) -> String { d > 0 ? "+\(d)" : "\(d)" }
}
