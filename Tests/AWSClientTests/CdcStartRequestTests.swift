import AWSClient
import DMSWatchModel
import Foundation
import XCTest

/// StartReplicationTask with a CDC start point, as sent, validated against botocore's input shape.
final class CdcStartRequestTests: XCTestCase {
  func testCdcStartPositionAndTimeAreSentAsDMSNamesThem() async throws {
    try PeerServer.requirePython()
    let body = #"{"ReplicationTask":{"ReplicationTaskArn":"arn:aws:dms:us-east-1:1:task:T","Status":"starting","RecoveryCheckpoint":"checkpoint:V1#1"}}"#
    let t = FakeTransport { _, _ in HTTPResponse(status: 200, body: Data(body.utf8)) }
    let dms = AWSDMSClient(caller: testCaller(.dms, t))
    let arn = "arn:aws:dms:us-east-1:1:task:T"
    let started = try await dms.startReplicationTask(arn: arn, type: .startReplication, from: .position("mysql-bin-changelog.000024:373"))
    XCTAssertEqual(started.recoveryCheckpoint, "checkpoint:V1#1", "RecoveryCheckpoint is read")
    _ = try await dms.startReplicationTask(arn: arn, type: .startReplication, from: .time(Date(timeIntervalSince1970: 1_790_000_000)))
    _ = try await dms.startReplicationTask(arn: arn, type: .resumeProcessing)
    let calls = t.requests.map { String(decoding: $0.body, as: UTF8.self) }
    XCTAssertEqual(calls.count, 3)
    XCTAssertTrue(calls[0].contains(#""CdcStartPosition":"mysql-bin-changelog.000024:373""#) && !calls[0].contains("CdcStartTime"), calls[0])
    XCTAssertTrue(calls[1].contains(#""CdcStartTime":1790000000"#) && !calls[1].contains("CdcStartPosition"), calls[1])
    XCTAssertFalse(calls[2].contains("CdcStart"), calls[2])
    let f = FileManager.default.temporaryDirectory.appendingPathComponent("dmswatch-cdc-requests-\(UUID().uuidString).json")
    defer { try? FileManager.default.removeItem(at: f) }
    try Data("[\(calls.joined(separator: ","))]".utf8).write(to: f)
    let script = """
      import json, sys, botocore.session
      from botocore.validate import ParamValidator
      shape = botocore.session.get_session().get_service_model("dms").operation_model("StartReplicationTask").input_shape
      bad = [ParamValidator().validate(c, shape).generate_report() for c in json.load(open(sys.argv[1]))]
      bad = [b for b in bad if b]
      print("\\n".join(bad))
      sys.exit(1 if bad else 0)
      """
    let (status, out, err) = try PeerServer.python(["-c", script, f.path], allowFailure: true)
    XCTAssertEqual(status, 0, String(decoding: out + err, as: UTF8.self))
  }
}
