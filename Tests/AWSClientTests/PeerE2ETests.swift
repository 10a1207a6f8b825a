import AWSClient
import CurlTransport
import DMSWatchModel
import Foundation
import XCTest

/// The whole client over HTTP against moto (plus dms_peer.py's extra handlers), all on 127.0.0.1.
final class PeerE2ETests: XCTestCase {
  let transport = CurlTransport(options: .init(connectTimeout: 2, totalTimeout: 20))
  let creds = StaticCredentialsProvider(AWSCredentials(accessKeyId: "testing", secretAccessKey: "testing"))

  func caller(_ spec: ServiceSpec, _ peer: PeerServer, region: String = "eu-west-1", creds: (any CredentialsProvider)? = nil) -> AWSCaller {
    AWSCaller(
      spec: spec, endpoint: peer.url, region: region, credentials: creds ?? self.creds, transport: transport,
      retry: RetryPolicy(maxAttempts: 2, sleeper: { _ in }))
  }

  static let scenario: String = {
    var rows: [String] = []
    for i in 0..<45 {
      rows.append(
        """
        {"SchemaName":"HR","TableName":"T\(String(format: "%02d", i))","Inserts":\(i),"Updates":\(i * 2),"Deletes":0,"Ddls":0,
         "FullLoadRows":\(1000 + i),"TableState":"\(i == 3 ? "Table error" : "Table completed")","FullLoadReloaded":false,
         "LastUpdateTime":\(i % 2 == 0 ? "1790000000.5" : "\"2026-11-23T10:10:15.809629\""),"ValidationState":"Validated","ResyncProgress":0.5}
        """)
    }
    return """
      {"table_statistics": {"task-0": [\(rows.joined(separator: ","))]},
       "events": [
        {"SourceIdentifier":"task-0","SourceType":"replication-task","Message":"Replication task started.","EventCategories":["state change"],"Date":1790000000},
        {"SourceIdentifier":"task-1","SourceType":"replication-task","Message":"Replication task has failed.","EventCategories":["failure"],"Date":1790000600.25},
        {"SourceIdentifier":"rep-1","SourceType":"replication-instance","Message":"Low storage","EventCategories":["low storage"],"Date":1790000700}
       ]}
      """
  }()

