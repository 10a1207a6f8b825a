import DMSWatchModel
import Foundation

/// What the wire protocol of one service looks like.
public struct ServiceSpec: Sendable {
  public enum Wire: Sendable {
    /// awsJson1_0 / awsJson1_1 with X-Amz-Target `<prefix>.<Op>`.
    case json(version: String, targetPrefix: String, queryCompatible: Bool)
    /// awsQuery: form body `Action=…&Version=…`, XML responses.
    case query(version: String)
  }
  /// SigV4 signing name (endpointPrefix) and host prefix.
  public var signingName: String
  /// The botocore serviceId upper-snake-cased for `AWS_ENDPOINT_URL_<X>`.
  public var endpointEnvSuffix: String
  /// Key in a config-file `[services]` section.
  public var configKey: String
  public var wire: Wire

  public static let dms = ServiceSpec(
    signingName: "dms", endpointEnvSuffix: "DATABASE_MIGRATION_SERVICE", configKey: "database_migration_service",
    wire: .json(version: "1.1", targetPrefix: "AmazonDMSv20160101", queryCompatible: false))
  public static let cloudwatch = ServiceSpec(
    signingName: "monitoring", endpointEnvSuffix: "CLOUDWATCH", configKey: "cloudwatch",
    wire: .json(version: "1.0", targetPrefix: "GraniteServiceVersion20100801", queryCompatible: true))
  public static let logs = ServiceSpec(
    signingName: "logs", endpointEnvSuffix: "CLOUDWATCH_LOGS", configKey: "cloudwatch_logs",
    wire: .json(version: "1.1", targetPrefix: "Logs_20140328", queryCompatible: false))
  public static let sts = ServiceSpec(
    signingName: "sts", endpointEnvSuffix: "STS", configKey: "sts", wire: .query(version: "2011-06-15"))
  public static let sns = ServiceSpec(
    signingName: "sns", endpointEnvSuffix: "SNS", configKey: "sns", wire: .query(version: "2010-03-31"))

  /// `https://<prefix>.<region>.<dnsSuffix>` with the partition's DNS suffix (`Partitions.swift`,
  /// generated from botocore: amazonaws.com, amazonaws.com.cn, c2s.ic.gov, sc2s.sgov.gov, amazonaws.eu, …).
  public func defaultEndpoint(region: String) -> URL? {
    URL(string: "https://\(signingName).\(region).\(AWSPartition.of(region: region).dnsSuffix)")
  }
}

/// Signs, sends, retries and decodes calls for one service. Shared by the typed clients.
public final class AWSCaller: Sendable {
  public let spec: ServiceSpec
  public let endpoint: URL
  public let region: String
  public let credentials: any CredentialsProvider
  public let transport: any HTTPTransport
  public let retry: RetryPolicy
  public let quota: RetryQuota
  public let now: @Sendable () -> Date
  /// Server time minus local time, learnt from a skew error; shared by every client of one scope
  /// (the Factory hands the same holder to DMS, CloudWatch, Logs, STS and SNS).
  public let clockSkew: ClockSkew
  /// `dmswatch/<version> …`, sent on every attempt.
  public let userAgent: String
  /// A fresh `amz-sdk-invocation-id` per call (tests inject a fixed one).
  public let invocationID: @Sendable () -> String

  public init(
    spec: ServiceSpec, endpoint: URL, region: String, credentials: any CredentialsProvider, transport: any HTTPTransport,
    retry: RetryPolicy = RetryPolicy(), quota: RetryQuota = RetryQuota(), now: @escaping @Sendable () -> Date = { Date() },
    clockSkew: ClockSkew = ClockSkew(), userAgent: String = AWSUserAgent.string(),
    invocationID: @escaping @Sendable () -> String = { UUID().uuidString.lowercased() }
  ) {
    self.spec = spec
    self.endpoint = endpoint
    self.region = region
    self.credentials = credentials
    self.transport = transport
    self.retry = retry
    self.quota = quota
    self.now = now
    self.clockSkew = clockSkew
    self.userAgent = userAgent
    self.invocationID = invocationID
  }
}

