import DMSWatchModel
import Foundation

/// The DMS log-line parser and the serverless orchestrator's dict-literal parser on arbitrary text:
/// never crash, and the text they return is no longer than the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLogLine(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let line = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  let (component, _, text) = DMSLogParser.split(line)
  if component.utf8.count > line.utf8.count || text.utf8.count > line.utf8.count { fatalError("parser output longer than its input") }
  _ = DMSLogParser.parse(LogEvent(timestamp: Date(timeIntervalSince1970: 0), message: line), task: "t")
  if let p = OrchestratorLogParser.parseLine(line) {
    for (k, v) in p.fields where k.utf8.count + v.utf8.count > line.utf8.count { fatalError("orchestrator field longer than its input") }
  }
  _ = OrchestratorLogParser.entry(LogEvent(timestamp: Date(timeIntervalSince1970: 0), message: line), task: "t")
  return 0
}
