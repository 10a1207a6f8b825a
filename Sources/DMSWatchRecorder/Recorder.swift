import CZlib
import DMSWatchModel
import Foundation
import DMSWatchState
import DMSWatchReports

/// Writes a recording. Callers (the service wrappers, the controller's hooks) hand over values and
/// return at once: encoding, de-duplication, compression and writing happen on a background queue
/// behind a bounded buffer, so the dashboard never waits for the disk. When the buffer is full the
/// newest records are dropped and a `note` line says so; when the file cannot be written (full disk,
/// unwritable path) `onFailure` is called once and recording stops — nothing else is affected.
public final class Recorder: @unchecked Sendable {
  public struct Options: Sendable {
    /// Rotate when the current file's compressed size passes this (nil: never).
    public var maxBytes: Int64?
    /// Rotated files kept (`FILE.1` … `FILE.N`).
    public var keep: Int = 2
    /// Records waiting to be written before new ones are dropped.
    public var bufferLimit: Int = 2_000
    /// Seconds between sync flushes (a crash loses at most this much).
    public var flushInterval: TimeInterval = 2
    public var mode = "live"
    /// The session's polling intervals and budget, for the replay to poll alike.
    public var poll: RecordedPoll?
    public init(maxBytes: Int64? = nil, keep: Int = 2, mode: String = "live", poll: RecordedPoll? = nil) {
      self.maxBytes = maxBytes
      self.keep = keep
      self.mode = mode
      self.poll = poll
    }
  }

  public let path: String
  private let options: Options
  private let clock: any DMSWatchModel.Clock
  private let queue = DispatchQueue(label: "dmswatch.recorder", qos: .utility)
  private let lock = NSLock()
  // Guarded by `lock`.
  private var pending = 0
  private var dropped = 0
  private var stopped = false
  private var failure: String?
  private var onFailure: (@Sendable (String) -> Void)?
  // Queue-only state.
  private var handle: FileHandle?
  private var deflater: GzipDeflater?
  private var written: Int64 = 0
  private var lastFlush = Date.distantPast
  private var lastHash: [String: UInt64] = [:]
  /// The items of the last task list page per request, for `dp` lines.
  private var lastItems: [String: [ArraySlice<UInt8>]] = [:]
  private var scopes: [RecordLine] = []
  private let encoder = RecordCoding.encoder()
  private var totalBytes: Int64 = 0
  private var rawBytes: Int64 = 0

  /// Opens nothing yet: the file is created on the background queue (its failure is reported
  /// through `onFailure`, like any later one).
  public init(path: String, clock: any DMSWatchModel.Clock, options: Options = Options(), onFailure: (@Sendable (String) -> Void)? = nil) {
    self.path = path
    self.clock = clock
    self.options = options
    self.onFailure = onFailure
    let started = clock.now()
    queue.async { self.openFile(started: started) }
  }

  /// Where failures go (set once the screen exists; a failure before that is reported on setting).
  public func setFailureHandler(_ f: @escaping @Sendable (String) -> Void) {
    let already: String? = lock.withLock {
      onFailure = f
      return failure
    }
    if let already { f(already) }
  }

  /// The failure that stopped recording, if any.
  public var failed: String? { lock.withLock { failure } }
  /// Records dropped because the buffer was full.
  public var droppedCount: Int { lock.withLock { dropped } }
  /// Compressed bytes written so far, all files together (after `sync()`).
  public var bytesWritten: Int64 { queue.sync { totalBytes } }
  /// The same before compression (the lines' bytes).
  public var uncompressedBytes: Int64 { queue.sync { rawBytes } }

  // MARK: what is recorded

  public func scope(_ info: ScopeInfo, label: String, backends: [String]) {
    var l = RecordLine(k: .scope, t: clock.now())
    l.s = info.id.rawValue
    l.scope = info
    l.label = label
    l.backends = backends
    let line = l
    enqueue { r in
      r.scopes.append(line)
      try r.write(line, body: nil)
    }
  }

  /// A response: encoded, compared with the last one of the same scope, operation and request, and
  /// written in full or as `same`.
  public func response<T: Encodable & Sendable>(scope: ScopeID, op: String, request: String, started: Date, value: T) {
    let d = clock.now().timeIntervalSince(started)
    enqueue { r in
      let body = try r.encoder.encode(value)
      let key = "\(scope.rawValue)\u{1f}\(op)\u{1f}\(request)"
      let h = RecordCoding.hash(body)
      var l = RecordLine(k: .response, t: started)
      l.s = scope.rawValue
      l.op = op
      l.q = request
      l.d = (d * 1000).rounded() / 1000
      if r.lastHash[key] == h {
        l.k = .same
        try r.write(l, body: nil)
        return
      }
      r.lastHash[key] = h
      if PageDelta.applies(to: op), let page = PageDelta.page(body) {
        defer { r.lastItems[key] = page.items }
        if let prev = r.lastItems[key], let delta = PageDelta.encode(page, previous: prev, fullSize: body.count) {
          l.k = .deltaPage
          try r.write(l, body: delta)
          return
        }
      }
      try r.write(l, body: body)
    }
  }

  public func failure(scope: ScopeID, op: String, request: String, started: Date, error: Error) {
    var l = RecordLine(k: .error, t: started)
    l.s = scope.rawValue
    l.op = op
    l.q = request
    l.d = (clock.now().timeIntervalSince(started) * 1000).rounded() / 1000
    l.error = RecordedError(error)
    let key = "\(scope.rawValue)\u{1f}\(op)\u{1f}\(request)"
    let line = l
    enqueue { r in
      r.lastHash[key] = nil
      r.lastItems[key] = nil
      try r.write(line, body: nil)
    }
  }

