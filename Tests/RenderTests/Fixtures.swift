import Foundation
import DMSWatchModel
@testable import DMSWatchRender
@testable import DMSWatchRules
@testable import DMSWatchState

/// Hand-built states with a fixed clock: every task status, every kind of flag, latency series, every log severity.
enum Fixtures {
  /// 2027-01-15 08:00:00 UTC.
  static let now = Date(timeIntervalSince1970: 1_800_000_000)
  static let keyMap = KeyMap()

  static func arn(_ id: String) -> String { "arn:aws:dms:eu-west-1:123456789012:task:\(id.uppercased())" }

  static func task(
    _ id: String, _ status: String, _ type: MigrationType, progress: Int? = nil, tables: (Int, Int, Int, Int)? = nil,
    stop: String? = nil, failure: String? = nil
  ) -> ReplicationTask {
    var stats: ReplicationTaskStats?
    if progress != nil || tables != nil {
      stats = ReplicationTaskStats(
        fullLoadProgressPercent: progress, tablesLoaded: tables?.0, tablesLoading: tables?.1, tablesQueued: tables?.2,
        tablesErrored: tables?.3)
    }
    return ReplicationTask(
      identifier: id, arn: arn(id), status: status, migrationType: type.rawValue, lastFailureMessage: failure,
      stopReason: stop, stats: stats)
  }

  static let tasks: [ReplicationTask] = [
    task("orders-cdc", TaskStatus.running, .fullLoadAndCdc, progress: 100, tables: (7, 0, 0, 1)),
    task("billing-fl", TaskStatus.running, .fullLoad, progress: 45, tables: (3, 2, 7, 0)),
    task("payments-cdc", TaskStatus.running, .cdc, tables: (4, 0, 0, 0)),
    task("inventory-sync", TaskStatus.failed, .fullLoadAndCdc, progress: 80, tables: (8, 0, 1, 1),
      failure: "Last Error ORA-01555: snapshot too old. Task error notification received."),
    task("legacy-archive", TaskStatus.stopped, .fullLoad, progress: 100, tables: (20, 0, 0, 0), stop: "Stop Reason FULL_LOAD_ONLY_FINISHED"),
    task("crm-replica", TaskStatus.stopped, .cdc, tables: (5, 0, 0, 0), stop: "Stop Reason RECOVERABLE_ERROR"),
    task("analytics-load", TaskStatus.starting, .fullLoadAndCdc, progress: 0),
    task("hr-export", TaskStatus.stopping, .fullLoad, progress: 60, tables: (2, 1, 0, 0)),
    task("new-task", TaskStatus.ready, .fullLoadAndCdc),
    task("reports-move", TaskStatus.modifying, .cdc),
  ]

  static func stats(_ schema: String, _ table: String, _ body: (inout TableStatistics) -> Void) -> TableStatistics {
    var t = TableStatistics(schemaName: schema, tableName: table)
    t.tableState = TableState.completed
    t.fullLoadRows = 10_000
    t.inserts = 0
    t.updates = 0
    t.deletes = 0
    t.ddls = 0
    t.appliedInserts = 0
    t.appliedUpdates = 0
    t.appliedDeletes = 0
    t.appliedDdls = 0
    t.validationState = ValidationState.validated
    t.lastUpdateTime = now.addingTimeInterval(-42)
    body(&t)
    return t
  }

  static let orderTables: [TableStatistics] = [
    stats("public", "customers") {
      $0.inserts = 1200; $0.appliedInserts = 1200; $0.updates = 340; $0.appliedUpdates = 340; $0.deletes = 2; $0.appliedDeletes = 2
    },
    stats("public", "orders") {
      $0.inserts = 5000; $0.appliedInserts = 4988; $0.fullLoadRows = 2_400_000
      $0.validationState = ValidationState.mismatchedRecords; $0.validationFailedRecords = 3
    },
    stats("public", "order_items") { $0.inserts = 800; $0.appliedInserts = 810 },
    stats("public", "audit_log") {
      $0.inserts = 120; $0.appliedInserts = nil; $0.appliedUpdates = nil; $0.appliedDeletes = nil
      $0.validationState = ValidationState.notEnabled
    },
    stats("public", "payments") { $0.tableState = TableState.error; $0.fullLoadRows = 0; $0.validationState = ValidationState.tableError },
    stats("sales", "refunds") { $0.validationState = ValidationState.pendingRecords; $0.validationPendingRecords = 42 },
    stats("sales", "returns") { $0.validationState = ValidationState.suspendedRecords; $0.validationSuspendedRecords = 5 },
  ]

  /// One point a minute for the last hour.
  static func series(_ f: (Int) -> Double) -> [SeriesPoint] {
    (0..<60).map { i in SeriesPoint(time: now.addingTimeInterval(Double(i - 59) * 60), value: f(i)) }
  }

