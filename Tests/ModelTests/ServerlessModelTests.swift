import DMSWatchModel
import Foundation
import XCTest
import DMSWatchReports
import DMSWatchRules

final class ServerlessModelTests: XCTestCase {
  let arnA = "arn:aws:dms:us-east-1:123456789012:replication-config:AAAAAAAAAAAAAAAAAAAAAAAAAA"
  let arnB = "arn:aws:dms:us-east-1:123456789012:replication-config:BBBBBBBBBBBBBBBBBBBBBBBBBB"
  let arnC = "arn:aws:dms:us-east-1:123456789012:replication-config:CCCCCCCCCCCCCCCCCCCCCCCCCC"

  func configs() -> [ReplicationConfig] {
    [
      ReplicationConfig(identifier: "orders", arn: arnA, sourceEndpointArn: "src", targetEndpointArn: "tgt", replicationType: "cdc", minCapacityUnits: 2, maxCapacityUnits: 16),
      ReplicationConfig(identifier: "fresh", arn: arnB, replicationType: "full-load"),
    ]
  }

  func testJoinMakesOneRowPerConfigWithTheReplicationsFields() {
    let stats = ReplicationTaskStats(fullLoadProgressPercent: 100, tablesLoaded: 5, startDate: Date(timeIntervalSince1970: 5))
    let reps = [
      Replication(
        configIdentifier: "orders", configArn: arnA, status: "running",
        provision: ProvisionData(provisionState: "provisioned", provisionedCapacityUnits: 8), stopReason: nil,
        failureMessages: ["old", "newest"], stats: stats, startReplicationType: "start-replication"),
      // A replication whose config was created after the config listing: still a row.
      Replication(configIdentifier: "late", configArn: arnC, status: "initializing"),
    ]
    let rows = ServerlessJoin.rows(configs: configs(), replications: reps)
    XCTAssertEqual(rows.map(\.identifier), ["orders", "fresh", "late"])
    XCTAssertTrue(rows.allSatisfy { $0.kind == .serverless && $0.replicationInstanceArn == nil })
    let a = rows[0]
    XCTAssertEqual(a.arn, arnA)
    XCTAssertEqual(a.status, "running")
    XCTAssertEqual(a.stats, stats)
    XCTAssertEqual(a.sourceEndpointArn, "src")
    XCTAssertEqual(a.migrationType, "cdc")
    XCTAssertEqual(a.serverless?.resourceId, "AAAAAAAAAAAAAAAAAAAAAAAAAA")
    XCTAssertEqual(a.resourceId, "AAAAAAAAAAAAAAAAAAAAAAAAAA")
    XCTAssertEqual(a.serverless?.provisionedCapacityUnits, 8)
    XCTAssertEqual(a.serverless?.maxCapacityUnits, 16)
    XCTAssertEqual(a.lastFailureMessage, "newest")
    XCTAssertEqual(ServerlessJoin.allowedStartTypes(a), [])
    XCTAssertTrue(ServerlessJoin.canStop(a))
    XCTAssertTrue(ServerlessJoin.canReload(a))
    let b = rows[1]
    XCTAssertEqual(b.status, ReplicationStatus.created)
    XCTAssertEqual(b.serverless?.hasReplication, false)
    XCTAssertEqual(ServerlessJoin.allowedStartTypes(b), [.startReplication])
    XCTAssertFalse(ServerlessJoin.canStop(b))
    XCTAssertTrue(ServerlessJoin.canStop(rows[2]), "stop is allowed during start-up")
    XCTAssertFalse(ServerlessJoin.canReload(rows[2]))
  }

  func testStartTypesAfterAFirstRunAndReadOnly() {
    var stopped = Replication(configIdentifier: "orders", configArn: arnA, status: "stopped", startReplicationType: "start-replication")
    XCTAssertEqual(ServerlessJoin.allowedStartTypes(ServerlessJoin.row(config: nil, replication: stopped)), [.resumeProcessing, .reloadTarget])
    stopped.isReadOnly = true
    let ro = ServerlessJoin.row(config: nil, replication: stopped)
    XCTAssertEqual(ServerlessJoin.allowedStartTypes(ro), [])
    XCTAssertFalse(ServerlessJoin.canStop(ro))
    // Read-only on the config alone is enough.
    var cfg = configs()[0]
    cfg.isReadOnly = true
    let ro2 = ServerlessJoin.row(config: cfg, replication: Replication(configIdentifier: "orders", configArn: arnA, status: "running"))
    XCTAssertEqual(ro2.serverless?.isReadOnly, true)
    XCTAssertFalse(ServerlessJoin.canReload(ro2))
  }

