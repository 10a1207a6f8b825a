import DMSReconcile
import DatabaseClients
import Foundation

/// `dmswatch-bench --reconcile [--json]`: checksum bisection against fetch-everything on a 1,000,000-row
/// table pair with 3 differing rows, and counts of 200 tables × 10,000 rows, on a real PostgreSQL started
/// on loopback by Tests/e2e/dbservers.py (skipped with a message when the server binaries are missing).
enum ReconBench {
  static func shell(_ args: [String], env: [String: String] = [:]) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = args
    p.environment = ProcessInfo.processInfo.environment.merging(env) { _, b in b }
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else { throw DatabaseError(.query, "\(args.prefix(3).joined(separator: " ")) exited \(p.terminationStatus)") }
    return String(decoding: data, as: UTF8.self)
  }

  static func run(json: Bool) async throws {
    let dir = NSTemporaryDirectory() + "dmsw-recon-bench-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
    let started = try shell(["python3", "Tests/e2e/dbservers.py", "start", dir])
    defer { _ = try? shell(["python3", "Tests/e2e/dbservers.py", "stop", dir]) }
    guard let info = try JSONSerialization.jsonObject(with: Data(started.utf8)) as? [String: Any] else { return }
    if let skip = info["skip"] as? String {
      print("reconcile bench skipped: \(skip) (run scripts/setup.sh test)")
      return
    }
    guard let pg = info["pg"] as? [String: Any], let port = pg["port"] as? Int else { return }
    func psql(_ db: String, _ sql: String) throws {
      _ = try shell(["psql", "-h", "127.0.0.1", "-p", String(port), "-U", "admin", "-d", db, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
                    env: ["PGPASSWORD": "admin-secret-1"])
    }
    let t0 = Date()
    try psql("postgres", "CREATE DATABASE src")
    try psql("postgres", "CREATE DATABASE tgt")
    let make = """
      CREATE SCHEMA bench; CREATE TABLE bench.big (id bigint PRIMARY KEY, name text, amount numeric(12,2), ts timestamp);
      INSERT INTO bench.big SELECT g, 'name ' || g, (g % 100000) / 100.0, timestamp '2026-01-01' + g * interval '1 second' FROM generate_series(1, 1000000) g;
      DO $$ BEGIN FOR i IN 1..200 LOOP EXECUTE format('CREATE TABLE bench.small_%s AS SELECT generate_series(1, 10000) AS id', i); END LOOP; END $$;
      """
    try psql("src", make)
    try psql("tgt", make + "DELETE FROM bench.big WHERE id = 123457; UPDATE bench.big SET name = 'changed' WHERE id = 654321; INSERT INTO bench.big VALUES (1000001, 'extra', 1, now());")
    // A table that has been live for a while: hint bits and the visibility map set (the first scan after a bulk
    // load otherwise writes every page, and whichever method ran first would pay for it).
    for db in ["src", "tgt"] { try psql(db, "VACUUM ANALYZE") }
    let seeded = Date().timeIntervalSince(t0)
    func pool(_ db: String) throws -> DatabasePool {
      var s = DatabaseSettings(dialect: .postgres, host: "127.0.0.1", port: port, database: db, user: "admin", password: DatabasePassword("admin-secret-1"))
      s.statementTimeout = 300
      return try DatabasePool(settings: s)
    }
    let big = TableName(schema: "bench", name: "big")
    // Checksum bisection and the baseline, alternately three times each on the same warm tables; medians reported.
    let q = SQLBuilder(.postgres)
    var bisTimes: [Double] = []
    var baseTimes: [Double] = []
    var bisQueries = 0
    var bisRows: Int64 = 0
    var baseRows: Int64 = 0
    var diffs = 0
    var found: (missing: [String], extra: [String], different: [String]) = ([], [], [])
    var plan: ComparisonPlan?
    for _ in 0..<3 {
      let cs = CountingConnection(try pool("src"))
      let ct = CountingConnection(try pool("tgt"))
      let bis = ChecksumBisection(source: cs, target: ct)
      let b0 = Date()
      guard let p = try await bis.plan(source: big, target: big).0 else { print("no plan"); return }
      let r = try await bis.run(source: big, target: big, plan: p)
      found = (r.missingInTarget, r.extraInTarget, r.different)
      bisTimes.append(Date().timeIntervalSince(b0))
      plan = p
      bisQueries = cs.queries + ct.queries
      bisRows = cs.rows + ct.rows
      // Baseline: fetch every row of both sides (the compared columns as stored) and compare in the client.
      let bs = CountingConnection(try pool("src"))
      let bt = CountingConnection(try pool("tgt"))
      let f0 = Date()
      let raw = "SELECT " + p.sourceColumns.map { q.ident($0.name) }.joined(separator: ", ") + " FROM " + q.table(big)
      async let ra = bs.query(raw)
      async let rb = bt.query(raw)
      let (a, b) = try await (ra, rb)
      var ma: [String: [String?]] = [:]
      for row in a { ma[row[0] ?? ""] = row }
      var d = 0
      var seen = 0
      for row in b {
        if let s = ma[row[0] ?? ""] { seen += 1; if s != row { d += 1 } } else { d += 1 }
      }
      diffs = d + ma.count - seen
      baseTimes.append(Date().timeIntervalSince(f0))
      baseRows = bs.rows + bt.rows
    }
    guard let plan else { return }
    func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
    let bisTime = median(bisTimes)
    let baseTime = median(baseTimes)
    // Counts for 200 tables within 2 connections per database.
    let ps = try pool("src")
    let pt = try pool("tgt")
    var o = ReconcileOptions()
    o.exactCounts = true
    let rec = Reconciler(source: ps, target: pt, options: o)
    let pairs = (1...200).map { TablePair(source: TableName(schema: "bench", name: "small_\($0)"), target: TableName(schema: "bench", name: "small_\($0)")) }
    let c0 = Date()
    let res = await rec.reconcileTask(task: "bench", taskResourceId: "bench", taskArn: "bench", tables: pairs, cdc: .idle, readValidation: false)
    let countTime = Date().timeIntervalSince(c0)
    let peak = max(await ps.peakConcurrent, await pt.peakConcurrent)
    let matched = res.tables.filter { $0.verdict == .match }.count
    let pct = Double(bisRows) / 1_000_000 * 100
    let speedup = baseTime / max(bisTime, 1e-9)
    if json {
      let obj: [String: Any] = [
        "seed_seconds": seeded, "bisection_seconds": bisTime, "bisection_queries": bisQueries, "bisection_rows_transferred": bisRows,
        "bisection_rows_percent": pct, "hash_mode": plan.hashMode.rawValue, "keys_found": ["missing": found.missing, "extra": found.extra, "different": found.different],
        "bisection_runs_seconds": bisTimes, "baseline_seconds": baseTime, "baseline_runs_seconds": baseTimes, "baseline_queries": 2, "baseline_rows_transferred": baseRows, "baseline_differences": diffs,
        "speedup": speedup, "counts_200_tables_seconds": countTime, "counts_matched": matched, "counts_peak_concurrent": peak,
      ]
      print(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .prettyPrinted]), as: UTF8.self))
    } else {
      print("reconcile bench (PostgreSQL 127.0.0.1:\(port), seeded in \(String(format: "%.1f", seeded)) s)")
      let runs = { (v: [Double]) in v.map { String(format: "%.3f", $0) }.joined(separator: " / ") }
      print("  (median of 3 alternating runs each; bisection \(runs(bisTimes)) s, baseline \(runs(baseTimes)) s)")
      print("  bisection (\(plan.hashMode.rawValue) hash): \(String(format: "%.3f", bisTime)) s, \(bisQueries) queries, \(bisRows) rows transferred (\(String(format: "%.3f", pct)) % of 1,000,000)")
      print("             missing \(found.missing) extra \(found.extra) different \(found.different)")
      print("  baseline:  \(String(format: "%.3f", baseTime)) s, 2 queries, \(baseRows) rows transferred, \(diffs) differences")
      print("  speed-up:  \(String(format: "%.1f", speedup))× (target ≥ 10×); rows < 0.1 %: \(pct < 0.1 ? "yes" : "NO")")
      print("  counts:    200 tables × 10,000 rows in \(String(format: "%.2f", countTime)) s (target < 5 s), \(matched) MATCH, peak \(peak) statements per database (limit 2)")
    }
    await ps.close()
    await pt.close()
  }
}
