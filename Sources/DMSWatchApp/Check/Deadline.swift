import Foundation

/// The whole operation took longer than allowed.
public struct DeadlineExceeded: Error, CustomStringConvertible, Sendable {
  public var seconds: TimeInterval
  public var description: String { "gave up after \(Int(seconds.rounded())) s" }
}

/// Returns `body`'s result, or throws `DeadlineExceeded` after `seconds` of real time even when `body`
/// is stuck in a call that ignores cancellation (the body is cancelled and abandoned).
public func withDeadline<T: Sendable>(_ seconds: TimeInterval, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
  let once = ResumeOnce<T>()
  return try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, Error>) in
    once.set(c)
    let work = Task {
      do { once.resume(.success(try await body())) } catch { once.resume(.failure(error)) }
    }
    Task {
      try? await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1e9))
      if once.resume(.failure(DeadlineExceeded(seconds: seconds))) { work.cancel() }
    }
  }
}

/// Resumes a continuation exactly once, from whichever side gets there first.
final class ResumeOnce<T: Sendable>: @unchecked Sendable {
  private let lock = NSLock()
  private var continuation: CheckedContinuation<T, Error>?
  private var early: Result<T, Error>?
  private var done = false

  func set(_ c: CheckedContinuation<T, Error>) {
    let r: Result<T, Error>? = lock.withLock {
      if let e = early {
        early = nil
        return e
      }
      continuation = c
      return nil
    }
    if let r { c.resume(with: r) }
  }

  /// True when this call resumed the continuation.
  @discardableResult
  func resume(_ r: Result<T, Error>) -> Bool {
    let (won, c): (Bool, CheckedContinuation<T, Error>?) = lock.withLock {
      if done { return (false, nil) }
      done = true
      if let c = continuation {
        continuation = nil
        return (true, c)
      }
      early = r
      return (true, nil)
    }
    c?.resume(with: r)
    return won
  }
}
