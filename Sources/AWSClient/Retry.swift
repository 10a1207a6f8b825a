import DMSWatchModel
import Foundation

/// SDK "standard" retry mode: capped exponential backoff with full jitter and a shared token bucket.
public struct RetryPolicy: Sendable {
  public enum Mode: String, Sendable { case standard, legacy, adaptive }
  public var mode: Mode
  public var maxAttempts: Int
  public var maxBackoff: TimeInterval = 20
  /// `AWS_NEW_RETRIES_2026=true`: base 1 s for throttling and 0.05 s otherwise, retry cost 14
  /// (5 for throttling), and `x-amz-retry-after` honoured (adding at most 5 s).
  public var newRetries2026 = false
  /// `false`: a throttled read fails at once instead of being retried here, so the caller (the
  /// polling engine) can charge the retry to its own budget. Network errors and 5xx are still retried.
  public var retryThrottling = true
  public var sleeper: @Sendable (TimeInterval) async throws -> Void
  public var random: @Sendable () -> Double

  public init(
    mode: Mode = .standard, maxAttempts: Int = 3,
    sleeper: @escaping @Sendable (TimeInterval) async throws -> Void = { s in
      try await Task.sleep(nanoseconds: UInt64(max(0, s) * 1_000_000_000))
    },
    random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
  ) {
    self.mode = mode
    self.maxAttempts = max(1, maxAttempts)
    self.sleeper = sleeper
    self.random = random
  }

  /// From `AWS_MAX_ATTEMPTS` / `AWS_RETRY_MODE`, then profile `max_attempts` / `retry_mode`.
  public static func from(environment env: [String: String], profile: [String: String] = [:]) throws -> RetryPolicy {
    var p = RetryPolicy()
    if let raw = env["AWS_RETRY_MODE"] ?? profile["retry_mode"] {
      guard let m = Mode(rawValue: raw.lowercased()) else {
        throw ServiceError(kind: .client, code: "InvalidConfiguration", message: "retry mode '\(raw)' is not standard, legacy or adaptive")
      }
      p.mode = m
      if m == .legacy { p.maxAttempts = 5 }
    }
    p.newRetries2026 = env["AWS_NEW_RETRIES_2026"]?.lowercased() == "true"
    if let raw = env["AWS_MAX_ATTEMPTS"] ?? profile["max_attempts"] {
      guard let n = Int(raw.trimmingCharacters(in: .whitespaces)), n >= 1 else {
        throw ServiceError(kind: .client, code: "InvalidConfiguration", message: "max attempts '\(raw)' is not a positive integer")
      }
      p.maxAttempts = n
    }
    return p
  }

  /// Delay before attempt `attempt + 1` after `attempt` failed (attempt counts from 1):
  /// `rand(0,1) * min(scale * 2^(attempt-1), 20)`.
  public func delay(afterAttempt attempt: Int, throttled: Bool = true, retryAfter: TimeInterval? = nil) -> TimeInterval {
    let scale = newRetries2026 ? (throttled ? 1.0 : 0.05) : 1.0
    let jittered = random() * min(scale * pow(2.0, Double(attempt - 1)), maxBackoff)
    guard newRetries2026, let ra = retryAfter, ra > jittered else { return jittered }
    return min(ra, jittered + 5)
  }

  public static func isRetryable(_ e: ServiceError) -> Bool {
    switch e.kind {
    case .throttled, .network, .timeout, .server: return true
    default: return AWSErrorMapper.transientCodes.contains(e.code)
    }
  }
}

/// The retry quota shared by every call of one client stack: 500 tokens, a retry costs 5
/// (10 after a timeout), a first-try success refills 1, a success after retries refunds what they took.
public actor RetryQuota {
  public let capacity: Int
  public private(set) var available: Int
  public static let retryCost = 5
  public static let timeoutCost = 10

  public init(capacity: Int = 500) {
    self.capacity = capacity
    available = capacity
  }

  /// Takes the cost of one retry; nil when the bucket cannot pay (no retry then).
  public func acquire(for e: ServiceError, newRetries: Bool = false) -> Int? {
    let cost: Int
    if newRetries {
      cost = e.kind == .throttled ? 5 : 14
    } else {
      cost = e.kind == .timeout ? Self.timeoutCost : Self.retryCost
    }
    guard available >= cost else { return nil }
    available -= cost
    return cost
  }

  public func recordSuccess(spent: Int) {
    available = min(capacity, available + (spent > 0 ? spent : 1))
  }
}
