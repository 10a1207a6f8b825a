import ArgumentParser
import DMSWatchModel
import Foundation

/// `dmswatch --help` with the dashboard's flags, and the closest subcommand for a typo.
enum CLIHelp {
  /// The subcommands' names, from the command tree itself (a new subcommand is never "unknown").
  static var subcommands: [String] {
    DMSWatch.configuration.subcommands.map { $0._commandName } + ["help"]
  }

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

  static func distance(_ a: String, _ b: String) -> Int { TextSearch.editDistance(a, b) }

}
