import Foundation

public enum Pane: String, Sendable, CaseIterable, Codable, Hashable {
  case tasks, tables, flags, latency, log
  /// The title shown in the pane frame.
  public var title: String { rawValue.uppercased() }
}

public struct Rect: Sendable, Equatable {
  public var x: Int, y: Int, width: Int, height: Int
  public init(x: Int, y: Int, width: Int, height: Int) {
    self.x = x
    self.y = y
    self.width = max(0, width)
    self.height = max(0, height)
  }
  public static let zero = Rect(x: 0, y: 0, width: 0, height: 0)
  /// The area inside a one-cell frame.
  public var inner: Rect { Rect(x: x + 1, y: y + 1, width: width - 2, height: height - 2) }
}

/// Screen geometry, pure: shared by the reducer (page sizes, scrolling) and the renderer.
public struct Layout: Sendable, Equatable {
  public static let minWidth = 60
  public static let minHeight = 18

  public var width: Int
  public var height: Int
  public var header: Rect
  public var tasks: Rect
  public var tables: Rect
  public var flags: Rect
  public var latency: Rect
  public var log: Rect
  public var hints: Rect

  public var tooSmall: Bool { width < Self.minWidth || height < Self.minHeight }

  public init(width: Int, height: Int) {
    self.width = width
    self.height = height
    header = Rect(x: 0, y: 0, width: width, height: 1)
    hints = Rect(x: 0, y: max(0, height - 1), width: width, height: 1)
    let body = max(0, height - 2)
    let latencyH = body >= 40 ? 6 : 4
    var tasksH = max(5, body * 34 / 100)
    var midH = max(5, body * 28 / 100)
    var logH = body - tasksH - midH - latencyH
    if logH < 4 {
      let deficit = 4 - logH
      let fromTasks = min(deficit, max(0, tasksH - 5))
      tasksH -= fromTasks
      midH -= min(deficit - fromTasks, max(0, midH - 5))
      logH = max(0, body - tasksH - midH - latencyH)
    }
    var y = 1
    tasks = Rect(x: 0, y: y, width: width, height: tasksH)
    y += tasksH
    let tablesW = width * 62 / 100
    tables = Rect(x: 0, y: y, width: tablesW, height: midH)
    flags = Rect(x: tablesW, y: y, width: width - tablesW, height: midH)
    y += midH
    latency = Rect(x: 0, y: y, width: width, height: latencyH)
    y += latencyH
    log = Rect(x: 0, y: y, width: width, height: logH)
  }

  public func rect(for pane: Pane) -> Rect {
    switch pane {
    case .tasks: tasks
    case .tables: tables
    case .flags: flags
    case .latency: latency
    case .log: log
    }
  }

  /// Rows of list content a pane shows (frame and column header removed).
  public func visibleRows(_ pane: Pane) -> Int {
    switch pane {
    case .tasks, .tables, .flags: max(1, rect(for: pane).height - 3)
    case .latency, .log: max(1, rect(for: pane).height - 2)
    }
  }
}
