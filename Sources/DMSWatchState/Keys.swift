import Foundation

/// A decoded key press, independent of the terminal library.
public enum Key: Hashable, Sendable {
  case char(Character)
  case ctrl(Character)
  case up, down, left, right, pageUp, pageDown, home, end
  case enter, escape, tab, backTab, backspace, delete
  case function(Int)

  /// A human label used in help and hints ("j", "ctrl-r", "PgDn").
  public var label: String {
    switch self {
    case .char(" "): "space"
    case .char(let c): String(c)
    case .ctrl(let c): "ctrl-\(c)"
    case .up: "↑"
    case .down: "↓"
    case .left: "←"
    case .right: "→"
    case .pageUp: "PgUp"
    case .pageDown: "PgDn"
    case .home: "Home"
    case .end: "End"
    case .enter: "enter"
    case .escape: "esc"
    case .tab: "tab"
    case .backTab: "shift-tab"
    case .backspace: "bksp"
    case .delete: "del"
    case .function(let n): "F\(n)"
    }
  }
}

/// What a key does. Bindings map keys to commands; the reducer handles commands.
public enum Command: String, Sendable, CaseIterable, Codable {
  case moveUp, moveDown, pageUp, pageDown, top, bottom
  case focusNext, focusPrev, focusLeft, focusRight, drillDown
  case filter, back
  case start, stop, reload, validate, mark, markAll
  case refresh, pause, help, quit
  case sortNext, sortReverse
  case sortByName, sortByStatus, sortByType, sortByProgress, sortByLatency, sortByFlags, sortByHealth
  case followLog
  case detail
  case scopeNext
  case reconcile
  case errorsOnly
  case commandLine
  case copy
  case searchOlder, searchNewer, logLevel
  case testConnection
  case raw
  case expandLine
}

/// One binding: keys, the command, and how help and the hint bar show it.
public struct KeyBinding: Sendable, Equatable {
  public var keys: [Key]
  public var command: Command
  /// Short name for the hint bar (nil: shown only in help).
  public var hint: String?
  public var description: String
  /// Panes where it applies; empty means everywhere.
  public var panes: Set<Pane>
  /// Whether the action changes something in AWS (disabled by --read-only).
  public var mutates: Bool

  public init(_ keys: [Key], _ command: Command, hint: String? = nil, _ description: String, panes: Set<Pane> = [], mutates: Bool = false) {
    self.keys = keys
    self.command = command
    self.hint = hint
    self.description = description
    self.panes = panes
    self.mutates = mutates
  }

  public var keyLabel: String { keys.map(\.label).joined(separator: "/") }
}

/// The key-binding table: the only place keys are defined. Help and the hint bar come from it.
public struct KeyMap: Sendable {
  public var bindings: [KeyBinding]
  /// The keys of the view components (overlays, dialogs, text lines), by context.
  public var views: [ViewBinding]

  public init(bindings: [KeyBinding] = KeyMap.defaultBindings, views: [ViewBinding] = ViewKeys.defaultBindings) {
    self.bindings = bindings
    self.views = views
  }

  public func viewCommand(for key: Key, in context: KeyContext) -> ViewCommand? {
    ViewKeys.command(for: key, in: context, bindings: views)
  }

  public func command(for key: Key, in pane: Pane) -> Command? {
    for b in bindings where b.keys.contains(key) && (b.panes.isEmpty || b.panes.contains(pane)) {
      return b.command
    }
    return nil
  }

  public func binding(for command: Command) -> KeyBinding? {
    bindings.first { $0.command == command }
  }

  /// Bindings shown in the hint bar for a pane, in table order.
  /// The focused pane's own keys come first, so they survive a narrow screen.
  public func hints(for pane: Pane, readOnly: Bool) -> [KeyBinding] {
    let all = bindings.filter { $0.hint != nil && ($0.panes.isEmpty || $0.panes.contains(pane)) && !(readOnly && $0.mutates) }
    return all.filter { !$0.panes.isEmpty } + all.filter { $0.panes.isEmpty }
  }

  /// Replaces the keys of commands (config `keys:` overrides). Keys taken by an override are removed from other bindings.
  public mutating func override(_ command: Command, keys: [Key]) {
    for i in bindings.indices { bindings[i].keys.removeAll { keys.contains($0) } }
    for i in bindings.indices where bindings[i].command == command { bindings[i].keys = keys }
    // The same command inside the views (copy in detail and the raw view) follows the override.
    if let same = ViewCommand(rawValue: command.rawValue) {
      for i in views.indices where views[i].command == same { views[i].keys = keys }
    }
  }

