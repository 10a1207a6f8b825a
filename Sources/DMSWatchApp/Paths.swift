import Foundation

/// XDG locations for config, themes, state (log and audit).
public struct AppPaths: Sendable, Equatable {
  public var configFile: String
  public var themeDirs: [String]
  public var logFile: String
  public var auditFile: String

  public init(configFile: String, themeDirs: [String], logFile: String, auditFile: String) {
    self.configFile = configFile
    self.themeDirs = themeDirs
    self.logFile = logFile
    self.auditFile = auditFile
  }

  /// XDG Base Directory rules: an empty or relative `XDG_*` value is ignored; so is an empty or relative
  /// `HOME` (then the password database's home directory), so nothing ever lands under `/` or the
  /// current directory by accident.
  public static func resolve(
    environment env: [String: String], executableDir: String? = nil, passwdHome: () -> String? = AppPaths.passwdHome
  ) -> AppPaths {
    let home = absolute(env["HOME"]) ?? absolute(passwdHome()) ?? "/nonexistent"
    let configHome = absolute(env["XDG_CONFIG_HOME"]) ?? "\(home)/.config"
    let stateHome = absolute(env["XDG_STATE_HOME"]) ?? "\(home)/.local/state"
    var themeDirs = ["\(configHome)/dmswatch/themes"]
    if let d = executableDir { themeDirs.append("\(d)/themes") }
    themeDirs.append(FileManager.default.currentDirectoryPath + "/themes")
    return AppPaths(
      configFile: nonEmpty(env["DMSWATCH_CONFIG"]) ?? "\(configHome)/dmswatch/config.yaml",
      themeDirs: themeDirs,
      logFile: "\(stateHome)/dmswatch/dmswatch.log",
      auditFile: nonEmpty(env["DMSWATCH_AUDIT_LOG"]) ?? "\(stateHome)/dmswatch/audit.log")
  }

  /// The user's home directory from the password database (getpwuid), ignoring `HOME`.
  public static func passwdHome() -> String? {
    guard let pw = getpwuid(getuid()), let dir = pw.pointee.pw_dir else { return nil }
    return String(cString: dir)
  }

  private static func absolute(_ s: String?) -> String? {
    guard let s, s.hasPrefix("/") else { return nil }
    var t = s
    while t.hasSuffix("/") { t.removeLast() }
    return t
  }

  private static func nonEmpty(_ s: String?) -> String? {
    guard let s, !s.isEmpty else { return nil }
    return s
  }
}
