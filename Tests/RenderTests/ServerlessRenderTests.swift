import XCTest
import DMSWatchModel
import TestSupport
@testable import DMSWatchRender
@testable import DMSWatchRules
@testable import DMSWatchState

/// DMS Serverless rows beside tasks: the KIND mark, DCU, start-up phases, resync in TABLES and FLAGS,
/// and the detail overlay (provisioning, capacity utilisation, assessments, orchestrator failure).
final class ServerlessRenderTests: XCTestCase {
  static func slArn(_ id: String) -> String { "arn:aws:dms:eu-west-1:123456789012:replication-config:\(id.uppercased().replacingOccurrences(of: "-", with: ""))" }

  static func replication(
    _ id: String, _ status: String, _ type: MigrationType, dcu: Int? = nil, state: String? = nil, max: Int = 16,
    newProvisioning: Bool = false, failures: [String] = [], readOnly: Bool = false, started: Bool = true,
    tables: (Int, Int, Int, Int)? = nil
  ) -> ReplicationTask {
    let config = ReplicationConfig(identifier: id, arn: slArn(id), replicationType: type.rawValue, minCapacityUnits: 2, maxCapacityUnits: max)
    guard started else { return ServerlessJoin.row(config: config, replication: nil) }
    let rep = Replication(
      configIdentifier: id, configArn: slArn(id), status: status, replicationType: type.rawValue,
      provision: ProvisionData(
        provisionState: state, provisionedCapacityUnits: dcu, isNewProvisioningAvailable: newProvisioning,
        reasonForNewProvisioningData: newProvisioning ? "Capacity utilization above 85%" : nil),
      premigrationAssessments: id == "payments-sl"
        ? [PremigrationAssessmentStatus(status: "failed", lastFailureMessage: "Unsupported data type in sales.blobs")] : [],
      stopReason: status == ReplicationStatus.failed ? "Stop Reason FATAL_ERROR" : nil, failureMessages: failures,
      stats: tables.map {
        ReplicationTaskStats(fullLoadProgressPercent: 100, tablesLoaded: $0.0, tablesLoading: $0.1, tablesQueued: $0.2, tablesErrored: $0.3)
      },
      startReplicationType: "start-replication", isReadOnly: readOnly)
    return ServerlessJoin.row(config: config, replication: rep)
  }

  static let failure = "Test connection failed for endpoint 'payments-src': could not connect to the source database"

  static let replications: [ReplicationTask] = [
    replication("orders-sl", ReplicationStatus.running, .cdc, dcu: 4, state: "provisioned", tables: (3, 0, 0, 0)),
    replication("ledger-sl", ReplicationStatus.created, .fullLoad, started: false),
    replication("payments-sl", ReplicationStatus.failed, .fullLoadAndCdc, dcu: 0, state: "deprovisioned", failures: ["an older failure", failure], tables: (1, 0, 0, 0)),
    replication("zero-etl-sl", ReplicationStatus.running, .cdc, dcu: 2, state: "provisioned", max: 4, newProvisioning: true, readOnly: true, tables: (1, 0, 0, 0)),
    replication("fresh-sl", ReplicationStatus.preparingMetadataResources, .cdc, state: "provisioning"),
  ]

  static let resyncTables: [TableStatistics] = [
    Fixtures.stats("sales", "orders") {
      $0.inserts = 500; $0.appliedInserts = 500
      $0.resyncState = "Last resync at 2026-11-30T10:00:00"; $0.resyncRowsAttempted = 40; $0.resyncRowsSucceeded = 40; $0.resyncRowsFailed = 0
    },
    Fixtures.stats("sales", "order_lines") {
      $0.inserts = 900; $0.appliedInserts = 900
      $0.resyncState = "Last resync at 2026-11-30T10:05:00"; $0.resyncRowsAttempted = 12; $0.resyncRowsSucceeded = 9; $0.resyncRowsFailed = 3
    },
    Fixtures.stats("sales", "customers") {
      $0.resyncState = "In progress"; $0.resyncRowsAttempted = 5; $0.resyncRowsSucceeded = 5; $0.resyncRowsFailed = 0; $0.resyncProgress = 42.5
    },
  ]

