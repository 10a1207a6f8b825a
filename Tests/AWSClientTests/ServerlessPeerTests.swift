import AWSClient
import CurlTransport
import DMSWatchModel
import Foundation
import XCTest
import DMSWatchRules

/// The serverless client path over HTTP against the peer (Tests/e2e/peer/serverless_peer.py, fed by
/// serverless_fleet.py's scenario), all on 127.0.0.1.
final class ServerlessPeerTests: XCTestCase {
  let transport = CurlTransport(options: .init(connectTimeout: 2, totalTimeout: 20))
  let creds = StaticCredentialsProvider(AWSCredentials(accessKeyId: "testing", secretAccessKey: "testing"))

  func caller(_ spec: ServiceSpec, _ peer: PeerServer) -> AWSCaller {
    AWSCaller(
      spec: spec, endpoint: peer.url, region: "us-east-1", credentials: creds, transport: transport,
      retry: RetryPolicy(maxAttempts: 1, sleeper: { _ in }))
  }

  func startPeer() throws -> PeerServer {
    try PeerServer.requirePython()
    let f = FileManager.default.temporaryDirectory.appendingPathComponent("dmswatch-sls-\(UUID().uuidString).json")
    defer { try? FileManager.default.removeItem(at: f) }
    _ = try PeerServer.python([PeerServer.peerDir.appendingPathComponent("serverless_fleet.py").path, "scenario", f.path])
    return try PeerServer(scenario: String(decoding: try Data(contentsOf: f), as: UTF8.self))
  }

  func row(_ sls: AWSDMSServerlessClient, _ id: String) async throws -> ReplicationTask {
    let rows = try await sls.allServerlessReplications()
    return try XCTUnwrap(rows.first { $0.identifier == id }, "\(rows.map(\.identifier))")
  }

  func testListTablesStartStopReloadOverHTTP() async throws {
    let peer = try startPeer()
    defer { peer.stop() }
    let sls = AWSDMSServerlessClient(caller: caller(.dms, peer))

    let rows = try await sls.allServerlessReplications()
    XCTAssertEqual(rows.map(\.identifier), ["orders-sl", "ledger-sl", "payments-sl", "zero-etl-sl"])
    let orders = try XCTUnwrap(rows.first)
    XCTAssertEqual(orders.kind, .serverless)
    XCTAssertEqual(orders.status, ReplicationStatus.running)
    XCTAssertEqual(orders.serverless?.provisionedCapacityUnits, 4)
    XCTAssertEqual(orders.serverless?.maxCapacityUnits, 16)
    XCTAssertEqual(orders.serverless?.assessmentSummary, "1 assessment: 1 passed")
    XCTAssertNotNil(orders.serverless?.cdcStartTime)
    XCTAssertEqual(orders.stats?.tablesLoaded, 3)
    XCTAssertEqual(rows[1].status, ReplicationStatus.created)
    XCTAssertEqual(rows[1].serverless?.hasReplication, false)
    XCTAssertEqual(rows[3].serverless?.isReadOnly, true)

    // Filters reach the peer.
    let one = try await sls.describeReplications(filters: [DMSFilter("replication-config-id", ["payments-sl"])], marker: nil, maxRecords: 20)
    XCTAssertEqual(one.items.map(\.configIdentifier), ["payments-sl"])

    // Table statistics with resync fields, and the resync failure finding.
    let tables = try await sls.allReplicationTableStatistics(configArn: orders.arn)
    XCTAssertEqual(tables.map(\.tableName), ["orders", "order_lines", "customers"])
    XCTAssertEqual(tables[1].resyncRowsFailed, 3)
    XCTAssertEqual(tables[2].resyncProgress, 42.5)
    XCTAssertEqual(TableRules.flags(for: tables).filter { $0.kind == .resyncFailed }.map(\.table.table), ["order_lines"])

    // Reload and revalidate while running.
    try await sls.reloadReplicationTables(configArn: orders.arn, tables: [tables[0].ref], option: .dataReload)
    try await sls.reloadReplicationTables(configArn: orders.arn, tables: [tables[2].ref], option: .validateOnly)
    let after = try await sls.allReplicationTableStatistics(configArn: orders.arn)
    XCTAssertEqual(after[0].tableState, TableState.reloading)
    XCTAssertEqual(after[2].validationState, ValidationState.pendingRevalidation)

    // Stop: stopping, then stopped on the next listing; stopping again is a typed invalid-state error.
    let stopping = try await sls.stopReplication(configArn: orders.arn)
    XCTAssertEqual(stopping.status, ReplicationStatus.stopping)
    let stopped = try await row(sls, "orders-sl")
    XCTAssertEqual(stopped.status, ReplicationStatus.stopped)
    XCTAssertEqual(stopped.serverless?.provisionState, "deprovisioned")
    XCTAssertEqual(ServerlessJoin.allowedStartTypes(stopped), [.resumeProcessing, .reloadTarget])
    await assertThrowsKind(.invalidState) { _ = try await sls.stopReplication(configArn: orders.arn) }

    // First start of a never-started config: the phases, one per listing, then running.
    let ledger = rows[1]
    XCTAssertEqual(ServerlessJoin.allowedStartTypes(ledger), [.startReplication])
    let started = try await sls.startReplication(configArn: ledger.arn, type: .startReplication, cdcStartTime: nil, cdcStartPosition: nil)
    XCTAssertEqual(started.status, ReplicationStatus.initializing)
    var seen = [started.status]
    for _ in 0..<10 where seen.last != ReplicationStatus.running {
      seen.append(try await row(sls, "ledger-sl").status)
    }
    XCTAssertEqual(seen, ReplicationStatus.startupPhases + [ReplicationStatus.running])

    // The failing one fails at testing_connection with FailureMessages.
    let payments = rows[2]
    _ = try await sls.startReplication(configArn: payments.arn, type: .resumeProcessing, cdcStartTime: nil, cdcStartPosition: nil)
    var last = payments
    for _ in 0..<5 where last.status != ReplicationStatus.failed { last = try await row(sls, "payments-sl") }
    XCTAssertEqual(last.status, ReplicationStatus.failed)
    XCTAssertEqual(last.serverless?.lastFailureMessage?.hasPrefix("Test connection failed"), true)
    XCTAssertEqual(last.lastFailureMessage, last.serverless?.lastFailureMessage)

    // Read-only: refused by the peer as well as by the rules.
    await assertThrowsKind(.invalidState) { _ = try await sls.stopReplication(configArn: rows[3].arn) }
  }

