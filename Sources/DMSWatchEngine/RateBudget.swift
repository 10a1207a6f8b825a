import Foundation

/// The DMS call budget: a token bucket (`capacity` burst, `rate` tokens per second) whose rate
/// adapts to throttling — halved on a ThrottlingException (multiplicative decrease), raised by
/// `recoveryStep` every `recoveryInterval` seconds without one (additive increase) back to the
/// configured rate. A value type on an explicit clock reading, so tests drive it with a manual clock.
public struct RateBudget: Sendable, Equatable {
  /// The rate the user configured (`--dms-rate`, `budget.dms_calls_per_second`).
  public let configuredRate: Double
  /// The rate in force now (≤ `configuredRate`).
  public private(set) var rate: Double
  public let capacity: Double
  public private(set) var tokens: Double
  /// Calls counted so far (polls and actions).
  public private(set) var spent = 0
  /// Throttling responses seen so far.
  public private(set) var throttles = 0
  /// Floor of the decrease: an eighth of the configured rate (0.25/s by default), so a throttling storm
  /// never leaves the dashboard waiting minutes for its first call after the storm.
  public var minRate: Double
  public var recoveryInterval: TimeInterval = 5
  /// Additive increase per `recoveryInterval`; default an eighth of the configured rate.
  public var recoveryStep: Double
  /// Several throttled responses within this window count as one congestion signal.
  public var decreaseHoldoff: TimeInterval = 2
  private var last: Date
  private var lastAdjust: Date
  private var lastDecrease: Date?

  public init(rate: Double, capacity: Double, now: Date) {
    let r = max(0.01, rate)
    configuredRate = r
    self.rate = r
    self.capacity = max(1, capacity)
    tokens = max(1, capacity)
    recoveryStep = r / 8
    minRate = max(0.01, r / 8)
    last = now
    lastAdjust = now
  }

  public var isThrottled: Bool { rate < configuredRate - 1e-9 }

  /// Accrues tokens at the current rate, then applies any additive increase that came due.
  public mutating func refill(now: Date) {
    let dt = max(0, now.timeIntervalSince(last))
    tokens = min(capacity, tokens + dt * rate)
    last = max(last, now)
    guard isThrottled else {
      lastAdjust = last
      return
    }
    let steps = (last.timeIntervalSince(lastAdjust) / recoveryInterval).rounded(.down)
    if steps >= 1 {
      rate = min(configuredRate, rate + steps * recoveryStep)
      lastAdjust = lastAdjust.addingTimeInterval(steps * recoveryInterval)
    }
  }

  /// Tokens available at `now` (without taking any).
  public func available(now: Date) -> Double {
    var copy = self
    copy.refill(now: now)
    return copy.tokens
  }

  /// Takes a token if one is there.
  public mutating func tryTake(now: Date) -> Bool {
    refill(now: now)
    guard tokens >= 1 else { return false }
    tokens -= 1
    spent += 1
    return true
  }

  /// Counts a call that must not wait (a user action): the bucket may go into debt, which later
  /// polls repay by waiting. The debt is bounded by one burst.
  public mutating func spendForced(now: Date) {
    refill(now: now)
    tokens = max(-capacity, tokens - 1)
    spent += 1
  }

  /// Seconds from `now` until `needed` tokens are available at the current rate (0 if they are).
  public func secondsUntil(tokens needed: Double, now: Date) -> TimeInterval {
    let have = available(now: now)
    guard have < needed else { return 0 }
    return (min(needed, capacity) - have) / rate
  }

  /// A throttled response: halves the rate (not below `minRate`) and empties the bucket, so the next
  /// call waits a full interval at the new rate. Returns true when the rate changed.
  @discardableResult
  public mutating func throttled(now: Date) -> Bool {
    refill(now: now)
    throttles += 1
    tokens = min(tokens, 0)
    if let d = lastDecrease, now.timeIntervalSince(d) < decreaseHoldoff { return false }
    lastDecrease = now
    lastAdjust = now
    let old = rate
    rate = max(minRate, rate / 2)
    return rate != old
  }
}
