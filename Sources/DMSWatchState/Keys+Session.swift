import DMSWatchModel
import Foundation

/// Keys handled around the reducer by the session loop: the screen dump (dashboard and replay) and
/// the replay controls. A table like `KeyMap`'s, so help text and handling come from one place.
public enum SessionCommand: String, Sendable, CaseIterable {
  /// Write the current screen as plain and ANSI text into the state directory.
  case dump
  case playPause, faster, slower, step, nextAction, nextFinding
}

public struct SessionKeyBinding: Sendable, Equatable {
  public var keys: [Key]
  public var command: SessionCommand
  public var description: String
  /// Only while replaying.
  public var replayOnly: Bool
  public init(_ keys: [Key], _ command: SessionCommand, _ description: String, replayOnly: Bool = false) {
    self.keys = keys
    self.command = command
    self.description = description
    self.replayOnly = replayOnly
  }
}

public enum SessionKeys {
  public static let bindings: [SessionKeyBinding] = [
    SessionKeyBinding([.char("D")], .dump, "screen to a file (text and ANSI)"),
    SessionKeyBinding([.char(" ")], .playPause, "play / pause", replayOnly: true),
    SessionKeyBinding([.char("+"), .char("]")], .faster, "faster (×1 … ×60)", replayOnly: true),
    SessionKeyBinding([.char("-"), .char("[")], .slower, "slower", replayOnly: true),
    SessionKeyBinding([.char(".")], .step, "step one recorded response", replayOnly: true),
    SessionKeyBinding([.char(">")], .nextAction, "next recorded action", replayOnly: true),
    SessionKeyBinding([.char("}")], .nextFinding, "next new finding", replayOnly: true),
  ]

  /// The session command of `key`, when no text is being typed (filter) and no dialog is open.
  public static func command(for key: Key, replay: Bool, state: AppState) -> SessionCommand? {
    guard !state.filterEditing, state.commandLine == nil, state.overlay == .none else { return nil }
    return bindings.first { $0.keys.contains(key) && (replay || !$0.replayOnly) }?.command
  }

  /// `replay: space play/pause · +/- speed · . step · > next action · } next finding · : at TIME`
  public static func hint(replay: Bool) -> String {
    bindings.filter { replay || !$0.replayOnly }.map { "\($0.keys.map(\.label).joined(separator: "/")) \($0.description)" }
      .joined(separator: " · ")
  }
}
