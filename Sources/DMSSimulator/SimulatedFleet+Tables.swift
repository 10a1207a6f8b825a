import DMSWatchModel
import Foundation

/// The full-load plan of a task: per-table start offset and duration in load-seconds.
struct LoadSchedule {
  var start: [Double]
  var duration: [Double]
  var rows: [Int64]
}

/// Where one table is at a moment.
struct TablePhase {
  var state: String
  var loadedRows: Int64
  var loadStart: Date?
  var loadEnd: Date?
  var reloaded: Bool
  var cdcMark: Double
}

extension SimulatedFleet {
  @inline(__always)
  func tableKey(_ t: SimTask, _ j: Int) -> UInt64 { H.h(t.key, Salt.table, H.bits(j)) }

  func schemaName(_ t: SimTask, _ j: Int) -> String {
    t.schemaIsPostgresStyle && j % 9 == 8 ? "archive" : t.schema
  }

  func tableName(_ t: SimTask, _ j: Int) -> String {
    Catalog.table(upper: t.sourceEngine == "oracle", index: j, offset: t.tableWordOffset)
  }

  func qualifiedName(_ t: SimTask, _ j: Int) -> String { "'\(schemaName(t, j))'.'\(tableName(t, j))'" }

  @inline(__always)
  func rows(_ k: UInt64) -> Int64 {
    let u = H.u(k, Salt.rows)
    return Int64(1000 * pow(10, 3.9 * u * u))
  }

  func traits(_ t: SimTask, _ j: Int) -> TableTraits {
    let k = tableKey(t, j)
    let n = t.tableCount
    let p = t.profile
    let ins = 0.3 + 0.4 * H.u(k, Salt.rate, 2)
    var disc = Discrepancy.none
    if p.discrepancy != .none, t.hasCdc {
      let primary = p.mixedValidation && n >= 6 ? 0 : Int(H.h(t.key, Salt.discrepancy, 1) % UInt64(n))
      let secondary = p.mixedValidation && n >= 6 ? 4 : (primary + 1) % n
      switch p.discrepancy {
      case .both:
        if j == primary { disc = .missing } else if j == secondary { disc = .duplicate }
      case .missing, .duplicate:
        if j == primary || H.u(k, Salt.discrepancy, 2) < 0.06 { disc = p.discrepancy }
      case .none:
        break
      }
    }
    var tableError = false
    if p.tableErrors, t.hasLoad || t.hasCdc {
      let chosen = p.mixedValidation && n >= 6 ? 5 : Int(H.h(t.key, Salt.discrepancy, 3) % UInt64(n))
      tableError = (j == chosen && disc == .none) || (disc == .none && H.u(k, Salt.discrepancy, 4) < 0.02)
    }
    var v = BaseValidation.off
    if p.validation || p.mixedValidation {
      let r = H.u(k, Salt.valid, 1)
      if disc != .none {
        v = .mismatched
      } else if tableError {
        v = .tableError
      } else if p.mixedValidation, n > 4, j % 6 >= 1, j % 6 <= 3 {
        v = [BaseValidation.pending, .suspended, .noPrimaryKey][j % 6 - 1]
      } else {
        v = r < 0.85 ? .validated : r < 0.91 ? .pending : r < 0.94 ? .suspended : r < 0.97 ? .noPrimaryKey : .mismatched
      }
    }
    let opU = H.u(k, Salt.discrepancy, 5)
    return TableTraits(
      rows: rows(k),
      cdcRate: t.cdcRate * (0.2 + 1.6 * H.u(k, Salt.rate, 1)) / Double(n),
      insFrac: ins, updFrac: (1 - ins) * 0.8,
      ddls: H.u(k, Salt.rate, 3) < 0.1 ? Int64(1 + H.h(k, Salt.rate, 4) % 3) : 0,
      discrepancy: disc, discrepancyOp: opU < 0.6 ? 0 : (opU < 0.9 ? 1 : 2),
      discrepancyAmount: Int64(1 + H.h(k, Salt.discrepancy, 6) % 240),
      tableError: tableError, errorRows: Int64(1 + H.h(k, Salt.discrepancy, 7) % 40),
      condFailed: H.u(k, Salt.discrepancy, 8) < 0.03 ? Int64(1 + H.h(k, Salt.discrepancy, 9) % 25) : 0,
      validation: v,
      appliedReported: !(p.appliedUnreported && (j == 0 || H.u(k, Salt.rate, 5) < 0.6)))
  }

