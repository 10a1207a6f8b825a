import DMSWatchModel
import Foundation

/// Tunables of the row-set checksum.
public struct ChecksumOptions: Sendable, Equatable {
  /// Segments per split.
  public var fanout: Int = 16
  /// At most this many segments in the first split (the whole key range; one per 8,192 keys): one scan of a
  /// large table yields up to 128 sums, so the second level reads 1/128 of it per differing segment, not 1/16.
  public var firstFanout: Int = 128
  /// A differing segment with at most this many rows on each side is fetched key by key.
  public var leafRows: Int = 64
  /// Keys listed per kind before the list is cut (the counts stay exact up to the fetched leaves).
  public var maxKeys: Int = 1000
  /// A leaf that cannot be split further (many rows share the first key column) is refused above this.
  public var maxLeafFetch: Int = 20_000
  /// Segments of one level read at once (each is one statement per database; the per-database limit still applies).
  public var parallel: Int = 2
  public init(fanout: Int = 16, leafRows: Int = 64, maxKeys: Int = 1000, maxLeafFetch: Int = 20_000) {
    self.fanout = fanout
    self.leafRows = leafRows
    self.maxKeys = maxKeys
    self.maxLeafFetch = maxLeafFetch
  }
}

/// The columns compared on both sides of one table, and its key.
public struct ComparisonPlan: Sendable, Equatable {
  /// Key columns (primary key order), as each side spells them.
  public var sourceKeys: [ColumnInfo]
  public var targetKeys: [ColumnInfo]
  /// Compared columns in the same order on both sides (keys included).
  public var sourceColumns: [ColumnInfo]
  public var targetColumns: [ColumnInfo]
  public var compared: [String]
  public var leftOut: [String]
  public var hashMode: HashMode = .portable
}

/// Row-set checksum by bisection: count and hash sum per key segment, computed inside each database;
/// only segments that differ are split again, and only small differing segments are fetched key by key.
public struct ChecksumBisection: Sendable {
  public let source: any DatabaseConnection
  public let target: any DatabaseConnection
  public let options: ChecksumOptions

  public init(source: any DatabaseConnection, target: any DatabaseConnection, options: ChecksumOptions = ChecksumOptions()) {
    self.source = source
    self.target = target
    self.options = options
  }

  /// Works out the columns to compare from both catalogs; nil plus a reason when no checksum is possible.
  public func plan(source st: TableName, target tt: TableName) async throws -> (ComparisonPlan?, String?) {
    let ss = SQLBuilder(source.dialect)
    let ts = SQLBuilder(target.dialect)
    async let sc = source.query(ss.columns(st))
    async let tc = target.query(ts.columns(tt))
    async let sk = source.query(ss.primaryKey(st))
    async let tk = target.query(ts.primaryKey(tt))
    let sCols = try await sc.compactMap { r -> ColumnInfo? in
      guard r.count >= 2, let n = r[0], let t = r[1] else { return nil }
      return ColumnInfo(name: n, dataType: t)
    }
    let tCols = try await tc.compactMap { r -> ColumnInfo? in
      guard r.count >= 2, let n = r[0], let t = r[1] else { return nil }
      return ColumnInfo(name: n, dataType: t)
    }
    let sKeyNames = try await sk.compactMap { $0.first ?? nil }
    let tKeyNames = try await tk.compactMap { $0.first ?? nil }
    if sCols.isEmpty { return (nil, "no columns visible in the source table") }
    if tCols.isEmpty { return (nil, "no columns visible in the target table") }
    guard !sKeyNames.isEmpty else { return (nil, "no primary key on the source table: checksum needs one (counts only)") }
    let tByName = Dictionary(tCols.map { ($0.name.lowercased(), $0) }, uniquingKeysWith: { a, _ in a })
    var sUse: [ColumnInfo] = []
    var tUse: [ColumnInfo] = []
    var compared: [String] = []
    var leftOut: [String] = []
    for c in sCols {
      guard let t = tByName[c.name.lowercased()] else {
        leftOut.append("\(c.name) (not in the target)")
        continue
      }
      guard let f = c.form else {
        leftOut.append("\(c.name) (\(c.reason ?? c.dataType))")
        continue
      }
      guard let g = t.form else {
        leftOut.append("\(c.name) (target \(t.reason ?? t.dataType))")
        continue
      }
      guard f == g else {
        leftOut.append("\(c.name) (types differ: \(c.dataType) / \(t.dataType))")
        continue
      }
      sUse.append(c)
      tUse.append(t)
      compared.append(c.name)
    }
    let sNames = Set(sCols.map { $0.name.lowercased() })
    for t in tCols where !sNames.contains(t.name.lowercased()) { leftOut.append("\(t.name) (not in the source)") }
    var sKeys: [ColumnInfo] = []
    var tKeys: [ColumnInfo] = []
    for k in sKeyNames {
      guard let i = sUse.firstIndex(where: { $0.name == k }) else {
        return (nil, "key column \(k) cannot be compared on both sides")
      }
      sKeys.append(sUse[i])
      tKeys.append(tUse[i])
    }
    if !tKeyNames.isEmpty, tKeyNames.map({ $0.lowercased() }) != sKeyNames.map({ $0.lowercased() }) {
      return (nil, "primary keys differ: \(sKeyNames.joined(separator: ",")) / \(tKeyNames.joined(separator: ","))")
    }
    guard sKeys[0].form == .integer, !sKeys[0].isBoolean, !tKeys[0].isBoolean else {
      return (nil, "key column \(sKeys[0].name) is \(sKeys[0].dataType): bisection needs an integer first key column (counts only)")
    }
    // Same engine and the same declared types: the engine's own row text and hash are exact and cheaper.
    let sameTypes = zip(sUse, tUse).allSatisfy { $0.dataType.lowercased() == $1.dataType.lowercased() }
    var mode: HashMode = source.dialect == .postgres && target.dialect == .postgres && sameTypes ? .native : .portable
    if mode == .native {
      // bit_xor (PostgreSQL 14+) on both sides, else the same hashes summed.
      let q = "SELECT current_setting('server_version_num')"
      async let sv = try? source.query(q)
      async let tv = try? target.query(q)
      let versions = await [sv, tv].map { $0?.first?.first.flatMap { $0 }.flatMap { Int($0) } ?? 0 }
      if versions.contains(where: { $0 < 140_000 }) { mode = .nativeSum }
    }
    return (
      ComparisonPlan(
        sourceKeys: sKeys, targetKeys: tKeys, sourceColumns: sUse, targetColumns: tUse, compared: compared, leftOut: leftOut,
        hashMode: mode),
      nil
    )
  }

