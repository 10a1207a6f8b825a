import AWSClient
import CurlTransport
import DMSWatchModel
import Foundation
import XCTest

#if canImport(Glibc)
  import Glibc
#endif

final class CurlTransportTests: XCTestCase {
  func fixture() throws -> PeerServer { try PeerServer(script: "http_fixture.py") }

  func echo(_ r: HTTPResponse) throws -> JSONValue { try JSONValue.parse(r.body) }

  func testRoundTripHeadersBodyMethodsAndReuse() async throws {
    let srv = try fixture()
    defer { srv.stop() }
    let t = CurlTransport()
    let body = Data(#"{"k":"v ü"}"#.utf8)
    let r = try await t.send(HTTPRequest(method: "POST", url: srv.url.appendingPathComponent("echo"), headers: ["X-Amz-Target": "A.B", "Content-Type": "application/x-amz-json-1.1"], body: body))
    XCTAssertEqual(r.status, 200)
    XCTAssertEqual(r.header("Content-Type"), "application/json")
    XCTAssertEqual(r.header("x-multi"), "a")
    let e = try echo(r)
    XCTAssertEqual(e["method"]?.string, "POST")
    XCTAssertEqual(e["body"]?.string, #"{"k":"v ü"}"#)
    XCTAssertEqual(e["headers"]?["x-amz-target"]?.string, "A.B")
    XCTAssertEqual(e["headers"]?["content-type"]?.string, "application/x-amz-json-1.1")
    XCTAssertNil(e["headers"]?["expect"])
    XCTAssertNotNil(e["headers"]?["accept-encoding"], "CURLOPT_ACCEPT_ENCODING \"\" advertises decoders")
    let g = try await t.send(HTTPRequest(method: "GET", url: srv.url.appendingPathComponent("echo")))
    XCTAssertEqual(try echo(g)["method"]?.string, "GET")
    let p = try await t.send(HTTPRequest(method: "PUT", url: srv.url.appendingPathComponent("echo"), headers: ["x-aws-ec2-metadata-token-ttl-seconds": "21600"]))
    XCTAssertEqual(try echo(p)["method"]?.string, "PUT")
    XCTAssertEqual(try echo(p)["body"]?.string, "")
    XCTAssertEqual(t.idleHandleCount, 1, "one host, sequential calls: one pooled handle reused")

    let z = try await t.send(HTTPRequest(method: "GET", url: srv.url.appendingPathComponent("gzip")))
    XCTAssertEqual(try JSONValue.parse(z.body)["compressed"], .bool(true), "gzip body decoded transparently")
    let s = try await t.send(HTTPRequest(method: "GET", url: srv.url.appendingPathComponent("status/503")))
    XCTAssertEqual(s.status, 503)
  }

  func testConcurrentRequestsUseSeparateHandles() async throws {
    let srv = try fixture()
    defer { srv.stop() }
    let t = CurlTransport(options: .init(maxIdlePerHost: 8))
    let echoURL = srv.url.appendingPathComponent("echo")
    let results = try await withThrowingTaskGroup(of: String.self) { group in
      for i in 0..<24 {
        group.addTask {
          let r = try await t.send(HTTPRequest(method: "POST", url: echoURL, body: Data("n=\(i)".utf8)))
          return try JSONValue.parse(r.body)["body"]?.string ?? ""
        }
      }
      var out: [String] = []
      for try await r in group { out.append(r) }
      return out
    }
    XCTAssertEqual(Set(results), Set((0..<24).map { "n=\($0)" }))
    XCTAssertGreaterThanOrEqual(t.idleHandleCount, 1)
    XCTAssertLessThanOrEqual(t.idleHandleCount, 8)
  }

  func testTimeoutRefusedAndSizeCap() async throws {
    let srv = try fixture()
    defer { srv.stop() }
    let t = CurlTransport(options: .init(connectTimeout: 1, totalTimeout: 1, maxResponseBytes: 1 << 20))
    let start = Date()
    await assertThrowsKind(.timeout) { _ = try await t.send(HTTPRequest(method: "GET", url: srv.url.appendingPathComponent("slow"))) }
    XCTAssertLessThan(Date().timeIntervalSince(start), 5)
    // Per-request override.
    let t2 = CurlTransport(options: .init(totalTimeout: 30))
    await assertThrowsKind(.timeout) { _ = try await t2.send(HTTPRequest(method: "GET", url: srv.url.appendingPathComponent("slow"), timeout: 0.5)) }

    let ok = try await t.send(HTTPRequest(method: "GET", url: URL(string: "\(srv.url.absoluteString)/big?n=1000000")!))
    XCTAssertEqual(ok.body.count, 1_000_000)
    do {
      _ = try await t.send(HTTPRequest(method: "GET", url: URL(string: "\(srv.url.absoluteString)/big?n=2000000")!))
      XCTFail("over the cap")
    } catch let e as ServiceError {
      XCTAssertEqual(e.code, "ResponseTooLarge")
      XCTAssertEqual(e.kind, .malformed)
    }
    let dead = try PeerServer.freePort()
    do {
      _ = try await t.send(HTTPRequest(method: "GET", url: URL(string: "http://127.0.0.1:\(dead)/")!))
      XCTFail("nothing listens there")
    } catch let e as ServiceError {
      XCTAssertEqual(e.kind, .network)
      XCTAssertTrue(e.message.contains("127.0.0.1"), e.message)
    }
  }

  /// libcurl reads proxy settings from the environment itself; confirm with a loopback proxy.
  func testProxyEnvironmentHonoured() async throws {
    let srv = try fixture()
    defer { srv.stop() }
    // XCTest runs test methods one at a time, so changing the process environment here is safe.
    let saved: [(String, String?)] = ["http_proxy", "NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy"].map { k in (k, getenv(k).map { String(cString: $0) }) }
    defer { for (k, v) in saved { if let v { setenv(k, v, 1) } else { unsetenv(k) } } }
    unsetenv("no_proxy")
    unsetenv("NO_PROXY")
    setenv("http_proxy", srv.url.absoluteString, 1)
    let t = CurlTransport()
    // A .invalid host is never resolved: the request goes to the proxy in absolute form.
    let r = try await t.send(HTTPRequest(method: "GET", url: URL(string: "http://dmswatch-proxy-check.invalid/echo")!))
    XCTAssertEqual(try echo(r)["proxied"], .bool(true))
    XCTAssertEqual(try echo(r)["path"]?.string, "http://dmswatch-proxy-check.invalid/echo")

    // NO_PROXY bypasses a (dead) proxy for the loopback server.
    let dead = try PeerServer.freePort()
    setenv("http_proxy", "http://127.0.0.1:\(dead)", 1)
    setenv("NO_PROXY", "127.0.0.1", 1)
    let direct = try await CurlTransport().send(HTTPRequest(method: "GET", url: srv.url.appendingPathComponent("echo")))
    XCTAssertEqual(try echo(direct)["proxied"], .bool(false))
    unsetenv("NO_PROXY")
    await assertThrowsKind(.network) { _ = try await CurlTransport().send(HTTPRequest(method: "GET", url: srv.url.appendingPathComponent("echo"))) }

    // HTTPS_PROXY (upper case is honoured for https): curl asks the proxy for a CONNECT tunnel,
    // which the fixture refuses. The target is a loopback literal so nothing leaves the host.
    unsetenv("https_proxy")
    setenv("HTTPS_PROXY", srv.url.absoluteString, 1)
    do {
      _ = try await CurlTransport().send(HTTPRequest(method: "GET", url: URL(string: "https://127.0.0.2:9/")!))
      XCTFail("the tunnel is refused")
    } catch let e as ServiceError {
      XCTAssertEqual(e.kind, .network)
      XCTAssertTrue(e.message.contains("CONNECT") || e.message.contains("403"), e.message)
    }
    setenv("NO_PROXY", "127.0.0.2", 1)
    do {
      _ = try await CurlTransport().send(HTTPRequest(method: "GET", url: URL(string: "https://127.0.0.2:9/")!))
      XCTFail("nothing listens on port 9")
    } catch let e as ServiceError {
      XCTAssertFalse(e.message.contains("CONNECT"), "NO_PROXY bypasses HTTPS_PROXY: \(e.message)")
    }
  }

  func testTLSVerificationIsAlwaysOn() async throws {
    let srv = try PeerServer(script: "http_fixture.py", extraArgs: ["--tls"])
    defer { srv.stop() }
    do {
      _ = try await CurlTransport().send(HTTPRequest(method: "GET", url: URL(string: "https://127.0.0.1:\(srv.port)/echo")!))
      XCTFail("a self-signed certificate must be refused")
    } catch let e as ServiceError {
      XCTAssertEqual(e.kind, .network)
      XCTAssertTrue(e.message.lowercased().contains("certificate"), e.message)
    }
  }
}
