import TestKit
import AWSClient
import DMSWatchApp
import DMSWatchModel
import Foundation
import XCTest
import DMSWatchRules
import DMSWatchReports

final class NotifyTests: XCTestCase {
  let hook = "http://127.0.0.1:9/hook"

  /// A report from the fake fleet: task-0 with a MISSING table, task-1 healthy, task-2 with MISSING and DUPLICATE.
  func report() async throws -> CheckReport {
    let fake = CheckFakeService(taskCount: 3)
    var missing = CheckFakeService.healthyTable("orders")
    missing.appliedInserts = 8
    fake.tables[fake.tasks[0].arn] = [missing]
    var dup = CheckFakeService.healthyTable("items")
    dup.appliedUpdates = 3
    fake.tables[fake.tasks[2].arn] = [missing, dup]
    let runner = CheckRunner(
      services: ServiceBundle(dms: fake, metrics: fake, logs: fake, sourceLabel: "fake"), clock: ManualClock(), sleep: SleepRecorder().sleeper)
    return try await runner.run().report
  }

  func notifier(_ t: RecordingTransport, sns: RecordingSNS? = nil, sleep: SleepRecorder = SleepRecorder(), log: LineCollector = LineCollector())
    -> Notifier
  {
    Notifier(transport: t, sns: sns, sleep: sleep.sleeper, log: log.sink)
  }

  func testCompatPayloadsAreExactBytesOnePerTask() async throws {
    let r = try await report()
    let t = RecordingTransport()
    let items = NotificationPlan.forCheck(r, targets: [.webhook(url: hook, format: .compat)])
    let results = await notifier(t).deliver(items)
    XCTAssertTrue(results.allSatisfy(\.delivered))
    XCTAssertEqual(t.bodies, [
      #"{"event_name": "task-0_dms_missing", "status": 0}"#,
      #"{"event_name": "task-1_dms_no_issues", "status": 1}"#,
      #"{"event_name": "task-2_dms_missing", "status": 0}"#,
      #"{"event_name": "task-2_dms_duplicates", "status": 0}"#,
    ])
    for req in t.requests {
      XCTAssertEqual(req.method, "POST")
      XCTAssertEqual(req.url.absoluteString, hook)
      XCTAssertEqual(req.header("content-type"), "application/json")
    }
  }

  func testJSONAndSlackOnlyForTasksWithFindings() async throws {
    let r = try await report()
    let t = RecordingTransport()
    let items = NotificationPlan.forCheck(r, targets: [.webhook(url: hook, format: .json), .webhook(url: hook + "2", format: .slack)])
    XCTAssertEqual(items.map(\.task), ["task-0", "task-0", "task-2", "task-2"], "task by task, every target")
    _ = await notifier(t).deliver(items)
    let json = try t.requests.filter { $0.url.absoluteString == hook }.map {
      try XCTUnwrap(JSONSerialization.jsonObject(with: $0.body) as? [String: Any])
    }
    XCTAssertEqual(json.map { $0["task"] as? String }, ["task-0", "task-2"])
    XCTAssertEqual(json.map { $0["state"] as? String }, ["opened", "opened"])
    XCTAssertEqual(json.map { $0["severity"] as? String }, ["critical", "critical"])
    XCTAssertEqual(json.map { $0["source"] as? String }, ["dmswatch", "dmswatch"])
    XCTAssertEqual(((json[0]["finding"] as? [String: Any])?["event"]) as? String, FindingEvent.tableMissing)
    XCTAssertTrue(((json[1]["finding"] as? [String: Any])?["message"] as? String ?? "").hasSuffix("(+1 more finding)"))
    XCTAssertNotNil(json[0]["readiness"])
    let slack = try t.requests.filter { $0.url.absoluteString == hook + "2" }.map {
      try XCTUnwrap(JSONSerialization.jsonObject(with: $0.body) as? [String: Any])
    }
    XCTAssertEqual(slack.count, 2)
    XCTAssertEqual(Set(slack[0].keys), ["text"])
    XCTAssertTrue((slack[0]["text"] as? String ?? "").hasPrefix("[CRITICAL] task-0: dms.table.missing public.orders"))
  }

