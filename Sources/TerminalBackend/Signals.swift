import CNCursesW
import Dispatch

extension CursesTerminal {
  /// Signal sources kept alive for the life of the process.
  private static var signalSources: [any DispatchSourceSignal] = []

  /// Signals that end the program (the caller restores the terminal and exits).
  public static let terminatingSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]

  /// Installs the process's signal handling. Call once, early in `main`, before other threads start
  /// (they inherit the blocked mask). Handlers run on the main queue:
  /// - SIGINT, SIGTERM, SIGHUP, SIGQUIT → `onTerminate(signal)`; call `restore()` there and exit.
  /// - SIGWINCH → the active terminal re-reads its size (`resizeterm`), then `onResize()`.
  /// - SIGTSTP (ctrl-z with cbreak, or `kill -TSTP`) → the active terminal `suspend()`s; after the
  ///   process is continued, `onContinue()`.
  /// - SIGCONT after an external SIGSTOP → terminal modes re-applied, full repaint, `onContinue()`.
  /// Crashes (SIGSEGV, SIGBUS, SIGILL, SIGABRT, SIGTRAP, SIGFPE; Swift traps) are handled in C:
  /// an async-signal-safe reset sequence and the saved tty modes are written back, then the signal
  /// goes on to the previous handler (the Swift backtracer) or the default action.
  ///
  /// `beforeMain` sees a terminating signal first, on a background queue: while the main queue is
  /// blocked (the dashboard's start-up resolving credentials) it can act and exit; returning false
  /// passes the signal on to `onTerminate` on the main queue. (One source per signal: libdispatch
  /// delivers a signal to only one of several sources.)
  public static func installSignalHandlers(
    beforeMain: (@Sendable (Int32) -> Bool)? = nil,
    onTerminate: @escaping @MainActor (Int32) -> Void,
    onResize: @escaping @MainActor () -> Void,
    onContinue: @escaping @MainActor () -> Void
  ) {
    guard signalSources.isEmpty else { return }
    _ = dmsw_install_crash_handlers()
    if let beforeMain {
      let queue = DispatchQueue(label: "dmswatch.signals")
      for sig in terminatingSignals {
        _ = dmsw_ignore_and_block(sig)
        let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
        source.setEventHandler(handler: Self.offMainHandler(sig, beforeMain, onTerminate))
        source.resume()
        signalSources.append(source)
      }
    } else {
      for sig in terminatingSignals {
        addSource(sig) { onTerminate(sig) }
      }
    }
    addSource(SIGWINCH) {
      active?.handleResize()
      onResize()
      active?.deliverPendingInput()
    }
    addSource(SIGTSTP) {
      if let terminal = active {
        terminal.suspend()
      } else {
        dmsw_stop_self()
      }
      onContinue()
      active?.deliverPendingInput()
    }
    addSource(SIGCONT) {
      // Every SIGCONT (fg, bg, kill -CONT): the shell may have put its own modes back (bash restores a
      // job's saved modes on fg), so re-apply ours when in the foreground; in the background nothing
      // is drawn (SIGTTOU) until a later SIGCONT finds the job in the foreground.
      var echo = false
      if let terminal = active {
        echo = terminal.consumeSelfResume()
        terminal.resumeAfterStop()
      }
      if !echo { onContinue() }
      active?.deliverPendingInput()
    }
  }

  /// Terminating signals handled on a background queue: for the headless commands (`check`: ctrl-c must
  /// also kill a credential helper) and for the dashboard's start-up, while the main queue is still
  /// blocked resolving credentials and the main-queue handlers above cannot run. `body` runs off the
  /// main actor; it must exit the process when it acts.
  nonisolated private static func offMainHandler(
    _ sig: Int32, _ beforeMain: @escaping @Sendable (Int32) -> Bool, _ onTerminate: @escaping @MainActor (Int32) -> Void
  ) -> @Sendable () -> Void {
    {
      if beforeMain(sig) { return }
      DispatchQueue.main.async { MainActor.assumeIsolated { onTerminate(sig) } }
      // SIGTERM/SIGHUP are honoured within a second even when the main thread is stuck writing to a
      // terminal that stopped reading: if it has not exited by then, leave from here.
      DispatchQueue.global().asyncAfter(deadline: .now() + 1.0) {
        stalledExitHook?()
        dmsw_stalled_exit(128 + sig)
      }
    }
  }

  /// Run before the stalled-terminal exit (e.g. stopping helper processes). Set once at start-up.
  nonisolated(unsafe) public static var stalledExitHook: (@Sendable () -> Void)?

  /// Call from the main thread before other threads start.
  nonisolated public static func installBackgroundTermination(_ body: @escaping @Sendable (Int32) -> Void) {
    let queue = DispatchQueue(label: "dmswatch.signals")
    for sig in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] {
      _ = dmsw_ignore_and_block(sig)
      let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
      let handler: @Sendable () -> Void = { body(sig) }
      source.setEventHandler(handler: handler)
      source.resume()
      backgroundSources.append(source)
    }
  }

  nonisolated(unsafe) private static var backgroundSources: [any DispatchSourceSignal] = []

  private static func addSource(_ sig: Int32, _ body: @escaping @MainActor () -> Void) {
    _ = dmsw_ignore_and_block(sig)
    let source = DispatchSource.makeSignalSource(signal: sig, queue: .main)
    source.setEventHandler {
      MainActor.assumeIsolated { body() }
    }
    source.resume()
    signalSources.append(source)
  }
}
