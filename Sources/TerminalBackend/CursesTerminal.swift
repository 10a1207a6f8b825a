import CNCursesW
import DMSWatchModel
import DMSWatchRender
import Foundation

/// The only owner of the terminal: presents grids (diffed), reads keys, handles resize,
/// suspend and restore. All curses calls happen here, on the main actor.
@MainActor
public final class CursesTerminal {
  /// The terminal the signal handlers act on (the one most recently initialised and not restored).
  static weak var active: CursesTerminal?

  private let screen: OpaquePointer
  private let window: UnsafeMutablePointer<WINDOW>
  /// Keys are read from a 1×1 pad: curses refreshes a window it reads from when the window changed, which
  /// would write a frame outside `present` (past the check that the terminal has room); a pad never is.
  private let inputPad: UnsafeMutablePointer<WINDOW>
  private let noColor: Bool
  private let defaultColors: Bool
  private var palette: Palette
  private var paints: [Role: (attrs: attr_t, pair: Int16)] = [:]
  /// The grid on screen (as curses knows it); nil forces a full paint.
  private var last: Grid?
  /// The last grid given to `present`, kept for repaints after resume or a theme change.
  private var lastGrid: Grid?
  private var ended = false
  /// Set by `startReadingInput`: where input read outside the stdin source goes.
  var inputHandler: (@MainActor ([InputEvent]) -> Void)?
  private var wideBuffer = [wchar_t](repeating: 0, count: CellGlyph.maxCodePoints + 1)

  public private(set) var capabilities: TerminalCapabilities
  public let charset: Charset
  /// Cells written by the last `present` (0 when nothing changed).
  public private(set) var bytesHint = 0

  public init(theme: Theme, noColor: Bool) throws {
    setlocale(LC_ALL, "")
    let term = getenv("TERM").map { String(cString: $0) }
    let stdinTTY = isatty(STDIN_FILENO) == 1
    let stdoutTTY = isatty(STDOUT_FILENO) == 1
    var terminfo = 0
    if stdinTTY, stdoutTTY, let term, !term.isEmpty, term != "dumb" { terminfo = Int(dmsw_terminfo_status(term)) }
    if let error = TerminalSupport.check(term: term, stdinIsTTY: stdinTTY, stdoutIsTTY: stdoutTTY, terminfo: terminfo) {
      throw error
    }
    let codeset = dmsw_codeset().map { String(cString: $0) } ?? ""
    let utf8 = TerminalSupport.isUTF8(codeset: codeset)

    dmsw_save_termios()
    _ = dmsw_install_crash_handlers()
    guard let screen = newterm(nil, dmsw_stdout(), dmsw_stdin()) else {
      throw TerminalError.initFailed("newterm failed for TERM=\(term ?? "")")
    }
    guard let window = dmsw_stdscr() else {
      endwin()
      throw TerminalError.initFailed("no standard screen")
    }
    dmsw_set_restore_armed(1)
    self.screen = screen
    self.window = window
    self.noColor = noColor

    cbreak()
    noecho()
    nonl()
    intrflush(window, false)
    _ = dmsw_keypad(window, 1)
    _ = dmsw_nodelay(window, 1)
    guard let pad = newpad(1, 1) else {
      endwin()
      throw TerminalError.initFailed("no input pad")
    }
    inputPad = pad
    _ = dmsw_keypad(pad, 1)
    _ = dmsw_nodelay(pad, 1)
    _ = dmsw_leaveok(window, 1)
    _ = dmsw_curs_set(0)
    set_escdelay(25)
    // No typeahead check during an update: curses polled stdin between cells, a system call each. (It still
    // flushes after every cursor move; the output relay gathers those writes into one, see shim.h.) A key pressed
    // during a frame renders right after it.
    _ = typeahead(-1)

    var colors = 0
    var defaultColors = false
    if !noColor, has_colors() {
      start_color()
      defaultColors = use_default_colors() == OK
      colors = Int(dmsw_colors())
    }
    self.defaultColors = defaultColors
    capabilities = TerminalCapabilities(colors: colors, utf8: utf8)
    charset = TerminalSupport.charset(codeset: codeset, term: term)
    palette = Palette(theme: theme, colors: colors, colorPairs: Int(dmsw_color_pairs()), defaultColors: defaultColors, noColor: noColor)
    applyPalette()
    // From here curses writes into the output relay's pipe (see shim.h): a terminal that stops reading
    // holds the relay thread, never the main thread. Without it (no pipe or thread) frames are drawn
    // directly, only when the terminal polls writable.
    relayed = dmsw_relay_start(Self.relayCapacity) == 0
    CursesTerminal.active = self
  }

