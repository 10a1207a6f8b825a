import CZlib
import Foundation

/// Errors of the compression layer: zlib's own codes, with a sentence.
public struct GzipError: Error, CustomStringConvertible, Sendable {
  public var message: String
  public var description: String { message }
}

/// A streaming gzip compressor (zlib's deflate with the gzip wrapper). Each `flush` ends a
/// deflate block on a byte boundary (Z_SYNC_FLUSH), so a file cut off after a flush still
/// decompresses up to it: a crash loses at most the last unflushed lines.
final class GzipDeflater {
  private var stream = z_stream()
  private var open = false

  init(level: Int32 = 6) throws {
    let rc = dmsw_deflate_init_gzip(&stream, level)
    guard rc == Z_OK else { throw GzipError(message: "zlib deflateInit2 failed (\(rc))") }
    open = true
  }

  deinit { if open { deflateEnd(&stream) } }

  /// Compresses `input`; `mode` is Z_NO_FLUSH, Z_SYNC_FLUSH or Z_FINISH.
  func compress(_ input: Data, mode: Int32) throws -> Data {
    var out = Data()
    var src = [UInt8](input)
    let chunk = 64 * 1024
    var buffer = [UInt8](repeating: 0, count: chunk)
    let count = src.count
    try src.withUnsafeMutableBufferPointer { inBuf in
      stream.next_in = inBuf.baseAddress
      stream.avail_in = uInt(count)
      repeat {
        let produced: Int = try buffer.withUnsafeMutableBufferPointer { outBuf in
          stream.next_out = outBuf.baseAddress
          stream.avail_out = uInt(chunk)
          let rc = deflate(&stream, mode)
          guard rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR else {
            throw GzipError(message: "zlib deflate failed (\(rc))")
          }
          return chunk - Int(stream.avail_out)
        }
        out.append(contentsOf: buffer[0..<produced])
      } while stream.avail_out == 0
      stream.next_in = nil
    }
    if mode == Z_FINISH {
      deflateEnd(&stream)
      open = false
    }
    return out
  }
}

/// A streaming gzip decompressor; concatenated gzip members (a file appended to after a
/// restart) are read in turn.
final class GzipInflater {
  private var stream = z_stream()
  private var open = false
  /// True once the last member ended cleanly (Z_STREAM_END with no bytes after it).
  private(set) var atMemberEnd = false

  init() throws {
    let rc = dmsw_inflate_init_auto(&stream)
    guard rc == Z_OK else { throw GzipError(message: "zlib inflateInit2 failed (\(rc))") }
    open = true
  }

  deinit { if open { inflateEnd(&stream) } }

  func decompress(_ input: Data) throws -> Data {
    var out = Data()
    var src = [UInt8](input)
    let chunk = 256 * 1024
    var buffer = [UInt8](repeating: 0, count: chunk)
    let total = src.count
    try src.withUnsafeMutableBufferPointer { inBuf in
      guard let base = inBuf.baseAddress else { return }
      stream.next_in = base
      stream.avail_in = uInt(total)
      while stream.avail_in > 0 {
        atMemberEnd = false
        let (produced, rc): (Int, Int32) = buffer.withUnsafeMutableBufferPointer { outBuf in
          stream.next_out = outBuf.baseAddress
          stream.avail_out = uInt(chunk)
          let rc = inflate(&stream, Z_NO_FLUSH)
          return (chunk - Int(stream.avail_out), rc)
        }
        out.append(contentsOf: buffer[0..<produced])
        switch rc {
        case Z_OK:
          continue
        case Z_BUF_ERROR:
          // No progress possible: the input ended inside a block.
          if produced == 0 { return }
        case Z_STREAM_END:
          atMemberEnd = true
          // Another member may follow.
          let left = stream.avail_in
          if left == 0 { return }
          let next = stream.next_in
          inflateReset(&stream)
          stream.next_in = next
          stream.avail_in = left
        default:
          let msg = stream.msg.map { String(cString: $0) } ?? "code \(rc)"
          throw GzipError(message: "not a valid gzip stream (\(msg))")
        }
      }
    }
    return out
  }
}
