import DMSWatchModel
import Foundation

/// How a run behaves.
public struct ReconcileOptions: Sendable, Equatable {
  /// Also run the row-set checksum on tables with a primary key.
  public var checksum: Bool = false
  /// Tables whose catalog estimate is above this are counted from the catalog (`~`), unless `exactCounts`.
  public var estimateAbove: Int64 = 50_000_000
  public var exactCounts: Bool = false
  /// Wait before recounting a table whose counts differed.
  public var recheckDelay: TimeInterval = 2
  public var checksumOptions = ChecksumOptions()
  /// The task's ControlSchema setting (default per engine).
  public var controlSchema: String?
  public init() {}
}

/// One table of the task: the source name and the target name DMS maps it to.
public struct TablePair: Sendable, Equatable {
  public var source: TableName
  public var target: TableName
  public init(source: TableName, target: TableName) {
    self.source = source
    self.target = target
  }
}

/// Reconciles the tables of one task over two connections.
public struct Reconciler: Sendable {
  public let source: any DatabaseConnection
  public let target: any DatabaseConnection
  public let options: ReconcileOptions
  public let now: @Sendable () -> Date
  public let sleep: @Sendable (TimeInterval) async throws -> Void

  public init(
    source: any DatabaseConnection, target: any DatabaseConnection, options: ReconcileOptions = ReconcileOptions(),
    now: @escaping @Sendable () -> Date = { Date() },
    sleep: @escaping @Sendable (TimeInterval) async throws -> Void = { try await Task.sleep(nanoseconds: UInt64($0 * 1e9)) }
  ) {
    self.source = source
    self.target = target
    self.options = options
    self.now = now
    self.sleep = sleep
  }

  /// Counts one side: the catalog estimate above the threshold, else COUNT(*).
  func count(_ db: any DatabaseConnection, _ t: TableName) async throws -> RowCount {
    let sql = SQLBuilder(db.dialect)
    if !options.exactCounts, db.dialect != .athena {
      let cell: String? = try await db.query(sql.estimate(t)).first?.first ?? nil
      let est = cell.flatMap { Int64($0) }
      if let est, est > options.estimateAbove { return RowCount(est, estimated: true) }
    }
    let cell: String? = try await db.query(sql.count(t)).first?.first ?? nil
    guard let v = cell.flatMap({ Int64($0) }) else {
      throw DatabaseError(.query, "COUNT(*) on \(t) returned no number")
    }
    return RowCount(v)
  }

  func countBoth(_ p: TablePair) async throws -> (RowCount, RowCount) {
    async let s = count(source, p.source)
    async let t = count(target, p.target)
    return try await (s, t)
  }

  /// Counts (with a recheck when they differ), then the checksum when asked and possible.
  public func reconcile(
    _ pair: TablePair, cdc: CDCContext, checksum: Bool? = nil,
    progress: @Sendable (TableReconciliation) async -> Void = { _ in }
  ) async -> TableReconciliation {
    var row = TableReconciliation(schema: pair.source.schema, table: pair.source.name, verdict: .unknown, detail: "not counted")
    do {
      let first = try await countBoth(pair)
      row.source = first.0
      row.target = first.1
      var recheck: (RowCount, RowCount)?
      if first.0.value != first.1.value, !first.0.estimated, !first.1.estimated {
        try await sleep(options.recheckDelay)
        recheck = try await countBoth(pair)
        row.rechecked = true
        row.source = recheck?.0
        row.target = recheck?.1
      }
      let j = CountJudge.judge(first: first, recheck: recheck, cdc: cdc)
      row.verdict = j.verdict
      row.detail = j.detail
      row.checkedAt = now()
    } catch {
      row.verdict = .unknown
      row.detail = Self.describe(error)
      row.checkedAt = now()
      return row
    }
    guard checksum ?? options.checksum else { return row }
    await progress(row)
    let bis = ChecksumBisection(source: source, target: target, options: options.checksumOptions)
    do {
      let (plan, why) = try await bis.plan(source: pair.source, target: pair.target)
      guard let plan else {
        row.checksum = ChecksumResult(state: .skipped, reason: why)
        return row
      }
      let snapshot = row
      let result = try await bis.run(source: pair.source, target: pair.target, plan: plan) { partial in
        var r = snapshot
        r.checksum = partial
        await progress(r)
      }
      row.checksum = result
      if result.differingKeys > 0 {
        // Rows differ: under CDC the keys may still be in flight; otherwise it is a mismatch.
        let counts = "missing \(result.missingInTarget.count), extra \(result.extraInTarget.count), different \(result.different.count)"
        if cdc.active, let inflight = cdc.inFlightChanges, Double(result.differingKeys) <= inflight {
          if row.verdict == .match { row.verdict = .drift }
          row.detail += "; checksum: \(counts) (within \(Int64(inflight)) changes in flight)"
        } else if cdc.active, cdc.inFlightChanges == nil, row.verdict != .mismatch {
          row.verdict = .unknown
          row.detail += "; checksum: \(counts) under CDC, changes in flight unknown"
        } else {
          row.verdict = .mismatch
          row.detail += "; checksum: \(counts)"
        }
      } else if row.verdict == .match {
        row.detail += "; checksum equal (\(plan.compared.count) columns)"
      }
    } catch {
      row.checksum = ChecksumResult(state: .failed, reason: Self.describe(error))
    }
    return row
  }

