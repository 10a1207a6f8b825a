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
    case .scope: ["all"] + s.fleet.scopes.map(\.display)
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

/// The `:` line run: one table of commands (`PromptCommands`), unknown ones get the closest.
extension Reducer {
  // MARK: command line

  /// Greedy word wrap at `width` characters (a word longer than the width is cut).
  static func wrap(_ text: String, width: Int) -> [String] {
    var out: [String] = []
    var line = ""
    for word in text.split(separator: " ", omittingEmptySubsequences: false) {
      var w = String(word)
      while w.count > width {
        if !line.isEmpty { out.append(line); line = "" }
        out.append(String(w.prefix(width)))
        w = String(w.dropFirst(width))
      }
      if line.isEmpty { line = w } else if line.count + 1 + w.count <= width { line += " " + w } else { out.append(line); line = w }
    }
    out.append(line)
    return out
  }

  static func isPrintable(_ c: Character) -> Bool {
    c.unicodeScalars.allSatisfy {
      $0.value >= 0x20 && $0.value != 0x7f && $0.properties.generalCategory != .control && $0.properties.generalCategory != .format
    }
  }

  /// Runs one `:` line. Unknown commands and bad arguments get a one-line message, never silence.
  public func runCommandLine(_ s: inout AppState, _ text: String) -> [Effect] {
    let line = text.trimmingCharacters(in: .whitespaces)
    guard !line.isEmpty else { return [] }
    let replay = s.replaying
    let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
    let word = parts[0]
    let arg = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
    guard let cmd = PromptCommands.find(word, replay: replay) else {
      let hint = PromptCommands.suggestion(for: word, replay: replay).map { " — did you mean :\($0)?" } ?? ""
      setMessage(&s, "unknown command :\(word)\(hint) (: then tab lists the commands)", .warn)
      return []
    }
    if cmd.argument == .none, !arg.isEmpty {
      setMessage(&s, ":\(cmd.name) takes no argument", .warn)
      return []
    }
    if case .text(optional: false) = cmd.argument, arg.isEmpty {
      setMessage(&s, "usage: :\(cmd.usage)", .warn)
      return []
    }
    if cmd.session { return [.session(command: cmd.name, argument: arg)] }
    switch cmd.name {
    case "tasks":
      s.overlay = .none
      s.focus = .tasks
    case "tables":
      guard s.selectedTaskArn != nil else { return noTask(&s) }
      s.overlay = .none
      s.focus = .tables
    case "recon":
      s.overlay = .none
      return run(&s, .reconcile)
    case "detail":
      return run(&s, .detail)
    case "help":
      s.overlay = .help(scroll: 0)
    case "errors":
      return run(&s, .errorsOnly)
    case "quit":
      return run(&s, .quit)
    case "filter":
      s.filter = String(arg.prefix(128))
      s.focus = .tasks
      s.recomputeTaskOrder()
      s.syncTableCursor()
    case "sort":
      guard let c = TaskSortColumn(rawValue: arg.lowercased()) else {
        setMessage(&s, "usage: :sort \(TaskSortColumn.allCases.map(\.rawValue).joined(separator: "|"))", .warn)
        return []
      }
      sortBy(&s, c)
    case "log":
      switch arg.lowercased() {
      case "all": s.logAll = true
      case "task", "": s.logAll = false
      default:
        setMessage(&s, "usage: :log all|task", .warn)
        return []
      }
      s.logFollow = true
      s.logScrollBack = 0
      s.logMatch = nil
      setMessage(&s, s.logAll ? "LOG: every task, merged in time order (:log task for the focused task)" : "LOG: the focused task's lines (:log all for every task)", .ok)
    case "scope":
      let a = arg.lowercased()
      if a.isEmpty || a == "all" {
        s.scopeFilter = nil
        setMessage(&s, "showing every scope", .ok)
      } else if let hit = s.fleet.scopes.first(where: { $0.display.lowercased() == a || $0.id.rawValue.lowercased() == a })
        ?? s.fleet.scopes.first(where: { $0.display.lowercased().hasPrefix(a) })
      {
        s.scopeFilter = hit.id
        setMessage(&s, "showing scope \(hit.display) only (:scope all for every scope)", .ok)
      } else {
        let names = s.fleet.scopes.map(\.display).joined(separator: ", ")
        setMessage(&s, "no scope \"\(arg)\" (scopes: \(names.isEmpty ? "none" : names))", .warn)
        return []
      }
      s.recomputeTaskOrder()
      s.syncTableCursor()
    case "theme":
      guard !arg.isEmpty else {
        setMessage(&s, "usage: :theme NAME (\(s.themeNames.joined(separator: ", ")))", .warn)
        return []
      }
      return [.setTheme(arg)]
    default:
      setMessage(&s, "unknown command :\(word)", .warn)
    }
    return []
  }

}
