import DMSWatchModel
import Foundation
import DMSWatchState

/// Why a recording cannot be read.
public struct RecordingError: Error, CustomStringConvertible, Sendable, Equatable {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

/// A recording read into memory and indexed for replay: responses by scope, operation and request
/// in time order (a `same` line shares the body of the one before it), view keys and actions.
public final class Recording: @unchecked Sendable {
  public struct ScopeEntry: Sendable {
    public var info: ScopeInfo
    public var label: String
    public var backends: [String]
  }

  /// A response or error of one call.
  public struct Call: Sendable {
    public var time: Date
    public var scope: ScopeID
    public var op: String
    public var request: String
    /// The body's JSON (nil for an error).
    public var body: Data?
    public var error: RecordedError?
    /// Position in `calls` (the decoding cache's key).
    public var index = 0
    /// How long the call took when it was recorded.
    public var duration: TimeInterval = 0
  }

  public struct KeyPress: Sendable, Equatable {
    public var time: Date
    public var key: Key
  }

  public struct Action: Sendable, Equatable {
    public var time: Date
    public var kind: String
    public var text: String
  }

  public let header: RecordingHeader
  public private(set) var scopes: [ScopeEntry] = []
  /// Every call in file order (time order within a scope).
  public private(set) var calls: [Call] = []
  public private(set) var keys: [KeyPress] = []
  public private(set) var actions: [Action] = []
  public private(set) var notes: [(time: Date, text: String)] = []
  /// Call indices by `scope|op|request`.
  private var byKey: [String: [Int]] = [:]
  /// Call indices by `scope|op`.
  private var byOp: [String: [Int]] = [:]
  public let start: Date
  public private(set) var end: Date
  /// Set when the file ended without its `end` line or inside a compressed block: what was read is used.
  public private(set) var warning: String?

  public static func load(path: String) throws -> Recording {
    guard let fh = FileHandle(forReadingAtPath: path) else {
      throw RecordingError("cannot open recording \(path): \(String(cString: strerror(errno)))")
    }
    defer { try? fh.close() }
    let inflater: GzipInflater
    do { inflater = try GzipInflater() } catch { throw RecordingError("\(error)") }
    var text = Data()
    do {
      while let chunk = try fh.read(upToCount: 1 << 20), !chunk.isEmpty {
        text.append(try inflater.decompress(chunk))
      }
    } catch let e as GzipError {
      throw RecordingError("\(path) is not a dmswatch recording or is corrupt: \(e.message)")
    } catch {
      throw RecordingError("cannot read \(path): \(error)")
    }
    return try Recording(data: text, name: path, cleanEnd: inflater.atMemberEnd)
  }

