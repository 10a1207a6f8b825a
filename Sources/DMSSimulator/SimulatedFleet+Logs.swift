import DMSWatchModel
import Foundation

/// Position in a log stream: the last line returned (ms, tie); lines after it follow.
struct LogCursor: Comparable {
  var ms: Int64
  var tie: Int
  static func < (a: LogCursor, b: LogCursor) -> Bool { (a.ms, a.tie) < (b.ms, b.tie) }

  var token: String { "f/\(ms)/\(tie)" }

  init(ms: Int64, tie: Int) {
    self.ms = ms
    self.tie = tie
  }

  init?(token: String) {
    let parts = token.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 3, parts[0] == "f", let ms = Int64(parts[1]), let tie = Int(parts[2]) else { return nil }
    self.init(ms: ms, tie: tie)
  }
}

// MARK: - LogsService (task logs: periodic lines computed from time + lines written by transitions)

extension SimulatedFleet {
  public func getLogEvents(group: String, stream: String, startTime: Date?, nextToken: String?, limit: Int) async throws
    -> LogEventsPage
  {
    try begin("GetLogEvents")
    if group.hasPrefix("dms-serverless-replication-") {
      return try serverlessLogEvents(group: group, stream: stream, startTime: startTime, nextToken: nextToken, limit: limit)
    }
    let now = clock.now()
    return try lock.withLock {
      guard logGroups.contains(group) else {
        throw ServiceError(
          kind: .notFound, code: "ResourceNotFoundException", message: "The specified log group does not exist.",
          httpStatus: 400)
      }
      let prefix = "dms-task-"
      guard stream.hasPrefix(prefix), let i = byResource[String(stream.dropFirst(prefix.count))],
        TaskLogNames.group(instanceIdentifier: instances[tasks[i].instance].identifier) == group,
        !tasks[i].profile.loggingOff
      else {
        throw ServiceError(
          kind: .notFound, code: "ResourceNotFoundException", message: "The specified log stream does not exist.",
          httpStatus: 400)
      }
      let t = tasks[i]
      advanceAll(now)
      let cursor: LogCursor
      if let nextToken {
        guard let c = LogCursor(token: nextToken) else {
          throw ServiceError(
            kind: .client, code: "InvalidParameterException", message: "The specified nextToken is invalid.",
            httpStatus: 400)
        }
        cursor = c
      } else if let startTime {
        cursor = LogCursor(ms: epochMs(startTime), tie: -1)
      } else {
        cursor = LogCursor(ms: Int64.min, tie: -1)
      }
      let cap = limit <= 0 ? 10_000 : min(10_000, limit)
      let nowMs = epochMs(now)
      var lines = periodicLines(t, after: cursor, upTo: nowMs, limit: cap)
      lines.append(contentsOf: writtenLines(t, after: cursor, upTo: nowMs, limit: cap))
      lines.sort { ($0.ms, $0.tie) < ($1.ms, $1.tie) }
      if lines.count > cap { lines.removeLast(lines.count - cap) }
      let events = lines.map { LogEvent(timestamp: Date(timeIntervalSince1970: Double($0.ms) / 1000), message: $0.text) }
      let token = lines.last.map { LogCursor(ms: $0.ms, tie: $0.tie).token } ?? nextToken ?? cursor.token
      return LogEventsPage(events: events, nextForwardToken: token)
    }
  }