  func testDMSAgainstPeer() async throws {
    let peer = try PeerServer(scenario: Self.scenario, taskPageSize: 2)
    defer { peer.stop() }
    let seed = try peer.seed()
    let dms = AWSDMSClient(caller: caller(.dms, peer))

    // Marker paging (page size 2 on the peer) collects all three tasks.
    let first = try await dms.describeReplicationTasks(marker: nil, maxRecords: 100)
    XCTAssertEqual(first.items.count, 2)
    XCTAssertNotNil(first.marker)
    let tasks = try await dms.allReplicationTasks()
    XCTAssertEqual(tasks.map(\.identifier).sorted(), ["task-0", "task-1", "task-2"])
    let t0 = try XCTUnwrap(tasks.first { $0.identifier == "task-0" })
    XCTAssertEqual(t0.status, "running")
    XCTAssertEqual(t0.migrationType, "full-load")
    XCTAssertNotNil(t0.creationDate, "moto's zone-less ISO timestamps decode")
    XCTAssertEqual(t0.stats?.fullLoadProgressPercent, 100)

    let filtered = try await dms.describeReplicationTasks(filters: [DMSFilter("replication-task-id", ["task-2"])], marker: nil, maxRecords: 20)
    XCTAssertEqual(filtered.items.map(\.identifier), ["task-2"])
    // The engine's filtered read of a few rows (visible page, tasks named by events): one call, by ARN.
    let rows = try await dms.describeReplicationTasks(arns: [t0.arn, tasks[2].arn])
    XCTAssertEqual(Set(rows?.map(\.arn) ?? []), [t0.arn, tasks[2].arn])

    // Stop, then stopping again is a typed invalid-state error; start resumes.
    let stopped = try await dms.stopReplicationTask(arn: t0.arn)
    XCTAssertEqual(stopped.status, "stopped")
    do {
      _ = try await dms.stopReplicationTask(arn: t0.arn)
      XCTFail("stopping a stopped task must fail")
    } catch let e as ServiceError {
      XCTAssertEqual(e.kind, .invalidState)
      XCTAssertEqual(e.code, "InvalidResourceStateFault")
      XCTAssertEqual(e.httpStatus, 400)
    }
    let started = try await dms.startReplicationTask(arn: t0.arn, type: .resumeProcessing)
    XCTAssertEqual(started.status, "running")
    do {
      _ = try await dms.stopReplicationTask(arn: "arn:aws:dms:eu-west-1:123456789012:task:nope")
      XCTFail("unknown task must fail")
    } catch let e as ServiceError {
      XCTAssertEqual(e.kind, .notFound)
      XCTAssertEqual(e.code, "ResourceNotFoundFault")
      XCTAssertEqual(e.message, "Replication task could not be found.")
    }

    // Instances, endpoints, connection test.
    let instances = try await dms.describeReplicationInstances(marker: nil).items
    XCTAssertEqual(instances.map(\.identifier).sorted(), ["rep-1", "rep-2"])
    XCTAssertEqual(instances.first?.instanceClass, "dms.t3.medium")
    let endpoints = try await dms.describeEndpoints(marker: nil).items
    XCTAssertEqual(Set(endpoints.map(\.identifier)), ["src-ora", "tgt-pg"])
    XCTAssertEqual(endpoints.first { $0.identifier == "src-ora" }?.endpointType?.lowercased(), "source")
    let instanceArn = try XCTUnwrap((seed["instances"] as? [String])?.first)
    let sourceArn = try XCTUnwrap(seed["source"] as? String)
    let conn = try await dms.testConnection(instanceArn: instanceArn, endpointArn: sourceArn)
    XCTAssertEqual(conn.status, "testing")
    let polled = try await dms.describeConnections(filters: [DMSFilter("endpoint-arn", [sourceArn])]).items
    XCTAssertEqual(polled.first?.status, "successful")

    // Table statistics: 45 rows paged 20 at a time by the peer, mixed timestamp encodings.
    let page = try await dms.describeTableStatistics(taskArn: t0.arn, marker: nil, maxRecords: 20)
    XCTAssertEqual(page.items.count, 20)
    XCTAssertEqual(page.marker, "20")
    let all = try await dms.allTableStatistics(taskArn: t0.arn)
    XCTAssertEqual(all.count, 45)
    XCTAssertEqual(all[3].tableState, TableState.error)
    XCTAssertEqual(all[4].inserts, 4)
    XCTAssertEqual(all[4].updates, 8)
    XCTAssertEqual(all[4].fullLoadRows, 1004)
    XCTAssertEqual(all[0].lastUpdateTime, Date(timeIntervalSince1970: 1_790_000_000.5))
    XCTAssertEqual(try XCTUnwrap(all[1].lastUpdateTime).timeIntervalSince1970, 1_795_428_615.809629, accuracy: 0.001)
    XCTAssertEqual(all[5].resyncProgress, 0.5)

    // Reload: the peer marks the table as reloading.
    try await dms.reloadTables(arn: t0.arn, tables: [TableRef(schema: "HR", table: "T05")], option: .dataReload)
    let after = try await dms.allTableStatistics(taskArn: t0.arn)
    XCTAssertEqual(after.first { $0.tableName == "T05" }?.tableState, TableState.reloading)
    try await dms.reloadTables(arn: t0.arn, tables: [TableRef(schema: "HR", table: "T06")], option: .validateOnly)
    let after2 = try await dms.allTableStatistics(taskArn: t0.arn)
    XCTAssertEqual(after2.first { $0.tableName == "T06" }?.validationState, ValidationState.pendingRevalidation)

    // Events: replication-task only, incremental by StartTime.
    let events = try await dms.describeEvents(since: Date(timeIntervalSince1970: 1_789_999_000), marker: nil, maxRecords: 100).items
    XCTAssertEqual(events.map(\.sourceIdentifier), ["task-0", "task-1"])
    XCTAssertEqual(events[1].date, Date(timeIntervalSince1970: 1_790_000_600.25))
    XCTAssertEqual(events[1].categories, ["failure"])
    let later = try await dms.describeEvents(since: Date(timeIntervalSince1970: 1_790_000_100), marker: nil, maxRecords: 100).items
    XCTAssertEqual(later.map(\.message), ["Replication task has failed."])

    // Round-trip cost through curl, signing and decoding against the local peer.
    let n = 20
    let clockStart = Date()
    for _ in 0..<n { _ = try await dms.describeReplicationInstances(marker: nil) }
    let ms = Date().timeIntervalSince(clockStart) / Double(n) * 1000
    print("MEASURE DescribeReplicationInstances round trip via moto on loopback: \(Int(ms)) ms/call (\(n) calls)")
  }

