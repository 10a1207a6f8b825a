import DMSSimulator
import DMSWatchModel
import Foundation
import XCTest

final class PagingTests: XCTestCase {
  func testTaskPagesCoverEveryTaskOnceAndClamp() async throws {
    let (fleet, _) = makeFleet(tasks: 250)
    var arns: [String] = []
    var marker: String? = nil
    var sizes: [Int] = []
    repeat {
      let page = try await fleet.describeReplicationTasks(marker: marker, maxRecords: 5)
      sizes.append(page.items.count)
      arns += page.items.map(\.arn)
      marker = page.marker
    } while marker != nil
    XCTAssertEqual(arns.count, 250)
    XCTAssertEqual(Set(arns).count, 250)
    XCTAssertEqual(sizes.first, 20, "maxRecords below 20 is clamped to 20")
    let big = try await fleet.describeReplicationTasks(marker: nil, maxRecords: 1000)
    XCTAssertEqual(big.items.count, 100)
    XCTAssertNotNil(big.marker)
    XCTAssertFalse(big.marker?.contains("100") ?? true, "markers are opaque")
    await assertServiceError(.client, "InvalidParameterValueException") {
      _ = try await fleet.describeReplicationTasks(marker: "garbage!", maxRecords: 100)
    }
  }

  func testTablePagesCoverEveryTableOnce() async throws {
    let (fleet, _) = makeFleet(seed: 4, tasks: 3, tables: 1234)
    let running = try await fleet.allReplicationTasks().first { $0.status != TaskStatus.ready }
    let t = try XCTUnwrap(running)
    var names: [String] = []
    var sizes: [Int] = []
    var marker: String? = nil
    repeat {
      let page = try await fleet.describeTableStatistics(taskArn: t.arn, marker: marker, maxRecords: 9999)
      sizes.append(page.items.count)
      names += page.items.map(\.qualifiedName)
      marker = page.marker
    } while marker != nil
    XCTAssertEqual(sizes, [500, 500, 234])
    XCTAssertEqual(Set(names).count, 1234)
    let small = try await fleet.describeTableStatistics(taskArn: t.arn, marker: nil, maxRecords: 1)
    XCTAssertEqual(small.items.count, 20)
  }

  func testEventPagesCoverEveryEventOnce() async throws {
    let (fleet, _) = makeFleet(tasks: 200)
    var all: [DMSEvent] = []
    var marker: String? = nil
    repeat {
      let page = try await fleet.describeEvents(since: .distantPast, marker: marker, maxRecords: 1)
      XCTAssertLessThanOrEqual(page.items.count, 20)
      all += page.items
      marker = page.marker
    } while marker != nil
    XCTAssertGreaterThan(all.count, 100)
    XCTAssertEqual(all.map(\.date), all.map(\.date).sorted())
    let keys = all.map { "\($0.sourceIdentifier)|\($0.message)|\($0.date.timeIntervalSince1970)" }
    XCTAssertEqual(Set(keys).count, keys.count)
    let since = fleetStart.addingTimeInterval(-3600)
    let recent = try await collectPages { try await fleet.describeEvents(since: since, marker: $0, maxRecords: 100) }
    XCTAssertEqual(recent.count, all.filter { $0.date >= since }.count)
  }

  func testCallCountsAndInjectedFaults() async throws {
    let (fleet, _) = makeFleet()
    _ = try await fleet.describeReplicationTasks(marker: nil, maxRecords: 100)
    _ = try await fleet.describeReplicationTasks(marker: nil, maxRecords: 100)
    _ = try await fleet.describeEvents(since: .distantPast, marker: nil, maxRecords: 100)
    fleet.injectFault("DescribeReplicationTasks", nil, count: 2)
    await assertServiceError(.throttled, "ThrottlingException") {
      _ = try await fleet.describeReplicationTasks(marker: nil, maxRecords: 100)
    }
    let custom = ServiceError(kind: .server, code: "InternalFailure", message: "boom", httpStatus: 500)
    fleet.injectFault("GetMetricData", custom, count: 1)
    await assertServiceError(.server, "InternalFailure") {
      _ = try await fleet.getMetricData(queries: [], start: fleetStart.addingTimeInterval(-60), end: fleetStart, period: 60)
    }
    _ = try await fleet.getMetricData(queries: [], start: fleetStart.addingTimeInterval(-60), end: fleetStart, period: 60)
    await assertServiceError(.throttled, "ThrottlingException") {
      _ = try await fleet.describeReplicationTasks(marker: nil, maxRecords: 100)
    }
    _ = try await fleet.describeReplicationTasks(marker: nil, maxRecords: 100)
    let counts = fleet.callCounts()
    XCTAssertEqual(counts["DescribeReplicationTasks"], 5)
    XCTAssertEqual(counts["DescribeEvents"], 1)
    XCTAssertEqual(counts["GetMetricData"], 2)
    XCTAssertNil(counts["GetLogEvents"])
  }
}