  /// The relay pipe's requested size: room for several full frames of the largest terminals.
  static let relayCapacity: Int32 = 1 << 20
  /// Whether output goes through the relay.
  public private(set) var relayed = false

  /// Whether the terminal has taken (nearly) all earlier output: a frame is written only then, so a
  /// frame never waits for room in the relay's pipe.
  var outputHasRoom: Bool {
    guard relayed else { return dmsw_output_writable() != 0 }
    return dmsw_relay_pending() < max(4096, Int(dmsw_relay_capacity()) / 4)
  }

  /// The program's terminal modes again after endwin (ctrl-z) or a shell's restore. Curses would do it in
  /// the next doupdate, but on fd 1, which is the relay's pipe: put the terminal back for the mode call.
  func resumeProgramMode() {
    guard relayed else {
      reset_prog_mode()
      return
    }
    _ = dmsw_relay_drain(200)
    dmsw_relay_direct(1)
    reset_prog_mode()
    dmsw_relay_direct(0)
  }

  public var size: (width: Int, height: Int) { (Int(dmsw_cols()), Int(dmsw_lines())) }

  public func setTheme(_ theme: Theme) {
    guard !ended else { return }
    palette = Palette(
      theme: theme, colors: capabilities.colors, colorPairs: Int(dmsw_color_pairs()), defaultColors: defaultColors,
      noColor: noColor)
    applyPalette()
    if let grid = lastGrid {
      last = nil
      present(grid)
    }
  }

  /// Frames not drawn because the job was in the background or the terminal was not taking output.
  public private(set) var skippedFrames = 0
  private var writableSource: (any DispatchSourceWrite)?
  private var relayRepaintScheduled = false

  /// No drawing until then after a SIGCONT: bash can hand the terminal to a job for an instant while
  /// it runs `bg` with typed-ahead input (measured: a frame drawn over the shell), so the job's
  /// foreground state is only trusted once it has lasted.
  private var holdUntil: Double = 0
  /// Set when our own `suspend()` was continued: the SIGCONT that follows is its echo (the SIGTSTP
  /// handler already ran `onContinue`).
  private var selfResumed = false

  /// Whether a SIGCONT is the echo of our own `suspend()`; clears the mark.
  func consumeSelfResume() -> Bool {
    defer { selfResumed = false }
    return selfResumed
  }

  /// Whether drawing now is allowed: in the foreground, and the terminal takes output.
  var canDraw: Bool {
    ProcessInfo.processInfo.systemUptime >= holdUntil && dmsw_is_foreground() != 0 && outputHasRoom
  }

  /// Writes the cells that changed since the last frame, then one `doupdate`. Skipped (and repainted
  /// in full later) while in the background or while the terminal is not reading (a stalled link):
  /// the main queue does not wait for the terminal.
  public func present(_ grid: Grid) {
    guard !ended else { return }
    guard canDraw else {
      skippedFrames += 1
      lastGrid = grid
      last = nil
      repaintWhenWritable()
      return
    }
    if let old = last, old.width != grid.width || old.height != grid.height {
      // New size: the terminal's contents are unknown; repaint everything.
      _ = dmsw_clearok_curscr()
      last = nil
    }
    // After a suspend that was continued in the background (`bg`, then `fg`: no SIGCONT at the fg), the
    // first frame drawn in the foreground brings the modes back.
    if relayed, dmsw_relay_is_direct() != 0 || isendwin() {
      resumeProgramMode()
      _ = dmsw_clearok_curscr()
      last = nil
    }
    let runs = FrameDiff.runs(old: last, new: grid)
    bytesHint = write(runs, of: grid)
    wnoutrefresh(window)
    doupdate()
    last = grid
    lastGrid = grid
  }

