import Foundation
import DMSWatchModel
import DMSWatchRules

// The view components' own state: overlays, dialogs, cursors, sorting, the LOG level.

public struct Confirmation: Sendable, Equatable {
  public var command: ServiceCommand
  /// Further commands confirmed by the same answer (marked tasks); each is sent once and audited on its own.
  public var more: [ServiceCommand] = []
  public var prompt: String
  /// Which button is highlighted; false (No) by default.
  public var yesSelected: Bool = false
  public init(command: ServiceCommand, more: [ServiceCommand] = [], prompt: String) {
    self.command = command
    self.more = more
    self.prompt = prompt
  }
  public var commands: [ServiceCommand] { [command] + more }
  /// `stop 3 tasks` / `stop orders` for the cancel message and the audit log.
  public var summary: String {
    more.isEmpty ? command.summary : "\(command.summary) and \(more.count) more (\(commands.map(\.taskIdentifier).joined(separator: ", ")))"
  }
}

public enum FilterTarget: Sendable, Equatable {
  case tasks, tables, log
}

/// The LOG pane's severity floor.
public enum LogLevelFilter: String, Sendable, CaseIterable {
  case all, warnings, errors
  public func admits(_ s: LogSeverity) -> Bool {
    switch self {
    case .all: true
    case .warnings: s >= .warning
    case .errors: s >= .error
    }
  }
  public var label: String {
    switch self {
    case .all: "all"
    case .warnings: "W+"
    case .errors: "E only"
    }
  }
}

public enum Overlay: Sendable, Equatable {
  case none
  case help(scroll: Int)
  case startMenu(taskArn: String, index: Int)
  case confirm(Confirmation)
  /// Task detail: readiness checklist, findings and triage hints.
  case detail(taskArn: String, scroll: Int)
  /// RECON: source↔target row counts, checksums and validation-failure rows of one task.
  case recon(taskArn: String)
  /// `y`: the raw JSON of a task or table as DMS returned it (secrets redacted).
  case raw(RawView)
  /// Start a CDC-only task from a chosen CDC position or time.
  case cdcStart(CdcStartDialog)
}

public struct RawView: Sendable, Equatable {
  public var title: String
  /// nil while it is being read.
  public var text: String?
  public var error: String?
  public var scroll = 0
  /// Wrap long lines (a log line) instead of cutting them (JSON).
  public var wrap = false
  public init(title: String, text: String? = nil, error: String? = nil, wrap: Bool = false) {
    self.title = title
    self.text = text
    self.error = error
    self.wrap = wrap
  }
}

public struct StatusMessage: Sendable, Equatable {
  public var text: String
  public var severity: Severity
  public var expires: Date
  public init(text: String, severity: Severity, expires: Date) {
    self.text = text
    self.severity = severity
    self.expires = expires
  }
}

public enum TaskSortColumn: String, Sendable, CaseIterable, Codable {
  case name, status, type, progress, latency, flags, health, scope
}

public struct TaskSort: Sendable, Equatable {
  public var column: TaskSortColumn = .name
  public var descending = false
  public init(column: TaskSortColumn = .name, descending: Bool = false) {
    self.column = column
    self.descending = descending
  }
}

/// A cursor with a scroll offset over a list.
public struct ListCursor: Sendable, Equatable {
  public var index = 0
  public var top = 0
  public init() {}

  public mutating func clamp(count: Int, visible: Int) {
    let visible = max(1, visible)
    index = count == 0 ? 0 : min(max(0, index), count - 1)
    if index < top { top = index }
    if index >= top + visible { top = index - visible + 1 }
    top = max(0, min(top, max(0, count - visible)))
  }

  public mutating func move(by delta: Int, count: Int, visible: Int) {
    index += delta
    clamp(count: count, visible: visible)
  }
}
