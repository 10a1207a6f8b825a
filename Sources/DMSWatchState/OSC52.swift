import Foundation

/// OSC 52 ("set the clipboard"): the terminal emulator, not the host, takes the text, so it works over SSH
/// and in tmux (`set-clipboard on`). The payload is base64; control characters are never sent raw.
public enum OSC52 {
  /// Terminals cap the sequence (xterm: about 100 KB); longer text is cut at this many bytes.
  public static let maxBytes = 74_000

  public static func sequence(copying text: String) -> String {
    let bytes = Array(text.utf8.prefix(maxBytes))
    return "\u{1B}]52;c;" + Data(bytes).base64EncodedString() + "\u{07}"
  }
}