  /// One repaint as soon as the terminal takes output again (in the foreground).
  private func repaintWhenWritable() {
    guard writableSource == nil, dmsw_is_foreground() != 0 else { return }
    if relayed {
      // The pipe polls writable long before the terminal has caught up: look again shortly.
      guard !relayRepaintScheduled else { return }
      relayRepaintScheduled = true
      DispatchQueue.main.asyncAfter(deadline: .now() + 0.05) { [weak self] in
        MainActor.assumeIsolated {
          guard let self else { return }
          self.relayRepaintScheduled = false
          guard !self.ended else { return }
          if self.canDraw { self.forceFullRepaint() } else { self.repaintWhenWritable() }
        }
      }
      return
    }
    let src = DispatchSource.makeWriteSource(fileDescriptor: STDOUT_FILENO, queue: .main)
    src.setEventHandler { [weak self] in
      MainActor.assumeIsolated {
        guard let self else { return }
        self.writableSource?.cancel()
        self.writableSource = nil
        if self.canDraw { self.forceFullRepaint() }
      }
    }
    writableSource = src
    src.resume()
  }

  /// Writes a control string that changes nothing on screen (OSC 52 copy) after curses' own output,
  /// in order; refused (false) in the background or while the terminal is not taking output.
  public func sendControlString(_ s: String) -> Bool {
    guard !ended, canDraw else { return false }
    // Room for all of it now, so a stalled terminal never blocks the main thread mid-sequence.
    if relayed, Int(dmsw_relay_capacity()) - Int(dmsw_relay_pending()) < s.utf8.count { return false }
    // Curses' buffered output first (fflush of every stream), then the sequence itself on fd 1.
    fflush(nil)
    var bytes = Array(s.utf8)[...]
    var waits = 0
    while !bytes.isEmpty {
      let n = bytes.withUnsafeBytes { Glibc.write(STDOUT_FILENO, $0.baseAddress, $0.count) }
      if n > 0 {
        bytes = bytes.dropFirst(n)
      } else if n < 0, errno == EINTR {
        continue
      } else if n < 0, errno == EAGAIN, waits < 200 {
        // A non-blocking fd that is full for a moment: wait at most 200 ms in all, never spin.
        waits += 1
        usleep(1000)
      } else {
        return false
      }
    }
    return true
  }

  /// Repaints everything (after resume or ctrl-l): curses forgets what is on screen.
  public func forceFullRepaint() {
    guard !ended else { return }
    _ = dmsw_clearok_curscr()
    last = nil
    if let grid = lastGrid {
      present(grid)
    } else if canDraw {
      wnoutrefresh(window)
      doupdate()
    }
  }

  /// Reads every pending key without blocking. `KEY_RESIZE` becomes `.resize` (consecutive ones
  /// collapse to the last). Escape sequences curses did not recognise are decoded by `KeyDecoder`.
  public func readInput() -> [InputEvent] {
    // A background job that reads the terminal is stopped (SIGTTIN): keys wait for the foreground.
    guard !ended, dmsw_is_foreground() != 0 else { return [] }
    var events: [InputEvent] = []
    var text: [UInt8] = []
    var code: UInt32 = 0
    func flush() {
      for key in KeyDecoder.decode(bytes: text) { events.append(.key(key)) }
      text.removeAll(keepingCapacity: true)
    }
    for _ in 0..<4096 {
      let r = dmsw_get_wch(inputPad, &code)
      if r == ERR { break }
      if r == KEY_CODE_YES {
        flush()
        if code == UInt32(KEY_RESIZE) {
          if case .resize = events.last { events.removeLast() }
          let s = size
          events.append(.resize(width: s.width, height: s.height))
        } else if let key = KeyDecoder.decode(code: code, isFunctionKey: true) {
          events.append(.key(key))
        }
      } else if let scalar = Unicode.Scalar(code) {
        text.append(contentsOf: Array(String(Character(scalar)).utf8))
      }
    }
    flush()
    return events
  }

  /// Re-reads the window size (`TIOCGWINSZ`) and tells curses; call on SIGWINCH.
  /// curses then also queues `KEY_RESIZE`, so `readInput` reports a `.resize`.
  @discardableResult
  public func handleResize() -> (width: Int, height: Int) {
    guard !ended else { return size }
    var rows: Int32 = 0
    var cols: Int32 = 0
    if dmsw_winsize(dmsw_terminal_fd(), &rows, &cols) == 0, rows > 0, cols > 0, rows != dmsw_lines() || cols != dmsw_cols() {
      resizeterm(rows, cols)
    }
    return size
  }

  /// ctrl-z: leaves curses mode, stops the process group, and on return repaints everything.
  public func suspend() {
    guard !ended else { return }
    // Curses' mode calls act on fd 1: the terminal again, once it has the last frame (bounded).
    _ = dmsw_relay_drain(500)
    dmsw_relay_direct(1)
    endwin()
    dmsw_stop_self()
    selfResumed = true
    // Continued: by `fg` (foreground: modes back, repaint) or by `bg` (background: nothing now; the
    // SIGCONT of a later `fg` repaints).
    resumeAfterStop()
  }

