import DMSWatchApp
import DMSWatchModel
import DMSWatchRender
import Foundation
import DMSWatchState

/// The `:` prompt of the dashboard and the replay: collects a line (`at 03:12`, `dump`), shown on the
/// status line while typed; enter runs it, escape cancels.
@MainActor
final class CommandPrompt {
  private(set) var active = false
  private var text = ""

  func begin(_ c: AppController) {
    active = true
    text = ""
    show(c)
  }

  /// Feeds a key; returns the finished line on enter.
  func feed(_ k: Key, _ c: AppController) -> String? {
    switch k {
    case .enter:
      active = false
      return text.trimmingCharacters(in: .whitespaces)
    case .escape, .ctrl("c"):
      active = false
      c.dispatch(.statusMessage("", .ok))
    case .backspace, .delete:
      if !text.isEmpty { text.removeLast() }
      show(c)
    case .char(let ch):
      if text.count < 80 { text.append(ch) }
      show(c)
    default:
      break
    }
    return nil
  }

  private func show(_ c: AppController) { c.dispatch(.statusMessage(":" + text + "▏", .ok)) }
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
