import DMSSimulator
import DMSWatchApp
import DMSWatchEngine
import DMSWatchModel
import DMSWatchRecorder
import Foundation
import DMSWatchState

/// 8. The flight recorder: a session of `tasks` tasks recorded for `minutes` simulated minutes on a
/// manual clock (the dashboard's engine and demand; the operator moves the focus every minute), the
/// compressed file size, and how long replay takes to read it and to seek to its end.
@MainActor
func recordingRows(tasks: Int = 1000, minutes: Double = 60) async -> [Row] {
  let dir = NSTemporaryDirectory() + "dmswatch-bench-rec-\(getpid())"
  try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
  defer { if ProcessInfo.processInfo.environment["DMSWATCH_BENCH_KEEP"] == nil { try? FileManager.default.removeItem(atPath: dir) } }
  let path = dir + "/hour.dmsrec"
  let start = Date(timeIntervalSince1970: 1_790_000_000)
  let clock = ReplayClock(start)
  let recorder = Recorder(path: path, clock: clock, options: .init(mode: "test"))
  let fleet = SimulatedFleet(config: SimulatorConfig(tasks: tasks, seed: 7), clock: clock)
  let poll = PollSettings.from(refresh: 5)
  let c = AppController(
    state: AppState(now: start, pollInterval: poll.tables),
    scopes: FlightRecording.wrap([fleet.serviceBundle(label: "bench")], recorder: recorder, clock: clock), clock: clock, audit: nil, poll: poll)
  c.attach(recorder: recorder)
  c.dispatch(.resize(width: 200, height: 50))
  let stepper = LaneStepper()
  let t0 = Date()
  var lastMove = start
  await stepper.run(c, clock: { clock.set($0) }, now: { clock.now() }, until: start.addingTimeInterval(minutes * 60)) { now in
    if now.timeIntervalSince(lastMove) >= 60 {
      lastMove = now
      c.dispatch(.key(.char("j")))
      // The simulation runs far faster than real time: let the writer catch up each simulated
      // minute, so the figure is of a complete file (the dashboard drops and notes records instead).
      recorder.sync()
    }
  }
  recorder.close(timeout: 60)
  let recordSeconds = Date().timeIntervalSince(t0)
  let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64) ?? nil
  let raw = recorder.uncompressedBytes
  var rows: [Row] = []
  let mb = Double(size ?? 0) / 1_000_000
  rows.append(Row(
    figure: "8 recording, \(tasks) tasks, \(Int(minutes)) simulated min (gzip, de-duplicated)",
    value: String(
      format: "%.1f MB (%.0f MB of lines before compression, %.0f×; %d records dropped); recorded in %.0f s", mb, Double(raw) / 1_000_000,
      Double(raw) / Double(max(1, size ?? 1)), recorder.droppedCount, recordSeconds),
    target: "< 50 MB"))
  let t1 = Date()
  if let rec = try? Recording.load(path: path) {
    let load = Date().timeIntervalSince(t1)
    let session = ReplaySession(recording: rec, width: 200, height: 50, poll: poll)
    let t2 = Date()
    await session.seek(to: rec.end)
    rows.append(Row(
      figure: "8b replay: read the file / seek to its end",
      value: String(format: "%.1f s / %.1f s (%d calls)", load, Date().timeIntervalSince(t2), rec.calls.count), target: "—"))
  } else {
    rows.append(Row(figure: "8b replay: read the file", value: "failed", target: "—"))
  }
  return rows
}
