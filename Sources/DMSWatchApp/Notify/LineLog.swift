import DMSWatchModel
import Foundation
import DMSWatchReports

/// An append-only text log (`$XDG_STATE_HOME/dmswatch/dmswatch.log`): one line per message,
/// `2026-11-23T10:50:00Z check: text`, every line redacted, flushed as written. A log that cannot be
/// opened is silently skipped (`isOpen` says so).
public final class LineLog: @unchecked Sendable {
  private let lock = NSLock()
  private let handle: FileHandle?
  public let path: String
  private let clock: any Clock
  private let component: String

  public init(path: String, component: String, clock: any Clock = SystemClock()) {
    self.path = path
    self.component = component
    self.clock = clock
    let fm = FileManager.default
    let dir = (path as NSString).deletingLastPathComponent
    try? fm.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    if !fm.fileExists(atPath: path) {
      _ = fm.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
    }
    let h = FileHandle(forWritingAtPath: path)
    _ = try? h?.seekToEnd()
    handle = h
  }

  public var isOpen: Bool { handle != nil }

  public func write(_ message: String) {
    let line = "\(Format.iso(clock.now())) \(component): \(Redact.text(message).replacingOccurrences(of: "\n", with: " "))\n"
    lock.withLock {
      guard let handle else { return }
      try? handle.write(contentsOf: Data(line.utf8))
    }
  }

  public func close() {
    lock.withLock { try? handle?.close() }
  }
}