  func testMetricsLogsSTSAndSNSAgainstMoto() async throws {
    let peer = try PeerServer()
    defer { peer.stop() }
    let seed = try peer.seed()
    let resource = try XCTUnwrap(seed["task_resource_id"] as? String)
    let points = try XCTUnwrap(seed["metric_points"] as? [[String: Any]])
    let times = points.compactMap { ($0["t"] as? NSNumber)?.doubleValue }
    let values = points.compactMap { ($0["v"] as? NSNumber)?.doubleValue }

    let cw = AWSCloudWatchClient(caller: caller(.cloudwatch, peer))
    let q = [
      MetricQuery(id: "lat", metricName: DMSMetric.cdcLatencySource, instanceIdentifier: "rep-1", taskResourceId: resource),
      MetricQuery(id: "other_task", metricName: DMSMetric.cdcLatencySource, instanceIdentifier: "rep-1", taskResourceId: "NOPE"),
    ]
    let start = Date(timeIntervalSince1970: (times.first ?? 0) - 600)
    let end = Date(timeIntervalSince1970: (times.last ?? 0) + 120)
    let res = try await cw.getMetricData(queries: q, start: start, end: end, period: 60)
    XCTAssertEqual(res.map(\.id), ["lat", "other_task"])
    XCTAssertEqual(res[0].points.map(\.time.timeIntervalSince1970), times, "ascending, as written")
    XCTAssertEqual(res[0].points.map(\.value), values)
    XCTAssertTrue(res[1].points.isEmpty)
    do {
      _ = try await cw.getMetricData(queries: [MetricQuery(id: "Bad-Id", metricName: "x", instanceIdentifier: "i", taskResourceId: "t")], start: start, end: end, period: 60)
      XCTFail("invalid id must be rejected")
    } catch let e as ServiceError {
      XCTAssertEqual(e.kind, .client)
    }

    let logs = AWSLogsClient(caller: caller(.logs, peer))
    let group = try XCTUnwrap(seed["log_group"] as? String)
    let stream = try XCTUnwrap(seed["log_stream"] as? String)
    let lines = try XCTUnwrap(seed["log_lines"] as? [String])
    var got: [LogEvent] = []
    var token: String? = nil
    for _ in 0..<10 {
      let page = try await logs.getLogEvents(group: group, stream: stream, startTime: Date(timeIntervalSince1970: 0), nextToken: token, limit: 10)
      got += page.events
      if page.events.isEmpty || page.nextForwardToken == token { break }
      token = page.nextForwardToken
    }
    XCTAssertEqual(got.map(\.message), lines)
    XCTAssertEqual(DMSLogParser.parse(got[7], task: "task-0").severity, .error)
    let filtered = try await logs.filterLogEvents(group: group, streams: [stream], pattern: "ORA")
    XCTAssertEqual(filtered.events.map(\.event.message), [lines[7]])
    XCTAssertEqual(filtered.events.first?.stream, stream)
    do {
      _ = try await logs.getLogEvents(group: "dms-tasks-missing", stream: "s", startTime: nil, nextToken: nil, limit: 10)
      XCTFail("missing group must fail")
    } catch let e as ServiceError {
      XCTAssertEqual(e.kind, .notFound)
      XCTAssertEqual(e.code, "ResourceNotFoundException")
    }

    let sts = AWSSTSClient(caller: caller(.sts, peer))
    let id = try await sts.getCallerIdentity()
    XCTAssertEqual(id.account, "123456789012")
    let assumed = try await sts.assumeRole(roleArn: "arn:aws:iam::123456789012:role/ops", sessionName: "dmswatch", externalId: "x&y", durationSeconds: 900)
    XCTAssertNotNil(assumed.sessionToken)
    XCTAssertNotNil(assumed.expiration)
    XCTAssertFalse(String(describing: assumed).contains(assumed.secretAccessKey))

    let sns = AWSSNSClient(caller: caller(.sns, peer))
    let mid = try await sns.publish(topicArn: try XCTUnwrap(seed["topic_arn"] as? String), subject: "DMS alert", message: "task-0 failed: ünïcode & more")
    XCTAssertFalse(mid.isEmpty)
  }

