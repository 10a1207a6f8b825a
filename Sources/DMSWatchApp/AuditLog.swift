import DMSWatchModel
import Foundation
import DMSWatchReports

#if canImport(Glibc)
  import Glibc
#endif

/// Append-only JSON-lines audit trail of every action requested, refused, cancelled or finished.
///
/// Never loses a record silently: each record is one `write(2)` of the whole line on an `O_APPEND`
/// descriptor, then `fsync`. A short write (full disk) is cut back so no half line is left, and the
/// failure is kept in `health`, which the dashboard shows as a header badge; while it is failing,
/// `record` returns false and the controller refuses actions. A torn last line left by a crash is
/// ended on the next start (so the next record is whole) and reported by `tornLineFound`; `read`
/// skips it. `--no-audit` opens nothing and says so (`health == .disabled`).
public final class AuditLog: @unchecked Sendable {
  public struct Record: Codable, Equatable, Sendable {
    public var time: String
    public var user: String
    public var source: String
    public var event: String
    public var detail: String
  }

  public enum Health: Equatable, Sendable {
    case ok
    /// `--no-audit`: the user accepted running without an audit trail.
    case disabled
    /// The last write (or the open) failed; the reason names the path and the error.
    case failing(String)
  }

  private let lock = NSLock()
  private var fd: Int32 = -1
  private var _health: Health = .ok
  public let path: String
  private let user: String
  private let source: String
  private let disabled: Bool
  /// The file ended in the middle of a line when it was opened (a crash while writing).
  public private(set) var tornLineFound = false

  /// Opens (creating directories 0700 and the file 0600) the audit file, or nothing when `disabled`.
  public init(
    path: String, source: String, environment: [String: String] = ProcessInfo.processInfo.environment, disabled: Bool = false
  ) {
    self.path = path
    self.source = source
    self.disabled = disabled
    self.user = environment["USER"] ?? environment["LOGNAME"] ?? AuditLog.loginName() ?? "uid \(getuid())"
    if disabled {
      _health = .disabled
      return
    }
    lock.withLock { _ = openLocked() }
    if tornLineFound {
      record("audit", "the previous last record was torn (dmswatch stopped while writing it); it is ended here and skipped by readers", at: Date())
    }
  }

  deinit { if fd >= 0 { _ = Glibc.close(fd) } }

  public var isOpen: Bool { lock.withLock { fd >= 0 } }
  public var health: Health { lock.withLock { _health } }

  /// The header badge: nil when all is well.
  public var badge: String? {
    switch health {
    case .ok: nil
    case .disabled: "NO AUDIT"
    case .failing: "AUDIT LOG FAILING"
    }
  }

  /// Why actions are refused, or nil when they may go ahead (healthy or `--no-audit`).
  public var refusal: String? {
    if case .failing(let why) = health { return why }
    return nil
  }

  static func loginName() -> String? {
    guard let pw = getpwuid(getuid()), let name = pw.pointee.pw_name else { return nil }
    return String(cString: name)
  }

  /// Writes one record; false (and `health` failing) when it could not be written whole.
  /// Always true with `--no-audit`.
  @discardableResult
  public func record(_ event: String, _ detail: String, at date: Date) -> Bool {
    do {
      try append(event, detail, at: date)
      return true
    } catch {
      return false
    }
  }

  public struct WriteError: Error, CustomStringConvertible {
    public var description: String
  }

  /// Writes one record or throws why it could not.
  public func append(_ event: String, _ detail: String, at date: Date) throws {
    if disabled { return }
    let r = Record(time: Format.iso(date), user: user, source: source, event: event, detail: Redact.text(detail))
    let enc = JSONEncoder()
    enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    var data = try enc.encode(r)
    data.append(0x0A)
    try lock.withLock {
      // A failed open (read-only directory, full disk) is retried on every record: it recovers by itself.
      if fd < 0, let why = openLocked() { throw WriteError(description: why) }
      var st = stat()
      let before: off_t = fstat(fd, &st) == 0 ? st.st_size : -1
      let n = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
      if n == data.count {
        if fsync(fd) != 0, errno != EINVAL, errno != EROFS {
          throw failLocked("fsync: \(String(cString: strerror(errno)))")
        }
        _health = .ok
        return
      }
      let err = n < 0 ? errno : ENOSPC
      // A short write left part of a line: cut it back (when nobody else appended meanwhile), so the next
      // record starts on a line of its own.
      if n > 0, before >= 0, fstat(fd, &st) == 0, st.st_size == before + off_t(n) { _ = ftruncate(fd, before) }
      throw failLocked(String(cString: strerror(err)))
    }
  }

  private func failLocked(_ why: String) -> WriteError {
    let text = "cannot write the audit log: \(why) (\(path))"
    _health = .failing(text)
    return WriteError(description: text)
  }

  /// Opens the file; returns why it failed (and sets `health`), or nil.
  private func openLocked() -> String? {
    let dir = (path as NSString).deletingLastPathComponent
    if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]) }
    let f = Glibc.open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
    guard f >= 0 else {
      let text = "cannot open the audit log: \(String(cString: strerror(errno))) (\(path))"
      _health = .failing(text)
      return text
    }
    // A last line without its newline was torn by a crash: end it so the next record is whole.
    var st = stat()
    if fstat(f, &st) == 0, st.st_size > 0 {
      var last: UInt8 = 0
      if pread(f, &last, 1, st.st_size - 1) == 1, last != 0x0A {
        var nl: UInt8 = 0x0A
        if Glibc.write(f, &nl, 1) != 1 {
          _ = Glibc.close(f)
          let text = "cannot end the torn last line of the audit log: \(String(cString: strerror(errno))) (\(path))"
          _health = .failing(text)
          return text
        }
        tornLineFound = true
      }
    }
    fd = f
    _health = .ok
    return nil
  }

  public func close() {
    lock.withLock {
      if fd >= 0 { _ = Glibc.close(fd) }
      fd = -1
    }
  }

  /// The records of an audit file; lines that are not a whole record (torn by a crash) are skipped and counted.
  public static func read(path: String) -> (records: [Record], skipped: Int) {
    guard let data = FileManager.default.contents(atPath: path) else { return ([], 0) }
    var out: [Record] = []
    var skipped = 0
    let dec = JSONDecoder()
    for line in data.split(separator: 0x0A, omittingEmptySubsequences: true) {
      if let r = try? dec.decode(Record.self, from: Data(line)) { out.append(r) } else { skipped += 1 }
    }
    return (out, skipped)
  }
}
