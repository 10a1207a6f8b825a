import AWSClient
import DMSWatchModel
import Foundation
import XCTest

/// The serverless requests (and ListMetrics) as sent, validated against botocore's input shapes.
final class ServerlessRequestTests: XCTestCase {
  func testRequestsMatchBotocoreInputShapes() async throws {
    try PeerServer.requirePython()
    let body = #"{"Replication":{"ReplicationConfigArn":"arn:aws:dms:us-east-1:1:replication-config:R","Status":"running"},"Metrics":[]}"#
    let t = FakeTransport { _, _ in HTTPResponse(status: 200, body: Data(body.utf8)) }
    let sls = AWSDMSServerlessClient(caller: testCaller(.dms, t))
    let cw = AWSCloudWatchClient(caller: testCaller(.cloudwatch, t))
    let arn = "arn:aws:dms:us-east-1:1:replication-config:R"
    _ = try await sls.describeReplicationConfigs(marker: "m1", maxRecords: 5)
    _ = try await sls.describeReplications(filters: [DMSFilter("replication-config-arn", [arn])], marker: nil, maxRecords: 1000)
    _ = try await sls.describeReplicationTableStatistics(configArn: arn, marker: "m2", maxRecords: 500)
    _ = try await sls.startReplication(
      configArn: arn, type: .resumeProcessing, cdcStartTime: Date(timeIntervalSince1970: 1_790_000_000), cdcStartPosition: nil)
    _ = try await sls.stopReplication(configArn: arn)
    try await sls.reloadReplicationTables(configArn: arn, tables: [TableRef(schema: "s", table: "t")], option: .validateOnly)
    _ = try await cw.listMetrics(namespace: "AWS/DMS", metricName: "CapacityUtilization")
    let row = ServerlessJoin.row(config: ReplicationConfig(identifier: "orders", arn: arn), replication: nil)
    _ = try await cw.getMetricData(
      queries: ServerlessMetrics.queries(for: row, dimension: ServerlessDimension(name: "ReplicationConfigIdentifier", value: .identifier), idPrefix: "s0"),
      start: Date(timeIntervalSince1970: 1_790_000_000), end: Date(timeIntervalSince1970: 1_790_003_600), period: 60)

    var calls: [String] = []
    for r in t.requests {
      let target = try XCTUnwrap(r.headers.first { $0.key.lowercased() == "x-amz-target" }?.value)
      calls.append(#"{"target":"\#(target)","body":\#(String(decoding: r.body, as: UTF8.self))}"#)
    }
    XCTAssertEqual(calls.count, 8)
    let f = FileManager.default.temporaryDirectory.appendingPathComponent("dmswatch-sls-requests-\(UUID().uuidString).json")
    defer { try? FileManager.default.removeItem(at: f) }
    try Data("[\(calls.joined(separator: ","))]".utf8).write(to: f)
    let script = """
      import json, sys, botocore.session
      from botocore.validate import ParamValidator
      s = botocore.session.get_session()
      models = {"AmazonDMSv20160101": s.get_service_model("dms"), "GraniteServiceVersion20100801": s.get_service_model("cloudwatch")}
      bad = []
      for c in json.load(open(sys.argv[1])):
          prefix, op = c["target"].split(".")
          r = ParamValidator().validate(c["body"], models[prefix].operation_model(op).input_shape)
          if r.has_errors():
              bad.append(op + ": " + r.generate_report())
      print("\\n".join(bad))
      sys.exit(1 if bad else 0)
      """
    let (status, out, err) = try PeerServer.python(["-c", script, f.path], allowFailure: true)
    XCTAssertEqual(status, 0, String(decoding: out + err, as: UTF8.self))
    // The requests say what was asked.
    XCTAssertTrue(calls[1].contains(#""Filters":[{"Name":"replication-config-arn","Values":["\#(arn)"]}]"#), calls[1])
    XCTAssertTrue(calls[1].contains(#""MaxRecords":100"#), calls[1])
    XCTAssertTrue(calls[3].contains(#""StartReplicationType":"resume-processing""#) && calls[3].contains(#""CdcStartTime":1790000000"#), calls[3])
    XCTAssertTrue(calls[5].contains(#""ReloadOption":"validate-only""#), calls[5])
    XCTAssertTrue(calls[7].contains(#"{"Name":"ReplicationConfigIdentifier","Value":"orders"}"#), calls[7])
    XCTAssertEqual(AWSDMSServerlessClient.mutatingOperations, ["StartReplication", "StopReplication", "ReloadReplicationTables"])
  }
}
