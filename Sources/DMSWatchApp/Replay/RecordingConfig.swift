import Foundation
import Yams

/// Config `recording:` — always-on flight recording of dashboard sessions into the state directory,
/// with a size cap and rotation.
public struct RecordingConfig: Sendable, Equatable {
  /// Record every dashboard session (`always: true`).
  public var always = false
  /// Where (default: `$XDG_STATE_HOME/dmswatch/recordings`).
  public var directory: String?
  /// Rotate a file when it passes this many MB (compressed).
  public var maxMB: Double = 100
  /// Rotated files kept per session file, and session files kept in the directory.
  public var keep = 5
  public init() {}

  static func parse(_ v: Node, _ p: NodeReader) throws -> RecordingConfig {
    var c = RecordingConfig()
    for (k, val) in try p.mapping(v, "recording") {
      switch k.string ?? "" {
      case "always": c.always = try p.bool(val, "recording.always")
      case "directory":
        let d = try p.string(val, "recording.directory")
        guard d.hasPrefix("/") else {
          throw ConfigError(path: p.path, line: p.line(val), message: "recording.directory must be an absolute path (got \"\(d)\")")
        }
        c.directory = d
      case "max_mb": c.maxMB = try p.number(val, "recording.max_mb", min: 1, max: 100_000)
      case "keep": c.keep = Int(try p.number(val, "recording.keep", min: 1, max: 100))
      default: throw p.unknown(k, in: "recording", known: ["always", "directory", "max_mb", "keep"])
      }
    }
    return c
  }

  /// The file of a session started at `at` in `dir`; older session files beyond `keep` are removed.
  public func sessionFile(stateDir: String, at: Date) -> String {
    let dir = directory ?? "\(stateDir)/recordings"
    let stamp = ISO8601DateFormatter().string(from: at).replacingOccurrences(of: ":", with: "")
    let fm = FileManager.default
    if let names = try? fm.contentsOfDirectory(atPath: dir) {
      let sessions = names.filter { $0.hasPrefix("session-") && $0.hasSuffix(".dmsrec") }.sorted()
      for old in sessions.dropLast(max(0, keep - 1)) {
        try? fm.removeItem(atPath: "\(dir)/\(old)")
        for i in 1...max(1, keep) { try? fm.removeItem(atPath: "\(dir)/\(old).\(i)") }
      }
    }
    return "\(dir)/session-\(stamp).dmsrec"
  }
}