final class MetricsTests: XCTestCase {
  func queries(_ t: ReplicationTask, _ inst: String) -> [MetricQuery] {
    DMSMetric.all.enumerated().map { MetricQuery(id: "m\($0.offset)", metricName: $0.element, instanceIdentifier: inst, taskResourceId: t.resourceId) }
  }

  func instanceName(_ fleet: SimulatedFleet, _ t: ReplicationTask) async throws -> String {
    let insts = try await fleet.describeReplicationInstances(marker: nil).items
    return try XCTUnwrap(insts.first { $0.arn == t.replicationInstanceArn }?.identifier)
  }

  func testLastHourBackfillHas60PointsPerMetric() async throws {
    let (fleet, clock) = makeFleet()
    let found = try await fleet.allReplicationTasks().first { $0.status == TaskStatus.running && $0.migration == .cdc }
    let t = try XCTUnwrap(found)
    let inst = try await instanceName(fleet, t)
    for offset in [0.0, 17.5] {
      clock.set(fleetStart.addingTimeInterval(offset))
      let now = clock.now()
      let results = try await fleet.getMetricData(queries: queries(t, inst), start: now.addingTimeInterval(-3600), end: now, period: 60)
      XCTAssertEqual(results.count, DMSMetric.all.count)
      for r in results {
        XCTAssertEqual(r.points.count, 60, r.label ?? "")
        XCTAssertEqual(r.points.map(\.time), r.points.map(\.time).sorted())
        XCTAssertTrue(r.points.allSatisfy { $0.time.timeIntervalSince1970.truncatingRemainder(dividingBy: 60) == 0 })
        XCTAssertTrue(r.points.allSatisfy { $0.time <= now && $0.time >= now.addingTimeInterval(-3600) })
      }
      let latency = try XCTUnwrap(results.first { $0.label == DMSMetric.cdcLatencySource })
      XCTAssertTrue(latency.points.allSatisfy { $0.value > 0 })
      XCTAssertGreaterThan(Set(latency.points.map(\.value)).count, 10, "latency drifts")
      let target = try XCTUnwrap(results.first { $0.label == DMSMetric.cdcLatencyTarget })
      XCTAssertTrue(zip(latency.points, target.points).allSatisfy { $0.value <= $1.value })
      let load = try XCTUnwrap(results.first { $0.label == DMSMetric.fullLoadThroughputRowsTarget })
      XCTAssertTrue(load.points.allSatisfy { $0.value == 0 })
    }
    // Five-minute period: 12 points.
    let five = try await fleet.getMetricData(queries: queries(t, inst), start: clock.now().addingTimeInterval(-3600), end: clock.now(), period: 300)
    XCTAssertTrue(five.allSatisfy { $0.points.count == 12 })
  }

  func testSameQueryTwiceGivesSameSeries() async throws {
    let (fleet, clock) = makeFleet()
    let found = try await fleet.allReplicationTasks().first { $0.status == TaskStatus.running && $0.migration != .fullLoad }
    let t = try XCTUnwrap(found)
    let inst = try await instanceName(fleet, t)
    let start = clock.now().addingTimeInterval(-1800)
    let a = try await fleet.getMetricData(queries: queries(t, inst), start: start, end: clock.now(), period: 60)
    clock.advance(600)
    let b = try await fleet.getMetricData(queries: queries(t, inst), start: start, end: clock.now(), period: 60)
    for (x, y) in zip(a, b) {
      XCTAssertEqual(Array(y.points.prefix(x.points.count)), x.points, "history does not change")
      XCTAssertEqual(y.points.count, x.points.count + 10)
    }
  }

