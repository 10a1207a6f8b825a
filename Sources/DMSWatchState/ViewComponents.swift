import Foundation
import DMSWatchModel
import DMSWatchRules

/// A view component: an overlay, a dialog or a line being typed. Its keys come from `ViewKeys` in its own
/// context; `handle` turns a command into state changes and effects. The reducer only dispatches.
protocol ViewComponent {
  static var context: KeyContext { get }
  static func handle(_ command: ViewCommand, _ s: inout AppState, _ r: Reducer) -> [Effect]
}

/// A component with a text field: printable characters are typed into it.
protocol TextComponent: ViewComponent {
  static func type(_ c: Character, _ s: inout AppState)
}

extension AppState {
  /// The view component keys go to now (nil: the focused pane's bindings).
  public var keyContext: KeyContext? {
    if commandLine != nil { return .commandLine }
    switch overlay {
    case .help: return .help
    case .startMenu: return .startMenu
    case .cdcStart: return .cdcStart
    case .confirm: return .confirm
    case .detail: return .detail
    case .raw: return .raw
    case .recon: return .recon
    case .none: return filterEditing ? .filterEdit : nil
    }
  }
}

enum ViewComponents {
  static func component(for context: KeyContext) -> any ViewComponent.Type {
    switch context {
    case .help: HelpComponent.self
    case .startMenu: StartMenuComponent.self
    case .cdcStart: CdcStartComponent.self
    case .confirm: ConfirmComponent.self
    case .detail: DetailComponent.self
    case .raw: RawComponent.self
    case .recon: ReconComponent.self
    case .commandLine: CommandLineComponent.self
    case .filterEdit: FilterEditComponent.self
    }
  }
}

// MARK: help

enum HelpComponent: ViewComponent {
  static let context = KeyContext.help
  static func handle(_ command: ViewCommand, _ s: inout AppState, _ r: Reducer) -> [Effect] {
    guard case .help(let scroll) = s.overlay else { return [] }
    if command == .close { s.overlay = .none } else if let v = command.moved(scroll) { s.overlay = .help(scroll: v) }
    return []
  }
}

// MARK: start menu

enum StartMenuComponent: ViewComponent {
  static let context = KeyContext.startMenu
  static func handle(_ command: ViewCommand, _ s: inout AppState, _ r: Reducer) -> [Effect] {
    guard case .startMenu(let arn, let index) = s.overlay else { return [] }
    // Only what DMS accepts for this task's state and type (TaskActions).
    guard let task = s.fleet.task(arn) else {
      s.overlay = .none
      return []
    }
    let items = TaskActions.startChoices(for: task)
    let n = items.count
    guard n > 0 else {
      s.overlay = .none
      return []
    }
    switch command {
    case .close: s.overlay = .none
    case .nextChoice: s.overlay = .startMenu(taskArn: arn, index: (index + 1) % n)
    case .prevChoice: s.overlay = .startMenu(taskArn: arn, index: (index + n - 1) % n)
    case .pick1, .pick2, .pick3, .pick4:
      if let i = command.pickIndex, i < n { s.overlay = .startMenu(taskArn: arn, index: i) }
    case .choose:
      guard index >= 0, index < n else {
        s.overlay = .none
        return []
      }
      return choose(items[index], task, &s, r)
    default: break
    }
    return []
  }

  static func choose(_ choice: TaskActions.StartChoice, _ task: ReplicationTask, _ s: inout AppState, _ r: Reducer) -> [Effect] {
    let arn = task.arn
    switch choice {
    case .cdcFromPoint:
      s.overlay = .cdcStart(CdcStartDialog(task: task))
      return []
    case .type(.resumeProcessing):
      s.overlay = .none
      return r.perform(&s, .start(arn: arn, task: task.identifier, type: .resumeProcessing))
    case .type(let type):
      let warning: String
      if type == .reloadTarget {
        warning = "Reload target for \(task.identifier)\(r.whereText(s, task))? Every table is truncated or recreated and loaded again."
      } else if task.migration == .cdc {
        // A CDC-only task has no full load: start-replication begins reading changes from now.
        warning = "Start replication for \(task.identifier)\(r.whereText(s, task))? CDC starts reading changes from now (no full load)."
      } else {
        warning = "Start replication for \(task.identifier)\(r.whereText(s, task))? The full load runs, then CDC."
      }
      s.overlay = .confirm(Confirmation(command: .start(arn: arn, task: task.identifier, type: type), prompt: warning))
      return []
    }
  }
}

