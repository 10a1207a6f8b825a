import DMSWatchModel
import DMSWatchRender
import Foundation
import TerminalBackend
import XCTest
import DMSWatchState

/// Real-terminal smoke tests. No extra executable is allowed, so the test binary re-runs itself
/// inside a tmux pane: `testChildScenario` (a no-op unless DMSW_PTY_OUT is set) drives a
/// `CursesTerminal`, and the parent tests read the pane with `capture-pane` and send keys/signals.
final class PTYSmokeTests: XCTestCase {
  private static let env = ProcessInfo.processInfo.environment

  // MARK: child side

  func testChildScenario() throws {
    guard let out = Self.env["DMSW_PTY_OUT"] else { throw XCTSkip("runs only inside a tmux pane, started by the smoke tests") }
    MainActor.assumeIsolated { PTYChild.run(logPath: out) }
  }

  // MARK: parent side

  func testPresentKeysResizeStopContinueAndSigterm() throws {
    let pane = try Pane.start(width: 60, height: 15)
    defer { pane.kill() }
    let pid = try pane.waitForChildPID()
    XCTAssertTrue(pane.log().contains("wrote=898"), "first frame: every cell but one continuation")

    // First frame: text, wide characters, combining mark.
    try pane.waitForScreen { $0.contains("dmswatch pty smoke") && $0.contains("wide: 中文 é") && $0.contains("size: 60x15") }
    XCTAssertEqual(pane.format("#{alternate_on}"), "1")
    XCTAssertEqual(pane.format("#{cursor_flag}"), "0", "cursor hidden")

    // Keys through curses (function keys via terminfo) and the decoder.
    pane.sendKeys(["j", "Up", "F5", "NPage", "BTab", "C-r", "Home", "é"])
    try pane.waitForLog { log in
      ["KEY j", "KEY ↑", "KEY F5", "KEY PgDn", "KEY shift-tab", "KEY ctrl-r", "KEY Home", "KEY é"].allSatisfy(log.contains)
    }
    // A sequence terminfo does not know (linux-console F1) reaches the byte decoder whole; a lone ESC.
    pane.run(["send-keys", "-t", pane.session, "-H", "1b", "5b", "5b", "41"])
    try pane.waitForLog { $0.contains("KEY F1") }
    pane.sendKeys(["Escape"])
    try pane.waitForLog { $0.contains("KEY esc") }
    let log = pane.log()
    XCTAssertFalse(log.contains("KEY ["), "no stray characters from an escape sequence")
    let order = ["KEY j", "KEY ↑", "KEY F5", "KEY PgDn"].compactMap { log.range(of: $0)?.lowerBound }
    XCTAssertEqual(order, order.sorted(), "keys arrive in order")

    // A changed cell reaches the screen (diffed present).
    pane.sendKeys(["+", "+"])
    try pane.waitForScreen { $0.contains("count: 2") }

    // Resize: SIGWINCH → resizeterm → .resize event, full repaint at the new size.
    pane.run(["resize-window", "-t", pane.session, "-x", "72", "-y", "20"])
    try pane.waitForLog { $0.contains("RESIZE 72x20") }
    try pane.waitForScreen { $0.contains("size: 72x20") && $0.contains("wide: 中文 é") }

    // Something else scribbles over the screen. Unchanged frames write nothing (the diff is
    // empty), so the garbage stays; SIGCONT (as after a stop) must repaint everything.
    pane.writeToTTY("\u{1B}[2J\u{1B}[Hgarbage")
    try pane.waitForScreen { $0.contains("garbage") && !$0.contains("dmswatch pty smoke") }
    Thread.sleep(forTimeInterval: 0.3)
    XCTAssertTrue(pane.screen().contains("garbage"), "an unchanged frame must not be rewritten")
    XCTAssertEqual(Foundation.kill(pid, SIGCONT), 0)
    try pane.waitForScreen { $0.contains("dmswatch pty smoke") && $0.contains("count: 2") && !$0.contains("garbage") }

    // ctrl-z (SIGTSTP via cbreak): endwin and stop; tmux continues stopped panes at once, so the
    // UI must simply come back whole, exactly once (one onContinue, no suspend loop).
    pane.writeToTTY("\u{1B}[2J\u{1B}[Hgarbage")
    try pane.waitForScreen { $0.contains("garbage") }
    pane.sendKeys(["C-z"])
    try pane.waitForScreen { $0.contains("dmswatch pty smoke") && $0.contains("count: 2") && !$0.contains("garbage") }
    try pane.waitFor("alternate screen back") { pane.format("#{alternate_on}") == "1" }
    try pane.waitForScreen { $0.contains("dmswatch pty smoke") && $0.contains("count: 2") }
    // The diff writes only what changed: "count: 2" → "count: 3" is one cell; then nothing.
    pane.sendKeys(["="])
    try pane.waitForLog { $0.contains("WROTE") }
    XCTAssertTrue(pane.log().contains("WROTE 1 0"), pane.log())
    try pane.waitForScreen { $0.contains("count: 3") }

    // SIGTERM: the handler restores the terminal.
    XCTAssertEqual(Foundation.kill(pid, SIGTERM), 0)
    try pane.waitForScreen { $0.contains("CHILD-EXITED 0") }
    XCTAssertTrue(pane.log().contains("TERM 15"))
    XCTAssertEqual(pane.log().components(separatedBy: "\n").filter { $0 == "CONT" }.count, 2, "one SIGCONT, one ctrl-z")
    XCTAssertEqual(pane.format("#{alternate_on}"), "0", "alternate screen left")
    XCTAssertEqual(pane.format("#{cursor_flag}"), "1", "cursor visible again")
  }

