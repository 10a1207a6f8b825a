import DMSWatchModel
import Foundation
import Yams
import DMSWatchRules
import DMSWatchState

/// A config file error with its line: `config.yaml:12: unknown key "treshold"`.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
  public var path: String
  public var line: Int?
  public var message: String
  public init(path: String, line: Int?, message: String) {
    self.path = path
    self.line = line
    self.message = message
  }
  public var description: String { "\(path)\(line.map { ":\($0)" } ?? ""): \(message)" }
}

public struct WebhookTarget: Sendable, Equatable {
  public enum Format: String, Sendable, CaseIterable { case json, compat, slack }
  public var url: String
  public var format: Format
  public init(url: String, format: Format) {
    self.url = url
    self.format = format
  }
}

/// One entry of the config's `scopes:` list.
public struct ScopeConfig: Sendable, Equatable {
  public var profile: String?
  public var region: String?
  public var endpointURL: String?
  public var readOnly: Bool?
  public var accent: String?
  public var label: String?
  public init(profile: String? = nil, region: String? = nil, endpointURL: String? = nil, readOnly: Bool? = nil, accent: String? = nil, label: String? = nil) {
    self.profile = profile
    self.region = region
    self.endpointURL = endpointURL
    self.readOnly = readOnly
    self.accent = accent
    self.label = label
  }
}

/// `$XDG_CONFIG_HOME/dmswatch/config.yaml`. Unknown keys are errors, never silently ignored.
public struct AppConfig: Sendable, Equatable {
  public var profile: String?
  public var region: String?
  public var endpointURL: String?
  public var readOnly: Bool?
  public var theme: String?
  public var refresh: Double?
  public var tasks: [String] = []
  public var latencyWarn: Double?
  public var latencyCritical: Double?
  public var lowThroughput: Double?
  public var stallMinutes: Double?
  public var readinessMinutes: Double?
  /// `thresholds.require_row_counts` (readiness needs a reconciliation whose counts match; default true).
  public var requireRowCounts: Bool?
  public var dmsCallsPerSecond: Double?
  public var dmsBurst: Double?
  public var webhooks: [WebhookTarget] = []
  public var snsTopics: [String] = []
  public var notifyMinInterval: Double?
  public var keys: [Command: [Key]] = [:]
  /// Scopes to watch (`scopes:`): profile, region, endpoint URL, read_only, accent and label each.
  public var scopes: [ScopeConfig] = []
  /// Per-profile overrides of theme and read_only (e.g. a red theme and read-only for production).
  public var profileOverrides: [String: (theme: String?, readOnly: Bool?)] = [:]
  /// `reconcile:` (limits, per-endpoint connection overrides).
  public var reconcile = ReconcileConfig()
  /// `recording:` (always-on flight recording).
  public var recording = RecordingConfig()

  public init() {}

  public static func == (a: AppConfig, b: AppConfig) -> Bool {
    a.profile == b.profile && a.region == b.region && a.endpointURL == b.endpointURL && a.readOnly == b.readOnly
      && a.theme == b.theme && a.refresh == b.refresh && a.tasks == b.tasks && a.latencyWarn == b.latencyWarn
      && a.latencyCritical == b.latencyCritical && a.webhooks == b.webhooks && a.snsTopics == b.snsTopics
      && a.keys == b.keys && a.lowThroughput == b.lowThroughput && a.stallMinutes == b.stallMinutes
      && a.readinessMinutes == b.readinessMinutes && a.requireRowCounts == b.requireRowCounts && a.dmsCallsPerSecond == b.dmsCallsPerSecond && a.dmsBurst == b.dmsBurst
      && a.notifyMinInterval == b.notifyMinInterval && Set(a.profileOverrides.keys) == Set(b.profileOverrides.keys)
      && a.profileOverrides.allSatisfy { k, v in b.profileOverrides[k].map { $0.theme == v.theme && $0.readOnly == v.readOnly } ?? false } && a.scopes == b.scopes && a.reconcile == b.reconcile && a.recording == b.recording
  }