  func testSignaturesCheckedWithIAMUser() async throws {
    // moto checks signatures after the first 3 actions (the seeding script's IAM calls).
    let peer = try PeerServer(environment: ["INITIAL_NO_AUTH_ACTION_COUNT": "3"])
    defer { peer.stop() }
    let seed = try peer.seed(["--iam-user", "dmswatch-e2e"])
    let ak = try XCTUnwrap(seed["iam_access_key"] as? String)
    let sk = try XCTUnwrap(seed["iam_secret_key"] as? String)
    let good = StaticCredentialsProvider(AWSCredentials(accessKeyId: ak, secretAccessKey: sk))
    let dms = AWSDMSClient(caller: caller(.dms, peer, creds: good))
    let tasks = try await dms.allReplicationTasks()
    XCTAssertEqual(tasks.count, 3)
    let cw = AWSCloudWatchClient(caller: caller(.cloudwatch, peer, creds: good))
    _ = try await cw.getMetricData(
      queries: [MetricQuery(id: "a", metricName: DMSMetric.cdcLatencyTarget, instanceIdentifier: "rep-1", taskResourceId: "task-0")],
      start: Date().addingTimeInterval(-600), end: Date(), period: 60)

    let bad = StaticCredentialsProvider(AWSCredentials(accessKeyId: ak, secretAccessKey: sk + "x"))
    do {
      _ = try await AWSDMSClient(caller: caller(.dms, peer, creds: bad)).describeReplicationTasks(marker: nil, maxRecords: 20)
      XCTFail("a wrong secret must be rejected")
    } catch let e as ServiceError {
      XCTAssertEqual(e.code, "SignatureDoesNotMatch")
      XCTAssertEqual(e.kind, .credentials)
      XCTAssertTrue(e.message.lowercased().contains("signature"), e.message)
    }
  }

  func testFactoryResolvesEnvironmentAgainstPeer() async throws {
    let peer = try PeerServer()
    defer { peer.stop() }
    _ = try peer.seed()
    let home = FileManager.default.temporaryDirectory.appendingPathComponent("dmswatch-home-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: home) }
    let env = [
      "HOME": home.path, "AWS_ACCESS_KEY_ID": "AKIAFACTORY", "AWS_SECRET_ACCESS_KEY": "s3cr3t", "AWS_REGION": "eu-west-1",
      "AWS_ENDPOINT_URL": peer.url.absoluteString, "AWS_EC2_METADATA_DISABLED": "true",
    ]
    let services = try await AWSClientFactory.makeServices(settings: AWSSettings(), environment: env, transport: transport)
    XCTAssertEqual(services.region, "eu-west-1")
    XCTAssertEqual(services.credentialSource, "environment")
    XCTAssertTrue(services.identityLabel.hasPrefix("aws:default eu-west-1 123456789012/"), services.identityLabel)
    let tasks = try await services.bundle.dms.allReplicationTasks()
    XCTAssertEqual(tasks.count, 3)
  }
}
