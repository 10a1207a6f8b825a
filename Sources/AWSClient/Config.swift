import DMSWatchModel
import Foundation

/// An AWS-style INI file. Nested blocks (`key =` followed by indented `sub = value` lines, as in
/// `[services x]` sections) are flattened to `key.sub`.
public struct INIFile: Sendable, Equatable {
  public var sections: [String: [String: String]] = [:]
  public var path: String

  public init(path: String, sections: [String: [String: String]] = [:]) {
    self.path = path
    self.sections = sections
  }

  public static func parse(_ text: String, path: String) throws -> INIFile {
    var file = INIFile(path: path)
    var current: String? = nil
    var nestedKey: String? = nil
    var lastKey: String? = nil
    for (i, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let lineNo = i + 1
      let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix(";") { continue }
      let indented = line.first == " " || line.first == "\t"
      if trimmed.hasPrefix("[") {
        guard trimmed.hasSuffix("]"), trimmed.count > 2 else {
          throw CredentialsError("\(path): line \(lineNo): section header '\(trimmed)' is missing its closing ']'")
        }
        let name = trimmed.dropFirst().dropLast().split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
        current = name
        nestedKey = nil
        lastKey = nil
        if file.sections[name] == nil { file.sections[name] = [:] }
        continue
      }
      guard let section = current else {
        throw CredentialsError("\(path): line \(lineNo): '\(trimmed.prefix(40))' appears before any [section]")
      }
      if indented, let parent = nestedKey ?? lastKey {
        guard let eq = trimmed.firstIndex(of: "=") else {
          // A continuation of the previous value.
          if let k = lastKey, nestedKey == nil { file.sections[section]?[k, default: ""] += "\n" + trimmed }
          continue
        }
        let k = trimmed[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
        let v = trimmed[trimmed.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        nestedKey = parent
        file.sections[section]?["\(parent).\(k)"] = v
        continue
      }
      guard let eq = trimmed.firstIndex(of: "=") else {
        throw CredentialsError("\(path): line \(lineNo): expected 'key = value', found '\(trimmed.prefix(40))'")
      }
      let k = trimmed[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
      guard !k.isEmpty else { throw CredentialsError("\(path): line \(lineNo): a key is missing before '='") }
      var v = trimmed[trimmed.index(after: eq)...].trimmingCharacters(in: .whitespaces)
      // Inline comments need a space before them (so URL fragments and tokens survive).
      if let r = v.range(of: " #") ?? v.range(of: " ;") { v = v[..<r.lowerBound].trimmingCharacters(in: .whitespaces) }
      file.sections[section]?[k] = v
      lastKey = k
      nestedKey = nil
    }
    return file
  }

  /// Reads and parses; a missing file is an empty file.
  public static func load(_ path: String) throws -> INIFile {
    guard FileManager.default.fileExists(atPath: path) else { return INIFile(path: path) }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw CredentialsError("\(path): cannot be read")
    }
    return try parse(String(decoding: data, as: UTF8.self), path: path)
  }
}

/// The shared config and credentials files, resolved for one environment.
public struct AWSConfigFiles: Sendable {
  public var config: INIFile
  public var credentials: INIFile

  public init(config: INIFile, credentials: INIFile) {
    self.config = config
    self.credentials = credentials
  }

  public static func load(environment env: [String: String]) throws -> AWSConfigFiles {
    let home = env["HOME"] ?? NSHomeDirectory()
    func expand(_ p: String) -> String { p.hasPrefix("~/") ? home + p.dropFirst(1) : p }
    let configPath = expand(env["AWS_CONFIG_FILE"] ?? "~/.aws/config")
    let credsPath = expand(env["AWS_SHARED_CREDENTIALS_FILE"] ?? "~/.aws/credentials")
    return AWSConfigFiles(config: try INIFile.load(configPath), credentials: try INIFile.load(credsPath))
  }

  /// `[profile name]` (or `[default]`) in the config file.
  public func configProfile(_ name: String) -> [String: String]? {
    if name == "default" { return config.sections["default"] ?? config.sections["profile default"] }
    return config.sections["profile \(name)"]
  }

  public func credentialsProfile(_ name: String) -> [String: String]? { credentials.sections[name] }

  /// Config profile keys overlaid with credentials-file keys.
  public func profile(_ name: String) -> [String: String]? {
    let c = configProfile(name)
    let k = credentialsProfile(name)
    if c == nil && k == nil { return nil }
    return (c ?? [:]).merging(k ?? [:]) { _, b in b }
  }

  public func section(_ kind: String, _ name: String) -> [String: String]? { config.sections["\(kind) \(name)"] }
}

/// Region and endpoint resolution.
public enum AWSResolve {
  public static func region(explicit: String?, environment env: [String: String], profile: [String: String]?) -> String? {
    for c in [explicit, env["AWS_REGION"], env["AWS_DEFAULT_REGION"], profile?["region"]] {
      if let r = c?.trimmingCharacters(in: .whitespaces), !r.isEmpty { return r }
    }
    return nil
  }

  /// Explicit override, `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, the profile's `services`
  /// section, the profile's `endpoint_url`; nil means the default AWS endpoint.
  public static func endpoint(
    for spec: ServiceSpec, explicit: URL?, environment env: [String: String], profile: [String: String]?, files: AWSConfigFiles?
  ) throws -> URL? {
    if let explicit { return explicit }
    let ignore = (env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] ?? profile?["ignore_configured_endpoint_urls"])?.lowercased() == "true"
    if ignore { return nil }
    var candidates: [(String, String?)] = [
      ("AWS_ENDPOINT_URL_\(spec.endpointEnvSuffix)", env["AWS_ENDPOINT_URL_\(spec.endpointEnvSuffix)"]),
      ("AWS_ENDPOINT_URL", env["AWS_ENDPOINT_URL"]),
    ]
    if let svc = profile?["services"], let section = files?.section("services", svc) {
      candidates.append(("[services \(svc)] \(spec.configKey).endpoint_url", section["\(spec.configKey).endpoint_url"]))
    }
    candidates.append(("profile endpoint_url", profile?["endpoint_url"]))
    for (name, value) in candidates {
      guard let v = value?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { continue }
      guard let u = URL(string: v), let scheme = u.scheme?.lowercased(), scheme == "http" || scheme == "https", u.host != nil else {
        throw ServiceError(kind: .client, code: "InvalidEndpoint", message: "\(name) = '\(v)' is not an http(s) URL")
      }
      return u
    }
    return nil
  }
}
