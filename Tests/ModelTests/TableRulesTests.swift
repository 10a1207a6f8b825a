import XCTest

@testable import DMSWatchModel
@testable import DMSWatchRules

final class TableRulesTests: XCTestCase {
  func testMatchingCountsGiveNoFlags() {
    XCTAssertEqual(TableRules.flags(for: makeTable()), [])
  }

  func testMissingAndDuplicatePerOperationWithDifference() {
    struct Case {
      var applied: (Int64?, Int64?, Int64?)
      var kinds: [TableFlag.Kind]
      var expected: [Int64?]
      var actual: [Int64?]
      var detail: String?
    }
    let cases: [Case] = [
      Case(applied: (8, 5, 1), kinds: [.missing(.inserts)], expected: [10], actual: [8], detail: "inserts: 10 captured, 8 applied (2 missing)"),
      Case(applied: (10, 7, 1), kinds: [.duplicate(.updates)], expected: [5], actual: [7], detail: "updates: 5 captured, 7 applied (2 extra)"),
      Case(applied: (10, 5, 0), kinds: [.missing(.deletes)], expected: [1], actual: [0], detail: "deletes: 1 captured, 0 applied (1 missing)"),
      Case(applied: (9, 6, 1), kinds: [.missing(.inserts), .duplicate(.updates)], expected: [10, 5], actual: [9, 6], detail: nil),
    ]
    for c in cases {
      let flags = TableRules.flags(for: makeTable(applied: c.applied))
      XCTAssertEqual(flags.map(\.kind), c.kinds, "\(c.applied)")
      XCTAssertEqual(flags.map(\.expected), c.expected)
      XCTAssertEqual(flags.map(\.actual), c.actual)
      XCTAssertTrue(flags.allSatisfy { $0.severity == .critical })
      if let d = c.detail { XCTAssertEqual(flags.first?.detail, d) }
    }
  }

  func testAbsentAppliedCountsAreUnknownNeverMissing() {
    let flags = TableRules.flags(for: makeTable(applied: (nil, nil, nil)))
    XCTAssertEqual(flags.map(\.kind), [.appliedUnknown])
    XCTAssertEqual(flags.first?.severity, .unknown)
    XCTAssertEqual(flags.first?.detail.contains("inserts/updates/deletes"), true)
    // Zero captured and absent applied: nothing to say.
    XCTAssertEqual(TableRules.flags(for: makeTable(inserts: 0, updates: 0, deletes: 0, applied: (nil, nil, nil))), [])
    // Partly absent: the known op is still compared.
    let mixed = TableRules.flags(for: makeTable(applied: (3, nil, 1)))
    XCTAssertEqual(mixed.map(\.kind), [.missing(.inserts), .appliedUnknown])
  }

  func testEveryValidationState() {
    typealias K = TableFlag.Kind
    let cases: [(String, Int64, Int64, Int64, [K], [Severity])] = [
      (ValidationState.validated, 0, 0, 0, [], []),
      (ValidationState.notEnabled, 0, 0, 0, [], []),
      (ValidationState.pendingRecords, 0, 7, 0, [.validationPending], [.warn]),
      (ValidationState.mismatchedRecords, 3, 0, 0, [.validationFailed], [.critical]),
      (ValidationState.suspendedRecords, 0, 0, 4, [.validationSuspended], [.warn]),
      (ValidationState.noPrimaryKey, 0, 0, 0, [.notValidated("No primary key")], [.warn]),
      (ValidationState.tableError, 0, 0, 0, [.notValidated("Table error")], [.critical]),
      (ValidationState.error, 0, 0, 0, [.notValidated("Error")], [.critical]),
      (ValidationState.pendingValidation, 0, 0, 0, [.validationPending], [.warn]),
      (ValidationState.preparingTable, 0, 0, 0, [.validationPending], [.warn]),
      (ValidationState.pendingRevalidation, 0, 2, 0, [.validationPending], [.warn]),
      // Counts reported with a pending state: each one shows.
      (ValidationState.pendingRecords, 2, 5, 1, [.validationFailed, .validationSuspended, .validationPending], [.critical, .warn, .warn]),
    ]
    for (state, failed, pending, suspended, kinds, sevs) in cases {
      let flags = TableRules.flags(for: makeTable(validation: state, failed: failed, pending: pending, suspended: suspended))
      XCTAssertEqual(flags.map(\.kind), kinds, state)
      XCTAssertEqual(flags.map(\.severity), sevs, state)
    }
    let mismatched = TableRules.flags(for: makeTable(validation: ValidationState.mismatchedRecords, failed: 3))
    XCTAssertEqual(mismatched.first?.actual, 3)
    XCTAssertEqual(mismatched.first?.detail, "validation mismatched records: 3 failed records")
  }

  func testTableErrorAndFullLoadRows() {
    var t = makeTable(state: TableState.error)
    t.fullLoadErrorRows = 12
    t.fullLoadCondtnlChkFailedRows = 2
    let flags = TableRules.flags(for: t)
    XCTAssertEqual(flags.map(\.kind), [.tableError, .fullLoadErrorRows, .conditionalCheckFailedRows])
    XCTAssertEqual(flags.map(\.severity), [.critical, .critical, .warn])
    XCTAssertEqual(flags[1].actual, 12)
  }

  func testSortedWorstFirstAndWorst() {
    let a = makeTable("a", validation: ValidationState.pendingRecords)
    let b = makeTable("b", applied: (1, 5, 1))
    let flags = TableRules.flags(for: [a, b])
    XCTAssertEqual(flags.map(\.table.table), ["b", "a"])
    XCTAssertEqual(TableRules.worst(flags), .critical)
    XCTAssertEqual(TableRules.worst([]), .ok)
  }

  func testTaskTablesCountsProblemsNotUnknowns() {
    let tt = tables([makeTable("a", applied: (nil, nil, nil)), makeTable("b", applied: (1, 5, 1))])
    XCTAssertEqual(tt.problemCount, 1)
    XCTAssertEqual(tt.worstByTable[TableRef(schema: "public", table: "a")], .unknown)
    XCTAssertEqual(tt.worstByTable[TableRef(schema: "public", table: "b")], .critical)
  }
}
