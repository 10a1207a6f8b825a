import ArgumentParser
import DMSWatchApp
import DMSWatchEngine
import DMSWatchModel
import DMSWatchRecorder
import DMSWatchRender
import Foundation
import TerminalBackend
import DMSWatchRules
import DMSWatchThemes
import DMSWatchState

struct Replay: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "replay",
    abstract: "Replay a recording (dmswatch --record FILE) in the dashboard, read-only; or check or render it headless.",
    discussion: """
      Keys: space play/pause, +/- speed (×1 … ×60), . step, > next action, } next finding, : at TIME (seek),
      D or :dump writes the screen. TIME is 03:12 or 03:12:30 (UTC), +90s / +5m from the start, ISO-8601, start or end.
      """)

  @Argument(help: "The recording file.")
  var file: String

  @Flag(help: "Run the check rules on the recorded state (at --at, default the end) and print the report.")
  var check = false

  @Flag(help: "With --check: the JSON report (docs/check-json.md).")
  var json = false

  @Option(help: "The recorded time to check at, or to start the replay at.")
  var at: String?

  @Option(name: .customLong("dump-at"), help: "Render the frame at TIME headless to standard output (plain text) and exit.")
  var dumpAt: String?

  @Flag(help: "With --dump-at: ANSI colours (theme roles) instead of plain text.")
  var ansi = false

  @Option(help: "Screen size for --dump-at, WIDTHxHEIGHT.")
  var size: String = "160x48"

  @Option(help: "Theme name or file (as for the dashboard).")
  var theme: String?

  @Option(help: "Replay speed to start with (1 to 60).")
  var speed: Double = 1

  @Flag(help: "Start playing at once.")
  var play = false

  @Flag(name: .customLong("no-follow"), help: "Do not apply the recorded operator's view keys (focus, filter, sort).")
  var noFollow = false

  @Option(name: .customLong("fail-on"), help: "With --check: exit 1 when a finding reaches this severity (warn or critical).")
  var failOn: String = "critical"

  func validate() throws {
    if !(1...60).contains(speed) { throw ValidationError("--speed must be between 1 and 60") }
    if json && !check { throw ValidationError("--json goes with --check") }
    if check && dumpAt != nil { throw ValidationError("--check and --dump-at are separate runs") }
    if parsedSize == nil { throw ValidationError("--size must be WIDTHxHEIGHT, at least 40x10 (got \"\(size)\")") }
    if !["warn", "critical"].contains(failOn) { throw ValidationError("--fail-on must be warn or critical") }
  }

  var parsedSize: (Int, Int)? {
    let p = size.lowercased().split(separator: "x").compactMap { Int($0) }
    guard p.count == 2, p[0] >= 40, p[1] >= 10, p[0] <= 1000, p[1] <= 500 else { return nil }
    return (p[0], p[1])
  }

  func run() throws {
    let env = ProcessInfo.processInfo.environment
    let paths = AppPaths.resolve(environment: env, executableDir: executableDir())
    let recording: Recording
    do { recording = try Recording.load(path: file) } catch {
      printError("dmswatch replay: \(error)")
      throw ExitCode(2)
    }
    if let w = recording.warning { printError("dmswatch replay: note: \(w)") }
    if recording.scopes.isEmpty {
      printError("dmswatch replay: \(file) has no scope: nothing was recorded")
      throw ExitCode(2)
    }
    func time(_ s: String, _ flag: String) throws -> Date {
      guard let t = recording.time(from: s) else {
        printError("dmswatch replay: \(flag) \"\(s)\" is not a time (03:12, 03:12:30, +90s, +5m, ISO-8601, start, end)")
        throw ExitCode(2)
      }
      if t < recording.start.addingTimeInterval(-1) || t > recording.end.addingTimeInterval(1) {
        printError("dmswatch replay: \(flag) \(Format.iso(t)) is outside the recording (\(Format.iso(recording.start)) to \(Format.iso(recording.end)))")
        throw ExitCode(2)
      }
      return t
    }
    let noColor = !(env["NO_COLOR"] ?? "").isEmpty
    let loadedTheme: Theme
    do {
      loadedTheme = noColor ? ThemeLoader.monochrome() : try ThemeLoader.load(nameOrPath: theme ?? "default", searchDirs: paths.themeDirs)
    } catch {
      printError("dmswatch replay: \(error)")
      throw ExitCode(2)
    }
    let cfg = (try? AppConfig.load(path: paths.configFile)) ?? AppConfig()
    let (w, h) = parsedSize ?? (160, 48)

    if check || dumpAt != nil {
      let target = try check ? (at.map { try time($0, "--at") } ?? recording.end) : time(dumpAt ?? "end", "--dump-at")
      let check = self.check, json = self.json, ansi = self.ansi, file = self.file
      let failOn: Severity = self.failOn == "warn" ? .warn : .critical
      let thresholds = cfg.thresholds, ruleConfig = cfg.ruleConfig
      Task { @MainActor in
        let session = ReplaySession(recording: recording, width: w, height: h, thresholds: thresholds)
        session.followKeys = !noFollow
        await session.seek(to: target)
        if check {
          let report = session.checkReport(config: ruleConfig, source: "replay of \(file) at \(Format.iso(target))")
          if json {
            let data = (try? report.jsonData()) ?? Data()
            FileHandle.standardOutput.write(data + Data("\n".utf8))
          } else {
            FileHandle.standardOutput.write(Data(report.humanText(width: 100).utf8))
          }
          Foundation.exit(report.exitCode(failOn: failOn))
        }
        let grid = session.render(charset: .unicode)
        let text = ansi ? GridText.ansi(grid, theme: loadedTheme) : GridText.plain(grid)
        FileHandle.standardOutput.write(Data(text.utf8))
        Foundation.exit(0)
      }
      dispatchMain()
    }

    let start = try at.map { try time($0, "--at") }
    var keyMap = KeyMap()
    for (command, keys) in cfg.keys.sorted(by: { $0.key.rawValue < $1.key.rawValue }) { keyMap.override(command, keys: keys) }
    try MainActor.assumeIsolated {
      try runReplay(
        recording, theme: loadedTheme, noColor: noColor, keyMap: keyMap, thresholds: cfg.thresholds, ruleConfig: cfg.ruleConfig,
        start: start, speed: speed, play: play, follow: !noFollow, stateDir: paths.stateDir)
    }
  }
}

