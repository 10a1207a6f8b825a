import DMSReconcile
import DMSWatchModel
import DatabaseClients
import Foundation
import XCTest

final class CountJudgeTests: XCTestCase {
  func rc(_ a: Int64, _ b: Int64) -> (RowCount, RowCount) { (RowCount(a), RowCount(b)) }

  func testEqualCountsMatchWithoutRecheck() {
    XCTAssertEqual(CountJudge.judge(first: rc(5, 5), recheck: nil, cdc: .idle).verdict, .match)
  }

  func testDifferenceEqualOnRecheckIsMatch() {
    XCTAssertEqual(CountJudge.judge(first: rc(5, 4), recheck: rc(6, 6), cdc: CDCContext(active: true)).verdict, .match)
  }

  func testDifferenceWithoutCDCIsMismatch() {
    let j = CountJudge.judge(first: rc(10, 7), recheck: rc(10, 7), cdc: .idle)
    XCTAssertEqual(j.verdict, .mismatch)
    XCTAssertTrue(j.detail.contains("+3"), j.detail)
  }

  func testUnderCDCWithinInFlightIsDriftAndBeyondIsMismatch() {
    let cdc = CDCContext(active: true, latencySeconds: 4, inFlightChanges: 50)
    XCTAssertEqual(CountJudge.judge(first: rc(1000, 970), recheck: rc(1000, 960), cdc: cdc).verdict, .drift)
    XCTAssertEqual(CountJudge.judge(first: rc(1000, 900), recheck: rc(1000, 900), cdc: cdc).verdict, .mismatch)
  }

  func testUnderCDCWithUnknownInFlightIsUnknownNeverMatch() {
    XCTAssertEqual(CountJudge.judge(first: rc(10, 9), recheck: rc(10, 9), cdc: CDCContext(active: true)).verdict, .unknown)
  }

  func testEstimatesAreNeitherMatchNorMismatch() {
    let j = CountJudge.judge(first: (RowCount(100, estimated: true), RowCount(100, estimated: true)), recheck: nil, cdc: .idle)
    XCTAssertEqual(j.verdict, .estimated)
    XCTAssertEqual(RowCount(100, estimated: true).label, "~100")
  }
}

final class ChecksumTests: XCTestCase {
  static func hex(_ k: Int64, salt: String = "") -> String {
    var h: UInt64 = 1469598103934665603
    for b in "\(k)\(salt)".utf8 { h = (h ^ UInt64(b)) &* 1099511628211 }
    let s = String(h, radix: 16)
    return String(repeating: "0", count: 16 - s.count) + s + "0000000000000000"
  }

  func table(_ rows: [Int64: String]) -> FakeDatabase.Table {
    FakeDatabase.Table(columns: [("id", "bigint"), ("name", "text"), ("price", "double precision")], primaryKey: ["id"], rows: rows)
  }

  func testBisectionFindsExactlyTheDifferingKeysFetchingFewRows() async throws {
    var src: [Int64: String] = [:]
    for k in 1...100_000 { src[Int64(k)] = Self.hex(Int64(k)) }
    var tgt = src
    tgt[777] = nil  // missing in target
    tgt[50_001] = Self.hex(50_001, salt: "changed")  // different
    tgt[100_005] = Self.hex(100_005)  // extra in target
    let s = FakeDatabase(.postgres, tables: ["app.t": table(src)])
    let t = FakeDatabase(.mysql, tables: ["app.t": table(tgt)])
    let bis = ChecksumBisection(source: s, target: t)
    let name = TableName(schema: "app", name: "t")
    let (plan, why) = try await bis.plan(source: name, target: name)
    let p = try XCTUnwrap(plan, why ?? "")
    XCTAssertEqual(p.compared, ["id", "name"])
    XCTAssertEqual(p.leftOut, ["price (double precision: inexact)"])
    XCTAssertEqual(p.hashMode, .portable, "PostgreSQL against MySQL hashes the normalised text")
    let r = try await bis.run(source: name, target: name, plan: p)
    XCTAssertEqual(r.state, .done)
    XCTAssertEqual(r.missingInTarget, ["777"])
    XCTAssertEqual(r.extraInTarget, ["100005"])
    XCTAssertEqual(r.different, ["50001"])
    XCTAssertLessThan(r.rowsTransferred, 500, "fetched \(r.rowsTransferred) rows for 200,000")
    XCTAssertEqual(r.fraction, 1)
  }

