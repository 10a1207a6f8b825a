import DMSWatchModel
import Foundation
import XCTest

@testable import DMSWatchRecorder

/// The file: bad files give clear errors; the writer survives full disks and unwritable paths,
/// de-duplicates, rotates, and never blocks its caller.
final class RecorderFileTests: XCTestCase {
  var dir = ""
  override func setUp() {
    dir = NSTemporaryDirectory() + "dmswatch-recfile-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
  }
  override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

  let t0 = Date(timeIntervalSince1970: 1_790_000_000)
  let scope = ScopeInfo(id: ScopeID("p/eu-west-1"), profile: "p", region: "eu-west-1", account: "111122223333")

  func task(_ n: Int, status: String = "running") -> ReplicationTask {
    ReplicationTask(
      identifier: "task-\(n)", arn: "arn:aws:dms:eu-west-1:111122223333:task:T\(n)", status: status, migrationType: "cdc",
      replicationInstanceArn: "arn:aws:dms:eu-west-1:111122223333:rep:I1")
  }

  /// A small recording: two task listings (the second unchanged), a key, an action.
  func writeSample(_ path: String, close: Bool = true) -> Recorder {
    let clock = ReplayClock(t0)
    let r = Recorder(path: path, clock: clock)
    r.scope(scope, label: "p", backends: ["DescribeReplicationTasks"])
    let page = RecordedPage(items: [task(1), task(2)], marker: nil)
    r.response(scope: scope.id, op: RecordedOp.list("DescribeReplicationTasks"), request: "marker=", started: t0, value: page)
    clock.advance(5)
    r.response(scope: scope.id, op: RecordedOp.list("DescribeReplicationTasks"), request: "marker=", started: clock.now(), value: page)
    r.key(.char("j"))
    r.action("request", "stop task-1")
    clock.advance(5)
    r.response(
      scope: scope.id, op: RecordedOp.list("DescribeReplicationTasks"), request: "marker=", started: clock.now(),
      value: RecordedPage(items: [task(1, status: "stopped"), task(2)], marker: nil))
    if close { r.close() } else { r.sync() }
    return r
  }