  func testCrashRestoresTheTerminal() throws {
    let pane = try Pane.start(width: 50, height: 12)
    defer { pane.kill() }
    _ = try pane.waitForChildPID()
    try pane.waitForScreen { $0.contains("dmswatch pty smoke") }
    XCTAssertEqual(pane.format("#{alternate_on}"), "1")
    pane.sendKeys(["!"])  // the child traps (fatalError)
    try pane.waitForScreen { $0.contains("CHILD-EXITED") }
    XCTAssertFalse(pane.log().contains("DONE"))
    let status = pane.screen().split(separator: "\n").first { $0.hasPrefix("CHILD-EXITED") }.flatMap { Int($0.split(separator: " ").last ?? "") }
    XCTAssertGreaterThan(status ?? 0, 128, "killed by the re-raised signal")
    XCTAssertEqual(pane.format("#{alternate_on}"), "0", "crash handler left the alternate screen")
    XCTAssertEqual(pane.format("#{cursor_flag}"), "1", "crash handler showed the cursor")
  }

  func testQuitKeyRestores() throws {
    let pane = try Pane.start(width: 40, height: 10)
    defer { pane.kill() }
    _ = try pane.waitForChildPID()
    try pane.waitForScreen { $0.contains("dmswatch pty smoke") }
    pane.sendKeys(["q"])
    try pane.waitForScreen { $0.contains("CHILD-EXITED") }
    XCTAssertTrue(pane.log().contains("DONE"))
    XCTAssertEqual(pane.format("#{alternate_on}"), "0")
    XCTAssertEqual(pane.format("#{cursor_flag}"), "1")
  }

  func testDumbTerminalIsRejectedBeforeTouchingIt() throws {
    let pane = try Pane.start(width: 40, height: 10, term: "dumb")
    defer { pane.kill() }
    try pane.waitForLog { $0.contains("ERROR") }
    XCTAssertTrue(pane.log().contains("TERM=dumb"), pane.log())
    XCTAssertEqual(pane.format("#{alternate_on}"), "0")
  }

  func testEightColoursAndNonUTF8LocaleKeepColumns() throws {
    let pane = try Pane.start(width: 40, height: 8, term: "xterm", locale: "C")
    defer { pane.kill() }
    _ = try pane.waitForChildPID()
    XCTAssertTrue(pane.log().contains("colors=8 utf8=false"), pane.log())
    // Non-ASCII is replaced cell by cell (wide characters keep their two columns); a combining
    // mark on an ASCII base is dropped, leaving the base.
    try pane.waitForScreen { $0.contains(" wide: ? ?  e") && $0.contains(" count: 0") }
    XCTAssertTrue(pane.log().contains("wrote=320"), "40x8, no cell skipped as covered")
    XCTAssertTrue(pane.screen().split(separator: "\n").contains { $0.hasSuffix("bottom-right") })
    pane.sendKeys(["q"])
    try pane.waitForScreen { $0.contains("CHILD-EXITED 0") }
  }