  public var thresholds: Thresholds {
    var t = Thresholds()
    if let w = latencyWarn { t.latencyWarn = w }
    if let c = latencyCritical { t.latencyCritical = c }
    return t
  }

  /// Loads the file if it exists (a missing default file is an empty config).
  public static func load(path: String, mustExist: Bool = false) throws -> AppConfig {
    guard FileManager.default.fileExists(atPath: path) else {
      if mustExist { throw ConfigError(path: path, line: nil, message: "file not found") }
      return AppConfig()
    }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ConfigError(path: path, line: nil, message: "cannot read the file")
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw ConfigError(path: path, line: nil, message: "the file is not UTF-8 text")
    }
    let c = try parse(text, path: path)
    // A password in the file is refused unless only the owner can read it.
    if let line = c.reconcile.hasPlainPassword {
      let mode = ((try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? NSNumber)?.intValue ?? 0o777
      if mode & 0o077 != 0 {
        throw ConfigError(
          path: path, line: line > 0 ? line : nil,
          message: "a plain password needs the file to be mode 0600 (it is \(String(mode & 0o777, radix: 8))); "
            + "use password_env or password_command, or chmod 600 the file")
      }
    }
    return c
  }

  public static func parse(_ text: String, path: String = "config.yaml") throws -> AppConfig {
    // Yams recurses once per nesting level: 5,000 `[` overflowed the stack (exit 139).
    if let line = InputLimits.yamlTooDeep(text) {
      throw ConfigError(path: path, line: line, message: "nested more than \(InputLimits.maxNesting) levels deep")
    }
    let root: Node?
    do {
      root = try Yams.compose(yaml: text)
    } catch let e as YamlError {
      throw ConfigError(path: path, line: yamlLine(e), message: "not valid YAML: \(yamlMessage(e))")
    } catch {
      throw ConfigError(path: path, line: nil, message: "not valid YAML: \(error)")
    }
    var c = AppConfig()
    guard let root else { return c }
    let p = NodeReader(path: path)
    let map = try p.mapping(root, "the top level")
    for (k, v) in map {
      switch k.string ?? "" {
      case "profile": c.profile = try p.string(v, "profile")
      case "region": c.region = try p.string(v, "region")
      case "endpoint_url": c.endpointURL = try p.url(v, "endpoint_url")
      case "read_only": c.readOnly = try p.bool(v, "read_only")
      case "theme": c.theme = try p.string(v, "theme")
      case "refresh": c.refresh = try p.number(v, "refresh", min: 1, max: 3600)
      case "tasks": c.tasks = try p.stringList(v, "tasks")
      case "thresholds":
        for (tk, tv) in try p.mapping(v, "thresholds") {
          switch tk.string ?? "" {
          case "latency_warn": c.latencyWarn = try p.number(tv, "thresholds.latency_warn", min: 0, max: 86_400)
          case "latency_critical": c.latencyCritical = try p.number(tv, "thresholds.latency_critical", min: 0, max: 86_400)
          case "low_throughput": c.lowThroughput = try p.number(tv, "thresholds.low_throughput", min: 0, max: 1e9)
          case "stall_minutes": c.stallMinutes = try p.number(tv, "thresholds.stall_minutes", min: 1, max: 1440)
          case "readiness_minutes": c.readinessMinutes = try p.number(tv, "thresholds.readiness_minutes", min: 1, max: 1440)
          case "require_row_counts": c.requireRowCounts = try p.bool(tv, "thresholds.require_row_counts")
          default:
            throw p.unknown(
              tk, in: "thresholds", known: ["latency_warn", "latency_critical", "low_throughput", "stall_minutes", "readiness_minutes", "require_row_counts"])
          }
        }
        if let w = c.latencyWarn, let cr = c.latencyCritical, w > cr {
          throw ConfigError(path: path, line: p.line(v), message: "thresholds.latency_warn (\(w)) is above latency_critical (\(cr))")
        }
      case "budget":
        for (bk, bv) in try p.mapping(v, "budget") {
          switch bk.string ?? "" {
          case "dms_calls_per_second": c.dmsCallsPerSecond = try p.number(bv, "budget.dms_calls_per_second", min: 0.1, max: 50)
          case "burst": c.dmsBurst = try p.number(bv, "budget.burst", min: 1, max: 100)
          default: throw p.unknown(bk, in: "budget", known: ["dms_calls_per_second", "burst"])
          }
        }
      case "notifications":
        for (nk, nv) in try p.mapping(v, "notifications") {
          switch nk.string ?? "" {
          case "webhooks":
            guard let seq = nv.sequence else { throw p.typeError(nv, "notifications.webhooks", "a list") }
            for item in seq {
              var url: String?
              var format = WebhookTarget.Format.json
              for (wk, wv) in try p.mapping(item, "a webhook") {
                switch wk.string ?? "" {
                case "url": url = try p.url(wv, "webhook url")
                case "format":
                  let f = try p.string(wv, "webhook format")
                  guard let ff = WebhookTarget.Format(rawValue: f) else {
                    throw ConfigError(path: path, line: p.line(wv), message: "webhook format \"\(f)\" is not one of json, compat, slack")
                  }
                  format = ff
                default: throw p.unknown(wk, in: "a webhook", known: ["url", "format"])
                }
              }
              guard let url else { throw ConfigError(path: path, line: p.line(item), message: "a webhook needs a url") }
              c.webhooks.append(WebhookTarget(url: url, format: format))
            }
          case "sns_topics": c.snsTopics = try p.stringList(nv, "notifications.sns_topics")
          case "min_interval": c.notifyMinInterval = try p.number(nv, "notifications.min_interval", min: 0, max: 86_400)
          default: throw p.unknown(nk, in: "notifications", known: ["webhooks", "sns_topics", "min_interval"])
          }
        }
      case "keys":
        for (kk, kv) in try p.mapping(v, "keys") {
          let name = kk.string ?? ""
          guard let cmd = Command(rawValue: name) else {
            throw ConfigError(path: path, line: p.line(kk), message: "unknown command \"\(name)\" in keys (known: \(Command.allCases.map(\.rawValue).joined(separator: ", ")))")
          }
          let specs = kv.sequence != nil ? try p.stringList(kv, "keys.\(name)") : [try p.string(kv, "keys.\(name)")]
          var keys: [Key] = []
          for spec in specs {
            guard let k = KeySpec.parse(spec) else {
              throw ConfigError(path: path, line: p.line(kv), message: "keys.\(name): cannot read key \"\(spec)\" (examples: x, ctrl-r, F5, PgDn, enter)")
            }
            keys.append(k)
          }
          c.keys[cmd] = keys
        }
      case "scopes":
        guard let seq = v.sequence else { throw p.typeError(v, "scopes", "a list") }
        for item in seq {
          var sc = ScopeConfig()
          for (sk, sv) in try p.mapping(item, "a scope") {
            switch sk.string ?? "" {
            case "profile": sc.profile = try p.string(sv, "scope profile")
            case "region": sc.region = try p.string(sv, "scope region")
            case "endpoint_url": sc.endpointURL = try p.url(sv, "scope endpoint_url")
            case "read_only": sc.readOnly = try p.bool(sv, "scope read_only")
            case "accent": sc.accent = try p.string(sv, "scope accent")
            case "label": sc.label = try p.string(sv, "scope label")
            default: throw p.unknown(sk, in: "a scope", known: ["profile", "region", "endpoint_url", "read_only", "accent", "label"])
            }
          }
          c.scopes.append(sc)
        }
      case "profiles":
        for (pk, pv) in try p.mapping(v, "profiles") {
          var theme: String?
          var ro: Bool?
          for (ok, ov) in try p.mapping(pv, "profiles.\(pk.string ?? "")") {
            switch ok.string ?? "" {
            case "theme": theme = try p.string(ov, "theme")
            case "read_only": ro = try p.bool(ov, "read_only")
            default: throw p.unknown(ok, in: "a profile", known: ["theme", "read_only"])
            }
          }
          c.profileOverrides[pk.string ?? ""] = (theme, ro)
        }
      case "reconcile": c.reconcile = try ReconcileConfig.parse(v, p)
      case "recording": c.recording = try RecordingConfig.parse(v, p)
      default:
        throw p.unknown(k, in: "the top level", known: ["profile", "region", "endpoint_url", "read_only", "theme", "refresh", "tasks", "thresholds", "budget", "notifications", "keys", "scopes", "profiles", "reconcile", "recording"])
      }
    }
    return c
  }