  func testSNSPublishesSubjectAndMessage() async throws {
    let r = try await report()
    let sns = RecordingSNS()
    sns.failures = [ServiceError(kind: .throttled, code: "Throttling", message: "Rate exceeded")]
    let sleep = SleepRecorder()
    let topic = "arn:aws:sns:us-east-1:123456789012:dms-alerts"
    let results = await notifier(RecordingTransport(), sns: sns, sleep: sleep).deliver(NotificationPlan.forCheck(r, targets: [.sns(topicArn: topic)]))
    XCTAssertEqual(results.map(\.delivered), [true, true])
    XCTAssertEqual(results.first?.attempts, 2)
    XCTAssertEqual(sleep.sleeps, [0.5])
    XCTAssertEqual(sns.published.map(\.topic), [topic, topic])
    XCTAssertEqual(sns.published.first?.subject, "dmswatch CRITICAL task-0 dms.table.missing")
    XCTAssertTrue(sns.published.first?.message.contains("table: public.orders") ?? false)
  }

  func testSNSWithoutSessionFailsWithReason() async {
    let n = Notifier(transport: RecordingTransport(), sns: nil, snsUnavailable: "no AWS session for SNS: no region", sleep: SleepRecorder().sleeper)
    let item = OutgoingNotification(target: .sns(topicArn: "arn:aws:sns:us-east-1:1:t"), payload: .sns(SNSMessage(subject: "s", message: "m")), task: "x")
    let r = await n.deliverOne(item)
    XCTAssertFalse(r.delivered)
    XCTAssertEqual(r.attempts, 1)
    XCTAssertTrue(r.error?.contains("no region") ?? false)
  }

  func testRetriesWithBackoffThenSucceeds() async {
    let t = RecordingTransport([.status(503, "busy"), .error(ServiceError(kind: .network, code: "", message: "connection refused")), .status(204, "")])
    let sleep = SleepRecorder()
    let r = await notifier(t, sleep: sleep).deliverOne(
      OutgoingNotification(target: .webhook(url: hook, format: .compat), payload: .body("{}"), task: "t"))
    XCTAssertTrue(r.delivered)
    XCTAssertEqual(r.attempts, 3)
    XCTAssertEqual(sleep.sleeps, [0.5, 1])
    XCTAssertEqual(t.requests.count, 3)
  }

  func testRetriesAreBoundedThenReported() async {
    let t = RecordingTransport([.status(500, "oops")])
    let sleep = SleepRecorder()
    let log = LineCollector()
    let r = await notifier(t, sleep: sleep, log: log).deliverOne(
      OutgoingNotification(target: .webhook(url: hook, format: .json), payload: .body("{}"), task: "orders"))
    XCTAssertFalse(r.delivered)
    XCTAssertEqual(r.attempts, 4)
    XCTAssertEqual(sleep.sleeps, [0.5, 1, 2])
    XCTAssertTrue(r.error?.contains("HTTP 500: oops") ?? false, r.error ?? "")
    XCTAssertTrue(r.summary.contains("orders"))
    XCTAssertTrue(log.lines.last?.contains("failed") ?? false)
  }

  func testClientErrorsAreNotRetried() async {
    let t = RecordingTransport([.status(404, "no such hook")])
    let sleep = SleepRecorder()
    let r = await notifier(t, sleep: sleep).deliverOne(
      OutgoingNotification(target: .webhook(url: hook, format: .json), payload: .body("{}"), task: "t"))
    XCTAssertFalse(r.delivered)
    XCTAssertEqual(r.attempts, 1)
    XCTAssertTrue(sleep.sleeps.isEmpty)
  }

