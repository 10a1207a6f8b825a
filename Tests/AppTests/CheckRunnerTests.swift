import TestKit
import DMSSimulator
import DMSWatchApp
import DMSWatchModel
import Foundation
import XCTest
import DMSWatchReports
import DMSWatchRules

final class CheckRunnerTests: XCTestCase {
  func simulated(tasks: Int = 12, seed: UInt64 = 1) -> (SimulatedFleet, ManualClock, SleepRecorder) {
    let clock = ManualClock()
    let fleet = SimulatedFleet(config: SimulatorConfig(tasks: tasks, seed: seed), clock: clock)
    // Let the fleet run for a while so that metrics and logs exist.
    clock.advance(1800)
    return (fleet, clock, SleepRecorder(clock: clock))
  }

  func runner(_ fleet: SimulatedFleet, _ clock: ManualClock, _ sleep: SleepRecorder, _ configure: (inout CheckOptions) -> Void = { _ in })
    -> CheckRunner
  {
    var o = CheckOptions()
    configure(&o)
    return CheckRunner(
      services: ServiceBundle(dms: fleet, metrics: fleet, logs: fleet, sourceLabel: "simulator"), clock: clock, sleep: sleep.sleeper,
      options: o)
  }

  // MARK: simulator

  func testDefaultFleetHasCriticalFindingsAndExitsOne() async throws {
    let (fleet, clock, sleep) = simulated()
    let out = try await runner(fleet, clock, sleep).run()
    XCTAssertEqual(out.report.tasks.count, 12)
    XCTAssertGreaterThan(out.report.summary.critical, 0)
    XCTAssertEqual(out.report.exitCode(failOn: .critical), 1)
    XCTAssertEqual(out.report.source, "simulator")
    XCTAssertEqual(out.report.generatedAt, Date(timeIntervalSince1970: clock.now().timeIntervalSince1970.rounded(.down)))
    // Every task's table statistics were read (all pages), metrics were fetched in one call (12 × 6 < 500).
    let counts = fleet.callCounts()
    XCTAssertGreaterThanOrEqual(counts["DescribeTableStatistics"] ?? 0, 12)
    XCTAssertEqual(counts["GetMetricData"], 1)
    XCTAssertEqual(counts["DescribeEvents"], 1)
    XCTAssertNil(counts["ReloadTables"], "a plain check changes nothing")
    // Running CDC tasks got latency from the metrics.
    XCTAssertTrue(out.report.tasks.contains { $0.cdcLatencySeconds != nil })
  }

  func testHealthySubsetExitsZero() async throws {
    let (fleet, clock, sleep) = simulated()
    let all = try await runner(fleet, clock, sleep).run().report
    let healthy = all.tasks.filter { $0.findings.allSatisfy { $0.severity < .critical } }.map(\.identifier)
    XCTAssertFalse(healthy.isEmpty, "the demo fleet has tasks without critical findings")
    XCTAssertLessThan(healthy.count, all.tasks.count)
    let out = try await runner(fleet, clock, sleep) { $0.tasks = healthy }.run()
    XCTAssertEqual(out.report.tasks.map(\.identifier).sorted(), healthy.sorted())
    XCTAssertEqual(out.report.exitCode(failOn: .critical), 0)
    XCTAssertTrue(out.report.missingTasks.isEmpty)
  }

  func testUnknownTaskFailsUnlessAllowedAndOthersAreChecked() async throws {
    let (fleet, clock, sleep) = simulated()
    let all = try await runner(fleet, clock, sleep).run().report
    let okTask = try XCTUnwrap(all.tasks.first { $0.findings.allSatisfy { $0.severity < .warn } })
    let badTask = try XCTUnwrap(all.tasks.first { $0.severity == .critical })
    let out = try await runner(fleet, clock, sleep) { $0.tasks = ["ghost-task", okTask.identifier, badTask.arn] }.run()
    XCTAssertEqual(out.report.missingTasks, ["ghost-task"])
    XCTAssertEqual(Set(out.report.tasks.map(\.identifier)), [okTask.identifier, badTask.identifier])
    XCTAssertTrue(out.notes.contains { $0.contains("ghost-task") && $0.contains("not found") })
    XCTAssertEqual(out.report.exitCode(failOn: .critical), 1)

    let onlyGood = try await runner(fleet, clock, sleep) { $0.tasks = ["ghost-task", okTask.identifier] }.run().report
    XCTAssertEqual(onlyGood.exitCode(failOn: .critical), 1, "a named task that does not exist was not checked")
    XCTAssertEqual(onlyGood.exitCode(failOn: .critical, allowMissing: true), 0, "--allow-missing: a warning, not critical")
    XCTAssertEqual(onlyGood.exitCode(failOn: .warn, allowMissing: true), 1)
  }