  func testDiscoveryFindsTheDimensionByItsValues() {
    let rows = ServerlessJoin.rows(configs: configs(), replications: [])
    XCTAssertNil(ServerlessMetrics.discover(listed: [], rows: rows), "no metrics yet")
    XCTAssertNil(ServerlessMetrics.discover(listed: [["Other": "x"]], rows: rows))
    let byRid = ServerlessMetrics.discover(
      listed: [["ReplicationConfigExternalResourceId": "AAAAAAAAAAAAAAAAAAAAAAAAAA"], ["ReplicationConfigExternalResourceId": "ZZZ"]], rows: rows)
    XCTAssertEqual(byRid, ServerlessDimension(name: "ReplicationConfigExternalResourceId", value: .resourceId))
    let byName = ServerlessMetrics.discover(
      listed: [["ReplicationConfigIdentifier": "orders", "Region": "x"], ["ReplicationConfigIdentifier": "fresh"]], rows: rows)
    XCTAssertEqual(byName, ServerlessDimension(name: "ReplicationConfigIdentifier", value: .identifier))
    let byArn = ServerlessMetrics.discover(listed: [["ReplicationConfigArn": arnB]], rows: rows)
    XCTAssertEqual(byArn?.value, .arn)
    // Queries carry the discovered dimension and valid ids.
    let q = ServerlessMetrics.queries(for: rows[0], dimension: byName ?? ServerlessDimension(name: "", value: .arn), idPrefix: "s0")
    XCTAssertEqual(q.count, ServerlessMetrics.all.count)
    XCTAssertEqual(Set(q.map(\.metricName)).count, q.count)
    XCTAssertTrue(q.contains { $0.metricName == "CapacityUtilization" })
    XCTAssertTrue(q.allSatisfy { $0.dimensions == [MetricDimension(name: "ReplicationConfigIdentifier", value: "orders")] })
    XCTAssertEqual(ServerlessMetrics.queryId("orders-cdc.ü", 3), "sorderscdc_3")
    // A provisioned task's query keeps its two dimensions.
    let tq = MetricQuery(id: "a", metricName: "CDCLatencySource", instanceIdentifier: "ri", taskResourceId: "T")
    XCTAssertEqual(tq.dimensions.map(\.name), ["ReplicationInstanceIdentifier", "ReplicationTaskIdentifier"])
  }

  func testLogNames() {
    XCTAssertEqual(ServerlessLogNames.group(configResourceId: "ABC"), "dms-serverless-replication-ABC")
    XCTAssertEqual(ServerlessLogNames.orchestratorStream(configResourceId: "ABC"), "dms-serverless-replication-orchestrator-ABC")
    XCTAssertEqual(ServerlessLogNames.taskStream(resourceId: "XYZ"), "dms-serverless-serv-res-id-XYZ")
  }