@MainActor
func runReplay(
  _ recording: Recording, theme: Theme, noColor: Bool, keyMap: KeyMap, thresholds: Thresholds, ruleConfig: RuleConfig,
  start: Date?, speed: Double, play: Bool, follow: Bool, stateDir: String
) throws {
  let term: CursesTerminal
  do { term = try CursesTerminal(theme: theme, noColor: noColor) } catch {
    printError("dmswatch replay: \(error)")
    throw ExitCode(2)
  }
  let size = term.size
  let session = ReplaySession(recording: recording, keyMap: keyMap, width: size.width, height: size.height, thresholds: thresholds)
  session.followKeys = follow
  session.setSpeed(speed)
  session.onRender = { term.present(session.render(charset: term.charset)) }
  session.controller.onRender = { session.onRender?() }

  func finish(_ code: Int32) -> Never {
    term.restore()
    exit(code)
  }
  SignalRouter.onTerminate = { sig in finish(128 + sig) }
  SignalRouter.onResize = {
    let s = term.size
    session.resize(width: s.width, height: s.height)
    session.onRender?()
  }
  SignalRouter.onContinue = {
    term.forceFullRepaint()
    session.onRender?()
  }

  // One thing at a time: a seek or a step finishes before the next key or tick moves time.
  var busy = false
  func move(_ what: String? = nil, _ body: @escaping @MainActor () async -> Void) {
    guard !busy else { return }
    busy = true
    if let what { session.controller.dispatch(.statusMessage(what, .ok)) }
    session.onRender?()
    Task { @MainActor in
      await body()
      busy = false
      session.onRender?()
    }
  }

  func dump() {
    dumpScreen(session.render(charset: term.charset), theme: theme, stateDir: stateDir, at: session.now, controller: session.controller)
    session.onRender?()
  }
  func runLine(_ command: String, _ arg: String) {
    switch command {
    case "dump": dump()
    case "at":
      guard let t = recording.time(from: arg) else {
        session.controller.dispatch(.statusMessage("not a time: \"\(arg)\" (03:12, 03:12:30, +5m, start, end)", .warn))
        return
      }
      move("seeking to \(Format.clock(t))…") { await session.seek(to: t) }
    default: session.controller.dispatch(.statusMessage(":\(command) is not available in a replay", .warn))
    }
  }
  session.onSessionCommand = { runLine($0, $1) }
  session.onQuit = { finish(0) }

  let input = term.startReadingInput(
    onEvents: { events in
      for e in events {
        switch e {
        case .resize(let w, let h):
          session.resize(width: w, height: h)
          session.onRender?()
        case .key(let k):
          if k == .ctrl("l") {
            term.forceFullRepaint()
            session.onRender?()
            continue
          }
          if k == .char("q") || k == .ctrl("c"), session.state.overlay == .none, !session.state.filterEditing, session.state.commandLine == nil {
            finish(0)
          }
          if let cmd = SessionKeys.command(for: k, replay: true, state: session.state) {
            switch cmd {
            case .dump: dump()
            case .playPause: session.togglePlay()
            case .faster: session.faster()
            case .slower: session.slower()
            case .step: move { await session.step() }
            case .nextAction:
              move {
                if !(await session.nextAction()) { session.controller.dispatch(.statusMessage("no recorded action after this", .ok)) }
              }
            case .nextFinding:
              move("looking for the next finding…") {
                if !(await session.nextFinding(config: ruleConfig)) {
                  session.controller.dispatch(.statusMessage("no new finding before the end", .ok))
                }
              }
            }
            continue
          }
          session.key(k)
        }
      }
    },
    onHangup: { finish(129) })

  // Play: every 100 ms of real time moves 100 ms × speed of recorded time.
  let timer = DispatchSource.makeTimerSource(queue: .main)
  timer.schedule(deadline: .now() + 0.1, repeating: 0.1, leeway: .milliseconds(20))
  timer.setEventHandler {
    MainActor.assumeIsolated {
      guard session.playing else { return }
      move { await session.tick(realSeconds: 0.1) }
    }
  }
  timer.resume()

  move("replaying \(recording.scopes.count) scope(s), \(Format.iso(recording.start)) to \(Format.iso(recording.end))") {
    await session.seek(to: start ?? recording.start)
    if play { session.togglePlay() }
    session.controller.dispatch(.statusMessage("replay: " + SessionKeys.hint(replay: true), .ok))
  }
  withExtendedLifetime((input, timer)) {
    dispatchMain()
  }
}
