import DMSWatchApp
import Foundation

/// The config file parser: any text either parses or throws a message; it never crashes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  do {
    _ = try AppConfig.parse(text, path: "fuzz.yaml")
  } catch {
    _ = String(describing: error)
  }
  return 0
}
