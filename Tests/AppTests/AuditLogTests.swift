import DMSWatchModel
import Foundation
import TestKit
import DMSWatchEngine
import XCTest

@testable import DMSWatchApp
import DMSWatchState

/// The audit log never loses a record silently (issue 15).
@MainActor
final class AuditLogTests: XCTestCase {
  var tmp: URL!

  override func setUp() async throws {
    tmp = FileManager.default.temporaryDirectory.appendingPathComponent("dmswatch-audit-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
  }

  override func tearDown() async throws {
    try? FileManager.default.removeItem(at: tmp)
  }

  func controller(_ fake: FakeDMS, audit: AuditLog) async -> AppController {
    let clock = ManualClock()
    let c = AppController(
      state: AppState(now: clock.now()), services: ServiceBundle(dms: fake, metrics: fake, logs: fake, sourceLabel: "fake"), clock: clock,
      audit: audit, poll: PollSettings())
    c.dispatch(.resize(width: 120, height: 40))
    let loaded = await c.runLanes(clock: clock) { c.state.fleet.sources[.tasks]?.lastSuccess != nil && !c.state.fleet.instances.isEmpty }
    XCTAssertTrue(loaded)
    return c
  }

  func waitFor(_ what: String, timeout: TimeInterval = 3, file: StaticString = #filePath, line: UInt = #line, _ cond: () -> Bool) async {
    let deadline = Date().addingTimeInterval(timeout)
    while !cond() {
      if Date() >= deadline { return XCTFail("timed out waiting for \(what)", file: file, line: line) }
      try? await Task.sleep(nanoseconds: 5_000_000)
    }
  }

  func testFullDiskRefusesActionsAndShowsTheFailure() async throws {
    // /dev/full: every write fails with ENOSPC, like a full disk.
    let audit = AuditLog(path: "/dev/full", source: "test", environment: ["USER": "u"])
    XCTAssertFalse(audit.record("session", "started", at: Date()), "a failed write is reported, not dropped")
    guard case .failing(let why) = audit.health else { return XCTFail("health \(audit.health)") }
    XCTAssertTrue(why.contains("No space left on device"), why)
    XCTAssertEqual(audit.badge, "AUDIT LOG FAILING")
    let fake = FakeDMS(taskCount: 1)
    let c = await controller(fake, audit: audit)
    c.dispatch(.key(.char("x")))
    c.dispatch(.key(.char("y")))
    await waitFor("the refusal") { c.state.message?.text.contains("refused") ?? false }
    XCTAssertEqual(fake.callCount("StopReplicationTask"), 0, "nothing reaches DMS without its audit record")
    XCTAssertTrue(c.state.message?.text.contains("No space left on device") ?? false, "\(String(describing: c.state.message))")
    XCTAssertTrue(c.state.fleet.pending.isEmpty)
    c.renderNow()
    XCTAssertEqual(c.state.auditBadge, "AUDIT LOG FAILING")
  }

  func testUnwritableDirectoryFailsThenRecoversByItself() async throws {
    // A regular file where the directory should be: the open fails even for root (like a read-only mount).
    let blocker = tmp.appendingPathComponent("state")
    try Data("x".utf8).write(to: blocker)
    let path = blocker.appendingPathComponent("audit.log").path
    let audit = AuditLog(path: path, source: "test", environment: ["USER": "u"])
    XCTAssertFalse(audit.isOpen)
    XCTAssertNotNil(audit.refusal)
    let fake = FakeDMS(taskCount: 1)
    let c = await controller(fake, audit: audit)
    c.dispatch(.key(.char("x")))
    c.dispatch(.key(.char("y")))
    await waitFor("the refusal") { c.state.message?.text.contains("refused") ?? false }
    XCTAssertEqual(fake.callCount("StopReplicationTask"), 0)
    // Fixed: the next action writes its record and goes ahead.
    try FileManager.default.removeItem(at: blocker)
    c.dispatch(.key(.char("x")))
    c.dispatch(.key(.char("y")))
    await waitFor("the stop") { fake.callCount("StopReplicationTask") == 1 && c.state.fleet.pending.isEmpty }
    XCTAssertEqual(audit.health, .ok)
    let recs = AuditLog.read(path: path).records
    XCTAssertEqual(recs.map(\.event), ["request", "ok"])
  }

  func testTornLastLineIsEndedAndSkippedOnTheNextStart() throws {
    let path = tmp.appendingPathComponent("audit.log").path
    let whole = #"{"detail":"stop t","event":"request","source":"s","time":"2026-12-01T09:00:00Z","user":"u"}"#
    try Data((whole + "\n" + #"{"detail":"stop t","ev"#).utf8).write(to: URL(fileURLWithPath: path))
    let audit = AuditLog(path: path, source: "test", environment: ["USER": "u"])
    XCTAssertTrue(audit.tornLineFound)
    XCTAssertTrue(audit.record("request", "start t", at: Date()))
    let (recs, skipped) = AuditLog.read(path: path)
    XCTAssertEqual(skipped, 1, "the torn line is skipped, not merged into the next record")
    XCTAssertEqual(recs.map(\.event), ["request", "audit", "request"])
    XCTAssertTrue(recs[1].detail.contains("torn"), recs[1].detail)
    XCTAssertEqual(recs[2].detail, "start t")
    // A clean file is not flagged.
    XCTAssertFalse(AuditLog(path: path, source: "test", environment: [:]).tornLineFound)
  }

  func testEveryRecordIsOneWholeLine() throws {
    let path = tmp.appendingPathComponent("audit.log").path
    let audit = AuditLog(path: path, source: "test", environment: ["USER": "u"])
    let long = String(repeating: "é", count: 100_000)
    DispatchQueue.concurrentPerform(iterations: 64) { i in audit.record("ui", "\(i) \(long)", at: Date()) }
    let (recs, skipped) = AuditLog.read(path: path)
    XCTAssertEqual(recs.count, 64)
    XCTAssertEqual(skipped, 0)
    XCTAssertEqual(Set(recs.map { $0.detail.split(separator: " ")[0] }).count, 64)
  }

  func testNoAuditIsVisibleAndLetsActionsThrough() async throws {
    let audit = AuditLog(path: tmp.appendingPathComponent("never.log").path, source: "test", disabled: true)
    XCTAssertEqual(audit.badge, "NO AUDIT")
    XCTAssertNil(audit.refusal)
    let fake = FakeDMS(taskCount: 1)
    let c = await controller(fake, audit: audit)
    c.dispatch(.key(.char("x")))
    c.dispatch(.key(.char("y")))
    await waitFor("the stop") { fake.callCount("StopReplicationTask") == 1 && c.state.fleet.pending.isEmpty }
    XCTAssertFalse(FileManager.default.fileExists(atPath: tmp.appendingPathComponent("never.log").path))
    c.renderNow()
    XCTAssertEqual(c.state.auditBadge, "NO AUDIT")
  }
}