  /// Parses decompressed text (the lines).
  public init(data: Data, name: String = "recording", cleanEnd: Bool = true) throws {
    var lines: [Data] = []
    var from = data.startIndex
    var lastTerminated = true
    while from < data.endIndex {
      if let nl = data[from...].firstIndex(of: 0x0A) {
        lines.append(data[from..<nl])
        from = data.index(after: nl)
        lastTerminated = true
      } else {
        lines.append(data[from...])
        from = data.endIndex
        lastTerminated = false
      }
    }
    guard let first = lines.first, !first.isEmpty else {
      throw RecordingError("\(name) is empty: not a dmswatch recording")
    }
    let dec = RecordCoding.decoder()
    struct Probe: Decodable { var dmswatch_recording: Int? }
    guard let probe = try? dec.decode(Probe.self, from: first), let version = probe.dmswatch_recording else {
      throw RecordingError("\(name) is not a dmswatch recording (no header line)")
    }
    if version > RecordingFormat.version {
      throw RecordingError(
        "\(name) is recording format \(version); this dmswatch (\(DMSWatchVersion.string)) reads format \(RecordingFormat.version) and older: upgrade dmswatch")
    }
    do { header = try dec.decode(RecordingHeader.self, from: first) } catch {
      throw RecordingError("\(name): the header line is corrupt")
    }
    start = Date(timeIntervalSince1970: header.started)
    end = start
    var truncated = !cleanEnd || !lastTerminated
    var sawEnd = false
    var lastBody: [String: Data] = [:]
    var lastItems: [String: [ArraySlice<UInt8>]] = [:]
    var i = 1
    while i < lines.count {
      let raw = lines[i]
      let lineNo = i + 1
      i += 1
      if raw.isEmpty { continue }
      let l: RecordLine
      do { l = try dec.decode(RecordLine.self, from: raw) } catch {
        // A torn last line (the file was cut off) ends the recording; anywhere else it is corruption.
        if i >= lines.count && !lastTerminated {
          truncated = true
          break
        }
        throw RecordingError("\(name) is corrupt at line \(lineNo): not a record (\(Self.describe(error)))")
      }
      let t = l.time
      if t > end { end = t }
      switch l.k {
      case .scope:
        guard let info = l.scope else { throw RecordingError("\(name) is corrupt at line \(lineNo): scope line without a scope") }
        scopes.removeAll { $0.info.id == info.id }
        scopes.append(ScopeEntry(info: info, label: l.label ?? info.display, backends: l.backends ?? ["DescribeReplicationTasks"]))
      case .response, .same, .error, .deltaPage:
        guard let s = l.s, let op = l.op else { throw RecordingError("\(name) is corrupt at line \(lineNo): a response without scope or operation") }
        let q = l.q ?? ""
        let key = "\(s)|\(op)|\(q)"
        var call = Call(time: t, scope: ScopeID(s), op: op, request: q, body: nil, error: nil)
        call.duration = max(0, l.d ?? 0)
        switch l.k {
        case .response:
          guard i < lines.count, !(i == lines.count - 1 && !lastTerminated) else {
            truncated = true
            i = lines.count
            continue
          }
          let body = lines[i]
          i += 1
          call.body = body
          lastBody[key] = body
          if PageDelta.applies(to: op) { lastItems[key] = PageDelta.page(body)?.items }
        case .deltaPage:
          guard i < lines.count, !(i == lines.count - 1 && !lastTerminated) else {
            truncated = true
            i = lines.count
            continue
          }
          let delta = lines[i]
          i += 1
          guard let prev = lastItems[key] else {
            throw RecordingError("\(name) is corrupt at line \(lineNo): a delta page with no earlier page for \(op)")
          }
          do {
            let (body, items) = try PageDelta.decode(delta, previous: prev)
            call.body = body
            lastBody[key] = body
            lastItems[key] = items
          } catch let e as RecordingError {
            throw RecordingError("\(name) is corrupt at line \(lineNo + 1): \(e.message)")
          } catch {
            throw RecordingError("\(name) is corrupt at line \(lineNo + 1): a delta page that is not compact JSON")
          }
        case .same:
          guard let b = lastBody[key] else {
            throw RecordingError("\(name) is corrupt at line \(lineNo): `same` with no earlier response for \(op)")
          }
          call.body = b
        default:
          call.error = l.error ?? RecordedError(ServiceError(kind: .client, code: "Unknown", message: "error not recorded"))
          lastBody[key] = nil
          lastItems[key] = nil
        }
        call.index = calls.count
        byKey[key, default: []].append(calls.count)
        byOp["\(s)|\(op)", default: []].append(calls.count)
        calls.append(call)
      case .ui:
        if let k = l.key.flatMap(KeyCode.decode) { keys.append(KeyPress(time: t, key: k)) }
      case .action:
        actions.append(Action(time: t, kind: l.kind ?? "", text: l.text ?? ""))
      case .note:
        notes.append((t, l.text ?? ""))
      case .end:
        sawEnd = true
      }
    }
    // Responses are written when they arrive; order each index by the time the call was sent.
    for (k, v) in byKey { byKey[k] = v.sorted { (calls[$0].time, $0) < (calls[$1].time, $1) } }
    for (k, v) in byOp { byOp[k] = v.sorted { (calls[$0].time, $0) < (calls[$1].time, $1) } }
    callTimes = calls.map(\.time).sorted()
    if truncated {
      warning = "\(name) is truncated (cut off at \(Format.iso(end))): replaying what was written before"
    } else if !sawEnd {
      warning = "\(name) has no end record (the session did not close it): replaying up to \(Format.iso(end))"
    }
  }

  static func describe(_ e: Error) -> String {
    if case DecodingError.dataCorrupted(let c) = e { return c.debugDescription }
    if case DecodingError.keyNotFound(let k, _) = e { return "missing \(k.stringValue)" }
    if case DecodingError.typeMismatch(_, let c) = e { return "wrong type at \(c.codingPath.map(\.stringValue).joined(separator: "."))" }
    return "invalid JSON"
  }

  // MARK: look-ups