  struct Segment {
    var lo: Int64
    var hi: Int64
  }

  /// Runs the bisection; `progress` gets the result so far after every level.
  public func run(
    source st: TableName, target tt: TableName, plan: ComparisonPlan, progress: @Sendable (ChecksumResult) async -> Void = { _ in }
  ) async throws -> ChecksumResult {
    let ss = SQLBuilder(source.dialect, hashMode: plan.hashMode)
    let ts = SQLBuilder(target.dialect, hashMode: plan.hashMode)
    var result = ChecksumResult(state: .running, columnsCompared: plan.compared, columnsLeftOut: plan.leftOut)
    func both(_ a: String, _ b: String) async throws -> ([[String?]], [[String?]]) {
      async let x = source.query(a)
      async let y = target.query(b)
      let r = try await (x, y)
      result.queries += 2
      result.rowsTransferred += Int64(r.0.count + r.1.count)
      return r
    }
    let (sr, tr) = try await both(ss.keyRange(st, key: plan.sourceKeys[0]), ts.keyRange(tt, key: plan.targetKeys[0]))
    let bounds = [sr.first, tr.first].compactMap { $0 }.flatMap { row in row.compactMap { $0.flatMap { Int64($0) } } }
    guard let lo = bounds.min(), let hi = bounds.max() else {
      result.state = .done
      return result  // both tables empty
    }
    var pending = [Segment(lo: lo, hi: hi)]
    result.segmentsTotal = 1
    var leaves: [Segment] = []
    var level = 0
    while !pending.isEmpty {
      try Task.checkCancellation()
      var next: [Segment] = []
      // The segments of a level are independent: up to `parallel` at once (one statement per database each).
      // The first split widens with the table (a sum per 8,192 keys, up to `firstFanout`), so small tables keep
      // the plain fanout and transfer as few rows as before.
      let first = min(Int64(max(options.fanout, options.firstFanout)), max(Int64(options.fanout), (hi - lo + 1) / 8192))
      let src = source, tgt = target, fanout = level == 0 ? first : Int64(options.fanout)
      level += 1
      var answers: [(Int, Int64, [[String?]], [[String?]])] = []
      try await withThrowingTaskGroup(of: (Int, Int64, [[String?]], [[String?]]).self) { group in
        var i = 0
        func add(_ i: Int) {
          let seg = pending[i]
          let width = max(1, (seg.hi - seg.lo + 1 + fanout - 1) / fanout)
          let qa = ss.segments(st, key: plan.sourceKeys[0], cols: plan.sourceColumns, lo: seg.lo, hi: seg.hi, width: width)
          let qb = ts.segments(tt, key: plan.targetKeys[0], cols: plan.targetColumns, lo: seg.lo, hi: seg.hi, width: width)
          group.addTask {
            async let x = src.query(qa)
            async let y = tgt.query(qb)
            let r = try await (x, y)
            return (i, width, r.0, r.1)
          }
        }
        while i < min(pending.count, max(1, options.parallel)) {
          add(i)
          i += 1
        }
        while let r = try await group.next() {
          answers.append(r)
          if i < pending.count {
            add(i)
            i += 1
          }
        }
      }
      for (i, width, a, b) in answers.sorted(by: { $0.0 < $1.0 }) {
        let seg = pending[i]
        result.queries += 2
        result.rowsTransferred += Int64(a.count + b.count)
        let sa = Self.buckets(a)
        let ta = Self.buckets(b)
        result.segmentsDone += 1
        for bucket in Set(sa.keys).union(ta.keys).sorted() {
          let x = sa[bucket] ?? Agg(count: 0, sum: "0")
          let y = ta[bucket] ?? Agg(count: 0, sum: "0")
          guard x != y else { continue }
          let sub = Segment(lo: seg.lo + bucket * width, hi: min(seg.hi, seg.lo + (bucket + 1) * width - 1))
          if max(x.count, y.count) <= Int64(options.leafRows) || sub.lo == sub.hi {
            leaves.append(sub)
          } else {
            next.append(sub)
          }
          result.segmentsTotal += 1
        }
      }
      pending = next
      await progress(result)
    }
    var missing: [String] = []
    var extra: [String] = []
    var different: [String] = []
    for leaf in leaves {
      try Task.checkCancellation()
      let (a, b) = try await both(
        ss.leafRows(st, key: plan.sourceKeys[0], keys: plan.sourceKeys, cols: plan.sourceColumns, lo: leaf.lo, hi: leaf.hi),
        ts.leafRows(tt, key: plan.targetKeys[0], keys: plan.targetKeys, cols: plan.targetColumns, lo: leaf.lo, hi: leaf.hi))
      if a.count > options.maxLeafFetch || b.count > options.maxLeafFetch {
        throw DatabaseError(.query, "more than \(options.maxLeafFetch) rows share key values \(leaf.lo)…\(leaf.hi); cannot narrow further")
      }
      let keyCount = plan.sourceKeys.count
      let sm = Self.keyed(a, keyCount)
      let tm = Self.keyed(b, keyCount)
      for (k, h) in sm {
        if let th = tm[k] {
          if th != h { different.append(k) }
        } else {
          missing.append(k)
        }
      }
      for k in tm.keys where sm[k] == nil { extra.append(k) }
      result.segmentsDone += 1
    }
    func ordered(_ l: [String]) -> [String] { l.sorted { Self.keyLess($0, $1) } }
    let all = [ordered(missing), ordered(extra), ordered(different)]
    result.truncated = all.contains { $0.count > options.maxKeys }
    result.missingInTarget = Array(all[0].prefix(options.maxKeys))
    result.extraInTarget = Array(all[1].prefix(options.maxKeys))
    result.different = Array(all[2].prefix(options.maxKeys))
    result.state = .done
    await progress(result)
    return result
  }

