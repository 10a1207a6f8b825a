import DMSWatchRender
import DMSWatchThemes
import Foundation

/// The theme file parser: any text either parses or throws a message; it never crashes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTheme(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  do {
    _ = try ThemeLoader.parse(text, name: "fuzz")
  } catch {
    _ = String(describing: error)
  }
  return 0
}
