import DMSReconcile
import DatabaseClients
import Foundation
import XCTest

/// The drivers against real servers on 127.0.0.1 (Tests/e2e/dbservers.py starts them once for this class,
/// stops them by PID): cancellation, the concurrency limit, lazy open and idle close, the statement guard.
final class LiveDatabaseTests: XCTestCase {
  nonisolated(unsafe) static var info: [String: [String: Any]]?
  nonisolated(unsafe) static var dir: String?
  nonisolated(unsafe) static var skipReason: String?

  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  static func run(_ args: [String]) -> String? {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = args
    p.currentDirectoryURL = root
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    do { try p.run() } catch { return nil }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return p.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
  }

  override class func setUp() {
    let d = NSTemporaryDirectory() + "dmsw-live-\(getpid())"
    try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
    dir = d
    guard let out = run(["python3", "Tests/e2e/dbservers.py", "start", d]),
      let obj = try? JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any]
    else {
      skipReason = "could not start the database servers (python3 Tests/e2e/dbservers.py)"
      return
    }
    if let s = obj["skip"] as? String {
      skipReason = s
      return
    }
    info = obj.compactMapValues { $0 as? [String: Any] }
  }

  override class func tearDown() {
    if let d = dir { _ = run(["python3", "Tests/e2e/dbservers.py", "stop", d]) }
  }

  func settings(_ kind: String) throws -> DatabaseSettings {
    if let s = Self.skipReason { throw XCTSkip(s) }
    let i = try XCTUnwrap(Self.info?[kind])
    let port = try XCTUnwrap(i["port"] as? Int)
    var s = DatabaseSettings(
      dialect: kind == "pg" ? .postgres : .mysql, host: "127.0.0.1", port: port, database: kind == "pg" ? "postgres" : "mysql",
      user: "admin", password: DatabasePassword("admin-secret-1"))
    s.statementTimeout = 20
    s.idleClose = 0.3
    return s
  }

  func cancelWhileSleeping(_ kind: String, _ sql: String) async throws {
    let pool = try DatabasePool(settings: try settings(kind))
    let started = Date()
    let task = Task { try await pool.query(sql) }
    try await Task.sleep(nanoseconds: 500_000_000)
    task.cancel()
    do {
      _ = try await task.value
      XCTFail("the sleep was not cancelled")
    } catch let e as DatabaseError {
      XCTAssertEqual(e.kind, .cancelled, e.message)
    }
    XCTAssertLessThan(Date().timeIntervalSince(started), 4, "cancel must not wait for the 10 s statement")
    // The pool still works after a cancel.
    let r = try await pool.query("SELECT 1")
    XCTAssertEqual(r.first?.first ?? nil, "1")
    await pool.close()
  }

  func testCancelPostgres() async throws { try await cancelWhileSleeping("pg", "SELECT pg_sleep(10)") }
  func testCancelMariaDB() async throws { try await cancelWhileSleeping("maria", "SELECT SLEEP(10)") }

  func testAtMostTwoStatementsAtOnceAndLazyIdleClose() async throws {
    for kind in ["pg", "maria"] {
      let pool = try DatabasePool(settings: try settings(kind))
      let opened0 = await pool.opened
      XCTAssertEqual(opened0, 0, "no connection before the first statement")
      let sleep = kind == "pg" ? "SELECT pg_sleep(0.3)" : "SELECT SLEEP(0.3)"
      let started = Date()
      try await withThrowingTaskGroup(of: Void.self) { g in
        for _ in 0..<6 { g.addTask { _ = try await pool.query(sleep) } }
        try await g.waitForAll()
      }
      let elapsed = Date().timeIntervalSince(started)
      let peak = await pool.peakConcurrent
      let opened = await pool.opened
      XCTAssertEqual(peak, 2, kind)
      XCTAssertLessThanOrEqual(opened, 2, kind)
      XCTAssertGreaterThan(elapsed, 0.85, "6 × 0.3 s through 2 connections takes at least 0.9 s (\(kind))")
      let idle = await pool.idleCount
      XCTAssertGreaterThan(idle, 0)
      let deadline = Date().addingTimeInterval(5)
      var remaining = idle
      while Date() < deadline {
        remaining = await pool.idleCount
        if remaining == 0 { break }
        try await Task.sleep(nanoseconds: 50_000_000)
      }
      XCTAssertEqual(remaining, 0, "idle connections are closed after idleClose (\(kind))")
    }
  }

  func testReadOnlySessionRefusesWritesEvenIfAStatementGotThrough() async throws {
    // The guard refuses before sending; the session itself is read-only as a second line.
    for kind in ["pg", "maria"] {
      let pool = try DatabasePool(settings: try settings(kind))
      do {
        _ = try await pool.query("CREATE TABLE x (a int)")
        XCTFail("a CREATE was accepted")
      } catch let e as DatabaseError {
        XCTAssertEqual(e.kind, .refused)
      }
      let sql = kind == "pg" ? "SELECT current_setting('transaction_read_only')" : "SELECT @@session.tx_read_only"
      let r = try await pool.query(sql)
      XCTAssertTrue(["on", "1"].contains(r.first?.first ?? nil ?? ""), "\(kind): \(r)")
      await pool.close()
    }
  }

  /// Two rows that swapped one column's values: counts equal and each column's multiset of values equal, so only a
  /// row hash that binds the columns together finds them (an XOR of per-column hashes, XORed per segment, would not).
  func testNativeChecksumFindsTwoRowsThatSwappedAValue() async throws {
    let s = try settings("pg")
    let seed = """
      DROP SCHEMA IF EXISTS swap_src CASCADE; DROP SCHEMA IF EXISTS swap_tgt CASCADE;
      CREATE SCHEMA swap_src; CREATE SCHEMA swap_tgt;
      CREATE TABLE swap_src.t (id bigint PRIMARY KEY, name text, qty integer);
      INSERT INTO swap_src.t SELECT g, 'n' || g, g * 10 FROM generate_series(1, 100) g;
      CREATE TABLE swap_tgt.t AS SELECT * FROM swap_src.t; ALTER TABLE swap_tgt.t ADD PRIMARY KEY (id);
      UPDATE swap_tgt.t SET name = CASE id WHEN 5 THEN 'n6' ELSE 'n5' END WHERE id IN (5, 6);
      """
    let psql = Process()
    psql.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    psql.arguments = ["psql", "-h", "127.0.0.1", "-p", String(s.port), "-U", "admin", "-d", "postgres", "-q", "-v", "ON_ERROR_STOP=1", "-c", seed]
    psql.environment = ProcessInfo.processInfo.environment.merging(["PGPASSWORD": "admin-secret-1"]) { _, b in b }
    try psql.run()
    psql.waitUntilExit()
    XCTAssertEqual(psql.terminationStatus, 0, "seeding the swap tables")
    let pool = try DatabasePool(settings: s)
    let bis = ChecksumBisection(source: pool, target: pool)
    let src = TableName(schema: "swap_src", name: "t")
    let tgt = TableName(schema: "swap_tgt", name: "t")
    let planned = try await bis.plan(source: src, target: tgt)
    let plan = try XCTUnwrap(planned.0, planned.1 ?? "")
    XCTAssertEqual(plan.hashMode, .native)
    let r = try await bis.run(source: src, target: tgt, plan: plan)
    XCTAssertEqual(r.different, ["5", "6"])
    XCTAssertEqual(r.missingInTarget, [])
    XCTAssertEqual(r.extraInTarget, [])
    await pool.close()
  }

  func testWrongPasswordAndServerDown() async throws {
    for kind in ["pg", "maria"] {
      var s = try settings(kind)
      s.password = DatabasePassword("not-the-password")
      do {
        _ = try await DatabasePool(settings: s).query("SELECT 1")
        XCTFail("wrong password accepted")
      } catch let e as DatabaseError {
        XCTAssertEqual(e.kind, .authentication, e.message)
        XCTAssertFalse(e.message.contains("not-the-password"))
      }
      s = try settings(kind)
      s.port = 1
      do {
        _ = try await DatabasePool(settings: s).query("SELECT 1")
        XCTFail("connected to a closed port")
      } catch let e as DatabaseError {
        XCTAssertEqual(e.kind, .unreachable, e.message)
      }
    }
  }
}
