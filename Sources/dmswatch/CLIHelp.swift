import ArgumentParser
import Foundation

/// `dmswatch --help` with the dashboard's flags, and the closest subcommand for a typo.
enum CLIHelp {
  static let subcommands = ["dashboard", "info", "check", "config", "reconcile", "help"]

  /// The root help followed by the dashboard's own options (the command most people run).
  static func rootHelp() -> String {
    var text = DMSWatch.helpMessage()
    let dash = Dashboard.helpMessage()
    if let r = dash.range(of: "OPTIONS:") {
      text += "\n\nDASHBOARD OPTIONS (dmswatch [dashboard] [options]):\n" + dash[r.upperBound...].trimmingCharacters(in: .newlines)
    }
    return text
  }

  /// "did you mean 'check'?" for a first argument that looks like a mistyped subcommand, else nil.
  static func suggestion(for arguments: [String]) -> String? {
    guard let first = arguments.first, !first.hasPrefix("-"), !subcommands.contains(first) else { return nil }
    let best = subcommands.map { ($0, distance(first.lowercased(), $0)) }.min { $0.1 < $1.1 }
    guard let best, best.1 <= max(2, first.count / 3) else {
      return "dmswatch: unknown command '\(first)' (commands: \(subcommands.joined(separator: ", ")); see dmswatch --help)"
    }
    return "dmswatch: unknown command '\(first)'. Did you mean '\(best.0)'? (see dmswatch --help)"
  }

  /// Levenshtein distance.
  static func distance(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var prev = Array(0...y.count)
    for i in 1...x.count {
      var cur = [i] + Array(repeating: 0, count: y.count)
      for j in 1...y.count {
        cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
      }
      prev = cur
    }
    return prev[y.count]
  }
}