  func writtenLines(_ t: SimTask, after c: LogCursor, upTo nowMs: Int64, limit: Int) -> [LogLine] {
    var lo = 0
    var hi = t.logs.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if LogCursor(ms: t.logs[mid].ms, tie: t.logs[mid].tie) <= c { lo = mid + 1 } else { hi = mid }
    }
    var out: [LogLine] = []
    var i = lo
    while i < t.logs.count, out.count < limit, t.logs[i].ms <= nowMs {
      out.append(t.logs[i])
      i += 1
    }
    return out
  }

  /// Lines at run start + k·interval + jitter (jitter < interval/2 keeps them ordered), tie 0.
  func periodicLines(_ t: SimTask, after c: LogCursor, upTo nowMs: Int64, limit: Int) -> [LogLine] {
    var out: [LogLine] = []
    let step = t.logIntervalMs
    for run in t.runs {
      let s = epochMs(run.start)
      let e = min(nowMs + 1, run.end.map(epochMs) ?? Int64.max)
      guard e > c.ms, e > s else { continue }
      var k = max(1, c.ms > s ? (c.ms - s) / step : 1)
      let runKey = UInt64(bitPattern: s)
      while out.count < limit {
        let ms = s + k * step + Int64(H.h(t.key, Salt.log, runKey, UInt64(k)) % UInt64(step / 2))
        if ms >= e { break }
        if LogCursor(ms: ms, tie: 0) > c {
          out.append(LogLine(ms: ms, tie: 0, text: periodicText(t, run, ms: ms, k: k, runKey: runKey)))
        }
        k += 1
      }
      if out.count >= limit { break }
    }
    return out
  }

  func periodicText(_ t: SimTask, _ run: Run, ms: Int64, k: Int64, runKey: UInt64) -> String {
    let at = Date(timeIntervalSince1970: Double(ms) / 1000)
    let h = H.h(t.key, Salt.log &+ 1, runKey, UInt64(k))
    let r = Double(h >> 11) * (1.0 / 9_007_199_254_740_992.0)
    let j = Int((h >> 3) % UInt64(t.tableCount))
    let table = qualifiedName(t, j)
    let n = 1000 + Int(h % 900_000)
    switch run.mode(at: at) {
    case .load:
      let sub = 1 + Int(h % 8)
      if r < 0.35 {
        return Catalog.logLine(at, "TASK_MANAGER", .info, "Start loading table \(table) (Id = \(j + 1)) by subtask \(sub). Start load timestamp \(UTCFormat.logStamp(at)) (replicationtask_util.c:755)")
      } else if r < 0.6 {
        return Catalog.logLine(at, "SOURCE_UNLOAD", .info, "Unload finished for table \(table) (Id = \(j + 1)). \(n) rows sent. (streamcomponent.c:3543)")
      } else if r < 0.95 {
        return Catalog.logLine(at, "TARGET_LOAD", .info, "Load finished for table \(table) (Id = \(j + 1)). \(n) rows received. 0 rows skipped. Volume transferred \(n * 212). (streamcomponent.c:3770)")
      }
      return Catalog.logLine(at, "TARGET_LOAD", .warning, "Bulk load of table \(table) is slow: \(n / 100) rows/s (bulk_apply.c:1211)")
    case .cdc:
      let discrepant = t.profile.discrepancy != .none && t.epoch == 0
      if discrepant, r < 0.12 {
        return Catalog.logLine(at, "TARGET_APPLY", .warning, "Some changes from the source database had no impact when applied to the target database. See 'awsdms_apply_exceptions' table for details. (endpointshell.c:5752)")
      }
      if t.profile.highLatency, r < 0.2 {
        return Catalog.logLine(at, "SORTER", .warning, "Reading from source is paused. Total storage used by swap files exceeded the limit of 1048576000 bytes (sorter_transaction.c:110)")
      }
      if r < 0.01 {
        return Catalog.logLine(at, "SOURCE_CAPTURE", .error, "Error reading from source: connection reset by peer; reconnecting (sourcecapture.c:1322)")
      }
      if r < 0.35 {
        return Catalog.logLine(at, "SOURCE_CAPTURE", .info, "Throughput monitor: Last DB time scanned: \(UTCFormat.logStamp(at.addingTimeInterval(-2))). #scanned events: \(n). (\(Catalog.captureFile(t.sourceEngine)))")
      }
      if r < 0.6 {
        return Catalog.logLine(at, "TARGET_APPLY", .info, "Applied \(n / 100) changes to \(1 + Int(h % 12)) tables in bulk apply (bulk_apply.c:2402)")
      }
      if r < 0.75 {
        return Catalog.logLine(at, "SORTER", .info, "Sorter memory usage: \(32 + Int(h % 600)) MB, transactions in memory: \(Int(h % 90)) (sorter_transaction.c:325)")
      }
      if (t.profile.validation || t.profile.mixedValidation), r < 0.9 {
        return Catalog.logLine(at, "VALIDATOR", .info, "Validation of table \(table): \(n) records compared (validator_table.c:1087)")
      }
      return Catalog.logLine(at, "TASK_MANAGER", .info, "Task '\(t.identifier)' is running: CDC, \(t.tableCount) tables (replicationtask.c:2158)")
    case .idle:
      return Catalog.logLine(at, "TASK_MANAGER", .info, "Task '\(t.identifier)' is idle (replicationtask.c:2158)")
    }
  }
}
