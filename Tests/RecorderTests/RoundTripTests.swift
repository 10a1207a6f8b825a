import DMSSimulator
import DMSWatchApp
import DMSWatchEngine
import DMSWatchModel
import DMSWatchRecorder
import DMSWatchRender
import Foundation
import XCTest
import DMSWatchState

/// Records a simulated session on a manual clock, then replays the file with no simulator and
/// compares the frames at the same recorded times.
@MainActor
final class RoundTripTests: XCTestCase {
  nonisolated(unsafe) var dir = ""

  override nonisolated func setUp() {
    dir = NSTemporaryDirectory() + "dmswatch-rec-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
  }
  override nonisolated func tearDown() { if ProcessInfo.processInfo.environment["KEEP"] == nil { try? FileManager.default.removeItem(atPath: dir) } }

  struct Session {
    var path: String
    var start: Date
    var frames: [(Date, Grid)]
  }

  /// A 12-task demo fleet recorded for `seconds`; the operator moves down twice at +8 s and
  /// opens the tables pane at +12 s; frames are taken at `at` (seconds from the start).
  func recordSession(seconds: TimeInterval = 90, at: [TimeInterval], tasks: Int = 12, serverless: Int? = nil) async throws -> Session {
    let start = Date(timeIntervalSince1970: 1_790_000_000)
    let clock = ReplayClock(start)
    let path = dir + "/s.dmsrec"
    let recorder = Recorder(path: path, clock: clock, options: .init(mode: "test"))
    let fleet = SimulatedFleet(config: SimulatorConfig(tasks: tasks, seed: 7, serverless: serverless), clock: clock)
    let poll = PollSettings.from(refresh: 5)
    let bundles = FlightRecording.wrap([fleet.serviceBundle(label: "sim")], recorder: recorder, clock: clock)
    var state = AppState(now: start, pollInterval: poll.tables)
    state.readOnly = true
    let c = AppController(state: state, scopes: bundles, clock: clock, audit: nil, poll: poll)
    c.attach(recorder: recorder)
    c.dispatch(.resize(width: 150, height: 44))
    let stepper = LaneStepper()
    var frames: [(Date, Grid)] = []
    var pressed = Set<Int>()
    for t in at.sorted() + [seconds] {
      await stepper.run(c, clock: { clock.set($0) }, now: { clock.now() }, until: start.addingTimeInterval(t)) { now in
        let el = now.timeIntervalSince(start)
        if el >= 8, pressed.insert(8).inserted {
          c.dispatch(.key(.char("j")))
          c.dispatch(.key(.char("j")))
        }
        if el >= 12, pressed.insert(12).inserted { c.dispatch(.key(.enter)) }
      }
      if t != seconds || at.contains(seconds) {
        frames.append((clock.now(), DashboardRenderer.render(c.state, keyMap: KeyMap(), charset: .unicode)))
      }
    }
    recorder.close()
    XCTAssertNil(recorder.failed)
    return Session(path: path, start: start, frames: frames)
  }

  /// Rows below the header (the header differs: the replay badge).
  func body(_ g: Grid) -> [String] { Array(GridText.plain(g).split(separator: "\n", omittingEmptySubsequences: false).dropFirst().map(String.init)) }

  func assertSameFrame(_ replayed: Grid, _ recorded: Grid, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    let a = body(replayed)
    let b = body(recorded)
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (i, (x, y)) in zip(a, b).enumerated() where x != y {
      XCTFail("\(what): row \(i + 1) differs\n replay:   \(x)\n recorded: \(y)", file: file, line: line)
      return
    }
  }

  func testReplayShowsTheRecordedFramesAtTheRecordedTimes() async throws {
    let s = try await recordSession(at: [5, 20, 60])
    let rec = try Recording.load(path: s.path)
    XCTAssertNil(rec.warning)
    XCTAssertEqual(rec.scopes.count, 1)
    XCTAssertFalse(rec.keys.isEmpty, "the operator's view keys are recorded")
    let replay = ReplaySession(recording: rec, width: 150, height: 44, poll: PollSettings.from(refresh: 5))
    for (t, g) in s.frames {
      await replay.seek(to: t)
      XCTAssertEqual(replay.now, t)
      assertSameFrame(replay.render(), g, "at +\(t.timeIntervalSince(s.start))s")
    }
    // The replay follows the operator: the third task is selected, the tables pane focused.
    XCTAssertEqual(replay.state.focus, .tables)
    // Seeking backwards rebuilds and shows the earlier frame again.
    let (t0, g0) = s.frames[1]
    await replay.seek(to: t0)
    assertSameFrame(replay.render(), g0, "after seeking back")
    XCTAssertTrue(GridText.plain(replay.render()).contains("REPLAY"))
  }
}