  /// A key press that changed the view.
  public func key(_ k: Key, at: Date? = nil) {
    var l = RecordLine(k: .ui, t: at ?? clock.now())
    l.key = KeyCode.encode(k)
    let line = l
    enqueue { try $0.write(line, body: nil) }
  }

  /// An action's request, confirmation or outcome, as the audit log has it.
  public func action(_ kind: String, _ text: String, at: Date? = nil) {
    var l = RecordLine(k: .action, t: at ?? clock.now())
    l.kind = kind
    l.text = Redact.text(text)
    let line = l
    enqueue { try $0.write(line, body: nil) }
  }

  /// Writes what is buffered, ends the gzip stream and closes the file. Waits at most `timeout`.
  public func close(timeout: TimeInterval = 3) {
    let end = RecordLine(k: .end, t: clock.now())
    let sem = DispatchSemaphore(value: 0)
    queue.async {
      if self.isStopped == false, self.handle != nil {
        try? self.write(end, body: nil)
        self.finishFile()
      }
      self.lock.withLock { self.stopped = true }
      sem.signal()
    }
    _ = sem.wait(timeout: .now() + timeout)
  }

  /// Waits until everything handed over so far is compressed and flushed to the file.
  public func sync() {
    queue.sync {
      guard !self.isStopped else { return }
      do { try self.flush() } catch { self.fail(error) }
    }
  }

  // MARK: the queue

  private var isStopped: Bool { lock.withLock { stopped } }

  private func enqueue(_ body: @escaping @Sendable (Recorder) throws -> Void) {
    let accept: Bool = lock.withLock {
      if stopped { return false }
      if pending >= options.bufferLimit {
        dropped += 1
        return false
      }
      pending += 1
      return true
    }
    guard accept else { return }
    queue.async {
      defer { self.lock.withLock { self.pending -= 1 } }
      guard !self.isStopped, self.handle != nil else { return }
      do {
        try self.noteDrops()
        try body(self)
        if Date().timeIntervalSince(self.lastFlush) >= self.options.flushInterval {
          try self.flush()
        }
        try self.rotateIfNeeded()
      } catch {
        self.fail(error)
      }
    }
  }

  private var reportedDrops = 0
  private func noteDrops() throws {
    let n = lock.withLock { dropped }
    guard n > reportedDrops else { return }
    var l = RecordLine(k: .note, t: clock.now())
    l.text = "\(n - reportedDrops) records dropped: the recorder fell behind (a gap, not missing data at the service)"
    reportedDrops = n
    try write(l, body: nil)
  }

  private func openFile(started: Date) {
    do {
      let dir = (path as NSString).deletingLastPathComponent
      if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
      // open(2), not FileManager.createFile (which replaces the path with a new file): the path may
      // be a device or a pipe, and the file is the user's alone (0600).
      let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
      guard fd >= 0 else {
        throw GzipError(message: "cannot create \(path): \(String(cString: strerror(errno)))")
      }
      handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
      deflater = try GzipDeflater()
      written = 0
      lastHash = [:]
      lastItems = [:]
      var header = RecordingHeader(app: "dmswatch \(DMSWatchVersion.string)", started: started, mode: options.mode)
      header.poll = options.poll
      try emit(try encoder.encode(header) + Data("\n".utf8))
      for s in scopes { try write(s, body: nil) }
      try flush()
    } catch {
      fail(error)
    }
  }

  private func write(_ l: RecordLine, body: Data?) throws {
    var data = try encoder.encode(l)
    data.append(0x0A)
    if let body {
      data.append(body)
      data.append(0x0A)
    }
    try emit(data)
  }

  private func emit(_ data: Data) throws {
    guard let deflater else { return }
    rawBytes += Int64(data.count)
    try put(try deflater.compress(data, mode: Z_NO_FLUSH))
  }

  private func put(_ out: Data) throws {
    guard !out.isEmpty, let handle else { return }
    try handle.write(contentsOf: out)
    written += Int64(out.count)
    totalBytes += Int64(out.count)
  }

  private func flush() throws {
    guard let deflater else { return }
    try put(try deflater.compress(Data(), mode: Z_SYNC_FLUSH))
    lastFlush = Date()
  }

  private func finishFile() {
    if let deflater { try? put(try deflater.compress(Data(), mode: Z_FINISH)) }
    deflater = nil
    try? handle?.synchronize()
    try? handle?.close()
    handle = nil
  }

  private func rotateIfNeeded() throws {
    guard let max = options.maxBytes, written >= max else { return }
    let end = RecordLine(k: .end, t: clock.now())
    try write(end, body: nil)
    finishFile()
    let fm = FileManager.default
    let keep = Swift.max(1, options.keep)
    try? fm.removeItem(atPath: "\(path).\(keep)")
    if keep > 1 {
      for i in stride(from: keep - 1, through: 1, by: -1) where fm.fileExists(atPath: "\(path).\(i)") {
        try? fm.moveItem(atPath: "\(path).\(i)", toPath: "\(path).\(i + 1)")
      }
    }
    try fm.moveItem(atPath: path, toPath: "\(path).1")
    openFile(started: clock.now())
  }

  private func fail(_ error: Error) {
    let why = (error as? GzipError)?.message ?? String(describing: error)
    let text = "recording stopped: \(why) (\(path))"
    try? handle?.close()
    handle = nil
    deflater = nil
    let f: (@Sendable (String) -> Void)? = lock.withLock {
      guard !stopped else { return nil }
      stopped = true
      failure = text
      return onFailure
    }
    f?(text)
  }
}