  struct Agg: Equatable {
    var count: Int64
    var sum: String
  }

  static func buckets(_ rows: [[String?]]) -> [Int64: Agg] {
    var out: [Int64: Agg] = [:]
    for r in rows where r.count >= 3 {
      guard let b = r[0].flatMap({ Int64($0) }) else { continue }
      out[b] = Agg(count: r[1].flatMap { Int64($0) } ?? 0, sum: normalizeSum(r[2] ?? "0"))
    }
    return out
  }

  /// Sums come back as NUMERIC/DECIMAL text; drop a fractional `.0…` part some drivers add.
  static func normalizeSum(_ s: String) -> String {
    guard let dot = s.firstIndex(of: ".") else { return s }
    return String(s[..<dot])
  }

  /// Key text (columns joined with `,`) → row hash.
  static func keyed(_ rows: [[String?]], _ keyCount: Int) -> [String: String] {
    var out: [String: String] = [:]
    for r in rows where r.count > keyCount {
      let key = r.prefix(keyCount).map { $0 ?? "NULL" }.joined(separator: ",")
      out[key] = r[keyCount] ?? ""
    }
    return out
  }

  /// Numeric order for integer keys, text order otherwise.
  static func keyLess(_ a: String, _ b: String) -> Bool {
    let x = a.split(separator: ",", maxSplits: 1).first.flatMap { Int64($0) }
    let y = b.split(separator: ",", maxSplits: 1).first.flatMap { Int64($0) }
    if let x, let y, x != y { return x < y }
    return a < b
  }
}
