import AWSClient
import DMSSimulator
import DMSWatchApp
import DMSWatchEngine
import DMSWatchModel
import DMSWatchRender
import TestKit
import Foundation
import TerminalBackend

// The benchmark program (`make bench`): prints a table of figures and the machine it ran on.
// Not a test: nothing here passes or fails; targets are printed next to the figures.

struct Options {
  var dmswatch = ".build/release/dmswatch"
  var seconds = 60.0
  var iterations = 300
  /// Only figure 8 (the flight recorder), for `--recording-only [--recording-minutes N]`.
  var recordingOnly = false
  var recordingMinutes: Double?
  init(_ args: [String]) {
    var i = 1
    while i < args.count {
      switch args[i] {
      case "--dmswatch": i += 1; if i < args.count { dmswatch = args[i] }
      case "--seconds": i += 1; if i < args.count { seconds = Double(args[i]) ?? seconds }
      case "--iterations": i += 1; if i < args.count { iterations = Int(args[i]) ?? iterations }
      case "--quick": seconds = 10; iterations = 100
      case "--recording-only": recordingOnly = true
      case "--recording-minutes": i += 1; if i < args.count { recordingMinutes = Double(args[i]) }
      default: break
      }
      i += 1
    }
  }
}

func percentile(_ xs: [Double], _ p: Double) -> Double {
  guard !xs.isEmpty else { return .nan }
  let s = xs.sorted()
  let idx = min(s.count - 1, max(0, Int((p / 100 * Double(s.count)).rounded(.up)) - 1))
  return s[idx]
}

func ms(_ x: Double) -> String { String(format: "%.3f ms", x * 1000) }

func machine() -> String {
  var cpu = "unknown CPU"
  if let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
    let line = info.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
    let v = line.split(separator: ":", maxSplits: 1).last
  {
    cpu = v.trimmingCharacters(in: .whitespaces)
  }
  let cores = ProcessInfo.processInfo.activeProcessorCount
  let mem = Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824
  return "\(cpu), \(cores) cores, \(String(format: "%.0f", mem)) GiB, \(ProcessInfo.processInfo.operatingSystemVersionString)"
}

/// Builds dashboard state from the simulator through the same reducer the app uses.
func loadState(tasks: Int, tables: Int, width: Int, height: Int, clock: ManualClock) async throws -> (AppState, SimulatedFleet) {
  let fleet = SimulatedFleet(config: SimulatorConfig(tasks: tasks, tablesPerTask: tables, seed: 7), clock: clock)
  var state = AppState(now: clock.now())
  let reducer = Reducer()
  _ = reducer.reduce(&state, .resize(width: width, height: height))
  // Through the engine's fetchers, as the dashboard and `check` read.
  let bundle = ServiceBundle(dms: fleet, metrics: fleet, logs: fleet, sourceLabel: "bench")
  let fetcher = ScopeFetcher(services: bundle)
  let instances = try await collectPages { try await fetcher.instancesPage(marker: $0) }
  let endpoints = try await collectPages { try await fetcher.endpointsPage(marker: $0) }
  _ = reducer.reduce(&state, .engine(.inventoryLoaded(.single, instances, endpoints)))
  let all = try await collectPages { try await fetcher.taskListPage(marker: $0) }
  _ = reducer.reduce(&state, .engine(.tasksLoaded(.single, all, at: clock.now())))
  // Every task's table statistics (summaries for the unfocused ones), the focused task in full.
  for t in all {
    let list = try await collectPages { try await fetcher.tablesPage(task: t, marker: $0) }
    _ = reducer.reduce(&state, .engine(.tablesLoaded(.single, taskArn: t.arn, TaskTables(tables: list, loadedAt: clock.now()), at: clock.now())))
  }
  // The last hour of metrics for the visible tasks.
  let visible = Array(state.visibleTasks.prefix(state.layout.visibleRows(.tasks)))
  let (queries, idMap, _) = fetcher.metricQueries(for: visible, inventory: Inventory(instances, endpoints), limit: ScopeFetcher.metricQueryLimit)
  let byTask = try await fetcher.metrics(queries: queries, idMap: idMap, start: clock.now().addingTimeInterval(-3600), end: clock.now())
  _ = reducer.reduce(&state, .engine(.metricsLoaded(.single, byTask, at: clock.now())))
  // A full log tail.
  var entries: [LogEntry] = []
  for i in 0..<10_000 {
    entries.append(LogEntry(time: clock.now(), source: .log, severity: i % 50 == 0 ? .error : .info, component: "TARGET_APPLY", text: "line \(i) applied 500 changes to public.orders", task: all.first?.identifier))
  }
  _ = reducer.reduce(&state, .engine(.logLoaded(.single, entries, at: clock.now())))
  return (state, fleet)
}