  /// Every table, one after another (each side's pool bounds the concurrency), then the validation failures.
  public func reconcileTask(
    task: String, taskResourceId: String, taskArn: String, tables: [TablePair], cdc: CDCContext, checksumTables: Set<String>? = nil,
    readValidation: Bool = true, progress: @Sendable (TaskReconciliation) async -> Void = { _ in }
  ) async -> TaskReconciliation {
    var out = TaskReconciliation(task: task, taskArn: taskArn, sourceEngine: source.dialect.rawValue, targetEngine: target.dialect.rawValue)
    for p in tables {
      if Task.isCancelled { break }
      let wantChecksum = options.checksum && (checksumTables?.contains(p.source.description) ?? true)
      let snapshot = out
      let r = await reconcile(p, cdc: cdc, checksum: wantChecksum) { partial in
        var o = snapshot
        o.tables.append(partial)
        await progress(o)
      }
      out.tables.append(r)
      await progress(out)
    }
    if readValidation, target.dialect != .athena {
      do {
        let v = try await ValidationFailures.read(on: target, schema: options.controlSchema, taskResourceId: taskResourceId)
        out.validationSource = v.source + (v.truncated ? " (first \(ValidationFailures.limit) rows)" : "")
        for row in v.rows {
          if let i = out.tables.firstIndex(where: {
            $0.schema.lowercased() == row.schema.lowercased() && $0.table.lowercased() == row.table.lowercased()
          }) {
            out.tables[i].validationFailures.append(row)
          } else {
            out.otherValidationFailures.append(row)
          }
        }
      } catch {
        out.validationSource = "validation failures unreadable: \(Self.describe(error))"
      }
    }
    out.checkedAt = now()
    return out
  }

  public static func describe(_ e: any Error) -> String {
    if let d = e as? DatabaseError { return d.message }
    if e is CancellationError { return "cancelled" }
    return String(describing: e)
  }
}

extension Reconciler {
  /// The table statistics DMS reports for the task, as source → target pairs (target schema mapped when given).
  public static func pairs(from stats: [TableStatistics], targetSchema: [String: String] = [:]) -> [TablePair] {
    stats.map { s in
      let src = TableName(schema: s.schemaName, name: s.tableName)
      let tgt = TableName(schema: targetSchema[s.schemaName] ?? s.schemaName, name: s.tableName)
      return TablePair(source: src, target: tgt)
    }
  }

  /// `schema.table` glob (`*` and `?`), case-insensitive.
  public static func matches(_ name: String, glob: String) -> Bool {
    let n = Array(name.lowercased())
    let g = Array(glob.lowercased())
    var memo: [Int: Bool] = [:]
    func m(_ i: Int, _ j: Int) -> Bool {
      let key = i * (g.count + 1) + j
      if let v = memo[key] { return v }
      let r: Bool
      if j == g.count {
        r = i == n.count
      } else if g[j] == "*" {
        r = m(i, j + 1) || (i < n.count && m(i + 1, j))
      } else if i < n.count, g[j] == "?" || g[j] == n[i] {
        r = m(i + 1, j + 1)
      } else {
        r = false
      }
      memo[key] = r
      return r
    }
    return m(0, 0)
  }
}