  func testStoppedTaskPublishesNothingAfterItStopped() async throws {
    let (fleet, clock) = makeFleet()
    let found = try await fleet.allReplicationTasks().first { $0.status == TaskStatus.running && $0.migration == .cdc }
    let t = try XCTUnwrap(found)
    let inst = try await instanceName(fleet, t)
    clock.advance(600)
    _ = try await fleet.stopReplicationTask(arn: t.arn)
    let stoppedAt = clock.now()
    clock.advance(1200)
    let r = try await fleet.getMetricData(queries: queries(t, inst), start: clock.now().addingTimeInterval(-3600), end: clock.now(), period: 60)
    for series in r {
      XCTAssertFalse(series.points.isEmpty)
      XCTAssertTrue(series.points.allSatisfy { $0.time < stoppedAt }, "no points after the stop")
    }
    // Unknown task or wrong instance: no data, no error.
    let none = try await fleet.getMetricData(
      queries: [MetricQuery(id: "x", metricName: DMSMetric.cdcLatencySource, instanceIdentifier: "nope", taskResourceId: t.resourceId)],
      start: clock.now().addingTimeInterval(-600), end: clock.now(), period: 60)
    XCTAssertEqual(none.first?.points.count, 0)
  }

  func testLatencySpikesAndHighLatencyTasksExist() async throws {
    let (fleet, clock) = makeFleet(seed: 9, tasks: 80)
    var maxima: [Double] = []
    var spiky = 0
    let insts = try await fleet.describeReplicationInstances(marker: nil).items
    for t in try await fleet.allReplicationTasks() where t.status == TaskStatus.running && t.migration != .fullLoad {
      let inst = try XCTUnwrap(insts.first { $0.arn == t.replicationInstanceArn }?.identifier)
      let r = try await fleet.getMetricData(
        queries: [MetricQuery(id: "l", metricName: DMSMetric.cdcLatencySource, instanceIdentifier: inst, taskResourceId: t.resourceId)],
        start: clock.now().addingTimeInterval(-6 * 3600), end: clock.now(), period: 60)
      let values = r[0].points.map(\.value).filter { $0 > 0 }.sorted()
      guard let top = values.last, !values.isEmpty else { continue }
      let median = values[values.count / 2]
      maxima.append(median)
      if top > 4 * median { spiky += 1 }
    }
    XCTAssertGreaterThan(spiky, 0, "some tasks spike")
    XCTAssertTrue(maxima.contains { $0 > 120 }, "a few tasks have high latency")
    XCTAssertTrue(maxima.contains { $0 < 10 }, "most tasks are healthy")
  }

  func testTooManyQueriesAndBadPeriodAreRejected() async throws {
    let (fleet, _) = makeFleet()
    let q = (0..<501).map { MetricQuery(id: "q\($0)", metricName: DMSMetric.cdcLatencySource, instanceIdentifier: "a", taskResourceId: "b") }
    await assertServiceError(.client, "InvalidParameterValue") {
      _ = try await fleet.getMetricData(queries: q, start: fleetStart.addingTimeInterval(-60), end: fleetStart, period: 60)
    }
    let ok = try await fleet.getMetricData(queries: Array(q.prefix(500)), start: fleetStart.addingTimeInterval(-60), end: fleetStart, period: 60)
    XCTAssertEqual(ok.count, 500)
    await assertServiceError(.client, "InvalidParameterValue") {
      _ = try await fleet.getMetricData(queries: [], start: fleetStart.addingTimeInterval(-60), end: fleetStart, period: 45)
    }
  }
}

final class LogsTests: XCTestCase {
  func logTarget(_ fleet: SimulatedFleet, loggingOff: Bool) async throws -> (ReplicationTask, String, String)? {
    let off = Set(fleet.tasksWithLoggingOff())
    let insts = try await fleet.describeReplicationInstances(marker: nil).items
    for t in try await fleet.allReplicationTasks()
    where t.status == TaskStatus.running && off.contains(t.identifier) == loggingOff {
      guard let inst = insts.first(where: { $0.arn == t.replicationInstanceArn }) else { continue }
      return (t, TaskLogNames.group(instanceIdentifier: inst.identifier), TaskLogNames.stream(taskResourceId: t.resourceId))
    }
    return nil
  }