@MainActor
final class ReplayControlTests: XCTestCase {
  /// A recorded 12-task session with one recorded action at +30 s.
  func session() async throws -> (ReplaySession, Date) {
    let dir = NSTemporaryDirectory() + "dmswatch-ctl-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let start = Date(timeIntervalSince1970: 1_790_000_000)
    let clock = ReplayClock(start)
    let path = dir + "/s.dmsrec"
    let recorder = Recorder(path: path, clock: clock)
    let fleet = SimulatedFleet(config: SimulatorConfig(tasks: 12, seed: 3), clock: clock)
    let poll = PollSettings.from(refresh: 5)
    let c = AppController(
      state: AppState(now: start, pollInterval: poll.tables), scopes: FlightRecording.wrap([fleet.serviceBundle()], recorder: recorder, clock: clock),
      clock: clock, audit: nil, poll: poll)
    c.attach(recorder: recorder)
    let stepper = LaneStepper()
    await stepper.run(c, clock: { clock.set($0) }, now: { clock.now() }, until: start.addingTimeInterval(30))
    c.onAudit?("request", "stop task x", clock.now())
    await stepper.run(c, clock: { clock.set($0) }, now: { clock.now() }, until: start.addingTimeInterval(120))
    recorder.close()
    let rec = try Recording.load(path: path)
    return (ReplaySession(recording: rec, width: 150, height: 44, poll: poll), start)
  }

  func testPlaySpeedStepAndNextAction() async throws {
    let (r, start) = try await session()
    XCTAssertEqual(r.now, start)
    XCTAssertFalse(r.playing)
    await r.tick(realSeconds: 1)
    XCTAssertEqual(r.now, start, "paused: time does not move")
    r.togglePlay()
    await r.tick(realSeconds: 1)
    XCTAssertEqual(r.now.timeIntervalSince(start), 1, accuracy: 1e-6)
    r.setSpeed(10)
    await r.tick(realSeconds: 1)
    XCTAssertEqual(r.now.timeIntervalSince(start), 11, accuracy: 1e-6, "×10: one real second is ten recorded seconds")
    r.faster()
    XCTAssertEqual(r.speed, 30)
    r.faster()
    r.faster()
    XCTAssertEqual(r.speed, 60, "×60 at most")
    r.slower()
    XCTAssertEqual(r.speed, 30)
    XCTAssertTrue(r.badge.hasPrefix("REPLAY ▶ ×30"), r.badge)
    // Play runs to the end and stops there.
    await r.tick(realSeconds: 100)
    XCTAssertEqual(r.now, r.recording.end)
    XCTAssertFalse(r.playing)
    // Step: to the next recorded response, and no further.
    await r.seek(to: start.addingTimeInterval(10))
    let next = try XCTUnwrap(r.recording.nextCallTime(after: r.now))
    await r.step()
    XCTAssertEqual(r.now, next)
    // Next action: the recorded request at +30 s, shown on the status line.
    await r.seek(to: start)
    let found = await r.nextAction()
    XCTAssertTrue(found)
    XCTAssertEqual(r.now.timeIntervalSince(start), 30, accuracy: 0.01)
    XCTAssertTrue(r.state.message?.text.contains("recorded request") ?? false, r.state.message?.text ?? "no message")
    let again = await r.nextAction()
    XCTAssertFalse(again, "only one action was recorded")
  }

  func testSeekIsTheSameWhicheverWayItIsReached() async throws {
    let (r, start) = try await session()
    await r.seek(to: start.addingTimeInterval(100))
    let forward = GridText.plain(r.render())
    await r.seek(to: start.addingTimeInterval(20))
    XCTAssertNotEqual(GridText.plain(r.render()), forward)
    await r.seek(to: start.addingTimeInterval(60))
    await r.seek(to: start.addingTimeInterval(100))
    XCTAssertEqual(GridText.plain(r.render()), forward)
    // Clamped to the recording.
    await r.seek(to: start.addingTimeInterval(-50))
    XCTAssertEqual(r.now, r.recording.start)
    await r.seek(to: start.addingTimeInterval(10_000))
    XCTAssertEqual(r.now, r.recording.end)
  }

  func testCheckOnTheRecordedState() async throws {
    let (r, start) = try await session()
    await r.seek(to: start.addingTimeInterval(90))
    let report = r.checkReport(source: "replay")
    // The demo fleet: 12 tasks and 4 serverless replications.
    XCTAssertEqual(report.tasks.count, 16)
    XCTAssertEqual(report.tasks.filter { $0.kind == .serverless }.count, 4)
    XCTAssertEqual(report.scopes.count, 1)
    XCTAssertEqual(report.generatedAt.timeIntervalSince1970, start.addingTimeInterval(90).timeIntervalSince1970, accuracy: 1)
  }
}