  /// The latest call for exactly this request made at or before `now`.
  public func latest(scope: ScopeID, op: String, request: String, at now: Date) -> Call? {
    guard let idx = byKey["\(scope.rawValue)|\(op)|\(request)"] else { return nil }
    if let i = lastAtOrBefore(idx, now) { return calls[i] }
    // The replaying engine runs on its own schedule: a call it makes a moment before the recording
    // first answered the same request gets that first answer.
    return idx.first.map { calls[$0] }.flatMap { $0.time <= now.addingTimeInterval(Self.lookahead) ? $0 : nil }
  }

  /// How far ahead of the replay clock a first answer is taken (see `latest`).
  public static let lookahead: TimeInterval = 5

  /// Every call of an operation in a scope at or before `now`, oldest first.
  public func all(scope: ScopeID, op: String, through now: Date) -> [Call] {
    guard let idx = byOp["\(scope.rawValue)|\(op)"] else { return [] }
    let upto = idx.map { calls[$0] }.prefix { $0.time <= now }.map { $0 }
    if !upto.isEmpty { return upto }
    return idx.first.map { calls[$0] }.flatMap { $0.time <= now.addingTimeInterval(Self.lookahead) ? [$0] : nil } ?? []
  }

  private func lastAtOrBefore(_ idx: [Int], _ now: Date) -> Int? {
    var lo = 0
    var hi = idx.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if calls[idx[mid]].time <= now { lo = mid + 1 } else { hi = mid }
    }
    return lo == 0 ? nil : idx[lo - 1]
  }

  private var callTimes: [Date] = []

  /// The time of the first call after `t` (for step).
  public func nextCallTime(after t: Date) -> Date? {
    var lo = 0
    var hi = callTimes.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if callTimes[mid] <= t { lo = mid + 1 } else { hi = mid }
    }
    return lo < callTimes.count ? callTimes[lo] : nil
  }

  public func nextAction(after t: Date) -> Action? { actions.first { $0.time > t } }

  /// Parses a time given on the command line or at the seek prompt: `03:12`, `03:12:30` (UTC, on the
  /// recording's days), `+90` / `+5m` (from the start), an ISO-8601 time, or `start` / `end`.
  public func time(from text: String) -> Date? {
    let s = text.trimmingCharacters(in: .whitespaces)
    if s == "start" { return start }
    if s == "end" { return end }
    if s.hasPrefix("+") {
      var body = String(s.dropFirst())
      var mult = 1.0
      if body.hasSuffix("m") { mult = 60; body.removeLast() } else if body.hasSuffix("h") { mult = 3600; body.removeLast() } else if body.hasSuffix("s") { body.removeLast() }
      guard let v = Double(body), v >= 0 else { return nil }
      return start.addingTimeInterval(v * mult)
    }
    let parts = s.split(separator: ":", omittingEmptySubsequences: false)
    if parts.count == 2 || parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.count <= 2 && $0.allSatisfy(\.isNumber) }) {
      let nums = parts.compactMap { Int($0) }
      guard nums.count == parts.count, nums[0] < 24, nums[1] < 60, nums.count < 3 || nums[2] < 60 else { return nil }
      let secs = Double(nums[0] * 3600 + nums[1] * 60 + (nums.count == 3 ? nums[2] : 0))
      // The first such clock time at or after the start of the recording's first day.
      let day = (start.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400
      var d = Date(timeIntervalSince1970: day + secs)
      if d < start.addingTimeInterval(-1), d.addingTimeInterval(86_400) <= end.addingTimeInterval(1) { d = d.addingTimeInterval(86_400) }
      return d
    }
    let f = ISO8601DateFormatter()
    return f.date(from: s)
  }

  // MARK: decoding bodies (cached: replay asks for the same ones repeatedly)

  private let cacheLock = NSLock()
  private var cache: [Int: Any] = [:]

  func decoded<T: Decodable>(_ call: Call, as: T.Type) throws -> T {
    guard let body = call.body else { throw call.error?.serviceError ?? ServiceError(kind: .malformed, code: "NoBody", message: "no body") }
    let key = call.index
    if let hit = cacheLock.withLock({ cache[key] }) as? T { return hit }
    do {
      let v = try RecordCoding.decoder().decode(T.self, from: body)
      cacheLock.withLock {
        if cache.count > 4_096 { cache.removeAll() }
        cache[key] = v
      }
      return v
    } catch {
      throw ServiceError(kind: .malformed, code: "CorruptRecording", message: "a recorded \(call.op) response cannot be read (\(Self.describe(error)))")
    }
  }
}
