import AWSClient
import DMSSimulator
import DMSWatchApp
import DMSWatchEngine
import DMSWatchModel
import DMSWatchRender
import TestKit
import Foundation
import TerminalBackend
import DMSWatchRules
import DMSWatchState

// The benchmark program (`make bench`): prints a table of figures and the machine it ran on.
// Not a test: nothing here passes or fails; targets are printed next to the figures.

struct Options {
  var dmswatch = ".build/release/dmswatch"
  var seconds = 60.0
  var iterations = 300
  var json = false
  var htop = "htop"
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
      case "--json": json = true
      case "--htop": i += 1; if i < args.count { htop = args[i] }
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
  // As the controller does before each frame: the rows on screen judged once, then drawn.
  state.prepareFrame()
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
    if CommandLine.arguments.contains("--reconcile") {
      try await ReconBench.run(json: CommandLine.arguments.contains("--json"))
      return
    }
    let opt = Options(CommandLine.arguments)
    var rows: [Row] = []
    var keys: [(String, JSONValue)] = []
    func num(_ x: Double?) -> JSONValue { x.flatMap { $0.isFinite ? JSONValue.double(($0 * 1000).rounded() / 1000) : nil } ?? .null }
    // With --json the table goes to stderr and stdout carries one JSON object.
    let say: (String) -> Void = opt.json ? { FileHandle.standardError.write(Data(($0 + "\n").utf8)) } : { print($0) }
    say("dmswatch benchmark — \(Format.iso(Date()))")
    say("machine: \(machine())")
    say("")
    if opt.recordingOnly {
      for r in await recordingRows(tasks: 1000, minutes: opt.recordingMinutes ?? 60) { say("\(r.figure)  \(r.value)  \(r.target)") }
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
    keys.append(("render_diff_p99_ms", num(percentile(totalTimes, 99) * 1000)))

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
    for n in [10, 100, 1000] {
      // 1,000 tasks need about 15 minutes for one full background round: run long enough to see it.
      let minutes = n == 1000 ? 3 * simMinutes : simMinutes
      let r = await simulatePolling(tasks: n, minutes: minutes)
      let worst = r.worstAge.isFinite ? Format.age(r.worstAge) : "never (\(r.loaded)/\(n) loaded)"
      rows.append(Row(
        figure: "6 DMS calls/min, \(n) tasks, \(Int(minutes)) simulated min",
        value: String(format: "%.0f/min (busiest 60 s: %d, 10 s: %d); focused ≤ %@; worst table age %@", r.callsPerMinute, r.busiest(window: 60), r.busiest(window: 10), Format.age(r.maxFocusedAge), worst),
        target: "≤ 120/min (5 + 2/s in any window), focused ≤ 10 s"))
    }

    // 6b. Fleet freshness with realistic activity, CloudWatch deciding which tasks need a DMS call.
    let freshMinutes = 30.0
    var fresh: [Int: FreshnessResult] = [:]
    for n in [1000, 5000] {
      let f = await simulateFreshness(tasks: n, minutes: freshMinutes)
      fresh[n] = f
      func age(_ x: Double) -> String { x.isFinite ? Format.age(x) : "never" }
      rows.append(Row(
        figure: "6b freshness, \(n) tasks (80 % idle, 10 % busy, 10 % bursts), \(Int(freshMinutes)) simulated min",
        value: String(
          format: "age p95 %@ / max %@ (since read: p95 %@); %d/%d loaded%@; %.0f calls/min (busiest 60 s %d, 10 s %d, 1 s %d); changed but not read within 5 min: %d (worst %@)",
          age(f.ageP95), age(f.ageMax), age(f.readAgeP95), f.loaded, n,
          f.firstRoundSeconds.map { ", first round \(Format.age($0))" } ?? ", first round not finished", f.callsPerMinute, f.busiest60, f.busiest10,
          f.busiest1, f.lateChanges, Format.age(f.worstChangeDelay)),
        target: "p95 ≤ 5 min, max ≤ 15 min, ≤ 5 + 2/s in any window"))
      rows.append(Row(
        figure: "6c CloudWatch, \(n) tasks: metrics requested per hour (GetMetricData calls)",
        value: String(format: "%.0f/h (%.0f calls/h) = USD %.2f/h at USD 0.01 per 1,000 metrics", f.metricsPerHour, f.metricCallsPerHour, f.metricsPerHour * ScopeEngine.getMetricDataUSDPerMetric),
        target: "—"))
    }
    keys.append(("fleet_table_age_p95_s_1000", num(fresh[1000]?.ageP95)))
    keys.append(("fleet_table_age_max_s_1000", num(fresh[1000]?.ageMax)))
    keys.append(("fleet_table_age_p95_s_5000", num(fresh[5000]?.ageP95)))
    keys.append(("fleet_table_read_age_p95_s_1000", num(fresh[1000]?.readAgeP95)))
    keys.append(("fleet_tables_loaded_5000", .int(Int64(fresh[5000]?.loaded ?? 0))))
    keys.append(("changed_not_read_within_5min_1000", .int(Int64(fresh[1000]?.lateChanges ?? -1))))
    keys.append(("calls_per_min_1000", num(fresh[1000]?.callsPerMinute)))
    keys.append(("busiest_60s_calls_1000", .int(Int64(fresh[1000]?.busiest60 ?? 0))))
    keys.append(("cloudwatch_metrics_per_hour_1000_measured", num(fresh[1000]?.metricsPerHour)))
    // Metrics requested per hour at the default settings, 200×50 screen (rows on screen + the focused task).
    let poll = PollSettings()
    var perHour: [(String, JSONValue)] = []
    for n in [10, 100, 1000] {
      let m = ScopeEngine.metricsPerHour(tasks: n, visible: min(n, 40), settings: poll)
      perHour.append(("\(n)", .object([("metrics", num(m)), ("usd", num(m * ScopeEngine.getMetricDataUSDPerMetric))])))
      rows.append(Row(
        figure: "6d CloudWatch metrics requested per hour, \(n) tasks, default settings (40 on screen)",
        value: String(format: "%.0f/h = USD %.3f/h", m, m * ScopeEngine.getMetricDataUSDPerMetric), target: "—"))
    }
    keys.append(("cloudwatch_metrics_per_hour", .object(perHour)))
    let scopes = await simulateTwoScopes(minutes: opt.seconds >= 60 ? 10 : 5)
    keys.append(("calls_per_min_per_scope", .object(scopes.sorted { $0.key < $1.key }.map { ($0.key, num($0.value)) })))
    rows.append(Row(
      figure: "6e two scopes × 500 tasks, DMS calls/min each",
      value: scopes.sorted { $0.key < $1.key }.map { String(format: "%@ %.0f/min", $0.key, $0.value) }.joined(separator: ", "),
      target: "≤ 120/min each (own budget)"))
    let bigFocus = try await simulateBigFocus(minutes: 10)
    keys.append(("task_list_age_max_s_big_focus", num(bigFocus.listAgeMax)))
    keys.append(("task_list_interval_s_big_focus", num(bigFocus.interval)))
    keys.append(("inventory_loaded_s_big_focus", num(bigFocus.inventoryAt)))
    rows.append(Row(
      figure: "6f 20,000-table task focused among 1,000, 10 simulated min: oldest task list",
      value: String(format: "%.0f s (interval %.0f s, STALE after %.0f s); inventory after %@", bigFocus.listAgeMax, bigFocus.interval, 3 * bigFocus.interval, bigFocus.inventoryAt.map { Format.age($0) } ?? "never"),
      target: "≤ 3 intervals"))
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
      keys.append(("first_frame_ms", num(titles.isEmpty ? nil : percentile(titles, 50) * 1000)))
      let htopPath = findExecutable(opt.htop)

      for full in [false, true] {
        var e = env
        if full { e["DMSWATCH_FULL_REPAINT"] = "1" }
        let p = try PtyProcess(path: bin, arguments: args, environment: e, cols: 200, rows: 50)
        p.keepOutput = false
        // htop side by side (same size, same machine, same 30+ s), in its own pty.
        let h = full ? nil : htopPath.flatMap { try? PtyProcess(path: $0, arguments: ["-d", "15"], environment: e, cols: 200, rows: 50) }
        h?.keepOutput = false
        for _ in 0..<50 { p.pump(seconds: 0.05); h?.pump(seconds: 0.05) }  // start-up and first data
        let cpu0 = p.cpuSeconds() ?? 0
        let hcpu0 = h?.cpuSeconds() ?? 0
        let b0 = p.bytesRead
        let t0 = Date()
        while Date().timeIntervalSince(t0) < opt.seconds { p.pump(seconds: 0.05); h?.pump(seconds: 0.05) }
        let bytes = p.bytesRead - b0
        let cpu = (p.cpuSeconds() ?? 0) - cpu0
        let hcpu = h.map { ($0.cpuSeconds() ?? 0) - hcpu0 }
        let rss = p.peakRSSMiB()
        let anon = p.anonRSSMiB()
        let hrss = h?.peakRSSMiB()
        p.terminate()
        h?.terminate()
        let rate = Double(bytes) / opt.seconds
        if full {
          rows.append(Row(figure: "3b bytes/s, forced full repaint every frame (comparison)", value: String(format: "%.0f B/s", rate), target: "—"))
        } else {
          rows.append(Row(figure: "3 bytes/s to the pty, 200×50, 1,000 tasks, \(Int(opt.seconds)) s", value: String(format: "%.0f B/s", rate), target: "≤ 1024 B/s"))
          rows.append(Row(figure: "4 CPU of the process, 1,000 tasks, idle", value: String(format: "%.2f %% of a core", cpu / opt.seconds * 100), target: "≤ htop's"))
          rows.append(Row(
            figure: "4e htop side by side (200×50, same run)",
            value: hcpu.map { String(format: "%.2f %% of a core, peak RSS %.1f MiB", $0 / opt.seconds * 100, hrss ?? 0) } ?? "htop not installed", target: "—"))
          keys.append(("cpu_pct_1000", num(cpu / opt.seconds * 100)))
          keys.append(("htop_cpu_pct", num(hcpu.map { $0 / opt.seconds * 100 })))
          keys.append(("htop_rss_peak_mb", num(hrss)))
          keys.append(("tty_bytes_per_s", num(rate)))
          keys.append(("rss_peak_mb_1000", num(rss)))
          keys.append(("rss_anon_mb_1000", num(anon)))
          rows.append(Row(figure: "4b peak RSS, 1,000 tasks × 200 tables", value: rss.map { String(format: "%.1f MiB", $0) } ?? "n/a", target: "≤ 32 MB"))
          rows.append(Row(figure: "4c of which private (RssAnon: data, heap, stacks)", value: anon.map { String(format: "%.1f MiB", $0) } ?? "n/a", target: "≤ 12 MB"))
          rows.append(Row(figure: "4d state + simulator, 1,000×200 tables + 10,000 log lines (RssAnon growth in-process)", value: String(format: "%.1f MiB", anon1 - anon0), target: "—"))
        }
      }
    } else {
      rows.append(Row(figure: "3/4/7 (real process in a pty)", value: "skipped: \(bin) not found (build it with swift build -c release)", target: ""))
    }

    let w0 = rows.map { $0.figure.count }.max() ?? 10
    let w1 = rows.map { $0.value.count }.max() ?? 10
    func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
    say(pad("figure", w0) + "  " + pad("measured", w1) + "  target")
    say(String(repeating: "-", count: w0 + w1 + 12))
    for r in rows { say(pad(r.figure, w0) + "  " + pad(r.value, w1) + "  " + r.target) }
    if opt.json {
      for k in ["first_frame_ms", "cpu_pct_1000", "htop_cpu_pct", "tty_bytes_per_s", "rss_peak_mb_1000"] where !keys.contains(where: { $0.0 == k }) {
        keys.append((k, .null))
      }
      print(String(decoding: JSONValue.object(keys).encoded(), as: UTF8.self))
    }
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

/// `name` if it is a path to an executable, else the first match on PATH.
func findExecutable(_ name: String) -> String? {
  if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
  for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
    let p = "\(dir)/\(name)"
    if FileManager.default.isExecutableFile(atPath: p) { return p }
  }
  return nil
}