  static func dashboard(width: Int, height: Int) -> AppState {
    var s = AppState(now: now, logCapacity: 500, pollInterval: 5)
    s.layout = Layout(width: width, height: height)
    s.sourceLabel = "prod-admin / eu-west-1"
    s.fleet.tasks = tasks
    for src in DataSource.allCases { s.fleet.sources[src]?.lastSuccess = now.addingTimeInterval(-3) }
    s.fleet.sources[.metrics]?.lastSuccess = now.addingTimeInterval(-12)
    s.fleet.sources[.metrics]?.interval = 60
    s.fleet.tables[arn("orders-cdc")] = TaskTables(tables: orderTables, loadedAt: now.addingTimeInterval(-4))
    s.fleet.tables[arn("billing-fl")] = TaskTables(tables: [stats("hr", "people") { _ in }], loadedAt: now.addingTimeInterval(-30))
    var m = TaskMetrics()
    m[DMSMetric.cdcLatencySource].merge(series { i in 2 + Double(i % 10) * 0.4 })
    m[DMSMetric.cdcLatencyTarget].merge(series { i in i < 40 ? 8 + Double(i % 7) : 20 + Double(i - 40) * 6 })
    s.fleet.metrics[arn("orders-cdc")] = m
    var p = TaskMetrics()
    p[DMSMetric.cdcLatencySource].merge(series { i in Double(i) * 2 })
    p[DMSMetric.cdcLatencyTarget].merge(series { i in Double(i) * 5 })
    s.fleet.metrics[arn("payments-cdc")] = p
    s.fleet.pending[arn("crm-replica")] = "start crm-replica (resume-processing)"
    let entries: [(LogSeverity, String, String, String)] = [
      (.info, "orders-cdc", "SOURCE_CAPTURE", "Starting replication now"),
      (.debug, "orders-cdc", "TARGET_APPLY", "Applied batch of 512 changes"),
      (.warning, "payments-cdc", "SOURCE_UNLOAD", "Source latency is increasing"),
      (.error, "inventory-sync", "TARGET_LOAD", "ORA-01555: snapshot too old"),
      (.trace, "orders-cdc", "SORTER", "Transaction 0x1f consumed"),
      (.info, "crm-replica", "REPLICATION-TASK", "Task stopped (RECOVERABLE_ERROR)"),
    ]
    for (i, e) in entries.enumerated() {
      s.appendLog([LogEntry(
        time: now.addingTimeInterval(Double(i - entries.count) * 7), source: .log, severity: e.0, component: e.2, text: e.3, task: e.1)])
    }
    s.selectedTaskArn = arn("orders-cdc")
    s.recomputeTaskOrder()
    s.marked = [TableRef(schema: "public", table: "customers")]
    s.tableCursor.index = 1
    s.syncTableCursor()
    return s
  }

  static func render(_ s: AppState, charset: Charset = .unicode) -> Grid {
    DashboardRenderer.render(s, keyMap: keyMap, charset: charset)
  }
}

extension Grid {
  /// The (x, y) of the first occurrence of `text` on a row, in cell columns.
  func find(_ text: String, from row: Int = 0) -> (x: Int, y: Int)? {
    for y in row..<height {
      var cols: [Int] = []
      var s = ""
      for x in 0..<width where !self[x, y].isContinuation {
        cols.append(x)
        s.append(self[x, y].char)
      }
      guard let r = s.range(of: text) else { continue }
      return (cols[s.distance(from: s.startIndex, to: r.lowerBound)], y)
    }
    return nil
  }

  /// Like `find`, limited to a rectangle.
  func find(_ text: String, in r: Rect) -> (x: Int, y: Int)? {
    for y in max(0, r.y)..<min(height, r.y + r.height) {
      var cols: [Int] = []
      var s = ""
      for x in max(0, r.x)..<min(width, r.x + r.width) where !self[x, y].isContinuation {
        cols.append(x)
        s.append(self[x, y].char)
      }
      guard let range = s.range(of: text) else { continue }
      return (cols[s.distance(from: s.startIndex, to: range.lowerBound)], y)
    }
    return nil
  }

  /// Problems with cell integrity: a wide character must be followed by its continuation cell, every other
  /// cell is one column wide, and no cell holds a control, escape or bidi-override character.
  func integrityProblems() -> [String] {
    var out: [String] = []
    for y in 0..<height {
      var cols = 0
      for x in 0..<width {
        let c = self[x, y]
        cols += 1
        if c.isContinuation {
          if x == 0 || self[x - 1, y].isContinuation || CharWidth.of(self[x - 1, y].char) != 2 {
            out.append("row \(y) col \(x): continuation without a wide character")
          }
          continue
        }
        let w = CharWidth.of(c.char)
        if w == 2 && (x + 1 >= width || !self[x + 1, y].isContinuation) {
          out.append("row \(y) col \(x): wide character without continuation")
        }
        if w == 0 { out.append("row \(y) col \(x): zero-width cell") }
        for u in c.char.unicodeScalars {
          let v = u.value
          if v < 0x20 || (v >= 0x7f && v < 0xa0) || (0x202a...0x202e).contains(v) || (0x2066...0x2069).contains(v)
            || v == 0x200e || v == 0x200f || v == 0x061c {
            out.append("row \(y) col \(x): control character U+\(String(v, radix: 16))")
          }
        }
      }
      if cols != width { out.append("row \(y): \(cols) columns") }
    }
    return out
  }
}
