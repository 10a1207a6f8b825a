import AWSClient
import CCurl
import DMSWatchModel
import Foundation

/// libcurl behind `HTTPTransport`. Blocking transfers run on a private bounded queue, never on
/// the caller's thread or the main actor. Easy handles are pooled per host and handed out
/// exclusively, so one handle is never used by two threads; reuse keeps connections alive.
/// TLS peer and host verification are always on; proxies come from the environment
/// (`https_proxy`/`HTTPS_PROXY`, lowercase `http_proxy`, `NO_PROXY`), which libcurl reads itself.
public final class CurlTransport: HTTPTransport, @unchecked Sendable {
  public struct Options: Sendable {
    public var connectTimeout: TimeInterval
    public var totalTimeout: TimeInterval
    public var maxResponseBytes: Int
    public var maxIdlePerHost: Int
    /// Transfers running at once; more wait in line (bounds the blocking threads).
    public var maxConcurrentTransfers: Int
    public init(
      connectTimeout: TimeInterval = 5, totalTimeout: TimeInterval = 30, maxResponseBytes: Int = 32 << 20, maxIdlePerHost: Int = 4,
      maxConcurrentTransfers: Int = 8
    ) {
      self.connectTimeout = connectTimeout
      self.totalTimeout = totalTimeout
      self.maxResponseBytes = maxResponseBytes
      self.maxIdlePerHost = maxIdlePerHost
      self.maxConcurrentTransfers = max(1, maxConcurrentTransfers)
    }
  }

  public let options: Options
  private let queue: OperationQueue
  private let lock = NSLock()
  // Guarded by `lock`.
  private var idle: [String: [OpaquePointer]] = [:]
  private var closed = false

  public init(options: Options = Options()) {
    CurlGlobal.ensureInitialized()
    self.options = options
    queue = OperationQueue()
    queue.name = "dmswatch.curl"
    queue.maxConcurrentOperationCount = options.maxConcurrentTransfers
  }

  deinit {
    for handles in idle.values { for h in handles { curl_easy_cleanup(UnsafeMutableRawPointer(h)) } }
  }

  /// Number of idle pooled handles (tests check reuse).
  public var idleHandleCount: Int { lock.withLock { idle.values.reduce(0) { $0 + $1.count } } }

  public func send(_ req: HTTPRequest) async throws -> HTTPResponse {
    try await withCheckedThrowingContinuation { (cont: CheckedContinuation<HTTPResponse, any Error>) in
      queue.addOperation {
        cont.resume(with: Result { try self.perform(req) })
      }
    }
  }
}

/// `curl_global_init` exactly once, before any handle exists.
enum CurlGlobal {
  private static let once: Bool = {
    curl_global_init(dmsw_global_all()) == CURLE_OK
  }()
  static func ensureInitialized() { _ = once }
}

/// Response accumulation for the C callbacks.
final class TransferState {
  var body = Data()
  var headers: [String: String] = [:]
  var statusLineSeen = false
  let cap: Int
  var overflow = false
  init(cap: Int) { self.cap = cap }
}

extension CurlTransport {
  private func poolKey(_ url: URL) -> String {
    "\(url.scheme ?? "")://\(url.host ?? ""):\(url.port ?? -1)"
  }

  private func checkout(_ key: String) -> OpaquePointer? {
    let h: OpaquePointer? = lock.withLock { idle[key]?.popLast() }
    if let h { return h }
    return curl_easy_init().map { OpaquePointer($0) }
  }

  private func checkin(_ key: String, _ h: OpaquePointer) {
    let keep = lock.withLock { () -> Bool in
      if closed || (idle[key]?.count ?? 0) >= options.maxIdlePerHost { return false }
      idle[key, default: []].append(h)
      return true
    }
    if !keep { curl_easy_cleanup(UnsafeMutableRawPointer(h)) }
  }