// MARK: CDC start point

/// `start CDC from a position or time…`: a native position (checkpoint, LSN/SCN, binlog file:offset) or a time
/// (ISO 8601 UTC, or `-30m` / `2h ago`), checked before the confirmation that sends it.
public struct CdcStartDialog: Sendable, Equatable {
  public enum Mode: String, Sendable, Equatable { case position, time }
  public var taskArn: String
  public var task: String
  public var mode: Mode
  public var text: String
  /// Where DMS says CDC would resume (RecoveryCheckpoint): the position field starts with it.
  public var recoveryCheckpoint: String?
  /// Why the last `enter` was refused (shown in the dialog).
  public var error: String?

  public init(task: ReplicationTask) {
    taskArn = task.arn
    self.task = task.identifier
    recoveryCheckpoint = task.recoveryCheckpoint
    mode = task.recoveryCheckpoint == nil ? .time : .position
    text = task.recoveryCheckpoint ?? ""
  }

  /// The start point the text names, or why it does not name one.
  public func parsed(now: Date) -> Result<CdcStartPoint, CdcStartError> {
    let t = text.trimmingCharacters(in: .whitespaces)
    guard !t.isEmpty else { return .failure(CdcStartError(mode == .time ? "type a time: 2026-12-01T03:00:00Z or -30m" : "type a position: checkpoint:…, an LSN/SCN or file:offset")) }
    switch mode {
    case .position:
      guard t.count <= 512, t.allSatisfy({ !$0.isWhitespace }) else { return .failure(CdcStartError("a position is one word (no spaces), at most 512 characters")) }
      return .success(.position(t))
    case .time:
      guard let d = Self.parseTime(t, now: now) else {
        return .failure(CdcStartError("not a time: use 2026-12-01T03:00:00Z (UTC), 2026-12-01 03:00, -30m, -2h or 90m ago"))
      }
      guard d <= now else { return .failure(CdcStartError("\(Format.iso(d)) is in the future: CDC can start only from the past")) }
      return .success(.time(d))
    }
  }

  /// ISO 8601 (a time without a zone is UTC) or a span back from now (`-30m`, `2h ago`, `-1d`).
  public static func parseTime(_ text: String, now: Date) -> Date? {
    var t = text.lowercased().trimmingCharacters(in: .whitespaces)
    var relative = false
    if t.hasPrefix("-") { t.removeFirst(); relative = true }
    if t.hasSuffix(" ago") { t.removeLast(4); relative = true }
    if relative {
      t = t.trimmingCharacters(in: .whitespaces)
      guard let unit = t.last, let n = Double(t.dropLast()), n >= 0, n.isFinite else { return nil }
      let mult: Double
      switch unit {
      case "s": mult = 1
      case "m": mult = 60
      case "h": mult = 3600
      case "d": mult = 86400
      default: return nil
      }
      guard n * mult <= 14 * 86400 else { return nil }
      return now.addingTimeInterval(-n * mult)
    }
    let iso = ISO8601DateFormatter()
    iso.formatOptions = [.withInternetDateTime]
    if let d = iso.date(from: text.uppercased()) { return d }
    let plain = DateFormatter()
    plain.locale = Locale(identifier: "en_US_POSIX")
    plain.timeZone = TimeZone(identifier: "UTC")
    for f in ["yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd HH:mm"] {
      plain.dateFormat = f
      if let d = plain.date(from: text) { return d }
    }
    return nil
  }
}

public struct CdcStartError: Error, Sendable, Equatable {
  public var message: String
  init(_ m: String) { message = m }
}