  /// Slot-sequential schedule over 8 parallel subtasks, scaled so the whole load takes `loadDuration`.
  func schedule(_ t: SimTask) -> LoadSchedule {
    let n = t.tableCount
    let slots = min(Self.loadSlots, n)
    var rowsArr = [Int64](repeating: 0, count: n)
    var slotRows = [Int64](repeating: 0, count: slots)
    for j in 0..<n {
      let r = rows(tableKey(t, j))
      rowsArr[j] = r
      slotRows[j % slots] += r
    }
    let maxSlot = Double(slotRows.max() ?? 1)
    let rate = t.loadRate ?? maxSlot / t.loadDuration
    t.loadRate = rate
    var start = [Double](repeating: 0, count: n)
    var dur = [Double](repeating: 0, count: n)
    var acc = [Double](repeating: 0, count: slots)
    for j in 0..<n {
      let d = Double(rowsArr[j]) / rate
      start[j] = acc[j % slots]
      dur[j] = d
      acc[j % slots] += d
    }
    return LoadSchedule(start: start, duration: dur, rows: rowsArr)
  }

  func phase(_ t: SimTask, _ j: Int, _ tr: TableTraits, _ sched: LoadSchedule?, _ now: Date) -> TablePhase {
    var p = TablePhase(state: TableState.completed, loadedRows: 0, loadStart: nil, loadEnd: nil, reloaded: false, cdcMark: 0)
    if let load = t.load, let sched {
      let e = load.clock.at(now)
      let st = sched.start[j]
      let d = sched.duration[j]
      let wall = { (x: Double) -> Date in
        if let since = load.clock.since, x >= load.clock.accum {
          return since.addingTimeInterval(x - load.clock.accum)
        }
        return load.origin.addingTimeInterval(x)
      }
      if load.finishedAt != nil || e >= st + d {
        p.loadedRows = tr.rows
        p.loadStart = wall(st)
        p.loadEnd = wall(st + d)
      } else if e >= st {
        p.state = TableState.fullLoad
        p.loadedRows = Int64(Double(tr.rows) * min(1, (e - st) / max(d, 0.001)))
        p.loadStart = wall(st)
      } else {
        p.state = TableState.beforeLoad
      }
      if t.epoch == 0, tr.tableError, e >= st {
        p.state = TableState.error
        p.loadedRows = tr.rows * 37 / 100
        p.loadEnd = nil
      }
    } else if t.epoch == 0, tr.tableError {
      p.state = TableState.error
    }
    if let ov = t.overrides[j], let ra = ov.reloadAt, let rd = ov.reloadDone {
      p.loadStart = ra
      if now < rd {
        p.state = TableState.reloading
        p.loadedRows = Int64(Double(tr.rows) * max(0, now.timeIntervalSince(ra)) / max(1, rd.timeIntervalSince(ra)))
        p.loadEnd = nil
      } else {
        p.state = TableState.completed
        p.loadedRows = tr.rows
        p.loadEnd = rd
        p.reloaded = true
        p.cdcMark = ov.cdcMark
      }
    }
    return p
  }

