import DMSWatchModel
import Foundation

/// What the engine knows, from sources that cost no DMS call, about whether each task's table
/// statistics can have changed since they were last read: CloudWatch throughput (a datapoint above
/// zero after the read means changes; zeros mean none), DMS events naming the task, and what the
/// task list says (a new status or progress; a task that is not running cannot change).
/// Pure and per scope: the planner gets `activity(arn)`, the bench and tests `currentAt(arn)`.
public struct ActivityTracker: Sendable {
  struct Entry: Sendable {
    /// When the last complete read of its table statistics started.
    var readAt: Date?
    /// The latest time up to which there is evidence of a change.
    var changedAt: Date?
    /// The latest time up to which there is evidence of no change.
    var quietThrough: Date?
  }
  private var entries: [String: Entry] = [:]

  public init() {}

  /// A read of the task's table statistics that started at `at` has completed.
  public mutating func read(_ arn: String, at: Date) { entries[arn, default: Entry()].readAt = at }

  public mutating func changed(_ arn: String, at: Date) {
    var e = entries[arn, default: Entry()]
    e.changedAt = max(e.changedAt ?? .distantPast, at)
    entries[arn] = e
  }

  public mutating func quiet(_ arn: String, through: Date) {
    var e = entries[arn, default: Entry()]
    e.quietThrough = max(e.quietThrough ?? .distantPast, through)
    entries[arn] = e
  }

  public func activity(_ arn: String) -> TaskActivity {
    guard let e = entries[arn], let read = e.readAt else { return .unknown }
    if let c = e.changedAt, c >= read { return .changed }
    if let q = e.quietThrough, q >= read { return .quiet }
    return .unknown
  }

  /// When the task's statistics were last known to be current: the read, or later when the
  /// evidence says nothing has changed since. Nil before the first read.
  public func currentAt(_ arn: String) -> Date? {
    guard let e = entries[arn], let read = e.readAt else { return nil }
    if activity(arn) == .quiet, let q = e.quietThrough { return max(read, q) }
    return read
  }

  public func readAt(_ arn: String) -> Date? { entries[arn]?.readAt }

  /// Forgets tasks that are gone.
  public mutating func retain(_ arns: Set<String>) {
    if entries.count > arns.count { entries = entries.filter { arns.contains($0.key) } }
  }

  /// A per-minute throughput series (CDCThroughputRowsSource) read at `end`: a point above zero is a
  /// change up to the end of its minute, zeros are evidence of none (never beyond `end`).
  public mutating func observeThroughput(_ arn: String, _ points: [SeriesPoint], end: Date) {
    var changeEnd: Date?
    var quietEnd: Date?
    for p in points {
      let e = min(p.time.addingTimeInterval(60), end)
      if p.value > 0 { changeEnd = max(changeEnd ?? .distantPast, e) } else { quietEnd = max(quietEnd ?? .distantPast, e) }
    }
    if let c = changeEnd { changed(arn, at: c) }
    if let q = quietEnd, q > (changeEnd ?? .distantPast) { quiet(arn, through: q) }
  }

  /// What a task list (full or filtered, read at `at`) says: a new status or progress is a change; a
  /// full load in progress or a task starting/stopping is changing; a task that is not running and
  /// was not running before cannot have changed.
  public mutating func observeRow(old: ReplicationTask?, new t: ReplicationTask, at: Date) {
    let transient = [TaskStatus.starting, TaskStatus.stopping, TaskStatus.modifying, TaskStatus.moving].contains(t.status)
    let loading = t.status == TaskStatus.running && ((t.stats?.tablesLoading ?? 0) > 0 || (t.stats?.tablesQueued ?? 0) > 0)
    if transient || loading {
      changed(t.arn, at: at)
      return
    }
    if let old {
      let moved = old.status != t.status || old.stats?.tablesLoaded != t.stats?.tablesLoaded
        || old.stats?.tablesErrored != t.stats?.tablesErrored || old.stats?.fullLoadProgressPercent != t.stats?.fullLoadProgressPercent
      if moved {
        changed(t.arn, at: at)
        return
      }
      if t.status != TaskStatus.running { quiet(t.arn, through: at) }
    }
  }
}
