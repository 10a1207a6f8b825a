import Foundation

/// Where a key press lands when it is not a pane's: each view component has its own context.
public enum KeyContext: String, Sendable, CaseIterable {
  case help, startMenu, cdcStart, confirm, detail, raw, recon, commandLine, filterEdit

  /// How help names the context.
  public var title: String {
    switch self {
    case .help: "help"
    case .startMenu: "start menu"
    case .cdcStart: "CDC start point"
    case .confirm: "confirmation"
    case .detail: "detail"
    case .raw: "raw JSON / line view"
    case .recon: "RECON"
    case .commandLine: ": command line"
    case .filterEdit: "/ filter or search"
    }
  }
}

/// What a key does inside a view component (an overlay, a dialog or a line being typed).
public enum ViewCommand: String, Sendable, CaseIterable {
  case close, up, down, pageUp, pageDown, top, bottom
  /// Run the highlighted choice / the typed text.
  case choose
  case yes, no
  /// Move between the Yes/No buttons, or between the choices of a menu.
  case nextChoice, prevChoice
  case pick1, pick2, pick3, pick4
  /// Copy what the view shows (the ARN, the JSON) with OSC 52.
  case copy
  /// RECON: run the reconciliation again; cancel the running one.
  case rerun, cancelRun
  /// Text fields: complete, delete the last character, clear the field.
  case complete, erase, clear

  /// A scroll offset or list index moved by this command (nil: not a movement). `last` caps it when known;
  /// a view that does not know its length lets the renderer clamp.
  func moved(_ v: Int, last: Int? = nil) -> Int? {
    let n: Int
    switch self {
    case .down: n = v + 1
    case .up: n = v - 1
    case .pageDown: n = v + 10
    case .pageUp: n = v - 10
    case .top: n = 0
    case .bottom:
      guard let last else { return nil }
      n = last
    default: return nil
    }
    return max(0, last.map { min($0, n) } ?? n)
  }

  var pickIndex: Int? {
    switch self {
    case .pick1: 0
    case .pick2: 1
    case .pick3: 2
    case .pick4: 3
    default: nil
    }
  }
}

/// One view binding: keys, the command and the contexts it applies in. Help lists them.
public struct ViewBinding: Sendable, Equatable {
  public var keys: [Key]
  public var command: ViewCommand
  public var contexts: Set<KeyContext>
  public var description: String
  /// Short name for the hint bar while the view is open (nil: help only).
  public var hint: String?
  /// How the hint bar writes the keys when one label stands for a family (`↑/↓`, `1-4`); else the first key.
  public var hintKeys: String?
  public init(
    _ keys: [Key], _ command: ViewCommand, _ contexts: Set<KeyContext>, _ description: String, hint: String? = nil,
    hintKeys: String? = nil
  ) {
    self.keys = keys
    self.command = command
    self.contexts = contexts
    self.description = description
    self.hint = hint
    self.hintKeys = hintKeys
  }
  public var keyLabel: String { keys.map(\.label).joined(separator: "/") }
}

public enum ViewKeys {
  static let scrolling: Set<KeyContext> = [.help, .detail, .raw, .recon]
  static let menus: Set<KeyContext> = [.startMenu]
  static let fields: Set<KeyContext> = [.cdcStart, .commandLine, .filterEdit]