  func lines(_ path: String) throws -> [String] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    let inflater = try GzipInflater()
    return String(decoding: try inflater.decompress(data), as: UTF8.self).split(separator: "\n").map(String.init)
  }

  func testUnchangedResponsesAreWrittenOnceAndReadBack() throws {
    let path = dir + "/a.dmsrec"
    _ = writeSample(path)
    let ls = try lines(path)
    XCTAssertTrue(ls[0].contains("\"dmswatch_recording\":1"))
    XCTAssertEqual(ls.filter { $0.contains("\"k\":\"same\"") }.count, 1, "the unchanged listing is a `same` line")
    XCTAssertEqual(ls.filter { $0.contains("\"k\":\"r\"") }.count, 1)
    XCTAssertEqual(ls.filter { $0.contains("\"k\":\"dp\"") }.count, 1, "the changed listing is a delta against the first")
    let rec = try Recording.load(path: path)
    XCTAssertNil(rec.warning)
    XCTAssertEqual(rec.calls.count, 3)
    XCTAssertEqual(rec.keys, [Recording.KeyPress(time: t0.addingTimeInterval(5), key: .char("j"))])
    XCTAssertEqual(rec.actions.map(\.kind), ["request"])
    // The latest response at or before a time, decoded.
    let src = ReplaySource(rec: rec, clock: ReplayClock(t0.addingTimeInterval(7)), scope: scope.id)
    let p = try src.answer(RecordedOp.list("DescribeReplicationTasks"), "marker=", as: RecordedPage<ReplicationTask>.self)
    XCTAssertEqual(p.items.first?.status, "running")
    let later = ReplaySource(rec: rec, clock: ReplayClock(t0.addingTimeInterval(10)), scope: scope.id)
    XCTAssertEqual(try later.answer(RecordedOp.list("DescribeReplicationTasks"), "marker=", as: RecordedPage<ReplicationTask>.self).items.first?.status, "stopped")
    // A moment before the first answer (the replaying engine's own schedule) gets it; long before, nothing.
    let justBefore = ReplaySource(rec: rec, clock: ReplayClock(t0.addingTimeInterval(-1)), scope: scope.id)
    XCTAssertEqual(try justBefore.answer(RecordedOp.list("DescribeReplicationTasks"), "marker=", as: RecordedPage<ReplicationTask>.self).items.count, 2)
    let before = ReplaySource(rec: rec, clock: ReplayClock(t0.addingTimeInterval(-10)), scope: scope.id)
    XCTAssertThrowsError(try before.answer(RecordedOp.list("DescribeReplicationTasks"), "marker=", as: RecordedPage<ReplicationTask>.self)) {
      XCTAssertEqual(($0 as? ServiceError)?.code, "NotRecorded")
    }
  }

  func testReplayedActionsAreRefused() async throws {
    let path = dir + "/a.dmsrec"
    _ = writeSample(path)
    let rec = try Recording.load(path: path)
    guard let b = rec.bundles(clock: ReplayClock(t0.addingTimeInterval(20))).first else { return XCTFail("no bundle") }
    do {
      try await b.backends[0].stop(task(1))
      XCTFail("a replay sent an action")
    } catch let e as ServiceError {
      XCTAssertEqual(e.code, "ReplayReadOnly")
    }
    XCTAssertTrue(b.scope.readOnly)
  }

  func testNewerFormatIsRefusedClearly() throws {
    let path = dir + "/new.dmsrec"
    try gzip("{\"dmswatch_recording\":2,\"app\":\"dmswatch 9\",\"started\":1790000000,\"mode\":\"live\"}\n", to: path)
    XCTAssertThrowsError(try Recording.load(path: path)) { e in
      XCTAssertTrue("\(e)".contains("format 2"), "\(e)")
      XCTAssertTrue("\(e)".contains("upgrade dmswatch"), "\(e)")
    }
  }

  func testNotARecordingAndCorruptFilesAreRefusedClearly() throws {
    let plain = dir + "/plain.txt"
    try Data("hello\n".utf8).write(to: URL(fileURLWithPath: plain))
    XCTAssertThrowsError(try Recording.load(path: plain)) { XCTAssertTrue("\($0)".contains("not a dmswatch recording"), "\($0)") }

    let noHeader = dir + "/nohdr.dmsrec"
    try gzip("{\"k\":\"end\",\"t\":1}\n", to: noHeader)
    XCTAssertThrowsError(try Recording.load(path: noHeader)) { XCTAssertTrue("\($0)".contains("no header"), "\($0)") }

    // A garbled line in the middle (not the torn end).
    let path = dir + "/a.dmsrec"
    _ = writeSample(path)
    var ls = try lines(path)
    ls[4] = "{\"k\":\"same\",\"t\":\"yesterday\""
    let bad = dir + "/bad.dmsrec"
    try gzip(ls.joined(separator: "\n") + "\n", to: bad)
    XCTAssertThrowsError(try Recording.load(path: bad)) { XCTAssertTrue("\($0)".contains("corrupt at line 5"), "\($0)") }

    // Bytes that are not gzip after a valid start.
    var raw = try Data(contentsOf: URL(fileURLWithPath: path))
    raw.replaceSubrange(20..<60, with: Data(repeating: 0xFF, count: 40))
    let mangled = dir + "/mangled.dmsrec"
    try raw.write(to: URL(fileURLWithPath: mangled))
    do {
      let r = try Recording.load(path: mangled)
      XCTFail("a mangled file was read: \(r.calls.count) calls, warning \(r.warning ?? "none")")
    } catch let e as RecordingError {
      XCTAssertTrue(e.message.contains("corrupt"), e.message)
    }

    XCTAssertThrowsError(try Recording.load(path: dir + "/missing.dmsrec")) { XCTAssertTrue("\($0)".contains("cannot open"), "\($0)") }
  }

  func testTruncatedFileReplaysWhatWasWrittenAndSaysSo() throws {
    let path = dir + "/a.dmsrec"
    _ = writeSample(path)
    let full = try Data(contentsOf: URL(fileURLWithPath: path))
    // Every cut: never a crash; either a clear error or the lines before the cut with a warning.
    for cut in stride(from: 1, to: full.count - 1, by: 7) {
      let p = dir + "/cut.dmsrec"
      try full.prefix(cut).write(to: URL(fileURLWithPath: p))
      do {
        let rec = try Recording.load(path: p)
        XCTAssertNotNil(rec.warning, "cut at \(cut) of \(full.count)")
      } catch let e as RecordingError {
        XCTAssertFalse(e.message.isEmpty)
      }
    }
    // A recorder that never closed (crash): flushed lines are readable, with a note.
    let open = dir + "/open.dmsrec"
    let r = writeSample(open, close: false)
    let rec = try Recording.load(path: open)
    XCTAssertEqual(rec.calls.count, 3)
    XCTAssertTrue(rec.warning?.contains("truncated") ?? false, rec.warning ?? "no warning")
    r.close()
  }

  func testFullDiskStopsRecordingOnceAndNeverBlocks() throws {
    guard FileManager.default.fileExists(atPath: "/dev/full") else { throw XCTSkip("no /dev/full") }
    let reports = Box()
    let clock = ReplayClock(t0)
    let r = Recorder(path: "/dev/full", clock: clock) { reports.add($0) }
    let started = Date()
    for i in 0..<5_000 {
      r.response(scope: scope.id, op: "X", request: "\(i)", started: clock.now(), value: RecordedPage(items: [task(i)], marker: nil))
    }
    XCTAssertLessThan(Date().timeIntervalSince(started), 2, "handing records over never waits for the disk")
    r.sync()
    XCTAssertEqual(reports.values.count, 1, "reported once: \(reports.values)")
    XCTAssertTrue(reports.values.first?.contains("recording stopped") ?? false)
    XCTAssertNotNil(r.failed)
    r.close()
  }

  func testUnwritablePathIsReportedWhenTheHandlerIsSet() throws {
    let r = Recorder(path: "/proc/dmswatch-nope/x.dmsrec", clock: ReplayClock(t0))
    r.sync()
    let reports = Box()
    r.setFailureHandler { reports.add($0) }
    XCTAssertEqual(reports.values.count, 1)
    XCTAssertTrue(reports.values[0].contains("/proc/dmswatch-nope/x.dmsrec"), reports.values[0])
  }

  func testRotationKeepsTheNewestFiles() throws {
    let path = dir + "/rot.dmsrec"
    let clock = ReplayClock(t0)
    var o = Recorder.Options(maxBytes: 4_000, keep: 2)
    o.flushInterval = 0
    let r = Recorder(path: path, clock: clock, options: o)
    r.scope(scope, label: "p", backends: ["DescribeReplicationTasks"])
    for i in 0..<400 {
      clock.advance(1)
      r.response(scope: scope.id, op: "X", request: "", started: clock.now(), value: RecordedPage(items: [task(i)], marker: "\(i)"))
    }
    r.close()
    let fm = FileManager.default
    XCTAssertTrue(fm.fileExists(atPath: path + ".1"))
    XCTAssertTrue(fm.fileExists(atPath: path + ".2"))
    XCTAssertFalse(fm.fileExists(atPath: path + ".3"))
    // Each file stands alone: header and scope again.
    let rec = try Recording.load(path: path)
    XCTAssertEqual(rec.scopes.count, 1)
    let older = try Recording.load(path: path + ".1")
    XCTAssertNil(older.warning)
    XCTAssertLessThan(older.end, rec.start.addingTimeInterval(1))
  }

  func testTimesAtThePromptAndOnTheCommandLine() throws {
    let path = dir + "/a.dmsrec"
    _ = writeSample(path)
    let rec = try Recording.load(path: path)
    // 1_790_000_000 is 2026-09-21T14:13:20Z.
    XCTAssertEqual(rec.time(from: "14:13:25"), t0.addingTimeInterval(5))
    XCTAssertEqual(rec.time(from: "14:14"), t0.addingTimeInterval(40))
    XCTAssertEqual(rec.time(from: "+5s"), t0.addingTimeInterval(5))
    XCTAssertEqual(rec.time(from: "+1m"), t0.addingTimeInterval(60))
    XCTAssertEqual(rec.time(from: "start"), rec.start)
    XCTAssertEqual(rec.time(from: "2026-09-21T14:13:30Z"), t0.addingTimeInterval(10))
    XCTAssertNil(rec.time(from: "25:00"))
    XCTAssertNil(rec.time(from: "soon"))
  }

  func testSecretsInMessagesAndActionsAreRedacted() async throws {
    let path = dir + "/red.dmsrec"
    let clock = ReplayClock(t0)
    let r = Recorder(path: path, clock: clock)
    struct Failing: LogsService {
      func getLogEvents(group: String, stream: String, startTime: Date?, nextToken: String?, limit: Int) async throws -> LogEventsPage {
        LogEventsPage(events: [LogEvent(timestamp: Date(timeIntervalSince1970: 1), message: "posting to https://hooks.slack.com/services/T01/B02/SLACKPATHSECRET")], nextForwardToken: nil)
      }
    }
    let logs = RecordingLogs(inner: Failing(), r: r, clock: clock, scope: scope.id)
    _ = try await logs.getLogEvents(group: "g", stream: "s", startTime: nil, nextToken: nil, limit: 10)
    r.failure(scope: scope.id, op: "X", request: "", started: t0, error: ServiceError(kind: .client, code: "Bad", message: "GET https://u:PASSWORDX@h/x?X-Amz-Signature=SIGSECRET"))
    r.action("failed", "webhook https://example.com/hook?token=TOKENSECRET failed")
    r.close()
    let text = try lines(path).joined(separator: "\n")
    for secret in ["SLACKPATHSECRET", "PASSWORDX", "SIGSECRET", "TOKENSECRET"] {
      XCTAssertFalse(text.contains(secret), "\(secret) in the recording")
    }
    XCTAssertTrue(text.contains("hooks.slack.com"), "the rest of the line is kept")
  }

  func gzip(_ text: String, to path: String) throws {
    let d = try GzipDeflater()
    try d.compress(Data(text.utf8), mode: 4 /* Z_FINISH */).write(to: URL(fileURLWithPath: path))
  }
}

final class Box: @unchecked Sendable {
  private let lock = NSLock()
  private var v: [String] = []
  func add(_ s: String) { lock.withLock { v.append(s) } }
  var values: [String] { lock.withLock { v } }
}
