import DMSWatchModel
import Foundation

/// Maps AWS error responses (JSON, XML, or neither) to `ServiceError`.
public enum AWSErrorMapper {
  public static let throttlingCodes: Set<String> = [
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
    "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded",
    "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
    "EC2ThrottledException",
  ]
  public static let transientCodes: Set<String> = ["RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"]
  static let credentialCodes: Set<String> = [
    "UnrecognizedClientException", "UnrecognizedClient", "InvalidClientTokenId", "InvalidSignatureException",
    "SignatureDoesNotMatch", "ExpiredToken", "ExpiredTokenException", "IncompleteSignature",
    "IncompleteSignatureException", "MissingAuthenticationToken", "MissingAuthenticationTokenException",
    "InvalidAccessKeyId", "AuthFailure", "RequestExpired",
  ]

  /// `aws.protocols#ResourceNotFoundFault:http://…` → `ResourceNotFoundFault`.
  public static func normalizeCode(_ raw: String) -> String {
    var c = Substring(raw)
    if let colon = c.firstIndex(of: ":") { c = c[..<colon] }
    if let hash = c.lastIndex(of: "#") { c = c[c.index(after: hash)...] }
    return c.trimmingCharacters(in: .whitespaces)
  }

  public static func kind(code: String, status: Int) -> ServiceError.Kind {
    if throttlingCodes.contains(code) || status == 429 { return .throttled }
    if transientCodes.contains(code) { return .timeout }
    if code == "ResourceNotFoundFault" || code == "ResourceNotFoundException" || code == "ResourceNotFound"
      || code == "NotFound" || code == "NotFoundException"
    {
      return .notFound
    }
    if code == "InvalidResourceStateFault" { return .invalidState }
    if code.hasPrefix("AccessDenied") || code == "AccessDeniedFault" || code == "AuthorizationError" { return .accessDenied }
    if credentialCodes.contains(code) { return .credentials }
    if status >= 500 { return .server }
    return .client
  }

  /// Error for a non-2xx response of service `service`.
  public static func error(from resp: HTTPResponse, service: String) -> ServiceError {
    let status = resp.status
    var code = ""
    var message = ""
    if let v = try? JSONValue.parse(resp.body), case .object = v {
      code = normalizeCode(v["__type"]?.string ?? v["code"]?.string ?? v["Code"]?.string ?? "")
      message = v["message"]?.string ?? v["Message"]?.string ?? v["errorMessage"]?.string ?? ""
    } else if let x = XMLNode.parse(resp.body), let c = x.first("Code")?.text {
      code = normalizeCode(c)
      message = x.first("Message")?.text ?? ""
    }
    if let q = resp.header("x-amzn-query-error"), let first = q.split(separator: ";").first, !first.isEmpty {
      code = String(first)
    }
    if code.isEmpty, let t = resp.header("x-amzn-errortype"), !t.isEmpty { code = normalizeCode(t) }
    if code.isEmpty {
      let snippet = bodySnippet(resp.body)
      let ctype = resp.header("content-type") ?? "no content type"
      if status >= 500 {
        return ServiceError(
          kind: .server, code: "HTTP\(status)", message: "\(service) returned HTTP \(status) (\(ctype)): \(snippet)",
          httpStatus: status)
      }
      if status == 429 {
        return ServiceError(kind: .throttled, code: "HTTP429", message: "\(service) returned HTTP 429: \(snippet)", httpStatus: status)
      }
      return ServiceError(
        kind: .malformed, code: "HTTP\(status)",
        message: "\(service) returned HTTP \(status) with a body that is not an AWS error (\(ctype)): \(snippet)",
        httpStatus: status)
    }
    if message.isEmpty { message = "HTTP \(status) from \(service)" }
    return ServiceError(kind: kind(code: code, status: status), code: code, message: message, httpStatus: status)
  }

  /// First 160 printable characters of a body, tags stripped, for messages.
  static func bodySnippet(_ body: Data) -> String {
    if body.isEmpty { return "empty body" }
    var text = String(decoding: body.prefix(4096), as: UTF8.self)
    if text.contains("<") {
      var out = ""
      var inTag = false
      for ch in text {
        if ch == "<" { inTag = true; out.append(" "); continue }
        if ch == ">" { inTag = false; continue }
        if !inTag { out.append(ch) }
      }
      text = out
    }
    let collapsed = text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    return collapsed.count > 160 ? String(collapsed.prefix(160)) + "…" : collapsed
  }

  static func malformed(_ service: String, _ op: String, _ why: String) -> ServiceError {
    ServiceError(kind: .malformed, code: "MalformedResponse", message: "\(service) \(op): \(why)")
  }
}
