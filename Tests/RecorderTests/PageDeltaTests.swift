import Foundation
import XCTest

@testable import DMSWatchRecorder

final class PageDeltaTests: XCTestCase {
  func roundTrip(_ a: String, _ b: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
    let pa = try XCTUnwrap(PageDelta.page(Data(a.utf8)), file: file, line: line)
    let pb = try XCTUnwrap(PageDelta.page(Data(b.utf8)), file: file, line: line)
    let delta = PageDelta.encode(pb, previous: pa.items, fullSize: 1 << 20)
    let d = try XCTUnwrap(delta, file: file, line: line)
    let (body, _) = try PageDelta.decode(d, previous: pa.items)
    let x = try JSONSerialization.jsonObject(with: body) as? NSDictionary
    let y = try JSONSerialization.jsonObject(with: Data(b.utf8)) as? NSDictionary
    XCTAssertEqual(x, y, String(decoding: body, as: UTF8.self), file: file, line: line)
    return String(decoding: d, as: UTF8.self)
  }

  func testPatchesRebuildThePage() throws {
    let a = #"{"items":[{"arn":"a","stats":{"e":1,"p":5},"status":"running"},{"arn":"b","msg":"x\"y,}"}],"marker":"m1"}"#
    let b = #"{"items":[{"arn":"a","stats":{"e":2,"p":5},"status":"running"},{"arn":"b"},{"arn":"c","n":-1.5e-07}],"marker":"m1"}"#
    let d = try roundTrip(a, b)
    XCTAssertTrue(d.contains(#"{"=":0,"~":{"stats":{"e":2}}}"#), d)
    XCTAssertTrue(d.contains(#""msg":null"#), d)
    XCTAssertTrue(d.contains(#"{"+":{"arn":"c""#), d)
    _ = try roundTrip(#"{"items":[]}"#, #"{"items":[{"a":[1,{"b":"]"}]}]}"#)
    // A chain: the rebuilt items are the base of the next delta.
    let pa = try XCTUnwrap(PageDelta.page(Data(a.utf8)))
    let pb = try XCTUnwrap(PageDelta.page(Data(b.utf8)))
    let (_, items1) = try PageDelta.decode(try XCTUnwrap(PageDelta.encode(pb, previous: pa.items, fullSize: 1 << 20)), previous: pa.items)
    let c = #"{"items":[{"arn":"a","stats":{"e":3,"p":6},"status":"running"},{"arn":"b"},{"arn":"c","n":2}],"marker":"m2"}"#
    let pc = try XCTUnwrap(PageDelta.page(Data(c.utf8)))
    let (body2, _) = try PageDelta.decode(try XCTUnwrap(PageDelta.encode(pc, previous: pb.items, fullSize: 1 << 20)), previous: items1)
    XCTAssertEqual(
      try JSONSerialization.jsonObject(with: body2) as? NSDictionary, try JSONSerialization.jsonObject(with: Data(c.utf8)) as? NSDictionary)
  }
}
