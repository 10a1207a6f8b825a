import ArgumentParser
import DMSWatchApp
import DMSWatchModel
import DMSWatchRender
import Foundation
import DMSWatchState
import DMSWatchThemes

/// `dmswatch config …`: config file tools.
struct ConfigCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "config", abstract: "Config file tools.", subcommands: [ConfigCheck.self])
}

/// `dmswatch config check`: loads the config file and reports the first error with its line (exit 2),
/// or `config OK: <path>` (exit 0). Also loads the themes it names and checks the key overrides.
struct ConfigCheck: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check", abstract: "Validate the config file (exit 0 when valid, 2 with the error and its line when not).")

  @Option(help: "Config file (default: $XDG_CONFIG_HOME/dmswatch/config.yaml).")
  var config: String?

  func run() throws {
    let env = ProcessInfo.processInfo.environment
    let paths = AppPaths.resolve(environment: env, executableDir: executableDir())
    let path = config ?? paths.configFile
    if config == nil, !FileManager.default.fileExists(atPath: path) {
      print("no config file at \(path): defaults apply")
      return
    }
    let cfg: AppConfig
    do {
      cfg = try AppConfig.load(path: path, mustExist: true)
    } catch let e as ConfigError {
      printError("dmswatch: \(e)")
      throw ExitCode(2)
    }
    let text = FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } ?? ""

    var errors: [ConfigError] = []
    var warnings: [String] = []
    var themes: [(String, String)] = []
    if let t = cfg.theme { themes.append((t, "theme")) }
    for (profile, o) in cfg.profileOverrides.sorted(by: { $0.key < $1.key }) {
      if let t = o.theme { themes.append((t, "profiles.\(profile).theme")) }
    }
    for (name, key) in themes {
      do {
        _ = try ThemeLoader.load(nameOrPath: name, searchDirs: paths.themeDirs)
      } catch {
        errors.append(ConfigError(
          path: path, line: ConfigText.line(of: name, key: key.split(separator: ".").last.map(String.init) ?? key, in: text),
          message: "\(key) \"\(name)\": \(error)"))
      }
    }
    for issue in KeyOverrideCheck.issues(cfg.keys) {
      let line = ConfigText.line(ofKey: issue.command.rawValue, in: text)
      if issue.isError {
        errors.append(ConfigError(path: path, line: line, message: issue.message))
      } else {
        warnings.append(ConfigError(path: path, line: line, message: issue.message).description)
      }
    }
    for w in warnings { printError("dmswatch: warning: \(w)") }
    if !errors.isEmpty {
      for e in errors { printError("dmswatch: \(e)") }
      throw ExitCode(2)
    }
    print("config OK: \(path)")
  }
}

/// Problems of the `keys:` section beyond what the parser checks.
enum KeyOverrideCheck {
  struct Issue: Equatable {
    var command: Command
    var message: String
    var isError: Bool
  }

  /// A key given to two commands is an error; a command left with no key at all (its keys taken by
  /// overrides) is a warning.
  static func issues(_ keys: [Command: [Key]]) -> [Issue] {
    var out: [Issue] = []
    let commands = keys.keys.sorted { $0.rawValue < $1.rawValue }
    var owner: [Key: Command] = [:]
    for c in commands {
      for k in keys[c] ?? [] {
        if let other = owner[k], other != c {
          out.append(Issue(command: c, message: "keys: \"\(k.label)\" is given to both \(other.rawValue) and \(c.rawValue)", isError: true))
        } else {
          owner[k] = c
        }
      }
      if (keys[c] ?? []).isEmpty {
        out.append(Issue(command: c, message: "keys.\(c.rawValue) has no key: the command cannot be used", isError: false))
      }
    }
    var map = KeyMap()
    for c in commands { map.override(c, keys: keys[c] ?? []) }
    for b in map.bindings where b.keys.isEmpty && keys[b.command] == nil {
      out.append(Issue(
        command: b.command, message: "the key overrides take every key of \(b.command.rawValue): it has no key left", isError: false))
    }
    return out
  }
}

/// Finds lines in the config text for errors the parser cannot place.
enum ConfigText {
  /// First line (1-based) with `key:` followed by `value` (quoted or not).
  static func line(of value: String, key: String, in text: String) -> Int? {
    for (i, l) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let t = l.trimmingCharacters(in: .whitespaces)
      guard t.hasPrefix("\(key):") else { continue }
      if t.contains(value) { return i + 1 }
    }
    return nil
  }

  /// First line (1-based) whose key is `key`.
  static func line(ofKey key: String, in text: String) -> Int? {
    for (i, l) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let t = l.trimmingCharacters(in: .whitespaces)
      if t.hasPrefix("\(key):") || t.hasPrefix("\"\(key)\":") { return i + 1 }
    }
    return nil
  }
}