  /// DescribeTableStatistics item for table j at `now`.
  func statistics(_ t: SimTask, _ j: Int, _ sched: LoadSchedule?, _ now: Date) -> TableStatistics {
    let tr = traits(t, j)
    let ph = phase(t, j, tr, sched, now)
    let k = tableKey(t, j)
    let seeded = t.epoch == 0 && !ph.reloaded
    var s = TableStatistics(schemaName: schemaName(t, j), tableName: tableName(t, j))

    // CDC counters: rate × CDC-active seconds (restarted by a reload).
    var ins: Int64 = 0
    var upd: Int64 = 0
    var del: Int64 = 0
    var ddl: Int64 = 0
    if t.hasCdc {
      let active = max(0, t.cdc.at(now) - ph.cdcMark)
      let total = tr.cdcRate * busySeconds(t, active)
      ins = Int64(total * tr.insFrac)
      upd = Int64(total * tr.updFrac)
      del = Int64(total * (1 - tr.insFrac - tr.updFrac))
      ddl = seeded ? tr.ddls : 0
    }
    s.inserts = ins
    s.updates = upd
    s.deletes = del
    s.ddls = ddl
    if tr.appliedReported {
      var ai = ins
      var au = upd
      var ad = del
      if seeded, tr.discrepancy != .none {
        let op = tr.discrepancyOp == 1 && upd > 0 ? 1 : (tr.discrepancyOp == 2 && del > 0 ? 2 : 0)
        let c = op == 0 ? ins : (op == 1 ? upd : del)
        if c > 0 {
          let amount = min(tr.discrepancyAmount, max(1, c / 10))
          let v = tr.discrepancy == .missing ? c - amount : c + amount
          if op == 0 { ai = v } else if op == 1 { au = v } else { ad = v }
        }
      }
      s.appliedInserts = ai
      s.appliedUpdates = au
      s.appliedDeletes = ad
      s.appliedDdls = ddl
    }

    s.fullLoadRows = ph.loadedRows
    s.fullLoadErrorRows = ph.state == TableState.error && t.hasLoad ? tr.errorRows : 0
    s.fullLoadCondtnlChkFailedRows = seeded ? tr.condFailed : 0
    s.fullLoadStartTime = ph.loadStart
    s.fullLoadEndTime = ph.loadEnd
    s.fullLoadReloaded = ph.reloaded
    s.tableState = ph.state

    // Validation.
    s.validationPendingRecords = 0
    s.validationFailedRecords = 0
    s.validationSuspendedRecords = 0
    if tr.validation == .off {
      s.validationState = ValidationState.notEnabled
    } else if ph.state == TableState.beforeLoad || ph.state == TableState.fullLoad || ph.state == TableState.reloading {
      s.validationState = ValidationState.pendingValidation
    } else {
      let mismatched = seeded && tr.validation == .mismatched
      let failed = tr.discrepancy != .none ? tr.discrepancyAmount : Int64(1 + H.h(k, Salt.valid, 2) % 80)
      let ov = t.overrides[j]
      if let va = ov?.validateAt, let vd = ov?.validateDone, va >= (ov?.reloadAt ?? .distantPast) {
        if now < vd {
          s.validationState = ValidationState.pendingValidation
          s.validationPendingRecords = max(0, ph.loadedRows + ins - Int64(Double(ph.loadedRows) * now.timeIntervalSince(va) / max(1, vd.timeIntervalSince(va))))
        } else if tr.validation == .noPrimaryKey {
          s.validationState = ValidationState.noPrimaryKey
        } else if ph.state == TableState.error {
          s.validationState = ValidationState.tableError
          s.validationStateDetails = "Validation stopped: table is in error"
        } else if mismatched {
          s.validationState = ValidationState.mismatchedRecords
          s.validationFailedRecords = failed
        } else {
          s.validationState = ValidationState.validated
        }
      } else if ph.reloaded, let rd = ov?.reloadDone {
        if now < rd.addingTimeInterval(20) {
          s.validationState = ValidationState.pendingValidation
          s.validationPendingRecords = ph.loadedRows
        } else {
          s.validationState = tr.validation == .noPrimaryKey ? ValidationState.noPrimaryKey : ValidationState.validated
        }
      } else if !seeded {
        s.validationState = tr.validation == .noPrimaryKey ? ValidationState.noPrimaryKey : ValidationState.validated
      } else {
        switch tr.validation {
        case .off, .validated:
          s.validationState = ValidationState.validated
        case .pending:
          s.validationState = ValidationState.pendingRecords
          let minute = UInt64(max(0, now.timeIntervalSince1970 / 60))
          s.validationPendingRecords = Int64(20 + H.h(k, Salt.valid, 3, minute) % 3000)
        case .suspended:
          s.validationState = ValidationState.suspendedRecords
          s.validationSuspendedRecords = Int64(1 + H.h(k, Salt.valid, 4) % 40)
        case .noPrimaryKey:
          s.validationState = ValidationState.noPrimaryKey
          s.validationStateDetails = "Table has no primary key or unique index"
        case .mismatched:
          s.validationState = ValidationState.mismatchedRecords
          s.validationFailedRecords = failed
        case .tableError:
          s.validationState = ValidationState.tableError
          s.validationStateDetails = "Validation stopped: table is in error"
        }
      }
    }

    // Last update: recent while CDC runs, otherwise the last activity.
    if t.hasCdc, let since = t.cdc.since, since <= now {
      let minute = UInt64(max(0, now.timeIntervalSince1970 / 60))
      let back = Double(H.h(k, Salt.time, minute) % 90)
      s.lastUpdateTime = max(since, now.addingTimeInterval(-back))
    } else if ph.state == TableState.fullLoad || ph.state == TableState.reloading {
      s.lastUpdateTime = now
    } else {
      var last = ph.loadEnd ?? ph.loadStart ?? t.startDate
      if let stop = t.stopDate, last.map({ stop > $0 }) ?? true { last = stop }
      s.lastUpdateTime = last
    }
    return s
  }

