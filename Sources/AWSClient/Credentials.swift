import DMSWatchModel
import Foundation

/// AWS credentials. `description` never shows the secret or the token.
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
  public var accessKeyId: String
  public var secretAccessKey: String
  public var sessionToken: String?
  public var expiration: Date?
  /// Where they came from, e.g. `env`, `profile dev (credentials file)`, `assume-role arn:…`.
  public var source: String

  public init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Date? = nil, source: String = "static") {
    self.accessKeyId = accessKeyId
    self.secretAccessKey = secretAccessKey
    self.sessionToken = sessionToken
    self.expiration = expiration
    self.source = source
  }

  public var description: String {
    let key = accessKeyId.count > 8 ? String(accessKeyId.prefix(4)) + "…" + String(accessKeyId.suffix(4)) : "****"
    var s = "AWSCredentials(\(key), secret: <redacted>"
    if sessionToken != nil { s += ", token: <redacted>" }
    if let e = expiration { s += ", expires: \(Format.iso(e))" }
    return s + ", source: \(source))"
  }

  public var debugDescription: String { description }
}

/// Something that yields credentials; may be called often (implementations cache).
public protocol CredentialsProvider: Sendable {
  func credentials() async throws -> AWSCredentials
}

public struct StaticCredentialsProvider: CredentialsProvider {
  public let value: AWSCredentials
  public init(_ value: AWSCredentials) { self.value = value }
  public func credentials() async throws -> AWSCredentials { value }
}

/// A provider that failed: carries why, for the one combined message.
public struct CredentialsError: Error, Sendable, CustomStringConvertible {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

/// Caches temporary credentials and refreshes them ahead of expiry (default: 5 minutes before),
/// without a restart. Concurrent callers share one refresh.
public actor CachingCredentialsProvider: CredentialsProvider {
  private let base: any CredentialsProvider
  private let refreshAhead: TimeInterval
  private let now: @Sendable () -> Date
  private var cached: AWSCredentials?
  private var inflight: Task<AWSCredentials, any Error>?
  public private(set) var fetchCount = 0

  public init(_ base: any CredentialsProvider, refreshAhead: TimeInterval = 300, now: @escaping @Sendable () -> Date = { Date() }) {
    self.base = base
    self.refreshAhead = refreshAhead
    self.now = now
  }

  public func credentials() async throws -> AWSCredentials {
    if let c = cached, !needsRefresh(c) { return c }
    if let t = inflight { return try await t.value }
    let base = self.base
    let t = Task { try await base.credentials() }
    inflight = t
    defer { inflight = nil }
    do {
      let c = try await t.value
      fetchCount += 1
      cached = c
      return c
    } catch {
      // Still-valid old credentials beat an outage of the refresh endpoint.
      if let c = cached, let e = c.expiration, e > now() { return c }
      throw error
    }
  }

  /// Forget cached credentials (e.g. after ExpiredToken).
  public func invalidate() { cached = nil }

  private func needsRefresh(_ c: AWSCredentials) -> Bool {
    guard let e = c.expiration else { return false }
    return e.timeIntervalSince(now()) <= refreshAhead
  }
}
