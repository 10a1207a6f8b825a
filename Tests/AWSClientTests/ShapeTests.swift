import AWSClient
import DMSWatchModel
import Foundation
import XCTest

/// Decodes ≥200 random schema-valid responses per operation, generated from botocore's models
/// by scripts/aws/gen_shapes.py at test time, and checks what the decoders read back.
final class ShapeTests: XCTestCase {
  func testAllGeneratedResponsesDecode() async throws {
    try PeerServer.requirePython()
    let out = FileManager.default.temporaryDirectory.appendingPathComponent("dmswatch-shapes-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: out) }
    try PeerServer.python([Fixtures.repoRoot.appendingPathComponent("scripts/aws/gen_shapes.py").path, out.path, "--count", "200"])
    let files = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
    XCTAssertEqual(files.count, 20, "\(files)")
    let current = Box(Data())
    let t = FakeTransport { _, _ in HTTPResponse(status: 200, body: current.value) }
    let dms = AWSDMSClient(caller: testCaller(.dms, t))
    let logs = AWSLogsClient(caller: testCaller(.logs, t))
    let sls = AWSDMSServerlessClient(caller: testCaller(.dms, t))
    let cw = AWSCloudWatchClient(caller: testCaller(.cloudwatch, t))
    var decoded = 0
    for f in files {
      let doc = try JSONValue.parse(Data(contentsOf: out.appendingPathComponent(f)))
      let op = try XCTUnwrap(doc["operation"]?.string)
      let responses = try XCTUnwrap(doc["responses"]?.array)
      XCTAssertGreaterThanOrEqual(responses.count, 200)
      for (i, r) in responses.enumerated() {
        let body = try XCTUnwrap(r["body"])
        let expect = r["expect"]?.array ?? []
        current.value = body.encoded()
        let ctx = "\(f)#\(i)"
        switch op {
        case "DescribeReplicationTasks":
          let page = try await dms.describeReplicationTasks(marker: nil, maxRecords: 100)
          try checkTasks(page.items, expect, ctx)
          XCTAssertEqual(page.marker, body["Marker"]?.string.flatMap { $0.isEmpty ? nil : $0 }, ctx)
        case "StartReplicationTask", "StopReplicationTask":
          if body["ReplicationTask"] == nil {
            await assertThrowsKind(.malformed, ctx) { _ = try await dms.stopReplicationTask(arn: "a") }
          } else {
            let task = op == "StartReplicationTask"
              ? try await dms.startReplicationTask(arn: "a", type: .startReplication) : try await dms.stopReplicationTask(arn: "a")
            try checkTasks([task], expect, ctx)
          }
        case "DescribeTableStatistics", "DescribeReplicationTableStatistics":
          let items = op == "DescribeTableStatistics"
            ? try await dms.describeTableStatistics(taskArn: "a", marker: nil, maxRecords: 500).items
            : try await sls.describeReplicationTableStatistics(configArn: "a", marker: nil, maxRecords: 500).items
          XCTAssertEqual(items.count, expect.count, ctx)
          for (s, e) in zip(items, expect) {
            let a = try XCTUnwrap(e.array)
            XCTAssertEqual(s.schemaName, a[0].string, ctx)
            XCTAssertEqual(s.tableName, a[1].string, ctx)
            XCTAssertEqual(s.inserts, a[2].int64, ctx)
            XCTAssertEqual(s.tableState, a[3].string, ctx)
            checkDate(s.lastUpdateTime, a[4], ctx)
            XCTAssertEqual(s.resyncProgress, a[5].double, ctx)
            XCTAssertEqual(s.resyncState, a[6].string, ctx)
            XCTAssertEqual(s.resyncRowsAttempted, a[7].int64, ctx)
            XCTAssertEqual(s.resyncRowsSucceeded, a[8].int64, ctx)
            XCTAssertEqual(s.resyncRowsFailed, a[9].int64, ctx)
          }
        case "DescribeReplicationConfigs":
          let page = try await sls.describeReplicationConfigs(marker: nil, maxRecords: 100)
          XCTAssertEqual(page.items.count, expect.count, ctx)
          XCTAssertEqual(page.marker, body["Marker"]?.string.flatMap { $0.isEmpty ? nil : $0 }, ctx)
          for (c, e) in zip(page.items, expect) {
            let a = try XCTUnwrap(e.array)
            XCTAssertEqual(c.arn, a[0].string, ctx)
            XCTAssertEqual(c.identifier, a[1].string ?? ReplicationTask.resourceId(fromArn: c.arn), ctx)
            XCTAssertEqual(c.replicationType, a[2].string, ctx)
            XCTAssertEqual(c.minCapacityUnits, a[3].int, ctx)
            XCTAssertEqual(c.maxCapacityUnits, a[4].int, ctx)
            XCTAssertEqual(c.isReadOnly, a[5].bool, ctx)
            checkDate(c.createTime, a[6], ctx)
          }
          // Joined with no replications, every config is a never-started row.
          let rows = ServerlessJoin.rows(configs: page.items, replications: [])
          XCTAssertEqual(Set(rows.map(\.arn)), Set(page.items.map(\.arn)), ctx)
        case "DescribeReplications":
          let page = try await sls.describeReplications(marker: nil, maxRecords: 100)
          try checkReplications(page.items, expect, ctx)
          XCTAssertEqual(page.marker, body["Marker"]?.string.flatMap { $0.isEmpty ? nil : $0 }, ctx)
        case "StartReplication", "StopReplication":
          if body["Replication"] == nil {
            await assertThrowsKind(.malformed, ctx) { _ = try await sls.stopReplication(configArn: "a") }
          } else {
            let r = op == "StartReplication"
              ? try await sls.startReplication(configArn: "a", type: .resumeProcessing, cdcStartTime: nil, cdcStartPosition: nil)
              : try await sls.stopReplication(configArn: "a")
            try checkReplications([r], expect, ctx)
          }
        case "ReloadReplicationTables":
          try await sls.reloadReplicationTables(configArn: "a", tables: [TableRef(schema: "s", table: "t")], option: .dataReload)
        case "ListMetrics":
          // The fake answers every page alike: a NextToken would loop, so pages with one are decoded directly.
          let listed = body["NextToken"]?.string.map { !$0.isEmpty } ?? false
            ? try AWSCloudWatchClient.listedDimensions(body)
            : try await cw.listMetrics(namespace: "AWS/DMS", metricName: "CapacityUtilization")
          XCTAssertEqual(listed, expect.map(Self.stringMap), ctx)
        case "DescribeEvents":
          let items = try await dms.describeEvents(since: Date(), marker: nil, maxRecords: 100).items
          XCTAssertEqual(items.count, expect.count, ctx)
          for (ev, e) in zip(items, expect) {
            let a = try XCTUnwrap(e.array)
            XCTAssertEqual(ev.sourceIdentifier, a[0].string, ctx)
            XCTAssertEqual(ev.message, a[1].string, ctx)
            checkDate(ev.date, a[2], ctx)
          }
        case "DescribeReplicationInstances":
          let items = try await dms.describeReplicationInstances(marker: nil).items
          XCTAssertEqual(items.map(\.arn), expect.compactMap { $0.array?[0].string }, ctx)
          XCTAssertEqual(items.map(\.status), expect.map { $0.array?[1].string }, ctx)
        case "DescribeEndpoints":
          let items = try await dms.describeEndpoints(marker: nil).items
          XCTAssertEqual(items.map(\.arn), expect.compactMap { $0.array?[0].string }, ctx)
          XCTAssertEqual(items.map(\.engineName), expect.map { $0.array?[1].string }, ctx)
        case "ReloadTables":
          try await dms.reloadTables(arn: "a", tables: [TableRef(schema: "s", table: "t")], option: .validateOnly)
        case "TestConnection":
          let c = try await dms.testConnection(instanceArn: "i", endpointArn: "e")
          XCTAssertEqual(c.status, body["Connection"]?["Status"]?.string ?? "", ctx)
        case "DescribeConnections":
          let items = try await dms.describeConnections().items
          XCTAssertEqual(items.count, body["Connections"]?.array?.count ?? 0, ctx)
        case "GetMetricData":
          let results = try (body["MetricDataResults"]?.array ?? []).map(AWSCloudWatchClient.result)
          XCTAssertEqual(results.count, expect.count, ctx)
          for (m, e) in zip(results, expect) {
            XCTAssertEqual(m.id, e.array?[0].string, ctx)
            XCTAssertTrue(AWSCloudWatchClient.isValidId(m.id), ctx)
            XCTAssertLessThanOrEqual(m.points.count, e.array?[1].int ?? -1, ctx)
            XCTAssertEqual(m.points, m.points.sorted { $0.time < $1.time }, ctx)
          }
        case "GetLogEvents":
          let page = try await logs.getLogEvents(group: "g", stream: "s", startTime: nil, nextToken: nil, limit: 100)
          checkLogs(page.events, expect, ctx)
        case "FilterLogEvents":
          let page = try await logs.filterLogEvents(group: "g", streamPrefix: "dms-task-")
          checkLogs(page.events.map(\.event), expect, ctx)
        default:
          XCTFail("no decoder check for \(op)")
        }
        decoded += 1
      }
    }
    XCTAssertGreaterThanOrEqual(decoded, 20 * 200)
  }

  func checkTasks(_ tasks: [ReplicationTask], _ expect: [JSONValue], _ ctx: String) throws {
    XCTAssertEqual(tasks.count, expect.count, ctx)
    for (t, e) in zip(tasks, expect) {
      let a = try XCTUnwrap(e.array)
      XCTAssertEqual(t.arn, a[0].string, ctx)
      XCTAssertEqual(t.status, a[1].string ?? "unknown", ctx)
      XCTAssertEqual(t.stats?.tablesLoaded, a[2].int, ctx)
      checkDate(t.startDate, a[3], ctx)
    }
  }

  static func stringMap(_ v: JSONValue) -> [String: String] {
    guard case .object(let pairs) = v else { return [:] }
    var out: [String: String] = [:]
    for (k, x) in pairs { out[k] = x.string }
    return out
  }

  func checkReplications(_ reps: [Replication], _ expect: [JSONValue], _ ctx: String) throws {
    XCTAssertEqual(reps.count, expect.count, ctx)
    for (r, e) in zip(reps, expect) {
      let a = try XCTUnwrap(e.array)
      XCTAssertEqual(r.configArn, a[0].string, ctx)
      XCTAssertEqual(r.status, a[1].string, ctx)
      XCTAssertEqual(r.provision?.provisionState, a[2].string, ctx)
      XCTAssertEqual(r.provision?.provisionedCapacityUnits, a[3].int, ctx)
      XCTAssertEqual(r.provision?.isNewProvisioningAvailable, a[4].bool, ctx)
      XCTAssertEqual(r.failureMessages, (a[5].array ?? []).compactMap(\.string), ctx)
      XCTAssertEqual(r.stats?.tablesLoaded, a[6].int, ctx)
      checkDate(r.cdcStartTime, a[7], ctx)
      XCTAssertEqual(r.isReadOnly, a[8].bool, ctx)
      XCTAssertEqual(r.premigrationAssessments.count, a[9].int, ctx)
      XCTAssertEqual(r.stopReason, a[10].string, ctx)
      XCTAssertEqual(r.recoveryCheckpoint, a[11].string, ctx)
      // The row the join makes carries the same facts.
      let row = ServerlessJoin.row(config: nil, replication: r)
      XCTAssertEqual(row.kind, .serverless, ctx)
      XCTAssertEqual(row.status, r.status, ctx)
      XCTAssertEqual(row.serverless?.failureMessages, r.failureMessages, ctx)
    }
  }

  func checkDate(_ d: Date?, _ e: JSONValue, _ ctx: String) {
    if let want = e.double {
      XCTAssertEqual(d?.timeIntervalSince1970 ?? -1, want, accuracy: 0.001, ctx)
    } else {
      XCTAssertNil(d, ctx)
    }
  }

  func checkLogs(_ events: [LogEvent], _ expect: [JSONValue], _ ctx: String) {
    XCTAssertEqual(events.map(\.message), expect.map { $0.array?[0].string ?? "?" }, ctx)
    XCTAssertEqual(events.map { ($0.timestamp.timeIntervalSince1970 * 1000).rounded() }, expect.map { $0.array?[1].double ?? -1 }, ctx)
  }
}

func assertThrowsKind(_ kind: ServiceError.Kind, _ ctx: String = "", file: StaticString = #filePath, line: UInt = #line, _ body: () async throws -> Void) async {
  do {
    try await body()
    XCTFail("expected a \(kind) error \(ctx)", file: file, line: line)
  } catch let e as ServiceError {
    XCTAssertEqual(e.kind, kind, "\(ctx): \(e)", file: file, line: line)
  } catch {
    XCTFail("unexpected \(error) \(ctx)", file: file, line: line)
  }
}
