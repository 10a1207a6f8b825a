import DMSWatchModel
import Foundation

/// Append-only JSON-lines audit trail of every action requested, refused, cancelled or finished.
/// Each record is written and flushed immediately, so a SIGHUP or crash loses nothing already acted on.
public final class AuditLog: @unchecked Sendable {
  public struct Record: Codable, Equatable, Sendable {
    public var time: String
    public var user: String
    public var source: String
    public var event: String
    public var detail: String
  }

  private let lock = NSLock()
  private let handle: FileHandle?
  public let path: String
  private let user: String
  private let source: String

  /// Opens (creating directories, mode 0600) the audit file. A file that cannot be opened is reported by `openError`.
  public init(path: String, source: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
    self.path = path
    self.source = source
    self.user = environment["USER"] ?? environment["LOGNAME"] ?? AuditLog.loginName() ?? "uid \(getuid())"
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

  static func loginName() -> String? {
    guard let pw = getpwuid(getuid()), let name = pw.pointee.pw_name else { return nil }
    return String(cString: name)
  }

  public func record(_ event: String, _ detail: String, at date: Date) {
    let r = Record(time: Format.iso(date), user: user, source: source, event: event, detail: Redact.text(detail))
    let enc = JSONEncoder()
    enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    guard var data = try? enc.encode(r) else { return }
    data.append(0x0A)
    lock.withLock {
      guard let handle else { return }
      try? handle.write(contentsOf: data)
      try? handle.synchronize()
    }
  }

  public func close() {
    lock.withLock { try? handle?.close() }
  }
}
