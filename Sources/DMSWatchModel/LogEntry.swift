import Foundation

public enum LogSeverity: String, Sendable, Codable, Comparable {
  case error = "E", warning = "W", info = "I", debug = "D", trace = "T"
  private var rank: Int {
    switch self {
    case .error: 4
    case .warning: 3
    case .info: 2
    case .debug: 1
    case .trace: 0
    }
  }
  public static func < (a: LogSeverity, b: LogSeverity) -> Bool { a.rank < b.rank }
}

/// A line in the LOG pane: a DMS event or a task log line.
public struct LogEntry: Sendable, Equatable {
  public enum Source: String, Sendable { case event, log, app }
  public var time: Date
  public var source: Source
  public var severity: LogSeverity
  /// Component such as SOURCE_CAPTURE, or the event category.
  public var component: String
  public var text: String
  /// Which task this belongs to (task identifier), when known.
  public var task: String?
  /// The task's ARN when known: with several scopes, names repeat and only the ARN identifies the task.
  public var taskArn: String?
  /// The scope an entry came from when its task was not known yet (so it joins only that scope's task).
  public var scope: ScopeID?

  public init(
    time: Date, source: Source, severity: LogSeverity, component: String, text: String, task: String? = nil, taskArn: String? = nil
  ) {
    self.taskArn = taskArn
    self.time = time
    self.source = source
    self.severity = severity
    self.component = component
    self.text = text
    self.task = task
  }
}

/// Parses DMS task log lines: `2026-11-23T10:10:15 [SOURCE_CAPTURE  ]E:  message (file.c:123)`.
public enum DMSLogParser {
  public static func parse(_ event: LogEvent, task: String?, taskArn: String? = nil) -> LogEntry {
    let (component, severity, text) = split(event.message)
    return LogEntry(time: event.timestamp, source: .log, severity: severity, component: component, text: text, task: task, taskArn: taskArn)
  }

  /// Returns (component, severity, message). Lines without the DMS prefix are info.
  public static func split(_ line: String) -> (String, LogSeverity, String) {
    let chars = Array(line.utf8)
    guard let open = chars.firstIndex(of: UInt8(ascii: "[")),
      let close = chars[open...].firstIndex(of: UInt8(ascii: "]")),
      close + 2 < chars.count, chars[close + 2] == UInt8(ascii: ":"),
      let sev = LogSeverity(rawValue: String(UnicodeScalar(chars[close + 1])))
    else {
      return ("", .info, line.trimmingCharacters(in: .whitespaces))
    }
    let comp = String(decoding: chars[(open + 1)..<close], as: UTF8.self).trimmingCharacters(in: .whitespaces)
    let rest = String(decoding: chars[(close + 3)...], as: UTF8.self).trimmingCharacters(in: .whitespaces)
    return (comp, sev, rest)
  }

  /// Event severity from its categories and text.
  public static func severity(of event: DMSEvent) -> LogSeverity {
    let cats = event.categories.map { $0.lowercased() }
    let msg = event.message.lowercased()
    if cats.contains("failure") || TextSearch.contains(msg, "fail") || TextSearch.contains(msg, "error") { return .error }
    if cats.contains("low storage") || TextSearch.contains(msg, "stopped") || TextSearch.contains(msg, "warning") { return .warning }
    return .info
  }

  public static func entry(for event: DMSEvent) -> LogEntry {
    LogEntry(
      time: event.date, source: .event, severity: severity(of: event),
      component: event.categories.first?.uppercased() ?? "EVENT", text: event.message, task: event.sourceIdentifier)
  }
}

/// A fixed-capacity ring buffer; the oldest element goes when full.
public struct RingBuffer<Element>: Sendable where Element: Sendable {
  private var storage: [Element] = []
  private var head = 0
  public let capacity: Int

  public init(capacity: Int) {
    self.capacity = max(1, capacity)
    storage.reserveCapacity(min(self.capacity, 1024))
  }

  public var count: Int { storage.count }
  public var isEmpty: Bool { storage.isEmpty }

  public mutating func append(_ e: Element) {
    if storage.count < capacity {
      storage.append(e)
    } else {
      storage[head] = e
      head = (head + 1) % capacity
    }
  }

  public mutating func append<S: Sequence>(contentsOf s: S) where S.Element == Element {
    for e in s { append(e) }
  }

  /// Element i, 0 = oldest.
  public subscript(i: Int) -> Element {
    get { storage[(head + i) % storage.count] }
    set { storage[(head + i) % storage.count] = newValue }
  }

  public var last: Element? { storage.isEmpty ? nil : self[storage.count - 1] }

  public func toArray() -> [Element] { (0..<count).map { self[$0] } }

  public mutating func removeAll() {
    storage.removeAll(keepingCapacity: true)
    head = 0
  }
}

/// A time series capped to a time window and a point count.
public struct TimeSeries: Sendable, Equatable {
  public private(set) var points: [SeriesPoint] = []
  public var window: TimeInterval
  public var maxPoints: Int

  public init(window: TimeInterval = 3600, maxPoints: Int = 720) {
    self.window = window
    self.maxPoints = maxPoints
  }

  public var last: SeriesPoint? { points.last }

  /// Merges points (any order), keeping one per timestamp, ascending, within the window of the newest.
  public mutating func merge(_ new: [SeriesPoint]) {
    guard !new.isEmpty else { return }
    if let lastTime = points.last?.time, new.allSatisfy({ $0.time > lastTime }), zip(new, new.dropFirst()).allSatisfy({ $0.time < $1.time }) {
      points.append(contentsOf: new)
    } else {
      var byTime: [Date: Double] = [:]
      for p in points { byTime[p.time] = p.value }
      for p in new { byTime[p.time] = p.value }
      points = byTime.map { SeriesPoint(time: $0.key, value: $0.value) }.sorted { $0.time < $1.time }
    }
    trim()
  }

  public mutating func append(_ p: SeriesPoint) { merge([p]) }

  private mutating func trim() {
    guard let newest = points.last?.time else { return }
    let cutoff = newest.addingTimeInterval(-window)
    if let firstKept = points.firstIndex(where: { $0.time >= cutoff }), firstKept > 0 {
      points.removeFirst(firstKept)
    }
    if points.count > maxPoints { points.removeFirst(points.count - maxPoints) }
  }

  /// True when the last `n` points strictly increase.
  public func isRising(over n: Int) -> Bool {
    guard points.count >= n, n >= 2 else { return false }
    let tail = points.suffix(n)
    return zip(tail, tail.dropFirst()).allSatisfy { $0.value < $1.value }
  }
}
