import DMSWatchEngine
import TestKit
import DMSSimulator
import DMSWatchModel
import DMSWatchRender
import Foundation
import XCTest

@testable import DMSWatchApp
import DMSWatchState

/// A long run on the simulated fleet at accelerated time: the app's own pollers and reducer on a
/// `ManualClock`, 1,000 tasks, a frame rendered every step. Memory, descriptors and frame time must
/// not grow. The suite runs one simulated hour; `make soak` runs SOAK_HOURS (default 24).
@MainActor
final class SoakTests: XCTestCase {
  struct Sample {
    var hour: Double
    var rssKiB: Int
    var fds: Int
    var logCount: Int
    var maxSeries: Int
    var tableRows: Int
    var frameMs: Double
  }

  func testSoakSimulatedFleetStaysBounded() async throws {
    let env = ProcessInfo.processInfo.environment
    let hours = Double(env["SOAK_HOURS"] ?? "") ?? 1
    // The suite runs 500 tasks (loaded within the first simulated half hour at 2 calls/s); `make soak` runs 1,000.
    let tasks = Int(env["SOAK_TASKS"] ?? "") ?? 500
    let step: TimeInterval = 30
    // Small enough that the log ring wraps within the run (the simulated fleet writes ≈ 400 lines an hour
    // to the focused task's stream and events), so the cap itself is exercised.
    let logCapacity = Int(env["SOAK_LOG_CAPACITY"] ?? "") ?? 300
    let steps = Int(hours * 3600 / step)

    let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("dmswatch-soak-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: tmp) }

    let clock = ManualClock()
    let fleet = SimulatedFleet(config: SimulatorConfig(tasks: tasks, seed: 11), clock: clock)
    let audit = AuditLog(path: tmp.appendingPathComponent("audit.log").path, source: "soak", environment: [:])
    // The default budget (2 calls/s per scope) on the manual clock: the lane waits in simulated time.
    let settings = PollSettings.from(refresh: 2)
    let controller = AppController(
      state: AppState(now: clock.now(), logCapacity: logCapacity), services: ServiceBundle(dms: fleet, metrics: fleet, logs: fleet, sourceLabel: "soak"),
      clock: clock, audit: audit, poll: settings)
    controller.dispatch(.resize(width: 200, height: 50))
    let engine = try XCTUnwrap(controller.engine.engines.first)
    let keyMap = KeyMap()

    var samples: [Sample] = []
    var frameTimes: [Double] = []
    var warmStep: Int?
    let started = Date()
    for i in 0..<steps {
      // The dashboard's own lane for one step of simulated time, then metrics and the log tail.
      let target = clock.now().addingTimeInterval(step)
      let ran = await controller.runLanes(clock: clock) { clock.now() >= target }
      XCTAssertTrue(ran)
      if i % 2 == 0 { await engine.pollMetrics() }
      await engine.pollLogs()
      controller.dispatch(.tick(clock.now()))
      // Move around now and then: focus changes re-tail logs and backfill metrics.
      if i % 40 == 39 {
        controller.dispatch(.key(.char("j")))
      }
      if i % 400 == 399 {
        controller.dispatch(.key(.char("g")))  // back to the top: the selection keeps cycling
      }
      if warmStep == nil, controller.state.fleet.tables.count == tasks { warmStep = frameTimes.count }
      let t0 = DispatchTime.now().uptimeNanoseconds
      let grid = DashboardRenderer.render(controller.state, keyMap: keyMap, charset: .unicode)
      let ms = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
      XCTAssertEqual(grid.width, 200)
      frameTimes.append(ms)
      if i % max(1, steps / 24) == 0 || i == steps - 1 {
        samples.append(sample(controller.state, hour: Double(i + 1) * step / 3600, frameMs: median(frameTimes.suffix(20))))
      }
    }
    let wall = Date().timeIntervalSince(started)
    let s = controller.state
    XCTAssertEqual(s.fleet.tasks.count, tasks)

    // Bounded buffers.
    XCTAssertEqual(s.fleet.log.capacity, logCapacity)
    XCTAssertEqual(s.fleet.log.count, logCapacity, "the log ring wrapped and stayed at its cap")
    for (_, m) in s.fleet.metrics {
      for (_, series) in m.series {
        XCTAssertLessThanOrEqual(series.points.count, series.maxPoints)
        if let first = series.points.first, let last = series.points.last {
          XCTAssertLessThanOrEqual(last.time.timeIntervalSince(first.time), series.window + 60)
        }
      }
    }
    XCTAssertLessThanOrEqual(s.fleet.metrics.count, tasks)
    XCTAssertLessThanOrEqual(s.fleet.tables.count, tasks)
    let fullTaskRows = s.fleet.tables.filter { !$0.value.isSummary }.map { $0.value.tables.count }.reduce(0, +)
    let focusedRows = s.selectedTables?.tables.count ?? 0
    XCTAssertLessThanOrEqual(fullTaskRows - focusedRows, 2_000, "only the focused task keeps every table row")

    // No growth: compare the end with the first sample after warm-up.
    let base = samples[min(1, samples.count - 1)]
    let end = samples[samples.count - 1]
    let report = samples.map {
      String(format: "h%5.1f rss %7d KiB fds %3d log %5d series %4d rows %6d frame %.1f ms", $0.hour, $0.rssKiB, $0.fds, $0.logCount, $0.maxSeries, $0.tableRows, $0.frameMs)
    }.joined(separator: "\n")
    let sources = DataSource.allCases.map { src -> String in
      let st = s.fleet.sources[src]
      let age = st?.lastSuccess.map { String(format: "%.0fs", s.now.timeIntervalSince($0)) } ?? "never"
      return "\(src.rawValue): last success \(age) ago\(st?.lastError.map { ", last error: \($0)" } ?? "")"
    }.joined(separator: "\n")
    let newest = s.fleet.log.last?.time
    print("soak: \(hours) simulated h, \(tasks) tasks, \(steps) steps in \(String(format: "%.1f", wall)) s\n\(report)\n\(sources)\nnewest log entry: \(newest.map { String(format: "%.0fs", s.now.timeIntervalSince($0)) + " ago" } ?? "none")")
    // Nothing hung: every source succeeded within the last two steps.
    for src in DataSource.allCases {
      let last = try XCTUnwrap(s.fleet.sources[src]?.lastSuccess, "\(src) never succeeded")
      XCTAssertLessThanOrEqual(s.now.timeIntervalSince(last), 2 * step, "\(src) stopped updating\n\(sources)")
    }
    XCTAssertLessThanOrEqual(end.fds, base.fds + 2, "file descriptors leak\n\(report)")
    XCTAssertLessThan(end.rssKiB - base.rssKiB, 96 * 1024, "memory grows\n\(report)")
    // Frames get dearer while the fleet's statistics arrive (more tasks judged per row); growth is measured
    // from the first frame after every task's statistics had loaded once.
    let warm = try XCTUnwrap(warmStep, "not every task's table statistics loaded within the run")
    XCTAssertLessThan(warm + 40, frameTimes.count, "the fleet loaded too late to measure growth")
    let early = median(Array(frameTimes.dropFirst(warm).prefix(20)))
    let late = median(Array(frameTimes.suffix(20)))
    XCTAssertLessThan(late, early * 2 + 2, "per-frame time grows: \(early) → \(late) ms\n\(report)")
  }

  func sample(_ s: AppState, hour: Double, frameMs: Double) -> Sample {
    let maxSeries = s.fleet.metrics.values.flatMap { $0.series.values.map(\.points.count) }.max() ?? 0
    let rows = s.fleet.tables.values.map(\.tables.count).reduce(0, +)
    return Sample(hour: hour, rssKiB: Self.rssKiB(), fds: Self.openFDs(), logCount: s.fleet.log.count, maxSeries: maxSeries, tableRows: rows, frameMs: frameMs)
  }

  func median<C: Collection>(_ xs: C) -> Double where C.Element == Double {
    let s = xs.sorted()
    return s.isEmpty ? 0 : s[s.count / 2]
  }

  static func rssKiB() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
      return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
    }
    return 0
  }

  static func openFDs() -> Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
  }
}
