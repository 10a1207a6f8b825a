import DMSWatchApp
import DMSWatchEngine
import DMSWatchModel
import Foundation

extension AppController {
  /// Runs every scope's DMS lane — the dashboard's one fetch path — on the manual clock until `done`
  /// holds: each call takes `callLatency`, waits jump the clock. Returns false when `done` never held
  /// within `maxSteps` (callers fail the test).
  public func runLanes(
    clock: ManualClock, maxSteps: Int = 20_000, callLatency: TimeInterval = 0.05, until done: @MainActor () -> Bool
  ) async -> Bool {
    for _ in 0..<maxSteps {
      if done() { return true }
      var called = false
      var earliest = clock.now().addingTimeInterval(1)
      for e in engine.engines {
        switch await e.runDMSStep() {
        case .call: called = true
        case .wait(let until): earliest = min(earliest, until)
        }
      }
      if called { clock.advance(callLatency) } else { clock.set(max(earliest, clock.now().addingTimeInterval(0.001))) }
    }
    return done()
  }
}
