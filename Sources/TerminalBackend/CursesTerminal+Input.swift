import CNCursesW
import Dispatch

extension CursesTerminal {
  /// Reads keys whenever standard input is readable: a read source on the main queue calls
  /// `readInput()` and hands non-empty batches to `onEvents`. When the terminal hangs up (the SSH
  /// connection dropped) the source is cancelled and `onHangup` runs once, instead of spinning on
  /// an input that is readable forever. Returns the source (cancel it to stop reading).
  @discardableResult
  public func startReadingInput(
    onEvents: @escaping @MainActor ([InputEvent]) -> Void,
    onHangup: @escaping @MainActor () -> Void
  ) -> any DispatchSourceRead {
    inputHandler = onEvents
    let source = DispatchSource.makeReadSource(fileDescriptor: STDIN_FILENO, queue: .main)
    source.setEventHandler { [weak self] in
      MainActor.assumeIsolated {
        guard let self, !self.isRestored else {
          source.cancel()
          return
        }
        let events = self.readInput()
        if !events.isEmpty {
          onEvents(events)
        } else if dmsw_stdin_hung_up() != 0 {
          source.cancel()
          onHangup()
        }
      }
    }
    source.resume()
    return source
  }
}
