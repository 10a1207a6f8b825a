import DMSWatchModel
import Foundation

/// One HTTP request as the AWS layer builds it; the transport sends it as is.
public struct HTTPRequest: Sendable, Equatable {
  public var method: String
  public var url: URL
  /// Header names as given; lookups are case-insensitive.
  public var headers: [String: String]
  public var body: Data
  /// Overrides the transport's total timeout (seconds) for this request, e.g. short IMDS probes.
  public var timeout: TimeInterval?
  /// A call that changes AWS state: the transport must never send it twice. libcurl silently re-sends
  /// a request once when a *reused* connection dies before any answer byte (a lost answer looks exactly
  /// like that), so such a request goes on a fresh connection that is not kept.
  public var sendOnce: Bool

  public init(
    method: String, url: URL, headers: [String: String] = [:], body: Data = Data(), timeout: TimeInterval? = nil, sendOnce: Bool = false
  ) {
    self.method = method
    self.url = url
    self.headers = headers
    self.body = body
    self.timeout = timeout
    self.sendOnce = sendOnce
  }
}

extension HTTPRequest {
  public func header(_ name: String) -> String? {
    let l = name.lowercased()
    return headers.first { $0.key.lowercased() == l }?.value
  }

  public mutating func setHeader(_ name: String, _ value: String) {
    let l = name.lowercased()
    for k in headers.keys where k.lowercased() == l { headers[k] = nil }
    headers[name] = value
  }
}

public struct HTTPResponse: Sendable, Equatable {
  public var status: Int
  /// Header names lowercased.
  public var headers: [String: String]
  public var body: Data

  public init(status: Int, headers: [String: String] = [:], body: Data = Data()) {
    self.status = status
    self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { _, b in b })
    self.body = body
  }

  public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// Sends one request; network failures throw `ServiceError` of kind `.network` or `.timeout`.
public protocol HTTPTransport: Sendable {
  func send(_ req: HTTPRequest) async throws -> HTTPResponse
}

extension HTTPRequest: CustomStringConvertible, CustomDebugStringConvertible {
  /// Headers that carry secrets; their values never appear in descriptions or logs.
  public static let secretHeaders: Set<String> = [
    "authorization", "x-amz-security-token", "x-amz-sso_bearer_token", "x-aws-ec2-metadata-token",
  ]

  public var description: String {
    let hs = headers.keys.sorted().map { k in
      "\(k): \(Self.secretHeaders.contains(k.lowercased()) ? "<redacted>" : headers[k] ?? "")"
    }
    return "\(method) \(url.absoluteString) [\(hs.joined(separator: ", "))] \(body.count) bytes"
  }

  public var debugDescription: String { description }
}
