import Foundation
import XCTest

@testable import DMSWatchModel
@testable import DMSWatchRules

/// One test per entry of data/hints.json: a realistic message matches, and the cause/next step are the file's.
final class TriageHintsTests: XCTestCase {
  static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  struct RawEntry: Decodable {
    var id: String
    var title: String
    var cause: String
    var next: String
  }
  struct RawFile: Decodable { var hints: [RawEntry] }

  /// The table as the data file says, read independently of the code under test.
  static func fileEntries() throws -> [String: RawEntry] {
    let data = try Data(contentsOf: repoRoot.appendingPathComponent("data/hints.json"))
    let file = try JSONDecoder().decode(RawFile.self, from: data)
    return Dictionary(uniqueKeysWithValues: file.hints.map { ($0.id, $0) })
  }

  /// Every id with the realistic message its test uses. Testing that this covers every id keeps
  /// "one test per entry" honest when the file grows.
  static let examples: [String: String] = [
    "network-timeout": "Failed to connect to database. Network error has occurred: could not connect to server: Connection timed out Is the server running on host \"10.0.3.17\" and accepting TCP/IP connections on port 5432?",
    "dns-resolution": "could not translate host name \"db-prod.internal.example\" to address: Name or service not known",
    "ssl-certificate": "RetCode: SQL_ERROR SqlState: 08001 NativeError: 101 Message: [unixODBC]SSL error: certificate verify failed",
    "authentication-failed": "RetCode: SQL_ERROR SqlState: 28P01 NativeError: 1 Message: FATAL: password authentication failed for user \"dms_user\"",
    "secrets-manager-access": "Failed to retrieve secret arn:aws:secretsmanager:us-east-1:123456789012:secret:dms-src-AbC123: AccessDeniedException: not authorized to perform secretsmanager:GetSecretValue",
    "iam-roles": "The IAM Role arn:aws:iam::123456789012:role/dms-vpc-role is not configured properly.",
    "database-privileges": "RetCode: SQL_ERROR SqlState: 42501 NativeError: 1 Message: ERROR: permission denied for table orders",
    "table-not-found": "RetCode: SQL_ERROR SqlState: 42P01 NativeError: 1 Message: ERROR: relation \"public.order_items\" does not exist",
    "mysql-binlog-format": "Source database binlog_format is set to 'MIXED'; it must be set to 'ROW' for change data capture",
    "mysql-binlog-purged": "Error 1236 (Could not find first log file name in binary log index file) reading binlog mysql-bin-changelog.004213",
    "sqlserver-cdc": "Table 'dbo.Orders' is not enabled for CDC and MS-REPLICATION is not enabled on database 'Sales'",
    "oracle-supplemental-logging": "Supplemental logging is not enabled for table 'HR.EMPLOYEES'. Please enable supplemental logging for the table",
    "oracle-missing-archived-log": "OCI error 'ORA-01291: missing logfile' [1022307] Failed to add the REDO sequence 81234; thread 1 to LogMiner",
    "oracle-snapshot-too-old": "ORA-01555: snapshot too old: rollback segment number 12 with name \"_SYSSMU12$\" too small",
    "postgres-wal-level": "Could not create replication slot: ERROR: logical decoding requires wal_level >= logical",
    "postgres-replication-slots": "ERROR: all replication slots are in use HINT: Free one or increase max_replication_slots.",
    "stop-fatal-error": "Stop Reason FATAL_ERROR",
    "stop-recoverable-error": "Stop Reason RECOVERABLE_ERROR",
    "stop-low-memory": "Stop Reason STOPPED_DUE_TO_LOW_MEMORY",
    "stop-low-disk": "Cannot write to file '/rdsdbdata/data/tasks/K55IUC/sorter/swap1.tswp': No space left on device",
    "lob-truncation": "LOB data was truncated for column 'BODY' of table 'APP.MESSAGES': value is larger than the limit LobMaxSize (32 KB)",
    "target-duplicate-key": "RetCode: SQL_ERROR SqlState: 23505 NativeError: 1 Message: ERROR: duplicate key value violates unique constraint \"orders_pkey\"",
    "no-primary-key": "Table 'public.audit_log' has no primary key or unique index; validation is not possible",
  ]

  func testEmbeddedTableIsIdenticalToDataFile() throws {
    let file = try String(contentsOf: Self.repoRoot.appendingPathComponent("data/hints.json"), encoding: .utf8)
    XCTAssertEqual(TriageHints.sourceJSON, file, "run scripts/gen_hints.py")
  }

  func testEmbeddedTableLoadsEveryEntry() throws {
    let rules = try TriageHints.load(json: Data(TriageHints.sourceJSON.utf8))
    XCTAssertEqual(rules.count, try Self.fileEntries().count)
    XCTAssertEqual(TriageHints.rules.map(\.id), rules.map(\.id))
    XCTAssertGreaterThanOrEqual(rules.count, 15)
  }