  func testUnknownTerminalIsRejectedWithoutExiting() throws {
    // ncurses' initscr would print "Error opening terminal" and exit(); we must throw instead.
    let pane = try Pane.start(width: 40, height: 10, term: "vt9000-nonexistent")
    defer { pane.kill() }
    try pane.waitForLog { $0.contains("ERROR") }
    XCTAssertTrue(pane.log().contains("no terminfo entry"), pane.log())
    try pane.waitForScreen { $0.contains("CHILD-EXITED 0") }
    XCTAssertFalse(pane.screen().contains("Error opening terminal"))
  }
}

// MARK: - The child

@MainActor
private enum PTYChild {
  static var terminal: CursesTerminal?
  static var logPath = ""
  static var counter = 0
  static var done = false

  static func log(_ line: String) {
    guard let h = FileHandle(forWritingAtPath: logPath) else { return }
    h.seekToEndOfFile()
    h.write(Data((line + "\n").utf8))
    try? h.close()
  }

  static func frame(_ width: Int, _ height: Int) -> Grid {
    var g = Grid(width: width, height: height)
    g.put("dmswatch pty smoke", x: 1, y: 0, role: .title)
    g.put("wide: 中文 e\u{301}", x: 1, y: 1, role: .text)
    g.put("count: \(counter)", x: 1, y: 2, role: .ok)
    g.put("size: \(width)x\(height)", x: 1, y: 3, role: .selected)
    g.put("bottom-right", x: max(0, width - 12), y: height - 1, role: .hintKey)
    return g
  }

  static func run(logPath: String) {
    self.logPath = logPath
    let theme = Theme(name: "smoke", styles: [
      .text: Style(), .title: Style(fg: .ansi(6), bold: true), .ok: Style(fg: .ansi(2)),
      .selected: Style(fg: .ansi(0), bg: .ansi(6)), .hintKey: Style(fg: .indexed(214), underline: true),
    ])
    CursesTerminal.installSignalHandlers(
      onTerminate: { sig in
        terminal?.restore()
        log("TERM \(sig)")
        exit(0)
      },
      onResize: { redraw() },
      onContinue: {
        log("CONT")
        redraw()
      })
    let term: CursesTerminal
    do {
      term = try CursesTerminal(theme: theme, noColor: false)
    } catch {
      log("ERROR \(error)")
      return
    }
    terminal = term
    redraw()
    log("READY pid=\(getpid()) colors=\(term.capabilities.colors) utf8=\(term.capabilities.utf8) wrote=\(term.bytesHint)")
    // The production input path: a read source on stdin, on the main queue.
    term.startReadingInput(
      onEvents: { events in events.forEach(handle) },
      onHangup: {
        log("HANGUP")
        done = true
      })
    let deadline = Date().addingTimeInterval(60)
    while !done, Date() < deadline {
      redraw()
      RunLoop.main.run(until: Date().addingTimeInterval(0.02))
    }
    term.restore()
    term.restore()  // idempotent
    log("DONE")
  }

  static func handle(_ event: InputEvent) {
    guard let term = terminal else { return }
    switch event {
    case .key(.char("q")): done = true
    case .key(.char("!")): fatalError("smoke-test crash")
    case .key(.char("+")): counter += 1
    case .key(.char("=")):
      counter += 1
      redraw()
      let changed = term.bytesHint
      redraw()
      log("WROTE \(changed) \(term.bytesHint)")
    case .key(let k): log("KEY \(k.label)")
    case .resize(let w, let h): log("RESIZE \(w)x\(h)")
    }
  }

  static func redraw() {
    guard let term = terminal else { return }
    let s = term.size
    term.present(frame(s.width, s.height))
  }
}

// MARK: - tmux driver

private final class Pane {
  let socket: String
  let session = "smoke"
  let logPath: String
  let tmux: String

  private init(tmux: String, socket: String, logPath: String) {
    self.tmux = tmux
    self.socket = socket
    self.logPath = logPath
  }