func timeRender(_ state: AppState, iterations: Int) -> [Double] {
  var out: [Double] = []
  let km = KeyMap()
  for _ in 0..<iterations {
    let t0 = DispatchTime.now().uptimeNanoseconds
    let g = DashboardRenderer.render(state, keyMap: km, charset: .unicode)
    let t1 = DispatchTime.now().uptimeNanoseconds
    precondition(g.width > 0)
    out.append(Double(t1 - t0) / 1e9)
  }
  return out
}

struct Row {
  var figure: String
  var value: String
  var target: String
}

@main
struct Bench {
  static func main() async throws {
    let opt = Options(CommandLine.arguments)
    var rows: [Row] = []
    print("dmswatch benchmark — \(Format.iso(Date()))")
    print("machine: \(machine())")
    print("")
    if opt.recordingOnly {
      for r in await recordingRows(tasks: 1000, minutes: opt.recordingMinutes ?? 60) { print("\(r.figure)  \(r.value)  \(r.target)") }
      return
    }

    // 1. Render time.
    let clock = ManualClock()
    let anon0 = statusMiB(pid: 0, "RssAnon") ?? 0
    let (big, fleet) = try await loadState(tasks: 1000, tables: 200, width: 200, height: 50, clock: clock)
    let anon1 = statusMiB(pid: 0, "RssAnon") ?? 0
    let r1 = timeRender(big, iterations: opt.iterations)
    rows.append(Row(figure: "1a render 200×50, 1,000 tasks × 200 tables (p50/p99)", value: "\(ms(percentile(r1, 50))) / \(ms(percentile(r1, 99)))", target: "—"))
    var one = try await loadState(tasks: 1, tables: 20_000, width: 200, height: 50, clock: clock).0
    one.focus = .tables
    _ = Reducer().reduce(&one, .key(.pageDown))
    let r1b = timeRender(one, iterations: opt.iterations)
    rows.append(Row(figure: "1b render 200×50, 1 task × 20,000 tables (p50/p99)", value: "\(ms(percentile(r1b, 50))) / \(ms(percentile(r1b, 99)))", target: "—"))

    // 2. Diff for a steady-state frame: a few counters and one sparkline changed.
    var diffTimes: [Double] = []
    var totalTimes: [Double] = []
    var cellsChanged: [Int] = []
    var state = big
    let km = KeyMap()
    var prev = DashboardRenderer.render(state, keyMap: km, charset: .unicode)
    let reducer = Reducer()
    for i in 0..<opt.iterations {
      clock.advance(2)
      if let t = state.selectedTask {
        let list = try await fleet.allTableStatistics(taskArn: t.arn)
        _ = reducer.reduce(&state, .engine(.tablesLoaded(.single, taskArn: t.arn, TaskTables(tables: list, loadedAt: clock.now()), at: clock.now())))
        _ = reducer.reduce(
          &state, .engine(.metricsLoaded(.single, [t.arn: [DMSMetric.cdcLatencySource: [SeriesPoint(time: clock.now(), value: Double(i % 30))]]], at: clock.now())))
      }
      _ = reducer.reduce(&state, .tick(clock.now()))
      let t0 = DispatchTime.now().uptimeNanoseconds
      let g = DashboardRenderer.render(state, keyMap: km, charset: .unicode)
      let t1 = DispatchTime.now().uptimeNanoseconds
      let runs = FrameDiff.runs(old: prev, new: g)
      let t2 = DispatchTime.now().uptimeNanoseconds
      cellsChanged.append(runs.reduce(0) { $0 + $1.cells.count })
      diffTimes.append(Double(t2 - t1) / 1e9)
      totalTimes.append(Double(t2 - t0) / 1e9)
      prev = g
    }
    rows.append(Row(figure: "2 diff, steady-state frame (p50/p99)", value: "\(ms(percentile(diffTimes, 50))) / \(ms(percentile(diffTimes, 99))), \(Int(percentile(cellsChanged.map(Double.init), 50))) cells changed (p50)", target: "—"))
    rows.append(Row(figure: "2b render + diff, steady state (p50/p99)", value: "\(ms(percentile(totalTimes, 50))) / \(ms(percentile(totalTimes, 99)))", target: "p99 ≤ 2 ms"))

    // 5. Decoding a 500-row DescribeTableStatistics page with the AWS client's decoder.
    let page = try await tableStatisticsPageJSON(fleet: fleet, rows: 500)
    var decodeTimes: [Double] = []
    for _ in 0..<max(20, opt.iterations / 5) {
      let t0 = DispatchTime.now().uptimeNanoseconds
      let items = try decodeTableStatisticsPage(page)
      let t1 = DispatchTime.now().uptimeNanoseconds
      precondition(items == 500)
      decodeTimes.append(Double(t1 - t0) / 1e9)
    }
    rows.append(Row(figure: "5 decode a 500-row DescribeTableStatistics page (\(page.count / 1024) KiB) p50/p99", value: "\(ms(percentile(decodeTimes, 50))) / \(ms(percentile(decodeTimes, 99)))", target: "—"))

    // 6. DMS calls per minute against the budget, simulated minutes on a manual clock.
    let simMinutes = opt.seconds >= 60 ? 10.0 : 5.0
    for n in [10, 100, 1000, 5000] {
      // 1,000 tasks need about 15 minutes for one full background round: run long enough to see it.
      let minutes = n == 1000 ? 3 * simMinutes : simMinutes
      let r = await simulatePolling(tasks: n, minutes: minutes)
      let worst = r.worstAge.isFinite ? Format.age(r.worstAge) : "never (\(r.loaded)/\(n) loaded)"
      rows.append(Row(
        figure: "6 DMS calls/min, \(n) tasks, \(Int(minutes)) simulated min",
        value: String(format: "%.0f/min (busiest 60 s: %d, 10 s: %d); focused ≤ %@; worst table age %@", r.callsPerMinute, r.busiest(window: 60), r.busiest(window: 10), Format.age(r.maxFocusedAge), worst),
        target: "≤ 120/min (5 + 2/s in any window), focused ≤ 10 s"))
    }

    // 8. The flight recorder's file size for a 1,000-task hour (RecordingSize.swift).
    rows += await recordingRows(tasks: 1000, minutes: opt.recordingMinutes ?? (opt.seconds >= 60 ? 60 : 10))

    // 3, 4, 7: the real binary in a pseudo-terminal.
    let bin = opt.dmswatch
    if FileManager.default.isExecutableFile(atPath: bin) {
      var env = ProcessInfo.processInfo.environment
      env["TERM"] = "xterm-256color"
      env["LANG"] = env["LANG"].flatMap { $0.isEmpty ? nil : $0 } ?? "C.UTF-8"
      env["XDG_STATE_HOME"] = NSTemporaryDirectory() + "dmswatch-bench-\(getpid())"
      let args = ["--demo", "--demo-tasks", "1000", "--demo-tables", "200"]
      // 7. First frame.
      // Five starts: the first pays for cold page-cache misses, the median is the typical start.
      var titles: [Double] = []
      var data: [Double] = []
      for _ in 0..<5 {
        let first = try PtyProcess(path: bin, arguments: ["--demo"], environment: env, cols: 200, rows: 50)
        let tTitles = first.waitFor(["TASKS", "TABLES", "FLAGS", "LATENCY", "LOG"], timeout: 10)
        let tData = first.waitFor(["running"], timeout: 10)
        first.terminate()
        if let t = tTitles { titles.append(t) }
        if let t = tData { data.append(t) }
      }
      rows.append(Row(
        figure: "7 start → first frame (demo, 12 tasks), median / max of 5",
        value: titles.isEmpty ? "not seen" : "\(ms(percentile(titles, 50))) / \(ms(titles.max() ?? 0))", target: "≤ 200 ms"))
      rows.append(Row(
        figure: "7b then → task rows on screen, median", value: data.isEmpty ? "not seen" : ms(percentile(data, 50)), target: "—"))

      for full in [false, true] {
        var e = env
        if full { e["DMSWATCH_FULL_REPAINT"] = "1" }
        let p = try PtyProcess(path: bin, arguments: args, environment: e, cols: 200, rows: 50)
        p.keepOutput = false
        p.pump(seconds: 5)  // start-up and first data
        let cpu0 = p.cpuSeconds() ?? 0
        let b0 = p.bytesRead
        p.pump(seconds: opt.seconds)
        let bytes = p.bytesRead - b0
        let cpu = (p.cpuSeconds() ?? 0) - cpu0
        let rss = p.peakRSSMiB()
        let anon = p.anonRSSMiB()
        p.terminate()
        let rate = Double(bytes) / opt.seconds
        if full {
          rows.append(Row(figure: "3b bytes/s, forced full repaint every frame (comparison)", value: String(format: "%.0f B/s", rate), target: "—"))
        } else {
          rows.append(Row(figure: "3 bytes/s to the pty, 200×50, 1,000 tasks, \(Int(opt.seconds)) s", value: String(format: "%.0f B/s", rate), target: "≤ 2048 B/s"))
          rows.append(Row(figure: "4 CPU of the process, 1,000 tasks, idle", value: String(format: "%.2f %% of a core", cpu / opt.seconds * 100), target: "≤ 1 %"))
          rows.append(Row(figure: "4b peak RSS, 1,000 tasks × 200 tables", value: rss.map { String(format: "%.1f MiB", $0) } ?? "n/a", target: "≤ 40 MB"))
          rows.append(Row(figure: "4c of which private (RssAnon: data, heap, stacks)", value: anon.map { String(format: "%.1f MiB", $0) } ?? "n/a", target: "—"))
          rows.append(Row(figure: "4d state + simulator, 1,000×200 tables + 10,000 log lines (RssAnon growth in-process)", value: String(format: "%.1f MiB", anon1 - anon0), target: "—"))
        }
      }
    } else {
      rows.append(Row(figure: "3/4/7 (real process in a pty)", value: "skipped: \(bin) not found (build it with swift build -c release)", target: ""))
    }

    let w0 = rows.map { $0.figure.count }.max() ?? 10
    let w1 = rows.map { $0.value.count }.max() ?? 10
    func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
    print(pad("figure", w0) + "  " + pad("measured", w1) + "  target")
    print(String(repeating: "-", count: w0 + w1 + 12))
    for r in rows { print(pad(r.figure, w0) + "  " + pad(r.value, w1) + "  " + r.target) }
  }
}