  func testEqualTablesNeedOneLevel() async throws {
    var rows: [Int64: String] = [:]
    for k in 1...5000 { rows[Int64(k)] = Self.hex(Int64(k)) }
    let s = FakeDatabase(.postgres, tables: ["a.b": table(rows)])
    let t = FakeDatabase(.postgres, tables: ["a.b": table(rows)])
    let n = TableName(schema: "a", name: "b")
    let bis = ChecksumBisection(source: s, target: t)
    let planned = try await bis.plan(source: n, target: n).0
    XCTAssertEqual(planned?.hashMode, .native, "PostgreSQL on both sides with equal types uses the engine's own hash")
    let r = try await bis.run(source: n, target: n, plan: try XCTUnwrap(planned))
    XCTAssertEqual(r.differingKeys, 0)
    XCTAssertEqual(r.queries, 4)  // key range + one segment level, each side
    XCTAssertTrue(s.statements.contains { $0.contains("bit_xor(") && $0.contains("hashint8extended(") }, "typed hashes, XORed: \(s.statements)")
    // PostgreSQL before 14 on one side has no bit_xor: both sides sum the same hashes.
    let old = FakeDatabase(.postgres, tables: ["a.b": table(rows)])
    old.serverVersion = "130011"
    let mixed = ChecksumBisection(source: s, target: old)
    let planned2 = try await mixed.plan(source: n, target: n).0
    let p2 = try XCTUnwrap(planned2)
    XCTAssertEqual(p2.hashMode, .nativeSum)
    let r2 = try await mixed.run(source: n, target: n, plan: p2)
    XCTAssertEqual(r2.differingKeys, 0)
    XCTAssertFalse(old.statements.contains { $0.contains("bit_xor(") })
  }

  func testNoPrimaryKeyOrTextKeyIsSkippedWithReason() async throws {
    let nopk = FakeDatabase.Table(columns: [("a", "integer")], primaryKey: [], rows: [:])
    let textKey = FakeDatabase.Table(columns: [("code", "text")], primaryKey: ["code"], rows: [:])
    let db = FakeDatabase(.postgres, tables: ["s.nopk": nopk, "s.tk": textKey])
    let bis = ChecksumBisection(source: db, target: db)
    let (p1, w1) = try await bis.plan(source: TableName(schema: "s", name: "nopk"), target: TableName(schema: "s", name: "nopk"))
    XCTAssertNil(p1)
    XCTAssertTrue(w1?.contains("no primary key") == true)
    let (p2, w2) = try await bis.plan(source: TableName(schema: "s", name: "tk"), target: TableName(schema: "s", name: "tk"))
    XCTAssertNil(p2)
    XCTAssertTrue(w2?.contains("integer") == true, w2 ?? "")
  }

  func testReconcilerRechecksADifferingTableAndFollowsCDC() async {
    let t = FakeDatabase.Table(columns: [], primaryKey: [], rows: [1: "a", 2: "b", 3: "c"])
    let s = FakeDatabase(.postgres, tables: ["x.y": t])
    let tg = FakeDatabase(.postgres, tables: ["x.y": t])
    tg.countOverrides["x.y"] = [2]  // first reading short by one (in flight), the recheck equal
    var o = ReconcileOptions()
    o.recheckDelay = 0
    o.exactCounts = true
    let r = Reconciler(source: s, target: tg, options: o)
    let p = TablePair(source: TableName(schema: "x", name: "y"), target: TableName(schema: "x", name: "y"))
    let row = await r.reconcile(p, cdc: CDCContext(active: true))
    XCTAssertEqual(row.verdict, .match)
    XCTAssertTrue(row.rechecked)
    XCTAssertEqual(tg.statements.filter { $0.hasPrefix("SELECT COUNT(*)") }.count, 2)
  }

  func testUnreachableSideIsUnknownNotMatch() async {
    let t = FakeDatabase.Table(columns: [], primaryKey: [], rows: [1: "a"])
    let s = FakeDatabase(.postgres, tables: ["x.y": t])
    let tg = FakeDatabase(.postgres, tables: ["x.y": t])
    tg.failWith = DatabaseError(.unreachable, "cannot connect (refused)")
    let r = Reconciler(source: s, target: tg)
    let row = await r.reconcile(TablePair(source: TableName(schema: "x", name: "y"), target: TableName(schema: "x", name: "y")), cdc: .idle)
    XCTAssertEqual(row.verdict, .unknown)
    XCTAssertTrue(row.detail.contains("cannot connect"))
  }
}

final class SQLAndParsingTests: XCTestCase {
  func testNormalisationIsStatedPerDialect() {
    let cols = [
      ColumnInfo(name: "n", dataType: "numeric"), ColumnInfo(name: "b", dataType: "boolean"),
      ColumnInfo(name: "ts", dataType: "timestamp without time zone"), ColumnInfo(name: "d", dataType: "date"),
    ]
    let pg = SQLBuilder(.postgres)
    let my = SQLBuilder(.mysql)
    XCTAssertEqual(pg.normalized(cols[2]), "to_char(\"ts\", 'YYYY-MM-DD HH24:MI:SS.US')")
    XCTAssertEqual(my.normalized(cols[2]), "DATE_FORMAT(`ts`, '%Y-%m-%d %H:%i:%s.%f')")
    XCTAssertEqual(pg.normalized(cols[1]), "(CASE WHEN \"b\" IS NULL THEN NULL WHEN \"b\" THEN '1' ELSE '0' END)")
    XCTAssertEqual(my.normalized(cols[3]), "DATE_FORMAT(`d`, '%Y-%m-%d')")
    XCTAssertTrue(pg.rowText(cols).hasPrefix("concat_ws(chr(31), COALESCE('V' || "))
    XCTAssertNil(ColumnInfo(name: "f", dataType: "double").form)
    XCTAssertNil(ColumnInfo(name: "j", dataType: "jsonb").form)
  }

