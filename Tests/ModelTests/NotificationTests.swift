import XCTest

@testable import DMSWatchModel
@testable import DMSWatchReports
@testable import DMSWatchRules

final class NotificationPayloadTests: XCTestCase {
  let missing = Finding(event: FindingEvent.tableMissing, severity: .critical, task: "orders", table: "public.orders", operation: .inserts,
    message: "inserts: 10 captured, 8 applied (2 missing)", expected: 10, actual: 8)
  let dup = Finding(event: FindingEvent.tableDuplicate, severity: .critical, task: "orders", table: "public.items", operation: .updates,
    message: "updates: 5 captured, 6 applied (1 extra)", expected: 5, actual: 6)
  let latency = Finding(event: FindingEvent.taskLatencyHigh, severity: .warn, task: "orders", message: "CDC latency 1m30s", value: 90, threshold: 60)

  func testCompatExactBytes() {
    XCTAssertEqual(NotificationPayloads.compat(task: "orders", findings: [missing]), [#"{"event_name": "orders_dms_missing", "status": 0}"#])
    XCTAssertEqual(NotificationPayloads.compat(task: "orders", findings: [dup]), [#"{"event_name": "orders_dms_duplicates", "status": 0}"#])
    XCTAssertEqual(NotificationPayloads.compat(task: "orders", findings: []), [#"{"event_name": "orders_dms_no_issues", "status": 1}"#])
    // Both kinds: one payload per kind, missing first, whatever the input order.
    XCTAssertEqual(NotificationPayloads.compat(task: "orders", findings: [dup, missing, missing]), [
      #"{"event_name": "orders_dms_missing", "status": 0}"#, #"{"event_name": "orders_dms_duplicates", "status": 0}"#,
    ])
    // Only MISSING/DUPLICATE are issues in compat mode.
    let other = [latency, Finding(event: FindingEvent.taskFailed, severity: .critical, task: "orders", message: "failed")]
    XCTAssertEqual(NotificationPayloads.compat(task: "orders", findings: other), [#"{"event_name": "orders_dms_no_issues", "status": 1}"#])
    // Another task's findings do not count.
    XCTAssertEqual(NotificationPayloads.compat(task: "billing", findings: [missing]), [#"{"event_name": "billing_dms_no_issues", "status": 1}"#])
    // Table statistics unknown: no all-clear at all.
    let unknown = Finding(event: FindingEvent.taskTablesUnknown, severity: .unknown, task: "orders", message: "not loaded")
    XCTAssertEqual(NotificationPayloads.compat(task: "orders", findings: [unknown]), [])
    XCTAssertEqual(Array(NotificationPayloads.compat(task: "orders", findings: [missing])[0].utf8).count, 49)
  }

  func testCompatEscapesLikePythonJSONDumps() {
    XCTAssertEqual(NotificationPayloads.pythonJSONString(#"a"b\c"#), #""a\"b\\c""#)
    XCTAssertEqual(NotificationPayloads.pythonJSONString("tâche/1\n"), #""t\u00e2che/1\n""#)
    XCTAssertEqual(NotificationPayloads.pythonJSONString("😀\u{1}"), #""\ud83d\ude00\u0001""#)
    XCTAssertEqual(NotificationPayloads.compatPayload(eventName: "x", status: 1), #"{"event_name": "x", "status": 1}"#)
  }

  func testGenericJSON() throws {
    let n = Notice(kind: .opened, finding: missing, time: t0)
    let s = NotificationPayloads.genericJSON(n)
    XCTAssertEqual(s, #"{"finding":{"actual":8,"event":"dms.table.missing","expected":10,"message":"inserts: 10 captured, 8 applied (2 missing)","operation":"inserts","severity":"critical","table":"public.orders","task":"orders"},"severity":"critical","source":"dmswatch","state":"opened","task":"orders","time":"2026-09-21T14:13:20Z"}"#)
    let r = Readiness(criteria: [.init(name: "task_running", passed: true, detail: "running"), .init(name: "validation", passed: nil, detail: "x")])
    let withReadiness = NotificationPayloads.genericJSON(Notice(kind: .resolved, finding: missing, time: t0), readiness: r)
    let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(withReadiness.utf8)) as? [String: Any])
    XCTAssertEqual(obj["state"] as? String, "resolved")
    XCTAssertEqual(obj["severity"] as? String, "ok")
    let ready = try XCTUnwrap(obj["readiness"] as? [String: Any])
    XCTAssertEqual(ready["ready"] as? Bool, false)
    XCTAssertEqual(ready["failing"] as? [String], ["validation"])
    XCTAssertEqual(ready["summary"] as? String, "NOT READY: validation (unknown: x)")
  }

  func testSlackText() throws {
    let s = NotificationPayloads.slack(Notice(kind: .opened, finding: missing, time: t0))
    XCTAssertEqual(s, #"{"text":"[CRITICAL] orders: dms.table.missing public.orders - inserts: 10 captured, 8 applied (2 missing)\n2026-09-21T14:13:20Z"}"#)
    let resolved = NotificationPayloads.text(Notice(kind: .resolved, finding: missing, time: t0))
    XCTAssertEqual(resolved, "[RESOLVED] orders: dms.table.missing public.orders\n2026-09-21T14:13:20Z")
    let esc = NotificationPayloads.text(Notice(kind: .escalated, finding: latency, time: t0))
    XCTAssertEqual(esc, "[WARN] (escalated) orders: dms.task.latency_high - CDC latency 1m30s\n2026-09-21T14:13:20Z")
    // Slack control characters escaped; the JSON stays valid and decodes to the escaped text.
    let body = NotificationPayloads.slackBody(text: "a < b && c > \"d\"")
    let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: String])
    XCTAssertEqual(obj, ["text": "a &lt; b &amp;&amp; c &gt; \"d\""])
    let withReadiness = NotificationPayloads.text(Notice(kind: .opened, finding: latency, time: t0), readiness: Readiness(criteria: [.init(name: "a", passed: true, detail: "")]))
    XCTAssertTrue(withReadiness.contains("\ncutover: READY\n"))
  }

  func testSNS() {
    let m = NotificationPayloads.sns(Notice(kind: .opened, finding: missing, time: t0))
    XCTAssertEqual(m.subject, "dmswatch CRITICAL orders dms.table.missing")
    XCTAssertEqual(m.message, """
      dmswatch: critical finding on task orders
      event: dms.table.missing
      table: public.orders
      operation: inserts
      message: inserts: 10 captured, 8 applied (2 missing)
      expected: 10
      actual: 8
      time: 2026-09-21T14:13:20Z
      """)
    let long = Finding(event: "dms.task.failed", severity: .critical, task: String(repeating: "t", count: 150) + "é", message: "m")
    let s = NotificationPayloads.sns(Notice(kind: .resolved, finding: long, time: t0)).subject
    XCTAssertEqual(s.count, 100)
    XCTAssertTrue(s.hasPrefix("dmswatch RESOLVED ttt"))
    XCTAssertTrue(s.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7f })
  }
}

final class RedactionTests: XCTestCase {
  func testURLs() {
    let cases: [(String, String)] = [
      ("https://hooks.slack.com/services/T000/B000/XXXX", "https://hooks.slack.com/***"),
      ("https://hooks.slack.com/workflows/T1/A2/345/abc?x=1", "https://hooks.slack.com/***"),
      ("https://discord.com/api/webhooks/123/secret-token", "https://discord.com/api/webhooks/***"),
      ("https://acme.webhook.office.com/webhookb2/abc@def/IncomingWebhook/ghi/jkl", "https://acme.webhook.office.com/***"),
      ("https://example.com/hook?token=abc123&channel=ops", "https://example.com/hook?token=***&channel=ops"),
      ("https://example.com/a?sig=zz&sv=2020&Signature=q&api_key=k&AccessKey=v", "https://example.com/a?sig=***&sv=2020&Signature=***&api_key=***&AccessKey=***"),
      ("https://s3.amazonaws.com/b/k?X-Amz-Credential=AKIA%2F1&X-Amz-Signature=abcd&X-Amz-Security-Token=tok&X-Amz-Date=20261123",
       "https://s3.amazonaws.com/b/k?X-Amz-Credential=***&X-Amz-Signature=***&X-Amz-Security-Token=***&X-Amz-Date=20261123"),
      ("https://user:p4ss@example.com:8443/x", "https://***@example.com:8443/x"),
      ("https://example.com/cb#access_token=abc&state=1", "https://example.com/cb#access_token=***&state=1"),
      ("https://example.com/plain/path?page=2", "https://example.com/plain/path?page=2"),
      ("http://127.0.0.1:5055/", "http://127.0.0.1:5055/"),
      ("not a url", "not a url"),
      ("https://hooks.zapier.com/hooks/catch/123/abc/", "https://hooks.zapier.com/***"),
      ("https://events.pagerduty.com/integration/KEY123/enqueue", "https://events.pagerduty.com/***"),
      ("https://events.pagerduty.com/v2/enqueue", "https://events.pagerduty.com/v2/enqueue"),
    ]
    for (input, expected) in cases {
      XCTAssertEqual(Redact.url(input), expected, input)
    }
  }

  func testFreeText() {
    let cases: [(String, String)] = [
      ("posting to https://hooks.slack.com/services/T000/B000/XXXX failed: 404",
       "posting to https://hooks.slack.com/*** failed: 404"),
      ("webhook=\"https://example.com/h?key=s3cr3t\" ok", "webhook=\"https://example.com/h?key=***\" ok"),
      ("token xoxb-1234-5678-abcdefghijkl used", "token xoxb-*** used"),
      ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig", "Authorization: Bearer ***"),
      ("config: slack_token=abc123 region=us-east-1", "config: slack_token=*** region=us-east-1"),
      ("password: \"hunter2\", user: dms", "password: ***, user: dms"),
      ("nothing secret here: task orders running", "nothing secret here: task orders running"),
    ]
    for (input, expected) in cases {
      XCTAssertEqual(Redact.text(input), expected, input)
    }
  }
}

final class NotificationGateTests: XCTestCase {
  func f(_ event: String = FindingEvent.tableMissing, _ sev: Severity = .critical, task: String = "orders", table: String? = "public.orders") -> Finding {
    Finding(event: event, severity: sev, task: task, table: table, message: "\(event) \(sev.label)")
  }

  func kinds(_ n: [Notice]) -> [Notice.Kind] { n.map(\.kind) }

  func testOpenDedupResolve() {
    var g = NotificationGate()
    XCTAssertEqual(g.update(findings: [], now: t0), [])
    let open = g.update(findings: [f()], now: t0 + 10)
    XCTAssertEqual(kinds(open), [.opened])
    XCTAssertEqual(open.first?.time, t0 + 10)
    XCTAssertEqual(g.update(findings: [f()], now: t0 + 20), [], "a finding that stays is not sent again")
    XCTAssertEqual(g.update(findings: [f()], now: t0 + 10_000), [])
    XCTAssertEqual(g.openFindings.map(\.event), [FindingEvent.tableMissing])
    let resolved = g.update(findings: [], now: t0 + 10_010)
    XCTAssertEqual(kinds(resolved), [.resolved])
    XCTAssertEqual(resolved.first?.finding.event, FindingEvent.tableMissing)
    XCTAssertEqual(g.update(findings: [], now: t0 + 10_020), [])
    XCTAssertEqual(g.openFindings, [])
  }

  func testEscalationSendsDeescalationDoesNot() {
    var g = NotificationGate()
    XCTAssertEqual(kinds(g.update(findings: [f(FindingEvent.taskLatencyHigh, .warn, table: nil)], now: t0)), [.opened])
    // Escalation bypasses the per-finding interval.
    let esc = g.update(findings: [f(FindingEvent.taskLatencyHigh, .critical, table: nil)], now: t0 + 30)
    XCTAssertEqual(kinds(esc), [.escalated])
    XCTAssertEqual(esc.first?.finding.severity, .critical)
    XCTAssertEqual(g.update(findings: [f(FindingEvent.taskLatencyHigh, .warn, table: nil)], now: t0 + 60), [])
    // Back up again: escalates again (once the receivers were told it is warn... it was silently lowered).
    XCTAssertEqual(kinds(g.update(findings: [f(FindingEvent.taskLatencyHigh, .critical, table: nil)], now: t0 + 90)), [.escalated])
  }

  func testUnknownAndBelowMinimumIgnored() {
    var g = NotificationGate()
    XCTAssertEqual(g.update(findings: [f(FindingEvent.taskTablesUnknown, .unknown, table: nil)], now: t0), [])
    var strict = NotificationGate(config: .init(minSeverity: .critical))
    XCTAssertEqual(strict.update(findings: [f(FindingEvent.taskLatencyHigh, .warn, table: nil)], now: t0), [])
    XCTAssertEqual(kinds(strict.update(findings: [f()], now: t0)), [.opened])
  }

  func testFlappingIsAbsorbedByPerFindingInterval() {
    var g = NotificationGate(config: .init(perFindingInterval: 300))
    XCTAssertEqual(kinds(g.update(findings: [f()], now: t0)), [.opened])
    // Resolves after 60 s: held (sent 60 s ago).
    XCTAssertEqual(g.update(findings: [], now: t0 + 60), [])
    XCTAssertEqual(g.pendingCount, 1)
    // Comes back before the interval: nothing to send, nothing pending.
    XCTAssertEqual(g.update(findings: [f()], now: t0 + 120), [])
    XCTAssertEqual(g.pendingCount, 0)
    // Resolves again; after the interval the resolution goes out.
    XCTAssertEqual(g.update(findings: [], now: t0 + 200), [])
    XCTAssertEqual(kinds(g.update(findings: [], now: t0 + 300)), [.resolved])
    // Reopens right after: held until 300 s after the resolution.
    XCTAssertEqual(g.update(findings: [f()], now: t0 + 310), [])
    XCTAssertEqual(g.pendingCount, 1)
    XCTAssertEqual(kinds(g.update(findings: [f()], now: t0 + 600)), [.opened])
  }

  func testGlobalRateLimitDefersAndSendsCriticalFirst() {
    var g = NotificationGate(config: .init(perFindingInterval: 0, maxPerWindow: 2, window: 600))
    let batch = [
      f(FindingEvent.taskLatencyHigh, .warn, task: "a", table: nil),
      f(FindingEvent.tableMissing, .critical, task: "b"),
      f(FindingEvent.tableMissing, .critical, task: "c"),
      f(FindingEvent.taskLatencyHigh, .warn, task: "d", table: nil),
    ]
    let first = g.update(findings: batch, now: t0)
    XCTAssertEqual(first.map(\.finding.task), ["b", "c"], "critical first, then by key")
    XCTAssertEqual(g.pendingCount, 2)
    XCTAssertEqual(g.update(findings: batch, now: t0 + 300), [], "window still full")
    let later = g.update(findings: batch, now: t0 + 600)
    XCTAssertEqual(later.map(\.finding.task), ["a", "d"])
    XCTAssertEqual(g.pendingCount, 0)
    XCTAssertEqual(g.update(findings: batch, now: t0 + 1200), [])
  }

  func testScopeKeepsFindingsOfUnevaluatedTasks() {
    var g = NotificationGate()
    _ = g.update(findings: [f(task: "a"), f(task: "b")], now: t0)
    // Only task a evaluated this round; b's finding must not be "resolved".
    XCTAssertEqual(g.update(findings: [f(task: "a")], now: t0 + 400, scope: ["a"]), [])
    let r = g.update(findings: [], now: t0 + 800, scope: ["a"])
    XCTAssertEqual(r.map(\.finding.task), ["a"])
    XCTAssertEqual(kinds(r), [.resolved])
    XCTAssertEqual(g.openFindings.map(\.task), ["b"])
  }

  func testPrimeSuppressesExistingFindings() {
    var g = NotificationGate()
    g.prime(findings: [f()], now: t0)
    XCTAssertEqual(g.update(findings: [f()], now: t0 + 1), [])
    XCTAssertEqual(kinds(g.update(findings: [], now: t0 + 2)), [.resolved], "never sent, so no per-finding limit")
  }

  func testDistinctOperationsAreDistinctFindings() {
    var g = NotificationGate()
    let ins = Finding(event: FindingEvent.tableMissing, severity: .critical, task: "o", table: "s.t", operation: .inserts, message: "")
    let upd = Finding(event: FindingEvent.tableMissing, severity: .critical, task: "o", table: "s.t", operation: .updates, message: "")
    XCTAssertEqual(g.update(findings: [ins, upd, ins], now: t0).count, 2)
  }
}