  func testPagingWithTokensFollowsTheStream() async throws {
    let (fleet, clock) = makeFleet()
    let found = try await logTarget(fleet, loggingOff: false)
    let (t, group, stream) = try XCTUnwrap(found)
    let start = clock.now().addingTimeInterval(-1800)
    let first = try await fleet.getLogEvents(group: group, stream: stream, startTime: start, nextToken: nil, limit: 10_000)
    XCTAssertGreaterThan(first.events.count, 30, "a running task logs every few seconds")
    XCTAssertEqual(first.events.map(\.timestamp), first.events.map(\.timestamp).sorted())
    XCTAssertTrue(first.events.allSatisfy { $0.timestamp >= start && $0.timestamp <= clock.now() })
    let token = try XCTUnwrap(first.nextForwardToken)

    // At the end: no events and the same token back.
    let end = try await fleet.getLogEvents(group: group, stream: stream, startTime: nil, nextToken: token, limit: 100)
    XCTAssertTrue(end.events.isEmpty)
    XCTAssertEqual(end.nextForwardToken, token)

    // Time passes: new lines, all after the old ones.
    clock.advance(120)
    let more = try await fleet.getLogEvents(group: group, stream: stream, startTime: nil, nextToken: token, limit: 100)
    XCTAssertFalse(more.events.isEmpty)
    XCTAssertNotEqual(more.nextForwardToken, token)
    XCTAssertTrue(more.events.allSatisfy { $0.timestamp > (first.events.last?.timestamp ?? .distantPast) })

    // Small pages give the same lines as one big page.
    var paged: [LogEvent] = []
    var tok: String? = nil
    for _ in 0..<1000 {
      let p = try await fleet.getLogEvents(group: group, stream: stream, startTime: start, nextToken: tok, limit: 7)
      paged += p.events
      if p.events.isEmpty { break }
      tok = p.nextForwardToken
    }
    let whole = try await fleet.getLogEvents(group: group, stream: stream, startTime: start, nextToken: nil, limit: 10_000)
    XCTAssertEqual(paged, whole.events)
    XCTAssertEqual(whole.events.count, first.events.count + more.events.count)

    // Actions write lines.
    _ = try await fleet.stopReplicationTask(arn: t.arn)
    clock.advance(10)
    let after = try await fleet.getLogEvents(group: group, stream: stream, startTime: nil, nextToken: whole.nextForwardToken, limit: 100)
    XCTAssertTrue(after.events.contains { $0.message.contains("stop requested") }, "\(after.events.map(\.message))")
    XCTAssertTrue(after.events.contains { $0.message.contains("Stop Reason NORMAL") })
  }