  static func start(width: Int, height: Int, term: String = "xterm-256color", locale: String = "C.UTF-8") throws -> Pane {
    guard let tmux = ["/usr/bin/tmux", "/usr/local/bin/tmux", "/opt/homebrew/bin/tmux"].first(where: { FileManager.default.isExecutableFile(atPath: $0) })
    else { throw XCTSkip("tmux is not installed") }
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    guard FileManager.default.isExecutableFile(atPath: binary) else { throw XCTSkip("cannot re-run the test binary at \(binary)") }
    let id = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let logPath = NSTemporaryDirectory() + "dmsw-pty-\(id).log"
    let confPath = NSTemporaryDirectory() + "dmsw-pty-\(id).conf"
    guard FileManager.default.createFile(atPath: logPath, contents: nil),
      FileManager.default.createFile(atPath: confPath, contents: Data("set -g remain-on-exit on\n".utf8))
    else { throw XCTSkip("cannot write to the temporary directory") }
    defer { try? FileManager.default.removeItem(atPath: confPath) }
    let pane = Pane(tmux: tmux, socket: "dmsw-pty-\(id)", logPath: logPath)
    let command = [
      "env", "DMSW_PTY_OUT=\(logPath)", "TERM=\(term)", "LANG=\(locale)", "LC_ALL=\(locale)", "SWIFT_BACKTRACE=enable=no",
      binary, "TerminalBackendTests.PTYSmokeTests/testChildScenario",
    ].map { "'\($0)'" }.joined(separator: " ")
    // The server daemonises and would hold a stdout pipe open: no output capture here.
    pane.run(["-f", confPath, "new-session", "-d", "-s", pane.session, "-x", "\(width)", "-y", "\(height)", command + "; echo CHILD-EXITED $?; sleep 60"], capture: false)
    return pane
  }

  /// Runs tmux with posix_spawn + waitpid. (Foundation's Process waits until every inheritor of
  /// its bookkeeping descriptors exits, and the daemonised tmux server is one of them.)
  @discardableResult
  func run(_ args: [String], capture: Bool = true) -> String {
    let outPath = NSTemporaryDirectory() + "\(socket)-\(UInt32.random(in: 0...UInt32.max)).out"
    defer { try? FileManager.default.removeItem(atPath: outPath) }
    let argv = ([tmux, "-L", socket] + args).map { strdup($0) } + [nil]
    let envp = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      argv.forEach { free($0) }
      envp.forEach { free($0) }
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, capture ? outPath : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    var pid: pid_t = 0
    guard posix_spawn(&pid, tmux, &actions, nil, argv, envp) == 0 else { return "" }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1, errno == EINTR {}
    guard capture else { return "" }
    return (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
  }

  func format(_ f: String) -> String {
    run(["display-message", "-p", "-t", session, f]).trimmingCharacters(in: .whitespacesAndNewlines)
  }

  func screen() -> String { run(["capture-pane", "-p", "-t", session]) }
  func log() -> String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
  func sendKeys(_ keys: [String]) { run(["send-keys", "-t", session] + keys) }

  func writeToTTY(_ s: String) {
    let tty = format("#{pane_tty}")
    guard let h = FileHandle(forWritingAtPath: tty) else { return }
    h.write(Data(s.utf8))
    try? h.close()
  }

  func waitFor(_ what: String, timeout: TimeInterval = 20, _ condition: () -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if condition() { return }
      Thread.sleep(forTimeInterval: 0.05)
    }
    throw WaitTimeout(what: what, screen: screen(), log: log())
  }

  func waitForScreen(_ condition: (String) -> Bool) throws { try waitFor("screen") { condition(screen()) } }
  func waitForLog(_ condition: (String) -> Bool) throws { try waitFor("log") { condition(log()) } }

  func waitForChildPID() throws -> Int32 {
    try waitForLog { $0.contains("READY") || $0.contains("ERROR") }
    let line = log().split(separator: "\n").first { $0.hasPrefix("READY") } ?? ""
    guard let field = line.split(separator: " ").first(where: { $0.hasPrefix("pid=") }), let pid = Int32(field.dropFirst(4)) else {
      throw WaitTimeout(what: "child pid", screen: screen(), log: log())
    }
    return pid
  }

  func kill() {
    run(["kill-server"])
    if ProcessInfo.processInfo.environment["DMSW_KEEP_LOG"] == nil { try? FileManager.default.removeItem(atPath: logPath) }
  }
}

private struct WaitTimeout: Error, CustomStringConvertible {
  var what: String
  var screen: String
  var log: String
  var description: String { "timed out waiting for \(what)\n--- screen ---\n\(screen)\n--- log ---\n\(log)" }
}
