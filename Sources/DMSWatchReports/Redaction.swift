import Foundation

/// Hides secrets in URLs and text before they reach a log file or the screen.
public enum Redact {
  public static let mask = "***"

  /// Query/fragment parameter names (lowercased) containing one of these have their value masked.
  static let sensitiveParamParts = ["token", "sig", "key", "secret", "password", "passwd", "pwd", "auth", "credential", "session"]

  /// Webhook hosts whose path is itself the secret: everything after the host is masked.
  static func secretPathHost(_ host: String, path: String) -> String? {
    let h = host.lowercased()
    if h == "hooks.slack.com" || h.hasSuffix(".hooks.slack.com") { return "/" }
    if h.hasSuffix("webhook.office.com") || h.hasSuffix(".logic.azure.com") { return "/" }
    if h == "discord.com" || h == "discordapp.com" || h.hasSuffix(".discord.com") {
      return path.lowercased().hasPrefix("/api/webhooks") ? "/api/webhooks/" : nil
    }
    if h == "hooks.zapier.com" || h == "events.pagerduty.com" && path.lowercased().hasPrefix("/integration/") {
      return "/"
    }
    return nil
  }

  /// Redacts one URL: `https://hooks.slack.com/services/T/B/X` → `https://hooks.slack.com/***`;
  /// `user:pass@` → `***@`; values of token/sig/key/secret/password… query and fragment parameters → `***`.
  /// Text that is not a URL is returned unchanged.
  public static func url(_ s: String) -> String {
    guard let schemeEnd = s.range(of: "://") else { return s }
    let scheme = s[..<schemeEnd.lowerBound]
    guard !scheme.isEmpty, scheme.allSatisfy({ $0.isLetter || $0.isNumber || "+.-".contains($0) }) else { return s }
    let rest = s[schemeEnd.upperBound...]
    let authorityEnd = rest.firstIndex { "/?#".contains($0) } ?? rest.endIndex
    var authority = String(rest[..<authorityEnd])
    if let at = authority.lastIndex(of: "@") {
      authority = mask + authority[at...]
    }
    let host = String(authority.split(separator: "@").last ?? "").split(separator: ":").first.map(String.init) ?? ""
    let tail = rest[authorityEnd...]
    let fragmentStart = tail.firstIndex(of: "#")
    let beforeFragment = tail[..<(fragmentStart ?? tail.endIndex)]
    let queryStart = beforeFragment.firstIndex(of: "?")
    let path = String(beforeFragment[..<(queryStart ?? beforeFragment.endIndex)])
    let head = "\(scheme)://\(authority)"
    if let keep = secretPathHost(host, path: path) {
      return head + keep + mask
    }
    var out = head + path
    if let q = queryStart {
      out += "?" + params(String(beforeFragment[beforeFragment.index(after: q)...]))
    }
    if let f = fragmentStart {
      out += "#" + params(String(tail[tail.index(after: f)...]))
    }
    return out
  }

  /// Masks values of sensitive `name=value` pairs separated by `&`.
  static func params(_ q: String) -> String {
    q.split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
      guard let eq = pair.firstIndex(of: "=") else { return String(pair) }
      let name = pair[..<eq]
      return isSensitive(String(name)) ? "\(name)=\(mask)" : String(pair)
    }.joined(separator: "&")
  }

  static func isSensitive(_ name: String) -> Bool {
    let n = (name.removingPercentEncoding ?? name).lowercased()
    return sensitiveParamParts.contains { n.contains($0) }
  }

  // Patterns for free text. Compiled once; NSRegularExpression is immutable and Sendable.
  static let urlPattern = try? NSRegularExpression(pattern: #"[A-Za-z][A-Za-z0-9+.\-]*://[^\s"'<>`]+"#)
  static let slackTokenPattern = try? NSRegularExpression(pattern: #"\bxox[a-z]-[A-Za-z0-9-]+"#, options: [.caseInsensitive])
  static let accessKeyPattern = try? NSRegularExpression(pattern: #"\b(AKIA|ASIA)[A-Z0-9]{16}\b"#)
  static let bearerPattern = try? NSRegularExpression(pattern: #"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=\-]{8,}"#, options: [.caseInsensitive])
  static let pairPattern = try? NSRegularExpression(
    pattern: #"\b([A-Za-z0-9_.\-]*(?:token|secret|password|passwd|signature|apikey|api_key|access_key|sig)[A-Za-z0-9_.\-]*)(\s*[=:]\s*)("[^"]*"|[^\s&"',;]+)"#,
    options: [.caseInsensitive])

  /// Redacts every URL, Slack token (`xoxb-…`), bearer/basic credential and `token=…`-style pair in text.
  public static func text(_ s: String) -> String {
    var out = s
    if let rx = urlPattern { out = replace(rx, in: out) { m in url(m[0]) } }
    if let rx = accessKeyPattern { out = replace(rx, in: out) { m in m[1] + mask } }
    if let rx = slackTokenPattern { out = replace(rx, in: out) { m in String(m[0].prefix(4)) + "-" + mask } }
    if let rx = bearerPattern { out = replace(rx, in: out) { m in m[1] + " " + mask } }
    if let rx = pairPattern {
      out = replace(rx, in: out) { m in m[3] == mask || m[3].hasPrefix("http") ? m[0] : m[1] + m[2] + mask }
    }
    return out
  }

  /// Replaces every match; `transform` gets the whole match and its groups (missing groups are "").
  static func replace(_ rx: NSRegularExpression, in s: String, _ transform: ([String]) -> String) -> String {
    let ns = s as NSString
    let matches = rx.matches(in: s, options: [], range: NSRange(location: 0, length: ns.length))
    guard !matches.isEmpty else { return s }
    var out = ""
    var last = 0
    for m in matches {
      out += ns.substring(with: NSRange(location: last, length: m.range.location - last))
      let groups = (0..<m.numberOfRanges).map { i -> String in
        let r = m.range(at: i)
        return r.location == NSNotFound ? "" : ns.substring(with: r)
      }
      out += transform(groups)
      last = m.range.location + m.range.length
    }
    out += ns.substring(from: last)
    return out
  }
}
