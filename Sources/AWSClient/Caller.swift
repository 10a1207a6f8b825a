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

  /// `https://<prefix>.<region>.amazonaws.com` (China regions use amazonaws.com.cn).
  public func defaultEndpoint(region: String) -> URL? {
    let suffix = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
    return URL(string: "https://\(signingName).\(region).\(suffix)")
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
  /// Server time minus local time, learnt from a skew error's Date header.
  let clockSkew = SkewBox()

  public init(
    spec: ServiceSpec, endpoint: URL, region: String, credentials: any CredentialsProvider, transport: any HTTPTransport,
    retry: RetryPolicy = RetryPolicy(), quota: RetryQuota = RetryQuota(), now: @escaping @Sendable () -> Date = { Date() }
  ) {
    self.spec = spec
    self.endpoint = endpoint
    self.region = region
    self.credentials = credentials
    self.transport = transport
    self.retry = retry
    self.quota = quota
    self.now = now
  }
}

extension AWSCaller {
  /// One JSON-protocol operation; the input object is sent as-is (`{}` when empty).
  public func json(_ operation: String, _ input: JSONValue) async throws -> JSONValue {
    guard case .json(let version, let prefix, let queryCompatible) = spec.wire else {
      throw ServiceError(kind: .client, code: "WrongProtocol", message: "\(spec.signingName) is not a JSON service")
    }
    var headers = [
      "Content-Type": "application/x-amz-json-\(version)",
      "X-Amz-Target": "\(prefix).\(operation)",
    ]
    if queryCompatible { headers["x-amzn-query-mode"] = "true" }
    let body = input == .null ? Data("{}".utf8) : input.encoded()
    let resp = try await send(operation, HTTPRequest(method: "POST", url: rootURL, headers: headers, body: body))
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
  public func query(_ action: String, _ params: [(String, String)]) async throws -> XMLNode {
    guard case .query(let version) = spec.wire else {
      throw ServiceError(kind: .client, code: "WrongProtocol", message: "\(spec.signingName) is not a query service")
    }
    let all = [("Action", action), ("Version", version)] + params
    let body = all.map { "\(SigV4Signer.uriEncode($0.0))=\(SigV4Signer.uriEncode($0.1))" }.joined(separator: "&")
    let resp = try await send(
      action,
      HTTPRequest(
        method: "POST", url: rootURL, headers: ["Content-Type": "application/x-www-form-urlencoded; charset=utf-8"],
        body: Data(body.utf8)))
    guard let root = XMLNode.parse(resp.body) else {
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
  public func send(_ operation: String, _ unsigned: HTTPRequest) async throws -> HTTPResponse {
    var attempt = 0
    var spent = 0
    var expiredOnce = false
    var skewFixedOnce = false
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
      let signed = SigV4Signer(service: spec.signingName, region: region).sign(unsigned, credentials: creds, date: date)
      let failure: ServiceError
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
        // A local clock far from the service's: sign with the server's time and try once more.
        if !skewFixedOnce, Self.isSkewError(failure), let server = resp.header("date").flatMap(Self.httpDate) {
          let offset = server.timeIntervalSince(now())
          if abs(offset - clockSkew.value) > 60, attempt < retry.maxAttempts {
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
      guard attempt < retry.maxAttempts, refreshed || RetryPolicy.isRetryable(failure) else { throw failure }
      if refreshed { continue }
      guard let cost = await quota.acquire(for: failure, newRetries: retry.newRetries2026) else { throw failure }
      spent += cost
      try await retry.sleeper(retry.delay(afterAttempt: attempt, throttled: failure.kind == .throttled, retryAfter: retryAfter))
    }
  }

  static let skewCodes: Set<String> = [
    "RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture", "InvalidSignatureException", "SignatureDoesNotMatch",
    "AuthFailure",
  ]

  static func isSkewError(_ e: ServiceError) -> Bool {
    guard skewCodes.contains(e.code) else { return false }
    if e.code == "RequestTimeTooSkewed" || e.code == "RequestInTheFuture" || e.code == "RequestExpired" { return true }
    let m = e.message.lowercased()
    return m.contains("expired") || m.contains("skew") || m.contains("in the future")
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

/// The learnt clock offset, shared by all calls of one caller.
final class SkewBox: @unchecked Sendable {
  private let lock = NSLock()
  private var v: TimeInterval = 0
  var value: TimeInterval {
    get { lock.withLock { v } }
    set { lock.withLock { v = newValue } }
  }
}