  func perform(_ req: HTTPRequest) throws -> HTTPResponse {
    let key = poolKey(req.url)
    guard let h = checkout(key) else {
      throw ServiceError(kind: .network, code: "CurlInit", message: "curl_easy_init failed")
    }
    let raw = UnsafeMutableRawPointer(h)
    var reusable = true
    defer {
      if reusable { checkin(key, h) } else { curl_easy_cleanup(raw) }
    }
    curl_easy_reset(raw)
    let state = TransferState(cap: options.maxResponseBytes)
    let unmanaged = Unmanaged.passRetained(state)
    defer { unmanaged.release() }
    let errbuf = UnsafeMutablePointer<CChar>.allocate(capacity: Int(dmsw_error_size()) + 1)
    errbuf.initialize(repeating: 0, count: Int(dmsw_error_size()) + 1)
    defer { errbuf.deallocate() }

    var headerList: UnsafeMutablePointer<curl_slist>? = nil
    defer { curl_slist_free_all(headerList) }
    for (k, v) in req.headers.sorted(by: { $0.key < $1.key }) {
      let line = v.isEmpty ? "\(k);" : "\(k): \(v)"
      headerList = curl_slist_append(headerList, line)
    }
    // No 100-continue round trip; curl adds Accept-Encoding itself.
    headerList = curl_slist_append(headerList, "Expect:")

    var rc = CURLE_OK
    func set(_ r: CURLcode) { if rc == CURLE_OK { rc = r } }
    set(req.url.absoluteString.withCString { dmsw_curl_setopt_ptr(raw, dmsw_opt_url(), $0) })
    set(dmsw_curl_setopt_long(raw, dmsw_opt_nosignal(), 1))
    set(dmsw_curl_setopt_long(raw, dmsw_opt_ssl_verifypeer(), 1))
    set(dmsw_curl_setopt_long(raw, dmsw_opt_ssl_verifyhost(), 2))
    set(dmsw_curl_setopt_long(raw, dmsw_opt_followlocation(), 0))
    set(dmsw_curl_setopt_long(raw, dmsw_opt_tcp_keepalive(), 1))
    if req.sendOnce {
      // libcurl re-sends once, silently, when a reused connection dies before an answer: never for these.
      set(dmsw_curl_setopt_long(raw, dmsw_opt_fresh_connect(), 1))
      set(dmsw_curl_setopt_long(raw, dmsw_opt_forbid_reuse(), 1))
    }
    // Best effort: CURLOPT_PROTOCOLS_STR needs libcurl ≥ 7.85 (older ones answer UNKNOWN_OPTION).
    _ = "http,https".withCString { dmsw_curl_setopt_ptr(raw, dmsw_opt_protocols_str(), $0) }
    set("".withCString { dmsw_curl_setopt_ptr(raw, dmsw_opt_accept_encoding(), $0) })
    set(dmsw_curl_setopt_long(raw, dmsw_opt_connecttimeout_ms(), Int(options.connectTimeout * 1000)))
    let total = req.timeout ?? options.totalTimeout
    set(dmsw_curl_setopt_long(raw, dmsw_opt_timeout_ms(), Int(total * 1000)))
    set(dmsw_curl_setopt_int64(raw, dmsw_opt_maxfilesize_large(), Int64(options.maxResponseBytes)))
    set(dmsw_curl_setopt_ptr(raw, dmsw_opt_errorbuffer(), errbuf))
    set(dmsw_curl_setopt_ptr(raw, dmsw_opt_httpheader(), headerList))
    set(dmsw_curl_setopt_writefn(raw, dmsw_opt_writefunction(), curlWriteBody))
    set(dmsw_curl_setopt_ptr(raw, dmsw_opt_writedata(), unmanaged.toOpaque()))
    set(dmsw_curl_setopt_writefn(raw, dmsw_opt_headerfunction(), curlWriteHeader))
    set(dmsw_curl_setopt_ptr(raw, dmsw_opt_headerdata(), unmanaged.toOpaque()))

    let method = req.method.uppercased()
    let body = req.body
    let result: CURLcode = body.withUnsafeBytes { (buf: UnsafeRawBufferPointer) -> CURLcode in
      if method == "GET" {
        set(dmsw_curl_setopt_long(raw, dmsw_opt_httpget(), 1))
      } else if method == "HEAD" {
        set(method.withCString { dmsw_curl_setopt_ptr(raw, dmsw_opt_customrequest(), $0) })
      } else {
        set(dmsw_curl_setopt_long(raw, dmsw_opt_post(), 1))
        set(dmsw_curl_setopt_int64(raw, dmsw_opt_postfieldsize_large(), Int64(buf.count)))
        // A non-null pointer even for an empty body, so curl never reads stdin.
        let empty: StaticString = ""
        set(dmsw_curl_setopt_ptr(raw, dmsw_opt_postfields(), buf.baseAddress ?? UnsafeRawPointer(empty.utf8Start)))
        if method != "POST" {
          set(method.withCString { dmsw_curl_setopt_ptr(raw, dmsw_opt_customrequest(), $0) })
        }
      }
      guard rc == CURLE_OK else { return rc }
      return curl_easy_perform(raw)
    }
    // The CUSTOMREQUEST string pointer was only valid inside withCString; reset drops it next time.
    if result != CURLE_OK {
      reusable = false
      if state.overflow || result == CURLE_FILESIZE_EXCEEDED {
        throw ServiceError(
          kind: .malformed, code: "ResponseTooLarge",
          message: "response from \(req.url.host ?? "?") exceeds \(options.maxResponseBytes) bytes")
      }
      let detail = String(cString: errbuf)
      let text = detail.isEmpty ? String(cString: curl_easy_strerror(result)) : detail
      let host = req.url.host ?? "?"
      switch result {
      case CURLE_OPERATION_TIMEDOUT:
        throw ServiceError(kind: .timeout, code: "Timeout", message: "\(host): \(text)")
      default:
        throw ServiceError(kind: .network, code: "Curl\(result.rawValue)", message: "\(host): \(text)")
      }
    }
    var status = 0
    dmsw_curl_getinfo_long(raw, dmsw_info_response_code(), &status)
    return HTTPResponse(status: status, headers: state.headers, body: state.body)
  }
}

private func curlWriteBody(_ ptr: UnsafeMutablePointer<CChar>?, _ size: Int, _ n: Int, _ ud: UnsafeMutableRawPointer?) -> Int {
  guard let ud, let ptr else { return 0 }
  let state = Unmanaged<TransferState>.fromOpaque(ud).takeUnretainedValue()
  let count = size * n
  if state.body.count + count > state.cap {
    state.overflow = true
    return 0
  }
  ptr.withMemoryRebound(to: UInt8.self, capacity: count) { state.body.append($0, count: count) }
  return count
}

private func curlWriteHeader(_ ptr: UnsafeMutablePointer<CChar>?, _ size: Int, _ n: Int, _ ud: UnsafeMutableRawPointer?) -> Int {
  guard let ud, let ptr else { return 0 }
  let state = Unmanaged<TransferState>.fromOpaque(ud).takeUnretainedValue()
  let count = size * n
  let line = ptr.withMemoryRebound(to: UInt8.self, capacity: count) {
    String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self)
  }
  let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
  if trimmed.hasPrefix("HTTP/") {
    // A new response (after 100-continue or a proxy CONNECT): start over.
    state.headers = [:]
  } else if let colon = trimmed.firstIndex(of: ":") {
    let k = trimmed[..<colon].lowercased()
    let v = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    if let old = state.headers[k] { state.headers[k] = old + ", " + v } else { state.headers[k] = v }
  }
  return count
}
