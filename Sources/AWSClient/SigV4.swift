import Crypto
import DMSWatchModel
import Foundation

/// Signature Version 4 (header form) for non-S3 services. Pure: the date is an input.
public struct SigV4Signer: Sendable {
  public var service: String
  public var region: String

  /// Headers never signed (hop-by-hop and ones proxies rewrite), as botocore.
  static let unsignedHeaders: Set<String> = [
    "authorization", "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization",
    "te", "trailer", "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
  ]

  public init(service: String, region: String) {
    self.service = service
    self.region = region
  }
}

extension SigV4Signer {
  /// Returns the request with Host, X-Amz-Date, X-Amz-Security-Token (when the credentials have a
  /// session token) and Authorization set.
  public func sign(_ request: HTTPRequest, credentials: AWSCredentials, date: Date) -> HTTPRequest {
    var req = request
    for name in ["authorization", "x-amz-date", "x-amz-security-token"] { removeHeader(&req, name) }
    let amzDate = Self.amzDate(date)
    if req.header("host") == nil { req.setHeader("Host", Self.hostHeader(req.url)) }
    req.setHeader("X-Amz-Date", amzDate)
    if let token = credentials.sessionToken, !token.isEmpty { req.setHeader("X-Amz-Security-Token", token) }

    var signed: [String: [String]] = [:]
    for (k, v) in req.headers {
      let l = k.lowercased()
      if Self.unsignedHeaders.contains(l) { continue }
      signed[l, default: []].append(Self.trimAll(v))
    }
    let names = signed.keys.sorted()
    let canonicalHeaders = names.map { "\($0):\(signed[$0, default: []].joined(separator: ","))\n" }.joined()
    let signedHeaders = names.joined(separator: ";")
    let canonical = [
      req.method.uppercased(),
      Self.canonicalPath(req.url),
      Self.canonicalQuery(req.url),
      canonicalHeaders,
      signedHeaders,
      Self.hex(SHA256.hash(data: req.body)),
    ].joined(separator: "\n")
    let day = String(amzDate.prefix(8))
    let scope = "\(day)/\(region)/\(service)/aws4_request"
    let stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, Self.hex(SHA256.hash(data: Data(canonical.utf8)))]
      .joined(separator: "\n")
    let kDate = Self.hmac(Data("AWS4\(credentials.secretAccessKey)".utf8), day)
    let kRegion = Self.hmac(kDate, region)
    let kService = Self.hmac(kRegion, service)
    let kSigning = Self.hmac(kService, "aws4_request")
    let signature = Self.hex(Self.hmac(kSigning, stringToSign))
    req.setHeader(
      "Authorization",
      "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyId)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)")
    return req
  }

  private func removeHeader(_ req: inout HTTPRequest, _ lower: String) {
    for k in req.headers.keys where k.lowercased() == lower { req.headers[k] = nil }
  }

  /// `yyyyMMdd'T'HHmmss'Z'` in UTC.
  public static func amzDateString(_ date: Date) -> String { amzDate(date) }

  /// Computed from the civil date (`Format.iso`), not `Calendar`: every signed request would otherwise open an ICU
  /// calendar.
  static func amzDate(_ date: Date) -> String {
    String(Format.iso(date).filter { $0 != "-" && $0 != ":" })
  }

  /// Host as sent in the Host header: lowercase, port only when not the scheme default.
  public static func hostHeader(_ url: URL) -> String {
    let comps = URLComponents(url: url, resolvingAgainstBaseURL: false)
    var host = (comps?.host ?? "").lowercased()
    if host.contains(":"), !host.hasPrefix("[") { host = "[\(host)]" }
    let scheme = (comps?.scheme ?? "https").lowercased()
    if let port = comps?.port, !((scheme == "http" && port == 80) || (scheme == "https" && port == 443)) {
      host += ":\(port)"
    }
    return host
  }

  static func trimAll(_ v: String) -> String {
    v.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).joined(separator: " ")
  }

  static let unreserved: Set<UInt8> = Set(Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~".utf8))

  /// RFC 3986 percent-encoding of everything but unreserved characters (and `extra`).
  public static func uriEncode(_ s: String, keep extra: Set<UInt8> = []) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for b in s.utf8 {
      if unreserved.contains(b) || extra.contains(b) {
        out.unicodeScalars.append(UnicodeScalar(b))
      } else {
        out += "%" + hexByte(b)
      }
    }
    return out
  }

  static func hexByte(_ b: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(b >> 4)], digits[Int(b & 0xF)]])
  }

  /// The path, normalised (dot segments removed) and encoded once more, as botocore does for non-S3.
  static func canonicalPath(_ url: URL) -> String {
    let raw = URLComponents(url: url, resolvingAgainstBaseURL: false)?.percentEncodedPath ?? "/"
    if raw.isEmpty { return "/" }
    var segs: [Substring] = []
    for seg in raw.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
      if seg == "." { continue }
      if seg == ".." {
        if !segs.isEmpty { segs.removeLast() }
        continue
      }
      segs.append(seg)
    }
    var path = "/" + segs.joined(separator: "/")
    if raw.hasSuffix("/"), !path.hasSuffix("/") { path += "/" }
    return uriEncode(path, keep: [UInt8(ascii: "/")])
  }

  /// Query pairs decoded and re-encoded with RFC 3986 rules, sorted by key then value.
  static func canonicalQuery(_ url: URL) -> String {
    guard let q = URLComponents(url: url, resolvingAgainstBaseURL: false)?.percentEncodedQuery, !q.isEmpty else {
      return ""
    }
    var pairs: [(String, String)] = []
    for item in q.split(separator: "&", omittingEmptySubsequences: false) {
      let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      let k = String(parts[0]).removingPercentEncoding ?? String(parts[0])
      let v = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
      pairs.append((uriEncode(k), uriEncode(v)))
    }
    pairs.sort { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }
    return pairs.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
  }

  static func hmac(_ key: Data, _ msg: String) -> Data {
    Data(HMAC<SHA256>.authenticationCode(for: Data(msg.utf8), using: SymmetricKey(data: key)))
  }

  static func hex<D: Sequence>(_ d: D) -> String where D.Element == UInt8 {
    let digits = Array("0123456789abcdef")
    var s = ""
    for b in d {
      s.append(digits[Int(b >> 4)])
      s.append(digits[Int(b & 0xF)])
    }
    return s
  }
}
