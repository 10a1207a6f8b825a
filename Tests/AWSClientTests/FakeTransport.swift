import AWSClient
import DMSWatchModel
import Foundation

/// A scripted transport: records requests, answers from a handler.
final class FakeTransport: HTTPTransport, @unchecked Sendable {
  private let lock = NSLock()
  private var _requests: [HTTPRequest] = []
  private var handler: @Sendable (HTTPRequest, Int) throws -> HTTPResponse

  init(_ handler: @escaping @Sendable (HTTPRequest, Int) throws -> HTTPResponse) { self.handler = handler }

  var requests: [HTTPRequest] { lock.withLock { _requests } }

  func setHandler(_ h: @escaping @Sendable (HTTPRequest, Int) throws -> HTTPResponse) { lock.withLock { handler = h } }

  func send(_ req: HTTPRequest) async throws -> HTTPResponse {
    let (h, n) = lock.withLock { () -> (@Sendable (HTTPRequest, Int) throws -> HTTPResponse, Int) in
      _requests.append(req)
      return (handler, _requests.count)
    }
    return try h(req, n)
  }

  static func json(_ s: String, status: Int = 200, headers: [String: String] = [:]) -> HTTPResponse {
    HTTPResponse(status: status, headers: headers.merging(["content-type": "application/x-amz-json-1.1"]) { a, _ in a }, body: Data(s.utf8))
  }
}

/// Thread-safe box for test state shared with @Sendable closures.
final class Box<T>: @unchecked Sendable {
  private let lock = NSLock()
  private var v: T
  init(_ v: T) { self.v = v }
  var value: T {
    get { lock.withLock { v } }
    set { lock.withLock { v = newValue } }
  }
}

func testCaller(
  _ spec: ServiceSpec, _ t: FakeTransport, retry: RetryPolicy = RetryPolicy(sleeper: { _ in }), quota: RetryQuota = RetryQuota()
) -> AWSCaller {
  AWSCaller(
    spec: spec, endpoint: URL(string: "https://example.test")!, region: "eu-west-1",
    credentials: StaticCredentialsProvider(AWSCredentials(accessKeyId: "AK", secretAccessKey: "SK")), transport: t, retry: retry,
    quota: quota, now: { Date(timeIntervalSince1970: 1_800_000_000) })
}