enum CdcStartComponent: TextComponent {
  static let context = KeyContext.cdcStart
  static func handle(_ command: ViewCommand, _ s: inout AppState, _ r: Reducer) -> [Effect] {
    guard case .cdcStart(var d) = s.overlay else { return [] }
    switch command {
    case .close:
      s.overlay = .none
      r.setMessage(&s, "cancelled: start \(d.task) from a CDC point", .ok)
      return [.audit("cancelled start \(d.task) from a CDC point")]
    case .complete:
      // Switch what the field means; each keeps its own text (the checkpoint comes back with position).
      d.mode = d.mode == .time ? .position : .time
      d.text = d.mode == .position ? (d.recoveryCheckpoint ?? "") : ""
      d.error = nil
    case .erase:
      if !d.text.isEmpty { d.text.removeLast() }
      d.error = nil
    case .clear:
      d.text = ""
      d.error = nil
    case .choose:
      guard let task = s.fleet.task(d.taskArn) else {
        s.overlay = .none
        return []
      }
      // The task may have moved on while the dialog was open: what DMS accepts is checked again.
      guard TaskActions.startChoices(for: task).contains(.cdcFromPoint) else {
        s.overlay = .none
        return r.refuse(&s, "\(task.identifier) is \(task.status) (\(task.migrationType)): it cannot start from a CDC point now")
      }
      switch d.parsed(now: s.now) {
      case .failure(let e):
        d.error = e.message
      case .success(let point):
        let when: String
        switch point {
        case .time(let t):
          when = "from \(Format.iso(t)) (\(Format.duration(max(0, s.now.timeIntervalSince(t)))) ago)"
        case .position(let p):
          when = "from position \(p)"
        }
        s.overlay = .confirm(Confirmation(
          command: .start(arn: task.arn, task: task.identifier, type: .startReplication, from: point),
          prompt: "Start CDC for \(task.identifier) \(when)\(r.whereText(s, task))? Changes before that point are not replicated; "
            + "changes after it already on the target are applied again."))
        return []
      }
    default: break
    }
    s.overlay = .cdcStart(d)
    return []
  }

  static func type(_ c: Character, _ s: inout AppState) {
    guard case .cdcStart(var d) = s.overlay, d.text.count < 512 else { return }
    d.text.append(c)
    d.error = nil
    s.overlay = .cdcStart(d)
  }
}

// MARK: confirmation

enum ConfirmComponent: ViewComponent {
  static let context = KeyContext.confirm
  static func handle(_ command: ViewCommand, _ s: inout AppState, _ r: Reducer) -> [Effect] {
    guard case .confirm(var c) = s.overlay else { return [] }
    switch command {
    case .yes:
      s.overlay = .none
      return r.performAll(&s, c)
    case .no:
      s.overlay = .none
      return cancel(c, &s, r)
    case .nextChoice, .prevChoice:
      c.yesSelected.toggle()
      s.overlay = .confirm(c)
    case .choose:
      s.overlay = .none
      return c.yesSelected ? r.performAll(&s, c) : cancel(c, &s, r)
    default: break
    }
    return []
  }

  static func cancel(_ c: Confirmation, _ s: inout AppState, _ r: Reducer) -> [Effect] {
    r.setMessage(&s, "cancelled: \(c.summary)", .ok)
    return [.audit("cancelled \(c.summary)")]
  }
}

// MARK: detail, raw view

enum DetailComponent: ViewComponent {
  static let context = KeyContext.detail
  static func handle(_ command: ViewCommand, _ s: inout AppState, _ r: Reducer) -> [Effect] {
    guard case .detail(let arn, let scroll) = s.overlay else { return [] }
    if let v = command.moved(scroll) {
      s.overlay = .detail(taskArn: arn, scroll: v)
      return []
    }
    switch command {
    case .close: s.overlay = .none
    case .copy:
      if let t = s.fleet.task(arn) { return [.copy(text: t.arn, what: "ARN of \(t.identifier)")] }
    default: break
    }
    return []
  }
}

