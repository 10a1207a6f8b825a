import TestKit
import DMSWatchApp
import DMSWatchModel
import Foundation
import XCTest
import DMSWatchRules

@MainActor
final class NotifyDashboardTests: XCTestCase {
  let hook = "http://127.0.0.1:9/hook"

  func missing(_ task: String = "orders", severity: Severity = .critical) -> Finding {
    Finding(
      event: FindingEvent.tableMissing, severity: severity, task: task, table: "public.orders", operation: .inserts,
      message: "inserts: 10 captured, 8 applied (2 missing)", expected: 10, actual: 8)
  }

  func make(_ t: RecordingTransport, format: WebhookTarget.Format = .json, clock: ManualClock, gate: NotificationGate.Config = .init())
    -> DashboardNotifier
  {
    DashboardNotifier(
      notifier: Notifier(transport: t, retry: .none, sleep: SleepRecorder().sleeper), targets: [.webhook(url: hook, format: format)],
      clock: clock, gate: gate)
  }

  func states(_ t: RecordingTransport) throws -> [String] {
    try t.requests.map { try XCTUnwrap((JSONSerialization.jsonObject(with: $0.body) as? [String: Any])?["state"] as? String) }
  }

  func testTransitionsOpenedStaysQuietThenResolved() async throws {
    let t = RecordingTransport()
    let clock = ManualClock()
    let n = make(t, clock: clock)
    XCTAssertTrue(n.update(findings: []).isEmpty, "healthy: nothing to say")
    XCTAssertEqual(n.update(findings: [missing()]).map(\.kind), [.opened])
    await n.waitForIdle()
    clock.advance(30)
    XCTAssertTrue(n.update(findings: [missing()]).isEmpty, "a finding that stays is not sent again")
    clock.advance(400)
    XCTAssertEqual(n.update(findings: []).map(\.kind), [.resolved])
    await n.waitForIdle()
    XCTAssertEqual(try states(t), ["opened", "resolved"])
    XCTAssertEqual(n.sentCount, 2)
    XCTAssertNil(n.lastFailure)
    XCTAssertEqual(n.inFlight, 0)
  }

  func testEscalationAndRateLimit() async throws {
    let t = RecordingTransport()
    let clock = ManualClock()
    let n = make(t, clock: clock, gate: .init(minSeverity: .warn, perFindingInterval: 300, maxPerWindow: 2, window: 600))
    n.update(findings: [missing(severity: .warn)])
    clock.advance(10)
    XCTAssertEqual(n.update(findings: [missing(severity: .critical)]).map(\.kind), [.escalated])
    clock.advance(10)
    // Two more tasks open: the window allows 2 per 10 minutes, so both are held back.
    XCTAssertTrue(n.update(findings: [missing(severity: .critical), missing("a"), missing("b")]).isEmpty)
    XCTAssertEqual(n.pendingCount, 2)
    clock.advance(600)
    XCTAssertEqual(n.update(findings: [missing(severity: .critical), missing("a"), missing("b")]).count, 2)
    await n.waitForIdle()
    XCTAssertEqual(try states(t), ["opened", "escalated", "opened", "opened"])
  }

  func testFailureIsExposedRedactedThenCleared() async throws {
    let secret = "https://alerts.example.com/hook?token=SUPERSECRET"
    let t = RecordingTransport([.status(500, "down"), .status(200, "ok")])
    let clock = ManualClock()
    let n = DashboardNotifier(
      notifier: Notifier(transport: t, retry: .none, sleep: SleepRecorder().sleeper), targets: [.webhook(url: secret, format: .slack)],
      clock: clock)
    var changes = 0
    n.onChange = { changes += 1 }
    n.update(findings: [missing()])
    await n.waitForIdle()
    let failure = try XCTUnwrap(n.lastFailure)
    XCTAssertTrue(failure.contains("HTTP 500"), failure)
    XCTAssertFalse(failure.contains("SUPERSECRET"), failure)
    XCTAssertEqual(n.failedCount, 1)
    XCTAssertEqual(changes, 1)
    clock.advance(400)
    n.update(findings: [])
    await n.waitForIdle()
    XCTAssertNil(n.lastFailure, "a later successful send clears the failure")
    XCTAssertEqual(n.sentCount, 1)
  }

  func testCompatTargetsGetTaskPayloadsOnMissingTransitions() async throws {
    let t = RecordingTransport()
    let clock = ManualClock()
    let n = make(t, format: .compat, clock: clock)
    let latency = Finding(event: FindingEvent.taskLatencyHigh, severity: .warn, task: "orders", message: "slow")
    n.update(findings: [latency])
    await n.waitForIdle()
    XCTAssertTrue(t.requests.isEmpty, "compat receivers only hear about MISSING and DUPLICATE")
    clock.advance(10)
    n.update(findings: [latency, missing()])
    clock.advance(400)
    n.update(findings: [latency])
    await n.waitForIdle()
    XCTAssertEqual(t.bodies, [#"{"event_name": "orders_dms_missing", "status": 0}"#, #"{"event_name": "orders_dms_no_issues", "status": 1}"#])
  }

  func testPrimeSuppressesExistingFindingsAndNoTargetsMeansDisabled() async {
    let t = RecordingTransport()
    let clock = ManualClock()
    let n = make(t, clock: clock)
    n.prime(findings: [missing()])
    XCTAssertTrue(n.update(findings: [missing()]).isEmpty)
    let off = DashboardNotifier(notifier: Notifier(transport: t), targets: [], clock: clock)
    XCTAssertFalse(off.isEnabled)
    XCTAssertTrue(off.update(findings: [missing("zzz")]).isEmpty)
    await n.waitForIdle()
    XCTAssertTrue(t.requests.isEmpty)
  }

  func testMakeFromConfigAndEnvironment() async throws {
    var o = BackendOptions()
    o.demo = true
    o.demoTasks = 2
    let opts = o
    let backend = try await BackendFactory.make(opts, environment: [:], clock: ManualClock())
    var cfg = AppConfig()
    XCTAssertNil(try DashboardNotifier.make(config: cfg, environment: [:], backend: backend, clock: ManualClock()))
    cfg.webhooks = [WebhookTarget(url: "http://127.0.0.1:9/a", format: .slack)]
    cfg.notifyMinInterval = 60
    let n = try XCTUnwrap(DashboardNotifier.make(config: cfg, environment: ["NOTIFIER_URL": "http://127.0.0.1:9/b"], backend: backend, clock: ManualClock()))
    XCTAssertEqual(n.targets, [.webhook(url: "http://127.0.0.1:9/a", format: .slack), .webhook(url: "http://127.0.0.1:9/b", format: .compat)])
    XCTAssertThrowsError(try DashboardNotifier.make(config: cfg, environment: ["NOTIFIER_URL": "nope"], backend: backend, clock: ManualClock()))
  }
}
