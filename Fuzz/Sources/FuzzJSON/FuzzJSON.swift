import AWSClient
import DMSWatchModel
import Foundation

/// JSON responses: the tree decoder, then every DMS shape decoder on every object in the document,
/// and the XML parser (CloudWatch query protocol). Errors are fine; crashes and hangs are not.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Data(bytes: data, count: size)
  _ = XMLNode.parse(bytes)
  guard let root = try? JSONValue.parse(bytes) else { return 0 }
  var stack = [root]
  var visited = 0
  while let v = stack.popLast(), visited < 10_000 {
    visited += 1
    switch v {
    case .array(let items): stack.append(contentsOf: items)
    case .object(let fields):
      for (_, f) in fields { stack.append(f) }
      _ = try? DMSCodec.task(v)
      _ = DMSCodec.stats(v)
      _ = try? DMSCodec.tableStatistics(v)
      _ = try? DMSCodec.event(v)
      _ = try? DMSCodec.instance(v)
      _ = try? DMSCodec.endpoint(v)
      _ = DMSCodec.connection(v)
    default: break
    }
  }
  return 0
}
