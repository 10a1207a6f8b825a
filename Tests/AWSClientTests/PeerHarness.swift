import Foundation
import XCTest

#if canImport(Glibc)
  import Glibc
#endif

/// Starts Tests/e2e/peer/dms_peer.py (moto plus the DMS operations moto lacks) on a free
/// loopback port, and stops it by PID.
final class PeerServer {
  let process: Process
  let port: Int
  var url: URL { URL(string: "http://127.0.0.1:\(port)")! }
  static let peerDir = Fixtures.repoRoot.appendingPathComponent("Tests/e2e/peer")

  /// Skips the test (with the reason) when python3 or moto is missing; anything else fails.
  static func requirePython() throws {
    let (status, _, err) = try PeerServer.python(["-c", "import moto, boto3, flask"], allowFailure: true)
    if status != 0 {
      throw XCTSkip("python3 with moto/boto3/flask is not available, peer tests skipped: \(String(decoding: err.suffix(200), as: UTF8.self))")
    }
  }

  init(
    scenario: String? = nil, taskPageSize: Int = 0, environment: [String: String] = [:], script: String = "dms_peer.py",
    extraArgs: [String] = []
  ) throws {
    try PeerServer.requirePython()
    port = try PeerServer.freePort()
    var args = [PeerServer.peerDir.appendingPathComponent(script).path]
    args += script == "dms_peer.py" ? ["--port", String(port)] : [String(port)]
    args += extraArgs
    if let scenario {
      let f = FileManager.default.temporaryDirectory.appendingPathComponent("dmswatch-scenario-\(port).json")
      try Data(scenario.utf8).write(to: f)
      args += ["--scenario", f.path]
    }
    if taskPageSize > 0 { args += ["--task-page-size", String(taskPageSize)] }
    process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3"] + args
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    // Never let the peer or its children reach a proxy.
    env["NO_PROXY"] = "*"
    process.environment = env
    let log = FileManager.default.temporaryDirectory.appendingPathComponent("dmswatch-peer-\(port).log")
    _ = FileManager.default.createFile(atPath: log.path, contents: nil)
    let h = try FileHandle(forWritingTo: log)
    process.standardOutput = h
    process.standardError = h
    try process.run()
    try waitForPort(timeout: 20)
  }

  deinit { stop() }

  func stop() {
    guard process.isRunning else { return }
    // moto's server traps SIGTERM without always exiting: give it a moment, then SIGKILL.
    let pid = process.processIdentifier
    kill(pid, SIGTERM)
    for _ in 0..<15 where process.isRunning { usleep(100_000) }
    if process.isRunning { kill(pid, SIGKILL) }
    process.waitUntilExit()
  }

  private func waitForPort(timeout: TimeInterval) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if !process.isRunning { throw PeerError("peer exited with status \(process.terminationStatus) before listening") }
      if PeerServer.canConnect(port) { return }
      usleep(100_000)
    }
    stop()
    throw PeerError("peer did not listen on 127.0.0.1:\(port) within \(timeout) s")
  }

  /// Runs the seeding script against this server; returns its JSON summary.
  func seed(_ extra: [String] = []) throws -> [String: Any] {
    let (_, out, _) = try PeerServer.python([PeerServer.peerDir.appendingPathComponent("seed.py").path, url.absoluteString] + extra)
    guard let obj = try JSONSerialization.jsonObject(with: out) as? [String: Any] else { throw PeerError("seed printed no JSON object") }
    return obj
  }

  @discardableResult
  static func python(_ args: [String], allowFailure: Bool = false) throws -> (Int32, Data, Data) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3"] + args
    var env = ProcessInfo.processInfo.environment
    env["NO_PROXY"] = "*"
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    p.environment = env
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    do {
      try p.run()
    } catch {
      if allowFailure { return (127, Data(), Data("\(error)".utf8)) }
      throw error
    }
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    if p.terminationStatus != 0 && !allowFailure {
      throw PeerError("python3 \(args.first ?? "") failed (\(p.terminationStatus)): \(String(decoding: e.suffix(800), as: UTF8.self))")
    }
    return (p.terminationStatus, o, e)
  }

  static func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw PeerError("socket() failed") }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let r = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    guard r == 0 else { throw PeerError("bind() failed") }
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: addr.sin_port))
  }

  static func canConnect(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = UInt16(port).bigEndian
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
  }
}

struct PeerError: Error, CustomStringConvertible {
  var description: String
  init(_ d: String) { description = d }
}