  func testLiteralsAndIdentifiersAreQuoted() {
    XCTAssertEqual(SQLBuilder(.mysql).literal("a'b\\c"), "'a''b\\\\c'")
    XCTAssertEqual(SQLBuilder(.postgres).literal("a'b\\c"), "'a''b\\c'")
    XCTAssertEqual(SQLBuilder(.postgres).ident("we\"ird"), "\"we\"\"ird\"")
    XCTAssertEqual(SQLBuilder(.mysql).ident("we`ird"), "`we``ird`")
  }

  func testEveryGeneratedStatementIsASingleSelect() throws {
    let t = TableName(schema: "s", name: "t;drop")
    let k = ColumnInfo(name: "id", dataType: "bigint")
    for d in [SQLDialect.postgres, .mysql] {
      let q = SQLBuilder(d)
      for sql in [
        q.count(t), q.estimate(t), q.columns(t), q.primaryKey(t), q.keyRange(t, key: k),
        q.segments(t, key: k, cols: [k], lo: 1, hi: 100, width: 7), q.leafRows(t, key: k, keys: [k], cols: [k], lo: 1, hi: 2),
        q.validationFailures(schema: "awsdms_control", table: "awsdms_validation_failures_v1", columns: ["KEY"], taskColumn: "TASK_NAME", task: "x'; DELETE", limit: 5),
      ] {
        XCTAssertNoThrow(try StatementGuard.check(sql), sql)
      }
    }
    XCTAssertThrowsError(try StatementGuard.check("DELETE FROM t"))
    XCTAssertThrowsError(try StatementGuard.check("SELECT 1; DELETE FROM t"))
    XCTAssertThrowsError(try StatementGuard.check("  update t set a = 1"))
  }

  func testValidationFailureRowsParse() {
    let r = ValidationFailures.parse([
      "TABLE_OWNER": "shop", "TABLE_NAME": "items", "FAILURE_TYPE": "MISSING_TARGET", "KEY": "{\"key\": [\"3451491\", 7]}",
      "KEY_TYPE": "Row", "DETAILS": "", "FAILURE_TIME": "2026-11-30 10:00:00",
    ])
    XCTAssertEqual(r.failureType, .missingTarget)
    XCTAssertEqual(r.key, ["3451491", "7"])
    XCTAssertEqual(r.qualifiedName, "shop.items")
    for t in ["RECORD_DIFF", "MISSING_SOURCE", "TABLE_WARNING"] {
      XCTAssertEqual(ValidationFailures.parse(["FAILURE_TYPE": t]).failureType.rawValue, t)
    }
    let odd = ValidationFailures.parse(["FAILURE_TYPE": "NEW_KIND", "KEY": "not json"])
    XCTAssertEqual(odd.failureType, .other)
    XCTAssertEqual(odd.rawFailureType, "NEW_KIND")
    XCTAssertEqual(odd.key, ["not json"])
  }

  func testGlob() {
    XCTAssertTrue(Reconciler.matches("shop.orders", glob: "shop.*"))
    XCTAssertTrue(Reconciler.matches("Shop.Orders", glob: "shop.ord?rs"))
    XCTAssertFalse(Reconciler.matches("shop.items", glob: "shop.ord*"))
  }

  func testPasswordNeverPrints() {
    let p = DatabasePassword("hunter2")
    var s = DatabaseSettings(dialect: .postgres, host: "h", port: 5432, database: "d", user: "u", password: p)
    s.statementTimeout = 1
    XCTAssertFalse("\(s)".contains("hunter2"))
    XCTAssertFalse(String(reflecting: s).contains("hunter2"))
    var dumped = ""
    dump(s, to: &dumped)
    XCTAssertFalse(dumped.contains("hunter2"), dumped)
  }

  func testPoolRefusesNonSelectBeforeConnecting() async throws {
    var s = DatabaseSettings(dialect: .postgres, host: "127.0.0.1", port: 1, database: "d", user: "u", password: nil)
    s.connectTimeout = 1
    let pool = try DatabasePool(settings: s)
    do {
      _ = try await pool.query("DELETE FROM x")
      XCTFail("a DELETE was accepted")
    } catch let e as DatabaseError {
      XCTAssertEqual(e.kind, .refused)
    }
    let opened = await pool.opened
    XCTAssertEqual(opened, 0, "connections are opened lazily")
  }
}