  public static let defaultBindings: [KeyBinding] = [
    KeyBinding([.char("k"), .up], .moveUp, "move up"),
    KeyBinding([.char("j"), .down], .moveDown, "move down"),
    KeyBinding([.pageUp, .ctrl("b")], .pageUp, "page up"),
    KeyBinding([.pageDown, .ctrl("f")], .pageDown, "page down"),
    KeyBinding([.char("g"), .home], .top, "go to top"),
    KeyBinding([.char("G"), .end], .bottom, "go to bottom (log: follow)"),
    KeyBinding([.tab], .focusNext, hint: "pane", "focus next pane"),
    KeyBinding([.backTab], .focusPrev, "focus previous pane"),
    KeyBinding([.char("h"), .left], .focusLeft, "focus pane to the left"),
    KeyBinding([.char("l"), .right], .focusRight, "focus pane to the right"),
    KeyBinding([.enter], .drillDown, hint: "tables", "the selected task's tables", panes: [.tasks]),
    KeyBinding([.char("/")], .filter, hint: "filter", "filter tasks (status:x, health:x, !x)", panes: [.tasks]),
    KeyBinding([.char("/")], .filter, hint: "filter", "filter tables (name, state)", panes: [.tables, .flags]),
    KeyBinding([.char("/")], .filter, hint: "search", "search the log (n/N: next)", panes: [.log]),
    KeyBinding([.escape], .back, "clear filter / marks / back to TASKS"),
    KeyBinding([.char("s")], .start, hint: "start", "start (menu: what the state allows)", mutates: true),
    KeyBinding([.char("x")], .stop, hint: "stop", "stop task (asks, default No)", mutates: true),
    KeyBinding([.char("r")], .reload, hint: "reload", "reload marked/selected tables (asks)", panes: [.tables, .flags], mutates: true),
    KeyBinding([.char("v")], .validate, hint: "revalidate", "revalidate marked/all tables (asks)", mutates: true),
    KeyBinding([.char(" ")], .mark, hint: "mark", "mark (tasks: stop/resume several)", panes: [.tasks, .tables, .flags]),
    KeyBinding([.char("a")], .markAll, "mark all / none", panes: [.tables, .flags]),
    KeyBinding([.char("o")], .sortNext, hint: "sort", "sort by next column", panes: [.tasks]),
    KeyBinding([.char("O")], .sortReverse, "reverse sort order", panes: [.tasks]),
    KeyBinding([.char("N")], .sortByName, "sort by name", panes: [.tasks]),
    KeyBinding([.char("S")], .sortByStatus, "sort by status", panes: [.tasks]),
    KeyBinding([.char("T")], .sortByType, "sort by migration type", panes: [.tasks]),
    KeyBinding([.char("P")], .sortByProgress, "sort by full-load %", panes: [.tasks]),
    KeyBinding([.char("L")], .sortByLatency, "sort by CDC latency", panes: [.tasks]),
    KeyBinding([.char("F")], .sortByFlags, "sort by flag count", panes: [.tasks]),
    KeyBinding([.char("H")], .sortByHealth, "sort by health", panes: [.tasks]),
    KeyBinding([.char("R")], .reconcile, "RECON: row counts (marked: checksums)"),
    KeyBinding([.char("@")], .scopeNext, "next account/region only (then all)", panes: [.tasks]),
    KeyBinding([.char("E")], .errorsOnly, "errors only: tasks with findings", panes: [.tasks]),
    KeyBinding([.char("E")], .errorsOnly, "errors only: flagged tables", panes: [.tables, .flags]),
    KeyBinding([.char("d")], .detail, hint: "detail", "detail: readiness, findings, hints"),
    KeyBinding([.char("t")], .testConnection, "test the endpoint connections", mutates: true),
    KeyBinding([.char("y")], .raw, "raw JSON, as DMS returned it"),
    KeyBinding([.char("c")], .copy, hint: "copy", "copy ARN / table (OSC 52 clipboard)"),
    KeyBinding([.char("f")], .followLog, hint: "follow", "pause / resume log follow", panes: [.log]),
    KeyBinding([.char("n")], .searchOlder, "older search match", panes: [.log]),
    KeyBinding([.char("N")], .searchNewer, "newer search match", panes: [.log]),
    KeyBinding([.char("e")], .logLevel, hint: "level", "log level: all, W+, E only", panes: [.log]),
    KeyBinding([.enter], .expandLine, "the whole line (match or newest)", panes: [.log]),
    KeyBinding([.ctrl("r")], .refresh, hint: "refresh", "refresh now"),
    KeyBinding([.char("p")], .pause, hint: "pause", "pause / resume polling"),
    KeyBinding([.char(":")], .commandLine, hint: "cmd", "command line (see Commands)"),
    KeyBinding([.char("?")], .help, hint: "help", "show all keys"),
    KeyBinding([.char("q"), .ctrl("c")], .quit, hint: "quit", "quit"),
  ]
}