  func testRerunValidationMovesPendingToAResultWithinTheWait() async throws {
    let (fleet, clock, sleep) = simulated()
    let before = try await runner(fleet, clock, sleep).run().report
    // A running task with tables pending validation (steady "Pending records").
    let task = try XCTUnwrap(before.tasks.first { t in
      t.status == TaskStatus.running && t.findings.contains { $0.event == FindingEvent.tableValidationPending }
    })
    let pendingTables = Set(task.findings.filter { $0.event == FindingEvent.tableValidationPending }.compactMap(\.table))
    let start = clock.now()
    let out = try await runner(fleet, clock, sleep) {
      $0.tasks = [task.identifier]
      $0.rerunValidation = true
      $0.wait = 300
      $0.pollInterval = 10
    }.run()
    let r = try XCTUnwrap(out.revalidation)
    XCTAssertGreaterThanOrEqual(r.requested, pendingTables.count)
    XCTAssertEqual(r.stillPending, 0)
    XCTAssertGreaterThan(r.waited, 0)
    XCTAssertLessThanOrEqual(r.waited, 300)
    XCTAssertGreaterThanOrEqual(fleet.callCounts()["ReloadTables"] ?? 0, 1)
    // The injected clock moved by the polls, not more than the wait.
    XCTAssertLessThanOrEqual(clock.now().timeIntervalSince(start), 300 + 1)
    XCTAssertTrue(sleep.sleeps.allSatisfy { $0 <= 10 })
    let after = try XCTUnwrap(out.report.tasks.first)
    let stillPending = after.findings.filter { $0.event == FindingEvent.tableValidationPending }.compactMap(\.table)
    XCTAssertTrue(pendingTables.isDisjoint(with: stillPending), "revalidated tables left Pending: \(stillPending)")
  }

  func testRerunValidationGivesUpAfterTheWait() async throws {
    let (fleet, clock, sleep) = simulated()
    let before = try await runner(fleet, clock, sleep).run().report
    let task = try XCTUnwrap(before.tasks.first { t in
      t.status == TaskStatus.running && t.findings.contains { $0.event == FindingEvent.tableValidationPending }
    })
    let start = clock.now()
    let out = try await runner(fleet, clock, sleep) {
      $0.tasks = [task.identifier]
      $0.rerunValidation = true
      $0.wait = 4
      $0.pollInterval = 2
    }.run()
    let r = try XCTUnwrap(out.revalidation)
    XCTAssertGreaterThan(r.stillPending, 0, "validation takes at least 10 s in the simulator")
    XCTAssertEqual(r.waited, 4, accuracy: 0.001)
    XCTAssertEqual(clock.now().timeIntervalSince(start), 4, accuracy: 0.001)
  }