  func testOrchestratorLinesArePythonLiteralsNotJSON() throws {
    let line = "{'replication_state':'failed', 'message': 'Replication failed', 'failure_message': 'Can\\'t connect: \"db\" timed out'}"
    let p = try XCTUnwrap(OrchestratorLogParser.parseLine(line))
    XCTAssertEqual(p.state, "failed")
    XCTAssertEqual(p.message, "Replication failed")
    XCTAssertEqual(p.failureMessage, "Can't connect: \"db\" timed out")
    let e = OrchestratorLogParser.entry(LogEvent(timestamp: Date(timeIntervalSince1970: 9), message: line), task: "orders")
    XCTAssertEqual(e.severity, .error)
    XCTAssertEqual(e.component, "ORCHESTRATOR")
    XCTAssertEqual(e.text, "failed: Replication failed — Can't connect: \"db\" timed out")
    XCTAssertEqual(e.task, "orders")
    // Double quotes, None/True, nested values, a prefix before the dict.
    let q = try XCTUnwrap(OrchestratorLogParser.parseLine(#"2026-01-01 INFO {"replication_state": "running", "failure_message": None, 'ok': True, 'dcu': [2, 4], 'n': 3}"#))
    XCTAssertEqual(q.state, "running")
    XCTAssertNil(q.failureMessage)
    XCTAssertEqual(q.fields["ok"], "True")
    XCTAssertEqual(q.fields["dcu"], "[2, 4]")
    XCTAssertEqual(q.fields["n"], "3")
    XCTAssertEqual(OrchestratorLogParser.entry(LogEvent(timestamp: Date(), message: #"{'replication_state':'stopping'}"#), task: nil).severity, .warning)
    // Not a dict literal: kept as text, never a crash.
    for bad in ["", "{", "{'a'", "{'a':", "{'a': 'b'", "{'a' 'b'}", "no dict here", "{'a': 'b',", "{\u{0}'"] {
      XCTAssertNil(OrchestratorLogParser.parseLine(bad), bad)
      XCTAssertEqual(OrchestratorLogParser.entry(LogEvent(timestamp: Date(), message: bad), task: nil).severity, .info)
    }
    XCTAssertEqual(OrchestratorLogParser.parseLine("{}")?.fields, [:])
    let events = [
      LogEvent(timestamp: Date(timeIntervalSince1970: 1), message: "{'replication_state':'failed', 'failure_message':'first'}"),
      LogEvent(timestamp: Date(timeIntervalSince1970: 3), message: "{'replication_state':'running'}"),
      LogEvent(timestamp: Date(timeIntervalSince1970: 2), message: "{'replication_state':'failed', 'failure_message':'second'}"),
    ]
    XCTAssertEqual(OrchestratorLogParser.lastFailure(events)?.message, "second")
  }

  func testResyncFailureIsACriticalFindingForTasksAndReplications() {
    var t = TableStatistics(schemaName: "dbo", tableName: "orders")
    t.resyncState = "Last resync at 2026-11-30T10:00:00"
    t.resyncRowsAttempted = 100
    t.resyncRowsSucceeded = 100
    t.resyncRowsFailed = 0
    XCTAssertFalse(TableRules.flags(for: t).contains { $0.kind == .resyncFailed })
    t.resyncRowsFailed = 7
    let f = TableRules.flags(for: t).first { $0.kind == .resyncFailed }
    XCTAssertEqual(f?.severity, .critical)
    XCTAssertEqual(f?.actual, 7)
    XCTAssertEqual(f?.tag, "RESYNC FAILED")
    XCTAssertEqual(FindingEvent.name(of: .resyncFailed), "dms.table.resync_failed")
    XCTAssertTrue(FindingEvent.all.contains("dms.table.resync_failed"))
    var s = TableStatistics(schemaName: "dbo", tableName: "x")
    s.resyncState = "Failed"
    XCTAssertEqual(TableRules.flags(for: s).first?.kind, .resyncFailed)
    s.resyncState = "Not enabled"
    XCTAssertTrue(TableRules.flags(for: s).isEmpty)
  }

  func testCompatEventNamesUseTheConfigIdentifier() {
    let row = ServerlessJoin.row(config: configs()[0], replication: nil)
    let f = Finding(event: FindingEvent.tableMissing, severity: .critical, task: row.identifier, table: "dbo.t", message: "m")
    XCTAssertEqual(NotificationPayloads.compat(task: row.identifier, findings: [f]), [#"{"event_name": "orders_dms_missing", "status": 0}"#])
  }

  func testDecodingATaskWrittenBeforeServerlessDefaultsToTask() throws {
    let json = #"{"identifier":"t","arn":"arn:aws:dms:us-east-1:1:task:X","status":"running","migrationType":"cdc"}"#
    let t = try JSONDecoder().decode(ReplicationTask.self, from: Data(json.utf8))
    XCTAssertEqual(t.kind, .task)
    XCTAssertNil(t.serverless)
    let row = ServerlessJoin.row(config: configs()[0], replication: nil)
    let back = try JSONDecoder().decode(ReplicationTask.self, from: JSONEncoder().encode(row))
    XCTAssertEqual(back, row)
  }
}

final class ServerlessCheckReportTests: XCTestCase {
  func testReportsCarryTheKindInJSONAndText() throws {
    let config = ReplicationConfig(identifier: "orders-sl", arn: "arn:aws:dms:us-east-1:1:replication-config:AAA", replicationType: "cdc")
    let sl = ServerlessJoin.row(config: config, replication: Replication(configIdentifier: "orders-sl", configArn: config.arn, status: "failed", failureMessages: ["boom"]))
    let task = ReplicationTask(identifier: "orders-task", arn: "arn:aws:dms:us-east-1:1:task:T", status: "running", migrationType: "cdc")
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let report = CheckReport.build(
      inputs: [CheckReport.TaskInput(task: sl, tables: nil, metrics: nil), CheckReport.TaskInput(task: task, tables: nil, metrics: nil)],
      source: "test", now: now)
    XCTAssertEqual(report.tasks.map(\.kind), [.serverless, .task])
    XCTAssertTrue(report.tasks[0].findings.contains { $0.event == FindingEvent.taskFailed && $0.message.contains("boom") })
    let json = try JSONSerialization.jsonObject(with: report.jsonData()) as? [String: Any]
    let kinds = (json?["tasks"] as? [[String: Any]])?.compactMap { $0["kind"] as? String }
    XCTAssertEqual(kinds, ["serverless", "task"])
    XCTAssertEqual(try CheckReport.decode(report.jsonData()), report)
    let text = report.humanText(width: 120)
    XCTAssertTrue(text.contains("SL cdc"), text)
  }
}

final class ResyncReadinessTests: XCTestCase {
  func testResyncFailureBlocksReadiness() {
    var t = TableStatistics(schemaName: "s", tableName: "t")
    t.tableState = TableState.completed
    t.validationState = ValidationState.validated
    t.inserts = 1
    t.appliedInserts = 1
    let task = ReplicationTask(identifier: "x", arn: "arn:aws:dms:us-east-1:1:task:X", status: "running", migrationType: "cdc")
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    func validation(_ s: TableStatistics) -> Readiness.Criterion? {
      Readiness.evaluate(task: task, tables: TaskTables(tables: [s], loadedAt: now), metrics: nil, events: [], now: now)
        .criteria.first { $0.name == ReadinessCriterion.validation }
    }
    XCTAssertEqual(validation(t)?.passed, true)
    t.resyncState = "Last resync at 2026-11-30T10:00:00"
    t.resyncRowsAttempted = 9
    t.resyncRowsFailed = 2
    let c = validation(t)
    XCTAssertEqual(c?.passed, false)
    XCTAssertTrue(c?.detail.contains("resync failed on 1 table (2 rows): s.t") ?? false, c?.detail ?? "")
  }
}

final class OrchestratorParserRandomTests: XCTestCase {
  /// Random lines made of the characters that matter to the parser: never a crash, fields never longer than the line.
  func testRandomLinesNeverCrash() {
    var rng = SystemRandomNumberGenerator()
    let alphabet = Array("{}[]()'\"\\:, abcN\u{0}\u{1b}é日")
    var parsed = 0
    for _ in 0..<5000 {
      let n = Int.random(in: 0..<40, using: &rng)
      let line = String((0..<n).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] })
      let candidate = Int.random(in: 0..<4, using: &rng) == 0 ? "{'replication_state':'" + line + "'}" : line
      if let p = OrchestratorLogParser.parseLine(candidate) {
        parsed += 1
        for (k, v) in p.fields { XCTAssertLessThanOrEqual(k.utf8.count + v.utf8.count, candidate.utf8.count, candidate) }
      }
      _ = OrchestratorLogParser.entry(LogEvent(timestamp: Date(), message: candidate), task: nil)
    }
    XCTAssertGreaterThan(parsed, 0)
  }
}

final class ServerlessActionsTests: XCTestCase {
  final class Recorder: DMSServerlessService, @unchecked Sendable {
    var calls: [String] = []
    func describeReplicationConfigs(marker: String?, maxRecords: Int) async throws -> Page<ReplicationConfig> { Page(items: [], marker: nil) }
    func describeReplications(marker: String?, maxRecords: Int) async throws -> Page<Replication> { Page(items: [], marker: nil) }
    func describeReplicationTableStatistics(configArn: String, marker: String?, maxRecords: Int) async throws -> Page<TableStatistics> {
      Page(items: [], marker: nil)
    }
    func startReplication(configArn: String, type: StartTaskType, cdcStartTime: Date?, cdcStartPosition: String?) async throws -> Replication {
      calls.append("start \(configArn) \(type.rawValue)")
      return Replication(configIdentifier: "x", configArn: configArn, status: "initializing")
    }
    func stopReplication(configArn: String) async throws -> Replication {
      calls.append("stop \(configArn)")
      return Replication(configIdentifier: "x", configArn: configArn, status: "stopping")
    }
    func reloadReplicationTables(configArn: String, tables: [TableRef], option: ReloadOption) async throws {
      calls.append("reload \(configArn) \(tables.map(\.qualifiedName)) \(option.rawValue)")
    }
  }

  let arn = "arn:aws:dms:us-east-1:1:replication-config:RID"

  func row(_ status: String, started: Bool = true, readOnly: Bool = false) -> ReplicationTask {
    ServerlessJoin.row(
      config: ReplicationConfig(identifier: "orders", arn: arn, isReadOnly: readOnly),
      replication: started ? Replication(configIdentifier: "orders", configArn: arn, status: status, startReplicationType: "start-replication") : nil)
  }

  func testRefusalsFollowTheState() {
    let start = ServiceCommand.start(arn: arn, task: "orders", type: .startReplication)
    let resume = ServiceCommand.start(arn: arn, task: "orders", type: .resumeProcessing)
    let stop = ServiceCommand.stop(arn: arn, task: "orders")
    let reload = ServiceCommand.reload(arn: arn, task: "orders", tables: [TableRef(schema: "s", table: "t")], option: .validateOnly)
    XCTAssertNil(ServerlessActions.refusal(start, row: row("created", started: false)))
    XCTAssertNotNil(ServerlessActions.refusal(resume, row: row("created", started: false)))
    XCTAssertNil(ServerlessActions.refusal(resume, row: row("stopped")))
    XCTAssertEqual(ServerlessActions.refusal(start, row: row("stopped")), "orders allows resume-processing or reload-target, not start-replication")
    XCTAssertNotNil(ServerlessActions.refusal(resume, row: row("running")))
    XCTAssertNil(ServerlessActions.refusal(stop, row: row("running")))
    XCTAssertNil(ServerlessActions.refusal(stop, row: row("provisioning_capacity")))
    XCTAssertNotNil(ServerlessActions.refusal(stop, row: row("stopped")))
    XCTAssertNil(ServerlessActions.refusal(reload, row: row("running")))
    XCTAssertNotNil(ServerlessActions.refusal(reload, row: row("stopping")))
    for c in [start, resume, stop, reload] {
      XCTAssertEqual(ServerlessActions.refusal(c, row: row("running", readOnly: true)), "orders is read-only (zero-ETL integration): no actions")
    }
  }

  func testPerformRoutesEachCommandToOneCall() async throws {
    let r = Recorder()
    _ = try await ServerlessActions.perform(.start(arn: arn, task: "orders", type: .reloadTarget), on: r)
    _ = try await ServerlessActions.perform(.stop(arn: arn, task: "orders"), on: r)
    let none = try await ServerlessActions.perform(.reload(arn: arn, task: "orders", tables: [TableRef(schema: "s", table: "t")], option: .dataReload), on: r)
    XCTAssertNil(none)
    XCTAssertEqual(r.calls, ["start \(arn) reload-target", "stop \(arn)", "reload \(arn) [\"s.t\"] data-reload"])
  }

  func testLogTargets() {
    let t = ServerlessLogs.targets(for: row("running"))
    XCTAssertEqual(t.map(\.stream), ["dms-serverless-replication-orchestrator-RID", "dms-serverless-serv-res-id-RID"])
    XCTAssertEqual(Set(t.map(\.group)), ["dms-serverless-replication-RID"])
    XCTAssertEqual(t[0].entry(LogEvent(timestamp: Date(), message: "{'replication_state':'failed'}"), task: "orders").severity, .error)
    XCTAssertEqual(t[1].entry(LogEvent(timestamp: Date(), message: "2026-01-01T00:00:00 [SORTER  ]W:  slow"), task: "orders").component, "SORTER")
    XCTAssertTrue(ServerlessLogs.isNotCreatedYet(ServiceError(kind: .notFound, code: "ResourceNotFoundException", message: "")))
    XCTAssertFalse(ServerlessLogs.isNotCreatedYet(ServiceError(kind: .throttled, code: "ThrottlingException", message: "")))
    XCTAssertEqual(ServerlessLogs.notCreatedYetText(row("created", started: false), t[0]), "no logs yet: the first run creates the log group")
    XCTAssertTrue(ServerlessLogs.targets(for: ReplicationTask(identifier: "t", arn: "a", status: "running", migrationType: "cdc")).isEmpty)
  }
}