  func testEveryEntryHasATest() throws {
    XCTAssertEqual(Set(try Self.fileEntries().keys), Set(Self.examples.keys))
  }

  func testLoaderRejectsBadTables() {
    let dup = #"{"version":1,"hints":[{"id":"a","title":"t","contains":["x"],"regex":[],"cause":"c","next":"n"},{"id":"a","title":"t","contains":["y"],"regex":[],"cause":"c","next":"n"}]}"#
    XCTAssertThrowsError(try TriageHints.load(json: Data(dup.utf8))) { XCTAssertEqual($0 as? TriageHints.LoadError, .duplicateId("a")) }
    let none = #"{"version":1,"hints":[{"id":"a","title":"t","contains":[],"regex":[],"cause":"c","next":"n"}]}"#
    XCTAssertThrowsError(try TriageHints.load(json: Data(none.utf8))) { XCTAssertEqual($0 as? TriageHints.LoadError, .noPatterns("a")) }
    let badRx = #"{"version":1,"hints":[{"id":"a","title":"t","contains":[],"regex":["(unclosed"],"cause":"c","next":"n"}]}"#
    XCTAssertThrowsError(try TriageHints.load(json: Data(badRx.utf8))) { XCTAssertEqual($0 as? TriageHints.LoadError, .badRegex("a", "(unclosed")) }
    let empty = #"{"version":1,"hints":[{"id":"a","title":"t","contains":["x"],"regex":[],"cause":" ","next":"n"}]}"#
    XCTAssertThrowsError(try TriageHints.load(json: Data(empty.utf8))) { XCTAssertEqual($0 as? TriageHints.LoadError, .emptyField("a", "cause")) }
  }

  /// The example of `id`, fed as a log error line of a running task, yields hint `id` with the file's text.
  func check(_ id: String, file: StaticString = #filePath, line: UInt = #line) throws {
    let entries = try Self.fileEntries()
    let entry = try XCTUnwrap(entries[id], "no entry \(id) in data/hints.json", file: file, line: line)
    let message = try XCTUnwrap(Self.examples[id], file: file, line: line)
    let hints = TriageHints.hints(for: makeTask(), logLines: [logLine(message)])
    let hint = try XCTUnwrap(hints.first { $0.id == id }, "\(id) did not match: \(message) (got \(hints.map(\.id)))", file: file, line: line)
    XCTAssertEqual(hint.title, entry.title, file: file, line: line)
    XCTAssertEqual(hint.cause, entry.cause, file: file, line: line)
    XCTAssertEqual(hint.nextStep, entry.next, file: file, line: line)
    XCTAssertEqual(hint.source, "log", file: file, line: line)
    XCTAssertEqual(hint.evidence, message, file: file, line: line)
    // Case-insensitive.
    XCTAssertTrue(TriageHints.matching(message.uppercased()).contains { $0.id == id }, "uppercase", file: file, line: line)
    XCTAssertTrue(TriageHints.matching(message.lowercased()).contains { $0.id == id }, "lowercase", file: file, line: line)
  }

  func testNetworkTimeout() throws { try check("network-timeout") }
  func testDNSResolution() throws { try check("dns-resolution") }
  func testSSLCertificate() throws { try check("ssl-certificate") }
  func testAuthenticationFailed() throws { try check("authentication-failed") }
  func testSecretsManagerAccess() throws { try check("secrets-manager-access") }
  func testIAMRoles() throws { try check("iam-roles") }
  func testDatabasePrivileges() throws { try check("database-privileges") }
  func testTableNotFound() throws { try check("table-not-found") }
  func testMySQLBinlogFormat() throws { try check("mysql-binlog-format") }
  func testMySQLBinlogPurged() throws { try check("mysql-binlog-purged") }
  func testSQLServerCDC() throws { try check("sqlserver-cdc") }
  func testOracleSupplementalLogging() throws { try check("oracle-supplemental-logging") }
  func testOracleMissingArchivedLog() throws { try check("oracle-missing-archived-log") }
  func testOracleSnapshotTooOld() throws { try check("oracle-snapshot-too-old") }
  func testPostgresWalLevel() throws { try check("postgres-wal-level") }
  func testPostgresReplicationSlots() throws { try check("postgres-replication-slots") }
  func testStopFatalError() throws { try check("stop-fatal-error") }
  func testStopRecoverableError() throws { try check("stop-recoverable-error") }
  func testStopLowMemory() throws { try check("stop-low-memory") }
  func testStopLowDisk() throws { try check("stop-low-disk") }
  func testLOBTruncation() throws { try check("lob-truncation") }
  func testTargetDuplicateKey() throws { try check("target-duplicate-key") }
  func testNoPrimaryKey() throws { try check("no-primary-key") }