  static func state(width: Int, height: Int, select: String = "orders-sl") -> AppState {
    var s = Fixtures.dashboard(width: width, height: height)
    s.fleet.tasks = Array(Fixtures.tasks.prefix(4)) + replications
    s.fleet.tables[slArn("orders-sl")] = TaskTables(tables: resyncTables, loadedAt: Fixtures.now.addingTimeInterval(-5))
    var m = TaskMetrics()
    m[DMSMetric.cdcLatencySource].merge(Fixtures.series { i in 2 + Double(i % 5) })
    m[DMSMetric.cdcLatencyTarget].merge(Fixtures.series { i in 4 + Double(i % 5) })
    m[ServerlessMetrics.capacityUtilization].merge(Fixtures.series { i in 30 + Double(i) })
    s.fleet.metrics[slArn("orders-sl")] = m
    let orch = OrchestratorLogParser.entry(
      LogEvent(timestamp: Fixtures.now.addingTimeInterval(-90),
               message: "{'replication_state':'failed', 'message':'Replication failed', 'failure_message':'\(failure.replacingOccurrences(of: "'", with: "\\'"))'}"),
      task: "payments-sl")
    s.fleet.log.append(orch)
    s.fleet.errorLog["payments-sl"] = [orch]
    s.selectedTaskArn = slArn(select)
    s.recomputeTaskOrder()
    s.marked = []
    s.tableCursor.index = 0
    s.syncTableCursor()
    return s
  }

  func testTasksPaneMarksServerlessRowsAndShowsCapacityWhenThereIsRoom() throws {
    let wide = Fixtures.render(Self.state(width: 200, height: 50))
    let s = Self.state(width: 200, height: 50)
    XCTAssertEqual(wide.integrityProblems(), [])
    let tasks = wide.snapshot(of: s.layout.rect(for: .tasks))
    let rows = tasks.split(separator: "\n").map(String.init)
    XCTAssertTrue(rows.contains { $0.contains("KD") && $0.contains("DCU") }, tasks)
    for id in ["orders-sl", "ledger-sl", "payments-sl", "zero-etl-sl", "fresh-sl"] {
      let row = try XCTUnwrap(rows.first { $0.contains(" \(id) ") }, id)
      XCTAssertTrue(row.contains("SL \(id)"), row)
    }
    for id in ["orders-cdc", "billing-fl"] {
      let row = try XCTUnwrap(rows.first { $0.contains(" \(id) ") }, id)
      XCTAssertFalse(row.contains("SL"), row)
    }
    XCTAssertTrue(rows.contains { $0.contains("orders-sl") && $0.contains("4/16") })
    XCTAssertTrue(rows.contains { $0.contains("zero-etl-sl") && $0.contains("2/4!") }, "new provisioning is marked")
    XCTAssertTrue(rows.contains { $0.contains("fresh-sl") && $0.contains("prov") })
    // Narrow: the DCU column goes first, the mark stays, the long start-up phase is shortened.
    let narrow = Self.state(width: 80, height: 24)
    let n = Fixtures.render(narrow).snapshot(of: narrow.layout.rect(for: .tasks))
    XCTAssertFalse(n.contains("DCU"), n)
    XCTAssertTrue(n.contains("SL orders-sl"), n)
    // A fleet of tasks only has no KD column at all.
    let plain = Fixtures.dashboard(width: 200, height: 50)
    XCTAssertFalse(Fixtures.render(plain).snapshot(of: plain.layout.rect(for: .tasks)).contains("KD"))
  }

  func testShortStatusAndCapacityText() {
    XCTAssertEqual(DashboardRenderer.shortStatus("preparing_metadata_resources", width: 11), "prep meta")
    XCTAssertEqual(DashboardRenderer.shortStatus("preparing_metadata_resources", width: 40), "preparing_metadata_resources")
    XCTAssertEqual(DashboardRenderer.shortStatus("running", width: 3), "running")
    XCTAssertEqual(DashboardRenderer.capacityText(Self.replications[0]).0, "4/16")
    XCTAssertEqual(DashboardRenderer.capacityText(Self.replications[1]).0, "-")
    XCTAssertEqual(DashboardRenderer.capacityText(Self.replications[2]).0, "-")
    XCTAssertEqual(DashboardRenderer.capacityText(Fixtures.tasks[0]).0, "")
  }