  /// After a stop and SIGCONT: in the foreground, re-apply the program's terminal modes (the shell may
  /// have restored its own) and repaint; in the background, do nothing.
  public func resumeAfterStop() {
    guard !ended else { return }
    let settle = 0.15
    holdUntil = ProcessInfo.processInfo.systemUptime + settle
    DispatchQueue.main.asyncAfter(deadline: .now() + settle + 0.01) { [weak self] in
      MainActor.assumeIsolated {
        guard let self, !self.ended, dmsw_is_foreground() != 0 else { return }
        self.resumeProgramMode()
        self.handleResize()
        self.forceFullRepaint()
      }
    }
  }

  /// Leaves curses mode for good. Idempotent.
  public func restore() {
    guard !ended else { return }
    ended = true
    dmsw_set_restore_armed(0)
    if relayed, dmsw_relay_drain(300) == 0 {
      // The terminal stopped reading: endwin would wait for it. The modes go back; the screen cannot.
      dmsw_restore_modes()
    } else {
      dmsw_relay_direct(1)
      endwin()
    }
    if CursesTerminal.active === self { CursesTerminal.active = nil }
  }

  /// Hands input that curses queued internally (the `KEY_RESIZE` that `resizeterm` pushes does
  /// not make stdin readable) to the `startReadingInput` handler.
  func deliverPendingInput() {
    guard let handler = inputHandler, !ended else { return }
    let events = readInput()
    if !events.isEmpty { handler(events) }
  }

  /// Whether `restore()` has ended curses mode.
  public var isRestored: Bool { ended }
}

extension CursesTerminal {
  private func applyPalette() {
    for p in palette.pairs {
      init_pair(Int16(p.pair), Int16(p.colors.fg), Int16(p.colors.bg))
    }
    paints = [:]
    for role in Role.allCases {
      let paint = palette.paint(for: role)
      var attrs = dmsw_a_normal()
      if paint.attributes.contains(.bold) { attrs |= dmsw_a_bold() }
      if paint.attributes.contains(.underline) { attrs |= dmsw_a_underline() }
      if paint.attributes.contains(.reverse) { attrs |= dmsw_a_reverse() }
      if paint.attributes.contains(.dim) { attrs |= dmsw_a_dim() }
      paints[role] = (attrs, Int16(paint.pair))
    }
  }

  /// Writes runs through curses, cell by cell; returns the number of cells written.
  private func write(_ runs: [Run], of grid: Grid) -> Int {
    let (width, height) = size
    let utf8 = capabilities.utf8
    var written = 0
    for run in runs where run.row < height {
      let paint = paints[run.role] ?? (dmsw_a_normal(), 0)
      let y = Int32(run.row)
      var covered = false  // the previous cell was drawn two columns wide
      for (k, cell) in run.cells.enumerated() {
        let x = run.column + k
        if x >= width { break }
        if cell.isContinuation, covered {
          covered = false
          continue
        }
        covered = false
        let nextIsContinuation = x + 1 < grid.width && grid[x + 1, run.row].isContinuation && !cell.isContinuation
        let expected = nextIsContinuation && x + 1 < width ? 2 : 1
        let char = cell.isContinuation ? " " : cell.char
        let plan = CellGlyph.plan(char, expectedWidth: expected, utf8: utf8) { Int(dmsw_wcwidth($0)) }
        if put(plan.codePoints, x: x, y: y, paint: paint) == -2 {
          // curses refused the character (setcchar): keep the column with a replacement.
          _ = put([CellGlyph.replacement], x: x, y: y, paint: paint)
          covered = false
        } else {
          covered = plan.wide
        }
        written += 1
      }
    }
    return written
  }

  private func put(_ codePoints: [UInt32], x: Int, y: Int32, paint: (attrs: attr_t, pair: Int16)) -> Int32 {
    let n = min(codePoints.count, CellGlyph.maxCodePoints)
    for i in 0..<n { wideBuffer[i] = wchar_t(bitPattern: codePoints[i]) }
    wideBuffer[n] = 0
    return wideBuffer.withUnsafeBufferPointer { buf in
      dmsw_put_cell_checked(window, y, Int32(x), buf.baseAddress, paint.attrs, paint.pair)
    }
  }
}