extension AWSCaller {
  /// One JSON-protocol operation; the input object is sent as-is (`{}` when empty).
  /// `mutating: true` for calls that change AWS state: sent once, never re-sent by the retry logic.
  public func json(_ operation: String, _ input: JSONValue, mutating: Bool = false) async throws -> JSONValue {
    guard case .json(let version, let prefix, let queryCompatible) = spec.wire else {
      throw ServiceError(kind: .client, code: "WrongProtocol", message: "\(spec.signingName) is not a JSON service")
    }
    var headers = [
      "Content-Type": "application/x-amz-json-\(version)",
      "X-Amz-Target": "\(prefix).\(operation)",
    ]
    if queryCompatible { headers["x-amzn-query-mode"] = "true" }
    let body = input == .null ? Data("{}".utf8) : input.encoded()
    let resp = try await send(operation, HTTPRequest(method: "POST", url: rootURL, headers: headers, body: body), mutating: mutating)
    // Every JSON operation dmswatch calls answers with a document; an empty 200 body is a broken
    // response (a proxy, a cut connection), not "no items", which would replace the data on screen.
    if resp.body.isEmpty || resp.body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D }) {
      throw AWSErrorMapper.malformed(spec.signingName, operation, "HTTP \(resp.status) with an empty body")
    }
    do {
      return try JSONValue.parse(resp.body)
    } catch {
      throw AWSErrorMapper.malformed(
        spec.signingName, operation,
        "HTTP \(resp.status) body is not JSON (\(resp.header("content-type") ?? "no content type")): \(AWSErrorMapper.bodySnippet(resp.body))")
    }
  }

  /// One query-protocol operation; returns the `<Action>Result` element (or the root).
  public func query(_ action: String, _ params: [(String, String)], mutating: Bool = false) async throws -> XMLNode {
    guard case .query(let version) = spec.wire else {
      throw ServiceError(kind: .client, code: "WrongProtocol", message: "\(spec.signingName) is not a query service")
    }
    let all = [("Action", action), ("Version", version)] + params
    let body = all.map { "\(SigV4Signer.uriEncode($0.0))=\(SigV4Signer.uriEncode($0.1))" }.joined(separator: "&")
    let resp = try await send(
      action,
      HTTPRequest(
        method: "POST", url: rootURL, headers: ["Content-Type": "application/x-www-form-urlencoded; charset=utf-8"],
        body: Data(body.utf8)), mutating: mutating)
    guard let root = XMLNode.parse(resp.body) else {
      if InputLimits.xmlTooDeep(resp.body) {
        throw AWSErrorMapper.malformed(spec.signingName, action, "XML nested more than \(InputLimits.maxNesting) levels deep")
      }
      throw AWSErrorMapper.malformed(spec.signingName, action, "body is not XML: \(AWSErrorMapper.bodySnippet(resp.body))")
    }
    return root.first("\(action)Result") ?? root
  }

  var rootURL: URL {
    var c = URLComponents(url: endpoint, resolvingAgainstBaseURL: false)
    if c?.path.isEmpty ?? true { c?.path = "/" }
    return c?.url ?? endpoint
  }

  /// Sends with signing and standard-mode retries. Returns only 2xx responses.
  ///
  /// A `mutating` call (Start/StopReplicationTask, ReloadTables, TestConnection, SNS Publish) is sent once:
  /// no retry after a network error, a timeout, a 5xx or throttling, because the first request may have
  /// been carried out. A network error or timeout then comes back as `.unknownOutcome` ("verify"). The
  /// only re-sends are after an authentication rejection (clock skew, expired token), which AWS answers
  /// before it carries anything out.
  public func send(_ operation: String, _ unsigned: HTTPRequest, mutating: Bool = false) async throws -> HTTPResponse {
    var attempt = 0
    var spent = 0
    var expiredOnce = false
    var skewFixedOnce = false
    let maxAttempts = mutating ? 1 : retry.maxAttempts
    let invocation = invocationID()
    while true {
      attempt += 1
      let creds: AWSCredentials
      do {
        creds = try await credentials.credentials()
      } catch let e as ServiceError {
        throw e
      } catch {
        throw ServiceError(kind: .credentials, code: "NoCredentials", message: String(describing: error))
      }
      let date = now().addingTimeInterval(clockSkew.value)
      var req = unsigned
      if mutating { req.sendOnce = true }
      req.setHeader("User-Agent", userAgent)
      req.setHeader("amz-sdk-invocation-id", invocation)
      req.setHeader("amz-sdk-request", "attempt=\(attempt); max=\(max(maxAttempts, attempt))")
      let signed = SigV4Signer(service: spec.signingName, region: region).sign(req, credentials: creds, date: date)
      var failure: ServiceError
      var retryAfter: TimeInterval? = nil
      do {
        let resp = try await transport.send(signed)
        if (200..<300).contains(resp.status) {
          await quota.recordSuccess(spent: spent)
          return resp
        }
        // The operation is named: a peer that lacks one (moto's HTML 500) must say which call failed.
        failure = AWSErrorMapper.error(from: resp, service: "\(spec.signingName) \(operation)")
        retryAfter = resp.header("x-amz-retry-after").flatMap(Double.init).map { $0 / 1000 }
        // A local clock far from the service's (slow or fast): sign with the server's time and try once more.
        // The request was rejected before it was carried out, so this is safe for a mutating call too.
        if !skewFixedOnce, Self.isSkewError(failure),
          let server = resp.header("date").flatMap(Self.httpDate) ?? Self.serverTime(inSkewMessage: failure.message)
        {
          let offset = server.timeIntervalSince(now())
          if abs(offset - clockSkew.value) > 60, mutating || attempt < maxAttempts {
            clockSkew.value = offset
            skewFixedOnce = true
            continue
          }
        }
      } catch let e as ServiceError {
        failure = e
      } catch {
        failure = ServiceError(kind: .network, code: "TransportError", message: String(describing: error))
      }
      // Expired temporary credentials: drop the cache and try once more with fresh ones.
      var refreshed = false
      if failure.kind == .credentials, failure.code.hasPrefix("ExpiredToken") || failure.code == "RequestExpired",
        let c = credentials as? CachingCredentialsProvider, !expiredOnce
      {
        await c.invalidate()
        expiredOnce = true
        refreshed = true
      }
      if refreshed, mutating || attempt < maxAttempts { continue }
      if mutating {
        throw Self.unknownOutcomeIfSent(failure, operation: operation)
      }
      guard attempt < maxAttempts, RetryPolicy.isRetryable(failure) else { throw failure }
      // The engine may charge throttled reads to its own budget instead.
      if failure.kind == .throttled, !retry.retryThrottling { throw failure }
      guard let cost = await quota.acquire(for: failure, newRetries: retry.newRetries2026) else { throw failure }
      spent += cost
      try await retry.sleeper(retry.delay(afterAttempt: attempt, throttled: failure.kind == .throttled, retryAfter: retryAfter))
    }
  }

  /// A mutating call whose request may have been carried out: a timeout, or a network error after the
  /// connection was made. Errors that prove it was never sent (name resolution, connection refused) stay
  /// `.network`; an AWS error answer keeps its kind (it was answered, so it is not unknown).
  static func unknownOutcomeIfSent(_ e: ServiceError, operation: String) -> ServiceError {
    guard e.kind == .network || e.kind == .timeout else { return e }
    if ["Curl5", "Curl6", "Curl7"].contains(e.code) { return e }
    return ServiceError(
      kind: .unknownOutcome, code: e.code,
      message: "\(operation) was sent once and not re-sent; its outcome is unknown (\(e.message))", httpStatus: e.httpStatus)
  }

  static let skewCodes: Set<String> = [
    "RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture", "InvalidSignatureException", "SignatureDoesNotMatch",
    "AuthFailure",
  ]

  /// Both wordings AWS uses: "Signature expired: … is now earlier than …" (slow local clock) and
  /// "Signature not yet current: … is still later than …" (fast local clock), in JSON or XML errors.
  static func isSkewError(_ e: ServiceError) -> Bool {
    guard skewCodes.contains(e.code) else { return false }
    if e.code == "RequestTimeTooSkewed" || e.code == "RequestInTheFuture" || e.code == "RequestExpired" { return true }
    let m = e.message.lowercased()
    return m.contains("expired") || m.contains("skew") || m.contains("in the future") || m.contains("not yet current")
  }

  /// The server's time from a skew message when no `Date` header came: the timestamp in parentheses
  /// (`… (20261201T094500Z - 15 min.)` / `(… + 15 min.)`) is the server's clock.
  static func serverTime(inSkewMessage m: String) -> Date? {
    guard let open = m.lastIndex(of: "(") else { return nil }
    let rest = m[m.index(after: open)...]
    let stamp = String(rest.prefix(16))
    guard stamp.count == 16 else { return nil }
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = TimeZone(identifier: "UTC")
    f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
    return f.date(from: stamp)
  }

  /// RFC 7231 `Date` header (`Mon, 23 Nov 2026 10:10:15 GMT`).
  static func httpDate(_ s: String) -> Date? {
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = TimeZone(identifier: "GMT")
    f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
    return f.date(from: s)
  }
}

/// The learnt clock offset (server time minus local time). One per scope: every client the Factory
/// makes for one profile and region shares it, so a skew learnt by STS is used by DMS at once.
public final class ClockSkew: @unchecked Sendable {
  private let lock = NSLock()
  private var v: TimeInterval = 0
  public init() {}
  public var value: TimeInterval {
    get { lock.withLock { v } }
    set { lock.withLock { v = newValue } }
  }
}

/// `User-Agent` for AWS calls: `dmswatch/<version> ua/2.1 os/<os> lang/swift cfg/retry-mode#<mode>`.
public enum AWSUserAgent {
  public static func string(version: String = DMSWatchVersion.string, retryMode: RetryPolicy.Mode = .standard) -> String {
    #if os(Linux)
      let os = "linux"
    #elseif os(macOS)
      let os = "macos"
    #else
      let os = "other"
    #endif
    return "dmswatch/\(version) ua/2.1 os/\(os) lang/swift cfg/retry-mode#\(retryMode.rawValue)"
  }
}
