import DMSSimulator
import DMSWatchApp
import DMSWatchEngine
import DMSWatchModel
import DMSWatchRecorder
import DMSWatchRender
import Foundation
import XCTest

/// Records a simulated session on a manual clock, then replays the file with no simulator and
/// compares the frames at the same recorded times.
@MainActor
final class RoundTripTests: XCTestCase {
  nonisolated(unsafe) var dir = ""

  override nonisolated func setUp() {
    dir = NSTemporaryDirectory() + "dmswatch-rec-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
  }
  override nonisolated func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

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