  func testMetricsDiscoveryAndLogsOverHTTP() async throws {
    let peer = try startPeer()
    defer { peer.stop() }
    let sls = AWSDMSServerlessClient(caller: caller(.dms, peer))
    let cw = AWSCloudWatchClient(caller: caller(.cloudwatch, peer))
    let logs = AWSLogsClient(caller: caller(.logs, peer))
    let rows = try await sls.allServerlessReplications()

    let listed = try await cw.listMetrics(namespace: ServerlessMetrics.namespace, metricName: ServerlessMetrics.discoveryMetric)
    XCTAssertEqual(listed, [["ReplicationConfigIdentifier": "orders-sl"]])
    let dim = try XCTUnwrap(ServerlessMetrics.discover(listed: listed, rows: rows))
    XCTAssertEqual(dim, ServerlessDimension(name: "ReplicationConfigIdentifier", value: .identifier))
    let orders = rows[0]
    let end = Date()
    let results = try await cw.getMetricData(
      queries: ServerlessMetrics.queries(for: orders, dimension: dim, idPrefix: "o"), start: end.addingTimeInterval(-3600), end: end,
      period: 60)
    let byName = Dictionary(uniqueKeysWithValues: results.compactMap { r in
      Int(r.id.dropFirst(2)).map { (ServerlessMetrics.all[$0], r.points.map(\.value)) }
    })
    XCTAssertEqual(byName[ServerlessMetrics.capacityUtilization], [40, 45, 52, 61, 58])
    XCTAssertEqual(byName[DMSMetric.cdcLatencyTarget], [4, 5, 5, 6, 5])
    XCTAssertEqual(byName["FullLoadThroughputBandwidthTarget"], [], "a metric with no data is empty, not an error")
    // The never-started one has no metrics: discovery on it alone finds nothing (say "no metrics yet").
    XCTAssertNil(ServerlessMetrics.discover(listed: listed, rows: [rows[1]]))

    // Logs: orchestrator lines parse; the task stream exists; a never-started config has no group (notFound).
    let rid = try XCTUnwrap(orders.serverless?.resourceId)
    let orch = try await logs.getLogEvents(
      group: ServerlessLogNames.group(configResourceId: rid), stream: ServerlessLogNames.orchestratorStream(configResourceId: rid),
      startTime: Date(timeIntervalSince1970: 0), nextToken: nil, limit: 100)
    let entries = orch.events.map { OrchestratorLogParser.entry($0, task: orders.identifier) }
    XCTAssertEqual(entries.last?.text, "running: Replication is running")
    XCTAssertEqual(entries.map(\.component), Array(repeating: "ORCHESTRATOR", count: entries.count))
    let task = try await logs.getLogEvents(
      group: ServerlessLogNames.group(configResourceId: rid), stream: ServerlessLogNames.taskStream(resourceId: rid),
      startTime: Date(timeIntervalSince1970: 0), nextToken: nil, limit: 100)
    XCTAssertEqual(task.events.map { DMSLogParser.parse($0, task: nil).component }, ["TASK_MANAGER"])
    let neverRid = try XCTUnwrap(rows[1].serverless?.resourceId)
    await assertThrowsKind(.notFound) {
      _ = try await logs.getLogEvents(
        group: ServerlessLogNames.group(configResourceId: neverRid), stream: ServerlessLogNames.orchestratorStream(configResourceId: neverRid),
        startTime: nil, nextToken: nil, limit: 10)
    }

    // A stop writes its orchestrator lines, readable from the last token.
    _ = try await sls.stopReplication(configArn: orders.arn)
    _ = try await sls.allServerlessReplications()
    let more = try await logs.getLogEvents(
      group: ServerlessLogNames.group(configResourceId: rid), stream: ServerlessLogNames.orchestratorStream(configResourceId: rid),
      startTime: nil, nextToken: orch.nextForwardToken, limit: 100)
    XCTAssertEqual(more.events.compactMap { OrchestratorLogParser.parseLine($0.message)?.state }, ["stopping", "stopped"])
  }
}