  private static func yamlLine(_ e: YamlError) -> Int? {
    switch e {
    case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
    default: return nil
    }
  }

  private static func yamlMessage(_ e: YamlError) -> String {
    switch e {
    case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): return problem
    default: return String(describing: e)
    }
  }
}

/// Reads typed values out of YAML nodes, with line numbers in every error.
struct NodeReader {
  let path: String

  func line(_ n: Node) -> Int? { n.mark.map { $0.line } }

  func typeError(_ n: Node, _ what: String, _ expected: String) -> ConfigError {
    ConfigError(path: path, line: line(n), message: "\(what) must be \(expected)")
  }

  func unknown(_ key: Node, in place: String, known: [String]) -> ConfigError {
    ConfigError(path: path, line: line(key), message: "unknown key \"\(key.string ?? "?")\" in \(place) (known: \(known.joined(separator: ", ")))")
  }

  func mapping(_ n: Node, _ what: String) throws -> [(Node, Node)] {
    guard let m = n.mapping else { throw typeError(n, what, "a mapping of key: value") }
    var seen = Set<String>()
    for (k, _) in m {
      let key = k.string ?? ""
      if !seen.insert(key).inserted {
        throw ConfigError(path: path, line: line(k), message: "duplicate key \"\(key)\" in \(what)")
      }
    }
    return m.map { ($0.key, $0.value) }
  }

