import DMSWatchModel
import Foundation
import DMSWatchState
import DMSWatchReports

/// The recording format (docs/recording-format.md): a gzip stream of UTF-8 lines, one JSON object
/// each. The first line is the header; every other line has `k` (its kind) and `t` (seconds since
/// 1970, UTC). Readers refuse a `format` newer than theirs.
public enum RecordingFormat {
  public static let version = 1
  /// The header's magic key.
  public static let magic = "dmswatch_recording"
}

/// The header line.
public struct RecordingHeader: Codable, Sendable, Equatable {
  public var dmswatch_recording: Int
  public var app: String
  public var started: Double
  /// `live`, `demo` or `test`: what was recorded.
  public var mode: String
  /// The session's polling settings (absent in files from tests).
  public var poll: RecordedPoll?
  public init(app: String, started: Date, mode: String) {
    dmswatch_recording = RecordingFormat.version
    self.app = app
    self.started = started.timeIntervalSince1970
    self.mode = mode
  }
}

/// Polling intervals (seconds) and the DMS budget of the recorded session.
public struct RecordedPoll: Codable, Sendable, Equatable {
  public var tasks, tables, metrics, logs, events, inventory: Double
  public var dmsCallsPerSecond, dmsBurst: Double
  public init(tasks: Double, tables: Double, metrics: Double, logs: Double, events: Double, inventory: Double, dmsCallsPerSecond: Double, dmsBurst: Double) {
    self.tasks = tasks
    self.tables = tables
    self.metrics = metrics
    self.logs = logs
    self.events = events
    self.inventory = inventory
    self.dmsCallsPerSecond = dmsCallsPerSecond
    self.dmsBurst = dmsBurst
  }
}

/// The kinds of line after the header.
public enum RecordKind: String, Codable, Sendable {
  /// A scope: its identity (ScopeInfo), header label and backends.
  case scope
  /// A service response (`body`).
  case response = "r"
  /// The same response as the last one of the same scope, operation and request.
  case same
  /// A task list page written as a delta against the last page of the same request (`PageDelta`).
  case deltaPage = "dp"
  /// A failed call (`error`).
  case error = "err"
  /// A key press that changed the view.
  case ui
  /// An action's request, confirmation or outcome (the audit path).
  case action = "act"
  /// Something about the recording itself (a gap, a rotation).
  case note
  /// The clean end of the recording.
  case end
}

/// One line after the header. Fields not used by a kind are absent.
public struct RecordLine: Codable, Sendable {
  public var k: RecordKind
  public var t: Double
  /// Scope id.
  public var s: String?
  /// Operation (`DescribeReplicationTasks`, `GetMetricData`, `list:DescribeReplicationTasks`, …).
  public var op: String?
  /// The request, as a stable key (`marker=…`, `task=… marker=…`).
  public var q: String?
  /// Call duration in seconds.
  public var d: Double?
  /// Kind `r`: the response body is the next line, as JSON (read without parsing this line's neighbours).
  /// Kind `err`.
  public var error: RecordedError?
  /// Kind `scope`.
  public var scope: ScopeInfo?
  public var label: String?
  public var backends: [String]?
  /// Kind `ui`: the key (`KeyCode`).
  public var key: String?
  /// Kind `act`: request / confirm / ok / failed / unknown / partial / refused; and its text.
  public var kind: String?
  public var text: String?

  public init(k: RecordKind, t: Date) {
    self.k = k
    // Milliseconds, rounded down: a replay at the same clock time finds the call.
    self.t = (t.timeIntervalSince1970 * 1000).rounded(.down) / 1000
  }

  public var time: Date { Date(timeIntervalSince1970: t) }
}

public struct RecordedError: Codable, Sendable, Equatable {
  public var kind: String
  public var code: String
  public var message: String
  public var http: Int?

  public init(_ e: Error) {
    if let s = e as? ServiceError {
      kind = s.kind.rawValue
      code = s.code
      message = Redact.text(s.message)
      http = s.httpStatus
    } else {
      kind = ServiceError.Kind.unknownOutcome.rawValue
      code = "Error"
      message = Redact.text(String(describing: e))
    }
  }

  public var serviceError: ServiceError {
    ServiceError(kind: ServiceError.Kind(rawValue: kind) ?? .client, code: code, message: message, httpStatus: http)
  }
}

/// Keys as text in `ui` lines: `c:j` (a character), `^:r` (ctrl-r), or a name (`up`, `enter`, `F5`).
public enum KeyCode {
  static let names: [(String, Key)] = [
    ("up", .up), ("down", .down), ("left", .left), ("right", .right), ("pgup", .pageUp), ("pgdn", .pageDown),
    ("home", .home), ("end", .end), ("enter", .enter), ("esc", .escape), ("tab", .tab), ("btab", .backTab),
    ("bksp", .backspace), ("del", .delete),
  ]
  public static func encode(_ k: Key) -> String {
    switch k {
    case .char(let c): return "c:\(c)"
    case .ctrl(let c): return "^:\(c)"
    case .function(let n): return "F\(n)"
    default: return names.first { $0.1 == k }?.0 ?? "?"
    }
  }
  public static func decode(_ s: String) -> Key? {
    if s.hasPrefix("c:"), s.count == 3, let c = s.last { return .char(c) }
    if s.hasPrefix("^:"), s.count == 3, let c = s.last { return .ctrl(c) }
    if s.hasPrefix("F"), let n = Int(s.dropFirst()) { return .function(n) }
    return names.first { $0.0 == s }?.1
  }
}

/// The coders of the format: dates as seconds since 1970, keys sorted (stable bytes, so
/// unchanged responses hash the same).
enum RecordCoding {
  static func encoder() -> JSONEncoder {
    let e = JSONEncoder()
    e.dateEncodingStrategy = .secondsSince1970
    e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return e
  }
  static func decoder() -> JSONDecoder {
    let d = JSONDecoder()
    d.dateDecodingStrategy = .secondsSince1970
    d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return d
  }

  /// FNV-1a, 64 bits: the de-duplication key of a body (stable across runs).
  static func hash(_ d: Data) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in d {
      h ^= UInt64(b)
      h = h &* 0x100_0000_01b3
    }
    return h
  }
}