enum RawComponent: ViewComponent {
  static let context = KeyContext.raw
  static func handle(_ command: ViewCommand, _ s: inout AppState, _ r: Reducer) -> [Effect] {
    guard case .raw(var v) = s.overlay else { return [] }
    let last = max(0, (v.text.map { $0.split(separator: "\n", omittingEmptySubsequences: false).count } ?? 0) - 1)
    if let moved = command.moved(v.scroll, last: last) {
      v.scroll = moved
      s.overlay = .raw(v)
      return []
    }
    switch command {
    case .close:
      s.overlay = .none
      return []
    case .copy:
      if let text = v.text { return [.copy(text: text, what: v.wrap ? "the \(v.title)" : "the raw JSON of \(v.title)")] }
    default: break
    }
    return []
  }
}

// MARK: RECON

enum ReconComponent: ViewComponent {
  static let context = KeyContext.recon
  static func handle(_ command: ViewCommand, _ s: inout AppState, _ r: Reducer) -> [Effect] {
    guard case .recon(let arn) = s.overlay else { return [] }
    let last = max(0, (s.recon.result?.tables.count ?? 0) - 1)
    if let v = command.moved(s.recon.selected, last: last) {
      s.recon.selected = v
      return []
    }
    switch command {
    case .cancelRun:
      if case .running = s.recon.phase {
        r.setMessage(&s, "reconcile cancelled", .ok)
        return [.cancelReconcile]
      }
      s.overlay = .none
    case .close: s.overlay = .none
    case .rerun:
      if let t = s.fleet.task(arn) {
        return [.reconcile(taskArn: arn, task: t.identifier, checksum: s.recon.marked)]
      }
    default: break
    }
    return []
  }
}

// MARK: text lines

/// The `:` line: text, `tab` completion, `enter` runs, `esc` closes.
enum CommandLineComponent: TextComponent {
  static let context = KeyContext.commandLine
  static func handle(_ command: ViewCommand, _ s: inout AppState, _ r: Reducer) -> [Effect] {
    guard var line = s.commandLine else { return [] }
    switch command {
    case .close:
      s.commandLine = nil
    case .choose:
      s.commandLine = nil
      return r.runCommandLine(&s, line.text)
    case .complete:
      s.commandLine = PromptCommands.complete(line, s, replay: s.replaying)
    case .erase:
      if line.text.isEmpty {
        s.commandLine = nil
      } else {
        line.text.removeLast()
        line.candidates = []
        s.commandLine = line
      }
    case .clear:
      line.text = ""
      line.candidates = []
      s.commandLine = line
    default: break
    }
    return []
  }

  static func type(_ c: Character, _ s: inout AppState) {
    guard var line = s.commandLine, line.text.count < 120 else { return }
    line.text.append(c)
    line.candidates = []
    s.commandLine = line
  }
}

/// The text `/` edits: the TASKS filter, the TABLES filter or the LOG search.
enum FilterEditComponent: TextComponent {
  static let context = KeyContext.filterEdit
  static func edit(_ s: inout AppState, _ change: (inout String) -> Void) {
    switch s.filterTarget {
    case .tasks:
      change(&s.filter)
      s.recomputeTaskOrder()
      s.syncTableCursor()
    case .tables:
      change(&s.tableFilter)
      s.syncTableCursor()
    case .log:
      change(&s.logSearch)
      s.logMatch = nil
    }
  }

  static func handle(_ command: ViewCommand, _ s: inout AppState, _ r: Reducer) -> [Effect] {
    switch command {
    case .choose:
      s.filterEditing = false
      if s.filterTarget == .log, !s.logSearch.isEmpty { r.searchLog(&s, older: true, fromCurrent: true) }
    case .close:
      s.filterEditing = false
      edit(&s) { $0 = "" }
    case .erase:
      edit(&s) { if !$0.isEmpty { $0.removeLast() } }
    case .clear:
      edit(&s) { $0 = "" }
    default: break
    }
    return []
  }

  static func type(_ c: Character, _ s: inout AppState) {
    edit(&s) { if $0.count < 128 { $0.append(c) } }
  }
}