/// A DescribeTableStatistics response page as DMS sends it (JSON 1.1, epoch-second timestamps).
func tableStatisticsPageJSON(fleet: SimulatedFleet, rows: Int) async throws -> Data {
  let tasks = try await fleet.allReplicationTasks()
  var stats: [TableStatistics] = []
  for t in tasks where stats.count < rows { stats += try await fleet.allTableStatistics(taskArn: t.arn) }
  func n(_ v: Int64?) -> JSONValue { v.map { .int($0) } ?? .null }
  func d(_ v: Date?) -> JSONValue { v.map { .double($0.timeIntervalSince1970) } ?? .null }
  func str(_ v: String?) -> JSONValue { v.map { .string($0) } ?? .null }
  let items: [JSONValue] = stats.prefix(rows).map { t in
    .object([
      ("SchemaName", .string(t.schemaName)), ("TableName", .string(t.tableName)), ("Inserts", n(t.inserts)),
      ("Deletes", n(t.deletes)), ("Updates", n(t.updates)), ("Ddls", n(t.ddls)), ("AppliedInserts", n(t.appliedInserts)),
      ("AppliedDeletes", n(t.appliedDeletes)), ("AppliedUpdates", n(t.appliedUpdates)), ("AppliedDdls", n(t.appliedDdls)),
      ("FullLoadRows", n(t.fullLoadRows)), ("FullLoadCondtnlChkFailedRows", n(t.fullLoadCondtnlChkFailedRows)),
      ("FullLoadErrorRows", n(t.fullLoadErrorRows)), ("FullLoadStartTime", d(t.fullLoadStartTime)),
      ("FullLoadEndTime", d(t.fullLoadEndTime)), ("FullLoadReloaded", .bool(t.fullLoadReloaded ?? false)),
      ("LastUpdateTime", d(t.lastUpdateTime)), ("TableState", str(t.tableState)),
      ("ValidationPendingRecords", n(t.validationPendingRecords)), ("ValidationFailedRecords", n(t.validationFailedRecords)),
      ("ValidationSuspendedRecords", n(t.validationSuspendedRecords)), ("ValidationState", str(t.validationState)),
      ("ValidationStateDetails", str(t.validationStateDetails)),
    ])
  }
  let doc = JSONValue.object([
    ("ReplicationTaskArn", .string(tasks.first?.arn ?? "")), ("TableStatistics", .array(items)),
    ("Marker", .string("eyJ0YWJsZSI6NTAwfQ==")),
  ])
  return doc.encoded()
}

/// Parse + map, as `AWSDMSClient.describeTableStatistics` does.
func decodeTableStatisticsPage(_ data: Data) throws -> Int {
  let v = try JSONValue.parse(data)
  guard let arr = v["TableStatistics"]?.array else { return 0 }
  return try arr.map(DMSCodec.tableStatistics).count
}

/// The real Poller's DMS lane over a simulated fleet for `minutes` of simulated time.
@MainActor
func simulatePolling(tasks: Int, minutes: Double) async -> PollSimulation.Report {
  let clock = ManualClock()
  let fleet = SimulatedFleet(config: SimulatorConfig(tasks: tasks, seed: 11), clock: clock)
  let sim = PollSimulation(
    clock: clock, services: ServiceBundle(dms: fleet, metrics: fleet, logs: fleet, sourceLabel: "sim"),
    settings: PollSettings.from(refresh: 5),
    callCount: { fleet.callCounts().filter { $0.key != "GetMetricData" && $0.key != "GetLogEvents" }.values.reduce(0, +) })
  return await sim.run(seconds: minutes * 60).0
}