  func testLinesLookLikeDMSTaskLogs() async throws {
    let (fleet, clock) = makeFleet(seed: 6, tasks: 40)
    let off = Set(fleet.tasksWithLoggingOff())
    let insts = try await fleet.describeReplicationInstances(marker: nil).items
    var components = Set<String>()
    var severities = Set<LogSeverity>()
    var count = 0
    let pattern = try NSRegularExpression(pattern: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d \[[A-Z_ ]{16}\][IWE]:  \S.*\(\w+\.c:\d+\)$"#)
    for t in try await fleet.allReplicationTasks() where !off.contains(t.identifier) && t.status != TaskStatus.ready {
      let inst = try XCTUnwrap(insts.first { $0.arn == t.replicationInstanceArn }?.identifier)
      let page = try await fleet.getLogEvents(
        group: TaskLogNames.group(instanceIdentifier: inst), stream: TaskLogNames.stream(taskResourceId: t.resourceId),
        startTime: nil, nextToken: nil, limit: 500)
      for e in page.events {
        count += 1
        let range = NSRange(e.message.startIndex..., in: e.message)
        XCTAssertNotNil(pattern.firstMatch(in: e.message, range: range), e.message)
        let entry = DMSLogParser.parse(e, task: t.identifier)
        components.insert(entry.component)
        severities.insert(entry.severity)
      }
    }
    XCTAssertGreaterThan(count, 500)
    XCTAssertTrue(
      components.isSuperset(of: ["SOURCE_CAPTURE", "SOURCE_UNLOAD", "TARGET_LOAD", "TARGET_APPLY", "TASK_MANAGER", "SORTER", "VALIDATOR"]),
      "\(components)")
    XCTAssertEqual(severities, [.info, .warning, .error])
    _ = clock
  }

  func testLoggingOffAndUnknownGroupAreNotFound() async throws {
    let (fleet, _) = makeFleet()
    XCTAssertFalse(fleet.tasksWithLoggingOff().isEmpty)
    let found = try await logTarget(fleet, loggingOff: true)
    let (_, group, stream) = try XCTUnwrap(found)
    await assertServiceError(.notFound, "ResourceNotFoundException") {
      _ = try await fleet.getLogEvents(group: group, stream: stream, startTime: nil, nextToken: nil, limit: 10)
    }
    await assertServiceError(.notFound, "ResourceNotFoundException", message: "The specified log group does not exist.") {
      _ = try await fleet.getLogEvents(group: "dms-tasks-nope", stream: stream, startTime: nil, nextToken: nil, limit: 10)
    }
  }
}

final class RobustnessTests: XCTestCase {
  func testHostileMarkersTokensAndDatesDoNotTrap() async throws {
    let (fleet, _) = makeFleet()
    let huge = Data("tasks:\(Int.max)".utf8).base64EncodedString()
    await assertServiceError(.client, "InvalidParameterValueException") {
      _ = try await fleet.describeReplicationTasks(marker: huge, maxRecords: 100)
    }
    let past = Data("tasks:5000".utf8).base64EncodedString()
    let empty = try await fleet.describeReplicationTasks(marker: past, maxRecords: 100)
    XCTAssertTrue(empty.items.isEmpty)
    XCTAssertNil(empty.marker)

    let tasks = try await fleet.allReplicationTasks()
    let insts = try await fleet.describeReplicationInstances(marker: nil).items
    let off = Set(fleet.tasksWithLoggingOff())
    let t = try XCTUnwrap(tasks.first { $0.status == TaskStatus.running && !off.contains($0.identifier) })
    let inst = try XCTUnwrap(insts.first { $0.arn == t.replicationInstanceArn }?.identifier)
    let g = TaskLogNames.group(instanceIdentifier: inst)
    let s = TaskLogNames.stream(taskResourceId: t.resourceId)
    let far = try await fleet.getLogEvents(group: g, stream: s, startTime: Date(timeIntervalSince1970: 1e300), nextToken: nil, limit: 10)
    XCTAssertTrue(far.events.isEmpty)
    let end = try await fleet.getLogEvents(group: g, stream: s, startTime: nil, nextToken: "f/\(Int64.max)/0", limit: 10)
    XCTAssertTrue(end.events.isEmpty)
    XCTAssertEqual(end.nextForwardToken, "f/\(Int64.max)/0")
    await assertServiceError(.client, "InvalidParameterException") {
      _ = try await fleet.getLogEvents(group: g, stream: s, startTime: nil, nextToken: "nonsense", limit: 10)
    }
    let m = try await fleet.getMetricData(
      queries: [MetricQuery(id: "a", metricName: DMSMetric.cdcLatencySource, instanceIdentifier: inst, taskResourceId: t.resourceId)],
      start: .distantPast, end: .distantFuture, period: 3600)
    XCTAssertFalse(m[0].points.isEmpty)
    XCTAssertTrue(m[0].points.allSatisfy { $0.time <= fleetStart })
  }
}

final class MetricStatisticTests: XCTestCase {
  func testLongerPeriodsAggregateTheMinuteSamples() async throws {
    let (fleet, clock) = makeFleet()
    let tasks = try await fleet.allReplicationTasks()
    let t = try XCTUnwrap(tasks.first { $0.status == TaskStatus.running && $0.migration == .cdc })
    let insts = try await fleet.describeReplicationInstances(marker: nil).items
    let inst = try XCTUnwrap(insts.first { $0.arn == t.replicationInstanceArn }?.identifier)
    let start = Date(timeIntervalSince1970: ((clock.now().timeIntervalSince1970 - 3600) / 300).rounded(.up) * 300)
    func q(_ stat: String) -> MetricQuery {
      MetricQuery(id: "q", metricName: DMSMetric.cdcLatencySource, instanceIdentifier: inst, taskResourceId: t.resourceId, stat: stat)
    }
    let minutes = try await fleet.getMetricData(queries: [q("Average")], start: start, end: clock.now(), period: 60)[0].points
    let five = try await fleet.getMetricData(queries: [q("Average"), q("Maximum"), q("SampleCount")], start: start, end: clock.now(), period: 300)
    XCTAssertEqual(five[0].points.count, (minutes.count + 4) / 5)
    for (i, p) in five[0].points.enumerated() where i * 5 + 5 <= minutes.count {
      let bucket = minutes[(i * 5)..<(i * 5 + 5)].map(\.value)
      XCTAssertEqual(p.time, minutes[i * 5].time)
      XCTAssertEqual(p.value, bucket.reduce(0, +) / 5, accuracy: 0.05)
      XCTAssertEqual(five[1].points[i].value, bucket.max() ?? 0, accuracy: 0.01)
      XCTAssertEqual(five[2].points[i].value, 5)
    }
  }
}
