import DMSWatchModel
import Foundation

/// The `:` command line (k9s-style): a table of commands, completion with `tab`, and what each runs.
/// The reducer owns it, so the dashboard and the replay share one command line and tests drive it as keys.
public struct CommandLineState: Sendable, Equatable {
  public var text = ""
  /// What `tab` found when it could not complete to one (shown after the text).
  public var candidates: [String] = []
  public init(text: String = "") { self.text = text }
}

/// What a command's argument is, for completion and checking.
public enum CommandArgument: Sendable, Equatable {
  case none
  /// A scope's display name, its id, or `all`.
  case scope
  case theme
  /// `all` or `task`.
  case logMode
  case sortColumn
  /// Free text (filter) or a time (replay's `at`).
  case text(optional: Bool)
}

public struct PromptCommand: Sendable, Equatable {
  public var name: String
  public var aliases: [String]
  public var argument: CommandArgument
  public var usage: String
  public var description: String
  /// Handled by the session loop (screen dump, replay seek), not by the reducer.
  public var session: Bool
  /// Only while replaying a recording.
  public var replayOnly: Bool

  public init(
    _ name: String, aliases: [String] = [], arg argument: CommandArgument = .none, usage: String? = nil, _ description: String,
    session: Bool = false, replayOnly: Bool = false
  ) {
    self.name = name
    self.aliases = aliases
    self.argument = argument
    self.usage = usage ?? name
    self.description = description
    self.session = session
    self.replayOnly = replayOnly
  }
}

public enum PromptCommands {
  /// Every `:` command; help lists them from here.
  public static let all: [PromptCommand] = [
    PromptCommand("tasks", aliases: ["task"], "focus TASKS (closes an overlay)"),
    PromptCommand("tables", aliases: ["table"], "focus the selected task's TABLES"),
    PromptCommand("recon", aliases: ["reconcile"], "RECON of the selected task"),
    PromptCommand("detail", "detail of the selected task"),
    PromptCommand("scope", arg: .scope, usage: "scope NAME|all", "one account/region only, or all"),
    PromptCommand("log", arg: .logMode, usage: "log all|task", "LOG: all tasks, or the focused one"),
    PromptCommand("theme", arg: .theme, usage: "theme NAME", "switch the colour theme"),
    PromptCommand("sort", arg: .sortColumn, usage: "sort COLUMN", "sort TASKS (tab lists the columns)"),
    PromptCommand("filter", arg: .text(optional: true), usage: "filter TEXT", "filter TASKS as / does (empty clears)"),
    PromptCommand("errors", "errors only, as E"),
    PromptCommand("help", "this help"),
    PromptCommand("dump", "write the screen, as D", session: true),
    PromptCommand("at", aliases: ["seek"], arg: .text(optional: false), usage: "at TIME", "go to 03:12, 03:12:30, +5m, start, end", session: true, replayOnly: true),
    PromptCommand("quit", aliases: ["q", "q!"], "quit"),
  ]

  public static func available(replay: Bool) -> [PromptCommand] { all.filter { replay || !$0.replayOnly } }

  public static func find(_ word: String, replay: Bool) -> PromptCommand? {
    let w = word.lowercased()
    return available(replay: replay).first { $0.name == w || $0.aliases.contains(w) }
  }

  /// Candidates for the argument of `command`, from the state (scopes, themes).
  public static func argumentCandidates(_ command: PromptCommand, _ s: AppState) -> [String] {
    switch command.argument {
    case .none, .text: []
    case .scope: ["all"] + s.scopes.map(\.display)
    case .theme: s.themeNames
    case .logMode: ["all", "task"]
    case .sortColumn: TaskSortColumn.allCases.map(\.rawValue)
    }
  }

  /// `tab`: completes the command word, then its argument, to the longest common prefix; lists the
  /// candidates when more than one remains.
  public static func complete(_ line: CommandLineState, _ s: AppState, replay: Bool) -> CommandLineState {
    var out = line
    out.candidates = []
    let text = line.text
    if let space = text.firstIndex(of: " ") {
      let word = String(text[..<space])
      let arg = String(text[text.index(after: space)...]).trimmingCharacters(in: .whitespaces)
      guard let cmd = find(word, replay: replay) else { return out }
      let options = argumentCandidates(cmd, s)
      let hits = options.filter { $0.lowercased().hasPrefix(arg.lowercased()) }
      if hits.count == 1 {
        out.text = word + " " + hits[0]
      } else if hits.count > 1 {
        out.text = word + " " + commonPrefix(hits)
        out.candidates = hits
      } else {
        out.candidates = options.isEmpty ? [] : ["no match among: " + options.joined(separator: " ")]
      }
      return out
    }
    let names = available(replay: replay).flatMap { [$0.name] + $0.aliases.filter { $0.count > 2 } }
    let hits = names.filter { $0.hasPrefix(text.lowercased()) }
    if hits.count == 1, let cmd = find(hits[0], replay: replay) {
      out.text = hits[0] + (cmd.argument == .none ? "" : " ")
    } else if hits.count > 1 {
      out.text = commonPrefix(hits)
      out.candidates = hits
    }
    return out
  }

  static func commonPrefix(_ words: [String]) -> String {
    guard var p = words.first else { return "" }
    for w in words.dropFirst() {
      while !w.lowercased().hasPrefix(p.lowercased()) { p.removeLast() }
    }
    return p
  }

  /// The closest command name, for "did you mean".
  public static func suggestion(for word: String, replay: Bool) -> String? {
    let names = available(replay: replay).flatMap { [$0.name] + $0.aliases }
    let best = names.map { ($0, TextSearch.editDistance($0, word.lowercased())) }.min { $0.1 < $1.1 }
    guard let best, best.1 <= max(2, word.count / 2) else { return nil }
    return best.0
  }
}
