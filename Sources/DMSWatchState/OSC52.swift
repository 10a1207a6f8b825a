import Foundation

/// OSC 52 ("set the clipboard"): the terminal emulator, not the host, takes the text, so it works over SSH
/// and in tmux (`set-clipboard on`). The payload is base64; control characters are never sent raw.
public enum OSC52 {
  /// Terminals cap the sequence (tmux and xterm take much more); longer text is cut at a character
  /// boundary below this many bytes, and the caller says so. Small enough that one write never waits.
  public static let maxBytes = 8_000

  /// The sequence, and whether the text had to be cut.
  public static func sequence(copying text: String) -> (sequence: String, truncated: Bool) {
    var kept = ""
    var n = 0
    var truncated = false
    for ch in text {
      let w = ch.utf8.count
      if n + w > maxBytes {
        truncated = true
        break
      }
      kept.append(ch)
      n += w
    }
    return ("\u{1B}]52;c;" + Data(kept.utf8).base64EncodedString() + "\u{07}", truncated)
  }
}
