import DMSWatchModel
import Foundation

/// A replication instance's health from its CloudWatch metrics (CPUUtilization, FreeableMemory,
/// SwapUsage, FreeStorageSpace). DMS's guidance: FreeableMemory near zero with rising swap means the
/// instance is overloaded. Unknown until the metrics are read; never "ok" without them.
public struct InstanceHealth: Sendable, Equatable {
  public var severity: Severity
  public var summary: String
  /// The newest value of each metric, in words (`CPU 35%`, `memory 2.5 GiB free`, …).
  public var figures: [String]

  public static let lowMemoryBytes = 256.0 * 1_048_576
  public static let storageWarnBytes = 5.0 * 1_073_741_824
  public static let storageCriticalBytes = 1.0 * 1_073_741_824
  public static let cpuWarnPercent = 90.0

  public static func judge(_ m: TaskMetrics?) -> InstanceHealth {
    guard let m, InstanceMetric.all.contains(where: { m[$0].last != nil }) else {
      return InstanceHealth(severity: .unknown, summary: "instance metrics not read yet", figures: [])
    }
    func finite(_ v: Double?) -> Double? { v.flatMap { $0.isFinite && abs($0) < 1e18 ? $0 : nil } }
    let cpu = finite(m[InstanceMetric.cpu].last?.value)
    let free = finite(m[InstanceMetric.freeableMemory].last?.value)
    let swapSeries = m[InstanceMetric.swapUsage].points
    let swap = finite(swapSeries.last?.value)
    let storage = finite(m[InstanceMetric.freeStorage].last?.value)
    // Rising: above what it was ten minutes (or the oldest point) before.
    var swapRising = false
    if let last = swapSeries.last, last.value.isFinite {
      let before = swapSeries.last { $0.time <= last.time.addingTimeInterval(-600) } ?? swapSeries.first
      if let before, before.time < last.time, before.value.isFinite { swapRising = last.value > before.value + 16 * 1_048_576 }
    }
    var figures: [String] = []
    if let cpu { figures.append("CPU \(Int(cpu.rounded()))%") }
    if let free { figures.append("memory \(bytes(free)) free") }
    if let swap { figures.append("swap \(bytes(swap))\(swapRising ? " rising" : "")") }
    if let storage { figures.append("storage \(bytes(storage)) free") }
    var sev = Severity.ok
    var why: [String] = []
    if let free, free < lowMemoryBytes {
      if swapRising {
        sev = .critical
        why.append("overloaded: FreeableMemory \(bytes(free)) with swap rising")
      } else {
        sev = max(sev, .warn)
        why.append("low memory: FreeableMemory \(bytes(free))")
      }
    }
    if let storage, storage < storageWarnBytes {
      sev = max(sev, storage < storageCriticalBytes ? .critical : .warn)
      why.append("storage almost full: \(bytes(storage)) free")
    }
    if let cpu, cpu >= cpuWarnPercent {
      sev = max(sev, .warn)
      why.append("CPU \(Int(cpu.rounded()))%")
    }
    return InstanceHealth(severity: sev, summary: why.isEmpty ? "ok" : why.joined(separator: "; "), figures: figures)
  }

  static func bytes(_ b: Double) -> String {
    let gib = 1_073_741_824.0
    if b >= gib { return "\(Double(Int(b / gib * 10)) / 10) GiB" }
    return "\(Int(b / 1_048_576)) MiB"
  }
}
