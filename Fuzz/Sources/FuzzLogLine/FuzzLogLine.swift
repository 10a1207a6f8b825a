import DMSWatchModel
import Foundation

/// The DMS log-line parser on arbitrary text: never crashes, and the text it returns is part of the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLogLine(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let line = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  let (component, _, text) = DMSLogParser.split(line)
  if component.utf8.count > line.utf8.count || text.utf8.count > line.utf8.count { fatalError("parser output longer than its input") }
  _ = DMSLogParser.parse(LogEvent(timestamp: Date(timeIntervalSince1970: 0), message: line), task: "t")
  return 0
}
