import DMSWatchModel
import Foundation

/// `y` on the simulated fleet: the task or table as this service answers DescribeReplicationTasks /
/// DescribeTableStatistics, in DMS's field names (dates as ISO 8601), indented.
extension SimulatedFleet {
  public func rawTaskJSON(arn: String) async throws -> String? {
    try begin("DescribeReplicationTasks")
    let now = clock.now()
    let task: ReplicationTask = try lock.withLock {
      advanceAll(now)
      return describe(try self.task(arn: arn), now)
    }
    var d: [String: Any] = [
      "ReplicationTaskIdentifier": task.identifier, "ReplicationTaskArn": task.arn, "Status": task.status,
      "MigrationType": task.migrationType,
    ]
    d["SourceEndpointArn"] = task.sourceEndpointArn
    d["TargetEndpointArn"] = task.targetEndpointArn
    d["ReplicationInstanceArn"] = task.replicationInstanceArn
    d["LastFailureMessage"] = task.lastFailureMessage
    d["StopReason"] = task.stopReason
    d["RecoveryCheckpoint"] = task.recoveryCheckpoint
    d["ReplicationTaskCreationDate"] = task.creationDate.map(Self.iso)
    d["ReplicationTaskStartDate"] = task.startDate.map(Self.iso)
    if let st = task.stats {
      var s: [String: Any] = [:]
      s["FullLoadProgressPercent"] = st.fullLoadProgressPercent
      s["ElapsedTimeMillis"] = st.elapsedTimeMillis
      s["TablesLoaded"] = st.tablesLoaded
      s["TablesLoading"] = st.tablesLoading
      s["TablesQueued"] = st.tablesQueued
      s["TablesErrored"] = st.tablesErrored
      s["FreshStartDate"] = st.freshStartDate.map(Self.iso)
      s["StartDate"] = st.startDate.map(Self.iso)
      s["StopDate"] = st.stopDate.map(Self.iso)
      s["FullLoadStartDate"] = st.fullLoadStartDate.map(Self.iso)
      s["FullLoadFinishDate"] = st.fullLoadFinishDate.map(Self.iso)
      d["ReplicationTaskStats"] = s
    }
    return Self.text(d)
  }

  public func rawTableJSON(taskArn: String, table: TableRef) async throws -> String? {
    let page = try await describeTableStatistics(taskArn: taskArn, marker: nil, maxRecords: 500)
    var marker = page.marker
    var found = page.items.first { $0.ref == table }
    while found == nil, let m = marker {
      let next = try await describeTableStatistics(taskArn: taskArn, marker: m, maxRecords: 500)
      found = next.items.first { $0.ref == table }
      marker = next.marker
    }
    guard let t = found else { return nil }
    // The Swift names are DMS's with a lower-case first letter.
    let enc = JSONEncoder()
    enc.dateEncodingStrategy = .custom { d, e in
      var c = e.singleValueContainer()
      try c.encode(Format.iso(d))
    }
    enc.keyEncodingStrategy = .custom { keys in
      let k = keys.last?.stringValue ?? ""
      return PascalKey(stringValue: k.prefix(1).uppercased() + k.dropFirst())
    }
    guard let data = try? enc.encode(t), let obj = try? JSONSerialization.jsonObject(with: data) else { return nil }
    return Self.text(obj)
  }

  static func iso(_ d: Date) -> String { Format.iso(d) }

  static func text(_ obj: Any) -> String? {
    guard let data = try? JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys]) else { return nil }
    return String(decoding: data, as: UTF8.self)
  }
}

struct PascalKey: CodingKey {
  var stringValue: String
  var intValue: Int? { nil }
  init(stringValue: String) { self.stringValue = stringValue }
  init?(intValue: Int) { nil }
}
