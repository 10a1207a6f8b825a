import DMSWatchEngine
import Foundation
import XCTest

/// Runs the planner alone from `start` for `seconds`, answering every call with one page (or `pages(job)`
/// pages, 50 ms each) and jumping the clock over waits; returns the calls. Shared by the planner tests.
func drivePlanner(
  _ planner: inout PollPlanner, budget: inout RateBudget, from start: Date, seconds: Double, focused: String?,
  visible: Set<String> = [], pages: (DMSJob) -> Int = { _ in 1 }, file: StaticString = #filePath, line: UInt = #line
) -> [(Date, DMSJob)] {
  var now = start
  var calls: [(Date, DMSJob)] = []
  var pageNo: [DMSJob: Int] = [:]
  while now < start.addingTimeInterval(seconds) {
    switch planner.next(now: now, focusedArn: focused, visible: visible, budget: &budget) {
    case .call(let job, _):
      calls.append((now, job))
      let n = pageNo[job, default: 0] + 1
      let more = n < pages(job)
      pageNo[job] = more ? n : 0
      planner.pageDone(job, nextMarker: more ? "p\(n)" : nil)
      now = now.addingTimeInterval(0.05)
    case .wait(let until):
      XCTAssertGreaterThan(until, now, "a wait must move the clock", file: file, line: line)
      now = until
    }
  }
  return calls
}