  func testJSONSchemaFieldsPresent() async throws {
    let (fleet, clock, sleep) = simulated()
    let report = try await runner(fleet, clock, sleep) { $0.tasks = ["ghost"] }.run().report
    let all = try await runner(fleet, clock, sleep).run().report
    for r in [report, all] {
      let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: r.jsonData()) as? [String: Any])
      XCTAssertEqual(Set(obj.keys), ["schemaVersion", "generatedAt", "source", "tasks", "summary", "missingTasks"])
      XCTAssertEqual(obj["schemaVersion"] as? Int, 1)
      let summary = try XCTUnwrap(obj["summary"] as? [String: Any])
      XCTAssertEqual(Set(summary.keys), ["tasks", "ok", "unknown", "warn", "critical", "ready", "findings", "missingTasks"])
    }
    let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: all.jsonData()) as? [String: Any])
    let tasks = try XCTUnwrap(obj["tasks"] as? [[String: Any]])
    XCTAssertEqual(tasks.count, 12)
    for t in tasks {
      for k in ["identifier", "arn", "status", "migrationType", "severity", "findings", "readiness", "hints"] {
        XCTAssertNotNil(t[k], "task key \(k)")
      }
      let readiness = try XCTUnwrap(t["readiness"] as? [String: Any])
      XCTAssertEqual((readiness["criteria"] as? [[String: Any]])?.map { $0["name"] as? String }, [
        "tables_completed", "task_running", "cdc_latency", "validation", "no_missing_duplicate", "no_recent_errors",
        "row_counts_match",
      ])
      for f in t["findings"] as? [[String: Any]] ?? [] {
        XCTAssertTrue(FindingEvent.all.contains(f["event"] as? String ?? ""))
        XCTAssertNotNil(Severity(label: f["severity"] as? String ?? ""))
      }
    }
    XCTAssertEqual(try CheckReport.decode(all.jsonData()), all, "the JSON round-trips")
  }

  // MARK: fakes

  func fakeRunner(_ fake: CheckFakeService, clock: ManualClock = ManualClock(), sleep: SleepRecorder = SleepRecorder(), _ configure: (inout CheckOptions) -> Void = { _ in })
    -> CheckRunner
  {
    var o = CheckOptions()
    configure(&o)
    return CheckRunner(
      services: ServiceBundle(dms: fake, metrics: fake, logs: fake, sourceLabel: "fake"), clock: clock, sleep: sleep.sleeper, options: o)
  }

  func testHealthyFakeFleetIsOk() async throws {
    let fake = CheckFakeService(taskCount: 3)
    let out = try await fakeRunner(fake).run()
    XCTAssertEqual(out.report.tasks.count, 3)
    XCTAssertEqual(out.report.exitCode(failOn: .warn), 0, "\(out.report.tasks.flatMap(\.findings))")
    XCTAssertEqual(out.report.tasks.first?.cdcLatencySeconds, 3)
  }

  func testNetworkErrorListingTasksIsExitThree() async throws {
    let fake = CheckFakeService(taskCount: 3)
    fake.errors["DescribeReplicationTasks"] = [ServiceError(kind: .network, code: "", message: "could not connect to dms.eu-west-1.amazonaws.com")]
    do {
      _ = try await fakeRunner(fake).run()
      XCTFail("expected CheckFailure")
    } catch let e as CheckFailure {
      XCTAssertEqual(e.exitCode, 3)
      XCTAssertTrue(e.message.contains("unreachable"), e.message)
    }
  }

  func testFatalErrorsLaterAlsoExitThree() async throws {
    for (op, kind) in [("DescribeTableStatistics", ServiceError.Kind.timeout), ("GetMetricData", .credentials), ("DescribeEvents", .accessDenied)] {
      let fake = CheckFakeService(taskCount: 2)
      fake.errors[op] = [ServiceError(kind: kind, code: "X", message: "boom")]
      do {
        _ = try await fakeRunner(fake).run()
        XCTFail("\(op) \(kind): expected CheckFailure")
      } catch let e as CheckFailure {
        XCTAssertEqual(e.exitCode, 3)
        XCTAssertTrue(e.message.hasPrefix(op), e.message)
      }
    }
  }

  func testThrottlingIsRetriedWithBackoff() async throws {
    let fake = CheckFakeService(taskCount: 2)
    let throttled = ServiceError(kind: .throttled, code: "ThrottlingException", message: "Rate exceeded", httpStatus: 400)
    fake.errors["DescribeTableStatistics"] = [throttled, throttled]
    fake.errors["DescribeReplicationTasks"] = [throttled]
    let sleep = SleepRecorder()
    let out = try await fakeRunner(fake, sleep: sleep) { $0.concurrency = 1 }.run()
    XCTAssertEqual(out.report.tasks.count, 2)
    XCTAssertFalse(out.report.tasks.flatMap(\.findings).contains { $0.event == FindingEvent.taskTablesUnknown })
    // Exponential with jitter (half to full of 0.5 s · 2^(attempt-1)): checks run together do not retry in step.
    XCTAssertEqual(sleep.sleeps.count, 3)
    for (d, base) in zip(sleep.sleeps, [0.5, 0.5, 1.0]) {
      XCTAssertGreaterThanOrEqual(d, base / 2)
      XCTAssertLessThan(d, base)
    }
    XCTAssertEqual(fake.count("DescribeTableStatistics"), 4)
  }

  func testPersistentThrottlingMakesTablesUnknownNotFatal() async throws {
    let fake = CheckFakeService(taskCount: 2)
    let throttled = ServiceError(kind: .throttled, code: "ThrottlingException", message: "Rate exceeded")
    fake.tableErrors[fake.tasks[0].arn] = throttled
    let out = try await fakeRunner(fake).run()
    let t0 = try XCTUnwrap(out.report.tasks.first { $0.identifier == "task-0" })
    XCTAssertTrue(t0.findings.contains { $0.event == FindingEvent.taskTablesUnknown })
    let t1 = try XCTUnwrap(out.report.tasks.first { $0.identifier == "task-1" })
    XCTAssertTrue(t1.findings.isEmpty)
    XCTAssertTrue(out.notes.contains { $0.contains("task-0") && $0.contains("Rate exceeded") })
  }

  func testAllTablePagesAreRead() async throws {
    let fake = CheckFakeService(taskCount: 1, tablesPerTask: 1234)
    fake.tablePageSize = 500
    var bad = CheckFakeService.healthyTable("zz_last")
    bad.appliedInserts = 7
    fake.tables[fake.tasks[0].arn]?.append(bad)
    let out = try await fakeRunner(fake).run()
    XCTAssertEqual(fake.count("DescribeTableStatistics"), 3)
    let t = try XCTUnwrap(out.report.tasks.first)
    XCTAssertTrue(t.findings.contains { $0.event == FindingEvent.tableMissing && $0.table == "public.zz_last" })
  }

  func testMetricsAreBatchedAt500Queries() async throws {
    let fake = CheckFakeService(taskCount: 200)
    let out = try await fakeRunner(fake) { $0.concurrency = 8 }.run()
    XCTAssertEqual(out.report.tasks.count, 200)
    XCTAssertEqual(fake.metricBatches.reduce(0, +), 200 * DMSMetric.all.count)
    XCTAssertTrue(fake.metricBatches.allSatisfy { $0 <= 500 }, "\(fake.metricBatches)")
    XCTAssertEqual(fake.metricBatches.count, 3)
    XCTAssertTrue(out.report.tasks.allSatisfy { $0.cdcLatencySeconds == 3 })
  }

  func testLoggingOffIsANoteAndLogErrorsCount() async throws {
    let fake = CheckFakeService(taskCount: 1)
    fake.logError = ServiceError(kind: .notFound, code: "ResourceNotFoundException", message: "The specified log group does not exist.")
    let out = try await fakeRunner(fake).run()
    XCTAssertTrue(out.notes.contains { $0.contains("logging is off") })
    XCTAssertTrue(out.report.tasks[0].findings.isEmpty)

    let clock = ManualClock()
    let withErrors = CheckFakeService(taskCount: 1)
    withErrors.logLines = [
      LogEvent(timestamp: clock.now().addingTimeInterval(-60), message: "2026-11-23T10:10:15 [TARGET_APPLY    ]E:  ORA-00001: unique constraint violated (x.c:1)")
    ]
    let out2 = try await fakeRunner(withErrors, clock: clock).run()
    XCTAssertTrue(out2.report.tasks[0].findings.contains { $0.event == FindingEvent.taskErrorsLogged })
    XCTAssertEqual(withErrors.count("GetLogEvents"), 2, "one page with lines, then an empty page ends the read")
  }

  func testEventsAreAttachedToTheirTask() async throws {
    let clock = ManualClock()
    let fake = CheckFakeService(taskCount: 2)
    fake.events = [
      DMSEvent(sourceIdentifier: "task-1", sourceType: "replication-task", message: "Replication task has failed.", categories: ["failure"], date: clock.now().addingTimeInterval(-30))
    ]
    let out = try await fakeRunner(fake, clock: clock).run()
    XCTAssertTrue(out.report.tasks[1].findings.contains { $0.event == FindingEvent.taskErrorsLogged })
    XCTAssertTrue(out.report.tasks[0].findings.isEmpty)
  }

  func testRevalidationBatchesReloadsOf100Tables() async throws {
    let fake = CheckFakeService(taskCount: 1, tablesPerTask: 250)
    let arn = fake.tasks[0].arn
    for i in 0..<250 {
      fake.tables[arn]?[i].validationState = ValidationState.pendingRecords
      fake.tables[arn]?[i].validationPendingRecords = 5
    }
    // One table without a primary key is not worth revalidating.
    fake.tables[arn]?[0].validationState = ValidationState.noPrimaryKey
    let clock = ManualClock()
    let out = try await fakeRunner(fake, clock: clock, sleep: SleepRecorder(clock: clock)) {
      $0.rerunValidation = true
      $0.pollInterval = 5
    }.run()
    XCTAssertEqual(fake.reloads.map(\.tables.count), [100, 100, 49])
    XCTAssertTrue(fake.reloads.allSatisfy { $0.option == .validateOnly })
    XCTAssertEqual(out.revalidation?.requested, 249)
    XCTAssertEqual(out.revalidation?.stillPending, 0)
    XCTAssertFalse(out.report.tasks[0].findings.contains { $0.event == FindingEvent.tableValidationPending })
  }

  func testRevalidationSkipsTasksThatAreNotRunning() async throws {
    let fake = CheckFakeService(taskCount: 1, tablesPerTask: 2)
    fake.tasks[0].status = TaskStatus.stopped
    fake.tables[fake.tasks[0].arn]?[0].validationState = ValidationState.pendingRecords
    let out = try await fakeRunner(fake) { $0.rerunValidation = true }.run()
    XCTAssertEqual(fake.count("ReloadTables"), 0)
    XCTAssertEqual(out.revalidation?.requested, 0)
  }

  func testDeadlineBoundsAStuckCall() async throws {
    let start = Date()
    do {
      _ = try await withDeadline(0.2) { () async throws -> Int in
        // Ignores cancellation for a second, like a blocked network call.
        for _ in 0..<100 { usleep(10_000) }
        return 1
      }
      XCTFail("expected DeadlineExceeded")
    } catch is DeadlineExceeded {
      XCTAssertLessThan(Date().timeIntervalSince(start), 2)
    }
    let v = try await withDeadline(5) { 42 }
    XCTAssertEqual(v, 42)
  }

  func testConfigThresholdsReachTheRules() async throws {
    let cfg = try AppConfig.parse("thresholds:\n  latency_warn: 3\n  latency_critical: 100\n  low_throughput: 5\n  stall_minutes: 7\n  readiness_minutes: 9\n")
    let rc = cfg.ruleConfig
    XCTAssertEqual(rc.latencyWarnSeconds, 3)
    XCTAssertEqual(rc.latencyCriticalSeconds, 100)
    XCTAssertEqual(rc.minThroughputRowsPerSecond, 5)
    XCTAssertEqual(rc.stallMinutes, 7)
    XCTAssertEqual(rc.readinessWindowMinutes, 9)
    XCTAssertTrue(rc.requireRowCounts, "row counts are part of readiness unless the config says otherwise")
    let off = try AppConfig.parse("thresholds:\n  require_row_counts: false\n").ruleConfig
    XCTAssertFalse(off.requireRowCounts)
    XCTAssertThrowsError(try AppConfig.parse("thresholds:\n  require_row_counts: maybe\n"))
    let fake = CheckFakeService(taskCount: 1)
    let out = try await fakeRunner(fake) { $0.ruleConfig = rc }.run()
    let f = try XCTUnwrap(out.report.tasks[0].findings.first { $0.event == FindingEvent.taskLatencyHigh })
    XCTAssertEqual(f.severity, .warn)
    XCTAssertEqual(f.value, 3, "end-to-end lag (target), not source + target")
    XCTAssertEqual(f.threshold, 3)
    XCTAssertEqual(out.report.exitCode(failOn: .warn), 1)
    XCTAssertEqual(out.report.exitCode(failOn: .critical), 0)
  }
}
