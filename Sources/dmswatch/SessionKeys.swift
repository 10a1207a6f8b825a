import DMSWatchApp
import DMSWatchModel
import DMSWatchRender
import Foundation
import DMSWatchState
import DMSWatchThemes

/// Theme names for `:theme` completion: the built-in ones and the `*.yaml` files of the theme directories.
func availableThemeNames(_ dirs: [String]) -> [String] {
  var names = Set(ThemeLoader.builtinNames)
  for d in dirs {
    for f in (try? FileManager.default.contentsOfDirectory(atPath: d)) ?? [] where f.hasSuffix(".yaml") || f.hasSuffix(".yml") {
      names.insert(String(f.prefix(upTo: f.lastIndex(of: ".") ?? f.endIndex)))
    }
  }
  return names.sorted()
}

/// Writes the screen as plain and ANSI text into `<state dir>/dumps` and says where on the status line.
@MainActor
func dumpScreen(_ grid: Grid, theme: Theme, stateDir: String, at: Date, controller: AppController) {
  do {
    let (plain, ansi) = try ScreenDump.write(grid, theme: theme, directory: stateDir + "/dumps", at: at)
    controller.dispatch(.statusMessage("screen written to \(plain) (ANSI: \(ansi))", .ok))
  } catch {
    controller.dispatch(.statusMessage("screen dump failed: \(error)", .warn))
  }
}
