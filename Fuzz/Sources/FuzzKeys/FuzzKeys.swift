import DMSWatchModel
import TerminalBackend

/// The key / escape-sequence decoder on arbitrary bytes from the terminal, whole and split in two
/// (a read can end in the middle of a sequence). It must never crash and never invent more keys than bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKeys(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  let keys = KeyDecoder.decode(bytes: bytes)
  if keys.count > bytes.count { fatalError("\(keys.count) keys from \(bytes.count) bytes") }
  if bytes.count > 1 {
    let cut = Int(bytes[0]) % bytes.count
    _ = KeyDecoder.decode(bytes: Array(bytes[..<cut]))
    _ = KeyDecoder.decode(bytes: Array(bytes[cut...]))
  }
  for b in bytes.prefix(64) {
    _ = KeyDecoder.decode(code: UInt32(b) << 8 | UInt32(b), isFunctionKey: b & 1 == 1)
  }
  return 0
}
