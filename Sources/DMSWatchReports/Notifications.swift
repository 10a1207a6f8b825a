import Foundation
import DMSWatchModel
import DMSWatchRules


/// SNS Publish input.
public struct SNSMessage: Sendable, Equatable {
  /// ASCII, one line, at most 100 characters (SNS limits).
  public var subject: String
  public var message: String
  public init(subject: String, message: String) {
    self.subject = subject
    self.message = message
  }
}

/// Pure builders of notification bodies. Sending happens elsewhere.
public enum NotificationPayloads {
  // MARK: generic JSON

  struct Generic: Encodable {
    struct ReadinessPart: Encodable {
      var ready: Bool
      var summary: String
      var failing: [String]
    }
    var source = "dmswatch"
    var state: String
    var task: String
    var severity: SeverityLabel
    var finding: Finding
    var readiness: ReadinessPart?
    var time: String
  }

  /// `{"finding":{…},"readiness":{…},"severity":"critical","source":"dmswatch","state":"opened","task":"…","time":"…"}`,
  /// keys sorted, compact. `severity` is the finding's severity (`ok` for a resolved notice);
  /// `readiness` is present when given.
  public static func genericJSON(_ notice: Notice, readiness: Readiness? = nil) -> String {
    let body = Generic(
      state: notice.kind.rawValue, task: notice.finding.task,
      severity: SeverityLabel(notice.kind == .resolved ? .ok : notice.finding.severity), finding: notice.finding,
      readiness: readiness.map { Generic.ReadinessPart(ready: $0.ready, summary: $0.summary, failing: $0.failing.map(\.name)) },
      time: Format.iso(notice.time))
    let e = JSONEncoder()
    e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    guard let data = try? e.encode(body) else { return "{}" }
    return String(decoding: data, as: UTF8.self)
  }

  // MARK: compatibility mode

  /// Compatibility with the cron scripts dmswatch replaces: EXACTLY
  /// `{"event_name": "<task>_dms_missing", "status": 0}` (Python `json.dumps` layout: `": "` and `", "`,
  /// keys in this order, non-ASCII escaped as `\uXXXX`).
  ///
  /// Only MISSING and DUPLICATE findings count as issues (as in the scripts). One payload per kind found,
  /// MISSING first, then DUPLICATE, each with status 0; when neither is found, one `_dms_no_issues`
  /// payload with status 1. When the task's table statistics are unknown (not loaded), no payload at all:
  /// an all-clear dmswatch cannot vouch for is never sent.
  public static func compat(task: String, findings: [Finding]) -> [String] {
    let mine = findings.filter { $0.task == task }
    if mine.contains(where: { $0.event == FindingEvent.taskTablesUnknown }) { return [] }
    var out: [String] = []
    if mine.contains(where: { $0.event == FindingEvent.tableMissing }) { out.append(compatPayload(eventName: "\(task)_dms_missing", status: 0)) }
    if mine.contains(where: { $0.event == FindingEvent.tableDuplicate }) { out.append(compatPayload(eventName: "\(task)_dms_duplicates", status: 0)) }
    if out.isEmpty { out.append(compatPayload(eventName: "\(task)_dms_no_issues", status: 1)) }
    return out
  }

  public static func compatPayload(eventName: String, status: Int) -> String {
    "{\"event_name\": \(pythonJSONString(eventName)), \"status\": \(status)}"
  }

  /// A JSON string literal as Python's `json.dumps` (ensure_ascii) writes it.
  public static func pythonJSONString(_ s: String) -> String {
    var out = "\""
    for u in s.utf16 {
      switch u {
      case 0x22: out += "\\\""
      case 0x5c: out += "\\\\"
      case 0x0a: out += "\\n"
      case 0x0d: out += "\\r"
      case 0x09: out += "\\t"
      case 0x08: out += "\\b"
      case 0x0c: out += "\\f"
      case 0x20..<0x7f: out.unicodeScalars.append(Unicode.Scalar(UInt8(u)))
      default: out += "\\u" + hex4(u)
      }
    }
    return out + "\""
  }

  static func hex4(_ v: UInt16) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(v >> 12) & 15], digits[Int(v >> 8) & 15], digits[Int(v >> 4) & 15], digits[Int(v) & 15]])
  }

  // MARK: Slack

  /// One line of text: `[CRITICAL] orders: dms.table.missing public.orders - inserts: …` or
  /// `[RESOLVED] orders: dms.table.missing public.orders`, plus a readiness line when given.
  public static func text(_ notice: Notice, readiness: Readiness? = nil) -> String {
    let f = notice.finding
    let what = "\(f.task): \(f.event)\(f.table.map { " \($0)" } ?? "")"
    var s: String
    switch notice.kind {
    case .resolved: s = "[RESOLVED] \(what)"
    case .opened: s = "[\(f.severity.label.uppercased())] \(what) - \(f.message)"
    case .escalated: s = "[\(f.severity.label.uppercased())] (escalated) \(what) - \(f.message)"
    }
    if let r = readiness { s += "\ncutover: \(r.summary)" }
    return s + "\n" + Format.iso(notice.time)
  }

  /// Slack incoming-webhook body `{"text":"…"}` (`&`, `<`, `>` escaped as Slack requires).
  public static func slack(_ notice: Notice, readiness: Readiness? = nil) -> String {
    slackBody(text: text(notice, readiness: readiness))
  }

  public static func slackBody(text: String) -> String {
    let escaped = text.replacingOccurrences(of: "&", with: "&amp;")
      .replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;")
    let e = JSONEncoder()
    e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    guard let data = try? e.encode(["text": escaped]) else { return "{}" }
    return String(decoding: data, as: UTF8.self)
  }

  // MARK: SNS

  /// Subject `dmswatch CRITICAL orders dms.table.missing` (ASCII, ≤ 100 chars); message: the text
  /// form, then the details, one per line.
  public static func sns(_ notice: Notice, readiness: Readiness? = nil) -> SNSMessage {
    let f = notice.finding
    let level = notice.kind == .resolved ? "RESOLVED" : f.severity.label.uppercased()
    var subject = CheckReport.ascii("dmswatch \(level) \(f.task) \(f.event)")
    if subject.count > 100 { subject = String(subject.prefix(97)) + "..." }
    var lines = [
      "dmswatch: \(notice.kind == .resolved ? "resolved" : "\(f.severity.label) finding") on task \(f.task)",
      "event: \(f.event)",
    ]
    if let t = f.table { lines.append("table: \(t)") }
    if let op = f.operation { lines.append("operation: \(op.rawValue)") }
    lines.append("message: \(f.message)")
    if let e = f.expected { lines.append("expected: \(e)") }
    if let a = f.actual { lines.append("actual: \(a)") }
    if let v = f.value { lines.append("value: \(v)") }
    if let th = f.threshold { lines.append("threshold: \(th)") }
    if let r = readiness { lines.append("cutover: \(r.summary)") }
    lines.append("time: \(Format.iso(notice.time))")
    return SNSMessage(subject: subject, message: lines.joined(separator: "\n"))
  }
}
