import DMSWatchModel
import Foundation

/// How busy the simulated sources are. Without a profile (the default) every task in CDC captures
/// changes all the time, as before; with one, most tasks are idle (their counters stand still and
/// their throughput metrics read 0), some are steadily busy and some work in bursts — a batch job
/// for `burstMinutes` of every `periodMinutes` of CDC time, at a per-task phase.
public struct ActivityProfile: Sendable, Equatable {
  public var idleShare: Double
  public var burstyShare: Double
  public var burstMinutes: Double
  public var periodMinutes: Double
  public init(idleShare: Double = 0.8, burstyShare: Double = 0.1, burstMinutes: Double = 10, periodMinutes: Double = 60) {
    self.idleShare = max(0, min(1, idleShare))
    self.burstyShare = max(0, min(1 - self.idleShare, burstyShare))
    self.burstMinutes = max(0, burstMinutes)
    self.periodMinutes = max(max(1, burstMinutes), periodMinutes)
  }
  /// Most tasks idle, some busy: 80 % idle, 10 % busy all the time, 10 % in 10-minute bursts every hour.
  public static let realistic = ActivityProfile()
}

enum ActivityKind { case steady, idle, bursty }

private let activitySalt: UInt64 = 0x6163_7476

extension SimulatedFleet {
  func activityKind(_ t: SimTask) -> ActivityKind {
    guard let p = config.activity else { return .steady }
    let u = H.u(t.key, activitySalt, 1)
    if u < p.idleShare { return .idle }
    if u < p.idleShare + p.burstyShare { return .bursty }
    return .steady
  }

  /// Seconds of actual change capture in the first `active` seconds of CDC time.
  func busySeconds(_ t: SimTask, _ active: Double) -> Double {
    switch activityKind(t) {
    case .steady: return active
    case .idle: return 0
    case .bursty:
      guard let p = config.activity else { return active }
      let period = p.periodMinutes * 60
      let burst = p.burstMinutes * 60
      let phase = period * H.u(t.key, activitySalt, 2)
      func f(_ y: Double) -> Double { (y / period).rounded(.down) * burst + min(burst, y.truncatingRemainder(dividingBy: period)) }
      return f(max(0, active) + phase) - f(phase)
    }
  }

  /// 1 while the task's source produces changes at CDC time `active`, else 0.
  func busyFactor(_ t: SimTask, active: Double) -> Double {
    switch activityKind(t) {
    case .steady: return 1
    case .idle: return 0
    case .bursty:
      guard let p = config.activity else { return 1 }
      let period = p.periodMinutes * 60
      let phase = period * H.u(t.key, activitySalt, 2)
      return (max(0, active) + phase).truncatingRemainder(dividingBy: period) < p.burstMinutes * 60 ? 1 : 0
    }
  }

  /// The busy factor at wall time `x` (CDC time at `x` from the task's CDC clock; exact within the current run).
  func busyFactor(_ t: SimTask, wall x: Double) -> Double {
    if config.activity == nil { return 1 }
    return busyFactor(t, active: t.cdc.at(Date(timeIntervalSince1970: x)))
  }

  // MARK: filtered listing

  /// DescribeReplicationTasks with a `replication-task-arn` filter: one call, the tasks asked for that exist.
  public func describeReplicationTasks(arns: [String]) async throws -> [ReplicationTask]? {
    try begin("DescribeReplicationTasks")
    let now = clock.now()
    return lock.withLock {
      advanceAll(now)
      return arns.compactMap { byArn[$0].map { describe(tasks[$0], now) } }
    }
  }

  // MARK: ground truth for tests and the bench (no call is counted)

  /// For each task, the first time at or after the given time when its table counters move (CDC
  /// capture or a full load in progress), assuming it keeps its current state; absent when they will
  /// not move (not running, idle source). Tests use it to check that every change was read in time.
  public func firstChanges(after: [String: Date]) -> [String: Date] {
    let now = clock.now()
    return lock.withLock {
      advanceAll(now)
      var out: [String: Date] = [:]
      for (arn, t0) in after {
        guard let i = byArn[arn], let c = firstChangeLocked(tasks[i], after: t0) else { continue }
        out[arn] = c
      }
      return out
    }
  }

  func firstChangeLocked(_ t: SimTask, after: Date) -> Date? {
    guard t.phase == .running else { return nil }
    if t.isLoading { return after }
    guard t.hasCdc, t.cdc.since != nil else { return nil }
    switch activityKind(t) {
    case .steady: return after
    case .idle: return nil
    case .bursty:
      guard let p = config.activity else { return after }
      let a = t.cdc.at(after)
      if busyFactor(t, active: a) > 0 { return after }
      let period = p.periodMinutes * 60
      let phase = period * H.u(t.key, activitySalt, 2)
      let pos = (a + phase).truncatingRemainder(dividingBy: period)
      return after.addingTimeInterval(period - pos)
    }
  }

  /// ARNs of the tasks whose sources are busy (steady or bursty) under the activity profile.
  public func busyTaskArns() -> Set<String> {
    lock.withLock { Set(tasks.filter { activityKind($0) != .idle }.map(\.arn)) }
  }
}
