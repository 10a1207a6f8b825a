import DMSWatchModel
import XCTest

@testable import DMSWatchRecorder
import DMSWatchState

final class RecordingFormatTests: XCTestCase {
  func testKeyCodesRoundTrip() {
    for k: Key in [.char("j"), .char("/"), .ctrl("r"), .up, .enter, .escape, .backTab, .function(5), .char(" ")] {
      XCTAssertEqual(KeyCode.decode(KeyCode.encode(k)), k, "\(k)")
    }
  }
}