  /// The keys of every view component: the only place they are defined (help lists them from here).
  public static let defaultBindings: [ViewBinding] = [
    ViewBinding([.escape, .char("q")], .close, [.help, .detail, .raw, .startMenu], "close", hint: "close"),
    ViewBinding([.char("?")], .close, [.help], "close help"),
    ViewBinding([.enter], .close, [.help, .detail, .raw], "close"),
    ViewBinding([.char("d")], .close, [.detail], "close detail"),
    ViewBinding([.char("y")], .close, [.raw], "close the raw view"),
    ViewBinding([.char("q"), .char("R")], .close, [.recon], "close RECON"),
    ViewBinding([.escape], .cancelRun, [.recon], "cancel the running reconcile, else close", hint: "cancel run"),
    ViewBinding([.ctrl("r")], .rerun, [.recon], "reconcile again", hint: "rerun"),
    ViewBinding([.down, .char("j")], .down, scrolling, "scroll / move down", hint: "scroll", hintKeys: "↑/↓"),
    ViewBinding([.char("k"), .up], .up, scrolling, "scroll / move up"),
    ViewBinding([.pageDown, .ctrl("f")], .pageDown, scrolling, "page down", hint: "page", hintKeys: "PgUp/PgDn"),
    ViewBinding([.char(" ")], .pageDown, [.raw], "page down"),
    ViewBinding([.pageUp, .ctrl("b")], .pageUp, scrolling, "page up"),
    ViewBinding([.char("g"), .home], .top, [.detail, .raw, .recon], "top"),
    ViewBinding([.char("G"), .end], .bottom, [.raw, .recon], "bottom"),
    ViewBinding([.char("c")], .copy, [.detail, .raw], "copy the ARN / JSON / line (OSC 52)", hint: "copy"),
    ViewBinding([.down, .char("j"), .tab], .nextChoice, menus, "next choice", hint: "choose", hintKeys: "↑/↓"),
    ViewBinding([.up, .char("k"), .backTab], .prevChoice, menus, "previous choice"),
    ViewBinding([.char("n")], .close, menus, "close"),
    ViewBinding([.char("1")], .pick1, menus, "choice 1 (2, 3, 4 likewise)", hint: "pick", hintKeys: "1-4"),
    ViewBinding([.char("2")], .pick2, menus, "choice 2"),
    ViewBinding([.char("3")], .pick3, menus, "choice 3"),
    ViewBinding([.char("4")], .pick4, menus, "choice 4"),
    ViewBinding([.enter], .choose, menus.union(fields), "run the choice / the text", hint: "run"),
    ViewBinding([.char("y"), .char("Y")], .yes, [.confirm], "yes: send it", hint: "yes"),
    ViewBinding([.char("n"), .char("N"), .escape, .char("q")], .no, [.confirm], "no: cancel (the default)", hint: "no"),
    ViewBinding([.left, .right, .tab, .backTab, .char("h"), .char("l")], .nextChoice, [.confirm], "move between No and Yes", hint: "choose"),
    ViewBinding([.enter], .choose, [.confirm], "the highlighted button (No unless moved)", hint: "confirm"),
    ViewBinding([.escape, .ctrl("c")], .close, [.cdcStart, .commandLine], "cancel", hint: "cancel"),
    ViewBinding([.escape], .close, [.filterEdit], "clear and close", hint: "clear"),
    ViewBinding([.tab], .complete, [.commandLine], "complete the command, then its argument", hint: "complete"),
    ViewBinding([.tab], .complete, [.cdcStart], "switch between a position and a time", hint: "position/time"),
    ViewBinding([.backspace, .delete], .erase, fields, "delete a character", hint: "delete"),
    ViewBinding([.ctrl("u")], .clear, fields, "clear the field"),
  ]

  /// The command of `key` in `context` (nil: the key does nothing there).
  public static func command(for key: Key, in context: KeyContext, bindings: [ViewBinding] = defaultBindings) -> ViewCommand? {
    bindings.first { $0.contexts.contains(context) && $0.keys.contains(key) }?.command
  }

  /// The hint bar of an open view: the first key of each binding with a hint, in table order.
  public static func hints(in context: KeyContext, bindings: [ViewBinding] = defaultBindings) -> [(key: String, hint: String)] {
    var seen = Set<String>()
    // What moves and acts first, what closes last (the order people read a k9s/htop bottom line in).
    let leaving: Set<ViewCommand> = [.close, .cancelRun]
    let ordered = bindings.filter { !leaving.contains($0.command) } + bindings.filter { leaving.contains($0.command) }
    return ordered.compactMap { b in
      guard b.contexts.contains(context), let h = b.hint, let k = b.keys.first, seen.insert(h).inserted else { return nil }
      if let label = b.hintKeys { return (label, h) }
      // A pair of arrows reads as one key: ←/→.
      let arrows: Set<Key> = [.left, .right, .up, .down]
      if b.keys.count > 1, arrows.contains(k), arrows.contains(b.keys[1]) { return ("\(k.label)/\(b.keys[1].label)", h) }
      return (k.label, h)
    }
  }

  /// The bindings of one context, for help and the one-line "does nothing here" message.
  public static func bindings(in context: KeyContext, bindings: [ViewBinding] = defaultBindings) -> [ViewBinding] {
    bindings.filter { $0.contexts.contains(context) }
  }
}