  /// ReplicationTaskStats, consistent with the tables.
  func stats(_ t: SimTask, _ now: Date) -> ReplicationTaskStats {
    var st: ReplicationTaskStats
    if let cached = t.statsCache {
      st = cached
    } else {
      st = ReplicationTaskStats(fullLoadProgressPercent: 0, tablesLoaded: 0, tablesLoading: 0, tablesQueued: 0, tablesErrored: 0)
      if !t.runs.isEmpty || t.load != nil {
        let sched = t.hasLoad && t.load != nil ? schedule(t) : nil
        var loaded = 0
        var loading = 0
        var queued = 0
        var errored = 0
        var rowsDone: Double = 0
        var rowsAll: Double = 0
        var changing = t.isLoading
        for j in 0..<t.tableCount {
          let tr = traits(t, j)
          let ph = phase(t, j, tr, sched, now)
          switch ph.state {
          case TableState.completed: loaded += 1
          case TableState.fullLoad, TableState.reloading: loading += 1
          case TableState.beforeLoad: queued += 1
          case TableState.error: errored += 1
          default: break
          }
          if ph.state == TableState.reloading { changing = true }
          rowsDone += Double(ph.loadedRows)
          rowsAll += Double(tr.rows)
        }
        st.tablesLoaded = loaded
        st.tablesLoading = loading
        st.tablesQueued = queued
        st.tablesErrored = errored
        st.fullLoadProgressPercent = t.hasLoad ? Int((100 * rowsDone / max(1, rowsAll)).rounded(.down)) : 100
        if t.hasLoad, t.load?.finishedAt != nil, errored == 0 { st.fullLoadProgressPercent = 100 }
        if !changing { t.statsCache = st }
      }
    }
    st.freshStartDate = t.freshStartDate
    st.startDate = t.startDate
    st.stopDate = t.stopDate
    st.fullLoadStartDate = t.load?.origin
    st.fullLoadFinishDate = t.load?.finishedAt
    if let start = t.startDate {
      let end = t.phase == .running ? now : (t.runs.last?.end ?? t.stopDate ?? now)
      st.elapsedTimeMillis = Int64(max(0, end.timeIntervalSince(start)) * 1000)
    } else {
      st.elapsedTimeMillis = 0
    }
    return st
  }

  func describe(_ t: SimTask, _ now: Date) -> ReplicationTask {
    var r = ReplicationTask(
      identifier: t.identifier, arn: t.arn, status: t.phase.status, migrationType: t.type.rawValue,
      sourceEndpointArn: endpoints[t.sourceEndpoint].arn, targetEndpointArn: endpoints[t.targetEndpoint].arn,
      replicationInstanceArn: instances[t.instance].arn, lastFailureMessage: t.lastFailure, stopReason: t.stopReason,
      creationDate: t.creationDate, startDate: t.startDate, stats: stats(t, now))
    r.recoveryCheckpoint = recoveryCheckpoint(t, now)
    return r
  }

  /// A MySQL-style checkpoint that advances while CDC runs (nil before CDC ever ran).
  func recoveryCheckpoint(_ t: SimTask, _ now: Date) -> String? {
    guard t.hasCdc, let first = t.runs.first(where: { $0.cdcFrom != nil })?.cdcFrom else { return nil }
    let at = t.runs.last?.end ?? now
    let seconds = max(0, Int(at.timeIntervalSince(first)))
    let file = 157_000 + seconds / 3600
    let offset = 4 + (seconds % 3600) * 977
    return "checkpoint:V1#27#mysql-bin-changelog.\(file):\(offset):-1:\(offset + 91):0:mysql-bin-changelog.\(file):\(offset)#0#0#*#0#93"
  }
}
