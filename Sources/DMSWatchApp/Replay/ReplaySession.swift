import DMSWatchEngine
import DMSWatchModel
import DMSWatchRecorder
import DMSWatchRender
import Foundation
import DMSWatchState
import DMSWatchRules
import DMSWatchReports

/// Replays a recording in the same dashboard: the real controller, reducer and engines, over services
/// that answer from the recording (`Recording.bundles`) on a manual clock. Read-only by construction:
/// the state is read-only and every replayed action answers `ReplayReadOnly`. The operator's recorded
/// view keys are applied at their times, and recorded actions show on the status line.
@MainActor
public final class ReplaySession {
  public let recording: Recording
  public let keyMap: KeyMap
  public let clock: ReplayClock
  public let poll: PollSettings
  public private(set) var controller: AppController
  public private(set) var playing = false
  public private(set) var speed: Double = 1
  public static let speeds: [Double] = [1, 2, 5, 10, 30, 60]
  /// Whether the operator's recorded keys are applied (on by default).
  public var followKeys = true
  public var onRender: (@MainActor () -> Void)?
  private var stepper: LaneStepper
  private var keyIndex = 0
  private var actionIndex = 0
  private var width: Int
  private var height: Int
  private let thresholds: Thresholds

  public init(recording: Recording, keyMap: KeyMap = KeyMap(), width: Int = 160, height: Int = 48, poll: PollSettings? = nil, thresholds: Thresholds = Thresholds()) {
    self.recording = recording
    self.keyMap = keyMap
    self.width = width
    self.height = height
    self.thresholds = thresholds
    self.poll = poll ?? recording.header.poll.map { PollSettings(recorded: $0) } ?? PollSettings.from(refresh: recording.header.mode == "demo" ? 2 : 5)
    clock = ReplayClock(recording.start)
    clock.zeroIsMeasured = recording.header.mode != "test"
    controller = Self.makeController(recording, clock, keyMap, self.poll, thresholds)
    stepper = Self.makeStepper(clock)
    controller.dispatch(.resize(width: width, height: height))
  }

  /// `:` commands the replay loop carries out (`at TIME`, `dump`); kept across the controllers a backward seek rebuilds.
  public var onSessionCommand: (@MainActor (String, String) -> Void)? {
    didSet { controller.onSessionCommand = onSessionCommand }
  }
  /// `:quit` in the replay.
  public var onQuit: (@MainActor () -> Void)? {
    didSet { controller.onQuit = onQuit }
  }

  private static func makeStepper(_ clock: ReplayClock) -> LaneStepper {
    let s = LaneStepper()
    s.lastCallDuration = { clock.takeCallDuration() }
    return s
  }

  private static func makeController(_ r: Recording, _ clock: ReplayClock, _ keyMap: KeyMap, _ poll: PollSettings, _ th: Thresholds) -> AppController {
    clock.set(r.start)
    var state = AppState(now: r.start, pollInterval: poll.tables)
    state.readOnly = true
    state.replaying = true
    state.fleet.thresholds = th
    return AppController(state: state, scopes: r.bundles(clock: clock), clock: clock, reducer: Reducer(keyMap: keyMap), audit: nil, poll: poll)
  }

  public var now: Date { clock.now() }
  public var state: AppState { controller.state }

  /// `REPLAY ▶ ×10 · 2026-12-01`: the header's badge (its clock shows the recorded time).
  public var badge: String {
    let day = String(Format.iso(now).prefix(10))
    let sp = speed == speed.rounded() ? String(Int(speed)) : String(speed)
    return "REPLAY \(playing ? "▶" : "❚❚") ×\(sp) · \(day)"
  }

  /// The frame at the current time.
  public func render(charset: Charset = .unicode) -> Grid {
    var s = controller.state
    s.replayBadge = badge
    return DashboardRenderer.render(s, keyMap: keyMap, charset: charset)
  }

  public func resize(width: Int, height: Int) {
    self.width = width
    self.height = height
    controller.dispatch(.resize(width: width, height: height))
  }

  /// A key from the person watching the replay (moves the view like any key; actions are refused).
  public func key(_ k: Key) { controller.dispatch(.key(k)) }

  // MARK: moving in time

  /// Seeks to `t` (clamped to the recording): forward runs on from here; backward starts again from
  /// the beginning and runs forward (the engines are rebuilt), so the screen is what it was at `t`.
  public func seek(to t: Date) async {
    let target = min(max(t, recording.start), recording.end)
    if target < clock.now() {
      controller.stop()
      let render = controller.onRender
      controller = Self.makeController(recording, clock, keyMap, poll, thresholds)
      controller.onSessionCommand = onSessionCommand
      controller.onQuit = onQuit
      controller.onRender = render
      controller.dispatch(.resize(width: width, height: height))
      stepper = Self.makeStepper(clock)
      keyIndex = 0
      actionIndex = 0
    }
    await run(to: target)
  }

