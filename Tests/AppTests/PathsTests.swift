import DMSWatchApp
import XCTest

/// XDG Base Directory rules (issue 15): no paths under `/` from an empty HOME, relative XDG values ignored.
final class PathsTests: XCTestCase {
  func testEmptyHomeFallsBackToThePasswordDatabase() {
    for home in ["", "relative/home"] {
      let p = AppPaths.resolve(environment: ["HOME": home], passwdHome: { "/home/oncall" })
      XCTAssertEqual(p.configFile, "/home/oncall/.config/dmswatch/config.yaml", "HOME=\(home)")
      XCTAssertEqual(p.auditFile, "/home/oncall/.local/state/dmswatch/audit.log", "HOME=\(home)")
      XCTAssertEqual(p.themeDirs.first, "/home/oncall/.config/dmswatch/themes")
    }
    let none = AppPaths.resolve(environment: ["HOME": ""], passwdHome: { nil })
    XCTAssertFalse(none.auditFile.hasPrefix("/.local"), none.auditFile)
    XCTAssertFalse(none.configFile.hasPrefix("/.config"), none.configFile)
  }

  func testRelativeXDGValuesAreIgnored() {
    let p = AppPaths.resolve(
      environment: ["HOME": "/home/a", "XDG_CONFIG_HOME": "cfg", "XDG_STATE_HOME": "./state"], passwdHome: { nil })
    XCTAssertEqual(p.configFile, "/home/a/.config/dmswatch/config.yaml")
    XCTAssertEqual(p.auditFile, "/home/a/.local/state/dmswatch/audit.log")
    let q = AppPaths.resolve(environment: ["HOME": "/home/a/", "XDG_CONFIG_HOME": "/etc/x/", "XDG_STATE_HOME": "/var/s"], passwdHome: { nil })
    XCTAssertEqual(q.configFile, "/etc/x/dmswatch/config.yaml")
    XCTAssertEqual(q.logFile, "/var/s/dmswatch/dmswatch.log")
  }
}
