import DMSWatchEngine
import DMSWatchModel
import DMSWatchRecorder
import Foundation
import DMSWatchState

/// What a key press may change that a replay should follow: focus, selection, filter, sort, overlays.
/// (Polling pause and data are not part of it.)
public struct ViewSignature: Equatable {
  var focus: Pane
  var task: String?
  var table: TableRef?
  var filter: String
  var filterEditing: Bool
  var sort: TaskSort
  var overlay: Overlay
  var scopeFilter: ScopeID?
  var logFollow: Bool
  var logScrollBack: Int
  var marked: Set<TableRef>
  var taskIndex: Int, tableIndex: Int, flagIndex: Int

  public init(_ s: AppState) {
    focus = s.focus
    task = s.selectedTaskArn
    table = s.selectedTable
    filter = s.filter
    filterEditing = s.filterEditing
    sort = s.sort
    overlay = s.overlay
    scopeFilter = s.scopeFilter
    logFollow = s.logFollow
    logScrollBack = s.logScrollBack
    marked = s.marked
    taskIndex = s.taskCursor.index
    tableIndex = s.tableCursor.index
    flagIndex = s.flagCursor.index
  }
}

extension AppController {
  /// Records the view keys and the audit path (requests, confirmations asked, outcomes) into `recorder`.
  public func attach(recorder: Recorder) {
    let clock = self.clock
    let dialog = DialogState()
    onViewKey = { key, state in
      let now = clock.now()
      // Keys inside a confirmation or the start menu are not view keys: a replay is read-only, so the
      // dialog never opens there and its answer (enter, y) would do something else. The question is
      // recorded as an action; the request that follows a "yes" comes through the audit path.
      let open: Bool
      switch state.overlay {
      case .confirm(let c):
        open = true
        if !dialog.open { recorder.action("confirm", c.prompt, at: now) }
      case .startMenu, .cdcStart:
        open = true
      default:
        open = false
      }
      defer { dialog.open = open }
      if open || dialog.open { return }
      recorder.key(key, at: now)
    }
    onAudit = { kind, text, at in recorder.action(kind, text, at: at) }
  }
}

@MainActor
private final class DialogState {
  var open = false
}

/// Wraps every scope's services so that the engine's responses are recorded.
public enum FlightRecording {
  public static func wrap(_ bundles: [ServiceBundle], recorder: Recorder, clock: any DMSWatchModel.Clock) -> [ServiceBundle] {
    bundles.map { $0.recording(into: recorder, clock: clock) }
  }
}

extension AppPaths {
  /// `$XDG_STATE_HOME/dmswatch`: the log, recordings and screen dumps.
  public var stateDir: String { (logFile as NSString).deletingLastPathComponent }
}

extension PollSettings {
  /// As written in a recording's header.
  public var recorded: RecordedPoll {
    RecordedPoll(
      tasks: tasks, tables: tables, metrics: metrics, logs: logs, events: events, inventory: inventory,
      dmsCallsPerSecond: dmsCallsPerSecond, dmsBurst: dmsBurst)
  }

  public init(recorded r: RecordedPoll) {
    self.init()
    tasks = r.tasks
    tables = r.tables
    metrics = r.metrics
    logs = r.logs
    events = r.events
    inventory = r.inventory
    dmsCallsPerSecond = r.dmsCallsPerSecond
    dmsBurst = r.dmsBurst
  }
}