  private func run(to t: Date) async {
    let clock = self.clock
    await stepper.run(controller, clock: { clock.set($0) }, now: { clock.now() }, until: t) { now in applyRecorded(through: now) }
    applyRecorded(through: t)
    onRender?()
  }

  private func applyRecorded(through now: Date) {
    let keys = recording.keys
    while keyIndex < keys.count, keys[keyIndex].time <= now {
      if followKeys { controller.dispatch(.key(keys[keyIndex].key)) }
      keyIndex += 1
    }
    let acts = recording.actions
    while actionIndex < acts.count, acts[actionIndex].time <= now {
      let a = acts[actionIndex]
      let sev: Severity = ["failed", "unknown", "partial", "refused"].contains(a.kind) ? .warn : .ok
      controller.dispatch(.statusMessage("recorded \(a.kind) at \(Format.clock(a.time)): \(a.text)", sev))
      actionIndex += 1
    }
  }

  /// Play / pause; at the end of the recording play stops.
  public func togglePlay() {
    playing.toggle()
    if playing, now >= recording.end { playing = false }
    onRender?()
  }

  public func setSpeed(_ s: Double) {
    speed = min(60, max(1, s))
    onRender?()
  }

  public func faster() { setSpeed(Self.speeds.first { $0 > speed } ?? 60) }
  public func slower() { setSpeed(Self.speeds.last { $0 < speed } ?? 1) }

  /// Called by the replay loop's timer with the real time elapsed: moves `elapsed × speed` while playing.
  public func tick(realSeconds elapsed: TimeInterval) async {
    guard playing else { return }
    let target = min(recording.end, now.addingTimeInterval(elapsed * speed))
    await run(to: target)
    if now >= recording.end { playing = false }
  }

  /// One recorded response forward.
  public func step() async {
    playing = false
    await run(to: recording.nextCallTime(after: now) ?? recording.end)
  }

  /// To the next recorded action (request, confirmation or outcome); false when there is none.
  @discardableResult
  public func nextAction() async -> Bool {
    playing = false
    guard let a = recording.nextAction(after: now) else { return false }
    await run(to: a.time)
    return true
  }

  /// Forward until a finding (warn and above) appears that is not on screen now; false when none
  /// appears before the end.
  @discardableResult
  public func nextFinding(config: RuleConfig = RuleConfig(), stride: TimeInterval = 5) async -> Bool {
    playing = false
    func keys() -> Set<String> {
      Set(controller.state.allFindings(config: config).filter { $0.severity >= .warn }.map { "\($0.task)|\($0.table ?? "")|\($0.event)" })
    }
    let before = keys()
    while now < recording.end {
      await run(to: min(recording.end, now.addingTimeInterval(stride)))
      if !keys().subtracting(before).isEmpty { return true }
    }
    return false
  }

  // MARK: check on the recorded state

  /// The `check` report of the state at the current time (CheckReport.build per scope, then merge).
  public func checkReport(requested: [String] = [], config: RuleConfig = RuleConfig(), source: String) -> CheckReport {
    let s = controller.state
    var parts: [(scope: ScopeInfo, report: CheckReport?, error: String?)] = []
    for sc in recording.scopes {
      let info = s.fleet.scopes.first { $0.id == sc.info.id } ?? sc.info
      if let err = s.fleet.scopeErrors[sc.info.id] {
        parts.append((info, nil, err))
        continue
      }
      let inputs = s.fleet.tasks.filter { $0.scope == sc.info.id }.map { t in
        CheckReport.TaskInput(task: t, tables: s.fleet.tables[t.arn], metrics: s.fleet.metrics[t.arn], logLines: s.logEntries(for: t))
      }
      parts.append((info, CheckReport.build(inputs: inputs, requested: requested, source: sc.label, now: s.now, config: config), nil))
    }
    return CheckReport.merge(parts, requested: requested, source: source, now: s.now)
  }
}

/// Screen dumps: plain text and ANSI-coloured text of one frame, into a directory; returns the paths.
public enum ScreenDump {
  public static func write(_ grid: Grid, theme: Theme, directory: String, at: Date, tag: String = "screen") throws -> (plain: String, ansi: String) {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let stamp = Format.iso(at).replacingOccurrences(of: ":", with: "").replacingOccurrences(of: "-", with: "")
    var base = "\(directory)/dmswatch-\(tag)-\(stamp)"
    var n = 1
    while FileManager.default.fileExists(atPath: base + ".txt") {
      n += 1
      base = "\(directory)/dmswatch-\(tag)-\(stamp)-\(n)"
    }
    let plain = base + ".txt"
    let ansi = base + ".ansi"
    try Data(GridText.plain(grid).utf8).write(to: URL(fileURLWithPath: plain))
    try Data(GridText.ansi(grid, theme: theme).utf8).write(to: URL(fileURLWithPath: ansi))
    return (plain, ansi)
  }
}