  func testURLsAndTokensAreRedactedInErrorsAndLogs() async {
    let secretURL = "https://hooks.slack.com/services/T0000/B0000/XXXXSECRETXXXX"
    let tokenURL = "https://alerts.example.com/hook?token=TOPSECRET123&team=db"
    let t = RecordingTransport([
      .error(ServiceError(kind: .network, code: "", message: "could not connect to \(secretURL) and \(tokenURL)"))
    ])
    let log = LineCollector()
    let n = notifier(t, log: log)
    let items = [
      OutgoingNotification(target: .webhook(url: secretURL, format: .slack), payload: .body("{}"), task: "a"),
      OutgoingNotification(target: .webhook(url: tokenURL, format: .json), payload: .body("{}"), task: "b"),
      OutgoingNotification(target: .webhook(url: tokenURL, format: .json), payload: .body("{}"), task: "c"),
    ]
    let results = await n.deliver(items)
    XCTAssertEqual(results.map(\.delivered), [false, false, false])
    let texts = results.map(\.summary) + results.compactMap(\.error) + log.lines + items.map(\.target.label)
    XCTAssertFalse(texts.isEmpty)
    for s in texts {
      XCTAssertFalse(s.contains("XXXXSECRETXXXX"), s)
      XCTAssertFalse(s.contains("TOPSECRET123"), s)
    }
    XCTAssertTrue(results[0].summary.contains("https://hooks.slack.com/***"), results[0].summary)
    XCTAssertTrue(results[1].summary.contains("token=***"), results[1].summary)
    // The requests themselves went to the real URL.
    XCTAssertTrue(t.requests.contains { $0.url.absoluteString == secretURL })
  }

  func testADeadTargetIsTriedOnceNotPerTask() async {
    let t = RecordingTransport([.status(503, "down")])
    let sleep = SleepRecorder()
    let items = (0..<5).map { OutgoingNotification(target: .webhook(url: hook, format: .compat), payload: .body("{\"n\": \($0)}"), task: "t\($0)") }
    let results = await notifier(t, sleep: sleep).deliver(items)
    XCTAssertEqual(results.map(\.attempts), [4, 0, 0, 0, 0])
    XCTAssertEqual(t.requests.count, 4)
    XCTAssertTrue(results[1].error?.contains("not sent") ?? false)
    XCTAssertEqual(results.map(\.task), ["t0", "t1", "t2", "t3", "t4"])
  }

  func testTargetsFromConfigFlagsAndEnvironment() throws {
    var cfg = AppConfig()
    cfg.webhooks = [WebhookTarget(url: "https://cfg.example.com/a", format: .slack)]
    cfg.snsTopics = ["arn:aws:sns:eu-west-1:123456789012:ops"]
    let targets = try NotificationTarget.resolve(
      config: cfg, webhooks: ["http://127.0.0.1:1/x", "https://cfg.example.com/a"], webhookFormat: .json,
      snsTopics: ["arn:aws:sns:eu-west-1:123456789012:ops"], environment: ["NOTIFIER_URL": "http://127.0.0.1:2/legacy"])
    XCTAssertEqual(targets, [
      .webhook(url: "https://cfg.example.com/a", format: .slack), .sns(topicArn: "arn:aws:sns:eu-west-1:123456789012:ops"),
      .webhook(url: "http://127.0.0.1:1/x", format: .json), .webhook(url: "https://cfg.example.com/a", format: .json),
      .webhook(url: "http://127.0.0.1:2/legacy", format: .compat),
    ])
    XCTAssertThrowsError(try NotificationTarget.resolve(config: AppConfig(), webhooks: ["ftp://x/y"], webhookFormat: .json, snsTopics: [], environment: [:]))
    XCTAssertThrowsError(try NotificationTarget.resolve(config: AppConfig(), webhooks: [], webhookFormat: .json, snsTopics: ["topic"], environment: [:]))
    XCTAssertThrowsError(
      try NotificationTarget.resolve(config: AppConfig(), webhooks: [], webhookFormat: .json, snsTopics: [], environment: ["NOTIFIER_URL": "not a url"]))
    do {
      _ = try NotificationTarget.resolve(
        config: AppConfig(), webhooks: ["hxxp://h/?token=SECRETVALUE"], webhookFormat: .json, snsTopics: [], environment: [:])
      XCTFail("expected an error")
    } catch let e as NotificationTargetError {
      XCTAssertFalse(e.message.contains("SECRETVALUE"), e.message)
    }
  }

  func testCompatSendsNothingWhenTablesAreUnknown() async throws {
    let fake = CheckFakeService(taskCount: 1)
    fake.tableErrors[fake.tasks[0].arn] = ServiceError(kind: .server, code: "InternalFailure", message: "boom")
    let r = try await CheckRunner(
      services: ServiceBundle(dms: fake, metrics: fake, logs: fake, sourceLabel: "fake"), clock: ManualClock(), sleep: SleepRecorder().sleeper
    ).run().report
    XCTAssertTrue(NotificationPlan.forCheck(r, targets: [.webhook(url: hook, format: .compat)]).isEmpty)
  }
}