  func testOtherRealisticVariants() {
    let variants: [(String, String)] = [
      ("Can't connect to MySQL server on 'db.example.com' (110)", "network-timeout"),
      ("ORA-12170: TNS:Connect timeout occurred", "network-timeout"),
      ("Access denied for user 'dms'@'10.0.1.5' (using password: YES)", "authentication-failed"),
      ("ORA-01017: invalid username/password; logon denied", "authentication-failed"),
      ("Login failed for user 'dms_reader'.", "authentication-failed"),
      ("ORA-00942: table or view does not exist", "table-not-found"),
      ("Invalid object name 'dbo.Customers'.", "table-not-found"),
      ("Table 'shop.carts' doesn't exist", "table-not-found"),
      ("No tables were found at task initialization. Either the selected table(s) or schemas(s) no longer exist", "table-not-found"),
      ("ORA-01031: insufficient privileges", "database-privileges"),
      ("Access denied; you need (at least one of) the SUPER, REPLICATION CLIENT privilege(s) for this operation", "database-privileges"),
      ("ERROR: must be superuser or replication role to start walsender", "database-privileges"),
      ("Violation of PRIMARY KEY constraint 'PK_Orders'. Cannot insert duplicate key in object 'dbo.Orders'", "target-duplicate-key"),
      ("Duplicate entry '1042' for key 'PRIMARY'", "target-duplicate-key"),
      ("ORA-00001: unique constraint (APP.PK_ITEMS) violated", "target-duplicate-key"),
      ("ORA-00308: cannot open archived log '/u01/arch/1_81234.arc'", "oracle-missing-archived-log"),
      ("replication slot \"dms_slot_abc\" does not exist", "postgres-replication-slots"),
      ("Stop Reason STOPPED_DUE_TO_LOW_DISK", "stop-low-disk"),
      ("Some LOB column values were truncated to LobMaxSize", "lob-truncation"),
      ("User: arn:aws:sts::123:assumed-role/x is not authorized to perform: iam:PassRole on resource dms-cloudwatch-logs-role", "iam-roles"),
    ]
    for (text, id) in variants {
      XCTAssertTrue(TriageHints.matching(text).contains { $0.id == id }, "\(id) should match: \(text) (got \(TriageHints.matching(text).map(\.id)))")
    }
  }

  func testNoHintForUnrelatedText() {
    let unrelated = [
      "Task 'orders' is running", "Load finished for table 'public'.'orders' (Id = 1). 5000 rows received.",
      "Starting replication now", "Next table to load 'public'.'items' ID = 2, order = 0",
      "CDC latency 12 seconds", "", "Stop Reason NORMAL", "Stop Reason FULL_LOAD_ONLY_FINISHED",
    ]
    for text in unrelated {
      XCTAssertEqual(TriageHints.matching(text).map(\.id), [], text)
    }
    XCTAssertEqual(TriageHints.hints(for: makeTask(), logLines: unrelated.map { logLine($0) }), [])
  }

  func testSourcesOrderAndDeduplication() {
    let task = makeTask(
      status: TaskStatus.stopped, stopReason: "Stop Reason FATAL_ERROR",
      failure: "Last Error ORA-01291: missing logfile Task error notification received from subtask 0")
    let lines = [
      logLine("ORA-01291: missing logfile", at: t0 - 10),
      logLine("Connection timed out", at: t0 - 5),
      logLine("duplicate key value violates unique constraint", task: "billing", at: t0 - 1),  // other task
      logLine("ERROR: permission denied for table x", at: t0 - 1, severity: .info),  // not an error line
      logLine("No space left on device", task: nil, at: t0 - 2),  // untagged: kept
    ]
    let hints = TriageHints.hints(for: task, logLines: lines)
    XCTAssertEqual(hints.map(\.id), ["oracle-missing-archived-log", "stop-fatal-error", "stop-low-disk", "network-timeout"])
    XCTAssertEqual(hints.map(\.source), ["failure", "stop_reason", "log", "log"])
    // The stop reason of a running task is history, not a cause.
    XCTAssertEqual(TriageHints.hints(for: makeTask(stopReason: "Stop Reason FATAL_ERROR"), logLines: []), [])
  }

  func testEvidenceIsClipped() {
    let long = "Connection timed out " + String(repeating: "x", count: 1000)
    let h = TriageHints.hints(for: makeTask(), logLines: [logLine(long)])
    XCTAssertEqual(h.first?.evidence.count, 240)
    XCTAssertEqual(h.first?.evidence.hasSuffix("..."), true)
  }
}
