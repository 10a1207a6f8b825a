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

  public static func resolve(environment env: [String: String], executableDir: String? = nil) -> AppPaths {
    let home = env["HOME"] ?? NSHomeDirectory()
    let configHome = nonEmpty(env["XDG_CONFIG_HOME"]) ?? "\(home)/.config"
    let stateHome = nonEmpty(env["XDG_STATE_HOME"]) ?? "\(home)/.local/state"
    var themeDirs = ["\(configHome)/dmswatch/themes"]
    if let d = executableDir { themeDirs.append("\(d)/themes") }
    themeDirs.append(FileManager.default.currentDirectoryPath + "/themes")
    return AppPaths(
      configFile: nonEmpty(env["DMSWATCH_CONFIG"]) ?? "\(configHome)/dmswatch/config.yaml",
      themeDirs: themeDirs,
      logFile: "\(stateHome)/dmswatch/dmswatch.log",
      auditFile: nonEmpty(env["DMSWATCH_AUDIT_LOG"]) ?? "\(stateHome)/dmswatch/audit.log")
  }

  private static func nonEmpty(_ s: String?) -> String? {
    guard let s, !s.isEmpty else { return nil }
    return s
  }
}