  func string(_ n: Node, _ what: String) throws -> String {
    guard case .scalar(let s) = n, !s.string.isEmpty else { throw typeError(n, what, "a non-empty string") }
    return s.string
  }

  func url(_ n: Node, _ what: String) throws -> String {
    let s = try string(n, what)
    guard let u = URL(string: s), let scheme = u.scheme, ["http", "https"].contains(scheme.lowercased()), u.host != nil else {
      throw typeError(n, what, "an http(s) URL")
    }
    return s
  }

  func bool(_ n: Node, _ what: String) throws -> Bool {
    guard case .scalar = n, let b = n.bool else { throw typeError(n, what, "true or false") }
    return b
  }

  func number(_ n: Node, _ what: String, min: Double, max: Double) throws -> Double {
    guard case .scalar = n, let d = n.float ?? n.int.map(Double.init), d.isFinite else { throw typeError(n, what, "a number") }
    guard d >= min, d <= max else { throw typeError(n, what, "between \(min) and \(max)") }
    return d
  }

  func stringList(_ n: Node, _ what: String) throws -> [String] {
    guard let seq = n.sequence else { throw typeError(n, what, "a list of strings") }
    return try seq.map { try string($0, what) }
  }
}

/// Key names in the config file: `x`, `X`, `ctrl-r`, `F5`, `PgDn`, `enter`, `space`, `tab`, `esc`…
public enum KeySpec {
  public static func parse(_ s: String) -> Key? {
    let lower = s.lowercased()
    switch lower {
    case "enter", "return": return .enter
    case "esc", "escape": return .escape
    case "tab": return .tab
    case "shift-tab", "backtab": return .backTab
    case "space": return .char(" ")
    case "up": return .up
    case "down": return .down
    case "left": return .left
    case "right": return .right
    case "pgup", "pageup": return .pageUp
    case "pgdn", "pagedown": return .pageDown
    case "home": return .home
    case "end": return .end
    case "backspace", "bksp": return .backspace
    case "delete", "del": return .delete
    default: break
    }
    if lower.hasPrefix("ctrl-"), s.count == 6, let c = lower.last, c.isLetter { return .ctrl(c) }
    if lower.hasPrefix("f"), let n = Int(lower.dropFirst()), (1...12).contains(n) { return .function(n) }
    if s.count == 1, let c = s.first, !c.isWhitespace { return .char(c) }
    return nil
  }
}