  func testTablesAndFlagsShowResync() {
    var s = Self.state(width: 200, height: 50)
    s.focus = .tables
    let g = Fixtures.render(s)
    let tables = g.snapshot(of: s.layout.rect(for: .tables))
    XCTAssertTrue(tables.contains("RESYNC"), tables)
    XCTAssertTrue(tables.contains("f:3/12"), tables)
    XCTAssertTrue(tables.contains("42%"), tables)
    XCTAssertTrue(tables.contains("ok 40"), tables)
    let flags = g.snapshot(of: s.layout.rect(for: .flags))
    XCTAssertTrue(flags.contains("RESYNC") && flags.contains("sales.order_lines"), flags)
    XCTAssertEqual(DashboardRenderer.resyncText(TableStatistics(schemaName: "a", tableName: "b")).0, "-")
    // A task's tables without resync keep their columns.
    var t = Fixtures.dashboard(width: 200, height: 50)
    t.focus = .tables
    XCTAssertFalse(Fixtures.render(t).snapshot(of: t.layout.rect(for: .tables)).contains("RESYNC"))
  }

  func testDetailShowsProvisioningUtilisationAssessmentAndOrchestratorFailure() {
    let orders = Self.state(width: 120, height: 40)
    let lines = DashboardRenderer.detailLines(orders, task: Self.replications[0], width: 100, .unicode).map(\.text)
    XCTAssertTrue(lines.contains("DMS Serverless replication"), "\(lines)")
    XCTAssertTrue(lines.contains("provisioning: 4 DCU provisioned (min 2, max 16 DCU)"), "\(lines)")
    XCTAssertTrue(lines.contains { $0.hasPrefix("capacity utilisation: 89% ") && $0.contains("peak 89%") }, "\(lines)")
    let payments = Self.state(width: 120, height: 40, select: "payments-sl")
    let p = DashboardRenderer.detailLines(payments, task: Self.replications[2], width: 100, .unicode).map(\.text)
    XCTAssertTrue(p.contains { $0.hasPrefix("orchestrator 07:58:30: failed: Replication failed") && $0.contains("Test connection failed") }, "\(p)")
    XCTAssertTrue(p.contains("premigration 1 assessment: 1 failed"), "\(p)")
    XCTAssertTrue(p.contains("capacity utilisation: unknown, no CapacityUtilization metrics yet"), "\(p)")
    let ledger = DashboardRenderer.detailLines(payments, task: Self.replications[1], width: 100, .unicode).map(\.text)
    XCTAssertTrue(ledger.contains("DMS Serverless replication, never started"), "\(ledger)")
    XCTAssertTrue(ledger.contains { $0.contains("no log yet") }, "\(ledger)")
    let zero = DashboardRenderer.detailLines(payments, task: Self.replications[3], width: 100, .unicode).map(\.text)
    XCTAssertTrue(zero.contains { $0.hasPrefix("read-only") }, "\(zero)")
    XCTAssertTrue(zero.contains { $0.contains("new provisioning available: Capacity utilization above 85%") }, "\(zero)")
    // (The detail wraps words, so runs of spaces become one.) A task's detail has none of it.
    let task = DashboardRenderer.detailLines(orders, task: Fixtures.tasks[0], width: 100, .unicode).map(\.text)
    XCTAssertFalse(task.contains { $0.hasPrefix("provisioning") || $0.hasPrefix("DMS Serverless") })
  }

  func testSnapshots() {
    for (w, h) in [(80, 24), (200, 50)] {
      let s = Self.state(width: w, height: h)
      let g = Fixtures.render(s)
      XCTAssertEqual(g.integrityProblems(), [])
      assertSnapshot(g, named: "serverless-dashboard-\(w)x\(h)")
    }
    var d = Self.state(width: 120, height: 48, select: "payments-sl")
    d.overlay = .detail(taskArn: Self.slArn("payments-sl"), scroll: 0)
    assertSnapshot(Fixtures.render(d), named: "serverless-detail-120x48")
    var o = Self.state(width: 120, height: 48)
    o.overlay = .detail(taskArn: Self.slArn("orders-sl"), scroll: 0)
    assertSnapshot(Fixtures.render(o), named: "serverless-detail-orders-120x48")
  }
}
