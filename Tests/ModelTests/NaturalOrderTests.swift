import DMSWatchModel
import Foundation
import XCTest

/// The pure-Swift replacements for ICU-backed Foundation calls on the dashboard's paths.
final class NaturalOrderTests: XCTestCase {
  func testNumbersByValueLettersWithoutCase() {
    let names = ["task-10", "task-2", "Task-1", "orders-cdc-prod", "orders-cdc-prod-2", "orders-cdc-prod-10", "a01", "a1", "b"]
    let sorted = names.sorted(by: NaturalOrder.less)
    XCTAssertEqual(sorted, ["a01", "a1", "b", "orders-cdc-prod", "orders-cdc-prod-2", "orders-cdc-prod-10", "Task-1", "task-2", "task-10"])
    XCTAssertEqual(NaturalOrder.compare("x", "x"), 0)
    XCTAssertEqual(NaturalOrder.compare("X", "x") + NaturalOrder.compare("x", "X"), 0, "antisymmetric, total")
    XCTAssertTrue(NaturalOrder.less("item99", "item100"))
    XCTAssertTrue(NaturalOrder.less("v2.9", "v2.10"))
  }

  /// Same order as `localizedStandardCompare` on the names dmswatch sorts (ASCII identifiers).
  func testAgreesWithLocalizedStandardCompareOnIdentifiers() {
    var rng = SystemRandomNumberGenerator()
    let parts = ["orders", "Billing", "cdc", "fl", "prod", "staging", "eu-prod", "2", "10", "007", "x"]
    for _ in 0..<2000 {
      let a = (0..<3).map { _ in parts.randomElement(using: &rng) ?? "" }.joined(separator: "-")
      let b = (0..<3).map { _ in parts.randomElement(using: &rng) ?? "" }.joined(separator: "-")
      let want = a.localizedStandardCompare(b)
      // ICU ignores some differences (case, leading zeros) that we break by bytes; only strict orders must agree.
      if want == .orderedAscending && a.lowercased() != b.lowercased() { XCTAssertTrue(NaturalOrder.less(a, b), "\(a) < \(b)") }
      if want == .orderedDescending && a.lowercased() != b.lowercased() { XCTAssertTrue(NaturalOrder.less(b, a), "\(b) < \(a)") }
    }
  }

  func testFixedAndISOWithoutFormatters() {
    XCTAssertEqual(Format.fixed(0.04, digits: 1), "0.0")
    XCTAssertEqual(Format.fixed(9.94, digits: 1), "9.9")
    XCTAssertEqual(Format.fixed(1.25, digits: 2), "1.25")
    XCTAssertEqual(Format.fixed(0.125, digits: 2), "0.12", "exact halves to even, as printf")
    XCTAssertEqual(Format.fixed(-2.5, digits: 0), "-2")
    XCTAssertEqual(Format.fixed(-0.01, digits: 1), "0.0")
    XCTAssertEqual(Format.duration(3.25), "3.2s")
    XCTAssertEqual(Format.count(1234), "1.2k")
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime]
    for t in [0.0, 951_782_400, 1_790_000_000.7, 4_102_444_799, -86_401, 1_709_164_800] {
      let d = Date(timeIntervalSince1970: t)
      XCTAssertEqual(Format.iso(d), f.string(from: d), "\(t)")
    }
    var rng = SystemRandomNumberGenerator()
    for _ in 0..<500 {
      let d = Date(timeIntervalSince1970: Double(Int64.random(in: -2_000_000_000...5_000_000_000, using: &rng)))
      XCTAssertEqual(Format.iso(d), f.string(from: d))
    }
  }
}
