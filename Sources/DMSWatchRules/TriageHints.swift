import Foundation
import DMSWatchModel

/// A likely cause and next step for a failure, from the hint table (data/hints.json).
public struct Hint: Sendable, Equatable, Codable {
  public var id: String
  public var title: String
  public var cause: String
  public var nextStep: String
  /// Where the match was found: `failure` (LastFailureMessage), `stop_reason`, `log` (log line or event).
  public var source: String
  /// The text that matched, on one line and clipped.
  public var evidence: String

  public init(id: String, title: String, cause: String, nextStep: String, source: String, evidence: String) {
    self.id = id
    self.title = title
    self.cause = cause
    self.nextStep = nextStep
    self.source = source
    self.evidence = evidence
  }
}

extension Hint {
  /// Hints whose way back is a start from a newer CDC point (the log position the task needed is gone).
  public static let cdcStartPointIds: Set<String> = ["mysql-binlog-purged", "oracle-missing-archived-log"]
  public var recommendsCdcStart: Bool { Hint.cdcStartPointIds.contains(id) }
}

/// One entry of the hint table, with its patterns compiled.
public struct HintRule: Sendable {
  public var id: String
  public var title: String
  /// Lowercased substrings; any one matches.
  public var contains: [String] {
    didSet { needles = contains.map { Array($0.utf8) } }
  }
  /// `contains` as UTF-8 bytes, for the fast search.
  var needles: [[UInt8]]
  public var regex: [NSRegularExpression]
  public var cause: String
  public var next: String

  /// Case-insensitive: any substring or any regex.
  public func matches(_ text: String) -> Bool {
    Array(text.lowercased().utf8).withUnsafeBufferPointer { matches(text, lowercasedUTF8: $0) }
  }

  func matches(_ text: String, lowercasedUTF8 hay: UnsafeBufferPointer<UInt8>) -> Bool {
    for n in needles where ByteSearch.contains(hay, n) { return true }
    if regex.isEmpty { return false }
    let range = NSRange(text.startIndex..<text.endIndex, in: text)
    return regex.contains { $0.firstMatch(in: text, options: [], range: range) != nil }
  }
}

public enum TriageHints {
  public enum LoadError: Error, Equatable, CustomStringConvertible {
    case duplicateId(String)
    case noPatterns(String)
    case emptyField(String, String)
    case badRegex(String, String)
    public var description: String {
      switch self {
      case .duplicateId(let id): "duplicate hint id \(id)"
      case .noPatterns(let id): "hint \(id) has no patterns"
      case .emptyField(let id, let f): "hint \(id): empty \(f)"
      case .badRegex(let id, let r): "hint \(id): invalid regex \(r)"
      }
    }
  }

  struct FileEntry: Decodable {
    var id: String
    var title: String
    var contains: [String]
    var regex: [String]
    var cause: String
    var next: String
  }

  struct File: Decodable {
    var version: Int
    var hints: [FileEntry]
  }

  /// The embedded JSON the rules come from (identical to data/hints.json; a test checks it).
  public static var sourceJSON: String { HintsData.json }

  /// Parses and validates a hint table.
  public static func load(json: Data) throws -> [HintRule] {
    let file = try JSONDecoder().decode(File.self, from: json)
    var seen = Set<String>()
    return try file.hints.map { e in
      guard seen.insert(e.id).inserted else { throw LoadError.duplicateId(e.id) }
      for (name, v) in [("id", e.id), ("title", e.title), ("cause", e.cause), ("next", e.next)]
      where v.trimmingCharacters(in: .whitespaces).isEmpty {
        throw LoadError.emptyField(e.id, name)
      }
      let subs = e.contains.map { $0.lowercased() }.filter { !$0.isEmpty }
      guard !subs.isEmpty || !e.regex.isEmpty else { throw LoadError.noPatterns(e.id) }
      let rx = try e.regex.map { r in
        do {
          return try NSRegularExpression(pattern: r, options: [.caseInsensitive])
        } catch {
          throw LoadError.badRegex(e.id, r)
        }
      }
      return HintRule(id: e.id, title: e.title, contains: subs, needles: subs.map { Array($0.utf8) }, regex: rx, cause: e.cause, next: e.next)
    }
  }

  /// The embedded table. Empty only if the embedded JSON is invalid, which ModelTests rules out.
  public static let rules: [HintRule] = (try? load(json: Data(HintsData.json.utf8))) ?? []

  /// Rules matching one text, in table order.
  public static func matching(_ text: String, rules: [HintRule] = TriageHints.rules) -> [HintRule] {
    rules.filter { $0.matches(text) }
  }

  /// Hints for a task: its LastFailureMessage, then its StopReason, then error/warning log lines and events
  /// of this task (entries tagged with another task are skipped), newest first. Each hint appears once,
  /// with the first text that matched as evidence.
  public static func hints(for task: ReplicationTask, logLines: [LogEntry]) -> [Hint] {
    hints(for: task, logLines: logLines, rules: rules)
  }

  public static func hints(for task: ReplicationTask, logLines: [LogEntry], rules: [HintRule]) -> [Hint] {
    var texts: [(String, String)] = []
    if let f = task.lastFailureMessage, !f.isEmpty { texts.append(("failure", f)) }
    if let r = task.stopReason, !r.isEmpty, task.status == TaskStatus.stopped || task.status == TaskStatus.failed {
      texts.append(("stop_reason", r))
    }
    let lines = logLines
      .filter { ($0.task == nil || $0.belongs(to: task)) && $0.severity >= .warning }
      .sorted { $0.time > $1.time }
    for l in lines { texts.append(("log", l.text)) }

    var out: [Hint] = []
    var seen = Set<String>()
    var scanned = Set<String>()
    for (source, text) in texts {
      // Log lines repeat a lot; a text already scanned cannot add a new hint.
      guard scanned.insert(text).inserted else { continue }
      let hits = Array(text.lowercased().utf8).withUnsafeBufferPointer { hay in
        rules.filter { !seen.contains($0.id) && $0.matches(text, lowercasedUTF8: hay) }
      }
      for rule in hits {
        seen.insert(rule.id)
        out.append(Hint(
          id: rule.id, title: rule.title, cause: rule.cause, nextStep: rule.next, source: source,
          evidence: TaskRules.clip(text, 240)))
      }
      if seen.count == rules.count { break }
    }
    return out
  }
}


/// Substring search over bytes (memchr for the first byte, memcmp for the rest): the hint table is
/// matched against thousands of log lines per refresh.
enum ByteSearch {
  static func contains(_ hay: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
    guard let first = needle.first else { return true }
    guard needle.count <= hay.count, let base = hay.baseAddress else { return false }
    return needle.withUnsafeBufferPointer { n -> Bool in
      guard let nb = n.baseAddress else { return false }
      let end = base + (hay.count - needle.count + 1)
      var p = base
      while p < end {
        guard let raw = memchr(p, Int32(first), end - p) else { return false }
        let h = UnsafePointer(raw.assumingMemoryBound(to: UInt8.self))
        if memcmp(h, nb, needle.count) == 0 { return true }
        p = h + 1
      }
      return false
    }
  }
}
